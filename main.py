"""Activation Lab's entry point: the window by default; `run`, `sweep`, `probe` are headless.

    python3 main.py                     open the window (sets up .venv on first use)
    python3 main.py run CONFIG.json --out REPORT.json
    python3 main.py sweep CONFIG.json --vary model.init=zeros,xavier --seeds 0-4 --out r.csv
    python3 main.py probe --depth 5 --activation sigmoid --init xavier
"""

import os
import sys


def _dependencies_missing(headless: bool) -> bool:
    try:
        import numpy  # noqa: F401
        if not headless:
            import PySide6  # noqa: F401
    except ImportError:
        return True
    return False


USAGE = __doc__ + """
    python3 main.py --selftest          train for a few seconds offscreen and report (used by the bundle test)
"""


def _out(line: str) -> None:
    print(line, flush=True)


def _err(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run_headless(argv: list[str]) -> int:
    """The terminal side of engine.cli: its lines go to stdout and stderr. When the reader
    of a pipe goes away (`main.py probe ... | head`), the rest goes to /dev/null quietly."""
    from engine.cli import main as cli_main

    try:
        return cli_main(argv, out=_out, err=_err)
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so the exit-time flush stays silent
        except (OSError, ValueError):
            pass
        return 0


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(USAGE.strip())
        return 0
    # Any first word that is not an option is a sub-command: run, sweep, probe, or a mistyped one that
    # engine.cli refuses in one line (the window takes no words, only Qt's and its own options).
    headless = len(sys.argv) > 1 and not sys.argv[1].startswith("-")
    here = os.path.dirname(os.path.abspath(__file__))
    if not getattr(sys, "frozen", False) and _dependencies_missing(headless):
        # A fresh clone: let the bootstrap create .venv, then run us from it.
        bootstrap = os.path.join(here, "packaging", "bootstrap.py")
        os.execv(sys.executable, [sys.executable, bootstrap, "app", *sys.argv[1:]])
    if headless:
        return run_headless(sys.argv[1:])
    from gui.app import main as gui_main

    return gui_main(sys.argv)


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()  # sweep's worker processes inside a PyInstaller bundle
    sys.exit(main())
