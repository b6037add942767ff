"""The grid's worker: runs ``sweep.run_grid`` in a QThread and hands each finished row to the window.

The worker validates and expands the grid (engine/grid.py), then iterates
``sweep.run_grid`` inside ``sweep.backend(...)`` and emits ``(run index, row)`` as each
run finishes. It never touches a widget. Cancel is immediate for local processes:
the grid runs on ``LOCAL_BACKEND``, a joblib backend like loky's on a loky pool of the
grid's own, with one addition: a ``cancel()`` that another thread may call, which kills
those processes at once (the backend's ``abort_everything``), so the thread ends within
milliseconds instead of waiting for the runs in flight. Other backends (Dask) stop after the next result,
when the generator is closed (joblib then cancels the rest).
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
import warnings
from concurrent.futures import Future
from dataclasses import dataclass

from joblib import cpu_count, parallel_config
from joblib._parallel_backends import AutoBatchingMixin, ParallelBackendBase
from joblib.externals.loky.process_executor import ProcessPoolExecutor, ShutdownExecutorError
from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine import sweep
from engine.config import ConfigError
from engine.grid import BOUNDARY_RESOLUTION, GridSpec

__all__ = ["LOCAL_BACKEND", "Backend", "GridWorker", "GridRun", "close_pool", "failure_text"]

#: the window's name for local processes that can be cancelled from another thread (handed to
#: joblib as a backend instance, never registered: the CLI's --backend list stays joblib's own)
LOCAL_BACKEND = "lab-loky"

# a grid that is cancelled leaves runs in flight on purpose: joblib's warning about them says nothing new
warnings.filterwarnings("ignore", message=r".*tasks which were still being processed by the workers have been "
                                          r"cancelled", category=UserWarning)


class _Token:
    """The cancel switch of one worker thread: the backend its grid runs on attaches itself here."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cancelled = False
        self.backend: _GridBackend | None = None

    def attach(self, backend: _GridBackend) -> None:
        with self.lock:
            self.backend = backend
            late = self.cancelled
        if late:  # Cancel came while the pool was starting
            backend.cancel()

    def cancel(self) -> None:
        with self.lock:
            self.cancelled = True
            backend = self.backend
        if backend is not None:
            backend.cancel()


_TOKENS: dict[int, _Token] = {}  # worker thread id -> its token
_TOKENS_LOCK = threading.Lock()


#: seconds an idle worker process of the grid's pool waits for more work before it exits
IDLE_SECONDS = 300
_POOL: tuple[ProcessPoolExecutor, int] | None = None  # the grid's own worker processes and their number
_POOL_LOCK = threading.Lock()


def _pool(n_jobs: int, env: dict) -> ProcessPoolExecutor:
    """The grid's pool of ``n_jobs`` processes: its own, not joblib's shared one, so that a
    cancel here never ends another tool's runs (nor theirs ours); reused while its size fits."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None and _POOL[1] != n_jobs:
            _POOL[0].shutdown(wait=False)
            _POOL = None
        if _POOL is None:
            _POOL = (ProcessPoolExecutor(max_workers=n_jobs, timeout=IDLE_SECONDS, env=env), n_jobs)
        return _POOL[0]


def close_pool() -> None:
    """End the grid's worker processes now (a cancel, a failure, the app closing)."""
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool[0].shutdown(wait=False, kill_workers=True)


class _GridBackend(AutoBatchingMixin, ParallelBackendBase):
    """A joblib backend like loky's, on the grid's own pool, with ``cancel()``: callable from any
    thread, it kills the worker processes at once (the runs in flight fail, joblib stops
    waiting for them). Submitting, terminating and aborting share one lock, so a result that
    arrives as the pool is killed cannot hand a new run to a pool that is gone."""

    supports_retrieve_callback = True
    supports_inner_max_num_threads = True

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._guard = threading.RLock()
        self._cancelled = False
        self._workers: ProcessPoolExecutor | None = None

    def effective_n_jobs(self, n_jobs: int) -> int:
        if n_jobs == 0:
            raise ValueError("n_jobs == 0 has no meaning")
        return max(cpu_count() + 1 + n_jobs, 1) if n_jobs < 0 else int(n_jobs)

    def configure(self, n_jobs: int = 1, parallel: object = None, **_kwargs: object) -> int:
        n_jobs = self.effective_n_jobs(n_jobs)
        with self._guard:
            self._workers = _pool(n_jobs, self._prepare_worker_env(n_jobs=n_jobs))
            self.parallel = parallel
        with _TOKENS_LOCK:
            token = _TOKENS.get(threading.get_ident())
        if token is not None:
            token.attach(self)
        return n_jobs

    def submit(self, func: object, callback: object = None) -> Future:
        with self._guard:
            if self._cancelled or self._workers is None:
                return Future()  # never runs: the grid is being cancelled
            future = self._workers.submit(func)
        if callback is not None:
            future.add_done_callback(callback)
        return future

    def retrieve_result_callback(self, future: Future) -> object:
        try:
            return future.result()
        except ShutdownExecutorError:
            raise RuntimeError("the grid's worker processes were ended") from None

    def terminate(self) -> None:
        """The grid is over: the pool stays for the next one."""
        with self._guard:
            self._workers = None
        self.reset_batch_stats()

    def abort_everything(self, ensure_ready: bool = True) -> None:
        """A run failed or the grid was cancelled: the pool's processes are killed (the next grid
        starts new ones)."""
        with self._guard:
            if self._workers is not None:
                self._workers = None
                close_pool()

    def cancel(self) -> None:
        with self._guard:
            self._cancelled = True
            self.abort_everything(ensure_ready=False)


@dataclass(frozen=True)
class Backend:
    """Where the runs go: ``name`` a joblib backend (LOCAL_BACKEND, "dask", "threading", …),
    ``n_jobs`` its workers (-1: all cores), ``address`` a Dask scheduler."""

    name: str = LOCAL_BACKEND
    n_jobs: int = -1
    address: str | None = None


_OPTION_NAMES = {"--backend dask": "Dask backend", "--address": "Dask scheduler address", "--backend": "Backend"}


def failure_text(exc: BaseException) -> str:
    """One line for runs that broke: a worker process that died, memory, or the error itself."""
    name = type(exc).__name__
    if isinstance(exc, MemoryError):
        return "the runs ran out of memory together; use fewer workers"
    text = str(exc)
    if name == "TerminatedWorkerError":
        codes = re.search(r"exit codes of the workers are \{([^}]*)\}", text)
        code = f" (exit code {codes.group(1)})" if codes else ""
        return f"a worker process died{code}: perhaps it ran out of memory"
    first = " ".join(text.strip().splitlines()[0].split(". ")[0].split()) if text.strip() else "(no message)"
    return f"{name}: {first}"


class GridWorker(QObject):
    """Validates, expands and runs one grid; lives in its own thread and touches no widget."""

    #: the grid's runs, once expanded (a list of sweep.Run): results refer to their indices
    planned = Signal(object)
    #: one finished run: its index and run_one's row (with history and boundary)
    result = Signal(int, object)
    #: the grid cannot start (a rule only the data can check, an unreachable cluster): nothing ran
    rejected = Signal(str)
    #: runs broke (a worker process died, an error in a run): one line; finished rows were sent
    failed = Signal(str)
    #: the grid ended: "completed" or "cancelled"
    finished = Signal(str)

    def __init__(self, spec: GridSpec, backend: Backend, boundary_resolution: int | None = BOUNDARY_RESOLUTION):
        super().__init__()
        self.spec = spec
        self.backend = backend
        self.boundary_resolution = boundary_resolution
        self._stop = threading.Event()
        self._token = _Token()

    def request_stop(self) -> None:
        """From any thread: stop now (local processes are killed; others stop at the next result)."""
        self._stop.set()
        self._token.cancel()

    @Slot()
    def run(self) -> None:
        ident = threading.get_ident()
        with _TOKENS_LOCK:
            _TOKENS[ident] = self._token
        try:
            self._run()
        finally:
            with _TOKENS_LOCK:
                _TOKENS.pop(ident, None)

    def _run(self) -> None:
        b = self.backend
        try:
            self.spec.validate()
            runs = self.spec.expand()
        except (ConfigError, ValueError) as err:
            self.rejected.emit(f"{err}; nothing ran")
            return
        self.planned.emit(runs)
        with contextlib.ExitStack() as stack:
            try:  # a missing package or an unreachable cluster fails here, before any run
                if b.name == LOCAL_BACKEND:  # an instance, not a registered name: the CLI never lists it
                    stack.enter_context(parallel_config(backend=_GridBackend(), n_jobs=b.n_jobs))
                else:
                    stack.enter_context(sweep.backend(b.name, b.n_jobs, b.address))
            except ConfigError as err:
                name = _OPTION_NAMES.get(err.field)
                self.rejected.emit(f"{f'{name}: {err.rule}' if name else err}; nothing ran")
                return
            try:
                self._iterate(runs)
            except Exception as exc:  # a run or a worker process broke: one line, the rows so far are kept
                if not self._stop.is_set():  # (after Cancel, the killed runs' errors are expected)
                    self.failed.emit(failure_text(exc))
                    return
        self.finished.emit("cancelled" if self._stop.is_set() else "completed")

    def _iterate(self, runs: list[sweep.Run]) -> None:
        if self._stop.is_set():
            return
        grid = sweep.run_grid(runs, curves=True, boundary_resolution=self.boundary_resolution)
        try:
            for run, row in grid:
                self.result.emit(run.index, row)
                if self._stop.is_set():
                    break
        finally:
            grid.close()  # joblib cancels what has not run yet


class GridRun:
    """Owns one GridWorker and its QThread. ``cancel`` returns at once; ``shutdown`` cancels
    and waits (bounded); both are safe to call any number of times."""

    def __init__(self, worker: GridWorker):
        self.worker = worker
        self.qthread = QThread()
        self.qthread.setObjectName("grid")
        worker.moveToThread(self.qthread)
        self.qthread.started.connect(worker.run)
        for signal in (worker.finished, worker.failed, worker.rejected):
            signal.connect(self.qthread.quit)
        self.qthread.finished.connect(worker.deleteLater)
        self.cancelled_at: float | None = None
        self._request_stop = worker.request_stop  # plain Python: safe after the worker object is gone

    def start(self) -> None:
        self.qthread.start()

    def is_running(self) -> bool:
        return self.qthread.isRunning()

    def cancel(self) -> None:
        if self.cancelled_at is None:
            self.cancelled_at = time.perf_counter()
        self._request_stop()

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Cancel, then wait up to ``timeout_ms`` for the thread; False if it is still running
        (a Dask run in flight): the caller keeps this object until ``qthread.finished``."""
        if not self.qthread.isRunning():
            self.qthread.wait()  # ended: join it (its last deferred deletes) before it is let go
            return True
        self.cancel()
        self.qthread.quit()
        return self.qthread.wait(timeout_ms)
