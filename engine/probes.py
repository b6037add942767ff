"""Probes: pure functions that read a network's last forward/backward pass and name what goes wrong.

The definitions and thresholds live here; engine/alerts.py turns the numbers
into sentences that name a likely cause from the configuration (and is
re-exported: ``probes.alerts`` works).

They work on what ``Network.forward`` and ``backward`` keep (``net.zs``,
``net.activations``, each ``W.grad``) and run only when someone will look at
the result: at the end of an epoch and for the snapshots that are taken. Every
probe is vectorised: one pass over the arrays, no loop over samples or unit
pairs. The definitions are the ones the app documents:

* **dead unit** (ReLU family only): pre-activation z <= 0 on every sample;
  dead fraction = dead units / width. In layer 1 such a unit gets no gradient
  on its incoming weights, so plain SGD never changes it again; deeper, it can
  come back when the layers below it change.
* **saturated** (unit, sample) pair: z lies in a flat tail of the activation,
  where |f'| stays under 1% of max f' all the way out (``flat_tails``):
  both tails for sigmoid (|z| > ~5.99) and tanh (|z| > ~2.99), the negative
  tail for softplus, ELU, SELU (z < ~-4.6), GELU (z < ~-3.0) and swish
  (z < ~-6.1). The ReLU family's flat side is "dead" instead. The fraction is
  over all pairs.
* **mean |gradient|** of a layer: mean of |dL/dW| over its weights, biases
  excluded, taken before the update.
* **vanishing**: the first layer's mean |dW| is below 1/1000 of the output
  layer's; **exploding**: above 1000 times, not finite, or a layer's
  activations spread beyond 1e6 (exploding wins: both are never reported).
* **symmetry**: the largest difference between the incoming weight vectors
  (column of W plus bias) of any two units of a layer; 0 means every unit of
  the layer computes the same function. They stay identical only if their
  outgoing weights (rows of the next W) are identical too.
* **update ratio**: ||W_after - W_before|| / ||W_before|| of one update.
* **overfitting**: see ``overfitting_alert``.

Alert thresholds: a layer is reported saturated when more than half of its
(unit, sample) pairs are (``SATURATED_ALERT``); dead units are reported as soon
as there is one (a warning; an error when the whole layer is dead).
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import numpy as np

from .snapshot import Alert, Histogram, LayerStats

if TYPE_CHECKING:
    from .activations import Activation
    from .network import Network

__all__ = [
    "Alert", "HistogramBins", "sampled_histogram", "HISTOGRAM_VALUES", "DEFAULT_BINS", "SATURATION_LEVEL",
    "SATURATED_ALERT", "VANISHING_RATIO",
    "EXPLODING_RATIO", "EXPLODED_SPREAD", "LARGE_INIT", "SMALL_INIT", "OVERFIT_RISE", "OVERFIT_MARGIN",
    "OVERFIT_EPOCHS",
    "compact", "flat_tails", "saturated_fraction", "dead_units", "dead_fraction", "grad_mean_abs", "spread",
    "symmetry", "update_ratio", "layer_curves", "layer_stats",
]

DEFAULT_BINS = 40
SATURATION_LEVEL = 0.01  # f'(z) below this share of max f' counts as saturated
SATURATED_ALERT = 0.5  # alert when more than half of a layer's (unit, sample) pairs saturate
VANISHING_RATIO = 1e-3  # first layer's mean |dW| / output layer's below this: vanishing
EXPLODING_RATIO = 1e3  # ... above this: exploding
EXPLODED_SPREAD = 1e6  # a layer's activations spread wider than this: they explode
LARGE_INIT = 3.0  # initial weight scale (RMS x sqrt(fan_in); Xavier 1, He 1.4) at or above this: large
SMALL_INIT = 0.2  # ... at or below this (and above 0): tiny
OVERFIT_RISE = 0.2  # validation loss this share above its minimum (and OVERFIT_MARGIN above it) ...
OVERFIT_MARGIN = 0.05
OVERFIT_EPOCHS = 10  # ... on each of the last this many epochs, training loss lower than at the minimum
_MAX_RADIUS = 2.0**1000  # histograms stop widening here (values beyond land in the end bins)


class HistogramBins:
    """Bin edges fixed on first use that only ever widen, by doubling.

    A live histogram whose bins move on every update cannot be compared from
    one frame to the next; these edges stay identical across the snapshots of
    a session. ``bounds`` is the quantity's known range (an activation's
    ``output_range``; None means unbounded). A finite end is kept for ever; an
    infinite end starts at the power of two that covers the first values seen
    and doubles when later values pass it (both ends together when both are
    open, so the range stays symmetric and 0 stays on an edge). Values beyond
    the edges are counted in the end bins; NaN and infinities are not counted.
    """

    def __init__(self, bins: int = DEFAULT_BINS, bounds: tuple[float, float] | None = None):
        if bins < 1:
            raise ValueError(f"bins must be a positive integer, got {bins}")
        self.bins = int(bins)
        lo, hi = (-math.inf, math.inf) if bounds is None else (float(b) for b in bounds)
        if not lo < hi:
            raise ValueError(f"bounds must be increasing, got {bounds}")
        self.bounds = (lo, hi)
        self.edges: np.ndarray | None = None
        self._radius = 1.0  # width of the open side(s), a power of two
        if math.isfinite(lo) and math.isfinite(hi):
            self.edges = np.linspace(lo, hi, self.bins + 1)

    def _fit(self, vmin: float, vmax: float) -> None:
        """Choose (first call) or widen (by doubling) the open ends so [vmin, vmax] fits."""
        lo_fixed, hi_fixed = self.bounds
        lo_open, hi_open = not math.isfinite(lo_fixed), not math.isfinite(hi_fixed)
        if not (lo_open or hi_open):
            return  # both ends fixed at construction
        if lo_open and hi_open:
            need = max(-vmin, vmax)
        elif hi_open:
            need = vmax - lo_fixed
        else:
            need = hi_fixed - vmin
        if self.edges is None:
            if need > 0:
                radius = 2.0 ** min(math.ceil(math.log2(need)), 1000) if math.isfinite(need) else _MAX_RADIUS
            else:
                radius = 1.0
        else:
            radius = self._radius
            while radius < need and radius < _MAX_RADIUS:
                radius *= 2.0
            if radius == self._radius:
                return
        self._radius = radius = min(radius, _MAX_RADIUS)
        if lo_open and hi_open:
            lo, hi = -radius, radius
        elif hi_open:
            lo, hi = lo_fixed, lo_fixed + radius
        else:
            lo, hi = hi_fixed - radius, hi_fixed
        self.edges = np.linspace(lo, hi, self.bins + 1)

    def __call__(self, values: np.ndarray) -> Histogram:
        v = np.asarray(values).ravel()
        finite = np.isfinite(v)
        if not finite.all():
            v = v[finite]
        if v.size:
            self._fit(float(v.min()), float(v.max()))
        elif self.edges is None:
            self._fit(0.0, 0.0)
        edges = self.edges
        lo, hi = float(edges[0]), float(edges[-1])
        # bin index = floor((v - lo) / width), clipped into the end bins (one pass, no sorting)
        with np.errstate(over="ignore"):  # |v| near the float limit: inf lands in an end bin
            pos = np.subtract(v, lo, dtype=np.float64)
            pos *= self.bins / (hi - lo)
        np.clip(pos, 0, self.bins - 1, out=pos)
        counts = np.bincount(pos.astype(np.intp), minlength=self.bins)
        return Histogram(edges.copy(), counts.astype(np.int64, copy=False))


#: a histogram of more values than this (a wide layer's z over the diagnostic sample, a 1024 x 1024
#: weight gradient) is made from a fixed, evenly strided sample of them, its counts scaled back
HISTOGRAM_VALUES = 200_000


def sampled_histogram(binner: HistogramBins, values: np.ndarray) -> Histogram:
    """``binner(values)``, from every ``step``-th value when there are more than HISTOGRAM_VALUES
    (the same positions every time, so frames compare), counts multiplied by ``step``: the
    shape and the total of the full histogram, at a fixed cost however wide the layer."""
    flat = np.asarray(values).reshape(-1)
    if flat.size <= HISTOGRAM_VALUES:
        return binner(flat)
    step = -(-flat.size // HISTOGRAM_VALUES)
    sample = binner(flat[::step])
    return Histogram(sample.edges, sample.counts * step)


# -- per-layer numbers ------------------------------------------------------------------
def compact(x: float) -> str:
    """A number short enough for a status line: 4 significant digits, or 2 in
    exponent form when huge or tiny (1.6e+199, 3e-07); "NaN", "inf", "-inf"."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    if not 1e-4 <= abs(x) < 1e5:
        return f"{x:.2g}"
    return f"{x:.4g}"


def _first_flat(activation: Activation, ts: np.ndarray, level: float) -> float | None:
    """Walking ``ts`` from its far end (ts[0]) inwards, the z where f stops being flat
    (|f'| >= level), refined by bisection; None if f is not flat at the far end."""
    flat = np.abs(activation.derivative(ts)) < level
    if not flat[0]:
        return None
    i = int(np.argmin(flat)) if not flat.all() else len(ts) - 1
    out, inside = float(ts[i - 1]), float(ts[i])  # flat at out, not flat at inside
    for _ in range(60):
        mid = 0.5 * (out + inside)
        if abs(float(activation.derivative(np.array([mid]))[0])) < level:
            out = mid
        else:
            inside = mid
    return out


@functools.lru_cache(maxsize=64)
def flat_tails(activation: Activation) -> tuple[float, float]:
    """(z_lo, z_hi): f's slope stays under ``SATURATION_LEVEL`` of its maximum for every
    z < z_lo and every z > z_hi; -inf / inf where f has no such tail.

    Read from the activation's own derivative and ``max_derivative`` (so ELU's alpha
    moves its threshold): sigmoid (-5.99, 5.99), tanh (-2.99, 2.99), softplus, ELU,
    SELU (-4.6, inf), GELU (-3.0, inf), swish (-6.1, inf). The ReLU family's flat
    side is its "dead" region, not a tail: (-inf, inf); so is identity's.
    """
    if activation.rectifier:
        return -math.inf, math.inf
    level = SATURATION_LEVEL * activation.max_derivative
    ts = np.linspace(-60.0, 0.0, 6001)
    lo = _first_flat(activation, ts, level)
    hi = _first_flat(activation, -ts, level)
    return (-math.inf if lo is None else lo), (math.inf if hi is None else hi)


def saturated_fraction(activation: Activation, z: np.ndarray, a: np.ndarray | None = None) -> float:
    """Share of (unit, sample) pairs whose z lies in a flat tail of f (``flat_tails``);
    NaN if f has none (identity, the ReLU family). ``a`` is accepted for symmetry
    with the other probes and not needed: the tails are thresholds on z."""
    lo, hi = flat_tails(activation)
    if (lo == -math.inf and hi == math.inf) or z.size == 0:
        return math.nan
    n = np.count_nonzero(z < lo) if lo > -math.inf else 0
    if hi < math.inf:
        n += np.count_nonzero(z > hi)
    return n / z.size


def dead_units(activation: Activation, z: np.ndarray) -> int:
    """Units whose z <= 0 on every sample (ReLU family); -1 when the notion does not apply.

    Counted as a product with a vector of ones (how many samples make each unit
    fire): NumPy's column-wise max is slow on narrow arrays.
    """
    if not activation.rectifier or z.shape[0] == 0:
        return -1
    fires = np.ones(z.shape[0], dtype=z.dtype) @ (z > 0).astype(z.dtype)
    return int(np.count_nonzero(fires == 0))


def dead_fraction(activation: Activation, z: np.ndarray) -> float:
    """Dead units / width; NaN for activations that cannot die."""
    dead = dead_units(activation, z)
    return dead / z.shape[1] if dead >= 0 else math.nan


def grad_mean_abs(dW: np.ndarray) -> float:
    """Mean |dL/dW| over a layer's weights (biases are not passed in)."""
    return float(np.abs(dW).sum()) / dW.size if dW.size else math.nan


def spread(a: np.ndarray) -> float:
    """Standard deviation of every entry of ``a`` (two-pass, so no cancellation)."""
    n = a.size
    if n == 0:
        return math.nan
    d = a - float(a.sum()) / n
    d *= d
    return math.sqrt(float(d.sum()) / n)


def symmetry(W: np.ndarray, b: np.ndarray) -> float:
    """Largest |difference| between the incoming weight vectors (and biases) of two units.

    Unit j's incoming vector is column j of W plus b[j]. The largest pairwise
    difference in one coordinate is that coordinate's max minus its min over
    the units, so max over coordinates of (max - min) is the answer without an
    O(units^2) loop over pairs. NaN for a layer of one unit.
    """
    if W.shape[1] < 2:
        return math.nan
    return float(max(np.ptp(W, axis=1).max(initial=0.0), np.ptp(b)))


def update_ratio(W_before: np.ndarray, W_after: np.ndarray) -> float:
    """||W_after - W_before|| / ||W_before||, the relative size of one update.

    Around 1e-3 is the usual healthy value; much larger means the learning rate
    is too high, much smaller that this layer hardly learns.
    """
    norm = float(np.linalg.norm(W_before))
    step = float(np.linalg.norm(W_after - W_before))
    if norm > 0:
        return step / norm
    return math.inf if step > 0 else 0.0


def layer_curves(network: Network,
                 grad_scale: float = 1.0) -> tuple[list[float], list[float], list[float], list[float]]:
    """The per-layer numbers of one history entry, from the pass the network just made.

    Returns four lists with one value per layer (hidden layers, then output):
    mean |dW| (times ``grad_scale``, e.g. 1/n to turn a summed loss's gradient
    into the mean loss's), std of the activations (of the logits for the
    output layer), saturated fraction and dead fraction (NaN where they do not
    apply). The forward pass should cover the whole training set, as the dead
    unit definition asks.
    """
    grads, stds, sats, deads = [], [], [], []
    for i, layer in enumerate(network.layers):
        z = network.zs[i]
        grads.append(grad_mean_abs(layer.W.grad) * grad_scale)
        f = layer.activation
        if f is None:
            stds.append(spread(z))
            sats.append(math.nan)
            deads.append(math.nan)
            continue
        a = network.activations[i + 1]
        stds.append(spread(a))
        sats.append(saturated_fraction(f, z, a))
        deads.append(dead_fraction(f, z))
    return grads, stds, sats, deads


def layer_stats(network: Network, bins: dict, W_before: list[np.ndarray] | None = None,
                grad_scale: float = 1.0) -> tuple[LayerStats, ...]:
    """LayerStats of every layer from the forward and backward pass the network just made.

    ``bins`` maps (layer index, "a" | "z" | "g") to the session's
    ``HistogramBins`` (created here on first use), so edges stay put from one
    snapshot to the next. ``W_before`` holds each layer's W before the last
    update (for the update ratio; None gives NaN).
    """

    def hist(index: int, kind: str, values: np.ndarray,
             bounds: tuple[float, float] = (-math.inf, math.inf)) -> Histogram:
        key = (index, kind)
        if key not in bins:
            bins[key] = HistogramBins(DEFAULT_BINS, bounds)
        return sampled_histogram(bins[key], values)

    out = []
    for i, layer in enumerate(network.layers):
        z = network.zs[i]
        W, b, dW = layer.W.value, layer.b.value, layer.W.grad
        f = layer.activation
        if f is None:
            a, name, sat, dead = z, network.head.name, math.nan, -1
            a_hist = hist(layer.index, "a", z)
        else:
            a = network.activations[i + 1]
            name, sat, dead = f.name, saturated_fraction(f, z, a), dead_units(f, z)
            a_hist = hist(layer.index, "a", a, f.output_range)
        sym = symmetry(W, b)
        nxt = network.layers[i + 1].W.value if i + 1 < len(network.layers) else None
        outgoing = nxt is not None and nxt.shape[0] > 1 and bool(np.ptp(nxt, axis=0).max(initial=0.0) == 0.0)
        before = W_before[i] if W_before is not None else None
        ratio = update_ratio(before, W) if before is not None and before.shape == W.shape else math.nan
        out.append(LayerStats(
            index=layer.index,
            name="Output" if f is None else f"Layer {layer.index}",
            activation=name,
            width=layer.fan_out,
            is_output=f is None,
            activations=a_hist,
            preactivations=hist(layer.index, "z", z),
            gradients=hist(layer.index, "g", dW * grad_scale if grad_scale != 1.0 else dW),
            grad_mean_abs=grad_mean_abs(dW) * grad_scale,
            activation_std=spread(a),
            saturated_fraction=sat,
            dead_fraction=dead / layer.fan_out if dead >= 0 else math.nan,
            dead_units=max(dead, 0),
            update_ratio=ratio,
            symmetry=sym,
            identical=sym == 0.0,
            outgoing_identical=outgoing,
        ))
    return tuple(out)


# The alerts built on these numbers live in engine/alerts.py (which imports this module);
# they stay reachable as probes.alerts, probes.AlertContext, ... for older callers.
_FROM_ALERTS = ("AlertContext", "alerts", "diverged_snapshot", "divergence_alert", "init_scale", "note_lr",
                "overfitting_alert", "raised_from", "raised_since")


def __getattr__(name: str) -> object:
    if name in _FROM_ALERTS:
        from . import alerts

        return getattr(alerts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
