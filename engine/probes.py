"""Probes: pure functions that read a network's state and name what is going wrong.

They run on a forward pass already made (``net.zs``, ``net.activations``) and
on the gradients of the last step, and only when someone will look at the
result. The definitions below are the ones the app documents:

* dead unit: pre-activation z <= 0 on every sample (ReLU family only);
* saturated (unit, sample): f'(z) < 1% of max f' (sigmoid |z| > ~6, tanh |z| > ~3);
* mean |gradient| of a layer: mean |dL/dW| over its weights, biases excluded,
  taken before the update;
* vanishing: first layer's mean |dW| < 1e-3 x the output layer's; exploding:
  > 1e3 x, or not finite;
* symmetry: the largest difference between the incoming weights (and bias) of
  any two units of a layer; 0 means all units are identical.
"""

from __future__ import annotations

import math

import numpy as np

from .snapshot import Alert, Histogram

__all__ = [
    "HistogramBins", "SATURATION_LEVEL", "VANISHING_RATIO", "EXPLODING_RATIO",
    "SATURATED_ALERT", "saturated_fraction", "dead_units", "grad_mean_abs",
    "symmetry", "update_ratio", "alerts",
]

SATURATION_LEVEL = 0.01  # f'(z) below this share of max f' counts as saturated
VANISHING_RATIO = 1e-3
EXPLODING_RATIO = 1e3
SATURATED_ALERT = 0.5  # alert when more than half of the (unit, sample) pairs saturate


class HistogramBins:
    """Bin edges that stay put from one snapshot to the next.

    Bounded quantities (a sigmoid's output) use their range; others start at a
    symmetric power-of-two range around the first values seen, and double when
    later values leave it. Values beyond the edges are counted in the end bins.
    """

    def __init__(self, bins: int = 40, bounds: tuple[float, float] | None = None):
        self.bins = bins
        self.edges: np.ndarray | None = None
        if bounds is not None and all(math.isfinite(b) for b in bounds):
            self.edges = np.linspace(bounds[0], bounds[1], bins + 1)

    def __call__(self, values: np.ndarray) -> Histogram:
        v = np.asarray(values, dtype=np.float64).ravel()
        v = v[np.isfinite(v)]
        extent = float(np.abs(v).max()) if v.size else 1.0
        if self.edges is None:
            radius = 2.0 ** math.ceil(math.log2(max(extent, 1e-12)))
            self.edges = np.linspace(-radius, radius, self.bins + 1)
        else:
            lo, hi = self.edges[0], self.edges[-1]
            if v.size and (v.min() < lo or v.max() > hi) and lo < 0 < hi:
                radius = hi
                while radius < extent and radius < 1e300:
                    radius *= 2.0
                self.edges = np.linspace(-radius, radius, self.bins + 1)
        edges = self.edges
        counts, _ = np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)
        return Histogram(edges.copy(), counts.astype(np.int64))


def saturated_fraction(activation, z: np.ndarray, a: np.ndarray | None = None) -> float:
    """Share of (unit, sample) pairs with f'(z) < 1% of max f'; NaN if f cannot saturate."""
    if not activation.saturating or z.size == 0:
        return math.nan
    d = activation.grad(z, a) if a is not None else activation.derivative(z)
    return float(np.count_nonzero(d < SATURATION_LEVEL * activation.max_derivative)) / z.size


def dead_units(activation, z: np.ndarray) -> int:
    """Units whose z <= 0 on every sample (ReLU family); -1 when the notion does not apply."""
    if not activation.rectifier or z.shape[0] == 0:
        return -1
    return int(np.count_nonzero((z > 0).sum(axis=0) == 0))


def grad_mean_abs(dW: np.ndarray) -> float:
    """Mean |dL/dW| over a layer's weights (biases excluded)."""
    return float(np.abs(dW).mean())


def symmetry(W: np.ndarray, b: np.ndarray) -> float:
    """Largest |difference| between the incoming weight vectors (and biases) of two units.

    Unit j's incoming vector is column j of W plus b[j]; the largest pairwise
    difference in any coordinate is that coordinate's max minus min over the
    units, so no pair loop is needed. NaN for a single unit.
    """
    if W.shape[1] < 2:
        return math.nan
    return float(max(np.ptp(W, axis=1).max(initial=0.0), np.ptp(b)))


def update_ratio(W_before: np.ndarray, W_after: np.ndarray) -> float:
    """||W_after - W_before|| / ||W_before||: the relative size of one update."""
    norm = float(np.linalg.norm(W_before))
    step = float(np.linalg.norm(W_after - W_before))
    return step / norm if norm > 0 else (math.inf if step > 0 else 0.0)


def _ratio_text(r: float) -> str:
    """5000 -> "5,000×"; 0.0002 -> "1/5,000"; 1e-20 -> "1e-20 of"; 0 -> "none"."""
    if r >= 1:
        return f"{r:,.0f}×" if r < 1e9 else f"{r:.0e}×"
    if r <= 0:
        return "none"
    return f"1/{1 / r:,.0f}" if r > 1e-9 else f"{r:.0e}"


def alerts(layers) -> tuple[Alert, ...]:
    """Plain-language alerts from a snapshot's LayerStats (hidden layers, then output)."""
    out: list[Alert] = []
    hidden = [s for s in layers if not s.is_output]
    for s in hidden:
        if s.identical:
            out.append(Alert("symmetry", s.index, 0.0,
                             f"Layer {s.index}: all {s.width} units identical — symmetry never broken "
                             "(zero or constant initialisation)", "error"))
        if s.saturated_fraction == s.saturated_fraction and s.saturated_fraction > SATURATED_ALERT:
            pct = 100 * s.saturated_fraction
            out.append(Alert("saturated", s.index, s.saturated_fraction,
                             f"Layer {s.index}: {pct:.0f}% of {s.activation} units saturated "
                             "(their slope is under 1% of its maximum)"))
        if s.dead_units > 0:
            if s.activation == "relu":
                severity = "error" if s.dead_units == s.width else "warning"
                text = f"Layer {s.index}: {s.dead_units} of {s.width} ReLU units dead (z ≤ 0 on every sample)"
            else:
                severity = "info"
                text = (f"Layer {s.index}: {s.dead_units} of {s.width} {s.activation} units have z ≤ 0 "
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
