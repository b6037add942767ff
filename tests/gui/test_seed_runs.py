"""Compare ▸ Run over seeds… (gui/seeds.py): real loky processes, the band's data, Cancel, config changes, closing."""

import re
import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialogButtonBox

from engine import seeds
from engine.config import Config
from engine.runner import run_to_end
from engine.session import Session
from gui.exports import report_of

TINY = {"data": {"name": "moons", "n_samples": 120, "noise": 0.25, "val_fraction": 0.25, "seed": 0},
        "model": {"hidden": [6], "activation": "tanh", "init": "xavier"},
        "train": {"optimizer": "sgd", "lr": 0.1, "epochs": 20, "batch_size": 16, "seed": 0}}
#: runs of about half a second each, so that a Cancel comes while some are still going
SLOWER = {**TINY, "data": {**TINY["data"], "n_samples": 200}, "train": {**TINY["train"], "epochs": 300}}
#: runs that would take minutes: only a Cancel (or a close) ends them
ENDLESS = {**TINY, "train": {**TINY["train"], "epochs": 100000}}


def use(window, qtbot, raw):
    config = Config.from_dict(raw)
    window.apply_config(config)
    qtbot.waitUntil(lambda: window.session is not None and window.session.config == config
                    and not window.builds.busy, timeout=10_000)


def reference_band(base, seed_list):
    """The band of independent runs: a plain Session per seed, trained to its end in this process."""
    results = []
    for s in seed_list:
        raw = Config.from_dict(base).to_dict()
        raw["train"]["seed"] = s
        results.append(seeds.SeedResult.from_snapshot(s, run_to_end(Session(Config.from_dict(raw)))))
    return seeds.band(results)


def assert_drawn(tool, b):
    """The fill's two edges and the mean line hold the band's validation curves, on both plots."""
    for key, name in (("loss", "val_loss"), ("acc", "val_accuracy")):
        (x_lo, lo), (x_hi, hi), (x_mean, mean) = tool.items.data(key)
        st = b.stats[name]
        for x in (x_lo, x_hi, x_mean):
            np.testing.assert_array_equal(x, b.epochs)
        np.testing.assert_array_equal(lo, st.min)
        np.testing.assert_array_equal(hi, st.max)
        np.testing.assert_allclose(mean, st.mean, rtol=1e-12)


def drawn_points(tool):
    (x, _), _, _ = tool.items.data("acc")
    return 0 if x is None else len(x)


def run_from_dialog(window, qtbot, count, first):
    """Compare ▸ Run over seeds…, with the dialog filled in and accepted as a user would."""
    seen = {}

    def fill():
        dialog = window.seeds.dialog
        try:
            seen["defaults"] = (dialog.count.value(), int(dialog.first.value()), dialog.count.minimum(),
                                dialog.count.maximum())
            dialog.count.setValue(count)
            dialog.first.setValue(first)
            seen["time"] = dialog.time_line.text()
        finally:  # accepted, or (a failure above) closed: the test never hangs in the dialog
            dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok if "time" in seen else
                                                      QDialogButtonBox.Cancel).click()

    QTimer.singleShot(0, fill)
    window.seeds.run_action.trigger()  # the dialog's own event loop runs fill()
    return seen


def test_run_over_seeds_draws_the_band_of_independent_runs(window, qtbot):
    use(window, qtbot, {**TINY, "train": {**TINY["train"], "seed": 4}})
    assert window.seeds.run_action in window.compare_menu.actions()
    seen = run_from_dialog(window, qtbot, 3, 5)
    assert seen["defaults"] == (10, 4, 2, 100)  # 10 seeds from the current train.seed; 2 to 100
    assert re.fullmatch(r"Seeds 5–7: about \d+ s \(3 runs of 20 epochs, \d+ at a time; "
                        r"from this machine's estimate\)\.", seen["time"]), seen["time"]
    tool = window.seeds
    assert tool.is_running() and tool.strip.cancel.isVisible()
    qtbot.waitUntil(lambda: not tool.is_running(), timeout=60_000)  # real loky worker processes
    assert [r.seed for r in tool.results] != [] and sorted(r.seed for r in tool.results) == [5, 6, 7]
    ref = reference_band(TINY, [5, 6, 7])
    assert_drawn(tool, ref)
    spread = ref.spread()
    assert tool.strip.text.text() == (f"Seeds 5–7: validation accuracy {spread.text()} · "
                                      "shaded: lowest–highest run, dashed: mean")
    assert re.fullmatch(r"\d+\.\d % ± \d+\.\d \(\d+\.\d–\d+\.\d\) over 3 seeds", spread.text())
    tip = tool.strip.text.toolTip().splitlines()
    assert tip[0] == "Final validation accuracy by seed:"
    assert tip[1:] == [f"seed {s}: {100 * r.final['val_accuracy']:.1f} %" for s, r in zip([5, 6, 7], ref.results)]
    assert window.statusBar().currentMessage() == spread.status_text()
    assert tool.strip.clear.isVisible() and not tool.strip.cancel.isVisible()
    # the band is drawn behind the live curves
    view = window.views["loss"]
    _lo, _hi, area, line = tool.items.plots["acc"]
    assert area.zValue() < line.zValue() < view.val_acc.zValue()
    assert tool.clear_action.isEnabled()
    tool.clear_action.trigger()
    assert drawn_points(tool) == 0 and not tool.strip.isVisible() and not tool.clear_action.isEnabled()


def test_cancel_mid_way_ends_the_thread_within_a_second_and_keeps_what_finished(window, qtbot):
    use(window, qtbot, SLOWER)
    tool = window.seeds
    tool.start(list(range(8)))
    qtbot.waitUntil(lambda: len(tool.results) >= 2, timeout=60_000)
    assert drawn_points(tool) == 300  # from two finished seeds on
    _, _, qthread = tool._job
    t = time.perf_counter()
    tool.strip.cancel.click()
    assert time.perf_counter() - t < 1.0 and qthread.isFinished() and not tool.is_running()
    kept = len(tool.results)
    assert 2 <= kept < 8
    assert_drawn(tool, seeds.band(tool.results))
    assert_drawn(tool, reference_band(SLOWER, [r.seed for r in tool.results]))
    assert f"cancelled after {kept} of 8" in tool.strip.text.text()
    assert tool.strip.isVisible() and tool.clear_action.isEnabled()


def test_cancel_ends_runs_that_would_take_minutes(window, qtbot):
    use(window, qtbot, ENDLESS)
    tool = window.seeds
    tool.start([0, 1, 2])
    _, _, qthread = tool._job
    qtbot.waitUntil(qthread.isRunning, timeout=5_000)
    qtbot.wait(1500)  # the worker processes have started and are inside their first runs
    t = time.perf_counter()
    assert tool.cancel()
    assert time.perf_counter() - t < 1.0 and qthread.isFinished()
    assert tool.results == [] and not tool.strip.isVisible()
    use(window, qtbot, TINY)  # the processes were ended: a new run starts new ones
    tool.start([0, 1])
    qtbot.waitUntil(lambda: not tool.is_running(), timeout=60_000)
    assert_drawn(tool, reference_band(TINY, [0, 1]))


def test_a_new_configuration_removes_the_band_a_new_seed_keeps_it(window, qtbot):
    use(window, qtbot, TINY)
    tool = window.seeds
    tool.start([0, 1])
    qtbot.waitUntil(lambda: not tool.is_running(), timeout=60_000)
    assert drawn_points(tool) == 20
    window.reinitialize()  # New weights: only train.seed changes
    assert window.session is not None
    qtbot.waitUntil(lambda: window.session.config.train.seed != 0, timeout=5_000)
    assert drawn_points(tool) == 20 and tool.strip.isVisible()
    seed = window.session.config.train.seed
    assert report_of(window.session)["config"]["train"]["seed"] == seed  # the report names the run's seed
    use(window, qtbot, {**TINY, "model": {**TINY["model"], "hidden": [5]}})
    assert drawn_points(tool) == 0 and not tool.strip.isVisible() and not tool.clear_action.isEnabled()
    assert window.statusBar().currentMessage() == "Seed band removed: the configuration changed"


def test_a_new_learning_rate_removes_the_band(window, qtbot):
    use(window, qtbot, TINY)
    tool = window.seeds
    tool.start([0, 1])
    qtbot.waitUntil(lambda: not tool.is_running(), timeout=60_000)
    assert drawn_points(tool) == 20
    window.training_panel.lr.setValue(0.05)
    assert drawn_points(tool) == 0 and tool.config is None


def test_a_configuration_change_during_a_run_cancels_it(window, qtbot):
    use(window, qtbot, ENDLESS)
    tool = window.seeds
    tool.start([0, 1, 2])
    _, _, qthread = tool._job
    use(window, qtbot, TINY)
    assert qthread.isFinished() and not tool.is_running() and drawn_points(tool) == 0


@pytest.mark.parametrize("when", ["starting", "running"])
def test_closing_the_window_during_a_run_is_clean(window, qtbot, when):
    use(window, qtbot, ENDLESS)
    tool = window.seeds
    tool.start([0, 1, 2, 3])
    _, _, qthread = tool._job
    if when == "running":
        qtbot.wait(1500)
    t = time.perf_counter()
    window.close()
    assert time.perf_counter() - t < 1.5
    assert qthread.isFinished() and not tool.is_running()
    tool.shutdown()  # and again (the fixture calls the window's shutdown once more)


def test_a_seed_that_diverges_is_named_and_leaves_the_band(window, qtbot):
    mixed = {"data": {"name": "moons", "n_samples": 120, "noise": 0.2, "val_fraction": 0.25, "seed": 0},
             "model": {"hidden": [8], "activation": "relu", "init": "he", "output": "identity"},
             "train": {"optimizer": "sgd", "lr": 0.045, "epochs": 30, "batch_size": 16, "loss_reduction": "sum"}}
    use(window, qtbot, mixed)
    tool = window.seeds
    tool.start([2, 3, 4, 5])  # 3 and 4 diverge in their first epoch (tests/engine/test_seeds.py)
    qtbot.waitUntil(lambda: not tool.is_running(), timeout=60_000)
    ref = reference_band(mixed, [2, 3, 4, 5])
    assert ref.diverged == (3, 4)
    assert_drawn(tool, ref)
    assert "over 2 seeds (2 of 4 diverged)" in tool.strip.text.text()
    assert "diverged runs leave the band where they diverged" in tool.strip.text.text()
    assert "seed 3: " in tool.strip.text.toolTip() and "(diverged; last finite state)" in tool.strip.text.toolTip()
    assert window.statusBar().currentMessage().endswith("; 2 of 4 diverged")
