"""Past one machine: a sweep handed to a real Dask cluster (dask.distributed.LocalCluster)
through joblib's dask backend gives the same numbers as joblib's local processes.

The cluster comes from the optional ``cluster`` extra, which the test command installs.
A machine without it skips these tests with the reason; under CI (``CI`` set) a missing
extra is a failure, so the path can never go untested there by accident.
"""

import csv
import importlib.util
import math
import os

import pytest
from cli_helpers import SMALL

from engine import sweep
from main import run_headless as main

HAVE_DASK = importlib.util.find_spec("dask") is not None and importlib.util.find_spec("distributed") is not None
if not HAVE_DASK and os.environ.get("CI"):
    raise RuntimeError('CI must test the Dask path: the test command installs the "cluster" extra (dask[distributed])')
pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(not HAVE_DASK, reason='the optional "cluster" extra (dask[distributed]) is not installed'),
]

BASE = {**SMALL, "train": {**SMALL["train"], "epochs": 4}}
GRID = ["--vary", "model.init=xavier,he", "--vary", "model.activation=tanh,relu", "--seeds", "0-1"]


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import LocalCluster

    # real worker processes, as a cluster's would be; no dashboard (it would open a web port)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


def rows_of(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_cli_sweep_on_a_local_cluster_equals_local_processes(cluster, tmp_path, write, capsys):
    base = write(BASE)
    here, there = tmp_path / "loky.csv", tmp_path / "dask.csv"
    assert main(["sweep", str(base), *GRID, "--jobs", "2", "--out", str(here)]) == 0
    assert main(["sweep", str(base), *GRID, "--backend", "dask", "--address", cluster.scheduler_address,
                 "--out", str(there)]) == 0
    capsys.readouterr()
    local, remote = rows_of(here), rows_of(there)
    assert len(local) == len(remote) == 8
    key = lambda r: (r["model.init"], r["model.activation"], r["seed"])
    assert sorted(local, key=key) == sorted(remote, key=key)  # every number, as written, equal


def test_the_window_grid_path_with_curves_on_a_local_cluster(cluster):
    """What the experiment grid asks for (per-epoch curves and the final boundary) crosses
    the cluster intact: the same arrays as from local processes."""
    import numpy as np

    runs = sweep.expand(BASE, [sweep.Axis("model.init", ("zeros", "he"))], [0, 1])
    with sweep.backend("loky", 2):
        local = {run.index: row for run, row in sweep.run_grid(runs, curves=True, boundary_resolution=12)}
    with sweep.backend("dask", -1, cluster.scheduler_address):
        remote = {run.index: row for run, row in sweep.run_grid(runs, curves=True, boundary_resolution=12)}
    assert sorted(local) == sorted(remote) == [0, 1, 2, 3]
    for index, row in local.items():
        other = remote[index]
        for name in sweep.CURVES:
            np.testing.assert_array_equal(row["history"][name], other["history"][name])
        np.testing.assert_array_equal(row["boundary"]["probs"], other["boundary"]["probs"])
        assert math.isclose(row["val_accuracy"], other["val_accuracy"], rel_tol=0, abs_tol=0)


def test_an_unreachable_scheduler_is_named(write, capsys, monkeypatch):
    monkeypatch.setattr(sweep, "DASK_CONNECT_SECONDS", 2)  # the refusal is immediate; this only bounds it
    assert main(["sweep", str(write(BASE)), "--backend", "dask", "--address", "tcp://127.0.0.1:9",
                 "--out", "s.csv"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --address: cannot reach the Dask scheduler tcp://127.0.0.1:9")
