"""The window's actions as one table: text, shortcut, tooltip, icon and the slot they trigger.

Transport actions (``toolbar=True``) live on the window, so their shortcuts
work wherever the focus is, and name their shortcut in the tooltip; the others
are menu entries whose tip also shows in the status bar. The shortcuts sheet
(Help > Keyboard shortcuts) is built from the actions themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle

if TYPE_CHECKING:
    from .main_window import MainWindow

__all__ = ["ACTIONS", "ActionSpec", "build_actions", "make_action", "show_playing"]


@dataclass(frozen=True)
class ActionSpec:
    attr: str  # the window attribute that holds the action
    name: str  # its object name (stable, for tests and style sheets)
    text: str
    slot: str  # the window method it triggers
    tip: str
    shortcut: str | QKeySequence.StandardKey | None = None
    icon: QStyle.StandardPixmap | None = None
    toolbar: bool = False


ACTIONS = (
    ActionSpec("play_action", "playAction", "Play", "play_pause", "Start or pause training", "Space",
               QStyle.SP_MediaPlay, toolbar=True),
    ActionSpec("step_action", "stepAction", "Step", "step_epoch", "Train exactly one epoch", "S",
               QStyle.SP_MediaSeekForward, toolbar=True),
    ActionSpec("reset_action", "resetAction", "Reset", "reset_run", "Back to the same initial weights", "R",
               QStyle.SP_MediaSkipBackward, toolbar=True),
    ActionSpec("reinit_action", "reinitAction", "New weights", "reinitialize",
               "Re-initialise the weights with a new seed", "Shift+R", QStyle.SP_BrowserReload, toolbar=True),
    ActionSpec("full_speed_action", "fullSpeedAction", "Full speed", "toggle_full_speed",
               "Train as fast as this machine can; again: back to the speed chosen before", "F",
               QStyle.SP_MediaSkipForward, toolbar=True),
    ActionSpec("new_action", "newAction", "&New", "new_config", "Start again from the default configuration",
               QKeySequence.New),
    ActionSpec("open_action", "openAction", "&Open configuration…", "open_config_dialog",
               "Load a configuration file (the JSON the command line reads)", QKeySequence.Open),
    ActionSpec("save_action", "saveAction", "&Save configuration…", "save_config_dialog",
               "Save the current settings as a configuration file", QKeySequence.Save),
    ActionSpec("quit_action", "quitAction", "&Quit", "close", "Close Activation Lab", QKeySequence.Quit),
    ActionSpec("reset_layout_action", "resetLayoutAction", "&Reset layout", "reset_layout",
               "Put every panel back where it starts: docked, visible, default sizes"),
    ActionSpec("shortcuts_action", "shortcutsAction", "Keyboard &shortcuts", "show_shortcuts",
               "List every keyboard shortcut", "F1"),
    ActionSpec("about_action", "aboutAction", "&About Activation Lab", "show_about",
               "Versions of the app and its libraries"),
)


def make_action(window: MainWindow, spec: ActionSpec) -> QAction:
    icon = window.style().standardIcon(spec.icon) if spec.icon is not None else None
    action = QAction(icon, spec.text, window) if icon is not None else QAction(spec.text, window)
    action.setObjectName(spec.name)
    if spec.shortcut is not None:
        action.setShortcut(QKeySequence(spec.shortcut))
    if spec.toolbar:
        action.setShortcutContext(Qt.WindowShortcut)
        action.setToolTip(f"{spec.tip} ({action.shortcut().toString()})")
        window.addAction(action)
    else:
        action.setToolTip(spec.tip)
        action.setStatusTip(spec.tip)
    action.triggered.connect(getattr(window, spec.slot))
    return action


def build_actions(window: MainWindow) -> dict[str, QAction]:
    """Every action of the table, also set as the window attribute the table names."""
    actions = {}
    for spec in ACTIONS:
        actions[spec.attr] = make_action(window, spec)
        setattr(window, spec.attr, actions[spec.attr])
    return actions


def show_playing(action: QAction, playing: bool) -> None:
    """The play action offers what a press would do: Pause while training, Play otherwise."""
    icon = QStyle.SP_MediaPause if playing else QStyle.SP_MediaPlay
    action.setIcon(action.parent().style().standardIcon(icon))
    action.setText("Pause" if playing else "Play")
