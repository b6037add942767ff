"""The experiment grid's model (engine/grid.py): its axes come from the schema and the registries,
its runs are main.py sweep's runs, its cells are numpy's statistics of the rows, and what the
schema refuses is named before anything runs."""

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from engine import activations, datasets, grid, initializers, optimizers, sweep
from engine.cli import main as cli_main
from engine.config import Config, ConfigError

ROOT = Path(__file__).resolve().parents[2]
TINY = {"data": {"name": "blobs", "n_samples": 120, "val_fraction": 0.25, "seed": 0},
        "model": {"hidden": [3], "activation": "tanh", "init": "xavier"},
        "train": {"optimizer": "gd", "lr": 0.5, "epochs": 200, "seed": 0}}


def tiny_spec(**changes):
    spec = grid.GridSpec(json.loads(json.dumps(TINY)), grid.GridAxis("model.init", ("zeros", "xavier")),
                         grid.GridAxis("model.activation", ("tanh", "relu")), (0, 1), 4)
    return grid.GridSpec(**{**spec.__dict__, **changes})


def run_locally(spec, resolution=None):
    runs = spec.expand()
    results = grid.GridResults(spec, runs)
    with sweep.backend("sequential", 1):
        for run, row in sweep.run_grid(runs, curves=True, boundary_resolution=resolution):
            results.add(run.index, row)
    return results


def test_the_axes_offer_every_registry_entry_and_no_seed_or_epochs():
    fields = grid.axis_fields()
    assert fields["model.init"].choices == tuple(initializers.INITIALIZERS)
    assert fields["model.activation"].choices == tuple(activations.ACTIVATIONS)
    assert fields["train.optimizer"].choices == tuple(optimizers.OPTIMIZERS)
    assert fields["data.name"].choices == tuple(datasets.DATASETS)
    assert fields["model.bias_init"].choices == tuple(initializers.BIAS_INITIALIZERS)
    assert fields["model.init"].titles[fields["model.init"].choices.index("he")] == initializers.He.title
    assert {"train.seed", "train.epochs", "model.hidden", "data.features", "data.path"}.isdisjoint(fields)
    assert fields["depth"].path == fields["width"].path == "model.hidden"
    assert fields["train.lr"].numeric and fields["train.lr"].parse("0.01, 0.1,1") == (0.01, 0.1, 1.0)
    assert fields["train.batch_size"].parse("16, full") == (16, None)


def test_the_grid_equals_main_py_sweep_for_the_same_axes_and_seeds(tmp_path):
    spec = tiny_spec()
    base = tmp_path / "base.json"
    base.write_text(json.dumps(TINY))
    cli_csv = tmp_path / "cli.csv"
    lines = []
    status = cli_main(["sweep", str(base), "--vary", "model.init=zeros,xavier", "--vary", "model.activation=tanh,relu",
                       "--seeds", "0-1", "--epochs", "4", "--backend", "sequential", "--out", str(cli_csv)],
                      lines.append, lambda _line: None)
    assert status == 0
    results = run_locally(spec, resolution=6)
    ours = tmp_path / "grid.csv"
    results.write_csv(ours)
    assert ours.read_text() == cli_csv.read_text()  # the same columns and the same numbers, digit for digit
    with open(cli_csv, newline="") as handle:
        cli_rows = list(csv.DictReader(handle))
    for i, init in enumerate(spec.rows.values):
        for j, act in enumerate(spec.cols.values):
            accs = [float(r["val_accuracy"]) for r in cli_rows
                    if r["model.init"] == init and r["model.activation"] == act]
            cell = results.cell(i, j)
            assert cell.runs == 2 and cell.mean == pytest.approx(np.mean(accs), abs=0)
            assert (cell.min, cell.max) == (min(accs), max(accs))
            table = next(line for line in lines if line.split()[:2] == [init, act])
            assert f"{cell.mean:.3f}" in table.split()  # the CLI's summary table agrees


def row(acc, losses, reason="completed"):
    losses = np.asarray(losses, dtype=float)
    return {"train_loss": losses[-1], "val_loss": 0.0, "train_accuracy": acc, "val_accuracy": acc,
            "stopped_reason": reason, "epochs": len(losses), "grad_first_to_output": 1.0,
            "history": {"epochs": np.arange(1, len(losses) + 1), "train_loss": losses},
            "boundary": {"xs": np.arange(2.0), "ys": np.arange(2.0), "probs": np.full((2, 2, 2), acc),
                         "features": (0, 1)}}


def test_a_cells_statistics_are_numpys_over_its_rows():
    spec = tiny_spec(seeds=(0, 1, 2, 3))
    runs = spec.expand()
    results = grid.GridResults(spec, runs)
    accs = [0.5, 0.75, 0.6]
    curves = [[1.0, 0.8, 0.6], [1.2, 0.9, 0.5], [1.1, float("inf")]]  # the last diverged at epoch 2
    for k, (acc, curve) in enumerate(zip(accs, curves)):
        results.add(k, row(acc, curve, "diverged" if k == 2 else "completed"))
    results.add(3, row(float("nan"), [1.0, 0.9, 0.8]))  # no accuracy: counted as a run, not in the numbers
    cell = results.cell(0, 0)
    assert (cell.runs, cell.diverged, cell.failed, cell.planned) == (4, 1, 0, 4)
    assert cell.mean == pytest.approx(np.mean(accs)) and cell.sd == pytest.approx(np.std(accs, ddof=1))
    assert (cell.min, cell.max) == (min(accs), max(accs))
    expected = [np.mean([1.0, 1.2, 1.1, 1.0]), np.mean([0.8, 0.9, 0.9]), np.mean([0.6, 0.5, 0.8])]
    np.testing.assert_allclose(cell.mean_loss, expected)
    assert [s for s, *_ in cell.seeds] == [0, 1, 2, 3] and len(cell.seed_losses) == 4
    np.testing.assert_allclose(cell.boundary[2], np.full((2, 2, 2), np.mean(accs)))  # the NaN one left out
    one = results.cell(0, 1)
    assert one.runs == 0 and math.isnan(one.mean)


def test_the_mean_boundary_is_the_mean_of_the_seeds_probabilities():
    spec = tiny_spec()
    results = grid.GridResults(spec, spec.expand())
    results.add(0, row(0.2, [1.0]))
    results.add(1, row(0.6, [1.0]))
    np.testing.assert_allclose(results.cell(0, 0).boundary[2], np.full((2, 2, 2), 0.4))
    assert results.cell(0, 0).sd == pytest.approx(np.std([0.2, 0.6], ddof=1))


def test_failed_runs_are_marked_and_kept_apart_in_the_csv(tmp_path):
    spec = tiny_spec()
    results = run_locally(grid.GridSpec(**{**spec.__dict__, "epochs": 2}))
    finished = dict(results.rows)
    results.rows = {k: v for k, v in finished.items() if k < 3}  # as if the pool died after three runs
    cells = results.fail_unfinished("a worker process died")
    assert cells == {(0, 1), (1, 0), (1, 1)}
    assert results.cell(0, 1).failed == 1 and results.cell(0, 1).runs == 1
    assert results.cell(1, 1).failed == 2 and results.cell(1, 1).reason == "a worker process died"
    path = tmp_path / "runs.csv"
    results.write_csv(path)
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["stopped_reason"] for r in rows] == ["completed"] * 3 + ["failed: a worker process died"] * 5
    assert rows[5]["val_accuracy"] == ""


def test_a_value_the_schema_refuses_is_named_with_its_rule():
    with pytest.raises(ConfigError) as bad:
        tiny_spec(rows=grid.GridAxis("model.init", ("zeros", "hee"))).check()
    assert str(bad.value).startswith("Initialiser (rows): must be one of zeros, constant, normal")
    assert str(bad.value).endswith('got "hee"')
    with pytest.raises(ConfigError, match=r"^Learning rate: must be > 0 and <= 100, got 500$"):
        grid.axis_fields()["train.lr"].parse("0.1, 500")
    with pytest.raises(ConfigError, match=r"^Width \(model.hidden\): must be a positive integer, got 0$"):
        grid.axis_fields()["width"].parse("4, 0")
    with pytest.raises(ConfigError, match=r"^Activation \(columns\): has no values"):
        tiny_spec(cols=grid.GridAxis("model.activation", ())).check()
    with pytest.raises(ConfigError, match=r"^Initialiser \(columns\): is the rows' setting too"):
        tiny_spec(cols=grid.GridAxis("model.init", ("he",))).check()
    with pytest.raises(ConfigError, match=r"^Epochs: must be an integer between 1 and"):
        tiny_spec(epochs=0).check()


def test_a_rule_only_the_data_can_check_is_named_by_its_axis():
    spec = tiny_spec(cols=grid.GridAxis("model.output", ("softmax", "sigmoid")))  # sigmoid: two classes only
    spec.check()  # the schema alone accepts it
    with pytest.raises(ConfigError, match=r"^Output \(columns\): "):
        spec.validate()


def test_the_estimate_counts_runs_and_says_when_to_ask_first():
    small = tiny_spec()
    est = small.estimate(2)
    assert (est.cells, est.runs, est.workers, est.confirm) == (4, 8, 2, False)
    assert 0 < est.seconds < 60 and est.describe().startswith("4 cells × 2 seeds = 8 runs, about ")
    big = tiny_spec(rows=grid.GridAxis("model.init", tuple(initializers.INITIALIZERS)),
                    cols=grid.GridAxis("model.activation", tuple(activations.ACTIVATIONS)), seeds=tuple(range(20)))
    est = big.estimate(2)
    assert est.runs == 11 * 10 * 20 == 2200 > grid.CONFIRM_RUNS and est.confirm
    assert est.seconds > small.estimate(2).seconds
    assert big.estimate(1).seconds > est.seconds  # one worker: longer


def test_depth_and_width_build_the_hidden_list():
    spec = tiny_spec(rows=grid.GridAxis("width", (2, 5)), cols=grid.GridAxis("depth", (1, 3)))
    runs = spec.expand()
    hidden = [r.config["model"]["hidden"] for r in runs[::2]]
    assert hidden == [[2], [2, 2, 2], [5], [5, 5, 5]]
    assert [spec.cell_of(r.index) for r in runs[::2]] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    alone = tiny_spec(rows=grid.GridAxis("depth", (0, 2)))  # the base's width (3)
    assert [r.config["model"]["hidden"] for r in alone.expand()[::4]] == [[], [3, 3]]
    results = grid.GridResults(spec, runs)
    assert results.csv_fields()[:4] == ["width", "depth", "model.hidden", "seed"]


def test_the_classic_study_is_the_1a_configuration_over_inits_and_activations():
    spec = grid.classic_study()
    lesson = json.loads((ROOT / "resources" / "configs" / "1a_blobs4_zeros_tanh.json").read_text())
    assert Config.from_dict(spec.base) == Config.from_dict(lesson)
    assert spec.rows.values == ("zeros", "normal", "xavier", "he")
    assert spec.cols.values == ("sigmoid", "tanh", "relu", "leaky_relu")
    assert spec.seeds == tuple(range(10)) and spec.epochs == 50 and spec.n_runs == 160
    assert spec.base["train"]["optimizer"] == "gd" and spec.base["model"]["hidden"] == [2]
    assert initializers.INITIALIZERS["normal"].schema[0].default == 1.0  # N(0, 1)


def test_the_classic_studys_learning_rate_separates_the_cells_in_50_epochs():
    spec = grid.classic_study(seeds=2)
    spec = grid.GridSpec(spec.base, grid.GridAxis("model.init", ("zeros", "xavier")),
                         grid.GridAxis("model.activation", ("sigmoid", "tanh")), spec.seeds, 50)
    results = run_locally(spec)
    zeros_tanh, xavier_sigmoid, xavier_tanh = results.cell(0, 1), results.cell(1, 0), results.cell(1, 1)
    assert zeros_tanh.max <= 0.3  # the symmetry is never broken: one class for every point
    assert xavier_tanh.mean >= zeros_tanh.mean + 0.4
    assert xavier_tanh.mean > xavier_sigmoid.mean + 0.05  # sigmoid is visibly slower
