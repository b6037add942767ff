"""Does the window stay responsive while it builds something big or trains a long step?

    python benchmarks/responsive.py points [N]            type N into Points (default 100,000)
    python benchmarks/responsive.py open CONFIG.json       File > Open a configuration (e.g. a big CSV)
    python benchmarks/responsive.py slow-step [SECONDS]    20,000 points through 1024 x 1024, full batch:
                                                           play, change the activation, close

Opens the real window offscreen with throwaway settings, and while it works a
10 ms timer records the event loop's gaps. Prints how long until the new
session was shown, the longest gap (the longest the window was frozen) and the
process's peak memory. A benchmark to read, not a test (the tests assert the
behaviour: tests/gui/test_builder.py, tests/gui/test_lifecycle.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Gaps:
    """The event loop's gaps, from a 10 ms timer."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.timeout.connect(self.tick)
        self.timer.start(10)

    def tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now

    def restart(self) -> None:
        self.gaps.clear()
        self.last = time.perf_counter()

    def longest(self) -> float:
        return max(self.gaps, default=0.0)


def run_for(seconds: float, until=None) -> float:
    """Process events for ``seconds`` (or until ``until()``); the time it took."""
    from PySide6.QtWidgets import QApplication

    app, start = QApplication.instance(), time.perf_counter()
    while time.perf_counter() - start < seconds and not (until and until()):
        app.processEvents()
        time.sleep(0.002)
    return time.perf_counter() - start


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def window(config=None):
    from gui.app import create_window, throwaway_settings

    throwaway_settings()
    w = create_window(config)
    w.resize(1400, 900)
    w.show()
    run_for(1.0)  # the first data set and the first picture
    return w


def wait_for_new_session(w, act, timeout: float = 120.0) -> tuple[float, float]:
    """Run ``act()`` and wait for the window's next session; (seconds, longest gap)."""
    ready = []
    w.sessionReady.connect(lambda: ready.append(time.perf_counter()))
    gaps = Gaps()
    start = time.perf_counter()
    act()
    run_for(timeout, lambda: bool(ready))
    run_for(0.3)  # the first frame after it
    return (ready[0] - start if ready else float("nan")), gaps.longest()


def points(n: int) -> None:
    w = window()
    took, gap = wait_for_new_session(w, lambda: (w.data_panel.samples.put(n), w.data_panel.changed.emit()))
    print(f"points {n:,}: shown after {took:.2f} s; longest event-loop gap {gap:.2f} s; "
          f"{w.session.dataset.X.shape[0]:,} points; peak RSS {peak_mb():.0f} MB")
    w.shutdown()


def open_config(path: str) -> None:
    w = window()
    accepted = []
    took, gap = wait_for_new_session(w, lambda: accepted.append(w.open_config(path)))
    print(f"open {path}: accepted {accepted[0]}, shown after {took:.2f} s; longest event-loop gap {gap:.2f} s; "
          f"{w.session.dataset.X.shape[0]:,} points; peak RSS {peak_mb():.0f} MB")
    w.shutdown()


def slow_step(seconds: float) -> None:
    import json

    from engine.config import Config
    from gui.files import DEFAULT_CONFIG

    raw = json.loads(json.dumps(DEFAULT_CONFIG))
    raw["data"]["n_samples"] = 20_000
    raw["model"]["hidden"] = [1024, 1024]
    raw["train"]["batch_size"] = None
    w = window(Config.from_dict(raw))
    run_for(30.0, lambda: w.session is not None)
    gaps = Gaps()
    w.controller.play()
    run_for(1.0)  # inside a long step now
    combo = w.network_panel.activation
    start = time.perf_counter()
    combo.setCurrentIndex(combo.findData("relu"))
    returned = time.perf_counter() - start
    run_for(seconds)
    print(f"slow step: the activation change returned in {returned:.2f} s; longest event-loop gap "
          f"{gaps.longest():.2f} s over {seconds:g} s; now {w.session.config.model.activation}")
    start = time.perf_counter()
    w.close()
    print(f"close returned in {time.perf_counter() - start:.2f} s (a step still under way finishes at exit); "
          f"peak RSS {peak_mb():.0f} MB")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("points")
    p.add_argument("n", nargs="?", type=int, default=100_000)
    o = sub.add_parser("open")
    o.add_argument("config")
    s = sub.add_parser("slow-step")
    s.add_argument("seconds", nargs="?", type=float, default=6.0)
    args = parser.parse_args(argv)
    if args.what == "points":
        points(args.n)
    elif args.what == "open":
        open_config(args.config)
    else:
        slow_step(args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
