"""The keyboard rule (gui/actions.py): shortcuts act wherever the focus is, typing in a field
never triggers them, and Enter or Escape in a field hands the focus back so Space plays.
Real key events on the real widgets of the window."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QComboBox, QMenu

from gui.actions import ACTIONS, MNEMONIC_MENUS, SPACE_HINT


@pytest.fixture
def focused(qtbot, window):
    """The window, active, with its Validation box focused and its text selected (as Tab leaves it)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    box = window.data_panel.val
    box.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    box.selectAll()
    return window, box


def test_space_in_a_number_box_neither_erases_it_nor_plays(qtbot, focused):
    window, box = focused
    before = box.text()
    qtbot.keyClick(box, Qt.Key_Space)
    assert box.text() == before == "0.2" and box.value() == 0.2  # a space replaced the selection before
    assert not window.is_training() and QApplication.focusWidget() is box
    assert window.statusBar().currentMessage() == SPACE_HINT
    for key, modifier in ((Qt.Key_S, Qt.NoModifier), (Qt.Key_R, Qt.NoModifier), (Qt.Key_R, Qt.ShiftModifier)):
        qtbot.keyClick(box, key, modifier)  # letters a number cannot hold: refused, and no shortcut
    assert box.text() == "0.2" and window.session.epoch == 0 and window.session.step == 0


def test_typed_value_then_enter_then_space_plays_with_that_value(qtbot, focused):
    window, box = focused
    qtbot.keyClicks(box, "0.35")
    assert box.text() == "0.35" and not window.is_training()  # typing edits the box, nothing else
    qtbot.keyClick(box, Qt.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window)
    qtbot.waitUntil(lambda: window.session.config.data.val_fraction == 0.35 and not window.builds.busy)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Space)
    qtbot.waitUntil(lambda: window.shown is not None and window.shown.epoch >= 1, timeout=5000)
    assert window.is_training() and box.value() == 0.35 and box.text() == "0.35"
    assert window.current_config().data.val_fraction == 0.35


def test_escape_puts_the_old_value_back_and_hands_the_focus_back(qtbot, focused):
    window, box = focused
    session = window.session
    qtbot.keyClicks(box, "0.45")
    qtbot.keyClick(box, Qt.Key_Space)  # (Play expected: the status bar says how to leave the box)
    assert window.statusBar().currentMessage() == SPACE_HINT and box.text() == "0.45"
    qtbot.keyClick(box, Qt.Key_Escape)
    assert box.text() == "0.2" and box.value() == 0.2
    assert QApplication.focusWidget() is window and window.statusBar().currentMessage() == ""
    qtbot.wait(50)  # (a change would rebuild at once: none comes)
    assert window.session is session and window.session.config.data.val_fraction == 0.2
    qtbot.keyClick(window, Qt.Key_S)  # and the shortcuts act again
    qtbot.waitUntil(lambda: window.shown is not None and window.shown.epoch == 1, timeout=3000)


def test_shortcuts_act_on_widgets_that_take_no_typing(qtbot, window):
    combo = window.findChild(QComboBox, "optimizerCombo")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    combo.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is combo)
    chosen = combo.currentIndex()
    qtbot.keyClick(combo, Qt.Key_S)
    qtbot.waitUntil(lambda: window.shown is not None and window.shown.epoch == 1, timeout=3000)
    qtbot.keyClick(combo, Qt.Key_Space)
    qtbot.waitUntil(window.is_training, timeout=3000)
    assert combo.currentIndex() == chosen and not combo.view().isVisible()


def mnemonic(text: str) -> str | None:
    """The letter after a single '&' ('&&' is a literal ampersand)."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] != "&":
                return text[i + 1].lower()
            i += 1
        i += 1
    return None


def test_every_menu_entry_is_reachable_by_its_own_letter(window):
    bar = window.menuBar()
    tops = [a for a in bar.actions() if a.menu() is not None]
    assert all(mnemonic(a.text()) for a in tops)
    assert len({mnemonic(a.text()) for a in tops}) == len(tops)
    transport = {spec.name for spec in ACTIONS if spec.toolbar}
    for top in tops:
        if top.text() not in MNEMONIC_MENUS:
            continue
        menu: QMenu = top.menu()
        entries = [a for a in menu.actions() if not a.isSeparator()]
        assert entries, top.text()
        letters = []
        for action in entries:
            if action.objectName() in transport:  # Play, Step, Reset, New weights: their own single keys
                assert not action.shortcut().isEmpty() and len(action.shortcut().toString()) <= len("Shift+R")
                continue
            letters.append(mnemonic(action.text()))
            assert letters[-1], (top.text(), action.text())
        assert len(set(letters)) == len(letters), (top.text(), [a.text() for a in entries])
    assert window.compare_menu.title().startswith("&") and mnemonic(window.pins.pin_action.text())
    assert window.full_speed_action.shortcut() == QKeySequence("F")


def test_the_speed_moves_by_keys_too(qtbot, window):
    slider = window.speed_slider
    slider.setValue(3)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.setFocus()
    qtbot.keyClick(window, Qt.Key_BracketRight)
    assert slider.value() == 4
    qtbot.keyClick(window, Qt.Key_BracketLeft)
    qtbot.keyClick(window, Qt.Key_BracketLeft)
    assert slider.value() == 2 and window.speed_label.text() == "10 steps/s"
    run = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Run")
    assert {a.objectName() for a in run.actions()} >= {"slowerAction", "fasterAction"}
