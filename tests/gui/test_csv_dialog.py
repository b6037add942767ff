"""Choosing "CSV file…" and then cancelling the file dialog goes back to the data set shown:
nothing rebuilt, nothing lost."""

from PySide6.QtWidgets import QFileDialog

from engine.config import Config


class FakeDialog:
    """Stands in for QFileDialog.getOpenFileName: answers ``path`` ("" = cancelled) and counts."""

    def __init__(self, path: str):
        self.path = path
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.path, ""


def pick(panel, name):
    panel.dataset.setCurrentIndex(panel.dataset.findData(name))  # what choosing the entry does


def test_cancelling_the_csv_dialog_restores_the_data_set(qtbot, monkeypatch):
    from gui.panels import DataPanel

    panel = DataPanel()
    qtbot.addWidget(panel)
    panel.set_values(Config.from_dict({"data": {"name": "circles", "n_samples": 123, "noise": 0.3, "seed": 7}}).data)
    panel.set_feature_names(["x1", "x2"])
    before = panel.values()
    changes = []
    panel.changed.connect(lambda: changes.append(1))
    cancel = FakeDialog("")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", cancel)

    pick(panel, "csv")

    assert cancel.calls == 1
    assert panel.dataset.currentData() == "circles" and panel.dataset.currentText() == "Circles"
    assert panel.values() == before and changes == []
    assert panel.samples.value() == 123 and panel.noise.value() == 0.3 and panel.csv_path.text() == ""
    assert [panel.feature_x.itemText(i) for i in range(panel.feature_x.count())] == ["x1", "x2"]
    assert not panel.csv_path.isVisibleTo(panel)  # the File row stays hidden: circles is shown

    pick(panel, "csv")  # asked again each time, cancelled again
    assert cancel.calls == 2 and panel.dataset.currentData() == "circles" and changes == []


def test_a_chosen_csv_file_switches_once(qtbot, monkeypatch, tmp_path):
    from gui.panels import DataPanel

    panel = DataPanel()
    qtbot.addWidget(panel)
    panel.set_values(Config.from_dict({"data": {"name": "moons", "n_samples": 250}}).data)
    path = str(tmp_path / "points.csv")
    chosen = FakeDialog(path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", chosen)
    with qtbot.waitSignal(panel.changed):
        pick(panel, "csv")
    assert chosen.calls == 1 and panel.dataset.currentData() == "csv" and panel.values()["path"] == path
    pick(panel, "moons")  # moons' own settings come back
    assert panel.values()["n_samples"] == 250
    pick(panel, "csv")  # the file is kept: no second dialog
    assert chosen.calls == 1 and panel.values()["path"] == path


def test_the_window_keeps_its_session_when_the_dialog_is_cancelled(window, qtbot, monkeypatch):
    panel = window.data_panel
    session, config = window.session, window.current_config()
    names = [panel.feature_x.itemText(i) for i in range(panel.feature_x.count())]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", FakeDialog(""))
    pick(panel, "csv")
    qtbot.wait(50)  # anything queued has run
    assert window.session is session and window.current_config() == config
    assert panel.dataset.currentData() == config.data.name == "moons"
    assert [panel.feature_x.itemText(i) for i in range(panel.feature_x.count())] == names
    assert not window.error_label.isVisibleTo(window)
