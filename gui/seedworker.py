"""Running one configuration over seeds: the dialog that asks how many, the time estimate, and
the worker that trains them in joblib's processes from its own QThread (gui/seeds.py draws them).

The worker hands the GUI thread plain results (engine/seeds.py ``SeedResult``) and touches no
widget. It runs ``sweep.expand(base, [], seeds)`` + ``sweep.run_grid(runs, curves=True)`` inside
``sweep.backend("loky", -1)``; closing the grid's generator cancels the runs not yet finished.
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine import budget, sweep
from engine.config import MAX_SEED, Config
from engine.seeds import SeedResult

__all__ = ["SeedWorker", "SeedsDialog", "estimate_seconds", "end_local_workers", "workers", "DEFAULT_SEEDS",
           "SEED_RANGE", "STARTUP_SECONDS"]

DEFAULT_SEEDS = 10
SEED_RANGE = (2, 100)
#: seconds worker processes take to start and import the engine, before the first run
STARTUP_SECONDS = 1.0


# A Cancel closes the grid early on purpose: joblib's note that it cancelled the remaining runs says nothing new.
warnings.filterwarnings("ignore", message=r"\d+ tasks (which were still|have been successfully)", category=UserWarning,
                        module=r"joblib\.")


def workers() -> int:
    return max(1, os.cpu_count() or 1)


def estimate_seconds(config: Config, pace: float | None, steps_per_epoch: int | None, n: int) -> float:
    """Wall time of ``n`` runs of ``config``, ``workers()`` at a time, after the processes start.

    One run's time comes from the live run's pace (``pace`` steps a second at full speed)
    when there is one, else from engine/budget.py's estimate of an epoch."""
    if pace and pace > 0 and steps_per_epoch:
        one = config.train.epochs * steps_per_epoch / pace
    else:
        est = budget.estimate(config)
        one = est.build_seconds + est.epoch_seconds * config.train.epochs
    return STARTUP_SECONDS + math.ceil(n / workers()) * one


def end_local_workers() -> None:
    """End the processes of joblib's local (loky) executor, so that runs under way stop now."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor(reuse=True).shutdown(wait=False, kill_workers=True)


class SeedWorker(QObject):
    """Runs the seeds in joblib worker processes and emits each result as it finishes.

    Lives in its own QThread and touches no widget. ``cancel()`` (any thread) makes it stop
    at the next result; closing the run_grid generator cancels the runs not yet finished."""

    result = Signal(int, object)  # job number, SeedResult
    failed = Signal(int, str)
    done = Signal(int)

    def __init__(self, job: int, runs: list[sweep.Run]):
        super().__init__()
        self.job = job
        self.runs = runs
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @Slot()
    def run(self) -> None:
        try:
            with sweep.backend("loky", -1):
                grid = sweep.run_grid(self.runs, curves=True)
                try:
                    for run, row in grid:
                        if self._cancel.is_set():
                            break
                        self.result.emit(self.job, SeedResult.from_row(run.labels["seed"], row))
                finally:
                    grid.close()
        except Exception as err:  # a run failed (or its processes were ended by a cancel)
            if not self._cancel.is_set():
                self.failed.emit(self.job, str(err) or type(err).__name__)
        self.done.emit(self.job)


class SeedsDialog(QDialog):
    """How many seeds, from which first seed, and how long that will take."""

    def __init__(self, parent: QWidget, first_seed: int, estimate: Callable[[int], str]):
        super().__init__(parent)
        self.setWindowTitle("Run over seeds")
        self.setObjectName("seedsDialog")
        self._estimate = estimate
        self.count = QSpinBox()
        self.count.setObjectName("seedCount")
        self.count.setRange(*SEED_RANGE)
        self.count.setValue(DEFAULT_SEEDS)
        self.count.setToolTip("How many runs: the same configuration, each from its own train.seed.")
        self.first = QDoubleSpinBox()  # a seed goes up to 2**32 - 1, past a QSpinBox's int range
        self.first.setObjectName("firstSeed")
        self.first.setDecimals(0)
        self.first.setRange(0, MAX_SEED - SEED_RANGE[0] + 1)
        self.first.setValue(min(first_seed, self.first.maximum()))
        self.first.setToolTip("The seeds are this one and the ones after it (the current train.seed by default).")
        self.time_line = QLabel()
        self.time_line.setObjectName("seedTime")
        self.time_line.setWordWrap(True)
        self.time_line.setTextFormat(Qt.PlainText)
        intro = QLabel("Train the current configuration from several seeds (new initial weights and batch order "
                       "each time) and draw the spread of its curves behind the live run.")
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Number of seeds", self.count)
        form.addRow("First seed", self.first)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Run")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.time_line)
        layout.addWidget(buttons)
        self.count.valueChanged.connect(self._changed)
        self.first.valueChanged.connect(self._changed)
        self._changed()
        self.setMinimumWidth(420)

    def seeds(self) -> list[int]:
        first = int(round(self.first.value()))
        return list(range(first, first + self.count.value()))

    @Slot()
    def _changed(self) -> None:
        n = self.count.value()
        self.first.setMaximum(MAX_SEED - n + 1)  # the last seed stays within train.seed's range
        seeds = self.seeds()
        self.time_line.setText(f"Seeds {seeds[0]}–{seeds[-1]}: {self._estimate(n)}.")


