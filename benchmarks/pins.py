"""Frames per second of the live window with no pinned runs and with eight.

    python benchmarks/pins.py [--seconds S] [--repeats N] [--epochs E] [--size 1400x900]

Eight pinned runs of E epochs each (default 2,000: eight headless runs of the default
configuration, different seeds) are drawn in the loss and gradient-flow views; the
pinned curves are given their data once, so the live frame rate should stay within
10 % of the rate with no pins (the target). The window, with all six views on
screen (benchmarks/gui_rate.py), trains at full speed; after a one-second warm-up it
counts frames drawn and training steps for S seconds. Windows with 0 and 8 pins
alternate, N times each, and the medians are reported: the machine's other work
then weighs on both alike. Settings go to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def pinned_runs(epochs: int) -> list:
    """Eight pins of the default configuration (seeds 1..8), each ``epochs`` epochs long."""
    from gui_rate import workload_config

    from engine import pins
    from engine.runner import run_to_end
    from engine.session import Session

    runs = []
    for seed in range(1, pins.MAX_PINS + 1):
        config = workload_config("default").with_changes(train={"seed": seed, "epochs": epochs})
        session = Session(config)
        session.snapshot_every = 10**9
        run_to_end(session)
        runs.append(pins.PinnedRun(pins.run_name(config, [r.config for r in runs]), config, seed - 1,
                                   session.history(), tuple(session.initial_weights())))
    return runs


def measure(runs: list, seconds: float, size: tuple[int, int]) -> tuple[float, float]:
    """(frames/s, steps/s) of a fresh window showing ``runs`` pinned."""
    from gui_rate import all_views_window
    from PySide6.QtCore import QEventLoop, QTimer

    w = all_views_window(size)
    w.pins.replace(runs)
    loop = QEventLoop()
    marks = {}

    def start():
        marks["start"] = (time.perf_counter(), w.frames_drawn, w.session.step)

    def stop():
        marks["stop"] = (time.perf_counter(), w.frames_drawn, w.session.step)
        loop.quit()

    QTimer.singleShot(0, w.play_pause)
    QTimer.singleShot(1000, start)
    QTimer.singleShot(int(1000 + 1000 * seconds), stop)
    loop.exec()
    w.shutdown()
    w.deleteLater()
    (t0, f0, s0), (t1, f1, s1) = marks["start"], marks["stop"]
    return (f1 - f0) / (t1 - t0), (s1 - s0) / (t1 - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--size", default="1400x900")
    args = parser.parse_args(argv)
    size = tuple(int(v) for v in args.size.lower().split("x"))

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # noqa: F841 (kept alive while the windows live)
    started = time.perf_counter()
    runs = pinned_runs(args.epochs)
    print(f"8 pins of {args.epochs} epochs made in {time.perf_counter() - started:.1f} s")
    results: dict[int, list[tuple[float, float]]] = {0: [], 8: []}
    for _ in range(args.repeats):
        for count in (0, 8):
            results[count].append(measure(runs[:count], args.seconds, size))
            fps, sps = results[count][-1]
            print(f"  {count} pins: {fps:5.1f} frames/s, {sps:8,.0f} steps/s")
    fps = {k: statistics.median(f for f, _ in v) for k, v in results.items()}
    sps = {k: statistics.median(s for _, s in v) for k, v in results.items()}
    ratio = fps[8] / fps[0] if fps[0] else float("nan")
    print(f"median: 0 pins {fps[0]:.1f} frames/s ({sps[0]:,.0f} steps/s); "
          f"8 pins {fps[8]:.1f} frames/s ({sps[8]:,.0f} steps/s); ratio {ratio:.2f} (target >= 0.90)")
    return 0 if ratio >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
