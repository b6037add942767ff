"""The training generator, iterated directly (no Qt; one test drives the controls from a thread)."""

import math
import re
import threading

import numpy as np
import pytest

from engine import probes
from engine.config import Config, ConfigError
from engine.session import DIAGNOSTIC_SAMPLE, EVALUATION_SAMPLE, Session

MOONS = {"data": {"name": "moons", "n_samples": 300, "noise": 0.15, "val_fraction": 0.2},
         "model": {"hidden": [8, 8], "activation": "tanh", "init": "xavier"},
         "train": {"optimizer": "adam", "lr": 0.03, "epochs": 40, "batch_size": 32, "seed": 0}}


def session(epoch_diagnostics=True, **changes):
    cfg = Config.from_dict(MOONS).with_changes(**changes) if changes else Config.from_dict(MOONS)
    return Session(cfg, epoch_diagnostics=epoch_diagnostics)


def snapshots(s, every=10**9):
    s.snapshot_every = every
    return [x for x in s.run() if x is not None]


def record_batches(s):
    """Wrap the network's training pass to keep every batch it is given."""
    seen = []
    original = s.network.loss_and_backward

    def recording(X, T, reduction="mean"):
        seen.append(X.copy())
        return original(X, T, reduction)

    s.network.loss_and_backward = recording
    return seen


def direct_loss(s):
    net = s.network
    return net.head.loss(net.forward(s.split.X_train, keep=False), net.targets(s.split.y_train), "mean")


# -- the loop ------------------------------------------------------------------------------
def test_loss_falls_on_moons_and_run_completes():
    s = session()
    snaps = snapshots(s, every=50)
    last = snaps[-1]
    assert last.status == "completed" and last.epoch == 40 and last.message == "Completed 40 epochs."
    assert last.step == 40 * s.steps_per_epoch == 40 * 8
    h = last.history
    assert list(h.epochs) == list(range(1, 41))
    assert h.train_loss[-1] < 0.5 * h.train_loss[0]
    assert last.val_accuracy > 0.9 and last.train_accuracy > 0.9
    assert [snap.step for snap in snaps[:-1]] == list(range(50, last.step + 1, 50))
    assert all(snap.status == "running" for snap in snaps[:-1])
    assert last.steps_per_second > 0
    assert h.grad_mean_abs.shape == (40, 3) and np.all(h.grad_mean_abs > 0)
    assert np.all(np.isnan(h.dead_fraction))  # tanh units cannot die
    assert np.all(np.isnan(h.saturated_fraction[:, 2]))  # the output layer has no activation


def test_pause_yields_heartbeats_resume_and_step_epoch():
    s = session()
    s.snapshot_every = 5
    gen = s.run()
    first = next(gen)
    assert first.step == 5 and first.status == "running"
    s.pause()
    step = s.step
    assert next(gen) is None and next(gen) is None
    assert s.step == step and s.status == "paused"
    s.step_epoch()  # from the middle of epoch 1: exactly to its end
    snap = next(gen)
    assert snap.epoch == 1 and snap.step == s.steps_per_epoch and s.paused and snap.status == "paused"
    assert next(gen) is None and s.step == s.steps_per_epoch
    s.step_epoch()
    snap = next(gen)
    assert snap.epoch == 2 and snap.step == 2 * s.steps_per_epoch and len(snap.history.epochs) == 2
    assert next(gen) is None
    s.resume()
    assert next(gen).step > 2 * s.steps_per_epoch
    s.stop()
    final = list(gen)
    assert len(final) == 1 and final[0].status == "stopped" and final[0].message == "Stopped by the user."
    assert s.status == "stopped"


def test_a_pause_right_after_a_coarse_snapshot_shows_the_full_grid():
    s = session()
    s.snapshot_every = 5
    s.boundary_resolution, s.live_boundary_resolution = 30, 12
    gen = s.run()
    live = next(gen)
    assert live.status == "running" and len(live.boundary.xs) == 12
    s.pause()  # at the very step of that coarse snapshot: the pause retakes it at the full grid
    paused = next(gen)
    assert paused.step == live.step and paused.status == "paused" and len(paused.boundary.xs) == 30
    assert next(gen) is None  # and only once
    s.stop()
    list(gen)


def test_controls_from_another_thread():
    """A pause arriving mid-run stops training between two steps and shows that exact state."""
    s = session(train={"epochs": 100_000})
    gen = s.run()
    s.snapshot_every = 10**9
    timer = threading.Timer(0.05, s.pause)
    timer.start()
    snap = next(gen)  # trains until the pause flag is seen
    timer.join()
    assert snap.status == "paused" and 0 < snap.step == s.step < 100_000 * s.steps_per_epoch
    assert next(gen) is None and s.step == snap.step
    threading.Timer(0.01, s.stop).start()
    rest = list(gen)  # heartbeats until the stop arrives, then the final snapshot
    assert rest[-1].status == "stopped" and all(x is None for x in rest[:-1])
    assert rest[-1].step == snap.step


def test_stop_before_training_and_run_again_after_a_stop():
    s = session(train={"epochs": 3})
    s.stop()
    (only,) = snapshots(s)
    assert only.status == "stopped" and only.step == 0
    last = snapshots(s)[-1]  # a new run after a stop trains on
    assert last.status == "completed" and last.epoch == 3
    again = snapshots(s)
    assert len(again) == 1 and again[0].status == "completed" and again[0].step == last.step


def test_set_lr_applies_from_the_next_step():
    s = session(train={"optimizer": "sgd", "lr": 0.5})
    s.snapshot_every = 3
    gen = s.run()
    next(gen)
    s.set_lr(1e-12)
    before = [w.copy() for w, _ in s.network.get_weights()]
    snap = next(gen)
    assert snap.lr == 1e-12 and s.optimizer.lr == 1e-12 and s.config.train.lr == 1e-12
    after = [w for w, _ in s.network.get_weights()]
    assert all(np.abs(a - b).max() < 1e-9 for a, b in zip(after, before))  # steps of ~1e-12
    s.set_lr(0.5)
    next(gen)
    moved = [np.abs(W - b).max() for (W, _), b in zip(s.network.get_weights(), after)]
    assert max(moved) > 1e-4
    with pytest.raises(ConfigError, match="train.lr"):
        s.set_lr(-1)
    with pytest.raises(ConfigError, match="train.lr"):
        s.set_lr(float("nan"))


def test_reset_and_reinitialize():
    s = session()
    initial = s.network.get_weights()
    losses = snapshots(s)[-1].history.train_loss.copy()
    s.reset()
    assert s.step == 0 and s.epoch == 0 and s.status == "idle" and len(s.history().epochs) == 0
    for (W0, b0), (W, b) in zip(initial, s.network.get_weights()):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    np.testing.assert_array_equal(snapshots(s)[-1].history.train_loss, losses)  # same weights, same run
    s.reinitialize(seed=5)
    assert s.config.train.seed == 5 and s.step == 0 and len(s.history().epochs) == 0
    assert not np.array_equal(s.network.get_weights()[0][0], initial[0][0])
    other = snapshots(s)[-1].history.train_loss
    assert not np.array_equal(other, losses)
    np.testing.assert_array_equal(snapshots(session(train={"seed": 5}))[-1].history.train_loss, other)


def test_same_seed_identical_different_seed_differs():
    runs = [snapshots(session(train={"seed": seed, "epochs": 5}))[-1].history.train_loss for seed in (0, 0, 1)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


@pytest.mark.parametrize("train", [
    {"optimizer": "gd", "lr": 0.5, "loss_reduction": "sum"},
    {"optimizer": "adam", "batch_size": 32},
    {"optimizer": "sgd", "batch_size": 128, "with_replacement": True},
], ids=["full-batch", "mini-batch", "with-replacement"])
def test_snapshots_never_change_the_run(train):
    """Taking snapshots (and their diagnostic passes) leaves training bit-identical."""
    results = []
    for every in (1, 7, 10**9):
        s = session(train={**train, "epochs": 12})
        last = snapshots(s, every)[-1]
        results.append((last.history, s.network.get_weights()))
    for history, weights in results[1:]:
        for key in ("train_loss", "val_loss", "train_accuracy", "grad_mean_abs", "activation_std"):
            np.testing.assert_array_equal(getattr(history, key), getattr(results[0][0], key))
        for (W, _), (W0, _) in zip(weights, results[0][1]):
            np.testing.assert_array_equal(W, W0)


def test_snapshot_is_frozen_copy():
    s = session()
    s.snapshot_every = 10
    s.boundary_resolution = 30
    gen = s.run()
    snap = next(gen)
    saved = (snap.history.train_loss.copy(), snap.layers[0].preactivations.counts.copy(),
             snap.layers[0].gradients.edges.copy(), snap.boundary.probs.copy(), snap.train_loss)
    for _ in range(30):
        next(gen)
    np.testing.assert_array_equal(snap.history.train_loss, saved[0])
    np.testing.assert_array_equal(snap.layers[0].preactivations.counts, saved[1])
    np.testing.assert_array_equal(snap.layers[0].gradients.edges, saved[2])
    np.testing.assert_array_equal(snap.boundary.probs, saved[3])
    assert snap.train_loss == saved[4]
    with pytest.raises(AttributeError):
        snap.step = 0


def test_initial_snapshot_describes_the_untrained_network():
    s = session()
    snap = s.snapshot(boundary_resolution=20)
    assert snap.step == 0 and snap.epoch == 0 and len(snap.history.epochs) == 0
    assert snap.train_loss == pytest.approx(direct_loss(s))
    assert len(snap.layers) == 3 and snap.boundary.probs.shape == (20, 20, 2)
    assert all(math.isnan(layer.update_ratio) for layer in snap.layers)  # no update yet


def test_boundary_grid_and_predictions():
    s = session()
    last = snapshots(s)[-1]
    assert last.boundary is None
    snap = s.snapshot(boundary_resolution=40)
    b = snap.boundary
    assert b.probs.shape == (40, 40, 2) and b.probs.dtype == np.float32 and b.features == (0, 1)
    np.testing.assert_allclose(b.probs.sum(axis=2), 1, atol=1e-5)
    np.testing.assert_array_equal(b.train_pred, s.network.predict(s.split.X_train))
    np.testing.assert_array_equal(b.val_pred, s.network.predict(s.split.X_val))
    assert b.xs[0] < s.split.X_train[:, 0].min() and b.ys[-1] > s.split.X_train[:, 1].max()


def test_histogram_edges_stable_across_snapshots():
    s = session(model={"activation": "relu", "init": "he"})
    snaps = snapshots(s, every=20)
    for kind in ("preactivations", "gradients", "activations"):
        for i in range(3):
            edges = [getattr(snap.layers[i], kind).edges for snap in snaps]
            assert all(len(e) == probes.DEFAULT_BINS + 1 for e in edges)
            for a, b in zip(edges, edges[1:]):  # equal, or the open end(s) doubled
                assert np.array_equal(a, b) or (b[-1] - b[0]) / (a[-1] - a[0]) in (2.0, 4.0, 8.0, 16.0)
    relu_a = snaps[0].layers[0].activations.edges
    assert relu_a[0] == 0.0 and math.log2(relu_a[-1]).is_integer()  # [0, 2^k] for ReLU outputs
    tanh = snapshots(session(), every=40)
    assert all(tuple(x.layers[0].activations.edges[[0, -1]]) == (-1.0, 1.0) for x in tanh)


# -- epoch metrics ------------------------------------------------------------------------
@pytest.mark.parametrize("train", [{"optimizer": "gd", "lr": 0.3, "loss_reduction": "sum"},
                                   {"optimizer": "gd", "lr": 0.5},
                                   {"optimizer": "adam", "batch_size": 32}], ids=["gd-sum", "gd-mean", "adam"])
def test_history_describes_the_weights_at_each_epoch_end(train):
    s = session(model={"activation": "relu", "init": "he"}, train={**train, "epochs": 4})
    last = snapshots(s)[-1]
    h = last.history
    assert list(h.epochs) == [1, 2, 3, 4]
    net = s.network
    X, y = s.split.X_train, s.split.y_train
    assert h.train_loss[-1] == pytest.approx(direct_loss(s), rel=1e-12)
    assert h.train_accuracy[-1] == pytest.approx(np.mean(net.predict(X) == y))
    Xv, yv = s.split.X_val, s.split.y_val
    assert h.val_loss[-1] == pytest.approx(net.head.loss(net.forward(Xv, keep=False), net.targets(yv), "mean"))
    net.loss_and_backward(X, net.targets(y), "mean")
    grads = [probes.grad_mean_abs(layer.W.grad) for layer in net.layers]
    np.testing.assert_allclose(h.grad_mean_abs[-1], grads, rtol=1e-10)
    dead = [probes.dead_fraction(net.layers[i].activation, net.zs[i]) for i in range(2)]
    np.testing.assert_allclose(h.dead_fraction[-1, :2], dead)
    assert (last.train_loss, last.val_loss) == (h.train_loss[-1], h.val_loss[-1])


def test_large_training_set_uses_the_diagnostic_sample_for_gradients():
    n = DIAGNOSTIC_SAMPLE + 300
    s = session(data={"n_samples": n, "val_fraction": 0.0}, train={"batch_size": 256, "epochs": 2})
    last = snapshots(s)[-1]
    net = s.network
    assert last.train_loss == pytest.approx(direct_loss(s), rel=1e-12)  # the whole set
    assert math.isnan(last.val_loss) and math.isnan(last.val_accuracy)
    rows = s.diagnostic_rows
    assert len(np.unique(rows)) == DIAGNOSTIC_SAMPLE and rows[0] == 0 and rows[-1] == n - 1
    net.loss_and_backward(s.split.X_train[rows], net.targets(s.split.y_train[rows]))
    np.testing.assert_allclose(last.history.grad_mean_abs[-1],
                               [probes.grad_mean_abs(layer.W.grad) for layer in net.layers], rtol=1e-10)
    np.testing.assert_allclose([layer.grad_mean_abs for layer in last.layers], last.history.grad_mean_abs[-1])


def test_very_large_training_set_evaluates_an_even_sample():
    n = EVALUATION_SAMPLE + 500
    s = session(data={"n_samples": n, "val_fraction": 0.0}, train={"batch_size": 512, "epochs": 1})
    last = snapshots(s)[-1]
    rows = s.evaluation_rows
    assert len(rows) == EVALUATION_SAMPLE and rows[0] == 0 and rows[-1] == n - 1
    net = s.network
    X, y = s.split.X_train[rows], s.split.y_train[rows]
    assert last.train_loss == pytest.approx(net.head.loss(net.forward(X, keep=False), net.targets(y)), rel=1e-12)
    assert last.train_accuracy == pytest.approx(np.mean(net.predict(X) == y))


def test_snapshot_layer_statistics_are_mean_loss_statistics():
    """Whether a snapshot reuses the epoch's pass (here a summed loss) or makes its own, the numbers agree."""
    s = session(train={"optimizer": "gd", "lr": 0.1, "loss_reduction": "sum", "epochs": 3})
    reused = snapshots(s)[-1]
    net = s.network
    net.loss_and_backward(s.split.X_train, net.targets(s.split.y_train), "mean")
    fresh = probes.layer_stats(net, {})
    for a, b in zip(reused.layers, fresh):
        assert a.grad_mean_abs == pytest.approx(b.grad_mean_abs, rel=1e-12)
        np.testing.assert_array_equal(a.preactivations.counts, b.preactivations.counts)


def test_epoch_diagnostics_off_records_nothing():
    s = session(epoch_diagnostics=False)
    s.want_diagnostics = False
    last = snapshots(s)[-1]
    assert last.epoch == 40 and len(last.history.epochs) == 0 and last.layers == () and last.alerts == ()
    assert last.train_loss == pytest.approx(direct_loss(s))  # evaluated for the snapshot itself


# -- batches ------------------------------------------------------------------------------
def test_shuffled_epochs_cover_every_sample_once():
    s = session(train={"optimizer": "sgd", "batch_size": 64, "epochs": 2})
    seen = record_batches(s)
    snapshots(s)
    n = len(s.split.y_train)
    spe = s.steps_per_epoch
    steps = [b for b in seen if len(b) != n]  # (the passes over all n rows are evaluations, epoch 0's too)
    assert spe == math.ceil(n / 64) and [len(b) for b in steps[:spe]] == [64] * (spe - 1) + [n - 64 * (spe - 1)]
    X = np.asarray(s.split.X_train)
    for epoch in range(2):
        batches = [b for b in seen if len(b) != n][epoch * spe:(epoch + 1) * spe]  # skip evaluation passes
        rows = np.concatenate(batches)
        np.testing.assert_array_equal(np.sort(rows, axis=0), np.sort(X, axis=0))
    first, second = (np.concatenate([b for b in seen if len(b) != n][e * spe:(e + 1) * spe]) for e in (0, 1))
    assert not np.array_equal(first, second)  # reshuffled each epoch


def test_with_replacement_batches():
    s = Session(Config.from_dict({
        "data": {"name": "iris_binary", "val_fraction": 0.2},
        "model": {"hidden": [4], "activation": "sigmoid", "output": "sigmoid"},
        "train": {"optimizer": "sgd", "lr": 0.001, "loss_reduction": "sum", "batch_size": 128,
                  "with_replacement": True, "epochs": 3}}))
    n = len(s.split.y_train)
    assert n == 80 and s.batch_size == 128 and s.steps_per_epoch == 1  # ceil(80 / 128) draws of 128
    seen = record_batches(s)
    assert snapshots(s)[-1].step == 3
    draws = [b for b in seen if len(b) == 128]
    assert len(draws) == 3
    for batch in draws:
        assert len(np.unique(batch, axis=0)) < 128  # 128 draws from 80 points repeat some
        assert np.isin(batch[:, 0], np.asarray(s.split.X_train)[:, 0]).all()


def test_full_batch_steps():
    g = session(train={"optimizer": "gd", "lr": 0.5, "epochs": 7})
    assert g.steps_per_epoch == 1 and g.full_batch and g.batch_size == len(g.split.y_train)
    seen = record_batches(g)
    last = snapshots(g)[-1]
    assert last.step == 7 and list(last.history.epochs) == list(range(1, 8))
    assert all(np.array_equal(b, g.split.X_train) for b in seen)  # the whole set, in order


def test_float32_run():
    s = session(model={"dtype": "float32"}, train={"epochs": 10})
    s.boundary_resolution = 25
    last = snapshots(s, every=20)[-1]
    assert s.network.parameters()[0].value.dtype == np.float32
    assert last.train_accuracy > 0.8 and last.boundary.probs.dtype == np.float32
    assert all(np.isfinite(layer.grad_mean_abs) for layer in last.layers)


# -- pathologies --------------------------------------------------------------------------
def test_zero_initialisation_keeps_units_identical():
    s = session(model={"init": "zeros", "activation": "sigmoid"}, train={"optimizer": "gd", "lr": 1.0, "epochs": 60})
    last = snapshots(s)[-1]
    for stats in last.layers[:-1]:
        assert stats.identical and stats.symmetry == 0.0
    assert any("symmetry never broken" in a.text for a in last.alerts)
    W = s.network.layers[0].W.value
    assert np.ptp(W, axis=1).max() == 0.0 and np.ptp(W) > 0  # the units moved, all together


@pytest.mark.parametrize("train", [
    {"optimizer": "sgd", "lr": 1.0, "loss_reduction": "sum", "epochs": 200},
    {"optimizer": "gd", "lr": 5.0, "loss_reduction": "sum", "epochs": 500},
], ids=["mini-batch", "full-batch"])
@pytest.mark.parametrize("diagnostics", [True, False], ids=["diagnostics", "bare"])
def test_divergence_ends_on_the_last_finite_weights(train, diagnostics):
    s = session(diagnostics, model={"activation": "relu", "output": "identity"}, train=train)
    s.want_diagnostics = diagnostics
    snaps = snapshots(s, every=1)
    last = snaps[-1]
    assert last.status == "diverged" and s.status == "diverged"
    match = re.fullmatch(r"Training diverged at epoch (\d+) \(loss is (NaN|infinite); last finite loss [^)]+\)"
                         r" — likely cause: .+ — try: lower the learning rate.*", last.message)
    assert match and last.epoch < train["epochs"]
    assert int(match.group(1)) == last.epoch + 1  # the epoch whose updates blew up
    assert last.alerts[-1].kind == "diverged" and last.alerts[-1].text == last.message
    assert math.isfinite(last.train_loss) and all(np.isfinite(w).all() for pair in s.network.get_weights()
                                                  for w in pair)
    assert last.step == s.step and last.epoch == s.epoch
    if diagnostics:
        assert list(last.history.epochs) == list(range(1, last.epoch + 1))
        assert np.isfinite(last.history.train_loss).all()
        assert last.train_loss == pytest.approx(direct_loss(s))  # the restored weights' own loss
        assert all(math.isfinite(layer.grad_mean_abs) for layer in last.layers)
    again = snapshots(s)
    assert again == [last]  # the run is over until reset()


def test_bad_combinations_name_the_field():
    with pytest.raises(ConfigError, match="model.output: 'sigmoid' needs exactly 2 classes"):
        Session(Config.from_dict({"data": {"name": "iris"}, "model": {"output": "sigmoid"}}))
    with pytest.raises(ConfigError, match="data.features"):
        Session(Config.from_dict({"data": {"name": "moons", "features": [0, 3]}}))


def test_an_interrupt_ends_the_period_at_the_next_step_with_a_snapshot():
    s = Session(Config.from_dict({"data": {"name": "moons", "n_samples": 200}, "model": {"hidden": [4]},
                                  "train": {"epochs": 10**6}}))
    s.snapshot_every = 10**6  # a period of a million steps (about a minute)
    s.interrupt()  # as from another thread, while the period runs
    snap = next(s.run())
    assert snap is not None and snap.step == 1 and snap.status == "running"


def test_an_interrupt_does_not_cut_a_step_epoch_short():
    s = Session(Config.from_dict({"data": {"name": "moons", "n_samples": 200}, "model": {"hidden": [4]},
                                  "train": {"epochs": 100}}))
    s.pause()
    s.step_epoch()
    s.interrupt()
    gen = s.run()
    snap = next(gen)
    while snap is None:
        snap = next(gen)
    assert snap.epoch == 1 and snap.step == s.steps_per_epoch
