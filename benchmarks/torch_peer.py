"""The PyTorch side of the benchmark, run in its own process (its BLAS pool apart from ours).

Protocol on stdin/stdout, one JSON object per line:
  in:  {"workload": NAME, "dtype": "float64"|"float32", "seconds": S}
  out: {"steps_per_second": R}
The plain eager loop: zero_grad, forward, loss, backward, step.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from benchmarks.workloads import WORKLOADS, make_data  # noqa: E402

torch.set_num_threads(2)
ACTS = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
_cache: dict = {}


def build(name: str, dtype: str):
    spec = WORKLOADS[name]
    X, y, k = make_data(spec["data"])
    tdtype = torch.float64 if dtype == "float64" else torch.float32
    X = torch.tensor(X, dtype=tdtype)
    out = 1 if spec["head"] == "sigmoid" else k
    widths = [X.shape[1], *spec["hidden"], out]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(ACTS[spec["activation"]]())
    model = torch.nn.Sequential(*layers).to(tdtype)
    if spec["head"] == "sigmoid":
        target = torch.tensor(y, dtype=tdtype).reshape(-1, 1)
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        target = torch.tensor(y, dtype=torch.long)
        loss_fn = torch.nn.CrossEntropyLoss()
    if spec["optimizer"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=spec["lr"])
    else:
        opt = torch.optim.SGD(model.parameters(), lr=spec["lr"])
    return spec, model, X, target, loss_fn, opt


def run(name: str, dtype: str, seconds: float) -> float:
    key = (name, dtype)
    if key not in _cache:
        _cache[key] = build(name, dtype)
    spec, model, X, target, loss_fn, opt = _cache[key]
    n = X.shape[0]
    batch = spec["batch"] or n
    steps = 0
    start = time.perf_counter()
    while True:
        if spec["replacement"]:
            batches = [torch.randint(0, n, (batch,)) for _ in range((n + batch - 1) // batch)]
        elif batch == n:
            batches = [None]
        else:
            order = torch.randperm(n)
            batches = [order[i:i + batch] for i in range(0, n, batch)]
        for idx in batches:
            xb, tb = (X, target) if idx is None else (X[idx], target[idx])
            opt.zero_grad()
            loss = loss_fn(model(xb), tb)
            loss.backward()
            opt.step()
            steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return steps / elapsed


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        rate = run(request["workload"], request["dtype"], request["seconds"])
        print(json.dumps({"steps_per_second": rate}), flush=True)


if __name__ == "__main__":
    main()
