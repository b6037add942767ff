"""A configuration the engine accepts comes back from the window exactly as it went in.

Random valid configurations over the whole schema (tests/configgen.py draws
every setting from its own Param) go into the panels, or through File ▸ Open
into the window, and ``current_config()`` must equal them field by field —
also after looking at another data set or lesson and coming back.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from configgen import random_config, write_csv  # noqa: E402


def _differences(want: Config, got: Config) -> list[str]:
    a, b = want.to_dict(), got.to_dict()
    return [f"{s}.{k}: {a[s][k]!r} -> {b[s].get(k)!r}" for s in a for k in a[s] if a[s][k] != b[s].get(k)]


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory):
    return write_csv(tmp_path_factory.mktemp("data") / "three.csv")


def test_panels_keep_every_valid_configuration_exactly(qtbot, csv_file):
    from gui.panels import DataPanel, NetworkPanel, TrainingPanel

    panels = DataPanel(), NetworkPanel(), TrainingPanel()
    for p in panels:
        qtbot.addWidget(p)
    rng = np.random.default_rng(2026)
    for _ in range(400):
        want = Config.from_dict(random_config(rng, csv_file))
        for panel, section in zip(panels, (want.data, want.model, want.train)):
            panel.set_values(section)
        got = Config.from_dict({"data": panels[0].values(), "model": panels[1].values(),
                                "train": panels[2].values()})
        assert got == want, _differences(want, got)


def test_window_opens_and_reads_back_every_configuration(qtbot, window, tmp_path, csv_file, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    refused = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: refused.append(a[2])))
    rng = np.random.default_rng(60)
    same = 0
    for i in range(60):
        raw = random_config(rng, csv_file)
        path = tmp_path / f"c{i}.json"
        path.write_text(json.dumps(raw), encoding="utf-8")
        assert window.open_config(str(path)), refused
        qtbot.waitUntil(lambda: not window.builds.busy, timeout=20000)  # a big one is built in its thread
        want = Config.from_dict(raw)
        got = window.current_config()
        assert got == want, _differences(want, got)
        assert window.session.config == want
        same += 1
    assert same == 60 and not refused


def test_looking_at_another_data_set_and_back_keeps_the_configuration(qtbot, window, tmp_path, csv_file):
    rng = np.random.default_rng(5)
    combo = window.data_panel.dataset
    for i in range(12):
        raw = random_config(rng, csv_file)
        if raw["data"]["name"] == "csv":
            continue
        path = tmp_path / f"c{i}.json"
        path.write_text(json.dumps(raw), encoding="utf-8")
        assert window.open_config(str(path))
        qtbot.waitUntil(lambda: not window.builds.busy, timeout=20000)  # a big one is built in its thread
        want = Config.from_dict(raw)
        home = combo.currentIndex()
        other = (home + 1) % combo.count()
        if combo.itemData(other) == "csv":
            other = (other + 1) % combo.count()
        combo.setCurrentIndex(other)
        assert window.current_config().data.name == combo.itemData(other)
        combo.setCurrentIndex(home)
        got = window.current_config()
        assert got == want, _differences(want, got)


def test_a_lesson_then_another_then_the_first_again_is_the_lesson_exactly(window):
    first, second = window.lessons[0], window.lessons[1]
    window.open_lesson(first)
    window.open_lesson(second)
    assert window.current_config() == second.config
    window.open_lesson(first)
    assert window.current_config() == first.config
