"""Run reports: one session and its final snapshot as a JSON-ready dict (the CLI's and the window's export).

Non-finite numbers become ``null`` so the file is strict JSON that any tool reads.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .atomic import atomic_write
from .snapshot import Snapshot

if TYPE_CHECKING:
    from .session import Session

__all__ = ["REPORT_KEYS", "STOPPED_REASONS", "build_report", "write_report", "clean"]

REPORT_KEYS = ("config", "architecture", "stopped_reason", "message", "epochs", "steps",
               "final", "history", "layers", "weights")
#: why a run ended; a snapshot taken mid-run (running or paused) is reported as "stopped"
STOPPED_REASONS = ("completed", "diverged", "stopped")
_METRICS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
_LAYER_CURVES = ("grad_mean_abs", "activation_std", "saturated_fraction", "dead_fraction")


def clean(value: Any) -> Any:
    """NaN/inf -> None, NumPy scalars and arrays -> plain Python, recursively."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def build_report(session: Session, final: Snapshot) -> dict:
    """The report of ``session`` as it stands at ``final`` (normally the run's last snapshot).

    Keys (``REPORT_KEYS``): the resolved ``config``; the ``architecture`` line;
    ``stopped_reason`` (completed, diverged or stopped) and the ``message``;
    ``epochs`` and ``steps`` done; ``final`` metrics; ``history`` (per-epoch
    lists: epoch, train/val loss and accuracy); ``layers`` (hidden layers then
    the output layer, each with per-epoch lists of mean |dL/dW|, activation
    std, saturated and dead fraction); ``weights`` ([{"W", "b"}] per layer,
    W of shape fan_in x fan_out). NaN (e.g. no validation set, or saturation
    of a ReLU layer) is written as null.
    """
    h = final.history
    net = session.network
    layers = []
    for i, layer in enumerate(net.layers):
        output = layer.activation is None
        entry = {
            "index": layer.index,
            "name": "Output" if output else f"Layer {layer.index}",
            "activation": net.head.name if output else layer.activation.name,
            "width": layer.fan_out,
        }
        for key in _LAYER_CURVES:
            entry[key] = getattr(h, key)[:, i]
        layers.append(entry)
    history = {"epoch": h.epochs}
    history.update({key: getattr(h, key) for key in _METRICS})
    report = {
        "config": session.config.to_dict(),
        "architecture": net.summary(),
        "stopped_reason": final.status if final.status in STOPPED_REASONS else "stopped",
        "message": final.message,
        "epochs": final.epoch,
        "steps": final.step,
        "final": {key: getattr(final, key) for key in _METRICS},
        "history": history,
        "layers": layers,
        "weights": [{"W": layer.W.value, "b": layer.b.value} for layer in net.layers],
    }
    return clean(report)


def write_report(report: dict, path: str | Path) -> None:
    """Strict JSON (``allow_nan=False``: a NaN left in by mistake fails loudly), written atomically."""
    text = json.dumps(report, indent=1, allow_nan=False) + "\n"
    with atomic_write(path, encoding="utf-8") as handle:
        handle.write(text)
