"""run_to_end: the one loop that drives a session to its end for the CLI and the sweep."""

import numpy as np
import pytest

from engine import sweep
from engine.config import Config
from engine.runner import run_to_end
from engine.session import Session

SMALL = {"data": {"name": "moons", "n_samples": 200, "noise": 0.15, "val_fraction": 0.2},
         "model": {"hidden": [6], "activation": "tanh", "init": "xavier"},
         "train": {"optimizer": "adam", "lr": 0.03, "epochs": 6, "batch_size": 32, "seed": 2}}


def session(every=2**62, **changes):
    cfg = Config.from_dict(SMALL).with_changes(**changes) if changes else Config.from_dict(SMALL)
    s = Session(cfg)
    s.snapshot_every = every
    return s


class Scripted:
    """A stand-in session whose run() yields a fixed sequence (heartbeats included)."""

    def __init__(self, items):
        self.items = items

    def run(self):
        yield from self.items


def test_returns_the_final_snapshot_of_a_completed_run():
    s, manual = session(), session()
    final = run_to_end(s)
    expected = [snap for snap in manual.run() if snap is not None][-1]
    assert final.status == "completed" and final.message == "Completed 6 epochs."
    assert (final.step, final.epoch) == (6 * s.steps_per_epoch, 6) == (expected.step, expected.epoch)
    assert final.train_loss == expected.train_loss and final.val_accuracy == expected.val_accuracy
    assert np.array_equal(final.history.train_loss, expected.history.train_loss)
    for (W, b), (W2, b2) in zip(s.network.get_weights(), manual.network.get_weights()):
        assert np.array_equal(W, W2) and np.array_equal(b, b2)


def test_on_snapshot_sees_every_snapshot_in_order_ending_with_the_returned_one():
    s = session()
    s.snapshot_every = s.steps_per_epoch
    seen = []
    final = run_to_end(s, seen.append)
    spe = s.steps_per_epoch
    assert [snap.step for snap in seen] == [spe * k for k in range(1, 7)] + [6 * spe]
    assert [snap.status for snap in seen] == ["running"] * 6 + ["completed"]
    assert seen[-1] is final
    assert [len(snap.history.epochs) for snap in seen[:-1]] == [1, 2, 3, 4, 5, 6]


def test_heartbeats_are_skipped_and_not_passed_on():
    a, b = object(), object()
    seen = []
    assert run_to_end(Scripted([None, a, None, None, b, None]), seen.append) is b
    assert seen == [a, b]


def test_a_run_without_any_snapshot_is_an_error_not_none():
    with pytest.raises(RuntimeError, match="without a snapshot"):
        run_to_end(Scripted([None, None]))


def test_a_stopped_session_ends_at_once_with_a_stopped_snapshot():
    s = session()
    s.stop()
    final = run_to_end(s)
    assert final.status == "stopped" and final.step == 0 and final.message == "Stopped by the user."


def test_divergence_is_returned_as_the_final_snapshot_on_finite_weights():
    s = session(model={"activation": "relu", "output": "identity"},
                train={"optimizer": "sgd", "lr": 1.0, "loss_reduction": "sum", "epochs": 200})
    final = run_to_end(s)
    assert final.status == "diverged" and final.message.startswith("Training diverged at epoch")
    assert final.epoch < 200 and final.step == s.step
    assert all(np.isfinite(w).all() for pair in s.network.get_weights() for w in pair)


def test_the_sweep_row_is_the_runners_final_snapshot():
    s = session()
    s.want_diagnostics = True
    final = run_to_end(s)
    row = sweep.run_one(Config.from_dict(SMALL).to_dict())
    ratio = final.layers[0].grad_mean_abs / final.layers[-1].grad_mean_abs
    assert row == {"train_loss": final.train_loss, "val_loss": final.val_loss,
                   "train_accuracy": final.train_accuracy, "val_accuracy": final.val_accuracy,
                   "stopped_reason": "completed", "epochs": 6, "grad_first_to_output": ratio}
