"""The headless command line: ``run``, ``sweep`` and ``probe`` (no Qt is imported).

User mistakes end with status 2 and one line, ``error: FIELD: RULE``; a run
that diverges is a result (status 0, stopped_reason "diverged"), not an error.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

from . import config as cfgmod
from .config import ConfigError
from .datasets import DataError

__all__ = ["main"]


class UsageError(Exception):
    """Raised instead of argparse's own exit, so every error is one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="main.py", description="Activation Lab, headless.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="train one configuration and write a JSON report",
                         description="Train one configuration file and write a JSON report.",
                         epilog="example: python main.py run resources/configs/moons_relu_he.json --out report.json")
    run.add_argument("config", help="configuration file (JSON)")
    run.add_argument("--out", required=True, help="report file to write (JSON)")
    run.add_argument("--epochs", type=int, help="override train.epochs")
    run.add_argument("--seed", type=int, help="override train.seed (weights and shuffling)")

    sweep = sub.add_parser("sweep", help="run a grid of configurations over several seeds",
                           description="Run every combination of the --vary values for every seed, in "
                                       "worker processes, and write one CSV row per run.",
                           epilog="example: python main.py sweep base.json --vary model.init=zeros,xavier,he "
                                  "--vary model.activation=sigmoid,tanh --seeds 0-9 --out results.csv")
    sweep.add_argument("config", help="base configuration file (JSON)")
    sweep.add_argument("--vary", action="append", default=[], metavar="SECTION.KEY=V1,V2",
                       help="an axis of the grid; repeat for more axes")
    sweep.add_argument("--seeds", default="0", help="train seeds: 0-9, 0,3,5 or 7 (default 0)")
    sweep.add_argument("--epochs", type=int, help="override train.epochs for every run")
    sweep.add_argument("--jobs", type=int, default=-1, help="worker processes (default: all cores)")
    sweep.add_argument("--backend", default="loky",
                       help="joblib backend: loky (local processes, default), dask or ray for a cluster")
    sweep.add_argument("--out", required=True, help="CSV file to write")

    probe = sub.add_parser("probe", help="signal propagation at initialisation",
                           description="Send N(0,1) inputs through a stack of dense layers, push a "
                                       "gradient of ones back, and report each layer's spread.",
                           epilog="example: python main.py probe --width 100 --depth 5 --activation sigmoid "
                                  "--init normal")
    probe.add_argument("--width", type=int, default=100)
    probe.add_argument("--depth", type=int, default=5)
    probe.add_argument("--activation", default="sigmoid")
    probe.add_argument("--init", default="xavier")
    probe.add_argument("--init-param", type=float, help="the initialiser's parameter (std, limit, value, gain)")
    probe.add_argument("--bias-init", default="zeros", help="zeros, ones, constant or like_weights")
    probe.add_argument("--input-dim", type=int, default=100)
    probe.add_argument("--samples", type=int, default=1000)
    probe.add_argument("--seed", type=int, default=0)
    probe.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def _load_raw(path: str) -> dict:
    cfgmod.load(path)  # validates, raising ConfigError naming the field
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _cmd_run(args) -> int:
    from .report import build_report, write_report
    from .session import Session

    raw = _load_raw(args.config)
    if args.epochs is not None:
        cfgmod.set_path(raw, "train.epochs", args.epochs)
    if args.seed is not None:
        cfgmod.set_path(raw, "train.seed", args.seed)
    session = Session(cfgmod.Config.from_dict(raw))
    session.snapshot_every = 10**12
    final = None
    for snap in session.run():
        if snap is not None:
            final = snap
    write_report(build_report(session, final), args.out)
    print(f"{final.status}: {final.epoch} epochs, train accuracy {final.train_accuracy:.3f}, "
          f"validation accuracy {_fmt(final.val_accuracy)} -> {args.out}")
    return 0


def _fmt(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.3f}"


def _cmd_sweep(args) -> int:
    from joblib import Parallel, delayed, parallel_config

    from .sweep import RESULT_FIELDS, expand, parse_seeds, parse_vary, run_one, summarise

    raw = _load_raw(args.config)
    axes = [parse_vary(v) for v in args.vary]
    seeds = parse_seeds(args.seeds)
    runs = expand(raw, axes, seeds, args.epochs)
    total = len(runs)
    print(f"sweep: {total} runs ({len(runs) // len(seeds)} combinations × {len(seeds)} seeds)", file=sys.stderr)
    rows = []
    with parallel_config(backend=args.backend, n_jobs=args.jobs):
        results = Parallel(return_as="generator")(delayed(run_one)(cfg) for _, cfg in runs)
        for done, ((labels, _), result) in enumerate(zip(runs, results), start=1):
            row = {**labels, **result}
            rows.append(row)
            desc = " ".join(f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in labels.items())
            print(f"[{done}/{total}] {desc}: val_acc {_fmt(result['val_accuracy'])}", file=sys.stderr)
    fields = [a.path for a in axes] + ["seed"] + RESULT_FIELDS
    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
    summary = summarise(rows, axes)
    headers = [a.path for a in axes] + ["runs", "val_acc mean", "min", "max"]
    table = [[json.dumps(c[a.path]) if not isinstance(c[a.path], str) else c[a.path] for a in axes]
             + [str(c["runs"]), _fmt(c["mean"]), _fmt(c["min"]), _fmt(c["max"])] for c in summary]
    _print_table(headers, table)
    return 0


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def _cmd_probe(args) -> int:
    from . import initializers
    from .propagation import signal_propagation
    from .report import clean

    cfg = cfgmod.ModelConfig.from_dict(
        {"activation": args.activation, "init": args.init, "init_param": args.init_param,
         "bias_init": args.bias_init}, section="probe")
    init_params = {}
    if args.init_param is not None:
        init_params = {k: args.init_param for k in initializers.INITIALIZERS[cfg.init].params}
    layers = signal_propagation(args.width, args.depth, cfg.activation, cfg.init, init_params, cfg.bias_init,
                                args.input_dim, args.samples, args.seed)
    if args.json:
        out = {"width": args.width, "depth": args.depth, "activation": cfg.activation, "init": cfg.init,
               "layers": [{"layer": s.index, "z_std": s.z_std, "a_std": s.a_std, "a_mean": s.a_mean,
                           "grad_a_std": s.grad_a_std, "grad_z_std": s.grad_z_std, "saturated_fraction": s.saturated_fraction,
                           "dead_fraction": s.dead_fraction, "identical": s.identical,
                           "a_hist": {"edges": s.a_hist.edges, "counts": s.a_hist.counts}} for s in layers]}
        print(json.dumps(clean(out), indent=1))
        return 0
    print(f"{args.depth} layers of {args.width} {cfg.activation} units, init {cfg.init}, "
          f"{args.samples} samples of N(0,1)")

    def pct(x):
        return "—" if math.isnan(x) else f"{100 * x:.1f}%"

    _print_table(["layer", "std z", "std a", "mean a", "std dL/dz", "saturated", "dead"],
                 [[str(s.index), f"{s.z_std:.4g}", f"{s.a_std:.4g}", f"{s.a_mean:.4g}", f"{s.grad_z_std:.4g}",
                   pct(s.saturated_fraction), pct(s.dead_fraction)] for s in layers])
    if any(s.identical for s in layers):
        print("every unit of a layer computes the same value: symmetry is never broken")
    return 0


COMMANDS = {"run": _cmd_run, "sweep": _cmd_sweep, "probe": _cmd_probe}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (ConfigError, DataError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: nothing more to say
        return 0
    except OSError as err:
        print(f"error: {err.filename or ''}: {err.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
