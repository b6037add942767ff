"""The main window: control panels, transport, live views in docks, one redraw timer.

The window owns the current Session and at most one training worker. Every
snapshot the worker sends replaces the previous one; a ~30 fps timer draws the
latest to the views that are visible, and a slower timer updates the status bar.
"""

from __future__ import annotations

import math
import random

import logging
import time
from dataclasses import replace as dataclass_replace
from pathlib import Path

from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox,
                               QScrollArea, QSlider, QStyle, QToolBar, QToolButton, QVBoxLayout, QWidget)

from engine import config as cfgmod
from engine.config import Config, ConfigError
from engine.datasets import DataError
from engine.network import Network
from engine.session import Session

from . import dialogs, exports
from .lessons import LessonView, load_lessons
from .panels import DataPanel, NetworkPanel, TrainingPanel
from .persistence import Store
from .plots import VIEWS
from .plots.style import setup_pyqtgraph
from .worker import WorkerHandle
from .theme import error_colour, is_dark

log = logging.getLogger(__name__)

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
    #: a session is built and drawn (after every successful rebuild)
    sessionReady = Signal()
    _deferred_config: Config | None = None  # the start's configuration until it is built (defer_data)
    first_paint_callback = None  # called once, after the window's first paint

    def __init__(self, config: Config | None = None, store: Store | None = None, defer_data: bool = False):
        """``defer_data``: show the window first and build the data set and session from the
        event loop (a launch does this: the first data set imports scikit-learn, a second's work)."""
        super().__init__()
        self.store = store or Store()
        self.config_path: str | None = None
        setup_pyqtgraph(dark=is_dark(QApplication.instance()))
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
        self.error_label.setStyleSheet(f"color: {error_colour(self.error_label)}; font-weight: bold;")
        self.error_label.hide()
        self._build_controls_dock()
        self.views = {key: cls() for key, cls in VIEWS.items()}
        self.docks: dict[str, QDockWidget] = {}
        self._build_view_docks()
        self._build_actions()
        self._build_menus()
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

        self.resize(1400, 900)
        self._default_state = self.saveState()  # View > Reset layout returns here
        self._sizes_pending = not self.store.restore_window(self)
        config = config or self.store.last_config() or Config.from_dict(DEFAULT_CONFIG)
        if defer_data:
            self._set_panels(config)
            self.status_label.setText("Preparing the data set …")
            self._deferred_config = config  # built after the first paint (see event)
            QTimer.singleShot(500, self._build_deferred)  # or now, if nothing paints
        else:
            self.apply_config(config)

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
        self.controls_scroll = scroll
        self._controls_natural_width = inner.sizeHint().width()
        # wide enough for the panels plus a vertical scroll bar, now and whenever rows
        # appear (a data set's options, a longer layer list): nothing is ever clipped
        self._fit_controls_width()
        inner.installEventFilter(self)
        dock = QDockWidget("Controls", self)
        dock.setObjectName("controlsDock")
        dock.setWidget(scroll)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
        self.addDockWidget(Qt.LeftDockWidgetArea, dock)
        self.controls_dock = dock

    def _fit_controls_width(self) -> None:
        scroll = self.controls_scroll
        inner = scroll.widget()
        # the first layout's preferred width is the panel's natural width; later only a
        # larger minimum (a new row that cannot shrink) widens it: a long wrapped summary
        # line must not
        need = max(self._controls_natural_width, inner.minimumSizeHint().width())
        scroll.setMinimumWidth(need + scroll.verticalScrollBar().sizeHint().width() + 4)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.LayoutRequest and watched is self.controls_scroll.widget():
            self._fit_controls_width()
        return super().eventFilter(watched, event)

    def _default_sizes(self) -> None:
        """Share the width between the views: the loss curves and the histograms (two
        columns of layers) get the larger parts, the boundary stays roughly square."""
        width = max(600, self.width() - self.controls_dock.width())
        height = max(400, self.height() - self.menuBar().height() - self.statusBar().height())
        d = self.docks
        self.resizeDocks([d["loss"], d["activations"]], [height // 2, height // 2], Qt.Vertical)
        self.resizeDocks([d["loss"], d["boundary"]], [width * 63 // 100, width * 37 // 100], Qt.Horizontal)
        self.resizeDocks([d["activations"], d["gradients"]], [width * 56 // 100, width * 44 // 100],
                         Qt.Horizontal)

    def _build_deferred(self) -> None:
        config, self._deferred_config = self._deferred_config, None
        if config is not None:
            self.rebuild(config)

    def event(self, event) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.UpdateRequest:  # the window has just been painted
            if self.first_paint_callback is not None:
                callback, self.first_paint_callback = self.first_paint_callback, None
                callback()
            if self._deferred_config is not None:
                QTimer.singleShot(0, self._build_deferred)
        return handled

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._sizes_pending:  # first start (nothing saved): once the window has its size
            self._sizes_pending = False
            QTimer.singleShot(0, self._default_sizes)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for dock in (*self.docks.values(), self.lesson_dock, self.controls_dock):
            dock.setFloating(False)
            dock.show()
        self.docks["gradients"].raise_()
        self._default_sizes()

    def _build_view_docks(self) -> None:
        self.setDockNestingEnabled(True)
        for key, view in self.views.items():
            dock = QDockWidget(view.title, self)
            dock.setObjectName(f"{key}Dock")
            dock.setWidget(view)
            self.docks[key] = dock
        # loss | boundary on top; histograms | gradient flow below, with diagnostics and
        # the lesson as tabs behind gradient flow
        central = QWidget()
        central.setMaximumSize(0, 0)
        self.setCentralWidget(central)
        self.addDockWidget(Qt.RightDockWidgetArea, self.docks["loss"])
        self.splitDockWidget(self.docks["loss"], self.docks["activations"], Qt.Vertical)
        self.splitDockWidget(self.docks["loss"], self.docks["boundary"], Qt.Horizontal)
        self.splitDockWidget(self.docks["activations"], self.docks["gradients"], Qt.Horizontal)
        self.tabifyDockWidget(self.docks["gradients"], self.docks["diagnostics"])
        self.lesson_view = LessonView()
        lesson_dock = QDockWidget("Lesson", self)
        lesson_dock.setObjectName("lessonDock")
        lesson_dock.setWidget(self.lesson_view)
        self.tabifyDockWidget(self.docks["diagnostics"], lesson_dock)
        self.lesson_dock = lesson_dock
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


    def _menu_action(self, menu, text: str, slot, tip: str, shortcut=None, name: str | None = None) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(slot)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_action = self._menu_action(file_menu, "&New", self.new_config, "Start again from the default "
                                            "configuration", QKeySequence.New, "newAction")
        self.open_action = self._menu_action(file_menu, "&Open configuration…", self.open_config_dialog,
                                             "Load a configuration file (the JSON the command line reads)",
                                             QKeySequence.Open, "openAction")
        self.save_action = self._menu_action(file_menu, "&Save configuration…", self.save_config_dialog,
                                             "Save the current settings as a configuration file",
                                             QKeySequence.Save, "saveAction")
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.setObjectName("recentMenu")
        self._fill_recent(self.store.recent_files())
        export_menu = file_menu.addMenu("&Export")
        for key, view in self.views.items():
            self._menu_action(export_menu, f"{view.title} as PNG or SVG…", lambda _=False, k=key: self.export_view_dialog(k),
                              f"Save the {view.title.lower()} view as an image")
        export_menu.addSeparator()
        self._menu_action(export_menu, "History as CSV…", lambda: self._export_dialog("history"),
                          "Per-epoch losses, accuracies and layer statistics, one row per epoch")
        self._menu_action(export_menu, "Diagnostics as CSV…", lambda: self._export_dialog("diagnostics"),
                          "The alerts of the diagnostics panel")
        self._menu_action(export_menu, "Trained weights (.npz)…", lambda: self._export_dialog("weights"),
                          "Every layer's W and b as NumPy arrays")
        self._menu_action(export_menu, "Run report (JSON)…", lambda: self._export_dialog("report"),
                          "The full report the command line's run writes")
        file_menu.addSeparator()
        self._menu_action(file_menu, "&Quit", self.close, "Close Activation Lab", QKeySequence.Quit, "quitAction")

        run_menu = bar.addMenu("&Run")
        for action in (self.play_action, self.step_action, self.reset_action, self.reinit_action):
            run_menu.addAction(action)

        lessons_menu = bar.addMenu("&Lessons")
        lessons_menu.setObjectName("lessonsMenu")
        self.lessons = load_lessons()
        for lesson in self.lessons:
            self._menu_action(lessons_menu, lesson.title, lambda _=False, l=lesson: self.open_lesson(l),
                              f"Experiment {lesson.experiment}: set up the network and show what to watch")

        view_menu = bar.addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addAction(self.lesson_dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction(self.controls_dock.toggleViewAction())
        view_menu.addSeparator()
        self._menu_action(view_menu, "&Reset layout", self.reset_layout,
                          "Put every panel back where it starts: docked, visible, default sizes",
                          None, "resetLayoutAction")

        help_menu = bar.addMenu("&Help")
        self._menu_action(help_menu, "Keyboard &shortcuts", self.show_shortcuts, "List every keyboard shortcut",
                          "F1", "shortcutsAction")
        self._menu_action(help_menu, "&About Activation Lab", lambda: dialogs.about_dialog(self).exec(),
                          "Versions of the app and its libraries", None, "aboutAction")

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
        self._set_panels(config)
        self.rebuild(config)

    def _set_panels(self, config: Config) -> None:
        self.data_panel.set_values(config.data)
        self.network_panel.set_values(config.model)
        self.training_panel.set_values(config.train)

    def _show_error(self, message: str | None) -> None:
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))

    @Slot()
    def rebuild(self, config: Config | None = None) -> None:
        """Stop the run and build a new session, from ``config`` or else from the panels
        (the old curves stay as a ghost)."""
        try:
            config = config if isinstance(config, Config) else self.current_config()
            session = Session(config)
        except (ConfigError, DataError, ValueError) as err:
            if self.session is None:
                # nothing to fall back on (the start, e.g. a saved CSV that has since moved):
                # start from the defaults and say why
                log.warning("could not build the starting configuration: %s", err)
                self.apply_config(Config.from_dict(DEFAULT_CONFIG))
                self._show_error(f"{err}. Started from the default settings instead.")
                return
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
        self.sessionReady.emit()

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
            self._build_deferred()  # Play pressed while the first data set is still on its way
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

    # -- files -----------------------------------------------------------------------
    def _fill_recent(self, files) -> None:
        self.recent_menu.clear()
        for path in files:
            self._menu_action(self.recent_menu, Path(path).name, lambda _=False, p=path: self.open_config(p), path)
        self.recent_menu.setEnabled(bool(files))

    @Slot()
    def new_config(self) -> None:
        self.config_path = None
        self.lesson_view.show_lesson(None)
        self.apply_config(Config.from_dict(DEFAULT_CONFIG))

    def open_config(self, path: str) -> bool:
        """Load a configuration file; a bad one is reported by field and leaves the work untouched."""
        try:
            config = cfgmod.load(path)
            Session(config)  # the data and the combination must work too (e.g. a CSV file)
        except (ConfigError, DataError, ValueError) as err:
            QMessageBox.warning(self, "Not a valid configuration",
                                f"{Path(path).name} was not opened:\n\n{err}\n\nYour current work is unchanged.")
            return False
        self.config_path = path
        self.lesson_view.show_lesson(None)
        self.apply_config(config)
        self._fill_recent(self.store.add_recent(path))
        return True

    @Slot()
    def open_config_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a configuration", "", "Configurations (*.json)")
        if path:
            self.open_config(path)

    def save_config(self, path: str) -> None:
        cfgmod.save(self.session.config, path)
        self.config_path = path
        self._fill_recent(self.store.add_recent(path))
        self.statusBar().showMessage(f"Saved {path}", 4000)

    @Slot()
    def save_config_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the configuration", self.config_path or "activation-lab.json",
                                              "Configurations (*.json)")
        if path:
            self._guarded(lambda: self.save_config(path))

    def open_lesson(self, lesson) -> None:
        self.config_path = None
        self.apply_config(lesson.config)
        self.lesson_view.show_lesson(lesson)
        self.lesson_dock.show()
        self.lesson_dock.raise_()

    # -- exports -----------------------------------------------------------------------
    def _guarded(self, work) -> bool:
        """Run a file operation; report a failure in one dialog, never a traceback."""
        try:
            work()
            return True
        except (OSError, ValueError) as err:
            QMessageBox.warning(self, "Could not save", str(err))
            return False

    def _quiesce(self) -> bool:
        """Pause a running session until it is between steps, so its weights can be read.
        Returns whether it was running (and should be resumed)."""
        if not self.is_training():
            return False
        self.session.pause()
        deadline = time.perf_counter() + 2.0
        while self.session.status != "paused" and time.perf_counter() < deadline:
            QApplication.processEvents(QEventLoop.ExcludeUserInputEvents, 20)
        return True

    def current_snapshot(self):
        return self.shown or self.latest

    def diagnostics_entries(self) -> list[tuple[str, str, str]]:
        view = self.views["diagnostics"]
        entries = []
        for i in range(view.list.count()):
            item = view.list.item(i)
            state = "active" if "cleared by epoch" not in item.text() else "cleared"
            entries.append((state, item.data(Qt.UserRole + 1) or "", item.text()))
        return entries

    def export(self, kind: str, path: str) -> None:
        resume = self._quiesce()
        try:
            if kind == "history":
                exports.export_history_csv(self.session.snapshot(False), path)
            elif kind == "diagnostics":
                exports.export_diagnostics_csv(self.diagnostics_entries(), path)
            elif kind == "weights":
                exports.export_weights(self.session.network, path)
            elif kind == "report":
                snap = self.session.snapshot(True)
                status = self.session.status if self.session.status in ("completed", "diverged") else "stopped"
                exports.export_report(self.session, dataclass_replace(snap, status=status), path)
            else:
                raise ValueError(f"unknown export {kind!r}")
        finally:
            if resume:
                self.session.resume()
        self.statusBar().showMessage(f"Exported {path}", 4000)

    def _export_dialog(self, kind: str) -> None:
        suffix = {"history": "CSV files (*.csv)", "diagnostics": "CSV files (*.csv)",
                  "weights": "NumPy archives (*.npz)", "report": "JSON reports (*.json)"}[kind]
        default = {"history": "history.csv", "diagnostics": "diagnostics.csv", "weights": "weights.npz",
                   "report": "report.json"}[kind]
        path, _ = QFileDialog.getSaveFileName(self, f"Export {kind}", default, suffix)
        if path:
            self._guarded(lambda: self.export(kind, path))

    def export_view_dialog(self, key: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.views[key].title}", f"{key}.png",
                                              "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self._guarded(lambda: exports.export_view(self.views[key], path))

    @Slot()
    def show_shortcuts(self) -> None:
        dialogs.shortcuts_dialog(self, self.findChildren(QAction)).exec()

    # -- closing ---------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self.store.save_window(self)
        if self.session is not None:
            self.store.save_config(self.session.config)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop timers and the worker; safe to call more than once."""
        self.redraw_timer.stop()
        self.status_timer.stop()
        self.stop_worker()
