"""Configuration: defaults, JSON round-trip, and messages that name the field and the rule."""

import json

import pytest

from engine import config as cfgmod
from engine.config import Config, ConfigError

EXAMPLE = {
    "data": {"name": "moons", "n_samples": 1000, "noise": 0.1, "val_fraction": 0.1, "seed": 0},
    "model": {"hidden": [16, 16], "activation": "relu", "leaky_slope": 0.01, "init": "he",
              "bias_init": "zeros", "output": "softmax"},
    "train": {"optimizer": "adam", "lr": 0.01, "epochs": 200, "batch_size": 32,
              "loss_reduction": "mean", "seed": 0},
}


def test_issue_example_parses():
    cfg = Config.from_dict(EXAMPLE)
    assert cfg.model.hidden == (16, 16) and cfg.train.batch_size == 32 and cfg.data.noise == 0.1


def test_round_trip_through_json(tmp_path):
    cfg = Config.from_dict({**EXAMPLE, "model": {**EXAMPLE["model"], "activations": ["relu", "tanh"],
                                                  "init_param": 0.5}})
    path = tmp_path / "c.json"
    cfgmod.save(cfg, path)
    assert cfgmod.load(path) == cfg
    assert json.loads(path.read_text())["model"]["activations"] == ["relu", "tanh"]


def test_defaults_are_valid_and_full_batch_rules():
    cfg = Config()
    assert Config.from_dict(cfg.to_dict()) == cfg
    assert Config.from_dict({"train": {"batch_size": "full"}}).train.full_batch
    assert Config.from_dict({"train": {"optimizer": "gd", "batch_size": 8}}).train.full_batch
    assert not Config.from_dict({"train": {"optimizer": "sgd", "batch_size": 8}}).train.full_batch


def test_with_changes_validates():
    cfg = Config().with_changes(model={"activation": "sigmoid"}, train={"lr": 0.5})
    assert cfg.model.activation == "sigmoid" and cfg.train.lr == 0.5
    with pytest.raises(ConfigError, match=r"^train.lr: must be > 0"):
        cfg.with_changes(train={"lr": -1})


def test_init_param_maps_to_the_initialisers_own_name():
    assert Config.from_dict({"model": {"init": "normal", "init_param": 0.5}}).model.init_params() == {"std": 0.5}
    assert Config.from_dict({"model": {"init": "orthogonal", "init_param": 2}}).model.init_params() == {"gain": 2.0}
    assert Config.from_dict({"model": {"init": "he", "init_param": 2}}).model.init_params() == {}


BAD = [
    ({"model": {"hidden": [16, -3]}}, "model.hidden[1]: must be a positive integer, got -3"),
    ({"model": {"hidden": "16"}}, 'model.hidden: must be a list of layer widths, got "16"'),
    ({"model": {"activation": "sigmod"}}, "model.activation: must be one of identity, sigmoid,"),
    ({"model": {"init": "hee"}}, "model.init: must be one of zeros,"),
    ({"model": {"activations": ["relu"], "hidden": [4, 4]}},
     "model.activations: must list one activation per hidden layer (2)"),
    ({"train": {"lr": 0}}, "train.lr: must be > 0 and <= 100, got 0"),
    ({"train": {"lr": "fast"}}, 'train.lr: must be a finite number, got "fast"'),
    ({"train": {"epochs": 2.5}}, "train.epochs: must be an integer, got 2.5"),
    ({"train": {"batch_size": 0}}, 'train.batch_size: must be a positive integer or "full", got 0'),
    ({"train": {"optimizer": "adamw"}}, "train.optimizer: must be one of gd, sgd,"),
    ({"train": {"lrr": 0.1}}, "train.lrr: unknown key; valid keys: optimizer, lr,"),
    ({"data": {"val_fraction": 1.5}}, "data.val_fraction: must be between 0 and 0.9, got 1.5"),
    ({"data": {"name": "mnist"}}, "data.name: must be one of"),
    ({"data": {"name": "csv"}}, 'data.path: is required when data.name is "csv"'),
    ({"data": {"features": [1, 1]}}, "data.features: must name two different features"),
    ({"extra": {}}, "extra: unknown section; valid sections: data, model, train"),
    ({"train": {"with_replacement": "yes"}}, 'train.with_replacement: must be true or false, got "yes"'),
    ({"model": {"dtype": "float16"}}, "model.dtype: must be one of float64, float32"),
]


@pytest.mark.parametrize("raw, message", BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_values_name_the_field_and_the_rule(raw, message):
    with pytest.raises(ConfigError) as err:
        Config.from_dict(raw)
    assert str(err.value).startswith(message), str(err.value)


def test_load_reports_bad_json_and_missing_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"model": {"hidden": [16,]}}')
    with pytest.raises(ConfigError, match=r"bad.json: is not valid JSON: .* at line 1, column"):
        cfgmod.load(bad)
    with pytest.raises(ConfigError, match="file not found"):
        cfgmod.load(tmp_path / "missing.json")


def test_set_path_for_sweeps():
    raw = {}
    cfgmod.set_path(raw, "model.init", "he")
    assert raw == {"model": {"init": "he"}}
    with pytest.raises(ConfigError, match="must be section.key"):
        cfgmod.set_path(raw, "init", "he")


@pytest.mark.parametrize("value, shown", [(10**400, "an integer of 401 digits"),
                                          (10**50000, "an integer of thousands of digits"),
                                          ("x" * 500, "(502 characters)")],
                         ids=["400 digits", "50,000 digits", "500 characters"])
def test_an_enormous_value_is_refused_and_quoted_short(value, shown):
    with pytest.raises(ConfigError) as caught:
        Config.from_dict({"train": {"lr": value}})
    assert str(caught.value).startswith("train.lr: must be") and shown in str(caught.value)
    assert len(str(caught.value)) < 200
