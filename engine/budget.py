"""What a configuration will cost, worked out before anything is built: memory and time.

``estimate(config)`` adds up, from the configuration's numbers alone, the
arrays a ``Session`` (engine/session.py) keeps and the largest ones it makes
for a moment, and the time a training step, an epoch and the build take.
``check(config)`` refuses, with a ``ConfigError`` naming the setting most
responsible, a configuration that needs more than the memory limit (half of
this machine's memory, between 1 and 16 GB; or ``ACTIVATION_LAB_MEMORY_LIMIT_MB``),
so that the command line and the window say so in one line instead of running
out of memory. ``check_probe`` does the same for ``main.py probe`` (engine/propagation.py). (Just over 400 lines: the
accounting of every array a session makes is kept in one place, next to the
messages that quote it.)

What is counted (s = bytes per number of ``model.dtype``, P = weights and biases):

- data: the generated set and its standardised split (float64, so twice n x d
  x 8, plus the split's temporary copies), one-hot targets, the network-dtype
  copies, the copy a shuffled epoch makes of the training set (two while it
  is being replaced), the fixed diagnostic and evaluation samples, and for a
  CSV file the rows of text the reader holds while it parses them;
- the network: weights, gradients, the optimiser's own state (0 arrays per
  weight for SGD and GD, 1 for momentum, Nesterov, RMSProp and AdaGrad, 2 for
  Adam: counted from the classes themselves) and its two work buffers, and the
  copies the session keeps: the initial weights (for Reset), the two fallback
  checkpoints (engine/checkpoint.py; when every step ends an epoch, also the
  optimiser's second buffer of the weights) and, with diagnostics, W before the last
  update;
- activations: a kept forward and backward pass (z, a and dL/dz per layer, the
  previous pass's dL/dz, and the backward pass's temporaries) over the largest
  set a pass keeps: a batch, the epoch's evaluation or the whole training set
  in full-batch training;
- evaluation: the keep-nothing passes over a whole set at once (validation each
  epoch, the training set for the first picture and the boundary's marked
  mistakes): a layer's input, its z, its output and the activation's temporaries;
- boundary (the window only): the resolution^2 grid's points and one pass over them;
- statistics: a snapshot's histograms of z, a and dL/dW (a float64 copy of each).

Time: a step is about 6 x batch x (sum over layers of fan_in x fan_out)
floating-point operations (2 forward, 4 backward), at a rate measured once
with a small matrix product, plus a fixed overhead per layer and per step and
a cost per activation value; an epoch adds its evaluation passes.
"""

from __future__ import annotations

import functools
import math
import os
import time
from dataclasses import dataclass

import numpy as np

from . import datasets, losses, optimizers
from .config import MAX_SAMPLES, Config, ConfigError

__all__ = ["MEMORY_LIMIT_MB", "LIMIT_ENV", "SLOW_STEP_SECONDS", "Estimate", "estimate", "check", "slow_step",
           "memory_limit", "default_limit_mb", "probe_bytes", "check_probe", "out_of_memory", "format_bytes",
           "responsible", "flop_rate"]

#: The memory limit of one session, in MiB, where the machine's memory cannot be read
#: (override: ACTIVATION_LAB_MEMORY_LIMIT_MB). Elsewhere: half the machine's memory, within
#: ``LIMIT_RANGE_MB`` (the other half is the window's, the system's and other programs').
MEMORY_LIMIT_MB = 2048
LIMIT_RANGE_MB = (1024, 16384)
LIMIT_ENV = "ACTIVATION_LAB_MEMORY_LIMIT_MB"
#: A step estimated to take longer than this many seconds is worth a warning.
SLOW_STEP_SECONDS = 1.0

_FLOAT = {"float64": 8, "float32": 4}
#: arrays of a layer's size an activation's forward pass holds besides z and its output
#: (measured: tanh, ReLU and sigmoid none; ELU's expm1 and SELU's scaling one; GELU's erf two)
_FORWARD_TEMPS = {"leaky_relu": 1, "elu": 1, "selu": 1, "swish": 1, "gelu": 2}
#: CSV reading: Python's text cells and row lists, per cell and per row (bytes)
_CSV_CELL, _CSV_ROW = 64, 160
#: seconds: per optimiser step, per layer and step, per activation value touched, per data point built
_STEP_OVERHEAD, _LAYER_OVERHEAD, _PER_VALUE, _PER_POINT = 40e-6, 15e-6, 1e-8, 6e-7
#: seconds per weight drawn and per byte copied while building
_PER_WEIGHT, _PER_BYTE = 2.5e-8, 4e-10


def default_limit_mb() -> float:
    """Half of this machine's physical memory in MiB, kept within ``LIMIT_RANGE_MB``;
    ``MEMORY_LIMIT_MB`` where the system does not say."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return MEMORY_LIMIT_MB
    if total <= 0:
        return MEMORY_LIMIT_MB
    lo, hi = LIMIT_RANGE_MB
    return min(max(total / 2 / 2**20, lo), hi)


def memory_limit() -> int:
    """The memory limit in bytes: ACTIVATION_LAB_MEMORY_LIMIT_MB if set (a positive number), else
    ``default_limit_mb()``."""
    text = os.environ.get(LIMIT_ENV, "").strip()
    try:
        mb = float(text) if text else default_limit_mb()
    except ValueError:
        mb = default_limit_mb()
    if not (mb > 0 and math.isfinite(mb)):
        mb = default_limit_mb()
    return int(mb * 2**20)


def format_bytes(n: float) -> str:
    """'3.1 GB', '250 MB', '12 KB' (binary units, two significant digits under 10)."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            x = n / size
            text = f"{x:.1f}" if x < 9.95 else f"{x:,.0f}"
            return f"{text.removesuffix('.0')} {unit}"
    return f"{int(n)} bytes"


def _seconds(t: float) -> str:
    if t < 0.0095:
        return f"{t * 1000:.1f} ms"
    if t < 1:
        return f"{t * 1000:.0f} ms"
    if t < 90:
        return f"{t:.0f} s" if t >= 9.5 else f"{t:.1f} s"
    if t < 5400:
        return f"{t / 60:.0f} min"
    return f"{t / 3600:.1f} h"


@dataclass(frozen=True)
class Estimate:
    """Bytes per part (``parts``: label -> bytes, in a fixed order) and seconds.

    ``build_seconds`` is the data set, split and session construction (what the
    window may do off its own thread); ``step_seconds`` one optimiser step;
    ``epoch_seconds`` an epoch with its evaluation; ``picture_seconds`` the first
    picture (passes over the training and validation sets and the boundary grid).
    """

    parts: tuple[tuple[str, int], ...]
    step_seconds: float
    epoch_seconds: float
    build_seconds: float
    n_samples: int
    n_features: int
    n_parameters: int
    picture_seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(b for _, b in self.parts)

    def part(self, label: str) -> int:
        return dict(self.parts).get(label, 0)

    def breakdown(self, limit: int = 4) -> str:
        """'weights 1.2 GB, Adam state 2.4 GB, …': the largest parts, largest first."""
        big = sorted((p for p in self.parts if p[1] >= 2**20), key=lambda p: -p[1])
        text = ", ".join(f"{label} {format_bytes(b)}" for label, b in big[:limit])
        return text + (", …" if len(big) > limit else "")

    def describe(self) -> str:
        """One line: 'about 3.1 GB (weights 1.2 GB, Adam state 2.4 GB, activations 200 MB, …)'."""
        inner = self.breakdown()
        return f"about {format_bytes(self.total)}" + (f" ({inner})" if inner else "")

    def step_text(self) -> str:
        """'Each step will take about 3 s on this machine.'"""
        return f"Each step will take about {_seconds(self.step_seconds)} on this machine."


# -- what the configuration says about the data ---------------------------------------------------
def _csv_shape(path: str | None) -> tuple[int, int]:
    """(rows, feature columns) of a CSV file guessed from its first lines and its size,
    without parsing it (the reader checks the file; this only sizes it)."""
    try:
        if not os.path.isfile(path):  # /dev/zero, a pipe: the reader refuses it, this must not read it
            return 0, 1
        size = os.path.getsize(path)
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            # at most 50 lines of at most 64 KB each: a file of one endless line is sized, not read
            lines = [line for line in (handle.readline(65536) for _ in range(50)) if line.strip()]
    except (OSError, TypeError, ValueError):
        return 0, 1
    if not lines:
        return 0, 1
    from .csvfile import delimiter  # here: csvfile and datasets import each other at load time

    first = lines[0]
    cols = max(1, first.count(delimiter(first)) + 1)  # the separator the reader will use
    per_line = max(2.0, sum(len(line.encode("utf-8")) for line in lines) / len(lines))
    return min(MAX_SAMPLES, int(size / per_line) + 1), max(1, cols - 1)


def _classes(config: Config) -> int:
    d = config.data
    if d.name == "blobs":
        return int(d.centers or datasets.CENTERS.default)
    if d.name == "spiral":
        return int(d.arms or datasets.ARMS.default)
    if d.name == "iris":
        return 3
    return 2


def _data_shape(config: Config, dataset: datasets.Dataset | None) -> tuple[int, int, int, bool]:
    """(points, features, classes, read from a CSV file) without building the data."""
    if dataset is not None:
        return len(dataset.y), dataset.n_features, dataset.n_classes, False
    d = config.data
    spec = datasets.get(d.name)
    if spec.n_features is None:
        rows, cols = _csv_shape(d.path)
        return rows, cols, 2, True
    n = d.n_samples if spec.uses_samples else spec.default_samples
    return int(n), int(spec.n_features), _classes(config), False


@functools.cache
def _state_arrays(name: str) -> int:
    """How many arrays per weight the optimiser ``name`` keeps (Adam 2, momentum 1, SGD 0)."""

    class _One:  # the smallest parameter the optimiser can take
        value = np.zeros(1)
        grad = np.zeros(1)
        regularize = True

    return len(optimizers.get(name, [_One()]).state[0])


@functools.lru_cache(maxsize=1)
def flop_rate() -> float:
    """Floating-point operations per second of a mid-size matrix product here, measured once."""
    a = np.random.default_rng(0).standard_normal((256, 256))
    best = math.inf
    for _ in range(4):
        t = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - t)
    return min(max(2 * 256**3 / max(best, 1e-9), 1e9), 5e11)


# -- the estimate --------------------------------------------------------------------------------------
def estimate(config: Config, dataset: datasets.Dataset | None = None,
             boundary_resolution: int | None = None) -> Estimate:
    """Memory (bytes, by part) and time of a session on ``config``; nothing is built.

    ``dataset``: the data when it exists already (a CSV file's real shape);
    otherwise its size comes from the configuration (a CSV file's from its first
    lines and its size). ``boundary_resolution``: the window's boundary grid
    (None: no boundary, as on the command line).
    """
    return _estimate(config, _data_shape(config, dataset), boundary_resolution)


def _estimate(config: Config, shape: tuple[int, int, int, bool], boundary_resolution: int | None) -> Estimate:
    from .session import DIAGNOSTIC_SAMPLE, EVALUATION_SAMPLE

    d, m, t = config.data, config.model, config.train
    n, features, classes, from_csv = shape
    n = max(n, 1)
    s = _FLOAT[m.dtype]
    try:
        k = losses.get(m.output).n_outputs(classes)
    except ValueError:  # a sigmoid head on more than two classes: the session refuses it
        k = classes
    n_val = min(int(round(d.val_fraction * n)), n - 1) if n > 1 else 0
    n_train = n - n_val
    widths = [features, *m.hidden, k]
    pairs = list(zip(widths[:-1], widths[1:]))
    weights_only = sum(a * b for a, b in pairs)
    params = weights_only + sum(b for _, b in pairs)
    units = sum(widths[1:])  # values a pass makes per sample
    widest = max(widths)

    # data: the set and its split in float64, targets and copies in the network's dtype
    data = 2 * n * features * 8 + 3 * n * 8  # X and the split's parts; y, y_train, y_val
    data += 2 * n_train * features * 8  # the split's temporaries (the indexed part and X - mean)
    data += n * k * s  # targets
    if s != 8:
        data += n * features * s  # the float32 copies of the inputs
    full = t.full_batch or (t.batch_size is not None and t.batch_size >= n_train and not t.with_replacement)
    batch = n_train if full else (t.batch_size if t.with_replacement else min(t.batch_size, n_train))
    if not full and not t.with_replacement:
        data += 2 * n_train * (features + k) * s  # a shuffled epoch's copy, and the next one's
    if n_train > DIAGNOSTIC_SAMPLE:
        data += DIAGNOSTIC_SAMPLE * (features + k) * s
    if n_train > EVALUATION_SAMPLE:
        data += EVALUATION_SAMPLE * (features + k + 1) * s
    if from_csv:
        data += n * ((features + 1) * _CSV_CELL + _CSV_ROW)

    # the network and the optimiser
    weights = params * s
    gradients = params * s
    state = _state_arrays(t.optimizer) * params * s
    buffers = (params + weights_only) * s  # the update's work array, the penalised gradient
    copies = (3 * params + weights_only) * s  # initial weights, two checkpoints, W before an update
    if full or (t.with_replacement and batch >= n_train):  # every step ends an epoch: the optimiser
        copies += params * s  # writes into a second buffer of the weights (engine/checkpoint.py)
    largest_layer = max(a * b for a, b in pairs)
    weights += 2 * largest_layer * 8  # a layer's initial draw in float64

    # passes: the largest kept one, and the largest that covers a whole set keeping nothing
    kept_rows = max(batch, min(n_train, EVALUATION_SAMPLE) if n_train > DIAGNOSTIC_SAMPLE else n_train)
    activations = kept_rows * (4 * units + 3 * widest) * s
    temps = [_FORWARD_TEMPS.get(name, 0) for name in m.layer_activations()] + [-1]  # the logits: z only
    through = max(a + (2 + extra) * b for (a, b), extra in zip(pairs, temps))  # a layer of a keep-nothing pass
    evaluation = max(n_train, n_val) * through * s
    boundary = 0
    if boundary_resolution:  # the grid's points, one keep-nothing pass over them, the probabilities
        cells = boundary_resolution**2
        boundary = cells * (features * (8 + s) + through * s + k * (4 + 3 * s)) + n * features * 8
    diag_rows = min(n_train, DIAGNOSTIC_SAMPLE)
    statistics = max(diag_rows * max(widths[1:]), largest_layer) * (8 + 8 + 1)

    label = f"{optimizers.get_class(t.optimizer).title} state"
    parts = (("data", data), ("weights", weights), ("gradients", gradients), (label, state),
             ("update buffers", buffers), ("weight copies", copies), ("activations", activations),
             ("evaluation", evaluation), ("boundary", boundary), ("statistics", statistics))

    # time
    rate = flop_rate() * (1.5 if s == 4 else 1.0)
    layers = len(pairs)

    def pass_time(rows: int, backward: bool) -> float:
        flops = (6 if backward else 2) * rows * weights_only
        values = rows * units * (3 if backward else 1)
        return flops / rate + values * _PER_VALUE + layers * _LAYER_OVERHEAD

    step = _STEP_OVERHEAD + pass_time(batch, True) + 5 * params * s * _PER_BYTE  # + the update's sweeps
    steps_per_epoch = 1 if full else math.ceil(n_train / batch)
    epoch = steps_per_epoch * step + pass_time(n_val, False)
    if not full:
        epoch += pass_time(min(n_train, EVALUATION_SAMPLE), n_train <= DIAGNOSTIC_SAMPLE)
        if n_train > DIAGNOSTIC_SAMPLE:
            epoch += pass_time(DIAGNOSTIC_SAMPLE, True)
    build = n * _PER_POINT * max(1.0, features / 2) + params * _PER_WEIGHT + 8 * params * s * _PER_BYTE
    picture = pass_time(n_train, False) + pass_time(n_val, False)
    if boundary_resolution:
        picture += pass_time(boundary_resolution**2, False)
    return Estimate(tuple((p, int(b)) for p, b in parts), step, epoch, build, n, features, params, picture)


# -- refusing -------------------------------------------------------------------------------------------
_ADVICE = {
    "model.hidden": "use fewer or narrower layers",
    "data.n_samples": "use fewer points",
    "data.path": "use a smaller file",
    "train.batch_size": "use a smaller batch",
}


def _shrunk(config: Config, field: str) -> Config | None:
    """The configuration with its layer widths or its batch halved (None: it cannot be)."""
    try:
        if field == "model.hidden" and config.model.hidden:
            return config.with_changes(model={"hidden": [max(1, (w + 1) // 2) for w in config.model.hidden]})
        if field == "train.batch_size" and not config.train.full_batch and config.train.batch_size:
            return config.with_changes(train={"batch_size": max(1, config.train.batch_size // 2)})
    except ConfigError:
        return None
    return None


def responsible(config: Config, dataset: datasets.Dataset | None = None,
                boundary_resolution: int | None = None) -> str:
    """The setting whose halving saves the most memory: model.hidden, train.batch_size, or
    the data's size (data.n_samples; data.path for a CSV file)."""
    shape = _data_shape(config, dataset)
    base = _estimate(config, shape, boundary_resolution).total
    saved = {}
    for field in ("model.hidden", "train.batch_size"):
        smaller = _shrunk(config, field)
        if smaller is not None:
            saved[field] = base - _estimate(smaller, shape, boundary_resolution).total
    spec = datasets.get(config.data.name)
    if spec.uses_samples or spec.n_features is None:  # a fixed table (iris) is never too large
        n, features, classes, from_csv = shape
        half = (max(1, n // 2), features, classes, from_csv)
        field = "data.path" if spec.n_features is None else "data.n_samples"
        saved[field] = base - _estimate(config, half, boundary_resolution).total
    if not saved:
        return "model.hidden"
    best = max(saved, key=lambda f: saved[f])
    for easier in ("train.batch_size", "data.n_samples", "data.path"):  # about as good, and easier to change
        if saved.get(easier, 0) >= 0.8 * saved[best]:
            return easier
    return best


def _who(field: str) -> str:
    return {"model.hidden": "this network needs", "data.n_samples": "this many points need",
            "data.path": "this file needs", "train.batch_size": "this batch needs"}[field]


def check(config: Config, dataset: datasets.Dataset | None = None, boundary_resolution: int | None = None,
          limit: int | None = None) -> Estimate:
    """The estimate, or a ConfigError naming the setting most responsible when it is over
    the limit: 'model.hidden: this network needs about 6.2 GB (limit 2 GB): weights …;
    use fewer or narrower layers'."""
    limit = memory_limit() if limit is None else int(limit)
    est = estimate(config, dataset, boundary_resolution)
    if est.total <= limit:
        return est
    field = responsible(config, dataset, boundary_resolution)
    advice = _ADVICE[field]
    if field == "model.hidden" and config.model.dtype == "float64":
        advice += " (or float32 precision, which halves it)"
    raise ConfigError(field, f"{_who(field)} about {format_bytes(est.total)} (limit {format_bytes(limit)}): "
                             f"{est.breakdown()}; {advice}")


def slow_step(config: Config, dataset: datasets.Dataset | None = None) -> float:
    """Seconds one optimiser step is estimated to take on this machine."""
    return estimate(config, dataset).step_seconds


def out_of_memory(config: Config, dataset: datasets.Dataset | None = None,
                  boundary_resolution: int | None = None) -> str:
    """The one line for a MemoryError that got past the check: 'field: ran out of memory …'."""
    est = estimate(config, dataset, boundary_resolution)
    field = responsible(config, dataset, boundary_resolution)
    return f"{field}: ran out of memory: {_who(field)} {est.describe()}; {_ADVICE[field]}"


# -- the signal-propagation probe -------------------------------------------------------------------------
def probe_bytes(width: int, depth: int, input_dim: int, samples: int) -> int:
    """Memory of ``propagation.signal_propagation``: the inputs, the weights, and per layer
    z, a, dL/da, dL/dz and f'(z) over every sample (float64), plus a histogram's copies."""
    layer = samples * width * 8
    weights = (input_dim * width + (depth - 1) * width * width + depth * width) * 8
    return int(samples * input_dim * 8 + weights + 5 * depth * layer + 3 * layer)


def check_probe(width: int, depth: int, input_dim: int, samples: int, limit: int | None = None) -> int:
    """The probe's bytes, or a ConfigError ('--samples/--width: this probe needs about …')."""
    limit = memory_limit() if limit is None else int(limit)
    need = probe_bytes(width, depth, input_dim, samples)
    if need <= limit:
        return need
    weights = (input_dim * width + (depth - 1) * width * width) * 8
    field = "--width/--depth" if weights > need / 2 else "--samples/--width"
    raise ConfigError(field, f"this probe needs about {format_bytes(need)} (limit {format_bytes(limit)}); "
                             f"use fewer samples, a narrower or shallower stack")
