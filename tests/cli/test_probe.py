"""`probe`: the signal-propagation table and its JSON."""

import json

import pytest

from engine.propagation import signal_propagation
from main import run_headless as main  # engine.cli bound to stdout and stderr, as a launch does


def test_probe_prints_one_row_per_layer(capsys):
    assert main(["probe", "--depth", "4", "--width", "50", "--activation", "sigmoid", "--init", "normal"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("4 layers of 50 sigmoid units, init normal std=1, bias zeros; "
                        "1000 samples of N(0,1) in 100 dimensions")
    assert lines[1].split() == ["layer", "std", "z", "signal", "z", "mean", "a", "std", "a", "std", "dL/da", "std",
                                "dL/dz", "slope", "saturated", "dead"]
    rows = [line.split() for line in lines[3:7]]
    expected = signal_propagation(width=50, depth=4, activation="sigmoid", init="normal")
    for row, layer in zip(rows, expected):
        assert row[0] == str(layer.index)
        assert float(row[1]) == pytest.approx(layer.z_std, rel=1e-3)
        assert row[8] == f"{100 * layer.saturated_fraction:.1f}%" and row[9] == "-"  # sigmoid units cannot die
    assert lines[7].startswith("signal z: ")


def test_probe_options_reach_the_experiment(capsys):
    argv = ["probe", "--depth", "2", "--width", "8", "--activation", "leaky_relu", "--leaky-slope", "0.2",
            "--init", "normal", "--init-param", "0.3", "--bias-init", "constant", "--bias-value", "-0.5",
            "--input-dim", "3", "--samples", "40", "--seed", "2", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    expected = signal_propagation(8, 2, "leaky_relu", "normal", {"std": 0.3}, "constant", 3, 40, 2,
                                  activation_params={"slope": 0.2}, bias_value=-0.5)
    assert data["init_params"] == {"std": 0.3} and data["samples"] == 40
    assert [layer["z_std"] for layer in data["layers"]] == expected.column("z_std").tolist()
    assert data["layers"][0]["saturated_fraction"] is None  # NaN -> null: leaky ReLU does not saturate
    assert sum(data["layers"][1]["a_hist"]["counts"]) == 40 * 8


def test_zero_init_says_symmetry_is_never_broken(capsys):
    assert main(["probe", "--init", "zeros", "--depth", "2"]) == 0
    assert "symmetry is never broken" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--activation", "nope"], "--activation: must be one of identity, sigmoid, tanh, relu, leaky_relu, elu, "
     'selu, gelu, swish, softplus, got "nope"'),
    (["--bias-init", "twos"], '--bias-init: must be one of zeros, ones, constant, like_weights, got "twos"'),
    (["--init-param", "500"], "--init-param: must be >= -100 and <= 100, got 500"),
    (["--leaky-slope", "2"], "--leaky-slope: must be >= 0 and <= 1, got 2"),
])
def test_probe_errors_name_the_option(capsys, argv, message):
    assert main(["probe", *argv]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"
