"""Lessons: prepared experiments (a configuration and a short text) shipped in resources/lessons."""

from .browser import Lesson, LessonView, load_lessons

__all__ = ["Lesson", "LessonView", "load_lessons"]
