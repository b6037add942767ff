"""Sweeps: a grid over configuration axes and seeds, run in worker processes through joblib.

Each run is a plain function of a config dict (``run_one``), so joblib can ship
it to any of its backends: local processes by default ("loky"), or a cluster.

Dask: ``--backend dask`` connects a ``dask.distributed.Client`` to ``--address``
(e.g. tcp://scheduler:8786), or, without it, to the scheduler named by
``DASK_SCHEDULER_ADDRESS``, else to a local cluster; then runs under
``joblib.parallel_config(backend="dask", client=client)``.
Ray: ``--backend ray`` calls ``ray.util.joblib.register_ray()`` (and
``ray.init(address=...)`` when ``--address`` is given; otherwise Ray reads
``RAY_ADDRESS`` or starts locally); then runs under ``parallel_config(backend="ray")``.
Any other backend joblib knows (``threading``, ``multiprocessing``, one a
plug-in registered) is passed through as is. The workers must be able to import
this package (install it on every node) and read any CSV file the config names.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import jsonfile
from .config import MAX_SEED, Config, ConfigError, set_path

if TYPE_CHECKING:
    from .snapshot import Snapshot

__all__ = ["Axis", "Run", "MAX_SEEDS", "MAX_RUNS", "RESULT_FIELDS", "BACKEND_SETUP", "parse_vary", "parse_seeds",
           "CURVES", "expand", "validate", "run_one", "run_grid", "backend", "summarise"]

#: seeds one sweep may run (--seeds 0-999 is the most)
MAX_SEEDS = 1000
#: runs one sweep may have: combinations x seeds
MAX_RUNS = 100_000

RESULT_FIELDS = ["train_loss", "val_loss", "train_accuracy", "val_accuracy", "stopped_reason", "epochs",
                 "grad_first_to_output"]


@dataclass(frozen=True)
class Axis:
    """One axis of the grid: a dotted config path and the values it takes."""

    path: str  # e.g. "model.init"
    values: tuple


@dataclass(frozen=True)
class Run:
    """One cell of the grid for one seed: its labels (varied values and seed) and its config."""

    index: int
    labels: dict  # {"model.init": "he", ..., "seed": 3}
    config: dict  # validated, resolved (Config.to_dict())

    def describe(self) -> str:
        """'model.init=he model.hidden=[16, 16] seed=3' for progress lines."""
        return " ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in self.labels.items())


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets and quotes: '[16,16],[8]' -> ['[16,16]', '[8]']."""
    parts, depth, quoted, current = [], 0, False, []
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "[{":
            depth += 1
        elif not quoted and ch in "]}":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def _value(text: str, path: str):
    """A value as JSON when it parses (0.1, [16, 16], null, true), else the bare word (he, sigmoid).
    JSON that breaks a limit (NaN, 1e999, a 5000-digit integer, nesting deeper than 64) is refused."""
    try:
        return jsonfile.parse(text, f"--vary {path}", require_object=False)
    except jsonfile.JSONSyntaxError:
        return text


def parse_vary(spec: str) -> Axis:
    """'model.init=zeros,xavier' -> Axis("model.init", ("zeros", "xavier")); numbers and lists as JSON."""
    path, sep, values = spec.partition("=")
    path = path.strip()
    if not sep or not path or not values.strip():
        raise ConfigError(f"--vary {spec}", "must look like section.key=value1,value2 (e.g. model.init=zeros,he)")
    try:
        set_path({}, path, None)  # checks the shape of the path: section.key
    except ConfigError as err:
        raise ConfigError(f"--vary {path}", err.rule) from None
    if path == "train.seed":
        raise ConfigError("--vary train.seed", "use --seeds to choose the training seeds")
    items = _split_top_level(values)
    if any(item == "" for item in items):
        raise ConfigError(f"--vary {path}", f"has an empty value in {values!r}")
    parsed = tuple(_value(item, path) for item in items)
    if len({json.dumps(v) for v in parsed}) != len(parsed):
        raise ConfigError(f"--vary {path}", f"lists a value twice in {values!r}")
    return Axis(path, parsed)


def parse_seeds(spec: str) -> list[int]:
    """'0-9' -> 0..9; '0,3,5' -> [0, 3, 5]; '7' -> [7]; ranges and lists mix ('0-2,8').

    At most ``MAX_SEEDS``: the count is checked on the ranges, before any list is built
    (0-4294967295 is refused at once)."""
    spans: list[tuple[int, int]] = []
    try:
        for part in spec.split(","):
            part = part.strip()
            if "-" in part[1:]:
                lo, hi = (int(x) for x in part.split("-", 1))
                if hi < lo:
                    raise ValueError
            else:
                lo = hi = int(part)
            spans.append((lo, hi))
    except ValueError:
        raise ConfigError("--seeds", f"must be a range like 0-9 or a list like 0,3,5, got {_shown(spec)}") from None
    if any(lo < 0 or hi > MAX_SEED for lo, hi in spans):
        raise ConfigError("--seeds", f"must be between 0 and {MAX_SEED}, got {_shown(spec)}")
    count = sum(hi - lo + 1 for lo, hi in spans)
    if count > MAX_SEEDS:
        raise ConfigError("--seeds", f"at most {MAX_SEEDS} seeds, got {count}")
    seeds = [seed for lo, hi in spans for seed in range(lo, hi + 1)]
    if len(set(seeds)) != len(seeds):
        raise ConfigError("--seeds", f"lists a seed twice in {_shown(spec)}")
    return seeds


def _shown(text: str, limit: int = 60) -> str:
    """A user's text quoted in a message, cut short when long."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _on_axis(err: ConfigError, axes: list[Axis]) -> ConfigError:
    """Name the --vary axis when a config error is about its values (its path, or an element
    of it: model.hidden[1]); otherwise the error as it is."""
    if any(err.field == a.path or err.field.startswith(a.path + "[") for a in axes):
        return ConfigError(f"--vary {err.field}", err.rule)
    return err


def expand(base: dict, axes: list[Axis], seeds: list[int], epochs: int | None = None) -> list[Run]:
    """Every run of the grid, combinations in the order given, seeds innermost.

    ``base`` is a raw config dict; each run sets the varied values, then
    ``train.seed``, then ``train.epochs`` when ``epochs`` is given. Raises
    ConfigError before anything runs, naming the --vary axis when a value is
    at fault (``--vary model.init: must be one of zeros, ..., got "hee"``).
    """
    paths = [a.path for a in axes]
    for path in paths:
        if paths.count(path) > 1:
            raise ConfigError(f"--vary {path}", "is given twice; list all its values in one --vary")
    if epochs is not None and "train.epochs" in paths:
        raise ConfigError("--vary train.epochs", "cannot be combined with --epochs")
    combinations, n_seeds = math.prod(len(axis.values) for axis in axes), len(seeds)
    if combinations * n_seeds > MAX_RUNS:  # counted before a single run is built
        raise ConfigError("--vary", f"the grid would be {combinations:,} combinations x {n_seeds:,} "
                                    f"seed{'' if n_seeds == 1 else 's'} = {combinations * n_seeds:,} runs; "
                                    f"at most {MAX_RUNS:,} runs")
    runs = []
    for combo in itertools.product(*(axis.values for axis in axes)):
        for seed in seeds:
            raw = json.loads(json.dumps(base))
            for axis, value in zip(axes, combo):
                set_path(raw, axis.path, value)
            set_path(raw, "train.seed", seed)
            if epochs is not None:
                set_path(raw, "train.epochs", epochs)
            try:
                cfg = Config.from_dict(raw)
            except ConfigError as err:
                raise _on_axis(err, axes) from None
            labels = {axis.path: value for axis, value in zip(axes, combo)}
            labels["seed"] = seed
            runs.append(Run(len(runs), labels, cfg.to_dict()))
    return runs


def validate(runs: list[Run], axes: list[Axis]) -> None:
    """Build every combination's session once (data, split, network) so that what only the
    data can tell (a sigmoid head on 3 classes, an unreadable CSV file, a feature index
    past the data's width) fails before any worker starts. ConfigError names the axis."""
    from .session import Session

    seen = set()
    for run in runs:
        key = json.dumps({k: v for k, v in run.labels.items() if k != "seed"}, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        try:
            Session(Config.from_dict(run.config))
        except ConfigError as err:
            raise _on_axis(err, axes) from None


def run_one(config: dict, curves: bool = False, boundary_resolution: int | None = None) -> dict:
    """Train one configuration to the end; the numbers a sweep row keeps.

    The same training as ``main.py run`` of that config: equal seeds give equal numbers.
    ``grad_first_to_output`` is the first layer's mean |dL/dW| over the output
    layer's at the end (the vanishing-gradient ratio); the final snapshot always
    computes the layer statistics for it, which changes no weight.

    ``curves`` (the window's grid and seed bands) adds ``history``: the per-epoch
    curves as arrays (``CURVES``; ``grad_mean_abs`` is epochs x layers), and, with
    ``boundary_resolution``, ``boundary``: the final class probabilities over that
    grid (``xs``, ``ys``, ``probs``: res x res x classes, ``features``).
    """
    from .runner import run_to_end
    from .session import Session

    session = Session(Config.from_dict(config), epoch_diagnostics=True)
    session.want_diagnostics = True  # only the final snapshot is taken: one extra pass
    session.boundary_resolution = boundary_resolution if curves else None
    session.snapshot_every = 2**62  # only the final snapshot
    final = run_to_end(session)
    row = {
        "train_loss": final.train_loss, "val_loss": final.val_loss,
        "train_accuracy": final.train_accuracy, "val_accuracy": final.val_accuracy,
        "stopped_reason": final.status, "epochs": final.epoch,
        "grad_first_to_output": _grad_ratio(final),
    }
    if curves:
        h = final.history
        row["history"] = {name: np.array(getattr(h, name)) for name in CURVES}
        b = final.boundary
        row["boundary"] = None if b is None else {"xs": b.xs, "ys": b.ys, "probs": b.probs,
                                                  "features": b.features}
    return row


#: the per-epoch curves ``run_one(curves=True)`` hands back (History's field names)
CURVES = ("epochs", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "grad_mean_abs")


def _grad_ratio(final: Snapshot) -> float:
    layers = final.layers
    if len(layers) < 2 or not layers[-1].grad_mean_abs > 0:
        return math.nan
    return layers[0].grad_mean_abs / layers[-1].grad_mean_abs


def _indexed(index: int, config: dict, curves: bool = False, boundary_resolution: int | None = None
             ) -> tuple[int, dict]:
    return index, run_one(config, curves, boundary_resolution)


# -- joblib backends: what a cluster needs before joblib can use it ------------------------------
#: how long ``--backend dask --address`` waits for the scheduler before naming it unreachable
DASK_CONNECT_SECONDS = 10


def _setup_dask(address: str | None, stack: contextlib.ExitStack) -> dict:
    try:
        from dask.distributed import Client
    except ImportError:
        raise ConfigError("--backend dask", 'needs the dask and distributed packages: pip install "dask[distributed]"'
                          ) from None
    try:
        client = Client(address, timeout=DASK_CONNECT_SECONDS) if address else Client()
    except (OSError, ValueError) as exc:  # TimeoutError is an OSError
        raise ConfigError("--address", f"cannot reach the Dask scheduler {address or ''} ({exc})".replace("  ", " ")
                          ) from None
    stack.callback(client.close)
    return {"client": client}


def _setup_ray(address: str | None, stack: contextlib.ExitStack) -> dict:
    try:
        import ray
        from ray.util.joblib import register_ray
    except ImportError:
        raise ConfigError("--backend ray", 'needs the ray package: pip install "ray[default]"') from None
    register_ray()
    if address and not ray.is_initialized():
        try:
            ray.init(address=address)
        except (ConnectionError, OSError, ValueError) as exc:
            raise ConfigError("--address", f"cannot reach the Ray cluster {address} ({exc})") from None
        stack.callback(ray.shutdown)
    return {}


#: backend name -> setup(address, exit stack) -> extra parallel_config parameters
BACKEND_SETUP: dict[str, Callable[[str | None, contextlib.ExitStack], dict]] = {
    "dask": _setup_dask,
    "ray": _setup_ray,
}


@contextlib.contextmanager
def backend(name: str = "loky", n_jobs: int = -1, address: str | None = None) -> Iterator[None]:
    """Inside this block joblib runs on backend ``name`` with ``n_jobs`` workers (-1: all cores
    or all of a cluster's cores). ConfigError for an unknown backend, a missing package,
    or an unreachable cluster."""
    from joblib import parallel_config
    from joblib.parallel import BACKENDS, EXTERNAL_BACKENDS

    with contextlib.ExitStack() as stack:
        setup = BACKEND_SETUP.get(name)
        if setup is None and address:
            raise ConfigError("--address", f"applies to the dask and ray backends, not {json.dumps(name)}")
        if setup is None and name not in BACKENDS and name not in EXTERNAL_BACKENDS:
            valid = sorted(set(BACKENDS) | set(EXTERNAL_BACKENDS) | set(BACKEND_SETUP))
            raise ConfigError("--backend", f"must be one of {', '.join(valid)}, got {json.dumps(name)}")
        params = setup(address, stack) if setup else {}
        stack.enter_context(parallel_config(backend=name, n_jobs=n_jobs, **params))
        yield


def run_grid(runs: list[Run], curves: bool = False, boundary_resolution: int | None = None
             ) -> Iterator[tuple[Run, dict]]:
    """Run every run under the joblib backend in force (see ``backend``); yield (run, result)
    as each one finishes, in the order they finish. Backends that cannot hand results back
    one by one (multiprocessing, Ray's) deliver them all at the end. ``curves`` and
    ``boundary_resolution``: as ``run_one``'s. Closing the generator early cancels the runs
    not yet finished (joblib stops its workers)."""
    from joblib import Parallel, delayed
    from joblib.parallel import get_active_backend

    active, _ = get_active_backend()
    one_by_one = getattr(active, "supports_return_generator", False)
    by_index = {run.index: run for run in runs}
    jobs = (delayed(_indexed)(run.index, run.config, curves, boundary_resolution) for run in runs)
    for index, result in Parallel(return_as="generator_unordered" if one_by_one else "list")(jobs):
        yield by_index[index], result


def summarise(rows: list[dict], axes: list[Axis]) -> list[dict]:
    """Per cell (one combination of the varied values, over its seeds): the number of runs, of
    diverged runs, and the mean, min and max validation accuracy (NaN when no run has one)."""
    cells: dict[str, list[dict]] = {}
    for row in rows:
        key = json.dumps([row[a.path] for a in axes])
        cells.setdefault(key, []).append(row)
    out = []
    for key, members in cells.items():
        accs = [r["val_accuracy"] for r in members]
        finite = [a for a in accs if a is not None and math.isfinite(a)]
        out.append({
            **{a.path: v for a, v in zip(axes, json.loads(key))},
            "runs": len(members),
            "diverged": sum(r["stopped_reason"] == "diverged" for r in members),
            "mean": sum(finite) / len(finite) if finite else math.nan,
            "min": min(finite) if finite else math.nan,
            "max": max(finite) if finite else math.nan,
        })
    return out
