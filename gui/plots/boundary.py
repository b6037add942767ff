"""Decision boundary: class probabilities as a colour map under the data points.

Training points are filled, validation points hollow, and points the network
gets wrong are drawn larger, so mistakes stand out as the boundary moves.
Where the network's output is not finite the map is grey, never black: NaN
probabilities never reach the image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..plaintext import escape
from . import style
from .base import View

if TYPE_CHECKING:
    from engine.config import Config
    from engine.datasets import Split
    from engine.snapshot import Snapshot

SIZE, WRONG_SIZE = 6, 11
UNDEFINED = (150, 150, 150)  # where the probabilities are not finite
CAPTION = "Filled: training points · hollow: validation · large: misclassified."


class BoundaryView(View):
    key = "boundary"
    title = "Decision boundary"
    needs_boundary = True
    dock_cell = (0, 1)
    dock_width = 37

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("boundaryPlot")
        self.graphics = pg.GraphicsLayoutWidget()
        self.plot = style.style_plot(self.graphics.addPlot(), None, "x2", "x1")
        self.plot.setAspectLocked(False)
        self.plot.enableAutoRange(enable=False)
        self.image = pg.ImageItem()
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(pxMode=True)
        self.val_points = pg.ScatterPlotItem(pxMode=True)
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.val_points)
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextSize="8pt", brush=style.legend_brush())
        self.caption = QLabel(CAPTION)
        self.caption.setObjectName("boundaryCaption")
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.graphics, 1)
        self._colours = np.zeros((2, 3))
        self._paper = np.full(3, 255.0, dtype=np.float32)
        self._rect = None  # the image's extent, and the mistakes shown (see _mark_mistakes)
        self._train_wrong: np.ndarray | None = None
        self._val_wrong: np.ndarray | None = None
        self._y_train = np.zeros(0, int)
        self._y_val = np.zeros(0, int)
        self._held = ""  # the caption's note on the features held at their mean
        self.last_rgba: np.ndarray | None = None

    def set_context(self, config: Config, split: Split) -> None:
        ds = split.dataset
        self._rect = self._train_wrong = self._val_wrong = None  # new points, new grid
        f0, f1 = config.data.features
        k = ds.n_classes
        self._colours = np.array([QColor(style.colour(i)).getRgb()[:3] for i in range(k)], dtype=np.float32)
        self._paper = np.array(pg.mkColor(pg.getConfigOption("background")).getRgb()[:3], dtype=np.float32)
        self._y_train, self._y_val = split.y_train, split.y_val
        # pyqtgraph's axis labels and legend entries are HTML: a CSV's names are escaped, shown as written
        scaled = " (standardised)" if config.data.standardize else ""
        self.plot.setLabel("bottom", escape(ds.feature_names[f0]) + scaled)
        self.plot.setLabel("left", escape(ds.feature_names[f1]) + scaled)
        self._held = " Other features are held at their mean." if ds.n_features > 2 else ""
        self.caption.setText(CAPTION + self._held)
        brushes = [pg.mkBrush(style.qcolour(int(c), 230)) for c in split.y_train]
        self.train_points.setData(split.X_train[:, f0], split.X_train[:, f1], size=SIZE, brush=brushes,
                                  pen=pg.mkPen("w", width=0.8))
        pens = [pg.mkPen(style.colour(int(c)), width=1.6) for c in split.y_val]
        self.val_points.setData(split.X_val[:, f0], split.X_val[:, f1], size=SIZE, brush=pg.mkBrush(None),
                                pen=pens)
        self.legend.clear()
        for i, name in enumerate(ds.class_names):
            sample = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(style.qcolour(i)), pen=pg.mkPen("w"))
            self.legend.addItem(sample, escape(name))
        self.image.clear()
        self.last_rgba = None
        both = np.vstack([split.X_train, split.X_val]) if len(split.X_val) else split.X_train
        lo, hi = both.min(axis=0) - 0.5, both.max(axis=0) + 0.5  # the grid's extent (datasets.grid_for)
        self.plot.setXRange(lo[f0], hi[f0], padding=0.02)
        self.plot.setYRange(lo[f1], hi[f1], padding=0.02)

    def rgba(self, probs: np.ndarray) -> np.ndarray:
        """Blend class colours by probability; fade to the plot's background (white, or dark
        grey in the dark palette) where the network is unsure; grey (``UNDEFINED``) where a
        probability is not finite (an overflowing network), never the black of a NaN cast."""
        k = probs.shape[2]
        undefined = ~np.isfinite(probs).all(axis=2)
        if undefined.any():
            probs = np.where(undefined[:, :, None], 1.0 / k, probs)
        blend = probs @ self._colours[:k]  # (res, res, 3)
        confidence = (probs.max(axis=2) - 1.0 / k) / (1.0 - 1.0 / k)
        confidence = np.clip(confidence, 0.0, 1.0)[:, :, None] * 0.75
        rgb = self._paper * (1.0 - confidence) + blend * confidence
        out = np.empty(probs.shape[:2] + (4,), dtype=np.ubyte)
        out[:, :, :3] = np.clip(rgb, 0, 255)
        out[undefined, :3] = UNDEFINED
        out[:, :, 3] = 255
        return out

    def update_snapshot(self, snap: Snapshot) -> None:
        grid = snap.boundary
        if grid is None:
            return
        self.last_rgba = self.rgba(grid.probs)
        self.image.setImage(self.last_rgba, autoLevels=False)
        self.caption.setText(caption_text(snap, not np.isfinite(grid.probs).all()) + self._held)
        dx = (grid.xs[-1] - grid.xs[0]) / (len(grid.xs) - 1)
        dy = (grid.ys[-1] - grid.ys[0]) / (len(grid.ys) - 1)
        rect = (grid.xs[0] - dx / 2, grid.ys[0] - dy / 2, dx * len(grid.xs), dy * len(grid.ys))
        if rect != self._rect:
            self._rect = rect
            self.image.setRect(QRectF(*rect))
        self._train_wrong = self._mark_mistakes(self.train_points, grid.train_pred, self._y_train, self._train_wrong)
        self._val_wrong = self._mark_mistakes(self.val_points, grid.val_pred, self._y_val, self._val_wrong)

    @staticmethod
    def _mark_mistakes(points: pg.ScatterPlotItem, pred: np.ndarray | None, truth: np.ndarray,
                       shown: np.ndarray | None) -> np.ndarray | None:
        """Draw misclassified points larger; returns the mistake mask now shown. The points
        are re-sized only when the set changes: rebuilding a scatter's spots is the costliest
        part of this view, and late in training the set is stable."""
        if pred is None or len(pred) != len(truth) or not len(truth):
            return shown
        wrong = pred != truth
        if shown is None or not np.array_equal(wrong, shown):
            points.setSize(np.where(wrong, WRONG_SIZE, SIZE))
            return wrong
        return shown

    def reset(self, keep_ghost: bool = True) -> None:
        if not keep_ghost:
            self.image.clear()
        elif self.last_rgba is not None:
            faded = self.last_rgba.copy()
            faded[:, :, 3] = 90
            self.image.setImage(faded, autoLevels=False)
        self.train_points.setSize(SIZE)
        if len(self._y_val):
            self.val_points.setSize(SIZE)
        self._train_wrong = self._val_wrong = None


def caption_text(snap: Snapshot, undefined: bool) -> str:
    """The caption: the markers' key, then what the map shows after divergence and
    what its grey means when part of it is undefined."""
    text = CAPTION
    if snap.status == "diverged" and snap.diverged_epoch:
        text += f" Diverged at epoch {snap.diverged_epoch}: the map shows the last finite weights (epoch {snap.epoch})."
    if undefined:
        text += " Grey: the network's output is not finite there."
    return text
