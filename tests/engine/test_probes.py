"""Probes on hand-built networks whose answers are known."""

import math

import numpy as np
import pytest

from engine import activations, probes
from engine.config import Config
from engine.network import Network
from engine.session import Session


def test_dead_layer_forced_by_negative_bias():
    net = Network(2, 2, [6], activation="relu", seed=0)
    net.layers[0].b.value[:3] = -100.0  # three units can never fire on standardised data
    X = np.random.default_rng(0).standard_normal((200, 2))
    net.forward(X)
    assert probes.dead_units(net.layers[0].activation, net.zs[0]) == 3
    assert probes.dead_units(activations.get("tanh"), net.zs[0]) == -1  # not a rectifier


def test_saturated_layer_forced_by_huge_weights():
    net = Network(2, 2, [50], activation="sigmoid", init="normal", init_params={"std": 100.0}, seed=0)
    X = np.random.default_rng(1).standard_normal((300, 2))
    net.forward(X)
    frac = probes.saturated_fraction(net.layers[0].activation, net.zs[0], net.activations[1])
    assert frac > 0.9
    small = Network(2, 2, [50], activation="sigmoid", init="normal", init_params={"std": 0.01}, seed=0)
    small.forward(X)
    assert probes.saturated_fraction(small.layers[0].activation, small.zs[0]) == 0.0
    assert math.isnan(probes.saturated_fraction(activations.get("relu"), small.zs[0]))


def test_symmetry_measure():
    W = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    b = np.zeros(3)
    assert probes.symmetry(W, b) == 0.0
    W[1, 2] = 2.5
    assert probes.symmetry(W, b) == pytest.approx(0.5)
    assert probes.symmetry(W, np.array([0.0, 0.0, 3.0])) == pytest.approx(3.0)
    assert math.isnan(probes.symmetry(np.ones((2, 1)), np.zeros(1)))


def test_grad_mean_abs_and_update_ratio():
    assert probes.grad_mean_abs(np.array([[1.0, -3.0]])) == 2.0
    W0 = np.array([3.0, 4.0])
    assert probes.update_ratio(W0, W0 + np.array([0.3, 0.4])) == pytest.approx(0.1)
    assert probes.update_ratio(np.zeros(2), np.zeros(2)) == 0.0


def test_histogram_bins_stable_and_doubling():
    bins = probes.HistogramBins(bins=4)
    h1 = bins(np.array([0.3, -0.7]))
    np.testing.assert_allclose(h1.edges, [-1, -0.5, 0, 0.5, 1])
    assert h1.counts.sum() == 2
    h2 = bins(np.array([0.1, 0.2]))
    np.testing.assert_array_equal(h1.edges, h2.edges)
    h3 = bins(np.array([3.0, np.nan, np.inf]))
    np.testing.assert_allclose(h3.edges, [-4, -2, 0, 2, 4])
    assert h3.counts.sum() == 1
    bounded = probes.HistogramBins(bins=2, bounds=(0.0, 1.0))
    assert list(bounded(np.array([5.0, 0.2])).counts) == [1, 1]


def stats_of(config_changes, epochs=1):
    raw = {"data": {"name": "moons", "n_samples": 200},
           "model": {"hidden": [8, 8]}, "train": {"epochs": epochs}}
    cfg = Config.from_dict(raw).with_changes(**config_changes)
    s = Session(cfg)
    s.snapshot_every = 10**6
    return [x for x in s.run() if x][-1]


def test_alert_texts():
    dead = stats_of({"model": {"activation": "relu", "bias_init": "constant", "bias_value": -20.0}})
    assert any(a.kind == "dead" and a.text == "Layer 1: 8 of 8 ReLU units dead (z ≤ 0 on every sample)"
               for a in dead.alerts)
    sat = stats_of({"model": {"activation": "sigmoid", "init": "normal", "init_param": 30.0}})
    text = [a.text for a in sat.alerts if a.kind == "saturated"]
    assert text and text[0].startswith("Layer 1: ") and "% of sigmoid units saturated" in text[0]
    sym = stats_of({"model": {"activation": "tanh", "init": "zeros"}})
    assert "Layer 1: all 8 units identical — symmetry never broken (zero or constant initialisation)" in [
        a.text for a in sym.alerts]
    healthy = stats_of({"model": {"activation": "tanh", "init": "xavier"}}, epochs=5)
    assert healthy.alerts == ()


def test_vanishing_alert_on_deep_sigmoid():
    raw = {"data": {"name": "iris_binary", "val_fraction": 0.0},
           "model": {"hidden": [10] * 10, "activation": "sigmoid", "init": "xavier", "output": "sigmoid"},
           "train": {"optimizer": "sgd", "lr": 0.1, "epochs": 2, "batch_size": 128}}
    s = Session(Config.from_dict(raw))
    s.snapshot_every = 10**6
    last = [x for x in s.run() if x][-1]
    vanish = [a for a in last.alerts if a.kind == "vanishing"]
    assert vanish and vanish[0].text.startswith("Gradients vanish: layer 1 gets 1/")
    assert last.layers[0].grad_mean_abs < 1e-3 * last.layers[-1].grad_mean_abs
