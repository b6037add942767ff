"""Loading lesson files and showing the current lesson's text beside the views.

A lesson file is JSON: {"title", "experiment", "text" (simple HTML), "config"};
its config is validated like any configuration, so a broken file is reported
by name and skipped, never loaded half-way.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from engine.config import Config, ConfigError

from ..resources import resource_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lesson:
    title: str
    experiment: int
    text: str
    config: Config
    path: Path


def load_lesson(path: Path) -> Lesson:
    """Read and check one lesson file; ConfigError names the file, the field and the rule."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(path.name, f"is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise ConfigError(path.name, "is nested too deeply to be a lesson") from None
    if not isinstance(raw, dict):
        raise ConfigError(path.name, "must be a JSON object with title, text and config")
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
        raise ConfigError(f"{path.name}: config.{err.field}", err.rule) from None
    return Lesson(raw["title"], experiment, raw["text"], config, path)


def load_lessons(folder: Path | None = None) -> list[Lesson]:
    """Every valid lesson in the folder, sorted by file name; broken ones are logged and skipped."""
    folder = folder or resource_path("lessons")
    lessons = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            lessons.append(load_lesson(path))
        except (OSError, ValueError) as err:
            log.warning("lesson %s skipped: %s", path.name, err)
    return lessons


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
        self.label = QLabel()
        self.label.setObjectName("lessonText")
        self.label.setWordWrap(True)
        self.label.setOpenExternalLinks(False)
        self.label.setAlignment(Qt.AlignTop | Qt.AlignLeft)  # read from the top, not the middle
        self.label.setMargin(6)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)  # teachers copy from it
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(scroll)
        self.show_lesson(None)

    def show_lesson(self, lesson: Lesson | None) -> None:
        if lesson is None:
            self.label.setText("<p>Open a prepared experiment from the <b>Lessons</b> menu: each sets up the "
                               "network and tells you what to watch.</p>")
        else:
            self.label.setText(f"<h3>{lesson.title}</h3>{lesson.text}")
