"""The weights that a diverged run falls back to.

After each epoch the session saves the weights as a *candidate*; once they
give a finite loss they are *promoted* to the last good weights. A non-finite
loss brings back the last good ones.

Two ways of keeping them, chosen by the session's batch regime:

- mini-batches (the default): ``save_candidate`` copies the weights in place
  into one of two preallocated checkpoints (no allocation), once per epoch,
  which is a small share of an epoch of many steps;
- full batch (``follow(optimizer)``): every step is an epoch, so that copy
  would be one more pass over every weight per step. Instead the optimiser
  keeps two buffers of the weights and writes each step's new weights into the
  other one (``Optimizer.keep_previous``), and the candidate and the good
  weights are *references*: to whichever buffer is current when they are
  saved. The loop computes the loss of the current weights before each update,
  so a candidate is promoted (or the run ends) before the step that would
  overwrite the buffer the good weights are in: the good weights are always
  either the current buffer or the previous one, exactly the last finite state,
  at no cost per step. (Copying only every k steps would be as cheap but
  would fall back up to k epochs too far; a checked reference cannot go
  stale silently: it raises instead.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .network import Network

if TYPE_CHECKING:
    from .optimizers import Optimizer

__all__ = ["Checkpoint", "Fallback"]


class Checkpoint:
    """A copy of every weight and bias, refreshed in place (no allocation, one
    copy per array) and labelled with the epoch and step it is from."""

    __slots__ = ("weights", "_pairs", "epoch", "step")

    def __init__(self, network: Network):
        self.weights = network.get_weights()
        self._pairs = [(copy, param) for (W, b), layer in zip(self.weights, network.layers)
                       for copy, param in ((W, layer.W), (b, layer.b))]
        self.epoch = self.step = 0

    def save(self, epoch: int, step: int) -> None:
        for copy, param in self._pairs:  # param.value now: the optimiser may have swapped buffers
            np.copyto(copy, param.value)
        self.epoch, self.step = epoch, step


class _Reference:
    """The network's weights as they were when ``swaps`` optimiser steps had written into the
    other buffer: the current buffer while no step has been taken since, the previous one
    after one step, gone after two."""

    __slots__ = ("_network", "_optimizer", "swaps", "epoch", "step")

    def __init__(self, network: Network, optimizer: Optimizer):
        self._network, self._optimizer = network, optimizer
        self.swaps = self.epoch = self.step = 0

    @property
    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(W, b) per layer: views of the optimiser's buffers, not copies."""
        behind = self._optimizer.swaps - self.swaps
        if behind == 0:
            arrays = [p.value for p in self._network.parameters()]
        elif behind == 1:
            arrays = self._optimizer.previous()
        else:
            raise RuntimeError(f"the weights of step {self.step} were overwritten {behind - 1} step(s) ago: "
                               "a full-batch candidate must be promoted or discarded before the next update")
        return list(zip(arrays[0::2], arrays[1::2]))


class Fallback:
    """The last weights known to give a finite loss (``good``), and the candidate that
    waits for that check (``candidate_open`` while it waits).

    Both start as copies of the network's weights at construction (step 0, epoch 0).
    Promoting swaps the two, so nothing is copied twice. ``follow`` switches to
    references into the optimiser's two buffers (full batch; see the module docstring).
    """

    __slots__ = ("good", "_candidate", "candidate_open", "_refs")

    def __init__(self, network: Network):
        self.good, self._candidate = Checkpoint(network), Checkpoint(network)
        self.candidate_open = False
        self._refs: tuple[_Reference, _Reference] | None = None

    @property
    def follows(self) -> bool:
        """True once ``follow`` was called: candidates are references, not copies."""
        return self._refs is not None

    def follow(self, network: Network, optimizer: Optimizer) -> None:
        """From now on a candidate is the optimiser's current buffer, not a copy; the
        optimiser keeps the previous one (``keep_previous``, called here)."""
        if self._refs is None:
            optimizer.keep_previous()
            self._refs = (_Reference(network, optimizer), _Reference(network, optimizer))

    def save_candidate(self, epoch: int, step: int) -> None:
        """Keep the network's weights now; they become ``good`` at the next ``promote``."""
        refs = self._refs
        if refs is None:
            self._candidate.save(epoch, step)
        else:
            ref = refs[0] if refs[0] is not self.good else refs[1]
            ref.swaps, ref.epoch, ref.step = ref._optimizer.swaps, epoch, step
            self._candidate = ref
        self.candidate_open = True

    def promote(self) -> None:
        """The candidate gave a finite loss: it is now the weights to fall back to."""
        if self.candidate_open:
            self.good, self._candidate = self._candidate, self.good
            self.candidate_open = False

    def discard_candidate(self) -> None:
        """Forget the candidate (it gave a non-finite loss, or the run fell back)."""
        self.candidate_open = False
