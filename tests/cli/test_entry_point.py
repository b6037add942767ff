"""The real entry point, `python main.py ...`, in a subprocess: exit statuses and clean output."""

import subprocess
import sys

from cli_helpers import ROOT


def main_py(*args, cwd):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_probe_succeeds(tmp_path):
    result = main_py("probe", "--depth", "2", "--width", "10", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 layers of 10 sigmoid units") and result.stderr == ""


def test_bad_configuration_exits_2_with_one_line(tmp_path):
    (tmp_path / "c.json").write_text('{"train": {"lr": 0}}')
    result = main_py("run", "c.json", "--out", "r.json", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: train.lr: must be > 0 and <= 100, got 0\n" and result.stdout == ""
    assert not (tmp_path / "r.json").exists()


def test_run_writes_its_report_and_usage_errors_exit_2(tmp_path):
    (tmp_path / "c.json").write_text('{"data": {"n_samples": 100}, "model": {"hidden": [4]}, "train": {"epochs": 2}}')
    result = main_py("run", "c.json", "--out", "r.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("completed: 2 epochs") and (tmp_path / "r.json").exists()
    usage = main_py("sweep", "c.json", cwd=tmp_path)
    assert usage.returncode == 2
    assert usage.stderr == "error: main.py sweep: the following arguments are required: --out\n"
