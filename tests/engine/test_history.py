"""HistoryBuffer: per-epoch curves that grow by doubling and freeze into independent copies."""

import numpy as np

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


def test_a_frozen_history_never_changes_with_the_buffer():
    h = filled(2)  # full: the next append reallocates
    frozen = h.freeze()
    h.append(3, (30.0, 0.0, 0.0, 0.0), curves(3))
    h.scalars[0, 0] = -1.0  # even a write into the buffer's own arrays
    h.layered[:] = -1.0
    assert frozen.epochs.tolist() == [1, 2] and frozen.train_loss.tolist() == [1.0, 2.0]
    assert np.array_equal(frozen.grad_mean_abs, np.array([curves(1)[0], curves(2)[0]]))


def test_the_buffer_never_changes_with_a_frozen_history():
    h = filled(4)
    frozen = h.freeze()
    frozen.train_loss[:] = np.nan
    frozen.saturated_fraction[:] = np.nan
    again = h.freeze()
    assert again.train_loss.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert np.array_equal(again.saturated_fraction, np.array([curves(k)[2] for k in range(1, 5)]))
