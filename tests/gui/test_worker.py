"""The training worker in its QThread: signals, stopping, and failures."""

from engine.config import Config
from engine.session import Session
from gui.worker import WorkerHandle


class Sink:
    """Receives the worker's signals in the GUI thread (bound methods, not lambdas)."""

    def __init__(self):
        self.snaps, self.finished, self.failed = [], [], []

    def on_snapshot(self, snap):
        self.snaps.append(snap)

    def on_finished(self, status):
        self.finished.append(status)

    def on_failed(self, message):
        self.failed.append(message)


def session(epochs):
    return Session(Config.from_dict({"data": {"name": "moons", "n_samples": 100},
                                     "model": {"hidden": [4]}, "train": {"epochs": epochs}}))


def test_finished_is_emitted_on_completion(qtbot):
    sink = Sink()
    handle = WorkerHandle(session(20), sink.on_snapshot, sink.on_finished, sink.on_failed)
    with qtbot.waitSignal(handle.worker.finished, timeout=5000):
        handle.start()
    qtbot.waitUntil(lambda: sink.finished == ["completed"], timeout=2000)
    assert sink.snaps[-1].status == "completed" and sink.snaps[-1].epoch == 20
    assert handle.shutdown() and handle.shutdown()  # twice is safe


def test_shutdown_stops_a_long_run_and_is_idempotent(qtbot):
    sink = Sink()
    s = session(10**6)
    handle = WorkerHandle(s, sink.on_snapshot, sink.on_finished, sink.on_failed)
    handle.start()
    qtbot.waitUntil(lambda: len(sink.snaps) > 2, timeout=5000)
    assert handle.shutdown(2000)
    assert handle.qthread.isFinished() and s.status == "stopped"
    assert handle.shutdown()


def test_speed_limit_paces_training(qtbot):
    sink = Sink()
    s = session(10**6)
    handle = WorkerHandle(s, sink.on_snapshot, sink.on_finished, sink.on_failed, max_steps_per_second=50)
    handle.start()
    qtbot.waitUntil(lambda: s.step >= 20, timeout=5000)
    qtbot.wait(500)
    steps = s.step
    handle.shutdown()
    assert steps < 60  # ~50 steps/s for well under 1.5 s, never thousands


def test_failure_is_reported_with_its_message(qtbot):
    sink = Sink()
    s = session(5)

    def broken():
        raise RuntimeError("the data vanished")
        yield  # a generator, like Session.run

    s.run = broken
    handle = WorkerHandle(s, sink.on_snapshot, sink.on_finished, sink.on_failed)
    with qtbot.waitSignal(handle.worker.failed, timeout=3000):
        handle.start()
    qtbot.waitUntil(lambda: sink.failed == ["RuntimeError: the data vanished"], timeout=2000)
    handle.shutdown()
