"""Live speed: snapshots within a time budget, hidden views cost nothing, a new pace holds at
once, and the status text follows the run. Behaviour, not timing: the assertions are on counts
and on what was computed, with bounds far from what a slow machine would reach."""

from __future__ import annotations

import time

from test_worker import Sink

from engine.config import Config
from engine.session import Session
from gui import worker as worker_module
from gui.worker import WorkerHandle


def long_session(**model) -> Session:
    return Session(Config.from_dict({"data": {"name": "moons", "n_samples": 200},
                                     "model": {"hidden": [6], **model}, "train": {"epochs": 10**6}}))


class SlowSnapshots:
    """Wraps a session's snapshot so that each costs ``cost`` seconds more (as a big
    network's boundary grid and statistics would); counts them and their time."""

    def __init__(self, session: Session, cost: float):
        self.session, self.cost, self.count, self.seconds = session, cost, 0, 0.0
        self.real = session.snapshot
        session.snapshot = self  # the instance attribute shadows the method

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        time.sleep(self.cost)
        snap = self.real(*args, **kwargs)
        self.session.last_snapshot_seconds = took = time.perf_counter() - started
        self.count += 1
        self.seconds += took
        return snap


def test_an_expensive_snapshot_is_taken_less_often_never_more(qtbot):
    sink = Sink()
    s = long_session()
    slow = SlowSnapshots(s, 0.04)
    handle = WorkerHandle(s, sink.on_snapshot, sink.on_finished, sink.on_failed)
    handle.start()
    qtbot.waitUntil(lambda: slow.count >= 5, timeout=10000)
    count0, seconds0, t0, step0 = slow.count, slow.seconds, time.perf_counter(), s.step
    qtbot.waitUntil(lambda: slow.count >= count0 + 8, timeout=20000)
    wall = time.perf_counter() - t0
    share = (slow.seconds - seconds0) / wall
    steps_per_snapshot = (s.step - step0) / (slow.count - count0)
    handle.shutdown()
    # the budget: snapshots take at most ~20 % of the loop (a margin for the smoothing)
    assert share < 0.35, f"snapshots took {share:.0%} of the time"
    assert steps_per_snapshot > 10  # the old halving went down to a snapshot after every step
    assert s.snapshot_every > 10


def test_a_cheap_snapshot_comes_about_twenty_times_a_second_not_every_step(qtbot):
    sink = Sink()
    s = long_session()
    handle = WorkerHandle(s, sink.on_snapshot, sink.on_finished, sink.on_failed)
    handle.start()
    qtbot.waitUntil(lambda: len(sink.snaps) >= 30, timeout=10000)
    handle.shutdown()
    assert s.snapshot_every > 20  # thousands of steps a second: many steps per snapshot


def test_the_live_boundary_grid_is_coarser_only_when_the_full_one_is_expensive(qtbot, monkeypatch):
    s = long_session()
    s.boundary_resolution = 150
    w = worker_module.TrainingWorker(s)
    s.last_snapshot_seconds, s.last_boundary_seconds = 0.01, 0.001  # cheap: the full grid
    w._tune(0.05, 100)
    assert s.live_boundary_resolution is None
    s.last_boundary_seconds = 0.2  # 25 x the budget: about 150 / 5
    w._tune(0.25, 100)
    assert s.live_boundary_resolution == worker_module.MIN_LIVE_RESOLUTION
    s.boundary_resolution = None  # no boundary view: nothing to tune
    s.live_boundary_resolution = None
    w._tune(0.25, 100)
    assert s.live_boundary_resolution is None


def test_a_pause_shows_the_full_grid_after_a_coarse_live_one(qtbot):
    sink = Sink()
    s = long_session()
    s.boundary_resolution = 60
    s.live_boundary_resolution = 41
    monkey = {}
    real = worker_module.TrainingWorker._tune_boundary
    worker_module.TrainingWorker._tune_boundary = lambda self: monkey.setdefault("tuned", True)  # keep 41
    try:
        handle = WorkerHandle(s, sink.on_snapshot, sink.on_finished, sink.on_failed)
        handle.start()
        qtbot.waitUntil(lambda: any(x.boundary is not None and len(x.boundary.xs) == 41 for x in sink.snaps),
                        timeout=10000)
        s.pause()
        qtbot.waitUntil(lambda: sink.snaps[-1].status == "paused", timeout=5000)
        assert len(sink.snaps[-1].boundary.xs) == 60
        handle.shutdown()
    finally:
        worker_module.TrainingWorker._tune_boundary = real


def test_a_hidden_boundary_view_is_never_computed(qtbot, window, monkeypatch):
    window.docks["boundary"].hide()
    calls = []
    real = window.session.boundary
    monkeypatch.setattr(window.session, "boundary", lambda *a: calls.append(a) or real(*a))
    window.play_pause()
    qtbot.waitUntil(lambda: window.frames_drawn >= 5 and window.latest.step > 200, timeout=10000)
    window.play_pause()
    qtbot.waitUntil(lambda: window.controller.phase == "paused", timeout=5000)
    assert calls == [] and window.latest.boundary is None


def test_a_slower_speed_holds_at_once_without_a_jump_or_a_freeze(qtbot, window):
    from gui.menus import SPEEDS

    window.speed_slider.setValue(len(SPEEDS) - 1)  # full speed
    window.play_pause()
    qtbot.waitUntil(lambda: window.latest is not None and window.latest.step > 2000, timeout=10000)
    at_change = window.session.step
    window.speed_slider.setValue(SPEEDS.index(10))
    qtbot.wait(300)
    # no jump: the full-speed period under way ends at the next step (it would have run on for
    # 1/30 s, hundreds of steps); at 10 steps/s, 0.3 s is about 3 steps
    assert window.session.step - at_change <= 10, window.session.step - at_change
    step0, t0 = window.session.step, time.perf_counter()
    qtbot.waitUntil(lambda: window.session.step >= step0 + 5, timeout=3000)  # no freeze: it goes on
    qtbot.wait(1000)
    rate = (window.session.step - step0) / (time.perf_counter() - t0)
    window.play_pause()
    assert rate < 25, f"{rate:.0f} steps/s at a speed of 10"  # no jump: the full-speed period is not carried on


def test_the_status_text_follows_pause_resume_finish_and_divergence(qtbot, window):
    window.play_pause()
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Training"), timeout=5000)
    window.play_pause()
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Paused"), timeout=5000)
    assert window.rate_label.text() == ""  # no stale steps/s while paused
    window.rebuild(window.current_config().with_changes(train={"epochs": 3}))
    window.play_pause()
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Completed"), timeout=10000)
    window.apply_config(Config.from_dict({"data": {"name": "moons", "n_samples": 400},
                                          "model": {"hidden": [8, 8], "activation": "relu", "output": "identity"},
                                          "train": {"optimizer": "sgd", "lr": 50, "epochs": 300}}))
    window.play_pause()
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Diverged"), timeout=10000)


def test_the_first_start_shows_the_default_run_unfolding_and_full_speed_is_one_click(qtbot):
    from PySide6.QtCore import QSettings

    from gui.app import create_window
    from gui.menus import DEFAULT_SPEED, SPEEDS

    QSettings().clear()
    w = create_window(None)
    qtbot.addWidget(w)
    try:
        assert SPEEDS[w.speed_slider.value()] == DEFAULT_SPEED == 150
        cfg = w.session.config if w.session is not None else None
        if cfg is not None:  # the default run: 1,500 steps, so about 15 s at this speed
            steps = cfg.train.epochs * w.session.steps_per_epoch
            assert 10 <= steps / DEFAULT_SPEED <= 20
        w.buttons["fullSpeedButton"].click()
        assert SPEEDS[w.speed_slider.value()] is None and w.full_speed_action.isChecked()
        assert w.controller.speed is None
        w.toggle_full_speed()  # again: back to the speed chosen before
        assert SPEEDS[w.speed_slider.value()] == DEFAULT_SPEED and not w.full_speed_action.isChecked()
        w.speed_slider.setValue(SPEEDS.index(None))
    finally:
        w.shutdown()
        w.store.settings.sync()
    again = create_window(None)  # full speed is remembered
    qtbot.addWidget(again)
    try:
        assert SPEEDS[again.speed_slider.value()] is None and again.controller.speed is None
    finally:
        again.shutdown()


def test_a_saved_speed_that_is_not_a_speed_is_ignored(qtbot):
    from PySide6.QtCore import QSettings

    from gui.menus import SPEEDS
    from gui.persistence import Store

    settings = QSettings()
    store = Store(settings)
    for bad in ("fast", "7", "[[["):
        settings.setValue("transport/speed", bad)
        assert store.speed(SPEEDS) == (False, None)
    settings.setValue("transport/speed", "250")
    assert store.speed(SPEEDS) == (True, 250)
    settings.setValue("transport/speed", "full")
    assert store.speed(SPEEDS) == (True, None)
    settings.clear()


def test_a_long_run_shows_its_progress_and_the_time_left(qtbot, window):
    from gui.menus import SPEEDS
    from gui.status import duration_text, time_left

    window.speed_slider.setValue(SPEEDS.index(25))  # 100,000 epochs at 25 steps/s: days
    window.play_pause()
    qtbot.waitUntil(lambda: window.status.progress.isVisible(), timeout=10000)
    text = window.status.progress.format()
    assert text.startswith(f"epoch {window.status.progress.value():,} of 100,000 · about ") and text.endswith(" left")
    window.play_pause()
    qtbot.waitUntil(lambda: not window.status.progress.isVisible(), timeout=5000)  # paused: no estimate
    snap = window.latest
    assert 10 <= snap.steps_per_second <= 50  # the pace's rate, not a first burst's
    assert time_left(snap, 100_000, window.session.steps_per_epoch) > 3600
    assert time_left(snap, 0, 1) == 0
    assert duration_text(7) == "about 7 s" and duration_text(42) == "about 40 s"
    assert duration_text(150) == "about 2 min" and duration_text(4000) == "about 1 h 7 min"


def test_a_short_run_shows_no_progress_bar(qtbot, window):
    window.rebuild(window.current_config().with_changes(train={"epochs": 40}))
    window.play_pause()
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Completed"), timeout=10000)
    assert not window.status.progress.isVisible()
