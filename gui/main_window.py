"""The main window: control panels, transport, live views in docks, one redraw timer.

The window owns the current Session and at most one training worker. Every
snapshot the worker sends replaces the previous one; a ~30 fps timer draws the
latest to the views that are visible, and a slower timer updates the status bar.
"""

from __future__ import annotations

import math
import random

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QLabel, QMainWindow, QMessageBox, QScrollArea, QSlider, QStyle,
                               QToolBar, QToolButton, QVBoxLayout, QWidget)

from engine.config import Config, ConfigError
from engine.datasets import DataError
from engine.network import Network
from engine.session import Session

from .panels import DataPanel, NetworkPanel, TrainingPanel
from .plots import VIEWS
from .plots.style import setup_pyqtgraph
from .worker import WorkerHandle

REDRAW_MS = 33  # ~30 frames per second
STATUS_MS = 250
BOUNDARY_RESOLUTION = 150
#: Speed slider positions -> steps per second (None = as fast as possible).
SPEEDS = [2, 5, 10, 25, 50, 100, 250, 500, 1000, None]

DEFAULT_CONFIG = {
    "data": {"name": "moons", "n_samples": 300, "noise": 0.2, "val_fraction": 0.2, "seed": 0},
    "model": {"hidden": [8, 8], "activation": "tanh", "init": "xavier", "bias_init": "zeros", "output": "softmax"},
    "train": {"optimizer": "adam", "lr": 0.03, "epochs": 300, "batch_size": 32, "loss_reduction": "mean", "seed": 0},
}


class MainWindow(QMainWindow):
    def __init__(self, config: Config | None = None):
        super().__init__()
        setup_pyqtgraph()
        self.setWindowTitle("Activation Lab")
        self.setObjectName("mainWindow")
        self.session: Session | None = None
        self.handle: WorkerHandle | None = None
        self.latest = None  # the newest snapshot not yet drawn
        self.shown = None  # the newest snapshot drawn
        self.frames_drawn = 0
        self._closing = False

        self.data_panel = DataPanel()
        self.network_panel = NetworkPanel()
        self.training_panel = TrainingPanel()
        self.error_label = QLabel()
        self.error_label.setObjectName("configError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error_label.hide()
        self._build_controls_dock()
        self.views = {key: cls() for key, cls in VIEWS.items()}
        self.docks: dict[str, QDockWidget] = {}
        self._build_view_docks()
        self._build_actions()
        self._build_status_bar()

        self.data_panel.changed.connect(self.rebuild)
        self.network_panel.changed.connect(self.rebuild)
        self.training_panel.changed.connect(self.rebuild)
        self.training_panel.lr_changed.connect(self.set_lr)

        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(REDRAW_MS)
        self.redraw_timer.timeout.connect(self.redraw)
        self.redraw_timer.start()
        self.status_timer = QTimer(self)
        self.status_timer.setInterval(STATUS_MS)
        self.status_timer.timeout.connect(self.update_status)
        self.status_timer.start()

        self.apply_config(config or Config.from_dict(DEFAULT_CONFIG))
        self.resize(1400, 900)

    # -- layout ------------------------------------------------------------------
    def _build_controls_dock(self) -> None:
        inner = QWidget()
        box = QVBoxLayout(inner)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.error_label)
        for panel in (self.data_panel, self.network_panel, self.training_panel):
            box.addWidget(panel)
        box.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        # wide enough for the panels plus a vertical scroll bar: nothing is clipped
        scroll.setMinimumWidth(inner.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 4)
        dock = QDockWidget("Controls", self)
        dock.setObjectName("controlsDock")
        dock.setWidget(scroll)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
        self.addDockWidget(Qt.LeftDockWidgetArea, dock)
        self.controls_dock = dock

    def _build_view_docks(self) -> None:
        self.setDockNestingEnabled(True)
        for key, view in self.views.items():
            dock = QDockWidget(view.title, self)
            dock.setObjectName(f"{key}Dock")
            dock.setWidget(view)
            self.docks[key] = dock
        # loss | boundary on top; histograms | gradient flow below; diagnostics beside the boundary
        central = QWidget()
        central.setMaximumSize(0, 0)
        self.setCentralWidget(central)
        self.addDockWidget(Qt.RightDockWidgetArea, self.docks["loss"])
        self.splitDockWidget(self.docks["loss"], self.docks["activations"], Qt.Vertical)
        self.splitDockWidget(self.docks["loss"], self.docks["boundary"], Qt.Horizontal)
        self.splitDockWidget(self.docks["activations"], self.docks["gradients"], Qt.Horizontal)
        self.tabifyDockWidget(self.docks["gradients"], self.docks["diagnostics"])
        self.docks["gradients"].raise_()

    def _action(self, text: str, icon, shortcut: str, tip: str, slot, name: str) -> QAction:
        action = QAction(self.style().standardIcon(icon), text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.WindowShortcut)
        action.setToolTip(f"{tip} ({shortcut})")
        action.setObjectName(name)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.play_action = self._action("Play", QStyle.SP_MediaPlay, "Space", "Start or pause training",
                                        self.play_pause, "playAction")
        self.step_action = self._action("Step", QStyle.SP_MediaSeekForward, "S", "Train exactly one epoch",
                                        self.step_epoch, "stepAction")
        self.reset_action = self._action("Reset", QStyle.SP_MediaSkipBackward, "R",
                                         "Back to the same initial weights", self.reset_run, "resetAction")
        self.reinit_action = self._action("New weights", QStyle.SP_BrowserReload, "Shift+R",
                                          "Re-initialise the weights with a new seed", self.reinitialize,
                                          "reinitAction")
        bar = QToolBar("Transport")
        bar.setObjectName("transportBar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.addToolBar(Qt.TopToolBarArea, bar)
        self.buttons = {}
        for action, name in ((self.play_action, "playButton"), (self.step_action, "stepButton"),
                             (self.reset_action, "resetButton"), (self.reinit_action, "reinitButton")):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setObjectName(name)
            button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
            button.setFocusPolicy(Qt.NoFocus)  # Space must reach the window's shortcut, not press a button
            bar.addWidget(button)
            self.buttons[name] = button
        bar.addSeparator()
        bar.addWidget(QLabel(" Speed "))
        self.speed_slider = QSlider(Qt.Horizontal)
        self.speed_slider.setObjectName("speedSlider")
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setValue(len(SPEEDS) - 1)
        self.speed_slider.setFixedWidth(150)
        self.speed_slider.setFocusPolicy(Qt.NoFocus)
        self.speed_slider.setToolTip("How fast training runs: slow it down to watch each step; right = full speed.")
        self.speed_slider.valueChanged.connect(self._speed_changed)
        bar.addWidget(self.speed_slider)
        self.speed_label = QLabel()
        self.speed_label.setObjectName("speedLabel")
        self.speed_label.setMinimumWidth(90)
        bar.addWidget(self.speed_label)
        self._speed_changed(self.speed_slider.value())

        view_menu = self.menuBar().addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction(self.controls_dock.toggleViewAction())
        run_menu = self.menuBar().addMenu("&Run")
        for action in (self.play_action, self.step_action, self.reset_action, self.reinit_action):
            run_menu.addAction(action)

    def _build_status_bar(self) -> None:
        self.status_label = QLabel()
        self.status_label.setObjectName("statusText")
        self.statusBar().addWidget(self.status_label, 1)
        self.rate_label = QLabel()
        self.rate_label.setObjectName("rateText")
        self.statusBar().addPermanentWidget(self.rate_label)

    # -- configuration -------------------------------------------------------------
    def current_config(self) -> Config:
        """The panels' values as a validated Config (ConfigError names the field)."""
        return Config.from_dict({"data": self.data_panel.values(), "model": self.network_panel.values(),
                                 "train": self.training_panel.values()})

    def apply_config(self, config: Config) -> None:
        """Show a configuration in the panels and start a fresh session on it."""
        self.data_panel.set_values(config.data)
        self.network_panel.set_values(config.model)
        self.training_panel.set_values(config.train)
        self.rebuild()

    def _show_error(self, message: str | None) -> None:
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))

    @Slot()
    def rebuild(self) -> None:
        """Stop the run and build a new session from the panels (the old curves stay as a ghost)."""
        try:
            config = self.current_config()
            session = Session(config)
        except (ConfigError, DataError, ValueError) as err:
            self._show_error(f"{err}. The previous settings are still in use.")
            return
        self._show_error(None)
        self.stop_worker()
        self.session = session
        if session.dataset.n_features > 2 or config.data.name == "csv":
            self.data_panel.set_feature_names(session.dataset.feature_names)
        self.network_panel.set_summary(Network(
            session.dataset.n_features, session.dataset.n_classes, config.model.hidden,
            config.model.layer_activations(), config.model.activation_params(), head=config.model.output,
        ).summary())
        for view in self.views.values():
            view.reset(keep_ghost=True)
            view.set_context(config, session.split)
        self._show_initial()

    def _show_initial(self) -> None:
        """Draw the untrained network (epoch 0)."""
        self.shown = None
        self.latest = self.session.snapshot(True, self._boundary_resolution())
        self._set_playing(False)
        self.update_status()

    def _boundary_resolution(self):
        dock = self.docks["boundary"]
        return BOUNDARY_RESOLUTION if dock.isVisible() or not self.isVisible() else None

    # -- transport ------------------------------------------------------------------
    def _set_playing(self, playing: bool) -> None:
        icon = QStyle.SP_MediaPause if playing else QStyle.SP_MediaPlay
        self.play_action.setIcon(self.style().standardIcon(icon))
        self.play_action.setText("Pause" if playing else "Play")

    def _finished_status(self) -> bool:
        return self.session is not None and self.session.status in ("completed", "diverged", "stopped")

    def _start_worker(self) -> None:
        if self._finished_status():
            self.session.reset()
            for view in self.views.values():
                view.reset(keep_ghost=True)
        self.session.boundary_resolution = self._boundary_resolution()
        self.handle = WorkerHandle(self.session, self.on_snapshot, self.on_finished, self.on_failed,
                                   SPEEDS[self.speed_slider.value()])
        self.handle.start()

    def is_training(self) -> bool:
        return self.handle is not None and self.handle.is_running() and not self.session.paused

    @Slot()
    def play_pause(self) -> None:
        if self.session is None:
            return
        if self.handle is None or not self.handle.is_running():
            self.session.resume()
            self._start_worker()
            self._set_playing(True)
        elif self.session.paused:
            self.session.resume()
            self._set_playing(True)
        else:
            self.session.pause()
            self._set_playing(False)

    @Slot()
    def step_epoch(self) -> None:
        if self.session is None:
            return
        self.session.step_epoch()
        if self.handle is None or not self.handle.is_running():
            self._start_worker()
        self._set_playing(False)

    @Slot()
    def reset_run(self) -> None:
        if self.session is None:
            return
        self.stop_worker()
        self.session.reset()
        for view in self.views.values():
            view.reset(keep_ghost=False)
        self._show_initial()

    @Slot()
    def reinitialize(self) -> None:
        if self.session is None:
            return
        self.stop_worker()
        seed = random.SystemRandom().randrange(1, 1_000_000)
        self.session.reinitialize(seed)
        self.training_panel.seed.blockSignals(True)
        self.training_panel.seed.setValue(seed)
        self.training_panel.seed.blockSignals(False)
        for view in self.views.values():
            view.reset(keep_ghost=True)
        self._show_initial()

    @Slot(float)
    def set_lr(self, lr: float) -> None:
        if self.session is not None:
            self.session.set_lr(lr)

    def _speed_changed(self, pos: int) -> None:
        speed = SPEEDS[pos]
        self.speed_label.setText("full speed" if speed is None else f"{speed} steps/s")
        if self.handle is not None:
            self.handle.set_speed(speed)

    def stop_worker(self) -> None:
        if self.handle is not None:
            self.handle.shutdown()
            self.handle = None
        self._set_playing(False)

    # -- worker signals (queued to this thread) -------------------------------------
    def _from_current_worker(self) -> bool:
        """Signals queued by a worker we have since stopped must not overwrite the new state."""
        return self.handle is not None and self.sender() is self.handle.worker

    @Slot(object)
    def on_snapshot(self, snap) -> None:
        if snap is not None and self._from_current_worker():
            self.latest = snap

    @Slot(str)
    def on_finished(self, status: str) -> None:
        if self._from_current_worker():
            self._set_playing(False)

    @Slot(str)
    def on_failed(self, message: str) -> None:
        if not self._from_current_worker():
            return
        self._set_playing(False)
        QMessageBox.warning(self, "Training stopped", f"Training stopped because of an error:\n\n{message}")

    # -- drawing ----------------------------------------------------------------------
    @Slot()
    def redraw(self) -> None:
        snap = self.latest
        if snap is None or snap is self.shown:
            return
        if self.session is not None:
            self.session.boundary_resolution = self._boundary_resolution()
        for key, view in self.views.items():
            if view.isVisible() or not self.isVisible():
                view.update_snapshot(snap)
        self.shown = snap
        self.frames_drawn += 1

    @Slot()
    def update_status(self) -> None:
        snap = self.shown or self.latest
        if snap is None:
            return

        def pct(x):
            return "—" if not math.isfinite(x) else f"{x:.1%}"

        def num(x):
            return "—" if not math.isfinite(x) else f"{x:.4f}"

        state = {"running": "Training", "paused": "Paused", "completed": "Completed", "diverged": "Diverged",
                 "stopped": "Stopped"}.get(snap.status, snap.status)
        if self.handle is None and snap.epoch == 0:
            state = "Ready"
        self.status_label.setText(
            f"{state} · epoch {snap.epoch} · step {snap.step:,} · loss {num(snap.train_loss)} "
            f"(validation {num(snap.val_loss)}) · accuracy {pct(snap.train_accuracy)} "
            f"(validation {pct(snap.val_accuracy)})")
        running = self.is_training()
        self.rate_label.setText(f"{snap.steps_per_second:,.0f} steps/s" if running else "")

    # -- closing ---------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop timers and the worker; safe to call more than once."""
        self.redraw_timer.stop()
        self.status_timer.stop()
        self.stop_worker()
