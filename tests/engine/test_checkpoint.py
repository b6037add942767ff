"""Checkpoint and Fallback: the epoch-end weights a diverged run comes back to."""

import numpy as np
import pytest

from engine.checkpoint import Checkpoint, Fallback
from engine.network import Network


@pytest.fixture
def net():
    return Network(2, 2, [4, 3], activation="tanh", init="xavier", seed=0)


def weights(net):
    return [w.copy() for pair in net.get_weights() for w in pair]


def bump(net, by):
    for layer in net.layers:
        layer.W.value += by
        layer.b.value += by


def flat(checkpoint):
    return [w for pair in checkpoint.weights for w in pair]


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def test_a_checkpoint_copies_in_place_and_is_labelled(net):
    cp = Checkpoint(net)
    arrays = [id(w) for w in flat(cp)]
    assert same(flat(cp), weights(net)) and (cp.epoch, cp.step) == (0, 0)
    bump(net, 1.0)
    assert not same(flat(cp), weights(net))  # a copy, not a view of the network
    cp.save(3, 42)
    assert same(flat(cp), weights(net)) and (cp.epoch, cp.step) == (3, 42)
    assert [id(w) for w in flat(cp)] == arrays  # refreshed in place, nothing allocated
    before = weights(net)
    bump(net, 1.0)
    assert same(flat(cp), before)


def test_fallback_starts_on_the_initial_weights(net):
    initial = weights(net)
    fb = Fallback(net)
    assert same(flat(fb.good), initial) and (fb.good.epoch, fb.good.step) == (0, 0)
    assert not fb.candidate_open


def test_a_candidate_becomes_good_only_when_promoted(net):
    initial = weights(net)
    fb = Fallback(net)
    bump(net, 0.5)
    epoch1 = weights(net)
    fb.save_candidate(1, 10)
    assert fb.candidate_open and same(flat(fb.good), initial)  # not yet known to be finite
    bump(net, np.nan)
    fb.promote()
    assert not fb.candidate_open
    assert same(flat(fb.good), epoch1) and (fb.good.epoch, fb.good.step) == (1, 10)
    fb.promote()  # nothing open: nothing changes
    assert same(flat(fb.good), epoch1)


def test_promoting_swaps_so_the_next_candidate_leaves_good_alone(net):
    fb = Fallback(net)
    bump(net, 0.5)
    fb.save_candidate(1, 10)
    fb.promote()
    epoch1 = flat(fb.good)
    epoch1_values = [w.copy() for w in epoch1]
    bump(net, 0.5)
    fb.save_candidate(2, 20)  # written into the other checkpoint's arrays
    assert all(a is b for a, b in zip(flat(fb.good), epoch1)) and same(flat(fb.good), epoch1_values)
    assert (fb.good.epoch, fb.good.step) == (1, 10)
    fb.promote()
    assert same(flat(fb.good), weights(net)) and (fb.good.epoch, fb.good.step) == (2, 20)


def test_a_discarded_candidate_is_never_promoted(net):
    initial = weights(net)
    fb = Fallback(net)
    bump(net, 0.5)
    fb.save_candidate(1, 10)
    fb.discard_candidate()
    fb.promote()
    assert not fb.candidate_open
    assert same(flat(fb.good), initial) and (fb.good.epoch, fb.good.step) == (0, 0)
