"""Status text: where the run is (state, epoch, step, loss, accuracy) and how fast it
trains, in the status bar; and the line above the panels that says why a setting was refused.

The state comes from the training controller while a loop is live ("Paused"
only once the loop has really stopped) and from the snapshot otherwise.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar

from engine.probes import compact

from .theme import error_colour

if TYPE_CHECKING:
    from engine.snapshot import Snapshot

__all__ = ["StatusBar", "error_line", "status_text", "time_left", "duration_text"]

#: the progress bar shows while training when the whole run takes longer than this (seconds)
PROGRESS_AFTER_SECONDS = 10.0

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
        where = f"{_PHASES[phase]} · epoch {snap.epoch:,}"
    elif snap.status == "diverged" and snap.diverged_epoch:
        where = f"Diverged at epoch {snap.diverged_epoch:,} · showing the last finite state, epoch {snap.epoch:,}"
    elif snap.epoch == 0 and snap.status not in ("completed", "diverged"):
        where = f"Ready · epoch {snap.epoch:,}"
    else:
        where = f"{_STATES.get(snap.status, snap.status)} · epoch {snap.epoch:,}"
    return (f"{where} · step {snap.step:,} · loss {_num(snap.train_loss)} "
            f"(validation {_num(snap.val_loss)}) · accuracy {_pct(snap.train_accuracy)} "
            f"(validation {_pct(snap.val_accuracy)})")


def duration_text(seconds: float) -> str:
    """'about 40 s', 'about 3 min', 'about 1 h 20 min' (rounded as a person would say it)."""
    if seconds < 60:
        return f"about {max(1, round(seconds / 5) * 5 if seconds >= 15 else round(seconds))} s"
    if seconds < 3600:
        return f"about {round(seconds / 60)} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"about {hours} h" + (f" {minutes} min" if minutes else "")


def time_left(snap: Snapshot, epochs: int, steps_per_epoch: int) -> float | None:
    """Seconds until the last epoch at the current rate; None when there is no rate yet."""
    rate = snap.steps_per_second
    if not (rate > 0 and math.isfinite(rate)):
        return None
    return max(0, epochs * steps_per_epoch - snap.step) / rate


class StatusBar:
    """The window's status bar: the run's line; while training, its rate and, on a long run,
    a progress bar with the epochs done and the time left."""

    def __init__(self, window: QMainWindow):
        self.label = QLabel()
        self.label.setObjectName("statusText")
        window.statusBar().addWidget(self.label, 1)
        self.progress = QProgressBar()
        self.progress.setObjectName("runProgress")
        self.progress.setMaximumWidth(420)
        self.progress.setMinimumWidth(220)
        self.progress.hide()
        window.statusBar().addPermanentWidget(self.progress)
        self.rate = QLabel()
        self.rate.setObjectName("rateText")
        window.statusBar().addPermanentWidget(self.rate)

    def show(self, snap: Snapshot | None, phase: str, stopping: bool = False,
             plan: tuple[int, int] | None = None) -> None:
        """``stopping``: a stopped run is still finishing a long step in the background.
        ``plan``: (epochs, steps per epoch) of the run, for its progress and time left."""
        if snap is None:
            return
        self.label.setText(status_text(snap, phase))
        rate = f"{snap.steps_per_second:,.0f} steps/s" if phase == "running" else ""
        self.rate.setText(" · ".join(t for t in (STOPPING if stopping else "", rate) if t))
        self._show_progress(snap, phase, plan)

    def _show_progress(self, snap: Snapshot, phase: str, plan: tuple[int, int] | None) -> None:
        """While a run of more than PROGRESS_AFTER_SECONDS trains: 'epoch 120 of 300 · about 40 s left'."""
        left = time_left(snap, *plan) if plan is not None and phase == "running" else None
        total = None if left is None else plan[0] * plan[1] / snap.steps_per_second
        if left is None or total < PROGRESS_AFTER_SECONDS or snap.epoch >= plan[0]:
            self.progress.hide()
            return
        epochs = plan[0]
        self.progress.setRange(0, epochs)
        self.progress.setValue(min(snap.epoch, epochs))
        text = f"epoch {snap.epoch:,} of {epochs:,} · {duration_text(left)} left"
        self.progress.setFormat(text)
        # wide enough for its text on one line ("epoch 5,226 of 1,000,000 · about 19 min left")
        width = self.progress.fontMetrics().horizontalAdvance(text) + 28
        if width > self.progress.minimumWidth():
            self.progress.setMinimumWidth(width)
        self.progress.show()


def error_line() -> QLabel:
    """The configuration's error line (hidden until a setting is refused)."""
    label = QLabel()
    label.setObjectName("configError")
    label.setTextFormat(Qt.PlainText)  # a message may quote a user's text
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {error_colour(label)}; font-weight: bold;")
    label.hide()
    return label
