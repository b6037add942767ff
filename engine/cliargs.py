"""The command line's words: the parser of ``run``, ``sweep`` and ``probe``, their help
texts, and the two errors every refusal becomes (engine/cli.py runs the commands).

Kept apart from cli.py, which is about what the commands do: this is what they
accept. argparse is made to raise (``UsageError``) instead of exiting, so that
cli.main reports every mistake in one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn

from . import config as cfgmod
from .schema import Param

__all__ = ["UsageError", "UserError", "build_parser", "PROBE_MAX_SAMPLES"]

TRAIN = cfgmod.PARAMS["train"]
PROBE_MAX_SAMPLES = 100_000

#: where a line of output goes (the caller decides: a terminal, a test, a log)
Writer = Callable[[str], None]


class UsageError(Exception):
    """Raised instead of argparse's own exit, so every error is one line."""


class UserError(Exception):
    """A mistake in the user's input, already phrased as 'field: rule'."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises on a usage error and sends --help to a writer, not sys.stdout."""

    def __init__(self, *args, out: Writer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.out = out

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")

    def _print_message(self, message: str, file: object = None) -> None:
        if message and self.out is not None:
            self.out(message.rstrip("\n"))


def _int_in(lo: int, hi: int | None = None):
    """An argparse type: an integer in [lo, hi]."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        if value < lo or (hi is not None and value > hi):
            rule = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
            raise argparse.ArgumentTypeError(f"must be an integer {rule}, got {value}")
        return value
    return parse


def _int_param(param: Param):
    """An argparse type that follows a configuration setting's own range."""
    return _int_in(int(param.lo), None if param.hi is None else int(param.hi))


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("must be a positive number of workers, or -1 for all cores (-2: all but one)")
    return value


RUN_HELP = """\
Train one configuration to the end (train.epochs, or --epochs) and write a JSON report:
the resolved config, the final metrics, per-epoch curves (loss, accuracy, and per layer
mean |dL/dW|, activation spread, saturated and dead fractions), the final weights and why
the run ended (completed, or diverged: a result, exit status 0)."""

RUN_EXAMPLES = """\
examples:
  python main.py run resources/configs/moons_relu_he.json --out report.json
  python main.py run my.json --epochs 20 --seed 3 --out seed3.json"""

SWEEP_HELP = """\
Run every combination of the --vary values for every seed, in worker processes
(joblib), and write one CSV row per run: the varied values, the seed, final train and
validation loss and accuracy, stopped_reason and epochs run. Progress goes to stderr; a
summary of validation accuracy per combination (mean, min, max over the seeds) to stdout.
Every combination is checked before anything runs. Each row equals `run` of that config."""

SWEEP_EXAMPLES = """\
examples:
  python main.py sweep base.json --vary model.init=zeros,xavier,he \\
      --vary model.activation=sigmoid,tanh --seeds 0-9 --out results.csv
  python main.py sweep base.json --vary model.hidden=[4],[16,16] --vary train.lr=0.01,0.1 \\
      --seeds 0,3,5 --epochs 50 --jobs 2 --out grid.csv
  python main.py sweep base.json --vary model.init=xavier,he --seeds 0-99 \\
      --backend dask --address tcp://scheduler:8786 --out big.csv

--vary values are read as JSON when they parse (0.1, [16,16], null, true), else as
words (he, sigmoid). --seeds sets train.seed: 0-9, 0,3,5 or 7."""

PROBE_HELP = """\
Signal propagation at initialisation: send N(0,1) inputs through a stack of dense
layers, push a gradient of ones back from the top, and print each layer's spread:
std of z and of a = f(z), the std of z over the samples (signal: what still depends on
the input), the backward std of dL/da and dL/dz, the mean slope f'(z)/max f' (the share
of the gradient a unit passes back), and the saturated and dead percentages."""

PROBE_EXAMPLES = """\
examples:
  python main.py probe --activation sigmoid --init normal        # saturated: mass at 0 and 1
  python main.py probe --activation sigmoid --init small_normal  # collapses to 0.5
  python main.py probe --activation relu --init he --depth 10 --json"""


def build_parser(out: Writer | None = None) -> argparse.ArgumentParser:
    """The parser of the three commands; --help goes to ``out``."""
    raw = argparse.RawDescriptionHelpFormatter
    parser = _Parser(out=out, prog="main.py", description="Activation Lab, headless: run, sweep, probe.",
                     formatter_class=raw)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="{run,sweep,probe}")

    run = sub.add_parser("run", out=out, help="train one configuration and write a JSON report",
                         description=RUN_HELP, epilog=RUN_EXAMPLES, formatter_class=raw)
    run.add_argument("config", help="configuration file (JSON: data, model, train sections)")
    run.add_argument("--out", required=True, metavar="REPORT.json", help="report file to write")
    run.add_argument("--epochs", type=_int_param(TRAIN["epochs"]), metavar="N", help="override train.epochs")
    run.add_argument("--seed", type=_int_param(TRAIN["seed"]), metavar="S",
                     help="override train.seed (initial weights and batch order); the data "
                          "(data.seed: samples and split) stay the same")

    sweep = sub.add_parser("sweep", out=out, help="run a grid of configurations over several seeds (CSV)",
                           description=SWEEP_HELP, epilog=SWEEP_EXAMPLES, formatter_class=raw)
    sweep.add_argument("config", help="base configuration file (JSON)")
    sweep.add_argument("--vary", action="append", default=[], metavar="SECTION.KEY=V1,V2",
                       help="one axis of the grid; repeat for more axes")
    sweep.add_argument("--seeds", default="0", help="training seeds (train.seed): 0-9, 0,3,5 or 7 (default 0)")
    sweep.add_argument("--epochs", type=_int_param(TRAIN["epochs"]), metavar="N",
                       help="override train.epochs for every run")
    sweep.add_argument("--jobs", type=_jobs, default=-1, metavar="N",
                       help="parallel workers (default -1: all cores, or all of a cluster's)")
    sweep.add_argument("--backend", default="loky", metavar="NAME",
                       help="joblib backend: loky (local processes, default), threading, multiprocessing, "
                            "dask or ray (a cluster)")
    sweep.add_argument("--address", metavar="ADDR",
                       help="dask scheduler (tcp://host:8786) or ray cluster (ray://host:10001, auto) to use")
    sweep.add_argument("--out", required=True, metavar="RESULTS.csv", help="CSV file to write")

    probe = sub.add_parser("probe", out=out, help="signal propagation at initialisation (per-layer table)",
                           description=PROBE_HELP, epilog=PROBE_EXAMPLES, formatter_class=raw)
    probe.add_argument("--width", type=_int_in(1, cfgmod.MAX_WIDTH), default=100, help="units per layer (100)")
    probe.add_argument("--depth", type=_int_in(1, cfgmod.MAX_LAYERS), default=5, help="number of layers (5)")
    probe.add_argument("--activation", default="sigmoid", help="activation of every layer (sigmoid)")
    probe.add_argument("--init", default="xavier", help="weight initialiser (xavier)")
    probe.add_argument("--init-param", type=float, metavar="X",
                       help="the initialiser's parameter: std (normal), limit (uniform), value (constant), gain")
    probe.add_argument("--bias-init", default="zeros", help="zeros, ones, constant or like_weights (zeros)")
    probe.add_argument("--bias-value", type=float, default=0.0, help="the bias of --bias-init constant")
    for key, param in cfgmod.ModelConfig.extra_params().items():  # each activation's own parameters
        probe.add_argument(f"--{key.replace('_', '-')}", type=float, default=param.default, dest=key,
                           help=f"{param.tip} ({param.default:g})")
    probe.add_argument("--input-dim", type=_int_in(1, cfgmod.MAX_WIDTH), default=100, help="input features (100)")
    probe.add_argument("--samples", type=_int_in(1, PROBE_MAX_SAMPLES), default=1000, help="samples (1000)")
    probe.add_argument("--seed", type=_int_param(TRAIN["seed"]), default=0, help="seed of inputs and weights (0)")
    probe.add_argument("--json", action="store_true", help="print JSON (with histograms) instead of a table")
    return parser
