"""Alerts that explain: each new alert on hand-built cases, what it says and when it must not fire."""

import dataclasses
import math

import numpy as np
import pytest

from engine import activations, probes
from engine.config import Config
from engine.network import Network
from engine.probes import AlertContext
from engine.session import Session
from engine.snapshot import Histogram, History, LayerStats, Snapshot

EMPTY = Histogram(np.linspace(-1, 1, 3), np.zeros(2, np.int64))


def layer(index, grad=1.0, is_output=False, **kw):
    fields = dict(index=index, name=f"Layer {index}", activation="tanh", width=4, is_output=is_output,
                  activations=EMPTY, preactivations=EMPTY, gradients=EMPTY, grad_mean_abs=grad,
                  activation_std=1.0, saturated_fraction=0.0, dead_fraction=math.nan, dead_units=0,
                  update_ratio=1e-3, symmetry=1.0, identical=False)
    fields.update(kw)
    return LayerStats(**fields)


def history(train, val):
    n = len(train)
    per_layer = np.zeros((n, 2))
    return History(np.arange(1, n + 1), np.asarray(train, float), np.asarray(val, float), np.full(n, 0.9),
                   np.full(n, 0.8), per_layer, per_layer, per_layer, per_layer)


def final(raw, every=10**9):
    s = Session(Config.from_dict(raw))
    s.snapshot_every = every
    return s, [x for x in s.run() if x is not None][-1]


def by_kind(alerts, kind):
    return [a for a in alerts if a.kind == kind]


# -- numbers --------------------------------------------------------------------------------
def test_compact_numbers():
    assert probes.compact(1.6e199) == "1.6e+199"
    assert probes.compact(0.41581916) == "0.4158"
    assert probes.compact(12.3456) == "12.35"
    assert probes.compact(3e-7) == "3e-07"
    assert probes.compact(0.0) == "0"
    assert (probes.compact(math.nan), probes.compact(math.inf)) == ("NaN", "inf")


# -- saturation: every activation with a flat region -----------------------------------------
@pytest.mark.parametrize("name, lo, hi", [
    ("sigmoid", -5.99, 5.99), ("tanh", -2.99, 2.99), ("softplus", -4.6, math.inf), ("elu", -4.6, math.inf),
    ("selu", -4.6, math.inf), ("gelu", -3.02, math.inf), ("swish", -6.13, math.inf),
    ("relu", -math.inf, math.inf), ("leaky_relu", -math.inf, math.inf), ("identity", -math.inf, math.inf),
])
def test_flat_tails_come_from_each_activations_own_slope(name, lo, hi):
    f = activations.get(name)
    got_lo, got_hi = probes.flat_tails(f)
    assert got_lo == pytest.approx(lo, abs=0.02) and got_hi == pytest.approx(hi, abs=0.02)
    level = probes.SATURATION_LEVEL * f.max_derivative
    if math.isfinite(got_lo):  # flat all the way out, and not flat just inside
        assert np.all(np.abs(f.derivative(np.linspace(-60, got_lo - 1e-6, 500))) < level)
        assert abs(f.derivative(np.array([got_lo + 1e-3]))[0]) >= level


def test_elu_alpha_moves_its_threshold():
    assert probes.flat_tails(activations.get("elu", alpha=0.1))[0] == pytest.approx(math.log(0.1), abs=0.01)


def test_one_tail_activations_are_stuck_in_the_flat_negative_tail():
    z = np.array([[-10.0, -8.0, -7.0, 1.0]])
    for name in ("elu", "softplus", "selu", "gelu", "swish"):
        assert probes.saturated_fraction(activations.get(name), z) == 0.75, name
        (alert,) = probes.alerts((layer(1, activation=name, saturated_fraction=0.75), layer(2, is_output=True)))
        assert alert.kind == "saturated"
        assert "units stuck in the flat negative tail (slope under 1% of its maximum)" in alert.text
        assert "saturated" not in alert.text
    (sig,) = probes.alerts((layer(1, activation="sigmoid", saturated_fraction=0.8), layer(2, is_output=True)))
    assert sig.text == "Layer 1: 80% of sigmoid units saturated (slope under 1% of its maximum)"
    assert math.isnan(probes.saturated_fraction(activations.get("relu"), z))  # ReLU's flat side is "dead"


def test_saturation_names_the_likely_cause_from_the_configuration():
    def sat(ctx, activation="sigmoid"):
        (a,) = probes.alerts((layer(1, activation=activation, saturated_fraction=0.9), layer(2, is_output=True)),
                             ctx)
        return a

    big = sat(AlertContext(init="normal", init_param=10.0, init_scale=28.3, optimizer="sgd", lr=0.1))
    assert big.cause == "initial weights too large (normal init, weight std 10: 28× Xavier's scale), so |z| is large"
    assert big.advice.startswith("Xavier initialisation")
    assert big.sentence == f"{big.text} — likely cause: {big.cause} — try: {big.advice}"
    raised = sat(AlertContext(init="xavier", init_scale=1.0, optimizer="sgd", lr=5.0, lr_before=0.5))
    assert raised.cause == "the learning rate was just raised to 5 (from 0.5)"
    assert raised.advice == "setting it back to 0.5"
    bias = sat(AlertContext(init="xavier", init_scale=1.0, bias_init="constant", bias_value=-8.0, optimizer="adam",
                            lr=0.01), activation="softplus")
    assert bias.cause == "biases start at -8, pushing z below 0" and bias.advice == "zero biases"
    lr = sat(AlertContext(init="xavier", init_scale=1.0, optimizer="sgd", lr=50.0), activation="tanh")
    assert "learning rate 50" in lr.cause and lr.advice == "a smaller learning rate (e.g. 5)"


def test_elu_saturation_fires_in_a_real_run_and_names_the_learning_rate():
    _, last = final({"data": {"name": "moons"}, "model": {"activation": "elu"},
                     "train": {"optimizer": "sgd", "lr": 5, "epochs": 100}}, every=1)
    assert last.status == "diverged"
    (sat, *_) = by_kind(last.alerts, "saturated")
    assert "ELU units stuck in the flat negative tail" in sat.text and "learning rate 5" in sat.cause


def test_deep_sigmoid_vanishing_is_not_blamed_on_saturation():
    """The classic deep-sigmoid case: gradients vanish with almost no unit saturated."""
    raw = {"data": {"name": "iris_binary", "val_fraction": 0.0},
           "model": {"hidden": [10] * 10, "activation": "sigmoid", "init": "xavier", "output": "sigmoid"},
           "train": {"optimizer": "sgd", "lr": 0.1, "epochs": 2, "batch_size": 128}}
    _, last = final(raw)
    assert all(s.saturated_fraction < 0.01 for s in last.layers[:-1])  # saturated share ~0
    assert by_kind(last.alerts, "saturated") == []  # must not fire
    (vanish,) = by_kind(last.alerts, "vanishing")
    assert vanish.cause == "10 layers of sigmoid: each multiplies the gradient by a slope of at most 1/4"
    assert "saturat" not in vanish.sentence
    assert vanish.advice == "ReLU with He initialisation, or fewer layers"


def test_saturated_vanishing_is_blamed_on_saturation():
    layers = tuple(layer(i, 1e-6 if i == 1 else 1.0, activation="sigmoid", saturated_fraction=0.9)
                   for i in (1, 2, 3)) + (layer(4, 1.0, True),)
    (sat1, sat2, sat3, vanish) = probes.alerts(layers, AlertContext(init="normal", init_param=10.0, init_scale=30.0))
    assert vanish.kind == "vanishing" and vanish.cause.startswith("saturated units (90% of unit-sample pairs)")


# -- overfitting -----------------------------------------------------------------------------
RISE = [0.3, 0.2, 0.16, 0.14, 0.13, 0.19, 0.2, 0.21, 0.22, 0.24, 0.26, 0.28, 0.3, 0.31, 0.32, 0.34]
FALL = list(np.linspace(0.3, 0.02, len(RISE)))


def test_overfitting_fires_when_validation_rises_for_a_sustained_stretch():
    alert = probes.overfitting_alert(history(FALL, RISE), AlertContext(l2=0.0))
    assert alert.kind == "overfitting" and alert.layer == 0 and alert.value == pytest.approx(0.34 / 0.13)
    assert alert.text == ("Validation loss rose from 0.13 (epoch 5) to 0.34 (epoch 16) "
                          "while training loss fell to 0.02")
    assert alert.cause.startswith("overfitting") and alert.advice == "an L2 penalty (e.g. 0.001)"
    with_l2 = probes.overfitting_alert(history(FALL, RISE), AlertContext(l2=0.01))
    assert with_l2.advice == "stopping near epoch 5, where validation loss was lowest"
    layers = (layer(1), layer(2, is_output=True))
    assert by_kind(probes.alerts(layers, None, history(FALL, RISE)), "overfitting")


def test_overfitting_does_not_fire_on_a_short_rise_a_wobble_rising_training_loss_or_no_validation():
    assert probes.overfitting_alert(history(FALL[:12], RISE[:12])) is None  # rise too short (7 epochs)
    assert probes.overfitting_alert(history(FALL[::-1], RISE)) is None  # training loss rose too
    wobble = [0.003, 0.002] + [0.004] * 14  # 100% up, but only 0.002 in loss
    assert probes.overfitting_alert(history(FALL, wobble)) is None
    assert probes.overfitting_alert(history(FALL, [math.nan] * len(RISE))) is None
    healthy = list(np.linspace(0.3, 0.1, len(RISE)))
    assert probes.overfitting_alert(history(FALL, healthy)) is None


# -- zero gradients ----------------------------------------------------------------------------
def test_exactly_zero_gradients_are_said_in_words():
    layers = (layer(1, 0.0, activation="relu", dead_units=4), layer(2, 0.0, activation="relu", dead_units=4),
              layer(3, 0.0, True))
    ctx = AlertContext(init="zeros", init_scale=0.0, loss=0.69)
    (zero,) = by_kind(probes.alerts(layers, ctx), "zero_gradient")
    assert zero.text == "Layers 1–2: gradient exactly 0 (the loss sends nothing back to their weights)"
    assert zero.cause == "every weight starts at 0, so each layer passes back Wᵀδ = 0"
    assert zero.advice == "a random initialiser such as He" and zero.severity == "error"
    # no loss to learn from (a perfect fit) or nothing known: no gradient is no problem
    assert by_kind(probes.alerts(layers), "zero_gradient") == []
    assert by_kind(probes.alerts(layers, AlertContext(loss=0.0)), "zero_gradient") == []


def test_zero_gradient_in_a_real_run_blames_the_dead_layer():
    _, last = final({"data": {"name": "moons", "n_samples": 200}, "model": {"hidden": [8, 8], "activation": "relu",
                     "bias_init": "constant", "bias_value": -3.0}, "train": {"epochs": 3}})
    (zero,) = by_kind(last.alerts, "zero_gradient")
    assert zero.text.startswith("Layers 1–2: gradient exactly 0")
    assert zero.cause.startswith("layer 2's ReLU units are all dead")


# -- exploding wins over vanishing ----------------------------------------------------------------
def test_exploding_activations_win_over_a_tiny_gradient_ratio():
    layers = (layer(1, 1e-10, activation_std=3e30), layer(2, 1.0, activation_std=2.5e57), layer(3, 1.0, True))
    found = probes.alerts(layers, AlertContext(init="xavier", init_scale=1.0, optimizer="sgd", lr=5.0))
    assert [a.kind for a in found] == ["exploding"]
    assert found[0].text == "Activations explode: layer 2's outputs have std 2.5e+57"
    assert found[0].cause == "updates too large for this network (learning rate 5)"
    tame = (layer(1, 1e-10), layer(2, 1.0), layer(3, 1.0, True))
    assert [a.kind for a in probes.alerts(tame)] == ["vanishing"]  # the same ratio, nothing exploded


def test_the_diverged_snapshot_tells_one_story():
    snap = Snapshot(step=10, epoch=1, status="diverged", lr=5.0, train_loss=3.6e84, val_loss=3.7e84,
                    train_accuracy=0.5, val_accuracy=0.5, history=history([3.6e84], [3.7e84]),
                    alerts=(probes.Alert("vanishing", 1, 1e-4, "Gradients vanish"),
                            probes.Alert("exploding", 2, 1e57, "Activations explode")))
    out = probes.diverged_snapshot(snap, 2, math.nan, AlertContext(optimizer="sgd", lr=5.0))
    assert [a.kind for a in out.alerts] == ["exploding", "diverged"]
    assert out.diverged_epoch == 2 and out.message == out.alerts[-1].text
    assert out.message == ("Training diverged at epoch 2 (loss is NaN; last finite loss 3.6e+84, at epoch 1) — "
                           "likely cause: learning rate 5 is too large for this network — "
                           "try: lower the learning rate (e.g. to 0.5)")


# -- divergence: the cause given the configuration ---------------------------------------------------
def test_divergence_blames_the_initial_weights_when_they_are_large_or_already_non_finite():
    big = AlertContext(init="normal", init_param=10.0, init_scale=28.3, optimizer="sgd", lr=0.1)
    alert = probes.divergence_alert(2, math.nan, 1, 1.1e59, big)
    assert "likely cause: initial weights too large (normal init, weight std 10: 28× Xavier's scale)" in alert.text
    assert "try: smaller initial weights" in alert.text and "learning rate" not in alert.text
    first = probes.divergence_alert(1, math.inf, 0, math.inf, AlertContext(init="xavier", init_scale=1.0, lr=0.1),
                                    first_step=True)
    assert "give a non-finite loss before any update" in first.text and "learning rate" not in first.text


def test_divergence_says_when_the_learning_rate_was_just_raised():
    ctx = AlertContext(init="xavier", init_scale=1.0, optimizer="sgd", lr=50.0, lr_before=0.5)
    text = probes.divergence_alert(7, math.inf, 6, 2.5, ctx).text
    assert "likely cause: the learning rate was just raised to 50 (from 0.5)" in text
    assert text.endswith("try: setting it back to 0.5")
    summed = AlertContext(init="xavier", init_scale=1.0, optimizer="sgd", lr=1.0, loss_reduction="sum",
                          batch_size=32)
    assert "(the summed loss makes each step 32× a mean loss's)" in probes.divergence_alert(1, math.inf, 0, 0.4,
                                                                                            summed).text


def test_a_session_blames_the_initial_scale_not_the_learning_rate():
    _, last = final({"data": {"name": "moons"}, "model": {"activation": "identity", "init": "normal",
                                                          "init_param": 10.0},
                     "train": {"optimizer": "sgd", "lr": 0.1, "epochs": 50}})
    assert last.status == "diverged"
    assert "likely cause: initial weights too large (normal init, weight std 10" in last.message
    assert "lower the learning rate" not in last.message
    assert "e+" in last.message and len(last.message) < 300  # a compact number, not 60 digits


def test_a_session_says_the_learning_rate_was_just_raised():
    s = Session(Config.from_dict({"data": {"name": "moons", "n_samples": 200},
                                  "model": {"hidden": [8], "activation": "relu", "output": "identity"},
                                  "train": {"optimizer": "sgd", "lr": 0.01, "epochs": 400, "batch_size": 32}}))
    s.snapshot_every = 5
    run = s.run()
    for snap in run:
        if snap is not None and snap.epoch >= 3:
            break
    s.set_lr(5.0)
    last = [x for x in run if x is not None][-1]
    assert last.status == "diverged"
    assert "likely cause: the learning rate was just raised to 5 (from 0.01)" in last.message
    assert last.message.endswith("try: setting it back to 0.01")


def test_the_learning_rate_counts_as_raised_only_recently():
    marks = probes.note_lr((), 0, 0.01)
    marks = probes.note_lr(marks, 50, 5.0)
    assert probes.raised_from(marks, 60, 20) == 0.01
    assert math.isnan(probes.raised_from(marks, 500, 20))  # long ago: the lr itself is the cause
    assert probes.raised_since(marks, 40, 5.0, 60, 20) == 0.01  # raised since the last finite state (step 40)
    assert probes.raised_since(marks, 55, 5.0, 60, 20) == 0.01  # raised before it, but recently
    assert math.isnan(probes.raised_since(marks, 400, 5.0, 500, 20))
    assert probes.raised_since(marks, 400, 8.0, 500, 20) == 5.0  # raised after the last snapshot
    assert probes.note_lr(marks, 10, 5.0) == ((10, 5.0),)  # the step went back: another run


# -- symmetry and dead units, worded exactly -----------------------------------------------------------
def test_symmetry_stays_only_when_the_outgoing_weights_are_identical_too():
    net = Network(2, 2, [4], activation="tanh", seed=0)
    net.layers[0].W.value[:] = 0.3  # identical incoming weights and biases ...
    net.layers[0].b.value[:] = 0.1
    X = np.random.default_rng(0).standard_normal((20, 2))
    net.loss_and_backward(X, net.targets((X[:, 0] > 0).astype(int)))
    (stats, _) = probes.layer_stats(net, {})
    assert stats.identical and not stats.outgoing_identical  # ... but random outgoing weights
    (alert,) = by_kind(probes.alerts((stats, layer(2, is_output=True))), "symmetry")
    assert alert.text == "Layer 1: all 4 units identical for now (same incoming weights and bias)"
    assert alert.cause == "their outgoing weights differ, so training can still pull them apart"
    assert "never broken" not in alert.sentence
    net.layers[1].W.value[:] = 0.5  # now the outgoing weights agree as well
    net.loss_and_backward(X, net.targets((X[:, 0] > 0).astype(int)))
    (stats, _) = probes.layer_stats(net, {})
    assert stats.outgoing_identical
    (alert,) = by_kind(probes.alerts((stats, layer(2, is_output=True)), AlertContext(init="constant", init_param=0.3)),
                       "symmetry")
    assert "symmetry never broken" in alert.text and "same incoming and outgoing weights" in alert.cause


def test_dead_units_are_permanent_only_in_layer_1_without_momentum_or_penalty():
    def dead(index, ctx):
        stats = (layer(1, activation="relu", dead_units=2), layer(2, activation="relu", dead_units=2),
                 layer(3, is_output=True))
        return [a for a in probes.alerts(stats, ctx) if a.kind == "dead" and a.layer == index][0]

    sgd = AlertContext(init="he", init_scale=1.4, optimizer="sgd", lr=0.1)
    assert dead(1, sgd).cause.endswith("no gradient reaches a dead layer-1 unit, so it stays dead")
    adam = dataclasses.replace(sgd, optimizer="adam")
    assert dead(1, adam).cause.endswith("only momentum or a penalty moves it")
    assert dead(2, sgd).cause.endswith("they can come back if the layers below change")
    assert dead(1, dataclasses.replace(sgd, bias_init="constant", bias_value=-3.0)).advice == "zero biases"
