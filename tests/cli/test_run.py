"""`run`: the report's keys and shapes, overrides, divergence as a result, strict JSON."""

import json

import numpy as np
from cli_helpers import SMALL, strict_json

from engine.config import Config
from engine.session import Session
from main import run_headless as main  # engine.cli bound to stdout and stderr, as a launch does

LAYER_CURVES = ("grad_mean_abs", "activation_std", "saturated_fraction", "dead_fraction")


def test_run_writes_the_report(tmp_path, write, capsys):
    out = tmp_path / "r.json"
    assert main(["run", str(write(SMALL)), "--out", str(out)]) == 0
    report = strict_json(out.read_text())
    assert list(report) == ["config", "architecture", "stopped_reason", "message", "epochs", "steps",
                            "final", "history", "layers", "weights"]
    assert report["stopped_reason"] == "completed" and report["message"] == "Completed 8 epochs."
    assert report["epochs"] == 8 and report["steps"] == 8 * 5  # 160 training samples in batches of 32
    assert report["config"] == Config.from_dict(SMALL).to_dict()
    assert report["architecture"].startswith("2 → 6 tanh → 5 tanh → 2 softmax")
    assert set(report["final"]) == {"train_loss", "val_loss", "train_accuracy", "val_accuracy"}
    history = report["history"]
    assert list(history) == ["epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy"]
    assert history["epoch"] == list(range(1, 9))
    for key in report["final"]:
        assert len(history[key]) == 8 and history[key][-1] == report["final"][key]
    assert [(la["index"], la["name"], la["activation"], la["width"]) for la in report["layers"]] == [
        (1, "Layer 1", "tanh", 6), (2, "Layer 2", "tanh", 5), (3, "Output", "softmax", 2)]
    for layer in report["layers"]:
        assert all(len(layer[key]) == 8 for key in LAYER_CURVES)
    assert report["layers"][0]["saturated_fraction"][0] is not None  # tanh saturates
    assert all(v is None for v in report["layers"][0]["dead_fraction"])  # NaN -> null: tanh never dies
    shapes = [(np.array(w["W"]).shape, np.array(w["b"]).shape) for w in report["weights"]]
    assert shapes == [((2, 6), (6,)), ((6, 5), (5,)), ((5, 2), (2,))]
    line = capsys.readouterr().out
    assert line.count("\n") == 1
    assert line.startswith("completed: 8 epochs, train accuracy ") and line.rstrip().endswith(f"-> {out}")


def test_the_report_holds_the_trained_weights_and_the_session_history(tmp_path, write):
    out = tmp_path / "r.json"
    assert main(["run", str(write(SMALL)), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    session = Session(Config.from_dict(SMALL))
    for _ in session.run():
        pass
    for w, layer in zip(report["weights"], session.network.layers):
        np.testing.assert_array_equal(np.array(w["W"]), layer.W.value)
        np.testing.assert_array_equal(np.array(w["b"]), layer.b.value)
    np.testing.assert_array_equal(report["history"]["val_loss"], session.history().val_loss)
    grads = np.array([layer["grad_mean_abs"] for layer in report["layers"]]).T
    np.testing.assert_array_equal(grads, session.history().grad_mean_abs)


def test_epochs_and_seed_override_the_file(tmp_path, write):
    cfg = write(SMALL)
    paths = [tmp_path / f"{seed}.json" for seed in (4, 5)]
    for seed, path in zip((4, 5), paths):
        assert main(["run", str(cfg), "--epochs", "3", "--seed", str(seed), "--out", str(path)]) == 0
    a, b = (json.loads(p.read_text()) for p in paths)
    assert a["epochs"] == 3 and len(a["history"]["epoch"]) == 3
    assert a["config"]["train"]["seed"] == 4 and a["config"]["train"]["epochs"] == 3
    assert a["config"]["data"] == b["config"]["data"]  # --seed leaves data.seed (samples, split) alone
    assert a["weights"] != b["weights"]


def test_a_diverged_run_is_a_result(tmp_path, write, capsys):
    raw = {**SMALL, "model": {"hidden": [8], "activation": "relu", "output": "identity"},
           "train": {"optimizer": "sgd", "lr": 1.0, "loss_reduction": "sum", "epochs": 100}}
    out = tmp_path / "r.json"
    assert main(["run", str(write(raw)), "--out", str(out)]) == 0
    report = strict_json(out.read_text())
    assert report["stopped_reason"] == "diverged"
    assert report["message"].startswith("Training diverged at epoch ")
    assert report["epochs"] < 100 and len(report["history"]["epoch"]) == report["epochs"]
    assert all(np.isfinite(np.array(w["W"])).all() for w in report["weights"])  # the last finite weights
    assert capsys.readouterr().out.startswith("diverged: ")


def test_no_validation_set_gives_null_not_nan(tmp_path, write):
    raw = {**SMALL, "data": {**SMALL["data"], "val_fraction": 0}}
    out = tmp_path / "r.json"
    assert main(["run", str(write(raw)), "--epochs", "2", "--out", str(out)]) == 0
    report = strict_json(out.read_text())
    assert report["final"]["val_loss"] is None and report["history"]["val_accuracy"] == [None, None]
    assert report["final"]["train_accuracy"] > 0


def test_help_explains_with_an_example(capsys):
    for command in ("run", "sweep", "probe"):
        assert main([command, "--help"]) == 0
        text = capsys.readouterr().out
        assert f"usage: main.py {command}" in text and f"python main.py {command} " in text
