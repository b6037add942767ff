#!/usr/bin/env python3
"""Build the desktop bundle with PyInstaller.

    python packaging/build.py [--onefile] [--dist DIR]

One folder (dist/activation-lab/activation-lab) by default; --onefile makes a
single executable (dist/activation-lab), slower to start since it unpacks
itself first. Run from any Python 3.11: without PyInstaller at hand it sets up
.venv with the build extra first (packaging/bootstrap.py build) and builds there.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build the Activation Lab bundle.")
    parser.add_argument("--onefile", action="store_true", help="a single executable instead of a folder")
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="where the bundle goes (default: dist/)")
    parser.add_argument("--work", default=str(ROOT / "build"), help="PyInstaller's scratch folder")
    args = parser.parse_args(argv)
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        if Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
            print("error: PyInstaller is missing from .venv: .venv/bin/pip install -e '.[build]'", file=sys.stderr)
            return 2
        # run from a system Python (a fresh clone): set up .venv with the build extra, build there
        sys.path.insert(0, str(ROOT / "packaging"))
        import bootstrap

        return bootstrap.run_build(sys.argv[1:] if argv is None else list(argv))
    env = {**os.environ, "ACTIVATION_LAB_ONEFILE": "1" if args.onefile else "0"}
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "PyInstaller", str(ROOT / "packaging" / "activation-lab.spec"), "--noconfirm",
           "--clean", "--log-level", "WARN", "--distpath", args.dist, "--workpath", args.work]
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code:
        return code
    target = Path(args.dist) / ("activation-lab" if args.onefile else "activation-lab")
    size = (target.stat().st_size if target.is_file()
            else sum(p.lstat().st_size for p in target.rglob("*") if p.is_file() and not p.is_symlink()))
    print(f"built {target} ({size / 2**20:.0f} MiB) in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
