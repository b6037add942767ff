"""The Training panel: optimiser and its hyper-parameters, learning rate, batches, epochs.

Rows come from the train section's ``Param``s and the optimisers' own (a
constant appears while the chosen optimiser uses it). The learning rate has a
log-scale slider beside its box; the box holds any rate the engine accepts.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QSlider, QWidget

from engine import optimizers
from engine.config import PARAMS, TrainConfig

from .fields import NumberBox, advanced_toggle, check_box, choice_box, object_name, row_of, select, wire_boxes

P = PARAMS["train"]
LR_MIN, LR_MAX = 1e-5, P["lr"].hi  # the slider's span; the box takes any valid rate
SLIDER_STEPS = 700  # positions on the log-scale slider


class TrainingPanel(QGroupBox):
    changed = Signal()  # anything but the learning rate: the run restarts
    lr_changed = Signal(float)  # applied live to the running session
    #: a typed value was refused: one line naming the setting and the rule
    rejected = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Training", parent)
        self.setObjectName("trainingPanel")
        self.optimizer = choice_box(P["optimizer"], [(cls.title, name, f"{cls.description} Update: {cls.rule}")
                                                     for name, cls in optimizers.OPTIMIZERS.items()], "optimizerCombo")
        #: the optimisers' constants (momentum, rho, beta1, beta2, eps, ...), one box each
        extra = TrainConfig.extra_params()
        self.hyper = {key: NumberBox(extra[key], object_name(key, "Spin"))
                      for key in TrainConfig.listed() if key in extra}
        self.lr_slider = QSlider(Qt.Horizontal)
        self.lr_slider.setObjectName("learningRateSlider")
        self.lr_slider.setRange(0, SLIDER_STEPS)
        self.lr_slider.setToolTip(f"Learning rate on a log scale, from {LR_MIN:g} to {LR_MAX:g}; it applies at once.")
        self.lr = NumberBox(P["lr"], "learningRateSpin")
        self.batch = NumberBox(TrainConfig.BATCH, "batchSizeSpin")
        self.full_batch = QCheckBox("Full batch")
        self.full_batch.setObjectName("fullBatchCheck")
        self.full_batch.setToolTip("Use the whole training set for every update (always so for gradient descent).")
        self.epochs = NumberBox(P["epochs"], "epochsSpin")
        self.reduction = choice_box(P["loss_reduction"], [
            ("mean over the batch", "mean", "The loss is averaged: lr means the same step whatever the batch size."),
            ("sum over the batch", "sum", "The loss is summed: the same lr takes a step batch-size times larger.")],
            "reductionCombo")
        self.seed = NumberBox(P["seed"], "trainSeedSpin")
        self.l2 = NumberBox(P["l2"], "l2Spin")
        self.l1 = NumberBox(P["l1"], "l1Spin")
        self.with_replacement = check_box(P["with_replacement"], "withReplacementCheck")
        self.advanced = advanced_toggle("trainingAdvancedButton")

        lr_row = row_of((self.lr_slider, 1), self.lr)
        batch_row = row_of((self.batch, 1), self.full_batch)

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.addRow(P["optimizer"].title, self.optimizer)
        for key, box in self.hyper.items():
            form.addRow(P[key].title, box)
        form.addRow(P["lr"].title, lr_row)
        form.addRow(TrainConfig.BATCH.title, batch_row)
        form.addRow(P["loss_reduction"].title, self.reduction)
        form.addRow(P["epochs"].title, self.epochs)
        form.addRow(P["l2"].title, self.l2)
        form.addRow(P["seed"].title, self.seed)
        form.addRow(self.advanced)
        form.addRow(P["l1"].title, self.l1)
        form.addRow("", self.with_replacement)
        self.form = form

        self.optimizer.currentIndexChanged.connect(self._optimizer_changed)
        for box in (*self.hyper.values(), self.batch, self.epochs, self.seed, self.l2, self.l1):
            box.valueChanged.connect(self.changed)
        self.reduction.currentIndexChanged.connect(self.changed)
        self.with_replacement.toggled.connect(self.changed)
        self.full_batch.toggled.connect(self._full_batch_toggled)
        self.lr_slider.valueChanged.connect(self._slider_moved)
        self.lr.valueChanged.connect(self._spin_changed)
        self.advanced.toggled.connect(lambda: self._optimizer_changed(emit=False))
        self._sync_slider()
        self._optimizer_changed(emit=False)
        wire_boxes(self, "train")

    # -- learning rate: slider and spin box kept in step -----------------------------
    @staticmethod
    def slider_to_lr(pos: int) -> float:
        frac = pos / SLIDER_STEPS
        return 10 ** (math.log10(LR_MIN) + frac * (math.log10(LR_MAX) - math.log10(LR_MIN)))

    def _sync_slider(self) -> None:
        lr = min(max(self.lr.value(), LR_MIN), LR_MAX)
        frac = (math.log10(lr) - math.log10(LR_MIN)) / (math.log10(LR_MAX) - math.log10(LR_MIN))
        self.lr_slider.blockSignals(True)
        self.lr_slider.setValue(round(frac * SLIDER_STEPS))
        self.lr_slider.blockSignals(False)

    def _slider_moved(self, pos: int) -> None:
        self.lr.put(float(f"{self.slider_to_lr(pos):.2g}"))  # two significant digits
        self.lr_changed.emit(self.lr.value())

    def _spin_changed(self, value: float) -> None:
        self._sync_slider()
        self.lr_changed.emit(self.lr.value())

    # -- visibility ------------------------------------------------------------------
    def _optimizer_changed(self, *_, emit: bool = True) -> None:
        cls = optimizers.OPTIMIZERS[self.optimizer.currentData()]
        for key, box in self.hyper.items():
            self.form.setRowVisible(box, key in cls.hyper)
        self.full_batch.setEnabled(not cls.full_batch)
        self.batch.setEnabled(not (cls.full_batch or self.full_batch.isChecked()))
        advanced = self.advanced.isChecked()
        self.form.setRowVisible(self.l1, advanced)
        self.form.setRowVisible(self.with_replacement, advanced)
        if emit:
            self.changed.emit()

    def _full_batch_toggled(self, on: bool) -> None:
        self.batch.setEnabled(not on)
        self.changed.emit()

    # -- config ----------------------------------------------------------------------
    def values(self) -> dict:
        """Every training setting, exactly as loaded or edited."""
        out = {"optimizer": self.optimizer.currentData(), "lr": self.lr.get(), "epochs": self.epochs.get(),
               "batch_size": None if self.full_batch.isChecked() else self.batch.get(),
               "loss_reduction": self.reduction.currentData(), "seed": self.seed.get(),
               "l2": self.l2.get(), "l1": self.l1.get(), "with_replacement": self.with_replacement.isChecked()}
        out.update({key: box.get() for key, box in self.hyper.items()})
        return out

    def set_values(self, train: TrainConfig) -> None:
        boxes = (self.optimizer, self.reduction, self.full_batch, self.with_replacement)
        for w in boxes:
            w.blockSignals(True)
        select(self.optimizer, train.optimizer)
        self.lr.put(train.lr)
        self.full_batch.setChecked(train.batch_size is None)
        if train.batch_size is not None:
            self.batch.put(train.batch_size)
        self.epochs.put(train.epochs)
        select(self.reduction, train.loss_reduction)
        self.seed.put(train.seed)
        self.l2.put(train.l2)
        self.l1.put(train.l1)
        self.with_replacement.setChecked(train.with_replacement)
        for key, box in self.hyper.items():
            box.put(getattr(train, key))
        for w in boxes:
            w.blockSignals(False)
        self._sync_slider()
        self._optimizer_changed(emit=False)
