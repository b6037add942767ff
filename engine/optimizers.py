"""Optimisers, built over a network's parameters and updating them in place.

``opt = Adam(net.parameters(), lr=0.01)`` then, for each step,
``opt.look_ahead()`` (a no-op except for Nesterov), a backward pass, and
``opt.step()``. Each keeps its state per parameter (velocity,
squared-gradient averages). The forms are the textbook ones, written out in
each class's ``rule`` with g the gradient of the loss (plus any penalty) and
w the parameter; the parameter always holds w itself, never a shifted point.

L2 and L1 penalties apply to weights only (biases are not shrunk):
g += l2 * w + l1 * sign(w), i.e. the loss gains l2/2 ||W||^2 + l1 ||W||_1.

A live change of ``lr`` applies from the next step: a step already folded
into a momentum velocity keeps the rate it was taken with.

Speed: when the parameters are views that tile one flat vector (a Network's
are: engine/network.py), the optimiser updates that vector, so a step is a
few NumPy calls whatever the depth (SGD 2, momentum 4, AdaGrad 7, RMSProp 9,
Adam 10; an L2 or L1 penalty adds 2 or 3 and one copy of the gradient), all
into preallocated arrays; ``state[i]`` then holds parameter i's views of the
flat state. Other parameters (any objects with ``value``, ``grad`` and
``regularize``) are updated one by one, with the same arithmetic.

``keep_previous()`` makes each step write the new values into a second
buffer and swap the two, so that the values from before the last step stay
intact (``previous()``): the full-batch divergence checkpoint uses them
instead of copying the weights every step (engine/checkpoint.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import ClassVar

import numpy as np

from .schema import Param

__all__ = ["Optimizer", "OPTIMIZERS", "get", "names"]


MOMENTUM = Param("momentum", "float", 0.9, 0.0, 0.9999, step=0.05, label="Momentum",
                 tip="How much of the previous step carries into the next (0 = none).")
RHO = Param("rho", "float", 0.9, 0.0, 0.9999, step=0.01, label="Rho",
            tip="How fast RMSProp forgets old squared gradients (closer to 1 = longer memory).")
BETA1 = Param("beta1", "float", 0.9, 0.0, 0.9999, step=0.01, label="Beta1",
              tip="Adam's decay rate for its average of gradients.")
BETA2 = Param("beta2", "float", 0.999, 0.0, 0.999999, step=0.001, label="Beta2",
              tip="Adam's decay rate for its average of squared gradients.")
EPS = Param("eps", "float", 1e-8, 0.0, 1.0, lo_open=True, scale="log", label="Epsilon",
            tip="A tiny number added to the denominator so the division stays finite.")


def _tiling(arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, list[int]] | None:
    """(the 1-D array that ``arrays`` tile exactly, each one's offset in it), or None when
    they are not C-contiguous views that together cover one such vector, without overlap."""
    base = arrays[0].base
    if base is None or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    start, size = base.__array_interface__["data"][0], base.itemsize
    offsets = []
    for a in arrays:
        if a.base is not base or a.dtype != base.dtype or not a.flags.c_contiguous:
            return None
        offsets.append((a.__array_interface__["data"][0] - start) // size)
    covered = 0
    for offset, n in sorted((o, a.size) for o, a in zip(offsets, arrays)):
        if offset != covered:
            return None
        covered += n
    return (base, offsets) if covered == base.size else None


class _Group:
    """Parameters updated together: several that tile one flat vector, or a single one.

    ``value`` and ``grad`` are what the update reads (``value`` the current buffer
    of the two with keep_previous), ``state`` the optimiser's arrays of value's shape,
    ``tmp`` a work array, ``pen`` the penalised gradient and ``reg`` the slice of
    the vector that the penalties apply to (None: none of it).
    """

    __slots__ = ("params", "offsets", "value", "grad", "state", "tmp", "pen", "reg", "spare", "views",
                 "spare_views")

    def __init__(self, params: list, value: np.ndarray, grad: np.ndarray, offsets: list[int] | None,
                 reg: slice | None):
        self.params, self.offsets, self.value, self.grad, self.reg = params, offsets, value, grad, reg
        self.state: dict[str, np.ndarray] = {}
        self.tmp = np.empty_like(value)
        self.pen = np.empty_like(value) if reg is not None else None
        self.spare: np.ndarray | None = None  # keep_previous: the other buffer
        self.views = [p.value for p in params]
        self.spare_views: list[np.ndarray] = []

    def view(self, arr: np.ndarray, i: int) -> np.ndarray:
        """Parameter i's part of an array shaped like ``value``."""
        if self.offsets is None:
            return arr
        p, o = self.params[i], self.offsets[i]
        return arr[o:o + p.value.size].reshape(p.value.shape)


def _groups(params: list) -> list[_Group]:
    """One group over the flat vector the parameters tile, when the penalised ones form one
    run of it (a Network's do), else one group per parameter."""
    if params:
        values, grads = _tiling([p.value for p in params]), _tiling([p.grad for p in params])
        if values is not None and grads is not None and values[1] == grads[1]:
            offsets = values[1]
            spans = sorted((o, o + p.value.size) for o, p in zip(offsets, params) if p.regularize)
            if all(a[1] == b[0] for a, b in zip(spans, spans[1:])):
                reg = slice(spans[0][0], spans[-1][1]) if spans else None
                return [_Group(params, values[0], grads[0], offsets, reg)]
    return [_Group([p], p.value, p.grad, None, slice(None) if p.regularize else None) for p in params]


class Optimizer:
    """Base class. ``hyper`` lists the hyper-parameters this optimiser uses.

    ``params`` are objects with ``value`` and ``grad`` arrays of one shape and
    a ``regularize`` flag (True for weights, False for biases).
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: Hyper-parameters beyond lr and the penalties, declared once (key, range,
    #: wording); two optimisers that share one (momentum) share the Param.
    schema: ClassVar[tuple[Param, ...]] = ()
    #: Derived from ``schema``: the hyper-parameters' names and defaults.
    hyper: ClassVar[dict[str, float]] = {}
    #: True for plain gradient descent: the session uses the whole training set.
    full_batch: ClassVar[bool] = False
    #: The update as one line (README, tooltips).
    rule: ClassVar[str] = ""
    #: True when the gradient is taken at a look-ahead point (Nesterov): the
    #: training loop calls ``look_ahead()`` before each backward pass.
    looks_ahead: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.hyper = {p.keyword: p.default for p in cls.schema}

    def __init__(self, params: Iterable, lr: float = 0.01, l2: float = 0.0, l1: float = 0.0, **hyper: float):
        self.params = list(params)
        self.lr = float(lr)
        self.l2 = float(l2)
        self.l1 = float(l1)
        for key, default in self.hyper.items():
            setattr(self, key, float(hyper.get(key, default)))
        self.t = 0  # steps taken
        #: steps that wrote into the other buffer (keep_previous); never reset
        self.swaps = 0
        self._keeping = False
        #: per group a work array and (weights only) the penalised gradient: two buffers,
        #: so an update never overwrites the gradient it is still reading
        self._groups = _groups(self.params)
        self.state: list[dict[str, np.ndarray]] = []
        self._init_states()

    def _init_state(self, value: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def _init_states(self) -> None:
        """Fresh state per group; ``state[i]`` holds parameter i's views of it."""
        for g in self._groups:
            g.state = self._init_state(g.value)
        self.state = [{key: g.view(arr, i) for key, arr in g.state.items()}
                      for g in self._groups for i in range(len(g.params))]

    def reset(self) -> None:
        """Forget all state (velocities, averages, step count)."""
        self.t = 0
        self._init_states()

    # -- keeping the values from before the last step --------------------------------------
    @property
    def keeps_previous(self) -> bool:
        return self._keeping

    def keep_previous(self) -> None:
        """From now on each step writes the new values into a second buffer and swaps the
        two, so that ``previous()`` holds the values from before the last step: one more
        copy of the parameters in memory, no copy per step. Each step rebinds every
        ``p.value``: hold the parameters, not their arrays. Not for optimisers that look ahead."""
        if self.looks_ahead:
            raise ValueError(f"{self.name} moves the parameters before its step: it cannot keep the previous ones")
        for g in self._groups:
            if g.spare is None:
                g.spare = np.empty_like(g.value)
                g.spare_views = [g.view(g.spare, i) for i in range(len(g.params))]
        self._keeping = True

    def previous(self) -> list[np.ndarray]:
        """With ``keep_previous``: per parameter, its values before the last step (until the next step)."""
        return [v for g in self._groups for v in g.spare_views]

    # -- the step -------------------------------------------------------------------------
    def _gradient(self, g: _Group) -> np.ndarray:
        """The gradient to use: the group's, plus the penalties' on its weights."""
        if g.reg is None or not (self.l2 or self.l1):
            return g.grad
        pen = g.pen
        np.copyto(pen, g.grad)
        reg = g.reg
        w, tmp, part = g.value[reg], g.tmp[reg], pen[reg]
        if self.l2:
            np.multiply(w, self.l2, out=tmp)
            part += tmp
        if self.l1:
            np.sign(w, out=tmp)
            tmp *= self.l1
            part += tmp
        return pen

    def look_ahead(self) -> None:
        """Move the parameters to where the next gradient is taken (Nesterov); ``step``
        moves them back before updating. A no-op for the other optimisers."""

    def step(self) -> None:
        self.t += 1
        update, penalties = self._update, self.l2 or self.l1
        for g in self._groups:
            w = g.value
            grad = self._gradient(g) if penalties else g.grad
            if g.spare is None:
                update(w, grad, g.state, g.tmp, w)
            else:  # write the new values into the other buffer, then swap the two
                update(w, grad, g.state, g.tmp, g.spare)
                g.value, g.spare = g.spare, w
                g.views, g.spare_views = g.spare_views, g.views
                for p, v in zip(g.params, g.views):
                    p.value = v
        if self._keeping:
            self.swaps += 1

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, tmp: np.ndarray, out: np.ndarray) -> None:
        """Write the updated w into ``out`` (w itself, or the other buffer)."""
        raise NotImplementedError

    def config(self) -> dict[str, float]:
        cfg = {"lr": self.lr}
        cfg.update({key: getattr(self, key) for key in self.hyper})
        return cfg

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """w <- w - lr * g, on mini-batches."""

    name = "sgd"
    title = "SGD (mini-batch)"
    rule = "w ← w − lr·g"
    description = "Plain gradient steps on mini-batches."

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, tmp: np.ndarray, out: np.ndarray) -> None:
        np.multiply(g, self.lr, out=tmp)
        np.subtract(w, tmp, out=out)


class GD(SGD):
    """w <- w - lr * g, with g over the whole training set (one step per epoch)."""

    name = "gd"
    title = "Gradient descent (full batch)"
    rule = "w ← w − lr·g, g over the whole training set"
    description = "One step per epoch on the gradient of the whole training set."
    full_batch = True


class Momentum(Optimizer):
    """v <- mu v - lr g;  w <- w + v. The velocity averages away zig-zags."""

    name = "momentum"
    title = "Momentum"
    rule = "v ← μ·v − lr·g;  w ← w + v"
    description = "Accumulates a velocity, so steps speed up along consistent directions."
    schema = (MOMENTUM,)

    def _init_state(self, value: np.ndarray) -> dict[str, np.ndarray]:
        return {"v": np.zeros_like(value)}

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, tmp: np.ndarray, out: np.ndarray) -> None:
        v = state["v"]
        v *= self.momentum
        np.multiply(g, self.lr, out=tmp)
        v -= tmp
        np.add(w, v, out=out)


class Nesterov(Momentum):
    """Nesterov momentum, the textbook iterate (Sutskever et al., 2013):

    v <- mu v - lr g(w + mu v);  w <- w + v.

    The gradient is taken at the look-ahead point w + mu v: ``look_ahead``
    moves the parameters there before the backward pass and ``step`` moves
    them back, so between steps (histograms, exports, reports) they hold w.
    """

    name = "nag"
    title = "Nesterov momentum"
    description = "Momentum that looks ahead before stepping, overshooting less."
    rule = "v ← μ·v − lr·g(w + μ·v);  w ← w + v"
    schema = (MOMENTUM,)
    looks_ahead = True
    _ahead = False  # the parameters sit at w + mu v (between look_ahead and step)

    def reset(self) -> None:
        super().reset()
        self._ahead = False

    def look_ahead(self) -> None:
        if self._ahead:
            return  # already there (a backward pass was retried)
        mu = self.momentum
        for g in self._groups:
            np.multiply(g.state["v"], mu, out=g.tmp)
            g.value += g.tmp
        self._ahead = True

    def step(self) -> None:
        if self._ahead:  # back from w + mu v to w (the shift was kept in tmp)
            for g in self._groups:
                g.value -= g.tmp
            self._ahead = False
        super().step()  # then Momentum's update, with g taken at the look-ahead point


class AdaGrad(Optimizer):
    """c <- c + g^2;  w <- w - lr g / (sqrt(c) + eps). Steps shrink for ever."""

    name = "adagrad"
    title = "AdaGrad"
    rule = "c ← c + g²;  w ← w − lr·g / (√c + ε)"
    description = "Per-weight step sizes that shrink with the sum of past squared gradients."
    schema = (EPS,)

    def _init_state(self, value: np.ndarray) -> dict[str, np.ndarray]:
        return {"c": np.zeros_like(value)}

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, tmp: np.ndarray, out: np.ndarray) -> None:
        c = state["c"]
        np.multiply(g, g, out=tmp)
        c += tmp
        np.sqrt(c, out=tmp)
        tmp += self.eps
        np.divide(g, tmp, out=tmp)
        tmp *= self.lr
        np.subtract(w, tmp, out=out)


class RMSProp(Optimizer):
    """c <- rho c + (1 - rho) g^2;  w <- w - lr g / (sqrt(c) + eps)."""

    name = "rmsprop"
    title = "RMSProp"
    rule = "c ← ρ·c + (1 − ρ)·g²;  w ← w − lr·g / (√c + ε)"
    description = "Divides each step by a running average of recent gradient sizes."
    schema = (RHO, EPS)

    def _init_state(self, value: np.ndarray) -> dict[str, np.ndarray]:
        return {"c": np.zeros_like(value)}

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, tmp: np.ndarray, out: np.ndarray) -> None:
        c = state["c"]
        c *= self.rho
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - self.rho
        c += tmp
        np.sqrt(c, out=tmp)
        tmp += self.eps
        np.divide(g, tmp, out=tmp)
        tmp *= self.lr
        np.subtract(w, tmp, out=out)


class Adam(Optimizer):
    """m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
    w <- w - lr m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - b1^t),
    v_hat = v / (1 - b2^t) correcting the zero start (Kingma & Ba, 2015).

    Kept as M = m / (1 - b1) and V = v / (1 - b2), so that each average is
    updated without a scaled copy of g (M <- b1 M + g;  V <- b2 V + g^2), and
    the step as s M / (sqrt(V) + e): s and e fold the constant factors and both
    bias corrections into two scalars per step. The same iterate as the
    textbook's, ten NumPy calls over the flat vector.
    """

    name = "adam"
    title = "Adam"
    rule = "m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;  w ← w − lr·m̂ / (√v̂ + ε), m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)"
    description = "Momentum plus per-weight step sizes, bias-corrected: a robust default."
    schema = (BETA1, BETA2, EPS)

    def _init_state(self, value: np.ndarray) -> dict[str, np.ndarray]:
        return {"m": np.zeros_like(value), "v": np.zeros_like(value)}

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, tmp: np.ndarray, out: np.ndarray) -> None:
        b1, b2 = self.beta1, self.beta2
        # lr m_hat / (sqrt(v_hat) + eps) with m = (1 - b1) M, v = (1 - b2) V:
        # = s M / (sqrt(V) + e),  s = lr (1 - b1) sqrt(c2 / (1 - b2)) / c1,  e = eps sqrt(c2 / (1 - b2))
        root = math.sqrt((1.0 - b2**self.t) / (1.0 - b2))
        m, v = state["m"], state["v"]
        m *= b1
        m += g
        v *= b2
        np.multiply(g, g, out=tmp)
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += self.eps * root
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr * (1.0 - b1) * root / (1.0 - b1**self.t)
        np.subtract(w, tmp, out=out)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (GD, SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam)
}
ALIASES = {"nesterov": "nag"}


def names() -> list[str]:
    return list(OPTIMIZERS)


def get_class(name: str) -> type[Optimizer]:
    key = ALIASES.get(str(name).lower(), str(name).lower())
    try:
        return OPTIMIZERS[key]
    except KeyError:
        raise ValueError(
            f"unknown optimiser {name!r}; choose one of: {', '.join(OPTIMIZERS)}"
        ) from None


def get(name: str, params: Iterable, lr: float = 0.01, l2: float = 0.0, l1: float = 0.0, **hyper: float) -> Optimizer:
    """An optimiser by name over ``params``; hyper-parameters it does not use are ignored."""
    cls = get_class(name)
    return cls(params, lr=lr, l2=l2, l1=l1, **{k: v for k, v in hyper.items() if k in cls.hyper})
