"""Every configuration shipped in resources/configs runs through the command line."""

import json

import pytest
from cli_helpers import ROOT

from main import run_headless as main  # engine.cli bound to stdout and stderr, as a launch does

CONFIGS = sorted((ROOT / "resources" / "configs").glob("*.json"))


def test_configs_are_shipped():
    assert len(CONFIGS) >= 4


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_shipped_config_runs(tmp_path, capsys, path):
    out = tmp_path / "r.json"
    assert main(["run", str(path), "--epochs", "3", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["stopped_reason"] in ("completed", "diverged")
    assert report["epochs"] == len(report["history"]["epoch"]) <= 3
    assert report["config"]["train"]["epochs"] == 3
    hidden = json.loads(path.read_text()).get("model", {}).get("hidden", report["config"]["model"]["hidden"])
    assert [layer["width"] for layer in report["layers"]][:-1] == hidden
    assert capsys.readouterr().out.startswith(report["stopped_reason"])
