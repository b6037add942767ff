"""Throughput of the training session against PyTorch eager on the same workloads.

    python benchmarks/run.py [--quick] [--no-torch] [--blocks N] [--seconds S] [--json out.json]

Ours runs in this process, PyTorch (2 threads) in a peer process; the two are
interleaved block by block (ours, theirs, ours, ...) so both see the same
machine state, and each number is the median over blocks. Our BLAS pool is
limited to 2 threads too. "diag on" takes snapshots with layer statistics at
the rate the window asks for (~20 per second), "every step" is the worst case.
This is a benchmark to read, not a test: nothing here fails a build.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits  # noqa: E402

from benchmarks.workloads import WORKLOADS, make_data  # noqa: E402
from engine.config import Config  # noqa: E402
from engine.datasets import Dataset  # noqa: E402
from engine.session import Session  # noqa: E402


def make_session(name: str, dtype: str, diagnostics: bool) -> Session:
    spec = WORKLOADS[name]
    X, y, k = make_data(spec["data"])
    ds = Dataset(X, y, tuple(f"c{i}" for i in range(k)), tuple(f"x{i}" for i in range(X.shape[1])), spec["data"])
    cfg = Config.from_dict({
        "data": {"name": "moons", "val_fraction": 0.0, "standardize": False},
        "model": {"hidden": spec["hidden"], "activation": spec["activation"], "init": "xavier",
                  "output": spec["head"], "dtype": dtype},
        "train": {"optimizer": spec["optimizer"], "lr": spec["lr"], "epochs": 1_000_000,
                  "batch_size": spec["batch"], "with_replacement": spec["replacement"]},
    })
    s = Session(cfg, dataset=ds, epoch_diagnostics=diagnostics)
    s.want_diagnostics = diagnostics
    return s


def ours(name: str, dtype: str, seconds: float, snapshot_every: int, diagnostics: bool) -> float:
    s = make_session(name, dtype, diagnostics)
    s.snapshot_every = snapshot_every
    gen = s.run()
    next(gen)  # warm up
    start, step0 = time.perf_counter(), s.step
    for _ in gen:
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            break
    s.stop()
    return (s.step - step0) / elapsed


def boundary_ms(dtype: str, repeats: int) -> float:
    s = make_session("2-16-16-2 sigmoid, moons, batch 32", dtype, diagnostics=False)
    s.boundary(150)  # builds the grid once, as a session does
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        s.boundary(150)
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


class TorchPeer:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "torch_peer.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, name: str, dtype: str, seconds: float) -> float:
        self.proc.stdin.write(json.dumps({"workload": name, "dtype": dtype, "seconds": seconds}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["steps_per_second"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short blocks, float64 only (about a minute)")
    parser.add_argument("--no-torch", action="store_true", help="measure our side only")
    parser.add_argument("--blocks", type=int, default=3, help="interleaved blocks per measurement")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of one block")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    seconds = 0.3 if args.quick else args.seconds
    blocks = 1 if args.quick else args.blocks
    dtypes = ["float64"] if args.quick else ["float64", "float32"]
    peer = None
    if not args.no_torch:
        try:
            import torch  # noqa: F401
            peer = TorchPeer()
        except ImportError:
            print("PyTorch is not installed (pip install torch==2.13.0): ratios skipped", file=sys.stderr)
    rows = []
    with threadpool_limits(limits=2):
        for name, spec in WORKLOADS.items():
            for dtype in dtypes:
                off, on, every, theirs = [], [], [], []
                for _ in range(blocks):
                    rate = ours(name, dtype, seconds, 1000, diagnostics=False)
                    off.append(rate)
                    on.append(ours(name, dtype, seconds, max(1, round(rate / 20)), diagnostics=True))
                    every.append(ours(name, dtype, seconds / 2, 1, diagnostics=True))
                    if peer:
                        theirs.append(peer.run(name, dtype, seconds))
                row = {"workload": name, "dtype": dtype, "ours_diag_off": statistics.median(off),
                       "ours_diag_on": statistics.median(on), "ours_snapshot_every_step": statistics.median(every),
                       "torch": statistics.median(theirs) if theirs else None, "target": spec["target"]}
                row["ratio"] = row["ours_diag_off"] / row["torch"] if row["torch"] else None
                rows.append(row)
                ratio = f"{row['ratio']:.2f}x (target {spec['target']}x: " \
                        f"{'PASS' if row['ratio'] >= spec['target'] else 'MISS'})" if row["ratio"] else "n/a"
                torch_text = f"{row['torch']:>9,.0f}" if row["torch"] else "        —"
                print(f"{name:<48} {dtype}  ours {row['ours_diag_off']:>9,.0f}  diag {row['ours_diag_on']:>9,.0f}  "
                      f"every-step {row['ours_snapshot_every_step']:>8,.0f}  torch {torch_text}  {ratio}",
                      flush=True)
        grid = {dtype: boundary_ms(dtype, 5 if args.quick else 30) for dtype in ("float64", "float32")}
    for dtype, ms in grid.items():
        verdict = "PASS" if ms < 10 or dtype == "float64" else "MISS"
        print(f"decision-boundary grid 150x150 through 2-16-16-2, {dtype}: {ms:.2f} ms"
              + (f" (target < 10 ms: {verdict})" if dtype == "float32" else ""))
    if peer:
        peer.close()
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "boundary_ms": grid}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
