"""The Data panel: which data set, how many points, how noisy, how split."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton

from engine import datasets

from .common import combo, dspin, row_of, select, spin


class DataPanel(QGroupBox):
    """Emits ``changed`` whenever the data the network sees would change."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__("Data", parent)
        self.setObjectName("dataPanel")
        items = [(spec.title, name, spec.description) for name, spec in datasets.DATASETS.items()]
        self.dataset = combo(items, "datasetCombo", "The problem to learn; hover an entry for what it shows.")
        self.samples = spin(8, 100_000, 300, "samplesSpin", "How many points the data set has.", 50)
        self.noise = dspin(0.0, 5.0, 0.2, "noiseSpin", "How much random jitter blurs the classes.", 0.05, 2)
        self.val = dspin(0.0, 0.9, 0.2, "valFractionSpin",
                         "Share of the points held out to check the network on data it never trains on.", 0.05, 2)
        self.seed = spin(0, 999_999, 0, "dataSeedSpin", "Which random sample of the data set to draw.")
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setObjectName("regenerateButton")
        self.regenerate.setToolTip("Draw a fresh sample of the data set (next data seed).")
        self.centers = spin(2, 10, 4, "centersSpin", "How many blobs (one class each).")
        self.arms = spin(2, 3, 2, "armsSpin", "How many spiral arms (one class each).")
        self.csv_path = QLineEdit()
        self.csv_path.setObjectName("csvPathEdit")
        self.csv_path.setReadOnly(True)
        self.csv_path.setPlaceholderText("no file chosen")
        self.csv_path.setToolTip("The CSV file in use: numeric feature columns, the label in the last column.")
        self.open_csv = QPushButton("Open file…")
        self.open_csv.setObjectName("openCsvButton")
        self.open_csv.setToolTip("Choose a CSV file of your own data.")
        self.feature_x = QComboBox()
        self.feature_x.setObjectName("featureXCombo")
        self.feature_x.setToolTip("The feature on the decision boundary's horizontal axis.")
        self.feature_y = QComboBox()
        self.feature_y.setObjectName("featureYCombo")
        self.feature_y.setToolTip("The feature on the decision boundary's vertical axis.")

        seed_row = row_of((self.seed, 1), self.regenerate)
        csv_row = row_of((self.csv_path, 1), self.open_csv)
        for box in (self.feature_x, self.feature_y):
            # feature names can be long ("sepal length (cm)"): the combos share the row and
            # shrink with it instead of widening the whole panel
            box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(6)
        feat_row = row_of((self.feature_x, 1), QLabel("×"), (self.feature_y, 1))

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.addRow("Data set", self.dataset)
        form.addRow("File", csv_row)
        form.addRow("Points", self.samples)
        form.addRow("Noise", self.noise)
        form.addRow("Blobs", self.centers)
        form.addRow("Arms", self.arms)
        form.addRow("Validation", self.val)
        form.addRow("Seed", seed_row)
        form.addRow("Plane", feat_row)
        self.form = form
        self._rows = {"file": csv_row, "samples": self.samples, "noise": self.noise,
                      "centers": self.centers, "arms": self.arms, "plane": feat_row}

        self.dataset.currentIndexChanged.connect(self._dataset_changed)
        for box in (self.samples, self.seed, self.centers, self.arms):
            box.valueChanged.connect(self.changed)
        for box in (self.noise, self.val):
            box.valueChanged.connect(self.changed)
        self.feature_x.currentIndexChanged.connect(self._features_changed)
        self.feature_y.currentIndexChanged.connect(self._features_changed)
        self.regenerate.clicked.connect(lambda: self.seed.setValue(self.seed.value() + 1))
        self.open_csv.clicked.connect(self._choose_csv)
        self._update_rows()

    # -- visibility ------------------------------------------------------------
    def _show(self, key: str, on: bool) -> None:
        self.form.setRowVisible(self._rows[key], on)

    def _update_rows(self) -> None:
        spec = datasets.get(self.dataset.currentData())
        self._show("file", spec.name == "csv")
        self._show("samples", spec.uses_samples)
        self._show("noise", spec.uses_noise)
        self._show("centers", "centers" in spec.params)
        self._show("arms", "arms" in spec.params)
        self._show("plane", self.feature_x.count() > 2)

    def _dataset_changed(self) -> None:
        spec = datasets.get(self.dataset.currentData())
        for box in (self.samples, self.noise):
            box.blockSignals(True)
        self.samples.setValue(spec.default_samples if spec.name not in ("moons", "circles") else self.samples.value())
        self.noise.setValue(spec.default_noise)
        for box in (self.samples, self.noise):
            box.blockSignals(False)
        self.set_feature_names([])
        self._update_rows()
        if spec.name == "csv" and not self.csv_path.text():
            self._choose_csv()
            return
        self.changed.emit()

    def _features_changed(self) -> None:
        if self.feature_x.count() and self.feature_x.currentIndex() != self.feature_y.currentIndex():
            self.changed.emit()

    def _choose_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a CSV data file", "", "CSV files (*.csv);;All files (*)")
        if path:
            self.csv_path.setText(path)
            self.changed.emit()

    def set_feature_names(self, names) -> None:
        """Fill the boundary-plane combos once the data's features are known."""
        names = list(names)
        current = [self.feature_x.itemText(i) for i in range(self.feature_x.count())]
        if names == current:
            return
        for box, default in ((self.feature_x, 0), (self.feature_y, 1)):
            box.blockSignals(True)
            box.clear()
            box.addItems(names)
            if len(names) > default:
                box.setCurrentIndex(default)
            box.blockSignals(False)
        self._update_rows()

    # -- config ------------------------------------------------------------------
    def values(self) -> dict:
        spec = datasets.get(self.dataset.currentData())
        out = {"name": spec.name, "val_fraction": round(self.val.value(), 4), "seed": self.seed.value()}
        if spec.uses_samples:
            out["n_samples"] = self.samples.value()
        if spec.uses_noise:
            out["noise"] = round(self.noise.value(), 4)
        if "centers" in spec.params:
            out["centers"] = self.centers.value()
        if "arms" in spec.params:
            out["arms"] = self.arms.value()
        if spec.name == "csv":
            out["path"] = self.csv_path.text() or None
        if self.feature_x.count() > 2:
            out["features"] = [self.feature_x.currentIndex(), self.feature_y.currentIndex()]
        return out

    def set_values(self, data) -> None:
        """Show a DataConfig without emitting ``changed``."""
        widgets = (self.dataset, self.samples, self.noise, self.val, self.seed, self.centers, self.arms,
                   self.feature_x, self.feature_y)
        for w in widgets:
            w.blockSignals(True)
        select(self.dataset, data.name)
        spec = datasets.get(data.name)
        self.samples.setValue(data.n_samples)
        self.noise.setValue(spec.default_noise if data.noise is None else data.noise)
        self.val.setValue(data.val_fraction)
        self.seed.setValue(data.seed)
        self.centers.setValue(data.centers or spec.params.get("centers") or 4)
        self.arms.setValue(data.arms or spec.params.get("arms") or 2)
        self.csv_path.setText(data.path or "")
        for w in widgets:
            w.blockSignals(False)
        self._update_rows()
