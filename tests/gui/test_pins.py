"""Pinned runs in the window: pin, name, draw, hide, restore, save and open, export."""

import csv
import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox

from engine.config import Config
from engine.pins import MAX_PINS
from gui.plots import style
from gui.plots.pinned import PIN_COLOURS

FRESH = {"data": {"name": "moons", "n_samples": 120, "seed": 1}, "model": {"hidden": [4], "init": "normal"},
         "train": {"epochs": 50}}


@pytest.fixture
def warnings_shown(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    return shown


def train(qtbot, window, epochs=3, **changes):
    """Rebuild with ``changes`` (if any), then train ``epochs`` epochs through the Step action."""
    if changes:
        window.apply_config(window.session.config.with_changes(**changes))
    for k in range(1, epochs + 1):
        window.step_epoch()
        qtbot.waitUntil(lambda k=k: window.session.epoch >= k and window.shown is not None
                        and window.shown.epoch >= k, timeout=5000)


def pin(qtbot, window, epochs=3, **changes):
    train(qtbot, window, epochs, **changes)
    before = len(window.pins.runs)
    qtbot.keyClick(window, Qt.Key_P)
    assert len(window.pins.runs) == before + 1
    return window.pins.runs[-1]


def click_item(qtbot, view, item):
    """A real mouse click on a legend item, once the layout has placed it (nothing lies over it)."""
    def centre():
        c = view.mapFromScene(item.sceneBoundingRect().center())
        return QPoint(c.x(), c.y())

    def on_top():
        under = view.items(centre())
        return item.isVisible() and under and (under[0] is item or under[0].parentItem() is item)

    qtbot.waitUntil(on_top, timeout=3000)
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=centre())


def same_history(a, b):
    return all(np.array_equal(getattr(a, key), getattr(b, key), equal_nan=True)
               for key in ("epochs", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "grad_mean_abs"))


def test_pin_names_removal_and_remove_all(qtbot, window):
    first = pin(qtbot, window)
    assert first.name == "Xavier · Tanh · seed 0" and first.epochs == 3
    assert same_history(first.history, window.session.history())
    assert first.config == window.session.config
    second = pin(qtbot, window, 2, train={"lr": 0.1}, model={"init": "he", "activation": "relu"})
    assert second.name == "He · ReLU · seed 0 · lr 0.1" and second.epochs == 2
    assert second.colour != first.colour
    assert "snapshot" in window.pins.pin_action.toolTip() and window.pins.pin_action.shortcut().toString() == "P"
    restore = [a.text() for a in window.pins.restore_menu.actions()]
    assert restore == [first.name, second.name]
    window.pins.remove_menu.actions()[0].trigger()
    assert window.pins.runs == [second]
    assert window.views["loss"].pins.runs() == [second]
    window.pins.clear_action.trigger()
    assert window.pins.runs == [] and not window.pins.remove_menu.isEnabled()
    assert window.views["loss"].pins.runs() == [] and window.views["gradients"].pins.runs() == []
    assert not window.pins.clear_action.isEnabled() and not window.pins.export_action.isEnabled()


def test_nothing_to_pin_before_the_first_epoch(qtbot, window):
    assert window.pins.pin() is None
    assert window.pins.runs == [] and "train at least one epoch" in window.statusBar().currentMessage()


def test_the_letter_p_in_a_spin_box_does_not_pin(qtbot, window):
    train(qtbot, window, 1)
    box = window.training_panel.lr
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClick(box, Qt.Key_P)
    assert window.pins.runs == []
    qtbot.keyClick(window, Qt.Key_P)
    assert len(window.pins.runs) == 1


def test_a_ninth_pin_replaces_the_oldest_and_colours_stay_distinct(qtbot, window):
    train(qtbot, window, 1)
    for seed in range(MAX_PINS + 1):
        config = window.session.config.with_changes(train={"seed": seed})
        window.pins.add(window.pins.make_pin(config, window.session.history(), window.session.initial_weights()))
    runs = window.pins.runs
    assert len(runs) == MAX_PINS and [r.config.train.seed for r in runs] == list(range(1, MAX_PINS + 1))
    assert sorted(r.colour for r in runs) == list(range(MAX_PINS))
    assert window.pins.pin() is not None  # through the action's slot: a status message says who went
    assert "the oldest" in window.statusBar().currentMessage() and len(window.pins.runs) == MAX_PINS


def test_pin_colours_differ_from_each_other_and_from_the_live_curves():
    def rgb(c):
        q = QColor(c)
        return np.array([q.red(), q.green(), q.blue()], dtype=float)

    live = [style.TRAIN, style.VALID, "#969696", *style.PALETTE[:4]]  # the ghost is grey
    assert len(set(PIN_COLOURS)) == MAX_PINS
    for i, c in enumerate(PIN_COLOURS):
        others = [*PIN_COLOURS[:i], *PIN_COLOURS[i + 1:], *live]
        assert min(np.linalg.norm(rgb(c) - rgb(o)) for o in others) > 60, c


def test_overlays_hold_the_pinned_histories_and_the_legend_hides_them(qtbot, window):
    a = pin(qtbot, window, 3)
    b = pin(qtbot, window, 2, train={"seed": 4})
    loss, grads = window.views["loss"], window.views["gradients"]
    for run in (a, b):
        val, acc, train_loss = loss.pins.curves_of(run)
        h = run.history
        for curve, y in ((val, h.val_loss), (acc, h.val_accuracy), (train_loss, h.train_loss)):
            x_drawn, y_drawn = curve.getData()
            assert np.array_equal(x_drawn, h.epochs) and np.array_equal(y_drawn, y)
        assert val.zValue() < loss.val_loss.zValue()  # the live run stays in front
        lines = grads.pins.curves_of(run)
        assert len(lines) == h.grad_mean_abs.shape[1]
        for i, line in enumerate(lines):
            np.testing.assert_allclose(line.getData()[1], np.log10(h.grad_mean_abs[:, i]))  # a log axis
    # a click on the legend's line hides the run's curves, a second shows them again
    sample = loss.pins.sample_of(a)
    click_item(qtbot, loss.graphics, sample)
    assert not loss.pins.is_visible(a) and not any(c.isVisible() for c in loss.pins.curves_of(a))
    assert all(c.isVisible() for c in loss.pins.curves_of(b))
    click_item(qtbot, loss.graphics, sample)
    assert all(c.isVisible() for c in loss.pins.curves_of(a))
    # its name toggles it too
    label = next(label for s, label in loss.pin_legend.items if s is sample)
    click_item(qtbot, loss.graphics, label)
    assert not loss.pins.is_visible(a)
    # gradient flow: the same, for all of a run's layer lines
    grads.pins.set_visible(b, False)
    assert not any(c.isVisible() for c in grads.pins.curves_of(b))


def test_pins_survive_a_rebuild_a_lesson_and_a_reset(qtbot, window):
    run = pin(qtbot, window, 2)
    curves = window.views["loss"].pins.curves_of(run)
    window.apply_config(window.session.config.with_changes(model={"hidden": [3]}))
    window.open_lesson(window.lessons[0])
    window.reset_run()
    assert window.pins.runs == [run]
    loss = window.views["loss"]
    assert loss.pins.curves_of(run) == curves and all(c in loss.loss_plot.items or c in loss.acc_plot.items
                                                      for c in curves)
    assert np.array_equal(curves[0].getData()[1], run.history.val_loss)
    assert all(line in window.views["gradients"].time_plot.items
               for line in window.views["gradients"].pins.curves_of(run))
    # a lesson's axes show its own runs: the earlier pin is hidden (still pinned), a click shows it
    assert not loss.pins.is_visible(run) and not window.views["gradients"].pins.is_visible(run)
    assert "hidden" in window.statusBar().currentMessage()
    loss.pins.set_visible(run, True)
    assert all(c.isVisible() for c in loss.pins.curves_of(run))


def test_restore_brings_back_the_configuration_and_the_very_initial_weights(qtbot, window):
    run = pin(qtbot, window, 2, train={"lr": 0.05})
    train(qtbot, window, 1, train={"seed": 9, "lr": 0.2}, model={"activation": "relu"})
    assert window.pins.restore(run)
    qtbot.waitUntil(lambda: window.session.config == run.config, timeout=5000)
    assert window.training_panel.seed.value() == 0 and window.network_panel.activation.currentData() == "tanh"
    assert window.session.epoch == 0
    for (W, b), (W0, b0), layer in zip(window.session.initial_weights(), run.initial, window.session.network.layers):
        assert np.array_equal(W, W0) and np.array_equal(b, b0) and np.array_equal(layer.W.value, W0)
    # exact even when the stored weights are not what the seed would draw
    odd = [(W + 0.25, b - 0.5) for W, b in run.initial]
    custom = window.pins.make_pin(run.config, run.history, odd)
    window.pins.add(custom)
    window.pins.restore_menu.actions()[-1].trigger()
    qtbot.waitUntil(lambda: np.array_equal(window.session.initial_weights()[0][0], odd[0][0]), timeout=5000)
    assert all(np.array_equal(W, W0) and np.array_equal(b, b0)
               for (W, b), (W0, b0) in zip(window.session.initial_weights(), odd))
    train(qtbot, window, 1)  # and it trains from them


def test_session_file_reopens_in_a_fresh_window(qtbot, window, tmp_path):
    from gui.app import create_window

    a = pin(qtbot, window, 3)
    b = pin(qtbot, window, 2, model={"init": "he"}, train={"lr": 0.07})
    window.pins.remove(a)
    c = pin(qtbot, window, 1, data={"val_fraction": 0.0})
    path = tmp_path / "lesson.alab.json"
    window.pins.save_session(str(path))
    saved_config = window.session.config
    raw = json.loads(path.read_text())
    assert raw["version"] == 1 and [p["name"] for p in raw["pins"]] == [b.name, c.name]

    fresh = create_window(Config.from_dict(FRESH))
    qtbot.addWidget(fresh)
    try:
        assert fresh.pins.open_session(str(path))
        qtbot.waitUntil(lambda: len(fresh.pins.runs) == 2, timeout=5000)
        assert fresh.session.config == saved_config
        for got, want in zip(fresh.pins.runs, [b, c]):
            assert (got.name, got.colour, got.config) == (want.name, want.colour, want.config)
            assert same_history(got.history, want.history)
            assert np.array_equal(got.history.histogram_counts, want.history.histogram_counts)
            assert np.array_equal(got.history.histogram_edges, want.history.histogram_edges)
            assert all(np.array_equal(W, W0) and np.array_equal(b_, b0)
                       for (W, b_), (W0, b0) in zip(got.initial, want.initial))
        assert [r.name for r in fresh.views["loss"].pins.runs()] == [b.name, c.name]
    finally:
        fresh.shutdown()


@pytest.mark.parametrize("spoil, says", [
    (lambda raw: raw.pop("config"), "config: is missing"),
    (lambda raw: raw.update(version=7), "version: must be 1"),
    (lambda raw: raw["pins"][0]["history"]["train_loss"].pop(), "pins[0].history.train_loss: must have 2 values"),
    (lambda raw: raw["pins"][0].pop("initial_weights"), "pins[0].initial_weights: is missing"),
    (None, "is not valid JSON"),
])
def test_a_bad_session_file_is_refused_by_field_and_changes_nothing(qtbot, window, tmp_path, warnings_shown,
                                                                    spoil, says):
    run = pin(qtbot, window, 2)
    path = tmp_path / "bad.alab.json"
    window.pins.save_session(str(path))
    if spoil is None:
        path.write_text(path.read_text()[:-40])
    else:
        raw = json.loads(path.read_text())
        spoil(raw)
        path.write_text(json.dumps(raw))
    window.pins.clear()
    window.pins.add(run)
    session = window.session
    assert not window.pins.open_session(str(path))
    title, text = warnings_shown[-1]
    assert title == "Not a valid session" and says in text and "unchanged" in text
    assert text.splitlines()[2].count(":") >= 1  # the field, then its rule, on one line
    assert window.pins.runs == [run] and window.session is session


def test_csv_export_has_one_row_per_run_and_epoch(qtbot, window, tmp_path):
    a = pin(qtbot, window, 3)
    b = pin(qtbot, window, 2, model={"hidden": [5, 5, 5]})
    path = tmp_path / "pins.csv"
    window.pins.export_csv(str(path))
    rows = list(csv.DictReader(path.open()))
    assert [(r["run"], int(r["epoch"])) for r in rows] == [(a.name, 1), (a.name, 2), (a.name, 3),
                                                          (b.name, 1), (b.name, 2)]
    for row, (run, e) in zip(rows, [(a, 0), (a, 1), (a, 2), (b, 0), (b, 1)]):
        h = run.history
        assert float(row["val_loss"]) == h.val_loss[e] and float(row["train_loss"]) == h.train_loss[e]
        assert float(row["val_accuracy"]) == h.val_accuracy[e]
        assert float(row["output_grad_mean_abs"]) == h.grad_mean_abs[e, -1]
        assert row["hidden"] == " ".join(str(w) for w in run.config.model.hidden)
    assert rows[0]["layer3_grad_mean_abs"] == "" and rows[-1]["layer3_grad_mean_abs"] != ""


def test_session_entries_sit_in_the_file_menu(window):
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    texts = [a.text().replace("&", "") for a in file_menu.actions()]  # (each entry has its letter)
    at = texts.index(window.save_action.text().replace("&", ""))
    assert texts[at + 1:at + 3] == ["Open session…", "Save session…"]
    compare = [a.text().replace("&", "") for a in window.compare_menu.actions()]
    assert compare[:5] == ["Pin this run", "Restore pinned run", "Remove pinned run", "Remove all pinned runs",
                           "Export pinned runs as CSV…"]


def test_compare_with_a_pin_outlines_its_histograms_at_the_live_epoch(qtbot, window):
    run = pin(qtbot, window, 3)
    train(qtbot, window, 2, train={"seed": 4})
    view, grads = window.views["activations"], window.views["gradients"]
    combo = view.compare_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["None", run.name]
    combo.setCurrentIndex(1)
    assert view.compared() is run and grads.compare_run is run
    # the nearest record at or before the live epoch (the session may skip recording an epoch)
    used, layers = run.history.histograms_at(window.shown.epoch)
    assert used <= 2
    for i, lp in enumerate(view.layer_plots):  # each hidden layer: the pinned run's a = f(z), same epoch
        edges, counts = lp.compare.getData()
        assert lp.compare.isVisible() and np.array_equal(counts, layers[i][0].counts)
        assert np.array_equal(edges, layers[i][0].edges)
    assert view.compare_note.text() == f"Outlines: {run.name} at epoch {used}."
    grads.layer_combo.setCurrentIndex(len(layers) - 1)  # the output layer's gradients
    assert np.array_equal(grads.compare_hist.getData()[1], layers[-1][1].counts)
    # past the pinned run's end: its last recorded epoch, said so
    train(qtbot, window, 5)
    last, last_layers = run.history.histograms_at(5)
    assert last == run.history.histogram_epochs[-1] <= 3
    assert view.compare_note.text() == f"Outlines: {run.name} at epoch {last}."
    assert np.array_equal(view.layer_plots[0].compare.getData()[1], last_layers[0][0].counts)
    combo.setCurrentIndex(0)
    assert not any(lp.compare.isVisible() for lp in view.layer_plots) and not grads.compare_hist.isVisible()
    # a removed pin leaves the combo, and the outlines with it
    combo.setCurrentIndex(1)
    window.pins.clear()
    assert combo.count() == 1 and view.compared() is None and not view.layer_plots[0].compare.isVisible()


def test_a_name_from_a_session_file_is_shown_as_text(qtbot, window, tmp_path):
    run = pin(qtbot, window, 1)
    path = tmp_path / "names.alab.json"
    window.pins.save_session(str(path))
    raw = json.loads(path.read_text())
    raw["pins"][0]["name"] = "<b>bold</b> & <img src=x>"
    path.write_text(json.dumps(raw))
    window.pins.clear()
    assert window.pins.open_session(str(path))
    qtbot.waitUntil(lambda: len(window.pins.runs) == 1, timeout=5000)
    name = window.pins.runs[0].name
    assert name == "<b>bold</b> & <img src=x>" and run.name != name
    label = window.views["loss"].pin_legend.items[0][1]
    assert label.text == "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=x&gt;"  # pyqtgraph reads HTML: escaped
    assert window.views["activations"].compare_combo.itemText(1) == name
    entry = window.pins.restore_menu.actions()[0]
    assert entry.text() == "<b>bold</b> && <img src=x>" and "&lt;b&gt;" in entry.toolTip()
