"""The training worker: iterates a Session in a QThread and emits its snapshots.

The worker never touches a widget. It tunes how often the session takes a
snapshot so the window receives about 20 a second however fast training runs,
and it can slow training down to a chosen number of steps per second.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QThread, Signal, Slot

__all__ = ["TrainingWorker", "WorkerHandle"]

TARGET_INTERVAL = 0.05  # seconds between snapshots (~20 per second)


class TrainingWorker(QObject):
    snapshot = Signal(object)  # engine.snapshot.Snapshot
    finished = Signal(str)  # the session's final status
    failed = Signal(str)  # one line saying what went wrong

    def __init__(self, session, max_steps_per_second: float | None = None):
        super().__init__()
        self.session = session
        #: None = as fast as possible; read by the worker thread between snapshots
        self.max_steps_per_second = max_steps_per_second
        self._stopping = False

    def request_stop(self) -> None:
        self._stopping = True
        self.session.stop()

    def _tune(self, interval: float) -> None:
        """Aim for one snapshot per TARGET_INTERVAL by scaling snapshot_every."""
        s = self.session
        limit = self.max_steps_per_second
        if limit:
            s.snapshot_every = max(1, int(limit * TARGET_INTERVAL))
        elif interval < 0.5 * TARGET_INTERVAL:
            s.snapshot_every = min(s.snapshot_every * 2, 1 << 20)
        elif interval > 2 * TARGET_INTERVAL and s.snapshot_every > 1:
            s.snapshot_every = max(1, s.snapshot_every // 2)

    def _pace(self, steps: int, since: float) -> None:
        """Sleep (in short naps, so a stop is noticed) to honour max_steps_per_second."""
        limit = self.max_steps_per_second
        if not limit or steps <= 0:
            return
        due = since + steps / limit
        while not self._stopping and time.perf_counter() < due:
            time.sleep(min(0.02, max(0.0, due - time.perf_counter())))

    @Slot()
    def run(self) -> None:
        try:
            last_time = time.perf_counter()
            last_step = self.session.step
            for snap in self.session.run():
                if snap is None:
                    last_time = time.perf_counter()  # paused: do not count the wait
                    last_step = self.session.step
                    continue
                self.snapshot.emit(snap)
                if snap.status in ("running", "paused"):
                    self._pace(snap.step - last_step, last_time)
                    now = time.perf_counter()
                    self._tune(now - last_time)
                    last_time, last_step = now, snap.step
            self.finished.emit(self.session.status)
        except Exception as exc:  # reported to the window, which shows it in one dialog
            self.failed.emit(f"{type(exc).__name__}: {exc}")


class WorkerHandle:
    """Owns one worker and its QThread; ``shutdown`` is safe to call any number of times."""

    def __init__(self, session, on_snapshot, on_finished, on_failed, max_steps_per_second=None):
        self.worker = TrainingWorker(session, max_steps_per_second)
        self.qthread = QThread()
        self.qthread.setObjectName("training")
        self.worker.moveToThread(self.qthread)
        self.qthread.started.connect(self.worker.run)
        # bound methods of GUI-thread objects: Qt queues these calls to the GUI thread
        self.worker.snapshot.connect(on_snapshot)
        self.worker.finished.connect(on_finished)
        self.worker.failed.connect(on_failed)
        self.worker.finished.connect(self.qthread.quit)
        self.worker.failed.connect(self.qthread.quit)
        self._done = False

    def start(self) -> None:
        self.qthread.start()

    def is_running(self) -> bool:
        return not self._done and self.qthread.isRunning()

    def set_speed(self, max_steps_per_second: float | None) -> None:
        self.worker.max_steps_per_second = max_steps_per_second

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Stop cooperatively: ask the session to stop, quit the loop, wait (bounded)."""
        if self._done:
            return True
        self.worker.request_stop()
        self.qthread.quit()
        finished = self.qthread.wait(timeout_ms)
        if finished:
            self._done = True
            self.worker.deleteLater()
        return finished
