"""Small helpers the panels share: labelled spin boxes and registry-filled combo boxes."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QSpinBox, QWidget


def combo(items, name: str, tooltip: str) -> QComboBox:
    """A combo box of (text, data, tooltip) items, e.g. built from an engine registry."""
    box = QComboBox()
    box.setObjectName(name)
    box.setToolTip(tooltip)
    for i, (text, data, tip) in enumerate(items):
        box.addItem(text, data)
        if tip:
            box.setItemData(i, tip, 3)  # Qt.ToolTipRole
    return box


def select(box: QComboBox, data) -> None:
    i = box.findData(data)
    if i >= 0:
        box.setCurrentIndex(i)


def spin(lo: int, hi: int, value: int, name: str, tooltip: str, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    box.setSingleStep(step)
    box.setObjectName(name)
    box.setToolTip(tooltip)
    box.setKeyboardTracking(False)  # emit once the user has finished typing
    return box


def dspin(lo: float, hi: float, value: float, name: str, tooltip: str, step: float = 0.05,
          decimals: int = 3) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    box.setObjectName(name)
    box.setToolTip(tooltip)
    box.setKeyboardTracking(False)
    return box


def row_of(*items) -> QWidget:
    """Widgets side by side in one form row; an (widget, stretch) pair sets a stretch."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for item in items:
        widget, stretch = item if isinstance(item, tuple) else (item, 0)
        layout.addWidget(widget, stretch)
    return row
