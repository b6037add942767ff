"""Taking results away: views as PNG or SVG, curves and alerts as CSV, weights as .npz,
the run report as JSON (the same report the command line writes)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator

from engine.report import build_report, write_report


def export_view(view, path: str) -> None:
    """A view as PNG (the widget as seen) or SVG (vector: the widget painted into an SVG).

    SVG goes through Qt's QSvgGenerator rather than pyqtgraph's SVGExporter:
    with Qt 6.11 the latter fails on closed paths (pyqtgraph issue #3495).
    """
    path = str(path)
    if path.lower().endswith(".svg"):
        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(QSize(view.width(), view.height()))
        generator.setViewBox(QRect(0, 0, view.width(), view.height()))
        generator.setTitle(f"Activation Lab — {view.title}")
        painter = QPainter()
        if not painter.begin(generator):
            raise OSError(f"could not write {path}")
        try:
            view.render(painter, QPoint(0, 0))
        finally:
            painter.end()
    elif not view.grab().save(path):
        raise OSError(f"could not write {path}")


def export_history_csv(snapshot, path: str) -> None:
    """One row per epoch: losses, accuracies, and each layer's per-epoch numbers."""
    h = snapshot.history
    n_layers = h.grad_mean_abs.shape[1] if h.grad_mean_abs.ndim == 2 else 0
    names = [f"layer{i + 1}" if i < n_layers - 1 else "output" for i in range(n_layers)]
    header = ["epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy"]
    for key in ("grad_mean_abs", "activation_std", "saturated_fraction", "dead_fraction"):
        header += [f"{name}_{key}" for name in names]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for e in range(len(h.epochs)):
            row = [int(h.epochs[e]), h.train_loss[e], h.val_loss[e], h.train_accuracy[e], h.val_accuracy[e]]
            for key in ("grad_mean_abs", "activation_std", "saturated_fraction", "dead_fraction"):
                row += list(getattr(h, key)[e])
            writer.writerow(["" if isinstance(v, float) and math.isnan(v) else v for v in row])


def export_diagnostics_csv(entries: list[tuple[str, str, str]], path: str) -> None:
    """The diagnostics log: (state, severity, text) rows as shown in the panel."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["state", "severity", "alert"])
        writer.writerows(entries)


def export_weights(network, path: str) -> None:
    """W1, b1, W2, b2, ... as arrays in one .npz file, plus the architecture as text."""
    arrays = {p.name: p.value for p in network.parameters()}
    np.savez(path, architecture=np.array(network.summary()), **arrays)


def export_report(session, snapshot, path: str) -> None:
    write_report(build_report(session, snapshot), path)
