"""Lessons ▸ Save as lesson…, and lesson bundles: what the teacher writes in the editor is what the
file holds, bad input is named and nothing typed is lost, and a bundle hands lessons out whole."""

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine import lessonbundle, lessons
from engine.lessons import Checkpoint, Step
from gui import dialogs
from gui.lessons import editor as editor_module
from gui.lessons.library import ENV_FOLDER


@pytest.fixture
def folder(window, tmp_path, monkeypatch):
    """The user lesson folder, in a temporary place (never the user's own)."""
    place = tmp_path / "my lessons"
    monkeypatch.setenv(ENV_FOLDER, str(place))
    assert window.classroom.authoring.folder() == place
    return place


def open_editor(window):
    window.classroom.authoring.save_as_action.trigger()
    editor = window.classroom.authoring.editor
    assert editor is not None and editor.isVisible() and not editor.isModal()
    return editor


def select_combo(combo, data):
    combo.setCurrentIndex(combo.findData(data))


def test_save_as_lesson_round_trips_configuration_steps_locks_and_passphrase(window, qtbot, folder, monkeypatch):
    window.classroom.apply(["initCombo"], ["l2Spin"], None)
    start = window.current_config()
    window.docks["parameters"].close()
    editor = open_editor(window)
    assert editor.hide_view_boxes["parameters"].isChecked()  # a closed view starts as hidden
    table = editor.controls_table
    rows = {table.item(r, 1).text(): r for r in range(table.rowCount())}
    assert table.item(rows["initCombo"], 0).text() == "Initialiser"
    assert editor.lock_boxes["initCombo"].isChecked() and editor.hide_boxes["l2Spin"].isChecked()  # the lesson's
    assert not editor.lock_boxes["l2Spin"].isChecked() and not editor.hide_boxes["initCombo"].isChecked()

    qtbot.keyClicks(editor.title_edit, "Symmetry, then He")
    editor.experiment.setValue(1)
    qtbot.keyClicks(editor.text_edit, "Press Play and watch the loss.")
    editor.watch_boxes["loss"].click()
    qtbot.keyClicks(editor.question_edit, "Why does it fall?")
    qtbot.keyClicks(editor.answer_edit, "The gradient points downhill.")
    select_combo(editor.checkpoint, editor_module.UNTIL_EPOCH)
    editor.until.setValue(20)
    qtbot.mouseClick(editor.add_button, Qt.LeftButton)
    assert editor.step_list.count() == 2 and editor.step_list.currentRow() == 1
    qtbot.keyClicks(editor.text_edit, "<p>Now <b>He</b> weights.</p>")
    window.classroom.clear()  # the teacher changes the window's own settings for this step
    select_combo(window.network_panel.init, "he")
    qtbot.mouseClick(editor.use_button, Qt.LeftButton)
    assert editor.changes_label.text() == "Changes: model.init = he, model.init_param = (its default)"
    select_combo(editor.checkpoint, editor_module.PIN)
    editor.lock_boxes["activationCombo"].click()
    select_combo(editor.passphrase_mode, editor_module.NEW_PASSPHRASE)
    qtbot.keyClicks(editor.passphrase, "barn owl")
    qtbot.keyClicks(editor.passphrase_again, "barn owl")

    asked = []
    target = folder / "symmetry.json"
    monkeypatch.setattr(editor_module, "ask_save_path", lambda parent, title, default, filt: asked.append(default)
                        or str(target))
    qtbot.mouseClick(editor.save_button, Qt.LeftButton)
    assert asked == [str(folder / "symmetry_then_he.json")]  # the user lesson folder, a name from the title
    assert not editor.isVisible()

    spec = lessons.load(target)
    assert spec.title == "Symmetry, then He" and spec.experiment == 1 and spec.config == start
    assert spec.steps == (
        Step("Press Play and watch the loss.", None, ("loss",), "Why does it fall?", "The gradient points downhill.",
             Checkpoint(until_epoch=20)),
        Step("<p>Now <b>He</b> weights.</p>", {"model": {"init": "he", "init_param": None}},
             checkpoint=Checkpoint(pin=True)))
    assert spec.locked == ("initCombo", "activationCombo") and spec.hidden == ("l2Spin", "view:parameters")
    assert lessons.check_passphrase(spec.teacher, "barn owl") and not lessons.check_passphrase(spec.teacher, "owl")
    assert lessons.step_config(spec, 1).model.init == "he"
    assert "barn owl" not in target.read_text(encoding="utf-8")  # only its salted hash is stored
    # the lesson list knows it, and it is the lesson in use, its locks held
    assert [lesson.path for lesson in window.lesson_library.user] == [target]
    qtbot.waitUntil(lambda: window.classroom.snapshot() == (spec.locked, spec.hidden))
    assert window.classroom.teacher == spec.teacher and not window.network_panel.activation.isEnabled()


def test_steps_move_up_and_down_and_are_removed(window, qtbot, folder):
    editor = open_editor(window)
    for text in ("first", "second", "third"):
        if editor.step_list.currentItem().text() != "1. (no text yet)":
            qtbot.mouseClick(editor.add_button, Qt.LeftButton)
        qtbot.keyClicks(editor.text_edit, text)
    assert [d.text for d in editor.drafts] == ["first", "second", "third"]
    qtbot.mouseClick(editor.up_button, Qt.LeftButton)  # "third" up
    assert [d.text for d in editor.drafts] == ["first", "third", "second"] and editor.step_list.currentRow() == 1
    editor.step_list.setCurrentRow(0)
    assert not editor.up_button.isEnabled() and editor.text_edit.toPlainText() == "first"
    qtbot.mouseClick(editor.down_button, Qt.LeftButton)
    assert [d.text for d in editor.drafts] == ["third", "first", "second"]
    qtbot.mouseClick(editor.remove_button, Qt.LeftButton)
    assert [d.text for d in editor.drafts] == ["third", "second"]
    assert [editor.step_list.item(i).text() for i in range(2)] == ["1. third", "2. second"]


@pytest.mark.parametrize(("setup", "message"), [
    (lambda e, q: None, "Title: must not be empty"),
    (lambda e, q: q.keyClicks(e.title_edit, "T"), "Step 1 text: must not be empty"),
    (lambda e, q: (q.keyClicks(e.title_edit, "T"), q.keyClicks(e.text_edit, "Go."),
                   q.keyClicks(e.question_edit, "Why?")), "Step 1 answer: is required when the step asks a question"),
    (lambda e, q: (q.keyClicks(e.title_edit, "T"), e.remove_step()),
     "Steps: a lesson needs at least one step (Add step)"),
    (lambda e, q: (q.keyClicks(e.title_edit, "T"), q.keyClicks(e.text_edit, "Go."),
                   e.passphrase_mode.setCurrentIndex(e.passphrase_mode.findData(editor_module.NEW_PASSPHRASE)),
                   q.keyClicks(e.passphrase, "one"), q.keyClicks(e.passphrase_again, "two")),
     "Teacher passphrase: the two entries differ: type it again in both boxes"),
    (lambda e, q: (q.keyClicks(e.title_edit, "T"), q.keyClicks(e.text_edit, "Go."),
                   e.checkpoint.setCurrentIndex(e.checkpoint.findData(editor_module.UNTIL_EPOCH)),
                   e.until.setValue(999_999)),
     "Step 1 checkpoint until epoch: must be at most the step's 100000 epochs (train.epochs), got 999999"),
])
def test_bad_input_is_named_and_nothing_typed_is_lost(window, qtbot, folder, monkeypatch, setup, message):
    editor = open_editor(window)
    setup(editor, qtbot)
    typed = (editor.title_edit.text(), [d.text for d in editor.drafts], editor.question_edit.text())
    asked = []
    monkeypatch.setattr(editor_module, "ask_save_path", lambda *a: asked.append(a) or "")
    qtbot.mouseClick(editor.save_button, Qt.LeftButton)
    assert editor.message.isVisible() and editor.message.text() == message
    assert editor.isVisible() and not asked  # nothing asked, nothing written, the dialog stays
    assert (editor.title_edit.text(), [d.text for d in editor.drafts], editor.question_edit.text()) == typed
    assert not folder.exists() or not list(folder.iterdir())


def test_the_editor_is_readable_and_resizable(window, qtbot, folder):
    editor = open_editor(window)
    qtbot.keyClicks(editor.title_edit, "Dead ReLUs")
    qtbot.keyClicks(editor.text_edit, "<p>Press <b>Play</b>: how many units stay dead?</p>")
    editor.watch_boxes["diagnostics"].click()
    qtbot.keyClicks(editor.question_edit, "How many units of layer 1 are dead?")
    assert editor.isSizeGripEnabled() and editor.width() <= 1280 and editor.height() <= 760
    editor.grab().save("/tmp/classroom/editor_steps.png")
    editor.tabs.setCurrentIndex(1)
    editor.grab().save("/tmp/classroom/editor_classroom.png")
    note = editor.findChild(type(editor.message), "stepTextNote")
    assert "<b>" in note.text() and "sanitizer" in note.text()


def write_lessons(folder, *titles):
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for title in titles:
        spec = lessons.parse({"format": lessons.FORMAT, "version": 2, "title": title, "config": {},
                              "hidden": ["view:parameters"], "steps": [{"text": f"About {title}."}]})
        path = folder / editor_module.file_name_for(title)
        lessons.save(spec, path)
        paths.append(path)
    return paths


def test_a_bundle_exports_and_imports_back_into_the_user_folder(window, qtbot, folder, tmp_path, monkeypatch):
    sent = write_lessons(tmp_path / "teacher", "Symmetry", "Dead ReLU")
    authoring = window.classroom.authoring
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda parent, title, start, filt: asked.append(start) or ([str(p) for p in sent], filt))
    monkeypatch.setattr(dialogs, "ask_save_path", lambda parent, title, default, filt: str(tmp_path / "hand out"))
    authoring.export_action.trigger()  # Lessons ▸ Export lesson bundle…: the lessons, then the bundle's name
    assert asked == [str(folder)]
    written = tmp_path / f"hand out{lessonbundle.SUFFIX}"
    assert json.loads(written.read_text(encoding="utf-8"))["format"] == lessonbundle.BUNDLE_FORMAT
    write_lessons(folder, "Symmetry")  # the student's folder has a lesson of the same file name already
    (folder / "symmetry.json").write_text((folder / "symmetry.json").read_text().replace("About", "On"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda parent, title, start, filt: (str(written), filt))
    authoring.import_action.trigger()  # Lessons ▸ Import lesson bundle…
    got = [folder / "symmetry-2.json", folder / "dead_relu.json"]
    assert [lessons.load(p) for p in got] == [lessons.load(p) for p in sent]
    assert lessons.load(folder / "symmetry.json").steps[0].text == "On Symmetry."  # the student's own, kept
    assert window.statusBar().currentMessage() == f"2 lesson(s) added to {folder}"
    assert {lesson.path for lesson in window.lesson_library.user} == {*got, folder / "symmetry.json"}


def test_a_malformed_bundle_is_refused_naming_the_entry(window, qtbot, folder, tmp_path, monkeypatch):
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    sent = write_lessons(tmp_path / "teacher", "Symmetry")
    good = tmp_path / f"b{lessonbundle.SUFFIX}"
    lessonbundle.write_bundle(lessonbundle.entries_from_files(sent), good)
    raw = json.loads(good.read_text(encoding="utf-8"))
    raw["lessons"][0]["lesson"]["steps"] = []
    bad = tmp_path / f"bad{lessonbundle.SUFFIX}"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    assert window.classroom.authoring.import_bundle(str(bad)) == []
    assert warned == ["The bundle was not imported: bad.alab-lessons.json: lessons[0].lesson.steps: "
                      "must hold at least one step"]
    assert not folder.exists() or not list(folder.iterdir())


def test_a_refusal_shows_the_step_it_names(window, qtbot, folder):
    editor = open_editor(window)
    qtbot.keyClicks(editor.title_edit, "Two steps")
    qtbot.keyClicks(editor.text_edit, "One.")
    qtbot.mouseClick(editor.add_button, Qt.LeftButton)
    qtbot.keyClicks(editor.text_edit, "Two.")
    qtbot.keyClicks(editor.question_edit, "Why?")
    editor.step_list.setCurrentRow(0)
    editor.tabs.setCurrentIndex(1)
    qtbot.mouseClick(editor.save_button, Qt.LeftButton)
    assert editor.message.text() == "Step 2 answer: is required when the step asks a question"
    assert editor.tabs.currentIndex() == 0 and editor.step_list.currentRow() == 1
    assert editor.question_edit.text() == "Why?"
