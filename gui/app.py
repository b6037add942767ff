"""The application: QApplication set-up, the error dialog, and the entry points.

``main(argv)`` runs the event loop; ``create_window()`` builds the window
without running it (tests and the self-test use it).
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from .plaintext import auto_text
from .resources import resource_path
from .theme import apply_theme

if TYPE_CHECKING:
    from engine.config import Config

    from .main_window import MainWindow

log = logging.getLogger(__name__)

APP_NAME = "Activation Lab"
ORG_NAME = "Activation Lab"

__all__ = ["main", "create_window", "app_icon"]


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icons", "activation-lab.svg")))


def _ensure_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("activation-lab")
    app.setWindowIcon(app_icon())
    apply_theme(app)
    return app


class _ErrorReporter:
    """sys.excepthook: log the traceback, show ONE dialog at a time, never crash silently."""

    def __init__(self) -> None:
        self.showing = False

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        if self.showing or QApplication.instance() is None:
            return
        self.showing = True
        try:
            QMessageBox.critical(None, APP_NAME,  # the message may quote a user's text: shown as written
                                 auto_text(f"Something went wrong: {exc_type.__name__}: {exc}\n\n"
                                           "Your settings are unchanged. The details were written to the terminal."))
        finally:
            self.showing = False


def create_window(config: Config | None = None, defer_data: bool = False) -> MainWindow:
    """Build the main window (and the QApplication if needed) without running the loop.

    With ``defer_data`` the data set and session are built once the event loop runs,
    so the window shows first (see MainWindow)."""
    _ensure_app()
    limit_blas_threads()
    sys.setswitchinterval(SWITCH_INTERVAL)
    from .main_window import MainWindow

    window = MainWindow(config, defer_data=defer_data)
    window.setWindowIcon(app_icon())
    return window


#: how often (s) Python hands the interpreter from the training thread to the GUI thread: 5 ms by
#: default, which makes every frame wait; at 1 ms the default network drew 24.8 frames/s instead of
#: 18.1 and trained faster too (benchmarks/gui_rate.py, same machine, same minute)
SWITCH_INTERVAL = 0.001
#: BLAS threads in the window's process (see ``limit_blas_threads``)
BLAS_THREADS = 1
_blas_limit = None


def limit_blas_threads() -> None:
    """One BLAS thread in the window's process: the network's matrices are small, and on a
    busy machine OpenBLAS's extra threads spin-wait for a core that the GUI thread and the
    training thread need. Measured on the 2-core lab machine (benchmarks/gui_rate.py): lesson 7's
    5 x 100 net trained at 177 steps/s and drew 0 frames/s with OpenBLAS's default pool, and at
    950 steps/s and 16 frames/s with one thread. Kept for the process; calling it again does
    nothing. Without threadpoolctl (scikit-learn's own dependency) the pool is left as it is."""
    global _blas_limit
    if _blas_limit is not None:
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        log.info("threadpoolctl is missing: the BLAS thread pool keeps its default size")
        _blas_limit = False
        return
    _blas_limit = threadpool_limits(limits=BLAS_THREADS, user_api="blas")


def throwaway_settings() -> None:
    """Checks (--selftest, --startup-check) and benchmarks keep their settings in a temporary folder:
    running one never changes the user's saved layout, last configuration or recent files."""
    import atexit
    import shutil
    import tempfile

    from PySide6.QtCore import QSettings

    folder = tempfile.mkdtemp(prefix="activation-lab-check-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, folder)


def selftest(seconds: float = 3.0) -> int:
    """Open the window, train the default moons network for a few seconds, report, exit.

    Used by the bundle's smoke test: exit status 0 only if training made progress.
    """
    from PySide6.QtCore import QTimer

    from engine.config import Config

    from .main_window import DEFAULT_CONFIG

    app = _ensure_app()
    window = create_window(Config.from_dict(DEFAULT_CONFIG))
    window.show()
    window.play_pause()
    QTimer.singleShot(int(seconds * 1000), window.close)
    app.exec()
    snap = window.shown
    ok = snap is not None and snap.epoch > 0 and snap.train_accuracy > 0.8 and window.frames_drawn > 0
    print(f"selftest: epoch {snap.epoch if snap else 0}, train accuracy "
          f"{snap.train_accuracy if snap else float('nan'):.3f}, {window.frames_drawn} frames drawn: "
          f"{'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    app = _ensure_app(argv)
    sys.excepthook = _ErrorReporter()
    if "--selftest" in argv[1:] or "--startup-check" in argv[1:]:
        throwaway_settings()
    if "--selftest" in argv[1:]:
        return selftest()
    if "--startup-check" in argv[1:]:
        # Launch as usual, print when the window is first painted and when its session is
        # ready (wall-clock seconds since the epoch, for benchmarks/startup.py), then quit.
        import time

        from PySide6.QtCore import QTimer

        window = create_window(defer_data=True)

        def ready():
            print(f"startup-check: ready {time.time():.6f}", flush=True)
            QTimer.singleShot(0, window.close)

        window.sessionReady.connect(ready)
        window.first_paint_callback = lambda: print(f"startup-check: first-window {time.time():.6f}", flush=True)
        window.show()
        return app.exec()
    window = create_window(defer_data=True)
    window.show()
    return app.exec()
