"""Parameters: every weight and bias of a small network over the epochs, as small multiples.

Design: one row per layer; in it one small plot per *input* of the layer
(row i of W: the weights from input i to each unit) and one for the biases,
every unit drawn in its own colour, the same colour in each of the layer's
plots. Units that compute the same function then show as curves lying on top
of each other in every plot of their row: to make that impossible to miss, a
unit identical to an earlier one (its weights and bias equal at every recorded
epoch) is drawn dashed over that unit's curve, and the row's caption says
"unit 2 = unit 1". With zeros init the student sees each layer collapse to one
line per plot: the units move in lock-step. (A grid of one tiny plot per
weight would make identical *columns* the thing to compare, across plots,
without axes to read; overlaying the units makes them a single line.)

Only networks of at most 100 parameters are recorded (engine/history.py); for a
larger one the view says so in one sentence. Like every view it is only
updated while visible, and it redraws only when the number of recorded epochs
changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QPaintEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QStackedLayout, QVBoxLayout, QWidget

from ..plaintext import escape
from . import style
from .base import View

if TYPE_CHECKING:
    from engine.config import Config
    from engine.datasets import Split
    from engine.snapshot import History, Snapshot

PER_ROW = 4  # plots side by side in a layer's row before it wraps
PLOT_HEIGHT = 120  # pixels a row of plots keeps at least (more layers: the view scrolls)
PLOT_WIDTH = 140  # pixels a plot needs to be read (its ticks, its title)


class _Plots(pg.GraphicsLayoutWidget):
    """A layer's plots. Its size hint is its minimum height: the layers share the view's height
    (a scroll bar only when they cannot), instead of each asking for a full screen."""

    def sizeHint(self) -> QSize:
        return QSize(200, self.minimumHeight())


class _Panel:
    """One small plot: the curves of one row of a layer's W (or its b), one per unit."""

    def __init__(self, plot: pg.PlotItem, columns: np.ndarray):
        self.plot = plot
        self.columns = columns  # (units,): the column of History.parameters each curve draws
        self.curves = [plot.plot(pen=pg.mkPen(style.colour(j), width=2)) for j in range(len(columns))]
        self.dashed = [False] * len(columns)
        self.y_range = style.StickyRange(plot, "y")


class ParameterView(View):
    key = "parameters"
    title = "Parameters"
    dock_tab = "gradients"  # behind gradient flow: the default layout gets no more cramped

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("parameterView")
        self.blocks = QWidget()  # per layer: its caption, then its plots
        self.block_layout = QVBoxLayout(self.blocks)
        self.block_layout.setContentsMargins(0, 0, 0, 0)
        self.block_layout.setSpacing(2)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setWidget(self.blocks)
        self.note = QLabel()  # the app's own sentence (a number), never a user's text
        self.note.setObjectName("parameterNote")
        self.note.setTextFormat(Qt.PlainText)
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignCenter)
        pages = QWidget()
        self.pages = QStackedLayout(pages)
        self.pages.addWidget(self.scroll)
        self.pages.addWidget(self.note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(pages, 1)
        self.panels: list[_Panel] = []
        self.captions: list[QLabel] = []  # one per layer
        self.graphics: list[pg.GraphicsLayoutWidget] = []  # one per layer
        self.layer_names: list[str] = []
        self.shapes: tuple | None = None  # the network the plots were built for
        self.identical: list[list[int]] = []  # per layer: each unit's first identical unit (itself if none)
        self._epochs_drawn = -1
        self._limit = 1
        self.x_range: style.GrowingXRange | None = None
        self._per_row = 0  # plots side by side now
        self._latest: Snapshot | None = None  # the newest snapshot given, and the one drawn
        self._drawn: Snapshot | None = None

    # -- building ---------------------------------------------------------------------
    def set_context(self, config: Config, split: Split) -> None:
        self._limit = config.train.epochs
        self._clear()

    def _clear(self) -> None:
        self._latest = self._drawn = None
        while self.block_layout.count():
            widget = self.block_layout.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.panels, self.captions, self.graphics, self.identical, self.layer_names = [], [], [], [], []
        self.shapes, self.x_range = None, None
        self._epochs_drawn = -1

    def _build(self, history: History) -> None:
        """The plots for this network, made once: per layer a caption, then its panels."""
        self._clear()
        self.shapes = history.parameter_shapes
        first = None
        for n, (fan_in, fan_out) in enumerate(self.shapes, start=1):
            W, b = history.parameter_columns(n)
            caption = QLabel()
            caption.setObjectName(f"parameterCaption{n}")
            caption.setTextFormat(Qt.RichText)  # the app's own markup: coloured keys and numbers
            caption.setWordWrap(True)
            graphics = _Plots()
            source = "input" if n == 1 else "unit"  # (of the layer below: the row above)
            cells = [(f"W{n}: from {source} {i + 1}", W[i]) for i in range(fan_in)] + [(f"b{n}: biases", b)]
            for title, columns in cells:
                plot = style.style_plot(pg.PlotItem(), title, size="8pt")
                plot.setMouseEnabled(x=False, y=False)
                plot.hideButtons()
                for axis in ("left", "bottom"):
                    plot.getAxis(axis).setStyle(tickFont=_small_font(), tickLength=-4)
                plot.getAxis("left").setWidth(36)
                if first is None:
                    first = plot
                else:
                    plot.setXLink(first)
                self.panels.append(_Panel(plot, columns))
            graphics.cells = [panel.plot for panel in self.panels[-len(cells):]]
            self.block_layout.addWidget(caption)
            self.block_layout.addWidget(graphics, 1)
            caption.show()  # now, not when the event loop next runs: an export may picture them at once
            graphics.show()
            self.captions.append(caption)
            self.graphics.append(graphics)
            self.identical.append(list(range(fan_out)))
            self.layer_names.append("Output layer" if n == len(self.shapes) else f"Layer {n}")
        first.enableAutoRange(x=False)
        self.x_range = style.GrowingXRange(first)
        self.x_range.reset(self._limit)
        self._per_row = 0
        self._arrange()
        self._write_captions()

    def _arrange(self) -> None:
        """As many plots side by side as the width holds (at most PER_ROW), the rest wrapped below;
        the same items, moved (on a resize that changes how many fit)."""
        fit = max(1, min(PER_ROW, (self.scroll.viewport().width() - 8) // PLOT_WIDTH))
        if fit == self._per_row:
            return
        self._per_row = fit
        for graphics in self.graphics:
            for plot in graphics.cells:
                if plot.scene() is not None:
                    graphics.ci.removeItem(plot)
            per_row = min(fit, len(graphics.cells))
            for k, plot in enumerate(graphics.cells):
                graphics.ci.addItem(plot, row=k // per_row, col=k % per_row)
            graphics.setMinimumHeight(PLOT_HEIGHT * (-(-len(graphics.cells) // per_row)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.graphics:
            self._arrange()

    # -- drawing -----------------------------------------------------------------------
    def update_snapshot(self, snap: Snapshot) -> None:
        """Draw ``snap``'s records, unless this view is behind another dock's tab: Qt still calls a
        tabbed-away dock visible, so the window's skip of hidden views does not skip it. It is
        then drawn when its tab comes to the front (``paintEvent``)."""
        self._latest = snap
        if self.window().isVisible() and self.visibleRegion().isEmpty():
            return
        self._draw(snap)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._latest is not None and self._latest is not self._drawn:
            QTimer.singleShot(0, self._draw_latest)  # just uncovered: draw what came while covered, after this paint

    def _draw_latest(self) -> None:
        if self._latest is not None and self._latest is not self._drawn:
            self._draw(self._latest)

    def grab(self, *args: object) -> QPixmap:
        """A picture of the view (an export) shows the latest records, even taken while covered."""
        self._draw_now()
        return super().grab(*args)

    def render(self, *args: object, **kwargs: object) -> None:
        self._draw_now()
        super().render(*args, **kwargs)

    def _draw_now(self) -> None:
        if self._latest is not None and self._latest is not self._drawn:
            self._draw(self._latest)
            self.layout().activate()  # plots just built get their sizes before the picture is taken
            self.blocks.layout().activate()

    def _draw(self, snap: Snapshot) -> None:
        self._drawn = snap
        h = snap.history
        if not len(h.parameter_epochs):
            count = h.parameter_count
            if count:  # a network too large to record (an empty record before the first epoch is not)
                self.note.setText(f"This view shows networks of at most 100 parameters; this one has {count}.")
                self.pages.setCurrentWidget(self.note)
            return
        self.pages.setCurrentWidget(self.scroll)
        if h.parameter_shapes != self.shapes:
            self._build(h)
        epochs = len(h.parameter_epochs)
        if epochs == self._epochs_drawn:
            return  # nothing new recorded: nothing to draw
        self._epochs_drawn = epochs
        x, values = h.parameter_epochs, h.parameters
        self.x_range.update(float(x[-1]))
        self._find_identical(h)
        layer_of = [n for n, (fan_in, _) in enumerate(self.shapes) for _ in range(fan_in + 1)]
        symbol = "o" if epochs == 1 else None  # one epoch so far: a dot, not an invisible line
        for panel, layer in zip(self.panels, layer_of):
            same = self.identical[layer]
            lo, hi = np.inf, -np.inf
            for j, (curve, column) in enumerate(zip(panel.curves, panel.columns)):
                y = values[:, column]
                dashed = same[j] != j
                if dashed != panel.dashed[j]:
                    panel.dashed[j] = dashed
                    curve.setPen(pg.mkPen(style.colour(j), width=2, style=Qt.DashLine if dashed else Qt.SolidLine))
                curve.setSymbol(symbol)
                if symbol:
                    curve.setSymbolSize(5)
                    curve.setSymbolBrush(style.colour(j))
                span = style.set_curve(curve, x, y).value_range(y)
                if span is not None:
                    lo, hi = min(lo, span[0]), max(hi, span[1])
            if lo <= hi:
                if hi - lo < 1e-9 * max(abs(lo), abs(hi), 1e-300):  # flat (zeros init): a readable span around it
                    lo, hi = lo - max(0.1 * abs(lo), 0.1), hi + max(0.1 * abs(hi), 0.1)
                panel.y_range.update(lo, hi)
        self._write_captions()

    def _find_identical(self, h: History) -> None:
        """Each unit's first identical unit: the same incoming weights and bias at every recorded epoch."""
        values = h.parameters
        for n in range(len(self.shapes)):
            W, b = h.parameter_columns(n + 1)
            first: dict[bytes, int] = {}
            same = []
            for j in range(W.shape[1]):
                signature = np.ascontiguousarray(values[:, np.append(W[:, j], b[j])]).tobytes()
                same.append(first.setdefault(signature, j))
            self.identical[n] = same

    def _write_captions(self) -> None:
        """Per layer: the colour of each unit, and which units are identical (the app's own markup)."""
        for n, (caption, same) in enumerate(zip(self.captions, self.identical)):
            keys = []
            for j, k in enumerate(same):
                key = f"<span style='color:{style.colour(j)}'>&#9632;</span>&nbsp;unit {j + 1}"
                if k != j:
                    key += f" = unit {k + 1}"
                keys.append(key)
            groups = len(set(same))
            note = ""
            if groups < len(same):
                note = (" — <b>all units identical: they move in lock-step</b>" if groups == 1 else
                        f" — <b>{len(same) - groups} unit(s) identical to another</b>")
            caption.setText(f"<b>{escape(self.layer_names[n])}</b>: " + " &nbsp;".join(keys) + note)

    def reset(self, keep_ghost: bool = True) -> None:
        self._latest = self._drawn = None
        for panel in self.panels:
            for curve in panel.curves:
                curve.setData([], [])
            panel.y_range.reset()
        if self.x_range is not None:
            self.x_range.reset(self._limit)
        self._epochs_drawn = -1


def _small_font() -> object:
    from PySide6.QtGui import QFont

    font = QFont()
    font.setPointSize(7)
    return font
