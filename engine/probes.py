"""Probes: pure functions that read a network's last forward/backward pass and name what goes wrong.

They work on what ``Network.forward`` and ``backward`` keep (``net.zs``,
``net.activations``, each ``W.grad``) and run only when someone will look at
the result: at the end of an epoch and for the snapshots that are taken. Every
probe is vectorised: one pass over the arrays, no loop over samples or unit
pairs. The definitions are the ones the app documents:

* **dead unit** (ReLU family only): pre-activation z <= 0 on every sample;
  dead fraction = dead units / width.
* **saturated** (unit, sample) pair (sigmoid, tanh): f'(z) < 1% of max f'
  (sigmoid |z| > ~5.99, tanh |z| > ~2.99); the fraction is over all pairs.
* **mean |gradient|** of a layer: mean of |dL/dW| over its weights, biases
  excluded, taken before the update.
* **vanishing**: the first layer's mean |dW| is below 1/1000 of the output
  layer's; **exploding**: above 1000 times, or not finite.
* **symmetry**: the largest difference between the incoming weight vectors
  (column of W plus bias) of any two units of a layer; 0 means every unit of
  the layer computes the same function, so the units can never differ.
* **update ratio**: ||W_after - W_before|| / ||W_before|| of one update.

Alert thresholds: a layer is reported saturated when more than half of its
(unit, sample) pairs are (``SATURATED_ALERT``); dead units are reported as soon
as there is one (a warning; an error when the whole layer is dead).
"""

from __future__ import annotations

import math

import numpy as np

from .activations import ACTIVATIONS
from .snapshot import Alert, Histogram, LayerStats

__all__ = [
    "HistogramBins", "DEFAULT_BINS", "SATURATION_LEVEL", "SATURATED_ALERT", "VANISHING_RATIO",
    "EXPLODING_RATIO", "saturated_fraction", "dead_units", "dead_fraction", "grad_mean_abs", "spread",
    "symmetry", "update_ratio", "layer_curves", "layer_stats", "alerts",
]

DEFAULT_BINS = 40
SATURATION_LEVEL = 0.01  # f'(z) below this share of max f' counts as saturated
SATURATED_ALERT = 0.5  # alert when more than half of a layer's (unit, sample) pairs saturate
VANISHING_RATIO = 1e-3  # first layer's mean |dW| / output layer's below this: vanishing
EXPLODING_RATIO = 1e3  # ... above this: exploding
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


# -- per-layer numbers ------------------------------------------------------------------
def saturated_fraction(activation, z: np.ndarray, a: np.ndarray | None = None) -> float:
    """Share of (unit, sample) pairs with f'(z) < 1% of max f'; NaN if f cannot saturate.

    ``a = f(z)``, when given, spares recomputing f (sigmoid' = a(1 - a)).
    """
    if not activation.saturating or z.size == 0:
        return math.nan
    d = activation.grad(z, a) if a is not None else activation.derivative(z)
    return np.count_nonzero(d < SATURATION_LEVEL * activation.max_derivative) / z.size


def dead_units(activation, z: np.ndarray) -> int:
    """Units whose z <= 0 on every sample (ReLU family); -1 when the notion does not apply.

    Counted as a product with a vector of ones (how many samples make each unit
    fire): NumPy's column-wise max is slow on narrow arrays.
    """
    if not activation.rectifier or z.shape[0] == 0:
        return -1
    fires = np.ones(z.shape[0], dtype=z.dtype) @ (z > 0).astype(z.dtype)
    return int(np.count_nonzero(fires == 0))


def dead_fraction(activation, z: np.ndarray) -> float:
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


def layer_curves(network, grad_scale: float = 1.0) -> tuple[list[float], list[float], list[float], list[float]]:
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


def layer_stats(network, bins: dict, W_before=None, grad_scale: float = 1.0) -> tuple[LayerStats, ...]:
    """LayerStats of every layer from the forward and backward pass the network just made.

    ``bins`` maps (layer index, "a" | "z" | "g") to the session's
    ``HistogramBins`` (created here on first use), so edges stay put from one
    snapshot to the next. ``W_before`` holds each layer's W before the last
    update (for the update ratio; None gives NaN).
    """

    def hist(index: int, kind: str, values: np.ndarray, bounds=(-math.inf, math.inf)) -> Histogram:
        key = (index, kind)
        if key not in bins:
            bins[key] = HistogramBins(DEFAULT_BINS, bounds)
        return bins[key](values)

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
        ))
    return tuple(out)


# -- alerts ------------------------------------------------------------------------------
def _unit_word(activation: str) -> str:
    """'sigmoid' -> 'sigmoid', 'relu' -> 'ReLU', 'leaky_relu' -> 'leaky ReLU' (for sentences)."""
    cls = ACTIVATIONS.get(activation)
    if cls is None:
        return activation
    words = cls.title.split()
    return " ".join(w if any(c.isupper() for c in w[1:]) else w.lower() for w in words)


def _ratio_text(r: float) -> str:
    """5000 -> "5,000×"; 0.0002 -> "1/5,000"; 1e-20 -> "1e-20"; 0 -> "none"."""
    if r >= 1:
        return f"{r:,.0f}×" if r < 1e9 else f"{r:.0e}×"
    if r <= 0:
        return "none"
    return f"1/{1 / r:,.0f}" if r > 1e-9 else f"{r:.0e}"


def alerts(layers) -> tuple[Alert, ...]:
    """Plain-language alerts from a snapshot's LayerStats (hidden layers, then the output layer).

    One alert per finding: identical units (symmetry never broken), saturated
    layers (more than ``SATURATED_ALERT`` of the pairs), dead units (any), and
    vanishing or exploding gradients (layer 1 against the output layer).
    """
    out: list[Alert] = []
    hidden = [s for s in layers if not s.is_output]
    for s in hidden:
        word = _unit_word(s.activation)
        if s.identical:
            out.append(Alert("symmetry", s.index, 0.0,
                             f"Layer {s.index}: all {s.width} units identical — symmetry never broken "
                             "(zero or constant initialisation)", "error"))
        if s.saturated_fraction > SATURATED_ALERT:  # False for NaN
            out.append(Alert("saturated", s.index, s.saturated_fraction,
                             f"Layer {s.index}: {100 * s.saturated_fraction:.0f}% of {word} units saturated "
                             "(slope under 1% of its maximum)"))
        if s.dead_units > 0:
            if s.activation == "relu":
                severity = "error" if s.dead_units == s.width else "warning"
                text = f"Layer {s.index}: {s.dead_units} of {s.width} {word} units dead (z ≤ 0 on every sample)"
            else:  # a leak keeps some gradient flowing: worth knowing, not fatal
                severity = "info"
                text = (f"Layer {s.index}: {s.dead_units} of {s.width} {word} units have z ≤ 0 "
                        "on every sample (the leak keeps them learning)")
            out.append(Alert("dead", s.index, s.dead_units / s.width, text, severity))
    if hidden:
        first, last = layers[0], layers[-1]
        g0, gl = first.grad_mean_abs, last.grad_mean_abs
        if not (math.isfinite(g0) and math.isfinite(gl)):
            out.append(Alert("exploding", first.index, math.inf,
                             "Gradients explode: they are no longer finite", "error"))
        elif gl > 0:
            ratio = g0 / gl
            if ratio < VANISHING_RATIO:
                out.append(Alert("vanishing", first.index, ratio,
                                 f"Gradients vanish: layer {first.index} gets {_ratio_text(ratio)} "
                                 "of the output layer's gradient"))
            elif ratio > EXPLODING_RATIO:
                out.append(Alert("exploding", first.index, ratio,
                                 f"Gradients explode: layer {first.index} gets {_ratio_text(ratio)} "
                                 "the output layer's gradient", "error"))
    return tuple(out)
