"""Per-epoch training curves, kept in append-only arrays that grow by doubling.

The session appends one entry per epoch (a few element writes); ``freeze``
hands a snapshot read-only views of the filled part. An entry, once written, is
never written again (growing allocates new arrays and leaves the old ones to the
views that still hold them), so a frozen view never changes, and a snapshot
costs the same at epoch 10 and at epoch 100,000: nothing is copied.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .snapshot import History

__all__ = ["HistoryBuffer"]


class HistoryBuffer:
    """Per-epoch curves in arrays that grow by doubling; ``freeze`` views the filled part.

    Scalars per epoch: train and validation loss and accuracy. Per layer and
    epoch (``curves``, in this order): mean |dL/dW|, activation spread,
    saturated fraction, dead fraction.
    """

    SCALARS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
    LAYERED = ("grad_mean_abs", "activation_std", "saturated_fraction", "dead_fraction")

    def __init__(self, n_layers: int, capacity: int = 256):
        self.n_layers = n_layers
        self.size = 0
        self.epochs = np.zeros(capacity, dtype=np.int64)
        self.scalars = np.zeros((len(self.SCALARS), capacity))
        self.layered = np.zeros((len(self.LAYERED), capacity, n_layers))

    def append(self, epoch: int, scalars: tuple[float, float, float, float],
               curves: Sequence[Sequence[float]]) -> None:
        """Add epoch ``epoch``: its four scalars and its four per-layer curves (each n_layers long)."""
        i = self.size
        if i == len(self.epochs):
            grow = len(self.epochs)
            self.epochs = np.concatenate((self.epochs, np.zeros(grow, dtype=np.int64)))
            self.scalars = np.concatenate((self.scalars, np.zeros((len(self.SCALARS), grow))), axis=1)
            self.layered = np.concatenate(
                (self.layered, np.zeros((len(self.LAYERED), grow, self.n_layers))), axis=1)
        self.epochs[i] = epoch
        self.scalars[:, i] = scalars
        self.layered[:, i, :] = curves
        self.size = i + 1

    def last(self) -> tuple[float, float, float, float]:
        """(train loss, val loss, train accuracy, val accuracy) of the last entry."""
        return tuple(float(v) for v in self.scalars[:, self.size - 1])

    def freeze(self) -> History:
        """Read-only views of the entries so far; later appends never change them."""
        n = self.size
        parts = (self.epochs[:n], *self.scalars[:, :n], *self.layered[:, :n, :])
        return History(*(_read_only(a) for a in parts))


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view
