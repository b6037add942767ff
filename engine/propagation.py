"""Signal propagation at initialisation: the classic activation-histogram experiment.

A batch of N(0, 1) inputs goes forward through a stack of equal dense layers,
each followed by the activation; then a gradient of ones is pushed back from
the top. Per layer we report the spread of z, a and the backward signal, so a
student sees which initialisers keep the signal alive through depth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import activations as act_mod
from . import initializers as init_mod
from . import probes
from .snapshot import Histogram

__all__ = ["LayerSignal", "signal_propagation"]


@dataclass(frozen=True)
class LayerSignal:
    index: int
    z_std: float
    a_std: float
    a_mean: float
    grad_a_std: float  # std of dL/da reaching this layer's output
    grad_z_std: float  # std of dL/dz
    saturated_fraction: float  # NaN for activations that do not saturate
    dead_fraction: float  # NaN for non-rectifiers
    identical: bool  # every unit of the layer computes the same function
    z_hist: Histogram
    a_hist: Histogram
    grad_hist: Histogram


def signal_propagation(width: int = 100, depth: int = 5, activation: str = "sigmoid", init: str = "xavier",
                       init_params: dict | None = None, bias_init: str = "zeros", input_dim: int = 100,
                       samples: int = 1000, seed: int = 0, activation_params: dict | None = None,
                       bins: int = 40) -> list[LayerSignal]:
    """Forward N(0,1) data through ``depth`` layers of ``width`` units, then back a gradient of ones.

    backward: dL/da_top = 1;  dL/dz_l = dL/da_l * f'(z_l);  dL/da_{l-1} = dL/dz_l W_l^T.
    """
    for name, value in (("width", width), ("depth", depth), ("input_dim", input_dim), ("samples", samples)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"--{name.replace('_', '-')}: must be a positive integer, got {value}")
    rng = np.random.default_rng(seed)
    f = act_mod.get(activation, **(activation_params or {}))
    initializer = init_mod.get(init, **(init_params or {}))
    X = rng.standard_normal((samples, input_dim))
    Ws, bs, zs, acts = [], [], [], [X]
    with np.errstate(all="ignore"):
        for _ in range(depth):
            fan_in = acts[-1].shape[1]
            W = initializer((fan_in, width), rng)
            b = init_mod.init_bias(bias_init, width, rng, initializer, fan_in)
            z = acts[-1] @ W + b
            Ws.append(W)
            bs.append(b)
            zs.append(z)
            acts.append(f.forward(z))
        grad_a = np.ones_like(acts[-1])
        grads_a, grads_z = [None] * depth, [None] * depth
        for l in range(depth - 1, -1, -1):
            grads_a[l] = grad_a
            grads_z[l] = grad_a * f.derivative(zs[l])
            grad_a = grads_z[l] @ Ws[l].T
    out = []
    for l in range(depth):
        z, a = zs[l], acts[l + 1]
        dead = probes.dead_units(f, z)
        out.append(LayerSignal(
            index=l + 1,
            z_std=float(z.std()), a_std=float(a.std()), a_mean=float(a.mean()),
            grad_a_std=float(grads_a[l].std()), grad_z_std=float(grads_z[l].std()),
            saturated_fraction=probes.saturated_fraction(f, z),
            dead_fraction=dead / width if dead >= 0 else math.nan,
            identical=bool(width > 1 and np.ptp(a, axis=1).max() == 0.0),
            z_hist=probes.HistogramBins(bins)(z),
            a_hist=probes.HistogramBins(bins, f.output_range)(a),
            grad_hist=probes.HistogramBins(bins)(grads_z[l]),
        ))
    return out
