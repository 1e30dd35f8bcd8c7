"""Core speed of chainrule next to PyTorch, in one run, on the same code.

Two workloads, each written once as a function of the library module ``lib`` and called with
``chainrule`` and with ``torch``:

* a chain of 200 small elementwise ops on a (64,) float32 tensor: the cost of one op is
  almost all Python and graph bookkeeping, so this measures per-op overhead;
* one training step of a 784-512-256-10 ReLU MLP at batch 128 in raw tensor ops (matmuls,
  log-softmax, NLL by indexing, backward, a hand-written SGD update under ``no_grad``).

Both libraries run with their default thread settings. Before timing, each workload is run once
in both libraries from the same inputs and the results are compared, so that the timings are
of the same computation.

Usage::

    python -m benchmarks.bench_core [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import numpy as np

# bench_rnn imports _limit_threads, environment, format_table and load_libraries from here.
from benchmarks._timing import Timing, measure_interleaved, run_benchmark, time_workloads
from benchmarks._timing import _limit_threads as _limit_threads
from benchmarks._timing import environment as environment
from benchmarks._timing import format_table as format_table
from benchmarks._timing import load_libraries as load_libraries

N_OPS = 200  # ops in the elementwise chain
OPS_PER_BLOCK = 10  # the block in `elementwise_chain` is this many ops
VEC = 64  # length of the chain's input vector
SIZES = (784, 512, 256, 10)  # MLP layer widths
BATCH = 128
LR = 0.01

# Target ratios chainrule/pytorch (lower is better for chainrule).
TARGET_PER_OP = 1.0
TARGET_MLP = 1.2


# --------------------------------------------------------------------------- workloads
def elementwise_chain(lib, x):
    """``N_OPS`` elementwise ops on ``x``; ``tanh`` in each block keeps values bounded."""
    y = x
    for _ in range(N_OPS // OPS_PER_BLOCK):
        y = y + 0.5  # 1
        y = y * 0.9  # 2
        y = y.tanh()  # 3
        s = y.sigmoid()  # 4
        y = y - s  # 5
        y = y * s  # 6
        e = (y * 0.1).exp()  # 7, 8
        y = y + e  # 9
        y = y - x  # 10 (fan-out: x feeds every block)
    return y


def chain_forward_no_grad(lib, x):
    with lib.no_grad():
        return elementwise_chain(lib, x)


def chain_forward(lib, x):
    return elementwise_chain(lib, x)


def chain_forward_backward(lib, x):
    x.grad = None
    elementwise_chain(lib, x).sum().backward()
    return x.grad


def mlp_step(lib, params, x, y, lr=LR):
    """One SGD step of a ReLU MLP on ``(x, y)``; updates ``params`` in place, returns the loss."""
    w1, b1, w2, b2, w3, b3 = params
    h = (x @ w1 + b1).relu()
    h = (h @ w2 + b2).relu()
    logits = h @ w3 + b3
    logp = logits - logits.logsumexp(dim=1, keepdim=True)
    loss = -logp[lib.arange(x.shape[0]), y].mean()
    loss.backward()
    with lib.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss


# --------------------------------------------------------------------------- inputs
def chain_input(lib, seed=0):
    arr = np.random.default_rng(seed).standard_normal(VEC).astype(np.float32)
    return lib.tensor(arr, requires_grad=True)


def mlp_inputs(lib, seed=0):
    """Parameters (He-initialised) and a batch, made in NumPy so both libraries get the same."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
        params.append(lib.tensor(w.astype(np.float32), requires_grad=True))
        params.append(lib.tensor(np.zeros(fan_out, np.float32), requires_grad=True))
    x = lib.tensor(rng.standard_normal((BATCH, SIZES[0])).astype(np.float32))
    y = lib.tensor(rng.integers(0, SIZES[-1], BATCH).astype(np.int64))
    return params, x, y


# --------------------------------------------------------------------------- checks
def _np(t) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def check_agreement(libs: dict) -> list[str]:
    """Run each workload once per library from identical inputs; describe any disagreement
    (in values, or in dtype: a float64 result would not be a like-for-like timing)."""
    if len(libs) < 2:
        return []
    problems = []
    outs, grads, losses, params_after = {}, {}, {}, {}
    for name, lib in libs.items():
        x = chain_input(lib)
        outs[name] = _np(chain_forward(lib, x))
        grads[name] = _np(chain_forward_backward(lib, x))
        params, xb, yb = mlp_inputs(lib)
        losses[name] = _np(mlp_step(lib, params, xb, yb))
        params_after[name] = [_np(p) for p in params]
    (a, b) = libs
    for what, va, vb in [
        ("elementwise chain output", outs[a], outs[b]),
        ("elementwise chain gradient", grads[a], grads[b]),
        ("MLP loss", losses[a], losses[b]),
        *[
            (f"MLP parameter {i} after one step", pa, pb)
            for i, (pa, pb) in enumerate(zip(params_after[a], params_after[b]))
        ],
    ]:
        if va.shape != vb.shape or va.dtype != vb.dtype:
            problems.append(
                f"{what}: {va.dtype}{list(va.shape)} ({a}) vs {vb.dtype}{list(vb.shape)} ({b})"
            )
        elif not np.allclose(va, vb, rtol=1e-4, atol=1e-5):
            err = float(np.max(np.abs(va - vb)))
            problems.append(f"{what}: max abs difference {err:.3g} between {a} and {b}")
    return problems


# --------------------------------------------------------------------------- running
def _chain_setup(workload):
    def setup(lib):
        x = chain_input(lib)
        return lambda: workload(lib, x)

    return setup


def _mlp_setup(lib):
    params, x, y = mlp_inputs(lib)
    return lambda: mlp_step(lib, params, x, y)


MLP_LABEL = f"MLP {'-'.join(map(str, SIZES))} step, batch {BATCH} (ms)"

# (row label, seconds -> reported unit, target ratio, setup(lib) -> the function to time)
WORKLOADS = [
    ("chain: forward, no_grad (us/op)", 1e6 / N_OPS, TARGET_PER_OP,
     _chain_setup(chain_forward_no_grad)),
    ("chain: forward, graph recorded (us/op)", 1e6 / N_OPS, TARGET_PER_OP,
     _chain_setup(chain_forward)),
    ("chain: forward + backward (us/op)", 1e6 / N_OPS, TARGET_PER_OP,
     _chain_setup(chain_forward_backward)),
    (MLP_LABEL, 1e3, TARGET_MLP, _mlp_setup),
]  # fmt: skip


def run_workloads(libs: dict, timer: Callable[[dict], dict[str, Timing]]) -> dict:
    """Time ``WORKLOADS`` in every library: ``results[lib_name][row_label]``; ``timer`` as
    in ``_timing.time_workloads``."""
    return time_workloads(libs, WORKLOADS, timer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_core",
        description="Time chainrule and PyTorch side by side on per-op overhead and an MLP step.",
    )
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="run PyTorch and NumPy's BLAS on N threads each (default: each one's own default)",
    )
    args = parser.parse_args(argv)

    if args.quick:
        opts = {"repeat": 3, "warmup": 1, "min_batch_s": 0.05}
    else:
        opts = {"repeat": 7, "warmup": 2, "min_batch_s": 0.2}
    return run_benchmark(
        args, opts, check_agreement,
        lambda libs: run_workloads(libs, lambda fns: measure_interleaved(fns, **opts)),
    )


if __name__ == "__main__":
    sys.exit(main())
