"""The panels' widgets come from the schema: exact numbers, engine ranges, refusals that say why."""

from PySide6.QtCore import Qt

from engine.config import PARAMS, Config


def test_number_boxes_keep_numbers_to_the_last_digit(qtbot):
    from gui.panels import TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    for lr in (0.003896, 38.0, 100.0, 1e-10, 0.35649581634790645):
        panel.lr.put(lr)
        assert panel.lr.value() == lr and panel.values()["lr"] == lr
    panel.hyper["eps"].put(1e-10)
    assert panel.values()["eps"] == 1e-10 and panel.hyper["eps"].text() == "1e-10"
    panel.seed.put(2**32 - 1)
    assert panel.values()["seed"] == 4294967295 and isinstance(panel.values()["seed"], int)


def test_box_ranges_are_the_engines(qtbot):
    from gui.panels import DataPanel, NetworkPanel, TrainingPanel

    data, net, train = DataPanel(), NetworkPanel(), TrainingPanel()
    for w in (data, net, train):
        qtbot.addWidget(w)
    assert train.lr.maximum() == PARAMS["train"]["lr"].hi == 100.0 and train.lr.minimum() > 0
    assert data.samples.maximum() == PARAMS["data"]["n_samples"].hi
    assert net.layers.rows[0][1].maximum() == PARAMS["model"]["hidden"].hi
    assert net.bias_value.minimum() == -100.0
    assert "<= 100" in train.lr.toolTip()


def test_an_unset_noise_stays_the_data_sets_default_until_edited(qtbot):
    from gui.panels import DataPanel

    panel = DataPanel()
    qtbot.addWidget(panel)
    panel.set_values(Config.from_dict({"data": {"name": "xor"}}).data)
    assert panel.values()["noise"] is None and panel.noise.value() == 0.05 and panel.noise.font().italic()
    with qtbot.waitSignal(panel.changed):
        panel.noise.stepBy(1)
    assert panel.values()["noise"] == 0.1 and not panel.noise.font().italic()


def test_the_learning_rate_steps_along_one_two_five(qtbot):
    from gui.panels import TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.lr.put(0.03)
    seen = []
    for _ in range(3):
        panel.lr.stepBy(1)
        seen.append(panel.lr.value())
    assert seen == [0.05, 0.1, 0.2]


def test_typed_values_that_break_a_rule_are_refused_with_the_rule(qtbot):
    from gui.panels import NetworkPanel, TrainingPanel

    train, net = TrainingPanel(), NetworkPanel()
    for w in (train, net):
        qtbot.addWidget(w)
        w.show()
    refused = []
    train.rejected.connect(refused.append)
    net.rejected.connect(refused.append)
    train.lr.lineEdit().selectAll()
    qtbot.keyClicks(train.lr, "500")
    qtbot.keyClick(train.lr, Qt.Key_Return)
    width = net.layers.rows[1][1]
    width.lineEdit().selectAll()
    qtbot.keyClicks(width, "5000")
    qtbot.keyClick(width, Qt.Key_Return)
    assert refused == ["train.lr: must be > 0 and <= 100, got 500", "model.hidden[1]: must be at most 4096, got 5000"]
    assert train.lr.value() == 0.03 and width.value() == 8


def test_a_typed_exponent_is_taken(qtbot):
    from gui.panels import TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.show()
    box = panel.hyper["eps"]
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "1e-12")
    with qtbot.waitSignal(panel.changed):
        qtbot.keyClick(box, Qt.Key_Return)
    assert panel.values()["eps"] == 1e-12


def test_every_setting_of_the_schema_has_a_widget(qtbot):
    """Nothing a configuration holds is left without a control (some in Advanced)."""
    from gui.panels import DataPanel, NetworkPanel, TrainingPanel

    for panel, section in ((DataPanel(), "data"), (NetworkPanel(), "model"), (TrainingPanel(), "train")):
        qtbot.addWidget(panel)
        keys = set(panel.values())
        assert set(PARAMS[section]) - {"features", "activations"} <= keys, section


def test_the_window_says_why_a_typed_value_was_refused(window, qtbot):
    box = window.training_panel.lr
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "250")
    qtbot.keyClick(box, Qt.Key_Return)
    label = window.error_label
    assert label.isVisibleTo(window)
    assert label.text() == "train.lr: must be > 0 and <= 100, got 250. The box keeps its previous value."
    assert window.session.config.train.lr == 0.03 and box.value() == 0.03


def test_each_optimisers_tooltip_states_its_update_rule(qtbot):
    from engine import optimizers
    from gui.panels import TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    box = panel.optimizer
    for i in range(box.count()):
        cls = optimizers.OPTIMIZERS[box.itemData(i)]
        assert cls.rule and box.itemData(i, Qt.ToolTipRole).endswith(f"Update: {cls.rule}")
    nag = box.findData("nag")
    assert "g(w + μ·v)" in box.itemData(nag, Qt.ToolTipRole)
