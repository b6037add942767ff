"""Time from launch to the first window, median of N runs.

    python benchmarks/startup.py [--runs 5] [--display] -- COMMAND [ARGS ...]

e.g.  python benchmarks/startup.py -- .venv/bin/python main.py
      python benchmarks/startup.py -- dist/activation-lab/activation-lab

Each run starts COMMAND with ``--startup-check`` appended: the app launches as
usual, prints the wall-clock time of its first paint ("first-window") and of the
moment its session is built and drawn ("ready": the first data set comes after
the first paint, it imports scikit-learn), and exits 0. Three times are reported
from the launch: first window, ready, and process exit. The first run only warms
the file cache and is not counted. Offscreen unless --display (then the current
DISPLAY, e.g. under xvfb-run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--display", action="store_true", help="use the current display instead of offscreen")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = [c for c in args.command if c != "--"]
    if not command or args.runs < 1:
        parser.error("give the command to time after --, and --runs of at least 1")
    env = dict(os.environ)
    if not args.display:
        env["QT_QPA_PLATFORM"] = "offscreen"
    times: dict[str, list[float]] = {"first-window": [], "ready": [], "exit": []}
    for i in range(args.runs + 1):
        launched = time.time()
        done = subprocess.run([*command, "--startup-check"], env=env, capture_output=True, text=True)
        exited = time.time()
        if done.returncode != 0:
            print(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-2000:]}", file=sys.stderr)
            return 1
        marks = dict(line.split()[1:3] for line in done.stdout.splitlines() if line.startswith("startup-check:"))
        if set(marks) != {"first-window", "ready"}:
            print(f"{' '.join(command)} printed no startup-check times:\n{done.stdout[-1000:]}", file=sys.stderr)
            return 1
        if i:  # run 0 warms the file cache
            for key, value in marks.items():
                times[key].append(float(value) - launched)
            times["exit"].append(exited - launched)
    print(f"{' '.join(command)}: medians over {args.runs} runs, from launch")
    for key, values in times.items():
        print(f"  {key:<13} {statistics.median(values):5.2f} s   ({', '.join(f'{t:.2f}' for t in values)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
