"""Output heads: the last layer's function paired with the loss it is trained on.

Each head turns integer labels into targets, logits into class probabilities,
and gives the loss and its gradient with respect to the logits in one pass.
Pairing them keeps the maths stable (log-softmax, log(1 + e^z)) and simple:
for all three, dL/dlogits is (output - target), scaled by the reduction.

Reduction: ``mean`` divides the summed loss by the batch size, ``sum`` does
not. The same learning rate therefore means a step ``batch`` times larger under
``sum``: lr 0.001 with ``sum`` over 128 samples is lr 0.128 with ``mean``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from .activations import sigmoid

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

__all__ = ["Head", "HEADS", "REDUCTIONS", "get"]

REDUCTIONS = ("mean", "sum")


_ONES: dict[tuple[int, np.dtype], np.ndarray] = {}


def ones(n: int, dtype: DTypeLike) -> np.ndarray:
    """A cached vector of ones: ``x @ ones(k)`` sums rows through BLAS, several
    times faster than ``x.sum(axis=1)`` on the small arrays this lab uses."""
    vec = _ONES.get((n, dtype))  # a dtype object hashes fast; np.dtype() only on a miss
    if vec is None:
        vec = _ONES[(n, dtype)] = np.ones(n, dtype=dtype)
    return vec


def row_max(x: np.ndarray) -> np.ndarray:
    """max over axis 1; for few columns an element-wise maximum column by column
    is ~7x faster than NumPy's row reduction (k - 1 calls for k columns)."""
    k = x.shape[1]
    if k > 32:
        return x.max(axis=1)
    if k == 1:
        return x[:, 0].copy()
    m = np.maximum(x[:, 0], x[:, 1])
    for j in range(2, k):
        np.maximum(m, x[:, j], out=m)
    return m


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"unknown loss reduction {reduction!r}; choose one of: mean, sum")


class Head:
    """Base class; subclasses set ``name``, ``loss_name`` and the four methods."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    loss_name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def n_outputs(self, n_classes: int) -> int:
        return n_classes

    def targets(self, y: np.ndarray, n_classes: int, dtype: DTypeLike = np.float64) -> np.ndarray:
        """One-hot targets (n, n_classes) from integer labels."""
        t = np.zeros((len(y), n_classes), dtype=dtype)
        t[np.arange(len(y)), y] = 1.0
        return t

    def loss_and_grad(
        self, logits: np.ndarray, targets: np.ndarray, reduction: str = "mean", out: np.ndarray | None = None
    ) -> tuple[float, np.ndarray]:
        """(loss, dL/dlogits) for a batch; the gradient is written into ``out`` (logits' shape
        and dtype, not the logits themselves) when given, else into a new array."""
        raise NotImplementedError

    def loss(self, logits: np.ndarray, targets: np.ndarray, reduction: str = "mean") -> float:
        return self.loss_and_grad(logits, targets, reduction)[0]

    def proba(self, logits: np.ndarray) -> np.ndarray:
        """Class probabilities (or scores) of shape (n, n_classes)."""
        raise NotImplementedError

    def predict(self, logits: np.ndarray) -> np.ndarray:
        """Predicted integer labels."""
        return np.argmax(logits, axis=1)

    def __repr__(self) -> str:
        return self.name


class SoftmaxCrossEntropy(Head):
    """softmax(z)_k = e^{z_k} / sum_j e^{z_j};  L = -sum_k t_k log softmax(z)_k.

    dL/dz = softmax(z) - t. Computed from z - max(z), so no exp overflows.
    """

    name = "softmax"
    title = "Softmax + cross-entropy"
    loss_name = "cross-entropy"
    description = "One output per class; probabilities sum to 1; cross-entropy loss."

    def loss_and_grad(
        self, logits: np.ndarray, targets: np.ndarray, reduction: str = "mean", out: np.ndarray | None = None
    ) -> tuple[float, np.ndarray]:
        if reduction not in REDUCTIONS:
            _check_reduction(reduction)
        m = np.maximum(logits[:, 0], logits[:, 1]) if logits.shape[1] == 2 else row_max(logits)
        exp = np.subtract(logits, m[:, None], out=out)  # shifted logits, then exp in place
        # -sum t * (shifted - log total), with sum(t) = 1 per row
        picked = np.vdot(targets, exp)
        np.exp(exp, out=exp)
        total = np.matmul(exp, ones(exp.shape[1], exp.dtype), out=m)  # the row maxima are spent
        exp /= total[:, None]
        loss = float(np.add.reduce(np.log(total, out=total)) - picked)  # = .sum(), without its wrapper
        exp -= targets
        if reduction == "mean":
            n = logits.shape[0]
            loss /= n
            exp *= 1.0 / n
        return loss, exp

    def proba(self, logits: np.ndarray) -> np.ndarray:
        exp = np.exp(logits - row_max(logits)[:, None])
        exp /= (exp @ ones(exp.shape[1], exp.dtype))[:, None]
        return exp


class SigmoidBinaryCrossEntropy(Head):
    """One unit, p = s(z);  L = -t log p - (1 - t) log(1 - p) = log(1 + e^z) - t z.

    dL/dz = s(z) - t. Needs exactly two classes.
    """

    name = "sigmoid"
    title = "Sigmoid + binary cross-entropy"
    loss_name = "binary cross-entropy"
    description = "One output unit giving P(class 1); for two-class problems only."

    def n_outputs(self, n_classes: int) -> int:
        if n_classes != 2:
            raise ValueError(
                f"model.output: 'sigmoid' needs exactly 2 classes, the data has {n_classes}; "
                "use 'softmax'"
            )
        return 1

    def targets(self, y: np.ndarray, n_classes: int, dtype: DTypeLike = np.float64) -> np.ndarray:
        self.n_outputs(n_classes)
        return np.asarray(y, dtype=dtype).reshape(-1, 1)

    def loss_and_grad(
        self, logits: np.ndarray, targets: np.ndarray, reduction: str = "mean", out: np.ndarray | None = None
    ) -> tuple[float, np.ndarray]:
        _check_reduction(reduction)
        grad = np.logaddexp(0.0, logits, out=out)
        loss = float(np.add.reduce(grad, axis=None) - np.vdot(targets, logits))
        grad = sigmoid(logits, grad)
        grad -= targets
        if reduction == "mean":
            n = logits.shape[0]
            loss /= n
            grad *= 1.0 / n
        return loss, grad

    def proba(self, logits: np.ndarray) -> np.ndarray:
        p = sigmoid(logits[:, 0])
        return np.column_stack((1.0 - p, p))

    def predict(self, logits: np.ndarray) -> np.ndarray:
        return (logits[:, 0] > 0).astype(np.int64)


class IdentityMSE(Head):
    """Linear outputs fitted to one-hot targets by mean squared error.

    L = (1/K) sum_k (z_k - t_k)^2 per sample (K outputs);  dL/dz = 2 (z - t) / K.
    Shown to contrast with cross-entropy, whose gradient does not fade.
    """

    name = "identity"
    title = "Linear + mean squared error"
    loss_name = "mean squared error"
    description = "Linear outputs fitted to one-hot targets by squared error."

    def loss_and_grad(
        self, logits: np.ndarray, targets: np.ndarray, reduction: str = "mean", out: np.ndarray | None = None
    ) -> tuple[float, np.ndarray]:
        _check_reduction(reduction)
        diff = np.subtract(logits, targets, out=out)
        k = logits.shape[1]
        loss = float(np.vdot(diff, diff)) / k
        diff *= 2.0 / k
        if reduction == "mean":
            n = logits.shape[0]
            loss /= n
            diff *= 1.0 / n
        return loss, diff

    def proba(self, logits: np.ndarray) -> np.ndarray:
        # Not probabilities: scores clipped to [0, 1] and renormalised, for plots.
        clipped = np.clip(logits, 0.0, 1.0)
        total = clipped.sum(axis=1, keepdims=True)
        uniform = np.full_like(clipped, 1.0 / clipped.shape[1])
        return np.divide(clipped, total, out=uniform, where=total > 0)


HEADS: dict[str, type[Head]] = {
    cls.name: cls for cls in (SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy, IdentityMSE)
}
ALIASES = {"mse": "identity", "linear": "identity", "bce": "sigmoid", "cross_entropy": "softmax"}


def names() -> list[str]:
    return list(HEADS)


def get(name: str | Head) -> Head:
    """A head by name; ValueError listing the valid names if unknown."""
    if isinstance(name, Head):
        return name
    key = ALIASES.get(str(name).lower(), str(name).lower())
    try:
        return HEADS[key]()
    except KeyError:
        raise ValueError(
            f"unknown output head {name!r}; choose one of: {', '.join(HEADS)}"
        ) from None
