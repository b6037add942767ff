"""--selftest and --startup-check run the real app but leave the user's settings alone."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("flag", ["--startup-check", "--selftest"])
def test_checks_do_not_touch_saved_settings(tmp_path, flag):
    home = tmp_path / "home"
    config = home / ".config"
    saved = config / "Activation Lab" / "Activation Lab.conf"
    saved.parent.mkdir(parents=True)
    saved.write_text("[files]\nrecent=/somewhere/lesson.json\n")
    before = saved.read_bytes()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(config), "QT_QPA_PLATFORM": "offscreen",
           "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), flag], env=env, capture_output=True,
                          text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert saved.read_bytes() == before
    assert sorted(p.name for p in config.rglob("*")) == ["Activation Lab", "Activation Lab.conf"]
    # and the temporary settings folder is cleaned up on exit
    assert not list(tmp_path.glob("activation-lab-check-*"))
