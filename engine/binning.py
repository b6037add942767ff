"""Every layer's activation and gradient histogram of one pass, in about a dozen NumPy calls.

The epoch records (engine/history.py) keep these two histograms per layer at
epoch ends, so they must cost little next to the epoch itself: binned one
array at a time (``probes.sampled_histogram``) they take a dozen calls each,
which on a small network costs as much as its epoch. ``PassHistograms`` bins
the small arrays together, in one buffer, and the large ones each on its own
(one buffer of them would only add copies), with the session's own
``HistogramBins``: counts and edges are bit for bit those ``probes.layer_stats``
gives for the same pass, and the bins widen exactly as they would there.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING

import numpy as np

from .probes import DEFAULT_BINS, HISTOGRAM_VALUES, HistogramBins, sampled_histogram

if TYPE_CHECKING:
    from .network import Network

__all__ = ["PassHistograms"]

_OPEN = (-math.inf, math.inf)
_NEAR_EDGE = 1e-9  # within this share of the range of an open edge, the binner decides whether to widen
_SMALL = 8192  # arrays of at most this many values are binned together
_BIG = sys.float_info.max
_LANES = 4


class PassHistograms:
    """Bins the network's kept pass: per layer (hidden layers, then output) its
    activations (the output layer: its logits) and its weight gradients.

    ``bins`` is the session's dict of ``HistogramBins`` keyed as in
    ``probes.layer_stats``, shared with the snapshots: a histogram here and the
    snapshot's of the same pass are equal. What stays put from one call to the
    next (the binners, where each array sits in the buffer, each value's bin
    offset, the edges while the bins do not widen) is worked out once.
    """

    def __init__(self) -> None:
        self._binners: tuple | None = None  # (the bins dict, its binners in order)
        self._edges: tuple | None = None  # (edge arrays, (lo, scale) and (low, high) limits per histogram)
        self._layout: tuple | None = None  # (sizes, the small arrays' starts, their values' offsets)

    def _binners_for(self, network: Network, bins: dict) -> list[HistogramBins]:
        if self._binners is None or self._binners[0] is not bins or len(self._binners[1]) != 2 * len(network.layers):
            binners = []
            for layer in network.layers:
                f = layer.activation
                for kind, bounds in (("a", _OPEN if f is None else f.output_range), ("g", _OPEN)):
                    key = (layer.index, kind)
                    if key not in bins:  # made as probes.layer_stats makes it
                        bins[key] = HistogramBins(DEFAULT_BINS, bounds)
                    binners.append(bins[key])
            self._binners = (bins, binners)
        return self._binners[1]

    def __call__(self, network: Network, bins: dict,
                 grad_scale: float = 1.0) -> tuple[np.ndarray, list[np.ndarray]]:
        """(counts (2 x layers, bins) int64, the edges of each histogram), in the order
        layer 1 activations, layer 1 gradients, layer 2 activations, ..."""
        binners = self._binners_for(network, bins)
        zs, acts, values = network.zs, network.activations, []
        for i, layer in enumerate(network.layers):
            values.append(zs[i] if layer.activation is None else acts[i + 1])
            values.append(layer.W.grad * grad_scale if grad_scale != 1.0 else layer.W.grad)
        steps = [1 if v.size <= HISTOGRAM_VALUES else -(-v.size // HISTOGRAM_VALUES) for v in values]
        if max(steps) > 1:
            values = [v if s == 1 else v.reshape(-1)[::s] for v, s in zip(values, steps)]
        sizes = tuple(v.size for v in values)
        n_bins = binners[0].bins
        if min(sizes) == 0 or any(b.bins != n_bins for b in binners):
            return self._one_by_one(values, binners, steps)
        small = [h for h, n in enumerate(sizes) if n <= _SMALL]
        flat = np.concatenate([values[h] for h in small], axis=None) if small else None
        lows, highs = [0.0] * len(values), [0.0] * len(values)
        if small:
            if self._layout is None or self._layout[0] != sizes:
                starts = np.cumsum([0] + [sizes[h] for h in small[:-1]])
                offsets = np.repeat(np.arange(len(small), dtype=np.intp) * n_bins, [sizes[h] for h in small])
                # and a lane per value (position mod _LANES): runs of equal bins, as saturated or dead
                # units make, count into _LANES counters in turn instead of one (twice as fast)
                offsets += np.arange(len(offsets), dtype=np.intp) % _LANES * (len(small) * n_bins)
                self._layout = (sizes, starts, offsets)
                self._edges = None
            for h, lo, hi in zip(small, np.minimum.reduceat(flat, self._layout[1]).tolist(),
                                 np.maximum.reduceat(flat, self._layout[1]).tolist()):
                lows[h], highs[h] = lo, hi
        for h, n in enumerate(sizes):
            if n > _SMALL:
                lows[h], highs[h] = float(values[h].min()), float(values[h].max())
        if not self._fits(binners, lows, highs):
            if not all(math.isfinite(v) for v in lows + highs):
                return self._one_by_one(values, binners, steps)  # NaN or inf: the binner drops them
            for binner, vmin, vmax in zip(binners, lows, highs):
                binner(np.array([vmin, vmax]))  # first use: it chooses its edges; else it widens if it must
            self._remember_edges(binners)
        scales = self._edges[1]
        counts = np.zeros((len(values), n_bins), np.int64)
        if small:
            self._bin_small(flat, small, sizes, scales, n_bins, counts)
        for h, n in enumerate(sizes):
            if n > _SMALL:
                lo, scale = scales[h]
                # the binner's arithmetic: bin = floor((v - lo) * bins / (hi - lo)), clipped into the end bins
                pos = np.subtract(values[h], lo, dtype=np.float64).reshape(-1)
                pos *= scale
                np.clip(pos, 0, n_bins - 1, out=pos)
                counts[h] = np.bincount(pos.astype(np.intp), minlength=n_bins)
        for h, step in enumerate(steps):
            if step != 1:
                counts[h] *= step
        return counts, [b.edges for b in binners]

    def _fits(self, binners: list[HistogramBins], lows: list[float], highs: list[float]) -> bool:
        """True if every array lies inside its binner's edges, clear of any edge that could widen
        (and is finite): the binners would not change, and the cached scales hold."""
        edges = self._edges
        if edges is None or any(e is not b.edges for e, b in zip(edges[0], binners)):
            if any(b.edges is None for b in binners):
                return False
            self._remember_edges(binners)
            edges = self._edges
        return all(low >= a and high <= b for (a, b), low, high in zip(edges[2], lows, highs))

    def _remember_edges(self, binners: list[HistogramBins]) -> None:
        scales, limits = [], []
        for b in binners:
            lo, hi = float(b.edges[0]), float(b.edges[-1])
            near = _NEAR_EDGE * (hi - lo)
            lo_open, hi_open = (not math.isfinite(x) for x in b.bounds)
            scales.append((lo, b.bins / (hi - lo)))
            limits.append((lo + near if lo_open else -_BIG, hi - near if hi_open else _BIG))
        self._edges = ([b.edges for b in binners], scales, limits, None)

    def _bin_small(self, flat: np.ndarray, small: list[int], sizes: tuple, scales: list, n_bins: int,
                   counts: np.ndarray) -> None:
        """The small arrays' counts, from one buffer: each value's lower edge and scale are its
        histogram's (arrays of them kept while the edges stay), its bin offset by histogram."""
        cached = self._edges[3]
        if cached is None:
            per = [sizes[h] for h in small]
            cached = (np.repeat([scales[h][0] for h in small], per), np.repeat([scales[h][1] for h in small], per))
            self._edges = self._edges[:3] + (cached,)
        lo_each, scale_each = cached
        pos = np.subtract(flat, lo_each, dtype=np.float64)
        pos *= scale_each
        np.clip(pos, 0, n_bins - 1, out=pos)
        index = pos.astype(np.intp)
        index += self._layout[2]
        lanes = np.bincount(index, minlength=_LANES * len(small) * n_bins)
        counts[small] = lanes.reshape(_LANES, len(small), n_bins).sum(axis=0)

    @staticmethod
    def _one_by_one(values: list[np.ndarray], binners: list[HistogramBins],
                    steps: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
        """The plain way, one ``sampled_histogram`` per array (non-finite values, empty arrays)."""
        counts, edges = [], []
        for array, binner, step in zip(values, binners, steps):
            counts.append(sampled_histogram(binner, array).counts * step)  # (already sampled: one step here)
            edges.append(binner.edges)
        out = np.zeros((len(counts), max(len(c) for c in counts)), np.int64)
        for row, c in zip(out, counts):
            row[:len(c)] = c
        return out, edges
