"""The training generator, iterated directly (no thread)."""

import math

import numpy as np
import pytest

from engine.config import Config, ConfigError
from engine.session import Session

MOONS = {"data": {"name": "moons", "n_samples": 300, "noise": 0.15, "val_fraction": 0.2},
         "model": {"hidden": [8, 8], "activation": "tanh", "init": "xavier"},
         "train": {"optimizer": "adam", "lr": 0.03, "epochs": 40, "batch_size": 32, "seed": 0}}


def session(**changes):
    cfg = Config.from_dict(MOONS).with_changes(**changes) if changes else Config.from_dict(MOONS)
    return Session(cfg)


def snapshots(s):
    return [x for x in s.run() if x is not None]


def test_loss_falls_on_moons_and_run_completes():
    s = session()
    s.snapshot_every = 50
    snaps = snapshots(s)
    last = snaps[-1]
    assert last.status == "completed" and last.epoch == 40
    assert last.step == 40 * s.steps_per_epoch
    h = last.history
    assert len(h.epochs) == 40 and list(h.epochs) == list(range(1, 41))
    assert h.train_loss[-1] < 0.5 * h.train_loss[0]
    assert last.val_accuracy > 0.9
    assert [snap.step for snap in snaps[:-1]] == list(range(50, last.step + 1, 50))


def test_pause_yields_heartbeats_resume_and_step_epoch():
    s = session()
    s.snapshot_every = 5
    gen = s.run()
    first = next(gen)
    assert first.step == 5
    s.pause()
    step = s.step
    assert next(gen) is None and next(gen) is None
    assert s.step == step and s.status == "paused"
    s.step_epoch()
    snap = next(gen)
    assert snap.epoch == 1 and s.step == s.steps_per_epoch and s.paused
    assert next(gen) is None
    s.step_epoch()
    assert next(gen).epoch == 2
    s.resume()
    assert next(gen).step > 2 * s.steps_per_epoch
    s.stop()
    final = list(gen)
    assert len(final) == 1 and final[0].status == "stopped"


def test_set_lr_applies_mid_run():
    s = session()
    s.snapshot_every = 3
    gen = s.run()
    next(gen)
    s.set_lr(0.5)
    snap = next(gen)
    assert snap.lr == 0.5 and s.optimizer.lr == 0.5 and s.config.train.lr == 0.5
    with pytest.raises(ConfigError, match="train.lr"):
        s.set_lr(-1)


def test_reset_and_reinitialize():
    s = session()
    initial = s.network.get_weights()
    s.snapshot_every = 10**6
    losses = snapshots(s)[-1].history.train_loss.copy()
    s.reset()
    assert s.step == 0 and s.epoch == 0 and len(s.history().epochs) == 0
    np.testing.assert_array_equal(s.network.get_weights()[0][0], initial[0][0])
    np.testing.assert_array_equal(snapshots(s)[-1].history.train_loss, losses)  # same weights, same run
    s.reinitialize(seed=5)
    assert s.config.train.seed == 5
    assert not np.array_equal(s.network.get_weights()[0][0], initial[0][0])


def test_same_seed_identical_different_seed_differs():
    runs = []
    for seed in (0, 0, 1):
        s = session(train={"seed": seed, "epochs": 5})
        s.snapshot_every = 10**6
        runs.append(snapshots(s)[-1].history.train_loss)
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_snapshot_is_frozen_copy():
    s = session()
    s.snapshot_every = 10
    s.boundary_resolution = 30
    gen = s.run()
    snap = next(gen)
    saved = (snap.history.train_loss.copy(), snap.layers[0].preactivations.counts.copy(),
             snap.boundary.probs.copy(), snap.train_loss)
    for _ in range(30):
        next(gen)
    np.testing.assert_array_equal(snap.history.train_loss, saved[0])
    np.testing.assert_array_equal(snap.layers[0].preactivations.counts, saved[1])
    np.testing.assert_array_equal(snap.boundary.probs, saved[2])
    assert snap.train_loss == saved[3]
    with pytest.raises(AttributeError):
        snap.step = 0


def test_boundary_grid_and_predictions():
    s = session()
    s.snapshot_every = 10**6
    last = snapshots(s)[-1]
    assert last.boundary is None
    snap = s.snapshot(boundary_resolution=40)
    b = snap.boundary
    assert b.probs.shape == (40, 40, 2) and b.probs.dtype == np.float32
    np.testing.assert_allclose(b.probs.sum(axis=2), 1, atol=1e-5)
    np.testing.assert_array_equal(b.train_pred, s.network.predict(s.split.X_train))
    assert len(b.val_pred) == len(s.split.y_val)


def test_histogram_edges_stable_across_snapshots():
    s = session(model={"activation": "relu", "init": "he"})
    s.snapshot_every = 20
    snaps = snapshots(s)
    edges = [snap.layers[0].preactivations.edges for snap in snaps]
    # edges only change by doubling, and stay equal between such changes
    distinct = {tuple(e) for e in edges}
    assert len(distinct) <= 3
    tanh_a = [snap.layers[0].activations.edges for snap in snapshots(session())[:1]]
    assert tanh_a[0][0] == -1 and tanh_a[0][-1] == 1


def test_divergence_ends_cleanly_without_warnings():
    s = session(model={"activation": "relu", "output": "identity"},
                train={"optimizer": "sgd", "lr": 1.0, "loss_reduction": "sum", "epochs": 200})
    s.snapshot_every = 1
    snaps = snapshots(s)
    last = snaps[-1]
    assert last.status == "diverged"
    assert last.message.startswith("Training diverged at epoch")
    assert "lower the learning rate" in last.message
    assert any(a.kind == "diverged" for a in last.alerts)
    assert math.isfinite(last.train_loss) and last.epoch < 200
    assert all(math.isfinite(v) for v in last.history.train_loss)


def test_with_replacement_and_full_batch():
    s = session(train={"optimizer": "sgd", "batch_size": 64, "with_replacement": True, "epochs": 3})
    assert s.steps_per_epoch == math.ceil(240 / 64)
    s.snapshot_every = 10**6
    assert snapshots(s)[-1].step == 3 * s.steps_per_epoch
    g = session(train={"optimizer": "gd", "lr": 0.5, "epochs": 7})
    assert g.steps_per_epoch == 1
    g.snapshot_every = 10**6
    assert snapshots(g)[-1].step == 7


def test_float32_run():
    s = session(model={"dtype": "float32"}, train={"epochs": 10})
    s.snapshot_every = 10**6
    last = snapshots(s)[-1]
    assert s.network.parameters()[0].value.dtype == np.float32
    assert last.train_accuracy > 0.8


def test_zero_initialisation_keeps_units_identical():
    s = session(model={"init": "zeros", "activation": "sigmoid"},
                train={"optimizer": "gd", "lr": 1.0, "epochs": 60})
    s.snapshot_every = 10**6
    last = snapshots(s)[-1]
    for stats in last.layers[:-1]:
        assert stats.identical and stats.symmetry == 0.0
    assert any("symmetry never broken" in a.text for a in last.alerts)
    W = s.network.layers[0].W.value
    assert np.ptp(W, axis=1).max() == 0.0


def test_bad_combinations_name_the_field():
    with pytest.raises(ConfigError, match="model.output: 'sigmoid' needs exactly 2 classes"):
        Session(Config.from_dict({"data": {"name": "iris"}, "model": {"output": "sigmoid"}}))
    with pytest.raises(ConfigError, match="data.features"):
        Session(Config.from_dict({"data": {"name": "moons", "features": [0, 3]}}))


def test_epoch_diagnostics_off_records_nothing():
    s = Session(Config.from_dict(MOONS), epoch_diagnostics=False)
    s.snapshot_every = 10**6
    s.want_diagnostics = False
    last = snapshots(s)[-1]
    assert last.epoch == 40 and len(last.history.epochs) == 0 and last.layers == ()
