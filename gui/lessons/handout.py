"""The Lessons menu's authoring entries: Save as lesson…, Export lesson bundle…, Import lesson bundle….

Save as lesson opens the editor (gui/lessons/editor.py) on the window's state;
the lesson is written to the user lesson folder by default, then the lesson list
is reloaded and the new lesson opened. A bundle (engine/lessonbundle.py) is one
``.alab-lessons.json`` file holding several lessons, for a teacher to hand out;
importing one writes its lessons into the user lesson folder (a name already taken
gets a suffix) and refuses a malformed bundle whole, naming the entry and the rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QFileDialog

from engine import lessonbundle
from engine.config import ConfigError
from engine.lessons import LessonError

from .. import dialogs
from ..actions import tool_action
from ..holds import lesson_controls
from . import library
from .editor import LessonEditor

if TYPE_CHECKING:
    from ..classroom import Classroom
    from ..main_window import MainWindow

__all__ = ["BUNDLE_FILTER", "LessonAuthoring", "user_lesson_folder"]

BUNDLE_FILTER = f"Activation Lab lesson bundles (*{lessonbundle.SUFFIX});;JSON files (*.json)"
NOTE_MS = 8000


def user_lesson_folder(window: object | None = None) -> Path:
    """Where the teacher's own lessons live: the window's user lesson folder, else the
    one library.py names (ACTIVATION_LAB_LESSON_FOLDER, else the platform's app data)."""
    own = getattr(window, "user_lesson_folder", None)
    if callable(own):
        return Path(own())
    if own is not None:
        return Path(own)
    return library.user_folder()


class LessonAuthoring(QObject):
    """The three entries and what they do; ``editor`` is the open lesson editor, if any."""

    def __init__(self, window: MainWindow, classroom: Classroom):
        super().__init__(window)
        self.window = window
        self.classroom = classroom
        self.editor: LessonEditor | None = None
        self.save_as_action = tool_action(self.window, "Save as &lesson…", "saveAsLessonAction", self.save_as_lesson,
                                           "Write the current settings, open views and locks as a lesson of steps")
        self.export_action = tool_action(self.window, "&Export lesson bundle…", "exportLessonBundleAction",
                                          self.export_bundle_dialog,
                                          "Put several lesson files into one file to hand out")
        self.import_action = tool_action(self.window, "&Import lesson bundle…", "importLessonBundleAction",
                                          self.import_bundle_dialog,
                                          "Add the lessons of a bundle file to your lesson folder")
        self.actions = [self.save_as_action, self.export_action, self.import_action]


    def folder(self) -> Path:
        return user_lesson_folder(self.window)

    def _note(self, text: str) -> None:
        self.window.statusBar().showMessage(text, NOTE_MS)

    # -- Save as lesson -------------------------------------------------------------------
    @Slot()
    def save_as_lesson(self) -> LessonEditor | None:
        """Open the editor on the current configuration, open views and lock set (not modal)."""
        window = self.window
        try:
            config = window.current_config()
        except (ConfigError, ValueError) as err:
            dialogs.warn(window, "Save as lesson", f"The current settings are not a valid configuration: {err}")
            return None
        if self.editor is not None:
            self.editor.close()
        views = {key: view.title for key, view in window.views.items()}
        open_views = [key for key, dock in window.docks.items() if dock.isVisible()]
        locked, hidden = self.classroom.snapshot()
        editor = LessonEditor(config, views, open_views, lesson_controls(window), locked, hidden,
                              self.classroom.teacher, self.folder(), window.current_config, window)
        editor.saved.connect(self._saved)
        editor.finished.connect(self._editor_closed)
        self.editor = editor
        editor.show()
        return editor

    @Slot(int)
    def _editor_closed(self, _result: int) -> None:
        editor, self.editor = self.editor, None
        if editor is not None:
            editor.deleteLater()

    @Slot(str)
    def _saved(self, path: str) -> None:
        """A lesson was written: the lesson list knows it, and it is the lesson in use."""
        self._note(f"Lesson saved: {path}")
        self._reload()
        opener = getattr(self.window, "open_lesson_file", None)
        if callable(opener):
            opener(path)

    def _reload(self) -> None:
        reload = getattr(self.window, "reload_lessons", None)
        if callable(reload):
            reload()

    # -- bundles -----------------------------------------------------------------------
    @Slot()
    def export_bundle_dialog(self) -> None:
        """Choose lesson files, then the bundle's name; write it."""
        folder = self.folder()
        paths, _ = QFileDialog.getOpenFileNames(self.window, "Choose the lessons to hand out", str(folder),
                                                "Lesson files (*.json)")
        if not paths:
            return
        target = dialogs.ask_save_path(self.window, "Save the lesson bundle",
                                       str(folder / f"lessons{lessonbundle.SUFFIX}"), BUNDLE_FILTER)
        if target:
            self.export_bundle(paths, target)

    def export_bundle(self, paths: list[str], target: str) -> bool:
        """Write the lessons at ``paths`` as one bundle at ``target`` (a suffix added if missing)."""
        if not target.lower().endswith(".json"):
            target += lessonbundle.SUFFIX
        try:
            lessonbundle.write_bundle(lessonbundle.entries_from_files(paths), target)
        except (OSError, ValueError) as err:
            dialogs.warn(self.window, "Export lesson bundle", f"The bundle was not written: {err}")
            return False
        self._note(f"{len(paths)} lesson(s) written to {target}")
        return True

    @Slot()
    def import_bundle_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Import a lesson bundle", "", BUNDLE_FILTER)
        if path:
            self.import_bundle(path)

    def import_bundle(self, path: str) -> list[Path]:
        """Add the bundle's lessons to the user lesson folder; a malformed bundle is refused whole."""
        try:
            done = lessonbundle.import_bundle(path, self.folder())
        except (LessonError, OSError, ValueError) as err:
            dialogs.warn(self.window, "Import lesson bundle", f"The bundle was not imported: {err}")
            return []
        new = [target for target, same in done if not same]
        kept = len(done) - len(new)
        note = f"{len(new)} lesson(s) added to {self.folder()}"
        if kept:
            note += f"; {kept} already there"
        self._note(note)
        self._reload()
        return [target for target, _ in done]

