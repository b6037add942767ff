"""How long the experiment grid's classic study takes, and whether the window stays responsive.

    python benchmarks/grid.py [--epochs 50] [--seeds 10] [--workers N] [--repeat 1] [--cancel-epochs 3000]

Opens the real window offscreen with throwaway settings, opens Compare ▸ Experiment
grid…, presses "Classic study" (16 cells x 10 seeds, 50 epochs, local worker processes)
and Run, and runs the event loop until the last cell is in. Meanwhile a 5 ms timer
records the event loop's gaps. Prints the wall time from Run to the last row, the p95
and the longest gap; then starts the study again with long runs and times Cancel to the
end of the grid's thread. Targets: under about 20 s on 2 cores, p95 gap under 50 ms,
Cancel under 1 s. A benchmark to read, not a test (tests/gui/test_grid_window.py asserts
the behaviour).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 20.0
TARGET_P95_MS = 50.0
TICK_MS = 5


class Gaps:
    """The event loop's gaps, from a 5 ms timer."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.gaps.clear()
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now

    def p95(self) -> float:
        import numpy as np

        return float(np.percentile(self.gaps, 95)) if self.gaps else 0.0


def run_loop_until(done, timeout: float) -> None:
    """Run the real event loop until ``done()`` (checked every 10 ms) or ``timeout`` seconds."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    check = QTimer()
    check.setInterval(10)
    check.timeout.connect(lambda: loop.quit() if done() else None)
    check.start()
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    loop.exec()
    check.stop()


def classic(epochs: int, seeds: int, workers: int | None) -> dict:
    """One classic study from Run to the last cell: seconds, p95 and longest gap (s), runs."""
    from gui.grid.window import ExperimentGrid

    w = _window()
    g: ExperimentGrid = w.grid.open()
    g.resize(1280, 800)
    g.preset_classic()
    g.seed_count.setValue(seeds)
    g.epochs.setValue(epochs)
    if workers:
        g.workers.setValue(workers)
    run_loop_until(lambda: False, 0.3)  # shown and laid out
    gaps = Gaps()
    total = g.spec_from_widgets().n_runs
    gaps.start()
    start = time.perf_counter()
    g.run_button.click()
    run_loop_until(lambda: g.results is not None and g.results.finished >= total or not g.is_running(), 600)
    took = time.perf_counter() - start
    gaps.stop()
    run_loop_until(lambda: not g.is_running(), 10)
    row = {"seconds": took, "p95": gaps.p95(), "longest": max(gaps.gaps, default=0.0), "ticks": len(gaps.gaps),
           "runs": g.results.finished if g.results else 0, "total": total, "status": g.status_text}
    return row


def cancel_latency(epochs: int) -> float:
    """Seconds from Cancel to the grid thread's end, with runs of ``epochs`` epochs in flight."""
    from PySide6.QtCore import Qt

    w = _window()
    g = w.grid.open()
    g.preset_classic()
    g.epochs.setValue(epochs)
    g.run_button.click()
    run_loop_until(lambda: g.results is not None and g.results.finished >= 2, 120)
    ended = []
    g.run.qthread.finished.connect(lambda: ended.append(time.perf_counter()), Qt.DirectConnection)
    start = time.perf_counter()
    g.cancel_button.click()
    run_loop_until(lambda: bool(ended), 30)
    return (ended[0] if ended else float("nan")) - start


_WINDOW = []


def _window():
    if not _WINDOW:
        from gui.app import create_window, throwaway_settings

        throwaway_settings()
        w = create_window()
        w.resize(1280, 800)
        w.show()
        run_loop_until(lambda: w.session is not None, 30)
        _WINDOW.append(w)
    return _WINDOW[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    parser.add_argument("--repeat", type=int, default=1, help="run the study this many times (the pool is reused)")
    parser.add_argument("--cancel-epochs", type=int, default=3000,
                        help="epochs of the runs in flight when Cancel is pressed (default 3000: about a second each)")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs; classic study: 16 cells x {args.seeds} seeds, {args.epochs} epochs")
    for k in range(args.repeat):
        row = classic(args.epochs, args.seeds, args.workers)
        verdict = ("PASS" if row["seconds"] < TARGET_SECONDS else "MISS",
                   "PASS" if 1000 * row["p95"] < TARGET_P95_MS else "MISS")
        print(f"run {k + 1}: {row['runs']}/{row['total']} runs in {row['seconds']:.2f} s ({verdict[0]} < "
              f"{TARGET_SECONDS:g} s); event-loop gap p95 {1000 * row['p95']:.1f} ms ({verdict[1]} < "
              f"{TARGET_P95_MS:g} ms), longest {1000 * row['longest']:.0f} ms over {row['ticks']} ticks")
    seconds = cancel_latency(args.cancel_epochs)
    print(f"Cancel with runs of {args.cancel_epochs} epochs in flight: the grid's thread ended "
          f"{1000 * seconds:.0f} ms later ({'PASS' if seconds < 1 else 'MISS'} < 1 s)")
    _WINDOW[0].shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
