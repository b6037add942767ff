#!/usr/bin/env python3
"""One-command set-up for Activation Lab (standard library only).

    python3 packaging/bootstrap.py app [ARGS...]    create .venv if needed, then launch the app
    python3 packaging/bootstrap.py test [ARGS...]   same with the test and cluster extras, Qt's system
                                                    libraries, then the whole pytest suite
    python3 packaging/bootstrap.py build [ARGS...]  same with the build extra (PyInstaller),
                                                    then packaging/build.py ARGS

The virtual environment lives in .venv at the repository root. It is
re-installed only when pyproject.toml (or the extras asked for) change.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".activation-lab-installed"
# Qt's xcb/offscreen platform plugins need these on a bare Debian/Ubuntu.
QT_DEBS = ["libgl1", "libegl1", "libglib2.0-0", "libfontconfig1", "libxkbcommon0", "libdbus-1-3"]


def say(message: str) -> None:
    print(f"[activation-lab] {message}", file=sys.stderr, flush=True)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def apt_install(packages: list[str], why: str) -> None:
    """Install Debian packages as root, or say exactly what to run and stop."""
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if not shutil.which("apt-get"):
        say(f"{why}; install the equivalent of: {' '.join(packages)}")
        sys.exit(1)
    if not is_root():
        say(f"{why}. Run as root:\n    sudo apt-get update && sudo {' '.join(command)}")
        sys.exit(1)
    say(f"{why}: installing {' '.join(packages)} with apt-get ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


def missing_debs(packages: list[str]) -> list[str]:
    if not shutil.which("dpkg-query"):
        return []  # not a Debian-like system: nothing we can check
    missing = []
    for name in packages:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name],
                                capture_output=True, text=True)
        if "install ok installed" not in result.stdout:
            missing.append(name)
    return missing


def ensure_venv(extras: str) -> Path:
    """Create .venv (fixing a half-made one) and install the project with ``extras``."""
    py = venv_python()
    broken = VENV.exists() and (not py.exists() or subprocess.run(
        [str(py), "-m", "pip", "--version"], capture_output=True).returncode != 0)
    if broken:
        say("Removing an incomplete .venv ...")
        shutil.rmtree(VENV)
    if not VENV.exists():
        try:
            import ensurepip  # noqa: F401  (Debian ships venv without it)
        except ImportError:
            version = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
            apt_install([version], "Python's venv module is missing (Debian's python3-venv)")
        say("Creating .venv (first run, about a minute) ...")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    # the stamp holds pyproject's hash and the extras installed so far: launching the app
    # after the tests (or building after either) reinstalls nothing it already has
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    wanted = {e for e in extras.split(",") if e}
    have: set[str] = set()
    if STAMP.exists():
        stamp_digest, _, stamp_extras = STAMP.read_text().strip().partition(" ")
        if stamp_digest == digest:
            have = {e for e in stamp_extras.split(",") if e}
            if wanted <= have:
                return py
    every = sorted(wanted | have)
    target = f".[{','.join(every)}]" if every else "."
    say(f"Installing Activation Lab and its dependencies into .venv ({target}) ...")
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True, cwd=ROOT)
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "-e", target], check=True, cwd=ROOT)
    STAMP.write_text(f"{digest} {','.join(every)}\n")
    return py


def ensure_qt_libraries() -> None:
    """On Linux, install Qt's system libraries when any is missing (or say how)."""
    if sys.platform.startswith("linux"):
        missing = missing_debs(QT_DEBS)
        if missing:
            apt_install(missing, "Qt needs system libraries that are missing")


def run_app(args: list[str]) -> int:
    ensure_qt_libraries()
    py = ensure_venv("")
    return subprocess.call([str(py), str(ROOT / "main.py"), *args], cwd=ROOT)


def run_tests(args: list[str]) -> int:
    ensure_qt_libraries()
    py = ensure_venv("test,cluster")  # the Dask tests run a real LocalCluster
    code = subprocess.call([str(py), "-m", "pytest", *args], cwd=ROOT)
    if code == 5:
        say("pytest collected no tests: that is a failure, not a pass")
        return 1
    return code


def run_build(args: list[str]) -> int:
    py = ensure_venv("build")
    return subprocess.call([str(py), str(ROOT / "packaging" / "build.py"), *args], cwd=ROOT)


def main(argv: list[str]) -> int:
    commands = {"app": run_app, "test": run_tests, "build": run_build}
    if not argv or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
