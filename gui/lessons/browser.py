"""Loading lesson files, and the lesson text's view: it loads nothing and follows no link.

A lesson file is checked by engine/lessons.py (format 2 with steps, or format 1
with one text); its configuration is validated like any other, so a broken file
is reported by name, field and rule and skipped, never loaded half-way
(``LessonLoad.skipped`` keeps what was skipped and why, for the Lessons menu).
Only a regular file of at most ``MAX_LESSON_BYTES`` is read: a device
(/dev/zero), a pipe or a huge file named ``*.json`` is skipped before it is
opened or read whole. Step text is shown through an allow-list (``sanitize``)
in a document that loads nothing: a lesson file is data, and no tag in it can
make the app read a file or follow a link.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QFrame, QTextBrowser, QWidget

from engine import lessons as lessonfile
from engine.config import Config
from engine.lessons import MAX_LESSON_BYTES, LessonSpec

from ..resources import resource_path

__all__ = ["MAX_LESSON_BYTES", "ClosedDocument", "Lesson", "LessonLoad", "LessonText", "SkippedLesson",
           "load_lesson", "load_lessons"]

log = logging.getLogger(__name__)

#: where a lesson was found: the app's own folder, the user's lesson folder, or a file opened by hand
ORIGINS = ("shipped", "user", "file")


@dataclass(frozen=True)
class Lesson:
    """A lesson file as loaded: its checked contents (``spec``), where it is, and which folder it came from."""

    spec: LessonSpec
    path: Path
    origin: str = "shipped"

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def experiment(self) -> int | None:
        return self.spec.experiment

    @property
    def config(self) -> Config:
        """The configuration the lesson opens with: its own, with its first step's changes."""
        return lessonfile.step_config(self.spec, 0)

    @property
    def text(self) -> str:
        """Every step's text, one after another (HTML, as written)."""
        return "".join(step.text for step in self.spec.steps)


def load_lesson(path: Path, origin: str = "shipped") -> Lesson:
    """Read and check one lesson file; LessonError (a ConfigError) names the file, the field and the rule.

    The file is read by the app's one JSON reader (engine/jsonfile.py): a regular file
    of at most ``MAX_LESSON_BYTES``, UTF-8 (a byte-order mark allowed), nesting, long
    integers and non-finite numbers refused with their key path."""
    path = Path(path)
    return Lesson(lessonfile.load(path), path, origin)


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


def load_lessons(folder: Path | None = None, origin: str = "shipped") -> LessonLoad:
    """Every valid lesson in the folder (default: the app's own), sorted by file name; broken
    ones are logged and skipped, and listed in the result's ``skipped``. A folder that does
    not exist holds no lesson."""
    folder = folder or resource_path("lessons")
    lessons, skipped = [], []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            lessons.append(load_lesson(path, origin))
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
