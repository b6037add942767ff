"""Build the PyInstaller bundle and run it offscreen with --selftest (slow: marker 'bundle')."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.bundle


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    pytest.importorskip("PyInstaller", reason="the bundle needs the build extra (pip install -e '.[build]')")
    dist = tmp_path_factory.mktemp("dist")
    work = tmp_path_factory.mktemp("work")
    result = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(dist),
                             "--work", str(work)], capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    exe = dist / "activation-lab" / ("activation-lab.exe" if os.name == "nt" else "activation-lab")
    assert exe.exists()
    return exe


def run(exe, *args):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(exe.parent)}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300, env=env)


def test_bundle_trains_and_exits_cleanly(bundle):
    result = run(bundle, "--selftest")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "selftest:" in output and ": ok" in output
    for bad in ("Traceback", "Fatal Python error", "QThread: Destroyed", "qt.qpa.plugin: Could not"):
        assert bad not in output, output


def test_bundle_runs_the_headless_cli(bundle):
    result = run(bundle, "probe", "--depth", "2", "--width", "8")
    assert result.returncode == 0, result.stderr
    assert "2 layers of 8 sigmoid units" in result.stdout
    config = bundle.parent / "_internal" / "resources" / "configs" / "5b_moons_tanh_curved.json"
    if not config.exists():
        config = next(bundle.parent.rglob("5b_moons_tanh_curved.json"))
    report = bundle.parent / "report.json"
    result = run(bundle, "run", str(config), "--epochs", "2", "--out", str(report))
    assert result.returncode == 0, result.stderr
    assert report.exists()
