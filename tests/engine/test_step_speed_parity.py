"""The training step against the hand-fused reference of benchmarks/fused.py (no timing here).

The fused step is the yardstick benchmarks/run.py measures our step against, so it
must compute the same thing: the same weights as our Session after a few steps, for
each optimiser, activation, head, reduction and batch regime it knows. Then what the
speed work on the step must keep: the optimiser's flat path and its double buffer
give the same numbers as before, the full-batch checkpoint is the previous buffer
(no copy per step) and still falls back to the last finite weights, and the step
takes about as many NumPy calls as the fused one.
"""

import numpy as np
import pytest

from benchmarks import fused
from engine import optimizers
from engine.checkpoint import Fallback
from engine.config import Config
from engine.network import Network, Parameter
from engine.session import Session


def session(data=None, model=None, train=None, diagnostics=False):
    cfg = Config.from_dict({"data": {"name": "moons", "n_samples": 120, **(data or {})},
                            "model": {"hidden": [6, 5], **(model or {})},
                            "train": {"epochs": 1000, "seed": 3, **(train or {})}})
    s = Session(cfg, epoch_diagnostics=diagnostics)
    s.want_diagnostics = diagnostics
    return s


def train(s, steps):
    s.snapshot_every = steps
    next(s.run())
    assert s.step == steps


CASES = {
    "adam-tanh-softmax-mean-b16": ({}, {"activation": "tanh"}, {"optimizer": "adam", "lr": 0.03, "batch_size": 16}),
    "adam-relu-softmax-full": ({}, {"activation": "relu", "init": "he"}, {"optimizer": "adam", "batch_size": None}),
    "sgd-sigmoid-softmax-sum-b32": ({}, {"activation": "sigmoid"},
                                    {"optimizer": "sgd", "lr": 0.01, "loss_reduction": "sum", "batch_size": 32}),
    "gd-tanh-sigmoid-head": ({}, {"activation": "tanh", "output": "sigmoid"}, {"optimizer": "gd", "lr": 0.5}),
    "sgd-relu-sigmoid-head-replacement": ({}, {"activation": "relu", "output": "sigmoid"},
                                          {"optimizer": "sgd", "lr": 0.1, "batch_size": 40,
                                           "with_replacement": True}),
    "adam-sigmoid-4-classes-sum": ({"name": "blobs", "centers": 4}, {"activation": "sigmoid"},
                                   {"optimizer": "adam", "loss_reduction": "sum", "batch_size": 25}),
    "adam-mixed-layers": ({}, {"hidden": [6, 5, 4], "activations": ["relu", "tanh", "sigmoid"]},
                          {"optimizer": "adam", "batch_size": 20}),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", list(CASES))
def test_the_fused_step_computes_the_sessions_weights(case, dtype):
    data, model, train_cfg = CASES[case]
    ours = session(data, {**model, "dtype": dtype}, train_cfg)
    ref = fused.FusedRunner(session(data, {**model, "dtype": dtype}, train_cfg))
    steps = 3 * ours.steps_per_epoch + 2  # across epoch ends (a new order) and, mini-batch, a short last batch
    train(ours, steps)
    ref.train(steps)
    tol = {"float64": dict(rtol=1e-9, atol=1e-12), "float32": dict(rtol=2e-4, atol=2e-5)}[dtype]
    moved = 0.0
    for (W, b), (fW, fb), (W0, _) in zip(ours.network.get_weights(), ref.fused.weights(), ours._initial):
        np.testing.assert_allclose(W, fW, **tol)
        np.testing.assert_allclose(b, fb, **tol)
        moved = max(moved, float(np.max(np.abs(W - W0))))
    assert moved > 1e-3  # it really trained


@pytest.mark.parametrize("key", list(fused.FUSED_WORKLOADS))
def test_every_benchmark_workload_has_a_faithful_fused_step(key):
    ours = fused.build_session(key, "float64")
    ours.want_diagnostics = False
    ref = fused.FusedRunner.of(key, "float64")
    steps = 2 if ours.full_batch else 5
    train(ours, steps)
    ref.train(steps)
    for (W, b), (fW, fb) in zip(ours.network.get_weights(), ref.fused.weights()):
        np.testing.assert_allclose(W, fW, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(b, fb, rtol=1e-9, atol=1e-12)


def test_the_fused_step_refuses_what_it_does_not_implement():
    with pytest.raises(ValueError, match="momentum"):
        fused.FusedStep(session(train={"optimizer": "momentum"}))
    with pytest.raises(ValueError, match="elu"):
        fused.FusedStep(session(model={"activation": "elu"}))
    with pytest.raises(ValueError, match="penalty"):
        fused.FusedStep(session(train={"optimizer": "sgd", "l2": 0.01}))


# -- the optimiser's fast paths give the numbers of the plain one -----------------------------------
def _problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 3))
    T = np.eye(2)[(X[:, 0] * X[:, 1] > 0).astype(int)]
    return X, T


def _loose(net):
    """The network's parameters as separate arrays: the optimiser's one-by-one path."""
    return [Parameter(p.name, p.value.copy(), np.zeros_like(p.grad), p.regularize) for p in net.parameters()]


@pytest.mark.parametrize("penalty", [(0.0, 0.0), (1e-2, 1e-3)], ids=["plain", "l2+l1"])
@pytest.mark.parametrize("name", optimizers.names())
def test_the_flat_and_double_buffered_updates_equal_the_one_by_one_update(name, penalty):
    X, T = _problem()
    l2, l1 = penalty
    make = lambda: Network(3, 2, [5, 4], activation="tanh", bias_init="like_weights", seed=1)
    flat, swapped, probe = make(), make(), make()
    loose = _loose(probe)
    opts = [optimizers.get(name, net_params, lr=0.05, l2=l2, l1=l1)
            for net_params in (flat.parameters(), swapped.parameters(), loose)]
    assert [len(o._groups) for o in opts] == [1, 1, len(loose)]  # the flat path is taken for a Network
    if opts[1].looks_ahead:
        with pytest.raises(ValueError, match="moves the parameters"):
            opts[1].keep_previous()
    else:
        opts[1].keep_previous()
    for _ in range(20):
        for net, opt in zip((flat, swapped), opts):
            before = [p.value.copy() for p in net.parameters()]
            opt.look_ahead()
            net.loss_and_backward(X, T, "mean")
            opt.step()
            if opt.keeps_previous:  # the values from before the step are still there
                assert all(np.array_equal(a, b) for a, b in zip(opt.previous(), before))
        # the loose parameters get the gradient at their own point (w + mu v for Nesterov)
        opts[2].look_ahead()
        for p, q in zip(probe.parameters(), loose):
            p.value[...] = q.value
        probe.loss_and_backward(X, T, "mean")
        for p, q in zip(probe.parameters(), loose):
            q.grad[...] = p.grad
        opts[2].step()
    for a, b, c in zip(flat.parameters(), swapped.parameters(), loose):
        np.testing.assert_array_equal(a.value, b.value)  # swapping buffers changes no bit
        np.testing.assert_allclose(a.value, c.value, rtol=0, atol=1e-14)


def test_state_entries_are_views_of_the_flat_state():
    net = Network(2, 2, [4], seed=0)
    opt = optimizers.get("adam", net.parameters())
    assert all(s["m"].shape == p.value.shape for s, p in zip(opt.state, net.parameters()))
    assert len({id(s["m"].base) for s in opt.state}) == 1
    opt.reset()
    assert all(s["m"].base is opt._groups[0].state["m"] for s in opt.state)


# -- the full-batch checkpoint ------------------------------------------------------------------
def test_full_batch_keeps_the_previous_buffer_instead_of_copying(monkeypatch):
    saves = []
    monkeypatch.setattr("engine.checkpoint.Checkpoint.save", lambda self, *a: saves.append(a))
    s = session(train={"optimizer": "gd", "lr": 0.5})
    train(s, 25)
    assert s._fallback.follows and s.optimizer.keeps_previous and saves == []
    good = s._fallback.good  # step 24's weights gave a finite loss (step 25's are not yet checked)
    assert (good.epoch, good.step) == (24, 24)
    replay = session(train={"optimizer": "gd", "lr": 0.5})
    train(replay, 24)
    for (W, b), (rW, rb) in zip(good.weights, replay.network.get_weights()):
        assert np.array_equal(W, rW) and np.array_equal(b, rb)
    m = session(train={"optimizer": "sgd", "batch_size": 16})
    train(m, 20)
    assert m.steps_per_epoch == 6 and not m._fallback.follows
    assert len(saves) == 3  # mini-batch: one copy per epoch
    n = session(train={"optimizer": "nag", "batch_size": None})
    train(n, 3)
    assert not n._fallback.follows and len(saves) == 6  # Nesterov moves w before its step: a copy per step


@pytest.mark.parametrize("diagnostics", [True, False], ids=["diagnostics", "bare"])
def test_a_diverged_full_batch_run_ends_on_exactly_the_last_finite_weights(diagnostics):
    cfg = dict(model={"activation": "relu", "output": "identity"},
               train={"optimizer": "gd", "lr": 5.0, "loss_reduction": "sum"})
    s = session(**cfg, diagnostics=diagnostics)
    s.snapshot_every = 10**6
    last = list(s.run())[-1]
    assert last.status == "diverged" and 0 < s.step
    replay = session(**cfg)
    train(replay, s.step)  # the same run, stopped where the fallback says the last finite weights are
    for (W, b), (rW, rb) in zip(s.network.get_weights(), replay.network.get_weights()):
        assert np.array_equal(W, rW) and np.array_equal(b, rb)
    assert np.isfinite(replay.network.loss_and_backward(replay._X, replay._T, "sum"))
    s.reset()  # and a reset run trains again, from the initial weights, on the same buffers
    assert all(np.array_equal(W, W0) for (W, _), (W0, _) in zip(s.network.get_weights(), s._initial))
    s.snapshot_every = 3
    assert next(s.run()).status == "running" and s.step == 3


def test_a_reference_that_fell_two_steps_behind_refuses_to_be_read():
    net = Network(2, 2, [3], seed=0)
    opt = optimizers.get("sgd", net.parameters(), lr=0.1)
    fb = Fallback(net)
    fb.follow(net, opt)
    X, T = _problem()[0][:, :2], _problem()[1]
    fb.save_candidate(0, 0)
    fb.promote()
    for _ in range(2):  # two updates with no promotion in between: the good buffer is overwritten
        net.loss_and_backward(X, T)
        opt.step()
    with pytest.raises(RuntimeError, match="overwritten"):
        _ = fb.good.weights


# -- NumPy calls per step ---------------------------------------------------------------------------
def test_the_step_takes_about_as_many_numpy_calls_as_the_fused_one():
    ours, ref = fused._count("moons-default")
    assert ref > 30 and ours <= ref + 2, (ours, ref)
