"""Epoch-end records: histograms equal to the snapshots', parameters equal to the weights, thinned, append-only."""

import json
from pathlib import Path

import numpy as np
import pytest

from engine import probes
from engine.binning import PassHistograms
from engine.config import Config
from engine.history import MAX_PARAMETERS, HistogramRecords, HistoryBuffer, ParameterRecords, Thinning
from engine.session import DIAGNOSTIC_SAMPLE, Session
from engine.snapshot import History

ROOT = Path(__file__).resolve().parents[2]
MOONS = {"data": {"name": "moons", "n_samples": 300, "noise": 0.15, "val_fraction": 0.2},
         "model": {"hidden": [8, 8], "activation": "tanh", "init": "xavier"},
         "train": {"optimizer": "adam", "lr": 0.03, "epochs": 12, "batch_size": 32, "seed": 0}}
SMALL = {**MOONS, "model": {"hidden": [3], "activation": "tanh", "init": "xavier"}}  # 2-3-2: 17 parameters


def config(base=MOONS, **changes):
    return Config.from_dict(base).with_changes(**changes) if changes else Config.from_dict(base)


def blobs(init, epochs=30):
    raw = json.loads((ROOT / "resources/configs/1a_blobs4_zeros_tanh.json").read_text())
    raw["model"]["init"] = init
    raw["train"]["epochs"] = epochs
    return Config.from_dict(raw)


def every_epoch(cfg, **kw):
    """A session that records every epoch the thinning keeps (no time budget)."""
    s = Session(cfg, **kw)
    s.histogram_budget = None
    return s


def run(s, every=10**9):
    s.snapshot_every = every
    return [x for x in s.run() if x is not None]


def assert_same_histograms(snap):
    found = snap.history.histograms_at(snap.epoch)
    assert found is not None and found[0] == snap.epoch
    recorded = found[1]
    assert len(recorded) == len(snap.layers)
    for (acts, grads), stats in zip(recorded, snap.layers):
        for mine, theirs in ((acts, stats.activations), (grads, stats.gradients)):
            assert np.array_equal(mine.counts, theirs.counts) and mine.counts.dtype == np.int64
            assert np.array_equal(mine.edges, theirs.edges)


# -- histograms ---------------------------------------------------------------------------
@pytest.mark.parametrize("changes", [
    {},
    {"train": {"optimizer": "gd", "lr": 0.5, "loss_reduction": "sum"}},
    {"model": {"activation": "sigmoid", "init": "normal", "init_param": 3.0, "dtype": "float32"}},
    {"model": {"activation": "relu", "init": "he"}, "train": {"optimizer": "sgd", "lr": 2.0, "batch_size": 16}},
], ids=["mini-batch", "full-batch-sum", "float32-saturated", "relu-widening"])
def test_recorded_histograms_equal_the_snapshots_of_each_epoch(changes):
    s = every_epoch(config(**changes))
    first = s.snapshot()  # epoch 0: the initial weights
    assert first.epoch == 0 and first.history.histograms_at(0)[0] == 0
    snaps = run(s, every=s.steps_per_epoch)
    assert [x.epoch for x in snaps] == list(range(1, 13)) + [12]
    for snap in (first, *snaps):
        assert_same_histograms(snap)
    assert snaps[-1].history.histogram_epochs.tolist() == list(range(13))


def test_a_larger_set_records_the_diagnostic_samples_histograms():
    s = every_epoch(config(data={"n_samples": 3000}, train={"epochs": 2, "batch_size": 256}))
    assert len(s.split.y_train) > DIAGNOSTIC_SAMPLE
    for snap in run(s, every=s.steps_per_epoch):
        assert_same_histograms(snap)
        assert snap.history.histograms_at(snap.epoch)[1][0][0].counts.sum() == DIAGNOSTIC_SAMPLE * 8


def test_histograms_at_takes_the_nearest_record_below():
    s = every_epoch(config())
    s._history.histograms.thinning.per_stride = 2  # 0, 1, then 2, 4, then 8, 12
    h = run(s)[-1].history
    assert h.histogram_epochs.tolist() == [0, 1, 2, 4, 8, 12]
    assert h.histograms_at(7)[0] == 4 and h.histograms_at(8)[0] == 8 and h.histograms_at(100)[0] == 12
    assert h.histograms_at(-1) is None
    assert History(*[np.zeros(0)] * 9).histograms_at(5) is None  # nothing recorded: None


def test_the_fast_binning_equals_the_probes_even_with_non_finite_values():
    s = Session(config())
    net = s.network
    net.loss_and_backward(s._Xd, s._Td, "mean")
    net.activations[1][0, 0] = np.nan
    net.layers[1].W.grad[0, 0] = np.inf
    counts, edges = PassHistograms()(net, {})
    stats = probes.layer_stats(net, {})
    for i, st in enumerate(stats):
        assert np.array_equal(counts[2 * i], st.activations.counts)
        assert np.array_equal(edges[2 * i], st.activations.edges)
        assert np.array_equal(counts[2 * i + 1], st.gradients.counts)


def test_the_time_budget_skips_histograms_not_parameters():
    s = Session(blobs("he", epochs=2000))
    s.histogram_budget = 0.0  # no time earned: the histograms stop once the 5 ms saved at the start are spent
    h = run(s)[-1].history
    assert h.parameter_epochs.tolist() == list(range(2001))
    kept = h.histogram_epochs.tolist()
    assert 1 < len(kept) < 2001 and kept == list(range(len(kept)))  # the first epochs, then none


def test_no_epoch_diagnostics_records_nothing():
    h = run(Session(config(SMALL), epoch_diagnostics=False))[-1].history
    assert len(h.histogram_epochs) == 0 and len(h.parameter_epochs) == 0 and h.histograms_at(12) is None


# -- thinning and append-only ---------------------------------------------------------------
def reference_thinning(epochs, per_stride):
    kept = []
    for e in epochs:
        if e % (1 << (len(kept) // per_stride)) == 0:
            kept.append(e)
    return kept


def test_thinning_doubles_the_stride_every_per_stride_records():
    t, kept = Thinning(per_stride=3), []
    for e in range(100):
        if t.wants(e, len(kept)):
            kept.append(e)
            t.last = e
    assert kept == [0, 1, 2, 4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96]
    assert kept == reference_thinning(range(100), 3)
    assert not t.wants(96, len(kept)) and not t.wants(50, len(kept))  # never an epoch again, or an earlier one


def test_thinned_records_stay_bounded_and_never_change_once_frozen():
    s = every_epoch(config(SMALL, train={"optimizer": "gd", "lr": 0.5, "epochs": 400}))
    for records in (s._history.histograms, s._history.parameters):
        records.thinning.per_stride = 10
    frozen = []
    s.snapshot_every = 37
    for snap in s.run():
        if snap is not None:
            frozen.append((snap.history, snap.history.histogram_counts.copy(), snap.history.parameters.copy(),
                           snap.history.histogram_epochs.copy()))
    final = frozen[-1][0]
    expected = reference_thinning(range(401), 10)
    assert final.histogram_epochs.tolist() == expected and final.parameter_epochs.tolist() == expected
    assert len(expected) == 53  # 10 at each stride 1, 2, 4, 8, 16 (to epoch 304), then 320, 352, 384
    for history, counts, params, epochs in frozen:  # a snapshot's records never change afterwards
        assert np.array_equal(history.histogram_counts, counts) and np.array_equal(history.parameters, params)
        assert np.array_equal(history.histogram_epochs, epochs)
        n = len(epochs)
        assert np.array_equal(final.histogram_counts[:n], counts)
        assert final.histogram_epochs[:n].tolist() == epochs.tolist()
        with pytest.raises(ValueError, match="read-only"):
            history.parameters[...] = 0


def test_growing_and_freezing_copies_nothing():
    records = HistogramRecords(n_layers=1, per_stride=1000)
    edges = np.linspace(-1, 1, 5)
    views = []
    for e in range(200):  # past several doublings of the arrays
        records.append(e, np.full((2, 4), e), [edges, edges])
        views.append(records.views())
    counts, index, table = records.views()
    assert np.shares_memory(counts, records.counts.data) and len(table) == 1  # one set of edges, kept once
    for e, (c, _, _) in enumerate(views):
        assert len(c) == e + 1 and c[e].max() == e == c[e].min()
    wider = np.linspace(-2, 2, 5)
    records.append(200, np.zeros((2, 4)), [wider, edges])
    assert len(records.views()[2]) == 2 and records.views()[1][-1].tolist() == [[1, 0]]


def test_counts_switch_to_int64_only_for_huge_arrays():
    small, huge = HistogramRecords(1), HistogramRecords(1)
    small.append(0, np.full((2, 3), 10), [np.arange(4.0)] * 2)
    huge.append(0, np.full((2, 3), 2**30), [np.arange(4.0)] * 2)
    assert small.views()[0].dtype == np.int32 and huge.views()[0].dtype == np.int64


# -- parameters -----------------------------------------------------------------------------------
def weights_in_columns(history, network):
    """The network's weights laid out as one row of ``history.parameters``."""
    row = np.empty(history.parameters.shape[1])
    for layer in network.layers:
        W, b = history.parameter_columns(layer.index)
        row[W] = layer.W.value
        row[b] = layer.b.value
    return row


def test_parameters_equal_the_weights_at_each_epoch_end():
    recorded = run(every_epoch(config(SMALL)))[-1].history
    assert recorded.parameters.shape == (13, 17) and recorded.parameter_epochs.tolist() == list(range(13))
    stepped = Session(config(SMALL))
    assert np.array_equal(recorded.parameters[0], weights_in_columns(recorded, stepped.network))  # epoch 0
    stepped.pause()
    loop = stepped.run()
    for epoch in range(1, 13):
        stepped.step_epoch()
        snap = next(loop)
        while snap is None or snap.epoch < epoch:
            snap = next(loop)
        assert np.array_equal(recorded.parameters[epoch], weights_in_columns(recorded, stepped.network))


def test_parameter_names_are_one_based_and_match_the_columns():
    h = run(every_epoch(config(SMALL, train={"epochs": 1})))[-1].history
    names = h.parameter_names
    assert len(names) == 17 == h.parameter_count and h.parameter_shapes == ((2, 3), (3, 2))
    W1, b1 = h.parameter_columns(1)
    W2, b2 = h.parameter_columns(2)
    assert names[W1[0, 1]] == "W1[1,2]" and names[b1[2]] == "b1[3]"
    assert names[W2[2, 0]] == "W2[3,1]" and names[b2[1]] == "b2[2]"
    assert sorted(np.concatenate([W1.ravel(), b1, W2.ravel(), b2]).tolist()) == list(range(17))
    with pytest.raises(ValueError, match="layer must be 1..2"):
        h.parameter_columns(3)


def test_zeros_init_keeps_the_hidden_units_identical_in_the_record():
    zeros = run(every_epoch(blobs("zeros")))[-1].history
    W1, b1 = zeros.parameter_columns(1)
    W2, _ = zeros.parameter_columns(2)
    p = zeros.parameters
    assert zeros.parameter_count == 18 and len(zeros.parameter_epochs) == 31
    assert np.array_equal(p[:, W1[:, 0]], p[:, W1[:, 1]]) and np.array_equal(p[:, b1[0]], p[:, b1[1]])
    assert np.array_equal(p[:, W2[0]], p[:, W2[1]])  # their outgoing weights too: they stay one unit
    he = run(every_epoch(blobs("he")))[-1].history.parameters
    assert not np.array_equal(he[:, W1[:, 0]], he[:, W1[:, 1]])


def test_a_network_of_over_100_parameters_records_no_parameters():
    s = every_epoch(config())  # 2-8-8-2: 114 parameters
    assert s.network.n_parameters > MAX_PARAMETERS and s._history.parameters is None
    h = run(s)[-1].history
    assert h.parameter_count == 114 and h.parameter_epochs.shape == (0,) and h.parameters.shape == (0, 0)
    assert h.parameter_names == () and len(h.histogram_epochs) == 13


def test_parameter_records_grow_by_doubling_into_new_arrays():
    records = ParameterRecords(3)
    first = None
    for e in range(70):  # past the first capacity (64)
        records.append(e, [np.array([e, e + 0.5]), np.array([-e])])
        if e == 10:
            first = records.values.view()
    assert first.shape == (11, 3) and first[10].tolist() == [10, 10.5, -10]
    assert records.values.view()[69].tolist() == [69, 69.5, -69] and records.epochs.view().tolist() == list(range(70))


def test_history_buffer_without_shapes_has_no_parameter_records():
    h = HistoryBuffer(2).freeze()
    assert h.parameter_count == 0 and h.parameter_names == () and h.histograms_at(0) is None
