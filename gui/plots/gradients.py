"""Gradient flow: how much gradient reaches each layer, over time and now.

Top: mean |dL/dW| per layer over epochs on a log axis; when the first
layer's curve sits orders of magnitude under the last's, gradients vanish.
Below: the current values as bars, and one layer's gradient histogram.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout

from . import style
from .base import View


class GradientFlowView(View):
    key = "gradients"
    title = "Gradient flow"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("gradientFlowPlot")
        self.graphics = pg.GraphicsLayoutWidget()
        self.time_plot = style.style_plot(self.graphics.addPlot(row=0, col=0, colspan=2), None,
                                          "mean |∂L/∂W|", "epoch")
        self.time_plot.setLogMode(y=True)
        self.time_plot.enableAutoRange(x=False)
        self.time_range = style.StickyRange(self.time_plot, "y", log=True)
        self.x_range = style.GrowingXRange(self.time_plot)
        self.legend = self.time_plot.addLegend(offset=(-5, 5), labelTextSize="8pt", colCount=3,
                                              brush=(255, 255, 255, 210))
        self.bar_plot = style.style_plot(self.graphics.addPlot(row=1, col=0), "now", "log₁₀ mean |∂L/∂W|",
                                         "layer", size="9pt")
        self.bar_plot.setMouseEnabled(x=False, y=False)
        self.bar_plot.enableAutoRange(enable=False)
        self.bar_range = style.StickyRange(self.bar_plot, "y")
        self.hist_plot = style.style_plot(self.graphics.addPlot(row=1, col=1), None, "count", "∂L/∂W",
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
        self._last = None
        self._epochs_drawn = -1

    def set_context(self, config, split) -> None:
        for curve in self.curves:
            self.time_plot.removeItem(curve)
        self.legend.clear()
        names = [f"layer {i + 1}" for i in range(len(config.model.hidden))] + ["output"]
        self.curves = []
        for i, name in enumerate(names):
            curve = self.time_plot.plot(pen=pg.mkPen(style.colour(i), width=2), name=name)
            curve.setClipToView(True)
            self.curves.append(curve)
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.addItems([n.capitalize() for n in names])
        self.layer_combo.setCurrentIndex(0)
        self.layer_combo.blockSignals(False)
        ticks = [(i + 1, str(i + 1) if i < len(names) - 1 else "out") for i in range(len(names))]
        self.bar_plot.getAxis("bottom").setTicks([ticks])
        self.bar_plot.setXRange(0.4, len(names) + 0.6, padding=0)
        self.x_range.reset(config.train.epochs)
        for sticky in (self.time_range, self.bar_range, self.hist_range):
            sticky.reset()
        self._hist_edges = None
        self.bars.setOpts(x=[], height=[])
        self.hist.clear()
        self._last = None
        self._epochs_drawn = -1

    def update_snapshot(self, snap) -> None:
        self._last = snap
        g = snap.history.grad_mean_abs
        if len(g) != self._epochs_drawn and g.shape[1] == len(self.curves):
            self._epochs_drawn = len(g)
            x = snap.history.epochs.astype(float)
            if len(x):
                self.x_range.update(float(x[-1]))
            for i, curve in enumerate(self.curves):
                y = g[:, i]
                ok = y > 0  # log axis: zero gradients (dead, symmetric) cannot be drawn
                style.set_curve(curve, x[ok], y[ok])
            positive = g[np.isfinite(g) & (g > 0)]
            if positive.size:
                self.time_range.update(float(positive.min()), float(positive.max()))
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
