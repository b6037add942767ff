"""The experiment grid's window (Compare ▸ Experiment grid…): two axes x seeds, run in worker
processes, shown as a heat map and as small multiples while the runs come in.

The set-up on the left builds a ``GridSpec`` (engine/grid.py) over the main window's current
configuration (or the classic study's); what the schema refuses is said in one line before
anything runs, and a grid of more than ``CONFIRM_RUNS`` runs asks first. The runs go to a
``GridWorker`` in its own thread (gui/grid/runner.py); rows arrive as signals and the views
repaint on a timer. A click on a cell offers its seeds; the one chosen opens in the main
window with the same configuration and seed (so the same initial weights) and is pinned.
(Over 400 lines: the set-up, a run's life from Run to its end, the cells' menu and the
exports all act on the one window's state; the axis pickers live in picker.py.)
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import datasets, sweep
from engine.config import MAX_SEED, Config, ConfigError
from engine.grid import (
    BOUNDARY_RESOLUTION,
    CLASSIC_BASE,
    CONFIRM_RUNS,
    GridResults,
    GridSpec,
    classic_study,
    duration,
)

from .. import dialogs
from ..exports import export_view
from ..plaintext import auto_text, menu_text, plain_label
from .heatmap import HeatMap
from .multiples import SmallMultiples
from .picker import AxisPicker
from .runner import LOCAL_BACKEND, Backend, GridRun, GridWorker, close_pool

if TYPE_CHECKING:
    from engine.sweep import Run

    from ..main_window import MainWindow

REFRESH_MS = 100  # the views repaint at most this often while rows come in
STOP_WAIT_MS = 1000  # how long closing waits for a cancelled grid's thread
STATUS_MS = 6000


class ExperimentGrid(QMainWindow):
    """The grid window: set-up on the left, heat map and small multiples on the right."""

    def __init__(self, main: MainWindow | None = None):
        super().__init__(main)
        self.setWindowFlag(Qt.Window, True)
        self.setObjectName("experimentGrid")
        self.setWindowTitle("Experiment grid — Activation Lab")
        self.main = main
        self._preset_base: dict | None = None  # None: the main window's configuration at Run
        self.spec: GridSpec | None = None
        self.results: GridResults | None = None
        self.run: GridRun | None = None
        self._parked: list[GridRun] = []  # cancelled runs whose thread has not ended yet
        self._started_at = self._first_at = 0.0
        self._estimate_seconds = float("nan")
        self._drawn = -1
        self.seed_popup: QMenu | None = None  # the last cell's menu of seeds
        self.status_text = ""
        self._closed = False

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._refresh)
        self.estimate_timer = QTimer(self)
        self.estimate_timer.setSingleShot(True)
        self.estimate_timer.setInterval(150)
        self.estimate_timer.timeout.connect(self.update_estimate)
        self.heatmap = HeatMap()
        self.heatmap.setObjectName("gridHeatmap")
        self.multiples = SmallMultiples()
        self.multiples.setObjectName("gridMultiples")
        for view in (self.heatmap, self.multiples):
            view.cellClicked.connect(self._cell_clicked)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.heatmap, "Heat map")
        self.tabs.addTab(self.multiples, "Small multiples")
        self.progress = QProgressBar()
        self.progress.setObjectName("gridProgress")
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(240)
        self.progress_label = plain_label("Choose two axes and press Run.", object_name="gridProgressLabel")
        self.progress_label.setWordWrap(True)
        self.progress_label.setMinimumHeight(2 * self.progress_label.fontMetrics().height() + 4)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(4, 4, 4, 4)
        rl.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.progress_label, 2)
        rl.addLayout(bottom)

        splitter = QSplitter()
        splitter.addWidget(self._build_setup())
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([340, 940])
        self.setCentralWidget(splitter)
        self._build_menu()
        self.resize(1280, 800)
        self.load_classic_axes()

    # -- building ------------------------------------------------------------------------------
    def _build_setup(self) -> QWidget:
        setup = QWidget()
        layout = QVBoxLayout(setup)
        self.classic_button = QPushButton("Classic study")
        self.classic_button.setObjectName("gridClassic")
        self.classic_button.setToolTip("Zeros, N(0, 1), Xavier and He × sigmoid, tanh, ReLU and leaky ReLU on four "
                                       "blobs with 2 hidden units, full-batch gradient descent, 10 seeds, 50 epochs.")
        self.classic_button.clicked.connect(self.preset_classic)
        self.base_label = plain_label("", object_name="gridBase")
        self.base_label.setWordWrap(True)
        self.main_button = QPushButton("Use the main window's settings")
        self.main_button.setObjectName("gridUseMain")
        self.main_button.clicked.connect(self.use_main_settings)
        self.main_button.setEnabled(self.main is not None)
        layout.addWidget(self.classic_button)
        layout.addWidget(self.base_label)
        layout.addWidget(self.main_button)
        self.rows = AxisPicker("Rows", "rows")
        self.cols = AxisPicker("Columns", "cols")
        for picker in (self.rows, self.cols):
            picker.field_box.currentIndexChanged.connect(self._changed)
            picker.choices.itemChanged.connect(self._changed)
            picker.numbers.textEdited.connect(self._changed)
            layout.addWidget(picker)

        form = QFormLayout()
        self.seed_count = QSpinBox()
        self.seed_count.setObjectName("gridSeeds")
        self.seed_count.setRange(1, sweep.MAX_SEEDS)
        self.seed_count.setValue(10)
        self.first_seed = QSpinBox()
        self.first_seed.setObjectName("gridFirstSeed")
        self.first_seed.setRange(0, min(MAX_SEED, 2**31 - 1) - sweep.MAX_SEEDS)
        self.epochs = QSpinBox()
        self.epochs.setObjectName("gridEpochs")
        self.epochs.setRange(1, 1_000_000)
        self.epochs.setValue(50)
        seeds = QHBoxLayout()
        seeds.addWidget(self.seed_count)
        seeds.addWidget(QLabel("from"))
        seeds.addWidget(self.first_seed)
        form.addRow("Seeds", seeds)
        form.addRow("Epochs", self.epochs)
        self.backend_box = QComboBox()
        self.backend_box.setObjectName("gridBackend")
        self.backend_box.addItem("Local processes", LOCAL_BACKEND)
        self.backend_box.addItem("Dask scheduler", "dask")
        self.backend_box.setToolTip("Local processes use this machine's cores; a Dask scheduler hands the runs "
                                    "to a cluster (install dask[distributed] on every node).")
        self.workers = QSpinBox()
        self.workers.setObjectName("gridWorkers")
        self.workers.setRange(1, max(1, os.cpu_count() or 1))
        self.workers.setValue(self.workers.maximum())
        self.workers.setToolTip("Worker processes (all cores by default; fewer keep the machine free).")
        self.address = QLineEdit()
        self.address.setObjectName("gridAddress")
        self.address.setPlaceholderText("tcp://host:8786")
        self.address.setToolTip("The scheduler's address; empty: DASK_SCHEDULER_ADDRESS, else a local cluster.")
        form.addRow("Backend", self.backend_box)
        form.addRow("Workers", self.workers)
        form.addRow("Address", self.address)
        layout.addLayout(form)
        for box in (self.seed_count, self.first_seed, self.epochs, self.workers):
            box.valueChanged.connect(self._changed)
        self.backend_box.currentIndexChanged.connect(self._backend_changed)
        self._backend_changed()

        self.estimate_label = plain_label("", object_name="gridEstimate")
        self.estimate_label.setWordWrap(True)
        self.error_label = plain_label("", object_name="gridError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("gridRun")
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("gridCancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(setup)
        panel = QWidget()  # the set-up scrolls; what it will cost, what is wrong and Run stay in view
        outer = QVBoxLayout(panel)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll, 1)
        footer = QVBoxLayout()
        footer.setContentsMargins(9, 0, 9, 6)
        footer.addWidget(self.estimate_label)
        footer.addWidget(self.error_label)
        footer.addLayout(buttons)
        outer.addLayout(footer)
        panel.setMinimumWidth(320)
        return panel

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        entries = (("Export runs as CSV…", self.export_csv_dialog),
                   ("Export heat map (PNG or SVG)…", lambda: self.export_picture_dialog(self.heatmap)),
                   ("Export small multiples (PNG or SVG)…", lambda: self.export_picture_dialog(self.multiples)))
        self.export_actions = []
        for text, slot in entries:
            action = QAction(text, self)
            action.triggered.connect(slot)
            action.setEnabled(False)
            menu.addAction(action)
            self.export_actions.append(action)
        menu.addSeparator()
        close = QAction("Close", self)
        close.triggered.connect(self.close)
        menu.addAction(close)

    # -- the set-up ------------------------------------------------------------------------------
    def load_classic_axes(self) -> None:
        """The classic study's axes, seeds and epochs, over the main window's settings."""
        spec = classic_study()
        base = self.base_config(quiet=True) or CLASSIC_BASE
        for picker in (self.rows, self.cols):
            picker.base = base
        self.rows.set_axis(spec.rows.key, spec.rows.values)
        self.cols.set_axis(spec.cols.key, spec.cols.values)
        self._show_base()

    @Slot()
    def preset_classic(self) -> None:
        """Fill everything with the classic study: its base, axes, 10 seeds from 0, 50 epochs."""
        spec = classic_study()
        self._preset_base = spec.base
        for picker in (self.rows, self.cols):
            picker.base = spec.base
        self.rows.set_axis(spec.rows.key, spec.rows.values)
        self.cols.set_axis(spec.cols.key, spec.cols.values)
        self.seed_count.setValue(len(spec.seeds))
        self.first_seed.setValue(spec.seeds[0])
        self.epochs.setValue(spec.epochs)
        self.backend_box.setCurrentIndex(0)
        self._show_base()
        self._changed()

    @Slot()
    def use_main_settings(self) -> None:
        self._preset_base = None
        base = self.base_config(quiet=True)
        if base is not None:
            for picker in (self.rows, self.cols):
                picker.base = base
        self._show_base()
        self._changed()

    def base_config(self, quiet: bool = False) -> dict | None:
        """The grid's base: the classic study's after the preset, else the main window's settings
        (its panels; its session's configuration when a panel holds a refused value)."""
        if self._preset_base is not None:
            return self._preset_base
        if self.main is None:
            return None
        try:
            return self.main.current_config().to_dict()
        except (ConfigError, ValueError) as err:
            if self.main.session is not None:
                return self.main.session.config.to_dict()
            if not quiet:
                self.show_error(f"The main window's settings: {err}")
            return None

    def _show_base(self) -> None:
        if self._preset_base is not None:
            self.base_label.setText("Base: the classic study (4 blobs, 2 hidden units, gradient descent, lr 0.5).")
        else:
            self.base_label.setText("Base: the main window's current settings.")

    @Slot()
    def _backend_changed(self, _index: int = 0) -> None:
        dask = self.backend_box.currentData() == "dask"
        self.address.setEnabled(dask)
        self.workers.setEnabled(not dask)
        self._changed()

    @Slot()
    def _changed(self, *_args: object) -> None:
        self.estimate_timer.start()

    def backend_choice(self) -> Backend:
        """The backend the widgets name: all local cores (or the chosen number), or a Dask scheduler."""
        if self.backend_box.currentData() == "dask":
            return Backend("dask", -1, self.address.text().strip() or None)
        n = self.workers.value()
        return Backend(LOCAL_BACKEND, -1 if n == self.workers.maximum() else n)

    def spec_from_widgets(self) -> GridSpec:
        """The grid the widgets describe; ConfigError names the axis or box and the rule."""
        base = self.base_config()
        if base is None:
            raise ConfigError("Base", "there is no configuration to start from; open one in the main window")
        first, count = self.first_seed.value(), self.seed_count.value()
        return GridSpec(base, self.rows.axis(), self.cols.axis(), tuple(range(first, first + count)),
                        self.epochs.value())

    @Slot()
    def update_estimate(self) -> None:
        """'16 cells × 10 seeds = 160 runs, about 8 s on 2 workers', or what is wrong."""
        try:
            spec = self.spec_from_widgets()
            est = spec.estimate(self._workers())
        except (ConfigError, ValueError) as err:
            self.estimate_label.setText(f"Cannot run yet: {err}")
            return
        note = " — it will ask before it starts" if est.confirm else ""
        self.estimate_label.setText(est.describe() + note)

    def _workers(self) -> int:
        return self.workers.value() if self.backend_box.currentData() != "dask" else max(1, os.cpu_count() or 1)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    # -- running -------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.run is not None and self.run.is_running()

    @Slot()
    def start(self, backend: Backend | None = None) -> bool:
        """Check the grid, ask first when it is large, and start it; False when nothing started."""
        if self.is_running():
            return False
        self.show_error("")
        try:
            spec = self.spec_from_widgets()
            configs = spec.check()
            est = spec.estimate(self._workers(), configs)
        except (ConfigError, ValueError) as err:
            self.show_error(str(err))
            return False
        if est.confirm and not self.confirm_large(est.runs, est.describe()):
            return False
        two_d = all(datasets.get(c.data.name).n_features == 2 for c in configs)
        self.spec, self.results = spec, None
        self._estimate_seconds = est.seconds
        rows, cols = spec.rows.field, spec.cols.field
        for view in (self.heatmap, self.multiples):
            view.set_axes(rows.label, [rows.title_of(v) for v in spec.rows.values],
                          cols.label, [cols.title_of(v) for v in spec.cols.values])
            view.set_results(None)
            view.running = True
        worker = GridWorker(spec, backend or self.backend_choice(), BOUNDARY_RESOLUTION if two_d else None)
        worker.planned.connect(self._on_planned)
        worker.result.connect(self._on_result)
        worker.rejected.connect(self._on_rejected)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_finished)
        if self.run is not None:
            self.run.shutdown()  # the previous run has ended: joined before it is let go
        self.run = GridRun(worker)
        self.progress.setRange(0, spec.n_runs)
        self.progress.setValue(0)
        self._set_status(f"Starting {spec.n_runs:,} runs …")
        self._started_at, self._first_at, self._drawn = time.perf_counter(), 0.0, -1
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        for action in self.export_actions:
            action.setEnabled(False)
        self.run.start()
        self.timer.start()
        return True

    def confirm_large(self, runs: int, described: str) -> bool:
        """Ask before a grid of more than CONFIRM_RUNS runs (Yes starts it)."""
        answer = QMessageBox.question(
            self, "A large grid", auto_text(f"This grid has {runs:,} runs (more than {CONFIRM_RUNS:,}): "
                                            f"{described}.\n\nRun it?"),
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    @Slot()
    def cancel(self) -> None:
        """Stop the grid now; the cells finished so far stay."""
        if self.run is not None and self.run.is_running():
            self.run.cancel()
            self._set_status("Cancelling …")
            self.cancel_button.setEnabled(False)

    @Slot(object)
    def _on_planned(self, runs: list[Run]) -> None:
        if self.sender() is not self._current_worker():
            return
        self.results = GridResults(self.spec, runs)
        for view in (self.heatmap, self.multiples):
            view.set_results(self.results)

    @Slot(int, object)
    def _on_result(self, index: int, row: dict) -> None:
        if self.results is None or self.sender() is not self._current_worker():
            return
        self.results.add(index, row)
        if not self._first_at:
            self._first_at = time.perf_counter()

    @Slot(str)
    def _on_rejected(self, message: str) -> None:
        if self.sender() is not self._current_worker():
            return
        self.show_error(message)
        self._ended("Nothing ran.")

    @Slot(str)
    def _on_failed(self, reason: str) -> None:
        if self.sender() is not self._current_worker():
            return
        done = self.results.finished if self.results is not None else 0
        if self.results is not None:
            self.results.fail_unfinished(reason)
        self._ended(f"Runs failed: {reason}. {done:,} of {self.spec.n_runs:,} finished and are kept; "
                    "the others are marked failed.")

    @Slot(str)
    def _on_finished(self, status: str) -> None:
        if self.sender() is not self._current_worker():
            return
        done = self.results.finished if self.results is not None else 0
        took = time.perf_counter() - self._started_at
        if status == "cancelled":
            self._ended(f"Cancelled: {done:,} of {self.spec.n_runs:,} runs finished; their cells are kept.")
        else:
            self._ended(f"Done: {done:,} runs in {duration(took)}. Click a cell to open one of its runs.")

    def _current_worker(self) -> GridWorker | None:
        return self.run.worker if self.run is not None else None

    def _ended(self, text: str) -> None:
        self.timer.stop()
        for view in (self.heatmap, self.multiples):
            view.running = False
        self._refresh(force=True)
        self._set_status(text)
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        has_rows = self.results is not None and (self.results.finished or self.results.failures)
        for action in self.export_actions:
            action.setEnabled(bool(has_rows))

    def _set_status(self, text: str) -> None:
        self.status_text = text
        self.progress_label.setText(text)

    @Slot()
    def _refresh(self, force: bool = False) -> None:
        """Repaint the views and the progress line when rows came in since the last time."""
        results = self.results
        if results is None:
            return
        if results.version == self._drawn and not force:
            return
        self._drawn = results.version
        self.heatmap.update()
        self.multiples.update()
        done = results.finished + len(results.failures)
        self.progress.setValue(done)
        if self.is_running() and self.run.cancelled_at is None:
            self._set_status(f"{done:,} of {results.total:,} runs · about {duration(self._left(done))} left")

    def _left(self, done: int) -> float:
        """Seconds left: from the pace of the runs finished so far, once two are in."""
        now = time.perf_counter()
        if done >= 2 and self._first_at:
            return (now - self._first_at) / (done - 1) * (self.results.total - done)
        return max(self._estimate_seconds - (now - self._started_at), 1.0)

    # -- a cell's runs ---------------------------------------------------------------------------
    @Slot(int, int, QPoint)
    def _cell_clicked(self, i: int, j: int, where: QPoint) -> None:
        menu = self.seed_menu(i, j)
        if menu is None:
            return
        self.seed_popup = menu
        menu.popup(where)

    def seed_menu(self, i: int, j: int) -> QMenu | None:
        """A menu of the cell's finished seeds with their final validation accuracy; choosing one
        opens that run in the main window (None when the cell has no finished run)."""
        if self.results is None:
            return None
        stats = self.results.cell(i, j)
        if not stats.seeds:
            return None
        menu = QMenu(self)
        menu.setObjectName("gridSeedMenu")
        header = menu.addAction(menu_text(f"{self.heatmap.row_titles[i]} × {self.heatmap.col_titles[j]}: "
                                          "open a run"))
        header.setEnabled(False)
        for seed, acc, reason, _index in stats.seeds:
            note = " (diverged)" if reason == "diverged" else ""
            text = f"seed {seed} · val accuracy {acc:.3f}{note}" if acc == acc else f"seed {seed}{note}"
            action = menu.addAction(text)
            action.setData(seed)
            action.triggered.connect(lambda _=False, s=seed: self.open_run(i, j, s))
        return menu

    def open_run(self, i: int, j: int, seed: int) -> Config | None:
        """Open the run of cell (i, j) with ``seed`` in the main window: the same configuration and
        seed give the same initial weights, so training it there retraces the grid's run. The grid's
        run is pinned beside it (its curves, from the grid); the status bar says what happened."""
        if self.results is None or self.main is None:
            return None
        run = self.results.run_at(i, j, seed)
        row = self.results.rows.get(run.index)
        if row is None:
            return None
        config = Config.from_dict(run.config)
        self.main.apply_config(config)
        pinned = self.main.pins.add_run(config, row["history"])  # named like any pin: "He · ReLU · seed 3"
        text = f"Opened and pinned “{pinned.name}” in the main window: press Play there to train it again."
        self.main.statusBar().showMessage(text, STATUS_MS)
        self.statusBar().showMessage(text, STATUS_MS)
        return config

    # -- exports ---------------------------------------------------------------------------------
    def export_csv(self, path: str) -> None:
        """Every run's row, as main.py sweep writes them (atomic)."""
        if self.results is None:
            raise OSError("there are no runs to export yet")
        self.results.write_csv(path)

    @Slot()
    def export_csv_dialog(self) -> None:
        path = dialogs.ask_save_path(self, "Export the grid's runs", "grid.csv", "CSV files (*.csv)")
        if path:
            self._guarded(lambda: self.export_csv(path), path)

    def export_picture_dialog(self, view: HeatMap | SmallMultiples) -> None:
        name = "grid-heatmap.png" if view is self.heatmap else "grid-multiples.png"
        path = dialogs.ask_save_path(self, f"Export {view.title}", name, "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self._guarded(lambda: export_view(view, path), path)

    def _guarded(self, write: object, path: str) -> None:
        try:
            write()
        except OSError as err:
            dialogs.warn(self, "Could not export", str(err))
        else:
            self.statusBar().showMessage(f"Saved {path}", STATUS_MS)

    # -- closing ---------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing cancels a grid that runs (its finished cells stay for the next opening)."""
        self.stop_run()
        super().closeEvent(event)

    def stop_run(self) -> None:
        """Cancel the run and wait (bounded) for its thread; a thread still busy (a Dask run in
        flight) is kept until it ends."""
        run = self.run
        if run is None:
            return
        if not run.shutdown(STOP_WAIT_MS):
            self._parked.append(run)
            run.qthread.finished.connect(self._release_parked)
        self._release_parked()

    @Slot()
    def _release_parked(self) -> None:
        for run in self._parked:
            if not run.is_running():
                run.shutdown()  # joins the ended thread before it is let go
        self._parked = [r for r in self._parked if r.is_running()]

    def shutdown(self) -> None:
        """Cancel any run and close the window; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self.stop_run()
        close_pool()
        self.timer.stop()
        self.estimate_timer.stop()
        self.close()
