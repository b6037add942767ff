"""Training throughput of our Session against PyTorch eager and a hand-fused NumPy step.

    python benchmarks/run.py [--quick] [--no-torch] [--no-fused] [--blocks N] [--duration S]
                             [--workload KEY ...] [--json out.json]

For every workload (benchmarks/workloads.py) in float64 and float32 it counts
optimiser steps per second of our training session in three modes:
  off    bare training: no epoch metrics, snapshots without layer statistics
         a few times per block (only so the loop hands back control);
  diag   what the window runs: epoch metrics, and snapshots with per-layer
         statistics and alerts every K steps, K tuned for ~20 snapshots/s;
  every  the worst case: a snapshot with layer statistics after every step.
PyTorch (CPU eager, 2 threads) trains the same workload in a peer process
(benchmarks/torch_peer.py), so the two BLAS thread pools never share a
process; our BLAS pool is limited to 2 threads with threadpoolctl. The sides
take turns block by block (ours off, ours diag, ours every, torch; again ...),
each block a fixed time after a warm-up; a rate is the median over blocks, a
ratio the median of the per-block ratios. Then the training step itself
against the hand-fused NumPy step of benchmarks/fused.py (same network, same
optimiser, same batches; in this process, under the same BLAS limit): for each
of its workloads (fused.FUSED_WORKLOADS) our bare training (mode off) and the
fused loop take turns block by block, the fused loop taking as many steps as
ours just took (the two stay on the same trajectory), and the ratio
ours/fused is the median of the per-block ratios (target 0.9). Last, the decision-boundary grid:
150x150 points through a trained 2-16-16-2 network.

``--workload KEY`` picks from both lists: a key of workloads.py runs against
PyTorch, a key of fused.py against the fused step (a key in both, both).

A benchmark to read, not a test: it prints PASS/MISS against the targets and
always exits 0 when it ran.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from benchmarks import fused  # noqa: E402
from benchmarks.workloads import WORKLOADS, build_session  # noqa: E402
from engine import datasets  # noqa: E402

BLAS_THREADS = 2
DTYPES = ("float64", "float32")
SNAPSHOT_INTERVAL = 0.05  # seconds between the window's snapshots (gui/worker.py: ~20 per second)
BOUNDARY_WORKLOAD = "moons-16-16-b32"
BOUNDARY_RESOLUTION = 150
BOUNDARY_TARGET_MS = 10.0  # float32
MODES = ("off", "diag", "every")


# -- our side ----------------------------------------------------------------------------
class OurRunner:
    """A Session of one workload in one mode, driven through its public generator.

    The generator stays suspended at a snapshot between blocks, so the runs of
    all modes and the PyTorch peer can take turns without threads.
    """

    def __init__(self, key: str, dtype: str, mode: str, build=build_session):
        self.key, self.dtype, self.mode = key, dtype, mode
        self.session = build(key, dtype, epoch_diagnostics=mode != "off")
        self.session.want_diagnostics = mode != "off"
        self.session.snapshot_every = 1
        self.run = self.session.run()

    def _next(self) -> None:
        snap = next(self.run)
        if snap is None or snap.status not in ("running",):
            status = "paused" if snap is None else snap.status
            raise RuntimeError(f"{self.key} {self.dtype} ({self.mode}): the session ended with status "
                               f"{status!r} at step {self.session.step}: {getattr(snap, 'message', '')}")

    def warm_up(self, interval: float, seconds: float) -> None:
        """Train for ``seconds``, doubling snapshot_every (as the window's worker does) until
        snapshots come every ``interval`` seconds, then fix it from the measured rate.
        Mode ``every`` keeps a snapshot per step."""
        s = self.session
        end = time.perf_counter() + seconds
        while True:
            start, step0 = time.perf_counter(), s.step
            self._next()
            took = time.perf_counter() - start
            if self.mode != "every":
                if took < interval / 2 and s.snapshot_every < 1 << 24:
                    s.snapshot_every *= 2
                    continue
                s.snapshot_every = max(1, round((s.step - step0) * interval / took))
            if time.perf_counter() >= end:
                return

    def block(self, seconds: float) -> tuple[float, float]:
        """Train for ``seconds`` (to the next snapshot after them): (steps/s, snapshots/s)."""
        s = self.session
        start, step0, snaps = time.perf_counter(), s.step, 0
        while True:
            self._next()
            snaps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                return (s.step - step0) / elapsed, snaps / elapsed


def boundary_times(dtype: str, repeats: int) -> dict:
    """Milliseconds per 150x150 grid through a trained 2-16-16-2 network (medians).

    ``predict_proba``: the network's forward pass and softmax over the grid;
    ``session_boundary``: what a snapshot pays, Session.boundary(150), which
    adds the predicted labels of the training and validation points.
    """
    s = build_session(BOUNDARY_WORKLOAD, dtype, epoch_diagnostics=False)
    s.want_diagnostics = False
    s.snapshot_every = 100 * s.steps_per_epoch
    next(s.run())  # 100 epochs of training
    _, _, points = datasets.grid_for(s.split, s.config.data.features, BOUNDARY_RESOLUTION)
    points = np.ascontiguousarray(points, dtype=s.network.dtype)
    s.boundary(BOUNDARY_RESOLUTION)  # builds and caches the session's grid

    def median_ms(call) -> float:
        call()
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            call()
            times.append(time.perf_counter() - t)
        return 1000 * statistics.median(times)

    return {"predict_proba": median_ms(lambda: s.network.predict_proba(points)),
            "session_boundary": median_ms(lambda: s.boundary(BOUNDARY_RESOLUTION))}


# -- the PyTorch peer --------------------------------------------------------------------------
class TorchPeer:
    """benchmarks/torch_peer.py in a child process, spoken to in JSON lines."""

    def __init__(self):
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")  # the peer's NumPy only builds data
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "torch_peer.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        hello = self._read()
        self.version, self.threads = hello["torch"], hello["threads"]

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=30)
            raise RuntimeError(f"the PyTorch peer exited (code {self.proc.returncode}); see its error above")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"the PyTorch peer failed: {answer['error']}")
        return answer

    def block(self, key: str, dtype: str, seconds: float, warmup: float) -> float:
        request = {"workload": key, "dtype": dtype, "seconds": seconds, "warmup": warmup}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return self._read()["steps_per_second"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def start_peer(wanted: bool) -> tuple[TorchPeer | None, str]:
    """(peer or None, one line saying which)."""
    if not wanted:
        return None, "PyTorch: skipped (--no-torch); ratios skipped"
    try:
        import torch  # noqa: F401  (only to see that it is there; the peer imports its own)
    except ImportError:
        return None, "PyTorch: not installed (pip install torch==2.13.0); ratios skipped"
    peer = TorchPeer()
    return peer, f"PyTorch {peer.version}: CPU eager, torch.set_num_threads({peer.threads}), in a separate process"


# -- measuring and reporting --------------------------------------------------------------------------
@dataclass
class Row:
    key: str
    dtype: str
    target: float
    rates: dict = field(default_factory=lambda: {m: [] for m in (*MODES, "torch")})
    snaps_per_second: list = field(default_factory=list)
    snapshot_every: int = 0

    def median(self, mode: str) -> float | None:
        values = self.rates[mode]
        return statistics.median(values) if values else None

    def ratio(self, mode: str = "off") -> float | None:
        """Median over blocks of ours/torch, each pair measured back to back."""
        pairs = [a / b for a, b in zip(self.rates[mode], self.rates["torch"])]
        return statistics.median(pairs) if pairs else None

    def verdict(self) -> str:
        r = self.ratio()
        return "skipped" if r is None else ("PASS" if r >= self.target else "MISS")

    def to_dict(self) -> dict:
        return {"workload": self.key, "title": WORKLOADS[self.key].title, "dtype": self.dtype,
                **{f"{m}_steps_per_second": self.median(m) for m in (*MODES, "torch")},
                "diag_snapshot_every": self.snapshot_every,
                "diag_snapshots_per_second": statistics.median(self.snaps_per_second),
                "ratio_off": self.ratio("off"), "ratio_diag": self.ratio("diag"),
                "target": self.target, "verdict": self.verdict(), "blocks": self.rates}


def measure(key: str, dtype: str, blocks: int, seconds: float, peer: TorchPeer | None) -> Row:
    row = Row(key, dtype, WORKLOADS[key].target)
    warm = max(0.1, seconds / 2)
    runners = {m: OurRunner(key, dtype, m) for m in MODES}
    runners["off"].warm_up(interval=seconds / 4, seconds=warm)
    runners["diag"].warm_up(interval=SNAPSHOT_INTERVAL, seconds=warm)
    runners["every"].warm_up(interval=0.0, seconds=warm / 2)
    row.snapshot_every = runners["diag"].session.snapshot_every
    for _ in range(blocks):
        for mode in MODES:
            rate, snaps = runners[mode].block(seconds / 2 if mode == "every" else seconds)
            row.rates[mode].append(rate)
            if mode == "diag":
                row.snaps_per_second.append(snaps)
        if peer is not None:
            row.rates["torch"].append(peer.block(key, dtype, seconds, warmup=warm))
    return row


@dataclass
class FusedRow:
    """One fused workload in one dtype: our bare training against the hand-fused step."""

    key: str
    dtype: str
    target: float
    ours: list = field(default_factory=list)
    fused: list = field(default_factory=list)

    def ratio(self) -> float | None:
        pairs = [a / b for a, b in zip(self.ours, self.fused)]
        return statistics.median(pairs) if pairs else None

    def verdict(self) -> str:
        r = self.ratio()
        return "skipped" if r is None else ("PASS" if r >= self.target else "MISS")

    def to_dict(self) -> dict:
        return {"workload": self.key, "title": fused.FUSED_WORKLOADS[self.key].title, "dtype": self.dtype,
                "ours_steps_per_second": statistics.median(self.ours),
                "fused_steps_per_second": statistics.median(self.fused), "ratio": self.ratio(),
                "target": self.target, "verdict": self.verdict(), "blocks": {"ours": self.ours, "fused": self.fused}}


def measure_fused(key: str, dtype: str, blocks: int, seconds: float) -> FusedRow:
    """Our bare training (mode off, one snapshot per block) and the fused loop, block by block,
    in lockstep: each block the fused loop takes as many steps as ours just took, so both
    sides time the same stretch of the same trajectory (the cost of a step changes as a
    run goes on: e.g. Adam's averages of units that stopped learning pass through the slow
    subnormal numbers on their way to zero)."""
    row = FusedRow(key, dtype, fused.FUSED_WORKLOADS[key].target)
    ours = OurRunner(key, dtype, "off", build=fused.build_session)
    s = ours.session
    ref = fused.FusedRunner.of(key, dtype)

    def ours_block(steps: int) -> tuple[int, float]:
        s.snapshot_every = steps  # the run yields at the next multiple of it
        step0, start = s.step, time.perf_counter()
        ours._next()
        return s.step - step0, time.perf_counter() - start

    steps, warm = 1, max(0.1, seconds / 2)
    while True:  # warm up both sides, doubling the block until it takes a measurable time
        done, took = ours_block(steps)
        ref.train(done)
        if took >= warm / 4:
            break
        steps *= 2
    steps = max(1, round(done * seconds / took))
    for _ in range(blocks):
        done, took = ours_block(steps)
        start = time.perf_counter()
        ref.train(done)
        row.ours.append(done / took)
        row.fused.append(done / (time.perf_counter() - start))
    return row


FUSED_HEADER = f"{'workload':<18} {'dtype':<7} {'ours':>9} {'fused':>9} {'ours/fused':>10}  target"


def _rate(value: float) -> str:
    return f"{value:>9,.1f}" if value < 100 else f"{value:>9,.0f}"


def print_fused_row(row: FusedRow) -> None:
    print(f"{row.key:<18} {row.dtype:<7} {_rate(statistics.median(row.ours))} {_rate(statistics.median(row.fused))} "
          f"{_ratio(row.ratio()):>10}  {row.target:g}x {row.verdict()}", flush=True)


def _fmt(value: float | None, width: int = 9) -> str:
    return f"{value:>{width},.0f}" if value is not None else f"{'-':>{width}}"


def _ratio(value: float | None) -> str:
    return f"{value:>6.2f}x" if value is not None else f"{'-':>7}"


HEADER = (f"{'workload':<18} {'dtype':<7} {'ours off':>9} {'diag':>9} {'(K)':>6} {'every':>7} "
          f"{'torch':>9} {'off/torch':>9} {'diag/torch':>10}  target")


def print_row(row: Row) -> None:
    target = f"{row.target:g}x {row.verdict()}"
    print(f"{row.key:<18} {row.dtype:<7} {_fmt(row.median('off'))} {_fmt(row.median('diag'))} "
          f"{row.snapshot_every:>6} {_fmt(row.median('every'), 7)} {_fmt(row.median('torch'))} "
          f"{_ratio(row.ratio('off')):>9} {_ratio(row.ratio('diag')):>10}  {target}", flush=True)


def environment() -> dict:
    blas = [f"{i['internal_api']} {i.get('version') or ''}".strip() for i in threadpool_info()
            if i["user_api"] == "blas"]
    return {"python": platform.python_version(), "numpy": np.__version__, "blas": ", ".join(blas),
            "cpus": os.cpu_count(), "machine": platform.machine()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="2 blocks of 0.25 s per measurement: the whole run in well under a minute")
    parser.add_argument("--no-torch", action="store_true", help="measure our side only (ratios skipped)")
    parser.add_argument("--no-fused", action="store_true", help="skip the comparison with the hand-fused step")
    parser.add_argument("--blocks", type=int, help="interleaved blocks per measurement (default 3, quick 2)")
    parser.add_argument("--duration", type=float, metavar="SECONDS",
                        help="length of one block in seconds (default 1.0, quick 0.25)")
    choices = list(WORKLOADS) + [k for k in fused.FUSED_WORKLOADS if k not in WORKLOADS]
    parser.add_argument("--workload", action="append", choices=choices, metavar="KEY",
                        help=f"only this workload (repeatable): {', '.join(choices)}")
    parser.add_argument("--json", metavar="PATH", help="also write every number measured here")
    args = parser.parse_args(argv)
    blocks = args.blocks or (2 if args.quick else 3)
    seconds = args.duration or (0.25 if args.quick else 1.0)
    if blocks < 1 or seconds <= 0:
        parser.error("--blocks must be at least 1 and --duration positive")
    keys = [k for k in args.workload if k in WORKLOADS] if args.workload else list(WORKLOADS)
    fused_keys = [] if args.no_fused else (
        [k for k in args.workload if k in fused.FUSED_WORKLOADS] if args.workload else list(fused.FUSED_WORKLOADS))

    env = environment()
    peer, peer_line = start_peer(not args.no_torch)
    print(f"Python {env['python']}, NumPy {env['numpy']} ({env['blas']}), {env['cpus']} CPUs")
    print(f"ours: BLAS limited to {BLAS_THREADS} threads (threadpoolctl); {peer_line}")
    print(f"{blocks} block(s) of {seconds:g} s per measurement ('every': {seconds / 2:g} s), interleaved; "
          "steps per second, medians over blocks\n")
    rows, fused_rows = [], []
    started = time.perf_counter()
    try:
        with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
            if keys:
                print(HEADER)
            for key in keys:
                for dtype in DTYPES:
                    rows.append(measure(key, dtype, blocks, seconds, peer))
                    print_row(rows[-1])
            if fused_keys:
                print("\nThe training step against a hand-fused NumPy step (benchmarks/fused.py): steps per second "
                      "of our bare training (diagnostics off) and of the fused loop, same BLAS limit")
                print(FUSED_HEADER)
            for key in fused_keys:
                for dtype in DTYPES:
                    fused_rows.append(measure_fused(key, dtype, blocks, seconds))
                    print_fused_row(fused_rows[-1])
            grid = {dtype: boundary_times(dtype, 10 if args.quick else 40) for dtype in DTYPES}
    finally:
        if peer is not None:
            peer.close()

    if rows:
        print(f"\nK: snapshot_every in 'diag' (measured "
              f"{min(statistics.median(r.snaps_per_second) for r in rows):.0f}-"
              f"{max(statistics.median(r.snaps_per_second) for r in rows):.0f} snapshots/s)")
    print(f"\nDecision-boundary grid {BOUNDARY_RESOLUTION}x{BOUNDARY_RESOLUTION} through a trained 2-16-16-2 "
          "(median ms): predict_proba / Session.boundary (adds train and val predictions)")
    for dtype, ms in grid.items():
        print(f"  {dtype}: {ms['predict_proba']:6.2f} ms / {ms['session_boundary']:6.2f} ms")

    print("\nTargets (ours with diagnostics off / PyTorch, and / the fused step; boundary in float32):")
    for key in keys:
        for row in (r for r in rows if r.key == key):
            print(f"  {row.verdict():<7} {key:<18} {row.dtype:<7} >= {row.target:g}x  "
                  f"(measured {_ratio(row.ratio()).strip()})")
    for row in fused_rows:
        print(f"  {row.verdict():<7} {row.key:<18} {row.dtype:<7} >= {row.target:g}x of the fused step  "
              f"(measured {_ratio(row.ratio()).strip()})")
    grid_ms = grid["float32"]["session_boundary"]
    print(f"  {'PASS' if grid_ms < BOUNDARY_TARGET_MS else 'MISS':<7} boundary grid float32 < "
          f"{BOUNDARY_TARGET_MS:g} ms  (measured {grid_ms:.2f} ms)")
    if peer is None:
        print(f"  ({peer_line})")
    print(f"\n{time.perf_counter() - started:.0f} s")

    if args.json:
        Path(args.json).write_text(json.dumps({
            "environment": env, "torch": peer_line, "blas_threads": BLAS_THREADS, "blocks": blocks,
            "block_seconds": seconds, "rows": [r.to_dict() for r in rows],
            "fused": [r.to_dict() for r in fused_rows], "boundary_ms": grid,
        }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
