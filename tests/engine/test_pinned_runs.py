"""Pinned runs without Qt: names, CSV rows, the session file and the session's initial weights."""

import csv
import json

import numpy as np
import pytest

from engine import pins, sessionfile
from engine.config import Config, ConfigError
from engine.runner import run_to_end
from engine.session import Session

BLOBS = {"data": {"name": "blobs", "n_samples": 120, "val_fraction": 0.25, "seed": 0},
         "model": {"hidden": [2], "activation": "tanh", "init": "xavier"},
         "train": {"optimizer": "adam", "lr": 0.05, "epochs": 6, "batch_size": 30, "seed": 3}}


def config(**changes):
    base = Config.from_dict(BLOBS)
    return base.with_changes(**changes) if changes else base


def pinned(cfg, name="run", colour=0):
    session = Session(cfg)
    run_to_end(session)
    return pins.PinnedRun(name, cfg, colour, pins.copy_history(session.history()),
                          tuple(session.initial_weights()))


def test_short_titles_drop_the_formula():
    assert pins.short_title("He N(0, 2/fan_in)") == "He"
    assert pins.short_title("Small normal N(0, 0.01²)") == "Small normal"
    assert pins.short_title("SGD (mini-batch)") == "SGD"
    assert pins.short_title("Swish / SiLU") == "Swish / SiLU"


def test_names_say_init_activation_seed_and_what_differs():
    he = config(model={"init": "he", "activation": "relu"})
    assert pins.run_name(he) == "He · ReLU · seed 3"
    faster = config(model={"init": "he", "activation": "relu"}, train={"lr": 0.1, "optimizer": "sgd"})
    assert pins.run_name(faster, [he]) == "He · ReLU · seed 3 · SGD · lr 0.1"
    wider = config(model={"hidden": [16, 16]})
    assert pins.run_name(wider, [config()]) == "Xavier · Tanh · seed 3 · [16, 16]"
    # the same settings twice: a number tells them apart
    assert pins.run_name(he, [he], taken={"He · ReLU · seed 3"}) == "He · ReLU · seed 3 (2)"
    # a constant the run does not use (momentum under Adam) is not a difference worth naming
    assert pins.run_name(config(train={"momentum": 0.5}), [config()]) == "Xavier · Tanh · seed 3"
    assert pins.run_name(config(train={"optimizer": "momentum", "momentum": 0.5}),
                         [config(train={"optimizer": "momentum"})]) == "Xavier · Tanh · seed 3 · Momentum 0.5"
    normal = config(model={"init": "normal", "init_param": 10.0})
    assert pins.run_name(normal) == "Normal (weight std 10) · Tanh · seed 3"
    assert pins.free_colour({0, 1, 3}) == 2 and pins.free_colour(set(range(8))) == 0


def test_session_initial_weights_are_copies_and_can_be_set():
    s = Session(config())
    first = s.initial_weights()
    first[0][0][...] = 99.0  # a copy: the session's own are untouched
    assert not np.array_equal(s.initial_weights()[0][0], first[0][0])
    other = Session(config(train={"seed": 11})).initial_weights()
    s.set_initial_weights(other)
    for (W, b), (W2, b2), layer in zip(s.initial_weights(), other, s.network.layers):
        assert np.array_equal(W, W2) and np.array_equal(b, b2) and np.array_equal(layer.W.value, W2)
    run_to_end(s)
    s.reset()
    assert all(np.array_equal(layer.W.value, W) for layer, (W, _) in zip(s.network.layers, other))
    before = s.initial_weights()
    with pytest.raises(ValueError, match="do not fit this network"):
        s.set_initial_weights([(np.zeros((2, 3)), np.zeros(3)), (np.zeros((3, 4)), np.zeros(4))])
    assert all(np.array_equal(W, W2) for (W, _), (W2, _) in zip(s.initial_weights(), before))


def test_csv_rows_equal_the_histories_with_empty_cells_for_missing_layers(tmp_path):
    shallow = pinned(config(), "shallow")
    deep = pinned(config(model={"hidden": [3, 3]}), "deep", 1)
    path = tmp_path / "pins.csv"
    pins.write_csv([shallow, deep], path)
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == len(shallow.history.epochs) + len(deep.history.epochs)
    assert list(rows[0])[-3:] == ["layer1_grad_mean_abs", "layer2_grad_mean_abs", "output_grad_mean_abs"]
    for row, e in zip(rows[:6], range(6)):
        h = shallow.history
        assert row["run"] == "shallow" and int(row["epoch"]) == h.epochs[e] and row["hidden"] == "2"
        assert float(row["val_loss"]) == h.val_loss[e] and float(row["train_accuracy"]) == h.train_accuracy[e]
        assert float(row["layer1_grad_mean_abs"]) == h.grad_mean_abs[e, 0]
        assert row["layer2_grad_mean_abs"] == ""  # the shallow run has no second hidden layer
        assert float(row["output_grad_mean_abs"]) == h.grad_mean_abs[e, 1]
    last = rows[-1]
    assert last["run"] == "deep" and float(last["output_grad_mean_abs"]) == deep.history.grad_mean_abs[-1, 2]


def test_session_file_round_trips_exactly(tmp_path):
    runs = [pinned(config(), "a", 0), pinned(config(data={"val_fraction": 0.0}, model={"dtype": "float32"}), "b", 5)]
    path = tmp_path / "s.alab.json"
    sessionfile.save_session(path, config(train={"lr": 0.2}), runs)
    raw = json.loads(path.read_text())
    assert raw["format"] == "activation-lab-session" and raw["version"] == 1
    assert raw["pins"][1]["history"]["val_loss"][0] is None  # no validation set: null, not NaN
    cfg, loaded = sessionfile.load_session(path)
    assert cfg == config(train={"lr": 0.2})
    for got_pin, want in zip(loaded, runs):
        assert (got_pin.name, got_pin.colour, got_pin.config) == (want.name, want.colour, want.config)
        for key in ("epochs", *pins.SCALARS, *pins.LAYERED):
            assert np.array_equal(getattr(got_pin.history, key), getattr(want.history, key), equal_nan=True), key
        for (W, b), (W2, b2) in zip(got_pin.initial, want.initial):
            assert W.dtype == W2.dtype and np.array_equal(W, W2) and np.array_equal(b, b2)
        # the epoch-end histograms come back too, epoch 0 (the initial weights) included
        assert len(want.history.histogram_epochs) and want.history.histogram_epochs[0] == 0
        for key in ("histogram_epochs", "histogram_counts", "histogram_edge_index", "histogram_edges"):
            assert np.array_equal(getattr(got_pin.history, key), getattr(want.history, key)), key
        used, layers = got_pin.history.histograms_at(3)
        want_used, want_layers = want.history.histograms_at(3)
        assert used == want_used and np.array_equal(layers[0][1].counts, want_layers[0][1].counts)


@pytest.mark.parametrize("change, field, rule", [
    (lambda d: d.pop("config"), "config", "is missing"),
    (lambda d: d.update(version=2), "version", "must be 1"),
    (lambda d: d.update(format="other"), "format", "must be 'activation-lab-session'"),
    (lambda d: d["pins"][0]["history"]["val_loss"].pop(), "pins[0].history.val_loss", "must have 6 values, got 5"),
    (lambda d: d["pins"][0]["history"].pop("train_loss"), "pins[0].history.train_loss", "is missing"),
    (lambda d: d["pins"][0]["initial_weights"][0]["W"][1].pop(), "pins[0].initial_weights[0].W[1]",
     "must have 2 values, got 1"),
    (lambda d: d["pins"][0]["initial_weights"].pop(), "pins[0].initial_weights", "must list 2 layers"),
    (lambda d: d["pins"][0].update(colour=9), "pins[0].colour", "between 0 and 7"),
    (lambda d: d["pins"][0]["config"]["model"].update(hidden=[0]), "pins[0].config.model.hidden[0]",
     "must be a positive integer"),
    (lambda d: d["pins"][0]["history"]["grad_mean_abs"][2].append(1.0), "pins[0].history.grad_mean_abs[2]",
     "must have 2 values, got 3"),
    (lambda d: d["pins"][0]["history"]["epochs"].reverse(), "pins[0].history.epochs", "increasing order"),
    (lambda d: d["pins"][0]["histograms"]["counts"][1][0][1].pop(), "pins[0].histograms.counts[1][0][1]",
     "whole numbers, got"),
    (lambda d: d["pins"][0]["histograms"]["edge_index"][0][1].__setitem__(0, 10**6),
     "pins[0].histograms.edge_index[0][1][0]", "below"),
])
def test_malformed_session_files_name_the_field(tmp_path, change, field, rule):
    path = tmp_path / "s.alab.json"
    sessionfile.save_session(path, config(), [pinned(config())])
    raw = json.loads(path.read_text())
    change(raw)
    path.write_text(json.dumps(raw))
    with pytest.raises(ConfigError) as caught:
        sessionfile.load_session(path)
    assert caught.value.field == field and rule in caught.value.rule


def test_not_json_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "s.alab.json"
    path.write_text("{nope")
    with pytest.raises(ConfigError, match=r"s\.alab\.json: is not valid JSON"):
        sessionfile.load_session(path)
