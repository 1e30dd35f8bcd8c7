"""Layer-level speed of chainrule next to PyTorch: whole training steps of small networks.

Each workload is written once as a function of the library module ``lib`` and run with
``chainrule`` and with ``torch`` from identical weights and data (made in NumPy). Before
timing, one step is run in both libraries and the losses and updated weights are compared.

Workloads (add one by appending to ``WORKLOADS``: a label, a target ratio and a setup
function ``setup(lib) -> step`` returning the zero-argument function to time):

* ``cnn``: one SGD step of a small MNIST-style CNN at batch 64:
  ``Conv2d(1, 32, 3) -> ReLU -> MaxPool2d(2) -> Conv2d(32, 64, 3) -> ReLU -> MaxPool2d(2)
  -> Flatten -> Linear(64*5*5, 10) -> cross_entropy``, forward + backward + update.

Usage::

    python -m benchmarks.bench_nn [--quick] [--json PATH] [--threads N]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from benchmarks._timing import measure_interleaved, run_benchmark, time_workloads

BATCH = 64
LR = 0.01
TARGET_CNN = 1.5  # chainrule / pytorch


# --------------------------------------------------------------------------- CNN
def cnn_model(lib, seed=0):
    """The CNN with weights drawn in NumPy (the same in both libraries)."""
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 10),
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for p in model.parameters():
            fan_in = int(np.prod(p.shape[1:])) if p.ndim > 1 else 64
            bound = 1 / np.sqrt(fan_in)
            p.copy_(lib.tensor(rng.uniform(-bound, bound, tuple(p.shape)).astype(np.float32)))
    return model


def cnn_batch(lib, seed=1):
    rng = np.random.default_rng(seed)
    x = lib.tensor(rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, BATCH).astype(np.int64))
    return x, y


def cnn_step(lib, model, opt, x, y):
    """One SGD step; returns the loss."""
    opt.zero_grad()
    loss = lib.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


def cnn_setup(lib):
    model = cnn_model(lib)
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    x, y = cnn_batch(lib)
    return lambda: cnn_step(lib, model, opt, x, y)


def cnn_check(lib):
    """Loss and parameters after one step from the common starting point."""
    model = cnn_model(lib)
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    loss = cnn_step(lib, model, opt, *cnn_batch(lib))
    return float(loss.item()), [np.asarray(p.detach().numpy(), np.float64)
                                for p in model.parameters()]


# (row label, target ratio, setup(lib) -> step function, check(lib) -> (loss, params))
WORKLOADS = [
    (f"CNN step, batch {BATCH} (ms)", TARGET_CNN, cnn_setup, cnn_check),
]


# --------------------------------------------------------------------------- running
def check_agreement(libs: dict) -> list[str]:
    if len(libs) < 2:
        return []
    problems = []
    (a, la), (b, lb) = libs.items()
    for label, _, _, check in WORKLOADS:
        (loss_a, pa), (loss_b, pb) = check(la), check(lb)
        if not np.isclose(loss_a, loss_b, rtol=1e-4, atol=1e-5):
            problems.append(f"{label}: loss {loss_a:.6g} ({a}) vs {loss_b:.6g} ({b})")
        for i, (u, v) in enumerate(zip(pa, pb)):
            if u.shape != v.shape or not np.allclose(u, v, rtol=1e-4, atol=1e-5):
                problems.append(f"{label}: parameter {i} differs after one step")
    return problems


def run_workloads(libs: dict, opts: dict) -> dict:
    rows = [(label, 1e3, target, setup) for label, target, setup, _ in WORKLOADS]  # in ms
    return time_workloads(libs, rows, lambda fns: measure_interleaved(fns, **opts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_nn",
        description="Time chainrule and PyTorch side by side on network training steps.")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="run PyTorch and NumPy's BLAS on N threads each")
    args = parser.parse_args(argv)

    opts = ({"repeat": 3, "warmup": 1, "min_batch_s": 0.05} if args.quick
            else {"repeat": 7, "warmup": 2, "min_batch_s": 0.2})
    return run_benchmark(args, opts, check_agreement, lambda libs: run_workloads(libs, opts))


if __name__ == "__main__":
    sys.exit(main())
