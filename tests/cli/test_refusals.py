"""The command line refuses at once, in one line, with status 2: an unknown command, too many
seeds, an output folder it cannot write in, JSON that breaks a limit; nothing runs first."""

import os
import subprocess
import sys
import time

import pytest
from cli_helpers import ROOT, SMALL

from engine import cli
from engine.config import ConfigError
from engine.sweep import MAX_SEEDS, parse_seeds
from main import run_headless as main  # engine.cli bound to stdout and stderr, as a launch does


@pytest.fixture
def nothing_runs(monkeypatch):
    """Training or a sweep's runs starting is a failure: every refusal comes first."""
    from engine import runner, sweep

    def never(*args, **kwargs):
        raise AssertionError("training started before the refusal")

    monkeypatch.setattr(runner, "run_to_end", never)
    monkeypatch.setattr(sweep, "run_grid", never)


def refused(capsys, argv):
    """(exit status, the stderr line) of a command that must print nothing on stdout."""
    code = main(argv)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured
    return code, captured.err.rstrip("\n")


# -- unknown command ---------------------------------------------------------------------------
@pytest.mark.parametrize("word", ["train", "Run", "runs", "", "c.json"])
def test_an_unknown_command_is_one_line_without_usage(capsys, word):
    assert refused(capsys, [word, "--out", "x.json"]) == (
        2, f"error: unknown command {word!r}; valid commands: run, sweep, probe")


def test_an_unknown_command_from_the_real_entry_point(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "c.json"], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert result.stderr == "error: unknown command 'train'; valid commands: run, sweep, probe\n"
    assert result.stdout == "" and "usage" not in result.stderr


def test_the_message_lists_the_commands_there_are():
    assert cli.unknown_command("x" * 100) == (
        f"unknown command {'x' * 39 + '…'!r}; valid commands: {', '.join(cli.COMMANDS)}")


# -- --seeds ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("seeds, count", [("0-999999", 1_000_000), ("0-4294967295", 4_294_967_296),
                                          ("0-1000", 1001), ("0-500,600-1100", 1002)])
def test_too_many_seeds_are_refused_before_any_list_is_built(write, capsys, nothing_runs, seeds, count):
    start = time.perf_counter()
    code, err = refused(capsys, ["sweep", str(write(SMALL)), "--seeds", seeds, "--out", "s.csv"])
    assert (code, err) == (2, f"error: --seeds: at most 1000 seeds, got {count}")
    assert time.perf_counter() - start < 5.0


def test_a_thousand_seeds_are_allowed():
    assert parse_seeds("0-999") == list(range(MAX_SEEDS))
    assert len(parse_seeds("5000-5499,0-499")) == 1000
    with pytest.raises(ConfigError, match=r"^--seeds: must be between 0 and 4294967295, got '0-4294967296'$"):
        parse_seeds("0-4294967296")  # out of range is said first
    with pytest.raises(ConfigError, match="^--seeds: must be a range like 0-9 or a list like 0,3,5, got '1"):
        parse_seeds("1" * 5000)  # more digits than Python converts: still one line


# -- --out ------------------------------------------------------------------------------------------
def test_an_out_folder_without_write_permission_is_refused_before_training(tmp_path, write, capsys, monkeypatch,
                                                                            nothing_runs):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli.tempfile, "mkstemp", denied)  # root may write anywhere: the OS's answer, simulated
    folder = tmp_path / "locked"
    folder.mkdir()
    cfg = str(write(SMALL))
    assert refused(capsys, ["run", cfg, "--out", str(folder / "r.json")]) == (
        2, f"error: --out: cannot write in folder {folder} (Permission denied)")
    assert refused(capsys, ["sweep", cfg, "--out", str(folder / "s.csv")]) == (
        2, f"error: --out: cannot write in folder {folder} (Permission denied)")
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write in any folder")
def test_a_read_only_folder_is_refused_before_training(tmp_path, write, capsys, nothing_runs):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert refused(capsys, ["run", str(write(SMALL)), "--out", str(folder / "r.json")]) == (
            2, f"error: --out: cannot write in folder {folder} (Permission denied)")
    finally:
        folder.chmod(0o755)


def test_an_out_folder_that_is_a_file(tmp_path, write, capsys, nothing_runs):
    plain = tmp_path / "notes.txt"
    plain.write_text("x")
    assert refused(capsys, ["run", str(write(SMALL)), "--out", str(plain / "r.json")]) == (
        2, f"error: --out: {plain} is a file, not a folder")


def test_the_write_check_leaves_nothing_behind(tmp_path, write, capsys):
    out = tmp_path / "out"
    out.mkdir()
    assert main(["run", str(write(SMALL)), "--out", str(out / "r.json")]) == 0
    assert [p.name for p in out.iterdir()] == ["r.json"]
    capsys.readouterr()


# -- JSON that breaks a limit ------------------------------------------------------------------------
@pytest.mark.parametrize("text, rule", [
    ('{"train": {"lr": NaN}}', "train.lr: must be a finite number, got NaN"),
    ('{"train": {"lr": 1e999}}', "train.lr: must be a finite number, got 1e999 (too large: it overflows to infinity)"),
    ('{"model": {"hidden": [8, Infinity]}}', "model.hidden[1]: must be a finite number, got Infinity"),
    ('{"train": {"epochs": ' + "1" * 5000 + "}}",
     "train.epochs: an integer of 5,000 digits is too long; at most 100 digits are allowed"),
    ('{"model": {"hidden": ' + "[" * 50_000 + "]" * 50_000 + "}}",
     "is nested deeper than 64 levels (at line 1, column 84)"),  # the 65th level opens at column 84
    ("[1, 2]", "must be a JSON object with data, model and train, got [1, 2]"),
])
def test_a_configuration_that_breaks_a_json_limit(write, capsys, nothing_runs, text, rule):
    path = write(text)
    assert refused(capsys, ["run", str(path), "--out", "r.json"]) == (2, f"error: {path}: {rule}")


def test_a_configuration_with_a_byte_order_mark_runs(tmp_path, capsys):
    import json

    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(SMALL).encode())
    assert main(["run", str(path), "--out", str(tmp_path / "r.json")]) == 0
    assert capsys.readouterr().out.startswith("completed: 8 epochs")


@pytest.mark.parametrize("vary, message", [
    ("train.lr=0.1,NaN", "--vary train.lr: must be a finite number, got NaN"),
    ("train.lr=1e999", "--vary train.lr: must be a finite number, got 1e999 (too large: it overflows to infinity)"),
    ("train.epochs=1" + "0" * 5000, "--vary train.epochs: an integer of 5,001 digits is too long; at most 100 digits "
                                    "are allowed"),
    ("model.hidden=" + "[" * 100 + "]" * 100, "--vary model.hidden: is nested deeper than 64 levels (at line 1, "
                                              "column 65)"),
])
def test_vary_values_that_break_a_json_limit(write, capsys, nothing_runs, vary, message):
    assert refused(capsys, ["sweep", str(write(SMALL)), "--vary", vary, "--out", "s.csv"]) == (2, f"error: {message}")


def test_a_grid_with_too_many_runs_is_refused_before_one_is_built(write, capsys, nothing_runs):
    l1 = ",".join(f"{i / 1e4:g}" for i in range(400))
    l2 = ",".join(f"{i / 1e4:g}" for i in range(400))
    start = time.perf_counter()
    assert refused(capsys, ["sweep", str(write(SMALL)), "--vary", f"train.l1={l1}", "--vary", f"train.l2={l2}",
                            "--out", "s.csv"]) == (
        2, "error: --vary: the grid would be 160,000 combinations x 1 seed = 160,000 runs; at most 100,000 runs")
    assert time.perf_counter() - start < 5.0
