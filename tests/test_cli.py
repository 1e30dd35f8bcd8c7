"""The ``chainrule`` command: listing, info, errors, and ``python -m chainrule``."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from chainrule import examples
from chainrule.cli import main

EXPECTED = ["digits", "mnist", "sentiment", "transfer", "pytorch-style"]


def test_examples_lists_every_example_with_one_line(capsys):
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    listed = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    for name in EXPECTED:
        assert name in listed and len(listed[name].split()) > 2, out
    assert "(cannot be imported)" not in out


def test_registry_discovers_modules_automatically(tmp_path, monkeypatch):
    # A module dropped into the package shows up without being listed anywhere; a broken
    # one is reported, not hidden.
    (tmp_path / "zz_extra_example.py").write_text(
        'NAME = "zz-extra"\nDESCRIPTION = "added later"\nORDER = 999\n'
        "def main(args):\n    return {'quick': args.quick, 'out': args.out}\n")
    (tmp_path / "zz_broken.py").write_text("raise ImportError('half written')\n")
    (tmp_path / "_zz_private.py").write_text("def main(args):\n    return 1\n")
    monkeypatch.setattr(examples, "__path__", [*examples.__path__, str(tmp_path)])
    monkeypatch.setattr(examples, "_REGISTRY", None)
    for name in ("zz_extra_example", "zz_broken"):
        monkeypatch.delitem(sys.modules, f"chainrule.examples.{name}", raising=False)
    try:
        entries = examples.list_examples()
        names = [e.name for e in entries]
        assert set(EXPECTED) <= set(names) and "zz-extra" in names
        assert names.index("zz-extra") > names.index("digits")  # sorted by ORDER
        assert not any("private" in n for n in names)
        assert examples.get_example("zz-broken").module is None
        assert examples.run("zz_extra", quick=True) == {
            "quick": True, "out": os.path.join("runs", "zz-extra")}
    finally:
        for name in ("zz_extra_example", "zz_broken"):
            sys.modules.pop(f"chainrule.examples.{name}", None)
        examples._REGISTRY = None


def test_info_reports_versions_blas_and_extras(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for word in ("chainrule", "Python", "NumPy", "BLAS", "matplotlib", "tqdm", "graphviz",
                 "`dot` binary", "scikit-learn", "mpi4py", "torch"):
        assert word in out, word


def test_info_reports_the_kernels_in_use_not_the_build_configuration():
    pytest.importorskip("threadpoolctl")
    from threadpoolctl import threadpool_info

    from chainrule.cli import _blas_info

    loaded = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    if not loaded or not all(p.get("architecture") for p in loaded):
        pytest.skip("this BLAS does not report its kernels")
    plain = _blas_info({})
    assert "DYNAMIC_ARCH" not in plain  # the build machine's configuration string
    assert any(f"{p['architecture']} kernels" in plain for p in loaded), plain
    assert "OPENBLAS_CORETYPE" not in plain
    pinned = _blas_info({"OPENBLAS_CORETYPE": "Haswell"})
    assert pinned.startswith(plain)
    assert pinned.endswith("(kernels set by OPENBLAS_CORETYPE=Haswell)")


def test_unknown_example_suggests_close_names(capsys):
    assert main(["run", "digts"]) == 2
    err = capsys.readouterr().err
    assert "unknown example 'digts'" in err and "Did you mean: digits" in err


def test_unknown_example_without_close_match_lists_known(capsys):
    assert main(["run", "qqqqqq"]) != 0
    err = capsys.readouterr().err
    assert "Known examples:" in err and "digits" in err


@pytest.mark.parametrize("argv", [["run", "digits", "--bogus"], ["run", "digits",
                                                                 "--epochs", "many"],
                                  ["run"], ["frobnicate"]])
def test_bad_options_exit_nonzero(argv, capsys):
    assert main(argv) == 2
    assert "usage" in capsys.readouterr().err


def test_bad_option_suggests_the_real_one(capsys):
    assert main(["run", "digits", "--quik"]) == 2
    assert "--quick" in capsys.readouterr().err


def test_zero_epochs_rejected(capsys):
    assert main(["run", "digits", "--epochs", "0"]) == 2
    assert "--epochs" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "run" in capsys.readouterr().out


def test_bench_without_checkout_says_so(monkeypatch, capsys):
    from chainrule import cli

    monkeypatch.setattr(cli, "_source_root", lambda: None)
    assert main(["bench"]) == 1
    assert "source checkout" in capsys.readouterr().err


def test_python_dash_m_chainrule(tmp_path):
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-m", "chainrule", "run", "nope"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2 and "unknown example" in done.stderr
    done = subprocess.run([sys.executable, "-m", "chainrule", "examples"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0 and "digits" in done.stdout


def test_bench_runs_each_benchmark_with_the_remaining_arguments(tmp_path, monkeypatch,
                                                                capsys):
    from chainrule import cli

    bench = tmp_path / "benchmarks"
    bench.mkdir()
    (bench / "__init__.py").write_text("")
    (bench / "bench_fake.py").write_text("def main(argv):\n    print('fake ran', argv)\n"
                                         "    return 0\n")
    monkeypatch.setattr(cli, "_source_root", lambda: str(tmp_path))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "benchmarks", raising=False)
    try:
        assert main(["bench", "--quick", "--json", "x.json"]) == 0
    finally:
        sys.modules.pop("benchmarks", None)
        sys.modules.pop("benchmarks.bench_fake", None)
    assert "fake ran ['--quick', '--json', 'x.json']" in capsys.readouterr().out
