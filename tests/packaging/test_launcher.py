"""The desktop launcher and icon set."""

import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_desktop_file_is_valid():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "resources" / "activation-lab.desktop")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "Activation Lab"
    assert entry["Icon"] == "activation-lab" and entry["Terminal"] == "false"


def test_icon_set_is_complete():
    icons = ROOT / "resources" / "icons"
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        png = (icons / f"activation-lab-{size}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(png[16:20], "big") == size  # IHDR width
    assert (icons / "activation-lab.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert "<svg" in (icons / "activation-lab.svg").read_text()


def test_launcher_installs_and_uninstalls_for_the_user(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    script = ROOT / "packaging" / "install_launcher.py"
    subprocess.run([sys.executable, str(script), "--exec", "/opt/lab/activation-lab"], check=True, env=env)
    desktop = tmp_path / "applications" / "activation-lab.desktop"
    assert "Exec=/opt/lab/activation-lab" in desktop.read_text()
    assert (tmp_path / "icons" / "hicolor" / "48x48" / "apps" / "activation-lab.png").exists()
    subprocess.run([sys.executable, str(script), "--uninstall"], check=True, env=env)
    assert not desktop.exists()
