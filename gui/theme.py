"""Light and dark palettes that follow the system's colour scheme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget


def is_dark(app: QGuiApplication | None) -> bool:
    """True when the system asks for a dark colour scheme (Qt 6.5+ reports it)."""
    if app is None:
        return False
    try:
        return app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    except AttributeError:  # an older Qt: judge by the palette's window colour
        return app.palette().color(QPalette.Window).lightness() < 128


def error_colour(widget: QWidget) -> str:
    """The red for error text on ``widget``: deep on a light background, soft on a dark one."""
    return "#ff6b6b" if widget.palette().color(QPalette.Base).lightness() < 128 else "#b00020"


def dark_palette() -> QPalette:
    p = QPalette()
    colours = {
        QPalette.Window: "#2b2b2b", QPalette.WindowText: "#e6e6e6", QPalette.Base: "#1e1e1e",
        QPalette.AlternateBase: "#262626", QPalette.ToolTipBase: "#333333", QPalette.ToolTipText: "#e6e6e6",
        QPalette.Text: "#e6e6e6", QPalette.Button: "#333333", QPalette.ButtonText: "#e6e6e6",
        QPalette.BrightText: "#ff6b6b", QPalette.Highlight: "#3d7ab8", QPalette.HighlightedText: "#ffffff",
        QPalette.Link: "#56B4E9", QPalette.PlaceholderText: "#8a8a8a",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.Text, QPalette.ButtonText, QPalette.WindowText):
        p.setColor(QPalette.Disabled, role, QColor("#7a7a7a"))
    return p


def apply_theme(app: QApplication) -> bool:
    """Use the Fusion style with a dark palette when the system is dark; returns whether it is."""
    dark = is_dark(app)
    if dark:
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    return dark
