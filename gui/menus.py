"""Where the actions are shown: the menu bar and the transport toolbar.

The entries that come from registries are generated from them: one export
entry per view and per ``exports.EXPORTS`` kind, one toggle per dock, one entry
per recent file (the Lessons menu's lists are gui/lessons/library.py's). A name
that comes from a file (a recent file's name) is shown as written: ``&`` does
not turn into a shortcut key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu, QSlider, QToolBar, QToolButton

from . import exports
from .plaintext import auto_text, menu_text

if TYPE_CHECKING:
    from .main_window import MainWindow

__all__ = ["DEFAULT_SPEED", "SPEEDS", "build_menus", "build_transport_bar", "fill_recent"]

#: Speed slider positions -> steps per second (None = as fast as possible).
SPEEDS = [2, 5, 10, 25, 50, 100, 150, 250, 500, 1000, None]
#: the first start's speed: the default run (300 epochs of 8 steps) unfolds over about 16 s
DEFAULT_SPEED = 150


def _entry(menu: QMenu, text: str, slot: Callable[..., object], tip: str) -> QAction:
    """An entry whose ``text`` and ``tip`` are shown as written (either may be a file's)."""
    action = menu.addAction(menu_text(text))
    action.triggered.connect(slot)
    action.setStatusTip(tip)
    action.setToolTip(auto_text(tip))
    return action


def build_menus(window: MainWindow) -> None:
    """File, Run, Compare, Lessons, View and Help; sets ``window.recent_menu`` and ``window.compare_menu``."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    for action in (window.new_action, window.open_action, window.save_action):
        file_menu.addAction(action)
    window.recent_menu = file_menu.addMenu("Open &recent")
    window.recent_menu.setObjectName("recentMenu")
    export_menu = file_menu.addMenu("&Export")
    for key, view in window.views.items():
        _entry(export_menu, f"{view.title} as PNG or SVG…", lambda _=False, k=key: window.export_view_dialog(k),
               f"Save the {view.title.lower()} view as an image")
    export_menu.addSeparator()
    for kind, entry in exports.EXPORTS.items():
        _entry(export_menu, entry.label, lambda _=False, k=kind: window.export_dialog(k), entry.tip)
    file_menu.addSeparator()
    file_menu.addAction(window.quit_action)

    run_menu = bar.addMenu("&Run")
    for action in (window.play_action, window.step_action, window.reset_action, window.reinit_action):
        run_menu.addAction(action)

    # Compare: pinned runs, seed bands and the experiment grid add their entries to it
    window.compare_menu = bar.addMenu("&Compare")
    window.compare_menu.setObjectName("compareMenu")

    lessons_menu = bar.addMenu("&Lessons")
    lessons_menu.setObjectName("lessonsMenu")
    window.lessons_menu = lessons_menu  # its lesson lists are gui/lessons/library.py's (LessonLibrary)

    view_menu = bar.addMenu("&View")
    for dock in (*window.docks.values(), window.lesson_dock):
        view_menu.addAction(dock.toggleViewAction())
    view_menu.addSeparator()
    view_menu.addAction(window.controls_dock.toggleViewAction())
    view_menu.addSeparator()
    view_menu.addAction(window.reset_layout_action)

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(window.shortcuts_action)
    help_menu.addAction(window.about_action)


def fill_recent(window: MainWindow, files: list[str]) -> None:
    menu = window.recent_menu
    menu.clear()
    for path in files:
        _entry(menu, Path(path).name, lambda _=False, p=path: window.open_config(p), path)
    menu.setEnabled(bool(files))


def build_transport_bar(window: MainWindow) -> None:
    """Play, Step, Reset, New weights as buttons, and the speed slider; sets ``window.buttons``,
    ``window.speed_slider`` and ``window.speed_label`` (the window connects the slider)."""
    bar = QToolBar("Transport")
    bar.setObjectName("transportBar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    window.addToolBar(Qt.TopToolBarArea, bar)
    window.buttons = {}
    for action, name in ((window.play_action, "playButton"), (window.step_action, "stepButton"),
                         (window.reset_action, "resetButton"), (window.reinit_action, "reinitButton")):
        button = QToolButton()
        button.setDefaultAction(action)
        button.setObjectName(name)
        button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        button.setFocusPolicy(Qt.NoFocus)  # Space must reach the window's shortcut, not press a button
        bar.addWidget(button)
        window.buttons[name] = button
    bar.addSeparator()
    bar.addWidget(QLabel(" Speed "))
    slider = QSlider(Qt.Horizontal)
    slider.setObjectName("speedSlider")
    slider.setRange(0, len(SPEEDS) - 1)
    slider.setValue(SPEEDS.index(DEFAULT_SPEED))
    slider.setFixedWidth(150)
    slider.setFocusPolicy(Qt.NoFocus)
    slider.setToolTip("How fast training runs: slow it down to watch each step; right = full speed.")
    bar.addWidget(slider)
    window.speed_slider = slider
    window.speed_label = QLabel()
    window.speed_label.setObjectName("speedLabel")
    window.speed_label.setMinimumWidth(90)
    bar.addWidget(window.speed_label)
    full = QToolButton()
    full.setDefaultAction(window.full_speed_action)
    full.setObjectName("fullSpeedButton")
    full.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    full.setFocusPolicy(Qt.NoFocus)
    bar.addWidget(full)
    window.buttons["fullSpeedButton"] = full


def speed_text(speed: float | None) -> str:
    return "full speed" if speed is None else f"{speed} steps/s"
