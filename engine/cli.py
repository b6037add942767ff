"""The headless command line: ``run``, ``sweep`` and ``probe`` (no Qt is imported).

Exit status: 0 for a result (a run that diverges is a result: stopped_reason
"diverged"), 2 for a user mistake, reported in one line ``error: FIELD: RULE``,
1 for an internal error, ``error: internal error: ...`` (set
ACTIVATION_LAB_TRACEBACK=1 to see its traceback). Never a traceback otherwise.

Like the rest of the engine this module never writes to the terminal itself:
``main`` takes two writers, ``out`` (results) and ``err`` (progress and errors),
each called with one line of text; ``main.py`` binds them to stdout and stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import tempfile
from pathlib import Path

from . import config as cfgmod
from .cliargs import UsageError, UserError, Writer, build_parser
from .config import Config, ConfigError
from .datasets import DataError

__all__ = ["main", "COMMANDS", "Writer", "unknown_command"]



# -- helpers ---------------------------------------------------------------------------------------
def _fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _user_text(err: ValueError) -> str:
    """'field: rule' for any error about the user's input; DataErrors of a CSV file get data.path."""
    text = str(err)
    if isinstance(err, ConfigError) or text.startswith(("data.", "model.", "train.", "--")):
        return text
    if isinstance(err, DataError):
        return f"data.path: {text}"
    return f"config: {text}"


def _check_out(path: str) -> None:
    """Fail before training, not after, when the output cannot be written there: the folder
    must exist and take a new file (one is created and removed again to find out)."""
    target = Path(path)
    if target.is_dir():
        raise UserError(f"--out: {path} is a folder; give a file name")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.exists():
        raise UserError(f"--out: folder {parent} does not exist")
    if not parent.is_dir():
        raise UserError(f"--out: {parent} is a file, not a folder")
    try:
        handle, probe = tempfile.mkstemp(prefix=".activation-lab-", suffix=".tmp", dir=parent)
    except OSError as exc:  # read-only folder or file system, no space for a directory entry
        raise UserError(f"--out: cannot write in folder {parent} ({exc.strerror or exc})") from None
    os.close(handle)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def _load(path: str) -> Config:
    return cfgmod.load(path)  # ConfigError names the file or the field


def _override(cfg: Config, **changes) -> Config:
    """Apply --epochs / --seed; an out-of-range value is reported under the option's name."""
    raw = cfg.to_dict()
    for key, value in changes.items():
        if value is not None:
            cfgmod.set_path(raw, f"train.{key}", value)
    try:
        return Config.from_dict(raw)
    except ConfigError as err:
        option = err.field.removeprefix("train.")
        if option in changes and changes[option] is not None:
            raise UserError(f"--{option}: {err.rule}") from None
        raise


def _session(cfg: Config):
    """Build the session; what only the data can tell (3 classes for a sigmoid head, a bad
    CSV file) fails here as a user error. A configuration that needs more memory than the
    limit (engine/budget.py) is refused before anything is built, naming the setting."""
    from . import budget
    from .session import Session

    try:
        budget.check(cfg)
        return Session(cfg)
    except MemoryError:  # the estimate was too low for this machine: still one line
        raise UserError(budget.out_of_memory(cfg)) from None
    except ValueError as err:
        raise UserError(_user_text(err)) from None


def _out_of_memory(cfg: Config) -> UserError:
    from . import budget

    return UserError(budget.out_of_memory(cfg))


def _check_cells(runs: list, axes: list) -> None:
    """The memory of every distinct combination, before any data set is built (ConfigError
    naming the --vary axis when the varied setting is the one to change)."""
    from . import budget
    from .sweep import _on_axis

    seen = set()
    for run in runs:
        key = json.dumps({k: v for k, v in run.labels.items() if k != "seed"}, sort_keys=True)
        if key not in seen:
            seen.add(key)
            try:
                budget.check(Config.from_dict(run.config))
            except ConfigError as err:
                raise _on_axis(err, axes) from None


def _table(headers: list[str], rows: list[list[str]], right: int = 0) -> list[str]:
    """The lines of a text table; columns from ``right`` on are right-aligned (numbers)."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i >= right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return [line(headers).rstrip(), "  ".join("-" * w for w in widths), *(line(row).rstrip() for row in rows)]


# -- run ---------------------------------------------------------------------------------------------
def _cmd_run(args: argparse.Namespace, out: Writer, err: Writer) -> int:
    from .report import build_report, write_report
    from .runner import run_to_end

    cfg = _override(_load(args.config), epochs=args.epochs, seed=args.seed)
    _check_out(args.out)
    session = _session(cfg)
    session.want_diagnostics = True
    session.boundary_resolution = None
    session.snapshot_every = 2**62  # the per-epoch history carries the curves; one final snapshot
    try:
        final = run_to_end(session)
    except MemoryError:
        raise _out_of_memory(cfg) from None
    report = build_report(session, final)
    write_report(report, args.out)
    line = (f"{report['stopped_reason']}: {final.epoch} epochs, train accuracy {_fmt(final.train_accuracy)}, "
            f"validation accuracy {_fmt(final.val_accuracy)}")
    if report["stopped_reason"] == "diverged":
        line += f" ({final.message})"
    out(f"{line} -> {args.out}")
    return 0


# -- sweep -------------------------------------------------------------------------------------------
def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _cell(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _cmd_sweep(args: argparse.Namespace, out: Writer, err: Writer) -> int:
    from .atomic import atomic_write
    from .sweep import RESULT_FIELDS, backend, expand, parse_seeds, parse_vary, run_grid, summarise, validate

    base = _load(args.config).to_dict()
    axes = [parse_vary(v) for v in args.vary]
    seeds = parse_seeds(args.seeds)
    runs = expand(base, axes, seeds, args.epochs)
    _check_out(args.out)
    try:
        _check_cells(runs, axes)
        validate(runs, axes)
    except ValueError as err:
        raise UserError(_user_text(err)) from None
    total = len(runs)
    rows: list[dict | None] = [None] * total
    with backend(args.backend, args.jobs, args.address):  # a missing package or cluster fails here
        err(f"sweep: {_plural(total, 'run')} ({_plural(total // len(seeds), 'combination')} x "
            f"{_plural(len(seeds), 'seed')}) on joblib backend {args.backend}")
        try:
            for done, (run, result) in enumerate(run_grid(runs), start=1):
                rows[run.index] = {**run.labels, **result}
                note = " (diverged)" if result["stopped_reason"] == "diverged" else ""
                err(f"[{done}/{total}] {run.describe()}: val_acc {_fmt(result['val_accuracy'])}{note}")
        except MemoryError:  # several workers at once: each fits, together they did not
            raise UserError("--jobs: the runs ran out of memory together; use fewer --jobs") from None
    fields = [a.path for a in axes] + ["seed"] + RESULT_FIELDS
    with atomic_write(args.out, encoding="utf-8", newline="") as handle:  # a full disk keeps the earlier file
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: v if k in RESULT_FIELDS else _cell(v) for k, v in row.items()})
    summary = summarise(rows, axes)
    out(f"validation accuracy over {_plural(len(seeds), 'seed')} ({_plural(total, 'run')}, rows in {args.out}):")
    headers = [a.path for a in axes] + ["runs", "diverged", "mean", "min", "max"]
    table = [[_cell(c[a.path]) for a in axes] + [str(c["runs"]), str(c["diverged"]), _fmt(c["mean"]),
                                                 _fmt(c["min"]), _fmt(c["max"])] for c in summary]
    for line in _table(headers, table, right=len(axes)):
        out(line)
    return 0


# -- probe -------------------------------------------------------------------------------------------
def _cmd_probe(args: argparse.Namespace, out: Writer, err: Writer) -> int:
    from .propagation import signal_propagation
    from .report import clean

    try:
        model = cfgmod.ModelConfig.from_dict(
            {"activation": args.activation, "init": args.init, "init_param": args.init_param,
             "bias_init": args.bias_init, "bias_value": args.bias_value,
             **{key: getattr(args, key) for key in cfgmod.ModelConfig.extra_params()}},
            section="probe")
    except ConfigError as bad:  # probe.init_param -> --init-param
        raise UserError(f"--{bad.field.removeprefix('probe.').replace('_', '-')}: {bad.rule}") from None
    try:  # a stack over the memory limit is refused first (ConfigError "--samples/--width: …")
        result = signal_propagation(args.width, args.depth, model.activation, model.init, model.init_params(),
                                    model.bias_init, args.input_dim, args.samples, args.seed,
                                    activation_params=model.activation_params(), bias_value=model.bias_value)
    except MemoryError:
        raise UserError("--samples/--width: ran out of memory; use fewer samples, a narrower or shallower "
                        "stack") from None
    if args.json:
        out(json.dumps(clean(result.to_dict()), indent=1))
        return 0
    init = model.init + "".join(f" {k}={v:g}" for k, v in result.init_params.items())
    out(f"{args.depth} layers of {args.width} {model.activation} units, init {init}, bias {model.bias_init}; "
          f"{args.samples} samples of N(0,1) in {args.input_dim} dimensions")

    def pct(x: float) -> str:
        return "-" if math.isnan(x) else f"{100 * x:.1f}%"

    def num(x: float) -> str:
        return f"{x:.4g}"

    table = _table(
        ["layer", "std z", "signal z", "mean a", "std a", "std dL/da", "std dL/dz", "slope", "saturated", "dead"],
        [[str(s.index), num(s.z_std), num(s.z_sample_std), num(s.a_mean), num(s.a_std), num(s.grad_a_std),
          num(s.grad_z_std), f"{s.slope_mean:.3f}", pct(s.saturated_fraction), pct(s.dead_fraction)]
         for s in result],
        right=1)
    for line in table:
        out(line)
    out("signal z: std of z over the samples (what still depends on the input); dL/da at the top is 1.\n"
          "slope: mean f'(z) / max f', the share of the arriving gradient a unit passes back;\n"
          "saturated: (unit, sample) pairs with f'(z) < 1% of max f'; dead: units with z <= 0 on every sample.")
    if any(s.identical for s in result):
        out("Every unit of a layer computes the same value: symmetry is never broken.")
    return 0


COMMANDS = {"run": _cmd_run, "sweep": _cmd_sweep, "probe": _cmd_probe}


def unknown_command(name: str) -> str:
    """The one-line refusal of a sub-command that does not exist (main.py passes any word here)."""
    shown = name if len(name) <= 40 else name[:39] + "…"
    return f"unknown command {shown!r}; valid commands: {', '.join(COMMANDS)}"


def main(argv: list[str], out: Writer, err: Writer) -> int:
    """Run one sub-command; ``argv[0]`` is run, sweep or probe. Results go to ``out``,
    progress and errors to ``err``, a line per call. Returns the exit status.

    A closed output pipe (``... | head``) surfaces as BrokenPipeError from ``out``; the
    caller, who owns the stream, deals with it.
    """
    argv = list(argv)
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:  # argparse would add its usage
        err(f"error: {unknown_command(argv[0])}")
        return 2
    try:
        args = build_parser(out).parse_args(argv)
        return COMMANDS[args.command](args, out, err)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except (UsageError, UserError) as bad:
        err(f"error: {bad}")
        return 2
    except (ConfigError, DataError) as bad:
        err(f"error: {_user_text(bad)}")
        return 2
    except BrokenPipeError:  # the reader went away (`| head`): the stream's owner handles it
        raise
    except KeyboardInterrupt:
        err("error: interrupted")
        return 130
    except OSError as bad:  # e.g. the report cannot be written: disk full, no permission
        where = f"{bad.filename}: " if bad.filename else ""
        err(f"error: {where}{bad.strerror or bad}")
        return 2
    except Exception as bad:  # a bug, not the user's fault: one line, status 1
        if os.environ.get("ACTIVATION_LAB_TRACEBACK"):
            raise
        text = " ".join(str(bad).split()) or "(no message)"
        err(f"error: internal error: {type(bad).__name__}: {text}")
        return 1
