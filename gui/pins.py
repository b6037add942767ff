"""Pinned runs: keep a run beside the live one, bring it back, save them with the session.

``PinnedRuns`` is the window's list of pinned runs (``window.pins``) and the
Compare-menu entries that work on it: Pin this run (P), Restore ▸, Remove ▸,
Remove all, Export as CSV; and File ▸ Open session… / Save session…. A pin is a
snapshot of the run as it is when pinned (engine/pins.py: its configuration, its
curves so far, its initial weights); it does not follow the live run afterwards.
The session file is engine/sessionfile.py's. Every view with a ``set_pins(runs)``
method is told when the list changes, and draws the pins once, then; pins
outlive rebuilds, lessons and resets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPixmap

from engine import pins as engine_pins
from engine import sessionfile
from engine.config import ConfigError
from engine.pins import MAX_PINS, PinnedRun

from . import dialogs
from .actions import tool_action
from .plaintext import auto_text, menu_text
from .plots.pinned import pin_colour

if TYPE_CHECKING:
    from engine.config import Config
    from engine.session import Session

    from .main_window import MainWindow

__all__ = ["PinnedRuns"]

SESSION_FILTER = "Activation Lab sessions (*.alab.json);;JSON files (*.json)"
NOTE_MS = 5000
PIN_TIP = ("Keep this run as it is now (its curves so far and its initial weights) and draw it beside the "
           "live run; it is a snapshot and does not follow the run afterwards. At most "
           f"{MAX_PINS}: a further pin replaces the oldest.")


class PinnedRuns(QObject):
    """The pinned runs (oldest first) and the menu entries that pin, restore, remove, save and
    export them; ``changed`` is emitted after every change of the list."""

    changed = Signal()

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.runs: list[PinnedRun] = []

    @classmethod
    def install(cls, window: MainWindow) -> PinnedRuns:
        """Create the pins of ``window``: Compare-menu and File-menu entries, and the views' overlays."""
        self = cls(window)
        menu = window.compare_menu
        menu.setToolTipsVisible(True)
        self.pin_action = tool_action(window, "Pin this run", "pinAction", self.pin, PIN_TIP, "P")
        menu.addAction(self.pin_action)
        self.restore_menu = menu.addMenu("Restore pinned run")
        self.restore_menu.setObjectName("restorePinMenu")
        self.remove_menu = menu.addMenu("Remove pinned run")
        self.remove_menu.setObjectName("removePinMenu")
        self.clear_action = tool_action(window, "Remove all pinned runs", "clearPinsAction", self.clear,
                                        "Forget every pinned run")
        menu.addAction(self.clear_action)
        self.export_action = tool_action(window, "Export pinned runs as CSV…", "exportPinsAction",
                                         self.export_csv_dialog,
                                         "One row per pinned run and epoch: its name, settings and curves")
        menu.addAction(self.export_action)
        menu.addSeparator()
        self.open_session_action = tool_action(window, "Open session…", "openSessionAction", self.open_session_dialog,
                                               "Open a session file: its configuration and its pinned runs")
        self.save_session_action = tool_action(window, "Save session…", "saveSessionAction", self.save_session_dialog,
                                               "Save the configuration and every pinned run in one file")
        # in the File menu, after Save configuration…
        file_menu = window.recent_menu.menuAction().associatedObjects()[0]
        file_menu.insertActions(window.recent_menu.menuAction(), [self.open_session_action, self.save_session_action])
        self.changed.connect(self._refresh)
        histograms, gradients = window.views.get("activations"), window.views.get("gradients")
        if histograms is not None and gradients is not None:  # the gradient histogram follows "Compare with:"
            histograms.compareChanged.connect(gradients.set_compare)
        self._refresh()
        return self


    # -- the list --------------------------------------------------------------------
    def add(self, run: PinnedRun) -> PinnedRun | None:
        """Pin ``run``; past MAX_PINS the oldest pin goes, and is returned."""
        dropped = None
        if len(self.runs) >= MAX_PINS:
            dropped = self.runs.pop(0)
        self.runs.append(run)
        self.changed.emit()
        return dropped

    def remove(self, run: PinnedRun) -> None:
        if run in self.runs:
            self.runs.remove(run)
            self.changed.emit()

    @Slot()
    def clear(self) -> None:
        if self.runs:
            self.runs = []
            self.changed.emit()

    def replace(self, runs: list[PinnedRun]) -> None:
        self.runs = list(runs)[-MAX_PINS:]
        self.changed.emit()

    def make_pin(self, config: Config, history: object, initial: list) -> PinnedRun:
        """A pin of a run with this configuration, named after what sets it apart from the pins."""
        name = engine_pins.run_name(config, [p.config for p in self.runs], {p.name for p in self.runs})
        kept = self.runs[1:] if len(self.runs) >= MAX_PINS else self.runs  # the oldest gives way
        colour = engine_pins.free_colour({p.colour for p in kept})
        return PinnedRun(name, config, colour, engine_pins.copy_history(history), tuple(initial))

    @Slot()
    def pin(self) -> PinnedRun | None:
        """Pin the live run as it is now (read between two training steps); None if it has no epoch yet."""
        window = self.window
        if window.session is None:
            return None
        try:
            config, history, initial = window.controller.call(
                lambda s: (s.config, s.history(), s.initial_weights()))
        except TimeoutError as err:
            window.statusBar().showMessage(f"Not pinned: {err}", NOTE_MS)
            return None
        if not len(history.epochs):
            window.statusBar().showMessage("Nothing to pin yet: train at least one epoch first.", NOTE_MS)
            return None
        run = self.make_pin(config, history, initial)
        dropped = self.add(run)
        note = f"Pinned “{run.name}” at epoch {run.epochs}"
        if dropped is not None:
            note += f"; at most {MAX_PINS} pins: the oldest, “{dropped.name}”, was removed"
        window.statusBar().showMessage(note, NOTE_MS)
        return run

    def add_run(self, config: Config, history: dict, name: str | None = None) -> PinnedRun:
        """Pin a run trained elsewhere (a cell of the experiment grid): ``history`` holds the
        per-epoch curves ``sweep.run_one(curves=True)`` hands back. Its initial weights are
        those ``config`` and its seed draw (a fresh session's, as the grid's run had); what the
        grid does not keep (activation spread, saturated and dead shares) is NaN.
        ``name`` is used as given, else made like any pin's; the status bar says what was pinned."""
        from engine.session import Session
        from engine.snapshot import History

        initial = Session(config).initial_weights()
        grads = np.asarray(history["grad_mean_abs"], dtype=float)
        missing = np.full_like(grads, np.nan)
        curves = History(np.asarray(history["epochs"]), *(np.asarray(history[k], dtype=float)
                                                           for k in engine_pins.SCALARS),
                         grads, missing, missing.copy(), missing.copy())
        run = self.make_pin(config, curves, initial)
        if name:
            run = dataclasses.replace(run, name=name)
        dropped = self.add(run)
        if dropped is not None:
            self.window.statusBar().showMessage(
                f"At most {MAX_PINS} pins: the oldest, “{dropped.name}”, was removed", NOTE_MS)
        return run

    def hide_all(self) -> int:
        """Hide every pin in every view (a new lesson's axes show only its own runs); they stay
        pinned and a click on a name in a legend shows one again. The number hidden."""
        hidden = 0
        for view in self.window.views.values():
            overlay = getattr(view, "pins", None)
            if overlay is None:
                continue
            for run in overlay.runs():
                if overlay.is_visible(run):
                    overlay.set_visible(run, False)
                    hidden += 1
        return hidden

    # -- bringing one back -----------------------------------------------------------
    def restore(self, run: PinnedRun) -> bool:
        """Put the pin's configuration in the panels and start a session from its very initial
        weights (set on the new session before it is shown, so it is exact whatever the seed
        would draw). False, with a dialog, when it cannot be built; the current work stays."""
        window = self.window

        def prepare(session: Session) -> None:
            session.set_initial_weights([(W.copy(), b.copy()) for W, b in run.initial])

        def refuse(message: str) -> None:
            dialogs.warn(window, "Could not restore the pinned run",
                         f"“{run.name}” was not restored:\n\n{message}\n\nYour current work is unchanged.")

        def done() -> None:
            window.statusBar().showMessage(f"Restored “{run.name}”: press Play to train it again", NOTE_MS)

        return window.build_and_show(run.config, refuse, prepare, done)

    # -- files -----------------------------------------------------------------------
    def save_session(self, path: str) -> None:
        """The configuration and every pin in one JSON file, atomically (engine/pins.py)."""
        window = self.window
        config = window.session.config if window.session is not None else window.current_config()
        sessionfile.save_session(path, config, self.runs)
        window.statusBar().showMessage(f"Saved the session in {path}", NOTE_MS)

    def open_session(self, path: str) -> bool:
        """Read a session file; once its configuration is built, it and its pins replace the
        current ones. A bad file is refused by field, in one dialog, and changes nothing."""
        window = self.window

        def refuse(message: object) -> None:
            dialogs.warn(window, "Not a valid session",
                         f"{Path(path).name} was not opened:\n\n{message}\n\nYour current work is unchanged.")

        try:
            config, runs = sessionfile.load_session(path)
        except (ConfigError, ValueError) as err:
            refuse(err)
            return False

        def done() -> None:
            self.replace(runs)
            window.statusBar().showMessage(f"Opened the session {Path(path).name}: {len(runs)} pinned runs", NOTE_MS)

        return window.build_and_show(config, refuse, done=done)

    def export_csv(self, path: str) -> None:
        engine_pins.write_csv(self.runs, path)
        self.window.statusBar().showMessage(f"Exported {path}", NOTE_MS)

    def _ask_and_write(self, title: str, default: str, file_filter: str, write: Callable[[str], object]) -> None:
        path = dialogs.ask_save_path(self.window, title, default, file_filter)
        if not path:
            return
        try:
            write(path)
        except (OSError, ValueError) as err:
            dialogs.warn(self.window, "Could not save", str(err))

    @Slot()
    def save_session_dialog(self) -> None:
        self._ask_and_write("Save the session", "session.alab.json", SESSION_FILTER, self.save_session)

    @Slot()
    def open_session_dialog(self) -> None:
        path = dialogs.ask_open_path(self.window, "Open a session", SESSION_FILTER)
        if path:
            self.open_session(path)

    @Slot()
    def export_csv_dialog(self) -> None:
        self._ask_and_write("Export the pinned runs", "pinned-runs.csv", "CSV files (*.csv)", self.export_csv)

    # -- showing them -----------------------------------------------------------------
    @Slot()
    def _refresh(self) -> None:
        """The menus list the pins; every view that draws pins gets the new list."""
        for menu, act in ((self.restore_menu, self.restore), (self.remove_menu, self.remove)):
            menu.clear()
            for run in self.runs:
                entry = menu.addAction(_swatch(run.colour), menu_text(run.name))
                entry.setToolTip(auto_text(f"{run.name} (epoch {run.epochs})"))  # shown as written
                entry.triggered.connect(lambda _=False, r=run, a=act: a(r))
            menu.setEnabled(bool(self.runs))
        for action in (self.clear_action, self.export_action):
            action.setEnabled(bool(self.runs))
        for view in self.window.views.values():
            if hasattr(view, "set_pins"):
                view.set_pins(self.runs)


def _swatch(colour: int) -> QIcon:
    """A small square of a pin's colour, for its menu entries."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(pin_colour(colour)))
    return QIcon(pixmap)
