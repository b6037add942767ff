"""Activation functions: each a small class with ``forward(z)`` and ``derivative(z)``.

The training pass calls ``forward_into(z, out)`` (sigmoid, tanh, ReLU and
identity write into ``out``; by default it returns ``forward(z)``, a new
array, so callers use what is returned) and ``backprop(delta, z, a, work)``,
which multiplies dL/da by f'(z) in place (by default ``delta *= grad(z, a)``),
with allocation-free forms for the same four. A new activation needs only
``forward`` and ``derivative``.

The registry ``ACTIVATIONS`` maps a name to its class; the GUI fills its combo
boxes from it, so adding an activation means adding one class to the tuple at
the bottom. Every function is written to stay finite for any finite input.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from .schema import Param

__all__ = [
    "Activation",
    "ACTIVATIONS",
    "get",
    "names",
    "sigmoid",
]


def sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Logistic function s(z) = 1 / (1 + e^-z), computed as (1 + tanh(z/2)) / 2.

    The tanh form never overflows (exp(1000) would), and costs three in-place
    ufunc calls instead of the branchy two-sided formula.
    """
    out = np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


class Activation:
    """Base class. Subclasses set ``name`` and implement forward / derivative.

    ``grad(z, a)`` is what back-propagation calls: it may reuse the stored
    activation ``a = forward(z)`` (sigmoid'(z) = a(1 - a) needs no new exp).
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: Extra parameters, declared once: the configuration key (``model.leaky_slope``),
    #: range, label and tooltip all come from here.
    schema: ClassVar[tuple[Param, ...]] = ()
    #: Derived from ``schema``: the constructor's keywords and their defaults, e.g. {"slope": 0.01}.
    params: ClassVar[dict[str, float]] = {}
    #: Output range (low, high); +-inf where unbounded.
    output_range: ClassVar[tuple[float, float]] = (-math.inf, math.inf)
    #: Units of this kind saturate: f'(z) -> 0 on both tails (sigmoid, tanh).
    saturating: ClassVar[bool] = False
    #: Units of this kind can die: f'(z) is (almost) 0 for every z <= 0.
    rectifier: ClassVar[bool] = False
    #: One sentence for a tooltip.
    description: ClassVar[str] = ""
    #: The dtype of the ``work`` array ``backprop`` wants (None: the network's float dtype).
    work_dtype: ClassVar[type | None] = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.params = {p.keyword: p.default for p in cls.schema}

    def __init__(self, **params: float) -> None:
        unknown = set(params) - set(self.params)
        if unknown:
            valid = ", ".join(sorted(self.params)) or "none"
            raise ValueError(
                f"activation '{self.name}' has no parameter {sorted(unknown)[0]!r}; "
                f"its parameters: {valid}"
            )
        for key, default in self.params.items():
            setattr(self, key, float(params.get(key, default)))

    # -- the maths ---------------------------------------------------------
    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward_into(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """f(z), written into ``out`` (z's shape) where the subclass can; use what is returned."""
        return self.forward(z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def grad(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """f'(z), given a = f(z) already computed (subclasses may reuse it)."""
        return self.derivative(z)

    def backprop(self, delta: np.ndarray, z: np.ndarray, a: np.ndarray, work: np.ndarray) -> None:
        """delta *= f'(z) in place (dL/da to dL/dz), given a = f(z); ``work`` is scratch of z's
        shape, of ``work_dtype``."""
        delta *= self.grad(z, a)

    @property
    def max_derivative(self) -> float:
        """The largest value f'(z) takes; the saturation threshold is 1% of it."""
        raise NotImplementedError

    # -- description -------------------------------------------------------
    def config(self) -> dict[str, float]:
        return {key: getattr(self, key) for key in self.params}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.config().items())
        return f"{self.name}({args})" if args else self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Activation) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))


class Identity(Activation):
    """f(z) = z. Stacking linear layers gives one linear map, whatever the depth."""

    name = "identity"
    title = "Identity (linear)"
    description = "No non-linearity: any depth collapses to a single linear map."

    def forward(self, z: np.ndarray) -> np.ndarray:
        return z.copy()

    def forward_into(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.copyto(out, z)
        return out

    def derivative(self, z: np.ndarray) -> np.ndarray:
        return np.ones_like(z)

    def backprop(self, delta: np.ndarray, z: np.ndarray, a: np.ndarray, work: np.ndarray) -> None:
        pass  # f' = 1

    max_derivative = 1.0


class Sigmoid(Activation):
    """s(z) = 1 / (1 + e^-z);  s'(z) = s(z)(1 - s(z)) <= 1/4.

    Output in (0, 1), not zero-centred; saturates for |z| > ~6 (s' < 1% of 1/4).
    """

    name = "sigmoid"
    title = "Sigmoid"
    output_range = (0.0, 1.0)
    saturating = True
    description = "Squashes to (0, 1); its slope is at most 1/4 and vanishes for |z| > 6."

    def forward(self, z: np.ndarray) -> np.ndarray:
        return sigmoid(z)

    def forward_into(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return sigmoid(z, out)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        s = sigmoid(z)
        return s * (1.0 - s)

    def grad(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        d = 1.0 - a
        d *= a
        return d

    def backprop(self, delta: np.ndarray, z: np.ndarray, a: np.ndarray, work: np.ndarray) -> None:
        np.subtract(1.0, a, out=work)
        work *= a
        delta *= work

    max_derivative = 0.25


class Tanh(Activation):
    """tanh(z) = 2 s(2z) - 1;  tanh'(z) = 1 - tanh(z)^2 <= 1.

    Zero-centred, saturates for |z| > ~3 (tanh' < 1% of 1).
    """

    name = "tanh"
    title = "Tanh"
    output_range = (-1.0, 1.0)
    saturating = True
    description = "Zero-centred squashing to (-1, 1); slope 1 at 0, vanishing for |z| > 3."

    def forward(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z)

    def forward_into(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.tanh(z, out=out)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        t = np.tanh(z)
        return 1.0 - t * t

    def grad(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return 1.0 - a * a

    def backprop(self, delta: np.ndarray, z: np.ndarray, a: np.ndarray, work: np.ndarray) -> None:
        np.multiply(a, a, out=work)
        np.subtract(1.0, work, out=work)
        delta *= work

    max_derivative = 1.0


class ReLU(Activation):
    """relu(z) = max(z, 0);  relu'(z) = 1 if z > 0 else 0.

    A unit whose z <= 0 on every sample gets no gradient at all: it is dead.
    """

    name = "relu"
    title = "ReLU"
    output_range = (0.0, math.inf)
    rectifier = True
    description = "max(z, 0): no saturation for z > 0, but a unit with z <= 0 everywhere is dead."

    def forward(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0.0)

    def forward_into(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0.0, out=out)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        return (z > 0).astype(z.dtype)

    def grad(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return (z > 0).astype(z.dtype)

    work_dtype = np.bool_  # a mask: an eighth of the memory a float64 f'(z) would take

    def backprop(self, delta: np.ndarray, z: np.ndarray, a: np.ndarray, work: np.ndarray) -> None:
        np.greater(z, 0.0, out=work)
        delta *= work  # times 1.0 or 0.0, as with grad's astype

    max_derivative = 1.0


class LeakyReLU(Activation):
    """f(z) = z if z > 0 else slope*z;  f'(z) = 1 or slope.

    The small slope keeps a trickle of gradient, so a unit can come back to life.
    """

    name = "leaky_relu"
    title = "Leaky ReLU"
    schema = (Param("leaky_slope", "float", 0.01, 0.0, 1.0, arg="slope", step=0.01, label="Leaky slope",
                    tip="Leaky ReLU's slope for z < 0: how much gradient a switched-off unit still gets."),)
    rectifier = True
    description = "Like ReLU, with a small slope for z < 0 so units never fully die."

    def forward(self, z: np.ndarray) -> np.ndarray:
        return np.where(z > 0, z, self.slope * z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        return np.where(z > 0, 1.0, self.slope).astype(z.dtype, copy=False)

    @property
    def max_derivative(self) -> float:
        return max(1.0, abs(self.slope))

    @property
    def output_range(self) -> tuple[float, float]:  # type: ignore[override]
        return (-math.inf if self.slope > 0 else 0.0, math.inf)


class ELU(Activation):
    """f(z) = z if z > 0 else alpha(e^z - 1);  f'(z) = 1 or alpha e^z.

    Smooth, negative outputs push the mean activation towards zero.
    """

    name = "elu"
    title = "ELU"
    schema = (Param("elu_alpha", "float", 1.0, 0.0, 10.0, lo_open=True, arg="alpha", step=0.1, label="ELU alpha",
                    tip="ELU's alpha: how far below zero its output can go."),)
    description = "Exponential linear unit: smooth, with negative outputs down to -alpha."

    def forward(self, z: np.ndarray) -> np.ndarray:
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0.0)))

    def derivative(self, z: np.ndarray) -> np.ndarray:
        return np.where(z > 0, 1.0, self.alpha * np.exp(np.minimum(z, 0.0))).astype(
            z.dtype, copy=False
        )

    @property
    def max_derivative(self) -> float:
        return max(1.0, self.alpha)

    @property
    def output_range(self) -> tuple[float, float]:  # type: ignore[override]
        return (-self.alpha, math.inf)


class SELU(Activation):
    """Scaled ELU with the self-normalising constants of Klambauer et al. (2017).

    f(z) = scale * (z if z > 0 else alpha(e^z - 1)); with LeCun-normal weights
    the activations keep mean 0 and variance 1 from layer to layer.
    """

    name = "selu"
    title = "SELU"
    ALPHA = 1.6732632423543772
    SCALE = 1.0507009873554805
    output_range = (-SCALE * ALPHA, math.inf)
    description = "Scaled ELU whose constants keep activations near mean 0, variance 1."

    def forward(self, z: np.ndarray) -> np.ndarray:
        return self.SCALE * np.where(z > 0, z, self.ALPHA * np.expm1(np.minimum(z, 0.0)))

    def derivative(self, z: np.ndarray) -> np.ndarray:
        return self.SCALE * np.where(
            z > 0, 1.0, self.ALPHA * np.exp(np.minimum(z, 0.0))
        ).astype(z.dtype, copy=False)

    max_derivative = SCALE * ALPHA  # the slope just left of zero


_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _erf(x: np.ndarray) -> np.ndarray:
    # scipy is only imported when GELU is used: it costs ~0.3 s at start-up.
    from scipy.special import erf

    return erf(x)


class GELU(Activation):
    """gelu(z) = z Phi(z), Phi the standard normal CDF (the exact form, not tanh).

    gelu'(z) = Phi(z) + z phi(z); it dips slightly below zero for z < 0.
    """

    name = "gelu"
    title = "GELU"
    output_range = (-0.16997, math.inf)
    description = "z times the Gaussian CDF: a smooth ReLU that lets small negatives through."

    def forward(self, z: np.ndarray) -> np.ndarray:
        return 0.5 * z * (1.0 + _erf(z / _SQRT_2))

    def derivative(self, z: np.ndarray) -> np.ndarray:
        cdf = 0.5 * (1.0 + _erf(z / _SQRT_2))
        zc = np.clip(z, -40.0, 40.0)  # phi(40) underflows to 0 anyway; no overflow in z*z
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * zc * zc)
        return cdf + zc * pdf

    max_derivative = 1.1289  # at z = sqrt(2)


class Swish(Activation):
    """swish(z) = z s(z) (also called SiLU);  swish'(z) = s(z) + z s(z)(1 - s(z))."""

    name = "swish"
    title = "Swish / SiLU"
    output_range = (-0.27846, math.inf)
    description = "z times sigmoid(z): smooth and non-monotonic, close to ReLU for large z."

    def forward(self, z: np.ndarray) -> np.ndarray:
        return z * sigmoid(z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        s = sigmoid(z)
        return s * (1.0 + z * (1.0 - s))

    max_derivative = 1.0998  # at z ~ 2.3994


class Softplus(Activation):
    """softplus(z) = log(1 + e^z), a smooth ReLU;  softplus'(z) = s(z)."""

    name = "softplus"
    title = "Softplus"
    output_range = (0.0, math.inf)
    description = "log(1 + e^z): a smooth ReLU whose slope is the sigmoid."

    def forward(self, z: np.ndarray) -> np.ndarray:
        return np.logaddexp(0.0, z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        return sigmoid(z)

    max_derivative = 1.0


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls
    for cls in (Identity, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, SELU, GELU, Swish, Softplus)
}
# A few spellings students type; they resolve to the canonical names above.
ALIASES = {"linear": "identity", "silu": "swish", "leaky": "leaky_relu", "leakyrelu": "leaky_relu"}


def names() -> list[str]:
    return list(ACTIVATIONS)


def get(name: str | Activation, **params: float) -> Activation:
    """An activation instance by name; ValueError listing the valid names if unknown.

    ``params`` is either flat (``slope=0.1``: each activation takes the keys it
    knows) or per activation (``leaky_relu={"slope": 0.1}``, as
    ``ModelConfig.activation_params()`` gives it), so two activations may name
    a parameter alike.
    """
    if isinstance(name, Activation):
        return name
    key = ALIASES.get(str(name).lower(), str(name).lower())
    try:
        cls = ACTIVATIONS[key]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}"
        ) from None
    if any(isinstance(v, dict) for v in params.values()):
        params = params.get(cls.name, {})
    return cls(**{k: v for k, v in params.items() if k in cls.params})
