"""The window as an assembly: actions from the table, docks where the views say, exports
from the registry, the status line from the controller, and rebuilds that leave no stale rows."""

import numpy as np
import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QMenu

from gui import exports
from gui.actions import ACTIONS
from gui.lessons import load_lessons
from gui.plots import VIEWS


def test_every_action_of_the_table_is_on_the_window(window):
    for spec in ACTIONS:
        action = window.findChild(QAction, spec.name)
        assert action is getattr(window, spec.attr), spec.name
        assert action.text() == spec.text and action.toolTip().startswith(spec.tip)
        if isinstance(spec.shortcut, str):  # (standard keys differ between platforms)
            assert action.shortcut().toString() == spec.shortcut, spec.name
    assert window.play_action.toolTip() == "Start or pause training (Space)"
    assert window.open_action.statusTip() == window.open_action.toolTip()


def test_docks_sit_where_the_views_declare(qtbot, window):
    window.reset_layout()  # not the layout an earlier test left in the settings
    docks = window.docks
    cells = {key: cls.dock_cell for key, cls in VIEWS.items() if cls.dock_cell is not None}

    def placed():
        for a, (ra, ca) in cells.items():
            for b, (rb, cb) in cells.items():
                ga, gb = docks[a].geometry(), docks[b].geometry()
                if ra == rb and ca < cb and not ga.right() < gb.left():
                    return False
                if ra < rb and not ga.bottom() < gb.top():
                    return False
        return True
    qtbot.waitUntil(placed)
    tabs = window.tabifiedDockWidgets(docks["gradients"])
    assert docks["diagnostics"] in tabs and window.lesson_dock not in tabs  # the lesson strip hides no view
    assert VIEWS["diagnostics"].dock_tab == "gradients"
    # the view that owns the cell is the front tab
    assert not docks["gradients"].visibleRegion().isEmpty() and docks["diagnostics"].visibleRegion().isEmpty()


def test_export_menu_and_export_come_from_the_registry(window, tmp_path):
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    export_menu = next(a.menu() for a in file_menu.actions() if isinstance(a.menu(), QMenu)
                       and a.text() == "&Export")
    texts = [a.text() for a in export_menu.actions()]
    assert [e.label for e in exports.EXPORTS.values()] == texts[-len(exports.EXPORTS):]
    with pytest.raises(ValueError, match="unknown export 'png'; expected one of history, diagnostics"):
        window.export("png", str(tmp_path / "x"))


def test_two_feature_data_after_iris_shows_no_plane_row(qtbot, window):
    lessons = load_lessons()
    iris = next(lesson for lesson in lessons if lesson.config.data.name.startswith("iris"))
    moons = next(lesson for lesson in lessons if lesson.config.data.name == "moons")
    plane = window.findChild(QComboBox, "featureYCombo")
    window.open_lesson(iris)
    assert plane.isVisibleTo(window) and plane.count() == 4
    window.open_lesson(moons)
    assert not plane.isVisibleTo(window)
    assert [plane.itemText(i) for i in range(plane.count())] == list(window.session.dataset.feature_names)
    assert "features" not in window.data_panel.values() or window.data_panel.values()["features"] == [0, 1]


def test_the_summary_is_the_sessions_own_network(window):
    label = window.findChild(object, "architectureLabel")
    assert label.text() == window.session.network.summary()
    window.findChild(QComboBox, "activationCombo").setCurrentIndex(
        window.findChild(QComboBox, "activationCombo").findData("relu"))
    assert label.text() == window.session.network.summary() and "relu" in label.text()


def test_the_status_says_paused_once_the_loop_has_stopped(qtbot, window):
    window.play_pause()
    qtbot.waitUntil(lambda: window.session.epoch > 2, timeout=5000)
    window.update_status()
    assert window.status_label.text().startswith("Training")
    with qtbot.waitSignal(window.controller.paused, timeout=3000):
        window.play_pause()
    assert window.status_label.text().startswith("Paused")  # updated when announced
    assert window.play_action.text() == "Play" and not window.is_training()


def test_a_hidden_boundary_is_computed_for_its_image(qtbot, window, tmp_path):
    view = window.views["boundary"]
    window.docks["boundary"].hide()
    try:
        _export_hidden_boundary(qtbot, window, view, tmp_path)
    finally:
        window.docks["boundary"].show()  # the layout the window saves on closing is left as found


def _export_hidden_boundary(qtbot, window, view, tmp_path):
    window.step_epoch()
    qtbot.waitUntil(lambda: window.shown is not None and window.shown.epoch == 1, timeout=3000)
    window.step_epoch()
    qtbot.waitUntil(lambda: window.shown.epoch == 2, timeout=3000)
    assert window.shown.boundary is None  # no one could see it: not computed
    before = None if view.last_rgba is None else view.last_rgba.copy()  # from the start, if it was shown
    window.export_view("boundary", str(tmp_path / "b.png"))
    assert (tmp_path / "b.png").stat().st_size > 1000
    now = window.controller.take_snapshot(False, 150).boundary  # paused: the same weights
    np.testing.assert_array_equal(view.last_rgba, view.rgba(now.probs))
    assert before is None or not np.array_equal(view.last_rgba, before)
