"""The classic experiments of shared/experiments.md, run headless from the shipped configs."""

from pathlib import Path

import numpy as np
import pytest

from engine import config as cfgmod
from engine.propagation import signal_propagation
from engine.session import Session

CONFIGS = Path(__file__).resolve().parents[2] / "resources" / "configs"


def final(name, epochs=None):
    cfg = cfgmod.load(CONFIGS / f"{name}.json")
    if epochs:
        cfg = cfg.with_changes(train={"epochs": epochs})
    s = Session(cfg)
    s.snapshot_every = 10**12
    return s, [x for x in s.run() if x is not None][-1]


def kinds(snap):
    return {a.kind for a in snap.alerts}


# 1. initialiser x activation on blobs
def test_zero_init_never_breaks_symmetry_and_tanh_learns_nothing():
    s, last = final("1a_blobs4_zeros_tanh")
    assert last.layers[0].identical and "symmetry" in kinds(last)
    assert last.val_accuracy == pytest.approx(0.25, abs=0.02)  # chance on 4 classes
    assert np.all(s.network.layers[0].W.value == 0)  # tanh'(0)=1 but every gradient into layer 1 is 0


def test_zero_init_relu_is_dead_and_identical_and_learns_nothing():
    s, last = final("1e_blobs4_zeros_relu")
    assert last.layers[0].identical and last.layers[0].dead_units == 2  # z = 0 on every sample
    assert {"symmetry", "dead"} <= kinds(last)
    assert last.val_accuracy == pytest.approx(0.25, abs=0.02)
    assert np.all(s.network.layers[0].W.value == 0)  # relu'(0) = 0: no gradient ever reaches layer 1


def test_xavier_tanh_and_he_relu_learn_blobs():
    assert final("1b_blobs4_xavier_tanh")[1].val_accuracy > 0.8
    assert final("1c_blobs_xor_he_leaky")[1].val_accuracy > 0.85
    he = final("1f_blobs4_he_relu")[1]
    assert he.val_accuracy > 0.8 and not he.layers[0].identical


def test_baseline_config_learns_moons():
    _, last = final("moons_relu_he", epochs=40)
    assert last.val_accuracy > 0.95 and last.status == "completed"


def test_zero_init_sigmoid_stays_symmetric_on_binary_blobs():
    _, last = final("1d_blobs_xor_zeros_sigmoid")
    assert last.layers[0].identical and last.val_accuracy <= 0.6


# 4. vanishing gradients in a deep network
def test_deep_sigmoid_vanishes_while_tanh_and_relu_learn():
    _, sig = final("4a_iris_deep_sigmoid")
    assert "vanishing" in kinds(sig)
    g = sig.history.grad_mean_abs[-1]
    assert g[0] < 1e-3 * g[-1]
    assert sig.val_accuracy == pytest.approx(0.5, abs=0.1)
    assert final("4b_iris_deep_tanh")[1].val_accuracy > 0.9
    assert final("4c_iris_deep_relu")[1].val_accuracy > 0.9
    assert final("4d_iris_shallow_sigmoid")[1].val_accuracy > 0.9


# 5. non-linearity, dead units, saturation
def test_identity_activation_draws_a_straight_boundary():
    s, last = final("5a_moons_identity_linear")
    grid = s.snapshot(diagnostics=False, boundary_resolution=60).boundary
    p = grid.probs.astype(np.float64)
    ok = (p.min(axis=2) > 1e-6).ravel()
    # with identity activations the log-odds are an affine function of the input: a plane fits exactly
    log_odds = (np.log(p[:, :, 1]) - np.log(p[:, :, 0])).ravel()[ok]
    xx, yy = np.meshgrid(grid.xs, grid.ys)
    A = np.column_stack([xx.ravel(), yy.ravel(), np.ones(xx.size)])[ok]
    w, *_ = np.linalg.lstsq(A, log_odds, rcond=None)
    assert np.abs(A @ w - log_odds).max() < 1e-3 * np.ptp(log_odds)
    _, curved = final("5b_moons_tanh_curved")
    assert curved.val_accuracy > last.val_accuracy + 0.05
    # and it is no better than logistic regression, the best straight line, on the same split
    from sklearn.linear_model import LogisticRegression

    sp = s.split
    linear = LogisticRegression().fit(sp.X_train, sp.y_train).score(sp.X_val, sp.y_val)
    assert last.val_accuracy == pytest.approx(linear, abs=0.04)


def test_dead_relu_units_are_reported():
    _, last = final("5c_moons_dead_relu")
    assert "dead" in kinds(last) and last.layers[0].dead_units >= 4


def test_large_normal_init_saturates_sigmoid_units():
    _, last = final("5d_moons_saturated_sigmoid", epochs=5)
    assert "saturated" in kinds(last) and last.layers[1].saturated_fraction > 0.5


# 2. signal propagation at initialisation
def test_normal_init_saturates_sigmoid_units():
    layers = signal_propagation(activation="sigmoid", init="normal")
    assert all(s.saturated_fraction > 0.3 for s in layers)
    counts = layers[0].a_hist.counts
    assert counts[0] + counts[-1] > 0.5 * counts.sum()  # mass piled at 0 and 1


def test_sigmoid_shrinks_the_backward_signal_layer_by_layer():
    # sigmoid' <= 1/4: even unsaturated, each layer down passes back less than half the signal
    grads = [s.grad_a_std for s in signal_propagation(activation="sigmoid", init="xavier")][:-1]
    assert all(lower < 0.5 * upper for lower, upper in zip(grads, grads[1:]))


def test_small_init_collapses_the_signal():
    stds = [s.z_std for s in signal_propagation(activation="tanh", init="small_normal")]
    assert all(b < 0.2 * a for a, b in zip(stds, stds[1:]))
    sig = signal_propagation(activation="sigmoid", init="small_normal")
    assert abs(sig[-1].a_mean - 0.5) < 0.01 and sig[-1].a_std < 0.02  # every unit near 1/2


@pytest.mark.parametrize("activation, init, low", [("tanh", "xavier", 0.25), ("relu", "he", 0.5)])
def test_matched_init_keeps_the_spread(activation, init, low):
    layers = signal_propagation(activation=activation, init=init, depth=6)
    stds = [s.z_std for s in layers]
    assert low < stds[-1] / stds[0] < 2.0
    assert all(not s.saturated_fraction > 0.05 for s in layers)


def test_zero_init_makes_units_identical():
    layers = signal_propagation(init="zeros", activation="sigmoid")
    assert all(s.identical for s in layers)
