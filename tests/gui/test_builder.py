"""Sessions built off the GUI thread: the window keeps answering, a newer request wins, and a
refusal (the memory budget, a bad file) leaves the current session, its config and its curves."""

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from engine import budget
from engine.config import Config

#: the window fixture's configuration (tests/gui/conftest.py)
SMALL = {
    "data": {"name": "moons", "n_samples": 200, "noise": 0.2, "val_fraction": 0.2, "seed": 0},
    "model": {"hidden": [6, 6], "activation": "tanh", "init": "xavier"},
    "train": {"optimizer": "adam", "lr": 0.03, "epochs": 100000, "batch_size": 32, "seed": 0},
}


def _wait_idle(qtbot, window):
    qtbot.waitUntil(lambda: not window.builds.builder.working(), timeout=30000)


def test_a_big_points_value_builds_off_the_gui_thread(qtbot, window):
    before = window.session
    est = budget.estimate(window.current_config().with_changes(data={"n_samples": 1_000_000}),
                          boundary_resolution=150)
    assert est.build_seconds > window.builds.sync_seconds  # so it must not run in the GUI thread
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(window.builds.builder.working()))
    timer.start()
    window.data_panel.samples.setValue(1_000_000)  # what typing the number and pressing Enter does
    try:
        assert window.session is before and window.builds.busy  # returned at once; nothing replaced yet
        assert window.statusBar().currentMessage().startswith("Building the data set and network …")
        assert window.builds.progress.isVisible() and QApplication.overrideCursor() is not None
        qtbot.waitUntil(lambda: sum(ticks) >= 5, timeout=20000)  # the event loop ran during the build
        assert window.builds.builder.working() and window.session is before
    finally:
        timer.stop()
    # a newer value while it builds: small, so built at once; the million-point result is dropped
    with qtbot.waitSignal(window.sessionReady, timeout=5000):
        window.data_panel.samples.setValue(300)
    assert window.session.config.data.n_samples == 300 and not window.builds.busy
    assert not window.builds.progress.isVisible() and QApplication.overrideCursor() is None
    _wait_idle(qtbot, window)
    qtbot.wait(50)  # the stale result's queued signal has been delivered and ignored
    assert window.session.config.data.n_samples == 300


def test_a_build_in_the_thread_replaces_the_session_when_it_is_done(qtbot, window):
    window.builds.sync_seconds = 0.0  # every build goes to the thread
    before = window.session
    wanted = Config.from_dict(SMALL).with_changes(model={"hidden": [7, 3]})
    window.apply_config(wanted)  # the panels show it at once, the session follows
    assert window.session is before and window.builds.busy
    assert window.network_panel.values()["hidden"] == [7, 3]
    with qtbot.waitSignal(window.sessionReady, timeout=15000):
        pass
    assert window.session is not before and window.session.config == wanted
    assert [layer.fan_out for layer in window.session.network.layers] == [7, 3, 2]
    assert window.shown is None or window.shown.step == 0


def test_a_newer_request_wins_over_a_stale_one(qtbot, window):
    window.builds.sync_seconds = 0.0
    ready = []
    window.sessionReady.connect(lambda: ready.append(window.session.config))
    base = Config.from_dict(SMALL)
    first, second = base.with_changes(model={"hidden": [5]}), base.with_changes(model={"hidden": [9, 9]})
    started = window.builds.builder.builds_started
    window.rebuild(first)
    window.rebuild(second)  # before the first result could be delivered
    qtbot.waitUntil(lambda: bool(ready), timeout=15000)
    _wait_idle(qtbot, window)
    qtbot.wait(50)
    assert ready == [second] and window.session.config == second
    assert window.builds.builder.builds_started - started == 2  # the first was built, then dropped


def test_a_refused_huge_network_leaves_the_session_and_its_curves(qtbot, window):
    window.controller.step_epoch()
    qtbot.waitUntil(lambda: window.session.history().epochs.size == 1, timeout=15000)
    qtbot.waitUntil(lambda: window.controller.phase in ("paused", "idle"), timeout=15000)
    before, config = window.session, window.session.config
    curve = window.session.history().train_loss.copy()
    window.network_panel.layers.set_layers([4096] * 64, None)  # the schema's largest network
    window.rebuild()
    assert window.session is before and window.session.config == config and not window.builds.busy
    np.testing.assert_array_equal(window.session.history().train_loss, curve)
    need = budget.format_bytes(budget.estimate(window.current_config(), boundary_resolution=150).total)
    text = window.error_label.text()
    assert window.error_label.isVisible()
    assert text.startswith(f"model.hidden: this network needs about {need} (limit 2 GB): ")
    assert text.endswith("The previous settings are still in use.")


def test_a_failure_in_the_thread_is_one_line_and_keeps_the_session(qtbot, window, tmp_path):
    window.builds.sync_seconds = 0.0
    before = window.session
    missing = Config.from_dict({**SMALL, "data": {"name": "csv", "path": str(tmp_path / "gone.csv")}})
    window.rebuild(missing)
    assert window.builds.busy
    qtbot.waitUntil(lambda: not window.builds.busy, timeout=15000)
    assert window.session is before
    assert "gone.csv" in window.error_label.text() and "previous settings are still in use" in window.error_label.text()
    assert not window.builds.progress.isVisible() and QApplication.overrideCursor() is None


def test_opening_a_big_file_builds_off_the_thread_and_then_shows_it(qtbot, window, tmp_path):
    window.builds.sync_seconds = 0.0
    before = window.session
    path = tmp_path / "other.json"
    wanted = Config.from_dict(SMALL).with_changes(model={"hidden": [4, 4, 4]})
    path.write_text(wanted.to_json(), encoding="utf-8")
    assert window.open_config(str(path))
    assert window.session is before and window.config_path != str(path)  # shown once it is built
    with qtbot.waitSignal(window.sessionReady, timeout=15000):
        pass
    assert window.session.config == wanted and window.config_path == str(path)
    assert window.current_config() == wanted


def test_a_slow_step_is_announced_and_a_quick_one_is_not(qtbot, window, monkeypatch):
    assert not window.builds.step_warning.isVisible()
    monkeypatch.setattr(budget, "SLOW_STEP_SECONDS", 1e-9)  # every step counts as slow now
    window.rebuild(Config.from_dict(SMALL).with_changes(model={"hidden": [6, 7]}))
    est = budget.estimate(window.session.config, window.session.dataset)
    assert window.builds.step_warning.isVisible()
    assert window.builds.step_warning.text() == est.step_text()
    assert est.step_text().startswith("Each step will take about ")
    monkeypatch.setattr(budget, "SLOW_STEP_SECONDS", 1.0)
    window.rebuild(Config.from_dict(SMALL))
    assert not window.builds.step_warning.isVisible()


def test_shutdown_during_a_build_is_safe_twice(qtbot, window):
    window.builds.sync_seconds = 0.0
    before = window.session
    window.rebuild(Config.from_dict(SMALL).with_changes(model={"hidden": [3]}))
    window.shutdown()
    window.shutdown()
    qtbot.wait(100)
    assert window.session is before and not window.builds.busy


@pytest.mark.parametrize("field", ["model", "data"])
def test_a_refusal_at_the_start_falls_back_to_the_defaults(qtbot, field):
    from gui.app import create_window

    raw = {**SMALL, "model": {"hidden": [4096] * 64}} if field == "model" else \
        {**SMALL, "data": {"name": "moons", "n_samples": 1_000_000}, "model": {"hidden": [256, 256]}}
    w = create_window(Config.from_dict(raw))
    qtbot.addWidget(w)
    try:
        assert w.session is not None and w.session.config.model.hidden == (8, 8)
        assert w.error_label.text().startswith(f"{field}.")
        assert w.error_label.text().endswith("Started from the default settings instead.")
    finally:
        w.shutdown()


def test_the_first_picture_is_taken_in_the_thread_too(qtbot, window, monkeypatch):
    """A big network's first snapshot (a pass over the data and the boundary grid) costs as
    much as its build: the GUI thread takes none for a session built in the thread."""
    window.builds.sync_seconds = 0.0
    taken = []
    real = window.controller.take_snapshot
    monkeypatch.setattr(window.controller, "take_snapshot", lambda *a: taken.append(a) or real(*a))
    wanted = Config.from_dict(SMALL).with_changes(model={"hidden": [5, 5]})
    with qtbot.waitSignal(window.sessionReady, timeout=15000):
        window.rebuild(wanted)
    assert window.session.config == wanted and taken == []
    first = window.latest or window.shown
    assert first.epoch == 0 and first.boundary is not None and first.layers


def test_a_quick_build_is_a_quick_first_picture_too():
    from engine import budget

    small = budget.estimate(Config.from_dict(SMALL), boundary_resolution=150)
    big = budget.estimate(Config.from_dict(SMALL).with_changes(model={"hidden": [1024, 1024]}),
                          boundary_resolution=150)
    assert small.picture_seconds < 0.05 < big.picture_seconds


def test_play_pressed_during_a_build_plays_the_new_session(qtbot, window):
    window.builds.sync_seconds = 0.0
    wanted = Config.from_dict(SMALL).with_changes(model={"hidden": [5, 4]})
    window.rebuild(wanted)
    assert window.builds.busy
    window.play_pause()
    assert window.play_action.text() == "Pause"  # what a press would do now
    with qtbot.waitSignal(window.sessionReady, timeout=15000):
        pass
    assert window.session.config == wanted
    qtbot.waitUntil(lambda: window.latest is not None and window.latest.step > 0, timeout=5000)
    assert window.controller.is_training()


def test_play_pressed_twice_during_a_build_stays_paused(qtbot, window):
    window.builds.sync_seconds = 0.0
    window.rebuild(Config.from_dict(SMALL).with_changes(model={"hidden": [5, 3]}))
    window.play_pause()
    window.play_pause()
    with qtbot.waitSignal(window.sessionReady, timeout=15000):
        pass
    qtbot.wait(100)
    assert not window.controller.is_training() and window.session.step == 0
