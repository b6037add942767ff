"""A window that fits the screen: its first size from the screen's free area, a saved geometry
shrunk onto a smaller screen, the controls' share of the width, layer colours that stay
distinct, log axes that label decades only, and combo boxes that show their whole text."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QComboBox

from engine.config import Config
from engine.session import Session
from gui.docks import FIRST_MAX, FIRST_SHARE, clamp_rect, first_rect
from gui.plots import style
from gui.plots.gradients import GradientFlowView

ROOT = Path(__file__).parents[2]


# -- the first window and a restored one ---------------------------------------------------------
@pytest.mark.parametrize("available", [QRect(0, 0, 1280, 800), QRect(0, 0, 1920, 1040), QRect(0, 27, 1366, 741),
                                       QRect(1920, 0, 2560, 1400), QRect(0, 0, 1024, 600),
                                       QRect(-1280, 100, 1280, 1024)])
def test_the_first_window_fits_its_screen_and_is_centred(available):
    rect = first_rect(available)
    assert available.contains(rect)
    assert rect.width() == min(int(available.width() * FIRST_SHARE), FIRST_MAX.width())
    assert rect.height() == min(int(available.height() * FIRST_SHARE), FIRST_MAX.height())
    assert abs(rect.center().x() - available.center().x()) <= 1
    assert abs(rect.center().y() - available.center().y()) <= 1


def test_the_first_window_is_never_smaller_than_its_minimum_while_that_fits():
    small = QRect(0, 0, 1024, 600)
    assert first_rect(small, QSize(980, 560)).size() == QSize(980, 560)  # 90 % would cut the docks
    assert first_rect(small, QSize(1300, 900)) == small  # too big for the screen: the whole screen


@pytest.mark.parametrize(("frame", "expected"), [
    (QRect(50, 40, 1404, 904), QRect(0, 0, 1280, 800)),  # a 1400 x 900 window from a bigger screen
    (QRect(900, 600, 800, 500), QRect(480, 300, 800, 500)),  # fits, but hangs off the bottom right
    (QRect(-300, -50, 700, 500), QRect(0, 0, 700, 500)),  # off the top left
    (QRect(100, 100, 600, 400), QRect(100, 100, 600, 400)),  # fits: unchanged
])
def test_a_frame_is_clamped_onto_the_free_area(frame, expected):
    assert clamp_rect(frame, QRect(0, 0, 1280, 800)) == expected


def _open_on(size: str, saved: tuple[int, int, int, int] | None = None) -> dict:
    """Open the real window on a simulated screen of ``size`` (Qt's offscreen platform, with a
    screen configuration file) in a child process; its geometry as the window reports it.
    ``saved``: a window of this geometry closed first, so the window opened restores it."""
    width, height = map(int, size.split("x"))
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    screens = folder / f"activation-lab-screen-{size}-{os.getpid()}.json"
    screens.write_text(json.dumps({"screens": [{"name": "lab", "x": 0, "y": 0, "width": width, "height": height,
                                                "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    script = """
import json
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from gui.app import create_window, throwaway_settings
app = QApplication([])
throwaway_settings()
SAVED = None
if SAVED is not None:  # an earlier session on a bigger screen
    earlier = create_window()
    earlier.setGeometry(*SAVED)
    earlier.store.save_window(earlier)
    assert earlier.store.sync() is None
    earlier.shutdown()
window = create_window()
window.show()
def report():
    print(json.dumps({"available": window.screen().availableGeometry().getRect(),
                      "frame": window.frameGeometry().getRect(), "controls": window.controls_dock.width(),
                      "controls_need": window.controls_dock.minimumSizeHint().width(),
                      "views": sum(d.width() for k, d in window.docks.items() if k in ("loss", "boundary"))}))
    window.close()
QTimer.singleShot(1200, report)
app.exec()
"""
    script = script.replace("SAVED = None", f"SAVED = {saved!r}")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screens}"}
    try:
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
    finally:
        screens.unlink(missing_ok=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("size", ["1280x800", "1920x1080"])
def test_the_first_window_on_a_lab_screen(size):
    seen = _open_on(size)
    ax, ay, aw, ah = seen["available"]
    assert (aw, ah) == tuple(map(int, size.split("x")))
    x, y, w, h = seen["frame"]
    assert ax <= x and ay <= y and x + w <= ax + aw and y + h <= ay + ah  # the whole frame on the screen
    assert w >= 0.85 * aw or w >= FIRST_MAX.width()
    # the controls take what their rows need, the views the rest
    assert seen["controls"] <= seen["controls_need"] + 4
    assert seen["controls"] <= (0.33 if w < 1400 else 0.25) * w
    assert seen["views"] >= w - seen["controls"] - 40


def test_a_saved_geometry_larger_than_the_screen_is_shrunk_onto_it():
    seen = _open_on("1280x800", saved=(300, 200, 1900, 1150))  # saved on a 1920 x 1200 screen
    x, y, w, h = seen["frame"]
    assert 0 <= x and 0 <= y and x + w <= 1280 and y + h <= 800
    assert w >= 1200 and h >= 700  # as big as the screen allows, not the first start's 90 %


def test_the_controls_keep_their_width_when_the_window_grows(qtbot, window):
    window.reset_layout()
    need = window.controls_dock.minimumSizeHint().width()
    qtbot.waitUntil(lambda: window.controls_dock.width() <= need + 4)
    window.resize(window.width() + 400, window.height())
    qtbot.waitUntil(lambda: window.docks["loss"].width() + window.docks["boundary"].width()
                    >= window.width() - need - 40)
    assert window.controls_dock.width() <= need + 4  # (QMainWindow gave all 400 px to the controls)


# -- colours for many layers ------------------------------------------------------------------------
def _lab(hex_colour: str) -> np.ndarray:
    rgb = np.array(QColor(hex_colour).getRgbF()[:3])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    xyz /= (0.9505, 1.0, 1.089)
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _contrast(a: str, b: str) -> float:
    def luminance(c):
        rgb = np.array(QColor(c).getRgbF()[:3])
        return float(np.dot(np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4),
                            (0.2126, 0.7152, 0.0722)))
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_layer_palette_has_ten_distinct_hues_readable_on_both_backgrounds():
    colours = style.LAYER_COLOURS
    assert len(set(colours)) >= 10
    for i, a in enumerate(colours):
        for b in colours[i + 1:]:
            assert np.linalg.norm(_lab(a) - _lab(b)) >= 20, (a, b)
        assert _contrast(a, "#ffffff") >= 2.2 and _contrast(a, "#1e1e1e") >= 2.2, a


def test_twenty_layers_get_twenty_distinct_looks():
    looks = [(style.layer_colour(i), style.layer_line(i)) for i in range(40)]
    assert len(set(looks[:20])) == 20 and len(set(looks)) == 40
    assert {style.layer_line(i) for i in range(10)} == {Qt.SolidLine}  # dashes only once the hues run out
    pen = style.layer_pen(13)
    assert pen.color() == QColor(style.LAYER_COLOURS[3]) and pen.style() == Qt.DashLine


def test_the_gradient_view_draws_twenty_layers_in_twenty_looks_and_a_legend_that_leaves_room(qtbot):
    config = Config.from_dict({"data": {"name": "moons", "n_samples": 100}, "model": {"hidden": [4] * 19},
                               "train": {"epochs": 2}})
    session = Session(config)
    session.snapshot_every = 10**6
    snap = [x for x in session.run() if x is not None][-1]
    style.setup_pyqtgraph()
    view = GradientFlowView()
    qtbot.addWidget(view)
    view.resize(340, 300)  # the dock at 1280 x 800
    view.show()
    view.set_context(config, session.split)
    view.update_snapshot(snap)
    looks = {(c.opts["pen"].color().name(), c.opts["pen"].style()) for c in view.curves}
    assert len(view.curves) == 20 and len(looks) == 20
    assert view.curves[13].getData()[1] is not None and len(view.curves[13].getData()[1]) == len(snap.history.epochs)
    qtbot.waitUntil(lambda: view._grouped is True)
    assert view.hue_key.isVisible() and "11–out" in view.hue_key.text() and view.legend.items == []
    # the legend row and the pins' row take nothing from the curves: most of the height is theirs
    qtbot.waitUntil(lambda: view.time_plot.geometry().top() <= 24)  # (margins and spacing only)
    assert view.time_plot.geometry().height() >= 0.4 * view.graphics.height()  # (the bars and histogram below)
    view.resize(1400, 500)
    qtbot.waitUntil(lambda: view._grouped is False)
    assert [label.text for _, label in view.legend.items] == [f"L{i}" for i in range(1, 20)] + ["out"]
    assert not view.hue_key.isVisible()


# -- log axes ------------------------------------------------------------------------------------------
def _labels(qtbot, lo: float, hi: float, size: int) -> tuple[list[str], bool, int, int]:
    """The texts a styled plot's log axis draws over log10 range (lo, hi) when ``size`` px high;
    whether it is a DecadeAxis, its height and its font's line height."""
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    plot = style.style_plot(widget.getPlotItem(), None, "mean |∂L/∂W|", "epoch")
    plot.setLogMode(y=True)
    plot.setYRange(lo, hi, padding=0)
    widget.resize(300, size + 60)  # (the bottom axis and the margins take about 60 px)
    widget.show()
    qtbot.waitExposed(widget)
    axis = plot.getAxis("left")
    image = QImage(300, size + 60, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in texts], isinstance(axis, style.DecadeAxis), axis.height(), \
        QFontMetrics(axis.font()).height()


DECADES = {f"{10.0 ** e:.{max(0, -e)}f}" for e in range(-2, 4)} | {f"1e{e}" for e in range(-40, 41)}


@pytest.mark.parametrize(("lo", "hi", "size"), [(-4, 0, 300), (-4, 0, 60), (0, 1, 300), (-3.3, -0.4, 200),
                                                 (-30, 2, 200), (-12, -9, 120), (-1, 3, 400)])
def test_log_axes_label_decades_only(qtbot, lo, hi, size):
    texts, decade_axis, length, height = _labels(qtbot, lo, hi, size)
    assert decade_axis and texts and set(texts) <= DECADES, texts
    assert len(texts) * 1.5 * height <= length + 2 * height  # no pile-up
    if hi - lo <= 4 and size >= 300:  # room for every decade: each is labelled
        assert len(texts) == math.floor(hi) - math.ceil(lo) + 1


def test_zoomed_within_a_decade_the_axis_labels_1_2_5(qtbot):
    texts = _labels(qtbot, math.log10(0.011), math.log10(0.09), 300)[0]
    assert texts == ["0.02", "0.05"]


def test_decade_labels_read_plainly():
    assert [style.decade_text(e) for e in (-4, -3, -2, -1, 0, 1, 3, 4)] == \
        ["1e-4", "1e-3", "0.01", "0.1", "1", "10", "1000", "1e4"]


def test_the_empty_gradient_view_shows_a_default_decade_range(window):
    view = window.views["gradients"]
    view.set_context(window.session.config, window.session.split)
    low, high = view.time_plot.getViewBox().viewRange()[1]
    assert (low, high) == (-4.0, 0.0)
    axis = view.time_plot.getAxis("left")
    assert isinstance(axis, style.DecadeAxis) and axis.logMode


# -- combo boxes -------------------------------------------------------------------------------------------
def _full_width(combo: QComboBox) -> int:
    """How wide ``combo`` must be to show its longest item whole (Qt's own measure)."""
    probe = QComboBox()
    probe.setFont(combo.font())
    probe.addItems([combo.itemText(i) for i in range(combo.count())])
    probe.setSizeAdjustPolicy(QComboBox.AdjustToContents)
    return probe.sizeHint().width()


def test_no_combo_in_the_panels_cuts_its_text(qtbot, window):
    assert window.open_config(str(ROOT / "resources/configs/4a_iris_deep_sigmoid.json"))  # four long feature names
    qtbot.waitUntil(lambda: window.data_panel.feature_y.count() == 4 and window.data_panel.feature_y.isVisible())
    window.resize(1280, 800)
    window.reset_layout()
    qtbot.wait(100)  # (the layout settles on the event loop)
    checked = 0
    for panel in (window.data_panel, window.network_panel, window.training_panel):
        for combo in panel.findChildren(QComboBox):
            if not combo.isVisibleTo(window) or combo.count() == 0:
                continue
            checked += 1
            fits = combo.width() >= _full_width(combo) - 2
            told = combo.currentText() in combo.toolTip()
            assert fits or told, (combo.objectName(), combo.width(), _full_width(combo), combo.currentText())
    assert checked >= 8
    plane_x = window.data_panel.feature_x
    assert plane_x.currentText() == "sepal length (cm)" and plane_x.width() >= _full_width(plane_x) - 2


def test_a_window_too_low_for_two_rows_of_views_stacks_them_as_tabs(qtbot, window):
    docks = window.docks
    window.resize(900, 560)  # a 1920 x 1080 projector at QT_SCALE_FACTOR=2 leaves about this much
    qtbot.waitUntil(lambda: window.height() == 560)
    window.reset_layout()
    qtbot.waitUntil(lambda: docks["activations"] in window.tabifiedDockWidgets(docks["loss"]))
    assert docks["gradients"] in window.tabifiedDockWidgets(docks["boundary"])
    assert docks["diagnostics"] in window.tabifiedDockWidgets(docks["boundary"])
    assert not docks["loss"].visibleRegion().isEmpty() and docks["activations"].visibleRegion().isEmpty()
    window.resize(1280, 800)  # room again: Reset layout brings the two rows back
    qtbot.waitUntil(lambda: window.height() == 800)
    window.reset_layout()
    qtbot.waitUntil(lambda: docks["activations"] not in window.tabifiedDockWidgets(docks["loss"]))
    assert docks["loss"].geometry().bottom() < docks["activations"].geometry().top()


def test_a_short_linear_axis_spaces_its_labels_a_line_apart(qapp):
    from PySide6.QtGui import QFontMetrics

    from gui.plots.style import DecadeAxis

    axis = DecadeAxis("left")
    line = QFontMetrics(axis.font()).height()
    for size, expected in ((40, 1.0), (80, 0.5)):  # a squeezed accuracy plot: 0 and 1, then 0, 0.5, 1
        spacing = axis.tickSpacing(0.0, 1.02, size)[0][0]
        assert spacing == expected and spacing * size / 1.02 >= line
    assert axis.tickSpacing(0.0, 1.02, 400)[0][0] == 0.2  # room enough: pyqtgraph's own steps
