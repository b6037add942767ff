"""One axis of the experiment grid: which setting it varies and the values it takes.

Every setting the schema lets vary is offered (engine/grid.py ``axis_fields``); a registry
field shows a check box for each of its entries, a number field a comma-separated list that
is checked against the setting's range when the grid is checked.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine.grid import GridAxis, axis_fields

from ..plaintext import auto_text, plain_label


class AxisPicker(QGroupBox):
    """One axis: which setting (every field of the schema that can vary) and its values: check
    boxes of every registry entry, or a comma-separated list of numbers checked against the range."""

    def __init__(self, title: str, side: str, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.side = side
        self.base: dict = {}
        self.field_box = QComboBox()
        self.field_box.setObjectName(f"{side}Field")
        self.field_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.field_box.setMinimumContentsLength(16)
        for key, field in axis_fields().items():
            self.field_box.addItem(field.name if key != field.path else f"{field.label} ({field.path})", key)
        self.choices = QListWidget()
        self.choices.setObjectName(f"{side}Choices")
        self.choices.setMinimumHeight(80)
        self.choices.setMaximumHeight(150)
        self.numbers = QLineEdit()
        self.numbers.setObjectName(f"{side}Numbers")
        self.rule = plain_label("", object_name=f"{side}Rule")
        self.rule.setWordWrap(True)
        self.rule.setStyleSheet("color: palette(mid);")
        numbers = QWidget()
        box = QVBoxLayout(numbers)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.numbers)
        box.addWidget(self.rule)
        box.addStretch(1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.choices)
        self.stack.addWidget(numbers)
        self.stack.setMaximumHeight(150)
        layout = QVBoxLayout(self)
        layout.addWidget(self.field_box)
        layout.addWidget(self.stack)
        self.field_box.currentIndexChanged.connect(self._field_changed)

    @property
    def key(self) -> str:
        return self.field_box.currentData()

    def set_axis(self, key: str, values: tuple) -> None:
        """Show setting ``key`` with ``values`` ticked (or typed)."""
        with QSignalBlocker(self.field_box):
            self.field_box.setCurrentIndex(self.field_box.findData(key))
        self._fill(values)

    def _field_changed(self, _index: int) -> None:
        self._fill(self._defaults())

    def _defaults(self) -> tuple:
        """The base's value (a rate also a tenth and ten times it): a place to start from."""
        field = axis_fields()[self.key]
        section, _, name = field.path.partition(".")
        value = self.base.get(section, {}).get(name, field.param.default)
        if field.key == "depth":
            return (len(self.base.get("model", {}).get("hidden", [8, 8])),)
        if field.key == "width":
            hidden = self.base.get("model", {}).get("hidden", [8])
            return (hidden[0] if hidden else 8,)
        if field.numeric and field.param.scale == "log" and isinstance(value, (int, float)):
            return tuple(field.check(v) for v in (value / 10, value, value * 10)
                         if field.param.bounds()[0] <= v <= field.param.bounds()[1])
        return () if value is None and field.numeric else (value,)

    def _fill(self, values: tuple) -> None:
        field = axis_fields()[self.key]
        if field.choices:
            self.stack.setCurrentIndex(0)
            self.choices.clear()
            for value, title, tip in zip(field.choices, field.titles, field.tips or ("",) * len(field.choices)):
                item = QListWidgetItem(title)
                item.setData(Qt.UserRole, value)
                item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                item.setCheckState(Qt.Checked if value in values else Qt.Unchecked)
                if tip:
                    item.setToolTip(auto_text(tip))
                self.choices.addItem(item)
        else:
            self.stack.setCurrentIndex(1)
            self.numbers.setText(", ".join(field.title_of(v) for v in values))
            extra = ' or "full"' if field.param.name == "batch_size" else ""
            rule = field.param.range_rule().removeprefix("must be ")
            self.rule.setText(f"Comma-separated values, each {rule}{extra}.")

    def values(self) -> tuple:
        """The ticked or typed values, in the registry's (or the typed) order; ConfigError names
        the setting and the rule."""
        field = axis_fields()[self.key]
        if field.choices:
            return tuple(self.choices.item(k).data(Qt.UserRole) for k in range(self.choices.count())
                         if self.choices.item(k).checkState() == Qt.Checked)
        return field.parse(self.numbers.text())

    def axis(self) -> GridAxis:
        return GridAxis(self.key, self.values())
