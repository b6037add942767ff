"""The Training panel: optimiser and its hyper-parameters, learning rate, batches, epochs."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QSlider

from engine import optimizers

from .common import combo, dspin, row_of, select, spin

LR_MIN, LR_MAX = 1e-5, 10.0
SLIDER_STEPS = 600  # positions on the log-scale slider

HYPER_TIPS = {
    "momentum": "How much of the previous step carries into the next (0 = none).",
    "rho": "How fast RMSProp forgets old squared gradients (closer to 1 = longer memory).",
    "beta1": "Adam's decay rate for its average of gradients.",
    "beta2": "Adam's decay rate for its average of squared gradients.",
    "eps": "A tiny number that keeps the division finite.",
}


class TrainingPanel(QGroupBox):
    changed = Signal()  # anything but the learning rate: the run restarts
    lr_changed = Signal(float)  # applied live to the running session

    def __init__(self, parent=None):
        super().__init__("Training", parent)
        self.setObjectName("trainingPanel")
        self.optimizer = combo([(cls.title, name, cls.description) for name, cls in optimizers.OPTIMIZERS.items()],
                               "optimizerCombo", "The rule that turns gradients into weight updates.")
        select(self.optimizer, "adam")
        self.hyper = {
            "momentum": dspin(0.0, 0.9999, 0.9, "momentumSpin", HYPER_TIPS["momentum"], 0.05, 4),
            "rho": dspin(0.0, 0.9999, 0.9, "rhoSpin", HYPER_TIPS["rho"], 0.01, 4),
            "beta1": dspin(0.0, 0.9999, 0.9, "beta1Spin", HYPER_TIPS["beta1"], 0.01, 4),
            "beta2": dspin(0.0, 0.999999, 0.999, "beta2Spin", HYPER_TIPS["beta2"], 0.001, 6),
            "eps": dspin(1e-12, 1.0, 1e-8, "epsSpin", HYPER_TIPS["eps"], 1e-8, 10),
        }
        self.lr_slider = QSlider(Qt.Horizontal)
        self.lr_slider.setObjectName("learningRateSlider")
        self.lr_slider.setRange(0, SLIDER_STEPS)
        self.lr_slider.setToolTip("Learning rate on a log scale, from 0.00001 to 10; it applies at once.")
        self.lr = dspin(LR_MIN, LR_MAX, 0.03, "learningRateSpin",
                        "Step size of each update; it applies at once, even mid-run.", 0.01, 5)
        self.batch = spin(1, 100_000, 32, "batchSizeSpin", "Samples per update (mini-batch size).", 8)
        self.full_batch = QCheckBox("Full batch")
        self.full_batch.setObjectName("fullBatchCheck")
        self.full_batch.setToolTip("Use the whole training set for every update (always so for gradient descent).")
        self.epochs = spin(1, 1_000_000, 300, "epochsSpin", "Training stops after this many passes over the data.", 50)
        self.reduction = combo([("mean over the batch", "mean", "The loss is averaged: lr means the same "
                                 "step whatever the batch size."),
                                ("sum over the batch", "sum", "The loss is summed: the same lr takes a "
                                 "step batch-size times larger.")],
                               "reductionCombo", "How the batch's losses are combined; it changes what lr means.")
        self.seed = spin(0, 999_999, 0, "trainSeedSpin", "Seed of the initial weights and the shuffling.")
        self.l2 = dspin(0.0, 10.0, 0.0, "l2Spin", "L2 penalty on the weights (weight decay); 0 = none.", 1e-4, 5)

        lr_row = row_of((self.lr_slider, 1), self.lr)
        batch_row = row_of((self.batch, 1), self.full_batch)

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.addRow("Optimiser", self.optimizer)
        for key, box in self.hyper.items():
            form.addRow(key.capitalize() if key != "eps" else "Epsilon", box)
        form.addRow("Learning rate", lr_row)
        form.addRow("Batch", batch_row)
        form.addRow("Loss", self.reduction)
        form.addRow("Epochs", self.epochs)
        form.addRow("L2 penalty", self.l2)
        form.addRow("Seed", self.seed)
        self.form = form

        self.optimizer.currentIndexChanged.connect(self._optimizer_changed)
        for box in (*self.hyper.values(), self.batch, self.epochs, self.seed, self.l2):
            box.valueChanged.connect(self.changed)
        self.reduction.currentIndexChanged.connect(self.changed)
        self.full_batch.toggled.connect(self._full_batch_toggled)
        self.lr_slider.valueChanged.connect(self._slider_moved)
        self.lr.valueChanged.connect(self._spin_changed)
        self._sync_slider()
        self._optimizer_changed(emit=False)

    # -- learning rate: slider and spin box kept in step -----------------------------
    @staticmethod
    def slider_to_lr(pos: int) -> float:
        frac = pos / SLIDER_STEPS
        return 10 ** (math.log10(LR_MIN) + frac * (math.log10(LR_MAX) - math.log10(LR_MIN)))

    def _sync_slider(self) -> None:
        frac = (math.log10(self.lr.value()) - math.log10(LR_MIN)) / (math.log10(LR_MAX) - math.log10(LR_MIN))
        self.lr_slider.blockSignals(True)
        self.lr_slider.setValue(round(frac * SLIDER_STEPS))
        self.lr_slider.blockSignals(False)

    def _slider_moved(self, pos: int) -> None:
        lr = float(f"{self.slider_to_lr(pos):.2g}")  # round to two significant digits
        self.lr.blockSignals(True)
        self.lr.setValue(lr)
        self.lr.blockSignals(False)
        self.lr_changed.emit(self.lr.value())

    def _spin_changed(self, value: float) -> None:
        self._sync_slider()
        self.lr_changed.emit(value)

    # -- visibility ------------------------------------------------------------------
    def _optimizer_changed(self, *_, emit: bool = True) -> None:
        cls = optimizers.OPTIMIZERS[self.optimizer.currentData()]
        for key, box in self.hyper.items():
            self.form.setRowVisible(box, key in cls.hyper)
        self.full_batch.setEnabled(not cls.full_batch)
        self.batch.setEnabled(not (cls.full_batch or self.full_batch.isChecked()))
        if emit:
            self.changed.emit()

    def _full_batch_toggled(self, on: bool) -> None:
        self.batch.setEnabled(not on)
        self.changed.emit()

    # -- config ----------------------------------------------------------------------
    def values(self) -> dict:
        out = {"optimizer": self.optimizer.currentData(), "lr": self.lr.value(), "epochs": self.epochs.value(),
               "batch_size": None if self.full_batch.isChecked() else self.batch.value(),
               "loss_reduction": self.reduction.currentData(), "seed": self.seed.value(),
               "l2": self.l2.value()}
        out.update({key: box.value() for key, box in self.hyper.items()})
        return out

    def set_values(self, train) -> None:
        boxes = (self.optimizer, self.lr, self.batch, self.epochs, self.reduction, self.seed, self.l2,
                 self.full_batch, *self.hyper.values())
        for w in boxes:
            w.blockSignals(True)
        select(self.optimizer, train.optimizer)
        self.lr.setValue(train.lr)
        self.full_batch.setChecked(train.batch_size is None)
        if train.batch_size is not None:
            self.batch.setValue(train.batch_size)
        self.epochs.setValue(train.epochs)
        select(self.reduction, train.loss_reduction)
        self.seed.setValue(train.seed)
        self.l2.setValue(train.l2)
        for key, box in self.hyper.items():
            box.setValue(getattr(train, key))
        for w in boxes:
            w.blockSignals(False)
        self._sync_slider()
        self._optimizer_changed(emit=False)
