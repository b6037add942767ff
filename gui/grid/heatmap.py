"""The heat map: one cell per combination, coloured by its mean final validation accuracy.

Each cell says ``mean ± sd`` and ``(min–max)`` over its seeds in a colour readable on
its background; a cell still running says how many of its runs are in; diverged runs
frame the cell in vermilion, failed ones hatch it. The colour scale (viridis, 0 to 1:
perceptually even and readable in grey) is drawn on the right.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QLinearGradient, QPainter, QPalette

from .cells import CellGrid, sized, text_colour

if TYPE_CHECKING:
    from engine.grid import CellStats

_CMAP = pg.colormap.get("viridis")
SCALE_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


def accuracy_colour(value: float) -> QColor:
    """The scale's colour of an accuracy in [0, 1] (grey when there is none)."""
    if not math.isfinite(value):
        return QColor("#9a9a9a")
    r, g, b, _ = _CMAP.map(np.array([min(max(value, 0.0), 1.0)]), mode="byte")[0]
    return QColor(int(r), int(g), int(b))


def cell_lines(stats: CellStats) -> tuple[str, str, str]:
    """The cell's text: 'mean ± sd', '(min–max)' and a note (runs still to come, diverged, failed)."""
    mean = "n/a" if not math.isfinite(stats.mean) else f"{stats.mean:.3f}"
    first = mean if not math.isfinite(stats.sd) else f"{mean} ± {stats.sd:.3f}"
    second = "" if not math.isfinite(stats.min) else f"({stats.min:.3f}–{stats.max:.3f})"
    notes = []
    if stats.runs + stats.failed < stats.planned:
        notes.append(f"{stats.runs} of {stats.planned} runs")
    if stats.diverged:
        notes.append(f"{stats.diverged} diverged")
    if stats.failed:
        notes.append(f"{stats.failed} failed")
    return first, second, ", ".join(notes)


class HeatMap(CellGrid):
    """Mean validation accuracy per cell, with the spread written in the cell."""

    title = "Experiment grid: mean validation accuracy"

    def right_room(self) -> int:
        return 86

    def paint_cell(self, p: QPainter, rect: QRect, i: int, j: int, stats: CellStats | None) -> None:
        if self.paint_empty(p, rect, stats):
            return
        back = accuracy_colour(stats.mean)
        p.fillRect(rect, back)
        self.mark_trouble(p, rect, stats)
        first, second, note = cell_lines(stats)
        ink = text_colour(back)
        big, small = self._cell_fonts(rect, first, second, note)
        fb, fs = QFontMetrics(big), QFontMetrics(small)
        lines = [(first, big, fb)] + [(t, small, fs) for t in (second, note) if t]
        height = sum(m.height() for _, _, m in lines)
        y = rect.center().y() - height / 2
        if stats.failed and not stats.diverged:  # the hatch shows through: a plate under the text
            plate = QColor(back)
            plate.setAlpha(200)
            widest = max(m.horizontalAdvance(t) for t, _, m in lines)
            p.fillRect(QRect(int(rect.center().x() - widest / 2 - 4), int(y - 2), widest + 8, height + 4), plate)
        p.setPen(ink)
        for text, font, metrics in lines:
            p.setFont(font)
            p.drawText(QRect(rect.left(), int(y), rect.width(), metrics.height()), Qt.AlignCenter, text)
            y += metrics.height()

    def _cell_fonts(self, rect: QRect, first: str, second: str, note: str) -> tuple:
        """The largest fonts (12 pt down to 6 pt) at which the three lines fit the cell."""
        base = self.font()
        for points in (12, 11, 10, 9, 8, 7, 6):
            big, small = sized(base, points, bold=True), sized(base, max(6, points - 1))
            fb, fs = QFontMetrics(big), QFontMetrics(small)
            wide = max(fb.horizontalAdvance(first), fs.horizontalAdvance(second), fs.horizontalAdvance(note))
            tall = fb.height() + fs.height() * (bool(second) + bool(note))
            if wide <= rect.width() - 8 and tall <= rect.height() - 4:
                return big, small
        return big, small

    def after_cells(self, p: QPainter, area: QRect) -> None:
        """The colour scale: a vertical bar from 0 (bottom) to 1 (top), ticks and its name."""
        bar = QRect(area.right() + 16, area.top(), 14, area.height())
        gradient = QLinearGradient(0, bar.bottom(), 0, bar.top())
        for x in np.linspace(0, 1, 11):
            gradient.setColorAt(float(x), accuracy_colour(float(x)))
        p.fillRect(bar, gradient)
        ink = self.palette().color(QPalette.Text)
        p.setPen(ink)
        p.drawRect(bar)
        small = sized(self.font(), 8.5)
        p.setFont(small)
        fm = QFontMetrics(small)
        for tick in SCALE_TICKS:
            y = int(bar.bottom() - tick * bar.height())
            p.drawLine(bar.right(), y, bar.right() + 4, y)
            p.drawText(QRect(bar.right() + 6, y - fm.height() // 2, 40, fm.height()), Qt.AlignLeft | Qt.AlignVCenter,
                       f"{tick:g}")
        p.save()
        p.translate(bar.right() + 40, area.center().y())
        p.rotate(90)
        p.drawText(QRect(-area.height() // 2, -fm.height(), area.height(), fm.height() + 2), Qt.AlignCenter,
                   "mean validation accuracy")
        p.restore()
