"""The Network panel: hidden layers, activations, initialisation and output head.

Rows come from the model section's ``Param``s; an activation's own parameters
(Leaky ReLU's slope, ELU's alpha, whatever a new activation declares) get a
row each, shown while some layer uses that activation. The initialiser's
parameter follows the chosen initialiser's range and default.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine import activations, initializers, losses
from engine.config import MAX_LAYERS, PARAMS, ModelConfig

from .fields import NumberBox, advanced_toggle, choice_box, object_name, select, wire_boxes

P = PARAMS["model"]
PRESETS = {"2": [2], "8-8": [8, 8], "16-16": [16, 16], "64-64-64": [64, 64, 64], "10×10": [10] * 10}
SAME = "same"


def _activation_items() -> list[tuple[str, str, str]]:
    return [(cls.title, name, cls.description) for name, cls in activations.ACTIVATIONS.items()]


class LayerEditor(QWidget):
    """Hidden layers as rows: width and an optional activation override per layer."""

    changed = Signal()
    rejected = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layerEditor")
        self.rows: list[tuple[QWidget, NumberBox, QComboBox]] = []
        self.rows_box = QVBoxLayout()
        self.rows_box.setContentsMargins(0, 0, 0, 0)
        self.rows_box.setSpacing(2)
        self.add_button = QPushButton("+ Layer")
        self.add_button.setObjectName("addLayerButton")
        self.add_button.setToolTip(f"Add a hidden layer (a copy of the last one); at most {MAX_LAYERS}.")
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
        width_box = NumberBox(P["hidden"], f"layerWidth{len(self.rows) + 1}")
        width_box.put(width)
        width_box.path = f"model.hidden[{len(self.rows)}]"
        width_box.rejected.connect(self.rejected)
        act = choice_box(P["activation"], [("same", SAME, "Use the activation chosen below.")] + _activation_items(),
                         f"layerActivation{len(self.rows) + 1}")
        act.setToolTip("This layer's activation (overrides the one below).")
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
        if len(self.rows) >= MAX_LAYERS:
            return
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

    def set_layers(self, widths: Sequence[int], overrides: Sequence[str | None] | None) -> None:
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
    #: a typed value was refused: one line naming the setting and the rule
    rejected = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Network", parent)
        self.setObjectName("networkPanel")
        self.layers = LayerEditor()
        self.layers.set_layers([8, 8], None)
        self.activation = choice_box(P["activation"], _activation_items(), "activationCombo")
        #: each activation parameter's box, and the activations that use it
        self.act_params = {key: NumberBox(p, object_name(key, "Spin")) for key, p in ModelConfig.extra_params().items()}
        self._owners = {key: {name for name, cls in activations.ACTIVATIONS.items()
                              if any(q.name == key for q in cls.schema)} for key in self.act_params}
        self.slope = self.act_params.get("leaky_slope")
        self.alpha = self.act_params.get("elu_alpha")
        self.init = choice_box(P["init"], [(cls.title, name, cls.description)
                                           for name, cls in initializers.INITIALIZERS.items()], "initCombo")
        self.init_param = NumberBox(ModelConfig.init_param_for(self.init.currentData()), "initParamSpin")
        self.bias = choice_box(P["bias_init"], [(name.replace("_", " ").capitalize(), name, tip)
                                                for name, tip in initializers.BIAS_INITIALIZERS.items()],
                               "biasInitCombo")
        self.bias_value = NumberBox(P["bias_value"], "biasValueSpin")
        heads = [(cls.title, name, cls.description) for name, cls in losses.HEADS.items()]
        self.output = choice_box(P["output"], heads, "outputCombo")
        self.dtype = choice_box(P["dtype"], [("float64 (exact)", "float64", "Double precision: the reference."),
                                             ("float32 (faster)", "float32", "Single precision: about twice "
                                              "as fast on big layers, seven significant digits.")], "dtypeCombo")
        self.advanced = advanced_toggle("networkAdvancedButton")
        self.summary = QLabel()
        self.summary.setObjectName("architectureLabel")
        self.summary.setTextFormat(Qt.PlainText)  # text, as written (it names the layers and activations)
        self.summary.setWordWrap(True)
        self.summary.setToolTip("The architecture and its number of trainable parameters.")
        self._per_layer_given = False  # the configuration listed one activation per layer

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.addRow("Hidden", self.layers)
        form.addRow(P["activation"].title, self.activation)
        for key, box in self.act_params.items():
            form.addRow(P[key].title, box)
        form.addRow(P["init"].title, self.init)
        self.init_label = QLabel(self.init_param.param.title)
        form.addRow(self.init_label, self.init_param)
        form.addRow(P["bias_init"].title, self.bias)
        form.addRow(P["bias_value"].title, self.bias_value)
        form.addRow(P["output"].title, self.output)
        form.addRow(self.advanced)
        form.addRow(P["dtype"].title, self.dtype)
        form.addRow(self.summary)
        self.form = form

        self.layers.changed.connect(self._changed)
        self.layers.rejected.connect(self.rejected)
        for box in (self.activation, self.bias, self.output, self.dtype):
            box.currentIndexChanged.connect(self._changed)
        for box in (*self.act_params.values(), self.init_param, self.bias_value):
            box.valueChanged.connect(self._changed)
        self.init.currentIndexChanged.connect(self._init_changed)
        self.advanced.toggled.connect(self._update_rows)
        self._update_rows()
        wire_boxes(self, "model")

    def _init_changed(self) -> None:
        """A new initialiser: its own parameter, at its default."""
        self._follow_init(None)
        self._changed()

    def _follow_init(self, value: float | None) -> None:
        param = ModelConfig.init_param_for(self.init.currentData())
        self.init_param.set_param(param, None)
        self.init_param.put(value)
        self.init_label.setText(param.title)

    def _update_rows(self) -> None:
        used = {self.activation.currentData()} | {o for o in self.layers.overrides() if o}
        for key, box in self.act_params.items():
            self.form.setRowVisible(box, bool(used & self._owners[key]))
        self.form.setRowVisible(self.init_param, bool(initializers.INITIALIZERS[self.init.currentData()].schema))
        self.form.setRowVisible(self.bias_value, self.bias.currentData() == "constant")
        self.form.setRowVisible(self.dtype, self.advanced.isChecked())

    def _changed(self) -> None:
        self._update_rows()
        self.changed.emit()

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def values(self) -> dict:
        """Every model setting, exactly as loaded or edited."""
        overrides = self.layers.overrides()
        out = {"hidden": self.layers.widths(), "activation": self.activation.currentData(),
               "init": self.init.currentData(), "init_param": self.init_param.get(),
               "bias_init": self.bias.currentData(), "bias_value": self.bias_value.get(),
               "output": self.output.currentData(), "dtype": self.dtype.currentData(),
               "activations": None}
        if any(overrides):
            out["activations"] = [o or out["activation"] for o in overrides]
        out.update({key: box.get() for key, box in self.act_params.items()})
        return out

    def set_values(self, model: ModelConfig) -> None:
        boxes = (self.activation, self.init, self.bias, self.output, self.dtype)
        for w in boxes:
            w.blockSignals(True)
        # a per-layer list is shown name by name (never as "same"), so it reads back as a list
        self.layers.set_layers(model.hidden, list(model.activations) if model.activations else None)
        select(self.activation, model.activation)
        select(self.init, model.init)
        select(self.bias, model.bias_init)
        select(self.output, model.output)
        select(self.dtype, model.dtype)
        for key, box in self.act_params.items():
            box.put(getattr(model, key))
        self._follow_init(model.init_param)
        self.bias_value.put(model.bias_value)
        for w in boxes:
            w.blockSignals(False)
        self._update_rows()
