"""Gradient flow: how much gradient reaches each layer, over time and now.

Top: mean |dL/dW| per layer over epochs on a log axis; when the first
layer's curve sits orders of magnitude under the last's, gradients vanish.
Below: the current values as bars, and one layer's gradient histogram.
Pinned runs (Compare ▸ Pin this run) add their per-layer lines in their colour,
one dash pattern per layer, with a legend entry that hides or shows them.
Layers get ten hues, then dashes (gui/plots/style.py); when a legend of every
layer would need more than three rows, one line of text names the hues instead
("━1 ━2 … ━10") and says which dash is which ten layers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from . import style
from .base import View
from .pinned import PinnedAxes, PinOverlay, RowLegend, fit_columns, pin_colour, pin_curve, pin_row

if TYPE_CHECKING:
    from collections.abc import Sequence

    from engine.config import Config
    from engine.datasets import Split
    from engine.pins import PinnedRun
    from engine.snapshot import Snapshot

#: a pinned run's lines: its colour, one dash pattern per hidden layer (in turn), dots for the output
LAYER_DASHES = ((Qt.SolidLine, "──"), (Qt.DashLine, "╌╌"), (Qt.DashDotLine, "─·"), (Qt.DashDotDotLine, "─··"))
OUTPUT_DASH = (Qt.DotLine, "┈┈")
#: the curves' axis before any gradient is known (log10 units): 1e-4 to 1, where most start
EMPTY_DECADES = (-4.0, 0.0)
QWIDGETSIZE_MAX = (1 << 24) - 1
LEGEND_ROWS = 3  # at most; past this the legend groups the layers by hue
TICK_GAP = 6  # pixels between two layer numbers under the bars


class GradientFlowView(PinnedAxes, View):
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
        # the pinned runs' row: what the dashes mean, then one clickable entry per run
        self.pin_caption, self.pin_legend = pin_row(self.graphics.ci, row=1, colspan=2)
        self.pin_box = self.graphics.ci.layout.itemAt(1, 0)
        self.pin_box.setMaximumHeight(0)  # no pinned runs: the row takes no room from the curves
        self.time_plot = style.style_plot(self.graphics.addPlot(row=2, col=0, colspan=2), None,
                                          "mean |∂L/∂W|", "epoch")
        # the curves over time are the view's point: they get the larger share of its height
        self.graphics.ci.layout.setRowStretchFactor(2, 3)
        self.graphics.ci.layout.setRowStretchFactor(3, 2)
        self.time_plot.setLogMode(y=True)
        self.time_plot.enableAutoRange(x=False)
        self.time_range = style.StickyRange(self.time_plot, "y", log=True)
        self.pin_value_range = self.time_range  # (PinnedAxes)
        self.x_range = style.GrowingXRange(self.time_plot)
        self.bar_plot = style.style_plot(self.graphics.addPlot(row=3, col=0), None, "log₁₀ |∂L/∂W|",
                                         "layer, now", size="9pt")
        self.bar_plot.setMouseEnabled(x=False, y=False)
        # the last label ("out") sits near the axis end; let it overhang rather than vanish
        self.bar_plot.getAxis("bottom").setStyle(hideOverlappingLabels=16)
        self.bar_plot.enableAutoRange(enable=False)
        self.bar_range = style.StickyRange(self.bar_plot, "y")
        self.hist_plot = style.style_plot(self.graphics.addPlot(row=3, col=1), None, "count", "∂L/∂W",
                                          size="9pt")
        self.hist_plot.setMouseEnabled(x=False, y=False)
        self.hist_plot.enableAutoRange(enable=False)
        self.hist_range = style.StickyRange(self.hist_plot, "y", floor=0.0)
        self._hist_edges = None
        self.hist = self.hist_plot.plot(stepMode="center", fillLevel=0, brush=pg.mkBrush(*style.BAR),
                                        pen=pg.mkPen("#2b6f97"))
        # the pinned run chosen in the histogram view's "Compare with:": its histogram as an outline
        self.compare_hist = self.hist_plot.plot(stepMode="center", pen=pg.mkPen(style.GHOST, width=2))
        self.compare_hist.setVisible(False)
        self.compare_run: PinnedRun | None = None
        self._compare_key = None
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brushes=[])
        self.bar_plot.addItem(self.bars)
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("gradientLayerCombo")
        self.layer_combo.setToolTip("Which layer's weight gradients the histogram shows.")
        self.layer_combo.currentIndexChanged.connect(lambda _: self._draw_hist())
        #: the legend of many layers, in one line of text: each hue's number, and which dash
        #: pattern is which ten layers (see _fill_legend); the app's own markup, no user text
        self.hue_key = QLabel()
        self.hue_key.setObjectName("gradientHueKey")
        self.hue_key.setTextFormat(Qt.RichText)
        self.hue_key.setWordWrap(True)
        self.hue_key.setVisible(False)
        row = QHBoxLayout()
        row.addWidget(QLabel("Histogram of"))
        row.addWidget(self.layer_combo)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.hue_key)
        layout.addWidget(self.graphics, 1)
        self.curves: list[pg.PlotDataItem] = []
        self.labels: list[str] = []
        self._grouped: bool | None = None  # the legend's entries: one per layer (False) or per hue
        self._tick_every = 0
        self.graphics.installEventFilter(self)
        self._last = None
        self._epochs_drawn = -1
        self.pins = PinOverlay(self.pin_legend, self._pin_lines)
        self._pin_span: tuple[float, float] | None = None  # the pinned lines' range of values
        self._live_span: tuple[float, float] | None = None

    # -- pinned runs -------------------------------------------------------------------
    def _pin_lines(self, run: PinnedRun) -> list:
        h = run.history
        layers = h.grad_mean_abs.shape[1] if h.grad_mean_abs.ndim == 2 else 0
        lines = []
        for i in range(layers):
            dash = OUTPUT_DASH[0] if i == layers - 1 else LAYER_DASHES[i % len(LAYER_DASHES)][0]
            curve = pin_curve(self.time_plot, h.epochs, h.grad_mean_abs[:, i], pin_colour(run.colour),
                              style=dash, positive=True)
            lines.append((self.time_plot, curve))
        return lines

    def set_pins(self, runs: Sequence[PinnedRun]) -> None:
        """Draw these pinned runs' per-layer lines (once: they never change afterwards)."""
        if not self.pins.set_pins(runs):
            return
        deepest = max((run.history.grad_mean_abs.shape[1] - 1 for run in runs), default=0)
        if runs:
            named = [f"{LAYER_DASHES[i % len(LAYER_DASHES)][1]} L{i + 1}" for i in range(min(deepest, 3))]
            more = " …" if deepest > 3 else ""
            self.pin_caption.setText(f"pinned  {'  '.join(named)}{more}  {OUTPUT_DASH[1]} out:", size="8pt")
            self.pin_box.setMaximumHeight(QWIDGETSIZE_MAX)
        else:
            self.pin_caption.setText("", size="8pt")
            self.pin_box.setMaximumHeight(0)
        spans = []
        for run in runs:
            g = run.history.grad_mean_abs
            good = g[np.isfinite(g) & (g > 0)]
            if good.size:
                spans.append((float(good.min()), float(good.max())))
        self._pin_span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
        self._fit_range()
        self._fit_pins_x()
        self._fit_legend()

    def set_context(self, config: Config, split: Split) -> None:
        for curve in self.curves:
            self.time_plot.removeItem(curve)
        names = [f"layer {i + 1}" for i in range(len(config.model.hidden))] + ["output"]
        # past four entries the legend says L1, L2, ..., out: it stays one or two lines
        self.labels = names if len(names) <= 4 else [f"L{i + 1}" for i in range(len(names) - 1)] + ["out"]
        self.curves = []
        for i in range(len(names)):
            curve = self.time_plot.plot(pen=style.layer_pen(i))  # ten hues, then dashes: 20 layers, 20 looks
            curve.setClipToView(True)
            self.curves.append(curve)
        self._grouped = None
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.addItems([n.capitalize() for n in names])
        self.layer_combo.setCurrentIndex(0)
        self.layer_combo.blockSignals(False)
        self._tick_every = 0
        self._fit_ticks()
        self._fit_legend()
        self.bar_plot.setXRange(0.4, len(names) + 0.6, padding=0)
        self.x_range.reset(config.train.epochs)
        for sticky in (self.time_range, self.bar_range, self.hist_range):
            sticky.reset()
        self._live_span = None
        self.time_plot.setYRange(*EMPTY_DECADES, padding=0)  # until there are values: 1e-4 … 1
        self._fit_range()
        self._fit_pins_x()
        self._hist_edges = None
        self.bars.setOpts(x=[], height=[])
        self.hist.clear()
        self._last = None
        self._epochs_drawn = -1

    def _fill_legend(self, grouped: bool) -> None:
        """One legend entry per layer, or (``grouped``) none and, in one line of text, the
        number of each hue's first layer and which dash pattern is which ten layers."""
        if grouped == self._grouped:
            return
        self._grouped = grouped
        self.legend.clear()
        self.hue_key.setVisible(grouped)
        self.legend.setMaximumHeight(0 if grouped else QWIDGETSIZE_MAX)  # an empty legend row takes no room
        if not grouped:
            for curve, label in zip(self.curves, self.labels):
                self.legend.addItem(curve, label)
            return
        hues = len(style.LAYER_COLOURS)
        numbers = [str(i + 1) for i in range(len(self.curves) - 1)] + ["out"]
        keys = " ".join(f"<span style='color:{style.layer_colour(k)}'>■</span>&nbsp;{k + 1}"
                        for k in range(min(hues, len(self.curves))))
        marks = {Qt.SolidLine: "━━", Qt.DashLine: "╍╍", Qt.DashDotLine: "━·", Qt.DotLine: "┅┅"}
        parts = []
        for start in range(0, len(self.curves), hues):
            last = min(start + hues, len(self.curves)) - 1
            span = numbers[start] if start == last else f"{numbers[start]}–{numbers[last]}"
            parts.append(f"{marks[style.layer_line(start)]}&nbsp;{span}")  # a mark and its layers stay on one line
        self.hue_key.setText(f"{keys} &nbsp;·&nbsp; {' &nbsp; '.join(parts)}")

    def _fit_ticks(self) -> None:
        """Layer numbers under the bars: every one, or every 2nd (1 3 5 …), 5th (1 5 10 …) … as
        the width allows (pyqtgraph would drop crowded labels at random); "out" always."""
        hidden = len(self.curves) - 1
        if hidden < 0:
            return
        width = self.bar_plot.getViewBox().width() or self.graphics.width() / 2
        room = width / max(1, hidden + 1)
        axis = self.bar_plot.getAxis("bottom")
        metrics = QFontMetrics(axis.style.get("tickFont") or axis.font())

        def numbers(every: int) -> list[int]:
            pick = (lambda i: i % 2 == 1) if every == 2 else (lambda i: i == 1 or i % every == 0)
            return [i for i in range(1, hidden + 1) if pick(i)]

        def need(shown: list[int]) -> int:
            return max((metrics.horizontalAdvance(str(i)) for i in shown), default=0) + TICK_GAP

        every = next((n for n in (1, 2, 5, 10, 20, 50) if n * room >= need(numbers(n))), 100)
        if every == self._tick_every:
            return
        self._tick_every = every
        shown = numbers(every)
        gap = need(shown)
        shown = [i for i in shown if (hidden + 1 - i) * room >= gap]  # none under "out"
        axis.setTicks([[(i, str(i)) for i in shown] + [(hidden + 1, "out")]])

    def _full_legend_rows(self, width: float) -> int:
        """The rows a legend of every layer would need at ``width`` (as ``fit_columns`` lays it out)."""
        font = QFont(self.font())
        font.setPointSizeF(8)
        # a sample is 20 px, a label has margins of its own, and fit_columns adds 8 between entries
        widest = 20 + max(QFontMetrics(font).horizontalAdvance(label) for label in self.labels) + 23
        return math.ceil(len(self.labels) / max(1, int((width - 20) // widest)))

    def _fit_legend(self) -> None:
        """As many legend columns as the view's width holds, so the legends never widen it; a
        legend of every layer that needs more than ``LEGEND_ROWS`` rows groups them by hue."""
        width = self.graphics.width()
        regrouped = False
        if self.curves:
            grouped = len(self.curves) > len(style.LAYER_COLOURS) and self._full_legend_rows(width) > LEGEND_ROWS
            regrouped = grouped != self._grouped
            self._fill_legend(grouped)
        self._fit_ticks()
        pins_width = width - self.pin_caption.boundingRect().width()
        if any([fit_columns(self.legend, width), fit_columns(self.pin_legend, pins_width), regrouped]):
            self._relayout()

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
                self._live_span = (min(r[0] for r in ranges), max(r[1] for r in ranges))
                self._fit_range()
        if snap.layers:
            values = np.array([s.grad_mean_abs for s in snap.layers])
            finite = np.isfinite(values) & (values > 0)
            heights = np.where(finite, np.log10(np.where(finite, values, 1.0)), np.nan)
            floor = math.floor(np.nanmin(heights)) - 1 if finite.any() else -1
            heights = np.where(finite, heights, floor)
            self.bars.setOpts(x=np.arange(1, len(values) + 1), y0=floor, height=heights - floor,
                              brushes=[pg.mkBrush(style.layer_colour(i)) for i in range(len(values))])
            self.bar_range.update(floor, float(np.nanmax(heights)) if finite.any() else 0.0)
        self._draw_hist()

    def set_compare(self, run: PinnedRun | None) -> None:
        """Outline this pinned run's gradient histogram of the chosen layer (None: no outline)."""
        self.compare_run = run
        self._compare_key = None
        self._draw_hist()

    def _compare_top(self, i: int, layers: int, epoch: int) -> int:
        """Draw the compared run's histogram of layer ``i`` (of ``layers``) at ``epoch``, once
        per epoch; its highest count (0 without one)."""
        run = self.compare_run
        found = run.history.histograms_at(epoch) if run is not None else None
        key = (id(run), i, found[0] if found else None)
        if key != self._compare_key:
            self._compare_key = key
            hist = None
            if found:
                pinned = found[1]
                j = len(pinned) - 1 if i == layers - 1 else i  # hidden layer by number, output to output
                if 0 <= j < len(pinned) - (0 if i == layers - 1 else 1):
                    hist = pinned[j][1]
            if hist is None:
                self.compare_hist.setVisible(False)
            else:
                self.compare_hist.setPen(pg.mkPen(pin_colour(run.colour), width=2))
                self.compare_hist.setData(hist.edges, hist.counts)
                self.compare_hist.setVisible(True)
        if not self.compare_hist.isVisible():
            return 0
        _, counts = self.compare_hist.getData()
        return int(np.max(counts)) if counts is not None and len(counts) else 0

    def _draw_hist(self) -> None:
        snap = self._last
        i = self.layer_combo.currentIndex()
        if snap is None or not snap.layers or not 0 <= i < len(snap.layers):
            return
        h = snap.layers[i].gradients
        self.hist.setData(h.edges, h.counts)
        compare_top = self._compare_top(i, len(snap.layers), snap.epoch)
        lo, hi = h.edges[0], h.edges[-1]
        if self.compare_hist.isVisible():  # the outline's bins may reach further
            edges = self.compare_hist.getData()[0]
            lo, hi = min(lo, edges[0]), max(hi, edges[-1])
        key = (i, lo, hi)
        if key != self._hist_edges:
            self._hist_edges = key
            self.hist_plot.setXRange(lo, hi, padding=0.02)
            self.hist_range.reset()
        top = max(int(h.counts.max()), compare_top)
        self.hist_range.update(0.0, float(max(top, 1)))

    def reset(self, keep_ghost: bool = True) -> None:
        self.x_range.reset(self.x_range.limit)
        self._fit_pins_x()
        for curve in self.curves:
            curve.setData([], [])
        self.bars.setOpts(x=[], height=[])
        self.hist.clear()
        self._last = None
        self._epochs_drawn = -1
