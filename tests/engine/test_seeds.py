"""Seed bands (engine/seeds.py): the per-epoch numbers equal independent runs, the spread's text, short runs."""

import math
import re
import statistics

import numpy as np
import pytest

from engine import seeds, sweep
from engine.config import Config
from engine.runner import run_to_end
from engine.session import Session

TINY = {"data": {"name": "moons", "n_samples": 120, "noise": 0.25, "val_fraction": 0.25, "seed": 0},
        "model": {"hidden": [6], "activation": "tanh", "init": "xavier"},
        "train": {"optimizer": "sgd", "lr": 0.1, "epochs": 15, "batch_size": 16, "seed": 0}}
#: sum-reduced loss, an identity head and a ReLU layer: at this learning rate seeds 3, 4 and 6
#: of 0-7 diverge in their first epoch (found by trying), the others train to the end
MIXED = {"data": {"name": "moons", "n_samples": 120, "noise": 0.2, "val_fraction": 0.25, "seed": 0},
         "model": {"hidden": [8], "activation": "relu", "init": "he", "output": "identity"},
         "train": {"optimizer": "sgd", "lr": 0.045, "epochs": 30, "batch_size": 16, "loss_reduction": "sum"}}


def with_seed(base, seed):
    raw = Config.from_dict(base).to_dict()
    raw["train"]["seed"] = seed
    return raw


def rows_of(base, seed_list):
    """The rows the window's worker gets (sweep.run_one with curves), run here in this process."""
    return {s: sweep.run_one(with_seed(base, s), curves=True) for s in seed_list}


def independent(base, seed):
    """A plain Session trained to its end: the reference the band must agree with."""
    return run_to_end(Session(Config.from_dict(with_seed(base, seed))))


def test_band_equals_independent_single_runs():
    seed_list = [0, 1, 2, 3]
    b = seeds.band(seeds.SeedResult.from_row(s, row) for s, row in rows_of(TINY, seed_list).items())
    finals = [independent(TINY, s) for s in seed_list]
    assert b.seeds == tuple(seed_list) and b.diverged == () and b.full_until() == 15
    np.testing.assert_array_equal(b.epochs, np.arange(1, 16))
    for name in seeds.CURVES:
        table = np.stack([getattr(f.history, name) for f in finals])
        assert table.shape == (4, 15)
        st = b.stats[name]
        np.testing.assert_array_equal(st.min, table.min(axis=0))
        np.testing.assert_array_equal(st.max, table.max(axis=0))
        np.testing.assert_allclose(st.mean, table.mean(axis=0), rtol=1e-12, atol=0)
        np.testing.assert_array_equal(st.count, np.full(15, 4))
    assert not np.allclose(b.stats["val_loss"].min, b.stats["val_loss"].max)  # the seeds really differ
    accs = [f.val_accuracy for f in finals]
    spread = b.spread()
    assert spread.metric == "val_accuracy" and spread.values == tuple(accs)
    assert spread.mean == pytest.approx(np.mean(accs)) and spread.sd == pytest.approx(np.std(accs, ddof=1))
    assert [(s, v) for s, v, _ in b.finals()] == list(zip(seed_list, accs))


def test_spread_text_is_mean_sample_sd_min_max_in_percent():
    s = seeds.spread_of([0.9, 0.85, 0.8])
    assert s.sd == pytest.approx(statistics.stdev([0.9, 0.85, 0.8]))  # the sample sd, as the docstring says
    assert s.text() == "85.0 % ± 5.0 (80.0–90.0) over 3 seeds"
    assert s.status_text() == "Validation accuracy over 3 seeds: 85.0 % ± 5.0 (80.0–90.0)"
    uneven = seeds.spread_of([0.873, 0.83, 0.905, 0.91, 0.88])
    sd = 100 * statistics.stdev(uneven.values)
    assert uneven.text() == f"88.0 % ± {sd:.1f} (83.0–91.0) over 5 seeds"  # mean 0.8796
    assert seeds.spread_of([0.875]).text() == "87.5 % over 1 seed"  # no sd from one value
    assert math.isnan(seeds.spread_of([0.875]).sd)
    assert seeds.spread_of([]).text() == "no final value"


def test_real_spread_text_matches_its_numbers():
    b = seeds.band(seeds.SeedResult.from_row(s, row) for s, row in rows_of(TINY, [5, 6, 7]).items())
    text = b.spread().text()
    m = re.fullmatch(r"(\d+\.\d) % ± (\d+\.\d) \((\d+\.\d)–(\d+\.\d)\) over 3 seeds", text)
    assert m, text
    accs = [b.results[i].final["val_accuracy"] for i in range(3)]
    assert [float(g) for g in m.groups()] == [round(100 * np.mean(accs), 1), round(100 * np.std(accs, ddof=1), 1),
                                              round(100 * min(accs), 1), round(100 * max(accs), 1)]


def test_diverged_runs_end_early_and_the_band_covers_the_runs_still_going():
    rows = rows_of(MIXED, range(8))
    b = seeds.band(seeds.SeedResult.from_row(s, row) for s, row in rows.items())
    assert b.diverged == (3, 4, 6)
    survivors = [s for s in range(8) if s not in b.diverged]
    assert b.full_until() == 1 and len(b.epochs) == 30
    for name in ("val_loss", "val_accuracy", "train_loss"):
        st = b.stats[name]
        assert st.count[0] == 8 and (st.count[1:] == 5).all()
        after = np.stack([rows[s]["history"][name][1:] for s in survivors])
        np.testing.assert_array_equal(st.min[1:], after.min(axis=0))
        np.testing.assert_array_equal(st.max[1:], after.max(axis=0))
        np.testing.assert_allclose(st.mean[1:], after.mean(axis=0), rtol=1e-12)
        first = [rows[s]["history"][name][0] for s in range(8)]  # epoch 1: all eight, the diverged ones too
        assert st.min[0] == min(first) and st.max[0] == max(first)
    spread = b.spread()
    assert spread.n == 5 and spread.diverged == 3
    assert spread.values == tuple(rows[s]["val_accuracy"] for s in survivors)
    assert spread.text().endswith(" over 5 seeds (3 of 8 diverged)")
    assert spread.status_text().startswith("Validation accuracy over 5 seeds: ")
    assert spread.status_text().endswith("; 3 of 8 diverged")
    assert [status for _, _, status in b.finals()].count("diverged") == 3


def test_runs_of_different_lengths_line_up_by_epoch():
    def result(seed, values, status="completed"):
        values = np.asarray(values, dtype=float)
        curves = {name: values for name in seeds.CURVES}
        final = {name: (values[-1] if len(values) else math.nan) for name in seeds.CURVES}
        return seeds.SeedResult(seed, status, np.arange(1, len(values) + 1), curves, final)

    b = seeds.band([result(2, [0.5, 0.6, 0.7, 0.8]), result(0, [0.3, 0.2], "diverged"),
                    result(1, [0.1, 0.9, np.nan, 0.4]), result(3, [], "diverged")])
    assert b.seeds == (0, 1, 2, 3) and b.diverged == (0, 3) and b.full_until() == 0
    st = b.stats["val_accuracy"]
    np.testing.assert_array_equal(b.epochs, [1, 2, 3, 4])
    np.testing.assert_array_equal(st.count, [3, 3, 1, 2])  # a NaN entry counts as no value
    np.testing.assert_allclose(st.min, [0.1, 0.2, 0.7, 0.4])
    np.testing.assert_allclose(st.max, [0.5, 0.9, 0.7, 0.8])
    np.testing.assert_allclose(st.mean, [0.3, (0.6 + 0.2 + 0.9) / 3, 0.7, 0.6])
    assert b.spread().values == (0.4, 0.8)  # seeds 1 and 2: the two runs that did not diverge
    assert b.spread().text() == "60.0 % ± 28.3 (40.0–80.0) over 2 seeds (2 of 4 diverged)"
    everything_diverged = seeds.band([result(0, [], "diverged"), result(1, [0.2], "diverged")])
    assert everything_diverged.spread().text() == "all 2 seeds diverged"
    assert np.isnan(seeds.band([result(0, [])]).stats["val_loss"].mean).all()


def test_without_a_validation_set_the_spread_reads_training_accuracy():
    base = {**TINY, "data": {**TINY["data"], "val_fraction": 0.0}}
    b = seeds.band(seeds.SeedResult.from_row(s, row) for s, row in rows_of(base, [0, 1]).items())
    assert b.metric() == "train_accuracy"
    assert b.spread().status_text().startswith("Training accuracy over 2 seeds: ")
    assert (b.stats["val_loss"].count == 0).all() and (b.stats["train_loss"].count == 2).all()


def test_from_snapshot_agrees_with_from_row():
    row = sweep.run_one(with_seed(TINY, 4), curves=True)
    a, b = seeds.SeedResult.from_row(4, row), seeds.SeedResult.from_snapshot(4, independent(TINY, 4))
    assert a.status == b.status == "completed" and a.final == b.final
    for name in seeds.CURVES:
        np.testing.assert_array_equal(a.curves[name], b.curves[name])


def test_zero_initial_weights_on_full_batches_give_one_curve_for_every_seed():
    zeros = {"data": {"name": "blobs", "n_samples": 200, "val_fraction": 0.2, "seed": 0},
             "model": {"hidden": [2], "activation": "relu", "init": "zeros"},
             "train": {"optimizer": "gd", "lr": 0.5, "epochs": 20}}
    b = seeds.band(seeds.SeedResult.from_row(s, row) for s, row in rows_of(zeros, [0, 1, 2]).items())
    assert b.identical() and b.spread().sd == 0.0
    he = {**zeros, "model": {**zeros["model"], "init": "he"}}
    assert not seeds.band(seeds.SeedResult.from_row(s, row) for s, row in rows_of(he, [0, 1, 2]).items()).identical()
