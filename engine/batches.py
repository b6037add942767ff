"""Which training rows each optimiser step sees, and the fixed samples the metrics use.

``Batcher`` draws the batches of an epoch (shuffled anew each epoch, with
replacement, or the whole set); ``spread_rows`` picks the evenly spread rows
that snapshots and epoch metrics are computed on when the set is large.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Batcher", "spread_rows"]


def spread_rows(n: int, limit: int) -> np.ndarray:
    """All n row indices, or ``limit`` of them spread evenly from the first to the last."""
    if n <= limit:
        return np.arange(n)
    return np.linspace(0, n - 1, limit).round().astype(np.intp)


class Batcher:
    """The batches of an epoch over the training arrays ``X`` (inputs) and ``T`` (targets).

    Shuffled (the default): an epoch is one pass over the set, in a new order
    each epoch, in batches of ``batch_size`` (the last one smaller).
    ``with_replacement``: every batch is ``batch_size`` rows drawn with
    replacement (it may exceed the set) and an epoch is ceil(n / batch_size)
    such batches. Full batch (``full_batch``, or a batch as large as the set):
    the whole set, in order, for every step.

    ``draw(pos)`` gives the (X, T) of step ``pos`` of the current epoch; the
    steps of an epoch must be drawn in order, starting at 0. It is the one
    call per step the training loop pays (bound to the regime's own method
    once, so it does not branch), and it returns views except when it draws
    with replacement. Randomness: ``reset(seed)`` restarts the order from an
    independent stream spawned from ``seed`` (not the weights' own stream).
    """

    def __init__(self, X: np.ndarray, T: np.ndarray, batch_size: int | None, full_batch: bool,
                 with_replacement: bool, seed: int):
        n = len(X)
        self.with_replacement = bool(with_replacement) and not full_batch
        if full_batch:
            self.batch_size = n
        elif self.with_replacement:
            self.batch_size = batch_size
        else:
            self.batch_size = min(batch_size, n)
        self.full_batch = self.batch_size == n and not self.with_replacement
        self.steps_per_epoch = math.ceil(n / self.batch_size)
        self._X, self._T, self._n = X, T, n
        self._whole = (X, T)
        if self.full_batch:
            self.draw = self._draw_whole
        elif self.with_replacement:
            self.draw = self._draw_replaced
        else:
            self.draw = self._draw_shuffled
        self.reset(seed)

    def reset(self, seed: int) -> None:
        """Start again from the first epoch's order, drawn from ``seed``."""
        self._rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
        self._Xs, self._Ts = self._X, self._T  # this epoch's shuffled order

    def _draw_whole(self, pos: int) -> tuple[np.ndarray, np.ndarray]:
        return self._whole

    def _draw_replaced(self, pos: int) -> tuple[np.ndarray, np.ndarray]:
        idx = self._rng.integers(0, self._n, self.batch_size)
        return self._X[idx], self._T[idx]

    def _draw_shuffled(self, pos: int) -> tuple[np.ndarray, np.ndarray]:
        if pos == 0:
            order = self._rng.permutation(self._n)
            self._Xs, self._Ts = self._X[order], self._T[order]
        start = pos * self.batch_size
        stop = start + self.batch_size
        return self._Xs[start:stop], self._Ts[start:stop]
