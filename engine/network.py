"""The multi-layer perceptron: dense layers, each followed by its activation.

``forward`` keeps every layer's pre-activation z and activation a (the probes
histogram them); ``backward`` fills each parameter's gradient and keeps the
gradient that reaches each layer. The model contract is micrograd's:
``parameters()``, ``zero_grad()`` and a ``repr`` that prints the architecture.

Shapes: a batch X is (n, d); layer l has W_l of shape (fan_in, fan_out) and
b_l of shape (fan_out,), and computes z_l = a_{l-1} W_l + b_l, a_l = f_l(z_l).
The last layer's z is the logits; the output head turns them into a loss.

Storage, for speed (the training step is a few dozen NumPy calls; see
benchmarks/fused.py for the hand-fused reference it is measured against):

- every weight, then every bias, lives in one flat vector, and so does every
  gradient: each Parameter's ``value`` and ``grad`` are views into them, so an
  optimiser updates all parameters in a handful of calls over one vector
  (engine/optimizers.py finds the vector from the views);
- a kept pass (``forward(X)`` with ``keep``, and ``backward``) writes z, a and
  dL/dz into buffers allocated for its batch size and reused by the next kept
  pass of that size (one size is kept at a time, so memory stays one pass),
  with every NumPy call given out=. So ``zs``, ``activations`` and ``deltas``
  are overwritten by the next kept pass: read them (or copy) before it.
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
                 dtype: DTypeLike, W: Parameter | None = None, b: Parameter | None = None):
        self.index = index
        self.fan_in = fan_in
        self.fan_out = fan_out
        self.activation = activation
        shape = (fan_in, fan_out)
        self.W = W or Parameter(f"W{index}", np.zeros(shape, dtype), np.zeros(shape, dtype))
        self.b = b or Parameter(f"b{index}", np.zeros(fan_out, dtype), np.zeros(fan_out, dtype), regularize=False)

    @property
    def is_output(self) -> bool:
        return self.activation is None

    def __repr__(self) -> str:
        f = "logits" if self.activation is None else repr(self.activation)
        return f"Dense({self.fan_in} -> {self.fan_out}, {f})"


def _flat_parameters(widths: list[int], dtype: np.dtype) -> list[tuple[Parameter, Parameter]]:
    """(W, b) per layer, every one a view into one flat vector of values and one of
    gradients: all weights first, then all biases (so the penalised ones are one run)."""
    shapes = [(widths[i], widths[i + 1]) for i in range(len(widths) - 1)]
    sizes = [m * n for m, n in shapes] + [n for _, n in shapes]
    values, grads = np.zeros(sum(sizes), dtype), np.zeros(sum(sizes), dtype)
    starts = np.cumsum([0, *sizes]).tolist()
    views = [(values[a:b], grads[a:b]) for a, b in zip(starts[:-1], starts[1:])]
    L = len(shapes)
    return [(Parameter(f"W{i + 1}", views[i][0].reshape(shapes[i]), views[i][1].reshape(shapes[i])),
             Parameter(f"b{i + 1}", views[L + i][0], views[L + i][1], regularize=False))
            for i in range(L)]


class _Pass:
    """The buffers of a kept pass over n samples: z, a and dL/dz per layer, one work array
    (shared by the hidden layers' derivatives, one at a time), and what the loops read."""

    __slots__ = ("n", "zs", "activations", "deltas", "delta_buffers", "forward", "backward", "ones")

    def __init__(self, n: int, layers: list[Layer], dtype: np.dtype):
        self.n = n
        self.zs = [np.empty((n, layer.fan_out), dtype) for layer in layers]
        hidden = layers[:-1]
        self.activations: list[np.ndarray] = [None] + [np.empty((n, layer.fan_out), dtype) for layer in hidden]
        self.delta_buffers = [np.empty((n, layer.fan_out), dtype) for layer in layers]
        self.deltas = list(self.delta_buffers)  # what backward hands out (the last may be the caller's)
        size = n * max([layer.fan_out for layer in hidden], default=0)
        shared: dict = {}  # one work array per dtype the derivatives want

        def work(layer: Layer) -> np.ndarray:
            kind = np.dtype(layer.activation.work_dtype or dtype)
            if kind not in shared:
                shared[kind] = np.empty(size, kind)
            return shared[kind][:n * layer.fan_out].reshape(n, layer.fan_out)

        #: forward: per layer (W, b, f or None, z, a buffer or None)
        self.forward = [(layer.W, layer.b, layer.activation, z, a)
                        for layer, z, a in zip(layers, self.zs, self.activations[1:] + [None])]
        #: backward, from the last layer down: (index, W, b, and for the layer below: its
        #: activation, its z, its delta buffer, a work array), the first layer's last four None
        self.backward = [(i, layer.W, layer.b) + ((layers[i - 1].activation, self.zs[i - 1],
                                                    self.delta_buffers[i - 1], work(layers[i - 1])) if i else
                                                   (None, None, None, None))
                         for i, layer in reversed(list(enumerate(layers)))]
        self.ones = ones(n, dtype)


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
            Layer(i + 1, widths[i], widths[i + 1], acts[i] if i < len(hidden) else None, self.dtype, W, b)
            for i, (W, b) in enumerate(_flat_parameters(widths, self.dtype))
        ]
        self._params = [p for layer in self.layers for p in (layer.W, layer.b)]
        self._grad = self._params[0].grad.base  # the flat vector of every gradient
        # Filled by forward / backward:
        self.zs: list[np.ndarray] = []  # pre-activations, one per layer (last = logits)
        self.activations: list[np.ndarray] = []  # a_0 = X, a_1 ... a_{L-1} (hidden outputs)
        self.deltas: list[np.ndarray] = []  # dL/dz per layer, same order as zs
        self._pass: _Pass | None = None  # the buffers of the last kept pass
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
        self._grad.fill(0.0)

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
        and the probes, in buffers reused by the next kept pass of the same
        size (the returned logits are ``zs[-1]``); ``keep=False`` is for
        prediction only and allocates what it returns.
        """
        a = X if X.dtype == self.dtype else np.asarray(X, dtype=self.dtype)
        if not keep:
            for layer in self.layers:
                z = a @ layer.W.value
                z += layer.b.value
                a = z if layer.activation is None else layer.activation.forward(z)
            return a
        buf = self._pass
        if buf is None or buf.n != a.shape[0]:  # buffers for this batch size (one size kept at a time)
            buf = self._pass = _Pass(a.shape[0], self.layers, self.dtype)
        acts = buf.activations
        acts[0] = a
        i = 0
        for W, b, f, z, out in buf.forward:
            np.matmul(a, W.value, out=z)
            z += b.value
            if f is not None:
                i += 1
                z = acts[i] = f.forward_into(z, out)  # into out where the activation can
            a = z
        self.zs, self.activations = buf.zs, acts
        return a

    def backward(self, dlogits: np.ndarray) -> None:
        """Back-propagate dL/dlogits; fills every ``p.grad`` (overwriting).

        delta_L = dL/dz_L;  dW_l = a_{l-1}^T delta_l;  db_l = sum_n delta_l;
        delta_{l-1} = (delta_l W_l^T) * f'_{l-1}(z_{l-1}).
        ``deltas[l]`` keeps dL/dz of every layer (the gradient reaching it).
        """
        n = dlogits.shape[0]
        buf = self._pass
        if buf is None or buf.n != n or self.zs is not buf.zs:
            raise ValueError(f"backward needs the kept forward pass of this batch ({n} rows) first")
        deltas, acts = buf.deltas, self.activations
        col_sums = buf.ones if dlogits.dtype == self.dtype else ones(n, dlogits.dtype)
        delta = dlogits
        for i, W, b, f, z, back, work in buf.backward:
            deltas[i] = delta
            a = acts[i]
            np.matmul(a.T, delta, out=W.grad)
            np.matmul(col_sums, delta, out=b.grad)  # column sums via BLAS
            if f is not None:
                np.matmul(delta, W.value.T, out=back)
                f.backprop(back, z, a, work)
                delta = back
        self.deltas = deltas

    def loss_and_backward(self, X: np.ndarray, targets: np.ndarray, reduction: str = "mean") -> float:
        """One forward and backward pass; returns the batch loss."""
        logits = self.forward(X)
        loss, dlogits = self.head.loss_and_grad(logits, targets, reduction, out=self._pass.delta_buffers[-1])
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
