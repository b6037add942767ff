"""Lessons: prepared experiments (a configuration and a short text) shipped in resources/lessons."""

from .browser import Lesson, LessonLoad, LessonView, SkippedLesson, load_lessons

__all__ = ["Lesson", "LessonLoad", "LessonView", "SkippedLesson", "load_lessons"]
