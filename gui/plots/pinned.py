"""Pinned runs drawn beside the live one: their colours, their legend, their curves.

A view that shows pinned runs keeps a ``PinOverlay``: per pinned run a group of
curves (made once, when the run is pinned, and given their data then: nothing
of it runs per frame) and one legend entry. Clicking the entry's line or name
hides or shows the whole group, as pyqtgraph's legend does for one curve: the
entry's sample is a stand-in curve that is never drawn, and its visibility is
the group's. Pinned curves sit behind the live ones (a lower z value).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer
from PySide6.QtWidgets import QSizePolicy

from ..plaintext import auto_text, escape
from .decimate import PeakDecimator

if TYPE_CHECKING:
    from engine.pins import PinnedRun

__all__ = ["PIN_COLOURS", "PinOverlay", "RowLegend", "fit_columns", "pin_colour", "pin_curve", "pin_row"]

#: eight colours for pinned runs: none is the live run's blue (training) or vermillion
#: (validation), the first layers' colours of the gradient view or the ghost's grey (each
#: at least 32 apart in CIELAB from those and from each other), and each has a contrast
#: of at least 2.2 against the white and against the dark plot background
PIN_COLOURS = ("#7B3FF2", "#E7298A", "#2CA02C", "#8C564B", "#17BECF", "#999933", "#FF4D4D", "#B39DFF")
PIN_Z = -10  # behind the live curves (z 0)
PIN_BINS = 256  # a pinned curve longer than twice this is drawn as the min and max of this many bins


def pin_colour(index: int) -> str:
    return PIN_COLOURS[index % len(PIN_COLOURS)]


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


def pin_row(layout: pg.GraphicsLayout, row: int, colspan: int = 1) -> tuple[pg.LabelItem, RowLegend]:
    """A row of ``layout`` for the pinned runs: a short caption (what the line styles mean),
    then their legend in as many columns as fit beside it (``fit_columns``); no height when empty."""
    box = layout.addLayout(row=row, col=0, colspan=colspan)
    box.setContentsMargins(0, 0, 0, 0)
    box.layout.setHorizontalSpacing(0)
    box.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)
    caption = box.addLabel("", row=0, col=0, size="8pt", justify="left")
    caption.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Maximum)
    legend = RowLegend(labelTextSize="8pt", colCount=2)
    box.addItem(legend, row=0, col=1)
    box.layout.setColumnStretchFactor(1, 1)
    return caption, legend


def fit_columns(legend: pg.LegendItem, width: float) -> bool:
    """As many legend columns as ``width`` holds (at least one), so that a legend in a row of
    its own wraps instead of widening its view; True when the count changed."""
    entries = len(legend.items)
    if not entries:
        return False
    widest = max(sample.boundingRect().width() + label.boundingRect().width() + 8 for sample, label in legend.items)
    columns = max(1, min(entries, int((width - 20) // max(widest, 1))))
    if columns == legend.columnCount:
        return False
    legend.setColumnCount(columns)
    return True


def pin_curve(plot: pg.PlotItem, x: np.ndarray, y: np.ndarray, colour: str, width: float = 1.0,
              style: Qt.PenStyle = Qt.SolidLine, positive: bool = False) -> pg.PlotDataItem:
    """A pinned run's curve in ``plot``, drawn once: gaps where y is not finite (or, with
    ``positive``, not > 0, for a log axis). A long run is kept as the min and max of
    ``PIN_BINS`` bins (gui/plots/decimate.py), so that eight pins cost about as much to
    paint as the live run; pens are 1 pixel wide, Qt's fast path."""
    xs, ys = PeakDecimator(max_bins=PIN_BINS, positive=positive)(np.asarray(x, dtype=float),
                                                                   np.asarray(y, dtype=float))
    curve = pg.PlotDataItem(pen=pg.mkPen(colour, width=width, style=style))
    curve.setZValue(PIN_Z)
    curve.setClipToView(True)
    plot.addItem(curve)
    curve.setData(xs, ys, connect="finite")
    return curve


class _Group:
    """One pinned run's curves in one view, and the legend entry that hides or shows them."""

    def __init__(self, run: PinnedRun, curves: list[tuple[pg.PlotItem, pg.PlotDataItem]]):
        self.run = run  # held, so that id(run) stays this run's while the group lives
        self.curves = curves
        self.proxy = pg.PlotDataItem(pen=pg.mkPen(pin_colour(run.colour), width=2))
        self.proxy.visibleChanged.connect(self._follow)

    def _follow(self) -> None:
        shown = self.proxy.isVisible()
        for _, curve in self.curves:
            curve.setVisible(shown)

    def remove(self) -> None:
        for plot, curve in self.curves:
            plot.removeItem(curve)
        self.curves = []


class PinOverlay:
    """The pinned runs of one view: ``build(run)`` makes a run's curves (with their data)
    and returns them with their plots; the legend gets one clickable entry per run."""

    def __init__(self, legend: RowLegend, build: Callable[[PinnedRun], list[tuple[pg.PlotItem, pg.PlotDataItem]]]):
        self.legend = legend
        self.build = build
        self.groups: dict[int, _Group] = {}

    def set_pins(self, runs: Sequence[PinnedRun]) -> bool:
        """Show exactly these runs: new ones get their curves, removed ones lose them, the
        others keep theirs (and whether they are hidden). True when anything changed."""
        wanted = {id(run): run for run in runs}
        changed = False
        for key in [k for k in self.groups if k not in wanted]:
            group = self.groups.pop(key)
            group.remove()
            self.legend.removeItem(group.proxy)
            changed = True
        for key, run in wanted.items():
            if key not in self.groups:
                group = self.groups[key] = _Group(run, self.build(run))
                self.legend.addItem(group.proxy, escape(run.name))  # legend labels are HTML
                sample, label = self.legend.items[-1]
                label.mouseClickEvent = sample.mouseClickEvent  # the name toggles the run too
                label.setToolTip(auto_text(run.name))  # a name from a session file is text
                changed = True
        return changed

    def rebuild(self) -> None:
        """Make every run's curves again (the view's plots changed, e.g. a new network's layers)."""
        for group in self.groups.values():
            shown = group.proxy.isVisible()
            group.remove()
            group.curves = self.build(group.run)
            group.proxy.setVisible(shown)
            group._follow()

    def runs(self) -> list[PinnedRun]:
        return [group.run for group in self.groups.values()]

    def curves_of(self, run: PinnedRun) -> list[pg.PlotDataItem]:
        group = self.groups.get(id(run))
        return [curve for _, curve in group.curves] if group is not None else []

    def set_visible(self, run: PinnedRun, shown: bool) -> None:
        group = self.groups.get(id(run))
        if group is not None:
            group.proxy.setVisible(shown)

    def is_visible(self, run: PinnedRun) -> bool:
        group = self.groups.get(id(run))
        return group is not None and group.proxy.isVisible()

    def sample_of(self, run: PinnedRun) -> pg.GraphicsWidget | None:
        """The legend's sample (the short line) of a run: what a click toggles."""
        group = self.groups.get(id(run))
        return next((s for s, _ in self.legend.items if group is not None and s.item is group.proxy), None)


class PinnedAxes:
    """What a view that draws pinned runs does with its axes (mixed in before ``View``): the
    value axis spans the live curves and the pins (``pin_value_range``, a StickyRange), the
    epoch axis reaches the longest pin, and the scene is laid out again when a legend changes
    its number of columns. The view sets ``pins``, ``x_range``, ``pin_value_range``,
    ``graphics``, ``_pin_span`` and ``_live_span``, installs itself as the graphics' event
    filter, and defines ``_fit_legend``."""

    def _fit_range(self) -> None:
        spans = [s for s in (self._pin_span, self._live_span) if s is not None]
        if spans:
            self.pin_value_range.update(min(s[0] for s in spans), max(s[1] for s in spans))

    def _fit_pins_x(self) -> None:
        """The epoch axis reaches the end of the longest pinned run (up to this run's epoch limit)."""
        longest = max((run.epochs for run in self.pins.runs()), default=0)
        if longest:
            self.x_range.update(float(longest))

    def _relayout(self) -> None:
        """The view sized its scene before a legend narrowed: size it again."""
        self.graphics.ci.layout.invalidate()
        self.graphics.ci.setGeometry(QRectF(0, 0, self.graphics.width(), self.graphics.height()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.graphics and event.type() == QEvent.Resize:
            QTimer.singleShot(0, self.graphics, self._fit_legend)  # once the scene has its new size, if still there
        return super().eventFilter(watched, event)
