"""Signal propagation at initialisation: the classic activation-histogram experiment.

A batch of N(0, 1) inputs goes forward through a stack of equal dense layers,
each followed by the activation; then a gradient of ones is pushed back from
the top. Per layer we report the spread of z, a and the backward signal, so a
student sees which initialisers keep the signal alive through depth.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from . import activations as act_mod
from . import budget, probes
from . import initializers as init_mod
from .snapshot import Histogram

__all__ = ["LayerSignal", "PropagationResult", "signal_propagation"]


@dataclass(frozen=True)
class LayerSignal:
    """What one layer of the stack does to the signal, forward and backward."""

    index: int  # 1-based
    z_mean: float
    z_std: float  # spread of the pre-activations z = a_prev W + b (over every unit and sample)
    #: std over the samples, averaged over the units: how much z still depends on
    #: the input (an offset that is the same for every sample carries no signal)
    z_sample_std: float
    a_mean: float
    a_std: float  # spread of the activations a = f(z)
    grad_a_std: float  # std of dL/da reaching this layer's output
    grad_z_std: float  # std of dL/dz = dL/da * f'(z)
    #: mean over (unit, sample) pairs of f'(z) / max f': the average share of the arriving
    #: gradient a unit passes back (near 0 when the units saturate; ~1/2 for ReLU)
    slope_mean: float
    saturated_fraction: float  # (unit, sample) pairs with f'(z) < 1% of max f'; NaN if f cannot saturate
    dead_fraction: float  # units with z <= 0 on every sample; NaN for non-rectifiers
    identical: bool  # every unit of the layer outputs the same value on every sample
    z_hist: Histogram
    a_hist: Histogram  # over the activation's output range when it is bounded
    grad_a_hist: Histogram
    grad_z_hist: Histogram

    def to_dict(self) -> dict:
        """Plain numbers and lists (NaN kept; the caller decides how to write it)."""
        out = {key: getattr(self, key) for key in (
            "index", "z_mean", "z_std", "z_sample_std", "a_mean", "a_std", "grad_a_std", "grad_z_std",
            "slope_mean", "saturated_fraction", "dead_fraction", "identical")}
        for key in ("z_hist", "a_hist", "grad_a_hist", "grad_z_hist"):
            hist = getattr(self, key)
            out[key] = {"edges": hist.edges.tolist(), "counts": hist.counts.tolist()}
        return out


@dataclass(frozen=True)
class PropagationResult:
    """The settings of one experiment and its ``layers`` (first hidden layer first).

    Behaves as the sequence of its layers: ``result[0].z_std``, ``len(result)``,
    ``for layer in result``.
    """

    width: int
    depth: int
    activation: str
    init: str
    init_params: dict
    bias_init: str
    input_dim: int
    samples: int
    seed: int
    layers: tuple[LayerSignal, ...]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[LayerSignal]:
        return iter(self.layers)

    def __getitem__(self, i: int) -> LayerSignal:
        return self.layers[i]

    def column(self, name: str) -> np.ndarray:
        """One number per layer, e.g. ``result.column("z_std")``."""
        return np.array([getattr(layer, name) for layer in self.layers], dtype=float)

    def to_dict(self) -> dict:
        return {"width": self.width, "depth": self.depth, "activation": self.activation, "init": self.init,
                "init_params": dict(self.init_params), "bias_init": self.bias_init, "input_dim": self.input_dim,
                "samples": self.samples, "seed": self.seed, "layers": [layer.to_dict() for layer in self.layers]}


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: must be a positive integer, got {value!r}")
    return int(value)


def signal_propagation(width: int = 100, depth: int = 5, activation: str = "sigmoid", init: str = "xavier",
                       init_params: dict | None = None, bias_init: str = "zeros", input_dim: int = 100,
                       samples: int = 1000, seed: int = 0, activation_params: dict | None = None,
                       bins: int = 40, bias_value: float = 0.0) -> PropagationResult:
    """Forward N(0,1) data through ``depth`` layers of ``width`` units, then back a gradient of ones.

    forward:  z_l = a_{l-1} W_l + b_l,  a_l = f(z_l),  a_0 = X ~ N(0, 1) of shape (samples, input_dim)
    backward: dL/da_depth = 1;  dL/dz_l = dL/da_l * f'(z_l);  dL/da_{l-1} = dL/dz_l W_l^T

    Weights come from ``init`` (with ``init_params``, e.g. {"std": 0.5}), biases
    from ``bias_init`` ("zeros", "ones", "constant" with ``bias_value``, or
    "like_weights"), all drawn from ``np.random.default_rng(seed)`` after X.
    Unknown names raise ValueError listing the valid ones; a stack that needs more
    memory than ``budget.memory_limit()`` raises ConfigError ("--samples/--width: …").
    """
    width, depth = _positive("width", width), _positive("depth", depth)
    input_dim, samples = _positive("input_dim", input_dim), _positive("samples", samples)
    budget.check_probe(width, depth, input_dim, samples)  # ConfigError, not a MemoryError half-way
    f = act_mod.get(activation, **(activation_params or {}))
    initializer = init_mod.get(init, **(init_params or {}))
    bias_kind = init_mod.get_bias(bias_init)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, input_dim))
    Ws, zs, acts = [], [], [X]
    with np.errstate(all="ignore"):  # N(0,1) weights on wide layers may overflow: that is the lesson
        for _ in range(depth):
            fan_in = acts[-1].shape[1]
            W = initializer((fan_in, width), rng)
            b = init_mod.init_bias(bias_kind, width, rng, initializer, fan_in, bias_value)
            z = acts[-1] @ W + b
            Ws.append(W)
            zs.append(z)
            acts.append(f.forward(z))
        grads_a, grads_z, slopes = [None] * depth, [None] * depth, [None] * depth
        grad_a = np.ones_like(acts[-1])
        for i in range(depth - 1, -1, -1):
            grads_a[i] = grad_a
            slopes[i] = f.grad(zs[i], acts[i + 1])
            grads_z[i] = grad_a * slopes[i]
            grad_a = grads_z[i] @ Ws[i].T
        layers = []
        for i in range(depth):
            z, a = zs[i], acts[i + 1]
            layers.append(LayerSignal(
                index=i + 1,
                z_mean=float(z.mean()), z_std=probes.spread(z), z_sample_std=float(z.std(axis=0).mean()),
                a_mean=float(a.mean()), a_std=probes.spread(a),
                grad_a_std=probes.spread(grads_a[i]), grad_z_std=probes.spread(grads_z[i]),
                slope_mean=float(slopes[i].mean()) / f.max_derivative,
                saturated_fraction=probes.saturated_fraction(f, z, a),
                dead_fraction=probes.dead_fraction(f, z),
                identical=bool(width > 1 and np.ptp(a, axis=1).max() == 0.0),
                z_hist=probes.HistogramBins(bins)(z),
                a_hist=probes.HistogramBins(bins, f.output_range)(a),
                grad_a_hist=probes.HistogramBins(bins)(grads_a[i]),
                grad_z_hist=probes.HistogramBins(bins)(grads_z[i]),
            ))
    return PropagationResult(width, depth, f.name, initializer.name, initializer.config(), bias_kind,
                             input_dim, samples, int(seed), tuple(layers))
