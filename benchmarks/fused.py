"""A hand-fused NumPy training step: the reference our Session's step is measured against.

    python benchmarks/fused.py [--workload KEY ...] [--seconds S] [--count]

(a quick look at the fused rates, or with --count the NumPy calls per step of
both sides; benchmarks/run.py does the timing that counts.)

``FusedStep(session)`` copies a Session's network (its current weights, the
activations, the output head and the loss reduction) and optimiser settings,
and takes training steps on them written the way one would by hand for speed
and for nothing else (it keeps nothing a probe could read):

- every array it needs is allocated once per batch size: z is overwritten by
  a = f(z), the logits by the softmax and then by dL/dz, every call has out=;
- all weights and biases live in one flat vector (weights first), and so do
  their gradients and the optimiser's state, so an update is a handful of
  calls over one vector whatever the depth;
- constants are folded: SGD's learning rate and the mean's 1/n go into the
  output delta (so dW *is* the step and the update one subtraction), Adam's
  (1 - beta1) too (its averages are kept as m and v (1 - beta1)^2 / (1 - beta2),
  their bias corrections folded into one step size and one epsilon);
- bias gradients are ones @ delta (BLAS), the row maximum of k logits k - 1
  np.maximum over columns; no per-step copies.

It still computes the loss (a training loop needs it to stop on divergence),
draws its batches through the same ``engine.batches.Batcher`` as the Session,
and stops nowhere else. Supported: SGD/GD and Adam without L2/L1; tanh, ReLU
and sigmoid hidden layers; softmax and sigmoid heads; mean and sum reductions.
tests/engine/test_step_speed_parity.py checks that it computes the Session's
weights, so that the reference is honest.

``FUSED_WORKLOADS`` lists the workloads benchmarks/run.py compares on.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.workloads import EPOCHS, WORKLOADS, Workload  # noqa: E402
from engine.batches import Batcher  # noqa: E402
from engine.config import Config  # noqa: E402
from engine.datasets import Dataset  # noqa: E402
from engine.session import Session  # noqa: E402

__all__ = ["FUSED_WORKLOADS", "FusedStep", "FusedRunner", "build_session", "count_calls"]

_SPIRAL_64 = {"data": {"name": "spiral", "n_samples": 10_000, "val_fraction": 0.1},
              "model": {"hidden": [64, 64, 64], "activation": "relu", "init": "he", "output": "softmax"}}

FUSED_WORKLOADS: dict[str, Workload] = {w.key: w for w in (
    Workload("moons-default", "2-8-8-2 tanh, 320 moons (the default run), batch 32 adam",
             {"data": {}, "model": {}, "train": {}}, target=0.9),
    Workload("iris-10x10", WORKLOADS["iris-10x10"].title, WORKLOADS["iris-10x10"].config, target=0.9),
    Workload("relu64-b32", "64-64-64 relu, 9000 spiral points, batch 32 adam",
             {**_SPIRAL_64, "train": {"optimizer": "adam", "lr": 0.003, "batch_size": 32}}, target=0.9),
    Workload("relu64-full", "64-64-64 relu, 9000 spiral points, full batch adam",
             {**_SPIRAL_64, "train": {"optimizer": "adam", "lr": 0.003, "batch_size": None}}, target=0.9),
    Workload("lesson7-5x100", "5 sigmoid layers of 100, N(0, 1) init, 480 moons, batch 32 sgd", {
        "data": {"name": "moons", "n_samples": 600, "noise": 0.2, "val_fraction": 0.2},
        "model": {"hidden": [100] * 5, "activation": "sigmoid", "init": "normal", "init_param": 1.0,
                  "output": "softmax"},
        "train": {"optimizer": "sgd", "lr": 0.05, "batch_size": 32}}, target=0.9),
    Workload("blobs-2-2-4", WORKLOADS["blobs-2-2-4"].title, WORKLOADS["blobs-2-2-4"].config, target=0.9),
)}

_DATA: dict[str, Dataset] = {}


def build_session(key: str, dtype: str, epoch_diagnostics: bool = False) -> Session:
    """A fresh Session of a fused workload (seed 0, EPOCHS epochs); data generated once per process."""
    raw = FUSED_WORKLOADS[key].config
    cfg = Config.from_dict({"data": {**raw["data"], "seed": 0}, "model": {**raw["model"], "dtype": dtype},
                            "train": {**raw["train"], "epochs": EPOCHS, "seed": 0}})
    if key not in _DATA:
        _DATA[key] = Session(cfg, epoch_diagnostics=False).dataset
    return Session(cfg, dataset=_DATA[key], epoch_diagnostics=epoch_diagnostics)


class _Buffers:
    """Everything one batch size needs: z/a per layer (a overwrites z), delta per layer, scratch."""

    def __init__(self, n: int, widths: list[int], dtype: np.dtype):
        self.n = n
        self.Z = [np.empty((n, w), dtype) for w in widths[1:]]  # a_l = f(z_l) in place; last: logits -> delta
        self.D = [np.empty((n, w), dtype) for w in widths[1:-1]] + [self.Z[-1]]  # dL/dz (scaled), per layer
        self.tmp = [np.empty((n, w), dtype) for w in widths[1:-1]]  # f'(z) of the hidden layers
        self.mask = [np.empty((n, w), bool) for w in widths[1:-1]]  # ReLU: z > 0
        self.ones = np.ones(n, dtype)
        self.row = np.empty(n, dtype)  # softmax: row max, then row sums
        self.row_col = self.row[:, None]
        self.logit_tmp = np.empty((n, widths[-1]), dtype)
        k = widths[-1]
        self.columns = [self.Z[-1][:, j] for j in range(k)] if 2 <= k <= 32 else None


class FusedStep:
    """The network and optimiser of ``session`` (at its current weights), trained by hand-fused steps."""

    def __init__(self, session: Session):
        net, opt, cfg = session.network, session.optimizer, session.config
        if opt.name not in ("sgd", "gd", "adam"):
            raise ValueError(f"the fused step knows SGD, GD and Adam, not {opt.name!r}")
        if opt.l2 or opt.l1:
            raise ValueError("the fused step has no L2/L1 penalty")
        self.acts = [layer.activation.name for layer in net.layers[:-1]]
        if any(a not in ("tanh", "relu", "sigmoid") for a in self.acts):
            raise ValueError(f"the fused step knows tanh, relu and sigmoid, not {self.acts}")
        self.head = net.head.name
        if self.head not in ("softmax", "sigmoid"):
            raise ValueError(f"the fused step knows the softmax and sigmoid heads, not {self.head!r}")
        self.dtype = net.dtype
        self.mean = cfg.train.loss_reduction == "mean"
        self.adam = opt.name == "adam"
        self.lr = opt.lr
        if self.adam:
            self.beta1, self.beta2, self.eps = opt.beta1, opt.beta2, opt.eps
        self.t = 0
        self.widths = [net.n_inputs] + [layer.fan_out for layer in net.layers]
        # one flat vector: W1 .. WL, then b1 .. bL
        shapes = [(layer.fan_in, layer.fan_out) for layer in net.layers]
        sizes = [a * b for a, b in shapes] + [b for _, b in shapes]
        total = sum(sizes)
        self.w = np.empty(total, self.dtype)
        self.g = np.empty(total, self.dtype)
        offsets = np.cumsum([0, *sizes])
        views = [(self.w[o:o + s], self.g[o:o + s]) for o, s in zip(offsets[:-1], sizes)]
        L = len(shapes)
        self.W = [views[i][0].reshape(shapes[i]) for i in range(L)]
        self.gW = [views[i][1].reshape(shapes[i]) for i in range(L)]
        self.b = [views[L + i][0] for i in range(L)]
        self.gb = [views[L + i][1] for i in range(L)]
        self.WT = [W.T for W in self.W]
        for layer, W, b in zip(net.layers, self.W, self.b):
            W[...] = layer.W.value
            b[...] = layer.b.value
        if self.adam:
            self.m = np.zeros(total, self.dtype)
            self.v = np.zeros(total, self.dtype)  # v (1 - beta1)^2 / (1 - beta2), see _adam
            self.tmp = np.empty(total, self.dtype)
        self._buffers: dict[int, _Buffers] = {}
        self.ones_k = np.ones(self.widths[-1], self.dtype)

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of (W, b) per layer, as ``Network.get_weights`` gives them."""
        return [(W.copy(), b.copy()) for W, b in zip(self.W, self.b)]

    def _scale(self, n: int) -> float:
        """What the output delta is multiplied by: lr (SGD) or 1 - beta1 (Adam), and 1/n for a mean."""
        c = (1.0 - self.beta1) if self.adam else self.lr
        return c / n if self.mean else c

    def step(self, X: np.ndarray, T: np.ndarray) -> float:
        """One training step on the batch (X, T); returns the batch loss (before the update)."""
        n = X.shape[0]
        buf = self._buffers.get(n)
        if buf is None:
            buf = self._buffers[n] = _Buffers(n, self.widths, self.dtype)
        Z, D, acts, W, b = buf.Z, buf.D, self.acts, self.W, self.b
        # forward: z = a W + b, then a = f(z) in place
        a = X
        last = len(W) - 1
        for i in range(last):
            z = Z[i]
            np.matmul(a, W[i], out=z)
            z += b[i]
            act = acts[i]
            if act == "tanh":
                np.tanh(z, out=z)
            elif act == "relu":
                np.maximum(z, 0.0, out=z)
            else:  # sigmoid = (1 + tanh(z/2)) / 2
                z *= 0.5
                np.tanh(z, out=z)
                z += 1.0
                z *= 0.5
            a = z
        z = Z[last]
        np.matmul(a, W[last], out=z)
        z += b[last]
        # the head: loss, then z becomes the (scaled) output delta in place
        if self.head == "softmax":
            row, cols = buf.row, buf.columns
            if cols is None:
                np.max(z, axis=1, out=row)
            else:  # column by column: far faster than a row reduction over few columns
                np.maximum(cols[0], cols[1], out=row)
                for col in cols[2:]:
                    np.maximum(row, col, out=row)
            z -= buf.row_col
            picked = np.vdot(T, z)
            np.exp(z, out=z)
            np.matmul(z, self.ones_k, out=row)
            z /= buf.row_col
            np.log(row, out=row)
            loss = float(np.vdot(buf.ones, row) - picked)
        else:  # sigmoid + BCE: loss = sum log(1 + e^z) - t z;  delta = s(z) - t
            lt = buf.logit_tmp
            np.logaddexp(0.0, z, out=lt)
            loss = float(np.vdot(buf.ones, lt[:, 0]) - np.vdot(T, z))
            z *= 0.5
            np.tanh(z, out=z)
            z += 1.0
            z *= 0.5
        z -= T
        z *= self._scale(n)
        if self.mean:
            loss /= n
        # backward: dW = a^T delta, db = ones delta, delta_below = (delta W^T) f'(z_below)
        ones = buf.ones
        for i in range(last, -1, -1):
            delta = D[i]
            np.matmul(Z[i - 1].T if i else X.T, delta, out=self.gW[i])
            np.matmul(ones, delta, out=self.gb[i])
            if i:
                below = D[i - 1]
                np.matmul(delta, self.WT[i], out=below)
                a = Z[i - 1]
                act = acts[i - 1]
                if act == "relu":
                    mask = buf.mask[i - 1]
                    np.greater(a, 0.0, out=mask)
                    below *= mask
                else:
                    tmp = buf.tmp[i - 1]
                    if act == "tanh":  # 1 - a^2
                        np.multiply(a, a, out=tmp)
                        np.subtract(1.0, tmp, out=tmp)
                    else:  # sigmoid: a (1 - a)
                        np.subtract(1.0, a, out=tmp)
                        tmp *= a
                    below *= tmp
        # the update
        if self.adam:
            self._adam()
        else:
            self.w -= self.g  # the gradient was scaled by lr already
        return loss

    def _adam(self) -> None:
        """Adam on the flat vector, g = (1 - beta1) * gradient already.

        m <- b1 m + g is the textbook m; v is kept as V = v (1-b1)^2/(1-b2), so V <- b2 V + g^2;
        the step lr m_hat / (sqrt(v_hat) + eps) is then s m / (sqrt(V) + e) with s and e
        folding both bias corrections and the scale of V.
        """
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        k = math.sqrt(1.0 - b2) / (1.0 - b1)  # sqrt(v) = k sqrt(V)
        s = self.lr * math.sqrt(c2) / (c1 * k)
        e = self.eps * math.sqrt(c2) / k
        m, v, g, tmp = self.m, self.v, self.g, self.tmp
        m *= b1
        m += g
        v *= b2
        np.multiply(g, g, out=tmp)
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += e
        np.divide(m, tmp, out=tmp)
        tmp *= s
        self.w -= tmp


class FusedRunner:
    """A FusedStep over a session's training set (at its current weights), drawing the
    batches the Session would draw from its seed; ``FusedRunner.of(key, dtype)`` for a workload."""

    def __init__(self, session: Session):
        self.session = s = session
        self.fused = FusedStep(s)
        t = s.config.train
        self.batches = Batcher(s._X, s._T, t.batch_size, t.full_batch, t.with_replacement, t.seed)
        self.spe = self.batches.steps_per_epoch
        self.pos = 0
        self.steps = 0

    @classmethod
    def of(cls, key: str, dtype: str) -> FusedRunner:
        return cls(build_session(key, dtype))

    def train(self, steps: int) -> None:
        draw, step, pos, spe = self.batches.draw, self.fused.step, self.pos, self.spe
        with np.errstate(all="ignore"):
            for _ in range(steps):
                Xb, Tb = draw(pos)
                if not math.isfinite(step(Xb, Tb)):
                    raise RuntimeError("the fused step diverged")
                pos = pos + 1 if pos + 1 < spe else 0
        self.pos = pos
        self.steps += steps

    def block(self, seconds: float) -> float:
        """Train for about ``seconds``; steps per second."""
        chunk, done = 1, 0
        start = time.perf_counter()
        while True:
            self.train(chunk)
            done += chunk
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                return done / elapsed
            if elapsed < seconds / 8:
                chunk *= 2


# -- counting NumPy calls ---------------------------------------------------------------------------
class _Counted(np.ndarray):
    """An array that counts every ufunc call (operators, out= calls, reductions, matmul) and
    every NumPy function (vdot, copyto, ...) it takes part in, then runs it on plain arrays."""

    calls = 0

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        _Counted.calls += 1
        plain = [x.view(np.ndarray) if isinstance(x, _Counted) else x for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, _Counted) else o for o in out)
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return result.view(_Counted) if isinstance(result, np.ndarray) else result

    def __array_function__(self, func, types, args, kwargs):
        _Counted.calls += 1
        return super().__array_function__(func, types, args, kwargs)  # no second dispatch


_ALLOCATORS = ("empty", "zeros", "ones", "full", "empty_like", "zeros_like", "ones_like", "full_like")


def count_calls(make, steps: int = 50) -> float:
    """NumPy calls per call of ``make()``'s result (a function taking one step), counted with
    every array the engine or the fused step allocates (weights, gradients, state, buffers)
    made a counting array: allocations are patched while ``make`` builds and while it runs."""
    saved = {name: getattr(np, name) for name in _ALLOCATORS}

    def counted(alloc):
        return lambda *a, **k: alloc(*a, **k).view(_Counted)

    try:
        for name, alloc in saved.items():
            setattr(np, name, counted(alloc))
        step = make()
        with np.errstate(all="ignore"):
            for _ in range(3):  # buffers for every batch size, caches filled
                step()
            _Counted.calls = 0
            for _ in range(steps):
                step()
        return _Counted.calls / steps
    finally:
        for name, alloc in saved.items():
            setattr(np, name, alloc)


def _count(key: str, dtype: str = "float64") -> tuple[float, float]:
    """(ours, fused) NumPy calls per training step of a fused workload, diagnostics off."""
    def ours():
        s = build_session(key, dtype)
        s.want_diagnostics = False
        return lambda: s._train(s.step + 1, False)

    def fused():
        r = FusedRunner.of(key, dtype)
        return lambda: r.train(1)

    build_session(key, dtype)  # the data set, generated once, outside the counting
    return count_calls(ours), count_calls(fused)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", action="append", choices=list(FUSED_WORKLOADS), metavar="KEY")
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--count", action="store_true", help="count NumPy calls per step instead of timing")
    args = parser.parse_args(argv)
    if args.count:
        print(f"{'workload':<16} {'ours':>6} {'fused':>6}   NumPy calls per training step (float64)")
        for key in args.workload or list(FUSED_WORKLOADS):
            ours, ref = _count(key)
            print(f"{key:<16} {ours:6.1f} {ref:6.1f}")
        return 0
    for key in args.workload or list(FUSED_WORKLOADS):
        runner = FusedRunner.of(key, "float64")
        runner.block(0.1)
        print(f"{key:<16} {runner.block(args.seconds):>10,.0f} fused steps/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
