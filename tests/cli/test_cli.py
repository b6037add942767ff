"""The headless CLI: reports, sweeps, probes, and one-line errors with status 2."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "resources" / "configs").glob("*.json"))
SMALL = {"data": {"name": "moons", "n_samples": 200, "val_fraction": 0.2},
         "model": {"hidden": [6, 5], "activation": "tanh"},
         "train": {"optimizer": "adam", "lr": 0.05, "epochs": 8, "batch_size": 32}}


def write(tmp_path, obj, name="c.json"):
    path = tmp_path / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path


def test_run_writes_the_report(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["run", str(write(tmp_path, SMALL)), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["stopped_reason"] == "completed"
    assert set(report["final"]) == {"train_loss", "val_loss", "train_accuracy", "val_accuracy"}
    assert report["history"]["epoch"] == list(range(1, 9))
    for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
        assert len(report["history"][key]) == 8
    assert [layer["name"] for layer in report["layers"]] == ["Layer 1", "Layer 2", "Output"]
    for layer in report["layers"]:
        for key in ("grad_mean_abs", "activation_std", "saturated_fraction", "dead_fraction"):
            assert len(layer[key]) == 8
    shapes = [(len(w["W"]), len(w["W"][0]), len(w["b"])) for w in report["weights"]]
    assert shapes == [(2, 6, 6), (6, 5, 5), (5, 2, 2)]
    assert report["config"]["model"]["hidden"] == [6, 5]
    assert "completed: 8 epochs" in capsys.readouterr().out


def test_run_overrides_epochs_and_seed(tmp_path):
    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    cfg = write(tmp_path, SMALL)
    assert main(["run", str(cfg), "--epochs", "3", "--seed", "4", "--out", str(out1)]) == 0
    assert main(["run", str(cfg), "--epochs", "3", "--seed", "5", "--out", str(out2)]) == 0
    a, b = json.loads(out1.read_text()), json.loads(out2.read_text())
    assert a["epochs"] == 3 and a["config"]["train"]["seed"] == 4
    assert a["weights"] != b["weights"]


def test_diverged_run_is_a_result(tmp_path):
    raw = {**SMALL, "model": {"hidden": [8], "activation": "relu", "output": "identity"},
           "train": {"optimizer": "sgd", "lr": 1.0, "loss_reduction": "sum", "epochs": 100}}
    out = tmp_path / "r.json"
    assert main(["run", str(write(tmp_path, raw)), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["stopped_reason"] == "diverged" and report["message"].startswith("Training diverged")


BAD = [
    ({"model": {"hidden": [16, -3]}}, "error: model.hidden[1]: must be a positive integer, got -3"),
    ({"model": {"activation": "sigmod"}}, "error: model.activation: must be one of identity,"),
    ({"model": {"init": "hee"}}, "error: model.init: must be one of zeros,"),
    ({"model": {"output": "softmin"}}, "error: model.output: must be one of softmax, sigmoid, identity"),
    ({"train": {"lr": -0.1}}, "error: train.lr: must be > 0 and <= 100, got -0.1"),
    ({"train": {"epochs": "many"}}, 'error: train.epochs: must be an integer, got "many"'),
    ({"train": {"optimizer": "adamw"}}, "error: train.optimizer: must be one of gd, sgd,"),
    ({"train": {"batch_size": 0}}, 'error: train.batch_size: must be a positive integer or "full", got 0'),
    ({"train": {"momentum": 1.5}}, "error: train.momentum: must be >= 0 and <= 0.9999, got 1.5"),
    ({"data": {"name": "mnist"}}, "error: data.name: must be one of"),
    ({"data": {"val_fraction": 2}}, "error: data.val_fraction: must be between 0 and 0.9, got 2"),
    ({"data": {"n_samples": 3}}, "error: data.n_samples: must be an integer between 8 and 1000000, got 3"),
    ({"modle": {}}, "error: modle: unknown section; valid sections: data, model, train"),
    ({"train": {"lrr": 1}}, "error: train.lrr: unknown key; valid keys:"),
    ({"data": {"name": "iris"}, "model": {"output": "sigmoid"}},
     "error: model.output: 'sigmoid' needs exactly 2 classes, the data has 3"),
    ({"data": {"name": "csv", "path": "/no/such/file.csv"}}, "error: file.csv: file not found"),
    ("[1, 2", "is not valid JSON: Expecting"),
]


@pytest.mark.parametrize("raw, message", BAD, ids=range(len(BAD)))
def test_bad_configuration_exits_2_with_one_line(tmp_path, capsys, raw, message):
    code = main(["run", str(write(tmp_path, raw)), "--out", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and message in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "r.json").exists()


def test_missing_file_and_usage_errors(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.json"), "--out", "x.json"]) == 2
    assert "nope.json: file not found" in capsys.readouterr().err
    assert main(["run", "c.json"]) == 2
    assert "required: --out" in capsys.readouterr().err
    assert main(["probe", "--depth", "0"]) == 2
    assert "--depth: must be a positive integer, got 0" in capsys.readouterr().err
    assert main(["probe", "--activation", "nope"]) == 2
    assert "probe.activation: must be one of" in capsys.readouterr().err


def test_sweep_rows_equal_single_runs(tmp_path, capsys):
    base = write(tmp_path, {**SMALL, "train": {**SMALL["train"], "epochs": 4}})
    out = tmp_path / "s.csv"
    code = main(["sweep", str(base), "--vary", "model.init=xavier,he", "--vary", "model.hidden=[4],[3,3]",
                 "--seeds", "0-1", "--jobs", "2", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 8
    assert "[8/8]" in captured.err
    assert "val_acc mean" in captured.out
    row = next(r for r in rows if r["model.init"] == "he" and r["model.hidden"] == "[3, 3]" and r["seed"] == "1")
    single = tmp_path / "single.json"
    raw = json.loads(base.read_text())
    raw["model"].update({"init": "he", "hidden": [3, 3]})
    assert main(["run", str(write(tmp_path, raw, "one.json")), "--seed", "1", "--out", str(single)]) == 0
    final = json.loads(single.read_text())["final"]
    assert float(row["val_accuracy"]) == final["val_accuracy"]
    assert float(row["train_loss"]) == pytest.approx(final["train_loss"], rel=1e-12)


def test_sweep_validates_before_running(tmp_path, capsys):
    base = write(tmp_path, SMALL)
    code = main(["sweep", str(base), "--vary", "model.init=he,hee", "--out", str(tmp_path / "s.csv")])
    assert code == 2
    assert "error: --vary model.init: must be one of zeros," in capsys.readouterr().err
    assert main(["sweep", str(base), "--vary", "init", "--out", "s.csv"]) == 2
    assert main(["sweep", str(base), "--seeds", "9-1", "--out", "s.csv"]) == 2
    assert not (tmp_path / "s.csv").exists()


def test_probe_table_and_json(capsys):
    assert main(["probe", "--depth", "4", "--width", "50", "--activation", "sigmoid", "--init", "normal"]) == 0
    out = capsys.readouterr().out
    assert "4 layers of 50 sigmoid units" in out and out.count("%") >= 4
    assert main(["probe", "--depth", "3", "--activation", "relu", "--init", "he", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [layer["layer"] for layer in data["layers"]] == [1, 2, 3]
    assert data["layers"][0]["saturated_fraction"] is None  # relu does not saturate


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_shipped_configs_run(tmp_path, path):
    out = tmp_path / "r.json"
    assert main(["run", str(path), "--epochs", "3", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["epochs"] == 3


def test_real_entry_point_exit_codes(tmp_path):
    ok = subprocess.run([sys.executable, str(ROOT / "main.py"), "probe", "--depth", "2", "--width", "10"],
                        capture_output=True, text=True, cwd=tmp_path)
    assert ok.returncode == 0 and "2 layers of 10" in ok.stdout
    bad = subprocess.run([sys.executable, str(ROOT / "main.py"), "run", str(write(tmp_path, {"train": {"lr": 0}})),
                          "--out", "r.json"], capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr == "error: train.lr: must be > 0 and <= 100, got 0\n"
    assert "PySide6" not in bad.stderr
