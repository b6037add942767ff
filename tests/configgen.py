"""Random *valid* configurations over the whole schema, for round-trip property tests.

Values are drawn from each setting's own ``Param`` (engine/config.PARAMS), so
a parameter added to a registry is exercised without touching this file:
every data set, activation (global and per layer), initialiser with its own
parameter, bias mode, optimiser constant, dtype, batch mode and penalty, and
numbers at the edges of their ranges or with all seventeen digits. Sizes stay
small enough for the window to build a session in a fraction of a second.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from engine import activations, budget, datasets, initializers
from engine.config import PARAMS, Config, DataConfig, ModelConfig
from engine.schema import Param


def _number(rng: np.random.Generator, p: Param):
    """A value inside ``p``'s range: an edge, a round number or a many-digit one."""
    lo, hi = p.bounds()
    if p.kind == "int":
        lo, hi = int(lo), int(min(hi, 2**40))
        pick = rng.integers(4)
        if pick == 0:
            return lo
        if pick == 1:
            return hi
        return int(rng.integers(lo, hi + 1))
    hi = min(hi, 1e6)
    lo = max(lo, -1e6)
    pick = rng.integers(6)
    if pick == 0:
        return float(hi)
    if pick == 1 and not p.lo_open:
        return float(lo)
    if pick == 2 and p.default is not None:
        return float(p.default)
    if (p.scale == "log" or pick == 3) and lo > 0:
        # log-uniform, down to the tiniest numbers an open lower bound allows
        low = max(lo, 1e-300 if p.scale == "log" else lo)
        return float(10 ** rng.uniform(math.log10(low), math.log10(hi)))
    value = float(rng.uniform(lo, hi))
    if pick == 4:
        value = float(f"{value:.3g}")
    return min(max(value, lo), hi)


def value_for(rng: np.random.Generator, p: Param):
    if p.optional and rng.random() < 0.3:
        return None
    if p.kind in ("int", "float"):
        return _number(rng, p)
    if p.kind == "bool":
        return bool(rng.integers(2))
    if p.kind == "choice":
        return str(rng.choice(p.choices))
    raise ValueError(f"no generator for {p.kind}")


def random_config(rng: np.random.Generator, csv_path: str | Path | None = None, small: bool = True) -> dict:
    """A raw configuration dict that Config.from_dict accepts and a Session can build.

    ``csv_path``: a CSV file for the csv data set (left out of the draw without one).
    ``small``: keep data and network sizes modest (the window builds them).
    A draw over the memory budget (engine/budget.py, with the window's boundary grid:
    a huge batch drawn with replacement through a very wide layer) is drawn again.
    """
    while True:
        raw = _draw(rng, csv_path, small)
        if budget.estimate(Config.from_dict(raw), boundary_resolution=150).total <= budget.memory_limit():
            return raw


def _draw(rng: np.random.Generator, csv_path: str | Path | None, small: bool) -> dict:
    d, m, t = PARAMS["data"], PARAMS["model"], PARAMS["train"]
    names = [n for n in datasets.DATASETS if n != "csv" or csv_path]
    name = str(rng.choice(names))
    spec = datasets.get(name)
    data = {"name": name}
    for key in ("noise", "val_fraction", "seed", "standardize"):
        data[key] = value_for(rng, d[key])
    data["n_samples"] = int(rng.integers(8, 600)) if small else value_for(rng, d["n_samples"])
    if rng.random() < 0.1:
        data["n_samples"] = int(rng.integers(20_000, 60_000))  # a large set, with a small network below
    for key, p in DataConfig.extra_params().items():
        if p.kind != "text":  # centers, arms and whatever a data set adds; path and label column below
            data[key] = value_for(rng, p)
    if name == "csv":
        data["path"] = str(csv_path)
        data["label_column"] = [None, -1, "label"][int(rng.integers(3))]
    n_features = spec.n_features or 3
    if n_features > 2 or rng.random() < 0.3:
        a, b = rng.choice(n_features, 2, replace=False)
        data["features"] = [int(a), int(b)]

    depth = int(rng.integers(0, 5))
    if rng.random() < 0.1:
        depth = int(rng.integers(10, 65))
    big = data["n_samples"] > 10_000
    widths = [int(rng.integers(1, 5 if big or depth > 8 else 40)) for _ in range(depth)]
    if depth and not big and rng.random() < 0.15:
        widths[int(rng.integers(depth))] = int(rng.integers(1000, m["hidden"].hi + 1))  # one very wide layer
        data["n_samples"] = min(data["n_samples"], 150)
    model = {"hidden": widths}
    for key in ("activation", "init", "bias_init", "bias_value", "output", "dtype", "leaky_slope", "elu_alpha"):
        model[key] = value_for(rng, m[key])
    for key in m:
        if key not in model and key not in ("hidden", "activations", "init_param"):
            model[key] = value_for(rng, m[key])  # a parameter a registry added
    if depth and rng.random() < 0.4:
        model["activations"] = [str(rng.choice(activations.names())) for _ in widths]
    if initializers.INITIALIZERS[model["init"]].schema and rng.random() < 0.8:
        model["init_param"] = _number(rng, ModelConfig.init_param_for(model["init"]))
    n_classes = 2 if name in ("moons", "circles", "xor", "blobs_xor", "gaussian_quantiles", "linear",
                              "iris_binary") else None
    if model["output"] == "sigmoid" and n_classes != 2:
        model["output"] = "softmax"  # the sigmoid head takes two classes only

    train = {}
    for key, p in t.items():
        if key != "batch_size":
            train[key] = value_for(rng, p)
    train["epochs"] = int(rng.integers(1, 2000)) if rng.random() < 0.8 else t["epochs"].hi
    train["batch_size"] = [None, "full", int(rng.integers(1, 64)), int(rng.integers(64, 1_000_000))][
        int(rng.integers(4))]
    return {"data": data, "model": model, "train": train}


def write_csv(path: Path) -> Path:
    """A small three-feature, three-class CSV file with a named label column."""
    rng = np.random.default_rng(7)
    rows = ["a,b,c,label"] + [f"{x:.4f},{y:.4f},{z:.4f},k{int(k)}"
                              for (x, y, z), k in zip(rng.normal(size=(90, 3)), np.arange(90) % 3)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
