"""The PyTorch side of the benchmark, run in its own process so its thread pool never meets ours.

Protocol, one JSON object per line. On start the peer writes
``{"ready": true, "torch": VERSION, "threads": N}``; then for each request
  in:  {"workload": KEY, "dtype": "float64"|"float32", "seconds": S, "warmup": W}
  out: {"steps_per_second": R, "steps": N, "seconds": T}   (or {"error": TEXT})
it trains the workload for W seconds untimed (first request only), then S
seconds timed, and answers. End of input ends the peer.

Each workload is rebuilt from our own Session: the same training arrays, the
same initial weights, loss (and reduction), optimiser and batch regime. The
loop is PyTorch's plain eager one: zero_grad, forward, loss, backward, step.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from benchmarks.workloads import build_session  # noqa: E402

THREADS = 2
DTYPES = {"float64": torch.float64, "float32": torch.float32}
ACTIVATIONS = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}


def _softmax_loss(y: np.ndarray, dtype, reduction: str):
    return torch.nn.CrossEntropyLoss(reduction=reduction), torch.from_numpy(np.asarray(y, dtype=np.int64))


def _sigmoid_loss(y: np.ndarray, dtype, reduction: str):
    return torch.nn.BCEWithLogitsLoss(reduction=reduction), torch.tensor(y, dtype=dtype).reshape(-1, 1)


#: our output head -> (loss function, targets) of the same loss
LOSSES = {"softmax": _softmax_loss, "sigmoid": _sigmoid_loss}

#: our optimiser -> the same update in torch.optim
OPTIMIZERS = {
    "gd": lambda params, t: torch.optim.SGD(params, lr=t.lr),
    "sgd": lambda params, t: torch.optim.SGD(params, lr=t.lr),
    "momentum": lambda params, t: torch.optim.SGD(params, lr=t.lr, momentum=t.momentum),
    "adam": lambda params, t: torch.optim.Adam(params, lr=t.lr, betas=(t.beta1, t.beta2), eps=t.eps),
}


def _pick(registry: dict, name: str, what: str):
    try:
        return registry[name]
    except KeyError:
        raise ValueError(f"the PyTorch peer has no {what} {name!r}; it knows: {', '.join(registry)}") from None


class Problem:
    """One workload in PyTorch, and its batch stream (the same regime as our Session)."""

    def __init__(self, key: str, dtype: str):
        session = build_session(key, dtype, epoch_diagnostics=False)
        cfg, net = session.config, session.network
        tdtype = DTYPES[dtype]
        self.X = torch.from_numpy(np.ascontiguousarray(session.split.X_train, dtype=net.dtype))
        self.loss_fn, self.T = _pick(LOSSES, cfg.model.output, "output head")(
            session.split.y_train, tdtype, cfg.train.loss_reduction)
        layers = []
        for layer in net.layers:
            linear = torch.nn.Linear(layer.fan_in, layer.fan_out, dtype=tdtype)
            with torch.no_grad():  # our W is (fan_in, fan_out); torch keeps (out, in)
                linear.weight.copy_(torch.from_numpy(layer.W.value.T.copy()))
                linear.bias.copy_(torch.from_numpy(layer.b.value.copy()))
            layers.append(linear)
            if layer.activation is not None:
                layers.append(_pick(ACTIVATIONS, layer.activation.name, "activation")())
        self.model = torch.nn.Sequential(*layers)
        self.optimizer = _pick(OPTIMIZERS, cfg.train.optimizer, "optimiser")(self.model.parameters(), cfg.train)
        self.n = self.X.shape[0]
        self.batch = session.batch_size
        self.full_batch = session.full_batch
        self.with_replacement = session.with_replacement
        self.generator = torch.Generator().manual_seed(0)
        self.warm = False

    def batches(self):
        """One epoch of (inputs, targets): shuffled once and sliced, drawn with replacement, or whole."""
        X, T, n, bs = self.X, self.T, self.n, self.batch
        if self.full_batch:
            yield X, T
        elif self.with_replacement:
            for _ in range(-(-n // bs)):
                idx = torch.randint(0, n, (bs,), generator=self.generator)
                yield X[idx], T[idx]
        else:
            order = torch.randperm(n, generator=self.generator)
            Xs, Ts = X[order], T[order]
            for start in range(0, n, bs):
                yield Xs[start:start + bs], Ts[start:start + bs]

    def train(self, seconds: float) -> tuple[int, float]:
        """Train for at least ``seconds``; (steps, elapsed seconds)."""
        model, loss_fn, opt = self.model, self.loss_fn, self.optimizer
        steps = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            for xb, tb in self.batches():
                opt.zero_grad()
                loss = loss_fn(model(xb), tb)
                loss.backward()
                opt.step()
                steps += 1
                now = time.perf_counter()
                if now >= deadline:
                    return steps, now - start


def main() -> None:
    torch.set_num_threads(THREADS)
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    problems: dict[tuple[str, str], Problem] = {}
    for line in sys.stdin:
        request = json.loads(line)
        try:
            key = (request["workload"], request["dtype"])
            if key not in problems:
                problems[key] = Problem(*key)
            problem = problems[key]
            if not problem.warm:
                problem.train(float(request.get("warmup", 0.0)))
                problem.warm = True
            steps, elapsed = problem.train(float(request["seconds"]))
            answer = {"steps_per_second": steps / elapsed, "steps": steps, "seconds": elapsed}
        except (KeyError, ValueError) as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
