"""Per-epoch training curves and epoch-end records, kept in append-only arrays that grow by doubling.

The session appends one entry per epoch (a few element writes); ``freeze``
hands a snapshot read-only views of the filled part. An entry, once written, is
never written again (growing allocates new arrays and leaves the old ones to the
views that still hold them), so a frozen view never changes, and a snapshot
costs the same at epoch 10 and at epoch 100,000: nothing is copied.

Besides the curves, two records of the network's state at epoch ends, from
epoch 0 (the initial weights) on: every layer's activation and gradient
histograms, and, for networks of at most ``MAX_PARAMETERS`` weights and biases,
every parameter's value. Their memory is bounded by thinning (``Thinning``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .snapshot import History

__all__ = ["HistoryBuffer", "HistogramRecords", "ParameterRecords", "Thinning", "MAX_PARAMETERS",
           "RECORDS_PER_STRIDE"]

#: networks with more parameters than this record none of them (the per-parameter view would be unreadable)
MAX_PARAMETERS = 100
#: a record keeps every epoch until it holds this many, then every 2nd epoch for as many more, then every 4th...
RECORDS_PER_STRIDE = 2000


class HistoryBuffer:
    """Per-epoch curves in arrays that grow by doubling; ``freeze`` views the filled part.

    Scalars per epoch: train and validation loss and accuracy. Per layer and
    epoch (``curves``, in this order): mean |dL/dW|, activation spread,
    saturated fraction, dead fraction. ``histograms`` and ``parameters``
    (None for a network of more than MAX_PARAMETERS) are the epoch-end records;
    ``parameter_shapes`` is each layer's (fan_in, fan_out).
    """

    SCALARS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
    LAYERED = ("grad_mean_abs", "activation_std", "saturated_fraction", "dead_fraction")

    def __init__(self, n_layers: int, capacity: int = 256,
                 parameter_shapes: Sequence[tuple[int, int]] = ()):
        self.n_layers = n_layers
        self.size = 0
        self.epochs = np.zeros(capacity, dtype=np.int64)
        self.scalars = np.zeros((len(self.SCALARS), capacity))
        self.layered = np.zeros((len(self.LAYERED), capacity, n_layers))
        self.parameter_shapes = tuple((int(i), int(o)) for i, o in parameter_shapes)
        n_parameters = sum(i * o + o for i, o in self.parameter_shapes)
        self.histograms = HistogramRecords(n_layers)
        self.parameters = ParameterRecords(n_parameters) if 0 < n_parameters <= MAX_PARAMETERS else None

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
        hist, params = self.histograms, self.parameters
        counts, edge_index, edges = hist.views()
        return History(*(_read_only(a) for a in parts),
                       histogram_epochs=hist.epochs.view(), histogram_counts=counts,
                       histogram_edge_index=edge_index, histogram_edges=edges,
                       parameter_epochs=params.epochs.view() if params else _EMPTY_EPOCHS,
                       parameters=params.values.view() if params else _EMPTY_PARAMETERS,
                       parameter_shapes=self.parameter_shapes)


class Thinning:
    """Which epochs an append-only record keeps, so that its memory grows with the log of the run.

    Every epoch until the record holds RECORDS_PER_STRIDE entries, then every
    2nd epoch (multiples of 2) for as many entries, then every 4th, ... Nothing
    already recorded is ever dropped or moved: the record only skips epochs.
    A run of E epochs keeps about RECORDS_PER_STRIDE * log2(E / RECORDS_PER_STRIDE + 1)
    entries: 2,000 for 2,000 epochs, 12,000 for 126,000, 18,000 for a million.
    """

    def __init__(self, per_stride: int = RECORDS_PER_STRIDE):
        self.per_stride = int(per_stride)
        self.last = -1  # the last epoch recorded

    def wants(self, epoch: int, recorded: int) -> bool:
        """True if epoch ``epoch`` should be recorded, ``recorded`` entries being there already."""
        if epoch <= self.last:
            return False
        stride = 1 << min(recorded // self.per_stride, 62)
        return epoch % stride == 0


class _Rows:
    """Rows of one shape in an array that grows by doubling (the old array is left to its views)."""

    def __init__(self, shape: tuple[int, ...], dtype: type, capacity: int = 64):
        self.data = np.zeros((capacity, *shape), dtype)
        self.size = 0

    def next(self) -> np.ndarray:
        """The array whose row ``size`` is to be filled before ``commit`` (grown if full)."""
        if self.size == len(self.data):
            self.data = np.concatenate((self.data, np.zeros_like(self.data)))
        return self.data

    def commit(self) -> None:
        self.size += 1

    def view(self) -> np.ndarray:
        return _read_only(self.data[:self.size])


class ParameterRecords:
    """Every weight and bias at recorded epoch ends: ``values`` (K, P), ``epochs`` (K,).

    Columns in the network's storage order: every W, layer by layer, each row
    by row (input i, unit j), then every b, layer by layer
    (``History.parameter_names`` names them, ``parameter_columns`` finds them).
    """

    def __init__(self, n_parameters: int, per_stride: int = RECORDS_PER_STRIDE):
        self.epochs = _Rows((), np.int64)
        self.values = _Rows((n_parameters,), np.float64)
        self.thinning = Thinning(per_stride)

    def wants(self, epoch: int) -> bool:
        return self.thinning.wants(epoch, self.epochs.size)

    def append(self, epoch: int, arrays: Sequence[np.ndarray]) -> None:
        """Record ``arrays`` (W1, ..., WL, b1, ..., bL, or the one vector that holds them in that
        order) as epoch ``epoch``'s: one copy, into the next row."""
        values, epochs = self.values, self.epochs
        row = values.next()[values.size]
        if len(arrays) == 1:
            np.copyto(row, arrays[0])
        else:
            np.concatenate(arrays, axis=None, out=row)
        epochs.next()[epochs.size] = epoch
        values.size += 1
        epochs.size += 1
        self.thinning.last = epoch


class HistogramRecords:
    """Each layer's activation and gradient histogram at recorded epoch ends.

    ``counts`` (K, layers, 2, bins): [..., 0, :] activations (the output layer:
    its logits), [..., 1, :] weight gradients. The bin edges change only when a
    session's bins widen, so they are kept once each: ``edges`` (M, bins + 1)
    holds every distinct set, and ``edge_index`` (K, layers, 2) says which set
    each histogram uses. Counts are int32 until one passes 2**31 - 1.
    """

    def __init__(self, n_layers: int, per_stride: int = RECORDS_PER_STRIDE):
        self.n_layers = n_layers
        self.epochs = _Rows((), np.int64)
        self.counts: _Rows | None = None  # allocated by the first record, which says how many bins
        self.edge_index: _Rows | None = None
        self.edges: _Rows | None = None
        self.thinning = Thinning(per_stride)
        self._last_edges: list = [None] * (2 * n_layers)  # the edge arrays last seen, by identity
        self._last_index = np.zeros((n_layers, 2), np.int32)

    def wants(self, epoch: int) -> bool:
        return self.thinning.wants(epoch, self.epochs.size)

    def append(self, epoch: int, counts: np.ndarray, edges: Sequence[np.ndarray]) -> None:
        """Record epoch ``epoch``: ``counts`` (2 x layers, bins) and each histogram's edges, in the
        order layer 1 activations, layer 1 gradients, layer 2 activations, ..."""
        L, bins = self.n_layers, counts.shape[1]
        if self.counts is None:
            # a histogram's total is its array's size, the same at every epoch: int32 holds it but for
            # arrays of over a billion values
            small = counts.size == 0 or int(counts.sum(axis=1).max()) < 2**30
            self.counts = _Rows((L, 2, bins), np.int32 if small else np.int64)
            self.edge_index = _Rows((L, 2), np.int32)
            self.edges = _Rows((bins + 1,), np.float64)
        flat_index = self._last_index.reshape(-1)
        for h, e in enumerate(edges):
            if e is self._last_edges[h]:
                continue
            self._last_edges[h] = e
            table = self.edges
            if not (table.size and np.array_equal(table.data[flat_index[h]], e)):  # widened (or first)
                table.next()[table.size] = e
                table.commit()
                flat_index[h] = table.size - 1
        k = self.epochs.size
        self.counts.next()[k] = counts.reshape(L, 2, bins)
        self.edge_index.next()[k] = self._last_index
        self.epochs.next()[k] = epoch
        for rows in (self.counts, self.edge_index, self.epochs):
            rows.commit()
        self.thinning.last = epoch

    def views(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(counts, edge_index, edges) so far, read-only (empty arrays before the first record)."""
        if self.counts is None:
            return _EMPTY_COUNTS, _EMPTY_INDEX, _EMPTY_EDGES
        return self.counts.view(), self.edge_index.view(), self.edges.view()


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


_EMPTY_EPOCHS = _read_only(np.zeros(0, np.int64))
_EMPTY_PARAMETERS = _read_only(np.zeros((0, 0)))
_EMPTY_COUNTS = _read_only(np.zeros((0, 0, 2, 0), np.int32))
_EMPTY_INDEX = _read_only(np.zeros((0, 0, 2), np.int32))
_EMPTY_EDGES = _read_only(np.zeros((0, 0)))
