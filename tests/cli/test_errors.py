"""Bad configuration exits with status 2 and one line naming the field; bugs exit 1; never a traceback."""

import pytest
from cli_helpers import SMALL

from engine import activations, initializers, optimizers
from main import run_headless as main  # engine.cli bound to stdout and stderr, as a launch does

BAD = [
    ({"model": {"hidden": [16, -3]}}, "model.hidden[1]: must be a positive integer, got -3"),
    ({"model": {"hidden": 8}}, "model.hidden: must be a list of layer widths, got 8"),
    ({"model": {"activation": "sigmod"}},
     f'model.activation: must be one of {", ".join(activations.names())}, got "sigmod"'),
    ({"model": {"init": "hee"}}, f'model.init: must be one of {", ".join(initializers.names())}, got "hee"'),
    ({"model": {"output": "softmin"}}, 'model.output: must be one of softmax, sigmoid, identity, got "softmin"'),
    ({"train": {"lr": -0.1}}, "train.lr: must be > 0 and <= 100, got -0.1"),
    ({"train": {"epochs": "many"}}, 'train.epochs: must be an integer, got "many"'),
    ({"train": {"optimizer": "adamw"}},
     f'train.optimizer: must be one of {", ".join(optimizers.names())}, got "adamw"'),
    ({"train": {"batch_size": 0}}, 'train.batch_size: must be a positive integer or "full", got 0'),
    ({"train": {"momentum": 1.5}}, "train.momentum: must be >= 0 and <= 0.9999, got 1.5"),
    ({"data": {"val_fraction": 2}}, "data.val_fraction: must be between 0 and 0.9, got 2"),
    ({"data": {"n_samples": 3}}, "data.n_samples: must be an integer between 8 and 1000000, got 3"),
    ({"data": {"standardize": "yes"}}, 'data.standardize: must be true or false, got "yes"'),
    ({"modle": {}}, "modle: unknown section; valid sections: data, model, train"),
    ({"train": {"lrr": 1}},
     "train.lrr: unknown key; valid keys: optimizer, lr, epochs, batch_size, loss_reduction, seed, momentum, "
     "rho, beta1, beta2, eps, l2, l1, with_replacement"),
    ({"data": {"name": "iris"}, "model": {"output": "sigmoid"}},
     "model.output: 'sigmoid' needs exactly 2 classes, the data has 3; use 'softmax'"),
    ({"data": {"name": "iris", "features": [0, 7]}}, "data.features: must be feature indices below 4, got [0, 7]"),
]


@pytest.mark.parametrize("raw, message", BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_configuration_exits_2_with_one_line(tmp_path, write, capsys, raw, message):
    out = tmp_path / "r.json"
    code = main(["run", str(write(raw)), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == f"error: {message}\n"
    assert captured.out == "" and not out.exists()


def test_a_file_that_is_not_an_object_is_named(write, capsys):
    path = write([1, 2])
    assert main(["run", str(path), "--out", "r.json"]) == 2
    assert capsys.readouterr().err == f"error: {path}: must be a JSON object with data, model and train, got [1, 2]\n"


def test_bad_json_and_missing_files(tmp_path, write, capsys):
    bad = write("{\"model\": {\"hidden\": [8,]}}")
    assert main(["run", str(bad), "--out", "r.json"]) == 2
    assert capsys.readouterr().err == f"error: {bad}: is not valid JSON: Expecting value at line 1, column 25\n"
    missing = tmp_path / "nope.json"
    assert main(["run", str(missing), "--out", "r.json"]) == 2
    assert capsys.readouterr().err == f"error: {missing}: file not found\n"


def test_csv_data_errors_name_data_path(tmp_path, write, capsys):
    csv_file = tmp_path / "points.csv"
    csv_file.write_text("x1,x2,label\n1,2,a\n3,oops,b\n1,1,a\n2,2,b\n")
    assert main(["run", str(write({"data": {"name": "csv", "path": str(csv_file)}})), "--out", "r.json"]) == 2
    assert capsys.readouterr().err == (
        "error: data.path: points.csv: row 3, column 2 ('x2'): must be a number, got 'oops'\n")
    gone = tmp_path / "gone.csv"
    assert main(["run", str(write({"data": {"name": "csv", "path": str(gone)}})), "--out", "r.json"]) == 2
    assert capsys.readouterr().err == f"error: data.path: gone.csv: file not found ({gone})\n"
    assert main(["run", str(write({"data": {"name": "csv"}})), "--out", "r.json"]) == 2
    assert capsys.readouterr().err == 'error: data.path: is required when data.name is "csv"\n'


@pytest.mark.parametrize("argv, message", [
    (["run", "c.json"], "main.py run: the following arguments are required: --out"),
    (["run", "c.json", "--out", "r.json", "--epochs", "0"],
     "main.py run: argument --epochs: must be an integer between 1 and 1000000, got 0"),
    (["run", "c.json", "--out", "r.json", "--seed", "x"], "main.py run: argument --seed: must be an integer, got 'x'"),
    (["walk"], "unknown command 'walk'; valid commands: run, sweep, probe"),
    (["sweep", "c.json", "--out", "s.csv", "--jobs", "0"],
     "main.py sweep: argument --jobs: must be a positive number of workers, or -1 for all cores (-2: all but one)"),
    (["probe", "--depth", "0"], "main.py probe: argument --depth: must be an integer between 1 and 64, got 0"),
])
def test_usage_errors_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert message in err


def test_output_that_cannot_be_written_fails_before_training(tmp_path, write, capsys):
    cfg = write(SMALL)
    assert main(["run", str(cfg), "--out", str(tmp_path / "no" / "r.json")]) == 2
    assert capsys.readouterr().err == f"error: --out: folder {tmp_path / 'no'} does not exist\n"
    assert main(["run", str(cfg), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: --out: {tmp_path} is a folder; give a file name\n"


def test_an_override_out_of_range_names_the_option(write, capsys):
    assert main(["run", str(write(SMALL)), "--out", "r.json", "--seed", "4294967296"]) == 2
    assert "--seed: must be an integer between 0 and 4294967295, got 4294967296" in capsys.readouterr().err


def test_internal_errors_exit_1_in_one_line(write, capsys, monkeypatch):
    from engine import session

    def broken(self):
        raise RuntimeError("boom\nsecond line")
        yield  # a generator, like the real run

    monkeypatch.setattr(session.Session, "run", broken)
    monkeypatch.delenv("ACTIVATION_LAB_TRACEBACK", raising=False)
    assert main(["run", str(write(SMALL)), "--out", "r.json"]) == 1
    assert capsys.readouterr().err == "error: internal error: RuntimeError: boom second line\n"
    monkeypatch.setenv("ACTIVATION_LAB_TRACEBACK", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["run", str(write(SMALL)), "--out", "r.json"])
