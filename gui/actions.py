"""The window's actions as one table: text, shortcut, tooltip, icon and the slot they trigger,
and the keyboard rule that decides who gets a key: a shortcut or the field being typed in.

Transport actions (``toolbar=True``) live on the window, so their shortcuts
work wherever the focus is, and name their shortcut in the tooltip; the others
are menu entries whose tip also shows in the status bar. The shortcuts sheet
(Help > Keyboard shortcuts) is built from the actions themselves.

The keyboard rule (``FieldKeys``):

- Space, S, R, Shift+R, F, P, [ and ] act wherever the focus is: on a button, a
  check box, a combo box, a slider or a plot.
- In a field that takes typing (a number box, a text box) the keys typed belong
  to the field and never trigger a shortcut: "5", "e" or "-" edit the number,
  and a letter a number cannot hold is refused. Space in a number box does
  nothing (a number holds no space; the status bar says how to leave the box);
  in a text box it types a space.
- Enter in a field keeps what was typed (or the error line says why not) and
  Escape puts back what the field held before; both hand the focus back to the
  window, so the next Space plays.
- Every menu opens with Alt and its underlined letter, and every entry of the
  File, Run, Compare, View and Help menus has a letter of its own
  (``give_mnemonics``); the transport entries have their single-key shortcuts,
  and [ and ] move the speed slider (Run ▸ Slower, Faster), which takes no focus.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QMenu, QMenuBar, QStyle, QWidget

if TYPE_CHECKING:
    from .main_window import MainWindow

__all__ = ["tool_action", "ACTIONS", "MNEMONIC_MENUS", "ActionSpec", "FieldKeys", "build_actions", "give_mnemonics",
           "install_keyboard", "is_field", "make_action", "show_playing"]


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


def tool_action(parent: QObject, text: str, name: str, slot: Callable[[], object], tip: str,
                shortcut: str | None = None) -> QAction:
    """An action of a tool's menu entry: its object name, its tip as tooltip and status tip
    (with the shortcut in brackets, when it has one: a window shortcut, which a focused
    field still gets first), and ``slot`` on trigger."""
    action = QAction(text, parent)
    action.setObjectName(name)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
        tip = f"{tip} ({shortcut})"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    return action


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


# -- the keyboard rule ------------------------------------------------------------------------
#: shown when Space is pressed in a number box
SPACE_HINT = "Space plays once you leave the box: Enter keeps the number, Esc puts the old one back."
HINT_MS = 5_000
#: the menus whose entries all get a letter (the others list files', lessons' and runs' names)
MNEMONIC_MENUS = ("&File", "&Run", "&Compare", "&View", "&Help")


def is_field(widget: QWidget | None) -> bool:
    """Whether ``widget`` takes typing: an editable number box, line of text or combo box."""
    if isinstance(widget, (QAbstractSpinBox, QLineEdit)):
        return not widget.isReadOnly()
    return isinstance(widget, QComboBox) and widget.isEditable()


def _line(widget: QWidget) -> QLineEdit | None:
    """The line of text a field is typed into (a spin box's or a combo box's own)."""
    return widget if isinstance(widget, QLineEdit) else widget.findChild(QLineEdit)


class FieldKeys(QObject):
    """The keyboard rule of the module docstring, for the fields of one window: it watches each
    field as the focus enters it (rows appear and go, so none is watched before it is used)."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        QApplication.instance().focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if is_field(new) and new.window() is self.window:
            new.installEventFilter(self)  # (installing it again only moves it to the front)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.ShortcutOverride, QEvent.KeyPress) or not is_field(watched):
            return False
        key: QKeyEvent = event
        plain = not (key.modifiers() & ~Qt.KeypadModifier)
        if key.key() == Qt.Key_Space and plain and isinstance(watched, QAbstractSpinBox):
            key.accept()  # taken by the box (so not Play), and then dropped
            if kind == QEvent.KeyPress:
                self.window.statusBar().showMessage(SPACE_HINT, HINT_MS)
            return True
        if kind != QEvent.KeyPress or not plain:
            return False
        if key.key() in (Qt.Key_Return, Qt.Key_Enter):
            QTimer.singleShot(0, self, self.hand_back)  # once the field has taken the value
            return False
        if key.key() == Qt.Key_Escape:
            line = _line(watched)
            while line is not None and line.isUndoAvailable():  # back to the text the field was given
                line.undo()
            self.hand_back()
            return True
        return False

    def hand_back(self) -> None:
        """The focus to the window itself, where every shortcut acts."""
        focused = QApplication.focusWidget()
        if focused is None or focused.window() is self.window:
            self.window.setFocus(Qt.ShortcutFocusReason)
        if self.window.statusBar().currentMessage() == SPACE_HINT:  # left the box: the hint is done
            self.window.statusBar().clearMessage()


def give_mnemonics(menu: QMenu) -> None:
    """An underlined letter for every entry of ``menu`` that has none, each its own: the first
    free letter of a word, else any free letter. The transport's entries keep their text (it
    says Play or Pause; their single keys are shorter than any menu path)."""
    transport = {spec.name for spec in ACTIONS if spec.toolbar}
    def letter(text: str) -> str | None:
        at = text.find("&")
        while at != -1 and at + 1 < len(text) and text[at + 1] == "&":
            at = text.find("&", at + 2)
        return text[at + 1].lower() if at != -1 and at + 1 < len(text) else None

    entries = [a for a in menu.actions() if not a.isSeparator() and a.text()]
    used = {c for c in (letter(a.text()) for a in entries) if c}
    for action in entries:
        text = action.text()
        if "&" in text or action.objectName() in transport:
            continue
        starts = [i for i, c in enumerate(text) if c.isalnum() and (i == 0 or not text[i - 1].isalnum())]
        rest = [i for i, c in enumerate(text) if c.isalnum() and i not in starts]
        free = next((i for i in starts + rest if text[i].lower() not in used), None)
        if free is not None:
            used.add(text[free].lower())
            action.setText(text[:free] + "&" + text[free:])


#: the speed slider by one notch: (text, key, notches, object name)
SPEED_STEPS = (("Slower", "[", -1, "slowerAction"), ("Faster", "]", 1, "fasterAction"))


def _speed_actions(window: MainWindow, menu: QMenu | None) -> list[QAction]:
    """Slower and Faster: the speed slider (which takes no focus, so Space always plays) by keys."""
    slider = window.speed_slider
    actions = []
    for text, key, notches, name in SPEED_STEPS:
        tip = f"{text} training: the speed slider one notch {'left' if notches < 0 else 'right'}"
        action = tool_action(window, text, name, lambda _=False, n=notches: slider.setValue(slider.value() + n),
                             tip, key)
        window.addAction(action)  # a window shortcut, like the transport's
        if menu is not None:
            menu.addAction(action)
        actions.append(action)
    return actions


def install_keyboard(window: MainWindow) -> FieldKeys:
    """The keyboard rule for ``window``'s fields, Slower and Faster in the Run menu, and letters
    for the entries of its menus."""
    bar: QMenuBar = window.menuBar()
    run = next((a.menu() for a in bar.actions() if a.text() == "&Run" and a.menu() is not None), None)
    if run is not None:
        run.addSeparator()
    window.speed_actions = _speed_actions(window, run)
    for action in bar.actions():
        if action.menu() is not None and action.text() in MNEMONIC_MENUS:
            give_mnemonics(action.menu())
    return FieldKeys(window)
