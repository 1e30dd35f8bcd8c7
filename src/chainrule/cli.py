"""The ``chainrule`` command: run the example gallery, list it, report the install, bench.

::

    chainrule run digits [--epochs N] [--seed S] [--quick] [--out DIR] [--data PATH]
    chainrule examples
    chainrule info
    chainrule bench [--quick] [...]
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import importlib.util
import os
import platform
import re
import shutil
import sys
from collections.abc import Sequence


def _option_strings(parser: argparse.ArgumentParser) -> set[str]:
    """Every option of a parser and of its subcommands."""
    found = set()
    for action in parser._actions:
        found.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _option_strings(sub)
    return found


class _Parser(argparse.ArgumentParser):
    """argparse, plus a "did you mean" for mistyped options."""

    def error(self, message: str):
        match = re.search(r"unrecognized arguments: (.+)", message)
        if match:
            known = sorted(_option_strings(self))
            hints = []
            for arg in match.group(1).split():
                close = difflib.get_close_matches(arg.split("=")[0], known, n=1, cutoff=0.6)
                if close and close[0] != arg.split("=")[0]:
                    hints.append(f"{arg} -> {close[0]}?")
            if hints:
                message += " (did you mean: " + ", ".join(hints) + ")"
        super().error(message)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chainrule",
                     description="chainrule: deep learning on NumPy, built on the chain rule.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="run an example from the gallery",
                         description="Run an example; see `chainrule examples` for names.")
    run.add_argument("name", help="the example, e.g. digits")
    run.add_argument("--epochs", type=int, default=None,
                     help="training epochs (default: the example's own)")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--quick", action="store_true",
                     help="a tiny, fast version (what the tests run)")
    run.add_argument("--out", default=None,
                     help="directory for pictures and metrics.json (default ./runs/NAME)")
    run.add_argument("--data", default=None,
                     help="path to a real dataset, for examples that use one (mnist, "
                          "sentiment)")
    run.add_argument("--threads", type=int, default=1,
                     help="BLAS threads (default 1: the examples' matrices are small, and "
                          "one thread is fastest there, above all on a busy machine; "
                          "0 keeps NumPy's default)")

    sub.add_parser("examples", help="list the examples, one line each")
    sub.add_parser("info", help="versions, BLAS and the optional extras installed")
    bench = sub.add_parser("bench", help="run the benchmarks of a source checkout",
                           description="Run benchmarks/bench_*.py from the source checkout; "
                                       "other arguments are passed to each (e.g. --quick).")
    bench.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def _cmd_examples() -> int:
    from chainrule.examples import list_examples

    entries = list_examples()
    width = max((len(e.name) for e in entries), default=0)
    for e in entries:
        print(f"  {e.name:<{width}}  {e.description}")
    print("\nRun one with: chainrule run NAME [--quick] [--epochs N] [--seed S] [--out DIR]")
    return 0


def _cmd_run(args) -> int:
    from chainrule.examples import get_example, make_args, names

    try:
        example = get_example(args.name)
    except KeyError:
        known = names()
        close = difflib.get_close_matches(args.name.replace("_", "-"), known, n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        print(f"chainrule run: unknown example {args.name!r}.{hint}\n"
              f"Known examples: {', '.join(known)} (see `chainrule examples`).",
              file=sys.stderr)
        return 2
    if args.epochs is not None and args.epochs < 1:
        print("chainrule run: --epochs must be at least 1", file=sys.stderr)
        return 2
    if example.module is None:
        print(f"chainrule run: example {example.name!r} cannot be imported:\n{example.error}",
              file=sys.stderr)
        return 1
    if args.threads < 0:
        print("chainrule run: --threads must be 0 (NumPy's default) or more", file=sys.stderr)
        return 2
    run_args = make_args(example.name, epochs=args.epochs, seed=args.seed, quick=args.quick,
                         out=args.out, data=args.data)
    with _blas_threads(args.threads):
        result = example.run(run_args)
    return result if isinstance(result, int) and not isinstance(result, bool) else 0


def _blas_threads(n: int):
    """Limit NumPy's BLAS to ``n`` threads for the block (threadpoolctl, installed with
    scikit-learn); a no-op for ``n == 0`` or without threadpoolctl."""
    import contextlib

    if n == 0:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


def numpy_blas() -> dict | None:
    """NumPy's BLAS library as loaded in this process, as threadpoolctl describes it (keys
    such as ``internal_api``, ``version``, ``architecture``, ``num_threads``); ``{}`` when
    threadpoolctl finds none, None without threadpoolctl (installed with scikit-learn).

    SciPy, when loaded, brings its own OpenBLAS: NumPy's is the one under NumPy's folder.
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    loaded = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    loaded.sort(key=lambda p: "numpy" not in str(p.get("filepath", "")))
    return loaded[0] if loaded else {}


def _blas_info(environ=None) -> str:
    """NumPy's BLAS: its name and version, then the kernels and threads it runs with here.

    NumPy's build configuration also names a CPU, but that is the build machine's (wheels
    say "Haswell" everywhere); OpenBLAS picks its kernels when it loads, from this CPU or
    from ``OPENBLAS_CORETYPE``. threadpoolctl (installed with scikit-learn) asks the loaded
    library; without it the kernels go unreported.
    """
    import numpy as np

    environ = os.environ if environ is None else environ
    try:
        config = np.show_config(mode="dicts")
    except TypeError:  # NumPy < 1.26 has no mode argument
        return "unknown (NumPy < 1.26 cannot report it)"
    blas = config.get("Build Dependencies", {}).get("blas", {}) if isinstance(config, dict) else {}
    if not blas:
        return "unknown"
    text = " ".join(str(blas[k]) for k in ("name", "version") if blas.get(k))
    loaded = numpy_blas()
    if loaded is None:
        return f"{text} (kernels and threads: install threadpoolctl to see them)"
    if loaded:
        arch, threads = loaded.get("architecture"), loaded.get("num_threads")
        text += f", {arch} kernels" if arch else ""
        text += f", {threads} thread{'s' if threads != 1 else ''}" if threads else ""
        if arch and environ.get("OPENBLAS_CORETYPE"):
            text += f" (kernels set by OPENBLAS_CORETYPE={environ['OPENBLAS_CORETYPE']})"
    return text


def _version_of(module: str) -> str | None:
    if importlib.util.find_spec(module) is None:
        return None
    try:
        mod = importlib.import_module(module)
    except Exception as e:  # installed but broken: say so rather than crash
        return f"installed but fails to import ({type(e).__name__})"
    return str(getattr(mod, "__version__", "installed"))


def _cmd_info() -> int:
    import numpy as np

    import chainrule

    print(f"chainrule   {chainrule.__version__}  ({os.path.dirname(chainrule.__file__)})")
    print(f"Python      {platform.python_version()} ({platform.python_implementation()}, "
          f"{platform.system()} {platform.machine()})")
    print(f"NumPy       {np.__version__}")
    print(f"BLAS        {_blas_info()}")
    print(f"CPU cores   {os.cpu_count()}")
    print("optional extras:")
    extras = [("matplotlib", "matplotlib", "plots"), ("tqdm", "tqdm", "progress bars"),
              ("graphviz", "graphviz", "graph drawings"),
              ("scikit-learn", "sklearn", "the digits dataset"),
              ("safetensors", "safetensors", "checkpoints"),
              ("mpi4py", "mpi4py", "distributed training (planned)"),
              ("torch", "torch", "side-by-side checks and benchmarks")]
    for label, module, use in extras:
        version = _version_of(module)
        status = version if version else "not installed"
        line = f"  {label:<13} {status:<28} {use}"
        if module == "graphviz":
            dot = shutil.which("dot")
            line += f"; `dot` binary: {dot if dot else 'not found (DOT text only)'}"
        print(line)
    return 0


def _source_root() -> str | None:
    import chainrule

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(chainrule.__file__))))
    return root if os.path.isdir(os.path.join(root, "benchmarks")) else None


def _cmd_bench(rest: list[str]) -> int:
    root = _source_root()
    if root is None:
        print("chainrule bench: the benchmarks live in the source checkout (benchmarks/ next "
              "to src/), which this installation does not have. Clone the repository and run "
              "`chainrule bench` (or `python -m benchmarks.bench_core`) from it.",
              file=sys.stderr)
        return 1
    bench_dir = os.path.join(root, "benchmarks")
    modules = sorted(f[:-3] for f in os.listdir(bench_dir)
                     if f.startswith("bench_") and f.endswith(".py"))
    if not modules:
        print(f"chainrule bench: no bench_*.py files in {bench_dir}", file=sys.stderr)
        return 1
    if root not in sys.path:
        sys.path.insert(0, root)
    status = 0
    for name in modules:
        print(f"== benchmarks.{name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        result = module.main(list(rest))
        status = status or (result if isinstance(result, int) else 0)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chainrule`` command; returns the exit status.

    Example:
        >>> main(["run", "digts"])  # doctest: +SKIP
        chainrule run: unknown example 'digts'. Did you mean: digits?
        2
    """
    parser = _build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"] and argv[1:2] not in (["-h"], ["--help"]):
        return _cmd_bench(argv[1:])  # everything after `bench` goes to the benchmarks
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse errors (exit 2) and --help (exit 0)
        return int(e.code or 0)
    if args.command == "run":
        return _cmd_run(args)
    if args.command == "examples":
        return _cmd_examples()
    if args.command == "info":
        return _cmd_info()
    if args.command == "bench":
        return _cmd_bench(args.rest)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
