"""The application: QApplication set-up, the error dialog, and the entry points.

``main(argv)`` runs the event loop; ``create_window()`` builds the window
without running it (tests and the self-test use it).
"""

from __future__ import annotations

import sys
import traceback

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from .resources import resource_path

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
    return app


class _ErrorReporter:
    """sys.excepthook: log the traceback, show ONE dialog at a time, never crash silently."""

    def __init__(self):
        self.showing = False

    def __call__(self, exc_type, exc, tb):
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        if self.showing or QApplication.instance() is None:
            return
        self.showing = True
        try:
            QMessageBox.critical(None, APP_NAME,
                                 f"Something went wrong: {exc_type.__name__}: {exc}\n\n"
                                 "Your settings are unchanged. The details were written to the terminal.")
        finally:
            self.showing = False


def create_window(config=None):
    """Build the main window (and the QApplication if needed) without running the loop."""
    _ensure_app()
    from .main_window import MainWindow

    window = MainWindow(config)
    window.setWindowIcon(app_icon())
    return window


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    app = _ensure_app(argv)
    sys.excepthook = _ErrorReporter()
    window = create_window()
    window.show()
    return app.exec()
