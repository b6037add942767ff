"""Where lessons come from, and the Lessons menu's list of them.

Three places: the app's own folder (resources/lessons, "Prepared lessons"), the
user's lesson folder (the platform's app-data location + ``lessons``, created
when first needed; the environment variable ``ACTIVATION_LAB_LESSON_FOLDER``
names another, a lab's shared folder say), and any file (Lessons ▸ Open
lesson…). A user lesson with the file name of a prepared one stands in for it.
Recent lesson files are remembered (QSettings ``lessons/recent``). The menu's
lesson section is this module's own: it is rebuilt by ``reload`` (after a
lesson is saved, or on Reload lessons) and leaves the other entries alone.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, QTimer, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from .. import dialogs
from ..actions import tool_action
from ..plaintext import auto_text, menu_text
from .browser import Lesson, LessonLoad, load_lesson, load_lessons

if TYPE_CHECKING:
    from ..main_window import MainWindow

__all__ = ["ENV_FOLDER", "LESSON_FILTER", "LessonLibrary", "ensure_user_folder", "user_folder"]

log = logging.getLogger(__name__)

ENV_FOLDER = "ACTIVATION_LAB_LESSON_FOLDER"
LESSON_FILTER = "Activation Lab lessons (*.json);;All files (*)"
RECENT_KEY = "lessons/recent"
MAX_RECENT = 8
MENU_REASON_CHARS = 140  # a longer reason is cut in the menu (its tooltip has all of it)
NOTE_MS = 10_000


def user_folder() -> Path:
    """The user's lesson folder (it may not exist yet)."""
    named = os.environ.get(ENV_FOLDER, "").strip()
    if named:
        return Path(named).expanduser()
    return Path(QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)) / "lessons"


def ensure_user_folder() -> Path:
    """The user's lesson folder, created if need be (OSError if it cannot be)."""
    folder = user_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_url(url: QUrl) -> bool:
    """Hand a folder to the desktop's file manager (one place, so a test can stand in for it)."""
    return QDesktopServices.openUrl(url)


def _shown_path(path: Path) -> str:
    """A path as a menu shows it: the home folder as ~."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


class LessonLibrary(QObject):
    """The lessons the window knows (``window.lessons``: the prepared ones; ``user``: the user's)
    and the Lessons menu's section that lists them, with Open lesson…, the recent lessons and
    the user folder's entries."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.user = LessonLoad()
        self.menu: QMenu | None = getattr(window, "lessons_menu", None) or window.menuBar().findChild(QMenu,
                                                                                                      "lessonsMenu")
        self._owned: list[QAction] = []  # the section's entries, rebuilt by reload
        self.open_action = tool_action(self.window, "&Open lesson…", "openLessonAction", self.open_dialog,
                                        "Open a lesson file from anywhere (a colleague's, a download)")
        self.open_action.setShortcut(QKeySequence("Ctrl+L"))
        self.recent_menu = QMenu("Recent lessons")
        self.recent_menu.setObjectName("recentLessonsMenu")
        self.recent_menu.setToolTipsVisible(True)
        self.folder_action = tool_action(self.window, "Open lesson &folder", "openLessonFolderAction", self.open_folder,
                                          "Show your lesson folder in the file manager (it is created if need be)")
        self.reload_action = tool_action(self.window, "Reload lessons", "reloadLessonsAction", lambda: self.reload(),
                                          "Read the lesson folders again (after adding or editing lesson files)")


    @classmethod
    def install(cls, window: MainWindow) -> LessonLibrary:
        """The window's lesson library: its Lessons-menu section, ``window.user_lesson_folder``."""
        self = cls(window)
        window.user_lesson_folder = user_folder  # where Save as lesson writes (gui/lessons/handout.py)
        if self.menu is not None:
            self.menu.setToolTipsVisible(True)
            self._end = self.menu.addSeparator()  # the section ends here; entries after it are others'
            self.menu.aboutToShow.connect(self._fill_recent)
        self.reload(first=True)
        # the lesson strip after View ▸ Reset layout, and after the start's restored layout
        window.reset_layout_action.triggered.connect(window.lesson_view.relayout)
        QTimer.singleShot(0, window, window.lesson_view.relayout)
        return self

    # -- the lists -------------------------------------------------------------------------
    def reload(self, first: bool = False) -> None:
        """Read the prepared and the user's lessons again and rebuild the menu's section."""
        if not first:  # the window read the prepared ones as it started
            self.window.lessons = load_lessons()
        self.user = load_lessons(user_folder(), "user")
        self._fill_menu()
        if self.user.skipped or not first:
            note = LessonLoad(skipped=(*self.window.lessons.skipped, *self.user.skipped)).skipped_note()
            if note:
                self.window.statusBar().showMessage(note, NOTE_MS)

    def listed(self) -> list[Lesson]:
        """The lessons the menu lists: the prepared ones a user lesson does not stand in for, then the user's."""
        mine = {lesson.path.name for lesson in self.user}
        return [lesson for lesson in self.window.lessons if lesson.path.name not in mine] + list(self.user)

    def origin_of(self, path: Path) -> str:
        folder = path.resolve().parent
        if folder == user_folder().resolve():
            return "user"
        if self.window.lessons and folder == self.window.lessons[0].path.resolve().parent:
            return "shipped"
        return "file"

    # -- the menu -------------------------------------------------------------------------
    def _fill_menu(self) -> None:
        menu = self.menu
        if menu is None:
            return
        for action in self._owned:
            menu.removeAction(action)
            if action not in (self.open_action, self.folder_action, self.reload_action):
                action.deleteLater()
        self._owned = []
        add = self._insert
        add(self.open_action)
        add(self.recent_menu.menuAction())
        add(self._separator())
        mine = {lesson.path.name for lesson in self.user}
        add(self._heading("Prepared lessons"))
        for lesson in self.window.lessons:
            if lesson.path.name not in mine:
                add(self._lesson_entry(lesson))
        add(self._separator())
        add(self._heading("Your lessons"))
        for lesson in self.user:
            add(self._lesson_entry(lesson))
        if not len(self.user):
            add(self._note("None yet: Save as lesson…, or put lesson files in your folder"))
        folder = user_folder()
        where = self._note(f"Folder: {_shown_path(folder)}", str(folder))
        where.setObjectName("lessonFolderEntry")
        add(where)
        add(self.folder_action)
        add(self.reload_action)
        skipped = (*self.window.lessons.skipped, *self.user.skipped)
        if skipped:
            add(self._separator())
            sub = QMenu(f"Skipped lesson files ({len(skipped)})", menu)
            sub.setObjectName("skippedLessonsMenu")
            sub.setToolTipsVisible(True)
            for entry in skipped:
                cut = entry.reason if len(entry.reason) <= MENU_REASON_CHARS else entry.reason[:MENU_REASON_CHARS] + "…"
                action = sub.addAction(menu_text(cut))
                action.setEnabled(False)  # a note, not a command
                action.setToolTip(auto_text(entry.reason))
                action.setStatusTip(entry.reason)
            add(sub.menuAction())
        self._fill_recent()

    def _insert(self, action: QAction) -> None:
        self.menu.insertAction(self._end, action)
        self._owned.append(action)

    def _separator(self) -> QAction:
        action = QAction(self.menu)
        action.setSeparator(True)
        return action

    def _heading(self, text: str) -> QAction:
        action = QAction(text, self.menu)
        font = action.font()
        font.setBold(True)
        action.setFont(font)
        action.setEnabled(False)
        return action

    def _note(self, text: str, tip: str = "") -> QAction:
        action = QAction(menu_text(text), self.menu)
        action.setEnabled(False)
        if tip:
            action.setToolTip(auto_text(tip))
            action.setStatusTip(tip)
        return action

    def _lesson_entry(self, lesson: Lesson) -> QAction:
        action = QAction(menu_text(lesson.title), self.menu)
        steps = len(lesson.spec.steps)
        about = f"{steps} step{'s' if steps != 1 else ''}"
        if lesson.experiment is not None:
            about = f"Experiment {lesson.experiment}, {about}"
        tip = f"{about}: set up the network and show what to watch ({lesson.path.name})"
        action.setToolTip(auto_text(tip))
        action.setStatusTip(tip)
        action.triggered.connect(lambda _=False, chosen=lesson: self.window.open_lesson(chosen))
        return action

    @Slot()
    def _fill_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = self.recent()
        for path in files:
            action = menu.addAction(menu_text(Path(path).name))
            action.setToolTip(auto_text(path))
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_file(p))
        menu.setEnabled(bool(files))

    # -- recent lessons ----------------------------------------------------------------------
    def recent(self) -> list[str]:
        """The recent lesson files that still exist, newest first (anything else stored is ignored)."""
        value = self.window.store.settings.value(RECENT_KEY)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            if value is not None:
                log.warning("settings: ignoring %s (not a list of paths)", RECENT_KEY)
            return []
        return [p for p in value if isinstance(p, str) and p and os.path.isfile(p)][:MAX_RECENT]

    def add_recent(self, path: str | Path) -> list[str]:
        path = str(Path(path).resolve())
        files = ([path] + [p for p in self.recent() if p != path])[:MAX_RECENT]
        self.window.store.settings.setValue(RECENT_KEY, files)
        self._fill_recent()
        return files

    # -- opening -------------------------------------------------------------------------------
    def open_file(self, path: str | Path) -> bool:
        """Open the lesson file at ``path``. A malformed one is named in a dialog (the file, the
        field, the rule) and nothing changes; True when the lesson is opened (or being built)."""
        path = Path(path)
        try:
            lesson = load_lesson(path, self.origin_of(path))
        except (OSError, ValueError) as err:
            dialogs.warn(self.window, "Not a valid lesson",
                         f"{path.name} was not opened:\n\n{err}\n\nYour current work is unchanged.")
            return False
        if not self.window.open_lesson(lesson):
            return False
        self.add_recent(path)
        return True

    @Slot()
    def open_dialog(self) -> None:
        start = user_folder() if user_folder().is_dir() else Path.home()
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a lesson", str(start), LESSON_FILTER)
        if path:
            self.open_file(path)

    @Slot()
    def open_folder(self) -> bool:
        """Show the user's lesson folder in the file manager, creating it first if need be."""
        try:
            folder = ensure_user_folder()
        except OSError as err:
            dialogs.warn(self.window, "Lesson folder", f"{user_folder()} could not be created:\n\n{err}")
            return False
        if not open_url(QUrl.fromLocalFile(str(folder))):
            self.window.statusBar().showMessage(f"No file manager could be started: your lessons are in {folder}",
                                                NOTE_MS)
            return False
        return True
