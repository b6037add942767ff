"""Redraw rate and training speed of the window with every live view on screen.

    python benchmarks/gui_rate.py [--seconds S] [--size 1400x900] [--workload NAME ...]
                                  [--screenshot out.png]

For each workload (default: all of ``WORKLOADS``) it opens the real window
offscreen (no display needed), puts the Diagnostics and Parameters views beside the
histograms instead of behind Gradient flow so that all six views are drawn, presses Play
at full speed, and after a one-second warm-up counts frames drawn, training
steps and the event loop's gaps (a 10 ms timer: p95 and longest) for S
seconds. Then the window's training worker alone (the same snapshots and time
budget, in a thread, nothing drawn), and the same configuration as a bare
Session (per-epoch metrics, snapshots every 1000 steps, no window), S seconds
each, in the same process, for comparison. Targets (issue "live speed"): window ÷ headless
≥ 0.8 on every row; ≥ 25 frames/s on the default network and ≥ 10 on the
others; event-loop p95 < 50 ms. Settings go to a temporary folder: the user's
own are never read or written.
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

_MOONS = {"name": "moons", "noise": 0.2, "val_fraction": 0.2, "seed": 0}
#: name -> (what it is, changes to the default configuration)
WORKLOADS: dict[str, tuple[str, dict]] = {
    "default": ("the default: 200 moons, 8-8 tanh, Adam, batch 32", {}),
    "lesson7": ("lesson 7: 300 moons, 5 x 100 sigmoid, SGD, batch 32",
                {"data": {**_MOONS, "n_samples": 300},
                 "model": {"hidden": [100] * 5, "activation": "sigmoid", "init": "normal", "init_param": 1.0},
                 "train": {"optimizer": "sgd", "lr": 0.05, "batch_size": 32}}),
    "deep10": ("10 x 64 ReLU, He", {"model": {"hidden": [64] * 10, "activation": "relu", "init": "he"}}),
    "deep20": ("20 x 16 sigmoid", {"model": {"hidden": [16] * 20, "activation": "sigmoid"}}),
    "moons5000": ("5,000 moons, 16-16", {"data": {**_MOONS, "n_samples": 5000}, "model": {"hidden": [16, 16]}}),
}


def workload_config(name: str):
    """The default configuration with the workload's changes, running (almost) for ever."""
    from engine.config import Config
    from gui.main_window import DEFAULT_CONFIG

    changes = WORKLOADS[name][1]
    raw = {k: dict(v) for k, v in DEFAULT_CONFIG.items()}
    for section, values in changes.items():
        raw[section] = {**raw.get(section, {}), **values} if section != "data" else dict(values)
    raw["train"]["epochs"] = 10**6
    return Config.from_dict(raw)


def all_views_window(size: tuple[int, int], workload: str = "default"):
    """The window on a workload's configuration (a run of a million epochs), with all six views
    on screen, in throwaway settings."""
    from PySide6.QtCore import Qt

    from gui.app import create_window, throwaway_settings

    throwaway_settings()
    w = create_window(workload_config(workload))
    w.resize(*size)
    w.show()
    # Diagnostics and Parameters share a tab group with Gradient flow: give each a place of its
    # own, beside the histograms (a dock in a tab group cannot be split, so split the untabbed neighbour)
    for key in ("diagnostics", "parameters"):
        w.removeDockWidget(w.docks[key])
        w.splitDockWidget(w.docks["activations"], w.docks[key], Qt.Horizontal)
        w.docks[key].show()
    w.speed_slider.setValue(w.speed_slider.maximum())  # full speed (the app starts at 150 steps/s)
    return w


def window_rate(seconds: float, size: tuple[int, int], screenshot: str | None = None,
                workload: str = "default") -> dict:
    from PySide6.QtCore import QEventLoop, QTimer

    w = all_views_window(size, workload)
    loop = QEventLoop()  # a loop of its own: quitting it leaves the application usable
    marks: dict = {}
    gaps: list[float] = []
    last = [0.0]

    def tick():
        now = time.perf_counter()
        if "start" in marks and "stop" not in marks:
            gaps.append(now - last[0])
        last[0] = now

    ticker = QTimer()
    ticker.timeout.connect(tick)
    ticker.start(10)

    def start():
        marks["start"] = (time.perf_counter(), w.frames_drawn, w.session.step)
        last[0] = time.perf_counter()

    def stop():
        marks["stop"] = (time.perf_counter(), w.frames_drawn, w.session.step)
        marks["visible"] = sorted(k for k, v in w.views.items() if v.isVisible() and not v.visibleRegion().isEmpty())
        if screenshot:
            w.grab().save(screenshot)
        loop.quit()

    QTimer.singleShot(0, w.play_pause)
    QTimer.singleShot(1000, start)
    QTimer.singleShot(int(1000 + 1000 * seconds), stop)
    loop.exec()
    ticker.stop()
    w.shutdown()
    (t0, f0, s0), (t1, f1, s1) = marks["start"], marks["stop"]
    ordered = sorted(gaps) or [0.0]
    return {"frames_per_second": (f1 - f0) / (t1 - t0), "steps_per_second": (s1 - s0) / (t1 - t0),
            "gap_p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))], "gap_max_ms": 1000 * ordered[-1],
            "visible": marks["visible"], "views": sorted(w.views)}


def session_rate(seconds: float, workload: str = "default") -> float:
    from engine.session import Session

    s = Session(workload_config(workload))
    s.snapshot_every = 1000
    gen = s.run()
    next(gen)
    t, n0 = time.perf_counter(), s.step
    for _ in gen:
        if time.perf_counter() - t > seconds:
            break
    return (s.step - n0) / (time.perf_counter() - t)


def worker_rate(seconds: float, workload: str = "default") -> float:
    """The window's training worker (its snapshots, their time budget, the boundary grid)
    in a thread of its own, with no window drawing: what the worker costs by itself."""
    import threading

    from engine.session import Session
    from gui.files import BOUNDARY_RESOLUTION
    from gui.worker import TrainingWorker

    s = Session(workload_config(workload))
    s.boundary_resolution = BOUNDARY_RESOLUTION
    worker = TrainingWorker(s)
    thread = threading.Thread(target=worker.run, name="worker-alone")
    thread.start()
    time.sleep(1.0)  # warm-up, as for the window
    t0, n0 = time.perf_counter(), s.step
    time.sleep(seconds)
    rate = (s.step - n0) / (time.perf_counter() - t0)
    worker.request_stop()
    thread.join()
    return rate


def measure(workload: str, seconds: float, size: tuple[int, int], screenshot: str | None = None) -> dict:
    """One row of the table: the window's numbers, the worker alone and the headless rate,
    in this process."""
    win = window_rate(seconds, size, screenshot, workload)
    worker = worker_rate(seconds, workload)
    alone = session_rate(seconds, workload)
    return {**win, "workload": workload, "headless_steps_per_second": alone,
            "worker_ratio": worker / alone if alone else float("nan"),
            "ratio": win["steps_per_second"] / alone if alone else float("nan")}


def table(rows: list[dict]) -> list[str]:
    lines = ["| workload | window steps/s | headless steps/s | window ÷ headless | worker alone ÷ headless "
             "| frames/s | loop p95 / max (ms) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        gaps = f"{r['gap_p95_ms']:.0f} / {r['gap_max_ms']:.0f}"
        lines.append(f"| {r['workload']} | {r['steps_per_second']:,.0f} | {r['headless_steps_per_second']:,.0f} | "
                     f"{r['ratio']:.2f} | {r['worker_ratio']:.2f} | {r['frames_per_second']:.1f} | {gaps} |")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0, help="measured time after a 1 s warm-up")
    parser.add_argument("--size", default="1400x900", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--workload", nargs="*", choices=sorted(WORKLOADS), help="rows to run (default: all)")
    parser.add_argument("--screenshot", help="save the window as PNG at the end (of the first workload)")
    args = parser.parse_args(argv)
    try:
        size = tuple(int(v) for v in args.size.lower().split("x"))
        assert len(size) == 2
    except (ValueError, AssertionError):
        parser.error("--size: expected WIDTHxHEIGHT, e.g. 1400x900")
    rows = []
    for i, name in enumerate(args.workload or list(WORKLOADS)):
        row = measure(name, args.seconds, size, args.screenshot if i == 0 else None)
        missing = set(row["views"]) - set(row["visible"])
        print(f"{name}: {WORKLOADS[name][0]}; views on screen: {', '.join(row['visible'])}"
              + (f" (hidden: {', '.join(sorted(missing))})" if missing else ""), flush=True)
        rows.append(row)
    print(f"window {size[0]}x{size[1]}, {args.seconds:g} s per row:")
    print("\n".join(table(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
