#!/usr/bin/env python3
"""Put Activation Lab in the current user's application menu (Linux, freedesktop).

    python3 packaging/install_launcher.py [--exec COMMAND] [--uninstall]

Installs resources/activation-lab.desktop into ~/.local/share/applications and
the icon set into ~/.local/share/icons/hicolor. The launcher runs the bundle
(dist/activation-lab/activation-lab) when one was built, else this checkout's
`python3 main.py` (which sets up .venv on first use). Standard library only.
"""

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
SIZES = [16, 24, 32, 48, 64, 128, 256, 512]


def default_exec() -> str:
    bundle = ROOT / "dist" / "activation-lab" / "activation-lab"
    if bundle.exists():
        return shlex.quote(str(bundle))
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(ROOT / 'main.py'))}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Install the Activation Lab launcher for this user.")
    parser.add_argument("--exec", dest="command", help="command the launcher runs (default: see above)")
    parser.add_argument("--uninstall", action="store_true", help="remove the launcher and icons")
    args = parser.parse_args(argv)
    desktop = DATA / "applications" / "activation-lab.desktop"
    icons = [DATA / "icons" / "hicolor" / f"{s}x{s}" / "apps" / "activation-lab.png" for s in SIZES]
    svg = DATA / "icons" / "hicolor" / "scalable" / "apps" / "activation-lab.svg"
    if args.uninstall:
        for path in [desktop, svg, *icons]:
            path.unlink(missing_ok=True)
        print(f"removed {desktop}")
        return 0
    text = (ROOT / "resources" / "activation-lab.desktop").read_text(encoding="utf-8")
    text = text.replace("Exec=activation-lab", f"Exec={args.command or default_exec()}")
    desktop.parent.mkdir(parents=True, exist_ok=True)
    desktop.write_text(text, encoding="utf-8")
    for size, target in zip(SIZES, icons):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "resources" / "icons" / f"activation-lab-{size}.png", target)
    svg.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "resources" / "icons" / "activation-lab.svg", svg)
    if shutil.which("update-desktop-database"):
        subprocess.call(["update-desktop-database", str(desktop.parent)], stderr=subprocess.DEVNULL)
    print(f"installed {desktop}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
