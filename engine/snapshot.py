"""Snapshots: frozen, self-contained pictures of a training session at one step.

This is the only thing that crosses from the training thread to the window.
Every array in a snapshot is a copy the session will never touch again, so a
plot may keep it as long as it likes while training goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Histogram", "LayerStats", "Alert", "BoundaryGrid", "History", "Snapshot", "STATUSES"]

#: running: training; paused: waiting for resume/step; completed: reached the
#: epoch limit; diverged: a loss or weight became non-finite; stopped: by the user.
STATUSES = ("running", "paused", "completed", "diverged", "stopped")


@dataclass(frozen=True)
class Histogram:
    """Counts of values in bins. ``edges`` stay the same from snapshot to
    snapshot of one session (they only widen, by doubling, when values leave
    them), so a plot can update its bars in place."""

    edges: np.ndarray  # (bins + 1,)
    counts: np.ndarray  # (bins,) int64; values outside the edges fall in the end bins

    @property
    def centers(self) -> np.ndarray:
        return 0.5 * (self.edges[:-1] + self.edges[1:])


@dataclass(frozen=True)
class LayerStats:
    """Diagnostics of one layer (hidden layers 1..L-1, then the output layer).

    Fractions are in [0, 1]; NaN where the notion does not apply (saturation
    for activations that do not saturate, death for non-rectifiers).
    """

    index: int  # 1-based, as shown to students
    name: str  # "Layer 1", ..., "Output"
    activation: str  # activation name; the head's name for the output layer
    width: int
    is_output: bool
    activations: Histogram  # a = f(z) (the output layer: its logits)
    preactivations: Histogram  # z
    gradients: Histogram  # dL/dW entries
    grad_mean_abs: float  # mean |dL/dW| over weights, biases excluded, before the update
    activation_std: float
    saturated_fraction: float  # of (unit, sample) pairs with f'(z) < 0.01 max f'
    dead_fraction: float  # of units with z <= 0 on every sample
    dead_units: int
    update_ratio: float  # ||dW_step|| / ||W|| of the last update
    symmetry: float  # largest |difference| between the incoming weight vectors of two units
    identical: bool  # every unit's incoming weights and bias equal (the units compute the same function)
    #: every unit's outgoing weights equal too (rows of the next layer's W): with ``identical``,
    #: the units get identical updates and stay identical; without it they can still drift apart
    outgoing_identical: bool = False


@dataclass(frozen=True)
class Alert:
    """A plain-language diagnosis in three parts: the symptom with its number (``text``,
    e.g. "Layer 2: 58% of sigmoid units saturated ..."), the likely cause given the
    configuration (``cause``) and one thing to try (``advice``). ``sentence`` joins them
    as "symptom — likely cause: … — try: …". The diverged alert carries the whole
    sentence in ``text`` (it is also the run's message) and leaves the other two empty.

    ``kind`` is one of: saturated, dead, symmetry, vanishing, exploding, zero_gradient,
    overfitting, diverged. ``layer`` is the 1-based layer index, or 0 for the whole network.
    """

    kind: str
    layer: int
    value: float
    text: str
    severity: str = "warning"  # "info", "warning" or "error"
    cause: str = ""
    advice: str = ""

    @property
    def sentence(self) -> str:
        """Plain text: symptom — likely cause: … — try: … (empty parts left out)."""
        parts = [self.text]
        if self.cause:
            parts.append(f"likely cause: {self.cause}")
        if self.advice:
            parts.append(f"try: {self.advice}")
        return " — ".join(parts)


@dataclass(frozen=True)
class BoundaryGrid:
    """Class probabilities over a grid in the plane of two features.

    ``probs[i, j, k]`` is P(class k) at (xs[j], ys[i]) (row = y); the other
    features sit at their mean. Coordinates are those the network sees
    (standardised when the data config standardises).
    """

    xs: np.ndarray  # (res,)
    ys: np.ndarray  # (res,)
    probs: np.ndarray  # (res, res, n_classes) float32
    features: tuple[int, int]
    #: predicted labels of the training / validation points (to mark mistakes)
    train_pred: np.ndarray | None = None
    val_pred: np.ndarray | None = None


def _empty(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return np.zeros(shape, dtype)


@dataclass(frozen=True)
class History:
    """Per-epoch curves so far (one entry per completed epoch), and the epoch-end records.

    The records (engine/history.py) describe the state at the end of recorded
    epochs, from epoch 0 (the initial weights) on, thinned in long runs (every
    epoch up to 2,000 records, then every 2nd, 4th, ...; histograms also skip
    epochs when recording them would cost more than a small share of training):
    per layer the activation and gradient histograms (``histograms_at``) and,
    for networks of at most 100 weights and biases, every parameter's value.
    """

    epochs: np.ndarray  # (E,) int
    train_loss: np.ndarray
    val_loss: np.ndarray  # NaN when there is no validation set
    train_accuracy: np.ndarray
    val_accuracy: np.ndarray
    #: per-layer curves, shape (E, n_layers): the gradient-flow plot's lines
    grad_mean_abs: np.ndarray
    activation_std: np.ndarray
    saturated_fraction: np.ndarray
    dead_fraction: np.ndarray
    #: the recorded epochs of the histograms, (K,)
    histogram_epochs: np.ndarray = field(default_factory=lambda: _empty(0, dtype=np.int64))
    #: (K, layers, 2, bins): [..., 0, :] the activations (output layer: logits), [..., 1, :] dL/dW
    histogram_counts: np.ndarray = field(default_factory=lambda: _empty(0, 0, 2, 0, dtype=np.int32))
    #: (K, layers, 2): the row of ``histogram_edges`` each histogram's bins are
    histogram_edge_index: np.ndarray = field(default_factory=lambda: _empty(0, 0, 2, dtype=np.int32))
    histogram_edges: np.ndarray = field(default_factory=lambda: _empty(0, 0))  # (M, bins + 1)
    #: the recorded epochs of the parameters, (K2,); empty for a network of over 100 parameters
    parameter_epochs: np.ndarray = field(default_factory=lambda: _empty(0, dtype=np.int64))
    #: (K2, P): columns W1 row by row (input i, unit j), W2, ..., then b1, b2, ... (``parameter_names``)
    parameters: np.ndarray = field(default_factory=lambda: _empty(0, 0))
    #: (fan_in, fan_out) of each layer, hidden layers then output
    parameter_shapes: tuple[tuple[int, int], ...] = ()

    def histograms_at(self, epoch: int) -> tuple[int, tuple[tuple[Histogram, Histogram], ...]] | None:
        """The record nearest to ``epoch`` from below: (its epoch, per layer (activations,
        gradients)), layers in LayerStats order; None when nothing is recorded by then."""
        k = int(np.searchsorted(self.histogram_epochs, epoch, side="right")) - 1
        if k < 0:
            return None
        counts, index, edges = self.histogram_counts[k], self.histogram_edge_index[k], self.histogram_edges
        layers = tuple(tuple(Histogram(edges[index[layer, j]], counts[layer, j].astype(np.int64))
                             for j in (0, 1)) for layer in range(len(counts)))
        return int(self.histogram_epochs[k]), layers

    @property
    def parameter_count(self) -> int:
        """Weights and biases of the network (recorded or not)."""
        return sum(i * o + o for i, o in self.parameter_shapes)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The name of each column of ``parameters``, 1-based as shown to students:
        "W1[1,2]" is layer 1's weight from input 1 to unit 2, "b1[2]" unit 2's bias."""
        if not len(self.parameter_epochs):
            return ()
        shapes = tuple(enumerate(self.parameter_shapes, start=1))
        weights = [f"W{n}[{i},{j}]" for n, (fan_in, fan_out) in shapes
                   for i in range(1, fan_in + 1) for j in range(1, fan_out + 1)]
        return tuple(weights + [f"b{n}[{j}]" for n, (_, fan_out) in shapes for j in range(1, fan_out + 1)])

    def parameter_columns(self, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """Columns of ``parameters`` holding layer ``layer``'s (1-based) W, as a (fan_in, fan_out)
        array of column numbers, and its b, (fan_out,)."""
        shapes = self.parameter_shapes
        if not 1 <= layer <= len(shapes):
            raise ValueError(f"layer must be 1..{len(shapes)}, got {layer}")
        w_start = sum(i * o for i, o in shapes[:layer - 1])
        b_start = sum(i * o for i, o in shapes) + sum(o for _, o in shapes[:layer - 1])
        fan_in, fan_out = shapes[layer - 1]
        return (np.arange(w_start, w_start + fan_in * fan_out).reshape(fan_in, fan_out),
                np.arange(b_start, b_start + fan_out))


@dataclass(frozen=True)
class Snapshot:
    step: int  # optimiser steps taken
    epoch: int  # completed epochs
    status: str  # one of STATUSES
    lr: float
    train_loss: float
    val_loss: float
    train_accuracy: float
    val_accuracy: float
    history: History
    layers: tuple[LayerStats, ...] = ()  # empty when diagnostics were not asked for
    alerts: tuple[Alert, ...] = ()
    boundary: BoundaryGrid | None = None
    steps_per_second: float = 0.0
    message: str = ""  # e.g. why the run ended
    extra: dict = field(default_factory=dict)
    #: status "diverged": the epoch whose updates made the loss non-finite (``epoch`` is then
    #: the last finite state's, which the snapshot describes); 0 otherwise
    diverged_epoch: int = 0
