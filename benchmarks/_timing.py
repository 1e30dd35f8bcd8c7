"""Wall-clock timing shared by the benchmarks: warm up, calibrate, repeat, report median/min.

Each measurement calls a function in batches of ``number`` calls, with ``number`` chosen so
that a batch lasts at least ``min_batch_s``; the per-call time of each batch is one sample.
The median is the number to quote (robust to a stray slow batch); the minimum shows the best
case.

To compare implementations, :func:`measure_interleaved` takes turns between them batch by
batch, so that a slow spell of a shared machine lands on all of them alike instead of on
whichever happened to be running; their ratio is then much steadier than the times.

The garbage collector stays on while timing: autograd graphs make garbage, and collecting it
is part of what a user pays. A full collection runs before each batch so that one batch does
not pay for the previous one's garbage.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Timing:
    """Seconds per call of one timed function."""

    median: float
    min: float
    repeat: int  # batches timed
    number: int  # calls per batch

    def as_dict(self) -> dict:
        return asdict(self)


def measure(fn: Callable[[], object], **options) -> Timing:
    """Time ``fn()``; ``options`` are those of :func:`measure_interleaved`."""
    return measure_interleaved({"fn": fn}, **options)["fn"]


def measure_interleaved(
    fns: Mapping[str, Callable[[], object]],
    *,
    repeat: int = 7,
    warmup: int = 2,
    min_batch_s: float = 0.2,
    max_number: int = 1_000_000,
    settle_s: float = 0.05,
) -> dict[str, Timing]:
    """Time each of ``fns``: ``warmup`` untimed calls, a calibration, then ``repeat`` batches,
    the functions taking turns batch by batch. Returns a :class:`Timing` per name."""
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    numbers = {}
    for name, fn in fns.items():
        time.sleep(settle_s)
        for _ in range(warmup):
            fn()
        numbers[name] = _calibrate(fn, min_batch_s, max_number)
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            # BLAS and OpenMP worker threads spin for a while after their last job; on a
            # machine with few cores they would compete with the next batch.
            time.sleep(settle_s)
            samples[name].append(_batch(fn, numbers[name]) / numbers[name])
    return {
        name: Timing(statistics.median(s), min(s), repeat, numbers[name])
        for name, s in samples.items()
    }


def _calibrate(fn: Callable[[], object], min_batch_s: float, max_number: int) -> int:
    # Double the batch until it lasts long enough for perf_counter's resolution not to matter.
    number = 1
    while number < max_number:
        if _batch(fn, number) >= min_batch_s:
            break
        number *= 2
    return min(number, max_number)


def _batch(fn: Callable[[], object], number: int) -> float:
    gc.collect()
    clock = time.perf_counter
    start = clock()
    for _ in range(number):
        fn()
    return clock() - start
