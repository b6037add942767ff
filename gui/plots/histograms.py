"""Activation histograms, one small plot per hidden layer.

On the pre-activation view the activation f(z) and its slope f'(z) are drawn
over the histogram (scaled to its height), so a student sees whether the mass
sits on the curve's flat, saturated tails or on its useful middle.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from engine import activations as act_mod

from ..plaintext import escape
from . import style
from .base import View

if TYPE_CHECKING:
    from engine.activations import Activation
    from engine.config import Config
    from engine.datasets import Split
    from engine.snapshot import Histogram, LayerStats, Snapshot

PER_ROW = 4  # at most; fewer when the view is narrow (see _columns_for)
TITLE_SIZE = "8pt"
PLOT_HEIGHT = 170


def layer_title(stats: LayerStats) -> str:
    """"Layer 2 · sigmoid · 58% saturated" — the headline number for the layer."""
    parts = [stats.name, stats.activation]
    if not math.isnan(stats.saturated_fraction):
        parts.append(f"{stats.saturated_fraction:.0%} saturated")
    elif not math.isnan(stats.dead_fraction):
        parts.append(f"{stats.dead_units}/{stats.width} dead")
    else:
        parts.append(f"std {stats.activation_std:.3g}")
    if stats.identical:
        parts.append("units identical")
    return " · ".join(parts)


class _LayerPlot:
    """One layer's histogram and overlay curves, created once and updated in place."""

    def __init__(self, plot: pg.PlotItem, activation: Activation):
        self.plot = plot
        self.activation = activation
        self.bars = plot.plot(stepMode="center", fillLevel=0, brush=pg.mkBrush(*style.BAR),
                              pen=pg.mkPen("#2b6f97", width=1))
        self.f_curve = plot.plot(pen=pg.mkPen(style.CURVE_F, width=2))
        self.df_curve = plot.plot(pen=pg.mkPen(style.CURVE_DF, width=2, style=pg.QtCore.Qt.DashLine))
        self._edges_key = None
        self._z = self._f = self._df = None
        self.title = ""
        self._x_edges = None
        plot.enableAutoRange(enable=False)
        self.y_range = style.StickyRange(plot, "y", floor=0.0)

    def _overlay_shape(self, edges: np.ndarray) -> None:
        """f and f' on the histogram's z range, normalised to [0, 1] (engine maths)."""
        key = (edges[0], edges[-1])
        if key == self._edges_key:
            return
        self._edges_key = key
        z = np.linspace(edges[0], edges[-1], 200)
        f = self.activation.forward(z)
        span = np.ptp(f)
        self._z = z
        self._f = (f - f.min()) / span if span > 0 else np.full_like(z, 0.5)
        self._df = self.activation.derivative(z) / self.activation.max_derivative

    def show(self, hist: Histogram, overlay: bool) -> None:
        self.bars.setData(hist.edges, hist.counts)
        key = (hist.edges[0], hist.edges[-1])
        if key != self._x_edges:
            self._x_edges = key
            self.plot.setXRange(*key, padding=0.02)
        self.y_range.update(0.0, float(max(hist.counts.max(), 1)))
        self.f_curve.setVisible(overlay)
        self.df_curve.setVisible(overlay)
        if overlay:
            self._overlay_shape(hist.edges)
            top = max(int(hist.counts.max()), 1)
            self.f_curve.setData(self._z, self._f * top)
            self.df_curve.setData(self._z, self._df * top)


class ActivationHistogramView(View):
    key = "activations"
    title = "Activation histograms"
    dock_cell = (1, 0)
    dock_width = 56

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("activationHistograms")
        self.graphics = pg.GraphicsLayoutWidget()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.graphics)
        self.pre_box = QCheckBox("Pre-activations z, with f(z) and f′(z)")
        self.pre_box.setObjectName("preactivationToggle")
        self.pre_box.setToolTip("Histogram the weighted sums z instead of the outputs a = f(z), "
                                "with the activation and its slope drawn over them.")
        self.pre_box.toggled.connect(self._redraw)
        self.legend = QLabel()
        self.legend.setObjectName("histogramLegend")
        self.legend.setTextFormat(Qt.RichText)  # the app's own markup (coloured keys), never a user's text
        self.legend.setWordWrap(True)  # a narrow dock wraps the caption instead of refusing to shrink
        self.legend.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        row = QHBoxLayout()
        row.addWidget(self.pre_box)
        row.addStretch(1)
        row.addWidget(self.legend)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.scroll, 1)
        self.layer_plots: list[_LayerPlot] = []
        self.columns = PER_ROW
        self.scroll.viewport().installEventFilter(self)
        self._last = None
        self._update_legend()

    def _update_legend(self) -> None:
        if self.pre_box.isChecked():
            self.legend.setText(f"<span style='color:{style.CURVE_F}'>━ f(z)</span> &nbsp; "
                                f"<span style='color:{style.CURVE_DF}'>╍ f′(z)</span> (scaled to the bars)")
        else:
            self.legend.setText("a = f(z) of each unit, each sample")

    def set_context(self, config: Config, split: Split) -> None:
        self.graphics.clear()
        self.layer_plots = []
        names = config.model.layer_activations()
        params = config.model.activation_params()
        for i, name in enumerate(names):
            plot = pg.PlotItem()
            style.style_plot(plot, f"Layer {i + 1} · {name}", size=TITLE_SIZE)
            plot.setMouseEnabled(x=False, y=False)
            self.layer_plots.append(_LayerPlot(plot, act_mod.get(name, **params)))
        self.columns = 0  # nothing placed yet: _reflow places every plot
        self._reflow()
        self._last = None

    def _columns_for(self, width: int) -> int:
        """As many columns as fit: a plot is no narrower than its title and axes allow."""
        cell = max(lp.plot.effectiveSizeHint(Qt.MinimumSize).width() for lp in self.layer_plots) + 8
        return max(1, min(PER_ROW, int(width // cell)))

    def _reflow(self) -> None:
        """Place the layer plots in as many columns as the view's width holds: a narrow
        dock scrolls down through the layers instead of cutting off the right ones."""
        if not self.layer_plots:
            return
        columns = self._columns_for(self.scroll.viewport().width())
        if columns == self.columns:
            return
        if self.columns:  # placed before: take them out of their old cells
            for lp in self.layer_plots:
                self.graphics.ci.removeItem(lp.plot)
        self.columns = columns
        for i, lp in enumerate(self.layer_plots):
            self.graphics.ci.addItem(lp.plot, row=i // columns, col=i % columns)
        rows = math.ceil(len(self.layer_plots) / columns)
        self.graphics.setMinimumHeight(rows * PLOT_HEIGHT if rows > 1 else 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.scroll.viewport() and event.type() == QEvent.Resize:
            QTimer.singleShot(0, self._reflow)
        return super().eventFilter(watched, event)

    def update_snapshot(self, snap: Snapshot) -> None:
        self._last = snap
        self._redraw()

    def _redraw(self, *_):
        self._update_legend()
        snap = self._last
        if snap is None or not snap.layers:
            return
        pre = self.pre_box.isChecked()
        hidden = [s for s in snap.layers if not s.is_output]
        retitled = False
        for lp, stats in zip(self.layer_plots, hidden):
            lp.show(stats.preactivations if pre else stats.activations, overlay=pre)
            title = layer_title(stats)
            if title != lp.title:  # re-laying out a title every frame is wasted work
                lp.title = title
                lp.plot.setTitle(escape(title), size=TITLE_SIZE)  # pyqtgraph's titles are HTML
                retitled = True
        if retitled:  # a longer title ("· units identical") may need a column fewer
            self._reflow()

    def reset(self, keep_ghost: bool = True) -> None:
        for lp in self.layer_plots:
            lp.bars.clear()
        self._last = None
