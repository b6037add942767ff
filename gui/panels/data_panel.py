"""The Data panel: which data set, how many points, how noisy, how split.

Every row is built from the data section's ``Param``s (engine/config.py) and
the data sets' own (``centers`` for blobs, ``arms`` for the spiral), so ranges
and tooltips are the engine's. A loaded configuration is kept exactly; each
data set remembers its own size and noise while the user looks at another.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGridLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QWidget

from engine import datasets
from engine.config import PARAMS, DataConfig

from ..dialogs import ask_open_path
from ..plaintext import auto_text
from .fields import NumberBox, advanced_toggle, check_box, choice_box, object_name, row_of, select, wire_boxes

P = PARAMS["data"]
#: the plane combos are never narrower than this many characters ("sepal length (cm)" is 17)
PLANE_CHARS = 17


class LabelColumnEdit(QLineEdit):
    """The CSV label column, by name or index; keeps the loaded value's type
    (the text "2" and the index 2 are different settings) until edited."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("labelColumnEdit")
        self.setPlaceholderText("last column")
        self.setToolTip(P["label_column"].tooltip())
        self._value = None
        self.textEdited.connect(self._edited)

    def _edited(self, text: str) -> None:
        text = text.strip()
        if not text:
            self._value = None
        else:
            try:
                self._value = int(text)
            except ValueError:
                self._value = text

    def put(self, value: str | int | None) -> None:
        self._value = value
        self.setText("" if value is None else str(value))

    def get(self) -> str | int | None:
        return self._value


class DataPanel(QGroupBox):
    """Emits ``changed`` whenever the data the network sees would change."""

    changed = Signal()
    #: a typed value was refused: one line naming the setting and the rule
    rejected = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Data", parent)
        self.setObjectName("dataPanel")
        items = [(spec.title, name, spec.description) for name, spec in datasets.DATASETS.items()]
        self.dataset = choice_box(P["name"], items, "datasetCombo")
        self.samples = NumberBox(P["n_samples"], "samplesSpin")
        self.noise = NumberBox(P["noise"], "noiseSpin", default_shown=0.2)
        self.val = NumberBox(P["val_fraction"], "valFractionSpin")
        self.seed = NumberBox(P["seed"], "dataSeedSpin")
        self.standardize = check_box(P["standardize"], "standardizeCheck")
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setObjectName("regenerateButton")
        self.regenerate.setToolTip("Draw a fresh sample of the data set (next data seed).")
        #: the data sets' own numeric options (centers, arms, ...), one box each
        self.options = {key: NumberBox(p, object_name(key, "Spin"))
                        for key, p in DataConfig.extra_params().items() if p.kind in ("int", "float")}
        self.centers = self.options.get("centers")
        self.arms = self.options.get("arms")
        self.csv_path = QLineEdit()
        self.csv_path.setObjectName("csvPathEdit")
        self.csv_path.setReadOnly(True)
        self.csv_path.setPlaceholderText("no file chosen")
        self.csv_path.setToolTip("The CSV file in use: numeric feature columns and a label column.")
        self.label_column = LabelColumnEdit()
        self.open_csv = QPushButton("Open file…")
        self.open_csv.setObjectName("openCsvButton")
        self.open_csv.setToolTip("Choose a CSV file of your own data.")
        self.feature_x = QComboBox()
        self.feature_x.setObjectName("featureXCombo")
        self.feature_y = QComboBox()
        self.feature_y.setObjectName("featureYCombo")
        self._plane_tips = {self.feature_x: "The feature on the decision boundary's horizontal axis.",
                            self.feature_y: "The feature on the decision boundary's vertical axis."}
        for box, tip in self._plane_tips.items():
            box.setToolTip(tip)
        self.advanced = advanced_toggle("dataAdvancedButton")
        self._features = (0, 1)  # the configuration's plane, until the data's feature names are known
        self._memory: dict[str, tuple] = {}  # data set -> (n_samples, noise, plane) while another is shown
        self._shown_name = self.dataset.currentData()

        seed_row = row_of((self.seed, 1), self.regenerate)
        csv_row = row_of((self.csv_path, 1), self.open_csv)
        for box in (self.feature_x, self.feature_y):
            # feature names can be long ("sepal length (cm)", a CSV's columns): each combo has a
            # line of its own, as wide as the panel; a longer name is cut, and its tooltip says it
            box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(PLANE_CHARS)
        feat_row = QWidget()
        plane = QGridLayout(feat_row)
        plane.setContentsMargins(0, 0, 0, 0)
        for line, (axis, box) in enumerate((("x", self.feature_x), ("y", self.feature_y))):
            plane.addWidget(QLabel(axis), line, 0)
            plane.addWidget(box, line, 1)
        plane.setColumnStretch(1, 1)

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.addRow(P["name"].title, self.dataset)
        form.addRow("File", csv_row)
        form.addRow(P["label_column"].title, self.label_column)
        form.addRow(P["n_samples"].title, self.samples)
        form.addRow(P["noise"].title, self.noise)
        for key, box in self.options.items():
            form.addRow(P[key].title, box)
        form.addRow(P["val_fraction"].title, self.val)
        form.addRow(P["seed"].title, seed_row)
        form.addRow("Plane", feat_row)
        form.addRow(self.advanced)
        form.addRow("", self.standardize)
        self.form = form
        self._rows = {"file": csv_row, "label_column": self.label_column, "samples": self.samples,
                      "noise": self.noise, "plane": feat_row, "standardize": self.standardize, **self.options}

        self.dataset.currentIndexChanged.connect(self._dataset_changed)
        for box in (self.samples, self.seed, self.noise, self.val, *self.options.values()):
            box.valueChanged.connect(self.changed)
        self.standardize.toggled.connect(self.changed)
        self.label_column.editingFinished.connect(self._label_edited)
        self.feature_x.currentIndexChanged.connect(self._features_changed)
        self.feature_y.currentIndexChanged.connect(self._features_changed)
        self.regenerate.clicked.connect(lambda: self.seed.setValue(self.seed.value() + 1))
        self.open_csv.clicked.connect(self._choose_csv)
        self.advanced.toggled.connect(self._update_rows)
        self._update_rows()
        wire_boxes(self, "data")

    # -- visibility ------------------------------------------------------------
    def _show(self, key: str, on: bool) -> None:
        self.form.setRowVisible(self._rows[key], on)

    def _update_rows(self) -> None:
        spec = datasets.get(self.dataset.currentData())
        own = {p.name for p in spec.schema}
        self._show("file", spec.name == "csv")
        self._show("label_column", spec.name == "csv")
        self._show("samples", spec.uses_samples)
        self._show("noise", spec.uses_noise)
        for key in self.options:
            self._show(key, key in own)
        self._show("plane", self.feature_x.count() > 2)
        self._show("standardize", self.advanced.isChecked())

    def _dataset_changed(self) -> None:
        spec = datasets.get(self.dataset.currentData())
        if spec.name == "csv" and not self.csv_path.text():
            path = self._ask_csv()
            if not path:  # cancelled: back to the data set shown, nothing rebuilt, nothing lost
                self.dataset.blockSignals(True)
                select(self.dataset, self._shown_name)
                self.dataset.blockSignals(False)
                return
            self.csv_path.setText(path)
        self._memory[self._shown_name] = (self.samples.get(), self.noise.get(), self._features)
        self._shown_name = spec.name
        samples, noise, self._features = self._memory.get(spec.name, (spec.default_samples, None, (0, 1)))
        self.samples.put(samples)
        self.noise.put(noise, spec.default_noise)
        self.set_feature_names([])
        self._update_rows()
        self.changed.emit()

    def _tip_plane(self) -> None:
        """Each plane combo's tooltip ends with its feature's full name (cut off, if long, in the box)."""
        for box, tip in self._plane_tips.items():
            name = box.currentText()
            box.setToolTip(auto_text(f"{tip}\nNow: {name}" if name else tip))  # a CSV's column name: as written

    def _features_changed(self) -> None:
        self._tip_plane()
        if self.feature_x.count() and self.feature_x.currentIndex() != self.feature_y.currentIndex():
            self._features = (self.feature_x.currentIndex(), self.feature_y.currentIndex())
            self.changed.emit()

    def _label_edited(self) -> None:
        if self.dataset.currentData() == "csv" and self.label_column.isModified():
            self.label_column.setModified(False)
            self.changed.emit()

    def _ask_csv(self) -> str:
        """A CSV file the user picks, or "" when they cancel."""
        return ask_open_path(self, "Open a CSV data file", "CSV files (*.csv);;All files (*)")

    def _choose_csv(self) -> None:
        path = self._ask_csv()
        if path:
            self.csv_path.setText(path)
            self.changed.emit()

    def set_feature_names(self, names: Iterable[str]) -> None:
        """Fill the boundary-plane combos once the data's features are known (empty: none yet)."""
        names = list(names)
        current = [self.feature_x.itemText(i) for i in range(self.feature_x.count())]
        if names != current:
            for box in (self.feature_x, self.feature_y):
                box.blockSignals(True)
                box.clear()
                box.addItems(names)
                box.blockSignals(False)
        fx, fy = self._features if max(self._features) < len(names) else (0, 1)
        for box, index in ((self.feature_x, fx), (self.feature_y, fy)):
            box.blockSignals(True)
            if index < box.count():
                box.setCurrentIndex(index)
            box.blockSignals(False)
        self._tip_plane()
        self._update_rows()

    # -- config ------------------------------------------------------------------
    def values(self) -> dict:
        """Every data setting, exactly as loaded or edited (options of other data sets included)."""
        out = {"name": self.dataset.currentData(), "n_samples": self.samples.get(), "noise": self.noise.get(),
               "val_fraction": self.val.get(), "seed": self.seed.get(), "standardize": self.standardize.isChecked(),
               "path": self.csv_path.text() or None, "label_column": self.label_column.get(),
               "features": list(self._features)}
        out.update({key: box.get() for key, box in self.options.items()})
        return out

    def set_values(self, data: DataConfig) -> None:
        """Show a DataConfig without emitting ``changed``."""
        widgets = (self.dataset, self.standardize, self.feature_x, self.feature_y)
        for w in widgets:
            w.blockSignals(True)
        select(self.dataset, data.name)
        spec = datasets.get(data.name)
        self._shown_name = spec.name
        self._memory.clear()
        self.samples.put(data.n_samples)
        self.noise.put(data.noise, spec.default_noise)
        self.val.put(data.val_fraction)
        self.seed.put(data.seed)
        self.standardize.setChecked(data.standardize)
        for key, box in self.options.items():
            box.put(getattr(data, key))
        self.csv_path.setText(data.path or "")
        self.label_column.put(data.label_column)
        self._features = tuple(data.features)
        for w in widgets:
            w.blockSignals(False)
        self.set_feature_names([])  # filled again once the data set is built (the window's rebuild)
