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
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from .schema import Param

if TYPE_CHECKING:
    from .network import Parameter

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
        self.state: list[dict[str, np.ndarray]] = [self._init_state(p.value) for p in self.params]
        #: work arrays of the updates, and (weights only) the penalised gradient: two
        #: buffers, so an update never overwrites the gradient it is still reading
        self._scratch = [np.empty_like(p.value) for p in self.params]
        self._penalised = [np.empty_like(p.value) if p.regularize else None for p in self.params]

    def _init_state(self, value: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def reset(self) -> None:
        """Forget all state (velocities, averages, step count)."""
        self.t = 0
        self.state = [self._init_state(p.value) for p in self.params]

    def _gradient(self, i: int, p: Parameter) -> np.ndarray:
        """The gradient to use: p.grad, plus the penalties' for weights."""
        if not (p.regularize and (self.l2 or self.l1)):
            return p.grad
        g = self._penalised[i]
        np.copyto(g, p.grad)
        if self.l2:
            g += self.l2 * p.value
        if self.l1:
            g += self.l1 * np.sign(p.value)
        return g

    def look_ahead(self) -> None:
        """Move the parameters to where the next gradient is taken (Nesterov); ``step``
        moves them back before updating. A no-op for the other optimisers."""

    def step(self) -> None:
        self.t += 1
        for i, p in enumerate(self.params):
            self._update(p.value, self._gradient(i, p), self.state[i], self._scratch[i])

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, tmp: np.ndarray) -> None:
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

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, tmp: np.ndarray) -> None:
        np.multiply(g, self.lr, out=tmp)
        w -= tmp


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

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, tmp: np.ndarray) -> None:
        v = state["v"]
        v *= self.momentum
        np.multiply(g, self.lr, out=tmp)
        v -= tmp
        w += v


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
        for p, state, tmp in zip(self.params, self.state, self._scratch):
            np.multiply(state["v"], mu, out=tmp)
            p.value += tmp
        self._ahead = True

    def step(self) -> None:
        if self._ahead:  # back from w + mu v to w (the shift was kept in tmp)
            for p, tmp in zip(self.params, self._scratch):
                p.value -= tmp
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

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, tmp: np.ndarray) -> None:
        c = state["c"]
        c += g * g
        np.sqrt(c, out=tmp)
        tmp += self.eps
        np.divide(g, tmp, out=tmp)
        tmp *= self.lr
        w -= tmp


class RMSProp(Optimizer):
    """c <- rho c + (1 - rho) g^2;  w <- w - lr g / (sqrt(c) + eps)."""

    name = "rmsprop"
    title = "RMSProp"
    rule = "c ← ρ·c + (1 − ρ)·g²;  w ← w − lr·g / (√c + ε)"
    description = "Divides each step by a running average of recent gradient sizes."
    schema = (RHO, EPS)

    def _init_state(self, value: np.ndarray) -> dict[str, np.ndarray]:
        return {"c": np.zeros_like(value)}

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, tmp: np.ndarray) -> None:
        c = state["c"]
        c *= self.rho
        c += (1.0 - self.rho) * (g * g)
        np.sqrt(c, out=tmp)
        tmp += self.eps
        np.divide(g, tmp, out=tmp)
        tmp *= self.lr
        w -= tmp


class Adam(Optimizer):
    """m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
    w <- w - lr m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - b1^t),
    v_hat = v / (1 - b2^t) correcting the zero start (Kingma & Ba, 2015).
    """

    name = "adam"
    title = "Adam"
    rule = "m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;  w ← w − lr·m̂ / (√v̂ + ε), m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)"
    description = "Momentum plus per-weight step sizes, bias-corrected: a robust default."
    schema = (BETA1, BETA2, EPS)

    def _init_state(self, value: np.ndarray) -> dict[str, np.ndarray]:
        return {"m": np.zeros_like(value), "v": np.zeros_like(value)}

    def step(self) -> None:
        # The bias corrections are the same for every parameter: fold them into
        # one scalar step size and one eps (the standard rearrangement).
        self.t += 1
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t
        self._step_size = self.lr * np.sqrt(c2) / c1
        self._eps_hat = self.eps * np.sqrt(c2)
        for i, p in enumerate(self.params):
            self._update(p.value, self._gradient(i, p), self.state[i], self._scratch[i])

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, tmp: np.ndarray) -> None:
        m, v = state["m"], state["v"]
        m *= self.beta1
        np.multiply(g, 1.0 - self.beta1, out=tmp)
        m += tmp
        v *= self.beta2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - self.beta2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += self._eps_hat
        np.divide(m, tmp, out=tmp)
        tmp *= self._step_size
        w -= tmp


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
