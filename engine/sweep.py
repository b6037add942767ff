"""Sweeps: a grid over configuration axes and seeds, run in worker processes.

Each run is a plain function of a config dict, so joblib can ship it to any
backend: local processes by default ("loky"), or a Dask or Ray cluster by
naming its backend (``--backend dask`` after starting a ``dask.distributed``
Client; ``--backend ray`` after ``ray.util.joblib.register_ray()``) with no
other change.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass

from .config import Config, ConfigError, set_path

__all__ = ["Axis", "parse_vary", "parse_seeds", "expand", "run_one", "summarise", "RESULT_FIELDS"]

RESULT_FIELDS = ["train_loss", "val_loss", "train_accuracy", "val_accuracy", "stopped_reason", "epochs"]


@dataclass(frozen=True)
class Axis:
    path: str  # e.g. "model.init"
    values: tuple


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets: "[16,16],[8]" -> ["[16,16]", "[8]"]."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # a bare word such as he or sigmoid


def parse_vary(spec: str) -> Axis:
    """"model.init=zeros,xavier" -> Axis("model.init", ("zeros", "xavier"))."""
    path, sep, values = spec.partition("=")
    if not sep or not path.strip() or not values.strip():
        raise ConfigError(f"--vary {spec}", "must look like section.key=value1,value2 (e.g. model.init=zeros,he)")
    path = path.strip()
    set_path({}, path, None)  # validates the shape of the path
    items = [_value(v) for v in _split_top_level(values) if v != ""]
    return Axis(path, tuple(items))


def parse_seeds(spec: str) -> list[int]:
    """"0-9" -> 0..9; "0,3,5" -> [0, 3, 5]; "7" -> [7]."""
    seeds: list[int] = []
    try:
        for part in spec.split(","):
            part = part.strip()
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                if hi < lo:
                    raise ValueError
                seeds.extend(range(lo, hi + 1))
            else:
                seeds.append(int(part))
    except ValueError:
        raise ConfigError("--seeds", f"must be a range like 0-9 or a list like 0,3,5, got {spec!r}") from None
    if any(s < 0 for s in seeds):
        raise ConfigError("--seeds", f"must be non-negative, got {spec!r}")
    return seeds


def expand(base: dict, axes: list[Axis], seeds: list[int], epochs: int | None = None) -> list[tuple[dict, dict]]:
    """Every (labels, validated config dict) of the grid, in a stable order.

    Raises ConfigError naming the --vary axis when any combination is invalid,
    before anything runs.
    """
    runs = []
    for combo in itertools.product(*(axis.values for axis in axes)):
        for seed in seeds:
            raw = json.loads(json.dumps(base))
            labels = {}
            for axis, value in zip(axes, combo):
                set_path(raw, axis.path, value)
                labels[axis.path] = value
            set_path(raw, "train.seed", seed)
            if epochs is not None:
                set_path(raw, "train.epochs", epochs)
            try:
                cfg = Config.from_dict(raw)
            except ConfigError as err:
                varied = next((a.path for a in axes if err.field.startswith(a.path)), None)
                if varied:
                    raise ConfigError(f"--vary {varied}", err.rule) from None
                raise
            labels["seed"] = seed
            runs.append((labels, cfg.to_dict()))
    return runs


def run_one(raw: dict) -> dict:
    """Train one configuration to the end; the numbers a sweep row keeps."""
    from .session import Session

    session = Session(Config.from_dict(raw))
    session.snapshot_every = 10**12  # only the final snapshot
    final = None
    for snap in session.run():
        if snap is not None:
            final = snap
    return {
        "train_loss": final.train_loss, "val_loss": final.val_loss,
        "train_accuracy": final.train_accuracy, "val_accuracy": final.val_accuracy,
        "stopped_reason": final.status, "epochs": final.epoch,
    }


def summarise(rows: list[dict], axes: list[Axis]) -> list[dict]:
    """Mean, min and max of validation accuracy per cell (one combination of values)."""
    cells: dict[tuple, list[float]] = {}
    for row in rows:
        key = tuple(json.dumps(row[a.path]) for a in axes)
        cells.setdefault(key, []).append(row["val_accuracy"])
    out = []
    for key, accs in cells.items():
        finite = [a for a in accs if a is not None and math.isfinite(a)]
        out.append({
            **{a.path: json.loads(k) for a, k in zip(axes, key)},
            "runs": len(accs),
            "mean": sum(finite) / len(finite) if finite else math.nan,
            "min": min(finite) if finite else math.nan,
            "max": max(finite) if finite else math.nan,
        })
    return out
