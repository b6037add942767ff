"""The memory budget: estimates against measured peaks, refusals that name the setting, and the
command line's one-line answers instead of a MemoryError."""

import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from engine import budget, datasets
from engine.config import Config, ConfigError
from engine.network import Network
from engine.propagation import signal_propagation
from engine.session import Session
from main import run_headless as main  # engine.cli bound to stdout and stderr, as a launch does

ROOT = Path(__file__).resolve().parents[2]
HUGE = {"model": {"hidden": [4096] * 64}}  # the schema's largest network: accepted field by field


def _peak(raw: dict, boundary: int | None) -> tuple[budget.Estimate, int]:
    """The estimate, and tracemalloc's peak over a build, the first picture and two epochs with
    a snapshot (and the boundary, when asked) at the end of each."""
    cfg = Config.from_dict(raw)
    datasets.make("moons", 10)  # scikit-learn's import is not the session's memory
    tracemalloc.start()
    try:
        session = Session(cfg)
        session.snapshot(True, boundary)
        session.boundary_resolution = boundary
        session.snapshot_every = session.steps_per_epoch
        for _ in session.run():
            pass
        assert session.epoch == cfg.train.epochs
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return budget.estimate(cfg, boundary_resolution=boundary), peak


@pytest.mark.parametrize("raw, boundary", [
    ({"data": {"n_samples": 400}, "model": {"hidden": [1024, 1024]}, "train": {"epochs": 2}}, None),
    ({"data": {"n_samples": 400}, "model": {"hidden": [512, 512], "activation": "selu"},
      "train": {"epochs": 2, "optimizer": "momentum"}}, 150),
    ({"data": {"n_samples": 20000}, "model": {"hidden": [128, 128]},
      "train": {"epochs": 1, "batch_size": 512}}, None),
    ({"data": {"n_samples": 2000}, "model": {"hidden": [256] * 4, "dtype": "float32"},
      "train": {"optimizer": "sgd", "batch_size": None, "epochs": 2}}, None),
], ids=["wide-adam", "selu-boundary", "many-points", "full-batch-f32"])
def test_the_estimate_is_within_a_factor_of_two_of_the_measured_peak(raw, boundary):
    est, peak = _peak(raw, boundary)
    assert peak > 20 * 2**20  # a real workload, not noise
    assert 0.5 * peak <= est.total <= 2 * peak, (est.describe(), budget.format_bytes(peak))


def test_the_network_parts_count_every_copy_of_the_weights():
    cfg = Config.from_dict({"model": {"hidden": [300, 200]}, "train": {"optimizer": "adam"}})
    n_params = Network(2, 2, [300, 200]).n_parameters
    est = budget.estimate(cfg)
    assert est.n_parameters == n_params
    assert est.part("gradients") == 8 * n_params
    assert est.part("Adam state") == 2 * 8 * n_params  # m and v
    for name, arrays in (("sgd", 0), ("momentum", 1), ("nag", 1), ("rmsprop", 1), ("adagrad", 1)):
        other = budget.estimate(cfg.with_changes(train={"optimizer": name}))
        state = [b for label, b in other.parts if label.endswith(" state")]
        assert state == [arrays * 8 * n_params], name
    half = budget.estimate(cfg.with_changes(model={"dtype": "float32"}))
    assert half.part("gradients") == 4 * n_params


def test_the_largest_network_is_refused_naming_model_hidden_with_the_estimate():
    cfg = Config.from_dict(HUGE)
    est = budget.estimate(cfg)
    assert est.total > 50 * 2**30 and est.part("weights") >= 64 * 4096 * 4096 * 8 * 0.98
    with pytest.raises(ConfigError) as err:
        budget.check(cfg)
    assert err.value.field == "model.hidden"
    text = str(err.value)
    assert text.startswith(f"model.hidden: this network needs about {budget.format_bytes(est.total)} (limit 2 GB): ")
    assert "Adam state" in text and "use fewer or narrower layers" in text
    t = time.perf_counter()
    with pytest.raises(ConfigError, match="^model.hidden: this network needs about"):
        Session(cfg)  # refused before the network exists
    assert time.perf_counter() - t < 5


def test_the_setting_named_is_the_one_to_change(monkeypatch):
    many = Config.from_dict({"data": {"n_samples": 1_000_000}, "model": {"hidden": [256, 256]}})
    with pytest.raises(ConfigError) as err:
        budget.check(many)
    assert err.value.field == "data.n_samples" and "use fewer points" in str(err.value)
    drawn = Config.from_dict({"model": {"hidden": [64] * 8},
                              "train": {"batch_size": 1_000_000, "with_replacement": True}})
    with pytest.raises(ConfigError) as err:
        budget.check(drawn)
    assert err.value.field == "train.batch_size" and "use a smaller batch" in str(err.value)
    # the window adds the boundary grid: two 4096-wide layers fit the command line, not the window
    wide = Config.from_dict({"model": {"hidden": [4096, 4096]}})
    assert budget.check(wide).total < 2 * 2**30
    with pytest.raises(ConfigError, match="model.hidden: .*boundary"):
        budget.check(wide, boundary_resolution=150)


def test_the_limit_follows_the_environment(monkeypatch):
    cfg = Config.from_dict({"model": {"hidden": [1024, 1024]}})
    monkeypatch.delenv(budget.LIMIT_ENV)  # tests/conftest.py fixes it at 2 GB
    assert budget.memory_limit() == int(budget.default_limit_mb() * 2**20)
    lo, hi = budget.LIMIT_RANGE_MB
    assert lo * 2**20 <= budget.memory_limit() <= hi * 2**20
    budget.check(cfg)
    monkeypatch.setenv(budget.LIMIT_ENV, "50")
    assert budget.memory_limit() == 50 * 2**20
    with pytest.raises(ConfigError, match=r"\(limit 50 MB\)"):
        budget.check(cfg)
    monkeypatch.setenv(budget.LIMIT_ENV, "nonsense")
    assert budget.memory_limit() == int(budget.default_limit_mb() * 2**20)


def test_the_default_limit_is_half_the_machine_within_bounds(monkeypatch):
    import os

    sizes = {"SC_PAGE_SIZE": 4096}
    monkeypatch.setattr(os, "sysconf", lambda name: sizes.get(name, 0) or pages)
    for gib, expected_mb in ((1, 1024), (8, 4096), (24, 12288), (256, 16384)):
        pages = gib * 2**30 // 4096
        assert budget.default_limit_mb() == expected_mb
    pages = -1
    assert budget.default_limit_mb() == budget.MEMORY_LIMIT_MB


def test_a_csv_file_is_sized_from_its_first_lines(tmp_path):
    path = tmp_path / "wide.csv"
    rng = np.random.default_rng(0)
    rows = [",".join(f"f{j}" for j in range(40)) + ",label"]
    rows += [",".join(f"{x:.5f}" for x in rng.normal(size=40)) + f",{i % 3}" for i in range(2000)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cfg = Config.from_dict({"data": {"name": "csv", "path": str(path)}})
    guess = budget.estimate(cfg)
    session = Session(cfg)
    exact = budget.estimate(cfg, session.dataset)
    assert exact.n_samples == 2000 and exact.n_features == 40
    assert guess.n_features == 40 and 1800 <= guess.n_samples <= 2200


def test_step_time_estimate_follows_the_work():
    small = Config.from_dict({"data": {"n_samples": 2000}, "model": {"hidden": [512, 512]},
                              "train": {"batch_size": 256, "epochs": 1}})
    est = budget.estimate(small)
    session = Session(small, epoch_diagnostics=False)
    session.want_diagnostics, session.snapshot_every = False, 2**62
    t = time.perf_counter()
    for _ in session.run():
        pass
    measured = (time.perf_counter() - t) / session.step
    assert measured / 5 < est.step_seconds < measured * 5, (est.step_seconds, measured)
    huge = budget.estimate(Config.from_dict(HUGE))
    assert budget.slow_step(Config.from_dict(HUGE)) == huge.step_seconds > budget.SLOW_STEP_SECONDS
    assert huge.step_text().startswith("Each step will take about ") and huge.step_text().endswith(
        " on this machine.")


# -- the probe ----------------------------------------------------------------------------------------
def test_the_probe_estimate_matches_its_peak():
    tracemalloc.start()
    try:
        signal_propagation(width=300, depth=4, input_dim=50, samples=5000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 0.8 * peak <= budget.probe_bytes(300, 4, 50, 5000) <= 1.25 * peak


def test_a_probe_over_the_limit_is_refused_before_it_allocates(capsys):
    with pytest.raises(ConfigError) as err:
        signal_propagation(width=4096, depth=64, input_dim=4096, samples=100_000)
    assert err.value.field == "--samples/--width"
    code = main(["probe", "--width", "4096", "--depth", "64", "--samples", "100000", "--input-dim", "4096"])
    captured = capsys.readouterr()
    need = budget.format_bytes(budget.probe_bytes(4096, 64, 4096, 100_000))
    assert code == 2 and captured.out == ""
    assert captured.err == f"error: --samples/--width: this probe needs about {need} (limit 2 GB); " \
                           "use fewer samples, a narrower or shallower stack\n"


# -- the command line ------------------------------------------------------------------------------------
def test_run_of_the_largest_network_exits_2_with_one_line(tmp_path, capsys):
    config = tmp_path / "huge.json"
    config.write_text(json.dumps(HUGE), encoding="utf-8")
    code = main(["run", str(config), "--out", str(tmp_path / "r.json")])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "" and not (tmp_path / "r.json").exists()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: model.hidden: this network needs about ")
    assert "Traceback" not in captured.err


def test_sweep_checks_every_combination_first(tmp_path, capsys):
    config = tmp_path / "base.json"
    config.write_text(json.dumps({"data": {"n_samples": 200}, "train": {"epochs": 1}}), encoding="utf-8")
    code = main(["sweep", str(config), "--vary", "model.hidden=[4],[4096,4096,4096]", "--out",
                 str(tmp_path / "s.csv")])
    captured = capsys.readouterr()
    assert code == 2 and not (tmp_path / "s.csv").exists()
    assert captured.err.startswith("error: --vary model.hidden: this network needs about ")
    assert len(captured.err.splitlines()) == 1


@pytest.mark.skipif(sys.platform != "linux", reason="an address-space limit (RLIMIT_AS) stands in for a small machine")
def test_a_memory_error_past_the_estimate_is_one_line(tmp_path):
    """The budget is raised past what the process may allocate: the real MemoryError is caught."""
    import resource

    config = tmp_path / "mid.json"
    config.write_text(json.dumps({"data": {"n_samples": 200}, "model": {"hidden": [4096] * 4},
                                  "train": {"epochs": 1}}), encoding="utf-8")

    def small_machine():
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    env = {**os.environ, budget.LIMIT_ENV: "100000", "OPENBLAS_NUM_THREADS": "1"}
    command = [sys.executable, str(ROOT / "main.py"), "run", str(config), "--out", str(tmp_path / "r.json")]
    done = subprocess.run(command, capture_output=True, text=True, env=env, preexec_fn=small_machine, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: model.hidden: ran out of memory: this network needs about ")
    assert "Traceback" not in done.stderr
