"""The training session: a generator that trains step by step and yields Snapshots.

``Session(config).run()`` yields a ``Snapshot`` every ``snapshot_every``
optimiser steps, ``None`` as a heartbeat while paused, and a final snapshot
when the run completes, diverges or is stopped. It knows nothing of threads
or Qt: the window's worker iterates it in a QThread, the CLI and the tests
iterate it directly. Controls (pause, resume, stop, step_epoch, set_lr) only
set flags, so they are safe to call from another thread.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from typing import Iterator

import numpy as np

from . import datasets, optimizers, probes
from .config import Config, ConfigError
from .datasets import Dataset
from .network import Network
from .snapshot import Alert, BoundaryGrid, History, LayerStats, Snapshot

__all__ = ["Session", "DIAGNOSTIC_SAMPLE"]

#: Snapshots compute layer statistics on at most this many training samples.
DIAGNOSTIC_SAMPLE = 1000
_PAUSE_POLL = 0.05  # seconds a paused run waits before yielding a heartbeat


class Session:
    """Data, network and optimiser for one configuration, and the loop that trains them.

    ``epoch_diagnostics`` (default True) evaluates the whole training and
    validation sets at the end of every epoch and records per-layer curves;
    turning it off leaves only the bare training steps (for benchmarks).
    Epoch metrics are exact: a forward pass over each set after the epoch's
    last update, with the loss averaged per sample whatever the reduction.
    """

    def __init__(self, config: Config, dataset: Dataset | None = None, epoch_diagnostics: bool = True):
        self._config = config
        d, m, t = config.data, config.model, config.train
        if dataset is None:
            params = {"centers": d.centers, "arms": d.arms, "path": d.path, "label_column": d.label_column}
            spec = datasets.get(d.name)
            dataset = datasets.make(d.name, d.n_samples, d.noise, d.seed,
                                    **{k: v for k, v in params.items() if k in spec.params})
        self.dataset = dataset
        if max(d.features) >= dataset.n_features:
            raise ConfigError("data.features", f"must be feature indices below {dataset.n_features}, "
                                               f"got {list(d.features)}")
        self.split = datasets.split(dataset, d.val_fraction, d.seed, d.standardize)
        if m.output == "sigmoid" and dataset.n_classes != 2:
            raise ConfigError("model.output", f"'sigmoid' needs exactly 2 classes, the data has "
                                              f"{dataset.n_classes}; use 'softmax'")
        self.network = Network(
            dataset.n_features, dataset.n_classes, m.hidden, m.layer_activations(), m.activation_params(),
            m.init, m.init_params(), m.bias_init, m.bias_value, m.output, seed=t.seed, dtype=m.dtype,
        )
        self.epoch_diagnostics = epoch_diagnostics
        net = self.network
        self._X = self.split.X_train.astype(net.dtype)
        self._y = self.split.y_train
        self._T = net.targets(self._y)
        self._Xv = self.split.X_val.astype(net.dtype)
        self._yv = self.split.y_val
        self._Tv = net.targets(self._yv)
        # the fixed sample the snapshots' layer statistics are computed on
        self._Xd = self._X[:DIAGNOSTIC_SAMPLE]
        self._initial = net.get_weights()
        self.optimizer = optimizers.get(t.optimizer, net.parameters(), lr=t.lr, l2=t.l2, l1=t.l1, **t.hyper())
        n = len(self._y)
        self._batch = n if t.full_batch else min(t.batch_size, n)
        self.steps_per_epoch = math.ceil(n / self._batch)
        # controls
        self.snapshot_every = 1
        self.want_diagnostics = True
        self.boundary_resolution: int | None = None
        self._paused = False
        self._stop = False
        self._step_requests = 0
        self._wake = threading.Event()
        self._grid_cache: tuple | None = None
        self._reset_state()

    # -- state -------------------------------------------------------------
    @property
    def config(self) -> Config:
        return self._config

    def _reset_state(self) -> None:
        t = self._config.train
        self._rng = np.random.default_rng([t.seed, 1])  # the shuffling stream, apart from the weights'
        self.optimizer.reset()
        self.step = 0
        self.epoch = 0
        self.status = "idle"
        self._pos = 0  # steps taken in the current epoch
        self._Xs, self._Ts = self._X, self._T
        self._stop = False
        self._step_requests = 0
        self._hist: dict[str, list] = {k: [] for k in (
            "epochs", "train_loss", "val_loss", "train_accuracy", "val_accuracy",
            "grad_mean_abs", "activation_std", "saturated_fraction", "dead_fraction")}
        self._bins: dict[tuple[int, str], probes.HistogramBins] = {}
        self._W_before: list[np.ndarray] | None = None
        self._bad_loss = math.nan
        self._last_snapshot: Snapshot | None = None
        self._rate_mark = (time.perf_counter(), 0)
        self._rate = 0.0

    def reset(self) -> None:
        """Back to the same initial weights: optimiser state, history, counters cleared."""
        self.network.set_weights(self._initial)
        self.network.zero_grad()
        self._reset_state()

    def reinitialize(self, seed: int) -> None:
        """New initial weights (and shuffling) drawn from ``seed``; history cleared."""
        self._config = dataclasses.replace(
            self._config, train=dataclasses.replace(self._config.train, seed=int(seed)))
        self.network.initialize(int(seed))
        self._initial = self.network.get_weights()
        self._reset_state()

    # -- controls (thread-safe: they only set flags) --------------------------
    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        self._wake.set()

    def stop(self) -> None:
        self._stop = True
        self._wake.set()

    def step_epoch(self) -> None:
        """While paused: train to the end of the current epoch, yield, stay paused."""
        self._paused = True
        self._step_requests += 1
        self._wake.set()

    @property
    def paused(self) -> bool:
        return self._paused

    def set_lr(self, lr: float) -> None:
        lr = float(lr)
        if not (lr > 0 and math.isfinite(lr)):
            raise ConfigError("train.lr", f"must be > 0, got {lr:g}")
        self.optimizer.lr = lr
        self._config = dataclasses.replace(self._config, train=dataclasses.replace(self._config.train, lr=lr))

    # -- the loop ------------------------------------------------------------
    def run(self) -> Iterator[Snapshot | None]:
        """Train until the epoch limit; see the module docstring for what is yielded."""
        epochs = self._config.train.epochs
        if self.status in ("completed", "diverged", "stopped"):
            self._stop = False
        self._rate_mark = (time.perf_counter(), self.step)
        while True:
            if self._stop:
                yield self._final("stopped", "Stopped by the user.")
                return
            if self.epoch >= epochs:
                yield self._final("completed", f"Completed {self.epoch} epochs.")
                return
            stepping = self._paused
            if stepping and self._step_requests == 0:
                self.status = "paused"
                self._wake.wait(_PAUSE_POLL)
                self._wake.clear()
                yield None
                continue
            self.status = "paused" if stepping else "running"
            left = self.steps_per_epoch - self._pos
            if stepping:
                n = left
            else:
                every = max(1, int(self.snapshot_every))
                n = min(left, every - self.step % every)
            if not self._train_steps(n):
                yield self._diverged()
                return
            epoch_done = self._pos == self.steps_per_epoch
            if epoch_done and not self._end_epoch():
                yield self._diverged()
                return
            if stepping and epoch_done:
                self._step_requests -= 1
                yield self.snapshot(self.want_diagnostics, self.boundary_resolution)
            elif not stepping and self.step % max(1, int(self.snapshot_every)) == 0:
                yield self.snapshot(self.want_diagnostics, self.boundary_resolution)

    def _train_steps(self, n: int) -> bool:
        """Take n optimiser steps (never past the epoch's end); False on a non-finite loss."""
        net, opt, t = self.network, self.optimizer, self._config.train
        reduction = t.loss_reduction
        full = self._batch == len(self._y)
        bs = self._batch
        with np.errstate(all="ignore"):
            for i in range(n):
                if self._pos == 0 and not full and not t.with_replacement:
                    order = self._rng.permutation(len(self._y))
                    self._Xs, self._Ts = self._X[order], self._T[order]
                if t.with_replacement:
                    idx = self._rng.integers(0, len(self._y), bs)
                    Xb, Tb = self._X[idx], self._T[idx]
                else:
                    a = self._pos * bs
                    Xb, Tb = self._Xs[a:a + bs], self._Ts[a:a + bs]
                if i == n - 1 and self.want_diagnostics:
                    # the update-to-weight ratio of this last step needs W before it
                    self._W_before = [layer.W.value.copy() for layer in net.layers]
                loss = net.loss_and_backward(Xb, Tb, reduction)
                if not math.isfinite(loss):
                    self._bad_loss = loss
                    return False
                opt.step()
                self.step += 1
                self._pos += 1
        return True

    def _end_epoch(self) -> bool:
        """Close the epoch: evaluate and record history; False if the model diverged."""
        self._pos = 0
        self.epoch += 1
        if not self.epoch_diagnostics:
            return True
        h = self._hist
        with np.errstate(all="ignore"):
            tl, ta = self._evaluate(self._X, self._y, self._T, keep=True)
            if not math.isfinite(tl):
                self._bad_loss = tl
                self.epoch -= 1
                return False
            layer_curves = self._layer_curves()
            vl, va = self._evaluate(self._Xv, self._yv, self._Tv, keep=False)
        h["epochs"].append(self.epoch)
        h["train_loss"].append(tl)
        h["train_accuracy"].append(ta)
        h["val_loss"].append(vl)
        h["val_accuracy"].append(va)
        for key, values in layer_curves.items():
            h[key].append(values)
        return True

    def _evaluate(self, X, y, T, keep: bool) -> tuple[float, float]:
        """(mean loss per sample, accuracy) of the current weights on one set."""
        if len(y) == 0:
            return math.nan, math.nan
        net = self.network
        logits = net.forward(X, keep=keep)
        loss = net.head.loss(logits, T, "mean")
        acc = float(np.count_nonzero(net.head.predict(logits) == y)) / len(y)
        return loss, acc

    def _layer_curves(self) -> dict[str, list[float]]:
        """Per-layer summary numbers from the forward pass just made (net.zs)."""
        net = self.network
        grads, stds, sats, deads = [], [], [], []
        for i, layer in enumerate(net.layers):
            z = net.zs[i]
            grads.append(probes.grad_mean_abs(layer.W.grad))
            if layer.activation is None:
                stds.append(float(z.std()))
                sats.append(math.nan)
                deads.append(math.nan)
                continue
            a = net.activations[i + 1]
            stds.append(float(a.std()))
            sats.append(probes.saturated_fraction(layer.activation, z, a))
            dead = probes.dead_units(layer.activation, z)
            deads.append(dead / layer.fan_out if dead >= 0 else math.nan)
        return {"grad_mean_abs": grads, "activation_std": stds,
                "saturated_fraction": sats, "dead_fraction": deads}

    # -- snapshots -----------------------------------------------------------
    def history(self) -> History:
        """Copies of the per-epoch curves so far."""
        h = self._hist
        n_layers = len(self.network.layers)

        def table(key):
            return np.array(h[key], dtype=np.float64).reshape(len(h[key]), n_layers)

        return History(
            np.array(h["epochs"], dtype=np.int64),
            np.array(h["train_loss"], dtype=np.float64),
            np.array(h["val_loss"], dtype=np.float64),
            np.array(h["train_accuracy"], dtype=np.float64),
            np.array(h["val_accuracy"], dtype=np.float64),
            table("grad_mean_abs"), table("activation_std"),
            table("saturated_fraction"), table("dead_fraction"),
        )

    def snapshot(self, diagnostics: bool = True, boundary_resolution: int | None = None) -> Snapshot:
        """A frozen picture of the session now (every array a copy)."""
        history = self.history()
        h = self._hist
        if h["epochs"]:
            metrics = [h[k][-1] for k in ("train_loss", "val_loss", "train_accuracy", "val_accuracy")]
        else:
            with np.errstate(all="ignore"):
                tl, ta = self._evaluate(self._X, self._y, self._T, keep=False)
                vl, va = self._evaluate(self._Xv, self._yv, self._Tv, keep=False)
            metrics = [tl, vl, ta, va]
        layers: tuple[LayerStats, ...] = ()
        alerts: tuple[Alert, ...] = ()
        if diagnostics:
            with np.errstate(all="ignore"):
                layers = self._layer_stats()
            alerts = probes.alerts(layers)
        boundary = self._boundary(boundary_resolution) if boundary_resolution else None
        now = time.perf_counter()
        then, step_then = self._rate_mark
        if now - then > 0.2 and self.step > step_then:
            self._rate = (self.step - step_then) / (now - then)
            self._rate_mark = (now, self.step)
        snap = Snapshot(
            step=self.step, epoch=self.epoch, status=self.status if self.status != "idle" else "paused",
            lr=self.optimizer.lr, train_loss=metrics[0], val_loss=metrics[1],
            train_accuracy=metrics[2], val_accuracy=metrics[3], history=history,
            layers=layers, alerts=alerts, boundary=boundary, steps_per_second=self._rate,
        )
        self._last_snapshot = snap
        return snap

    def _bins_for(self, layer_index: int, kind: str, bounds=None) -> probes.HistogramBins:
        key = (layer_index, kind)
        if key not in self._bins:
            self._bins[key] = probes.HistogramBins(bounds=bounds)
        return self._bins[key]

    def _layer_stats(self) -> tuple[LayerStats, ...]:
        net = self.network
        net.forward(self._Xd, keep=True)
        before = self._W_before
        out = []
        for i, layer in enumerate(net.layers):
            z = net.zs[i]
            W, b = layer.W.value, layer.b.value
            act = layer.activation
            if act is None:
                a, name, sat, dead = z, net.head.name, math.nan, -1
                a_bins = self._bins_for(layer.index, "a")
            else:
                a = net.activations[i + 1]
                name = act.name
                sat = probes.saturated_fraction(act, z, a)
                dead = probes.dead_units(act, z)
                a_bins = self._bins_for(layer.index, "a", act.output_range)
            sym = probes.symmetry(W, b)
            ratio = probes.update_ratio(before[i], W) if before is not None and before[i].shape == W.shape else math.nan
            out.append(LayerStats(
                index=layer.index,
                name="Output" if act is None else f"Layer {layer.index}",
                activation=name,
                width=layer.fan_out,
                is_output=act is None,
                activations=a_bins(a),
                preactivations=self._bins_for(layer.index, "z")(z),
                gradients=self._bins_for(layer.index, "g")(layer.W.grad),
                grad_mean_abs=probes.grad_mean_abs(layer.W.grad),
                activation_std=float(a.std()),
                saturated_fraction=sat,
                dead_fraction=dead / layer.fan_out if dead >= 0 else math.nan,
                dead_units=max(dead, 0),
                update_ratio=ratio,
                symmetry=sym,
                identical=sym == 0.0,
            ))
        return tuple(out)

    def _boundary(self, resolution: int) -> BoundaryGrid:
        features = self._config.data.features
        if self._grid_cache is None or self._grid_cache[0] != resolution:
            xs, ys, points = datasets.grid_for(self.split, features, resolution)
            self._grid_cache = (resolution, xs, ys, points.astype(self.network.dtype))
        _, xs, ys, points = self._grid_cache
        net = self.network
        with np.errstate(all="ignore"):
            probs = net.predict_proba(points).astype(np.float32).reshape(resolution, resolution, -1)
            train_pred = net.predict(self._X)
            val_pred = net.predict(self._Xv) if len(self._yv) else np.zeros(0, np.int64)
        return BoundaryGrid(xs.copy(), ys.copy(), probs, tuple(features), train_pred, val_pred)

    # -- endings ---------------------------------------------------------------
    def _final(self, status: str, message: str) -> Snapshot:
        self.status = status
        snap = self.snapshot(self.want_diagnostics, self.boundary_resolution)
        return dataclasses.replace(snap, status=status, message=message)

    def _diverged(self) -> Snapshot:
        """End the run: the last finite picture, marked diverged, with the alert."""
        self.status = "diverged"
        what = "NaN" if math.isnan(self._bad_loss) else "infinite"
        text = f"Training diverged at epoch {self.epoch + 1} (loss is {what}): lower the learning rate"
        alert = Alert("diverged", 0, math.nan, text, "error")
        last = self._last_snapshot
        if last is None:
            # nothing finite was shown yet: describe the initial weights
            self.network.set_weights(self._initial)
            last = self.snapshot(self.want_diagnostics, self.boundary_resolution)
        return dataclasses.replace(last, status="diverged", message=text, alerts=last.alerts + (alert,))
