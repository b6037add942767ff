"""Widgets derived from a ``Param``: number boxes that hold a value exactly, combos, checks.

A panel never writes a range, a step or a tooltip of its own: it asks for the
widget of ``PARAMS["train"]["lr"]`` and gets a box whose limits are the
engine's. ``NumberBox`` keeps whatever number it is given, to the last digit
(``0.003896`` stays ``0.003896``, ``1e-10`` stays ``1e-10``), and an optional
setting left at None stays None until the user edits that field.
"""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QValidator
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QToolButton, QWidget

from engine.schema import ConfigError, Param

#: Qt's largest number of decimals: with it, Qt's internal rounding keeps every
#: normal double unchanged.
_DECIMALS = 323
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_PARTIAL = re.compile(r"[+-]?\d*\.?\d*([eE][+-]?\d*)?")


def object_name(key: str, suffix: str) -> str:
    """``leaky_slope`` -> ``leakySlopeSpin``: the name tests and style sheets find a widget by."""
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest) + suffix


def shown(value: float, kind: str = "float") -> str:
    """A number as short as it can be while reading back as exactly the same number."""
    if kind == "int":
        return str(int(value))
    if value == 0:
        return "0"
    return repr(float(value)).removesuffix(".0")  # repr: the shortest text that reads back exactly


class NumberBox(QDoubleSpinBox):
    """A spin box over one numeric ``Param``: its range, its step (by factors on a
    log scale), its tooltip, and the exact value it was given.

    ``value()``/``setValue()`` work as for any QDoubleSpinBox (ints come back as
    int); ``get()``/``put()`` also carry None for an optional setting, shown as
    the default the engine will use (in italics) until the user edits it.

    Typed text that breaks the rule (out of range, not a number) is not
    accepted: the box keeps its value and ``rejected`` carries a one-line
    message naming the setting and the rule, for the window to show.
    """

    rejected = Signal(str)

    def __init__(self, param: Param, name: str | None = None, default_shown: float | None = None,
                 section: str = ""):
        super().__init__()
        self.path = f"{section}.{param.name}" if section else param.name
        self.param = param
        self._int = param.kind == "int"
        self._unset = False
        self._putting = False
        self._exact = (None, None)  # (the value put, what Qt holds for it)
        self.setDecimals(0 if self._int else _DECIMALS)
        self.setKeyboardTracking(False)  # emit once the user has finished typing
        self.setObjectName(name or object_name(param.name, "Spin"))
        self.setAccelerated(True)
        self.set_param(param, param.default if default_shown is None else default_shown)
        self.valueChanged.connect(self._edited)

    def set_param(self, param: Param, value: float | None = None) -> None:
        """Follow another Param of the same key (an initialiser's std, then a gain): its
        range, step and tooltip; then show ``value`` (None: unset, showing its default)."""
        self.param = param
        lo, hi = param.bounds()
        self.blockSignals(True)
        self.setRange(lo, hi)
        self.blockSignals(False)
        self.setSingleStep(param.step or 1.0)
        self.setToolTip(param.tooltip())
        if value is None and param.default is None:
            value = max(lo, min(hi, 0.0))
        self.put(value)

    # -- exact values ----------------------------------------------------------------
    def _edited(self, _value: float) -> None:
        if not self._putting and self._unset:
            self._unset = False
            self._style_unset()

    def value(self) -> float:  # noqa: D401 - Qt's name
        v = super().value()
        if v == self._exact[1]:
            return self._exact[0]  # what put() was given, even below Qt's last decimal
        return int(round(v)) if self._int else v

    def put(self, value: float | None, default_shown: float | None = None) -> None:
        """Show ``value`` exactly, without emitting; None (optional settings) shows
        ``default_shown`` and reads back as None until edited."""
        self._putting = True
        self.blockSignals(True)
        try:
            self._unset = value is None
            if value is None:
                fallback = self.param.default if default_shown is None else default_shown
                value = fallback if fallback is not None else self.minimum()
            self.setValue(value)
            held = super().value()
            self._exact = (min(max(value, self.minimum()), self.maximum()) if held != value else held, held)
            if self._int:
                self._exact = (int(round(held)), held)
        finally:
            self.blockSignals(False)
            self._putting = False
        self._style_unset()

    def get(self) -> float | None:
        """The configuration's value: None while an optional setting is unset."""
        return None if self._unset else self.value()

    def show_default(self, default: float) -> None:
        """Change the default an unset box shows (a new data set's own noise)."""
        if self._unset:
            self.put(None, default)

    def _style_unset(self) -> None:
        font = self.font()
        font.setItalic(self._unset)
        self.setFont(font)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Room for a rate such as 0.0003896 whatever the range's own texts are."""
        hint = super().sizeHint()
        if not self._int:
            room = self.fontMetrics().horizontalAdvance("0.00038962") + 2 * self.fontMetrics().height()
            hint.setWidth(max(hint.width(), room))
        return hint

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.sizeHint() if not self._int else super().minimumSizeHint()

    # -- text --------------------------------------------------------------------------
    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        return shown(value, self.param.kind)

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        body = text.strip()
        if _NUMBER.fullmatch(body):
            number = float(body)
            if self._int and not number.is_integer():
                return QValidator.Invalid, text, pos
            if self.minimum() <= number <= self.maximum():
                return QValidator.Acceptable, text, pos
            return QValidator.Intermediate, text, pos
        if _PARTIAL.fullmatch(body):
            return QValidator.Intermediate, text, pos
        return QValidator.Invalid, text, pos

    def _check_typed(self) -> None:
        """Say why typed text will not be taken (Qt would silently put the old value back)."""
        text = self.lineEdit().text().strip()
        if not text or self.validate(text, len(text))[0] == QValidator.Acceptable:
            return
        if _NUMBER.fullmatch(text):
            try:
                self.param.check(self.path, int(float(text)) if self._int and float(text).is_integer()
                                 else float(text))
                rule = self.param.range_rule()
            except ConfigError as err:
                rule = err.rule.rsplit(", got", 1)[0]
        else:
            rule = "must be a whole number" if self._int else "must be a number"
        self.rejected.emit(f"{self.path}: {rule}, got {text}")

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        self._check_typed()
        super().focusOutEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self._check_typed()
        super().keyPressEvent(event)

    def fixup(self, text: str) -> str:
        return self.textFromValue(self.value())

    def stepBy(self, steps: int) -> None:  # noqa: N802
        """Arrow keys and the wheel: linear steps, or on a log scale x2 / x5 by decades."""
        v = self.value()
        if self.param.scale == "log" and v > 0:
            exponent = math.floor(math.log10(v))
            mantissas = (1.0, 2.0, 5.0)
            # the 1-2-5 ladder position nearest v, then move along it
            ladder = [m * 10.0 ** e for e in range(exponent - 1, exponent + 2) for m in mantissas]
            here = min(range(len(ladder)), key=lambda i: abs(math.log10(ladder[i]) - math.log10(v)))
            index = here + steps
            decade, rung = divmod(index, 3)
            new = float(f"{mantissas[rung] * 10.0 ** (exponent - 1 + decade):.3g}")
        else:
            new = float(f"{v + steps * self.singleStep():.12g}")
        self.setValue(min(max(new, self.minimum()), self.maximum()))


def wire_boxes(panel: QWidget, section: str) -> None:
    """Name each number box of ``panel`` by its setting (``train.lr``) and pass its
    refusals on through the panel's ``rejected`` signal."""
    for box in panel.findChildren(NumberBox):
        if not box.path.startswith(section + "."):
            box.path = f"{section}.{box.param.name}"
            box.rejected.connect(panel.rejected)


def choice_box(param: Param, items: list[tuple[str, str, str]] | None = None, name: str | None = None) -> QComboBox:
    """A combo box over a choice ``Param``: ``items`` are (text, value, tooltip); by
    default the choices themselves."""
    box = QComboBox()
    box.setObjectName(name or object_name(param.name, "Combo"))
    box.setToolTip(param.tooltip())
    for i, (text, data, tip) in enumerate(items or [(c, c, "") for c in param.choices]):
        box.addItem(text, data)
        if tip:
            box.setItemData(i, tip, 3)  # Qt.ToolTipRole
    select(box, param.default)
    return box


def select(box: QComboBox, data: object) -> None:
    i = box.findData(data)
    if i >= 0:
        box.setCurrentIndex(i)


def check_box(param: Param, name: str | None = None) -> QCheckBox:
    box = QCheckBox(param.title)
    box.setObjectName(name or object_name(param.name, "Check"))
    box.setToolTip(param.tooltip())
    box.setChecked(bool(param.default))
    return box


def advanced_toggle(name: str) -> QToolButton:
    """The "Advanced" row's button: an arrow that shows or hides the panel's rarer settings."""
    button = QToolButton()
    button.setObjectName(name)
    button.setText("Advanced")
    button.setCheckable(True)
    button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    button.setArrowType(Qt.RightArrow)
    button.setAutoRaise(True)
    button.setToolTip("Show the settings most experiments leave alone.")

    def flip(on: bool) -> None:
        button.setArrowType(Qt.DownArrow if on else Qt.RightArrow)

    button.toggled.connect(flip)
    return button


def row_of(*items) -> QWidget:
    """Widgets side by side in one form row; an (widget, stretch) pair sets a stretch."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for item in items:
        widget, stretch = item if isinstance(item, tuple) else (item, 0)
        layout.addWidget(widget, stretch)
    return row
