"""Run reports: one finished session as a JSON-ready dict (the CLI's and the window's export).

Non-finite numbers become ``null`` so the file is strict JSON that any tool reads.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .snapshot import Snapshot

__all__ = ["build_report", "write_report", "clean"]

_STOPPED = {"completed": "completed", "diverged": "diverged", "stopped": "stopped"}


def clean(value):
    """NaN/inf -> None, NumPy scalars and arrays -> plain Python, recursively."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def build_report(session, final: Snapshot) -> dict:
    h = final.history
    net = session.network
    layers = []
    for i, layer in enumerate(net.layers):
        layers.append({
            "index": layer.index,
            "name": "Output" if layer.is_output else f"Layer {layer.index}",
            "activation": net.head.name if layer.is_output else layer.activation.name,
            "width": layer.fan_out,
            "grad_mean_abs": h.grad_mean_abs[:, i],
            "activation_std": h.activation_std[:, i],
            "saturated_fraction": h.saturated_fraction[:, i],
            "dead_fraction": h.dead_fraction[:, i],
        })
    report = {
        "config": session.config.to_dict(),
        "architecture": net.summary(),
        "stopped_reason": _STOPPED.get(final.status, final.status),
        "message": final.message,
        "epochs": final.epoch,
        "steps": final.step,
        "final": {"train_loss": final.train_loss, "val_loss": final.val_loss,
                  "train_accuracy": final.train_accuracy, "val_accuracy": final.val_accuracy},
        "history": {"epoch": h.epochs, "train_loss": h.train_loss, "val_loss": h.val_loss,
                    "train_accuracy": h.train_accuracy, "val_accuracy": h.val_accuracy},
        "layers": layers,
        "alerts": [{"kind": a.kind, "layer": a.layer, "text": a.text, "severity": a.severity}
                   for a in final.alerts],
        "weights": [{"W": layer.W.value, "b": layer.b.value} for layer in net.layers],
    }
    return clean(report)


def write_report(report: dict, path: str | Path) -> None:
    Path(path).write_text(json.dumps(report, indent=1, allow_nan=False) + "\n", encoding="utf-8")
