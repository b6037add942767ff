"""What a lesson's claims measure: a run's numbers at its start, its end, or in a probe.

``Observation`` trains one configuration at most once and keeps its points;
``MEASURES`` maps a claim's measure name to a function that reads one value
per checked layer from it. engine/claims.py parses the claims and applies the
bounds; the measures' meanings are listed in its docstring.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .activations import get as get_activation
from .config import Config, ConfigError
from .propagation import signal_propagation
from .runner import run_to_end
from .session import Session
from .snapshot import Snapshot

if TYPE_CHECKING:
    from .claims import Check

__all__ = ["MEASURES", "SCALARS", "Observation", "Point"]

SCALARS = ("train_accuracy", "val_accuracy", "train_loss", "val_loss")


# -- what a run shows at one moment ---------------------------------------------------------------
@dataclass(frozen=True)
class Point:
    """``scalars`` (accuracies, losses; none for a probe), one dict of numbers per layer
    (hidden layers, then the output layer) and each layer's W (None for a probe)."""

    scalars: dict[str, float]
    layers: tuple[dict[str, float], ...]
    weights: tuple[np.ndarray, ...] | None = None


def _point(session: Session, snap: Snapshot) -> Point:
    net = session.network
    a = np.asarray(session.split.X_train, dtype=net.dtype)
    layers = []
    with np.errstate(all="ignore"):
        for layer, stats in zip(net.layers, snap.layers):  # a pass of its own: the session's stays as it was
            z = a @ layer.W.value + layer.b.value
            f = layer.activation
            a = z if f is None else f.forward(z)
            layers.append({
                "saturated_fraction": stats.saturated_fraction, "dead_fraction": stats.dead_fraction,
                "dead_units": math.nan if math.isnan(stats.dead_fraction) else float(stats.dead_units),
                "activation_std": stats.activation_std,
                "grad_mean_abs": stats.grad_mean_abs, "identical": float(stats.identical),
                "symmetry": stats.symmetry, "z_std": float(np.std(z)), "activation_mean": float(np.mean(a)),
                "mean_slope": math.nan if f is None else float(np.mean(f.grad(z, a)))})
    scalars = {name: getattr(snap, name) for name in SCALARS}
    return Point(scalars, tuple(layers), tuple(layer.W.value.copy() for layer in net.layers))


def _probe_point(config: Config, options: dict) -> Point:
    m = config.model
    acts = m.layer_activations()
    if len(set(m.hidden)) != 1 or len(set(acts)) != 1:
        raise ConfigError("model.hidden", "a probe claim needs one width and one activation for every layer")
    params = m.activation_params().get(acts[0], {})
    result = signal_propagation(
        width=m.hidden[0], depth=len(m.hidden), activation=acts[0], init=m.init, init_params=m.init_params(),
        bias_init=m.bias_init, bias_value=m.bias_value, seed=config.train.seed, activation_params=params,
        **options)
    top = get_activation(acts[0], **params).max_derivative
    return Point({}, tuple({"z_std": s.z_std, "activation_std": s.a_std, "activation_mean": s.a_mean,
                            "saturated_fraction": s.saturated_fraction, "dead_fraction": s.dead_fraction,
                            "identical": float(s.identical), "mean_slope": s.slope_mean * top} for s in result))


class Observation:
    """One configuration: its start, its end (trained on first use) and its probes, each computed once."""

    def __init__(self, config: Config):
        self.config = config
        self._session: Session | None = None
        self._points: dict[str, Point] = {}

    def _started(self) -> Session:
        if self._session is None:
            # no per-epoch curves: they cost a pass per epoch and change no weight
            self._session = s = Session(self.config, epoch_diagnostics=False)
            s.snapshot_every = 10**12  # only the final snapshot is wanted
            with np.errstate(all="ignore"):
                self._points["start"] = _point(s, s.snapshot(True))
        return self._session

    def at(self, check: Check) -> Point:
        key = check.at if check.at != "probe" else "probe " + json.dumps(check.probe, sort_keys=True)
        if key not in self._points:
            if check.at == "probe":
                self._points[key] = _probe_point(self.config, check.probe)
            else:
                s = self._started()
                if check.at == "end":
                    with np.errstate(all="ignore"):
                        self._points["end"] = _point(s, run_to_end(s))
        return self._points[key]


# -- measures: name -> function(observation, check) -> one value per checked layer ----------------
Measure = Callable[[Observation, "Check"], list[float]]


def _read(obs: Observation, check: Check, name: str, where: str) -> list[float]:
    point = obs.at(check)
    rows = [point.scalars] if where == "scalar" else [point.layers[i] for i in check.indices(len(point.layers))]
    if any(name not in row for row in rows):
        raise ConfigError(f"check.{name}", f"is not measured at {check.at!r}")
    return [float(row[name]) for row in rows]


def _scalar(name: str) -> Measure:
    return lambda obs, check: _read(obs, check, name, "scalar")


def _per_layer(name: str) -> Measure:
    return lambda obs, check: _read(obs, check, name, "layer")


def _grad_ratio(obs: Observation, check: Check) -> list[float]:
    """Each checked layer's mean |dL/dW| over that of layer ``to`` (default: the output layer)."""
    grads = _read(obs, check, "grad_mean_abs", "layer")
    (below,) = _read(obs, dataclasses.replace(check, layer=check.to), "grad_mean_abs", "layer")
    return [g / below if below > 0 else math.nan for g in grads]


def _weight_change(obs: Observation, check: Check) -> list[float]:
    """||W_end - W_start|| / ||W_start|| per checked layer (inf when W started at 0 and moved)."""
    start = obs.at(dataclasses.replace(check, at="start")).weights
    end = obs.at(dataclasses.replace(check, at="end")).weights
    out = []
    for i in check.indices(len(start)):
        norm, step = float(np.linalg.norm(start[i])), float(np.linalg.norm(end[i] - start[i]))
        out.append(step / norm if norm > 0 else (math.inf if step > 0 else 0.0))
    return out


def _weight_abs_max(obs: Observation, check: Check) -> list[float]:
    weights = obs.at(check).weights
    if weights is None:
        raise ConfigError("check.weight_abs_max", "is not measured by a probe")
    return [float(np.abs(weights[i]).max(initial=0.0)) for i in check.indices(len(weights))]


MEASURES: dict[str, Measure] = {
    **{name: _scalar(name) for name in SCALARS},
    **{name: _per_layer(name) for name in (
        "saturated_fraction", "dead_fraction", "dead_units", "activation_std", "grad_mean_abs", "identical",
        "symmetry", "z_std", "activation_mean", "mean_slope")},
    "grad_ratio": _grad_ratio,
    "weight_change": _weight_change,
    "weight_abs_max": _weight_abs_max,
}
