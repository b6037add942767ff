"""Status text: where the run is (state, epoch, step, loss, accuracy) and how fast it
trains, in the status bar; and the line above the panels that says why a setting was refused.

The state comes from the training controller while a loop is live ("Paused"
only once the loop has really stopped) and from the snapshot otherwise.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow

from engine.probes import compact

from .theme import error_colour

if TYPE_CHECKING:
    from engine.snapshot import Snapshot

__all__ = ["StatusBar", "error_line", "status_text"]

_STATES = {"running": "Training", "paused": "Paused", "completed": "Completed", "diverged": "Diverged",
           "stopped": "Stopped"}
STOPPING = "Stopping the previous run (it is finishing a long step)…"
_PHASES = {"running": "Training", "pausing": "Pausing…", "stepping": "Stepping", "paused": "Paused"}


def _pct(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{x:.1%}"


def _num(x: float) -> str:
    """A loss, compactly (0.4158, 1.6e+199); "—" when there is none."""
    return "—" if not math.isfinite(x) else compact(x)


def status_text(snap: Snapshot, phase: str) -> str:
    """One line for ``snap``; ``phase`` is the controller's (see TrainingController.phase).

    A diverged run's line names the epoch that diverged, as its alert does, and the
    epoch of the last finite state that the numbers (and the views) describe."""
    if phase in _PHASES:
        where = f"{_PHASES[phase]} · epoch {snap.epoch}"
    elif snap.status == "diverged" and snap.diverged_epoch:
        where = f"Diverged at epoch {snap.diverged_epoch} · showing the last finite state, epoch {snap.epoch}"
    elif snap.epoch == 0 and snap.status not in ("completed", "diverged"):
        where = f"Ready · epoch {snap.epoch}"
    else:
        where = f"{_STATES.get(snap.status, snap.status)} · epoch {snap.epoch}"
    return (f"{where} · step {snap.step:,} · loss {_num(snap.train_loss)} "
            f"(validation {_num(snap.val_loss)}) · accuracy {_pct(snap.train_accuracy)} "
            f"(validation {_pct(snap.val_accuracy)})")


class StatusBar:
    """The two labels of the window's status bar: the run's line and, while training, its rate."""

    def __init__(self, window: QMainWindow):
        self.label = QLabel()
        self.label.setObjectName("statusText")
        window.statusBar().addWidget(self.label, 1)
        self.rate = QLabel()
        self.rate.setObjectName("rateText")
        window.statusBar().addPermanentWidget(self.rate)

    def show(self, snap: Snapshot | None, phase: str, stopping: bool = False) -> None:
        """``stopping``: a stopped run is still finishing a long step in the background."""
        if snap is None:
            return
        self.label.setText(status_text(snap, phase))
        rate = f"{snap.steps_per_second:,.0f} steps/s" if phase == "running" else ""
        self.rate.setText(" · ".join(t for t in (STOPPING if stopping else "", rate) if t))


def error_line() -> QLabel:
    """The configuration's error line (hidden until a setting is refused)."""
    label = QLabel()
    label.setObjectName("configError")
    label.setTextFormat(Qt.PlainText)  # a message may quote a user's text
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {error_colour(label)}; font-weight: bold;")
    label.hide()
    return label
