"""`sweep`: the grid, its rows equal to single runs, validation before launch, joblib backends."""

import csv
import json
import sys
import types

import pytest
from cli_helpers import SMALL

from engine.config import ConfigError
from engine.sweep import Axis, expand, parse_seeds, parse_vary, summarise
from main import run_headless as main  # engine.cli bound to stdout and stderr, as a launch does

BASE = {**SMALL, "train": {**SMALL["train"], "epochs": 4}}
GRID = ["--vary", "model.init=xavier,he", "--vary", "model.hidden=[4],[3,3]", "--seeds", "0-1"]


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_sweep_rows_equal_single_runs(tmp_path, write, capsys):
    base = write(BASE)
    out = tmp_path / "s.csv"
    assert main(["sweep", str(base), *GRID, "--jobs", "2", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    rows = read_rows(out)
    assert list(rows[0]) == ["model.init", "model.hidden", "seed", "train_loss", "val_loss", "train_accuracy",
                             "val_accuracy", "stopped_reason", "epochs", "grad_first_to_output"]
    assert [(r["model.init"], r["model.hidden"], r["seed"]) for r in rows] == [
        (init, hidden, seed) for init in ("xavier", "he") for hidden in ("[4]", "[3, 3]") for seed in ("0", "1")]
    for row in rows:
        raw = json.loads(json.dumps(BASE))
        raw["model"].update({"init": row["model.init"], "hidden": json.loads(row["model.hidden"])})
        report_path = tmp_path / "one.json"
        assert main(["run", str(write(raw, "one.json")), "--seed", row["seed"], "--out", str(report_path)]) == 0
        report = json.loads(report_path.read_text())
        for key, value in report["final"].items():
            assert float(row[key]) == value, (row, key)  # bit for bit: same seed, same training
        assert row["stopped_reason"] == report["stopped_reason"] == "completed"
        assert int(row["epochs"]) == report["epochs"] == 4
        first, output = report["layers"][0]["grad_mean_abs"][-1], report["layers"][-1]["grad_mean_abs"][-1]
        assert float(row["grad_first_to_output"]) == pytest.approx(first / output, rel=1e-12)
    progress = captured.err.splitlines()
    assert progress[0] == "sweep: 8 runs (4 combinations x 2 seeds) on joblib backend loky"
    assert len(progress) == 9 and progress[-1].startswith("[8/8] model.init=")
    assert any(line.endswith(f"model.init=he model.hidden=[3, 3] seed=1: val_acc "
                             f"{float(rows[-1]['val_accuracy']):.3f}") for line in progress)
    summary = captured.out.splitlines()
    assert summary[0] == f"validation accuracy over 2 seeds (8 runs, rows in {out}):"
    assert summary[1].split() == ["model.init", "model.hidden", "runs", "diverged", "mean", "min", "max"]
    first = [float(r["val_accuracy"]) for r in rows[:2]]
    assert summary[3].split() == ["xavier", "[4]", "2", "0", f"{sum(first) / 2:.3f}", f"{min(first):.3f}",
                                  f"{max(first):.3f}"]
    assert len(summary) == 3 + 4


@pytest.mark.parametrize("argv, message", [
    (["--vary", "model.init=he,hee"], "--vary model.init: must be one of zeros, constant, normal, small_normal, "
     'uniform, xavier, glorot_normal, glorot_uniform, he, he_uniform, orthogonal, got "hee"'),
    (["--vary", "model.hidden=[4],[3,-1]"], "--vary model.hidden[1]: must be a positive integer, got -1"),
    (["--vary", "model.hiden=[4]"], "--vary model.hiden: unknown key; valid keys: hidden, activation, activations, "
     "leaky_slope, elu_alpha, init, init_param, bias_init, bias_value, output, dtype"),
    (["--vary", "data.name=moons,iris", "--vary", "model.output=softmax,sigmoid"],
     "--vary model.output: 'sigmoid' needs exactly 2 classes, the data has 3; use 'softmax'"),
    (["--vary", "init"], "--vary init: must look like section.key=value1,value2 (e.g. model.init=zeros,he)"),
    (["--vary", "init=he"], "--vary init: must be section.key, e.g. model.init (sections: data, model, train)"),
    (["--vary", "model.init=he,,xavier"], "--vary model.init: has an empty value in 'he,,xavier'"),
    (["--vary", "model.init=he,he"], "--vary model.init: lists a value twice in 'he,he'"),
    (["--vary", "model.init=he", "--vary", "model.init=xavier"],
     "--vary model.init: is given twice; list all its values in one --vary"),
    (["--vary", "train.seed=1,2"], "--vary train.seed: use --seeds to choose the training seeds"),
    (["--vary", "train.epochs=1,2", "--epochs", "3"], "--vary train.epochs: cannot be combined with --epochs"),
    (["--seeds", "9-1"], "--seeds: must be a range like 0-9 or a list like 0,3,5, got '9-1'"),
    (["--seeds", "1,1"], "--seeds: lists a seed twice in '1,1'"),
    (["--backend", "spark"], "--backend: must be one of dask, loky, multiprocessing, ray, sequential, threading, "
     'got "spark"'),
    (["--address", "tcp://x:8786"], '--address: applies to the dask and ray backends, not "loky"'),
])
def test_sweep_validates_everything_before_running(tmp_path, write, capsys, monkeypatch, argv, message):
    from engine import sweep

    def never(*args, **kwargs):
        raise AssertionError("a run started before validation finished")

    monkeypatch.setattr(sweep, "run_grid", never)
    out = tmp_path / "s.csv"
    assert main(["sweep", str(write(BASE)), *argv, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"error: {message}\n"
    assert captured.out == "" and not out.exists()


def test_a_missing_cluster_package_is_named(write, capsys, monkeypatch):
    for name in ("dask", "dask.distributed", "distributed"):  # as on a machine without the cluster extra
        monkeypatch.setitem(sys.modules, name, None)
    assert main(["sweep", str(write(BASE)), "--backend", "dask", "--out", "s.csv"]) == 2
    assert capsys.readouterr().err == (
        'error: --backend dask: needs the dask and distributed packages: pip install "dask[distributed]"\n')


def test_a_cluster_backend_takes_over_through_joblib(tmp_path, write, capsys, monkeypatch):
    """A stand-in for ray.util.joblib: register_ray() registers a joblib backend named "ray" that,
    like Ray's, cannot hand results back one by one. The sweep runs on it unchanged."""
    import joblib.parallel
    from joblib._parallel_backends import ThreadingBackend

    class RayLike(ThreadingBackend):
        supports_return_generator = False

    calls = []
    ray = types.ModuleType("ray")
    ray.is_initialized = lambda: False
    ray.init = lambda address=None: calls.append(("init", address))
    ray.shutdown = lambda: calls.append(("shutdown",))
    util = types.ModuleType("ray.util")
    ray_joblib = types.ModuleType("ray.util.joblib")
    ray_joblib.register_ray = lambda: joblib.parallel.register_parallel_backend("ray", RayLike)
    ray.util, util.joblib = util, ray_joblib
    monkeypatch.setitem(sys.modules, "ray", ray)
    monkeypatch.setitem(sys.modules, "ray.util", util)
    monkeypatch.setitem(sys.modules, "ray.util.joblib", ray_joblib)
    monkeypatch.setattr(joblib.parallel, "BACKENDS", dict(joblib.parallel.BACKENDS))  # forget "ray" afterwards

    base = write(BASE)
    on_ray, local = tmp_path / "ray.csv", tmp_path / "local.csv"
    assert main(["sweep", str(base), *GRID, "--backend", "ray", "--address", "auto", "--out", str(on_ray)]) == 0
    assert calls == [("init", "auto"), ("shutdown",)]
    assert "on joblib backend ray" in capsys.readouterr().err
    assert main(["sweep", str(base), *GRID, "--backend", "threading", "--jobs", "2", "--out", str(local)]) == 0
    assert on_ray.read_text() == local.read_text()


def test_a_failing_run_is_an_internal_error(write, capsys, monkeypatch):
    from engine import sweep

    def broken(config, curves=False, boundary_resolution=None):
        raise RuntimeError("worker failed")

    monkeypatch.setattr(sweep, "run_one", broken)
    assert main(["sweep", str(write(BASE)), "--backend", "threading", "--out", "s.csv"]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == "error: internal error: RuntimeError: worker failed"


def test_a_diverged_run_is_a_row(tmp_path, write, capsys):
    raw = {**SMALL, "model": {"hidden": [8], "activation": "relu", "output": "identity"},
           "train": {"optimizer": "sgd", "loss_reduction": "sum", "epochs": 30}}
    out = tmp_path / "s.csv"
    assert main(["sweep", str(write(raw)), "--vary", "train.lr=1.0,0.0001", "--backend", "threading",
                 "--out", str(out)]) == 0
    rows = read_rows(out)
    assert [(r["train.lr"], r["stopped_reason"]) for r in rows] == [("1.0", "diverged"), ("0.0001", "completed")]
    captured = capsys.readouterr()
    assert "train.lr=1.0 seed=0: val_acc" in captured.err and "(diverged)" in captured.err
    assert captured.out.splitlines()[3].split()[:3] == ["1.0", "1", "1"]  # runs 1, diverged 1


def test_parse_vary_reads_json_values_else_words():
    assert parse_vary("model.init=zeros,xavier") == Axis("model.init", ("zeros", "xavier"))
    assert parse_vary("model.hidden=[16,16],[8]") == Axis("model.hidden", ([16, 16], [8]))
    assert parse_vary("train.lr=0.1, 1e-3") == Axis("train.lr", (0.1, 0.001))
    assert parse_vary("model.init_param=null,0.5") == Axis("model.init_param", (None, 0.5))
    assert parse_vary('data.label_column="3",label') == Axis("data.label_column", ("3", "label"))


def test_parse_seeds():
    assert parse_seeds("0-9") == list(range(10))
    assert parse_seeds("0,3,5") == [0, 3, 5]
    assert parse_seeds("7") == [7]
    assert parse_seeds("0-2,8") == [0, 1, 2, 8]
    for bad in ("", "a", "-1", "3-", "1-2-3"):
        with pytest.raises(ConfigError, match="--seeds"):
            parse_seeds(bad)


def test_expand_orders_combinations_then_seeds():
    runs = expand(BASE, [parse_vary("model.init=he,xavier")], [1, 0], epochs=2)
    assert [r.labels for r in runs] == [{"model.init": "he", "seed": 1}, {"model.init": "he", "seed": 0},
                                        {"model.init": "xavier", "seed": 1}, {"model.init": "xavier", "seed": 0}]
    assert [r.index for r in runs] == [0, 1, 2, 3]
    assert runs[1].config["train"]["seed"] == 0 and runs[1].config["train"]["epochs"] == 2
    assert runs[2].describe() == "model.init=xavier seed=1"


def test_summarise_per_cell():
    axis = Axis("model.init", ("he", "zeros"))
    rows = [{"model.init": "he", "val_accuracy": 0.5, "stopped_reason": "completed"},
            {"model.init": "he", "val_accuracy": 1.0, "stopped_reason": "diverged"},
            {"model.init": "zeros", "val_accuracy": float("nan"), "stopped_reason": "completed"}]
    cells = summarise(rows, [axis])
    assert cells[0] == {"model.init": "he", "runs": 2, "diverged": 1, "mean": 0.75, "min": 0.5, "max": 1.0}
    assert cells[1]["runs"] == 1 and cells[1]["mean"] != cells[1]["mean"]  # NaN: no finite accuracy
