"""Each live view holds exactly the data of the snapshot it was given."""

import numpy as np
import pytest

from engine import activations
from engine.config import Config
from engine.session import Session
from gui.plots import VIEWS


@pytest.fixture
def trained():
    cfg = Config.from_dict({"data": {"name": "iris", "val_fraction": 0.2},
                            "model": {"hidden": [6, 5, 4], "activation": "leaky_relu", "leaky_slope": 0.2},
                            "train": {"epochs": 12, "batch_size": 16}})
    s = Session(cfg)
    s.snapshot_every = 10**6
    s.boundary_resolution = 40
    snap = [x for x in s.run() if x is not None][-1]
    return cfg, s, snap


def make(qtbot, key, cfg, s):
    from gui.plots import style

    style.setup_pyqtgraph()  # the light plot colours the window sets up (white paper)
    view = VIEWS[key]()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    view.set_context(cfg, s.split)
    return view


def test_registry_order_and_names():
    assert list(VIEWS) == ["loss", "boundary", "activations", "gradients", "diagnostics", "parameters"]
    assert VIEWS["boundary"].needs_boundary and not VIEWS["loss"].needs_boundary


def test_loss_view_curves_and_log_toggle(qtbot, trained):
    cfg, s, snap = trained
    view = make(qtbot, "loss", cfg, s)
    view.update_snapshot(snap)
    x, y = view.val_loss.getData()
    np.testing.assert_array_equal(x, snap.history.epochs)
    np.testing.assert_array_equal(y, snap.history.val_loss)
    np.testing.assert_array_equal(view.train_acc.getData()[1], snap.history.train_accuracy)
    view.log_box.setChecked(True)
    assert view.loss_plot.getAxis("left").logMode
    view.reset(keep_ghost=True)
    assert len(view.ghost_loss[0].getData()[0]) == 12 and len(view.train_loss.getData()[0] or []) == 0


def test_boundary_view_image_and_mistakes(qtbot, trained):
    cfg, s, snap = trained
    view = make(qtbot, "boundary", cfg, s)
    view.update_snapshot(snap)
    grid = snap.boundary
    np.testing.assert_array_equal(view.last_rgba, view.rgba(grid.probs))
    # row i of the image is y = ys[i]: the most confident cell keeps its class colour
    i, j = np.unravel_index(np.argmax(grid.probs.max(axis=2)), grid.probs.shape[:2])
    k = int(np.argmax(grid.probs[i, j]))
    expected = 255 * (1 - 0.75) + view._colours[k] * 0.75
    np.testing.assert_allclose(view.last_rgba[i, j, :3], expected, atol=30)
    wrong = grid.train_pred != s.split.y_train
    assert view.marked()[0] == set(np.flatnonzero(wrong).tolist())
    large = np.concatenate([item.getData()[0] for item in view.train.large])
    np.testing.assert_array_equal(np.sort(large), np.sort(s.split.X_train[wrong, cfg.data.features[0]]))
    assert "held at their mean" in view.caption.text()  # iris has 4 features


def test_histogram_view_counts_and_overlay(qtbot, trained):
    cfg, s, snap = trained
    view = make(qtbot, "activations", cfg, s)
    assert len(view.layer_plots) == 3
    view.update_snapshot(snap)
    x, counts = view.layer_plots[1].bars.getData()
    np.testing.assert_array_equal(counts, snap.layers[1].activations.counts)
    assert not view.layer_plots[0].f_curve.isVisible()
    view.pre_box.setChecked(True)
    lp = view.layer_plots[0]
    _, counts = lp.bars.getData()
    np.testing.assert_array_equal(counts, snap.layers[0].preactivations.counts)
    z, fz = lp.f_curve.getData()
    f = activations.get("leaky_relu", slope=0.2).forward(z)
    top = snap.layers[0].preactivations.counts.max()
    np.testing.assert_allclose(fz, (f - f.min()) / np.ptp(f) * top)
    assert "Layer 1 · leaky_relu" in lp.plot.titleLabel.text


def test_ten_layers_make_ten_histograms(qtbot, trained):
    cfg, s, _ = trained
    deep = cfg.with_changes(model={"hidden": [5] * 10})
    view = make(qtbot, "activations", deep, s)
    assert len(view.layer_plots) == 10


def test_gradient_flow_curves_and_bars(qtbot, trained):
    cfg, s, snap = trained
    view = make(qtbot, "gradients", cfg, s)
    view.update_snapshot(snap)
    assert len(view.curves) == 4
    for i, curve in enumerate(view.curves):
        np.testing.assert_allclose(curve.getData()[1], np.log10(snap.history.grad_mean_abs[:, i]))  # log axis
    heights = view.bars.opts["height"] + view.bars.opts["y0"]
    np.testing.assert_allclose(heights, np.log10([layer.grad_mean_abs for layer in snap.layers]))
    view.layer_combo.setCurrentIndex(2)
    np.testing.assert_array_equal(view.hist.getData()[1], snap.layers[2].gradients.counts)


def test_diagnostics_dedup_and_clearing(qtbot):
    cfg = Config.from_dict({"data": {"name": "moons", "n_samples": 100},
                            "model": {"hidden": [4, 4], "init": "zeros"}, "train": {"epochs": 3}})
    s = Session(cfg)
    s.snapshot_every = 1
    snaps = [x for x in s.run() if x is not None]
    view = make(qtbot, "diagnostics", cfg, s)
    for snap in snaps:
        view.update_snapshot(snap)
    texts = [view.list.item(i).text() for i in range(view.list.count())]
    symmetric = [t for t in texts if "symmetry never broken" in t]
    assert len(symmetric) == 2  # one per layer, not one per snapshot
    assert symmetric[0].startswith("Epoch 0:")  # the epoch it first appeared
    healthy = Session(cfg.with_changes(model={"init": "xavier"}))
    healthy.snapshot_every = 10**6
    last = [x for x in healthy.run() if x is not None][-1]
    view.update_snapshot(last)
    assert "cleared by epoch" in view.list.item(0).text()
    assert view.status.text() == "✔ No problems detected"


def test_epoch_axis_grows_by_doubling_up_to_the_limit(qtbot):
    import pyqtgraph as pg

    from gui.plots.style import GrowingXRange

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    axis = GrowingXRange(widget.getPlotItem(), start=20)
    axis.reset(100)
    assert axis.current == 20
    axis.update(21)
    assert axis.current == 40
    axis.update(90)
    assert axis.current == 100  # never past the epoch limit


def test_gradient_legend_names_every_layer_and_fits_the_view(qtbot, trained):
    cfg, s, _ = trained
    deep = cfg.with_changes(model={"hidden": [5] * 10})
    view = make(qtbot, "gradients", deep, s)
    view.resize(360, 400)
    qtbot.waitUntil(lambda: view.graphics.width() <= 360)
    labels = [label.text for _, label in view.legend.items]
    assert labels == [f"L{i}" for i in range(1, 11)] + ["out"]
    # the legend has its own row: it wraps to the view's width instead of covering the curves
    assert view.legend.columnCount < 11
    qtbot.waitUntil(lambda: view.legend.geometry().right() <= view.graphics.width())
    assert view.legend.geometry().bottom() <= view.time_plot.geometry().top() + 1
    ticks = dict(view.bar_plot.getAxis("bottom")._tickLevels[0])
    assert ticks[11] == "out" and ticks[9] == "9" and 10 not in ticks


def test_gradient_legend_uses_full_names_for_small_networks(qtbot, trained):
    cfg, s, _ = trained
    view = make(qtbot, "gradients", cfg, s)
    assert [label.text for _, label in view.legend.items] == ["layer 1", "layer 2", "layer 3", "output"]


def test_boundary_fades_to_the_plot_background_in_either_palette(qtbot, trained):
    import pyqtgraph as pg

    from gui.plots import style

    cfg, s, _ = trained
    k = s.dataset.n_classes
    unsure = np.full((3, 3, k), 1.0 / k)
    try:
        for dark, paper in ((False, (255, 255, 255)), (True, (0x1e, 0x1e, 0x1e))):
            view = make(qtbot, "boundary", cfg, s)
            style.setup_pyqtgraph(dark=dark)
            view.set_context(cfg, s.split)
            np.testing.assert_array_equal(view.rgba(unsure)[1, 1, :3], paper)
            assert style.legend_brush().getRgb()[:3] == paper
    finally:
        style.setup_pyqtgraph(dark=False)
    assert pg.getConfigOption("background") == "w"


def test_diagnostics_text_follows_the_palette(qtbot):
    from PySide6.QtCore import Qt

    from gui.theme import dark_palette, error_colour

    view = VIEWS["diagnostics"]()
    qtbot.addWidget(view)
    for palette, red in ((None, "#b00020"), (dark_palette(), "#ff6b6b")):
        if palette is not None:
            view.list.setPalette(palette)
        assert error_colour(view.list) == red
    cfg = Config.from_dict({"data": {"name": "moons", "n_samples": 200},
                            "model": {"hidden": [4], "activation": "relu", "bias_init": "constant",
                                      "bias_value": -30.0}, "train": {"epochs": 2}})
    s = Session(cfg)
    view.set_context(cfg, s.split)
    snap = [x for x in s.run() if x is not None][-1]
    view.update_snapshot(snap)
    items = [view.list.item(i) for i in range(view.list.count())]
    assert items, "a dead layer raises an alert"
    for item in items:
        if item.data(Qt.UserRole + 1) == "error":
            assert item.foreground().color().name() == "#ff6b6b"
        else:
            assert item.data(Qt.ForegroundRole) is None


def test_histogram_grid_reflows_to_the_view_width(qtbot, trained):
    cfg, s, _ = trained
    deep = cfg.with_changes(model={"hidden": [5] * 10})
    view = make(qtbot, "activations", deep, s)

    def placed():
        layout = view.graphics.ci.layout
        cells = {}
        for lp in view.layer_plots:
            for r in range(layout.rowCount()):
                for c in range(layout.columnCount()):
                    if layout.itemAt(r, c) is lp.plot:
                        cells[len(cells)] = (r, c)
        return list(cells.values())

    for width, allowed in ((1100, {4}), (560, {2, 3}), (300, {1}), (1100, {4})):
        view.resize(width, 400)
        qtbot.waitUntil(lambda allowed=allowed: view.columns in allowed)
        columns = view.columns
        # layer i sits at row i // columns, column i % columns: reading order, none cut off
        assert placed() == [(i // columns, i % columns) for i in range(10)]
        qtbot.waitUntil(lambda: all(lp.plot.geometry().right() <= view.scroll.viewport().width() + 1
                                    for lp in view.layer_plots))


def test_boundary_points_follow_the_mistakes_as_they_change(qtbot, trained):
    from dataclasses import replace

    cfg, s, snap = trained
    view = make(qtbot, "boundary", cfg, s)
    y = s.split.y_train
    all_right = replace(snap, boundary=replace(snap.boundary, train_pred=y.copy()))
    first_wrong = y.copy()
    first_wrong[0] = (y[0] + 1) % s.dataset.n_classes
    one_wrong = replace(snap, boundary=replace(snap.boundary, train_pred=first_wrong))
    for frame, expected_wrong in ((one_wrong, {0}), (one_wrong, {0}), (all_right, set()), (one_wrong, {0})):
        view.update_snapshot(frame)
        assert view.marked()[0] == expected_wrong
        assert sum(len(item.getData()[0]) for item in view.train.large) == len(expected_wrong)


def test_a_big_set_is_drawn_as_a_fixed_sample_one_scatter_per_class(qtbot):
    from gui.plots.boundary import MAX_TRAIN_SHOWN, MAX_VAL_SHOWN

    cfg = Config.from_dict({"data": {"name": "blobs", "n_samples": 20000, "centers": 3, "val_fraction": 0.2},
                            "model": {"hidden": [4]}})
    s = Session(cfg)
    view = make(qtbot, "boundary", cfg, s)
    assert len(view.train.items) == 3 and len(view.val.items) == 3
    drawn = sum(len(item.getData()[0]) for item in view.train.items)
    assert drawn == len(view.train.index) == MAX_TRAIN_SHOWN
    assert sum(len(item.getData()[0]) for item in view.val.items) == MAX_VAL_SHOWN
    assert "fixed sample of 5,000 of 16,000 training" in view.caption.text()
    first = view.train.index.copy()
    view.set_context(cfg, s.split)  # the same sample every time
    np.testing.assert_array_equal(view.train.index, first)
    snap = s.snapshot(True, 40)
    view.update_snapshot(snap)
    wrong = snap.boundary.train_pred != s.split.y_train
    assert view.marked()[0] == set(np.flatnonzero(wrong).tolist()) & set(first.tolist())


def test_a_long_curve_is_drawn_with_a_thin_pen_and_a_short_one_as_styled(qtbot):
    import pyqtgraph as pg

    from gui.plots import style

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    curve = plot.plot(pen=pg.mkPen("#0072B2", width=2))
    x = np.arange(style.LONG_CURVE + 1, dtype=float)
    style.set_curve(curve, x[:10], x[:10])
    assert curve.opts["pen"].widthF() == 2
    style.set_curve(curve, x, x)
    assert curve.opts["pen"].widthF() == 1 and curve.opts["pen"].color() == pg.mkColor("#0072B2")
    style.set_curve(curve, x[:10], x[:10])  # a new run starts short again
    assert curve.opts["pen"].widthF() == 2
    np.testing.assert_array_equal(curve.getData()[1], x[:10])
