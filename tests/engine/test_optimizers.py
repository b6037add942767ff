"""Optimisers: the first two steps on f(w) = w^2/2 (so g = w) match hand-computed values."""

import math

import numpy as np
import pytest

from engine import optimizers
from engine.network import Parameter


def run_two_steps(name, w0=1.0, **hyper):
    p = Parameter("w", np.array([w0]), np.zeros(1))
    opt = optimizers.get(name, [p], **hyper)
    values = []
    for _ in range(2):
        opt.look_ahead()  # Nesterov: the gradient is taken at w + mu v
        p.grad[...] = p.value  # d/dw (w^2 / 2) = w
        opt.step()
        values.append(float(p.value[0]))
    return values


# Written out by hand from each docstring's update rule, with w0 = 1.
def test_gd_and_sgd():
    # w1 = 1 - 0.1*1 = 0.9 ; w2 = 0.9 - 0.1*0.9 = 0.81
    for name in ("gd", "sgd"):
        assert run_two_steps(name, lr=0.1) == pytest.approx([0.9, 0.81])


def test_momentum():
    # v1 = -0.1*1 = -0.1, w1 = 0.9 ; v2 = 0.9*(-0.1) - 0.1*0.9 = -0.18, w2 = 0.72
    assert run_two_steps("momentum", lr=0.1, momentum=0.9) == pytest.approx([0.9, 0.72])


def test_nesterov():
    # the textbook iterate: v <- mu v - lr g(w + mu v); w <- w + v
    # v1 = -0.1*g(1) = -0.1, w1 = 0.9
    # look-ahead 0.9 + 0.9*(-0.1) = 0.81: v2 = -0.09 - 0.1*0.81 = -0.171, w2 = 0.9 - 0.171 = 0.729
    # (0.81, 0.5751 would be the look-ahead points the reparametrised form stores instead of w)
    assert run_two_steps("nag", lr=0.1, momentum=0.9) == pytest.approx([0.9, 0.729])


def test_adagrad():
    # c1 = 1, w1 = 1 - 0.1*1/1 = 0.9 ; c2 = 1.81, w2 = 0.9 - 0.1*0.9/sqrt(1.81)
    w2 = 0.9 - 0.1 * 0.9 / math.sqrt(1.81)
    assert run_two_steps("adagrad", lr=0.1, eps=0.0 + 1e-12) == pytest.approx([0.9, w2], abs=1e-10)


def test_rmsprop():
    # c1 = 0.1*1 = 0.1, w1 = 1 - 0.1/sqrt(0.1) = 1 - 0.316228 = 0.683772
    # c2 = 0.9*0.1 + 0.1*0.683772^2 = 0.136754, w2 = w1 - 0.1*w1/sqrt(c2)
    w1 = 1 - 0.1 / math.sqrt(0.1)
    c2 = 0.09 + 0.1 * w1 * w1
    w2 = w1 - 0.1 * w1 / math.sqrt(c2)
    assert run_two_steps("rmsprop", lr=0.1, rho=0.9, eps=1e-12) == pytest.approx([w1, w2], abs=1e-9)
    assert w1 == pytest.approx(0.683772, abs=1e-6)


def test_adam():
    # step 1: m_hat = g, v_hat = g^2, so w1 = 1 - 0.1 * 1/1 = 0.9 (the first Adam step is lr*sign(g))
    # step 2: g = 0.9; m = 0.9*0.1 + 0.1*0.9 = 0.18, m_hat = 0.18/0.19
    #         v = 0.999*0.001 + 0.001*0.81 = 0.001809, v_hat = 0.001809/0.001999
    m_hat = 0.18 / 0.19
    v_hat = 0.001809 / (1 - 0.999**2)
    w2 = 0.9 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert run_two_steps("adam", lr=0.1) == pytest.approx([0.9, w2], abs=1e-9)
    assert w2 == pytest.approx(0.800412, abs=1e-6)  # 0.9 - 0.1 * 0.947368 / 0.951290


def test_l2_and_l1_penalties_apply_to_weights_only():
    w = Parameter("W", np.array([2.0, -2.0]), np.zeros(2))
    b = Parameter("b", np.array([2.0]), np.zeros(1), regularize=False)
    opt = optimizers.get("sgd", [w, b], lr=0.1, l2=0.5, l1=0.25)
    opt.step()  # zero loss gradient: only the penalties act
    # W: g = 0.5*w + 0.25*sign(w) = +-1.25 -> w -= 0.125
    np.testing.assert_allclose(w.value, [1.875, -1.875])
    np.testing.assert_allclose(b.value, [2.0])


def test_lr_is_live_and_reset_forgets_state():
    p = Parameter("w", np.array([1.0]), np.array([1.0]))
    opt = optimizers.get("momentum", [p], lr=0.1)
    opt.step()
    opt.lr = 0.0
    opt.reset()
    before = p.value.copy()
    opt.step()  # no lr and no velocity: nothing moves
    np.testing.assert_array_equal(p.value, before)
    assert opt.t == 1


def test_registry():
    assert set(optimizers.names()) == {"gd", "sgd", "momentum", "nag", "adagrad", "rmsprop", "adam"}
    assert optimizers.OPTIMIZERS["gd"].full_batch and not optimizers.OPTIMIZERS["sgd"].full_batch
    with pytest.raises(ValueError) as err:
        optimizers.get_class("adamw")
    assert "rmsprop" in str(err.value)
