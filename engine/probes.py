"""Probes: pure functions that read a network's last forward/backward pass and name what goes wrong.

Why this file is longer than 400 lines: the numbers (histograms, per-layer
statistics) and the alerts' words share one set of definitions and thresholds;
the alerts half turns each number into a sentence that names a likely cause
from the configuration, and keeping both halves here keeps the definitions the
app documents in one place.

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
from dataclasses import dataclass, replace

import numpy as np

from .activations import ACTIVATIONS
from .initializers import INITIALIZERS
from .snapshot import Alert, Histogram, History, LayerStats, Snapshot

__all__ = [
    "HistogramBins", "DEFAULT_BINS", "SATURATION_LEVEL", "SATURATED_ALERT", "VANISHING_RATIO",
    "EXPLODING_RATIO", "EXPLODED_SPREAD", "LARGE_INIT", "SMALL_INIT", "OVERFIT_RISE", "OVERFIT_MARGIN",
    "OVERFIT_EPOCHS",
    "compact", "flat_tails", "saturated_fraction", "dead_units", "dead_fraction", "grad_mean_abs", "spread",
    "symmetry", "update_ratio", "layer_curves", "layer_stats", "AlertContext", "init_scale", "note_lr",
    "raised_since", "raised_from", "alerts",
    "overfitting_alert", "divergence_alert", "diverged_snapshot",
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


def _first_flat(activation, ts: np.ndarray, level: float) -> float | None:
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
def flat_tails(activation) -> tuple[float, float]:
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


def saturated_fraction(activation, z: np.ndarray, a: np.ndarray | None = None) -> float:
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


# -- alerts ------------------------------------------------------------------------------
# Each alert is three plain-text parts: the symptom with its number (Alert.text), the likely
# cause given the configuration (Alert.cause) and one thing to try (Alert.advice). The causes
# are best guesses read from the configuration, tried in a fixed order (e.g. large initial
# weights before the learning rate); the symptoms and their numbers are exact.
@dataclass(frozen=True)
class AlertContext:
    """What the alerts need to know of the run to name a likely cause; ``Session.snapshot``
    builds it from the configuration. Every field has a neutral default: without a
    context (or a field) the alerts fall back to a generic cause."""

    init: str = ""  # the weight initialiser's name
    init_param: float | None = None  # its own parameter (std, limit, value or gain); None: its default
    #: RMS of each layer's initial W times sqrt(fan_in), the largest over the layers:
    #: about 1 for Xavier, 1.4 for He, 0 for zeros; NaN when unknown
    init_scale: float = math.nan
    bias_init: str = "zeros"
    bias_value: float = 0.0
    optimizer: str = ""
    lr: float = math.nan
    #: the learning rate before it was raised, when it was raised since the state described
    #: began (the last finite state, the last few epochs); NaN: not raised
    lr_before: float = math.nan
    loss_reduction: str = "mean"
    batch_size: int = 0
    l2: float = 0.0
    l1: float = 0.0
    loss: float = math.nan  # training loss of the state described
    at_start: bool = False  # no update taken yet: the weights are the initial ones

    @classmethod
    def of(cls, config, initial: list, lr_marks: tuple, step: int, steps_per_epoch: int, batch_size: int,
           loss: float, lr_before: float | None = None) -> "AlertContext":
        """From a ``Config`` and the run: its initial weights (``Network.get_weights()``),
        the learning rates its snapshots saw (``note_lr``), the step now, the loss of the
        state described; ``lr_before`` None: a raise seen in the last two epochs (``raised_from``)."""
        m, t = config.model, config.train
        if lr_before is None:
            lr_before = raised_from(lr_marks, step, 2 * steps_per_epoch)
        lr = lr_marks[-1][1] if lr_marks else t.lr
        return cls(init=m.init, init_param=m.init_param, init_scale=init_scale(initial), bias_init=m.bias_init,
                   bias_value=m.bias_value, optimizer=t.optimizer, lr=lr, lr_before=lr_before,
                   loss_reduction=t.loss_reduction, batch_size=batch_size, l2=t.l2, l1=t.l1, loss=loss,
                   at_start=step == 0)


def init_scale(weights) -> float:
    """RMS of each initial W times sqrt(fan_in), the largest over the layers: the weights'
    scale against Xavier's 1/sqrt(fan_in) (Xavier about 1, He 1.4, zeros 0).
    ``weights`` is ``Network.get_weights()``: (W, b) pairs, W of shape (fan_in, fan_out)."""
    scales = [math.sqrt(float(np.mean(np.square(W))) * W.shape[0]) for W, _ in weights if W.size]
    return max(scales) if scales else math.nan


def note_lr(marks: tuple, step: int, lr: float) -> tuple:
    """``marks`` ((step, lr), ...) with ``lr`` added if it changed; emptied first when
    ``step`` went back (a reset or a fallback: the old marks are of another run)."""
    if marks and marks[-1][0] > step:
        marks = ()
    if not marks or marks[-1][1] != lr:
        marks = (marks + ((step, lr),))[-8:]
    return marks


def raised_since(marks: tuple, step: int, lr: float, now: int, recent: int) -> float:
    """For a diverged run: the learning rate before a raise, if ``lr`` (in force ``now``) is
    higher than the one in force at ``step`` (the last finite state: the last mark at or
    before it, else the first mark), or was raised within the last ``recent`` steps; NaN
    otherwise."""
    seen = [r for s, r in marks if s <= step] or [r for _, r in marks[:1]]
    if seen and lr > seen[-1]:
        return seen[-1]
    return raised_from(note_lr(marks, now, lr), now, recent)


def raised_from(marks: tuple, step: int, recent: int) -> float:
    """The learning rate before the last change, if that change was a raise seen within
    the last ``recent`` steps (at least 100); NaN otherwise."""
    if len(marks) >= 2 and marks[-1][1] > marks[-2][1] and step - marks[-1][0] <= max(recent, 100):
        return marks[-2][1]
    return math.nan


_ADAPTIVE = ("adam", "rmsprop", "adagrad")  # their step is about lr whatever the gradient's size
_PLAIN = ("sgd", "gd")  # no velocity: a weight with no gradient (and no penalty) does not move


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


def _tails(activation: str) -> tuple[bool, bool]:
    """Whether the activation (default parameters) has a flat negative / positive tail."""
    cls = ACTIVATIONS.get(activation)
    if cls is None:
        return True, True
    lo, hi = flat_tails(cls())
    return lo > -math.inf, hi < math.inf


def _init_words(ctx: AlertContext) -> str:
    """'normal init, weight std 10', 'zeros init'; 'the initial weights' when unknown."""
    cls = INITIALIZERS.get(ctx.init)
    if cls is None:
        return "the initial weights"
    if cls.schema:
        p = cls.schema[0]
        value = ctx.init_param if ctx.init_param is not None else p.default
        return f"{ctx.init} init, {p.label.lower()} {value:g}"
    return f"{ctx.init} init"


def _large_init(ctx: AlertContext) -> bool:
    return ctx.init_scale >= LARGE_INIT  # False for NaN


def _large_init_words(ctx: AlertContext) -> str:
    return f"initial weights too large ({_init_words(ctx)}: {ctx.init_scale:.0f}× Xavier's scale)"


def _lr_raised(ctx: AlertContext) -> bool:
    return math.isfinite(ctx.lr_before) and ctx.lr > ctx.lr_before


def _raised_words(ctx: AlertContext) -> str:
    return f"the learning rate was just raised to {ctx.lr:g} (from {ctx.lr_before:g})"


def _summed(ctx: AlertContext) -> bool:
    return ctx.loss_reduction == "sum" and ctx.batch_size > 1


def _lr_is_large(ctx: AlertContext) -> bool:
    """A rule of thumb for choosing words, not a law: a step above 1 for SGD-like rules
    (0.1 for adaptive ones), the summed loss counting batch-size times."""
    if not ctx.lr > 0:
        return False
    step = ctx.lr * (ctx.batch_size if _summed(ctx) else 1)
    return step > (0.1 if ctx.optimizer in _ADAPTIVE else 1.0)


def _smaller_lr(ctx: AlertContext) -> str:
    return f"a smaller learning rate (e.g. {ctx.lr / 10:g})" if ctx.lr > 0 else "a smaller learning rate"


def _matched_init(activation: str) -> str:
    """'He' for the ReLU family, else 'Xavier': the initialiser scaled for the activation."""
    cls = ACTIVATIONS.get(activation)
    return "He" if cls is not None and cls.rectifier else "Xavier"


def _negative_bias(ctx: AlertContext) -> bool:
    return ctx.bias_init == "constant" and ctx.bias_value < 0


def _saturation_cause(s: LayerStats, ctx: AlertContext, negative_tail_only: bool) -> tuple[str, str]:
    if _large_init(ctx):
        return f"{_large_init_words(ctx)}, so |z| is large", "Xavier initialisation (std 1/√fan_in)"
    if _lr_raised(ctx):
        return _raised_words(ctx), f"setting it back to {ctx.lr_before:g}"
    if negative_tail_only and _negative_bias(ctx):
        return f"biases start at {ctx.bias_value:g}, pushing z below 0", "zero biases"
    if ctx.at_start:
        return f"the initial weights ({_init_words(ctx)}) put z there", "Xavier initialisation (std 1/√fan_in)"
    if _lr_is_large(ctx):
        return (f"large updates (learning rate {ctx.lr:g}) pushed the weights out to where "
                f"{_unit_word(s.activation)} is flat", _smaller_lr(ctx))
    return "the weights grew during training until z reached the flat region", \
        "an L2 penalty (e.g. 0.001) to keep the weights small"


def _dead_cause(s: LayerStats, ctx: AlertContext) -> tuple[str, str]:
    if _negative_bias(ctx):
        reason, advice = f"biases start at {ctx.bias_value:g}, pushing z below 0", "zero biases"
    elif ctx.init == "zeros":
        reason, advice = "every weight starts at 0, so z = 0 and ReLU′(0) = 0", "He initialisation"
    elif _lr_raised(ctx):
        reason, advice = _raised_words(ctx), f"setting it back to {ctx.lr_before:g}"
    elif _lr_is_large(ctx):
        reason, advice = f"large updates (learning rate {ctx.lr:g}) pushed z below 0", _smaller_lr(ctx)
    elif ctx.at_start:
        reason, advice = f"the initial weights ({_init_words(ctx)}) put z below 0", "He initialisation"
    else:
        reason, advice = "updates pushed z below 0 on every sample", "leaky ReLU, which keeps a small slope below 0"
    if s.index != 1:
        return f"{reason}; they can come back if the layers below change", advice
    if ctx.optimizer in _PLAIN and ctx.l2 == 0 and ctx.l1 == 0:
        return f"{reason}; no gradient reaches a dead layer-1 unit, so it stays dead", advice
    return f"{reason}; no gradient reaches a dead layer-1 unit, only momentum or a penalty moves it", advice


def _zero_cause(hidden: list[LayerStats], ctx: AlertContext) -> tuple[str, str]:
    if ctx.init == "zeros":
        return "every weight starts at 0, so each layer passes back Wᵀδ = 0", \
            f"a random initialiser such as {_matched_init(hidden[0].activation)}"
    dead = [s for s in hidden if s.activation == "relu" and s.dead_units == s.width]
    if dead:
        return (f"layer {dead[-1].index}'s ReLU units are all dead (z ≤ 0 on every sample), so nothing "
                "passes back through them", "He initialisation and zero biases, or leaky ReLU")
    if any(s.saturated_fraction >= 0.99 for s in hidden):
        return "units saturated so deeply that the slope is 0 in floating point", \
            "Xavier initialisation (std 1/√fan_in)"
    return "no path carries gradient back to these weights", "a random initialiser matched to the activation"


def _vanishing_cause(hidden: list[LayerStats], ctx: AlertContext) -> tuple[str, str]:
    if hidden[0].grad_mean_abs == 0:
        return _zero_cause(hidden, ctx)
    sats = [s.saturated_fraction for s in hidden if math.isfinite(s.saturated_fraction)]
    if sats and sum(sats) / len(sats) > SATURATED_ALERT:
        share = sum(sats) / len(sats)
        cause = f"saturated units ({share:.0%} of unit-sample pairs) pass almost no gradient back"
        if _large_init(ctx):
            return f"{cause}; {_large_init_words(ctx)}", "Xavier initialisation (std 1/√fan_in)"
        return cause, _smaller_lr(ctx) if _lr_is_large(ctx) else "Xavier initialisation (std 1/√fan_in)"
    if 0 < ctx.init_scale <= SMALL_INIT:
        return (f"tiny initial weights ({_init_words(ctx)}): every layer scales the gradient down",
                f"{_matched_init(hidden[0].activation)} initialisation")
    squash = [s for s in hidden if _tails(s.activation) == (True, True)]
    if len(hidden) >= 3 and len(squash) * 2 > len(hidden):
        name = squash[0].activation
        word = _unit_word(name)
        slope = ACTIVATIONS[name]().max_derivative
        if slope < 1:
            most = "1/4" if slope == 0.25 else f"{slope:g}"
            cause = f"{len(squash)} layers of {word}: each multiplies the gradient by a slope of at most {most}"
        else:
            cause = f"{len(squash)} layers of {word}: each slope under 1 shrinks the gradient, layer after layer"
        return cause, "ReLU with He initialisation, or fewer layers"
    dead = [s for s in hidden if s.activation == "relu" and s.dead_units * 2 >= s.width > 0]
    if dead:
        return f"dead ReLU units (layer {dead[0].index}: {dead[0].dead_units} of {dead[0].width}) block the way back", \
            "leaky ReLU, or He initialisation"
    return f"the gradient shrinks on its way back through {len(hidden)} hidden layers", \
        "fewer layers, or an initialiser matched to the activation (Xavier, He)"


def _exploding_cause(hidden: list[LayerStats], ctx: AlertContext) -> tuple[str, str]:
    if _large_init(ctx):
        return f"{_large_init_words(ctx)}, multiplied layer after layer", \
            f"{_matched_init(hidden[0].activation)} initialisation"
    if _lr_raised(ctx):
        return _raised_words(ctx), f"setting it back to {ctx.lr_before:g}"
    if ctx.lr > 0:
        return f"updates too large for this network (learning rate {ctx.lr:g})", _smaller_lr(ctx)
    return "weights too large for the gradient to stay in range", "a smaller learning rate"


def _layers_words(indices: list[int]) -> str:
    if len(indices) == 1:
        return f"Layer {indices[0]}"
    if indices == list(range(indices[0], indices[-1] + 1)):
        return f"Layers {indices[0]}–{indices[-1]}"
    return "Layers " + ", ".join(str(i) for i in indices)


def _gradient_alerts(layers, hidden: list[LayerStats], ctx: AlertContext) -> list[Alert]:
    """Exploding, else vanishing, else exactly-zero gradients (layer 1 against the output layer)."""
    first, last = layers[0], layers[-1]
    g0, gl = first.grad_mean_abs, last.grad_mean_abs
    out: list[Alert] = []
    if not (math.isfinite(g0) and math.isfinite(gl)):
        out.append(Alert("exploding", first.index, math.inf, "Gradients explode: they are no longer finite",
                         "error", *_exploding_cause(hidden, ctx)))
        return out
    if gl > 0 and g0 / gl > EXPLODING_RATIO:
        out.append(Alert("exploding", first.index, g0 / gl,
                         f"Gradients explode: layer {first.index} gets {_ratio_text(g0 / gl)} "
                         "the output layer's gradient", "error", *_exploding_cause(hidden, ctx)))
        return out
    wide = [s for s in hidden if not s.activation_std <= EXPLODED_SPREAD]  # NaN counts as exploded
    if wide:
        worst = max(wide, key=lambda s: s.activation_std if math.isfinite(s.activation_std) else math.inf)
        out.append(Alert("exploding", worst.index, worst.activation_std,
                         f"Activations explode: layer {worst.index}'s outputs have std {compact(worst.activation_std)}",
                         "error", *_exploding_cause(hidden, ctx)))
        return out  # exploding wins: a tiny ratio of two exploded gradients is not "vanishing"
    if gl > 0 and g0 / gl < VANISHING_RATIO:
        out.append(Alert("vanishing", first.index, g0 / gl,
                         f"Gradients vanish: layer {first.index} gets {_ratio_text(g0 / gl)} "
                         "of the output layer's gradient", "warning", *_vanishing_cause(hidden, ctx)))
        return out
    zero = [s.index for s in hidden if s.grad_mean_abs == 0.0]
    if zero and (gl > 0 or ctx.loss > 0):  # not a perfect fit, where no gradient is the answer
        whose = "its" if len(zero) == 1 else "their"
        out.append(Alert("zero_gradient", zero[0], 0.0,
                         f"{_layers_words(zero)}: gradient exactly 0 (the loss sends nothing back to {whose} "
                         "weights)", "error", *_zero_cause(hidden, ctx)))
    return out


def overfitting_alert(history: History, context: AlertContext | None = None) -> Alert | None:
    """Validation loss rising for a sustained stretch while training loss falls, or None.

    The rule: on each of the last ``OVERFIT_EPOCHS`` (10) epochs the validation loss
    is at least ``OVERFIT_RISE`` (20%) and ``OVERFIT_MARGIN`` (0.05) above its lowest
    value so far, and the training loss now is lower than at that lowest point (the
    margin keeps the wobble of a tiny loss, 0.002 to 0.004, from counting). Never
    without a validation set.
    """
    ctx = context or AlertContext()
    val, train = np.asarray(history.val_loss, float), np.asarray(history.train_loss, float)
    n = len(val)
    if n <= OVERFIT_EPOCHS or not (np.isfinite(val).all() and np.isfinite(train).all()):
        return None
    m = int(np.argmin(val))
    best = float(val[m])
    if not (best > 0 and m < n - OVERFIT_EPOCHS and train[-1] < train[m]):
        return None
    if not np.all(val[-OVERFIT_EPOCHS:] >= max(best * (1.0 + OVERFIT_RISE), best + OVERFIT_MARGIN)):
        return None
    epochs = history.epochs
    text = (f"Validation loss rose from {compact(best)} (epoch {int(epochs[m])}) to {compact(val[-1])} "
            f"(epoch {int(epochs[-1])}) while training loss fell to {compact(train[-1])}")
    cause = "overfitting, the network learns the training points' noise rather than the pattern"
    if ctx.l2 == 0:
        advice = "an L2 penalty (e.g. 0.001)"
    else:
        advice = f"stopping near epoch {int(epochs[m])}, where validation loss was lowest"
    return Alert("overfitting", 0, float(val[-1]) / best, text, "warning", cause, advice)


def alerts(layers, context: AlertContext | None = None, history: History | None = None) -> tuple[Alert, ...]:
    """Plain-language alerts from a snapshot's LayerStats (hidden layers, then the output layer).

    One alert per finding: identical units, saturated layers (more than
    ``SATURATED_ALERT`` of the pairs in a flat tail), dead units (any), exploding
    or else vanishing or else exactly-zero gradients, and, given the ``history``,
    overfitting. ``context`` (the configuration's initialiser, learning rate, ...)
    lets each alert name a likely cause; without it the causes are generic.
    """
    ctx = context or AlertContext()
    out: list[Alert] = []
    hidden = [s for s in layers if not s.is_output]
    for s in hidden:
        word = _unit_word(s.activation)
        if s.identical:
            if s.outgoing_identical:
                how = _init_words(ctx) if ctx.init in ("zeros", "constant") else "the initialisation"
                out.append(Alert("symmetry", s.index, 0.0,
                                 f"Layer {s.index}: all {s.width} units identical — symmetry never broken "
                                 "(zero or constant initialisation)", "error",
                                 f"{how} gave every unit the same incoming and outgoing weights, so each update "
                                 "keeps them equal", f"a random initialiser such as {_matched_init(s.activation)}"))
            else:
                out.append(Alert("symmetry", s.index, 0.0,
                                 f"Layer {s.index}: all {s.width} units identical for now (same incoming weights "
                                 "and bias)", "warning",
                                 "their outgoing weights differ, so training can still pull them apart",
                                 "a few more epochs; if they stay identical, a random initialiser"))
        if s.saturated_fraction > SATURATED_ALERT:  # False for NaN
            low, high = _tails(s.activation)
            where = "saturated" if low and high else \
                f"stuck in the flat {'negative' if low else 'positive'} tail"
            out.append(Alert("saturated", s.index, s.saturated_fraction,
                             f"Layer {s.index}: {100 * s.saturated_fraction:.0f}% of {word} units {where} "
                             "(slope under 1% of its maximum)", "warning",
                             *_saturation_cause(s, ctx, low and not high)))
        if s.dead_units > 0:
            if s.activation == "relu":
                severity = "error" if s.dead_units == s.width else "warning"
                out.append(Alert("dead", s.index, s.dead_units / s.width,
                                 f"Layer {s.index}: {s.dead_units} of {s.width} {word} units dead "
                                 "(z ≤ 0 on every sample)", severity, *_dead_cause(s, ctx)))
            else:  # a leak keeps some gradient flowing: worth knowing, not fatal
                out.append(Alert("dead", s.index, s.dead_units / s.width,
                                 f"Layer {s.index}: {s.dead_units} of {s.width} {word} units have z ≤ 0 "
                                 "on every sample (the leak keeps them learning)", "info"))
    if hidden:
        out.extend(_gradient_alerts(layers, hidden, ctx))
    if history is not None:
        over = overfitting_alert(history, ctx)
        if over is not None:
            out.append(over)
    return tuple(out)


def divergence_alert(epoch: int, loss: float, last_epoch: int, last_loss: float,
                     context: AlertContext | None = None, first_step: bool = False) -> Alert:
    """The run's one story when the loss became non-finite during ``epoch``.

    ``loss`` is the non-finite value, ``last_epoch``/``last_loss`` the last finite state
    (the one kept and shown). The cause, in this order: the initial weights when the
    very first pass was already non-finite (``first_step``) or their scale is large
    (``LARGE_INIT``); a learning rate raised since the last finite state; else the
    learning rate. The alert's text is the whole sentence (it is also the run's message).
    """
    ctx = context or AlertContext()
    what = "NaN" if math.isnan(loss) else "infinite"
    state = "the initial weights" if last_epoch == 0 else f"epoch {last_epoch}"
    symptom = f"Training diverged at epoch {epoch} (loss is {what}; last finite loss {compact(last_loss)}, at {state})"
    if first_step:
        cause = f"the initial weights ({_init_words(ctx)}) give a non-finite loss before any update"
        advice = "smaller initial weights (Xavier or He initialisation)"
    elif _large_init(ctx):
        cause = _large_init_words(ctx)
        advice = "smaller initial weights (Xavier or He initialisation)"
    elif _lr_raised(ctx):
        cause, advice = _raised_words(ctx), f"setting it back to {ctx.lr_before:g}"
    else:
        lr = f"learning rate {ctx.lr:g}" if ctx.lr > 0 else "the learning rate"
        cause = f"{lr} is too large for this network"
        if _summed(ctx):
            cause += f" (the summed loss makes each step {ctx.batch_size}× a mean loss's)"
        advice = f"lower the learning rate (e.g. to {ctx.lr / 10:g})" if ctx.lr > 0 else "lower the learning rate"
    text = f"{symptom} — likely cause: {cause} — try: {advice}"
    return Alert("diverged", 0, float(last_loss), text, "error")


def diverged_snapshot(snap: Snapshot, epoch: int, loss: float, context: AlertContext | None = None,
                      first_step: bool = False) -> Snapshot:
    """The final snapshot of a diverged run: ``snap`` (of the last finite state) with the
    divergence alert added, which is also its message, and ``diverged_epoch`` set. A
    vanishing alert is dropped: exploding wins, the run's one story is its divergence."""
    alert = divergence_alert(epoch, loss, snap.epoch, snap.train_loss, context, first_step)
    kept = tuple(a for a in snap.alerts if a.kind != "vanishing")
    return replace(snap, status="diverged", alerts=kept + (alert,), message=alert.text, diverged_epoch=epoch)
