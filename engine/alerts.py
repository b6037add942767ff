"""Alerts: what the per-layer numbers mean for a student, in plain words.

Pure functions over a snapshot's LayerStats, the run's History and a small
AlertContext read from the configuration. Each alert is three plain-text
parts: the symptom with its number, the likely cause given this
configuration, and one thing to try. The definitions and thresholds they use
are engine/probes.py's (SATURATED_ALERT, VANISHING_RATIO, ...). Why one file
of ~470 lines: the cause helpers are a few lines each, and the order in which
causes are tried (large initial weights, then a raised rate, then the rate)
reads best in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .activations import ACTIVATIONS
from .initializers import INITIALIZERS
from .probes import (
    EXPLODED_SPREAD,
    EXPLODING_RATIO,
    LARGE_INIT,
    OVERFIT_EPOCHS,
    OVERFIT_MARGIN,
    OVERFIT_RISE,
    SATURATED_ALERT,
    SMALL_INIT,
    VANISHING_RATIO,
    compact,
    flat_tails,
)
from .snapshot import Alert, History, LayerStats, Snapshot

if TYPE_CHECKING:
    from .config import Config

__all__ = ["AlertContext", "init_scale", "note_lr", "raised_since", "raised_from", "alerts",
           "overfitting_alert", "divergence_alert", "diverged_snapshot"]


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
    def of(cls, config: Config, initial_scale: float, lr_marks: tuple, step: int, steps_per_epoch: int, batch_size: int,
           loss: float, lr_before: float | None = None) -> "AlertContext":
        """From a ``Config`` and the run: its initial weights' scale (``init_scale``),
        the learning rates its snapshots saw (``note_lr``), the step now, the loss of the
        state described; ``lr_before`` None: a raise seen in the last two epochs (``raised_from``)."""
        m, t = config.model, config.train
        if lr_before is None:
            lr_before = raised_from(lr_marks, step, 2 * steps_per_epoch)
        lr = lr_marks[-1][1] if lr_marks else t.lr
        return cls(init=m.init, init_param=m.init_param, init_scale=initial_scale, bias_init=m.bias_init,
                   bias_value=m.bias_value, optimizer=t.optimizer, lr=lr, lr_before=lr_before,
                   loss_reduction=t.loss_reduction, batch_size=batch_size, l2=t.l2, l1=t.l1, loss=loss,
                   at_start=step == 0)


def init_scale(weights: list[tuple[np.ndarray, np.ndarray]]) -> float:
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


def _gradient_alerts(layers: tuple[LayerStats, ...], hidden: list[LayerStats], ctx: AlertContext) -> list[Alert]:
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


def alerts(layers: tuple[LayerStats, ...], context: AlertContext | None = None,
           history: History | None = None) -> tuple[Alert, ...]:
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
