"""Batcher and spread_rows: which training rows each step and each metric sees."""

import math

import numpy as np
import pytest

from engine.batches import Batcher, spread_rows

N = 10


def arrays(n=N):
    """Inputs whose first column is the row number, and one-hot-like targets that follow it."""
    X = np.stack([np.arange(n, dtype=float), -np.arange(n, dtype=float)], axis=1)
    T = np.arange(n)[:, None] * np.ones((1, 3))
    return X, T


def epoch_rows(b):
    rows = []
    for pos in range(b.steps_per_epoch):
        Xb, Tb = b.draw(pos)
        assert np.array_equal(Xb[:, 0], Tb[:, 0]) and np.array_equal(Xb[:, 1], -Xb[:, 0])  # rows stay paired
        rows.append(Xb[:, 0].astype(int).tolist())
    return rows


def stream(seed):
    """The documented stream: spawned from the seed, independent of the weights' default_rng(seed)."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])


def test_spread_rows():
    assert spread_rows(5, 10).tolist() == [0, 1, 2, 3, 4]
    assert spread_rows(10, 10).tolist() == list(range(10))
    rows = spread_rows(1000, 7)
    assert rows.tolist() == [0, 166, 333, 500, 666, 832, 999]  # halves to even and rows.dtype == np.intp


def test_shuffled_epochs_visit_every_row_once_in_a_new_order():
    X, T = arrays()
    b = Batcher(X, T, 4, full_batch=False, with_replacement=False, seed=5)
    assert (b.batch_size, b.steps_per_epoch, b.full_batch, b.with_replacement) == (4, 3, False, False)
    first, second = epoch_rows(b), epoch_rows(b)
    assert [len(r) for r in first] == [4, 4, 2]  # the last batch is smaller
    assert sorted(sum(first, [])) == list(range(N)) == sorted(sum(second, []))
    rng = stream(5)
    assert sum(first, []) == rng.permutation(N).tolist()
    assert sum(second, []) == rng.permutation(N).tolist()


def test_reset_restarts_the_order_and_equal_seeds_draw_equal_batches():
    X, T = arrays()
    b = Batcher(X, T, 3, full_batch=False, with_replacement=False, seed=1)
    first = epoch_rows(b)
    epoch_rows(b)
    b.reset(1)
    assert epoch_rows(b) == first
    other = Batcher(X, T, 3, full_batch=False, with_replacement=False, seed=2)
    assert epoch_rows(other) != first


def test_with_replacement_draws_full_batches_that_may_exceed_the_set():
    X, T = arrays()
    b = Batcher(X, T, 25, full_batch=False, with_replacement=True, seed=3)
    assert (b.batch_size, b.steps_per_epoch, b.with_replacement, b.full_batch) == (25, 1, True, False)
    rng = stream(3)
    for _ in range(3):
        (rows,) = epoch_rows(b)
        assert rows == rng.integers(0, N, 25).tolist()
    b = Batcher(X, T, 4, full_batch=False, with_replacement=True, seed=3)
    assert b.steps_per_epoch == math.ceil(N / 4) and [len(r) for r in epoch_rows(b)] == [4, 4, 4]


@pytest.mark.parametrize("batch_size, full_batch, with_replacement", [
    (None, True, False),  # batch_size null
    (4, True, True),  # an optimiser that always uses the whole set (gd): replacement is ignored
    (N, False, False),  # a batch as large as the set
    (50, False, False),
])
def test_full_batch_is_the_whole_set_in_order_every_step(batch_size, full_batch, with_replacement):
    X, T = arrays()
    b = Batcher(X, T, batch_size, full_batch, with_replacement, seed=0)
    assert (b.batch_size, b.steps_per_epoch, b.full_batch, b.with_replacement) == (N, 1, True, False)
    for _ in range(2):
        Xb, Tb = b.draw(0)
        assert Xb is X and Tb is T  # no copy
