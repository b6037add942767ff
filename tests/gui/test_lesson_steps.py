"""Stepped lessons in the window: the lesson panel drives the configuration, the watched views,
the question and the checkpoint; it never shares a tab group with a view; lessons come from the
app's folder, the user's folder and any file."""

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from engine import lessons as lessonfile
from gui.lessons import library
from gui.lessons.steps import ViewFlash
from gui.plots import VIEWS

CONFIG = {"data": {"name": "moons", "n_samples": 120, "noise": 0.2, "val_fraction": 0.25, "seed": 0},
          "model": {"hidden": [4], "activation": "tanh", "init": "xavier"},
          "train": {"optimizer": "adam", "lr": 0.03, "epochs": 40, "batch_size": 30, "seed": 0}}
LESSON = {
    "format": "activation-lab-lesson", "version": 2, "title": "Walked step by step", "experiment": 1,
    "config": CONFIG, "locked": ["initCombo"],
    "steps": [
        {"text": "<p>First look at <b>Diagnostics</b>.</p>", "watch": ["diagnostics"],
         "question": "What do you see?", "answer": "Four different units.", "checkpoint": {"until_epoch": 7}},
        {"text": "<p>Now ReLU, and pin it.</p>", "config": {"model": {"activation": "relu", "init": "he"}},
         "watch": ["parameters", "loss"], "checkpoint": {"pin": True}},
        {"text": "<p>The last step changes nothing.</p>"},
    ],
}


@pytest.fixture
def user_folder(tmp_path, monkeypatch):
    """The user's lesson folder is a temporary one (it does not exist until something creates it)."""
    folder = tmp_path / "user lessons"
    monkeypatch.setenv(library.ENV_FOLDER, str(folder))
    return folder


@pytest.fixture
def warnings_shown(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    return shown


def write(path, raw):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def settled(qtbot, window, config):
    qtbot.waitUntil(lambda: window.session is not None and window.session.config == config
                    and not window.builds.busy, timeout=10_000)


def test_the_engine_knows_the_windows_views():
    assert lessonfile.VIEW_KEYS == tuple(VIEWS)


def test_a_lesson_walked_step_by_step_drives_the_window(qtbot, window, tmp_path, user_folder):
    panel = window.lesson_view
    path = write(tmp_path / "walk.json", LESSON)
    spec = lessonfile.load(path)
    window.activateWindow()
    window.training_panel.seed.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.training_panel.seed, timeout=3000)
    focused = QApplication.focusWidget()
    assert window.open_lesson_file(str(path))
    settled(qtbot, window, lessonfile.step_config(spec, 0))

    # step 1: its text, the watched dock in front and framed, the focus where it was
    assert window.lesson_dock.isVisible() and panel.counter.text() == "Step 1 of 3"
    assert "Walked step by step" in panel.browser.toPlainText() and "First look at Diagnostics." in \
        panel.browser.toPlainText()
    assert not window.docks["diagnostics"].visibleRegion().isEmpty()  # raised over the gradient flow, its tab mate
    flash = window.docks["diagnostics"].findChild(ViewFlash)
    assert flash is not None and flash.isVisible() and flash.geometry() == window.docks["diagnostics"].rect()
    qtbot.waitUntil(lambda: not flash.isVisible(), timeout=4000)  # the frame goes after a moment
    assert QApplication.focusWidget() is focused
    if hasattr(window, "classroom"):
        assert window.classroom.is_locked("initCombo")

    # the question: its answer only on Reveal
    assert panel.question.isVisible() and panel.question.text() == "What do you see?"
    assert not panel.answer.isVisible()
    qtbot.mouseClick(panel.reveal, Qt.LeftButton)
    assert panel.answer.isVisible() and "Four different units." in panel.answer.text()

    # the checkpoint: Next waits for it; the button trains to epoch 7 and pauses there
    assert not panel.next.isEnabled() and not panel.back.isEnabled()
    assert panel.checkpoint.text() == "Run to epoch 7" and "Not reached yet" in panel.checkpoint_note.text()
    qtbot.mouseClick(panel.checkpoint, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.next.isEnabled(), timeout=10_000)
    qtbot.waitUntil(lambda: window.controller.phase == "paused", timeout=5000)
    assert window.session.epoch == 7 and window.latest.epoch == 7  # stopped exactly there
    assert "Reached epoch 7" in panel.checkpoint_note.text() and not panel.checkpoint.isEnabled()

    # step 2: its configuration set up, its views brought to the front; Next waits for a pin
    qtbot.mouseClick(panel.next, Qt.LeftButton)
    settled(qtbot, window, lessonfile.step_config(spec, 1))
    assert window.session.config.model.activation == "relu" and window.session.config.model.init == "he"
    assert window.network_panel.values()["activation"] == "relu"  # the panels show it too
    assert not window.docks["parameters"].visibleRegion().isEmpty()
    assert panel.counter.text() == "Step 2 of 3" and not panel.question.isVisible()
    assert not panel.next.isEnabled() and panel.checkpoint.text() == "Pin this run"
    pins_before = len(window.pins.runs)
    window.step_epoch()  # a pin needs an epoch
    qtbot.waitUntil(lambda: window.latest is not None and window.latest.epoch >= 1, timeout=5000)
    qtbot.waitUntil(lambda: window.controller.phase == "paused", timeout=5000)
    qtbot.mouseClick(panel.checkpoint, Qt.LeftButton)
    assert len(window.pins.runs) == pins_before + 1 and panel.next.isEnabled()
    assert "Pinned as" in panel.checkpoint_note.text()

    # step 3 changes nothing: the run goes on; Back to step 2 keeps it, Back to step 1 sets step 1 up again
    session = window.session
    qtbot.mouseClick(panel.next, Qt.LeftButton)
    assert panel.counter.text() == "Step 3 of 3" and window.session is session and not panel.next.isEnabled()
    assert not panel.checkpoint.isVisible()
    qtbot.mouseClick(panel.back, Qt.LeftButton)
    assert window.session is session and panel.next.isEnabled()  # its pin is remembered
    qtbot.mouseClick(panel.back, Qt.LeftButton)
    settled(qtbot, window, lessonfile.step_config(spec, 0))
    assert panel.next.isEnabled()  # the checkpoint was met once


def test_the_lesson_panel_shares_a_tab_group_with_no_view(qtbot, window):
    window.open_lesson(window.lessons[0])
    dock = window.lesson_dock
    assert dock.isVisible() and window.tabifiedDockWidgets(dock) == []
    for key, view_dock in window.docks.items():
        assert dock not in window.tabifiedDockWidgets(view_dock), key
        if view_dock.isVisible() and not view_dock.visibleRegion().isEmpty():
            assert not view_dock.geometry().intersects(dock.geometry()), key
    assert window.dockWidgetArea(dock) == window.dockWidgetArea(window.docks["loss"])  # a row under the views
    assert dock.geometry().top() > window.docks["activations"].geometry().bottom()
    assert 150 <= dock.height() <= 300  # a strip, not half the window
    assert not window.controls_dock.geometry().intersects(dock.geometry())


def test_a_new_lesson_draws_no_ghost_of_the_last(qtbot, window):
    loss = window.views["loss"]
    first, second = window.lessons[4], window.lessons[2]  # moons, identity; moons, dead ReLU
    window.open_lesson(first)
    settled(qtbot, window, first.config)
    window.step_epoch()
    qtbot.waitUntil(lambda: window.latest is not None and window.latest.epoch >= 1
                    and window.controller.phase == "paused", timeout=5000)
    qtbot.waitUntil(lambda: window.shown is window.latest, timeout=5000)
    assert len(loss.val_loss.getData()[0]) >= 1  # epoch 1 drawn
    window.open_lesson(second)
    settled(qtbot, window, second.config)
    qtbot.waitUntil(lambda: window.shown is not None, timeout=5000)
    for ghost in (*loss.ghost_loss, *loss.ghost_acc):
        x, _ = ghost.getData()
        assert x is None or len(x) == 0
    # within a lesson, a step that sets up a new network keeps the last run as the ghost to compare with
    window.step_epoch()
    qtbot.waitUntil(lambda: window.latest.epoch >= 1 and window.controller.phase == "paused", timeout=5000)
    qtbot.waitUntil(lambda: window.shown is window.latest, timeout=5000)
    window.apply_config(window.session.config.with_changes(model={"bias_init": "zeros"}))
    qtbot.waitUntil(lambda: window.session.config.model.bias_init == "zeros", timeout=5000)
    x, _ = loss.ghost_loss[1].getData()
    assert x is not None and len(x) >= 1


def test_a_malformed_lesson_file_is_named_and_changes_nothing(qtbot, window, tmp_path, warnings_shown, user_folder):
    bad = json.loads(json.dumps(LESSON))
    bad["steps"][1]["watch"] = ["parameters", "signal"]
    path = write(tmp_path / "broken.json", bad)
    config = window.session.config
    assert not window.open_lesson_file(str(path))
    title, text = warnings_shown[-1]
    assert title == "Not a valid lesson"
    assert "broken.json: steps[1].watch[1]: must be a view key" in text and "unchanged" in text
    assert window.session.config == config and window.lesson_view.lesson is None
    assert not window.lesson_dock.isVisible() and window.lesson_library.recent() == []
    bad["steps"][0]["checkpoint"] = {"until_epoch": 0}
    write(path, bad)
    assert not window.open_lesson_file(str(path))
    assert "steps[0].checkpoint.until_epoch: must be a positive integer, got 0" in warnings_shown[-1][1]


def test_open_lesson_remembers_it_and_file_new_leaves_it(qtbot, window, tmp_path, user_folder):
    path = write(tmp_path / "elsewhere" / "walk.json", LESSON)
    assert window.open_lesson_file(path)
    assert window.lesson_view.lesson.origin == "file"
    assert window.lesson_library.recent() == [str(path.resolve())]
    recent = window.lesson_library.recent_menu
    assert recent.isEnabled() and [a.text() for a in recent.actions()] == ["walk.json"]
    if hasattr(window, "classroom"):
        assert window.classroom.is_locked("initCombo")
    window.new_config()
    assert window.lesson_view.lesson is None and not window.lesson_dock.isVisible()
    if hasattr(window, "classroom"):
        assert not window.classroom.is_locked("initCombo")
    recent.actions()[0].trigger()  # the recent entry opens it again
    assert window.lesson_view.lesson is not None and window.lesson_view.lesson.title == "Walked step by step"


def _section(menu: QMenu, heading: str) -> list[str]:
    """The entries under a heading of the Lessons menu, up to the next separator."""
    texts = [("---" if a.isSeparator() else a.text()) for a in menu.actions()]
    start = texts.index(heading) + 1
    end = texts.index("---", start) if "---" in texts[start:] else len(texts)
    return texts[start:end]


def test_user_folder_lessons_are_listed_beside_the_prepared_ones(qtbot, window, user_folder, monkeypatch):
    menu = window.lessons_menu
    shipped = [lesson.title for lesson in window.lessons]
    assert _section(menu, "Prepared lessons") == shipped
    mine = dict(LESSON, title="My symmetry lesson")
    write(user_folder / "01_symmetry.json", mine)  # the same name as a prepared one: it stands in for it
    write(user_folder / "extra.json", dict(LESSON, title="Extra"))
    (user_folder / "broken.json").write_text('{"format": "activation-lab-lesson"}', encoding="utf-8")
    window.reload_lessons()
    assert _section(menu, "Prepared lessons") == shipped[1:]
    yours = _section(menu, "Your lessons")
    assert yours[:2] == ["My symmetry lesson", "Extra"]
    folder = next(a for a in menu.actions() if a.objectName() == "lessonFolderEntry")
    assert not folder.isEnabled() and str(user_folder) in folder.toolTip()
    skipped = menu.findChild(QMenu, "skippedLessonsMenu")
    assert skipped is not None and any(a.text().startswith("broken.json: version: is required")
                                       for a in skipped.actions())
    entry = next(a for a in menu.actions() if a.text() == "Extra")
    entry.trigger()
    assert window.lesson_view.lesson.origin == "user" and window.lesson_view.lesson.title == "Extra"
    opened = []
    monkeypatch.setattr(library, "open_url", lambda url: opened.append(url.toLocalFile()) or True)
    window.findChild(type(entry), "openLessonFolderAction").trigger()
    assert opened == [str(user_folder)]
    assert window.user_lesson_folder() == user_folder  # where Save as lesson writes


def test_the_user_folder_is_created_only_when_needed(qtbot, window, user_folder, monkeypatch):
    assert not user_folder.exists()  # listing it created nothing
    monkeypatch.setattr(library, "open_url", lambda url: True)
    assert window.lesson_library.open_folder()
    assert user_folder.is_dir()


def test_run_to_epoch_stops_exactly_there_and_play_takes_over(qtbot, window):
    controller = window.controller
    assert controller.run_to_epoch(4)
    qtbot.waitUntil(lambda: controller.phase == "paused" and controller.run_target is None, timeout=10_000)
    assert window.session.epoch == 4
    assert not controller.run_to_epoch(3)  # already past it: nothing to do
    assert controller.run_to_epoch(50)
    controller.play()  # Play ends the run to 50: training goes on as usual
    assert controller.run_target is None
    qtbot.waitUntil(lambda: window.session.epoch > 4, timeout=5000)
    controller.pause()
    qtbot.waitUntil(lambda: controller.phase == "paused", timeout=5000)


def test_reset_layout_brings_the_strip_back_only_for_an_open_lesson(qtbot, window):
    reset = window.reset_layout_action
    reset.trigger()
    assert not window.lesson_dock.isVisible()  # no lesson: no empty strip
    window.open_lesson(window.lessons[0])
    window.lesson_dock.close()
    reset.trigger()
    assert window.lesson_dock.isVisible() and not window.lesson_dock.isFloating()
    assert window.tabifiedDockWidgets(window.lesson_dock) == []
