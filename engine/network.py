"""The multi-layer perceptron: dense layers, each followed by its activation.

``forward`` keeps every layer's pre-activation z and activation a (the probes
histogram them); ``backward`` fills each parameter's gradient and keeps the
gradient that reaches each layer. The model contract is micrograd's:
``parameters()``, ``zero_grad()`` and a ``repr`` that prints the architecture.

Shapes: a batch X is (n, d); layer l has W_l of shape (fan_in, fan_out) and
b_l of shape (fan_out,), and computes z_l = a_{l-1} W_l + b_l, a_l = f_l(z_l).
The last layer's z is the logits; the output head turns them into a loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from . import activations as act_mod
from . import initializers as init_mod
from . import losses as loss_mod
from .activations import Activation
from .initializers import Initializer
from .losses import ones

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

__all__ = ["Parameter", "Layer", "Network"]

DTYPES = {"float64": np.float64, "float32": np.float32}


@dataclass(eq=False)
class Parameter:
    """A named array and its gradient; ``regularize`` is False for biases."""

    name: str
    value: np.ndarray
    grad: np.ndarray = field(repr=False)
    regularize: bool = True

    def __repr__(self) -> str:
        return f"Parameter({self.name}, shape={self.value.shape})"


class Layer:
    """One dense layer: W (fan_in, fan_out), b (fan_out,), then ``activation``.

    The output layer's activation is None: the head applies its own function.
    """

    def __init__(self, index: int, fan_in: int, fan_out: int, activation: Activation | None,
                 dtype: DTypeLike):
        self.index = index
        self.fan_in = fan_in
        self.fan_out = fan_out
        self.activation = activation
        self.W = Parameter(f"W{index}", np.zeros((fan_in, fan_out), dtype), np.zeros((fan_in, fan_out), dtype))
        self.b = Parameter(f"b{index}", np.zeros(fan_out, dtype), np.zeros(fan_out, dtype), regularize=False)

    @property
    def is_output(self) -> bool:
        return self.activation is None

    def __repr__(self) -> str:
        f = "logits" if self.activation is None else repr(self.activation)
        return f"Dense({self.fan_in} -> {self.fan_out}, {f})"


class Network:
    """A feed-forward network of ``len(hidden)`` hidden layers and an output layer.

    Parameters
    ----------
    n_inputs, n_classes:
        Sizes fixed by the data. The output width follows from the head
        (softmax/identity: one unit per class; sigmoid: one unit).
    hidden:
        Widths of the hidden layers; ``[]`` is logistic (softmax) regression.
    activation:
        One name/instance for every hidden layer, or a list with one per layer.
    activation_params:
        per activation, ``{"leaky_relu": {"slope": 0.1}, "elu": {"alpha": 1.0}}``
        (``ModelConfig.activation_params()``), or flat, ``{"slope": 0.1}``: an
        activation takes the keys it knows and ignores the rest.
    init, init_params:
        Weight initialiser and its parameters (e.g. ``{"std": 0.01}``).
    bias_init, bias_value:
        ``zeros``, ``ones``, ``constant`` (with ``bias_value``) or ``like_weights``.
    head:
        ``softmax``, ``sigmoid`` or ``identity``.
    seed:
        Drives every random draw of the weights: equal seeds, equal networks.
    dtype:
        ``float64`` (default, exact gradient checks) or ``float32`` (faster).
    """

    def __init__(
        self,
        n_inputs: int,
        n_classes: int,
        hidden: Sequence[int] = (),
        activation: str | Activation | Sequence[str | Activation] = "relu",
        activation_params: dict | None = None,
        init: str | Initializer = "xavier",
        init_params: dict | None = None,
        bias_init: str = "zeros",
        bias_value: float = 0.0,
        head: str = "softmax",
        seed: int = 0,
        dtype: str | type = "float64",
    ):
        hidden = [int(h) for h in hidden]
        if n_inputs < 1 or any(h < 1 for h in hidden):
            raise ValueError(f"layer widths must be positive integers, got {[n_inputs, *hidden]}")
        self.n_inputs = int(n_inputs)
        self.n_classes = int(n_classes)
        self.hidden = hidden
        self.dtype = np.dtype(DTYPES.get(dtype, dtype) if isinstance(dtype, str) else dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        params = dict(activation_params or {})
        if isinstance(activation, (str, Activation)):
            acts = [act_mod.get(activation, **params) for _ in hidden]
        else:
            acts = [act_mod.get(a, **params) for a in activation]
            if len(acts) != len(hidden):
                raise ValueError(
                    f"got {len(acts)} activations for {len(hidden)} hidden layers"
                )
        self.head = loss_mod.get(head)
        self.n_outputs = self.head.n_outputs(self.n_classes)
        self.initializer = init_mod.get(init, **(init_params or {}))
        self.bias_init = init_mod.get_bias(bias_init)
        self.bias_value = float(bias_value)
        widths = [self.n_inputs, *hidden, self.n_outputs]
        self.layers = [
            Layer(i + 1, widths[i], widths[i + 1], acts[i] if i < len(hidden) else None, self.dtype)
            for i in range(len(widths) - 1)
        ]
        self._params = [p for layer in self.layers for p in (layer.W, layer.b)]
        # Filled by forward / backward:
        self.zs: list[np.ndarray] = []  # pre-activations, one per layer (last = logits)
        self.activations: list[np.ndarray] = []  # a_0 = X, a_1 ... a_{L-1} (hidden outputs)
        self.deltas: list[np.ndarray] = []  # dL/dz per layer, same order as zs
        self.seed = int(seed)
        self.initialize(self.seed)

    # -- parameters --------------------------------------------------------
    def initialize(self, seed: int | None = None) -> None:
        """(Re)draw every weight and bias from ``seed`` (default: the current one)."""
        if seed is not None:
            self.seed = int(seed)
        rng = np.random.default_rng(self.seed)
        for layer in self.layers:
            W = self.initializer((layer.fan_in, layer.fan_out), rng)
            b = init_mod.init_bias(
                self.bias_init, layer.fan_out, rng, self.initializer, layer.fan_in, self.bias_value
            )
            layer.W.value[...] = W
            layer.b.value[...] = b
        self.zero_grad()

    def parameters(self) -> list[Parameter]:
        """Every parameter, in order W1, b1, W2, b2, ..."""
        return list(self._params)

    def zero_grad(self) -> None:
        for p in self._params:
            p.grad.fill(0.0)

    def get_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of (W, b) per layer."""
        return [(layer.W.value.copy(), layer.b.value.copy()) for layer in self.layers]

    def set_weights(self, weights: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Overwrite every (W, b) in place; shapes must match."""
        if len(weights) != len(self.layers):
            raise ValueError(f"expected {len(self.layers)} layers of weights, got {len(weights)}")
        for layer, (W, b) in zip(self.layers, weights):
            if np.shape(W) != layer.W.value.shape or np.shape(b) != layer.b.value.shape:
                raise ValueError(
                    f"layer {layer.index}: expected W {layer.W.value.shape} and b "
                    f"{layer.b.value.shape}, got {np.shape(W)} and {np.shape(b)}"
                )
            layer.W.value[...] = W
            layer.b.value[...] = b

    @property
    def n_parameters(self) -> int:
        return int(sum(p.value.size for p in self._params))

    @property
    def hidden_activations(self) -> list[Activation]:
        return [layer.activation for layer in self.layers[:-1]]

    # -- passes ------------------------------------------------------------
    def forward(self, X: np.ndarray, keep: bool = True) -> np.ndarray:
        """Logits for a batch X (n, n_inputs).

        With ``keep`` (the default) every z and a is stored for ``backward``
        and the probes; ``keep=False`` is for prediction only.
        """
        a = X if X.dtype == self.dtype else np.asarray(X, dtype=self.dtype)
        if keep:
            zs = self.zs = []
            acts = self.activations = [a]
        for layer in self.layers:
            z = a @ layer.W.value
            z += layer.b.value
            if layer.activation is None:
                a = z
            else:
                a = layer.activation.forward(z)
            if keep:
                zs.append(z)
                if layer.activation is not None:
                    acts.append(a)
        return a

    def backward(self, dlogits: np.ndarray) -> None:
        """Back-propagate dL/dlogits; fills every ``p.grad`` (overwriting).

        delta_L = dL/dz_L;  dW_l = a_{l-1}^T delta_l;  db_l = sum_n delta_l;
        delta_{l-1} = (delta_l W_l^T) * f'_{l-1}(z_{l-1}).
        ``deltas[l]`` keeps dL/dz of every layer (the gradient reaching it).
        """
        delta = dlogits
        deltas = [None] * len(self.layers)
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            deltas[i] = delta
            a_prev = self.activations[i]
            np.matmul(a_prev.T, delta, out=layer.W.grad)
            np.matmul(ones(delta.shape[0], delta.dtype), delta, out=layer.b.grad)  # column sums via BLAS
            if i > 0:
                below = self.layers[i - 1]
                back = delta @ layer.W.value.T
                back *= below.activation.grad(self.zs[i - 1], self.activations[i])
                delta = back
        self.deltas = deltas

    def loss_and_backward(self, X: np.ndarray, targets: np.ndarray, reduction: str = "mean") -> float:
        """One forward and backward pass; returns the batch loss."""
        logits = self.forward(X)
        loss, dlogits = self.head.loss_and_grad(logits, targets, reduction)
        self.backward(dlogits)
        return loss

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.head.proba(self.forward(X, keep=False))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.head.predict(self.forward(X, keep=False))

    def targets(self, y: np.ndarray) -> np.ndarray:
        """Targets for integer labels y, in this network's dtype."""
        return self.head.targets(np.asarray(y), self.n_classes, dtype=self.dtype)

    # -- description -------------------------------------------------------
    def summary(self) -> str:
        """One line: '2 -> 16 relu -> 16 relu -> 2 softmax · 338 parameters'."""
        parts = [str(self.n_inputs)]
        for layer in self.layers[:-1]:
            parts.append(f"{layer.fan_out} {layer.activation!r}")
        parts.append(f"{self.n_outputs} {self.head.name}")
        return " → ".join(parts) + f" · {self.n_parameters:,} parameters"

    def __repr__(self) -> str:
        lines = [f"Network(init={self.initializer!r}, bias={self.bias_init}, dtype={self.dtype.name},"]
        lines += [f"  {layer!r}," for layer in self.layers]
        lines.append(f"  head={self.head.title!r})  # {self.n_parameters:,} parameters")
        return "\n".join(lines)
