"""The benchmark workloads, described once and built for both sides (ours and PyTorch).

Each workload is plain data (architecture, data, optimiser, batch regime), so
the PyTorch peer process can rebuild the same problem from the same numbers.
"""

from __future__ import annotations

import numpy as np

# name -> description; "data" names how the arrays are made (see make_data)
WORKLOADS = {
    "2-2-4 sigmoid, blobs, full batch": {
        "data": "blobs", "hidden": [2], "activation": "sigmoid", "head": "softmax",
        "optimizer": "gd", "lr": 0.5, "batch": None, "replacement": False, "target": 3.0},
    "2-16-16-2 sigmoid, moons, batch 32": {
        "data": "moons", "hidden": [16, 16], "activation": "sigmoid", "head": "softmax",
        "optimizer": "sgd", "lr": 0.1, "batch": 32, "replacement": False, "target": 1.5},
    "2-16-16-2 sigmoid, moons, full batch": {
        "data": "moons", "hidden": [16, 16], "activation": "sigmoid", "head": "softmax",
        "optimizer": "gd", "lr": 0.5, "batch": None, "replacement": False, "target": 1.5},
    "iris 10x10 sigmoid, batch 128 with replacement": {
        "data": "iris_binary", "hidden": [10] * 10, "activation": "sigmoid", "head": "sigmoid",
        "optimizer": "sgd", "lr": 0.1, "batch": 128, "replacement": True, "target": 3.0},
    "5x100 sigmoid, 1000x100 Gaussian, full batch": {
        "data": "gaussian100", "hidden": [100] * 5, "activation": "sigmoid", "head": "softmax",
        "optimizer": "gd", "lr": 0.1, "batch": None, "replacement": False, "target": 0.9},
    "64-64-64 relu, 10k spiral, batch 256 adam": {
        "data": "spiral10k", "hidden": [64, 64, 64], "activation": "relu", "head": "softmax",
        "optimizer": "adam", "lr": 0.003, "batch": 256, "replacement": False, "target": 0.9},
}


def make_data(kind: str):
    """(X_train, y_train, n_classes) — standardised training arrays, identical for both sides."""
    from engine import datasets

    if kind == "gaussian100":
        rng = np.random.default_rng(0)
        X = rng.standard_normal((1000, 100))
        y = rng.integers(0, 2, 1000)
        return X, y, 2
    if kind == "spiral10k":
        ds = datasets.make("spiral", n_samples=10_000, noise=0.05, seed=0)
    elif kind == "blobs":
        ds = datasets.make("blobs", n_samples=1000, seed=0)
    elif kind == "moons":
        ds = datasets.make("moons", n_samples=1000, noise=0.2, seed=0)
    else:
        ds = datasets.make(kind, seed=0)
    val = 0.1 if ds.X.shape[0] >= 1000 else 0.0
    sp = datasets.split(ds, val_fraction=val, seed=0)
    return sp.X_train, sp.y_train, ds.n_classes
