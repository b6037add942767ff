"""The Parameters view: each curve is one column of History.parameters; identical units marked; hidden costs nothing."""

import json
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from engine.config import Config
from engine.session import Session
from gui.plots import VIEWS, style

ROOT = Path(__file__).resolve().parents[2]


def blobs(init, epochs=20):
    raw = json.loads((ROOT / "resources/configs/1a_blobs4_zeros_tanh.json").read_text())
    raw["model"]["init"] = init
    raw["train"]["epochs"] = epochs
    return Config.from_dict(raw)


def trained(cfg):
    s = Session(cfg)
    s.snapshot_every = 10**9
    return s, [x for x in s.run() if x is not None][-1]


def make(qtbot, cfg, s):
    style.setup_pyqtgraph()
    view = VIEWS["parameters"]()
    qtbot.addWidget(view)
    view.resize(450, 380)
    view.show()
    view.set_context(cfg, s.split)
    return view


def test_every_curve_is_one_column_of_the_record(qtbot):
    cfg = blobs("he")
    s, snap = trained(cfg)
    view = make(qtbot, cfg, s)
    view.update_snapshot(snap)
    h = snap.history
    assert view.pages.currentWidget() is view.scroll and len(view.panels) == 3 + 3  # per layer: 2 inputs + biases
    drawn = []
    for panel in view.panels:
        for curve, column in zip(panel.curves, panel.columns):
            x, y = curve.getData()
            np.testing.assert_array_equal(x, h.parameter_epochs)
            np.testing.assert_array_equal(y, h.parameters[:, column])
            drawn.append(int(column))
    assert sorted(drawn) == list(range(18))  # every parameter drawn once
    W1, b1 = h.parameter_columns(1)
    assert view.panels[1].columns.tolist() == W1[1].tolist() and view.panels[2].columns.tolist() == b1.tolist()
    titles = [p.plot.titleLabel.text for p in view.panels]
    assert titles[:3] == ["W1: from input 1", "W1: from input 2", "b1: biases"] and titles[3] == "W2: from unit 1"
    assert "unit 2 =" not in view.captions[0].text()  # He init: the two hidden units differ


def test_zeros_init_marks_the_identical_units(qtbot):
    cfg = blobs("zeros")
    s, snap = trained(cfg)
    view = make(qtbot, cfg, s)
    view.update_snapshot(snap)
    assert view.identical == [[0, 0], [0, 1, 2, 3]]  # hidden units one; output units differ (their biases)
    caption = view.captions[0].text()
    assert "unit 2 = unit 1" in caption and "lock-step" in caption
    first = view.panels[0]  # W1 from input 1: unit 2 dashed over unit 1, the same curve
    assert first.curves[1].opts["pen"].style() == Qt.DashLine and first.curves[0].opts["pen"].style() == Qt.SolidLine
    np.testing.assert_array_equal(first.curves[0].getData()[1], first.curves[1].getData()[1])


def test_a_network_of_over_100_parameters_gets_one_sentence(qtbot):
    cfg = Config()  # moons 2-8-8-2
    s, snap = trained(cfg.with_changes(train={"epochs": 2}))
    view = make(qtbot, cfg, s)
    view.update_snapshot(snap)
    assert view.pages.currentWidget() is view.note and view.panels == []
    assert view.note.text() == "This view shows networks of at most 100 parameters; this one has 114."


def test_it_redraws_only_when_the_epoch_count_changes(qtbot):
    cfg = blobs("he", epochs=3)
    s = Session(cfg)
    s.snapshot_every = s.steps_per_epoch
    snaps = [x for x in s.run() if x is not None]
    view = make(qtbot, cfg, s)
    view.update_snapshot(snaps[0])
    curve = view.panels[0].curves[0]
    calls = []
    original = curve.setData
    curve.setData = lambda *a, **k: (calls.append(1), original(*a, **k))
    view.update_snapshot(snaps[0])  # the same epochs: nothing drawn
    assert calls == []
    view.update_snapshot(snaps[1])
    assert len(calls) == 1 and len(curve.getData()[0]) == 3  # epochs 0, 1, 2
    view.reset()
    assert curve.getData()[0] is None or len(curve.getData()[0]) == 0
    view.update_snapshot(snaps[1])  # after a reset the same snapshot is drawn again
    assert len(calls) == 3


def test_before_training_it_shows_the_initial_weights(qtbot):
    cfg = blobs("he")
    s = Session(cfg)
    view = make(qtbot, cfg, s)
    view.update_snapshot(s.snapshot())
    x, y = view.panels[0].curves[0].getData()
    assert x.tolist() == [0] and y[0] == s.network.layers[0].W.value[0, 0]


def test_hidden_it_costs_nothing_and_shown_it_draws_the_latest(qtbot, window):
    view = window.views["parameters"]
    assert view.visibleRegion().isEmpty()  # by default behind the gradient flow tab (Qt calls it visible)
    from gui.menus import SPEEDS

    window.speed_slider.setValue(SPEEDS.index(250))  # a pace: the record stays short enough to draw undecimated
    window.play_pause()
    qtbot.waitUntil(lambda: window.shown is not None and window.shown.epoch >= 3, timeout=5000)
    assert view._latest is not None  # handed the snapshots ...
    assert view.panels == [] and view._epochs_drawn == -1  # ... but nothing built or drawn while covered
    window.dock_layout.docks["parameters"].raise_()
    qtbot.waitUntil(lambda: view._epochs_drawn > 0, timeout=5000)  # drawn once its tab is in front
    window.play_pause()
    qtbot.waitUntil(lambda: window.session.status == "paused", timeout=3000)
    qtbot.waitUntil(lambda: view._drawn is window.shown and window.latest is window.shown, timeout=3000)
    h = window.shown.history
    assert h.parameter_count == 74 and len(view.panels) == 3 + 7 + 7  # the fixture's 2-6-6-2 network
    assert len(h.parameter_epochs) <= 2048  # (past that, set_curve hands pyqtgraph a peak-decimated curve)
    for panel in view.panels:  # the data given to each curve (what it draws, before screen downsampling)
        for curve, column in zip(panel.curves, panel.columns):
            np.testing.assert_array_equal(curve.xData, h.parameter_epochs)
            np.testing.assert_array_equal(curve.yData, h.parameters[:, column])


def test_an_export_while_covered_shows_the_latest_records(qtbot, window, tmp_path):
    from gui import exports

    view = window.views["parameters"]
    window.step_epoch()
    qtbot.waitUntil(lambda: window.shown is not None and window.shown.epoch >= 1, timeout=3000)
    assert view.visibleRegion().isEmpty() and view.panels == []
    exports.export_view(view, str(tmp_path / "p.png"))
    assert view._epochs_drawn == len(window.shown.history.parameter_epochs) == 2  # epochs 0 and 1
    assert (tmp_path / "p.png").stat().st_size > 1000  # not blank (a covered tab is pictured at its small size)
