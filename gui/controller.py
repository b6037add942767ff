"""The training controller: between the window and the session, with no widgets.

It owns the session and at most one training worker, turns the user's intents
(play, pause, step, reset, new weights, a new learning rate, an export) into
requests that the training loop runs *between steps*, and tells the window
what happened through signals. While a worker lives nothing else touches the
network: ``call(fn)`` runs ``fn(session)`` in the loop's next pause between
steps and hands back its result, or runs it at once when no loop is running.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from .worker import WorkerHandle

if TYPE_CHECKING:
    from engine.session import Session
    from engine.snapshot import Snapshot

log = logging.getLogger(__name__)

__all__ = ["TrainingController", "CALL_TIMEOUT", "STOP_TIMEOUT_MS"]

#: seconds a request waits for the loop to reach a pause between steps
CALL_TIMEOUT = 5.0
#: milliseconds a stop waits for the loop to end before leaving it to finish on its own
STOP_TIMEOUT_MS = 2000
_FINAL = ("completed", "diverged", "stopped")
_T = TypeVar("_T")

#: workers whose loop outlived a bounded stop (a step longer than the wait): kept here, never
#: destroyed while their thread runs, until their thread finishes (see _Parking)
_PARKED: list[WorkerHandle] = []


@atexit.register
def _wait_for_parked() -> None:
    """At exit, let a worker that was asked to stop finish the step it is in (its thread is
    never destroyed while it runs: that would abort the process)."""
    running = [h for h in _PARKED if h.qthread.isRunning()]
    if running:
        print("Activation Lab: finishing the current training step before quitting …", file=sys.stderr, flush=True)
    for handle in running:
        handle.qthread.wait()


class _Parking(QObject):
    """Holds a worker whose loop outlived a bounded stop and releases it once its thread has
    finished (a GUI-thread object: the finished signal is queued here), then runs what had
    to wait for the session to be free."""

    def __init__(self, handle: WorkerHandle):
        super().__init__()
        self.handle = handle
        self.then: list = []
        _PARKED.append(handle)
        handle.qthread.finished.connect(self.release)

    @Slot()
    def release(self) -> None:
        if self.handle not in _PARKED:
            return
        self.handle.shutdown()  # finished was its last signal: marks it done at once
        _PARKED.remove(self.handle)
        then, self.then = self.then, []
        for fn in then:
            fn()


class TrainingController(QObject):
    #: a new snapshot (from the running loop, or the picture of a session that starts over)
    snapshot = Signal(object)
    #: the session is paused and its loop has stopped: nothing is computing
    paused = Signal()
    #: play/pause state for the transport: True while training runs or is about to
    playingChanged = Signal(bool)
    #: the loop ended (completed, diverged, stopped)
    finished = Signal(str)
    #: the loop failed: one line saying what went wrong
    failed = Signal(str)
    #: a finished run starts over from its initial weights (Play or Step after the end)
    restarted = Signal()

    def __init__(self, parent: QObject | None = None, stop_timeout_ms: int = STOP_TIMEOUT_MS,
                 call_timeout: float = CALL_TIMEOUT):
        super().__init__(parent)
        self.session = None
        self.handle: WorkerHandle | None = None
        self.speed: float | None = None  # steps per second, None = as fast as possible
        self.boundary_resolution: int | None = None  # of the snapshots the loop takes
        self.stop_timeout_ms = stop_timeout_ms
        self.call_timeout = call_timeout
        self._parkings: list[_Parking] = []
        self._ack_paused = False  # the running loop has acknowledged the current pause
        self._stepping = False  # a step (one epoch) was asked for and is not yet done
        self._run_to: int | None = None  # run_to_epoch's target, while it steps there
        self._run_mark = 0.0  # when run_to_epoch asked for its last epoch (its pace)

    # -- state ---------------------------------------------------------------------
    def is_running(self) -> bool:
        """A loop is live (training, or paused inside the loop)."""
        return self.handle is not None and self.handle.is_running()

    def is_training(self) -> bool:
        return self.is_running() and not self.session.paused

    @property
    def phase(self) -> str:
        """"idle" (no loop), "running", "pausing" (asked, not yet stopped), "stepping"
        (training one epoch, then pausing) or "paused" (the loop has stopped)."""
        if not self.is_running():
            return "idle"
        if not self.session.paused:
            return "running"
        if self._ack_paused:
            return "paused"
        return "stepping" if self._stepping else "pausing"

    def is_finished(self) -> bool:
        return self.session is not None and self.session.status in _FINAL

    @property
    def run_target(self) -> int | None:
        """The epoch ``run_to_epoch`` is stepping to (None when it is not)."""
        return self._run_to

    def _busy(self) -> WorkerHandle | None:
        """The worker that may be using the current session's network, if any."""
        if self.is_running():
            return self.handle
        return next((h for h in self.parked() if h.session is self.session), None)

    # -- requests --------------------------------------------------------------------
    def call(self, fn: Callable[[Session], _T], timeout: float | None = None) -> _T:
        """``fn(session)``, run between two training steps; its result, or its exception raised here.

        With no loop running it runs now, in this thread. A loop that does not reach
        a pause within ``timeout`` seconds (a very long step) cancels the request and
        raises TimeoutError (an OSError: file operations report it like a failed save).
        """
        if self.session is None:
            raise RuntimeError("there is no session yet")
        handle = self._busy()
        future = handle.submit(fn) if handle is not None else None
        if future is None:
            return fn(self.session)
        try:
            return future.result(self.call_timeout if timeout is None else timeout)
        except concurrent.futures.TimeoutError:
            if future.cancel():
                raise TimeoutError("training is in the middle of a long step; try again in a moment") from None
            return future.result()  # it has just started: it finishes promptly

    def take_snapshot(self, diagnostics: bool = True, boundary_resolution: int | None = None) -> Snapshot:
        """A snapshot of the session now, taken between steps."""
        return self.call(lambda s: s.snapshot(diagnostics, boundary_resolution))

    # -- the session -----------------------------------------------------------------
    def set_session(self, session: Session, first: Snapshot | None = None) -> None:
        """Stop the run (if any) and take over a new session; announce its first picture
        (``first``, when it was taken already, e.g. in the session builder's thread)."""
        self._stop_worker()
        self._run_to = None
        self.session = session
        self._show_initial(first)

    def set_boundary_resolution(self, resolution: int | None) -> None:
        self.boundary_resolution = resolution
        if self.session is not None and self.session.boundary_resolution != resolution:
            self.session.boundary_resolution = resolution  # a flag the loop reads at its next snapshot

    def set_speed(self, max_steps_per_second: float | None) -> None:
        self.speed = max_steps_per_second
        if self.handle is not None:
            self.handle.set_speed(max_steps_per_second)

    def _show_initial(self, first: Snapshot | None = None) -> None:
        self.snapshot.emit(first if first is not None else self.take_snapshot(True, self.boundary_resolution))
        self.playingChanged.emit(False)

    # -- transport ---------------------------------------------------------------------
    def play(self) -> None:
        if self.session is None:
            return
        self._run_to = None
        self._ack_paused = self._stepping = False
        self.session.resume()
        self._when_free(self._ensure_running)
        self.playingChanged.emit(True)

    def pause(self) -> None:
        """Ask the loop to pause; ``paused`` follows once it has stopped between two steps."""
        if self.session is None:
            return
        self._run_to = None
        self.session.pause()
        self.playingChanged.emit(False)

    def toggle(self) -> None:
        if self.is_training():
            self.pause()
        else:
            self.play()

    def step_epoch(self) -> None:
        """Train to the end of the current epoch, then stay paused."""
        if self.session is None:
            return

        def step():
            if not self.is_running():
                self._start_over_if_finished()
            self.session.step_epoch()
            self._ensure_running()
            self._ack_paused, self._stepping = False, True
        self._when_free(step)
        self.playingChanged.emit(False)

    def run_to_epoch(self, epoch: int) -> bool:
        """Train until ``epoch`` epochs are done and stay paused exactly there (a lesson's "Run to
        epoch 50"): one epoch at a time, at the speed set; Play, Pause or a reset ends it early.
        False, and nothing is done, when the run is already at or past ``epoch``."""
        if self.session is None:
            return False
        done = self.call(lambda s: s.epoch) if self.is_running() else self.session.epoch
        if done >= epoch:
            return False
        self._run_to = epoch
        self._run_mark = time.perf_counter()
        self.step_epoch()
        return True

    def _next_epoch_to(self) -> None:
        """run_to_epoch's next epoch, once the loop has paused after the last one."""
        if self._run_to is None or self.session is None or not self.is_running():
            return
        self._run_mark = time.perf_counter()
        self.session.step_epoch()  # sets flags only: the loop, waiting between steps, trains one more

    def set_lr(self, lr: float) -> None:
        """A new learning rate from the next step on (applied between steps; raises ConfigError)."""
        if self.session is None:
            return
        handle = self._busy()
        if handle is not None and handle is not self.handle:
            handle.submit(lambda s: s.set_lr(lr))  # a stopped loop in a long step: applied as it ends
        else:
            self.call(lambda s: s.set_lr(lr))

    def reset(self) -> None:
        """Back to the same initial weights (once the loop has ended)."""
        self._restart(lambda s: s.reset())

    def reinitialize(self, seed: int) -> None:
        """New initial weights drawn from ``seed`` (once the loop has ended)."""
        self._restart(lambda s: s.reinitialize(seed))

    def _restart(self, change: Callable[[Session], object]) -> None:
        if self.session is None:
            return
        self._run_to = None
        session = self.session
        self._stop_worker()

        def restart():
            if self.session is session:
                change(session)
                self._show_initial()
        self._when_free(restart)
        self.playingChanged.emit(False)

    def _when_free(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` now, or, when a stopped loop is still in a long step on this session,
        once its thread has finished."""
        parking = next((p for p in self._parkings
                        if p.handle.session is self.session and p.handle in _PARKED), None)
        if parking is None:
            fn()
        else:
            parking.then.append(fn)

    def _start_over_if_finished(self) -> None:
        if self.is_finished():
            self.session.reset()  # a finished run starts over
            self.restarted.emit()

    def _ensure_running(self) -> None:
        if self.is_running() or self.session is None:
            return
        self._stop_worker()  # the last run's handle (its loop has ended): let its thread finish
        self._start_over_if_finished()
        self.session.boundary_resolution = self.boundary_resolution
        self.handle = WorkerHandle(self.session, self._on_snapshot, self._on_finished, self._on_failed,
                                   self.speed, on_paused=self._on_paused)
        self.handle.start()

    def _stop_worker(self) -> bool:
        """End the run; True when its loop has ended, False when it is still in a long step
        (its handle is then parked until its thread finishes)."""
        handle, self.handle = self.handle, None
        self._ack_paused = self._stepping = False
        if handle is None or handle.shutdown(self.stop_timeout_ms):
            return True
        log.warning("training is still in a step after %d ms; it ends on its own", self.stop_timeout_ms)
        self._parkings = [p for p in self._parkings if p.handle in _PARKED] + [_Parking(handle)]
        return False

    def shutdown(self) -> None:
        """Stop the run (cooperatively, bounded wait); safe to call any number of times."""
        self._stop_worker()
        self.playingChanged.emit(False)

    def parked(self) -> list[WorkerHandle]:
        """Stopped workers still finishing a long step (kept alive until their threads end)."""
        return [p.handle for p in self._parkings if p.handle in _PARKED]

    # -- worker signals (queued to this thread) --------------------------------------------
    def _from_current_worker(self) -> bool:
        """Signals queued by a worker we have since stopped must not overwrite the new state."""
        return self.handle is not None and self.sender() is self.handle.worker

    @Slot(object)
    def _on_snapshot(self, snap: Snapshot | None) -> None:
        if snap is not None and self._from_current_worker():
            self.snapshot.emit(snap)

    @Slot()
    def _on_paused(self) -> None:
        if self._from_current_worker() and self.session.paused:
            if self._run_to is not None and self.session.epoch < self._run_to:
                # run_to_epoch: one more epoch, paced as Play would be (steps per second)
                wait = 0.0 if not self.speed else self.session.steps_per_epoch / self.speed
                left = self._run_mark + wait - time.perf_counter()
                QTimer.singleShot(max(0, int(left * 1000)), self, self._next_epoch_to)
                return
            self._run_to = None
            self._ack_paused, self._stepping = True, False
            self.paused.emit()

    @Slot(str)
    def _on_finished(self, status: str) -> None:
        if self._from_current_worker():
            self._run_to = None
            self._stop_worker()  # the loop has ended: its thread is quitting
            self.playingChanged.emit(False)
            self.finished.emit(status)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._from_current_worker():
            self._run_to = None
            self._stop_worker()
            self.playingChanged.emit(False)
            self.failed.emit(message)
