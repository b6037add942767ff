"""The colours, line styles and axes every view shares, and a few drawing helpers.

Classes use the Okabe–Ito palette (colour-blind safe). Layers, of which a deep
network has twenty, use ``LAYER_COLOURS`` (ten hues) and, once the hues run
out, a dash pattern: each of the first forty layers gets its own (colour,
dash) pair. Log axes label powers of ten only (``DecadeAxis``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics, QPen

from ..plaintext import escape
from .decimate import PeakDecimator

if TYPE_CHECKING:
    import numpy as np

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
TRAIN = "#0072B2"
VALID = "#D55E00"
GHOST = (150, 150, 150, 110)
CURVE_F = "#009E73"
CURVE_DF = "#CC79A7"
BAR = (86, 180, 233, 170)


#: one hue per layer: Okabe–Ito's six that read on white and on the dark background (no
#: yellow, no black), then wine, olive, slate violet and forest green from the same families
#: (Tol's muted set); each at least 21 apart in CIELAB from the others and with a contrast of
#: at least 2.3 against the white and the dark plot backgrounds
LAYER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                 "#9A2F63", "#8E8E00", "#6A5ACD", "#1B7837")
#: after the hues run out, the next ten layers are dashed, then dash-dotted, then dotted
LAYER_LINES = (Qt.SolidLine, Qt.DashLine, Qt.DashDotLine, Qt.DotLine)


def colour(i: int) -> str:
    """Class ``i``'s colour."""
    return PALETTE[i % len(PALETTE)]


def layer_colour(i: int) -> str:
    """Layer ``i``'s hue (they repeat after ``len(LAYER_COLOURS)`` layers; the dash then differs)."""
    return LAYER_COLOURS[i % len(LAYER_COLOURS)]


def layer_line(i: int) -> Qt.PenStyle:
    """Layer ``i``'s dash pattern: solid for the first ten, then the next pattern per ten."""
    return LAYER_LINES[(i // len(LAYER_COLOURS)) % len(LAYER_LINES)]


def layer_pen(i: int, width: float = 2) -> QPen:
    """Layer ``i``'s pen: its hue and its dash pattern."""
    return pg.mkPen(layer_colour(i), width=width, style=layer_line(i))


def qcolour(i: int, alpha: int = 255) -> QColor:
    c = QColor(colour(i))
    c.setAlpha(alpha)
    return c


def setup_pyqtgraph(dark: bool = False) -> None:
    """Plot colours to match the palette (light by default: it reads best on a projector).

    Antialiasing is off: with every view visible it halved the frame rate and the
    training speed (8.7 vs 14.6 frames/s, 3,058 vs 5,481 steps/s, measured offscreen).
    """
    pg.setConfigOptions(antialias=False, background="#1e1e1e" if dark else "w",
                        foreground="#dddddd" if dark else "#333333", imageAxisOrder="row-major")


def legend_brush(alpha: int = 215) -> QColor:
    """The plot background, mostly opaque: a legend stays readable over curves and points."""
    colour = pg.mkColor(pg.getConfigOption("background"))
    colour.setAlpha(alpha)
    return colour


def decade_text(exponent: int) -> str:
    """10**exponent as a tick label: 0.01 … 1000 written out, 1e-3 and 1e4 beyond."""
    if -2 <= exponent <= 3:
        return f"{10.0 ** exponent:.{max(0, -exponent)}f}"
    return f"1e{exponent}"


class DecadeAxis(pg.AxisItem):
    """An axis that, in log mode, labels powers of ten only: minor ticks at 2…9 times a
    decade are drawn unlabelled (pyqtgraph labels them, and they piled up). Over many
    decades only every 2nd, 5th or 10th … is labelled, so labels never touch; zoomed in
    within one decade, where no power of ten is in view, the 1-2-5 values are labelled
    instead. Not in log mode it is pyqtgraph's own spacing, with labels only where they have
    room: on a short axis (a squeezed dock) the 0.2 steps would overlap, so it labels 0.5 or 1."""

    #: the pixels a label needs along the axis, in font heights (vertical) or label widths
    ROOM = 1.8

    def _room(self) -> float:
        metrics = QFontMetrics(self.style.get("tickFont") or self.font())
        if self.orientation in ("left", "right"):
            return self.ROOM * metrics.height()
        return metrics.horizontalAdvance("1e-10") + metrics.height()

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802
        levels = super().tickSpacing(minVal, maxVal, size)
        if self.logMode or size <= 0 or not levels:
            return levels
        span = abs(maxVal - minVal)
        if span <= 0:
            return levels
        if self.orientation not in ("left", "right") or levels[0][0] * size / span >= self._room():
            return levels
        needed = self._room() * span / size  # labels closer than that would touch: the next 1-2-5 step
        power = 10.0 ** math.floor(math.log10(needed))
        spacing = next(m * power for m in (1, 2, 5, 10) if m * power >= needed)
        return [(spacing, 0.0)]

    def logTickValues(self, minVal: float, maxVal: float, size: float, stdTicks: list) -> list:  # noqa: N802
        lo, hi = sorted((minVal, maxVal))
        span = max(hi - lo, 1e-12)
        per_decade = size / span if size > 0 else 0.0
        first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
        if first > last:  # no power of ten in view: label 1, 2 and 5 times the decade
            base = math.floor(lo)
            values = [base + math.log10(m) for m in (1, 2, 5, 10) if lo <= base + math.log10(m) <= hi]
            minor = [base + math.log10(m) for m in range(2, 10) if lo <= base + math.log10(m) <= hi]
            return [(1.0, values), (None, [v for v in minor if v not in values])]
        step = next(s for s in _decade_steps() if per_decade <= 0 or s * per_decade >= self._room())
        majors = [float(e) for e in range(first, last + 1) if e % step == 0]
        if step == 1:  # room for the minor ticks 2..9 of each decade, when they are at least 3 px apart
            minor = [e + math.log10(m) for e in range(math.floor(lo), math.ceil(hi)) for m in range(2, 10)
                     if lo <= e + math.log10(m) <= hi] if per_decade * math.log10(10 / 9) >= 3 else []
        else:  # the decades without a label, as ticks
            minor = [float(e) for e in range(first, last + 1) if e % step and per_decade >= 4]
        return [(float(step), majors), (None, minor)]

    def logTickStrings(self, values: list[float], scale: float, spacing: float | None) -> list[str]:  # noqa: N802
        if spacing is None:
            return []  # minor ticks carry no label
        out = []
        for v in values:
            e = round(v)
            if abs(v - e) < 1e-6:
                out.append(decade_text(e))
            else:  # a 1-2-5 value inside one decade (zoomed in)
                out.append(f"{10.0 ** v:.3g}")
        return out


def _decade_steps():
    """1, 2, 5, 10, 20, 50, …: how many decades apart the labels may be."""
    k = 1
    while True:
        for m in (1, 2, 5):
            yield m * k
        k *= 10


def style_plot(plot: pg.PlotItem, title: str | None = None, left: str | None = None,
               bottom: str | None = None, size: str = "10pt") -> pg.PlotItem:
    """A plot in the app's style; ``title``, ``left`` and ``bottom`` are text, shown as written
    (pyqtgraph reads them as HTML, so they are escaped here). Its left and bottom axes are
    ``DecadeAxis``: should a view switch either to log mode, it labels decades only."""
    swap = {name: DecadeAxis(name) for name in ("left", "bottom") if not isinstance(plot.getAxis(name), DecadeAxis)}
    if swap:
        plot.setAxisItems(swap)
    if title:
        plot.setTitle(escape(title), size=size)
    if left:
        plot.setLabel("left", escape(left))
    if bottom:
        plot.setLabel("bottom", escape(bottom))
    # No grid: pyqtgraph draws grid lines into the axis picture, which made
    # every frame of every plot several milliseconds slower.
    plot.showGrid(x=False, y=False)
    plot.setMenuEnabled(False)
    for name in ("left", "bottom"):
        plot.getAxis(name).enableAutoSIPrefix(False)  # "loss (x0.001)" confuses more than it helps
    return plot


class StickyRange:
    """Sets one axis's range only when the data leave it or shrink far inside it.

    pyqtgraph re-lays out an axis's ticks and labels whenever its range moves,
    and that costs milliseconds per plot; a range that moves rarely keeps each
    frame cheap. ``log=True`` keeps whole decades (for a log-mode axis).
    """

    def __init__(self, plot: pg.PlotItem, axis: str = "y", log: bool = False, floor: float | None = None):
        self.plot = plot
        self.axis = axis
        self.log = log
        self.floor = floor  # a fixed lower bound (e.g. 0 for counts)
        self.current: tuple[float, float] | None = None
        plot.enableAutoRange(axis=axis, enable=False)

    def reset(self) -> None:
        self.current = None

    def update(self, lo: float, hi: float) -> None:
        import math

        if not (math.isfinite(lo) and math.isfinite(hi)):
            return
        if self.log:
            if lo <= 0 or hi <= 0:
                return
            new = (math.floor(math.log10(lo)), math.ceil(math.log10(hi)))
            if new[0] == new[1]:
                new = (new[0] - 1, new[1])
            if self.current is not None and self.current[0] <= new[0] and new[1] <= self.current[1] \
                    and (self.current[1] - self.current[0]) - (new[1] - new[0]) <= 2:
                return
        else:
            if self.floor is not None:
                lo = self.floor
            span = hi - lo if hi > lo else max(abs(hi), 1.0)
            if self.current is not None:
                c_lo, c_hi = self.current
                inside = c_lo <= lo and hi <= c_hi
                snug = (hi - lo) >= 0.4 * (c_hi - c_lo)
                if inside and snug:
                    return
            new = (lo if self.floor is not None else lo - 0.05 * span, hi + 0.15 * span)
        self.current = new
        if self.axis == "y":
            self.plot.setYRange(*new, padding=0)
        else:
            self.plot.setXRange(*new, padding=0)


LONG_CURVE = 400  # points; beyond this a curve is peak-downsampled to the screen


def set_curve(curve: pg.PlotDataItem, x: np.ndarray, y: np.ndarray, positive: bool = False) -> PeakDecimator:
    """Draw a growing series: past ``2 * MAX_BINS`` points, as the min/max of bins kept
    up to date incrementally (gui/plots/decimate.py), so a frame's cost does not grow with
    the run; non-finite values (and, with ``positive``, values <= 0, for a log axis) are
    gaps. Returns the curve's decimator (its ``value_range`` is the series' range, cheaply).

    Peak downsampling to the screen is switched on only for long curves: pyqtgraph's
    automatic downsampling drops every point of a short curve when the x range is much
    wider than the data (early in a long run). Qt draws a 1-pixel line on a fast path
    and a wider one several times slower: a curve of thousands of epochs fills its pixels
    either way, so past ``LONG_CURVE`` points it is drawn thin (the loss view painted in
    18 ms a frame at 4,000 epochs with 2-pixel pens, measured with every view on screen).
    """
    dec = getattr(curve, "_lab_decimator", None)
    if dec is None or dec.positive != positive:
        dec = curve._lab_decimator = PeakDecimator(positive=positive)
    long = len(x) > LONG_CURVE
    curve.setDownsampling(auto=long, method="peak")
    _thin_when_long(curve, long)
    xs, ys = dec(x, y)
    curve.setData(xs, ys, connect="finite")
    return dec


def _thin_when_long(curve: pg.PlotDataItem, long: bool) -> None:
    wide = getattr(curve, "_lab_wide_pen", None)
    if wide is None:
        pen = pg.mkPen(curve.opts["pen"])
        if pen.widthF() <= 1:
            return  # thin already: nothing to switch
        curve._lab_wide_pen = wide = pen
    thin = getattr(curve, "_lab_thin", False)
    if long and not thin:
        narrow = pg.mkPen(wide)
        narrow.setWidthF(1.0)
        curve.setPen(narrow)
        curve._lab_thin = True
    elif not long and thin:
        curve.setPen(wide)
        curve._lab_thin = False


class GrowingXRange:
    """An epoch axis that starts short and doubles as training goes on, never past
    the epoch limit: early epochs are not squeezed into a corner of a long run's axis."""

    def __init__(self, plot: pg.PlotItem, start: int = 20):
        self.plot = plot
        self.start = start
        self.limit = start
        self.current = 0.0

    def reset(self, limit: int) -> None:
        self.limit = max(1, int(limit))
        self.current = min(self.start, self.limit)
        self.plot.setXRange(0, self.current, padding=0.01)

    def update(self, epochs: float) -> None:
        if epochs <= self.current or self.current >= self.limit:
            return
        while self.current < epochs:
            self.current *= 2
        self.current = min(self.current, self.limit)
        self.plot.setXRange(0, self.current, padding=0.01)
