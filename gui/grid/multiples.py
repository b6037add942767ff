"""Small multiples: one small plot per cell, all on the same scales, so the cells compare.

Each cell shows its training-loss curves (every seed faint, the mean over the seeds
bold; the same y range, 0 to the largest loss of the grid, in every cell) and, for
2-D data, its final decision boundary: the class probabilities averaged over the
seeds, shown as class colours that fade to white where the network is unsure.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter, QPainterPath, QPalette, QPen

from ..plots.style import PALETTE
from .cells import CellGrid, sized

if TYPE_CHECKING:
    from engine.grid import CellStats

SEED_PEN = QColor(0, 114, 178, 70)  # Okabe–Ito blue, faint
MEAN_PEN = QColor("#0072B2")
_CLASS_RGB = np.array([QColor(c).getRgb()[:3] for c in PALETTE], dtype=np.float64)
CAPTION = ("Training loss per epoch: each seed faint, the mean over the seeds bold; every cell on the same scales "
           "(epochs 1–{epochs}, loss {scale}). Boundary: the class probabilities averaged over the seeds "
           "(colour = class, pale = unsure).")
#: losses that span more than this factor are drawn on a log scale (else 0 to the top, linear)
LOG_SPAN = 30.0


def boundary_image(probs: np.ndarray) -> QImage:
    """A res x res image of mean class probabilities: class colours blended by probability,
    faded towards white by how unsure the network is; y grows upwards."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape[2] == 1:  # one output unit: the probability of class 1
        probs = np.concatenate((1 - probs, probs), axis=2)
    k = probs.shape[2]
    probs = np.where(np.isfinite(probs), probs, 1.0 / k)
    colours = _CLASS_RGB[np.arange(k) % len(_CLASS_RGB)]
    blend = probs @ colours
    sure = np.clip((probs.max(axis=2) - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)[..., None] * 0.85
    rgb = np.clip(255.0 + (blend - 255.0) * sure, 0, 255).astype(np.uint8)[::-1]  # row 0 = the top
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()


class SmallMultiples(CellGrid):
    """Per cell: its loss curves and its mean decision boundary."""

    title = "Experiment grid: small multiples"

    def __init__(self, parent: object = None):
        super().__init__(parent)
        self._images: dict[tuple[int, int], tuple[int, QImage]] = {}
        self._top = 1.0  # the shared y range: 0 to the largest finite loss (or, on a log scale,
        self._bottom = 0.0  # the smallest positive one to the largest)
        self._log = False
        self._epochs = 1

    def set_results(self, results: object) -> None:
        self._images.clear()
        super().set_results(results)

    def bottom_room(self) -> int:
        return 2 * QFontMetrics(sized(self.font(), 8.5)).height() + 14

    def before_cells(self, p: QPainter, area: QRect) -> None:
        """The scales every cell shares: epochs 1 to the longest run; loss from 0 to the largest,
        or on a log scale when the losses span more than LOG_SPAN (a diverging cell would
        otherwise flatten every other one)."""
        top, bottom, epochs = 0.0, math.inf, 1
        for i in range(len(self.row_titles)):
            for j in range(len(self.col_titles)):
                stats = self.stats(i, j)
                if stats is None:
                    continue
                for curve in stats.seed_losses:
                    finite = curve[np.isfinite(curve) & (curve > 0)]
                    if finite.size:
                        top, bottom = max(top, float(finite.max())), min(bottom, float(finite.min()))
                epochs = max(epochs, len(stats.epochs))
        self._log = top > 0 and top / bottom > LOG_SPAN
        if self._log:
            self._top, self._bottom = 10 ** math.ceil(math.log10(top)), 10 ** math.floor(math.log10(bottom))
        else:
            self._top, self._bottom = (_nice_top(top) if top > 0 else 1.0), 0.0
        self._epochs = epochs

    def _height(self, v: float) -> float:
        """Where loss ``v`` sits between the bottom (0) and the top (1) of a plot."""
        if self._log:
            if v <= 0:
                return 0.0
            span = math.log10(self._top) - math.log10(self._bottom)
            return min(max((math.log10(v) - math.log10(self._bottom)) / span, 0.0), 1.0)
        return min(max(v / self._top, 0.0), 1.0)

    def _image(self, i: int, j: int, stats: CellStats) -> QImage | None:
        if stats.boundary is None:
            return None
        version = self.results.cell_version(i, j)
        cached = self._images.get((i, j))
        if cached is None or cached[0] != version:
            cached = self._images[(i, j)] = (version, boundary_image(stats.boundary[2]))
        return cached[1]

    def paint_cell(self, p: QPainter, rect: QRect, i: int, j: int, stats: CellStats | None) -> None:
        if self.paint_empty(p, rect, stats):
            return
        p.fillRect(rect, QColor("#ffffff"))
        image = self._image(i, j, stats)
        side = min(rect.height() - 8, int(rect.width() * 0.45)) if image is not None else 0
        plot = QRect(rect.left() + 4, rect.top() + 4, rect.width() - side - (12 if side else 8), rect.height() - 8)
        if image is not None:
            target = QRect(rect.right() - side - 3, rect.top() + (rect.height() - side) // 2, side, side)
            p.save()
            p.setRenderHint(QPainter.SmoothPixmapTransform, True)
            p.drawImage(target, image)
            p.restore()
            p.setPen(QColor("#999999"))
            p.drawRect(target)
        p.setPen(QColor("#bbbbbb"))
        p.drawRect(plot)
        for curve in stats.seed_losses:
            self._curve(p, plot, curve, QPen(SEED_PEN, 1))
        self._curve(p, plot, stats.mean_loss, QPen(MEAN_PEN, 2.2))
        if math.isfinite(stats.mean):  # the number the heat map colours, for reading the two together
            font = sized(self.font(), 8.5)
            p.setFont(font)
            p.setPen(QColor("#333333"))
            text = f"val {stats.mean:.2f}"
            p.drawText(plot.adjusted(3, 1, -3, -1), Qt.AlignRight | Qt.AlignTop, text)
        self.mark_trouble(p, rect, stats)

    def _curve(self, p: QPainter, plot: QRect, y: np.ndarray, pen: QPen) -> None:
        if len(y) == 0:
            return
        n = max(self._epochs - 1, 1)
        path, drawing = QPainterPath(), False
        for k, v in enumerate(y):
            if not math.isfinite(v):
                drawing = False
                continue
            point = QPointF(plot.left() + plot.width() * k / n, plot.bottom() - plot.height() * self._height(v))
            if drawing:
                path.lineTo(point)
            else:
                path.moveTo(point)
                drawing = True
        p.setPen(pen)
        p.setBrush(Qt.NoBrush)
        p.drawPath(path)

    def after_cells(self, p: QPainter, area: QRect) -> None:
        font = sized(self.font(), 8.5)
        p.setFont(font)
        p.setPen(self.palette().color(QPalette.Text))
        box = QRect(area.left(), area.bottom() + 6, area.width(), self.bottom_room() - 6)
        p.drawText(box, Qt.AlignLeft | Qt.AlignTop | Qt.TextWordWrap,
                   CAPTION.format(epochs=self._epochs, scale=f"{self._bottom:g}–{self._top:g} on a log scale"
                                  if self._log else f"0–{self._top:g}"))


def _nice_top(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (x a power of ten) at or above ``value``."""
    scale = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * scale >= value:
            return step * scale
    return 10 * scale
