"""Saved work and exports: configuration files, recent files, settings, exports, lessons, help."""

import csv
import json
import logging

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from engine.config import Config
from gui.lessons import load_lessons
from gui.persistence import Store


@pytest.fixture
def warnings_shown(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    return shown


def test_save_and_open_configuration(qtbot, window, tmp_path):
    combo = window.network_panel.activation
    combo.setCurrentIndex(combo.findData("sigmoid"))
    path = tmp_path / "mine.json"
    window.save_config(str(path))
    saved = Config.from_dict(json.loads(path.read_text()))
    assert saved == window.session.config and saved.model.activation == "sigmoid"
    window.new_config()
    assert window.session.config.model.activation == "tanh"
    assert window.open_config(str(path))
    assert window.session.config == saved
    assert window.network_panel.activation.currentData() == "sigmoid"
    assert [a.text() for a in window.recent_menu.actions()] == ["mine.json"]


def test_invalid_configuration_names_the_field_and_keeps_the_work(qtbot, window, tmp_path, warnings_shown):
    before = window.session
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"model": {"hidden": [16, -3]}}))
    assert not window.open_config(str(bad))
    assert window.session is before
    title, text = warnings_shown[-1]
    assert "model.hidden[1]: must be a positive integer, got -3" in text and "unchanged" in text
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert not window.open_config(str(broken))
    assert "is not valid JSON" in warnings_shown[-1][1]
    assert window.session is before


def test_exports(qtbot, window, tmp_path):
    window.step_epoch()
    qtbot.waitUntil(lambda: window.session.epoch >= 1 and window.shown is not None and window.shown.epoch >= 1,
                    timeout=3000)
    window.step_epoch()
    qtbot.waitUntil(lambda: window.shown.epoch >= 2, timeout=3000)
    window.export("history", str(tmp_path / "h.csv"))
    rows = list(csv.DictReader((tmp_path / "h.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert float(rows[1]["train_loss"]) == pytest.approx(window.session.history().train_loss[1])
    assert "layer1_grad_mean_abs" in rows[0] and "output_activation_std" in rows[0]
    window.export("weights", str(tmp_path / "w.npz"))
    weights = np.load(tmp_path / "w.npz")
    np.testing.assert_array_equal(weights["W1"], window.session.network.layers[0].W.value)
    assert str(weights["architecture"]).startswith("2 → 6 tanh")
    window.export("report", str(tmp_path / "r.json"))
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["epochs"] == 2 and len(report["history"]["train_loss"]) == 2
    window.export("diagnostics", str(tmp_path / "d.csv"))
    assert (tmp_path / "d.csv").read_text().startswith("state,severity,alert")
    for key in window.views:
        window._guarded(lambda: None)
        from gui import exports
        exports.export_view(window.views[key], str(tmp_path / f"{key}.png"))
        assert (tmp_path / f"{key}.png").stat().st_size > 1000
    exports.export_view(window.views["loss"], str(tmp_path / "loss.svg"))
    assert "<svg" in (tmp_path / "loss.svg").read_text()[:2000]


def test_export_while_training_pauses_and_resumes(qtbot, window, tmp_path):
    window.play_pause()
    qtbot.waitUntil(lambda: window.session.epoch > 3, timeout=5000)
    window.export("weights", str(tmp_path / "w.npz"))
    assert window.is_training()
    assert np.load(tmp_path / "w.npz")["W1"].shape == (2, 6)


def test_settings_restore_layout_config_and_recent(qtbot, window, tmp_path):
    path = tmp_path / "kept.json"
    window.save_config(str(path))
    window.docks["boundary"].hide()
    window.close()
    from gui.main_window import MainWindow

    again = MainWindow()
    qtbot.addWidget(again)
    assert again.session.config == window.session.config  # the last configuration
    assert not again.docks["boundary"].isVisibleTo(again)  # the dock layout
    assert str(path.resolve()) in again.store.recent_files()
    again.shutdown()


def test_corrupt_settings_are_ignored_with_a_note(qtbot, caplog):
    settings = QSettings()
    settings.setValue("session/config", "{not json")
    settings.setValue("files/recent", 42)
    settings.setValue("window/state", "garbage")
    with caplog.at_level(logging.WARNING):
        store = Store(settings)
        assert store.last_config() is None and store.recent_files() == []
        from gui.main_window import MainWindow

        w = MainWindow(store=store)
        qtbot.addWidget(w)
        w.shutdown()
    text = caplog.text
    assert "session/config" in text and "files/recent" in text and "window/state" in text
    settings.clear()


def test_every_lesson_loads_and_opens(qtbot, window):
    lessons = load_lessons()
    assert len(lessons) >= 6 and len({lesson.experiment for lesson in lessons}) >= 4
    window.open_lesson(lessons[0])
    assert window.session.config == lessons[0].config
    assert lessons[0].title in window.lesson_view.browser.toPlainText()


def test_shortcuts_sheet_and_about(qtbot, window):
    from gui import dialogs

    sheet = dialogs.shortcuts_dialog(window, window.findChildren(type(window.play_action)))
    text = sheet.findChild(object, "shortcutsTable").text()
    for key in ("Space", "S", "R", "Shift+R", "Ctrl+O", "Ctrl+S"):
        assert f"<b>{key}</b>" in text
    about = dialogs.about_text()
    assert "PySide6 6.11.3" in about and "NumPy" in about and "pyqtgraph" in about


def test_every_control_has_a_tooltip(window):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QSlider, QTabBar

    missing = [w.objectName() or type(w).__name__
               for kind in (QComboBox, QAbstractSpinBox, QSlider, QAbstractButton)
               for w in window.findChildren(kind)
               if w.isVisibleTo(window) and not w.toolTip() and not isinstance(w.parent(), (QComboBox, QTabBar))
               and not w.objectName().startswith("qt_")]  # Qt's own dock and toolbar buttons
    assert missing == []


def test_broken_lesson_files_are_named_and_skipped(tmp_path, caplog):
    """A lesson that is not a lesson never stops the start: it is skipped with the file, field and rule."""
    import json
    import logging

    from gui.lessons import load_lessons

    good = {"title": "Fine", "text": "<p>ok</p>", "config": {}}
    files = {"a_null.json": {**good, "experiment": None}, "b_huge.json": '{"title": "t", "text": "x", '
             '"config": {}, "experiment": 1e999}', "c_string.json": '"just text"',
             "d_nested.json": "[" * 100000 + "]" * 100000,
             "e_bad_config.json": {**good, "config": {"train": {"lr": -1}}},
             "f_title.json": {**good, "title": 3}, "z_good.json": good}
    for name, body in files.items():
        (tmp_path / name).write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        lessons = load_lessons(tmp_path)
    assert [lesson.title for lesson in lessons] == ["Fine"]
    text = caplog.text
    assert "a_null.json: experiment: must be a whole number" in text
    assert "b_huge.json: experiment: must be a finite number, got 1e999" in text
    assert "c_string.json: must be a JSON object with title, config and steps" in text
    assert "d_nested.json" in text
    assert "e_bad_config.json: config.train.lr: must be > 0" in text
    assert "f_title.json: title: must be text" in text
