"""HistoryBuffer: per-epoch curves that grow by doubling and freeze into independent copies."""

import numpy as np
import pytest

from engine.history import HistoryBuffer


def curves(epoch, n_layers=3):
    """Four per-layer curves whose values encode (curve, epoch, layer)."""
    return [[100 * c + epoch + layer / 10 for layer in range(n_layers)] for c in range(4)]


def filled(n, capacity=2):
    h = HistoryBuffer(3, capacity=capacity)
    for e in range(1, n + 1):
        h.append(e, (e, e + 0.5, e / 100, e / 1000), curves(e))
    return h


def test_empty_buffer_freezes_to_empty_curves():
    frozen = HistoryBuffer(3).freeze()
    assert frozen.epochs.shape == (0,) and frozen.train_loss.shape == (0,)
    assert frozen.grad_mean_abs.shape == (0, 3) and frozen.dead_fraction.shape == (0, 3)


def test_grows_by_doubling_and_keeps_every_entry_in_order():
    h = HistoryBuffer(3, capacity=2)
    capacities = []
    for e in range(1, 10):
        h.append(e, (e, e + 0.5, e / 100, e / 1000), curves(e))
        capacities.append(len(h.epochs))
    assert capacities == [2, 2, 4, 4, 8, 8, 8, 8, 16]
    assert h.size == 9
    frozen = h.freeze()
    e = np.arange(1, 10)
    assert frozen.epochs.tolist() == e.tolist() and frozen.epochs.dtype == np.int64
    assert frozen.train_loss.tolist() == e.tolist()
    assert frozen.val_loss.tolist() == (e + 0.5).tolist()
    assert frozen.train_accuracy.tolist() == (e / 100).tolist()
    assert frozen.val_accuracy.tolist() == (e / 1000).tolist()
    for c, name in enumerate(("grad_mean_abs", "activation_std", "saturated_fraction", "dead_fraction")):
        values = getattr(frozen, name)
        assert values.shape == (9, 3)
        assert np.array_equal(values, np.array([curves(k)[c] for k in e]))


def test_last_is_the_newest_entry_as_floats():
    h = filled(5)
    assert h.last() == (5.0, 5.5, 0.05, 0.005)
    assert all(type(v) is float for v in h.last())


def test_a_frozen_history_never_changes_with_later_appends():
    h = filled(2)  # full: the next append reallocates
    frozen = h.freeze()
    for k in range(3, 40):  # past the reallocation and into the new arrays' free part
        h.append(k, (10.0 * k, 0.0, 0.0, 0.0), curves(k))
    assert frozen.epochs.tolist() == [1, 2] and frozen.train_loss.tolist() == [1.0, 2.0]
    assert np.array_equal(frozen.grad_mean_abs, np.array([curves(1)[0], curves(2)[0]]))
    later = h.freeze()
    assert later.epochs.tolist() == list(range(1, 40))


def test_a_frozen_history_is_read_only():
    h = filled(4)
    frozen = h.freeze()
    for array in (frozen.train_loss, frozen.saturated_fraction, frozen.epochs):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0
    assert h.freeze().train_loss.tolist() == [1.0, 2.0, 3.0, 4.0]


def test_freezing_copies_nothing():
    """A snapshot's history costs the same at any epoch: it views the buffer's arrays."""
    h = filled(100)
    frozen = h.freeze()
    assert np.shares_memory(frozen.train_loss, h.scalars)
    assert np.shares_memory(frozen.dead_fraction, h.layered)
    assert np.shares_memory(frozen.epochs, h.epochs)
