"""Drawing a long, growing curve at a cost that does not grow with it.

A run's history only grows (engine/history.py appends and never rewrites), and
a plot a few hundred pixels wide cannot show more than a few thousand points.
``PeakDecimator`` keeps, for an append-only series, the lowest and the highest
value of each bin of ``size`` consecutive points (spikes stay visible, as in
pyqtgraph's "peak" downsampling), and updates them with only the points added
since the last frame. When the bins pass ``max_bins`` they are merged in pairs
(``size`` doubles). So a frame costs O(new points + bins) however long the run
has been going: at 350,000 epochs the loss and gradient views no longer redo
pyqtgraph's O(n) downsampling four to six times a frame.

``positive=True`` treats values <= 0 as missing (for a log axis: a dead layer's
zero gradient cannot be drawn); missing values become gaps (draw with
``connect="finite"``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["PeakDecimator", "MAX_BINS"]

MAX_BINS = 1024  # about the widest plot's pixels; twice as many points are drawn


class PeakDecimator:
    """Min/max per bin of an append-only series (see the module docstring)."""

    def __init__(self, max_bins: int = MAX_BINS, positive: bool = False):
        self.max_bins = int(max_bins)
        self.positive = positive
        self.reset()

    def reset(self) -> None:
        self.size = 0  # points per bin; 0: not decimating
        self.done = 0  # points folded into complete bins
        self.first_x: float | None = None
        self.bx = np.zeros(0)
        self.lo = np.zeros(0)
        self.hi = np.zeros(0)
        self._short: np.ndarray | None = None  # a short series, cleaned by the last call

    def _clean(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if self.positive:
            with np.errstate(invalid="ignore"):
                y = np.where(y > 0, y, np.nan)
        return np.where(np.isfinite(y), y, np.nan)

    def _fold(self, x: np.ndarray, y: np.ndarray, start: int, stop: int) -> None:
        """Append the bins of points [start, stop) (a whole number of bins)."""
        if stop <= start:
            return
        block = self._clean(y[start:stop]).reshape(-1, self.size)
        with np.errstate(invalid="ignore"):
            lo, hi = np.fmin.reduce(block, axis=1), np.fmax.reduce(block, axis=1)
        self.bx = np.concatenate([self.bx, np.asarray(x[start:stop:self.size], dtype=float)])
        self.lo = np.concatenate([self.lo, lo])
        self.hi = np.concatenate([self.hi, hi])
        self.done = stop

    def _merge(self) -> None:
        """Halve the number of bins: each pair becomes one bin of twice the size."""
        k = len(self.lo) // 2 * 2
        if k < len(self.lo):  # an odd bin out goes back to the tail
            self.done -= self.size
        self.lo = np.fmin(self.lo[0:k:2], self.lo[1:k:2])
        self.hi = np.fmax(self.hi[0:k:2], self.hi[1:k:2])
        self.bx = self.bx[0:k:2]
        self.size *= 2

    def __call__(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The points to draw for the whole series (x, y) so far."""
        n = len(y)
        if n <= 2 * self.max_bins:
            self.reset()
            self._short = self._clean(y)  # kept for value_range: the same frame asks for it
            return np.asarray(x, dtype=float), self._short
        if self.size == 0 or n < self.done or float(x[0]) != self.first_x:  # new or restarted series
            self.reset()
            self.first_x = float(x[0])
            size = 1
            while n / size > self.max_bins:
                size *= 2
            self.size = size
            self._fold(x, y, 0, n // size * size)
        else:
            self._fold(x, y, self.done, self.done + (n - self.done) // self.size * self.size)
        while len(self.lo) > self.max_bins:
            self._merge()
            self._fold(x, y, self.done, self.done + (n - self.done) // self.size * self.size)
        tail_x = np.asarray(x[self.done:], dtype=float)
        tail_y = self._clean(y[self.done:])
        out_x = np.concatenate([np.repeat(self.bx, 2), tail_x])
        out_y = np.concatenate([np.column_stack([self.lo, self.hi]).reshape(-1), tail_y])
        return out_x, out_y

    def value_range(self, y: np.ndarray) -> tuple[float, float] | None:
        """The lowest and highest drawable value of the series (after a call for the same y)."""
        if self.size == 0:
            short = self._short
            clean = short if short is not None and len(short) == len(y) else self._clean(y)
        else:
            clean = np.concatenate([self.lo, self.hi, self._clean(y[self.done:])])
        finite = clean[np.isfinite(clean)]
        return (float(finite.min()), float(finite.max())) if finite.size else None
