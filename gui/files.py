"""The File menu's work: new, open, save, recent files, lessons and every export.

A mixin of MainWindow (it uses the window's panels, controller, views and
store). Everything that can fail on disk goes through ``_guarded``: one dialog
naming the problem, never a traceback; what an export reads of the session is
read between training steps, through the controller.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot

from engine import config as cfgmod
from engine.config import Config, ConfigError
from engine.datasets import DataError
from engine.session import Session

from . import dialogs, exports
from .menus import fill_recent

if TYPE_CHECKING:
    from engine.snapshot import Snapshot

    from .lessons import Lesson

BOUNDARY_RESOLUTION = 150

DEFAULT_CONFIG = {
    "data": {"name": "moons", "n_samples": 300, "noise": 0.2, "val_fraction": 0.2, "seed": 0},
    "model": {"hidden": [8, 8], "activation": "tanh", "init": "xavier", "bias_init": "zeros", "output": "softmax"},
    "train": {"optimizer": "adam", "lr": 0.03, "epochs": 300, "batch_size": 32, "loss_reduction": "mean", "seed": 0},
}


class FileWork:
    """File ▸ New / Open / Save / Open recent / Export, and Lessons ▸ (mixed into MainWindow)."""

    @Slot()
    def new_config(self) -> None:
        self.config_path = None
        self.lesson_view.show_lesson(None)
        self.apply_config(Config.from_dict(DEFAULT_CONFIG))

    def open_config(self, path: str) -> bool:
        """Load a configuration file; a bad one is reported by field and leaves the work untouched.

        The data and the combination must work too (a CSV file, the memory budget): the
        session is built now, or in the builder's thread when that takes a while (True
        then means "accepted"; the file is shown once it is built, or refused in a dialog)."""

        def refuse(err: object) -> None:
            dialogs.warn(self, "Not a valid configuration",
                         f"{Path(path).name} was not opened:\n\n{err}\n\nYour current work is unchanged.")

        def opened(session: Session, first: Snapshot | None = None) -> None:
            self.config_path = path
            self.lesson_view.show_lesson(None)
            self._set_panels(config)
            self._adopt(session, first)
            fill_recent(self, self.store.add_recent(path))

        try:
            config = cfgmod.load(path)
        except (ConfigError, DataError, ValueError) as err:
            refuse(err)
            return False
        return self.builds.build(config, opened, refuse)

    def build_and_show(self, config: Config, refuse: Callable[[str], object],
                       prepare: Callable[[Session], object] | None = None,
                       done: Callable[[], object] | None = None) -> bool:
        """Build a session for ``config`` (now, or in the builder's thread) and show it, its
        settings in the panels; the current work stays until then, and stays for good if it
        fails (``refuse(message)`` hears why). ``prepare(session)`` runs on the new session
        before it is shown and may refuse it with a ValueError; ``done()`` follows the showing."""

        def accepted(session: Session, first: Snapshot | None = None) -> None:
            if prepare is not None:
                try:
                    prepare(session)
                except ValueError as err:
                    refuse(str(err))
                    return
                first = None  # the builder's first picture shows the session before prepare
            self.config_path = None
            self._set_panels(config)
            self._adopt(session, first)
            if done is not None:
                done()

        return self.builds.build(config, accepted, lambda message: refuse(str(message)))

    @Slot()
    def open_config_dialog(self) -> None:
        path = dialogs.ask_open_path(self, "Open a configuration", "Configurations (*.json)")
        if path:
            self.open_config(path)

    def save_config(self, path: str) -> None:
        cfgmod.save(self.session.config, path)
        self.config_path = path
        fill_recent(self, self.store.add_recent(path))
        self.statusBar().showMessage(f"Saved {path}", 4000)

    @Slot()
    def save_config_dialog(self) -> None:
        path = dialogs.ask_save_path(self, "Save the configuration", self.config_path or "activation-lab.json",
                                     "Configurations (*.json)")
        if path:
            self._guarded(lambda: self.save_config(path))

    def open_lesson(self, lesson: Lesson) -> bool:
        """Open a lesson at its first step: its configuration built and shown (if it cannot be, a
        dialog says why and the current work stays), no ghost of what was drawn before, its locks
        applied and its steps in the lesson panel. True when accepted (built now, or being built)."""

        def refuse(message: str) -> None:
            dialogs.warn(self, "Lesson not opened", f"“{lesson.title}” was not opened:\n\n{message}\n\n"
                                                    "Your current work is unchanged.")

        def done() -> None:
            self._restart_views(keep_ghost=False)  # a new lesson's axes show only its own runs:
            if self.pins.hide_all():  # earlier pins stay pinned, hidden until clicked
                self.statusBar().showMessage("Pinned runs from before this lesson are hidden: click a name in "
                                             "a legend to show it again", 6000)
            self.lesson_view.show_lesson(lesson)

        return self.build_and_show(lesson.config, refuse, done=done)

    def open_lesson_file(self, path: str | Path) -> bool:
        """Open a lesson file from anywhere; a malformed one is named (file, field, rule) in a
        dialog and nothing changes. True when the lesson is opened (or being built)."""
        return self.lesson_library.open_file(path)

    @Slot()
    def reload_lessons(self) -> None:
        """Read the prepared and the user's lessons again and rebuild the Lessons menu's lists."""
        self.lesson_library.reload()

    # -- exports -----------------------------------------------------------------------
    def _guarded(self, work: Callable[[], object]) -> bool:
        """Run a file operation; report a failure in one dialog, never a traceback."""
        try:
            work()
            return True
        except (OSError, ValueError) as err:
            dialogs.warn(self, "Could not save", str(err))
            return False

    def export(self, kind: str, path: str) -> None:
        """Write one of ``exports.EXPORTS``; what it reads of the session is read between steps."""
        entry = exports.get(kind)
        if entry.source == "session":
            data = self.controller.call(entry.gather)
        else:
            data = entry.gather(self.views[entry.source])
        entry.write(data, path)
        self.statusBar().showMessage(f"Exported {path}", 4000)

    def export_dialog(self, kind: str) -> None:
        entry = exports.get(kind)
        path = dialogs.ask_save_path(self, f"Export {kind}", entry.default_name, entry.file_filter)
        if path:
            self._guarded(lambda: self.export(kind, path))

    def export_view(self, key: str, path: str) -> None:
        """A view as PNG or SVG. A hidden boundary view has not been kept up to date (no one
        saw it): its boundary is computed now, between steps, before it is saved."""
        view = self.views[key]
        if view.needs_boundary and not view.isVisible() and self.session is not None:
            view.update_snapshot(self.controller.take_snapshot(False, BOUNDARY_RESOLUTION))
        exports.export_view(view, path)

    def export_view_dialog(self, key: str) -> None:
        path = dialogs.ask_save_path(self, f"Export {self.views[key].title}", f"{key}.png",
                                     "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self._guarded(lambda: self.export_view(key, path))
