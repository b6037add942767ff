"""The incremental min/max decimation of growing curves (gui/plots/decimate.py)."""

import numpy as np
import pytest

from gui.plots.decimate import PeakDecimator


def brute(x, y, size, done):
    """Min and max of each complete bin of ``size`` points up to ``done``, then the tail, from scratch."""
    blocks = y[:done].reshape(-1, size)
    lo, hi = np.nanmin(blocks, axis=1), np.nanmax(blocks, axis=1)
    xs = np.concatenate([np.repeat(x[:done:size].astype(float), 2), x[done:].astype(float)])
    ys = np.concatenate([np.column_stack([lo, hi]).reshape(-1), y[done:]])
    return xs, ys


def test_a_short_series_is_drawn_as_it_is():
    dec = PeakDecimator(max_bins=16)
    x, y = np.arange(1, 21), np.linspace(0, 1, 20)
    xs, ys = dec(x, y)
    np.testing.assert_array_equal(xs, x)
    np.testing.assert_array_equal(ys, y)


def test_growing_frame_by_frame_equals_computing_from_scratch_and_stays_bounded():
    rng = np.random.default_rng(0)
    x, y = np.arange(1, 50_001), rng.normal(size=50_000).cumsum()
    y[1234] = 500.0  # a spike survives decimation
    grown = PeakDecimator(max_bins=64)
    n = 0
    while n < len(y):
        n = min(len(y), n + int(rng.integers(1, 3000)))
        xs, ys = grown(x[:n], y[:n])
        assert len(xs) <= 2 * 64 * 2 + grown.size  # bins (two points each) and a tail under one bin
        if grown.size:
            bx, by = brute(x[:n], y[:n], grown.size, grown.done)
            np.testing.assert_array_equal(xs, bx)
            np.testing.assert_allclose(ys, by)
    assert ys.max() == 500.0 and ys.min() == y.min()
    assert grown.value_range(y) == (y.min(), 500.0)
    fresh = PeakDecimator(max_bins=64)  # the same series in one go: the same picture
    fx, fy = fresh(x, y)
    assert fresh.size == grown.size
    np.testing.assert_array_equal(fx, xs)
    np.testing.assert_array_equal(fy, ys)


def test_positive_makes_gaps_of_zeros_and_non_finite_values():
    dec = PeakDecimator(max_bins=4, positive=True)
    y = np.array([1.0, 0.0, 2.0, -1.0, np.nan, 3.0, np.inf, 4.0, 5.0, 0.5] * 2)
    xs, ys = dec(np.arange(len(y)), y)
    assert np.all(np.isnan(ys) | (ys > 0))
    assert dec.value_range(y) == (0.5, 5.0)
    all_zero = PeakDecimator(max_bins=4, positive=True)
    _, zs = all_zero(np.arange(40), np.zeros(40))
    assert np.isnan(zs).all() and all_zero.value_range(np.zeros(40)) is None


def test_a_new_run_starts_over():
    dec = PeakDecimator(max_bins=8)
    dec(np.arange(1, 1001), np.ones(1000))
    xs, ys = dec(np.arange(1, 11), np.arange(10.0))  # shorter: another run
    np.testing.assert_array_equal(ys, np.arange(10.0))
    long_again = np.arange(5, 505)  # as long, but starting elsewhere: also another series
    xs, _ = dec(long_again, np.zeros(500))
    assert xs[0] == 5


@pytest.mark.parametrize("n", [33, 64, 65, 1000, 4097])
def test_every_point_is_in_a_bin_or_the_tail(n):
    dec = PeakDecimator(max_bins=8)
    y = np.arange(float(n))
    xs, ys = dec(np.arange(n), y)
    if dec.size:
        assert dec.done + len(xs) - 2 * len(dec.lo) == n and dec.done % dec.size == 0
        assert ys.min() == 0 and ys.max() == n - 1
