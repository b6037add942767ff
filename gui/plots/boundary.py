"""Decision boundary: class probabilities as a colour map under the data points.

Training points are filled, validation points hollow, and points the network
gets wrong are drawn larger, so mistakes stand out as the boundary moves. A big set
is drawn as a fixed sample of its points (the caption says how many).
Where the network's output is not finite the map is grey, never black: NaN
probabilities never reach the image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..plaintext import escape, plain_label
from . import style
from .base import View

if TYPE_CHECKING:
    from engine.config import Config
    from engine.datasets import Split
    from engine.snapshot import Snapshot

SIZE, WRONG_SIZE = 6, 11
UNDEFINED = (150, 150, 150)  # where the probabilities are not finite
CAPTION = "Filled: training points · hollow: validation · large: misclassified."
#: at most this many training (validation) points are drawn: a fixed random sample of a bigger
#: set, the same every frame; the caption says so. Past a few thousand the plot is solid colour
#: anyway, and drawing 100,000 markers would freeze the window for seconds.
MAX_TRAIN_SHOWN, MAX_VAL_SHOWN = 5000, 2000


def shown_indices(n: int, limit: int) -> np.ndarray:
    """Which of ``n`` points are drawn: all of them, or a fixed sorted sample of ``limit``."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=limit, replace=False))


class _Points:
    """One set of points (training or validation) drawn as one scatter per class, so every
    marker of a class shares one symbol (pyqtgraph renders each distinct style once), and
    over it one scatter per class of the misclassified points, drawn larger, redrawn only
    when that set changes."""

    def __init__(self, plot: pg.PlotItem, filled: bool):
        self.plot, self.filled = plot, filled
        self.items: list[pg.ScatterPlotItem] = []  # per class: every drawn point
        self.large: list[pg.ScatterPlotItem] = []  # per class: the misclassified ones
        self.classes = np.zeros(0, int)
        self.index = np.zeros(0, int)  # the drawn points' rows in the split
        self.xy = np.zeros((0, 2))
        self.truth = np.zeros(0, int)
        self.wrong: np.ndarray | None = None  # the points drawn large (a mask over ``index``)

    def _scatter(self, xy: np.ndarray, c: int, size: int, z: float) -> pg.ScatterPlotItem:
        if self.filled:
            look = {"brush": pg.mkBrush(style.qcolour(c, 230)), "pen": pg.mkPen("w", width=0.8)}
        else:
            look = {"brush": pg.mkBrush(None), "pen": pg.mkPen(style.colour(c), width=1.6)}
        item = pg.ScatterPlotItem(xy[:, 0], xy[:, 1], pxMode=True, size=size, **look)
        item.setZValue(z)
        self.plot.addItem(item)
        return item

    def set_points(self, X: np.ndarray, y: np.ndarray, features: tuple[int, int], limit: int) -> None:
        for item in (*self.items, *self.large):
            self.plot.removeItem(item)
        self.index = shown_indices(len(y), limit)
        self.xy = X[self.index][:, list(features)]
        self.truth = y[self.index]
        self.classes = np.unique(self.truth)
        self.items = [self._scatter(self.xy[self.truth == c], int(c), SIZE, 1) for c in self.classes]
        self.large = [self._scatter(self.xy[:0], int(c), WRONG_SIZE, 2) for c in self.classes]
        self.wrong = None

    def clear_mistakes(self) -> None:
        for item in self.large:
            item.setData([], [])
        self.wrong = None

    def mark_mistakes(self, pred: np.ndarray | None, n_total: int) -> None:
        """Draw large the drawn points that ``pred`` (one class per point of the whole set) gets wrong."""
        if pred is None or len(pred) != n_total or not len(self.index):
            return
        wrong = pred[self.index] != self.truth
        if self.wrong is not None and np.array_equal(wrong, self.wrong):
            return  # late in training the set is stable: nothing to redraw
        self.wrong = wrong
        for c, item in zip(self.classes, self.large):
            rows = wrong & (self.truth == c)
            item.setData(self.xy[rows, 0], self.xy[rows, 1])

    def marked(self) -> set[int]:
        """The split rows of the points drawn large now."""
        return set() if self.wrong is None else {int(i) for i in self.index[self.wrong]}


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
        self.train = _Points(self.plot, filled=True)
        self.val = _Points(self.plot, filled=False)
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextSize="8pt", brush=style.legend_brush())
        self.caption = plain_label(CAPTION, object_name="boundaryCaption")
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.graphics, 1)
        self._colours = np.zeros((2, 3))
        self._paper = np.full(3, 255.0, dtype=np.float32)
        self._rect = None  # the image's extent
        self._n_train = self._n_val = 0
        self._note = ""  # the caption's notes: features held at their mean, points not drawn
        self.last_rgba: np.ndarray | None = None

    def set_context(self, config: Config, split: Split) -> None:
        ds = split.dataset
        self._rect = None  # new points, new grid
        f0, f1 = config.data.features
        k = ds.n_classes
        self._colours = np.array([QColor(style.colour(i)).getRgb()[:3] for i in range(k)], dtype=np.float32)
        self._paper = np.array(pg.mkColor(pg.getConfigOption("background")).getRgb()[:3], dtype=np.float32)
        # pyqtgraph's axis labels and legend entries are HTML: a CSV's names are escaped, shown as written
        scaled = " (standardised)" if config.data.standardize else ""
        self.plot.setLabel("bottom", escape(ds.feature_names[f0]) + scaled)
        self.plot.setLabel("left", escape(ds.feature_names[f1]) + scaled)
        self._n_train, self._n_val = len(split.y_train), len(split.y_val)
        self.train.set_points(split.X_train, split.y_train, (f0, f1), MAX_TRAIN_SHOWN)
        self.val.set_points(split.X_val, split.y_val, (f0, f1), MAX_VAL_SHOWN)
        notes = [" Other features are held at their mean."] if ds.n_features > 2 else []
        if self._n_train > MAX_TRAIN_SHOWN or self._n_val > MAX_VAL_SHOWN:
            notes.append(f" Drawn: a fixed sample of {len(self.train.index):,} of {self._n_train:,} training "
                         f"and {len(self.val.index):,} of {self._n_val:,} validation points.")
        self._note = "".join(notes)
        self.caption.setText(CAPTION + self._note)
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
        probability is not finite (an overflowing network), never the black of a NaN cast.

        Worked on the flat (cells, classes) array with a loop over the few classes instead
        of reductions over the short last axis, and in place: 0.6 ms instead of 1.7 ms for
        the 150 x 150 grid, every frame."""
        k = probs.shape[2]
        flat = probs.reshape(-1, k)
        top = flat[:, 0].astype(np.float32, copy=True)
        for c in range(1, k):
            np.maximum(top, flat[:, c], out=top)  # a row with a NaN gives NaN
        undefined = None if np.isfinite(top).all() else ~np.isfinite(top)
        if undefined is not None:
            flat = np.where(undefined[:, None], np.float32(1.0 / k), flat)
            top[undefined] = 1.0 / k
        blend = flat.astype(np.float32, copy=False) @ self._colours[:k]  # (cells, 3)
        confidence = top  # how sure, from 0 (all classes equal) to 0.75 (certain)
        confidence -= 1.0 / k
        confidence *= 0.75 / (1.0 - 1.0 / k)
        np.clip(confidence, 0.0, 0.75, out=confidence)
        blend -= self._paper
        blend *= confidence[:, None]
        blend += self._paper
        np.clip(blend, 0, 255, out=blend)
        out = np.empty((flat.shape[0], 4), dtype=np.ubyte)
        out[:, :3] = blend
        out[:, 3] = 255
        if undefined is not None:
            out[undefined, :3] = UNDEFINED
        return out.reshape(probs.shape[:2] + (4,))

    def update_snapshot(self, snap: Snapshot) -> None:
        grid = snap.boundary
        if grid is None:
            return
        self.last_rgba = self.rgba(grid.probs)
        self.image.setImage(self.last_rgba, autoLevels=False)
        self.caption.setText(caption_text(snap, not np.isfinite(grid.probs).all()) + self._note)
        dx = (grid.xs[-1] - grid.xs[0]) / (len(grid.xs) - 1)
        dy = (grid.ys[-1] - grid.ys[0]) / (len(grid.ys) - 1)
        rect = (grid.xs[0] - dx / 2, grid.ys[0] - dy / 2, dx * len(grid.xs), dy * len(grid.ys))
        if rect != self._rect:
            self._rect = rect
            self.image.setRect(QRectF(*rect))
        self.train.mark_mistakes(grid.train_pred, self._n_train)
        self.val.mark_mistakes(grid.val_pred, self._n_val)

    def marked(self) -> tuple[set[int], set[int]]:
        """The training and validation rows (of the split) drawn large as misclassified now."""
        return self.train.marked(), self.val.marked()

    def reset(self, keep_ghost: bool = True) -> None:
        if not keep_ghost:
            self.image.clear()
        elif self.last_rgba is not None:
            faded = self.last_rgba.copy()
            faded[:, :, 3] = 90
            self.image.setImage(faded, autoLevels=False)
        self.train.clear_mistakes()
        self.val.clear_mistakes()


def caption_text(snap: Snapshot, undefined: bool) -> str:
    """The caption: the markers' key, then what the map shows after divergence and
    what its grey means when part of it is undefined."""
    text = CAPTION
    if snap.status == "diverged" and snap.diverged_epoch:
        text += f" Diverged at epoch {snap.diverged_epoch}: the map shows the last finite weights (epoch {snap.epoch})."
    if undefined:
        text += " Grey: the network's output is not finite there."
    return text
