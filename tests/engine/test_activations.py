"""Activation functions: values, derivatives, stability, registry."""

import math

import numpy as np
import pytest

from engine import activations

ALL = activations.names()
EXTREME = np.array([-1e300, -1000.0, -40.0, -1.0, 0.0, 1e-9, 1.0, 40.0, 1000.0, 1e300])


def test_registry_names_match_issue():
    assert set(ALL) == {
        "identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "swish", "softplus",
    }


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as err:
        activations.get("sigmod")
    for name in ALL:
        assert name in str(err.value)


def test_unknown_parameter_is_an_error():
    with pytest.raises(ValueError, match="slope"):
        activations.ACTIVATIONS["relu"](slope=0.2)


@pytest.mark.parametrize("name", ALL)
def test_finite_on_extreme_inputs_without_warnings(name):
    f = activations.get(name)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        y, d = f.forward(EXTREME), f.derivative(EXTREME)
    assert np.all(np.isfinite(d))
    # outputs may be +-1e300 for the unbounded ones, but never inf or NaN
    assert np.all(np.isfinite(y))


@pytest.mark.parametrize("name", ALL)
def test_derivative_matches_finite_difference(name):
    f = activations.get(name)
    z = np.linspace(-6, 6, 241) + 0.0123  # avoid the kink at exactly 0
    h = 1e-6
    numeric = (f.forward(z + h) - f.forward(z - h)) / (2 * h)
    np.testing.assert_allclose(f.derivative(z), numeric, rtol=1e-6, atol=1e-8)
    # grad(z, a) used by back-propagation agrees with derivative(z)
    np.testing.assert_allclose(f.grad(z, f.forward(z)), f.derivative(z), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ALL)
def test_max_derivative_and_output_range(name):
    f = activations.get(name)
    z = np.linspace(-20, 20, 400001)
    d = f.derivative(z)
    assert d.max() == pytest.approx(f.max_derivative, rel=2e-3)
    low, high = f.output_range
    y = f.forward(z)
    assert y.min() >= low - 1e-4 and y.max() <= high + 1e-4
    if math.isfinite(low):
        assert y.min() == pytest.approx(low, abs=2e-3)


def test_known_values():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(activations.get("sigmoid").forward(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(activations.get("relu").forward(z), [0, 0, 3])
    np.testing.assert_allclose(activations.get("leaky_relu", slope=0.1).forward(z), [-0.2, 0, 3])
    np.testing.assert_allclose(activations.get("elu", alpha=1.0).forward(z), [np.expm1(-2), 0, 3])
    np.testing.assert_allclose(activations.get("softplus").forward(z), np.log1p(np.exp(z)))
    np.testing.assert_allclose(activations.get("swish").forward(z), z / (1 + np.exp(-z)))
    assert activations.get("gelu").forward(np.array([1.0]))[0] == pytest.approx(0.8413447460685429)
    assert activations.get("selu").forward(np.array([1.0]))[0] == pytest.approx(1.0507009873554805)


def test_sigmoid_of_extremes_is_exactly_saturated():
    s = activations.get("sigmoid").forward(np.array([-1000.0, 1000.0]))
    assert s[0] == 0.0 and s[1] == 1.0


def test_saturation_thresholds_match_the_documented_z():
    # f'(z) < 1% of max f' beyond |z| ~ 5.99 (sigmoid) and ~ 2.99 (tanh)
    for name, z0 in (("sigmoid", 5.99), ("tanh", 2.99)):
        f = activations.get(name)
        assert f.derivative(np.array([z0 - 0.02]))[0] > 0.01 * f.max_derivative
        assert f.derivative(np.array([z0 + 0.02]))[0] < 0.01 * f.max_derivative


def test_aliases_and_params_from_get():
    assert activations.get("linear").name == "identity"
    assert activations.get("silu").name == "swish"
    leaky = activations.get("leaky_relu", slope=0.1, alpha=3.0)  # alpha is not leaky's: ignored
    assert leaky.slope == 0.1 and repr(leaky) == "leaky_relu(slope=0.1)"


@pytest.mark.parametrize("name", ALL)
def test_float32_stays_float32(name):
    z = np.linspace(-3, 3, 7, dtype=np.float32)
    f = activations.get(name)
    assert f.forward(z).dtype == np.float32
    assert f.derivative(z).dtype == np.float32
