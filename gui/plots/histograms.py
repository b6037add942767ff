"""Activation histograms, one small plot per hidden layer.

On the pre-activation view the activation f(z) and its slope f'(z) are drawn
over the histogram (scaled to its height), so a student sees whether the mass
sits on the curve's flat, saturated tails or on its useful middle.

"Compare with:" picks a pinned run (Compare ▸ Pin this run): its activation
histograms are drawn as outlines in its colour over the live bars, layer by
layer, at the live run's epoch (or the pinned run's last recorded one, if it
is shorter); the line under the combo says which epoch that is.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from engine import activations as act_mod

from ..plaintext import escape, plain_label
from . import style
from .base import View
from .pinned import pin_colour

if TYPE_CHECKING:
    from collections.abc import Sequence

    from engine.activations import Activation
    from engine.config import Config
    from engine.datasets import Split
    from engine.pins import PinnedRun
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
        #: a pinned run's histogram of the same layer, as an outline (see ActivationHistogramView.compare)
        self.compare = plot.plot(stepMode="center", pen=pg.mkPen(style.GHOST, width=2))
        self.compare.setVisible(False)
        self.compare_top = 0
        self.compare_edges: tuple[float, float] | None = None
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

    def show_compare(self, hist: Histogram | None, colour: str) -> None:
        """Outline ``hist`` (a pinned run's, of this layer) over the bars; None hides it."""
        if hist is None:
            self.compare.setVisible(False)
            self.compare_top = 0
            self.compare_edges = None
            return
        self.compare_edges = (float(hist.edges[0]), float(hist.edges[-1]))
        self.compare.setPen(pg.mkPen(colour, width=2))
        self.compare.setData(hist.edges, hist.counts)
        self.compare_top = int(hist.counts.max()) if len(hist.counts) else 0
        self.compare.setVisible(True)

    def show(self, hist: Histogram, overlay: bool) -> None:
        self.bars.setData(hist.edges, hist.counts)
        key = (hist.edges[0], hist.edges[-1])
        if self.compare_edges is not None:  # the outline's bins may reach further
            key = (min(key[0], self.compare_edges[0]), max(key[1], self.compare_edges[1]))
        if key != self._x_edges:
            self._x_edges = key
            self.plot.setXRange(*key, padding=0.02)
        top = max(int(hist.counts.max()), self.compare_top)  # (0 when no outline is drawn)
        self.y_range.update(0.0, float(max(top, 1)))
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
    #: the pinned run chosen in "Compare with:" (None for none); the gradient view follows it
    compareChanged = Signal(object)

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
        self.compare_combo = QComboBox()
        self.compare_combo.setObjectName("histogramCompareCombo")
        self.compare_combo.setToolTip("Draw a pinned run's histograms of the same layers as outlines over these, "
                                      "at this run's epoch (or the pinned run's last).")
        self.compare_combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.compare_combo.setMinimumContentsLength(12)
        self.compare_combo.currentIndexChanged.connect(self._compare_chosen)
        self.compare_note = plain_label("", object_name="histogramCompareNote")  # a pin's name may be a file's
        self.compare_note.setWordWrap(True)
        compare_row = QHBoxLayout()
        compare_row.addWidget(QLabel("Compare with:"))
        compare_row.addWidget(self.compare_combo)
        compare_row.addWidget(self.compare_note, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addLayout(compare_row)
        layout.addWidget(self.scroll, 1)
        self._pins: list[PinnedRun] = []
        self._compare_key = None  # (pinned run, epoch shown, z or a) of the outlines drawn
        self._fill_compare()
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
        self._compare_key = None  # new layer plots: their outlines are drawn afresh

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

    # -- comparing with a pinned run -----------------------------------------------------
    def set_pins(self, runs: Sequence[PinnedRun]) -> None:
        """The pinned runs "Compare with:" offers; the chosen one stays chosen while it is pinned."""
        chosen = self.compared()
        self._pins = list(runs)
        self._fill_compare(chosen)

    def _fill_compare(self, chosen: PinnedRun | None = None) -> None:
        combo = self.compare_combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("None")
        for run in self._pins:
            combo.addItem(run.name)  # a combo box shows its items as plain text
        at = next((i + 1 for i, run in enumerate(self._pins) if run is chosen), 0)
        combo.setCurrentIndex(at)
        combo.setEnabled(bool(self._pins))
        combo.blockSignals(False)
        if self.compared() is not chosen:
            self._compare_chosen()

    def compared(self) -> PinnedRun | None:
        """The pinned run the outlines show, or None."""
        i = self.compare_combo.currentIndex() - 1
        return self._pins[i] if 0 <= i < len(self._pins) else None

    def _compare_chosen(self, _index: int = 0) -> None:
        self._compare_key = None
        self._redraw()
        self.compareChanged.emit(self.compared())

    def _draw_compare(self, epoch: int, pre: bool) -> None:
        """The chosen pin's activation histograms at ``epoch`` (its nearest recorded one
        before), once per epoch shown: nothing is redone while the epoch stays."""
        run = self.compared()
        found = run.history.histograms_at(epoch) if run is not None and not pre else None
        key = (id(run), found[0] if found else None, pre)
        if key == self._compare_key:
            return
        self._compare_key = key
        if run is None:
            self.compare_note.setText("")
        elif pre:
            self.compare_note.setText("Pinned runs keep a = f(z), not z: untick Pre-activations to compare.")
        elif found is None:
            self.compare_note.setText(f"{run.name} has no histograms recorded by epoch {epoch}.")
        else:
            self.compare_note.setText(f"Outlines: {run.name} at epoch {found[0]}.")
        layers = found[1] if found else ()
        hidden = len(run.config.model.hidden) if run is not None else 0
        for i, lp in enumerate(self.layer_plots):
            hist = layers[i][0] if found and i < hidden and i < len(layers) else None
            lp.show_compare(hist, pin_colour(run.colour) if run is not None else "")

    def update_snapshot(self, snap: Snapshot) -> None:
        self._last = snap
        self._redraw()

    def _redraw(self, *_):
        self._update_legend()
        snap = self._last
        if snap is None or not snap.layers:
            return
        pre = self.pre_box.isChecked()
        self._draw_compare(snap.epoch, pre)
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
