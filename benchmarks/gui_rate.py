"""Redraw rate and training speed of the window with every live view on screen.

    python benchmarks/gui_rate.py [--seconds S] [--size 1400x900] [--screenshot out.png]

Opens the real window offscreen (no display needed) on the default moons
configuration, puts the Diagnostics view beside the histograms instead of
behind Gradient flow so that all five views are drawn, presses Play, and after a one-second
warm-up counts frames drawn and training steps for S seconds. Then it runs the
same configuration as a bare Session (per-epoch metrics, snapshots every 1000
steps, no window) for S seconds, for comparison. Settings go to a temporary
folder: the user's own are never read or written.
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


def all_views_window(size: tuple[int, int]):
    """The window on the default configuration (a run of a million epochs), with all five views
    on screen, in throwaway settings."""
    from PySide6.QtCore import Qt

    from engine.config import Config
    from gui.app import create_window, throwaway_settings
    from gui.main_window import DEFAULT_CONFIG

    throwaway_settings()
    cfg = Config.from_dict(DEFAULT_CONFIG).with_changes(train={"epochs": 10**6})
    w = create_window(cfg)
    w.resize(*size)
    w.show()
    # Diagnostics shares a tab group with Gradient flow: give it a place of its own, beside the
    # histograms (a dock in a tab group cannot be split, so split the untabbed neighbour)
    w.removeDockWidget(w.docks["diagnostics"])
    w.splitDockWidget(w.docks["activations"], w.docks["diagnostics"], Qt.Horizontal)
    w.docks["diagnostics"].show()
    return w


def window_rate(seconds: float, size: tuple[int, int], screenshot: str | None) -> dict:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    w = all_views_window(size)
    app = QApplication.instance()
    marks = {}

    def start():
        marks["start"] = (time.perf_counter(), w.frames_drawn, w.session.step)

    def stop():
        marks["stop"] = (time.perf_counter(), w.frames_drawn, w.session.step)
        marks["visible"] = sorted(k for k, v in w.views.items() if v.isVisible() and not v.visibleRegion().isEmpty())
        if screenshot:
            w.grab().save(screenshot)
        app.quit()

    QTimer.singleShot(0, w.play_pause)
    QTimer.singleShot(1000, start)
    QTimer.singleShot(int(1000 + 1000 * seconds), stop)
    app.exec()
    w.shutdown()
    (t0, f0, s0), (t1, f1, s1) = marks["start"], marks["stop"]
    return {"frames_per_second": (f1 - f0) / (t1 - t0), "steps_per_second": (s1 - s0) / (t1 - t0),
            "visible": marks["visible"], "views": sorted(w.views)}


def session_rate(seconds: float) -> float:
    from engine.config import Config
    from engine.session import Session
    from gui.main_window import DEFAULT_CONFIG

    s = Session(Config.from_dict(DEFAULT_CONFIG).with_changes(train={"epochs": 10**6}))
    s.snapshot_every = 1000
    gen = s.run()
    next(gen)
    t, n0 = time.perf_counter(), s.step
    for _ in gen:
        if time.perf_counter() - t > seconds:
            break
    return (s.step - n0) / (time.perf_counter() - t)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0, help="measured time after a 1 s warm-up")
    parser.add_argument("--size", default="1400x900", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--screenshot", help="save the window as PNG at the end")
    args = parser.parse_args(argv)
    try:
        size = tuple(int(v) for v in args.size.lower().split("x"))
        assert len(size) == 2
    except (ValueError, AssertionError):
        parser.error("--size: expected WIDTHxHEIGHT, e.g. 1400x900")
    win = window_rate(args.seconds, size, args.screenshot)
    alone = session_rate(args.seconds)
    missing = set(win["views"]) - set(win["visible"])
    print(f"window {size[0]}x{size[1]}, views on screen: {', '.join(win['visible'])}"
          + (f" (hidden: {', '.join(sorted(missing))})" if missing else ""))
    print(f"  {win['frames_per_second']:.1f} frames/s while training at {win['steps_per_second']:,.0f} steps/s")
    print(f"session alone, same configuration: {alone:,.0f} steps/s "
          f"(the window trains at {win['steps_per_second'] / alone:.0%} of it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
