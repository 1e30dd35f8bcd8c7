"""``import chainrule`` stays light: the optional libraries load when something needs them."""

import importlib.util
import subprocess
import sys
import textwrap

_OPTIONAL = ("scipy", "matplotlib", "sklearn", "tqdm", "graphviz", "torch", "mpi4py")


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, check=True)
    return done.stdout.strip()


def test_import_loads_no_optional_library():
    loaded = _run(f"""
        import sys
        import chainrule
        print(sorted({{m.split('.')[0] for m in sys.modules}} & set({_OPTIONAL!r})))
    """)
    assert loaded == "[]"


def test_scipy_loads_on_first_use_and_results_match_the_numpy_fallback():
    out = _run("""
        import sys
        import numpy as np
        import chainrule as cr
        from chainrule.ops._erf import erf_numpy
        from chainrule.ops.elementwise import _expit_numpy
        x = np.linspace(-30, 30, 601)
        s = cr.sigmoid(cr.tensor(x)).numpy()
        e = cr.erf(cr.tensor(x / 10)).numpy()
        ok = (np.allclose(s, _expit_numpy(x), rtol=1e-14, atol=0)
              and np.allclose(e, erf_numpy(x / 10), rtol=1e-14, atol=1e-300))
        print(ok, "scipy" in sys.modules)
    """)
    has_scipy = importlib.util.find_spec("scipy") is not None
    assert out == f"True {has_scipy}"
