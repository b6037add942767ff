"""A diverged run on screen tells one coherent story: the same epochs, compact numbers,
the last finite state shown (never a black map), and alerts whose words explain."""

import math
import re

import numpy as np

from engine import probes
from engine.config import Config
from engine.probes import AlertContext
from engine.session import Session
from engine.snapshot import Alert, BoundaryGrid, History, Snapshot
from gui.plots import VIEWS
from gui.status import status_text

CFG = Config.from_dict({"data": {"name": "moons", "n_samples": 200},
                        "model": {"hidden": [8], "activation": "relu", "output": "identity"},
                        "train": {"optimizer": "sgd", "lr": 1.0, "loss_reduction": "sum", "epochs": 500,
                                  "batch_size": 32}})
LONG_NUMBER = re.compile(r"\d{9,}")  # what {:.4f} made of a loss of 1e+140


def history(train, val):
    n = len(train)
    per_layer = np.ones((n, 2))
    return History(np.arange(1, n + 1), np.asarray(train, float), np.asarray(val, float), np.full(n, 0.5),
                   np.full(n, 0.5), per_layer, per_layer, per_layer, per_layer)


def snapshot(epoch=1, status="running", loss=1.6e199, alerts=(), hist=None, **kw):
    hist = hist if hist is not None else history([0.5] * (epoch - 1) + [loss], [0.6] * (epoch - 1) + [2 * loss])
    return Snapshot(step=10 * epoch, epoch=epoch, status=status, lr=1.0, train_loss=loss, val_loss=2 * loss,
                    train_accuracy=0.5, val_accuracy=0.5, history=hist, alerts=alerts, **kw)


def make(qtbot, key, s):
    from gui.plots import style

    style.setup_pyqtgraph()
    view = VIEWS[key]()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    view.set_context(CFG, s.split)
    return view


def test_status_line_agrees_with_the_alert_and_prints_compact_numbers():
    final = probes.diverged_snapshot(snapshot(epoch=1), 2, math.inf, AlertContext(optimizer="sgd", lr=1.0))
    line = status_text(final, "idle")
    assert line.startswith("Diverged at epoch 2 · showing the last finite state, epoch 1 · step 10 · ")
    assert "loss 1.6e+199 (validation 3.2e+199)" in line and not LONG_NUMBER.search(line)
    assert "Training diverged at epoch 2" in final.alerts[-1].text  # the same epoch as the status line
    running = status_text(snapshot(epoch=3, loss=0.41581916), "running")
    assert running.startswith("Training · epoch 3 ·") and "loss 0.4158" in running


def test_loss_header_says_diverged_even_when_no_epoch_was_finished(qtbot):
    s = Session(CFG)
    view = make(qtbot, "loss", s)
    assert view.summary.text() == "Ready: press Play (Space) to train" or view.summary.text() == "No training yet"
    empty = history([], [])
    final = probes.diverged_snapshot(snapshot(epoch=0, loss=0.41581916, hist=empty), 1, math.inf)
    view.update_snapshot(final)
    assert view.summary.text() == ("Diverged at epoch 1 — showing the last finite state (epoch 0): training loss "
                                   "0.4158, accuracy 50.0% · validation loss 0.8316, accuracy 50.0%")
    # the same history as the last frame drawn: the header still changes to tell the story
    running = snapshot(epoch=2, loss=1.6e199)
    view.update_snapshot(running)
    assert view.summary.text().startswith("Epoch 2: training loss 1.6e+199,")
    assert not LONG_NUMBER.search(view.summary.text())
    view.update_snapshot(probes.diverged_snapshot(running, 3, math.nan))
    assert view.summary.text().startswith("Diverged at epoch 3 — showing the last finite state (epoch 2)")
    x, _ = view.train_loss.getData()
    assert list(x) == [1.0, 2.0]


def test_boundary_never_turns_black(qtbot):
    s = Session(CFG)
    view = make(qtbot, "boundary", s)
    grid = s.boundary(20)
    probs = grid.probs.copy()
    probs[:5] = np.nan  # an overflowing network: NaN probabilities in part of the plane
    bad = BoundaryGrid(grid.xs, grid.ys, probs, grid.features, grid.train_pred, grid.val_pred)
    view.update_snapshot(probes.diverged_snapshot(snapshot(epoch=4, boundary=bad), 5, math.nan))
    rgb = view.last_rgba[:, :, :3]
    assert not (rgb == 0).all(axis=2).any()  # no black pixel
    assert (rgb[:5] == view_grey()).all() and (rgb[5:] != view_grey()).any(axis=2).all()
    caption = view.caption.text()
    assert "Diverged at epoch 5: the map shows the last finite weights (epoch 4)." in caption
    assert "Grey: the network's output is not finite there." in caption
    view.update_snapshot(snapshot(epoch=1, boundary=grid))
    assert "Grey" not in view.caption.text() and "Diverged" not in view.caption.text()


def view_grey():
    from gui.plots.boundary import UNDEFINED

    return np.array(UNDEFINED, dtype=np.ubyte)


def test_diagnostics_tell_one_story_after_divergence(qtbot):
    s = Session(CFG)
    view = make(qtbot, "diagnostics", s)
    layers = s.snapshot().layers  # any layers: the view only needs to know diagnostics were computed
    vanish = Alert("vanishing", 1, 1e-4, "Gradients vanish: layer 1 gets 1/10,000 of the output layer's gradient",
                   "warning", "10 layers of sigmoid: each multiplies the gradient by a slope of at most 1/4",
                   "ReLU with He initialisation, or fewer layers")
    grads = Alert("exploding", 1, math.inf, "Gradients explode: they are no longer finite", "error")
    view.update_snapshot(snapshot(epoch=3, alerts=(vanish, grads), layers=layers))
    (first,) = [view.list.item(i).text() for i in range(view.list.count()) if "vanish" in view.list.item(i).text()]
    assert first == ("Epoch 3: Gradients vanish: layer 1 gets 1/10,000 of the output layer's gradient — likely "
                     "cause: 10 layers of sigmoid: each multiplies the gradient by a slope of at most 1/4 — "
                     "try: ReLU with He initialisation, or fewer layers")
    acts = Alert("exploding", 2, 2.5e57, "Activations explode: layer 2's outputs have std 2.5e+57", "error")
    final = probes.diverged_snapshot(snapshot(epoch=2, alerts=(vanish, acts), layers=layers), 3, math.nan,
                                     AlertContext(optimizer="sgd", lr=1.0))
    view.update_snapshot(final)
    texts = [view.list.item(i).text() for i in range(view.list.count())]
    assert texts[0].startswith("Training diverged at epoch 3 (loss is NaN; last finite loss 1.6e+199, at epoch 2)")
    exploding = [t for t in texts if "explode" in t]
    assert exploding == ["Epoch 3: Activations explode: layer 2's outputs have std 2.5e+57"]  # one line, updated
    (gone,) = [t for t in texts if "vanish" in t]  # exploding won: vanishing is not part of the final story
    assert gone.endswith("— not in the last finite state (epoch 2)") and "cleared by epoch" not in gone
    assert view.status.text() == ("✖ Training diverged at epoch 3: showing the last finite state (epoch 2); "
                                  "the red alert says why")
    assert all("<" not in t for t in texts)  # plain text


def test_help_text_states_the_rules_and_where_they_are_approximate():
    from gui.plots.diagnostics import DEFINITIONS

    text = " ".join(re.sub(r"<[^>]+>", "", DEFINITIONS).split())
    assert "They stay identical only if their outgoing weights are identical too" in text
    assert "In layer 1 that is for ever under plain SGD" in text and "can come back" in text
    assert "1000 of its points" in text  # "every sample" is a sample when the set is large
    assert "best guess" in text  # the causes are guesses; the numbers are exact
    assert f"last {probes.OVERFIT_EPOCHS} epochs" in text and "20%" in text
    for name in ("softplus", "ELU", "SELU", "GELU"):
        assert name in text
    assert "never recovers" not in text and "stay identical for ever" not in text


def test_a_diverged_run_on_screen(qtbot, window):
    window.apply_config(CFG)
    window.docks["diagnostics"].raise_()
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.session.status == "diverged", timeout=5000)
    qtbot.waitUntil(lambda: window.shown is not None and window.shown.status == "diverged", timeout=3000)
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Diverged"), timeout=3000)
    snap = window.shown
    n, m = snap.diverged_epoch, snap.epoch
    assert n == m + 1
    status = window.status_label.text()
    assert status.startswith(f"Diverged at epoch {n} · showing the last finite state, epoch {m} ·")
    assert not LONG_NUMBER.search(status)
    diag = window.views["diagnostics"]
    texts = [diag.list.item(i).text() for i in range(diag.list.count())]
    assert any(t.startswith(f"Training diverged at epoch {n} ") and "lower the learning rate" in t for t in texts)
    loss = window.views["loss"].summary.text()
    assert loss.startswith(f"Diverged at epoch {n} — showing the last finite state (epoch {m})")
    rgb = window.views["boundary"].last_rgba[:, :, :3]
    assert not (rgb == 0).all(axis=2).any()


def test_the_diagnostics_export_names_each_alerts_state_after_divergence(window, qtbot, tmp_path):
    """The CSV's state column comes from the list's own state, not from parsing its words."""
    import csv

    from engine.config import Config

    window.apply_config(Config.from_dict({"data": {"name": "moons", "n_samples": 400},
                                          "model": {"hidden": [8, 8], "activation": "relu", "output": "identity"},
                                          "train": {"optimizer": "sgd", "lr": 50, "epochs": 300}}))
    window.play_pause()
    qtbot.waitUntil(lambda: window.latest is not None and window.latest.status == "diverged", timeout=20000)
    window.redraw()
    path = tmp_path / "d.csv"
    window.export("diagnostics", str(path))
    rows = list(csv.reader(path.open(encoding="utf-8")))[1:]
    assert rows
    for state, _severity, text in rows:
        want = ("not in the last finite state" if "not in the last finite state" in text
                else "cleared" if "cleared by epoch" in text else "active")
        assert state == want, (state, text)
    assert any(state == "active" and "diverged" in text for state, _, text in rows)
