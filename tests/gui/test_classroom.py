"""Classroom control: what a lesson locks stays locked and says so, what it hides stays hidden,
and Teacher mode (behind the lesson's passphrase, if any) lifts it all and gives it back."""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QMenu, QMessageBox, QWidget

from engine import lessons
from engine.config import Config
from engine.lessons import make_teacher
from engine.lessons import save as save_lesson
from gui.classroom import LOCK_TIP, UNKNOWN_NOTE, lesson_controls


def badges(widget):
    return [b for b in widget.findChildren(QWidget, "lockBadge") if b.isVisibleTo(widget)]


def test_a_locked_combo_cannot_be_changed_and_shows_its_lock(window, qtbot):
    net = window.network_panel
    before = net.init.currentData()
    window.classroom.apply(["initCombo"], [], None)
    assert not net.init.isEnabled() and net.init.toolTip().startswith(LOCK_TIP)
    label = net.form.labelForField(net.init)
    assert len(badges(label)) == 1 and badges(label)[0].toolTip() == LOCK_TIP  # the padlock before "Initialiser"
    assert label.contentsMargins().left() >= badges(label)[0].width()  # the text makes room for it
    qtbot.mouseClick(net.init, Qt.LeftButton)
    qtbot.keyClicks(net.init, "He")
    qtbot.keyClick(net.init, Qt.Key_Down)
    assert net.init.currentData() == before and window.current_config().model.init == before
    assert window.classroom.is_locked("initCombo")
    window.classroom.clear()
    assert net.init.isEnabled() and not badges(label) and not net.init.toolTip().startswith(LOCK_TIP)
    qtbot.keyClick(net.init, Qt.Key_Down)  # unlocked: the user can change it again
    assert net.init.currentData() != before


def test_a_locked_transport_button_locks_its_shortcut_too(window, qtbot):
    window.classroom.apply(["playButton"], [], None)
    button = window.buttons["playButton"]
    assert not button.isEnabled() and not window.play_action.isEnabled()  # Space does nothing
    assert badges(button) and window.play_action.toolTip() == LOCK_TIP
    window.classroom.clear()
    assert button.isEnabled() and window.play_action.isEnabled() and "(Space)" in window.play_action.toolTip()


def test_a_hidden_row_stays_hidden_when_the_panel_lays_its_rows_out_again(window, qtbot):
    net, train = window.network_panel, window.training_panel
    window.classroom.apply([], ["leakySlopeSpin", "l1Spin"], None)
    net.activation.setCurrentIndex(net.activation.findData("leaky_relu"))  # the panel shows the slope row…
    train.advanced.click()  # … and the Advanced rows
    assert not net.form.isRowVisible(net.slope) and not net.form.labelForField(net.slope).isVisible()
    assert not train.form.isRowVisible(train.l1) and not train.l1.isVisible()
    assert train.form.isRowVisible(train.with_replacement)  # the rest of Advanced did open
    window.classroom.clear()  # what the panel asked for meanwhile comes back
    assert net.form.isRowVisible(net.slope) and net.slope.isVisible()
    assert train.form.isRowVisible(train.l1) and train.l1.isVisible()


def test_a_row_the_panel_hid_meanwhile_stays_hidden_after_the_lesson(window, qtbot):
    train = window.training_panel
    assert train.form.isRowVisible(train.hyper["beta1"])  # Adam's constant
    window.classroom.apply([], ["beta1Spin"], None)
    train.optimizer.setCurrentIndex(train.optimizer.findData("sgd"))  # plain SGD has no beta1
    window.classroom.clear()
    assert not train.form.isRowVisible(train.hyper["beta1"])


def test_a_lock_keeps_what_the_panel_wants_enabled_for_later(window, qtbot):
    train = window.training_panel
    window.classroom.apply(["batchSizeSpin"], [], None)
    train.optimizer.setCurrentIndex(train.optimizer.findData("adam"))
    assert not train.batch.isEnabled()  # the panel's own enabling does not undo the lock
    train.optimizer.setCurrentIndex(train.optimizer.findData("gd"))  # full batch: the panel disables it
    window.classroom.clear()
    assert not train.batch.isEnabled()
    window.classroom.apply(["batchSizeSpin"], [], None)
    train.optimizer.setCurrentIndex(train.optimizer.findData("adam"))
    window.classroom.clear()
    assert train.batch.isEnabled()


def test_a_nested_control_hides_alone_and_its_row_once_nothing_is_left(window, qtbot):
    train = window.training_panel
    window.classroom.apply([], ["learningRateSlider"], None)
    assert not train.lr_slider.isVisible() and train.lr.isVisible()
    window.classroom.apply([], ["learningRateSlider", "learningRateSpin"], None)
    label = train.form.labelForField(train.lr.parentWidget())
    assert not label.isVisible() and not train.lr.isVisible()
    window.classroom.clear()
    assert label.isVisible() and train.lr.isVisible() and train.lr_slider.isVisible()


def test_a_hidden_view_closes_its_dock_and_disables_its_toggle(window, qtbot):
    dock = window.docks["parameters"]
    dock.show()
    window.classroom.apply([], ["view:parameters"], None)
    assert not dock.isVisible() and not dock.toggleViewAction().isEnabled()
    window.reset_layout()  # View ▸ Reset layout shows every dock: a hidden view closes again
    qtbot.waitUntil(lambda: not dock.isVisible())
    window.classroom.set_teacher_mode(True)
    assert dock.isVisible() and dock.toggleViewAction().isEnabled()
    window.classroom.set_teacher_mode(False)
    assert not dock.isVisible() and not dock.toggleViewAction().isEnabled()


def test_teacher_mode_unlocks_and_relocks_from_its_toolbar_button(window, qtbot):
    classroom, net = window.classroom, window.network_panel
    classroom.apply(["activationCombo"], ["l2Spin"], None)
    train = window.training_panel
    assert not net.activation.isEnabled() and not train.l2.isVisible()
    button = classroom.button
    assert button.text() == "Teacher mode" and not button.icon().isNull() and button.isVisible()
    qtbot.mouseClick(button, Qt.LeftButton)
    assert classroom.teacher_mode and classroom.teacher_action.isChecked()
    assert net.activation.isEnabled() and train.l2.isVisible() and not badges(net.form.labelForField(net.activation))
    assert classroom.note.isVisible() and classroom.note.text() == "Teacher mode"
    assert classroom.snapshot() == (("activationCombo",), ("l2Spin",))  # the lesson's sets, remembered
    assert not classroom.is_locked("activationCombo")
    qtbot.mouseClick(button, Qt.LeftButton)
    assert not classroom.teacher_mode and not classroom.note.isVisible()
    assert not net.activation.isEnabled() and not train.l2.isVisible()
    assert classroom.teacher_action in window.menuBar().findChild(QMenu, "lessonsMenu").actions()


def answer_passphrase(window, qtbot, typed):
    """Turn Teacher mode on from the toolbar and type ``typed`` into the passphrase dialog."""
    seen = {}

    def fill():
        dialog = window.classroom.passphrase_dialog
        try:
            edit = dialog.findChild(QLineEdit)
            seen["echo"] = edit.echoMode()
            qtbot.keyClicks(edit, typed)
        finally:
            dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok).click()

    QTimer.singleShot(0, fill)
    qtbot.mouseClick(window.classroom.button, Qt.LeftButton)
    return seen


def test_teacher_mode_asks_for_the_lessons_passphrase(window, qtbot, monkeypatch):
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    classroom = window.classroom
    classroom.apply(["initCombo"], [], make_teacher("barn owl"))
    seen = answer_passphrase(window, qtbot, "tawny owl")
    assert seen["echo"] == QLineEdit.Password
    assert not classroom.teacher_mode and not classroom.teacher_action.isChecked()
    assert not window.network_panel.init.isEnabled()
    assert warned and "not this lesson's passphrase" in warned[0]
    answer_passphrase(window, qtbot, "barn owl")
    assert classroom.teacher_mode and window.network_panel.init.isEnabled() and len(warned) == 1
    qtbot.mouseClick(classroom.button, Qt.LeftButton)  # off needs no passphrase
    assert not classroom.teacher_mode and not window.network_panel.init.isEnabled()


def test_unknown_names_are_reported_once_and_ignored(window, qtbot):
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    window.classroom.apply(["initCombo", "warpDriveCombo"], ["view:hologram", "l2Spin"], None)
    note = UNKNOWN_NOTE.format("warpDriveCombo, view:hologram")
    assert window.statusBar().currentMessage() == note and window.classroom.unknown == ("warpDriveCombo",
                                                                                        "view:hologram")
    assert not window.network_panel.init.isEnabled() and not window.training_panel.l2.isVisible()
    with qtbot.waitSignal(window.sessionReady, timeout=10_000):
        window.rebuild()  # the classroom checks its controls again after a rebuild: no second report
    qtbot.waitUntil(lambda: not window.classroom._recheck_pending)
    assert messages.count(note) == 1


def test_a_locked_layer_row_stays_locked_when_the_panel_makes_new_rows(window, qtbot):
    window.classroom.apply(["layerWidth1"], [], None)
    assert not window.findChild(QWidget, "layerWidth1").isEnabled()
    config = Config.from_dict({**window.current_config().to_dict(), "model": {"hidden": [5, 3, 2]}})
    with qtbot.waitSignal(window.sessionReady, timeout=10_000):
        window.apply_config(config)  # the layer editor builds its rows anew
    qtbot.waitUntil(lambda: not window.findChild(QWidget, "layerWidth1").isEnabled())
    assert window.findChild(QWidget, "layerWidth2").isEnabled()


def test_the_controls_a_lesson_can_name_are_listed_with_their_labels(window):
    controls = dict(lesson_controls(window))
    assert controls["initCombo"] == "Initialiser" and controls["activationCombo"] == "Activation"
    assert controls["learningRateSlider"] == "Learning rate — slider"
    assert controls["fullBatchCheck"] == "Batch — Full batch" and controls["batchSizeSpin"] == "Batch — box"
    assert (controls["featureXCombo"], controls["featureYCombo"]) == ("Plane — list 1", "Plane — list 2")
    assert controls["layerWidth1"] == "Layer 1 width" and controls["playButton"] == "Play"
    assert controls["speedSlider"] == "How fast training runs"  # no label: its tooltip's first words
    assert "teacherModeButton" not in controls and not any(name.startswith("qt_") for name in controls)


def test_the_classroom_entries_come_back_when_the_lessons_menu_is_rebuilt(window):
    menu = window.menuBar().findChild(QMenu, "lessonsMenu")
    entries = window.classroom.menu_actions()
    window.reload_lessons()  # the lesson lists above are rebuilt: the classroom's entries stay, at the end
    assert menu.actions()[-len(entries):] == entries
    assert menu.actions().index(window.lesson_library.open_action) < menu.actions().index(entries[0])
    menu.clear()  # as the lesson list does when it is reloaded
    menu.addAction("Some lesson")
    menu.aboutToShow.emit()
    assert menu.actions()[-len(entries):] == entries and menu.actions()[-len(entries) - 1].isSeparator()
    assert [a.objectName() for a in entries] == ["teacherModeAction", "saveAsLessonAction",
                                                 "exportLessonBundleAction", "importLessonBundleAction"]


def test_a_lesson_file_locks_its_controls_and_file_new_lifts_them(window, qtbot, tmp_path):
    path = tmp_path / "locked.json"
    save_lesson(lessons.parse({"format": lessons.FORMAT, "version": 2, "title": "Locked", "config": {},
                               "locked": ["initCombo"], "hidden": ["view:parameters", "l2Spin"],
                               "steps": [{"text": "Look, do not touch."}]}), path)
    assert window.open_lesson_file(str(path))
    qtbot.waitUntil(lambda: window.classroom.snapshot() == (("initCombo",), ("view:parameters", "l2Spin")))
    assert not window.network_panel.init.isEnabled() and not window.docks["parameters"].isVisible()
    assert not window.training_panel.l2.isVisible()
    window.new_action.trigger()
    assert window.classroom.snapshot() == ((), ()) and window.network_panel.init.isEnabled()
    assert window.training_panel.l2.isVisible() and window.docks["parameters"].toggleViewAction().isEnabled()


def test_teacher_mode_stays_off_when_the_passphrase_is_cancelled_and_for_another_lessons(window, qtbot):
    classroom = window.classroom

    def cancel():
        classroom.passphrase_dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Cancel).click()

    classroom.apply(["initCombo"], [], make_teacher("barn owl"))
    QTimer.singleShot(0, cancel)
    qtbot.mouseClick(classroom.button, Qt.LeftButton)
    assert not classroom.teacher_mode and not classroom.teacher_action.isChecked()
    answer_passphrase(window, qtbot, "barn owl")
    assert classroom.teacher_mode
    classroom.apply(["initCombo"], [], classroom.teacher)  # the same lesson again: still the teacher's
    assert classroom.teacher_mode and window.network_panel.init.isEnabled()
    classroom.apply(["initCombo"], [], make_teacher("tawny owl"))  # another teacher's lesson: its locks hold
    assert not classroom.teacher_mode and not window.network_panel.init.isEnabled()
