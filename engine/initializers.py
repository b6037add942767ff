"""Weight and bias initialisers: ``Initializer(shape, rng) -> ndarray``.

A weight matrix has shape (fan_in, fan_out): inputs along the rows, units along
the columns. Every draw takes an explicit ``np.random.Generator`` so one seed
reproduces a run bit for bit. ``INITIALIZERS`` and ``BIAS_INITIALIZERS`` are the
registries the GUI and configuration files use.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from .schema import Param

__all__ = [
    "Initializer",
    "INITIALIZERS",
    "BIAS_INITIALIZERS",
    "get",
    "get_bias",
    "init_bias",
]


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape (in, out); a vector counts as (n, n)."""
    if len(shape) == 1:
        return shape[0], shape[0]
    return shape[0], shape[1]


class Initializer:
    """Base class. Subclasses set ``name`` and implement ``sample``.

    ``sample(shape, rng, fan_in, fan_out)`` gets the fans explicitly so a bias
    vector can be drawn "like the weights" of its layer.
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: The initialiser's own parameter, if any: it is the configuration's
    #: ``model.init_param`` (one key, whose meaning and range depend on the choice).
    schema: ClassVar[tuple[Param, ...]] = ()
    #: Derived from ``schema``: the constructor's keywords and their defaults.
    params: ClassVar[dict[str, float]] = {}
    description: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.params = {p.keyword: p.default for p in cls.schema}

    def __init__(self, **params: float) -> None:
        unknown = set(params) - set(self.params)
        if unknown:
            valid = ", ".join(sorted(self.params)) or "none"
            raise ValueError(
                f"initialiser '{self.name}' has no parameter {sorted(unknown)[0]!r}; "
                f"its parameters: {valid}"
            )
        for key, default in self.params.items():
            setattr(self, key, float(params.get(key, default)))

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        fan_in, fan_out = fans(tuple(shape))
        return self.sample(tuple(shape), rng, fan_in, fan_out)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        raise NotImplementedError

    def std_for(self, fan_in: int, fan_out: int) -> float:
        """Standard deviation of the drawn values (what the tests check)."""
        raise NotImplementedError

    def config(self) -> dict[str, float]:
        return {key: getattr(self, key) for key in self.params}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.config().items())
        return f"{self.name}({args})" if args else self.name


class _Normal(Initializer):
    """Draws N(0, std^2) with std from ``std_for(fan_in, fan_out)``."""

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        return rng.standard_normal(shape) * self.std_for(fan_in, fan_out)


class _Uniform(Initializer):
    """Draws U(-limit, limit); its std is limit / sqrt(3)."""

    def limit_for(self, fan_in: int, fan_out: int) -> float:
        raise NotImplementedError

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        lim = self.limit_for(fan_in, fan_out)
        return rng.uniform(-lim, lim, size=shape)

    def std_for(self, fan_in: int, fan_out: int) -> float:
        return self.limit_for(fan_in, fan_out) / math.sqrt(3.0)


class Zeros(Initializer):
    """All weights 0: every unit of a layer computes the same thing for ever."""

    name = "zeros"
    title = "Zeros"
    description = "Every weight 0: all units of a layer stay identical (symmetry never breaks)."

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        return np.zeros(shape)

    def std_for(self, fan_in: int, fan_out: int) -> float:
        return 0.0


class Constant(Initializer):
    """All weights equal to ``value``: as symmetric as zeros, but not silent."""

    name = "constant"
    title = "Constant"
    schema = (Param("init_param", "float", 0.1, -100.0, 100.0, arg="value", step=0.01, label="Weight value",
                    tip="The value every weight starts at."),)
    description = "Every weight the same value: units stay identical, like zeros."

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        return np.full(shape, self.value)

    def std_for(self, fan_in: int, fan_out: int) -> float:
        return 0.0


class Normal(_Normal):
    """N(0, std^2) with a fixed std (default 1: the classic "random" init)."""

    name = "normal"
    title = "Normal N(0, std²)"
    schema = (Param("init_param", "float", 1.0, 0.0, 100.0, arg="std", step=0.01, label="Weight std",
                    tip="The standard deviation of the drawn weights."),)
    description = "Gaussian with a fixed std, ignoring the layer size (std 1 saturates sigmoids)."

    def std_for(self, fan_in: int, fan_out: int) -> float:
        return self.std


class SmallNormal(Normal):
    """N(0, 0.01^2): the signal shrinks layer by layer until it is gone."""

    name = "small_normal"
    title = "Small normal N(0, 0.01²)"
    schema = (Param("init_param", "float", 0.01, 0.0, 100.0, arg="std", step=0.01, label="Weight std",
                    tip="The standard deviation of the drawn weights."),)
    description = "Tiny Gaussian weights: activations collapse towards 0 layer by layer."


class Uniform(_Uniform):
    """U(-limit, limit) with a fixed limit."""

    name = "uniform"
    title = "Uniform U(-a, a)"
    schema = (Param("init_param", "float", 0.05, 0.0, 100.0, arg="limit", step=0.01, label="Limit a",
                    tip="Weights are drawn uniformly from -a to a."),)
    description = "Uniform in (-limit, limit), ignoring the layer size."

    def limit_for(self, fan_in: int, fan_out: int) -> float:
        return self.limit


class Xavier(_Normal):
    """N(0, 1/fan_in): the fan-in form course notes call Xavier (also LeCun normal).

    Keeps Var(z) equal to Var(input) for a linear unit; suits sigmoid and tanh.
    """

    name = "xavier"
    title = "Xavier N(0, 1/fan_in)"
    description = "Variance 1/fan_in keeps the signal's spread steady for sigmoid and tanh."

    def std_for(self, fan_in: int, fan_out: int) -> float:
        return math.sqrt(1.0 / fan_in)


class GlorotNormal(_Normal):
    """N(0, 2/(fan_in + fan_out)) (Glorot & Bengio, 2010): balances both passes."""

    name = "glorot_normal"
    title = "Glorot normal"
    description = "Variance 2/(fan_in + fan_out): a compromise between forward and backward."

    def std_for(self, fan_in: int, fan_out: int) -> float:
        return math.sqrt(2.0 / (fan_in + fan_out))


class GlorotUniform(_Uniform):
    """U(-a, a), a = sqrt(6/(fan_in + fan_out)): Glorot's variance, uniform shape."""

    name = "glorot_uniform"
    title = "Glorot uniform"
    description = "Uniform with Glorot's variance 2/(fan_in + fan_out)."

    def limit_for(self, fan_in: int, fan_out: int) -> float:
        return math.sqrt(6.0 / (fan_in + fan_out))


class He(_Normal):
    """N(0, 2/fan_in) (He et al., 2015): doubles Xavier's variance for ReLU.

    A ReLU zeroes half its inputs on average, so it halves the variance.
    """

    name = "he"
    title = "He N(0, 2/fan_in)"
    description = "Variance 2/fan_in makes up for ReLU zeroing half the signal."

    def std_for(self, fan_in: int, fan_out: int) -> float:
        return math.sqrt(2.0 / fan_in)


class HeUniform(_Uniform):
    """U(-a, a), a = sqrt(6/fan_in): He's variance, uniform shape."""

    name = "he_uniform"
    title = "He uniform"
    description = "Uniform with He's variance 2/fan_in."

    def limit_for(self, fan_in: int, fan_out: int) -> float:
        return math.sqrt(6.0 / fan_in)


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times ``gain`` (Saxe et al., 2014).

    All singular values equal ``gain``, so a deep linear stack neither shrinks
    nor grows the signal. Each entry has variance gain^2 / max(fan_in, fan_out).
    A bias drawn "like the weights" gets N(0, gain^2 / fan_in).
    """

    name = "orthogonal"
    title = "Orthogonal"
    schema = (Param("init_param", "float", 1.0, -100.0, 100.0, arg="gain", step=0.01, label="Gain",
                    tip="Every singular value of the weight matrix equals the gain."),)
    description = "Rows or columns orthonormal (times gain): the signal's norm is preserved."

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        if len(shape) != 2:
            return rng.standard_normal(shape) * (self.gain / math.sqrt(fan_in))
        rows, cols = shape
        a = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))  # make the decomposition unique (uniform over the group)
        if rows < cols:
            q = q.T
        return self.gain * q

    def std_for(self, fan_in: int, fan_out: int) -> float:
        return self.gain / math.sqrt(max(fan_in, fan_out))


INITIALIZERS: dict[str, type[Initializer]] = {
    cls.name: cls
    for cls in (
        Zeros,
        Constant,
        Normal,
        SmallNormal,
        Uniform,
        Xavier,
        GlorotNormal,
        GlorotUniform,
        He,
        HeUniform,
        Orthogonal,
    )
}
ALIASES = {"random": "normal", "lecun": "xavier", "lecun_normal": "xavier", "kaiming": "he"}

#: Bias initialisers: fixed values, or "like_weights" (drawn by the layer's
#: weight initialiser with the layer's fans).
BIAS_INITIALIZERS: dict[str, str] = {
    "zeros": "All biases 0 (the usual choice).",
    "ones": "All biases 1 (keeps ReLU units active at the start).",
    "constant": "All biases equal to a chosen value.",
    "like_weights": "Drawn like the weights, from the layer's weight initialiser.",
}


def names() -> list[str]:
    return list(INITIALIZERS)


def get(name: str | Initializer, **params: float) -> Initializer:
    """An initialiser by name; ValueError listing the valid names if unknown.

    Parameters the initialiser does not take are ignored, so a caller can pass
    one settings dict ({"std": ..., "value": ...}) whatever the choice.
    """
    if isinstance(name, Initializer):
        return name
    key = ALIASES.get(str(name).lower(), str(name).lower())
    try:
        cls = INITIALIZERS[key]
    except KeyError:
        raise ValueError(
            f"unknown initialiser {name!r}; choose one of: {', '.join(INITIALIZERS)}"
        ) from None
    return cls(**{k: v for k, v in params.items() if k in cls.params})


def get_bias(name: str) -> str:
    """Validate a bias initialiser name; ValueError listing the valid names."""
    key = str(name).lower()
    if key not in BIAS_INITIALIZERS:
        raise ValueError(
            f"unknown bias initialiser {name!r}; choose one of: {', '.join(BIAS_INITIALIZERS)}"
        )
    return key


def init_bias(
    kind: str,
    n_units: int,
    rng: np.random.Generator,
    weight_init: Initializer,
    fan_in: int,
    value: float = 0.0,
) -> np.ndarray:
    """A bias vector for a layer of ``n_units`` with ``fan_in`` inputs."""
    kind = get_bias(kind)
    if kind == "zeros":
        return np.zeros(n_units)
    if kind == "ones":
        return np.ones(n_units)
    if kind == "constant":
        return np.full(n_units, float(value))
    return weight_init.sample((n_units,), rng, fan_in, n_units)
