"""One training step of a small LSTM text classifier, chainrule next to PyTorch.

The workload, written once as a function of the library module ``lib``::

    tokens (32 x 50, ids < 1000) -> embedding (1000 x 64) -> LSTM(64, 128, batch_first=True)
    -> last hidden state h_n[-1] -> linear (128 -> 1) -> BCE-with-logits
    -> backward -> SGD update (in place, under no_grad)

It runs through each library's ``nn.LSTM`` and ``nn.functional`` (``embedding``, ``linear``,
``binary_cross_entropy_with_logits``). Parameters are drawn in NumPy and copied into both
libraries; before timing, one step is run in both from the same state and the losses and
updated parameters are compared, so the timings are of the same computation.

Usage::

    python -m benchmarks.bench_rnn [--quick] [--json PATH] [--threads N]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from benchmarks._timing import measure_interleaved, run_benchmark, time_workloads

BATCH, STEPS, VOCAB, EMBED, HIDDEN = 32, 50, 1000, 64, 128
LR = 0.1
TARGET = 1.5  # chainrule / pytorch
LABEL = f"LSTM({EMBED}, {HIDDEN}) classifier step, {BATCH} x {STEPS} tokens (ms)"


def make_model(lib, seed=0):
    """An LSTM and the other parameters, identical in both libraries (drawn in NumPy)."""
    rng = np.random.default_rng(seed)
    lstm = lib.nn.LSTM(EMBED, HIDDEN, batch_first=True)
    bound = 1 / np.sqrt(HIDDEN)
    with lib.no_grad():
        for p in lstm.parameters():
            p.copy_(lib.tensor(rng.uniform(-bound, bound, tuple(p.shape)).astype(np.float32)))
    emb = lib.tensor(rng.standard_normal((VOCAB, EMBED)).astype(np.float32), requires_grad=True)
    w = lib.tensor(rng.uniform(-bound, bound, (1, HIDDEN)).astype(np.float32), requires_grad=True)
    b = lib.tensor(np.zeros(1, np.float32), requires_grad=True)
    return lstm, [emb, w, b]


def make_batch(lib, seed=1):
    rng = np.random.default_rng(seed)
    tokens = lib.tensor(rng.integers(0, VOCAB, (BATCH, STEPS)).astype(np.int64))
    labels = lib.tensor(rng.integers(0, 2, (BATCH, 1)).astype(np.float32))
    return tokens, labels


def train_step(lib, lstm, params, tokens, labels, lr=LR):
    """Forward, backward and an SGD update; returns the loss."""
    F = lib.nn.functional
    emb, w, b = params
    x = F.embedding(tokens, emb)  # (B, T, E)
    _, (h_n, _) = lstm(x)
    logits = F.linear(h_n[-1], w, b)  # (B, 1)
    loss = F.binary_cross_entropy_with_logits(logits, labels)
    loss.backward()
    with lib.no_grad():
        for p in [*lstm.parameters(), *params]:
            p -= lr * p.grad
            p.grad = None
    return loss


def _state(lib, lstm, params):
    return [np.asarray(p.detach().numpy()).copy() for p in [*lstm.parameters(), *params]]


def check_agreement(libs: dict) -> list[str]:
    """One step in each library from the same state: losses and updated parameters agree?"""
    if len(libs) < 2:
        return []
    losses, states = {}, {}
    for name, lib in libs.items():
        lstm, params = make_model(lib)
        tokens, labels = make_batch(lib)
        losses[name] = float(train_step(lib, lstm, params, tokens, labels).item())
        states[name] = _state(lib, lstm, params)
    a, b = libs
    problems = []
    if not np.isclose(losses[a], losses[b], rtol=1e-5, atol=1e-6):
        problems.append(f"loss: {losses[a]:.7g} ({a}) vs {losses[b]:.7g} ({b})")
    for k, (pa, pb) in enumerate(zip(states[a], states[b])):
        if pa.dtype != pb.dtype or not np.allclose(pa, pb, rtol=1e-4, atol=1e-6):
            problems.append(f"parameter {k} after one step: max abs difference "
                            f"{float(np.max(np.abs(pa - pb))):.3g}")
    return problems


def _setup(lib):
    lstm, params = make_model(lib)
    tokens, labels = make_batch(lib)
    return lambda: train_step(lib, lstm, params, tokens, labels)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_rnn",
                                     description="Time an LSTM training step in chainrule and "
                                                 "PyTorch side by side.")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="run PyTorch and NumPy's BLAS on N threads each")
    args = parser.parse_args(argv)
    opts = ({"repeat": 3, "warmup": 1, "min_batch_s": 0.1} if args.quick
            else {"repeat": 7, "warmup": 3, "min_batch_s": 0.3})
    rows = [(LABEL, 1e3, TARGET, _setup)]
    return run_benchmark(
        args, opts, check_agreement,
        lambda libs: time_workloads(libs, rows, lambda fns: measure_interleaved(fns, **opts)))

if __name__ == "__main__":
    sys.exit(main())
