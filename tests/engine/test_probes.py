"""Probes on hand-built networks and arrays whose answers are known."""

import math

import numpy as np
import pytest

from engine import activations, probes
from engine.config import Config
from engine.network import Network
from engine.session import Session
from engine.snapshot import Histogram, LayerStats

RNG = np.random.default_rng(0)
X = RNG.standard_normal((200, 2))


def test_dead_layer_forced_by_negative_bias():
    net = Network(2, 2, [6], activation="relu", seed=0)
    net.layers[0].b.value[:3] = -100.0  # three units can never fire on standardised data
    net.forward(X)
    relu = net.layers[0].activation
    assert probes.dead_units(relu, net.zs[0]) == 3
    assert probes.dead_fraction(relu, net.zs[0]) == 0.5
    assert probes.dead_units(activations.get("tanh"), net.zs[0]) == -1  # not a rectifier
    assert math.isnan(probes.dead_fraction(activations.get("sigmoid"), net.zs[0]))
    z = np.zeros((5, 2))
    z[4, 1] = 1e-9  # one positive sample is enough to be alive; z = 0 everywhere is dead
    assert probes.dead_units(relu, z) == 1


def test_saturated_layer_forced_by_huge_weights():
    net = Network(2, 2, [50], activation="sigmoid", init="normal", init_params={"std": 100.0}, seed=0)
    net.forward(X)
    sig = net.layers[0].activation
    frac = probes.saturated_fraction(sig, net.zs[0], net.activations[1])
    assert frac > 0.9
    assert frac == probes.saturated_fraction(sig, net.zs[0])  # with or without a = f(z)
    small = Network(2, 2, [50], activation="sigmoid", init="normal", init_params={"std": 0.01}, seed=0)
    small.forward(X)
    assert probes.saturated_fraction(sig, small.zs[0]) == 0.0
    assert math.isnan(probes.saturated_fraction(activations.get("relu"), small.zs[0]))


@pytest.mark.parametrize("name, edge", [("sigmoid", 5.99), ("tanh", 2.99)])
def test_saturation_threshold_matches_the_documented_z(name, edge):
    f = activations.get(name)
    z = np.array([[edge - 0.02, edge + 0.02, -(edge + 0.02)]])
    assert probes.saturated_fraction(f, z) == pytest.approx(2 / 3)


def test_symmetry_measure():
    W = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    b = np.zeros(3)
    assert probes.symmetry(W, b) == 0.0
    W[1, 2] = 2.5
    assert probes.symmetry(W, b) == pytest.approx(0.5)
    assert probes.symmetry(W, np.array([0.0, 0.0, 3.0])) == pytest.approx(3.0)
    assert math.isnan(probes.symmetry(np.ones((2, 1)), np.zeros(1)))
    # the same as the brute-force largest pairwise difference
    W, b = RNG.standard_normal((4, 6)), RNG.standard_normal(6)
    V = np.vstack((W, b))
    brute = max(np.abs(V[:, i] - V[:, j]).max() for i in range(6) for j in range(6))
    assert probes.symmetry(W, b) == pytest.approx(brute)


def test_grad_mean_abs_spread_and_update_ratio():
    assert probes.grad_mean_abs(np.array([[1.0, -3.0]])) == 2.0
    a = RNG.standard_normal((30, 7)) * 3 + 100.0  # a large mean: no cancellation in the two-pass form
    assert probes.spread(a) == pytest.approx(np.std(a), rel=1e-12)
    W0 = np.array([3.0, 4.0])
    assert probes.update_ratio(W0, W0 + np.array([0.3, 0.4])) == pytest.approx(0.1)
    assert probes.update_ratio(np.zeros(2), np.zeros(2)) == 0.0
    assert probes.update_ratio(np.zeros(2), np.ones(2)) == math.inf


def test_histogram_bins_stable_and_doubling():
    bins = probes.HistogramBins(bins=4)
    h1 = bins(np.array([0.3, -0.7]))
    np.testing.assert_allclose(h1.edges, [-1, -0.5, 0, 0.5, 1])
    assert list(h1.counts) == [1, 0, 1, 0] and h1.counts.dtype == np.int64
    h2 = bins(np.array([0.1, 0.2]))
    np.testing.assert_array_equal(h1.edges, h2.edges)
    h3 = bins(np.array([3.0, np.nan, np.inf]))
    np.testing.assert_allclose(h3.edges, [-4, -2, 0, 2, 4])  # doubled twice; NaN and inf not counted
    assert h3.counts.sum() == 1
    h4 = bins(np.array([0.1]))
    np.testing.assert_array_equal(h4.edges, h3.edges)  # never narrows again
    bounded = probes.HistogramBins(bins=2, bounds=(0.0, 1.0))
    h = bounded(np.array([5.0, 0.2, -3.0]))
    assert list(h.counts) == [2, 1] and list(h.edges) == [0.0, 0.5, 1.0]  # outside: end bins


def test_histogram_bins_half_open_range_and_counts():
    relu = probes.HistogramBins(bins=8, bounds=(0.0, math.inf))
    h = relu(np.array([0.0, 0.5, 2.5]))
    np.testing.assert_allclose(h.edges[[0, -1]], [0.0, 4.0])
    h = relu(np.array([9.0]))
    np.testing.assert_allclose(h.edges[[0, -1]], [0.0, 16.0])  # only the open end doubles
    elu = probes.HistogramBins(bins=4, bounds=(-1.0, math.inf))
    np.testing.assert_allclose(elu(np.array([-0.5, 0.7])).edges[[0, -1]], [-1.0, 1.0])
    values = RNG.standard_normal(5000)
    h = probes.HistogramBins()(values)
    expected, _ = np.histogram(values, bins=h.edges)
    np.testing.assert_array_equal(h.counts, expected)  # the same counts as NumPy's inside the edges
    assert isinstance(h, Histogram) and len(h.centers) == probes.DEFAULT_BINS
    zeros = probes.HistogramBins(bins=4)(np.zeros(10))
    np.testing.assert_allclose(zeros.edges[[0, -1]], [-1.0, 1.0])


def test_layer_curves_and_stats_of_a_hand_built_network():
    net = Network(2, 2, [4, 3], activation=["relu", "sigmoid"], seed=0)
    net.layers[0].b.value[:] = [-100.0, -100.0, 0.0, 0.0]  # two dead ReLU units
    net.layers[1].W.value[:] = 0.0
    net.layers[1].b.value[:] = 1.0  # three identical sigmoid units
    net.loss_and_backward(X, net.targets((X[:, 0] > 0).astype(int)))
    grads, stds, sats, deads = probes.layer_curves(net)
    assert deads[0] == 0.5 and math.isnan(deads[1]) and math.isnan(deads[2])
    assert math.isnan(sats[0]) and sats[1] == 0.0 and math.isnan(sats[2])
    assert stds[1] == pytest.approx(0.0, abs=1e-12)  # sigmoid(1) everywhere
    assert grads[0] == pytest.approx(np.abs(net.layers[0].W.grad).mean())
    bins = {}
    stats = probes.layer_stats(net, bins)
    assert [s.name for s in stats] == ["Layer 1", "Layer 2", "Output"]
    assert [s.activation for s in stats] == ["relu", "sigmoid", "softmax"]
    assert stats[0].dead_units == 2 and stats[0].dead_fraction == 0.5 and not stats[0].identical
    assert stats[1].identical and stats[1].symmetry == 0.0
    assert stats[2].is_output and math.isnan(stats[2].saturated_fraction)
    assert set(bins) == {(i, k) for i in (1, 2, 3) for k in "azg"}
    assert tuple(stats[1].activations.edges[[0, -1]]) == (0.0, 1.0)  # sigmoid's output range
    assert all(isinstance(s, LayerStats) and math.isnan(s.update_ratio) for s in stats)
    W_before = [layer.W.value * 0.5 for layer in net.layers]
    again = probes.layer_stats(net, bins, W_before)
    assert again[0].update_ratio == pytest.approx(1.0)  # ||W - W/2|| / ||W/2||
    np.testing.assert_array_equal(again[0].preactivations.edges, stats[0].preactivations.edges)


def stats_of(config_changes, epochs=1):
    raw = {"data": {"name": "moons", "n_samples": 200},
           "model": {"hidden": [8, 8]}, "train": {"epochs": epochs}}
    cfg = Config.from_dict(raw).with_changes(**config_changes)
    s = Session(cfg)
    s.snapshot_every = 10**6
    return [x for x in s.run() if x][-1]


def test_alert_texts():
    dead = stats_of({"model": {"activation": "relu", "bias_init": "constant", "bias_value": -20.0}})
    assert any(a.kind == "dead" and a.severity == "error"
               and a.text == "Layer 1: 8 of 8 ReLU units dead (z ≤ 0 on every sample)" for a in dead.alerts)
    sat = stats_of({"model": {"activation": "sigmoid", "init": "normal", "init_param": 30.0}})
    text = [a.text for a in sat.alerts if a.kind == "saturated"]
    assert text and text[0].startswith("Layer 1: ") and "% of sigmoid units saturated" in text[0]
    sym = stats_of({"model": {"activation": "tanh", "init": "zeros"}})
    assert "Layer 1: all 8 units identical — symmetry never broken (zero or constant initialisation)" in [
        a.text for a in sym.alerts]
    leaky = stats_of({"model": {"activation": "leaky_relu", "bias_init": "constant", "bias_value": -20.0}})
    (info,) = [a for a in leaky.alerts if a.kind == "dead" and a.layer == 1]
    assert info.severity == "info" and "8 of 8 leaky ReLU units have z ≤ 0" in info.text
    healthy = stats_of({"model": {"activation": "tanh", "init": "xavier"}}, epochs=5)
    assert healthy.alerts == ()


def _layer(index, grad, is_output=False, **kw):
    empty = Histogram(np.linspace(-1, 1, 3), np.zeros(2, np.int64))
    fields = dict(index=index, name=f"Layer {index}", activation="tanh", width=4, is_output=is_output,
                  activations=empty, preactivations=empty, gradients=empty, grad_mean_abs=grad,
                  activation_std=1.0, saturated_fraction=0.0, dead_fraction=math.nan, dead_units=0,
                  update_ratio=1e-3, symmetry=1.0, identical=False)
    fields.update(kw)
    return LayerStats(**fields)


def test_gradient_alerts_compare_the_first_and_the_output_layer():
    def kinds(first, last):
        return [(a.kind, a.text) for a in probes.alerts((_layer(1, first), _layer(2, 1.0), _layer(3, last, True)))]

    assert kinds(1.0, 1.0) == []
    assert kinds(2e-4, 1.0) == [("vanishing", "Gradients vanish: layer 1 gets 1/5,000 of the output layer's gradient")]
    assert kinds(0.0, 1.0)[0][1] == "Gradients vanish: layer 1 gets none of the output layer's gradient"
    assert kinds(5000.0, 1.0) == [("exploding", "Gradients explode: layer 1 gets 5,000× the output layer's gradient")]
    assert kinds(math.nan, 1.0) == [("exploding", "Gradients explode: they are no longer finite")]
    assert kinds(1.0, 0.0) == []  # a perfect fit: no gradient anywhere, nothing to compare
    sat = probes.alerts((_layer(1, 1.0, saturated_fraction=0.58), _layer(2, 1.0, True)))
    assert [a.text for a in sat] == ["Layer 1: 58% of tanh units saturated (slope under 1% of its maximum)"]
    assert probes.alerts((_layer(1, 1.0, saturated_fraction=0.5), _layer(2, 1.0, True))) == ()  # not above half


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


def test_a_wide_layers_histogram_is_made_from_a_fixed_sample_with_the_full_total():
    from engine.probes import HISTOGRAM_VALUES, HistogramBins, sampled_histogram

    rng = np.random.default_rng(3)
    values = rng.normal(size=(1000, 1024))  # 1,024,000 values: a wide layer over the diagnostic sample
    full = HistogramBins(30, (-4.0, 4.0))(values)
    sampled = sampled_histogram(HistogramBins(30, (-4.0, 4.0)), values)
    assert values.size > HISTOGRAM_VALUES
    np.testing.assert_array_equal(sampled.edges, full.edges)
    assert abs(sampled.counts.sum() - values.size) <= 6  # the total, up to one step
    share_full, share_sampled = full.counts / full.counts.sum(), sampled.counts / sampled.counts.sum()
    assert np.abs(share_full - share_sampled).max() < 0.005  # the same shape
    again = sampled_histogram(HistogramBins(30, (-4.0, 4.0)), values)
    np.testing.assert_array_equal(again.counts, sampled.counts)  # the same sample every time
    small = rng.normal(size=(10, 10))
    np.testing.assert_array_equal(sampled_histogram(HistogramBins(5, (-4.0, 4.0)), small).counts,
                                  HistogramBins(5, (-4.0, 4.0))(small).counts)
