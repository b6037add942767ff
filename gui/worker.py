"""The training worker: iterates a Session in a QThread, emits its snapshots, and runs
requests between steps.

Every item the session's generator yields (a snapshot, or a heartbeat while
paused) is a moment between steps: the generator is suspended and nothing
touches the network. There the worker runs the queued requests (an export
reading the weights, a new learning rate), and announces ``paused`` once the
session is paused and the loop has really stopped. It never touches a widget;
it can slow training down to a chosen number of steps per second.

How often the session takes a snapshot is tuned within a time budget: about
30 a second (``TARGET_INTERVAL``), but never so often that snapshots take more
than ``SNAPSHOT_SHARE`` of the loop's wall time. The worker measures what each
snapshot costs (``Session.last_snapshot_seconds``) and what a step costs, and
sets ``snapshot_every`` from both (smoothed): an expensive snapshot means fewer
snapshots, never more. While training runs, the boundary grid is computed at a
resolution whose cost fits ``BOUNDARY_SECONDS`` (``live_boundary_resolution``;
a pause or a step shows the full grid).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal, Slot

if TYPE_CHECKING:
    from engine.session import Session
    from engine.snapshot import Snapshot

__all__ = ["Requests", "TrainingWorker", "WorkerHandle"]

TARGET_INTERVAL = 1 / 30  # seconds between snapshots (~30 per second: the redraw rate)
#: the largest share of the loop's wall time that snapshots may take
SNAPSHOT_SHARE = 0.2
#: while training runs, the boundary grid's resolution is chosen so that it costs about this
BOUNDARY_SECONDS = 0.008
MIN_LIVE_RESOLUTION = 40
SMOOTHING = 0.3  # weight of the newest measurement in the running averages


class Requests:
    """A thread-safe queue of ``fn(session)`` calls, each answered through a Future.

    ``submit`` returns None once the queue is closed (the run has ended): the
    caller may then use the session itself.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: deque[tuple[Future, object]] = deque()
        self._open = True

    def submit(self, fn: Callable[[Session], object]) -> Future | None:
        with self._lock:
            if not self._open:
                return None
            future: Future = Future()
            self._items.append((future, fn))
            return future

    def run_pending(self, session: Session) -> None:
        """Run every queued call (in the calling thread); a cancelled one is skipped."""
        while True:
            with self._lock:
                if not self._items:
                    return
                future, fn = self._items.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(session)
            except BaseException as exc:  # handed to the caller, who re-raises it
                future.set_exception(exc)
            else:
                future.set_result(result)

    def close(self, session: Session) -> None:
        """Accept nothing more and run what is still queued."""
        with self._lock:
            self._open = False
        self.run_pending(session)


class TrainingWorker(QObject):
    snapshot = Signal(object)  # engine.snapshot.Snapshot
    paused = Signal()  # the session is paused and its loop has stopped between two steps
    finished = Signal(str)  # the session's final status
    failed = Signal(str)  # one line saying what went wrong

    def __init__(self, session: Session, max_steps_per_second: float | None = None):
        super().__init__()
        self.session = session
        #: None = as fast as possible; read by the worker thread between snapshots
        self.max_steps_per_second = max_steps_per_second
        self.requests = Requests()
        self._stopping = False
        self._step_seconds: float | None = None  # smoothed wall seconds per step, without snapshots
        self._snapshot_seconds: float | None = None  # smoothed cost of one snapshot
        self._speed_changed = False

    def request_stop(self) -> None:
        """Ask the loop to end at its next check. Requests queued from now on run once it has."""
        self._stopping = True
        self.session.stop()

    def _between_steps(self) -> None:
        # after a stop request the loop is winding down: what is queued waits for its end
        if not self._stopping:
            self.requests.run_pending(self.session)

    @staticmethod
    def _smooth(old: float | None, new: float) -> float:
        return new if old is None else old + SMOOTHING * (new - old)

    def _tune(self, interval: float, steps: int) -> None:
        """Choose ``snapshot_every`` from the last period: ``interval`` wall seconds for
        ``steps`` steps and one snapshot (pacing sleeps included: at a chosen speed a
        snapshot may use the time the loop would otherwise sleep)."""
        s = self.session
        if steps <= 0:
            return
        snap = min(s.last_snapshot_seconds, interval)
        self._snapshot_seconds = cost = self._smooth(self._snapshot_seconds, snap)
        self._step_seconds = per_step = self._smooth(self._step_seconds, max(interval - snap, 1e-7) / steps)
        limit = self.max_steps_per_second
        if limit:
            per_step = max(per_step, 1.0 / limit)
        # about one snapshot per TARGET_INTERVAL, and snapshots within their share of the time
        wanted = max(TARGET_INTERVAL - cost, cost * (1 - SNAPSHOT_SHARE) / SNAPSHOT_SHARE) / per_step
        s.snapshot_every = int(min(max(1, math.ceil(wanted)), 1 << 20))
        self._tune_boundary()

    def _tune_boundary(self) -> None:
        """The running snapshots' boundary grid: the full one when it is cheap, else coarser
        (its cost grows with the number of grid points, the resolution squared)."""
        s = self.session
        full = s.boundary_resolution
        if not full:
            return
        used = s.live_boundary_resolution or full
        cost = s.last_boundary_seconds
        if cost <= 0:
            return
        fitting = used * math.sqrt(BOUNDARY_SECONDS / cost)
        live = int(min(full, max(MIN_LIVE_RESOLUTION, fitting)))
        if abs(live - used) > 0.1 * used:  # hysteresis: no new grid for a small change
            s.live_boundary_resolution = None if live >= full else live

    def set_speed(self, max_steps_per_second: float | None) -> None:
        """A new pace (None: as fast as possible), from any thread: it holds from the next
        step on, and the steps taken before the change are not paid back by a long sleep."""
        self.max_steps_per_second = max_steps_per_second
        self._speed_changed = True
        self.session.restart_rate()
        self.session.interrupt()  # the period under way (up to 1/30 s of full speed) ends now
        if max_steps_per_second:
            self.session.snapshot_every = max(1, int(max_steps_per_second * TARGET_INTERVAL))

    def _pace(self, steps: int, since: float) -> None:
        """Sleep (in short naps, so a stop, a pause or a request is noticed) to honour
        max_steps_per_second."""
        limit = self.max_steps_per_second
        if self._speed_changed:  # the period began at another pace: start counting afresh
            self._speed_changed = False
            return
        if not limit or steps <= 0:
            return
        due = since + steps / limit
        session = self.session
        while not self._stopping and not session.paused and not self._speed_changed \
                and time.perf_counter() < due:
            time.sleep(min(0.02, max(0.0, due - time.perf_counter())))
            self._between_steps()

    @Slot()
    def run(self) -> None:
        session = self.session
        try:
            last_time = time.perf_counter()
            last_step = session.step
            announced = None  # the step at which the loop was last announced at rest
            for snap in session.run():
                # the generator is suspended here: between steps
                at_rest = session.paused and (snap is None or snap.status == "paused")
                if snap is not None:
                    self.snapshot.emit(snap)
                if at_rest and announced != session.step:  # once per stop (a heartbeat is not news)
                    self.paused.emit()
                announced = session.step if at_rest else None
                self._between_steps()
                if snap is None:
                    last_time = time.perf_counter()  # paused: do not count the wait
                    last_step = session.step
                    continue
                if snap.status in ("running", "paused"):
                    self._pace(snap.step - last_step, last_time)
                    now = time.perf_counter()
                    self._tune(now - last_time, snap.step - last_step)
                    last_time, last_step = now, snap.step
            self.requests.close(session)
            self.finished.emit(session.status)
        except Exception as exc:  # reported to the window, which shows it in one dialog
            self.requests.close(session)
            self.failed.emit(f"{type(exc).__name__}: {exc}")


class WorkerHandle:
    """Owns one worker and its QThread; ``shutdown`` is safe to call any number of times."""

    def __init__(self, session: Session, on_snapshot: Callable[[Snapshot | None], None],
                 on_finished: Callable[[str], None], on_failed: Callable[[str], None],
                 max_steps_per_second: float | None = None, on_paused: Callable[[], None] | None = None):
        self.worker = TrainingWorker(session, max_steps_per_second)
        self.qthread = QThread()
        self.qthread.setObjectName("training")
        self.worker.moveToThread(self.qthread)
        self.qthread.started.connect(self.worker.run)
        # bound methods of GUI-thread objects: Qt queues these calls to the GUI thread
        self.worker.snapshot.connect(on_snapshot)
        self.worker.finished.connect(on_finished)
        self.worker.failed.connect(on_failed)
        if on_paused is not None:
            self.worker.paused.connect(on_paused)
        self.worker.finished.connect(self.qthread.quit)
        self.worker.failed.connect(self.qthread.quit)
        # the worker lives in the training thread: it is deleted there, as the thread ends
        self.qthread.finished.connect(self.worker.deleteLater)
        self._session: Session | None = session
        self._done = False

    @property
    def session(self) -> Session | None:
        """The session this worker trains (None once the worker is released)."""
        return self._session

    def start(self) -> None:
        self.qthread.start()

    def is_running(self) -> bool:
        return not self._done and self.qthread.isRunning()

    def submit(self, fn: Callable[[Session], object]) -> Future | None:
        """Queue ``fn(session)`` for the loop's next pause between steps (None: the run has ended)."""
        if self._done:
            return None
        return self.worker.requests.submit(fn)

    def set_speed(self, max_steps_per_second: float | None) -> None:
        if self.worker.session is not None:  # not once the worker is released
            self.worker.set_speed(max_steps_per_second)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Stop cooperatively: ask the session to stop, quit the loop, wait (bounded).

        False when the thread is still running after ``timeout_ms`` (a step longer
        than that): the caller must then keep this handle until ``qthread.finished``.
        """
        if self._done:
            return True
        if not self.qthread.isFinished():
            self.worker.request_stop()
            self.qthread.quit()
            if not self.qthread.wait(timeout_ms):
                return False
        self.qthread.wait()
        self._release()
        return True

    def _release(self) -> None:
        """The loop has ended: drop every reference to the session, so that it is freed
        once nothing else uses it (the worker object itself goes with its thread)."""
        self._done = True
        self.worker.session = None
        self.worker.requests = Requests()
        self._session = None
