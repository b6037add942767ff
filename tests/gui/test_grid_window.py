"""The experiment grid window (Compare ▸ Experiment grid…) driven through its widgets: its heat map
holds the rows' numbers, Cancel ends the thread within a second and keeps the finished cells, a
worker that dies marks the rest failed, and a click on a cell reproduces that run exactly."""

import os
import signal
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from engine import activations, initializers, sweep
from engine.config import Config
from engine.session import Session
from gui.grid.heatmap import cell_lines
from gui.grid.runner import Backend

LONG_EPOCHS = 1500  # a run of the test window's network this long takes a second or more


def open_grid(window):
    window.grid.action.trigger()  # Compare ▸ Experiment grid…
    g = window.grid.window
    assert g is not None and g.isVisible()
    return g


def choose(picker, key):
    picker.field_box.setCurrentIndex(picker.field_box.findData(key))


def tick(picker, values):
    for k in range(picker.choices.count()):
        item = picker.choices.item(k)
        item.setCheckState(Qt.Checked if item.data(Qt.UserRole) in values else Qt.Unchecked)


def set_up(g, rows=("xavier", "he"), cols=("tanh", "relu"), seeds=2, epochs=3):
    choose(g.rows, "model.init")
    tick(g.rows, rows)
    choose(g.cols, "model.activation")
    tick(g.cols, cols)
    g.seed_count.setValue(seeds)
    g.first_seed.setValue(0)
    g.epochs.setValue(epochs)
    g.workers.setValue(2)


def wait_done(qtbot, g, timeout=90_000):
    qtbot.waitUntil(lambda: not g.is_running(), timeout=timeout)
    qtbot.wait(20)  # the last queued signals


def loky_workers():
    """The process ids of the grid's own pool (not joblib's shared executor, which other tests
    in this process may have left running)."""
    from gui.grid import runner

    pool = runner._POOL
    return sorted(pool[0]._processes) if pool is not None else []


def test_the_menu_opens_one_window_that_is_reused(window):
    g = open_grid(window)
    g.close()
    assert open_grid(window) is g
    assert g.rows.key == "model.init" and g.cols.key == "model.activation"
    assert g.rows.choices.count() == len(initializers.INITIALIZERS)  # every registry entry, as a check box
    assert g.cols.choices.count() == len(activations.ACTIVATIONS)


def test_a_tiny_grid_in_worker_processes_fills_the_heat_map_with_its_rows(qtbot, window, tmp_path):
    g = open_grid(window)
    set_up(g)
    qtbot.mouseClick(g.run_button, Qt.LeftButton)
    assert g.is_running() and not g.run_button.isEnabled()
    wait_done(qtbot, g)
    assert g.status_text.startswith("Done: 8 runs") and g.results.finished == 8
    assert g.heatmap.row_titles == [initializers.Xavier.title, initializers.He.title]
    for i in range(2):
        for j in range(2):
            stats = g.heatmap.stats(i, j)
            accs = [g.results.rows[k]["val_accuracy"] for k in range(8) if g.spec.cell_of(k) == (i, j)]
            assert stats.runs == 2 and stats.mean == np.mean(accs) and stats.sd == pytest.approx(np.std(accs, ddof=1))
            assert (stats.min, stats.max) == (min(accs), max(accs))
            assert cell_lines(stats)[:2] == (f"{np.mean(accs):.3f} ± {np.std(accs, ddof=1):.3f}",
                                             f"({min(accs):.3f}–{max(accs):.3f})")
    run = g.results.run_at(1, 1, 1)  # he x relu, seed 1: the row is that configuration's own run
    assert run.config["model"]["init"] == "he" and run.config["train"]["seed"] == 1
    assert sweep.run_one(run.config)["val_accuracy"] == g.results.rows[run.index]["val_accuracy"]
    assert g.results.cell(0, 0).boundary[2].shape[:2] == (40, 40)  # moons are 2-D: a boundary per cell

    g.export_csv(str(tmp_path / "grid.csv"))
    lines = (tmp_path / "grid.csv").read_text().splitlines()
    assert lines[0] == ",".join(["model.init", "model.activation", "seed", *sweep.RESULT_FIELDS]) and len(lines) == 9
    for view, name in ((g.heatmap, "heat"), (g.multiples, "multiples")):
        from gui.exports import export_view

        export_view(view, str(tmp_path / f"{name}.png"))
        export_view(view, str(tmp_path / f"{name}.svg"))
        assert not QImage(str(tmp_path / f"{name}.png")).isNull()
        assert "<svg" in (tmp_path / f"{name}.svg").read_text()


def test_cancel_keeps_the_finished_cells_and_ends_the_thread_within_a_second(qtbot, window):
    g = open_grid(window)
    set_up(g, seeds=3, epochs=LONG_EPOCHS)
    assert g.start()
    qtbot.waitUntil(lambda: g.results is not None and g.results.finished >= 1, timeout=90_000)
    assert g.is_running()
    ended = []
    g.run.qthread.finished.connect(lambda: ended.append(time.perf_counter()), Qt.DirectConnection)
    clicked = time.perf_counter()
    qtbot.mouseClick(g.cancel_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(ended), timeout=5000)
    assert ended[0] - clicked < 1.0
    wait_done(qtbot, g)
    kept = dict(g.results.rows)
    assert 1 <= len(kept) < 12 and g.status_text.startswith(f"Cancelled: {len(kept)} of 12 runs finished")
    qtbot.wait(300)
    assert g.results.rows.keys() == kept.keys() and not g.results.failures  # nothing more came in
    assert sum(g.heatmap.stats(i, j).runs for i in range(2) for j in range(2)) == len(kept)
    assert g.run_button.isEnabled() and not g.cancel_button.isEnabled()


def test_a_worker_process_that_dies_marks_the_unfinished_cells_failed(qtbot, window):
    g = open_grid(window)
    set_up(g, seeds=3, epochs=LONG_EPOCHS)
    assert g.start()
    qtbot.waitUntil(lambda: g.results is not None and g.results.finished >= 1, timeout=90_000)
    workers = loky_workers()
    assert workers
    os.kill(workers[0], signal.SIGKILL)
    wait_done(qtbot, g, timeout=30_000)
    finished = set(g.results.rows)
    assert finished and set(g.results.failures) == set(range(12)) - finished
    assert "a worker process died" in g.status_text and "Traceback" not in g.status_text
    assert not g.error_label.isVisible()  # a run failure, said in the status line; the set-up was fine
    for i in range(2):
        for j in range(2):
            stats = g.heatmap.stats(i, j)
            assert stats.runs + stats.failed == 3
            if stats.failed:
                assert "a worker process died" in stats.reason
    g.epochs.setValue(3)
    assert g.start()  # the next grid starts afresh, on new worker processes
    wait_done(qtbot, g)
    assert g.results.finished == 12 and not g.results.failures


def test_a_click_on_a_cell_opens_that_run_in_the_main_window_exactly(qtbot, window):
    g = open_grid(window)
    set_up(g, epochs=4)
    assert g.start(backend=Backend("threading", 2))
    wait_done(qtbot, g)
    qtbot.mouseClick(g.heatmap, Qt.LeftButton, pos=g.heatmap.cell_rect(1, 0).center())  # he x tanh
    menu = g.seed_popup
    assert menu is not None and menu.isVisible()
    seeds = [a for a in menu.actions() if a.data() is not None]
    assert [a.data() for a in seeds] == [0, 1]
    row = g.results.rows[g.results.run_at(1, 0, 1).index]
    assert seeds[1].text() == f"seed 1 · val accuracy {row['val_accuracy']:.3f}"
    seeds[1].trigger()  # choosing seed 1 in the click's menu
    menu.close()
    config = Config.from_dict(g.results.run_at(1, 0, 1).config)
    qtbot.waitUntil(lambda: window.session is not None and window.session.config == config, timeout=10_000)
    assert window.current_config() == config
    fresh = Session(config)
    shown, own = window.session.network.get_weights(), fresh.network.get_weights()
    assert len(shown) == len(own) == 3
    for (w1, b1), (w2, b2) in zip(shown, own):  # the same seed: the same initial weights
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)
    pin = window.pins.runs[-1]  # and pinned, with the grid's curves and those initial weights
    assert pin.name == "He · Tanh · seed 1" and pin.config == config
    assert g.statusBar().currentMessage().startswith("Opened and pinned “He · Tanh · seed 1”")
    np.testing.assert_array_equal(pin.history.val_accuracy, row["history"]["val_accuracy"])
    np.testing.assert_array_equal(pin.history.grad_mean_abs, row["history"]["grad_mean_abs"])
    for (w1, b1), (w2, b2) in zip(pin.initial, own):
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)
    np.testing.assert_array_equal(window.views["loss"].pins.curves_of(pin)[0].getData()[1],
                                  row["history"]["val_loss"])
    window.controller.play()
    qtbot.waitUntil(lambda: window.session.status == "completed", timeout=20_000)
    assert window.session.history().val_accuracy[-1] == row["val_accuracy"]  # trained there: the grid's number


def test_bad_input_is_named_in_one_line_and_nothing_runs(qtbot, window):
    g = open_grid(window)
    set_up(g)
    tick(g.rows, ())
    qtbot.mouseClick(g.run_button, Qt.LeftButton)
    assert g.error_label.text() == "Initialiser (rows): has no values; tick or type at least one"
    assert g.run is None
    choose(g.rows, "train.lr")
    assert g.rows.numbers.isVisible() and g.rows.numbers.text() == "0.003, 0.03, 0.3"  # around the base's rate
    g.rows.numbers.setText("0.1, 500")
    qtbot.mouseClick(g.run_button, Qt.LeftButton)
    assert g.error_label.text() == "Learning rate: must be > 0 and <= 100, got 500"
    choose(g.cols, "train.lr")
    g.rows.numbers.setText("0.1")
    qtbot.mouseClick(g.run_button, Qt.LeftButton)
    assert g.error_label.text() == "Learning rate (columns): is the rows' setting too; choose another"
    assert g.run is None and g.results is None


def test_a_grid_over_2000_runs_asks_first(qtbot, window, monkeypatch):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kw: asked.append(args[2]) or QMessageBox.No)
    g = open_grid(window)
    set_up(g, rows=tuple(initializers.INITIALIZERS), cols=tuple(activations.ACTIVATIONS), seeds=20)
    g.update_estimate()
    assert g.estimate_label.text().startswith("110 cells × 20 seeds = 2,200 runs, about ")
    assert "ask" in g.estimate_label.text()
    assert g.start() is False and g.run is None
    assert len(asked) == 1 and "2,200 runs" in asked[0] and "about" in asked[0]


def test_closing_the_grid_or_the_main_window_cancels_the_run(qtbot, window):
    g = open_grid(window)
    set_up(g, seeds=3, epochs=LONG_EPOCHS)
    assert g.start()
    qtbot.waitUntil(lambda: g.results is not None, timeout=30_000)
    start = time.perf_counter()
    g.close()
    assert not g.is_running() and time.perf_counter() - start < 1.5
    assert open_grid(window) is g and g.results is not None  # the cells finished so far are still there
    assert g.start()
    qtbot.waitUntil(lambda: g.results is not None and g.is_running(), timeout=30_000)
    start = time.perf_counter()
    window.shutdown()
    assert not g.is_running() and not g.isVisible() and time.perf_counter() - start < 1.5
    window.shutdown()  # twice is safe


def test_an_unreachable_dask_scheduler_is_named_and_nothing_runs(qtbot, window, monkeypatch):
    monkeypatch.setattr(sweep, "DASK_CONNECT_SECONDS", 1)
    g = open_grid(window)
    set_up(g)
    g.backend_box.setCurrentIndex(g.backend_box.findData("dask"))
    assert g.address.isEnabled() and not g.workers.isEnabled()
    g.address.setText("tcp://127.0.0.1:9")
    assert g.backend_choice() == Backend("dask", -1, "tcp://127.0.0.1:9")
    qtbot.mouseClick(g.run_button, Qt.LeftButton)
    wait_done(qtbot, g, timeout=20_000)
    assert g.error_label.text().startswith("Dask scheduler address: cannot reach the Dask scheduler tcp://127.0.0.1:9")
    assert g.error_label.text().endswith("; nothing ran") and g.results.finished == 0
    assert g.status_text == "Nothing ran."
