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

The rest of this module is what the ``bench_*`` scripts share around the timer: importing the
libraries (:func:`load_libraries`), ``--threads`` (:func:`_limit_threads`), the environment
line (:func:`environment`), timing a list of workloads into rows (:func:`time_workloads`),
the table (:func:`format_table`), and :func:`run_benchmark`, the body of a script's ``main``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np


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


# --------------------------------------------------------------------------- rows of results
# A workload: (row label, seconds -> reported unit, target ratio chainrule / pytorch,
# setup(lib) -> the zero-argument function to time).
Workload = tuple[str, float, float, Callable[[object], Callable[[], object]]]


def time_workloads(libs: dict, workloads: list[Workload],
                   timer: Callable[[dict], dict[str, Timing]]) -> dict:
    """Time every workload in every library: ``results[lib_name][row_label]``.

    ``timer`` times the libraries' functions for one workload together, taking turns (see
    :func:`measure_interleaved`), so that machine noise touches both columns of a row.
    """
    results = {name: {} for name in libs}
    for label, scale, target, setup in workloads:
        print(f"timing {label} ...", flush=True)
        timings = timer({name: setup(lib) for name, lib in libs.items()})
        for name, t in timings.items():
            results[name][label] = _scaled(t, scale, target)
    return results


def _scaled(t: Timing, scale: float, target: float) -> dict:
    return {
        "median": t.median * scale,
        "min": t.min * scale,
        "repeat": t.repeat,
        "number": t.number,
        "target_ratio": target,
    }


def format_table(results: dict[str, dict[str, dict]]) -> str:
    workloads = list(next(iter(results.values())))
    header = ["workload", "chainrule", "pytorch", "ratio", "target", ""]
    rows = []
    for w in workloads:
        cr = results.get("chainrule", {}).get(w)
        pt = results.get("pytorch", {}).get(w)
        target = (cr or pt)["target_ratio"]
        ratio = cr["median"] / pt["median"] if cr and pt else None
        verdict = "" if ratio is None else ("ok" if ratio <= target else "SLOWER")
        rows.append(
            [
                w,
                f"{cr['median']:.2f}" if cr else "-",
                f"{pt['median']:.2f}" if pt else "-",
                f"{ratio:.2f}x" if ratio is not None else "-",
                f"<= {target:.1f}x",
                verdict,
            ]
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for k, r in enumerate([header, *rows]):
        cells = [r[0].ljust(widths[0])] + [c.rjust(wd) for c, wd in zip(r[1:], widths[1:])]
        lines.append(" | ".join(cells).rstrip())
        if k == 0:
            lines.append("-+-".join("-" * wd for wd in widths))
    return "\n".join(lines)


# --------------------------------------------------------------------------- libraries
def load_libraries() -> tuple[dict, list[str]]:
    """The libraries to compare, keyed by display name, and notes on any that are missing."""
    libs, notes = {}, []
    chainrule, error = _import_chainrule()
    if chainrule is None:
        # Running from a checkout that is not installed: use the sources beside benchmarks/.
        src = Path(__file__).resolve().parent.parent / "src"
        if (src / "chainrule").is_dir() and str(src) not in sys.path:
            sys.path.insert(0, str(src))
            chainrule, error = _import_chainrule()
    if chainrule is None:
        notes.append(f"chainrule could not be imported ({error}); timing PyTorch only")
    else:
        libs["chainrule"] = chainrule
    try:
        import torch
    except ImportError:
        notes.append("torch is not installed; timing chainrule only")
    else:
        libs["pytorch"] = torch
    return libs, notes


def _import_chainrule():
    try:
        import chainrule
    except Exception as exc:  # a broken package is reported, not a reason to crash
        return None, repr(exc)
    if not hasattr(chainrule, "tensor"):  # e.g. a namespace package made of an empty folder
        return None, "the chainrule package has no `tensor` function"
    return chainrule, None


def _limit_threads(libs: dict, n: int) -> str | None:
    """Limit both libraries to ``n`` threads for the rest of the process; an error or None."""
    if n < 1:
        return f"--threads must be at least 1, got {n}"
    try:  # comes with scikit-learn (the `data` extra)
        from threadpoolctl import threadpool_limits
    except ImportError:
        return "--threads needs threadpoolctl (pip install threadpoolctl)"
    global _THREAD_LIMITS  # held so that the limit lasts until exit
    _THREAD_LIMITS = threadpool_limits(limits=n, user_api="blas")
    if "pytorch" in libs:
        libs["pytorch"].set_num_threads(n)
    return None


_THREAD_LIMITS = None


def _openblas_info() -> dict | None:
    """NumPy's BLAS as threadpoolctl reports it (version, kernels, threads), or None."""
    try:
        from chainrule.cli import numpy_blas
    except ImportError:  # chainrule missing: the scripts say so themselves
        return None
    return numpy_blas() or None


def environment(libs: dict) -> dict:
    env = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
    }
    if hasattr(os, "getloadavg"):
        env["load_avg_1min"] = round(os.getloadavg()[0], 2)
    blas = _openblas_info()
    if blas:
        kernels = f", {blas['architecture']} kernels" if blas.get("architecture") else ""
        env["numpy_blas"] = (f"{blas['internal_api']} {blas.get('version') or ''}{kernels}, "
                             f"{blas['num_threads']} threads").replace(" ,", ",")
    if "OPENBLAS_CORETYPE" in os.environ:
        env["OPENBLAS_CORETYPE"] = os.environ["OPENBLAS_CORETYPE"]
    if "chainrule" in libs:
        env["chainrule"] = getattr(libs["chainrule"], "__version__", "unknown")
    if "pytorch" in libs:
        env["torch"] = libs["pytorch"].__version__
        env["torch_threads"] = libs["pytorch"].get_num_threads()
    return env


def blas_note(env: dict) -> str | None:
    """A warning when NumPy's OpenBLAS runs AVX2 kernels on a CPU that has AVX-512.

    GEMM is most of the layer workloads' time and runs at roughly 0.7x the speed on those
    kernels, while PyTorch's own kernels use AVX-512. On the project's benchmark machine
    the cause is the environment: ``OPENBLAS_CORETYPE=Haswell`` is set there, and OpenBLAS
    obeys it; without it, OpenBLAS picks its SkylakeX (AVX-512) kernels on that CPU.
    """
    arch = (_openblas_info() or {}).get("architecture")
    cpuinfo = Path("/proc/cpuinfo")
    try:
        flags = cpuinfo.read_text() if cpuinfo.exists() else ""
    except OSError:
        return None
    if arch not in ("Haswell", "Zen") or " avx512f" not in flags:
        return None
    pinned = env.get("OPENBLAS_CORETYPE")
    why = (f"because OPENBLAS_CORETYPE={pinned} is set in the environment" if pinned
           else "which is OpenBLAS's own choice for this CPU")
    return (f"NumPy's OpenBLAS runs its {arch} (AVX2) kernels on this AVX-512 CPU, {why}; "
            f"PyTorch's kernels are not affected, so GEMM-heavy ratios are higher than with "
            f"AVX-512 kernels")


# --------------------------------------------------------------------------- main
def run_benchmark(args: argparse.Namespace, opts: dict,
                  check_agreement: Callable[[dict], list[str]],
                  run_workloads: Callable[[dict], dict]) -> int:
    """The body of a benchmark script's ``main``, once its arguments are parsed.

    Imports the libraries, applies ``args.threads``, prints the environment, runs
    ``check_agreement(libs)`` (a list of problems, empty when the libraries agree), times
    ``run_workloads(libs)`` (``results[lib_name][row_label]``, see :func:`time_workloads`),
    prints the table and, with ``args.json``, writes everything there along with ``opts``
    (the timer's settings). Returns the exit status: 1 if the libraries disagree, chainrule
    is missing or neither library imports, 2 for a bad ``--threads``, else 0.
    """
    libs, notes = load_libraries()
    for note in notes:
        print(f"note: {note}")
    if not libs:
        print("error: neither chainrule nor torch can be imported", file=sys.stderr)
        return 1

    if args.threads is not None:
        error = _limit_threads(libs, args.threads)
        if error:
            print(f"error: {error}", file=sys.stderr)
            return 2

    env = environment(libs)
    print("environment: " + ", ".join(f"{k}={v}" for k, v in env.items()))
    note = blas_note(env)
    if note:
        print(f"note: {note}")
    if env.get("load_avg_1min", 0) > 1.0:
        print("warning: the machine is busy (load average above 1); timings will be noisy")

    problems = check_agreement(libs)
    if len(libs) == 2:
        print("agreement check: " + ("chainrule and pytorch agree" if not problems else "FAILED"))
        for p in problems:
            print(f"  {p}")

    results = run_workloads(libs)

    print()
    print("median times; ratio = chainrule / pytorch (lower is better for chainrule)")
    print(format_table(results))

    if args.json:
        payload = {
            "environment": env,
            "settings": {"quick": args.quick, **opts},
            "agreement_problems": problems,
            "notes": notes,
            "results": results,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
        print(f"\nwrote {args.json}")

    return 1 if problems or "chainrule" not in libs else 0
