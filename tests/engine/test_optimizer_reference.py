"""Every optimiser, with and without penalties, on full and mini-batches, against a reference.

The reference is written independently of engine/optimizers.py: plain Python
loops over scalars, one textbook formula per line. It keeps its own weights
and state; for each of its steps a separate copy of the network supplies the
gradient at the reference's weights (at w + mu v for Nesterov). After 50 steps
the engine's weights must match to 1e-12.
"""

import math

import numpy as np
import pytest

from engine import optimizers
from engine.network import Network

HYPER = {"momentum": 0.9, "rho": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
LR = {"gd": 0.1, "sgd": 0.1, "momentum": 0.05, "nag": 0.05, "adagrad": 0.05, "rmsprop": 0.01, "adam": 0.01}
PENALTIES = {"none": (0.0, 0.0), "l2": (1e-2, 0.0), "l1": (0.0, 1e-3), "l2+l1": (1e-2, 1e-3)}


def _sign(x: float) -> float:
    return (x > 0) - (x < 0)


class Reference:
    """One optimiser over a flat list of scalars, from the textbook rules."""

    def __init__(self, name, values, regularize, lr, l2, l1):
        self.name, self.lr, self.l2, self.l1 = name, lr, l2, l1
        self.w = list(values)
        self.reg = list(regularize)
        n = len(self.w)
        self.v = [0.0] * n  # momentum velocity / adam second moment
        self.m = [0.0] * n  # adam first moment
        self.c = [0.0] * n  # adagrad / rmsprop accumulator
        self.t = 0

    def gradient_point(self):
        """Where the gradient is taken: w, or w + mu v for Nesterov."""
        if self.name == "nag":
            return [w + HYPER["momentum"] * v for w, v in zip(self.w, self.v)]
        return list(self.w)

    def step(self, raw_grad):
        self.t += 1
        mu, rho, b1, b2, eps, lr = (HYPER["momentum"], HYPER["rho"], HYPER["beta1"], HYPER["beta2"],
                                    HYPER["eps"], self.lr)
        for i in range(len(self.w)):
            w = self.w[i]
            g = raw_grad[i]
            if self.reg[i]:
                g = g + self.l2 * w + self.l1 * _sign(w)
            if self.name in ("gd", "sgd"):
                w = w - lr * g
            elif self.name in ("momentum", "nag"):
                self.v[i] = mu * self.v[i] - lr * g
                w = w + self.v[i]
            elif self.name == "adagrad":
                self.c[i] = self.c[i] + g * g
                w = w - lr * g / (math.sqrt(self.c[i]) + eps)
            elif self.name == "rmsprop":
                self.c[i] = rho * self.c[i] + (1 - rho) * g * g
                w = w - lr * g / (math.sqrt(self.c[i]) + eps)
            elif self.name == "adam":
                self.m[i] = b1 * self.m[i] + (1 - b1) * g
                self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
                m_hat = self.m[i] / (1 - b1 ** self.t)
                v_hat = self.v[i] / (1 - b2 ** self.t)
                w = w - lr * m_hat / (math.sqrt(v_hat) + eps)
            else:
                raise AssertionError(self.name)
            self.w[i] = w


def _flat(net):
    return [float(x) for p in net.parameters() for x in p.value.ravel()]


def _set_flat(net, values):
    i = 0
    for p in net.parameters():
        n = p.value.size
        p.value[...] = np.asarray(values[i:i + n]).reshape(p.value.shape)
        i += n


def _flat_grad(net):
    return [float(x) for p in net.parameters() for x in p.grad.ravel()]


def _problem():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] * X[:, 1] + 0.3 * X[:, 2] > 0).astype(int)
    T = np.eye(2)[y]
    return X, T


@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("batching", ["full", "mini"])
@pytest.mark.parametrize("name", optimizers.names())
def test_fifty_steps_match_the_textbook_reference(name, batching, penalty):
    X, T = _problem()
    l2, l1 = PENALTIES[penalty]
    make = lambda: Network(3, 2, [5, 4], activation="tanh", init="xavier", bias_init="like_weights", seed=1)
    net, probe = make(), make()
    opt = optimizers.get(name, net.parameters(), lr=LR[name], l2=l2, l1=l1, **HYPER)
    ref = Reference(name, _flat(net), [p.regularize for p in net.parameters() for _ in range(p.value.size)],
                    LR[name], l2, l1)
    rng = np.random.default_rng(11)
    for _ in range(50):
        rows = slice(None) if batching == "full" else rng.choice(len(X), 8, replace=False)
        Xb, Tb = X[rows], T[rows]
        # the engine, as the session drives it
        opt.look_ahead()
        net.loss_and_backward(Xb, Tb, "mean")
        opt.step()
        # the reference: a separate network gives the gradient at the reference's point
        _set_flat(probe, ref.gradient_point())
        probe.loss_and_backward(Xb, Tb, "mean")
        ref.step(_flat_grad(probe))
    got, want = np.array(_flat(net)), np.array(ref.w)
    assert np.max(np.abs(got - want)) <= 1e-12
    assert np.max(np.abs(got - np.array(_flat(make())))) > 1e-3  # it really trained


@pytest.mark.parametrize("name", ["nag", "adagrad", "rmsprop", "adam"])
def test_a_tiny_l2_barely_changes_the_run(name):
    """The penalty bug made these four ignore or scramble their gradients at any l2 > 0
    (NAG never moved; AdaGrad and RMSProp stepped every weight by -lr)."""
    X, T = _problem()
    losses = []
    for l2 in (0.0, 1e-6):
        net = Network(3, 2, [5, 4], activation="tanh", seed=1)
        opt = optimizers.get(name, net.parameters(), lr=LR[name], l2=l2, **HYPER)
        first = net.loss_and_backward(X, T, "mean")
        for _ in range(200):
            opt.look_ahead()
            net.loss_and_backward(X, T, "mean")
            opt.step()
        losses.append(net.loss_and_backward(X, T, "mean"))
    assert losses[1] < 0.5 * first  # it learns with the penalty on
    assert abs(losses[0] - losses[1]) < 1e-3


def test_nesterov_holds_w_between_steps_not_the_look_ahead_point():
    net = Network(3, 2, [4], activation="tanh", seed=0)
    opt = optimizers.get("nag", net.parameters(), lr=0.1, momentum=0.9)
    X, T = _problem()
    for _ in range(3):
        opt.look_ahead()
        net.loss_and_backward(X, T, "mean")
        opt.step()
    before = _flat(net)
    v = [float(x) for s in opt.state for x in s["v"].ravel()]
    opt.look_ahead()
    ahead = _flat(net)
    assert np.allclose(np.array(ahead) - np.array(before), 0.9 * np.array(v), atol=1e-15)
    opt.look_ahead()  # a second call does not move further
    assert _flat(net) == ahead


@pytest.mark.parametrize("batch_size", [None, 8])
def test_the_session_takes_nesterovs_gradient_at_the_look_ahead_point(batch_size):
    """A session's NAG run equals the hand-driven optimiser, and its history records w's loss."""
    from engine.config import Config
    from engine.session import Session

    cfg = Config.from_dict({"data": {"name": "moons", "n_samples": 60, "seed": 2},
                            "model": {"hidden": [5], "activation": "tanh"},
                            "train": {"optimizer": "nag", "lr": 0.1, "momentum": 0.9, "epochs": 6,
                                      "batch_size": batch_size, "seed": 4}})
    session = Session(cfg)
    hand = Session(cfg)  # the same data, weights and batch order, driven step by step here
    for _snap in session.run():
        pass
    net, opt = hand.network, hand.optimizer
    for _ in range(session.step):
        Xb, Tb = hand._batches.draw(hand._pos)
        hand._pos = (hand._pos + 1) % hand.steps_per_epoch
        opt.look_ahead()
        net.loss_and_backward(Xb, Tb, "mean")
        opt.step()
    for a, b in zip(session.network.parameters(), net.parameters()):
        np.testing.assert_allclose(a.value, b.value, rtol=0, atol=1e-12)
    # the last recorded training loss is the loss of w at the end of the last epoch
    check = Session(cfg)
    check.network.set_weights(session.network.get_weights())
    history = session.snapshot(False).history
    assert history.train_loss[-1] == pytest.approx(check.snapshot(False).train_loss, abs=1e-12)
