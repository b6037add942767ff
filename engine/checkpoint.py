"""Copies of the weights that a diverged run falls back to.

After each epoch the session saves the weights as a *candidate*; once they
give a finite loss they are *promoted* to the last good weights. A non-finite
loss brings back the last good ones. Saving copies in place: no allocation.
"""

from __future__ import annotations

from .network import Network

__all__ = ["Checkpoint", "Fallback"]


class Checkpoint:
    """A copy of every weight and bias, refreshed in place (no allocation, one
    slice assignment per array) and labelled with the epoch and step it is from."""

    __slots__ = ("weights", "_pairs", "epoch", "step")

    def __init__(self, network: Network):
        self.weights = network.get_weights()
        self._pairs = [(copy, param.value) for (W, b), layer in zip(self.weights, network.layers)
                       for copy, param in ((W, layer.W), (b, layer.b))]
        self.epoch = self.step = 0

    def save(self, epoch: int, step: int) -> None:
        for copy, value in self._pairs:
            copy[...] = value
        self.epoch, self.step = epoch, step


class Fallback:
    """The last weights known to give a finite loss (``good``), and the candidate that
    waits for that check (``candidate_open`` while it waits).

    Both start as the network's weights at construction (step 0, epoch 0).
    Promoting swaps the two checkpoints, so nothing is copied twice.
    """

    __slots__ = ("good", "_candidate", "candidate_open")

    def __init__(self, network: Network):
        self.good, self._candidate = Checkpoint(network), Checkpoint(network)
        self.candidate_open = False

    def save_candidate(self, epoch: int, step: int) -> None:
        """Copy the network's weights now; they become ``good`` at the next ``promote``."""
        self._candidate.save(epoch, step)
        self.candidate_open = True

    def promote(self) -> None:
        """The candidate gave a finite loss: it is now the weights to fall back to."""
        if self.candidate_open:
            self.good, self._candidate = self._candidate, self.good
            self.candidate_open = False

    def discard_candidate(self) -> None:
        """Forget the candidate (it gave a non-finite loss, or the run fell back)."""
        self.candidate_open = False
