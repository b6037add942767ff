"""A long run in the window with all five views: does memory stay flat and the frame rate hold?

    python benchmarks/soak.py [--minutes 10] [--size 1400x900]

Opens the real window offscreen on the default configuration (a million epochs, so the
run never ends), all five views on screen, presses Play and, once a minute, records the
resident memory, the memory the run's own history holds (per-epoch curves in arrays that
grow by doubling: at full speed hundreds of thousands of epochs a minute, data the run
keeps by design), the frames drawn and the training steps of that minute. The verdict
compares the last minute with the first: memory growth under 30 MB besides the
history's own, and a frame rate within 10 %, pass. Settings go to a temporary folder.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

MAX_GROWTH_MB = 30.0
MAX_FPS_DROP = 0.10


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def history_mb(session) -> float:
    """What the session's history buffers hold (their whole capacity), in MB."""
    h = session._history
    return sum(a.nbytes for a in (h.epochs, h.scalars, h.layered)) / 2**20


def soak(minutes: int, size: tuple[int, int], minute_s: float = 60.0) -> list[dict]:
    from gui_rate import all_views_window
    from PySide6.QtCore import QEventLoop, QTimer

    w = all_views_window(size)
    loop = QEventLoop()  # a loop of its own: quitting it leaves the application usable
    rows: list[dict] = []
    mark = {}

    def sample():
        gc.collect()
        now = (time.perf_counter(), w.frames_drawn, w.session.step, w.session.epoch)
        if "last" in mark:
            (t0, f0, s0, _), (t1, f1, s1, e1) = mark["last"], now
            rows.append({"minute": len(rows) + 1, "rss_mb": rss_mb(), "history_mb": history_mb(w.session),
                         "fps": (f1 - f0) / (t1 - t0), "steps_per_s": (s1 - s0) / (t1 - t0), "epoch": e1})
            r = rows[-1]
            print(f"  minute {r['minute']:>2}: RSS {r['rss_mb']:7.1f} MB (history {r['history_mb']:5.1f} MB) · "
                  f"{r['fps']:5.1f} frames/s · {r['steps_per_s']:8,.0f} steps/s · epoch {r['epoch']:,}", flush=True)
        mark["last"] = now
        if len(rows) >= minutes:
            loop.quit()

    timer = QTimer()
    timer.setInterval(int(minute_s * 1000))
    timer.timeout.connect(sample)
    QTimer.singleShot(0, w.play_pause)
    QTimer.singleShot(2000, lambda: (sample(), timer.start()))  # after a 2 s warm-up
    loop.exec()
    w.shutdown()
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--size", default="1400x900", help="window size, WIDTHxHEIGHT")
    # shorter "minutes" for a smoke run
    parser.add_argument("--minute", type=float, default=60.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.minutes < 2:
        parser.error("--minutes: at least 2 (the first minute is compared with the last)")
    size = tuple(int(v) for v in args.size.lower().split("x"))
    print(f"soak: {args.minutes} minutes, window {size[0]}x{size[1]}, all five views")
    rows = soak(args.minutes, size, args.minute)
    first, last = rows[0], rows[-1]
    growth = last["rss_mb"] - first["rss_mb"]
    history = last["history_mb"] - first["history_mb"]
    drop = 1 - last["fps"] / first["fps"] if first["fps"] else float("nan")
    ok = growth - history < MAX_GROWTH_MB and drop <= MAX_FPS_DROP
    print(f"memory: {first['rss_mb']:.1f} -> {last['rss_mb']:.1f} MB ({growth:+.1f} MB, of which the history "
          f"{history:+.1f} MB: {growth - history:+.1f} MB besides; limit +{MAX_GROWTH_MB:.0f})")
    print(f"frames/s: {first['fps']:.1f} -> {last['fps']:.1f} ({-drop:+.0%}; limit -{MAX_FPS_DROP:.0%})")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
