"""The main window: it assembles the panels, the views in their docks, the actions and
the menus, and draws the latest snapshot on one redraw timer.

Training belongs to the TrainingController (gui/controller.py): it owns the
session and the worker, and everything that reads the network (an export, the
first picture of a new session) runs through it, between training steps. Every
snapshot it announces replaces the previous one; a ~30 fps timer draws the
latest to the views that are visible, and a slower timer updates the status bar.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSignalBlocker, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QMainWindow

from engine import budget
from engine.config import Config, ConfigError
from engine.datasets import DataError
from engine.session import Session

from . import dialogs
from .actions import build_actions, install_keyboard, show_playing
from .builder import WindowBuilds
from .classroom import Classroom
from .controller import TrainingController
from .docks import DockLayout, build_controls_dock, fit_to_screen, place_first
from .files import BOUNDARY_RESOLUTION, DEFAULT_CONFIG, FileWork
from .grid import GridTool
from .lessons import LessonLibrary, LessonPanel, load_lessons
from .menus import DEFAULT_SPEED, SPEEDS, build_menus, build_transport_bar, fill_recent, speed_text
from .panels import DataPanel, NetworkPanel, TrainingPanel
from .persistence import Store
from .pins import PinnedRuns
from .plots import VIEWS
from .plots.style import setup_pyqtgraph
from .seeds import SeedRuns
from .status import StatusBar, error_line
from .theme import is_dark

if TYPE_CHECKING:
    from engine.datasets import Split
    from engine.snapshot import Snapshot

    from .worker import WorkerHandle

log = logging.getLogger(__name__)

REDRAW_MS = 15  # looks for a new snapshot this often: one is drawn soon after it comes (~30 a second)
STATUS_MS = 250
SKIPPED_NOTE_MS = 10_000  # how long the start's note on skipped lesson files stays
SEED_NOTE_MS = 4_000  # how long "New weights from seed …" stays in the status bar
#: how long a stop (a rebuild, a close) waits for the loop to end before leaving a long step
#: to finish on its own in the background: the window never freezes longer than this
STOP_WAIT_MS = 100

class MainWindow(FileWork, QMainWindow):
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
        self.controller = TrainingController(self, stop_timeout_ms=STOP_WAIT_MS)
        self.latest = None  # the newest snapshot not yet drawn
        self.shown = None  # the newest snapshot drawn
        self.frames_drawn = 0

        self.data_panel = DataPanel()
        self.network_panel = NetworkPanel()
        self.training_panel = TrainingPanel()
        self.error_label = error_line()
        self.controls_dock, self.controls_scroll = build_controls_dock(
            self, (self.error_label, self.data_panel, self.network_panel, self.training_panel))
        self.views = {key: cls() for key, cls in VIEWS.items()}
        self.dock_layout = DockLayout(self, self.views, [self.controls_dock])
        self.dock_layout.place()
        self.docks = {key: self.dock_layout.docks[key] for key in self.views}
        for dock in self.docks.values():  # a view hidden (closed, or behind a tab) costs nothing from now on
            dock.visibilityChanged.connect(self._views_shown_changed)
        self.lesson_view = LessonPanel(self)  # the lesson's steps: a strip of its own under the views, covering none
        self.lesson_dock = self.lesson_view.dock
        build_actions(self)
        build_transport_bar(self)
        self.lessons = load_lessons()  # the files skipped are listed in the Lessons menu
        build_menus(self)
        # the comparison tools (each adds its entries to self.compare_menu):
        self.pins = PinnedRuns.install(self)
        self.seeds = SeedRuns.install(self)
        self.grid = GridTool.install(self)
        self.lesson_library = LessonLibrary.install(self)  # the Lessons menu's lists: prepared, yours, recent
        self.classroom = Classroom.install(self)
        if self.lessons.skipped:
            self.statusBar().showMessage(self.lessons.skipped_note(), SKIPPED_NOTE_MS)
        fill_recent(self, self.store.recent_files())
        self.keyboard = install_keyboard(self)  # shortcuts or typing: the rule in gui/actions.py
        self.status = StatusBar(self)
        self.status_label, self.rate_label = self.status.label, self.status.rate
        self.builds = WindowBuilds(self, BOUNDARY_RESOLUTION)  # sessions built now, or off this thread
        self._play_when_built = False  # Play was pressed while a session was being built

        self.data_panel.changed.connect(self.rebuild)
        self.network_panel.changed.connect(self.rebuild)
        self.training_panel.changed.connect(self.rebuild)
        self.training_panel.lr_changed.connect(self.set_lr)
        for panel in (self.data_panel, self.network_panel, self.training_panel):
            panel.rejected.connect(self._refused)
        self.full_speed_action.setCheckable(True)
        self._slow_speed_pos = SPEEDS.index(DEFAULT_SPEED)  # where Full speed pressed again goes back to
        known, speed = self.store.speed(SPEEDS)  # the speed chosen last time, if any
        if known:
            self.speed_slider.setValue(SPEEDS.index(speed))
        self.speed_slider.valueChanged.connect(self._speed_changed)
        self._speed_changed(self.speed_slider.value(), save=False)
        c = self.controller
        c.snapshot.connect(self.on_snapshot)
        c.playingChanged.connect(self._show_playing)
        c.paused.connect(self.update_status)
        c.restarted.connect(self._on_restarted)
        c.failed.connect(self.on_failed)

        self.redraw_timer = self._timer(REDRAW_MS, self.redraw)
        self.status_timer = self._timer(STATUS_MS, self.update_status)

        place_first(self)  # the first start fits the screen it opens on (a saved geometry then wins)
        self._default_state = self.saveState()  # View > Reset layout returns here
        self._sizes_pending = not self.store.restore_window(self)
        self._placed_size = self.size()  # shown at this size, the window is fitted to its screen once framed
        config = config or self.store.last_config() or Config.from_dict(DEFAULT_CONFIG)
        if defer_data:
            self._set_panels(config)
            self.status_label.setText("Preparing the data set …")
            self._deferred_config = config  # built after the first paint (see event)
            QTimer.singleShot(500, self._build_deferred)  # or now, if nothing paints
        else:
            self.apply_config(config)

    def _timer(self, ms: int, slot: Callable[[], object]) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        timer.start()
        return timer

    # -- the controller's state, as the window's -------------------------------------
    @property
    def session(self) -> Session | None:
        return self.controller.session

    @property
    def handle(self) -> WorkerHandle | None:
        """The live training worker's handle (None when no run is going)."""
        return self.controller.handle

    def is_training(self) -> bool:
        return self.controller.is_training()

    # -- layout ------------------------------------------------------------------------
    def _build_deferred(self) -> None:
        config, self._deferred_config = self._deferred_config, None
        if config is not None:
            self.rebuild(config)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.UpdateRequest:  # the window has just been painted
            if self.first_paint_callback is not None:
                callback, self.first_paint_callback = self.first_paint_callback, None
                callback()
            if self._deferred_config is not None:
                QTimer.singleShot(0, self._build_deferred)
        return handled

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous() and self.size() == self._placed_size:  # as placed (not resized since):
            QTimer.singleShot(0, self, lambda: fit_to_screen(self))  # once framed, all of it on its screen
        if self._sizes_pending:  # first start (nothing saved): once the window has its size
            self._sizes_pending = False
            QTimer.singleShot(0, self.dock_layout.default_sizes)

    @Slot()
    def reset_layout(self) -> None:
        self.dock_layout.reset(self._default_state)

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

    @Slot(str)
    def _refused(self, message: str) -> None:
        """A typed value broke its rule: the box kept its value, and this says why."""
        self._show_error(f"{message}. The box keeps its previous value.")

    @Slot()
    def rebuild(self, config: Config | None = None) -> None:
        """Stop the run and build a new session, from ``config`` or else from the panels
        (the old curves stay as a ghost).

        A configuration over the memory budget (engine/budget.py) is refused at once,
        naming the setting and the estimate. A quick build happens now; a longer one in
        the builder's thread (gui/builder.py) while the old run waits, paused, and the
        window stays responsive: ``session`` changes, and ``sessionReady`` is emitted,
        when it is done. A newer request wins over one still being built."""
        try:
            config = config if isinstance(config, Config) else self.current_config()
        except (ConfigError, DataError, ValueError) as err:
            self._build_failed(str(err))
            return
        if self.builds.build(config, self._adopt, self._build_failed) and self.builds.busy:
            self.controller.pause()  # the old run and its curves wait for the new session

    def _build_failed(self, message: str) -> None:
        """A refused or failed build: the current session stays, and the error line says why."""
        if self._play_when_built:
            self._play_when_built = False
            show_playing(self.play_action, self.controller.is_training())
        if self.session is None:
            # nothing to fall back on (the start, e.g. a saved CSV that has since moved):
            # start from the defaults and say why
            log.warning("could not build the starting configuration: %s", message)
            self.apply_config(Config.from_dict(DEFAULT_CONFIG))
            self._show_error(f"{message}. Started from the default settings instead.")
            return
        self._show_error(f"{message}. The previous settings are still in use.")

    def _adopt(self, session: Session, first: Snapshot | None = None) -> None:
        """Show a new session's data and network and hand it to the controller (``first``:
        its first snapshot when the builder took it already)."""
        self._show_error(None)
        self.data_panel.set_feature_names(session.dataset.feature_names)  # 2-D sets too: no stale Plane row
        self.network_panel.set_summary(session.network.summary())
        self.controller.set_boundary_resolution(self._boundary_resolution())
        try:
            self.controller.set_session(session, first)  # stops the old run, announces the first picture
        except MemoryError:  # past the estimate: the first picture did not fit
            self._show_error(budget.out_of_memory(session.config, session.dataset, BOUNDARY_RESOLUTION))
            return
        self._restart_views(keep_ghost=True, context=(session.config, session.split))
        self.builds.show_step_warning(session)
        if self._play_when_built:
            self._play_when_built = False
            self.controller.play()
        self.update_status()
        self.sessionReady.emit()

    def _restart_views(self, keep_ghost: bool, context: tuple[Config, Split] | None = None) -> None:
        for view in self.views.values():
            view.reset(keep_ghost=keep_ghost)
            if context is not None:
                view.set_context(*context)
        self.shown = None

    @Slot(bool)
    def _views_shown_changed(self, _visible: bool = False) -> None:
        self.controller.set_boundary_resolution(self._boundary_resolution())

    def _boundary_resolution(self) -> int | None:
        """Boundaries are computed only while a view that draws one can be seen."""
        seen = not self.isVisible() or any(view.needs_boundary and self.docks[key].isVisible()
                                           for key, view in self.views.items())
        return BOUNDARY_RESOLUTION if seen else None

    # -- transport ------------------------------------------------------------------
    @Slot()
    def play_pause(self) -> None:
        """Play or pause. Pressed while a new session is being built (in the builder's
        thread), it means "play the new one as soon as it is there" (pressed again: don't)."""
        if self.session is None:
            self._build_deferred()  # Play pressed while the first data set is still on its way
        if self.builds.busy:
            self._play_when_built = not self._play_when_built
            show_playing(self.play_action, self._play_when_built)
            return
        if self.session is not None:
            self.controller.toggle()

    @Slot()
    def step_epoch(self) -> None:
        self.controller.step_epoch()

    @Slot()
    def reset_run(self) -> None:
        if self.session is not None:
            self._restart_views(keep_ghost=False)
            self.controller.reset()

    @Slot()
    def reinitialize(self) -> None:
        if self.session is None:
            return
        seed = random.SystemRandom().randrange(1, 1_000_000)
        self._restart_views(keep_ghost=True)
        self.controller.reinitialize(seed)
        with QSignalBlocker(self.training_panel.seed):  # shown, not a new configuration
            self.training_panel.seed.setValue(seed)
        # the seed is the run's (saved with the configuration and in the report): say which
        self.statusBar().showMessage(f"New weights from seed {seed} (train.seed; Reset returns to them)",
                                     SEED_NOTE_MS)

    @Slot(float)
    def set_lr(self, lr: float) -> None:
        self.controller.set_lr(lr)

    def _speed_changed(self, pos: int, save: bool = True) -> None:
        speed = SPEEDS[pos]
        self.speed_label.setText(speed_text(speed))
        self.controller.set_speed(speed)
        if speed is not None:
            self._slow_speed_pos = pos
        self.full_speed_action.setChecked(speed is None)
        if save:
            self.store.save_speed(speed)  # remembered for the next start

    @Slot()
    def toggle_full_speed(self) -> None:
        """Full speed, or (at full speed) back to the speed chosen before."""
        full = len(SPEEDS) - 1
        self.speed_slider.setValue(self._slow_speed_pos if self.speed_slider.value() == full else full)
        self.full_speed_action.setChecked(SPEEDS[self.speed_slider.value()] is None)

    # -- the controller's news -----------------------------------------------------------
    @Slot(bool)
    def _show_playing(self, playing: bool) -> None:
        show_playing(self.play_action, playing)

    @Slot(object)
    def on_snapshot(self, snap: Snapshot) -> None:
        self.latest = snap

    @Slot()
    def _on_restarted(self) -> None:
        self._restart_views(keep_ghost=True)

    @Slot(str)
    def on_failed(self, message: str) -> None:
        dialogs.warn(self, "Training stopped", f"Training stopped because of an error:\n\n{message}")

    # -- drawing ----------------------------------------------------------------------
    @Slot()
    def redraw(self) -> None:
        snap = self.latest
        if snap is None or snap is self.shown:
            return  # (the boundary's resolution follows the docks' visibility: _views_shown_changed)
        for view in self.views.values():
            if view.isVisible() or not self.isVisible():
                view.update_snapshot(snap)
        self.shown = snap
        self.frames_drawn += 1

    @Slot()
    def update_status(self) -> None:
        session = self.session
        plan = (session.config.train.epochs, session.steps_per_epoch) if session is not None else None
        self.status.show(self.shown or self.latest, self.controller.phase, stopping=bool(self.controller.parked()),
                         plan=plan)

    # -- help --------------------------------------------------------------------------
    @Slot()
    def show_shortcuts(self) -> None:
        dialogs.shortcuts_dialog(self, self.findChildren(QAction)).exec()

    @Slot()
    def show_about(self) -> None:
        dialogs.about_dialog(self).exec()

    # -- closing ---------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.store.save_on_close(self, self.session.config if self.session is not None else None)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop timers, the session builder and the worker; safe to call more than once."""
        self.redraw_timer.stop()
        self.status_timer.stop()
        if getattr(self, "seeds", None) is not None:  # the seed runs' thread and worker processes
            self.seeds.shutdown()
        if getattr(self, "grid", None) is not None:  # a running experiment grid and its window
            self.grid.shutdown()
        self.builds.shutdown()
        self.controller.shutdown()
