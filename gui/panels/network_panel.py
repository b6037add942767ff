"""The Network panel: hidden layers, activations, initialisation and output head."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QToolButton,
                               QVBoxLayout, QWidget)

from engine import activations, initializers, losses

from .common import combo, dspin, select, spin

PRESETS = {"2": [2], "8-8": [8, 8], "16-16": [16, 16], "64-64-64": [64, 64, 64], "10×10": [10] * 10}
SAME = "same"


class LayerEditor(QWidget):
    """Hidden layers as rows: width and an optional activation override per layer."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("layerEditor")
        self.rows: list[tuple[QWidget, object, QComboBox]] = []
        self.rows_box = QVBoxLayout()
        self.rows_box.setContentsMargins(0, 0, 0, 0)
        self.rows_box.setSpacing(2)
        self.add_button = QPushButton("+ Layer")
        self.add_button.setObjectName("addLayerButton")
        self.add_button.setToolTip("Add a hidden layer (a copy of the last one).")
        self.add_button.clicked.connect(self._add_clicked)
        self.presets = QComboBox()
        self.presets.setObjectName("presetCombo")
        self.presets.setToolTip("Replace the hidden layers with a common shape.")
        self.presets.addItem("Presets…")
        self.presets.addItems(list(PRESETS))
        self.presets.activated.connect(self._preset)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.presets, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.rows_box)
        layout.addLayout(buttons)

    def _make_row(self, width: int, override: str | None) -> None:
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        label = QLabel(f"{len(self.rows) + 1}")
        label.setFixedWidth(18)
        width_box = spin(1, 1024, width, f"layerWidth{len(self.rows) + 1}", "Number of units in this layer.")
        act = combo([("same", SAME, "Use the activation chosen below.")]
                    + [(cls.title, name, cls.description) for name, cls in activations.ACTIVATIONS.items()],
                    f"layerActivation{len(self.rows) + 1}", "This layer's activation (overrides the one below).")
        select(act, override or SAME)
        remove = QToolButton()
        remove.setText("✕")
        remove.setToolTip("Remove this layer.")
        h.addWidget(label)
        h.addWidget(width_box, 1)
        h.addWidget(act, 2)
        h.addWidget(remove)
        width_box.valueChanged.connect(self.changed)
        act.currentIndexChanged.connect(self.changed)
        remove.clicked.connect(lambda: self._remove(row))
        self.rows.append((row, width_box, act))
        self.rows_box.addWidget(row)

    def _renumber(self) -> None:
        for i, (row, _, _) in enumerate(self.rows):
            row.layout().itemAt(0).widget().setText(str(i + 1))

    def _add_clicked(self) -> None:
        width = self.rows[-1][1].value() if self.rows else 8
        self._make_row(width, None)
        self.changed.emit()

    def _remove(self, row: QWidget) -> None:
        self.rows = [r for r in self.rows if r[0] is not row]
        row.setParent(None)
        row.deleteLater()
        self._renumber()
        self.changed.emit()

    def _preset(self, index: int) -> None:
        if index > 0:
            self.set_layers(PRESETS[self.presets.itemText(index)], None)
            self.presets.setCurrentIndex(0)
            self.changed.emit()

    def set_layers(self, widths, overrides) -> None:
        for row, _, _ in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for i, w in enumerate(widths):
            self._make_row(int(w), overrides[i] if overrides else None)

    def widths(self) -> list[int]:
        return [w.value() for _, w, _ in self.rows]

    def overrides(self) -> list[str | None]:
        return [None if a.currentData() == SAME else a.currentData() for _, _, a in self.rows]


class NetworkPanel(QGroupBox):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__("Network", parent)
        self.setObjectName("networkPanel")
        self.layers = LayerEditor()
        self.layers.set_layers([8, 8], None)
        self.activation = combo([(cls.title, name, cls.description) for name, cls in activations.ACTIVATIONS.items()],
                                "activationCombo", "The non-linearity after every hidden layer.")
        self.slope = dspin(0.0, 1.0, 0.01, "leakySlopeSpin", "Leaky ReLU's slope for z < 0.", 0.01, 3)
        self.alpha = dspin(0.01, 10.0, 1.0, "eluAlphaSpin", "ELU's alpha: how far below zero it can go.", 0.1, 2)
        self.init = combo([(cls.title, name, cls.description) for name, cls in initializers.INITIALIZERS.items()],
                          "initCombo", "How the weights are drawn before training.")
        self.init_param = dspin(-100.0, 100.0, 1.0, "initParamSpin", "The initialiser's own parameter.", 0.01, 4)
        self.bias = combo([(name.replace("_", " ").capitalize(), name, tip)
                           for name, tip in initializers.BIAS_INITIALIZERS.items()],
                          "biasInitCombo", "How the biases start.")
        self.bias_value = dspin(-20.0, 20.0, 0.0, "biasValueSpin", "The value every bias starts at.", 0.1, 3)
        self.output = combo([(cls.title, name, cls.description) for name, cls in losses.HEADS.items()],
                            "outputCombo", "The output layer's function and the loss it is trained on.")
        self.summary = QLabel()
        self.summary.setObjectName("architectureLabel")
        self.summary.setWordWrap(True)
        self.summary.setToolTip("The architecture and its number of trainable parameters.")
        select(self.activation, "tanh")
        select(self.init, "xavier")

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.addRow("Hidden", self.layers)
        form.addRow("Activation", self.activation)
        form.addRow("Leaky slope", self.slope)
        form.addRow("ELU alpha", self.alpha)
        form.addRow("Initialiser", self.init)
        self.init_label = QLabel("std")
        form.addRow(self.init_label, self.init_param)
        form.addRow("Biases", self.bias)
        form.addRow("Bias value", self.bias_value)
        form.addRow("Output", self.output)
        form.addRow(self.summary)
        self.form = form

        self.layers.changed.connect(self._changed)
        for box in (self.activation, self.init, self.bias, self.output):
            box.currentIndexChanged.connect(self._changed)
        for box in (self.slope, self.alpha, self.init_param, self.bias_value):
            box.valueChanged.connect(self._changed)
        self.init.currentIndexChanged.connect(self._init_changed)
        self._init_changed()
        self._update_rows()

    def _init_changed(self) -> None:
        cls = initializers.INITIALIZERS[self.init.currentData()]
        if cls.params:
            key, default = next(iter(cls.params.items()))
            self.init_label.setText(key)
            self.init_param.blockSignals(True)
            self.init_param.setValue(default)
            self.init_param.blockSignals(False)
        self._update_rows()

    def _update_rows(self) -> None:
        used = {self.activation.currentData()} | {o for o in self.layers.overrides() if o}
        self.form.setRowVisible(self.slope, "leaky_relu" in used)
        self.form.setRowVisible(self.alpha, "elu" in used)
        self.form.setRowVisible(self.init_param, bool(initializers.INITIALIZERS[self.init.currentData()].params))
        self.form.setRowVisible(self.bias_value, self.bias.currentData() == "constant")

    def _changed(self) -> None:
        self._update_rows()
        self.changed.emit()

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def values(self) -> dict:
        overrides = self.layers.overrides()
        out = {"hidden": self.layers.widths(), "activation": self.activation.currentData(),
               "leaky_slope": round(self.slope.value(), 6), "elu_alpha": round(self.alpha.value(), 6),
               "init": self.init.currentData(), "bias_init": self.bias.currentData(),
               "bias_value": round(self.bias_value.value(), 6), "output": self.output.currentData()}
        if any(overrides):
            out["activations"] = [o or out["activation"] for o in overrides]
        if initializers.INITIALIZERS[out["init"]].params:
            out["init_param"] = round(self.init_param.value(), 6)
        return out

    def set_values(self, model) -> None:
        boxes = (self.activation, self.init, self.bias, self.output, self.slope, self.alpha, self.init_param,
                 self.bias_value)
        for w in boxes:
            w.blockSignals(True)
        overrides = None
        if model.activations:
            overrides = [a if a != model.activation else None for a in model.activations]
        self.layers.set_layers(model.hidden, overrides)
        select(self.activation, model.activation)
        select(self.init, model.init)
        select(self.bias, model.bias_init)
        select(self.output, model.output)
        self.slope.setValue(model.leaky_slope)
        self.alpha.setValue(model.elu_alpha)
        cls = initializers.INITIALIZERS[model.init]
        if cls.params:
            key, default = next(iter(cls.params.items()))
            self.init_label.setText(key)
            self.init_param.setValue(default if model.init_param is None else model.init_param)
        self.bias_value.setValue(model.bias_value)
        for w in boxes:
            w.blockSignals(False)
        self._update_rows()
