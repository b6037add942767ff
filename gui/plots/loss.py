"""Loss and accuracy over epochs, training and validation, with a log-scale toggle.

Pinned runs (Compare ▸ Pin this run) are drawn behind the live curves in their
own colours: validation loss and accuracy solid, training loss dashed and thin.
Their legend sits in a row under the plots; clicking an entry hides or shows
that run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from engine.probes import compact

from ..plaintext import plain_label
from . import style
from .base import View
from .pinned import PinnedAxes, PinOverlay, fit_columns, pin_colour, pin_curve, pin_row

if TYPE_CHECKING:
    from collections.abc import Sequence

    from engine.config import Config
    from engine.datasets import Split
    from engine.pins import PinnedRun
    from engine.snapshot import History, Snapshot


class LossView(PinnedAxes, View):
    key = "loss"
    title = "Loss and accuracy"
    dock_cell = (0, 0)
    dock_width = 63

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lossPlot")
        self.graphics = pg.GraphicsLayoutWidget()
        self.loss_plot = style.style_plot(self.graphics.addPlot(row=0, col=0), None, "loss")
        self.acc_plot = style.style_plot(self.graphics.addPlot(row=1, col=0), None, "accuracy", "epoch")
        self.acc_plot.setXLink(self.loss_plot)
        self.acc_plot.setYRange(0, 1.02, padding=0)
        self.acc_plot.enableAutoRange(enable=False)
        self.loss_plot.enableAutoRange(x=False)
        self.loss_range = style.StickyRange(self.loss_plot, "y", floor=0.0)
        self.pin_value_range = self.loss_range  # (PinnedAxes: the live and the pinned curves share it)
        self.x_range = style.GrowingXRange(self.loss_plot)
        self.loss_plot.addLegend(offset=(-10, 10), brush=style.legend_brush())
        ghost_pen = pg.mkPen(style.GHOST, width=1.5, style=pg.QtCore.Qt.DashLine)
        self.ghost_loss = [self.loss_plot.plot(pen=ghost_pen), self.loss_plot.plot(pen=ghost_pen)]
        self.ghost_acc = [self.acc_plot.plot(pen=ghost_pen), self.acc_plot.plot(pen=ghost_pen)]
        self.train_loss = self.loss_plot.plot(pen=pg.mkPen(style.TRAIN, width=2), name="training")
        self.val_loss = self.loss_plot.plot(pen=pg.mkPen(style.VALID, width=2), name="validation")
        self.train_acc = self.acc_plot.plot(pen=pg.mkPen(style.TRAIN, width=2))
        self.val_acc = self.acc_plot.plot(pen=pg.mkPen(style.VALID, width=2))
        for curve in (self.train_loss, self.val_loss, self.train_acc, self.val_acc):
            curve.setClipToView(True)
        self.log_box = QCheckBox("Log scale")
        self.log_box.setObjectName("lossLogScale")
        self.log_box.setToolTip("Show the loss on a logarithmic axis, to see progress once it is small.")
        self.log_box.toggled.connect(self._set_log)
        self.summary = plain_label("No training yet", object_name="lossSummary")
        self.summary.setWordWrap(True)  # a long line would widen the dock and squeeze its neighbours
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.log_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.graphics, 1)
        self._epochs_drawn = -1
        self._last = None
        self._symbol = None
        self._has_val = True
        # pinned runs: a row of their own under the plots (a legend over the curves would hide them)
        self.pin_caption, self.pin_legend = pin_row(self.graphics.ci, row=2)
        self.graphics.installEventFilter(self)
        self.pins = PinOverlay(self.pin_legend, self._pin_curves)
        self._pin_span: tuple[float, float] | None = None  # the pinned loss curves' range
        self._live_span: tuple[float, float] | None = None

    # -- pinned runs -------------------------------------------------------------------
    def _pin_curves(self, run: PinnedRun) -> list:
        """Validation loss and accuracy solid, training loss dashed and thinner; a run
        without a validation set shows its training curves solid instead."""
        h, colour = run.history, pin_colour(run.colour)
        x = h.epochs
        has_val = bool(np.isfinite(h.val_loss).any())
        main_loss, main_acc = (h.val_loss, h.val_accuracy) if has_val else (h.train_loss, h.train_accuracy)
        curves = [(self.loss_plot, pin_curve(self.loss_plot, x, main_loss, colour)),
                  (self.acc_plot, pin_curve(self.acc_plot, x, main_acc, colour))]
        if has_val:
            curves.append((self.loss_plot, pin_curve(self.loss_plot, x, h.train_loss, colour, style=Qt.DashLine)))
        return curves

    def set_pins(self, runs: Sequence[PinnedRun]) -> None:
        """Draw these pinned runs (once: a pinned run never changes afterwards)."""
        if not self.pins.set_pins(runs):
            return
        self.pin_caption.setText("pinned  ── validation  ╌╌ training:" if runs else "", size="8pt")
        losses = [v for run in runs for v in (run.history.train_loss, run.history.val_loss)]
        good = [v[np.isfinite(v)] for v in losses]
        good = [v for v in good if v.size]
        self._pin_span = (min(float(v.min()) for v in good), max(float(v.max()) for v in good)) if good else None
        self._fit_range()
        self._fit_pins_x()
        self._fit_legend()

    def _fit_legend(self) -> None:
        """The pinned runs' legend in as many columns as the view's width holds."""
        if fit_columns(self.pin_legend, self.graphics.width() - self.pin_caption.boundingRect().width()):
            self._relayout()

    def _set_log(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self.loss_range.log = on
        self.loss_range.floor = None if on else 0.0
        self.loss_range.reset()
        self._fit_range()
        self._epochs_drawn = -1
        if self._last is not None:
            self.update_snapshot(self._last)

    def set_context(self, config: Config, split: Split) -> None:
        self.x_range.reset(config.train.epochs)
        self._fit_pins_x()
        has_val = self._has_val = len(split.y_val) > 0
        self.val_loss.setVisible(has_val)
        self.val_acc.setVisible(has_val)

    def update_snapshot(self, snap: Snapshot) -> None:
        self._last = snap
        h = snap.history
        if len(h.epochs) != self._epochs_drawn:
            self._draw(h)
        if len(h.epochs) or snap.status == "diverged":
            self.summary.setText(summary_text(snap))

    def _draw(self, h: History) -> None:
        self._epochs_drawn = len(h.epochs)
        x = h.epochs
        if len(x):
            self.x_range.update(float(x[-1]))
            for ghost in self.ghost_loss + self.ghost_acc:
                ghost.setData([], [])
        symbol = "o" if len(x) == 1 else None  # a single epoch is a point, which a line alone does not show
        if symbol != self._symbol:
            self._symbol = symbol
            for curve in (self.train_loss, self.val_loss, self.train_acc, self.val_acc):
                curve.setSymbol(symbol)
                curve.setSymbolSize(7)
                curve.setSymbolBrush(curve.opts["pen"].color())
                curve.setSymbolPen(curve.opts["pen"].color())
        ranges = [style.set_curve(self.train_loss, x, h.train_loss).value_range(h.train_loss)]
        style.set_curve(self.train_acc, x, h.train_accuracy)
        if self._has_val:
            ranges.append(style.set_curve(self.val_loss, x, h.val_loss).value_range(h.val_loss))
            style.set_curve(self.val_acc, x, h.val_accuracy)
        ranges = [r for r in ranges if r is not None]
        if ranges:  # from the decimators' bins: no pass over the whole history per frame
            self._live_span = (min(r[0] for r in ranges), max(r[1] for r in ranges))
            self._fit_range()

    def reset(self, keep_ghost: bool = True) -> None:
        pairs = [(self.ghost_loss[0], self.train_loss), (self.ghost_loss[1], self.val_loss),
                 (self.ghost_acc[0], self.train_acc), (self.ghost_acc[1], self.val_acc)]
        for ghost, curve in pairs:
            x, y = curve.getData()
            if keep_ghost and x is not None and len(x):
                ghost.setData(x, y)
            elif not keep_ghost:
                ghost.setData([], [])
            curve.setData([], [])
        self._epochs_drawn = -1
        self._last = None
        self._live_span = None
        self.x_range.reset(self.x_range.limit)
        self._fit_pins_x()
        self.summary.setText("Ready: press Play (Space) to train")


def summary_text(snap: Snapshot) -> str:
    """The view's header: the epoch shown and its losses and accuracies (compact numbers).
    After divergence it says so first, and that what is shown is the last finite state."""
    numbers = f"training loss {_loss(snap.train_loss)}, accuracy {_pct(snap.train_accuracy)}"
    if np.isfinite(snap.val_accuracy):
        numbers += f" · validation loss {_loss(snap.val_loss)}, accuracy {_pct(snap.val_accuracy)}"
    if snap.status != "diverged" or not snap.diverged_epoch:
        return f"Epoch {snap.epoch}: {numbers}"
    head = f"Diverged at epoch {snap.diverged_epoch}"
    if snap.epoch == 0 and not np.isfinite(snap.train_loss):
        return f"{head} — the initial weights already give a non-finite loss"
    return f"{head} — showing the last finite state (epoch {snap.epoch}): {numbers}"


def _loss(x: float) -> str:
    return compact(x) if np.isfinite(x) else "—"


def _pct(x: float) -> str:
    return f"{x:.1%}" if np.isfinite(x) else "—"
