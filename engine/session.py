"""The training session: a generator that trains step by step and yields Snapshots.

``Session(config).run()`` yields a ``Snapshot`` every ``snapshot_every``
optimiser steps, ``None`` as a heartbeat while paused, and a final snapshot
when the run completes, diverges or is stopped. It knows nothing of threads
or Qt: the window's worker iterates it in a QThread, the CLI and the tests
iterate it directly. The controls (pause, resume, stop, step_epoch, set_lr)
only set flags that the loop reads between steps, so another thread may call
them while ``run()`` is iterating.

Its helpers have their own homes: batches.py (which rows a step sees),
history.py (the per-epoch curves and epoch-end records), binning.py (the records'
histograms), checkpoint.py (the weights a diverged run falls back to). Why the
rest stays here, in about 630 lines: the loop, the epoch
metrics and the snapshots share one piece of state, the network's last
forward/backward pass (``_pending``, ``_diag_pass``): a full-batch step's pass
*is* the epoch's evaluation, and a snapshot reuses the evaluation's pass.
Splitting them would hand that state between objects inside the hot loop.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Iterator

import numpy as np

from . import budget, datasets, optimizers, probes
from .batches import Batcher, spread_rows
from .binning import PassHistograms
from .checkpoint import Fallback
from .config import Config, ConfigError
from .datasets import Dataset
from .history import HistoryBuffer
from .network import Network
from .snapshot import BoundaryGrid, History, Snapshot

__all__ = ["DIAGNOSTIC_SAMPLE", "EVALUATION_SAMPLE", "Session"]

#: Snapshots compute layer statistics on at most this many training samples
#: (all of them for the small data sets of the lessons).
DIAGNOSTIC_SAMPLE = 1000
#: Mini-batch epoch metrics cover the whole training set up to this size, else
#: this many samples spread evenly through it, so that their cost per epoch
#: stays bounded while an epoch's own cost grows with the data.
EVALUATION_SAMPLE = 4096
_PAUSE_POLL = 0.05  # seconds a paused run waits for a control before yielding a heartbeat
_RATE_WINDOW = 0.25  # seconds of training over which steps_per_second is measured (the first too: a
# burst of a few steps says nothing yet), except at the end of a run, which measures what it has
_FINAL = ("completed", "diverged", "stopped")
#: the epoch-end records may take this share of the training time (``histogram_budget``; with what the
#: timer cannot see, such as the caches they displace, a run slows by about 5 %) ...
HISTOGRAM_BUDGET = 0.03
_HISTOGRAM_CREDIT = 0.005  # ... saved up for at most this many seconds (after a pause, a slow pace)


class Session:
    """Data, network and optimiser for one configuration, and the loop that trains them.

    Randomness: ``config.train.seed`` drives everything. The network draws its
    weights from ``default_rng(seed)``; the batches (``batches.Batcher``:
    shuffled each epoch, with replacement, or full batch) come from an
    independent stream spawned from the same seed. Equal seeds give
    bit-identical runs, whatever snapshots are taken.

    Epoch metrics (``epoch_diagnostics``, default True) describe the weights at
    the end of each epoch, exactly, not as a running average of batch losses:
    loss per sample and accuracy over the training set and over the validation
    set, and per layer the spread of the activations and the saturated and dead
    fractions over the training set, and the mean |dW| of the mean loss's
    gradient over the diagnostic sample (the whole set up to DIAGNOSTIC_SAMPLE
    points; in full-batch training always the whole set). In full-batch
    training the next step's forward and backward pass
    *is* that evaluation, so it is reused and the epoch's entry is completed
    by the next step (or by a snapshot asking for it): it costs the validation
    pass and a few reductions. With mini-batches one extra pass per epoch
    computes it, over the whole training set up to EVALUATION_SAMPLE points
    and over that many points spread evenly through larger sets
    (``evaluation_rows``), so its cost stays a bounded share of the epoch.
    ``epoch_diagnostics=False`` records no history and leaves only the bare
    training steps (for benchmarks).

    Epoch-end records (engine/history.py), from the same pass: every
    parameter's value (networks of at most 100) and each layer's activation
    and gradient histograms, equal to a snapshot's at that moment (except in
    full-batch training on a set larger than the diagnostic sample: they then
    cover the whole set, like the epoch's gradient curve). Epoch 0, the
    initial weights, is recorded when training starts or at the first
    snapshot. Binning every epoch can cost as much as a small network's epoch,
    so the records take at most ``histogram_budget`` (3 %) of the training
    time, the histograms skipping the epochs beyond it (None: every epoch the
    thinning keeps; time spent paused or waiting is credit, up to 5 ms).

    Snapshots (``snapshot_every`` steps, and ``snapshot()``) cost nothing on
    the steps in between; their layer statistics come from one forward and
    backward pass over the diagnostic sample, reused when the epoch's
    evaluation has just made it.

    Divergence: after each epoch the session keeps a copy of the weights
    (``checkpoint.Fallback``); a non-finite loss brings back the last
    epoch-end weights whose loss was finite, and the final snapshot describes them.
    """

    def __init__(self, config: Config, dataset: Dataset | None = None, epoch_diagnostics: bool = True):
        self._config = config
        d, m, t = config.data, config.model, config.train
        if dataset is None:
            spec = datasets.get(d.name)
            given = {"centers": d.centers, "arms": d.arms, "path": d.path, "label_column": d.label_column}
            params = {k: v for k, v in given.items() if k in spec.params and v is not None}
            dataset = datasets.make(d.name, d.n_samples, d.noise, d.seed, **params)
        self.dataset = dataset
        budget.check(config, dataset)  # ConfigError before the network and its copies exist
        if max(d.features) >= dataset.n_features:
            raise ConfigError("data.features", f"must be feature indices below {dataset.n_features}, "
                                               f"got {list(d.features)}")
        if m.output == "sigmoid" and dataset.n_classes != 2:
            raise ConfigError("model.output", f"'sigmoid' needs exactly 2 classes, the data has "
                                              f"{dataset.n_classes}; use 'softmax'")
        self.split = datasets.split(dataset, d.val_fraction, d.seed, d.standardize)
        self.network = Network(
            dataset.n_features, dataset.n_classes, m.hidden, m.layer_activations(), m.activation_params(),
            m.init, m.init_params(), m.bias_init, m.bias_value, m.output, seed=t.seed, dtype=m.dtype,
        )
        self.optimizer = optimizers.get(t.optimizer, self.network.parameters(), lr=t.lr, l2=t.l2, l1=t.l1,
                                        **t.hyper())
        self.epoch_diagnostics = bool(epoch_diagnostics)
        net = self.network
        self._param_values = _storage(net)  # what the parameter records copy (views, updated in place)
        self._pass_histograms = PassHistograms()
        self.histogram_budget: float | None = HISTOGRAM_BUDGET
        # data in the network's dtype, targets made once
        self._X = np.ascontiguousarray(self.split.X_train, dtype=net.dtype)
        self._y = self.split.y_train
        self._T = net.targets(self._y)
        self._Xv = np.ascontiguousarray(self.split.X_val, dtype=net.dtype)
        self._yv = self.split.y_val
        self._Tv = net.targets(self._yv)
        n = len(self._y)
        if n == 0:
            raise ConfigError("data.val_fraction", "leaves no training samples")
        # the fixed sample the snapshots' layer statistics come from: the whole training
        # set when it is small, else DIAGNOSTIC_SAMPLE rows spread evenly through it
        self._sample_is_all = n <= DIAGNOSTIC_SAMPLE
        self.diagnostic_rows = spread_rows(n, DIAGNOSTIC_SAMPLE)
        self._Xd, self._Td = self._X[self.diagnostic_rows], self._T[self.diagnostic_rows]
        self.evaluation_rows = spread_rows(n, EVALUATION_SAMPLE)
        if len(self.evaluation_rows) == n:
            self._Xe, self._ye, self._Te = self._X, self._y, self._T
        else:
            rows = self.evaluation_rows
            self._Xe, self._ye, self._Te = self._X[rows], self._y[rows], self._T[rows]
        self._batches = b = Batcher(self._X, self._T, t.batch_size, t.full_batch, t.with_replacement, t.seed)
        self.batch_size, self.full_batch, self.with_replacement = b.batch_size, b.full_batch, b.with_replacement
        self.steps_per_epoch = b.steps_per_epoch
        self._initial = net.get_weights()
        self._init_scale = probes.init_scale(self._initial)  # fixed until new weights: not per snapshot
        # controls, read by the loop between steps
        self.snapshot_every = 1
        self.want_diagnostics = True
        self.boundary_resolution: int | None = None
        #: a coarser grid for the snapshots taken while training runs (None: the full one);
        #: a pause, a step, the end and ``snapshot()`` use ``boundary_resolution``
        self.live_boundary_resolution: int | None = None
        #: what the last snapshot cost (seconds, all of it, and its boundary grid's part)
        self.last_snapshot_seconds = 0.0
        self.last_boundary_seconds = 0.0
        self._paused = False
        self._stop = False
        self._interrupt = False  # end the current period at the next step, with a snapshot
        self._step_requests = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._grid_cache: tuple | None = None
        self._reset_state()

    # -- state -------------------------------------------------------------------
    @property
    def config(self) -> Config:
        """The configuration, with the learning rate as set_lr left it."""
        return self._config

    @property
    def paused(self) -> bool:
        return self._paused

    def _reset_state(self) -> None:
        net = self.network
        self._batches.reset(self._config.train.seed)
        self.optimizer.reset()
        self.step = 0
        self.epoch = 0
        self.status = "idle"
        self._pos = 0  # steps taken in the current epoch
        self._stop = False
        with self._lock:
            self._step_requests = 0
        self._history = HistoryBuffer(len(net.layers), parameter_shapes=[(lr.fan_in, lr.fan_out) for lr in net.layers])
        # the records' time budget, saved up in full: the first epochs, where most happens, are all recorded
        self._hist_credit, self._hist_mark = _HISTOGRAM_CREDIT, time.perf_counter()
        self._pending: tuple[int, float, float] | None = None  # full batch: (epoch, val loss, val acc)
        self._bins: dict = {}
        self._W_before: list[np.ndarray] | None = None
        self._W_before_step = -1  # the step right after which _W_before is the pre-update W
        #: (step, gradient scale) when the network's kept pass is the snapshot's diagnostic
        #: pass (over the diagnostic sample) at the current weights, so a snapshot may reuse it
        self._diag_pass: tuple[int, float] = (-1, 1.0)
        self._fallback = Fallback(net)  # divergence checkpoints
        self._bad_loss = math.nan
        self._bad_epoch = 0
        self._final_snapshot: Snapshot | None = None
        self._rate = 0.0
        self._rate_mark = (time.perf_counter(), 0)
        self._last_snap_step = -1
        self._last_snap_full = True  # the last snapshot's boundary grid was the full one

    def reset(self) -> None:
        """Back to the same initial weights; optimiser state, history and counters cleared."""
        self.network.set_weights(self._initial)
        self.network.zero_grad()
        self._reset_state()

    def reinitialize(self, seed: int) -> None:
        """New initial weights (and shuffling) drawn from ``seed``; history cleared."""
        seed = int(seed)
        self._config = dataclasses.replace(self._config, train=dataclasses.replace(self._config.train, seed=seed))
        self.network.initialize(seed)
        self._initial = self.network.get_weights()
        self._init_scale = probes.init_scale(self._initial)
        self._reset_state()

    def initial_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of the (W, b) per layer that ``reset`` returns to (a pinned run keeps them)."""
        return [(W.copy(), b.copy()) for W, b in self._initial]

    def set_initial_weights(self, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Start over from these (W, b) per layer (ValueError if a shape differs); history cleared."""
        layers = self.network.layers
        if len(weights) != len(layers) or any(np.shape(W) != layer.W.value.shape or np.shape(b) != layer.b.value.shape
                                               for layer, (W, b) in zip(layers, weights)):
            expected = ", ".join(f"{layer.W.value.shape}+{layer.b.value.shape}" for layer in layers)
            got = ", ".join(f"{np.shape(W)}+{np.shape(b)}" for W, b in weights)
            raise ValueError(f"the weights do not fit this network: W+b shapes {expected} expected, got {got}")
        self.network.set_weights(weights)
        self.network.zero_grad()
        self._initial = self.network.get_weights()
        self._init_scale = probes.init_scale(self._initial)
        self._reset_state()

    def history(self) -> History:
        """Copies of the per-epoch curves so far."""
        return self._history.freeze()

    # -- controls (thread-safe: they only set flags) ---------------------------------
    def interrupt(self) -> None:
        """End the steps under way at the next step, with a snapshot (from any thread): a new
        pace then holds at once instead of after the current period."""
        self._interrupt = True

    def restart_rate(self) -> None:
        """Measure ``steps_per_second`` afresh from now (the pace has changed)."""
        self._rate = 0.0
        self._rate_mark = (time.perf_counter(), self.step)

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        self._wake.set()

    def stop(self) -> None:
        """End the run: the loop yields a final "stopped" snapshot at its next check."""
        self._stop = True
        self._wake.set()

    def step_epoch(self) -> None:
        """Pause (if running), then train to the end of the current epoch, yield, stay paused."""
        self._paused = True
        with self._lock:
            self._step_requests += 1
        self._wake.set()

    def set_lr(self, lr: float) -> None:
        """Change the learning rate from the next step on."""
        lr = float(lr)
        if not (lr > 0 and math.isfinite(lr)):
            raise ConfigError("train.lr", f"must be > 0, got {lr:g}")
        self.optimizer.lr = lr
        self._config = dataclasses.replace(self._config, train=dataclasses.replace(self._config.train, lr=lr))

    # -- the loop ----------------------------------------------------------------------
    def run(self) -> Iterator[Snapshot | None]:
        """Train until the epoch limit; see the module docstring for what is yielded."""
        if self.status == "diverged" and self._final_snapshot is not None:
            yield self._final_snapshot  # the weights are the last finite ones; reset() to train again
            return
        self._stop = self._stop and self.status not in _FINAL  # a new run after a stop trains on
        epochs = self._config.train.epochs
        self._rate_mark = (time.perf_counter(), self.step)
        while True:
            if self._stop:
                yield self._final("stopped", "Stopped by the user.")
                return
            if self.epoch >= epochs:
                yield self._final("completed", f"Completed {self.epoch} epochs.")
                return
            stepping = self._paused
            if stepping:
                with self._lock:
                    stepping = self._step_requests > 0
                if not stepping:
                    if self.status == "running" and (self.step != self._last_snap_step or not self._last_snap_full):
                        self.status = "paused"  # show exactly where training stopped, at full grid
                        yield self.snapshot(self.want_diagnostics, self.boundary_resolution)
                        continue
                    self.status = "paused"
                    self._wake.wait(_PAUSE_POLL)
                    self._wake.clear()
                    self._rate_mark = (time.perf_counter(), self.step)  # a pause is not slow training
                    yield None
                    continue
            self.status = "paused" if stepping else "running"
            if stepping:
                until = self.step + self.steps_per_epoch  # never reached before the epoch's end
            else:
                every = max(1, int(self.snapshot_every))
                # ``every`` steps after the last snapshot (at a fixed ``every``: its multiples), so
                # that a new ``snapshot_every`` means that many steps, not the way to its next multiple
                until = max(self.step + 1, max(self._last_snap_step, 0) + every)
            with np.errstate(all="ignore"):
                ok = self._train(until, one_epoch=stepping)
                if ok and self._pending is not None and (stepping or self.step == until or self._paused):
                    ok = self._complete_pending()
            if not ok:
                yield self._diverged()
                return
            if stepping:
                with self._lock:
                    self._step_requests = max(0, self._step_requests - 1)
                if self._pos == 0:
                    yield self.snapshot(self.want_diagnostics, self.boundary_resolution)
            elif self.step == until or self._interrupt:
                self._interrupt = False
                live = self.live_boundary_resolution if self.boundary_resolution else None
                yield self.snapshot(self.want_diagnostics, live or self.boundary_resolution)

    def _train(self, until: int, one_epoch: bool) -> bool:
        """Take steps until step ``until``, the epoch's end (``one_epoch``), the last epoch,
        or a pause/stop request. False when the loss becomes non-finite.

        This is the hot path: a batch, one forward and backward pass, a finite
        check and one optimiser step (about 40 NumPy calls for a small network,
        see benchmarks/fused.py), no copies (except the update-ratio copy of W
        before a step whose snapshot will be taken, and with mini-batches the
        per-epoch checkpoint), no history beyond floats. In full batch every
        step ends an epoch: the checkpoint is then the optimiser's previous
        buffer, not a copy (engine/checkpoint.py), except for Nesterov, whose
        look-ahead moves the weights before the step.
        """
        net, opt = self.network, self.optimizer
        loss_and_backward, opt_step = net.loss_and_backward, opt.step
        look_ahead = opt.look_ahead if opt.looks_ahead else None
        reduction = self._config.train.loss_reduction
        epochs = self._config.train.epochs
        draw, spe, fallback = self._batches.draw, self.steps_per_epoch, self._fallback
        if spe == 1 and look_ahead is None and not fallback.follows:
            fallback.follow(net, opt)  # every step ends an epoch: keep the previous buffer instead of copies
        diagnostics, isfinite = self.epoch_diagnostics, math.isfinite
        if diagnostics and self.step == 0:
            self._record_start()
        copy_before = until - 1 if self.want_diagnostics and not one_epoch else -1
        if one_epoch and self.want_diagnostics:
            copy_before = self.step + spe - self._pos - 1
        while True:
            pos = self._pos
            Xb, Tb = draw(pos)
            if self.step == copy_before:
                self._W_before = [layer.W.value.copy() for layer in net.layers]
                self._W_before_step = self.step + 1
            if look_ahead is not None:  # Nesterov: the gradient is taken at w + mu v
                if self._pending is not None and not self._complete_pending():
                    return False  # the last epoch's evaluation is of w, so it cannot reuse this pass
                look_ahead()
            loss = loss_and_backward(Xb, Tb, reduction)
            if not isfinite(loss):
                self._bad_loss = loss
                self._bad_epoch = self.epoch if pos == 0 and self.epoch > 0 else self.epoch + 1
                return False
            if fallback.candidate_open:
                fallback.promote()  # the epoch-end weights gave a finite loss
            if self._pending is not None:
                self._record_pending(loss)  # this forward pass is the last epoch's evaluation
            opt_step()
            self.step += 1
            if pos + 1 == spe:
                self._pos = 0
                self.epoch += 1
                if not self._end_epoch(diagnostics):
                    return False
                if one_epoch or self.epoch >= epochs:
                    return True
            else:
                self._pos = pos + 1
            if self.step >= until or self._stop or ((self._paused or self._interrupt) and not one_epoch):
                return True

    # -- epochs: metrics and history ----------------------------------------------------------
    def _end_epoch(self, diagnostics: bool) -> bool:
        """Close an epoch: checkpoint, then record (or, full batch, prepare) its history entry."""
        self._fallback.save_candidate(self.epoch, self.step)  # the fallback once its loss is finite
        if not diagnostics:
            return True
        val_loss, val_acc = self._evaluate(self._Xv, self._yv, self._Tv)
        if self.full_batch:
            self._pending = (self.epoch, val_loss, val_acc)
            return True
        net = self.network
        if self._sample_is_all:
            # one forward and backward pass over the whole training set gives everything
            loss = net.loss_and_backward(self._X, self._T, "mean")
            if not self._finite_or_fail(loss):
                return False
            acc = self._accuracy_of_pass(self._y)
            curves = probes.layer_curves(net)
        else:
            # a larger set: a forward pass over it (or its evaluation sample) for the loss,
            # accuracy, spread, saturation and dead units; gradients from the diagnostic sample
            loss = net.head.loss(net.forward(self._Xe), self._Te, "mean")
            if not self._finite_or_fail(loss):
                return False
            acc = self._accuracy_of_pass(self._ye)
            curves = probes.layer_curves(net)
            net.loss_and_backward(self._Xd, self._Td, "mean")
            curves = ([probes.grad_mean_abs(layer.W.grad) for layer in net.layers],) + curves[1:]
        self._diag_pass = (self.step, 1.0)  # the network now holds the snapshot's diagnostic pass
        self._fallback.promote()
        self._history.append(self.epoch, (loss, val_loss, acc, val_acc), curves)
        self._record_state(self.epoch, 1.0)
        return True

    def _finite_or_fail(self, loss: float) -> bool:
        if math.isfinite(loss):
            return True
        self._bad_loss = loss
        self._bad_epoch = self.epoch
        return False

    def _accuracy_of_pass(self, y: np.ndarray) -> float:
        """Accuracy of the forward pass the network just made, over the samples labelled y."""
        net = self.network
        return np.count_nonzero(net.head.predict(net.zs[-1]) == y) / len(y)

    def _record_pending(self, loss: float) -> None:
        """Full batch: the step's pass over the training set evaluates the last epoch's weights.

        The step's loss and gradient follow the configured reduction; under
        "sum" both are divided by n to give the per-sample mean that the
        history always records.
        """
        epoch, val_loss, val_acc = self._pending
        self._pending = None
        scale = 1.0 / len(self._y) if self._config.train.loss_reduction == "sum" else 1.0
        curves = probes.layer_curves(self.network, scale)
        self._history.append(epoch, (loss * scale, val_loss, self._accuracy_of_pass(self._y), val_acc), curves)
        self._record_state(epoch, scale)

    def _record_start(self) -> None:
        """Record epoch 0 (the initial weights) once, before the first step: from the snapshot's
        pass if one was just made, else from the pass the epochs' records come from (the loop and
        ``snapshot`` call it under their errstate)."""
        if self._history.histograms.epochs.size or self.step:
            return
        net = self.network
        if self.full_batch and not self._sample_is_all:  # the epochs' records cover the whole set
            net.loss_and_backward(self._X, self._T, "mean")
            self._diag_pass = (-1, 1.0)
        elif self._diag_pass[0] != 0:
            net.loss_and_backward(self._Xd, self._Td, "mean")
            self._diag_pass = (0, 1.0)
        self._record_state(0, self._diag_pass[1], budget=False)

    def _record_state(self, epoch: int, grad_scale: float, budget: bool = True) -> None:
        """Add epoch ``epoch``'s end state to the records, from the pass the network holds (the
        epoch's diagnostic pass; ``grad_scale`` as in ``layer_curves``): the parameters (one copy),
        and the histograms if the thinning keeps this epoch and the time budget allows."""
        started = time.perf_counter()
        history = self._history
        params, records = history.parameters, history.histograms
        if params is not None and params.wants(epoch):
            params.append(epoch, self._param_values)
        share = self.histogram_budget if budget else None
        if share is not None:  # the budget pays for the whole record, parameters included
            self._hist_credit = min(self._hist_credit + share * (started - self._hist_mark), _HISTOGRAM_CREDIT)
            self._hist_mark = started
        if records.wants(epoch) and (share is None or self._hist_credit > 0):
            counts, edges = self._pass_histograms(self.network, self._bins, grad_scale)
            records.append(epoch, counts, edges)
        if share is not None:
            self._hist_credit -= time.perf_counter() - started

    def _complete_pending(self) -> bool:
        """Evaluate now what the next full-batch step would (before a snapshot or the end)."""
        loss = self.network.loss_and_backward(self._X, self._T, self._config.train.loss_reduction)
        if not self._finite_or_fail(loss):
            return False
        self._fallback.promote()
        self._record_pending(loss)
        if self._sample_is_all:
            self._diag_pass = (self.step, 1.0 / len(self._y) if self._config.train.loss_reduction == "sum" else 1.0)
        return True

    def _evaluate(self, X: np.ndarray, y: np.ndarray, T: np.ndarray) -> tuple[float, float]:
        """(mean loss per sample, accuracy) of the current weights on one set; NaN if it is empty."""
        if len(y) == 0:
            return math.nan, math.nan
        net = self.network
        logits = net.forward(X, keep=False)
        loss = net.head.loss(logits, T, "mean")
        return loss, np.count_nonzero(net.head.predict(logits) == y) / len(y)

    # -- snapshots ------------------------------------------------------------------------------
    def snapshot(self, diagnostics: bool = True, boundary_resolution: int | None = None) -> Snapshot:
        """A frozen picture of the session now; every array in it is a copy.

        ``diagnostics``: per-layer LayerStats and alerts, from one forward and
        backward pass (mean loss) over up to DIAGNOSTIC_SAMPLE training samples.
        ``boundary_resolution``: also the class probabilities over a grid.
        """
        started = time.perf_counter()
        with np.errstate(all="ignore"):
            if self._pending is not None:
                self._complete_pending()
            h = self._history
            if h.size:
                tl, vl, ta, va = h.last()  # the last completed epoch
            else:
                tl, ta = self._evaluate(self._X, self._y, self._T)
                vl, va = self._evaluate(self._Xv, self._yv, self._Tv)
            if diagnostics and self.step == 0 and self.epoch_diagnostics:
                self._record_start()  # epoch 0, from the diagnostic pass (left for the layer statistics)
            layers, alerts, history = (), (), h.freeze()
            if diagnostics:
                net = self.network
                step, scale = self._diag_pass
                if step != self.step:
                    net.loss_and_backward(self._Xd, self._Td, "mean")
                    scale = 1.0
                    self._diag_pass = (self.step, scale)
                before = self._W_before if self._W_before_step == self.step else None
                layers = probes.layer_stats(net, self._bins, before, scale)
                alerts = probes.alerts(layers, self._alert_context(tl), history)
            before_boundary = time.perf_counter()
            boundary = self.boundary(boundary_resolution) if boundary_resolution else None
        now = time.perf_counter()
        self.last_boundary_seconds = now - before_boundary
        self.last_snapshot_seconds = now - started
        then, step_then = self._rate_mark
        if self.step > step_then and (now - then >= _RATE_WINDOW or (self.status in _FINAL and not self._rate)):
            self._rate = (self.step - step_then) / (now - then)
            self._rate_mark = (now, self.step)
        self._last_snap_step = self.step
        self._last_snap_full = boundary_resolution == self.boundary_resolution
        return Snapshot(
            step=self.step, epoch=self.epoch, status=self.status if self.status != "idle" else "paused",
            lr=self.optimizer.lr, train_loss=tl, val_loss=vl, train_accuracy=ta, val_accuracy=va,
            history=history, layers=layers, alerts=alerts, boundary=boundary,
            steps_per_second=self._rate,
        )

    def boundary(self, resolution: int = 150) -> BoundaryGrid:
        """Class probabilities of the current weights over a resolution x resolution grid
        in the plane of ``config.data.features`` (the grid is built once and cached),
        and the predicted labels of the training and validation points."""
        features = self._config.data.features
        if self._grid_cache is None or self._grid_cache[0] != resolution:
            xs, ys, points = datasets.grid_for(self.split, features, resolution)
            self._grid_cache = (resolution, xs, ys, np.ascontiguousarray(points, dtype=self.network.dtype))
        _, xs, ys, points = self._grid_cache
        net = self.network
        with np.errstate(all="ignore"):
            probs = net.predict_proba(points).astype(np.float32).reshape(resolution, resolution, -1)
            train_pred = net.predict(self._X)
            val_pred = net.predict(self._Xv) if len(self._yv) else np.zeros(0, np.int64)
        return BoundaryGrid(xs.copy(), ys.copy(), probs, tuple(features), train_pred, val_pred)

    # -- endings --------------------------------------------------------------------------------
    def _final(self, status: str, message: str) -> Snapshot:
        self.status = status
        snap = self.snapshot(self.want_diagnostics, self.boundary_resolution)
        return dataclasses.replace(snap, status=status, message=message)

    def _diverged(self) -> Snapshot:
        """End the run on the last finite weights, which the final snapshot describes (probes.diverged_snapshot)."""
        good, lr = self._fallback.good, self.optimizer.lr
        first_step = self.step == 0  # the very first pass, at the initial weights, was non-finite
        lr_before = probes.raised_since(self._lr_marks, good.step, lr, self.step, 2 * self.steps_per_epoch)
        self.network.set_weights(good.weights)
        self.epoch, self.step, self._pos = good.epoch, good.step, 0
        self._pending = None
        self._fallback.discard_candidate()
        self._diag_pass, self._bins = (-1, 1.0), {}  # new bins: the last finite state's, not the exploded range
        snap = self._final("diverged", "")
        ctx = self._alert_context(snap.train_loss, lr_before)
        self._final_snapshot = probes.diverged_snapshot(snap, max(1, self._bad_epoch), self._bad_loss, ctx, first_step)
        return self._final_snapshot

    _lr_marks: tuple[tuple[int, float], ...] = ()  # (step, lr) each time a snapshot saw lr change

    def _alert_context(self, loss: float, lr_before: float | None = None) -> probes.AlertContext:
        self._lr_marks = probes.note_lr(self._lr_marks, self.step, self.optimizer.lr)
        return probes.AlertContext.of(self._config, self._init_scale, self._lr_marks, self.step, self.steps_per_epoch,
                                      self.batch_size, loss, lr_before)


def _storage(net: Network) -> list[np.ndarray]:
    """The parameters in the records' column order (W1, ..., WL, b1, ..., bL): the one flat vector
    the network keeps them in, when it keeps them in that order (one copy per record), else each."""
    arrays = [layer.W.value for layer in net.layers] + [layer.b.value for layer in net.layers]
    flat = arrays[0].base
    if flat is None or flat.ndim != 1 or flat.size != sum(a.size for a in arrays):
        return arrays
    offset, start = 0, flat.__array_interface__["data"][0]
    for a in arrays:
        if a.__array_interface__["data"][0] != start + offset * flat.itemsize or not a.flags.c_contiguous:
            return arrays
        offset += a.size
    return [flat]
