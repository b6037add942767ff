"""Taking results away: views as PNG or SVG, curves and alerts as CSV, weights as .npz,
the run report as JSON (the same report the command line writes). Every file is saved
atomically (engine/atomic.py): a failed save leaves the earlier file as it was.

``EXPORTS`` is the registry the File > Export menu and ``MainWindow.export`` read:
each entry gathers its data (from the session, through the training controller,
between steps; or from a view, in the GUI thread) and writes it to a path.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator

from engine.atomic import atomic_write, save_error, write_bytes
from engine.report import build_report, write_report

from .plots.diagnostics import STATE_ROLE

if TYPE_CHECKING:
    from engine.network import Network
    from engine.session import Session
    from engine.snapshot import Snapshot

    from .plots.base import View
    from .plots.diagnostics import DiagnosticsView


def export_view(view: View, path: str) -> None:
    """A view as PNG (the widget as seen) or SVG (vector: the widget painted into an SVG).

    The picture is made in memory first and then saved atomically (engine/atomic.py):
    a failure, to encode it or to write it (a full disk), raises an OSError naming the
    file and leaves an earlier file there as it was. PNG and any other image format Qt
    knows follow the file's suffix (PNG when it has none).

    SVG goes through Qt's QSvgGenerator rather than pyqtgraph's SVGExporter:
    with Qt 6.11 the latter fails on closed paths (pyqtgraph issue #3495).
    """
    path = str(path)
    buffer = QBuffer()
    buffer.open(QIODevice.WriteOnly)
    suffix = os.path.splitext(path)[1].lstrip(".").lower()
    if suffix == "svg":
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(QSize(view.width(), view.height()))
        generator.setViewBox(QRect(0, 0, view.width(), view.height()))
        generator.setTitle(f"Activation Lab — {view.title}")
        painter = QPainter()
        if not painter.begin(generator):
            raise save_error(path, "Qt could not start the SVG drawing")
        try:
            view.render(painter, QPoint(0, 0))
        finally:
            painter.end()
    elif not view.grab().save(buffer, (suffix or "png").upper()):
        raise save_error(path, f"Qt could not encode the view as {(suffix or 'png').upper()}")
    data = bytes(buffer.data())
    buffer.close()
    if not data:
        raise save_error(path, "the picture came out empty")
    write_bytes(path, data)


def export_history_csv(snapshot: Snapshot, path: str) -> None:
    """One row per epoch: losses, accuracies, and each layer's per-epoch numbers."""
    h = snapshot.history
    n_layers = h.grad_mean_abs.shape[1] if h.grad_mean_abs.ndim == 2 else 0
    names = [f"layer{i + 1}" if i < n_layers - 1 else "output" for i in range(n_layers)]
    header = ["epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy"]
    for key in ("grad_mean_abs", "activation_std", "saturated_fraction", "dead_fraction"):
        header += [f"{name}_{key}" for name in names]
    with atomic_write(path, encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for e in range(len(h.epochs)):
            row = [int(h.epochs[e]), h.train_loss[e], h.val_loss[e], h.train_accuracy[e], h.val_accuracy[e]]
            for key in ("grad_mean_abs", "activation_std", "saturated_fraction", "dead_fraction"):
                row += list(getattr(h, key)[e])
            writer.writerow(["" if isinstance(v, float) and math.isnan(v) else v for v in row])


def export_diagnostics_csv(entries: list[tuple[str, str, str]], path: str) -> None:
    """The diagnostics log: (state, severity, text) rows as shown in the panel."""
    with atomic_write(path, encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["state", "severity", "alert"])
        writer.writerows(entries)


def weights_of(network: Network) -> tuple[str, dict[str, np.ndarray]]:
    """The architecture line and a copy of every parameter, by name."""
    return network.summary(), {p.name: p.value.copy() for p in network.parameters()}


def write_weights(weights: tuple[str, dict[str, np.ndarray]], path: str) -> None:
    """W1, b1, W2, b2, ... as arrays in one .npz file, plus the architecture as text."""
    architecture, arrays = weights
    path = str(path)
    if not path.endswith(".npz"):  # np.savez's own rule for a file name
        path += ".npz"
    with atomic_write(path, "wb") as handle:
        np.savez(handle, architecture=np.array(architecture), **arrays)


def report_of(session: Session) -> dict:
    """The run report of the session now; a run still going is reported as stopped."""
    snap = session.snapshot(True)
    status = session.status if session.status in ("completed", "diverged") else "stopped"
    return build_report(session, dataclass_replace(snap, status=status))


def diagnostics_entries(view: DiagnosticsView) -> list[tuple[str, str, str]]:
    """(state, severity, text) for each alert the diagnostics view lists, top to bottom."""
    entries = []
    for i in range(view.list.count()):
        item = view.list.item(i)
        state = item.data(STATE_ROLE) or "active"
        entries.append((state, item.data(Qt.UserRole + 1) or "", item.text()))
    return entries


# -- the registry --------------------------------------------------------------------------
@dataclass(frozen=True)
class Export:
    """One kind of export: its menu entry, its file type, and how it is made."""

    kind: str
    label: str  # the menu entry
    tip: str
    file_filter: str  # for the save dialog
    default_name: str
    #: "session" (``gather(session)`` runs between training steps) or a view key (``gather(view)``)
    source: str
    gather: Callable[[Any], Any]
    write: Callable[[Any, str], None]  # (gathered data, path), in the GUI thread


EXPORTS = {e.kind: e for e in (
    Export("history", "History as CSV…", "Per-epoch losses, accuracies and layer statistics, one row per epoch",
           "CSV files (*.csv)", "history.csv", "session", lambda s: s.snapshot(False), export_history_csv),
    Export("diagnostics", "Diagnostics as CSV…", "The alerts of the diagnostics panel",
           "CSV files (*.csv)", "diagnostics.csv", "diagnostics", diagnostics_entries, export_diagnostics_csv),
    Export("weights", "Trained weights (.npz)…", "Every layer's W and b as NumPy arrays",
           "NumPy archives (*.npz)", "weights.npz", "session", lambda s: weights_of(s.network), write_weights),
    Export("report", "Run report (JSON)…", "The full report the command line's run writes",
           "JSON reports (*.json)", "report.json", "session", report_of, write_report),
)}


def get(kind: str) -> Export:
    try:
        return EXPORTS[kind]
    except KeyError:
        raise ValueError(f"unknown export {kind!r}; expected one of {', '.join(EXPORTS)}") from None
