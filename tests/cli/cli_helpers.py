"""Shared constants of the command-line tests (imported by name: tests/cli is on sys.path)."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: trains in a few milliseconds: 160 training points, two small tanh layers, 8 epochs
SMALL = {"data": {"name": "moons", "n_samples": 200, "val_fraction": 0.2},
         "model": {"hidden": [6, 5], "activation": "tanh"},
         "train": {"optimizer": "adam", "lr": 0.05, "epochs": 8, "batch_size": 32}}


def strict_json(text: str):
    """json.loads that refuses NaN and Infinity, which strict JSON readers reject."""
    def refuse(token):
        raise ValueError(f"non-standard JSON constant {token}")
    return json.loads(text, parse_constant=refuse)
