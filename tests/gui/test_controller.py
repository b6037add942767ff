"""The training controller with no window: requests run between steps, a pause is announced
only once the loop has stopped, and stopping never destroys a running thread.

qtbot only runs the event loop (the worker's signals are queued to this thread).
"""

import gc
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QThread

from engine.config import Config, ConfigError
from engine.session import Session
from gui import exports
from gui.controller import TrainingController

CFG = Config.from_dict({
    "data": {"name": "moons", "n_samples": 200, "noise": 0.2, "val_fraction": 0.2, "seed": 0},
    "model": {"hidden": [6, 6], "activation": "tanh", "init": "xavier"},
    "train": {"optimizer": "adam", "lr": 0.03, "epochs": 100000, "batch_size": 32, "seed": 0},
})


class GuardedSession(Session):
    """A Session that notices when its network is used from two places at once.

    The loop's training (``_train``) and every reader (snapshots, ``network.parameters``)
    take ``guard`` without waiting; finding it taken is an overlap, recorded in
    ``overlaps``. ``step_delay`` makes each stretch of training that much longer.
    """

    def __init__(self, config=CFG, step_delay: float = 0.0):
        super().__init__(config)
        self.guard = threading.Lock()
        self.overlaps: list[str] = []
        self.reader_threads: list[str] = []  # where network.parameters() was called from
        self.step_delay = step_delay
        self.long_step = threading.Event()  # set while a step of a second or more is under way
        self.trainings: list[tuple[float, float]] = []  # (start, end) of each stretch of training
        parameters = self.network.parameters

        def guarded_parameters():
            with self._using("parameters"):
                self.reader_threads.append(QThread.currentThread().objectName() or "gui")
                return parameters()
        self.network.parameters = guarded_parameters

    def _using(self, what):
        session = self

        class Use:
            def __enter__(self):
                self.mine = session.guard.acquire(blocking=False)
                if not self.mine:
                    session.overlaps.append(what)

            def __exit__(self, *exc):
                if self.mine:
                    session.guard.release()
        return Use()

    def _train(self, until, one_epoch):
        start = time.perf_counter()
        with self._using("train"):
            delay = self.step_delay
            if delay >= 1.0:
                self.long_step.set()
            time.sleep(delay)
            self.long_step.clear()
            try:
                return super()._train(until, one_epoch)
            finally:
                self.trainings.append((start, time.perf_counter()))

    def snapshot(self, diagnostics=True, boundary_resolution=None):
        with self._using("snapshot"):
            return super().snapshot(diagnostics, boundary_resolution)


@pytest.fixture
def controller(qtbot):
    c = TrainingController()
    yield c
    c.shutdown()
    qtbot.waitUntil(lambda: c.parked() == [], timeout=10000)


def test_exports_while_training_never_overlap_a_step(qtbot, controller, tmp_path):
    s = GuardedSession(step_delay=0.002)  # the loop is inside _train nearly all the time
    controller.set_session(s)
    controller.play()
    qtbot.waitUntil(lambda: s.step > 200, timeout=5000)
    for i in range(8):
        for kind in ("history", "weights", "report"):
            entry = exports.get(kind)
            entry.write(controller.call(entry.gather), str(tmp_path / f"{kind}{i}"))
        assert controller.is_training()
        qtbot.wait(10)
    assert s.overlaps == []
    assert s.reader_threads == ["training"] * 8  # each weights export read them in the loop
    weights = np.load(tmp_path / "weights7.npz")
    assert weights["W1"].shape == (2, 6) and str(weights["architecture"]).startswith("2 → 6 tanh")
    # the instrument works: the same read made beside the loop, not through it, is caught
    for _ in range(200):
        s.network.parameters()
        if s.overlaps:
            break
        time.sleep(0.002)
    assert s.overlaps and set(s.overlaps) <= {"parameters", "train"}


def test_call_runs_in_the_loop_and_hands_back_results_and_errors(qtbot, controller):
    s = GuardedSession()
    controller.set_session(s)
    assert controller.call(lambda _: QThread.currentThread().objectName()) != "training"  # no loop: here
    controller.play()
    qtbot.waitUntil(lambda: s.step > 50, timeout=5000)
    assert controller.call(lambda _: QThread.currentThread().objectName()) == "training"
    controller.set_lr(0.005)
    assert s.optimizer.lr == 0.005 and s.config.train.lr == 0.005 and controller.is_training()
    with pytest.raises(ConfigError, match="train.lr"):
        controller.set_lr(-1.0)  # raised in the loop, re-raised here
    with pytest.raises(ZeroDivisionError):
        controller.call(lambda _: 1 / 0)
    assert controller.is_training()  # a failed request does not end the run
    with qtbot.waitSignal(controller.paused, timeout=3000):
        controller.pause()
    assert controller.call(lambda _: QThread.currentThread().objectName()) == "training"  # paused: still there
    controller.shutdown()
    assert controller.call(lambda _: QThread.currentThread().objectName()) != "training"


def test_pause_is_announced_only_once_the_loop_has_stopped(qtbot, controller):
    s = GuardedSession(step_delay=0.2)  # each stretch of training takes a fifth of a second
    snaps, announced = [], []
    controller.snapshot.connect(snaps.append)
    controller.paused.connect(lambda: announced.append((time.perf_counter(), snaps[-1], s.step, s.status)))
    controller.set_session(s)
    controller.play()
    qtbot.waitUntil(lambda: s.step > 0 and s.guard.locked(), timeout=5000)
    controller.pause()
    assert controller.phase == "pausing" and announced == []  # asked, but the loop is mid-step
    with qtbot.waitSignal(controller.paused, timeout=3000):
        pass
    when, last, step, status = announced[0]
    assert status == "paused" and controller.phase == "paused"
    assert last.step == step  # the picture of where it stopped came first
    qtbot.wait(300)
    assert s.step == step and len(announced) == 1  # it stays stopped; heartbeats are not re-announced
    resumed = time.perf_counter()
    # no stretch of training was under way when it was announced, nor began before the resume
    assert all(end < when for start, end in s.trainings if start < resumed)
    controller.play()
    qtbot.waitUntil(lambda: s.step > step, timeout=3000)
    assert controller.phase == "running"
    with qtbot.waitSignal(controller.paused, timeout=3000):
        controller.pause()
    when, last, step, _ = announced[1]
    assert last.step == step == s.step and len(announced) == 2
    assert all(end < when for start, end in s.trainings)


def test_each_step_ends_in_its_own_announcement(qtbot, controller):
    s = GuardedSession()
    controller.set_session(s)
    for epoch in (1, 2, 3):
        with qtbot.waitSignal(controller.paused, timeout=3000):
            controller.step_epoch()
            assert controller.phase == "stepping"
        assert s.epoch == epoch and controller.phase == "paused"


def test_step_after_the_end_starts_over_and_steps(qtbot, controller):
    s = GuardedSession(Config.from_dict({**CFG.to_dict(), "train": {**CFG.to_dict()["train"], "epochs": 2}}))
    restarted = []
    controller.restarted.connect(lambda: restarted.append(True))
    controller.set_session(s)
    with qtbot.waitSignal(controller.finished, timeout=5000):
        controller.play()
    assert s.status == "completed" and s.epoch == 2
    controller.step_epoch()
    qtbot.waitUntil(lambda: s.epoch == 1 and s.status == "paused", timeout=5000)
    assert restarted == [True]


def test_shutdown_twice_is_safe(qtbot):
    TrainingController().shutdown()  # no session at all
    c = TrainingController()
    s = GuardedSession()
    c.set_session(s)
    c.play()
    qtbot.waitUntil(lambda: s.step > 10, timeout=5000)
    qthread = c.handle.qthread
    c.shutdown()
    assert qthread.isFinished() and s.status == "stopped" and c.handle is None
    c.shutdown()
    assert c.parked() == [] and not c.is_running()


def _in_a_long_step(qtbot):
    """A controller whose session is inside a stretch of training that takes 1.5 s."""
    c = TrainingController(stop_timeout_ms=100)
    s = GuardedSession()
    c.set_session(s)
    c.play()
    qtbot.waitUntil(lambda: s.step > 10, timeout=5000)
    s.step_delay = 1.5
    assert s.long_step.wait(3)
    return c, s


def test_stop_during_a_long_step_keeps_the_thread_until_it_ends(qtbot):
    c, s = _in_a_long_step(qtbot)
    start = time.perf_counter()
    c.reset()  # stops with a bounded wait; the reset itself waits for the step to end
    c.shutdown()
    c.shutdown()
    assert time.perf_counter() - start < 1.0
    assert c.handle is None and len(c.parked()) == 1  # the running thread is kept, not destroyed
    gc.collect()
    assert s.step > 0  # not reset beside the running step
    with pytest.raises(TimeoutError):
        c.call(lambda session: session.network.get_weights(), timeout=0.05)
    start = time.perf_counter()
    c.set_lr(0.01)  # does not wait for the step: applied once the loop has ended
    assert time.perf_counter() - start < 0.5 and s.optimizer.lr == 0.03
    s.step_delay = 0.0
    qtbot.waitUntil(lambda: c.parked() == [], timeout=5000)
    assert s.step == 0 and s.status == "idle"  # the reset ran once the loop had ended
    assert s.optimizer.lr == 0.01
    assert s.overlaps == []
    c.play()  # and training starts again on the same session
    qtbot.waitUntil(lambda: s.step > 10, timeout=5000)
    c.shutdown()


def test_a_new_session_does_not_wait_for_the_old_ones_long_step(qtbot):
    c, old = _in_a_long_step(qtbot)
    new = GuardedSession()
    c.set_session(new)
    assert c.session is new and len(c.parked()) == 1
    c.play()
    qtbot.waitUntil(lambda: new.step > 10, timeout=5000)  # trains while the old loop finishes
    old.step_delay = 0.0
    qtbot.waitUntil(lambda: c.parked() == [], timeout=5000)
    assert old.status == "stopped" and c.is_training()
    c.shutdown()
