"""Classroom control: a lesson locks or hides controls and views; Teacher mode lifts it all.

A name is a widget's objectName (``initCombo``) or ``view:<key>`` for a view's dock. A
locked control is disabled *and marked*: a padlock before its row's label and a tooltip
saying why, so it reads as locked rather than broken. A hidden control disappears with
its row label; a hidden view's dock closes and its View-menu toggle is disabled.

The panels keep showing, hiding and enabling their own rows (Advanced, an activation's
parameters, the batch size under gradient descent). So that their logic cannot undo the
lesson, the form layouts with hidden rows and the locked widgets are *guarded*: while the
lesson holds, a panel's call is remembered instead of done, and what it asked for last is
what comes back when the lesson lets go (Teacher mode, another lesson, File ▸ New).
The holds themselves (what is done to a widget, and undone) are gui/holds.py's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QToolBar,
    QToolButton,
    QWidget,
)

from engine.lessons import Teacher, check_passphrase

from . import dialogs
from .holds import LOCK_COLOUR, LOCK_TIP, NEVER_HELD, Badges, FormGuard, Hide, HideView, Lock, key_icon, lesson_controls
from .lessons.handout import LessonAuthoring

if TYPE_CHECKING:
    from .main_window import MainWindow

__all__ = ["LOCK_TIP", "UNKNOWN_NOTE", "Classroom", "lesson_controls"]

UNKNOWN_NOTE = "This lesson names controls this version does not have: {}"
NOTE_MS = 10_000
VIEW_PREFIX = "view:"
#: widgets a panel creates and deletes as the configuration changes (one per hidden layer):
#: a name of this shape that does not exist now is not unknown, it applies once it exists
DYNAMIC = re.compile(r"layer(Width|Activation)\d+")


# -- the window's classroom -------------------------------------------------------------------
class Classroom(QObject):
    """The lesson's locks and hides over ``window``, and the Teacher-mode toggle that lifts them.

    ``apply`` remembers the lesson's sets and holds them (unless Teacher mode is on);
    ``snapshot`` gives the sets back as the lesson wrote them, whatever Teacher mode shows."""

    changed = Signal()

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self._locked: tuple[str, ...] = ()
        self._hidden: tuple[str, ...] = ()
        self._teacher: Teacher | None = None
        self._teacher_mode = False
        self._trusted: Teacher | None = None  # the passphrase last entered right
        self.unknown: tuple[str, ...] = ()  # names of the lesson that no control has
        self.passphrase_dialog: QInputDialog | None = None  # while it asks
        self._holds: list = []
        self._guards: dict[QFormLayout, FormGuard] = {}
        self._badges = Badges()
        self._held_objects: dict[str, QObject] = {}
        self._recheck_pending = False

    @classmethod
    def install(cls, window: MainWindow) -> Classroom:
        """The window's classroom: the Teacher-mode toggle (toolbar and Lessons menu), the
        status-bar note, and the lesson-authoring entries of the Lessons menu."""
        self = cls(window)
        action = QAction(key_icon(), "&Teacher mode", window)
        action.setObjectName("teacherModeAction")
        action.setCheckable(True)
        action.setToolTip("Unlock and show every control the lesson locked or hid (the lesson may ask for "
                          "its passphrase); off again: the lesson's locks return.")
        action.setStatusTip(action.toolTip())
        action.toggled.connect(self._toggled)
        self.teacher_action = action
        bar = QToolBar("Classroom")
        bar.setObjectName("classroomBar")
        bar.setMovable(False)
        button = QToolButton()
        button.setObjectName("teacherModeButton")
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        button.setFocusPolicy(Qt.NoFocus)  # Space must still reach Play
        bar.addWidget(button)
        window.addToolBar(Qt.TopToolBarArea, bar)
        self.toolbar, self.button = bar, button
        self.note = QLabel("Teacher mode")
        self.note.setObjectName("teacherModeLabel")
        self.note.setStyleSheet(f"background: {LOCK_COLOUR}; color: white; font-weight: bold; "
                                "padding: 1px 8px; border-radius: 3px;")
        self.note.setToolTip("Every control is unlocked and shown; Lessons ▸ Teacher mode turns it off.")
        self.note.hide()
        window.statusBar().addPermanentWidget(self.note)
        self.authoring = LessonAuthoring(window, self)
        self.menu = window.menuBar().findChild(QMenu, "lessonsMenu")
        if self.menu is not None:
            self.menu.setToolTipsVisible(True)
            self.menu.aboutToShow.connect(self.fill_menu)
            self.fill_menu()
        window.sessionReady.connect(self._recheck_soon)  # a rebuild may have made new layer rows
        if hasattr(window, "network_panel"):
            window.network_panel.changed.connect(self._recheck_soon)
        window.classroom = self
        return self

    def menu_actions(self) -> list[QAction]:
        """The classroom's own entries of the Lessons menu, in order."""
        return [self.teacher_action, *self.authoring.actions]

    @Slot()
    def fill_menu(self) -> None:
        """Put the classroom's section at the end of the Lessons menu, after the lesson lists
        (gui/lessons/library.py keeps its own section above), unless it is there already: if the
        menu was cleared, this puts the section back (it runs each time the menu opens)."""
        menu = self.menu
        if menu is None or not shiboken6.isValid(menu):
            return
        present = menu.actions()
        if all(action in present for action in self.menu_actions()):
            return
        for action in self.menu_actions():
            menu.removeAction(action)
        if menu.actions() and not menu.actions()[-1].isSeparator():
            menu.addSeparator()
        for action in self.menu_actions():
            menu.addAction(action)

    # -- the lesson's sets ---------------------------------------------------------------
    @property
    def teacher_mode(self) -> bool:
        """True: everything unlocked and shown, whatever the lesson says."""
        return self._teacher_mode

    def apply(self, locked: Sequence[str], hidden: Sequence[str], teacher: Teacher | None) -> None:
        """Hold a lesson's locks and hides now (or, in Teacher mode, once it is turned off).

        Names no control has are reported once in the status bar and ignored. Teacher mode
        stays on for a lesson without a passphrase, or with the one already entered."""
        self._locked = tuple(dict.fromkeys(str(name) for name in locked))
        self._hidden = tuple(dict.fromkeys(str(name) for name in hidden))
        self._teacher = teacher
        if self._teacher_mode and teacher is not None and teacher != self._trusted:
            self._set_mode(False)
        self._refresh()
        self.unknown = tuple(name for name in (*self._locked, *self._hidden) if not self._exists(name))
        if self.unknown:
            self.window.statusBar().showMessage(UNKNOWN_NOTE.format(", ".join(dict.fromkeys(self.unknown))),
                                                NOTE_MS)
        self.changed.emit()

    def clear(self) -> None:
        """Back to everything unlocked and shown (leaving a lesson, File ▸ New)."""
        self._locked, self._hidden, self._teacher, self.unknown = (), (), None, ()
        self._refresh()
        self.changed.emit()

    def snapshot(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The lesson's (locked, hidden) names, as applied (for Save as lesson)."""
        return self._locked, self._hidden

    @property
    def teacher(self) -> Teacher | None:
        """The lesson's passphrase hash, if it has one."""
        return self._teacher

    def is_locked(self, name: str) -> bool:
        """Whether ``name`` is locked now (never in Teacher mode)."""
        return not self._teacher_mode and name in self._locked and name not in NEVER_HELD

    def is_hidden(self, name: str) -> bool:
        """Whether ``name`` is hidden now (never in Teacher mode)."""
        return not self._teacher_mode and name in self._hidden and name not in NEVER_HELD

    # -- Teacher mode ------------------------------------------------------------------------
    def set_teacher_mode(self, on: bool) -> bool:
        """Turn Teacher mode on (asking for the lesson's passphrase, if it has one) or off;
        returns whether it is on."""
        if on and not self._teacher_mode and self._teacher is not None and self._teacher != self._trusted:
            passphrase = self._ask_passphrase()
            if passphrase is None:
                on = False
            elif not check_passphrase(self._teacher, passphrase):
                self.window.statusBar().showMessage("Wrong passphrase: Teacher mode stays off.", NOTE_MS)
                dialogs.warn(self.window, "Teacher mode", "That is not this lesson's passphrase: "
                             "Teacher mode stays off, and the lesson's locks stay.")
                on = False
            else:
                self._trusted = self._teacher
        if on != self._teacher_mode:
            self._set_mode(on)
            self._refresh()
            self.changed.emit()
        self._show_mode()
        return self._teacher_mode

    def _set_mode(self, on: bool) -> None:
        self._teacher_mode = on
        self._show_mode()

    def _show_mode(self) -> None:
        action = self.teacher_action
        if action.isChecked() != self._teacher_mode:
            action.blockSignals(True)
            action.setChecked(self._teacher_mode)
            action.blockSignals(False)
        self.note.setVisible(self._teacher_mode)

    @Slot(bool)
    def _toggled(self, on: bool) -> None:
        self.set_teacher_mode(on)

    def _ask_passphrase(self) -> str | None:
        """The passphrase typed (dots shown), or None when the teacher cancels."""
        dialog = QInputDialog(self.window)
        dialog.setObjectName("teacherPassphraseDialog")
        dialog.setWindowTitle("Teacher mode")
        dialog.setLabelText("This lesson's Teacher mode has a passphrase.\nPassphrase:")
        dialog.setTextEchoMode(QLineEdit.Password)
        dialog.setInputMode(QInputDialog.TextInput)
        self.passphrase_dialog = dialog
        try:
            accepted = dialog.exec() == QInputDialog.Accepted
            return dialog.textValue() if accepted else None
        finally:
            self.passphrase_dialog = None
            dialog.deleteLater()

    # -- holding -------------------------------------------------------------------------
    def _exists(self, name: str) -> bool:
        if name.startswith(VIEW_PREFIX):
            return name[len(VIEW_PREFIX):] in getattr(self.window, "docks", {})
        return (name in NEVER_HELD or DYNAMIC.fullmatch(name) is not None
                or self.window.findChild(QWidget, name) is not None)

    def _find(self, name: str) -> QObject | None:
        if name in NEVER_HELD:
            return None
        if name.startswith(VIEW_PREFIX):
            return getattr(self.window, "docks", {}).get(name[len(VIEW_PREFIX):])
        return self.window.findChild(QWidget, name)

    def _guard(self, form: QFormLayout) -> FormGuard:
        if form not in self._guards:
            self._guards[form] = FormGuard(form)
        return self._guards[form]

    def _release(self) -> None:
        for hold in reversed(self._holds):
            hold.undo()
        for guard in self._guards.values():
            guard.release_all()
        self._holds, self._guards, self._held_objects = [], {}, {}

    def _refresh(self) -> None:
        """Undo what is held, then hold what the lesson says now (nothing in Teacher mode)."""
        self._release()
        if self._teacher_mode:
            return
        hidden_widgets: set[QWidget] = set()
        for name in self._hidden:
            target = self._find(name)
            if isinstance(target, QDockWidget) and name.startswith(VIEW_PREFIX):
                self._holds.append(HideView(target))
            elif isinstance(target, QWidget):
                self._holds.append(Hide(target, self._guard, hidden_widgets))
            if target is not None:
                self._held_objects["hide " + name] = target
        for name in self._locked:
            target = self._find(name)
            if isinstance(target, QWidget) and not name.startswith(VIEW_PREFIX):  # a view is hidden, never locked
                self._holds.append(Lock(target, self._badges))
            if target is not None:
                self._held_objects["lock " + name] = target

    @Slot()
    def _recheck_soon(self) -> None:
        if not self._recheck_pending and (self._locked or self._hidden):
            self._recheck_pending = True
            QTimer.singleShot(0, self._recheck)

    def _recheck(self) -> None:
        """Hold again if a named control was replaced by a new one (a panel rebuilt its rows)."""
        self._recheck_pending = False
        if self._teacher_mode:
            return
        for kind, names in (("hide ", self._hidden), ("lock ", self._locked)):
            for name in names:
                held = self._held_objects.get(kind + name)
                now = self._find(name)
                if (held is None) != (now is None) or (held is not None and (not shiboken6.isValid(held)
                                                                             or held is not now)):
                    self._refresh()
                    return

