"""ARCHITECTURE.md's recipe holds: an activation with a parameter is one class in the registry.

A fresh interpreter registers a new activation (as adding it to the tuple in
engine/activations.py would) before anything reads the registry; the
configuration, the network, the Network panel and the probe command then know
its parameter with no other change.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r'''
import json, os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import numpy as np
from engine import activations
from engine.schema import Param


class Scaled(activations.Activation):
    """f(z) = gain * tanh(z);  f'(z) = gain * (1 - tanh(z)^2)."""

    name = "scaled_tanh"
    title = "Scaled tanh"
    schema = (Param("scaled_gain", "float", 1.5, 0.0, 5.0, lo_open=True, arg="gain", label="Tanh gain",
                    tip="How far the output reaches."),)
    description = "tanh stretched by a gain."

    def forward(self, z):
        return self.gain * np.tanh(z)

    def derivative(self, z):
        return self.gain * (1.0 - np.tanh(z) ** 2)

    max_derivative = property(lambda self: self.gain)


activations.ACTIVATIONS[Scaled.name] = Scaled  # what one more entry in the tuple does

from engine.config import Config, ConfigError
from engine.session import Session

out = {}
cfg = Config.from_dict({"model": {"activation": "scaled_tanh", "scaled_gain": 2.5}, "train": {"epochs": 2}})
out["value"] = cfg.model.scaled_gain
out["saved"] = cfg.to_dict()["model"]["scaled_gain"]
out["layer"] = repr(Session(cfg).network.layers[0].activation)
try:
    Config.from_dict({"model": {"scaled_gain": 9}})
except ConfigError as err:
    out["error"] = str(err)

from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.panels import NetworkPanel
panel = NetworkPanel()
panel.set_values(cfg.model)
box = panel.act_params["scaled_gain"]
out["row"] = [panel.form.labelForField(box).text(), panel.form.isRowVisible(box), box.value()]
out["round_trip"] = Config.from_dict({"model": panel.values()}).model == cfg.model

from engine.cli import main
lines = []
out["probe"] = main(["probe", "--activation", "scaled_tanh", "--scaled-gain", "2", "--depth", "2"],
                    lines.append, lines.append)
out["probe_head"] = lines[0]
print(json.dumps(out))
'''


def test_an_activation_with_a_parameter_is_one_class():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["value"] == 2.5 and out["saved"] == 2.5
    assert out["layer"] == "scaled_tanh(gain=2.5)"
    assert out["error"] == "model.scaled_gain: must be > 0 and <= 5, got 9"
    assert out["row"] == ["Tanh gain", True, 2.5]
    assert out["round_trip"] is True
    assert out["probe"] == 0 and out["probe_head"].startswith("2 layers of 100 scaled_tanh units")
