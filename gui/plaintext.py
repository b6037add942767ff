"""Text from a user's file is shown as text: never read as HTML by a widget.

Qt reads a string as rich text in more places than one expects: a QLabel or a
QMessageBox in ``Qt.AutoText`` (the default) does so whenever the first line
looks like a tag, a tooltip likewise, and pyqtgraph's labels, titles and
legends always do. A CSV header such as ``<img src="/dev/zero">`` would then be
an instruction (read an endless file) instead of a name. The helpers here are
for every place a file name, a path, a CSV header or label, a lesson title or
an error message quoting one of them reaches such a widget:

- ``plain_label``: a QLabel that shows its text literally;
- ``escape``: a user's string inside app-made markup (pyqtgraph labels and
  legends, bold around a value);
- ``auto_text``: a string for a widget that guesses the format (a tooltip, a
  QMessageBox's text): unchanged when Qt would show it as plain text anyway,
  else escaped rich text that shows the same characters;
- ``menu_text``: a string for a menu entry, where ``&`` marks a shortcut key.
"""

from __future__ import annotations

import html

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

__all__ = ["auto_text", "escape", "menu_text", "plain_label"]


def escape(text: object) -> str:
    """``text`` as HTML that shows exactly these characters (``<``, ``>``, ``&`` and quotes escaped)."""
    return html.escape(str(text))


def auto_text(text: str) -> str:
    """``text`` for a widget in ``Qt.AutoText``: it shows these characters, never markup.

    Text Qt takes for plain is returned unchanged (so it reads, and compares, as
    written); text it would take for rich text is converted to escaped rich text,
    line breaks kept (and long lines still wrapped)."""
    if not QtGui.Qt.mightBeRichText(text):  # Qt's own test (QtGui's Qt namespace holds it)
        return text
    return QtGui.Qt.convertFromPlainText(text, Qt.WhiteSpaceNormal)


def menu_text(text: str) -> str:
    """``text`` for a menu entry or button: a single ``&`` would mark a shortcut key and vanish."""
    return text.replace("&", "&&")


def plain_label(text: str = "", parent: QWidget | None = None, object_name: str | None = None) -> QLabel:
    """A QLabel that shows ``text`` (and whatever it is later given) literally."""
    label = QLabel(parent)
    label.setTextFormat(Qt.PlainText)
    label.setText(text)
    if object_name:
        label.setObjectName(object_name)
    return label
