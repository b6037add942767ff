"""The experiment grid's model: two configuration axes x seeds, what it costs, and its cells.

A ``GridSpec`` (a base configuration, two axes, seeds, epochs) expands through
``engine/sweep.py`` (``expand``, ``validate``), so a value the schema refuses is named
with its rule before anything runs, and each run is the run ``main.py sweep`` makes.
``GridResults`` gathers the finished rows into cells (mean, sd, min, max of the final
validation accuracy, the loss curves, the mean decision boundary) and writes the CSV the
command line writes. Which fields can be axes comes from the parameter schema and the
registries (``axis_fields``), never from a list of names. (About 500 lines: the axes,
the plan and the results are one model that the window reads whole; split, each part would
import the others.)
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from . import activations, budget, datasets, initializers, losses, optimizers, sweep
from .config import MAX_LAYERS, PARAMS, Config, ConfigError, ModelConfig
from .schema import Param, got

__all__ = ["AxisField", "GridAxis", "GridSpec", "GridEstimate", "GridResults", "CellStats", "axis_fields",
           "classic_study", "format_value", "CONFIRM_RUNS", "RUN_OVERHEAD_SECONDS", "WORKER_START_SECONDS"]

#: a grid of more runs than this asks before it starts
CONFIRM_RUNS = 2000
#: seconds a run costs besides its training: shipping it to a worker and its row back
RUN_OVERHEAD_SECONDS = 0.01
#: seconds a pool of local worker processes takes to start (imports NumPy and the engine)
WORKER_START_SECONDS = 2.0
#: the share of the memory limit the kept results (curves, boundaries) may use
RESULTS_SHARE = 0.5

#: choice fields whose values are the entries of a registry (titles and tips come from it)
_REGISTRIES: dict[str, Mapping[str, Any]] = {
    "model.activation": activations.ACTIVATIONS, "model.init": initializers.INITIALIZERS,
    "train.optimizer": optimizers.OPTIMIZERS, "data.name": datasets.DATASETS, "model.output": losses.HEADS,
}
#: settings that are not offered as axes: the seeds and epochs have their own boxes, the
#: hidden list is varied as depth and width, and text or index settings make no grid
_NOT_AXES = {"train.seed", "train.epochs", "model.hidden", "data.features"}
DEPTH = Param("depth", "int", 2, 0, MAX_LAYERS, label="Depth", rule=f"must be an integer between 0 and {MAX_LAYERS}",
              tip="Number of hidden layers, each as wide as the base's first one.")


def format_value(value: Any) -> str:
    """A value as a label: 0.1, 16, [8, 8], on/off, full (a batch of everything)."""
    if value is None:
        return "default"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return value if isinstance(value, str) else json.dumps(value)


@dataclass(frozen=True)
class AxisField:
    """One configuration setting a grid axis can vary: its rule (``param``), its values on offer
    (``choices``: every registry entry, with titles), and the config path it sets."""

    key: str  # "model.init", or "depth" / "width" (both set model.hidden)
    label: str
    param: Param
    path: str
    choices: tuple = ()  # the values offered as check boxes (choice and bool fields)
    titles: tuple = ()  # display label of each choice
    tips: tuple = ()

    @property
    def numeric(self) -> bool:
        return self.param.kind in ("int", "float")

    @property
    def name(self) -> str:
        """'Initialiser (model.init)': how messages and menus name the field."""
        return self.label if self.key == self.path else f"{self.label} (model.hidden)"

    def title_of(self, value: Any) -> str:
        if value in self.choices:
            return self.titles[self.choices.index(value)]
        if value is None and self.param.name == "batch_size":
            return "full"
        return format_value(value)

    def check(self, value: Any) -> Any:
        """The clean value, or ConfigError naming this field and its rule."""
        if self.param.name == "batch_size" and isinstance(value, str) and value.lower() == "full":
            return None
        return self.param.check(self.name, value)

    def parse(self, text: str) -> tuple:
        """'0.01, 0.1, 1' -> (0.01, 0.1, 1.0), each checked against the field's range."""
        values = []
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            try:
                number: Any = float(item) if self.param.kind == "float" else int(float(item))
                if self.param.kind == "int" and float(item) != int(float(item)):
                    number = float(item)  # 2.5 for an integer: the rule says why it is refused
            except ValueError:
                number = item  # "full", or a word the rule refuses by name
            values.append(self.check(number))
        if len({json.dumps(v) for v in values}) != len(values):
            raise ConfigError(self.name, f"lists a value twice in {got(text)}")
        return tuple(values)

    def config_value(self, value: Any, base: dict) -> Any:
        """What the configuration holds for ``value`` (depth and width become a hidden list)."""
        if self.key == "depth":
            return [_base_width(base)] * int(value)
        if self.key == "width":
            return [int(value)] * max(1, len(_base_hidden(base)))
        return value


def _base_hidden(base: dict) -> list:
    return list(base.get("model", {}).get("hidden", ModelConfig.hidden))


def _base_width(base: dict) -> int:
    hidden = _base_hidden(base)
    return int(hidden[0]) if hidden else int(ModelConfig.WIDTH.default)


def _choice_field(path: str, param: Param) -> AxisField:
    registry = _REGISTRIES.get(path, {})
    titles, tips = [], []
    for name in param.choices:
        entry = registry.get(name)
        titles.append(getattr(entry, "title", None) or name.replace("_", " ").capitalize())
        tips.append(getattr(entry, "description", "") or "")
    if path == "model.bias_init":
        tips = [initializers.BIAS_INITIALIZERS[name] for name in param.choices]
    return AxisField(path, param.title, param, path, tuple(param.choices), tuple(titles), tuple(tips))


@cache
def axis_fields() -> dict[str, AxisField]:
    """Every setting a grid can vary, by key: model settings first (with depth and width), then
    training, then data. Choice fields offer every entry of their registry; numbers are typed."""
    out: dict[str, AxisField] = {}
    for section in ("model", "train", "data"):
        for name, param in PARAMS[section].items():
            path = f"{section}.{name}"
            if path in _NOT_AXES or param.kind == "text":
                continue
            if param.kind == "choice":
                out[path] = _choice_field(path, param)
            elif param.kind == "bool":
                out[path] = AxisField(path, param.title, param, path, (False, True), ("off", "on"))
            else:
                out[path] = AxisField(path, param.title, param, path)
        if section == "model":
            out["depth"] = AxisField("depth", "Depth", DEPTH, "model.hidden")
            out["width"] = AxisField("width", "Width", ModelConfig.WIDTH, "model.hidden")
            normal = initializers.INITIALIZERS["normal"].schema[0]  # init_param's widest rule
            out["model.init_param"] = AxisField("model.init_param", "Initialiser parameter", normal,
                                                "model.init_param")
    return out


@dataclass(frozen=True)
class GridAxis:
    """One axis of a grid: a field's key and the values it takes, in order."""

    key: str
    values: tuple

    @property
    def field(self) -> AxisField:
        return axis_fields()[self.key]


@dataclass(frozen=True)
class GridEstimate:
    """What a grid will cost: its runs, its time on ``workers`` workers, the memory its kept
    results take; ``confirm`` when it is big enough to ask first."""

    cells: int
    runs: int
    seconds: float
    workers: int
    result_bytes: int

    @property
    def confirm(self) -> bool:
        return self.runs > CONFIRM_RUNS

    def describe(self) -> str:
        """'16 cells x 10 seeds = 160 runs, about 8 s on 2 workers'."""
        seeds = self.runs // max(self.cells, 1)
        return (f"{self.cells:,} cell{'s' * (self.cells != 1)} × {seeds:,} seed{'s' * (seeds != 1)} = "
                f"{self.runs:,} run{'s' * (self.runs != 1)}, about {duration(self.seconds)} on "
                f"{self.workers} worker{'s' * (self.workers != 1)}")


def duration(seconds: float) -> str:
    """'40 s', '3 min', '1.5 h' for estimates (rounded: they are estimates)."""
    if not math.isfinite(seconds):
        return "an unknown time"
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


@dataclass(frozen=True)
class GridSpec:
    """A grid: the base configuration (a raw dict), the row axis, the column axis, the training
    seeds and the epochs of every run (None: the base's)."""

    base: dict
    rows: GridAxis
    cols: GridAxis
    seeds: tuple[int, ...]
    epochs: int | None = None

    @property
    def axes(self) -> tuple[GridAxis, GridAxis]:
        return self.rows, self.cols

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows.values), len(self.cols.values)

    @property
    def n_runs(self) -> int:
        return self.shape[0] * self.shape[1] * len(self.seeds)

    def sweep_axes(self) -> list[sweep.Axis]:
        """The grid as sweep axes, combinations in row-major order (depth x width, which both set
        model.hidden, become one axis of their product)."""
        a, b = self.rows.field, self.cols.field
        va = [a.config_value(v, self.base) for v in self.rows.values]
        vb = [b.config_value(v, self.base) for v in self.cols.values]
        if a.path != b.path:
            return [sweep.Axis(a.path, tuple(va)), sweep.Axis(b.path, tuple(vb))]
        hidden = []
        for v1 in self.rows.values:
            for v2 in self.cols.values:
                depth, width = (v1, v2) if a.key == "depth" else (v2, v1)
                hidden.append([int(width)] * int(depth))
        return [sweep.Axis("model.hidden", tuple(hidden))]

    def cell_of(self, index: int) -> tuple[int, int]:
        """The (row, column) of run ``index`` (seeds are innermost in sweep.expand)."""
        return divmod(index // len(self.seeds), self.shape[1])

    def _named(self, err: ConfigError) -> ConfigError:
        """A sweep error about an axis's values, named by the axis: 'Initialiser (rows): …'."""
        where = err.field.removeprefix("--vary ")
        for n, axis in enumerate(self.axes):
            path = axis.field.path
            if where == path or where.startswith(path + "["):
                return ConfigError(f"{axis.field.name} ({('rows', 'columns')[n]})", err.rule)
        return ConfigError(where, err.rule)

    def _plain_checks(self) -> None:
        for n, axis in enumerate(self.axes):
            side = ("rows", "columns")[n]
            if not axis.values:
                raise ConfigError(f"{axis.field.name} ({side})", "has no values; tick or type at least one")
        if self.rows.key == self.cols.key:
            raise ConfigError(f"{self.cols.field.name} (columns)", "is the rows' setting too; choose another")
        if self.rows.field.path == self.cols.field.path and {self.rows.key, self.cols.key} != {"depth", "width"}:
            raise ConfigError(f"{self.cols.field.name} (columns)", "sets the same setting as the rows")
        if not self.seeds:
            raise ConfigError("Seeds", "must be at least 1")
        if len(self.seeds) > sweep.MAX_SEEDS:
            raise ConfigError("Seeds", f"at most {sweep.MAX_SEEDS}, got {len(self.seeds)}")
        if self.epochs is not None:
            PARAMS["train"]["epochs"].check("Epochs", self.epochs)

    def combinations(self) -> list[sweep.Run]:
        """One run per cell (the first seed), checked against the schema: ConfigError names the axis."""
        self._plain_checks()
        try:
            return sweep.expand(self.base, self.sweep_axes(), list(self.seeds[:1]), self.epochs)
        except ConfigError as err:
            raise self._named(err) from None

    def check(self) -> list[Config]:
        """The rules that need no data, at once: values, seeds, epochs, each cell's memory
        (engine/budget.py) and the kept results' memory. The cells' configurations (first seed)."""
        configs = [Config.from_dict(run.config) for run in self.combinations()]
        for config in configs:
            try:
                budget.check(config)
            except ConfigError as err:
                raise self._named(err) from None
        kept, limit = self._result_bytes(configs), RESULTS_SHARE * budget.memory_limit()
        if kept > limit:
            raise ConfigError("Seeds × epochs", f"the results would keep about {budget.format_bytes(kept)} "
                                                f"(limit {budget.format_bytes(limit)}); use fewer seeds, epochs "
                                                "or values")
        return configs

    def validate(self) -> None:
        """What only the data can tell (a sigmoid head on 3 classes, a feature index past the
        data's width): every cell's session is built once (sweep.validate). ConfigError names the axis."""
        try:
            sweep.validate(self.combinations(), self.sweep_axes())
        except ConfigError as err:
            raise self._named(err) from None

    def expand(self) -> list[sweep.Run]:
        """Every run, in the order sweep.expand makes them (cells row-major, seeds innermost)."""
        self._plain_checks()
        try:
            return sweep.expand(self.base, self.sweep_axes(), list(self.seeds), self.epochs)
        except ConfigError as err:
            raise self._named(err) from None

    def _result_bytes(self, configs: list[Config]) -> int:
        per_cell = 0
        for config in configs:
            layers = len(config.model.hidden) + 1
            per_cell += len(self.seeds) * (config.train.epochs * (6 + layers) * 8 + 2048)
            per_cell += BOUNDARY_RESOLUTION**2 * 8 * 8  # the summed probabilities (a few classes)
        return per_cell

    def estimate(self, workers: int, configs: list[Config] | None = None) -> GridEstimate:
        """Runs and time from engine/budget.py's per-epoch estimate of each cell, shared by
        ``workers`` workers, plus each run's overhead and the workers' start."""
        configs = configs if configs is not None else self.check()
        workers = max(1, int(workers))
        total = 0.0
        for config in configs:
            est = budget.estimate(config, boundary_resolution=BOUNDARY_RESOLUTION)
            one = est.build_seconds + config.train.epochs * est.epoch_seconds + est.picture_seconds
            total += len(self.seeds) * (one + RUN_OVERHEAD_SECONDS)
        return GridEstimate(len(configs), self.n_runs, WORKER_START_SECONDS + total / workers, workers,
                            self._result_bytes(configs))


#: the boundary grid of each run (points per side): small images in the small multiples
BOUNDARY_RESOLUTION = 40

#: the base of the classic study: resources/configs/1a_blobs4_zeros_tanh.json
CLASSIC_BASE = {
    "data": {"name": "blobs", "n_samples": 1000, "val_fraction": 0.1, "seed": 0},
    "model": {"hidden": [2], "activation": "tanh", "init": "zeros", "bias_init": "zeros", "output": "softmax"},
    "train": {"optimizer": "gd", "lr": 0.5, "epochs": 200, "seed": 0},
}


def classic_study(epochs: int = 50, seeds: int = 10) -> GridSpec:
    """Initialisation x activation on four blobs with 2 hidden units, full-batch GD: zeros never
    breaks the symmetry, sigmoid learns slowest; each cell over ``seeds`` seeds."""
    return GridSpec(json.loads(json.dumps(CLASSIC_BASE)), GridAxis("model.init", ("zeros", "normal", "xavier", "he")),
                    GridAxis("model.activation", ("sigmoid", "tanh", "relu", "leaky_relu")),
                    tuple(range(seeds)), epochs)


# -- results -------------------------------------------------------------------------------------
@dataclass
class CellStats:
    """One cell over its seeds: counts, final validation accuracy (over the finished runs whose
    accuracy is finite; sd with ddof=1, NaN for one run), loss curves, the mean boundary."""

    runs: int  # finished (completed or diverged)
    planned: int
    failed: int
    diverged: int
    mean: float
    sd: float
    min: float
    max: float
    seeds: list = field(default_factory=list)  # (seed, val_accuracy, stopped_reason, run index), by seed
    epochs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mean_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    seed_losses: list = field(default_factory=list)  # each finished seed's training loss per epoch
    boundary: tuple | None = None  # (xs, ys, mean probabilities res x res x classes)
    reason: str = ""  # why runs failed


class GridResults:
    """The rows of a grid's runs as they come, by run index, and the cells they make."""

    def __init__(self, spec: GridSpec, runs: list[sweep.Run]):
        self.spec = spec
        self.runs = runs
        self.rows: dict[int, dict] = {}
        self.failures: dict[int, str] = {}
        self._boundary: dict[tuple[int, int], list] = {}  # cell -> [xs, ys, summed probs, count]
        self.version = 0  # grows with every change (views redraw when it moved)
        self._cell_version: dict[tuple[int, int], int] = {}
        self._memo: dict[tuple[int, int], tuple[int, CellStats]] = {}

    def cell_version(self, i: int, j: int) -> int:
        """Grows whenever cell (i, j) changes: a view's cached picture of it is stale."""
        return self._cell_version.get((i, j), 0)

    def _touch(self, cell: tuple[int, int]) -> None:
        self._cell_version[cell] = self._cell_version.get(cell, 0) + 1
        self.version += 1

    @property
    def finished(self) -> int:
        return len(self.rows)

    @property
    def total(self) -> int:
        return len(self.runs)

    def add(self, index: int, row: dict) -> tuple[int, int]:
        """Keep run ``index``'s row (run_one's dict with history and boundary); its cell."""
        cell = self.spec.cell_of(index)
        boundary = row.get("boundary")
        row = {k: v for k, v in row.items() if k != "boundary"}  # summed per cell, not kept per run
        self.rows[index] = row
        self.failures.pop(index, None)
        probs = None if boundary is None else np.asarray(boundary["probs"], dtype=np.float64)
        if probs is not None and np.isfinite(probs).all():  # a diverged run's NaNs would blank the mean
            acc = self._boundary.get(cell)
            if acc is None or acc[2].shape != probs.shape:
                self._boundary[cell] = [boundary["xs"], boundary["ys"], probs.copy(), 1]
            else:
                acc[2] += probs
                acc[3] += 1
        self._touch(cell)
        return cell

    def fail_unfinished(self, reason: str) -> set[tuple[int, int]]:
        """Mark every run without a row as failed with ``reason``; the cells touched."""
        cells = set()
        for run in self.runs:
            if run.index not in self.rows:
                self.failures[run.index] = reason
                cells.add(self.spec.cell_of(run.index))
        for cell in cells:
            self._touch(cell)
        return cells

    def cell(self, i: int, j: int) -> CellStats:
        """The statistics of cell (i, j) over the seeds finished so far (computed once per change)."""
        version = self.cell_version(i, j)
        memo = self._memo.get((i, j))
        if memo is None or memo[0] != version:
            memo = self._memo[(i, j)] = (version, self._compute(i, j))
        return memo[1]

    def _compute(self, i: int, j: int) -> CellStats:
        n_seeds = len(self.spec.seeds)
        first = (i * self.spec.shape[1] + j) * n_seeds
        indices = range(first, first + n_seeds)
        rows = [(self.runs[k], self.rows[k]) for k in indices if k in self.rows]
        accs = np.array([r["val_accuracy"] for _, r in rows if _finite(r["val_accuracy"])], dtype=float)
        losses_ = [np.asarray(r["history"]["train_loss"], dtype=float) for _, r in rows if "history" in r]
        length = max((len(c) for c in losses_), default=0)
        matrix = np.full((len(losses_), length), np.nan)
        for k, curve in enumerate(losses_):
            matrix[k, : len(curve)] = np.where(np.isfinite(curve), curve, np.nan)
        counts = np.sum(np.isfinite(matrix), axis=0)
        mean_loss = np.divide(np.nansum(matrix, axis=0), counts, out=np.full(length, np.nan), where=counts > 0)
        reasons = {self.failures[k] for k in indices if k in self.failures}
        acc = self._boundary.get((i, j))
        return CellStats(
            runs=len(rows), planned=n_seeds, failed=sum(k in self.failures for k in indices),
            diverged=sum(r["stopped_reason"] == "diverged" for _, r in rows),
            mean=float(accs.mean()) if accs.size else math.nan,
            sd=float(accs.std(ddof=1)) if accs.size > 1 else math.nan,
            min=float(accs.min()) if accs.size else math.nan, max=float(accs.max()) if accs.size else math.nan,
            seeds=sorted((run.labels["seed"], r["val_accuracy"], r["stopped_reason"], run.index) for run, r in rows),
            epochs=np.arange(1, length + 1), mean_loss=mean_loss, seed_losses=losses_,
            boundary=None if acc is None else (acc[0], acc[1], acc[2] / acc[3]),
            reason="; ".join(sorted(reasons)))

    def run_at(self, i: int, j: int, seed: int) -> sweep.Run:
        """The run of cell (i, j) with training seed ``seed``."""
        first = (i * self.spec.shape[1] + j) * len(self.spec.seeds)
        return self.runs[first + self.spec.seeds.index(seed)]

    # -- the CSV the command line writes --------------------------------------------------------
    def csv_fields(self) -> list[str]:
        """The CLI's columns (each varied config path, seed, RESULT_FIELDS), after the grid's own
        axis names when they are not config paths (depth, width)."""
        own = [a.key for a in self.spec.axes if a.key != a.field.path]
        return own + [a.path for a in self.spec.sweep_axes()] + ["seed"] + sweep.RESULT_FIELDS

    def csv_rows(self) -> list[dict]:
        """One row per run that finished or failed, in run order; values as main.py sweep writes them."""
        fields_ = self.csv_fields()
        out = []
        for run in self.runs:
            result = self.rows.get(run.index)
            if result is None and run.index not in self.failures:
                continue  # never ran (cancelled)
            labels = dict(run.labels)
            i, j = self.spec.cell_of(run.index)
            for axis, value in zip(self.spec.axes, (self.spec.rows.values[i], self.spec.cols.values[j])):
                if axis.key != axis.field.path:
                    labels[axis.key] = value
            if result is None:
                result = {name: "" for name in sweep.RESULT_FIELDS}
                result["stopped_reason"] = f"failed: {self.failures[run.index]}"
            row = {k: _cell(labels[k]) for k in fields_ if k in labels}
            row.update({k: result[k] for k in sweep.RESULT_FIELDS})
            out.append(row)
        return out

    def write_csv(self, path: str | os.PathLike[str]) -> None:
        """Atomically (engine/atomic.py): a failed save leaves the earlier file as it was."""
        from .atomic import atomic_write

        with atomic_write(path, encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self.csv_fields())
            writer.writeheader()
            writer.writerows(self.csv_rows())


def _cell(value: Any) -> str:
    """A label as the command line's CSV writes it: text as is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)
