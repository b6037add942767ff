"""Initialisers: each draw's spread matches its formula; fans used the right way round."""

import math

import numpy as np
import pytest

from engine import initializers as init

FAN_IN, FAN_OUT = 400, 100  # non-square on purpose: swapping the fans would show

# name -> (params, expected std of the draws as a function of the fans)
EXPECTED_STD = {
    "normal": ({}, lambda i, o: 1.0),
    "small_normal": ({}, lambda i, o: 0.01),
    "uniform": ({"limit": 0.3}, lambda i, o: 0.3 / math.sqrt(3)),
    "xavier": ({}, lambda i, o: math.sqrt(1 / i)),
    "glorot_normal": ({}, lambda i, o: math.sqrt(2 / (i + o))),
    "glorot_uniform": ({}, lambda i, o: math.sqrt(6 / (i + o)) / math.sqrt(3)),
    "he": ({}, lambda i, o: math.sqrt(2 / i)),
    "he_uniform": ({}, lambda i, o: math.sqrt(6 / i) / math.sqrt(3)),
    "orthogonal": ({}, lambda i, o: 1 / math.sqrt(max(i, o))),
}
UNIFORM_LIMIT = {
    "uniform": lambda i, o: 0.3,
    "glorot_uniform": lambda i, o: math.sqrt(6 / (i + o)),
    "he_uniform": lambda i, o: math.sqrt(6 / i),
}


def test_registry_has_every_initialiser_of_the_issue():
    assert set(init.names()) == {
        "zeros", "constant", "normal", "small_normal", "uniform", "xavier", "glorot_normal",
        "glorot_uniform", "he", "he_uniform", "orthogonal",
    }


@pytest.mark.parametrize("name", sorted(EXPECTED_STD))
@pytest.mark.parametrize("shape", [(FAN_IN, FAN_OUT), (FAN_OUT, FAN_IN)])
def test_std_within_two_percent_of_formula(name, shape):
    params, formula = EXPECTED_STD[name]
    rng = np.random.default_rng(0)
    w = init.get(name, **params)(shape, rng)
    assert w.shape == shape
    expected = formula(*shape)
    assert w.std() == pytest.approx(expected, rel=0.02)
    assert abs(w.mean()) < 0.05 * expected
    assert init.get(name, **params).std_for(*shape) == pytest.approx(expected)


@pytest.mark.parametrize("name", sorted(UNIFORM_LIMIT))
def test_uniform_limits(name):
    params = EXPECTED_STD[name][0]
    w = init.get(name, **params)((FAN_IN, FAN_OUT), np.random.default_rng(1))
    limit = UNIFORM_LIMIT[name](FAN_IN, FAN_OUT)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() == pytest.approx(limit, rel=0.02)


@pytest.mark.parametrize("shape", [(64, 16), (16, 64), (32, 32)])
def test_orthogonal_is_orthonormal(shape):
    w = init.get("orthogonal", gain=2.0)(shape, np.random.default_rng(2))
    small = min(shape)
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-10)


def test_zeros_and_constant():
    rng = np.random.default_rng(0)
    assert not init.get("zeros")((3, 4), rng).any()
    np.testing.assert_array_equal(init.get("constant", value=0.5)((3, 4), rng), np.full((3, 4), 0.5))


def test_parameters_change_the_draw():
    rng = np.random.default_rng(0)
    assert init.get("normal", std=3.0)((2000, 50), rng).std() == pytest.approx(3.0, rel=0.02)
    assert init.get("small_normal", std=0.5)((2000, 50), rng).std() == pytest.approx(0.5, rel=0.02)


def test_same_rng_seed_same_draw():
    a = init.get("he")((10, 5), np.random.default_rng(7))
    b = init.get("he")((10, 5), np.random.default_rng(7))
    c = init.get("he")((10, 5), np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_bias_initialisers():
    rng = np.random.default_rng(0)
    he = init.get("he")
    assert not init.init_bias("zeros", 5, rng, he, 10).any()
    np.testing.assert_array_equal(init.init_bias("ones", 5, rng, he, 10), np.ones(5))
    np.testing.assert_array_equal(init.init_bias("constant", 5, rng, he, 10, value=-2.0), np.full(5, -2.0))
    # "like_weights" draws with the layer's fan-in: he => std sqrt(2/fan_in)
    b = init.init_bias("like_weights", 20000, rng, he, 50)
    assert b.std() == pytest.approx(math.sqrt(2 / 50), rel=0.02)


def test_unknown_names_list_valid_ones():
    with pytest.raises(ValueError) as err:
        init.get("glorot")
    assert "xavier" in str(err.value) and "orthogonal" in str(err.value)
    with pytest.raises(ValueError, match="like_weights"):
        init.get_bias("random")
    with pytest.raises(ValueError, match="std"):
        init.INITIALIZERS["he"](std=2.0)
