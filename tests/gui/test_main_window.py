"""The main window driven through its real buttons, shortcuts and combo boxes."""

import shutil
import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QToolButton

from engine.config import Config

OBJECT_NAMES = ["datasetCombo", "activationCombo", "initCombo", "optimizerCombo", "learningRateSpin",
                "playButton", "stepButton", "resetButton", "reinitButton", "speedSlider", "lossPlot",
                "boundaryPlot", "activationHistograms", "gradientFlowPlot", "diagnosticsPanel"]


def loss_points(w):
    x, _ = w.views["loss"].train_loss.getData()
    return 0 if x is None else len(x)


def click(qtbot, w, name):
    qtbot.mouseClick(w.findChild(QToolButton, name), Qt.LeftButton)


def test_stable_object_names_exist(window):
    for name in OBJECT_NAMES:
        assert window.findChild(object, name) is not None, name


def test_play_pause_through_buttons_and_space(qtbot, window):
    click(qtbot, window, "playButton")
    qtbot.waitUntil(lambda: loss_points(window) > 5, timeout=5000)
    qtbot.keyClick(window, Qt.Key_Space)  # pause
    qtbot.waitUntil(lambda: window.session.status == "paused", timeout=2000)
    qtbot.wait(150)  # let the last snapshot in flight be drawn
    frozen = loss_points(window)
    epoch = window.session.epoch
    qtbot.wait(400)
    assert loss_points(window) == frozen and window.session.epoch == epoch
    assert window.play_action.text() == "Play"
    qtbot.keyClick(window, Qt.Key_Space)  # resume
    qtbot.waitUntil(lambda: loss_points(window) > frozen + 3, timeout=5000)
    assert window.play_action.text() == "Pause"


def test_step_and_reset_through_shortcuts(qtbot, window):
    initial = window.session.network.get_weights()
    qtbot.keyClick(window, Qt.Key_S)
    qtbot.waitUntil(lambda: window.shown is not None and window.shown.epoch == 1, timeout=3000)
    assert window.session.epoch == 1
    click(qtbot, window, "stepButton")
    qtbot.waitUntil(lambda: window.shown.epoch == 2, timeout=3000)
    assert loss_points(window) == 2
    qtbot.keyClick(window, Qt.Key_R)
    qtbot.waitUntil(lambda: window.shown is not None and window.shown.epoch == 0, timeout=3000)
    assert window.session.step == 0 and loss_points(window) == 0
    np.testing.assert_array_equal(window.session.network.get_weights()[0][0], initial[0][0])


def test_reinitialise_draws_new_weights(qtbot, window):
    before = window.session.network.get_weights()[0][0].copy()
    seed = window.training_panel.seed.value()
    qtbot.keyClick(window, Qt.Key_R, Qt.ShiftModifier)
    assert window.training_panel.seed.value() != seed
    assert window.session.config.train.seed == window.training_panel.seed.value()
    assert not np.array_equal(window.session.network.get_weights()[0][0], before)
    new = window.session.config.train.seed
    assert window.statusBar().currentMessage().startswith(f"New weights from seed {new} ")


def test_every_view_receives_data(qtbot, window):
    click(qtbot, window, "playButton")
    qtbot.waitUntil(lambda: window.shown is not None and window.shown.epoch >= 5, timeout=5000)
    window.docks["diagnostics"].raise_()
    qtbot.waitUntil(lambda: window.frames_drawn > 3, timeout=3000)
    snap = window.shown
    loss = window.views["loss"]
    x, y = loss.train_loss.getData()
    np.testing.assert_array_equal(y, snap.history.train_loss[: len(y)])
    assert window.views["boundary"].last_rgba is not None
    live = window.views["boundary"].last_rgba.shape  # while training: the grid that fits the time budget
    assert 40 <= live[0] == live[1] <= 150 and live[2] == 4
    window.play_pause()  # paused: the full grid
    qtbot.waitUntil(lambda: window.controller.phase == "paused" and window.shown is window.latest, timeout=5000)
    assert window.views["boundary"].last_rgba.shape == (150, 150, 4)
    hist = window.views["activations"].layer_plots
    assert len(hist) == 2
    xs, counts = hist[0].bars.getData()
    assert counts.sum() > 0
    grads = window.views["gradients"]
    assert len(grads.curves) == 3 and len(grads.curves[0].getData()[0]) > 0
    qtbot.waitUntil(lambda: "No problems" in window.views["diagnostics"].status.text()
                    or window.views["diagnostics"].list.count() > 0, timeout=3000)


def test_changing_activation_resets_with_new_activation(qtbot, window):
    click(qtbot, window, "playButton")
    qtbot.waitUntil(lambda: window.session.epoch > 3, timeout=5000)
    combo = window.findChild(QComboBox, "activationCombo")
    combo.setCurrentIndex(combo.findData("relu"))
    assert window.session.epoch == 0 and window.session.step == 0
    assert [a.name for a in window.session.network.hidden_activations] == ["relu", "relu"]
    assert window.handle is None  # the run stopped
    assert "relu" in window.findChild(object, "architectureLabel").text()


def test_learning_rate_applies_live(qtbot, window):
    click(qtbot, window, "playButton")
    qtbot.waitUntil(lambda: window.session.epoch > 1, timeout=5000)
    spin = window.findChild(QDoubleSpinBox, "learningRateSpin")
    spin.setValue(0.005)
    assert window.session.optimizer.lr == 0.005
    assert window.is_training()  # no restart


def test_bad_value_is_reported_and_nothing_lost(qtbot, window):
    session = window.session
    window.network_panel.values = lambda: {"hidden": [-3]}  # what a corrupt panel would send
    window.rebuild()
    label = window.error_label
    assert label.isVisible() and "model.hidden[0]: must be a positive integer, got -3" in label.text()
    assert window.session is session


def test_diverging_run_shows_alert_and_window_still_responds(qtbot, window):
    cfg = Config.from_dict({
        "data": {"name": "moons", "n_samples": 200},
        "model": {"hidden": [8], "activation": "relu", "output": "identity"},
        "train": {"optimizer": "sgd", "lr": 1.0, "loss_reduction": "sum", "epochs": 500, "batch_size": 32}})
    window.apply_config(cfg)
    click(qtbot, window, "playButton")
    qtbot.waitUntil(lambda: window.session.status == "diverged", timeout=5000)
    window.docks["diagnostics"].raise_()
    diag = window.views["diagnostics"]
    qtbot.waitUntil(lambda: "diverged" in diag.status.text(), timeout=3000)
    texts = [diag.list.item(i).text() for i in range(diag.list.count())]
    assert any("Training diverged at epoch" in t and "lower the learning rate" in t for t in texts)
    # still usable: change a setting and train again
    window.findChild(QDoubleSpinBox, "learningRateSpin").setValue(0.001)
    combo = window.findChild(QComboBox, "outputCombo")
    combo.setCurrentIndex(combo.findData("softmax"))
    click(qtbot, window, "playButton")
    qtbot.waitUntil(lambda: window.session.epoch > 2, timeout=5000)
    assert window.session.status == "running"


def test_closing_mid_run_stops_the_thread_quickly(qtbot, window):
    click(qtbot, window, "playButton")
    qtbot.waitUntil(lambda: window.session.epoch > 2, timeout=5000)
    qthread = window.handle.qthread
    start = time.perf_counter()
    window.close()
    assert qthread.isFinished()
    assert time.perf_counter() - start < 2.0
    window.shutdown()  # a second shutdown is harmless


def test_screenshot_after_training_is_not_blank(qtbot, window, tmp_path):
    click(qtbot, window, "playButton")
    qtbot.waitUntil(lambda: window.shown is not None and window.shown.epoch >= 30, timeout=8000)
    path = tmp_path / "training.png"
    assert window.grab().save(str(path))
    image = window.grab().toImage()
    pixels = np.array([image.pixel(x, y) & 0xFFFFFF for x in range(0, image.width(), 7)
                       for y in range(0, image.height(), 7)])
    assert len(np.unique(pixels)) > 50  # many colours: plots, points, text
    shutil.copy(path, "/tmp/screens/training.png") if shutil.os.path.isdir("/tmp/screens") else None


def test_controls_never_clip_when_rows_appear(qtbot, window):
    """Iris brings the boundary-plane row and ten layer rows; the panel widens, nothing is cut off."""
    from pathlib import Path

    assert window.open_config(str(Path(__file__).parents[2] / "resources/configs/4a_iris_deep_sigmoid.json"))
    inner = window.controls_scroll.widget()

    def fits():
        return inner.width() >= inner.minimumSizeHint().width() and \
            window.controls_scroll.viewport().width() >= inner.minimumSizeHint().width()
    qtbot.waitUntil(fits)
    plane_y = window.findChild(QComboBox, "featureYCombo")
    assert plane_y.isVisible()
    assert plane_y.mapTo(inner, plane_y.rect().topRight()).x() <= window.controls_scroll.viewport().width()


def test_reset_layout_brings_every_panel_back(qtbot, window):
    from PySide6.QtGui import QAction

    window.docks["boundary"].close()
    window.docks["loss"].setFloating(True)
    window.controls_dock.hide()
    assert not window.docks["boundary"].isVisible()
    window.findChild(QAction, "resetLayoutAction").trigger()
    for dock in (*window.docks.values(), window.lesson_dock, window.controls_dock):
        assert not dock.isFloating()
    for dock in (window.docks["loss"], window.docks["boundary"], window.docks["activations"],
                 window.docks["gradients"], window.controls_dock):
        assert dock.isVisible(), dock.objectName()
    # the histograms and the loss curves get the larger share of their rows
    qtbot.waitUntil(lambda: window.docks["loss"].width() > window.docks["boundary"].width())
    assert window.docks["activations"].width() > window.docks["gradients"].width()


def test_a_launch_paints_the_window_before_building_the_data(qtbot):
    from gui.app import create_window

    w = create_window(Config.from_dict(SMALL), defer_data=True)
    qtbot.addWidget(w)
    try:
        assert w.session is None
        assert "Preparing" in w.findChild(type(w.status_label), "statusText").text()
        assert w.findChild(QComboBox, "datasetCombo").currentData() == "moons"  # panels filled already
        with qtbot.waitSignal(w.sessionReady, timeout=15000):
            w.show()
        assert w.session is not None and w.session.config.data.n_samples == SMALL["data"]["n_samples"]
        qtbot.waitUntil(lambda: w.views["boundary"].last_rgba is not None)
    finally:
        w.shutdown()


def test_play_before_the_data_is_ready_builds_it_and_plays(qtbot):
    from gui.app import create_window

    w = create_window(Config.from_dict(SMALL), defer_data=True)
    qtbot.addWidget(w)
    try:
        assert w.session is None
        w.play_pause()  # not shown yet: nothing painted, the data set is built on demand
        assert w.session is not None
        qtbot.waitUntil(lambda: w.session.step > 0)
    finally:
        w.shutdown()


SMALL = {  # as the window fixture's, for the windows these tests build themselves
    "data": {"name": "moons", "n_samples": 200, "noise": 0.2, "val_fraction": 0.2, "seed": 0},
    "model": {"hidden": [6, 6], "activation": "tanh", "init": "xavier"},
    "train": {"optimizer": "adam", "lr": 0.03, "epochs": 100000, "batch_size": 32, "seed": 0},
}


def test_a_start_on_a_file_that_has_gone_falls_back_to_the_defaults(qtbot, tmp_path):
    from gui.app import create_window

    gone = {**SMALL, "data": {"name": "csv", "path": str(tmp_path / "moved.csv"), "val_fraction": 0.2}}
    w = create_window(Config.from_dict(gone))
    qtbot.addWidget(w)
    try:
        assert w.session is not None and w.session.config.data.name == "moons"
        assert w.findChild(QComboBox, "datasetCombo").currentData() == "moons"
        message = w.error_label.text()
        assert "moved.csv" in message and "default settings" in message
        click(qtbot, w, "stepButton")
        qtbot.waitUntil(lambda: w.session.epoch >= 1)
    finally:
        w.shutdown()
