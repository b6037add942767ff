"""Compare ▸ Run over seeds…: the window's configuration trained from many seeds, drawn as a band.

The runs go through the sweep machinery (engine/sweep.py: ``expand`` + ``run_grid``
in loky worker processes) from a QThread whose worker (gui/seedworker.py) only hands
plain results (engine/seeds.py ``SeedResult``) to the GUI thread. From two finished seeds on, the
loss and accuracy view shows the band (min–max, filled) and the mean (a line) of the
validation curves behind the live ones, and a strip above the plots gives the spread
of the final accuracy; the strip's tooltip lists each seed's own number.

A band belongs to one configuration: a new session on a different one (another
lesson, another setting, another learning rate) removes it; a change of
``train.seed`` alone (New weights) keeps it, since the band is over seeds anyway.
"""

from __future__ import annotations

import itertools
import math
import time
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QThread, QTimer, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from engine import sweep
from engine.config import ConfigError
from engine.seeds import Band, SeedResult, band

from . import dialogs
from .actions import tool_action
from .seedworker import SeedsDialog, SeedWorker, end_local_workers, estimate_seconds, workers
from .status import duration_text

if TYPE_CHECKING:
    from .main_window import MainWindow

__all__ = ["SeedRuns", "BandItems", "SeedStrip", "BAND_COLOUR"]

#: the band's own colour: a deep purple, apart from the live curves' blue and vermillion and the grey ghost
BAND_COLOUR = "#762A83"
#: a Cancel first lets the worker stop after its current run; if it is still busy after this, the
#: worker processes are ended (what joblib does itself when a grid generator is closed early)
CANCEL_GRACE_MS = 300
STOP_WAIT_MS = 700
STATUS_MS = 10_000
PROGRESS_MS = 500


def _without_seed(config: dict) -> dict:
    return {**config, "train": {k: v for k, v in config["train"].items() if k != "seed"}}


class BandItems:
    """The band's plot items in the loss and accuracy view, created once: per plot a filled
    min–max area between two faint edges and a dashed mean line, behind the live curves."""

    def __init__(self, view: QWidget):
        colour = pg.mkColor(BAND_COLOUR)
        edge = pg.mkPen(pg.mkColor(colour.red(), colour.green(), colour.blue(), 110), width=1)
        mean = pg.mkPen(colour, width=2, style=Qt.DashLine)
        fill = pg.mkBrush(colour.red(), colour.green(), colour.blue(), 55)
        self.plots = {}
        for key, plot in (("loss", view.loss_plot), ("acc", view.acc_plot)):
            lo, hi = pg.PlotDataItem(pen=edge), pg.PlotDataItem(pen=edge)
            area = pg.FillBetweenItem(lo, hi, brush=fill)
            line = pg.PlotDataItem(pen=mean)
            for item, z in ((area, -30), (lo, -29), (hi, -29), (line, -28)):
                item.setZValue(z)
                plot.addItem(item)
            self.plots[key] = (lo, hi, area, line)

    def show(self, b: Band, loss_curve: str, acc_curve: str) -> None:
        for key, name in (("loss", loss_curve), ("acc", acc_curve)):
            st = b.stats[name]
            has = st.count > 0
            x = b.epochs[has].astype(float)
            lo, hi, _area, line = self.plots[key]
            lo.setData(x, st.min[has])
            hi.setData(x, st.max[has])
            line.setData(x, st.mean[has])

    def clear(self) -> None:
        for lo, hi, _area, line in self.plots.values():
            for item in (lo, hi, line):
                item.setData([], [])

    def data(self, key: str) -> tuple:
        """((x, min), (x, max), (x, mean)) as given to the "loss" or "acc" plot (for tests; pyqtgraph
        draws values far outside the view clipped, which ``getData`` would return)."""
        lo, hi, area, line = self.plots[key]
        return area.curves[0].getOriginalDataset(), area.curves[1].getOriginalDataset(), line.getOriginalDataset()


class SeedStrip(QWidget):
    """A line above the view's plots: the band's colour, its text (progress or spread), Cancel, Clear."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("seedStrip")
        swatch = QLabel("■")
        swatch.setStyleSheet(f"color: {BAND_COLOUR}; font-size: 14pt;")
        swatch.setToolTip("The seed band: filled from the lowest to the highest run, dashed: their mean")
        self.text = QLabel()
        self.text.setObjectName("seedText")
        self.text.setTextFormat(Qt.PlainText)
        self.text.setWordWrap(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName("seedCancel")
        self.cancel.setToolTip("Stop the seed runs; the seeds already finished stay in the band")
        self.clear = QPushButton("Clear band")
        self.clear.setObjectName("seedClear")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(swatch)
        row.addWidget(self.text, 1)
        row.addWidget(self.cancel)
        row.addWidget(self.clear)
        self.hide()


class SeedRuns(QObject):
    """The tool: its Compare menu entries, the seed runs' thread, the band and its strip."""

    @classmethod
    def install(cls, window: MainWindow) -> SeedRuns:
        return cls(window)

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        view = window.views["loss"]
        self.run_action = tool_action(window, "Run over seeds…", "runOverSeeds", self.ask,
                                      "Train this configuration from several seeds and draw the spread of its curves")
        self.clear_action = tool_action(window, "Clear band", "clearSeedBand", self.clear,
                                        "Remove the seed band from the loss and accuracy view")
        self.clear_action.setEnabled(False)
        window.compare_menu.addAction(self.run_action)
        window.compare_menu.addAction(self.clear_action)
        self.view = view
        self.items = BandItems(view)
        self.strip = SeedStrip()
        view.layout().insertWidget(1, self.strip)
        self.strip.cancel.clicked.connect(self.cancel)
        self.strip.clear.clicked.connect(self.clear)
        self.dialog: SeedsDialog | None = None  # while it is open (tests reach it there)
        self.band: Band | None = None
        self.config: dict | None = None  # the configuration the band is of (its first seed's)
        self.seeds: list[int] = []
        self.results: list[SeedResult] = []
        self._jobs = itertools.count(1)
        self._job: tuple[int, SeedWorker, QThread] | None = None
        self._parked: list[tuple[SeedWorker, QThread]] = []  # stopped, still ending (see cancel)
        self._accept: int | None = None  # the job whose results go into the band (also after a Cancel)
        self._started = 0.0
        self._estimate = 0.0
        self._progress = QTimer(self)
        self._progress.setInterval(PROGRESS_MS)
        self._progress.timeout.connect(self._show_progress)
        window.sessionReady.connect(self._session_changed)
        # after the window's own reset of the views, which narrows the epoch axis again
        for signal in (window.controller.restarted, window.reset_action.triggered, window.reinit_action.triggered):
            signal.connect(self._show_all_epochs)
        window.training_panel.lr_changed.connect(self._lr_changed)

    # -- asking -------------------------------------------------------------------------
    def _pace(self) -> tuple[float | None, int | None]:
        """The live run's steps a second, when it trains at full speed (else None)."""
        w = self.window
        snap = w.shown or w.latest
        if w.controller.speed is None and snap is not None and snap.steps_per_second > 0 and snap.step > 0:
            return snap.steps_per_second, w.session.steps_per_epoch
        return None, None

    def _estimate_text(self, n: int) -> str:
        config = self.window.session.config
        pace, per_epoch = self._pace()
        seconds = estimate_seconds(config, pace, per_epoch, n)
        source = "the live run's pace" if pace else "this machine's estimate"
        return (f"{duration_text(seconds)} ({n} runs of {config.train.epochs:,} epochs, {workers()} at a time; "
                f"from {source})")

    @Slot()
    def ask(self) -> None:
        """Ask how many seeds, then run them."""
        session = self.window.session
        if session is None:
            dialogs.warn(self.window, "Run over seeds", "There is no configuration to run yet.")
            return
        dialog = SeedsDialog(self.window, session.config.train.seed, self._estimate_text)
        self.dialog = dialog
        if dialog.exec() == QDialog.Accepted:
            self.start(dialog.seeds())
        self.dialog = None

    # -- running ------------------------------------------------------------------------
    def start(self, seeds: list[int]) -> None:
        """Run the window's current configuration from each of ``seeds`` (a run going is cancelled)."""
        session = self.window.session
        if session is None:
            return
        self.cancel()
        base = session.config.to_dict()
        try:
            runs = sweep.expand(base, [], seeds)
        except ConfigError as err:
            dialogs.warn(self.window, "Run over seeds", str(err))
            return
        self._remove_band()
        self.config, self.seeds, self.results = base, list(seeds), []
        job = next(self._jobs)
        worker = SeedWorker(job, runs)
        qthread = QThread()
        qthread.setObjectName("seeds")
        worker.moveToThread(qthread)
        qthread.started.connect(worker.run)
        worker.result.connect(self._on_result)  # bound methods of this GUI-thread object: queued
        worker.failed.connect(self._on_failed)
        worker.done.connect(self._on_done)
        worker.done.connect(qthread.quit, Qt.DirectConnection)  # QThread.quit is thread-safe: no wait on the GUI
        qthread.finished.connect(worker.deleteLater)
        self._job = (job, worker, qthread)
        self._accept = job
        pace, per_epoch = self._pace()
        self._estimate = estimate_seconds(session.config, pace, per_epoch, len(seeds))
        self._started = time.monotonic()
        self.strip.cancel.show()
        self.strip.clear.hide()
        self.strip.show()
        self.clear_action.setEnabled(True)
        self._show_progress()
        self._progress.start()
        qthread.start()

    def is_running(self) -> bool:
        return self._job is not None

    @Slot(int, object)
    def _on_result(self, job: int, result: SeedResult) -> None:
        if job != self._accept:
            return  # from a run whose band has been removed since
        self.results.append(result)
        self._redraw()
        if self._job is None:  # finished before a Cancel, delivered after it
            self._show_result()
        else:
            self._show_progress()

    @Slot(int, str)
    def _on_failed(self, job: int, message: str) -> None:
        if self._job is not None and job == self._job[0]:
            self._finish()
            dialogs.warn(self.window, "Run over seeds", f"A seed run failed:\n\n{message}")

    @Slot(int)
    def _on_done(self, job: int) -> None:
        if self._job is not None and job == self._job[0]:
            self._finish()
            if self.band is not None:
                self.window.statusBar().showMessage(self.band.spread().status_text(), STATUS_MS)

    def _finish(self) -> None:
        """The job has ended (or was cancelled): keep its thread until it is really over."""
        if self._job is not None:
            _, worker, qthread = self._job
            self._job = None
            self._park(worker, qthread)
        self._progress.stop()
        self.strip.cancel.hide()
        self.strip.clear.show()
        if self.results:
            self._show_result()
        else:
            self.strip.hide()
            self.clear_action.setEnabled(False)

    def _park(self, worker: SeedWorker, qthread: QThread) -> None:
        if qthread.isFinished():  # finished, but its thread may still be deleting the worker:
            qthread.wait()  # join it before the last reference goes (else both delete it)
            return
        pair = (worker, qthread)
        self._parked.append(pair)
        qthread.finished.connect(self._unpark)

    @Slot()
    def _unpark(self) -> None:
        for _, qthread in self._parked:
            if qthread.isFinished():
                qthread.wait()  # joined before it is let go (see _park)
        self._parked = [(w, t) for w, t in self._parked if not t.isFinished()]

    @Slot()
    def cancel(self) -> bool:
        """Stop the runs (the seeds finished so far stay); True once the thread has ended.

        The worker stops at its next result; if a run is still going after CANCEL_GRACE_MS,
        the worker processes are ended, so that the thread ends within a second."""
        if self._job is None:
            return True
        _, worker, qthread = self._job
        worker.cancel()
        qthread.quit()  # its event loop ends as soon as the worker's run returns
        ended = qthread.wait(CANCEL_GRACE_MS)
        if not ended:
            end_local_workers()
            ended = qthread.wait(STOP_WAIT_MS)
        self._finish()
        return ended

    # -- drawing ------------------------------------------------------------------------
    def _redraw(self) -> None:
        if len(self.results) < 2:
            return
        self.band = band(self.results)
        metric = self.band.metric()
        loss = "val_loss" if metric == "val_accuracy" else "train_loss"
        self.items.show(self.band, loss, metric)
        self._show_all_epochs()
        self.strip.text.setToolTip(self._tooltip())

    @Slot()
    def _show_all_epochs(self) -> None:
        """Widen the view's growing epoch axis to the band's end (after a reset narrowed it too):
        the live run then grows into the band."""
        if self.band is not None and len(self.band.epochs):
            self.view.x_range.update(float(self.band.epochs[-1]))

    def _seed_span(self) -> str:
        return f"Seeds {self.seeds[0]}–{self.seeds[-1]}" if self.seeds else "Seeds"

    def _show_progress(self) -> None:
        if self._job is None:
            return
        n, k = len(self.seeds), len(self.results)
        elapsed = time.monotonic() - self._started
        left = elapsed / k * (n - k) if k else self._estimate - elapsed
        when = f"{duration_text(left)} left" if left > 0 else "a little longer"
        text = f"{self._seed_span()}: {k} of {n} done · {when}"
        if self.band is not None:
            text += f" · so far {self.band.spread().name} {self.band.spread().text()}"
        self.strip.text.setText(text)

    def _show_result(self) -> None:
        cut = len(self.results) < len(self.seeds)
        if self.band is None:  # a single seed finished before a cancel: no band from one run
            self.strip.text.setText(f"{self._seed_span()}: cancelled after one run; a band needs two.")
            return
        b = self.band
        spread = b.spread()
        text = f"{self._seed_span()}: {spread.name} {spread.text()}"
        if cut:
            text += f", cancelled after {len(self.results)} of {len(self.seeds)}"
        if b.identical():
            text += " · every seed gave the same curves: here the seed changes nothing"
        else:
            text += " · shaded: lowest–highest run, dashed: mean"
        if b.diverged:  # their curves end where they diverged (engine/seeds.py)
            text += "; diverged runs leave the band where they diverged"
        self.strip.text.setText(text)

    def _tooltip(self) -> str:
        b = self.band
        metric = b.metric()
        label = "validation accuracy" if metric == "val_accuracy" else "training accuracy"
        lines = [f"Final {label} by seed:"]
        for seed, value, status in b.finals(metric):
            number = f"{100 * value:.1f} %" if math.isfinite(value) else "—"
            lines.append(f"seed {seed}: {number}" + (" (diverged; last finite state)" if status == "diverged" else ""))
        return "\n".join(lines)

    # -- removing ---------------------------------------------------------------------
    @Slot()
    def clear(self) -> None:
        """Cancel any run and remove the band."""
        self.cancel()
        self._remove_band()
        self.config, self.seeds, self.results = None, [], []

    def _remove_band(self) -> None:
        self._accept = None
        self.band = None
        self.items.clear()
        self.strip.text.setText("")
        self.strip.text.setToolTip("")
        self.strip.hide()
        self.clear_action.setEnabled(False)

    @Slot()
    def _session_changed(self) -> None:
        """A new session: keep the band if only train.seed differs, else remove it."""
        session = self.window.session
        if self.config is None or session is None:
            return
        if _without_seed(session.config.to_dict()) != _without_seed(self.config):
            self.clear()
            self.window.statusBar().showMessage("Seed band removed: the configuration changed", STATUS_MS)
        else:
            self._show_all_epochs()

    @Slot(float)
    def _lr_changed(self, lr: float) -> None:
        if self.config is not None and lr != self.config["train"]["lr"]:
            self.clear()
            self.window.statusBar().showMessage("Seed band removed: the learning rate changed", STATUS_MS)

    def shutdown(self) -> None:
        """Stop the runs (the window closes); safe to call more than once."""
        self._progress.stop()
        self.cancel()
        for _worker, qthread in list(self._parked):
            qthread.wait(STOP_WAIT_MS)
        self._unpark()
