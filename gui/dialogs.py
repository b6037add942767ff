"""The window's dialogs: Help ▸ Keyboard shortcuts, Help ▸ About, file choosers, warnings.

A warning's or an error's text is shown as written, never as markup
(``plaintext.auto_text``): it may quote a file name or a CSV cell.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QLabel, QMessageBox, QVBoxLayout, QWidget

from .plaintext import auto_text


def ask_open_path(parent: QWidget | None, title: str, file_filter: str) -> str:
    """A file to open, or "" when the user cancels."""
    path, _ = QFileDialog.getOpenFileName(parent, title, "", file_filter)
    return path


def ask_save_path(parent: QWidget | None, title: str, default: str, file_filter: str) -> str:
    """A file to write, or "" when the user cancels."""
    path, _ = QFileDialog.getSaveFileName(parent, title, default, file_filter)
    return path


def warn(parent: QWidget | None, title: str, text: str) -> None:
    """A warning whose ``text`` is shown as written: it often quotes a file's name or contents."""
    QMessageBox.warning(parent, title, auto_text(text))


def error(parent: QWidget | None, title: str, text: str) -> None:
    """An error message, shown as written (see ``warn``)."""
    QMessageBox.critical(parent, title, auto_text(text))


def shortcuts_dialog(parent: QWidget | None, actions: Iterable[QAction]) -> QDialog:
    """A sheet listing every action that has a shortcut (built from the actions themselves)."""
    rows = "".join(
        f"<tr><td style='padding:2px 14px 2px 0'><b>{a.shortcut().toString()}</b></td>"
        f"<td>{a.text().replace('&', '')} — {a.statusTip() or a.toolTip().split(' (')[0]}</td></tr>"
        for a in actions if not a.shortcut().isEmpty())
    dialog = QDialog(parent)
    dialog.setObjectName("shortcutsDialog")
    dialog.setWindowTitle("Keyboard shortcuts")
    label = QLabel(f"<table>{rows}</table>")
    label.setObjectName("shortcutsTable")
    buttons = QDialogButtonBox(QDialogButtonBox.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(label)
    layout.addWidget(buttons)
    return dialog


def about_text() -> str:
    import numpy
    import pyqtgraph
    import PySide6
    from PySide6.QtCore import qVersion

    from . import __doc__ as gui_doc  # noqa: F401  (keeps the import of the package explicit)

    try:
        from importlib.metadata import version
        app_version = version("activation-lab")
    except Exception:  # a bundle without package metadata
        app_version = "0.1.0"
    try:
        from importlib.metadata import version
        sklearn_version = version("scikit-learn")
    except Exception:
        sklearn_version = "bundled"
    return (f"<h3>Activation Lab {app_version}</h3>"
            "<p>See why activation functions and weight initialisation matter: saturated sigmoids, "
            "dead ReLUs, unbroken symmetry, vanishing and exploding gradients — live.</p>"
            f"<p>Python {platform.python_version()} · NumPy {numpy.__version__} · scikit-learn {sklearn_version}"
            f"<br>PySide6 {PySide6.__version__} (Qt {qVersion()}) · pyqtgraph {pyqtgraph.__version__}</p>")


def about_dialog(parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("aboutDialog")
    box.setWindowTitle("About Activation Lab")
    box.setText(about_text())
    return box
