"""Gradient flow: how much gradient reaches each layer, over time and now.

Top: mean |dL/dW| per layer over epochs on a log axis; when the first
layer's curve sits orders of magnitude under the last's, gradients vanish.
Below: the current values as bars, and one layer's gradient histogram.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from . import style
from .base import View

if TYPE_CHECKING:
    from engine.config import Config
    from engine.datasets import Split
    from engine.snapshot import Snapshot


class RowLegend(pg.LegendItem):
    """A legend that lives in a GraphicsLayout cell instead of floating over a plot.

    pyqtgraph's LegendItem sizes itself with setGeometry(0, 0, w, h), which suits an
    item anchored inside a plot; in a layout cell it must instead tell the layout
    that its size hint changed and let the layout place it.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(offset=None, **kwargs)
        self.layout.setHorizontalSpacing(4)
        self.layout.setVerticalSpacing(-4)
        self.layout.setContentsMargins(4, 0, 4, 0)
        self.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Fixed)  # its natural width, left-aligned

    def updateSize(self) -> None:
        self.layout.invalidate()
        self.updateGeometry()

    def boundingRect(self) -> QRectF:
        return self.rect()


class GradientFlowView(View):
    key = "gradients"
    title = "Gradient flow"
    dock_cell = (1, 1)
    dock_width = 44

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("gradientFlowPlot")
        self.graphics = pg.GraphicsLayoutWidget()
        # the legend gets a row of its own above the curves: with ten layers, a legend
        # inside the plot would hide the very curves it names
        self.legend = RowLegend(labelTextSize="8pt", colCount=6)
        self.graphics.addItem(self.legend, row=0, col=0, colspan=2)
        self.time_plot = style.style_plot(self.graphics.addPlot(row=1, col=0, colspan=2), None,
                                          "mean |∂L/∂W|", "epoch")
        self.time_plot.setLogMode(y=True)
        self.time_plot.enableAutoRange(x=False)
        self.time_range = style.StickyRange(self.time_plot, "y", log=True)
        self.x_range = style.GrowingXRange(self.time_plot)
        self.bar_plot = style.style_plot(self.graphics.addPlot(row=2, col=0), "now", "log₁₀ mean |∂L/∂W|",
                                         "layer", size="9pt")
        self.bar_plot.setMouseEnabled(x=False, y=False)
        # the last label ("out") sits near the axis end; let it overhang rather than vanish
        self.bar_plot.getAxis("bottom").setStyle(hideOverlappingLabels=16)
        self.bar_plot.enableAutoRange(enable=False)
        self.bar_range = style.StickyRange(self.bar_plot, "y")
        self.hist_plot = style.style_plot(self.graphics.addPlot(row=2, col=1), None, "count", "∂L/∂W",
                                          size="9pt")
        self.hist_plot.setMouseEnabled(x=False, y=False)
        self.hist_plot.enableAutoRange(enable=False)
        self.hist_range = style.StickyRange(self.hist_plot, "y", floor=0.0)
        self._hist_edges = None
        self.hist = self.hist_plot.plot(stepMode="center", fillLevel=0, brush=pg.mkBrush(*style.BAR),
                                        pen=pg.mkPen("#2b6f97"))
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brushes=[])
        self.bar_plot.addItem(self.bars)
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("gradientLayerCombo")
        self.layer_combo.setToolTip("Which layer's weight gradients the histogram shows.")
        self.layer_combo.currentIndexChanged.connect(lambda _: self._draw_hist())
        row = QHBoxLayout()
        row.addWidget(QLabel("Histogram of"))
        row.addWidget(self.layer_combo)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.graphics, 1)
        self.curves: list[pg.PlotDataItem] = []
        self.graphics.installEventFilter(self)
        self._last = None
        self._epochs_drawn = -1

    def set_context(self, config: Config, split: Split) -> None:
        for curve in self.curves:
            self.time_plot.removeItem(curve)
        self.legend.clear()
        names = [f"layer {i + 1}" for i in range(len(config.model.hidden))] + ["output"]
        # past four entries the legend says L1, L2, ..., out: it stays one or two lines
        labels = names if len(names) <= 4 else [f"L{i + 1}" for i in range(len(names) - 1)] + ["out"]
        self.curves = []
        for i, label in enumerate(labels):
            curve = self.time_plot.plot(pen=pg.mkPen(style.colour(i), width=2))
            curve.setClipToView(True)
            self.legend.addItem(curve, label)
            self.curves.append(curve)
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.addItems([n.capitalize() for n in names])
        self.layer_combo.setCurrentIndex(0)
        self.layer_combo.blockSignals(False)
        hidden = len(names) - 1
        # past six layers every other number, so that no label is dropped for crowding
        shown = [i for i in range(1, hidden + 1) if hidden <= 6 or (i % 2 == 1 and i < hidden)]
        ticks = [(i, str(i)) for i in shown] + [(hidden + 1, "out")]
        self.bar_plot.getAxis("bottom").setTicks([ticks])
        self._fit_legend()
        self.bar_plot.setXRange(0.4, len(names) + 0.6, padding=0)
        self.x_range.reset(config.train.epochs)
        for sticky in (self.time_range, self.bar_range, self.hist_range):
            sticky.reset()
        self._hist_edges = None
        self.bars.setOpts(x=[], height=[])
        self.hist.clear()
        self._last = None
        self._epochs_drawn = -1

    def _fit_legend(self) -> None:
        """As many legend columns as the view's width holds, so the legend never widens it."""
        entries = len(self.legend.items)
        if not entries:
            return
        widest = max(sample.boundingRect().width() + label.boundingRect().width() + 8
                     for sample, label in self.legend.items)
        columns = max(1, min(entries, int((self.graphics.width() - 20) // max(widest, 1))))
        if columns != self.legend.columnCount:
            self.legend.setColumnCount(columns)
            # the view sized its scene before the legend narrowed: size it again
            self.graphics.ci.layout.invalidate()
            self.graphics.ci.setGeometry(QRectF(0, 0, self.graphics.width(), self.graphics.height()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.graphics and event.type() == QEvent.Resize:
            QTimer.singleShot(0, self._fit_legend)  # once the scene has its new size
        return super().eventFilter(watched, event)

    def update_snapshot(self, snap: Snapshot) -> None:
        self._last = snap
        g = snap.history.grad_mean_abs
        if len(g) != self._epochs_drawn and g.shape[1] == len(self.curves):
            self._epochs_drawn = len(g)
            x = snap.history.epochs
            if len(x):
                self.x_range.update(float(x[-1]))
            ranges = []
            for i, curve in enumerate(self.curves):
                y = g[:, i]
                # log axis: zero gradients (dead, symmetric) cannot be drawn: gaps
                ranges.append(style.set_curve(curve, x, y, positive=True).value_range(y))
            ranges = [r for r in ranges if r is not None]
            if ranges:
                self.time_range.update(min(r[0] for r in ranges), max(r[1] for r in ranges))
        if snap.layers:
            values = np.array([s.grad_mean_abs for s in snap.layers])
            finite = np.isfinite(values) & (values > 0)
            heights = np.where(finite, np.log10(np.where(finite, values, 1.0)), np.nan)
            floor = math.floor(np.nanmin(heights)) - 1 if finite.any() else -1
            heights = np.where(finite, heights, floor)
            self.bars.setOpts(x=np.arange(1, len(values) + 1), y0=floor, height=heights - floor,
                              brushes=[style.qcolour(i, 200) for i in range(len(values))])
            self.bar_range.update(floor, float(np.nanmax(heights)) if finite.any() else 0.0)
        self._draw_hist()

    def _draw_hist(self) -> None:
        snap = self._last
        i = self.layer_combo.currentIndex()
        if snap is None or not snap.layers or not 0 <= i < len(snap.layers):
            return
        h = snap.layers[i].gradients
        self.hist.setData(h.edges, h.counts)
        key = (i, h.edges[0], h.edges[-1])
        if key != self._hist_edges:
            self._hist_edges = key
            self.hist_plot.setXRange(h.edges[0], h.edges[-1], padding=0.02)
            self.hist_range.reset()
        self.hist_range.update(0.0, float(max(h.counts.max(), 1)))

    def reset(self, keep_ghost: bool = True) -> None:
        self.x_range.reset(self.x_range.limit)
        for curve in self.curves:
            curve.setData([], [])
        self.bars.setOpts(x=[], height=[])
        self.hist.clear()
        self._last = None
        self._epochs_drawn = -1
