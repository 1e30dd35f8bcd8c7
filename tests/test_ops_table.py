"""Every row of ``tests/op_cases.py`` checked against central finite differences (float64) and,
when torch is installed, against torch (values, dtypes, gradients); plus the coverage test:
every primitive of ``chainrule.ops`` has a rule for each input and runs in some row."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import zlib

import numpy as np
import pytest
from op_cases import CASES

import chainrule as cr
import chainrule.ops
from chainrule.autograd import gradcheck, gradgradcheck
from chainrule.autograd.primitive import Primitive

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _params(check, cases=CASES):
    out = []
    for c in cases:
        marks = ()
        if check in c.xfail:
            marks = (pytest.mark.xfail(strict=True, reason=c.xfail[check]),)
        out.append(pytest.param(c, id=c.name, marks=marks))
    return out


def _inputs(lib, arrays, dtype):
    """Float arrays become leaves of ``dtype`` that require grad; ints and bools stay as they
    are (indices and masks)."""
    out = []
    for a in arrays:
        if a.dtype.kind == "f":
            out.append(lib.tensor(a, dtype=dtype, requires_grad=True))
        else:
            out.append(lib.tensor(a))
    return out


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _dtype_name(t):
    return str(t.dtype).rsplit(".", 1)[-1]


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", _params("gradcheck"))
def test_gradcheck(case):
    xs = _inputs(cr, case.draw(), cr.float64)
    assert any(x.requires_grad for x in xs)
    assert gradcheck(lambda *ts: case.fn(cr, *ts), xs, **case.tol)


@pytest.mark.parametrize("case", _params("gradgradcheck", [c for c in CASES if c.gradgrad]))
def test_gradgradcheck(case):
    xs = _inputs(cr, case.draw(), cr.float64)
    assert gradgradcheck(lambda *ts: case.fn(cr, *ts), xs, **case.tol)


@needs_torch
@pytest.mark.parametrize("case", _params("torch", [c for c in CASES if c.torch]))
def test_against_torch(case):
    arrays = case.draw()
    for dtype in ("float32", "float64"):
        cx = _inputs(cr, arrays, getattr(cr, dtype))
        tx = _inputs(torch, arrays, getattr(torch, dtype))
        c_out = _outputs(case.fn(cr, *cx))
        t_out = _outputs(case.fn(torch, *tx))
        assert len(c_out) == len(t_out)
        tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == "float32" else {"rtol": 1e-9, "atol": 1e-12}
        for c, t in zip(c_out, t_out):
            assert tuple(c.shape) == tuple(t.shape)
            assert _dtype_name(c) == _dtype_name(t)
            assert c.requires_grad == t.requires_grad
            np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), **tol)

        # Gradients for a random upstream gradient, one per output that requires grad.
        rng = np.random.default_rng(zlib.crc32(case.name.encode()) + 1)
        pairs = [(c, t) for c, t in zip(c_out, t_out) if t.requires_grad]
        ups = [rng.standard_normal(tuple(t.shape)) for _, t in pairs]
        c_diff = [x for x in cx if x.requires_grad]
        t_diff = [x for x in tx if x.requires_grad]
        c_g = cr.autograd.grad([c for c, _ in pairs], c_diff,
                               [cr.tensor(u, dtype=c.dtype) for u, (c, _) in zip(ups, pairs)],
                               allow_unused=True)
        t_g = torch.autograd.grad([t for _, t in pairs], t_diff,
                                  [torch.tensor(u, dtype=t.dtype) for u, (_, t) in
                                   zip(ups, pairs)], allow_unused=True)
        for x, cg, tg in zip(c_diff, c_g, t_g):
            cg = np.zeros(tuple(x.shape)) if cg is None else cg.numpy()
            tg = np.zeros(tuple(x.shape)) if tg is None else tg.numpy()
            assert cg.shape == tg.shape
            assert cg.dtype == tg.dtype
            np.testing.assert_allclose(cg, tg, **tol)


# ------------------------------------------------------------------ coverage


def _ops_primitives():
    """Every Primitive object defined in a module of ``chainrule.ops`` (private ones too), as
    ``({id: qualified name}, {id: primitive})``. The nn primitives are out of scope."""
    names, prims = {}, {}
    for info in pkgutil.iter_modules(chainrule.ops.__path__):
        mod = importlib.import_module(f"chainrule.ops.{info.name}")
        for attr, obj in vars(mod).items():
            if isinstance(obj, Primitive) and id(obj) not in prims:
                names[id(obj)] = f"chainrule.ops.{info.name}.{attr}"
                prims[id(obj)] = obj
    return names, prims


def test_every_primitive_has_a_rule_for_each_input():
    names, prims = _ops_primitives()
    assert len(prims) > 30
    for key, prim in prims.items():
        params = inspect.signature(prim.forward).parameters.values()
        positional = [p for p in params
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        variadic = any(p.kind is p.VAR_POSITIONAL for p in params)
        assert prim.vjps is not None, f"{names[key]} has no derivative rules"
        if variadic:
            for i in range(4):
                assert callable(prim.vjps[i]), f"{names[key]}: no rule for input {i}"
        else:
            assert len(prim.vjps) == len(positional), (
                f"{names[key]}: {len(prim.vjps)} rules for {len(positional)} inputs")
            assert all(callable(r) for r in prim.vjps), names[key]


def test_every_primitive_runs_in_some_row(monkeypatch):
    """Run each row forward and backward, and (rows with working second derivatives) backward
    with ``create_graph=True`` and once more, recording which primitives ran: the rules of
    first derivatives are made of primitives too (``_unindex_prim`` runs only there)."""
    names, prims = _ops_primitives()
    seen = set()
    call = Primitive.__call__

    def spy(self, *inputs, **params):
        seen.add(id(self))
        return call(self, *inputs, **params)

    monkeypatch.setattr(Primitive, "__call__", spy)
    for c in CASES:
        xs = _inputs(cr, c.draw(), cr.float64)
        outs = [o for o in _outputs(c.fn(cr, *xs)) if o.requires_grad]
        diff = [x for x in xs if x.requires_grad]
        second = c.gradgrad and "gradgradcheck" not in c.xfail
        gs = cr.autograd.grad(outs, diff, [cr.ones_like(o) for o in outs], create_graph=second,
                              allow_unused=True)
        again = [(g * g).sum() for g in gs if g is not None and g.requires_grad]
        if again:
            cr.autograd.grad(again, diff, allow_unused=True)
    missing = sorted(names[k] for k in prims if k not in seen)
    assert not missing, f"primitives no row of tests/op_cases.py exercises: {missing}"


# ------------------------------------------------------------------ kinks, ties, edge values


# (name, lambda L, *tensors, input values) evaluated exactly at kinks, ties and edges: the
# derivative chosen there must be PyTorch's.
EDGES = [
    ("relu_at_0", lambda L, x: x.relu(), [[0.0, 1.0, -1.0]]),
    ("abs_at_0", lambda L, x: x.abs(), [[0.0, 2.0, -2.0]]),
    ("sign_at_0", lambda L, x: x.sign(), [[0.0, 1.5]]),
    ("clamp_at_bounds", lambda L, x: x.clamp(0.0, 1.0), [[0.0, 1.0, 2.0, -1.0]]),
    ("clamp_tensor_bounds_at_bounds", lambda L, x, lo, hi: L.clamp(x, lo, hi),
     [[0.0, 1.0, 0.5], [0.0, 0.0, 0.5], [1.0, 1.0, 0.5]]),
    ("maximum_tie", lambda L, a, b: L.maximum(a, b), [[1.0, 2.0], [1.0, 3.0]]),
    ("minimum_tie", lambda L, a, b: L.minimum(a, b), [[1.0, 2.0], [1.0, 3.0]]),
    ("amax_ties", lambda L, x: x.amax(), [[1.0, 2.0, 2.0]]),
    ("amin_dim_ties", lambda L, x: x.amin(1), [[[1.0, 1.0, 2.0], [0.0, 3.0, 0.0]]]),
    ("max_full_ties", lambda L, x: x.max(), [[2.0, 1.0, 2.0]]),
    ("max_dim_ties", lambda L, x: x.max(0).values, [[[1.0, 2.0], [1.0, 2.0]]]),
    ("sort_ties", lambda L, x: x.sort().values * L.arange(3.0, dtype=L.float64),
     [[1.0, 1.0, 0.0]]),
    ("norm2_at_0", lambda L, x: x.norm(), [[0.0, 0.0]]),
    ("norm1_at_0", lambda L, x: x.norm(p=1), [[0.0, 1.0]]),
    ("norm3_at_0", lambda L, x: x.norm(p=3), [[0.0, 0.0]]),
    ("norm_inf_ties", lambda L, x: x.norm(p=float("inf")), [[1.0, -1.0, 0.5]]),
    ("prod_two_zeros", lambda L, x: x.prod(), [[0.0, 0.0, 2.0]]),
    ("pow_at_0", lambda L, x: x ** 2.5 + x ** 0 + x ** 1, [[0.0, 1.0]]),
    ("pow_tensor_base_0", lambda L, x, y: x ** y, [[0.0, 0.0], [2.0, 1.0]]),
    ("pow_tensor_0_to_0", lambda L, x, y: x ** y, [[0.0], [0.0]]),
    ("std_of_constant", lambda L, x: x.std(), [[1.0, 1.0, 1.0]]),
    ("logsumexp_minus_inf", lambda L, x: x.logsumexp(0), [[float("-inf"), 0.0]]),
    ("round_half_even", lambda L, x: x.round(), [[0.5, 1.5, 2.5, -0.5]]),
    ("sigmoid_saturated", lambda L, x: x.sigmoid(), [[-800.0, 800.0]]),
    ("tanh_saturated", lambda L, x: x.tanh(), [[-800.0, 800.0]]),
    ("where_with_unselected_inf", lambda L, x: L.where(x > 0, x, x * 0), [[0.0, 2.0]]),
]


def _edge_params():
    out = []
    for name, fn, values, *reason in EDGES:
        marks = (pytest.mark.xfail(strict=True, reason=reason[0]),) if reason else ()
        out.append(pytest.param(fn, values, id=name, marks=marks))
    return out


@needs_torch
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("fn,values", _edge_params())
def test_derivative_conventions_at_kinks_and_ties_match_torch(fn, values):
    results = []
    for L in (cr, torch):
        xs = [L.tensor(v, dtype=L.float64, requires_grad=True) for v in values]
        y = fn(L, *xs)
        y.sum().backward()
        results.append((y.detach().numpy(), [x.grad.numpy() for x in xs]))
    (y, gs), (ty, tgs) = results
    np.testing.assert_allclose(y, ty, rtol=1e-12)
    for g, tg in zip(gs, tgs):
        np.testing.assert_allclose(g, tg, rtol=1e-12)


@pytest.mark.parametrize("dtype,x", [("float32", -20.0), ("float32", -60.0),
                                     ("float64", -40.0), ("float64", -20.0)])
def test_sigmoid_keeps_relative_precision_in_the_left_tail(dtype, x):
    got = cr.tensor([x], dtype=getattr(cr, dtype)).sigmoid().item()
    expected = 1.0 / (1.0 + np.exp(-x))
    assert got == pytest.approx(expected, rel=1e-5 if dtype == "float32" else 1e-12, abs=0)
