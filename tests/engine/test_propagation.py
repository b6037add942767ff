"""Signal propagation at initialisation (experiment 2): known outcomes of the classic set-ups."""

import json
import math

import numpy as np
import pytest

from engine.propagation import PropagationResult, signal_propagation


def test_normal_init_saturates_sigmoid_and_blocks_the_backward_signal():
    result = signal_propagation(activation="sigmoid", init="normal")
    matched = signal_propagation(activation="sigmoid", init="xavier")
    for layer in result:
        counts = layer.a_hist.counts
        assert counts[0] + counts[-1] > 0.5 * counts.sum()  # mass piled in the end bins, near 0 and near 1
        assert layer.saturated_fraction > 0.3
        assert layer.slope_mean < 0.25  # on average a unit passes back under a quarter of what arrives
    assert result[0].a_hist.edges[0] == 0.0 and result[0].a_hist.edges[-1] == 1.0
    assert all(layer.saturated_fraction == 0.0 and layer.slope_mean > 0.8 for layer in matched)
    # what the activation lets through, dL/dz against dL/da, is less than half of xavier's in every layer
    gate = result.column("grad_z_std")[:-1] / result.column("grad_a_std")[:-1]
    gate_matched = matched.column("grad_z_std")[:-1] / matched.column("grad_a_std")[:-1]
    assert np.all(gate < 0.5 * gate_matched)


def test_small_normal_collapses_sigmoid_to_one_half_and_the_signal_shrinks():
    result = signal_propagation(activation="sigmoid", init="small_normal")
    assert all(abs(layer.a_mean - 0.5) < 0.01 for layer in result)
    assert all(layer.a_std < 0.03 for layer in result)
    assert result[-1].z_std < 0.6 * result[0].z_std
    signal = result.column("z_sample_std")  # the part of z that still depends on the input
    assert signal[0] > 0.05
    assert all(lower < 0.1 * upper for upper, lower in zip(signal, signal[1:]) if upper > 1e-12)
    # backward: every layer further down receives less than a tenth of the gradient
    grads = result.column("grad_a_std")[:-1]  # the top layer's dL/da is the constant 1
    assert all(lower < 0.1 * upper for lower, upper in zip(grads, grads[1:]))


def test_small_normal_shrinks_tanh_tenfold_per_layer():
    stds = signal_propagation(activation="tanh", init="small_normal").column("z_std")
    assert all(lower < 0.2 * upper for upper, lower in zip(stds, stds[1:]))


@pytest.mark.parametrize("activation, init, low", [("tanh", "xavier", 0.25), ("relu", "he", 0.5)])
def test_matched_init_keeps_the_spread_roughly_constant(activation, init, low):
    result = signal_propagation(activation=activation, init=init, depth=6)
    stds = result.column("z_std")
    assert low < stds[-1] / stds[0] < 2.0
    assert all(0.25 < b / a < 2.0 for a, b in zip(stds, stds[1:]))
    assert not any(layer.saturated_fraction > 0.05 for layer in result)  # NaN for relu compares False
    assert all(layer.dead_fraction < 0.1 or math.isnan(layer.dead_fraction) for layer in result)


def test_he_relu_backward_signal_keeps_its_size():
    grads = signal_propagation(activation="relu", init="he").column("grad_z_std")
    assert all(0.5 < b / a < 2.0 for a, b in zip(grads, grads[1:]))


def test_zero_init_makes_every_unit_identical():
    for bias_init in ("zeros", "ones", "like_weights"):
        result = signal_propagation(init="zeros", activation="sigmoid", bias_init=bias_init)
        assert all(layer.identical for layer in result), bias_init
        assert all(layer.z_sample_std == 0.0 for layer in result)
    # and the gradient below the top layer is exactly zero: W = 0 passes nothing back
    assert all(g == 0.0 for g in signal_propagation(init="zeros").column("grad_a_std")[:-1])
    assert not any(layer.identical for layer in signal_propagation(init="xavier"))


def test_dead_and_saturated_fractions_apply_only_where_they_mean_something():
    relu = signal_propagation(activation="relu", init="he", bias_init="constant", bias_value=-3.0, depth=2)
    assert all(math.isnan(layer.saturated_fraction) for layer in relu)
    assert relu[1].dead_fraction > 0.9  # a bias of -3 shuts almost every unit off
    tanh = signal_propagation(activation="tanh", depth=2)
    assert all(math.isnan(layer.dead_fraction) for layer in tanh)


def test_result_shape_histograms_and_reproducibility():
    result = signal_propagation(width=20, depth=3, input_dim=7, samples=50, seed=3, bins=10,
                                activation="leaky_relu", activation_params={"slope": 0.1},
                                init="normal", init_params={"std": 0.5})
    assert isinstance(result, PropagationResult) and len(result) == 3
    assert [layer.index for layer in result] == [1, 2, 3]
    assert (result.init, result.init_params, result.activation) == ("normal", {"std": 0.5}, "leaky_relu")
    for layer in result:
        for hist in (layer.z_hist, layer.a_hist, layer.grad_a_hist, layer.grad_z_hist):
            assert hist.counts.sum() == 50 * 20 and len(hist.edges) == 11
    again = signal_propagation(width=20, depth=3, input_dim=7, samples=50, seed=3, bins=10,
                               activation="leaky_relu", activation_params={"slope": 0.1},
                               init="normal", init_params={"std": 0.5})
    assert result.column("z_std").tolist() == again.column("z_std").tolist()
    other = signal_propagation(width=20, depth=3, input_dim=7, samples=50, seed=4, init="normal")
    assert result.column("z_std").tolist() != other.column("z_std").tolist()
    data = result.to_dict()
    json.dumps(data)
    assert data["layers"][0]["a_hist"]["counts"] == result[0].a_hist.counts.tolist()


def test_the_forward_statistics_match_a_direct_computation():
    result = signal_propagation(width=5, depth=2, input_dim=4, samples=30, seed=1, activation="tanh", init="he")
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 4))
    W1 = rng.normal(0.0, math.sqrt(2 / 4), (4, 5))
    z1 = X @ W1
    assert result[0].z_std == pytest.approx(z1.std(), rel=1e-12)
    assert result[0].a_mean == pytest.approx(np.tanh(z1).mean(), rel=1e-12)
    W2 = rng.normal(0.0, math.sqrt(2 / 5), (5, 5))
    z2 = np.tanh(z1) @ W2
    # backward: dL/dz2 = 1 * tanh'(z2); dL/da1 = dL/dz2 W2^T
    g_a1 = (1 - np.tanh(z2) ** 2) @ W2.T
    assert result[0].grad_a_std == pytest.approx(g_a1.std(), rel=1e-10)


@pytest.mark.parametrize("kwargs, message", [
    ({"width": 0}, "width: must be a positive integer, got 0"),
    ({"depth": -1}, "depth: must be a positive integer, got -1"),
    ({"samples": 2.5}, "samples: must be a positive integer, got 2.5"),
    ({"activation": "sigmod"}, "sigmoid"),
    ({"init": "hee"}, "he"),
    ({"bias_init": "twos"}, "like_weights"),
])
def test_bad_arguments_raise_value_errors_naming_them(kwargs, message):
    with pytest.raises(ValueError, match=message):
        signal_propagation(**kwargs)
