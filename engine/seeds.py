"""One configuration over many seeds: per-epoch bands (min, max, mean) and the spread of the final accuracy.

A single run shows one draw of the initial weights and of the batch order; the
same configuration trained from other ``train.seed`` values shows how much of
what we see is luck. ``band(results)`` lines the runs up by epoch, and
``Band.spread()`` gives "87.3 % ± 2.1 (83.0–90.5) over 10 seeds".

Runs of different lengths: a diverged run ends early, on its last finite epoch.
At each epoch the band covers the runs that reached that epoch with a finite
value (``Stat.count`` says how many), so after a divergence the band shows the
runs still going; ``Band.diverged`` lists the seeds that diverged, and the
spread of the final accuracy is taken over the runs that did not diverge (a
diverged run has no end-of-training accuracy), with their number said beside it.

The spread's sd is the *sample* standard deviation (ddof=1): the seeds run are
a sample of all the seeds one could run, and the sample sd estimates how far
the next seed's accuracy may fall from the mean.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .snapshot import Snapshot

__all__ = ["CURVES", "SD_DDOF", "SeedResult", "Stat", "Spread", "Band", "band", "spread_of"]

#: the per-epoch curves a band is computed for (the History's field names)
CURVES = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
#: the standard deviation's delta degrees of freedom: 1, the sample sd (see the module docstring)
SD_DDOF = 1
_METRIC_NAMES = {"val_accuracy": "validation accuracy", "train_accuracy": "training accuracy"}


@dataclass(frozen=True)
class SeedResult:
    """One seed's run: how it ended, its per-epoch curves and its final numbers (plain data)."""

    seed: int
    status: str  # completed, diverged or stopped
    epochs: np.ndarray  # (E,) the epochs its curves cover, 1..E
    curves: Mapping[str, np.ndarray]  # name in CURVES -> (E,) values
    final: Mapping[str, float]  # name in CURVES -> the value at the end of the run

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"

    @classmethod
    def from_row(cls, seed: int, row: Mapping) -> SeedResult:
        """From a ``sweep.run_one(config, curves=True)`` row."""
        h = row["history"]
        return cls(int(seed), str(row["stopped_reason"]), np.asarray(h["epochs"], dtype=np.int64),
                   {name: np.asarray(h[name], dtype=float) for name in CURVES},
                   {name: float(row[name]) for name in CURVES})

    @classmethod
    def from_snapshot(cls, seed: int, snap: Snapshot) -> SeedResult:
        """From a session's final snapshot (e.g. ``runner.run_to_end``)."""
        h = snap.history
        return cls(int(seed), snap.status, np.asarray(h.epochs, dtype=np.int64),
                   {name: np.asarray(getattr(h, name), dtype=float) for name in CURVES},
                   {name: float(getattr(snap, name)) for name in CURVES})


@dataclass(frozen=True)
class Stat:
    """One curve's band: per epoch the min, max and mean over the runs with a finite value there
    (NaN where no run has one), and that number of runs."""

    min: np.ndarray
    max: np.ndarray
    mean: np.ndarray
    count: np.ndarray  # int, per epoch


@dataclass(frozen=True)
class Spread:
    """The final value of one metric over the runs that did not diverge (fractions, not percent)."""

    metric: str  # "val_accuracy" or "train_accuracy"
    values: tuple[float, ...]  # the finite final values, in seed order
    diverged: int  # runs left out because they diverged
    runs: int  # all runs

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values)) if self.values else math.nan

    @property
    def sd(self) -> float:
        """The sample standard deviation (ddof=1); NaN with fewer than two values."""
        return float(np.std(self.values, ddof=SD_DDOF)) if self.n > SD_DDOF else math.nan

    @property
    def name(self) -> str:
        return _METRIC_NAMES.get(self.metric, self.metric)

    def numbers(self) -> str:
        """'87.3 % ± 2.1 (83.0–90.5)': mean ± sd (min–max), in percent with one decimal;
        '87.3 %' for a single run, '—' for none."""
        if not self.values:
            return "—"
        mean = f"{100 * self.mean:.1f} %"
        if self.n == 1:
            return mean
        return f"{mean} ± {100 * self.sd:.1f} ({100 * min(self.values):.1f}–{100 * max(self.values):.1f})"

    def diverged_text(self) -> str:
        return f"{self.diverged} of {self.runs} diverged" if self.diverged else ""

    def text(self) -> str:
        """'87.3 % ± 2.1 (83.0–90.5) over 10 seeds', with '(2 of 10 diverged)' when some did."""
        if not self.values:
            return f"all {self.runs} seeds diverged" if self.runs and self.diverged == self.runs else "no final value"
        text = f"{self.numbers()} over {self.n} seed{'' if self.n == 1 else 's'}"
        return f"{text} ({self.diverged_text()})" if self.diverged else text

    def status_text(self) -> str:
        """'Validation accuracy over 10 seeds: 87.3 % ± 2.1 (83.0–90.5)' (the status bar's line)."""
        if not self.values:
            return f"{self.name.capitalize()}: {self.text()}"
        head = f"{self.name.capitalize()} over {self.n} seed{'' if self.n == 1 else 's'}: {self.numbers()}"
        return f"{head}; {self.diverged_text()}" if self.diverged else head


@dataclass(frozen=True)
class Band:
    """Every run of one configuration lined up by epoch: ``stats[name]`` per curve in CURVES."""

    epochs: np.ndarray  # every epoch some run reached, ascending
    stats: Mapping[str, Stat]
    results: tuple[SeedResult, ...]  # in seed order

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(r.seed for r in self.results)

    @property
    def diverged(self) -> tuple[int, ...]:
        """The seeds whose run diverged (their curves end at their last finite epoch)."""
        return tuple(r.seed for r in self.results if r.diverged)

    @property
    def runs(self) -> int:
        return len(self.results)

    def full_until(self) -> int:
        """The last epoch every run reached (0: none); after it the band covers fewer runs."""
        ends = [int(r.epochs[-1]) if len(r.epochs) else 0 for r in self.results]
        return min(ends) if ends else 0

    def identical(self) -> bool:
        """True when every seed gave the very same curves (e.g. zero initial weights trained on
        full batches: the seed has nothing to change), so the band has no width."""
        if self.runs < 2:
            return False
        for st in self.stats.values():
            has = st.count > 0
            if not np.array_equal(st.min[has], st.max[has]):
                return False
        return True

    def metric(self) -> str:
        """The accuracy the spread reads: validation, or training when no run has a validation value."""
        if any(math.isfinite(r.final["val_accuracy"]) for r in self.results):
            return "val_accuracy"
        return "train_accuracy"

    def spread(self, metric: str | None = None) -> Spread:
        """The final ``metric`` (default ``metric()``) over the runs that did not diverge."""
        metric = metric or self.metric()
        kept = [r.final[metric] for r in self.results if not r.diverged]
        return Spread(metric, tuple(v for v in kept if math.isfinite(v)), len(self.diverged), self.runs)

    def finals(self, metric: str | None = None) -> list[tuple[int, float, str]]:
        """(seed, final value, status) for every run, in seed order (the tooltip's table)."""
        metric = metric or self.metric()
        return [(r.seed, r.final[metric], r.status) for r in self.results]


def band(results: Iterable[SeedResult]) -> Band:
    """Line the runs up by epoch number and take, per epoch and curve, the min, max and mean
    over the runs with a finite value there (a diverged run counts up to its last finite epoch)."""
    ordered = tuple(sorted(results, key=lambda r: r.seed))
    arrays = [r.epochs for r in ordered if len(r.epochs)]
    epochs = np.unique(np.concatenate(arrays)) if arrays else np.zeros(0, dtype=np.int64)
    stats = {}
    for name in CURVES:
        table = np.full((len(ordered), len(epochs)), np.nan)
        for i, r in enumerate(ordered):
            if len(r.epochs):
                table[i, np.searchsorted(epochs, r.epochs)] = r.curves[name]
        stats[name] = _stat(table)
    return Band(epochs, stats, ordered)


def _stat(table: np.ndarray) -> Stat:
    """Column-wise min, max, mean of the finite entries; NaN where a column has none."""
    finite = np.isfinite(table)
    count = finite.sum(axis=0)
    some = count > 0
    lo = np.where(finite, table, np.inf).min(axis=0, initial=np.inf)
    hi = np.where(finite, table, -np.inf).max(axis=0, initial=-np.inf)
    total = np.where(finite, table, 0.0).sum(axis=0)
    mean = np.divide(total, count, out=np.full(len(count), np.nan), where=some)
    return Stat(np.where(some, lo, np.nan), np.where(some, hi, np.nan), mean, count)


def spread_of(values: Iterable[float], metric: str = "val_accuracy") -> Spread:
    """The spread of plain final values (none diverged): ``spread_of([0.9, 0.85]).text()``."""
    kept = tuple(float(v) for v in values)
    return Spread(metric, tuple(v for v in kept if math.isfinite(v)), 0, len(kept))
