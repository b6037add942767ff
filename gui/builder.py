"""Building a session (the data set, its split, the network) off the GUI thread.

``SessionBuilder.request(config)`` hands the configuration to one long-lived
QThread, which builds ``Session(config)`` and sends it back; the window stays
responsive meanwhile. Requests are numbered: only the newest one's result is
announced (``built`` or ``failed``), so when the settings change again during
a build, the newer request wins. A build cannot be interrupted half-way (it is
NumPy and scikit-learn work); a request made while one runs waits its turn,
and only the newest waiting request is kept. A stale result is dropped, and
with it its memory.

Threads (see ARCHITECTURE.md): the job lives in the builder's thread and its
signals are queued to the builder, a GUI-thread object, through bound methods.
``shutdown`` stops cooperatively: ``quit()`` and a bounded ``wait()``; a build
still running after the wait keeps its thread object alive (``_PARKED``) until
it finishes, and the interpreter waits for it at exit. Safe to call twice.
No lambda is connected to a thread's signal (it would run in that thread).
"""

from __future__ import annotations

import atexit
import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QProgressBar

from engine import budget
from engine.config import Config, ConfigError
from engine.datasets import DataError
from engine.session import Session
from engine.snapshot import Snapshot

log = logging.getLogger(__name__)

__all__ = ["SessionBuilder", "WindowBuilds", "build_session", "SYNC_BUILD_SECONDS", "build_error"]

#: a build estimated to take at most this long runs at once, in the GUI thread (tests read the
#: session right after a rebuild); anything longer goes to the builder's thread
SYNC_BUILD_SECONDS = 0.05
STOP_TIMEOUT_MS = 2000

#: (thread, job) pairs whose build outlived a bounded stop: kept until the thread finishes
_PARKED: list[tuple[QThread, QObject]] = []
#: every builder's thread while its builder is in use (a process that ends without closing
#: the window must still not destroy a thread in the middle of a build: that aborts)
_LIVE: list[tuple[QThread, QObject]] = []


@atexit.register
def _wait_for_parked() -> None:
    running = [thread for thread, _ in (*_LIVE, *_PARKED) if thread.isRunning()]
    if running:
        print("Activation Lab: finishing a data set that was being built …", file=sys.stderr, flush=True)
    for thread in running:
        thread.wait()


def build_session(config: Config, boundary_resolution: int | None = None) -> Session:
    """``Session(config)`` (which refuses a configuration over the memory budget before it
    builds the network), then the budget again with the data's real shape (a CSV file's)
    and the window's boundary grid. Raises ConfigError, DataError, ValueError or MemoryError."""
    session = Session(config)
    budget.check(config, session.dataset, boundary_resolution)
    return session


def build_error(config: Config, error: BaseException, boundary_resolution: int | None = None) -> str:
    """The one line that says why a build failed (a MemoryError: the setting and the estimate)."""
    if isinstance(error, MemoryError):
        return budget.out_of_memory(config, None, boundary_resolution)
    if isinstance(error, (ConfigError, DataError, ValueError)):
        return str(error)
    return f"internal error: {type(error).__name__}: {' '.join(str(error).split()) or '(no message)'}"


class _BuildJob(QObject):
    """Lives in the builder's thread and builds one configuration per call."""

    built = Signal(int, object, object)  # generation, Session, its first Snapshot
    failed = Signal(int, str)  # generation, one line

    @Slot(int, object, object)
    def build(self, generation: int, config: Config, boundary_resolution: int | None) -> None:
        try:
            session = build_session(config, boundary_resolution)
            # the first picture too (a pass over the data and the boundary grid): for a big
            # network it takes as long as the build, and the window must not wait for it
            first = session.snapshot(True, boundary_resolution)
        except Exception as err:  # MemoryError included: one line back, never a traceback here
            if not isinstance(err, (ConfigError, DataError, ValueError, MemoryError)):
                log.exception("building a session failed")
            self.failed.emit(generation, build_error(config, err, boundary_resolution))
            return
        self.built.emit(generation, session, first)


class SessionBuilder(QObject):
    """Builds sessions in its own thread; announces the newest request's result only."""

    #: the newest request's session, its first snapshot, and its generation
    built = Signal(object, object, int)
    #: the newest request failed: one line (and its generation)
    failed = Signal(str, int)
    #: True while the newest request is being built (or waits for a stale build to end)
    busyChanged = Signal(bool)
    _start = Signal(int, object, object)  # generation, config, boundary resolution: to the job

    def __init__(self, parent: QObject | None = None, stop_timeout_ms: int = STOP_TIMEOUT_MS):
        super().__init__(parent)
        self.stop_timeout_ms = stop_timeout_ms
        self._generation = 0
        self._running: int | None = None  # generation the job is building now (maybe stale)
        self._waiting: tuple[int, Config, int | None] | None = None
        self._qthread: QThread | None = None  # never "self.thread": that is QObject.thread()
        self._job: _BuildJob | None = None
        self._busy = False
        self.builds_started = 0  # how many builds the thread has been given (stale ones too)

    # -- state -------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        """The newest request's number (a request, a cancel and a shutdown each advance it)."""
        return self._generation

    @property
    def busy(self) -> bool:
        """The newest request has not been answered yet."""
        return self._busy

    def working(self) -> bool:
        """The thread is building something, the newest request or a stale one."""
        return self._running is not None

    # -- requests --------------------------------------------------------------------------
    def request(self, config: Config, boundary_resolution: int | None = None) -> int:
        """Build ``config`` in the builder's thread; returns the request's generation."""
        self._generation += 1
        generation = self._generation
        if self._running is None:
            self._launch(generation, config, boundary_resolution)
        else:
            self._waiting = (generation, config, boundary_resolution)  # replaces an older waiting one
        self._set_busy(True)
        return generation

    def cancel(self) -> None:
        """Forget every request: a build still running finishes, and its result is dropped."""
        self._generation += 1
        self._waiting = None
        self._set_busy(False)

    def _launch(self, generation: int, config: Config, boundary_resolution: int | None) -> None:
        if self._qthread is None:
            self._qthread = QThread()
            self._qthread.setObjectName("sessionBuilder")
            self._job = _BuildJob()
            self._job.moveToThread(self._qthread)
            self._start.connect(self._job.build, Qt.QueuedConnection)
            self._job.built.connect(self._on_built, Qt.QueuedConnection)
            self._job.failed.connect(self._on_failed, Qt.QueuedConnection)
            _LIVE.append((self._qthread, self._job))
            self._qthread.start()
        self._running = generation
        self.builds_started += 1
        self._start.emit(generation, config, boundary_resolution)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busyChanged.emit(busy)

    def _next(self) -> bool:
        """The job is free: start the waiting request, if any. True when one started."""
        self._running = None
        if self._waiting is None:
            return False
        waiting, self._waiting = self._waiting, None
        self._launch(*waiting)
        return True

    # -- the job's answers (queued to this, the GUI thread) ----------------------------------------
    @Slot(int, object, object)
    def _on_built(self, generation: int, session: Session, first: Snapshot) -> None:
        self._next()
        if generation == self._generation:
            self._set_busy(False)
            self.built.emit(session, first, generation)

    @Slot(int, str)
    def _on_failed(self, generation: int, message: str) -> None:
        self._next()
        if generation == self._generation:
            self._set_busy(False)
            self.failed.emit(message, generation)

    # -- the end ---------------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Drop every request and stop the thread (quit, bounded wait). True when it has
        ended; False when a build was still running (its thread is parked until it ends)."""
        self.cancel()
        thread, job = self._qthread, self._job
        self._qthread = self._job = None
        self._running = None
        if thread is None:
            return True
        try:
            self._start.disconnect(job.build)
        except (RuntimeError, TypeError):
            pass
        thread.quit()
        _LIVE[:] = [(t, j) for t, j in _LIVE if t is not thread]
        if thread.wait(self.stop_timeout_ms if timeout_ms is None else timeout_ms):
            return True
        log.warning("a session build is still running; it ends on its own")
        # kept (never destroyed while it runs); finished threads are let go at the next park
        for ended, _ in _PARKED:
            if not ended.isRunning():
                ended.wait()  # joined before it is let go
        _PARKED[:] = [(t, j) for t, j in _PARKED if t.isRunning()] + [(thread, job)]
        return False


class WindowBuilds(QObject):
    """The window's side of building: now or in the thread, the busy signs, the callbacks.

    ``build(config, accept, refuse)`` checks the memory budget first (a refusal
    is reported at once through ``refuse``); a build estimated to take at most
    ``sync_seconds`` runs at once, anything longer in the builder's thread,
    with a busy message, a progress bar in busy mode and a busy cursor until
    the newest request is answered. ``accept(session, first)`` (``first``: the
    session's first snapshot, taken in the thread; None for a build made at
    once) or ``refuse(message)`` is then called in the GUI thread, for the
    newest request only.
    """

    def __init__(self, window: QMainWindow, boundary_resolution: int | None):
        super().__init__(window)
        self.window = window
        self.boundary_resolution = boundary_resolution
        self.sync_seconds = SYNC_BUILD_SECONDS
        self.builder = SessionBuilder(self)
        self.builder.built.connect(self._built)
        self.builder.failed.connect(self._failed)
        self.builder.busyChanged.connect(self._show_busy)
        self.progress = QProgressBar()
        self.progress.setObjectName("buildProgress")
        self.progress.setRange(0, 0)  # busy mode: no percentage, a moving bar
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.step_warning = QLabel()
        self.step_warning.setObjectName("stepWarning")
        self.step_warning.hide()
        bar = window.statusBar()
        bar.addPermanentWidget(self.step_warning)
        bar.addPermanentWidget(self.progress)
        self.message = ""  # the busy message shown while building
        self._callbacks: tuple[int, Callable[..., object], Callable[[str], object]] | None = None
        self._cursor = False

    @property
    def busy(self) -> bool:
        """A build is under way in the thread and its result will be used."""
        return self.builder.busy

    def build(self, config: Config, accept: Callable[..., object], refuse: Callable[[str], object]) -> bool:
        """Build a session for ``config``; False when it was refused at once (``refuse`` has been
        called), True when it was built (``accept`` has been called) or is being built."""
        res = self.boundary_resolution
        try:
            est = budget.check(config, boundary_resolution=res)
        except ConfigError as err:
            refuse(str(err))
            return False
        if est.build_seconds + est.picture_seconds <= self.sync_seconds:
            self.cancel()  # the newer request wins over one still in the thread
            try:
                session = build_session(config, res)
            except (ConfigError, DataError, ValueError, MemoryError) as err:
                refuse(build_error(config, err, res))
                return False
            accept(session, None)
            return True
        self.message = f"Building the data set and network … ({est.describe().split(' (')[0]})"
        generation = self.builder.request(config, res)
        self._callbacks = (generation, accept, refuse)
        self._show_busy(True)
        return True

    def cancel(self) -> None:
        self._callbacks = None
        self.builder.cancel()

    def _take(self, generation: int) -> tuple | None:
        callbacks, self._callbacks = self._callbacks, None
        if callbacks is None or callbacks[0] != generation:
            return None
        return callbacks

    @Slot(object, object, int)
    def _built(self, session: Session, first: Snapshot, generation: int) -> None:
        callbacks = self._take(generation)
        if callbacks is not None:
            callbacks[1](session, first)

    @Slot(str, int)
    def _failed(self, message: str, generation: int) -> None:
        callbacks = self._take(generation)
        if callbacks is not None:
            callbacks[2](message)

    @Slot(bool)
    def _show_busy(self, busy: bool) -> None:
        bar = self.window.statusBar()
        if busy:
            bar.showMessage(self.message)
            self.progress.show()
            if not self._cursor:
                QApplication.setOverrideCursor(Qt.BusyCursor)  # an arrow with a wait sign: still clickable
                self._cursor = True
            return
        if bar.currentMessage() == self.message:
            bar.clearMessage()
        self.progress.hide()
        if self._cursor:
            QApplication.restoreOverrideCursor()
            self._cursor = False

    def show_step_warning(self, session: Session) -> None:
        """'Each step will take about 3 s on this machine.' when a step is estimated over a second."""
        est = budget.estimate(session.config, session.dataset)
        slow = est.step_seconds > budget.SLOW_STEP_SECONDS
        self.step_warning.setText(est.step_text() if slow else "")
        self.step_warning.setVisible(slow)

    def shutdown(self) -> None:
        """Drop every request and stop the builder's thread; safe to call more than once."""
        self.cancel()
        self.builder.shutdown()
        self._show_busy(False)
