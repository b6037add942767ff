"""Loading lesson files and showing the current lesson's text beside the views.

A lesson file is JSON: {"title", "experiment", "text" (simple HTML), "config"};
its config is validated like any configuration, so a broken file is reported
by name and skipped, never loaded half-way (``LessonLoad.skipped`` keeps what
was skipped and why, for the Lessons menu). Only a regular file of at most
``MAX_LESSON_BYTES`` is read: a device (/dev/zero), a pipe or a huge file named
``*.json`` is skipped before it is opened or read whole. The text is shown through an
allow-list (``sanitize``) in a view that loads nothing: a lesson file is data,
and no tag in it can make the app read a file or follow a link.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QFrame, QTextBrowser, QVBoxLayout, QWidget

from engine import jsonfile
from engine.config import Config, ConfigError

from ..plaintext import escape
from ..resources import resource_path
from .sanitize import sanitize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lesson:
    title: str
    experiment: int
    text: str
    config: Config
    path: Path


MAX_LESSON_BYTES = 1_000_000  # a lesson is a page of text and a configuration; a larger file is not one


def load_lesson(path: Path) -> Lesson:
    """Read and check one lesson file; ConfigError names the file, the field and the rule.

    The file is read by the app's one JSON reader (engine/jsonfile.py): a regular file
    of at most ``MAX_LESSON_BYTES``, UTF-8 (a byte-order mark allowed), nesting, long
    integers and non-finite numbers refused with their key path."""
    raw = jsonfile.read_object(path, name=path.name, max_bytes=MAX_LESSON_BYTES,
                               what="a JSON object with title, text and config")
    for key in ("title", "text", "config"):
        if key not in raw:
            raise ConfigError(f"{path.name}: {key}", "is required in a lesson file")
    for key in ("title", "text"):
        if not isinstance(raw[key], str):
            raise ConfigError(f"{path.name}: {key}", "must be text")
    experiment = raw.get("experiment", 0)
    if isinstance(experiment, bool) or not isinstance(experiment, int):
        raise ConfigError(f"{path.name}: experiment", "must be a whole number")
    try:
        config = Config.from_dict(raw["config"])
    except ConfigError as err:
        field = "config" if err.field == "config" else f"config.{err.field}"  # "config": the whole of it
        raise ConfigError(f"{path.name}: {field}", err.rule) from None
    except (ArithmeticError, TypeError, AttributeError, RecursionError) as err:
        # a value the checks did not foresee (an integer too large for a float, say): still a
        # broken file, never a failed start
        raise ConfigError(f"{path.name}: config", f"could not be read ({type(err).__name__}: {err})") from None
    return Lesson(raw["title"], experiment, raw["text"], config, path)


@dataclass(frozen=True)
class SkippedLesson:
    """A lesson file that was not loaded: its name and one line saying why ("FILE: field: rule")."""

    file: str
    reason: str


@dataclass(frozen=True)
class LessonLoad(Sequence[Lesson]):
    """What ``load_lessons`` found: the lessons (it is a sequence of them) and the files it skipped."""

    lessons: tuple[Lesson, ...] = ()
    skipped: tuple[SkippedLesson, ...] = ()

    @overload
    def __getitem__(self, index: int) -> Lesson: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Lesson, ...]: ...

    def __getitem__(self, index: int | slice) -> Lesson | tuple[Lesson, ...]:
        return self.lessons[index]

    def __len__(self) -> int:
        return len(self.lessons)

    def __iter__(self) -> Iterator[Lesson]:
        return iter(self.lessons)

    def skipped_note(self) -> str:
        """One line for the status bar ("" when nothing was skipped)."""
        n = len(self.skipped)
        if not n:
            return ""
        files = "1 lesson file was" if n == 1 else f"{n} lesson files were"
        return f"{files} skipped: see Lessons ▸ Skipped lesson files."


def load_lessons(folder: Path | None = None) -> LessonLoad:
    """Every valid lesson in the folder, sorted by file name; broken ones are logged and
    skipped, and listed in the result's ``skipped``."""
    folder = folder or resource_path("lessons")
    lessons, skipped = [], []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            lessons.append(load_lesson(path))
        except (OSError, ValueError) as err:
            log.warning("lesson %s skipped: %s", path.name, err)
            reason = str(err)
            if not reason.startswith(path.name):  # an OSError's words do not always name the file
                reason = f"{path.name}: {reason}"
            skipped.append(SkippedLesson(path.name, reason))
    return LessonLoad(tuple(lessons), tuple(skipped))


class ClosedDocument(QTextDocument):
    """A text document that loads nothing: no image, style sheet or page, from a file or anywhere.

    Qt's own loader reads whatever file a tag names (``<img src="/dev/zero">`` never
    ends); this one answers every request with an empty resource, and an empty image
    rather than none, since for none Qt tries to read the file itself. ``refused``
    lists what was asked for."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.refused: list[str] = []

    def loadResource(self, kind: int, name: QUrl) -> QImage | str:
        self.refused.append(name.toString())
        return QImage() if kind == QTextDocument.ImageResource else ""


class LessonText(QTextBrowser):
    """The lesson's text: read-only, selectable, following no link and loading no resource."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDocument(ClosedDocument(self))
        self.document().setDocumentMargin(6)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setSearchPaths([])
        self.setFrameShape(QFrame.NoFrame)
        self.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)  # teachers copy

    def loadResource(self, kind: int, name: QUrl) -> QImage | str:
        return self.document().loadResource(kind, name)


class LessonView(QWidget):
    """The text of the lesson in use (or a hint to open one); docked as a tab behind Diagnostics."""

    key = "lesson"
    title = "Lesson"
    dock_area = Qt.RightDockWidgetArea
    dock_cell = None
    dock_width = 50
    dock_tab = "diagnostics"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lessonView")
        self.browser = LessonText()
        self.browser.setObjectName("lessonText")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.browser)
        self.show_lesson(None)

    def show_lesson(self, lesson: Lesson | None) -> None:
        """The lesson's title as text and its text through the allow-list (see ``sanitize``)."""
        if lesson is None:
            self.browser.setHtml("<p>Open a prepared experiment from the <b>Lessons</b> menu: each sets up the "
                                 "network and tells you what to watch.</p>")
        else:
            self.browser.setHtml(f"<h3>{escape(lesson.title)}</h3>{sanitize(lesson.text)}")
