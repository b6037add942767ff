"""Lessons: stepped experiments from the app's folder, the user's folder or any file (engine/lessons.py
reads them); the step panel under the views, and the Lessons menu's list."""

from .browser import Lesson, LessonLoad, SkippedLesson, load_lesson, load_lessons
from .library import LessonLibrary, user_folder
from .steps import LessonPanel

__all__ = ["Lesson", "LessonLibrary", "LessonLoad", "LessonPanel", "SkippedLesson", "load_lesson", "load_lessons",
           "user_folder"]
