"""The math functions of ``chainrule.ops.math_functions`` and ``chainrule.special`` off the
differentiable float path (the op table covers that): the NumPy fallbacks of the special
functions against SciPy, integer inputs, NaN/inf/edge values and their gradients, argument
errors, Tensor and in-place methods, all compared with torch where it is installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.ops import math_functions as mf

try:
    import torch
except ImportError:
    torch = None

try:
    import scipy.special as sp
except ImportError:
    sp = None

# The edge values (log(0), asin(2), inf - inf ...) make NumPy warn; the results are checked.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
needs_scipy = pytest.mark.skipif(sp is None, reason="scipy is not installed")

INF, NAN = math.inf, math.nan


def _np(t):
    if torch is not None and isinstance(t, torch.Tensor):
        return t.detach().numpy(force=True)  # (force: torch's gradients may be ZeroTensors)
    return t.detach().numpy()


def _same(c, t, rtol=1e-6, atol=1e-7):
    """chainrule result ``c`` equals torch result ``t``: shape, dtype, values (NaN == NaN)."""
    assert tuple(c.shape) == tuple(t.shape)
    assert str(c.dtype).rsplit(".", 1)[-1] == str(t.dtype).rsplit(".", 1)[-1]
    np.testing.assert_allclose(_np(c).astype(np.float64), _np(t).astype(np.float64),
                               rtol=rtol, atol=atol, equal_nan=True)


def _both(values, dtype="float64"):
    return cr.tensor(values, dtype=getattr(cr, dtype)), torch.tensor(values,
                                                                     dtype=getattr(torch, dtype))


# ------------------------------------------------------------------ NumPy fallbacks vs SciPy
RNG = np.random.default_rng(1234)


def _rel(a, b):
    """Max relative error of ``a`` against ``b`` (finite entries of ``b``)."""
    ok = np.isfinite(b) & (b != 0)
    return float(np.max(np.abs(a[ok] - b[ok]) / np.abs(b[ok])))


def _non_integers(x):
    return x[np.abs(x - np.round(x)) > 1e-3]


@needs_scipy
def test_lgamma_fallback_matches_scipy():
    x = _non_integers(np.concatenate([RNG.uniform(0, 30, 400), RNG.uniform(-30, 0, 400),
                                      10.0 ** RNG.uniform(-300, 300, 200)]))
    got, ref = mf._lgamma_numpy(x), sp.gammaln(x)
    far = np.abs(ref) > 0.1  # relative precision away from the roots at 1 and 2 ...
    assert _rel(got[far], ref[far]) < 1e-12
    np.testing.assert_allclose(got[~far], ref[~far], atol=1e-13)  # ... absolute near them


@needs_scipy
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4])
def test_polygamma_fallback_matches_scipy(n):
    x = _non_integers(np.concatenate([RNG.uniform(0, 40, 400), RNG.uniform(-20, 0, 400),
                                      10.0 ** RNG.uniform(-8, 6, 100)]))
    got = mf._polygamma_numpy(n, x)
    ref = sp.psi(x) if n == 0 else sp.polygamma(n, x)
    far = np.abs(ref) > 0.1
    assert _rel(got[far], ref[far]) < 1e-12
    np.testing.assert_allclose(got[~far], ref[~far], atol=1e-13)


@needs_scipy
def test_polygamma_fallback_poles_and_infinities_match_scipy():
    x = np.array([0.0, -0.0, -1.0, -2.0, INF, -INF, NAN])
    np.testing.assert_array_equal(mf._polygamma_numpy(0, x), sp.psi(x))
    finite_x = x[:5]  # SciPy's polygamma(n >= 1, -inf) is not meaningful
    for n in (1, 2, 3):
        np.testing.assert_array_equal(mf._polygamma_numpy(n, finite_x),
                                      sp.polygamma(n, finite_x))


@needs_scipy
def test_erfc_fallback_matches_scipy():
    x = np.concatenate([RNG.uniform(-6, 26, 2000), [0.0, -0.0, 1e-300, 2.0, 1.999999]])
    assert _rel(mf._erfc_numpy(x), sp.erfc(x)) < 1e-12
    edge = np.array([INF, -INF, NAN])
    np.testing.assert_array_equal(mf._erfc_numpy(edge), sp.erfc(edge))


@needs_scipy
def test_erfinv_fallback_matches_scipy():
    y = np.concatenate([RNG.uniform(-1, 1, 2000), 1 - 10.0 ** RNG.uniform(-16, 0, 300),
                        -(10.0 ** RNG.uniform(-300, 0, 300)), [0.0, 0.5, -0.5, 0.1]])
    assert _rel(mf._erfinv_numpy(y), sp.erfinv(y)) < 1e-12
    edge = np.array([1.0, -1.0, 1.5, -2.0, NAN, 0.0])
    np.testing.assert_array_equal(mf._erfinv_numpy(edge), sp.erfinv(edge))


@needs_scipy
def test_ndtri_fallback_matches_scipy():
    p = np.concatenate([RNG.uniform(0, 1, 2000), 10.0 ** RNG.uniform(-300, 0, 300),
                        1 - 10.0 ** RNG.uniform(-16, 0, 300)])
    assert _rel(mf._ndtri_numpy(p), sp.ndtri(p)) < 1e-12
    edge = np.array([0.0, 1.0, -0.1, 1.1, NAN])
    np.testing.assert_array_equal(mf._ndtri_numpy(edge), sp.ndtri(edge))


@needs_scipy
def test_log_ndtr_fallback_matches_scipy():
    x = np.concatenate([RNG.uniform(-50, 10, 2000), -(10.0 ** RNG.uniform(0, 150, 300)),
                        [0.0, 40.0, 5.0]])
    assert _rel(mf._log_ndtr_numpy(x), sp.log_ndtr(x)) < 1e-12
    edge = np.array([INF, -INF, NAN])
    np.testing.assert_array_equal(mf._log_ndtr_numpy(edge), sp.log_ndtr(edge))


@needs_scipy
def test_i1_fallback_matches_scipy():
    x = np.concatenate([RNG.uniform(-700, 700, 1000), RNG.uniform(-25, 25, 1000),
                        [0.0, 20.0, np.nextafter(20.0, 21.0), -20.0]])
    assert _rel(mf._i1_numpy(x), sp.i1(x)) < 1e-13
    edge = np.array([INF, -INF, NAN, 800.0])
    np.testing.assert_array_equal(mf._i1_numpy(edge), sp.i1(edge))


def test_fallbacks_without_scipy_hand_values():
    """Known values, so the fallbacks are checked even where SciPy is not installed."""
    np.testing.assert_allclose(mf._lgamma_numpy(np.array([0.5, 1.0, 2.0, 5.0, -0.5])),
                               [0.5 * math.log(math.pi), 0, 0, math.log(24),
                                math.log(2 * math.sqrt(math.pi))], rtol=1e-14, atol=1e-14)
    euler = 0.5772156649015329
    np.testing.assert_allclose(mf._polygamma_numpy(0, np.array([1.0, 0.5])),
                               [-euler, -euler - 2 * math.log(2)], rtol=1e-14)
    np.testing.assert_allclose(mf._polygamma_numpy(1, np.array([1.0, 0.5])),
                               [math.pi ** 2 / 6, math.pi ** 2 / 2], rtol=1e-14)
    np.testing.assert_allclose(mf._erfc_numpy(np.array([0.0, 3.0])),
                               [1.0, 1 - math.erf(3.0)], rtol=1e-11)
    y = np.array([-0.9, 0.3, 0.999999])
    np.testing.assert_allclose(np.array([math.erf(v) for v in mf._erfinv_numpy(y)]), y,
                               rtol=1e-15)
    np.testing.assert_allclose(mf._ndtri_numpy(np.array([0.5, 0.975])), [0, 1.959963984540054],
                               atol=1e-15, rtol=1e-14)


@needs_torch
def test_public_functions_without_scipy_match_torch(monkeypatch):
    """With SciPy hidden, the ops take the NumPy paths and still agree with torch."""
    monkeypatch.setattr(mf, "_scipy", lambda name: None)
    x = np.array([0.3, 1.7, 4.2, -2.5, 12.0, 0.0, -1.0, INF, NAN])
    u = np.array([-0.99, -0.3, 0.0, 0.42, 0.999, 1.0, -1.0, 1.5, NAN])
    for _name, fn, values in [
        ("lgamma", lambda L, t: L.lgamma(t), x),
        ("digamma", lambda L, t: L.digamma(t), x[:-2]),
        ("polygamma1", lambda L, t: L.polygamma(1, t), x[:4]),  # (torch: ~1e-10 here)
        ("polygamma2", lambda L, t: L.polygamma(2, t), x[:4]),
        ("erfc", lambda L, t: L.erfc(t), np.array([-3.0, 0.0, 0.7, 2.5, 9.0, INF, NAN])),
        ("erfinv", lambda L, t: L.erfinv(t), u),
        ("ndtri", lambda L, t: L.special.ndtri(t), np.abs(u)),
        ("log_ndtr", lambda L, t: L.special.log_ndtr(t), np.array([-300.0, -5.0, 0.0, 3.0])),
        ("i1", lambda L, t: L.special.i1(t), np.array([-30.0, -1.0, 0.0, 2.0, 21.0])),
    ]:
        for dtype in ("float32", "float64"):
            c, t = _both(values, dtype)
            tol = 1e-5 if dtype == "float32" else 1e-9
            _same(fn(cr, c), fn(torch, t), rtol=tol, atol=tol)


# ------------------------------------------------------------------ integer inputs, edges
UNARY = ["asin", "acos", "atan", "asinh", "acosh", "atanh", "sinh", "cosh", "exp2", "erfc",
         "erfinv", "lgamma", "digamma", "i0", "sinc", "deg2rad", "rad2deg", "angle", "sgn",
         "signbit", "isneginf", "isposinf", "isreal", "positive", "conj", "conj_physical",
         "resolve_conj", "nan_to_num"]


@needs_torch
@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_unary_integer_and_bool_inputs_match_torch(name, dtype):
    vals = [0, 1, 1, 0] if dtype == "bool" else [-3, 0, 1, 2]
    c, t = cr.tensor(vals, dtype=getattr(cr, dtype)), torch.tensor(vals,
                                                                    dtype=getattr(torch, dtype))
    try:
        expected = getattr(torch, name)(t)
    except (RuntimeError, TypeError) as e:  # positive(bool), sgn(bool) ...
        with pytest.raises(type(e)):
            getattr(cr, name)(c)
        return
    _same(getattr(cr, name)(c), expected)


EDGE = [-INF, -2.5, -1.0, -0.5, -0.0, 0.0, 1e-30, 0.5, 1.0, 2.0, 40.0, INF, NAN]


@needs_torch
@pytest.mark.parametrize("name", ["asin", "acos", "atan", "asinh", "acosh", "atanh", "sinh",
                                  "cosh", "exp2", "erfc", "erfinv", "lgamma", "sinc", "angle",
                                  "sgn", "signbit", "isneginf", "isposinf", "frac", "i0",
                                  "logit", "nan_to_num", "deg2rad", "rad2deg"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_edge_values_match_torch(name, dtype):
    c, t = _both(EDGE, dtype)
    _same(getattr(cr, name)(c), getattr(torch, name)(t), rtol=2e-6)


@needs_torch
def test_digamma_and_polygamma_edges_match_torch():
    c, t = _both([0.0, -0.0, -1.0, -2.0, -0.5, 1e-300, INF, NAN, 30.0])
    _same(cr.digamma(c), torch.digamma(t), rtol=1e-12)
    c, t = _both([0.0, -0.5, -1.5, 1e-3, 30.0, NAN])
    for n in (1, 2, 3):
        _same(cr.polygamma(n, c), torch.polygamma(n, t), rtol=1e-10)


@needs_torch
@pytest.mark.parametrize("name", ["entr", "ndtr", "log_ndtr", "ndtri", "i1", "erfinv",
                                  "erfc", "i0", "sinc", "expit", "gammaln", "psi", "digamma",
                                  "exp2", "expm1", "log1p", "round", "erf", "logit"])
def test_special_edge_values_match_torch(name):
    for dtype in ("float32", "float64"):
        c, t = _both(EDGE + [-40.0, 0.975, 0.025], dtype)
        _same(getattr(cr.special, name)(c), getattr(torch.special, name)(t), rtol=2e-6)


@needs_torch
def test_special_namespace_matches_torch_special():
    x = np.array([[0.3, 1.2, 2.5], [0.7, 3.1, 0.05]])
    y = np.array([[0.0, 2.0, -0.5], [0.0, 0.4, 1.5]])
    for dtype in ("float32", "float64"):
        (cx, tx), (cy, ty) = _both(x, dtype), _both(y, dtype)
        pairs = [
            (cr.special.xlogy(cy, cx), torch.special.xlogy(ty, tx)),
            (cr.special.xlog1py(cy, cx), torch.special.xlog1py(ty, tx)),
            (cr.special.polygamma(2, cx), torch.special.polygamma(2, tx)),
            (cr.special.multigammaln(cx + 1, 2), torch.special.multigammaln(tx + 1, 2)),
            (cr.special.logsumexp(cx, 1), torch.special.logsumexp(tx, 1)),
            (cr.special.logsumexp(cx, 0, keepdim=True),
             torch.special.logsumexp(tx, 0, keepdim=True)),
            (cr.special.softmax(cx, 1), torch.special.softmax(tx, 1)),
            (cr.special.log_softmax(cx, 0), torch.special.log_softmax(tx, 0)),
            (cr.special.softmax(cx, 1, dtype=cr.float64),
             torch.special.softmax(tx, 1, dtype=torch.float64)),
            (cr.special.logit(cx / 4, eps=0.1), torch.special.logit(tx / 4, eps=0.1)),
            (cr.special.entr(cy), torch.special.entr(ty)),
        ]
        for c, t in pairs:
            _same(c, t, rtol=2e-6)
    assert set(cr.special.__all__) <= set(dir(torch.special))
    for name in cr.special.__all__:
        assert callable(getattr(cr.special, name))


def test_special_without_torch_hand_values():
    x = cr.tensor([0.0, 1.0], dtype=cr.float64)
    assert cr.special.expit(x).tolist() == [0.5, 1 / (1 + math.exp(-1))]
    assert cr.special.xlogy(cr.tensor([0.0]), cr.tensor([0.0])).tolist() == [0.0]
    assert cr.special.entr(cr.tensor([0.0, -1.0])).tolist() == [0.0, -INF]
    np.testing.assert_allclose(cr.special.ndtr(x).numpy(), [0.5, 0.8413447460685429],
                               rtol=1e-14)
    np.testing.assert_allclose(cr.special.log_ndtr(cr.tensor([-40.0], dtype=cr.float64)).item(),
                               -804.6084420137538, rtol=1e-13)


# ------------------------------------------------------------------ binary edge values
@needs_torch
def test_xlogy_values_and_gradients_at_zero_match_torch():
    x = [0.0, 0.0, 0.0, 1.0, 2.0, NAN, 0.0, 3.0]
    y = [0.0, NAN, -1.0, 0.0, -1.0, 1.0, INF, 2.0]
    c = [cr.tensor(v, dtype=cr.float64, requires_grad=True) for v in (x, y)]
    t = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x, y)]
    co, to = cr.xlogy(*c), torch.xlogy(*t)
    _same(co, to)
    for cg, tg in zip(cr.autograd.grad(co.sum(), c), torch.autograd.grad(to.sum(), t)):
        _same(cg, tg)
    c_i, t_i = cr.tensor([0, 1, 2]), torch.tensor([0, 1, 2])
    _same(cr.xlogy(c_i, 2), torch.xlogy(t_i, 2))
    _same(cr.xlogy(3, c_i), torch.xlogy(3, t_i))
    _same(cr.xlogy(c_i, c_i), torch.xlogy(t_i, t_i))
    _same(cr.special.xlog1py(c_i, -1), torch.special.xlog1py(t_i, -1))


@needs_torch
@pytest.mark.parametrize("eps", [None, 0.2, -1.0, 0.0])
def test_logit_gradients_at_and_beyond_the_bounds_match_torch(eps):
    vals = [-1.0, 0.0, 0.1, 0.2, 0.5, 0.8, 0.9, 1.0, 2.0]
    c = cr.tensor(vals, dtype=cr.float64, requires_grad=True)
    t = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
    co, to = cr.logit(c, eps), torch.logit(t, eps)
    _same(co, to)
    _same(cr.autograd.grad(co.sum(), c)[0], torch.autograd.grad(to.sum(), t)[0])


def _grads_match(fn, *values, dtype="float64"):
    c = [cr.tensor(v, dtype=getattr(cr, dtype), requires_grad=True) for v in values]
    t = [torch.tensor(v, dtype=getattr(torch, dtype), requires_grad=True) for v in values]
    co, to = fn(cr, *c), fn(torch, *t)
    _same(co, to)
    for cg, tg in zip(cr.autograd.grad(co.sum(), c), torch.autograd.grad(to.sum(), t)):
        _same(cg, tg)


@needs_torch
def test_binary_edge_values_and_gradients_match_torch():
    nan_pairs = ([1.0, NAN, NAN, 2.0, 3.0, -0.0], [NAN, 1.0, NAN, 2.0, 4.0, 0.0])
    _grads_match(lambda L, a, b: L.fmax(a, b), *nan_pairs)
    _grads_match(lambda L, a, b: L.fmin(a, b), *nan_pairs)
    _grads_match(lambda L, a, b: L.copysign(a, b), [1.0, -2.0, 0.0, -0.0, 3.0, NAN],
                 [-1.0, -1.0, -1.0, 1.0, NAN, 1.0])
    _grads_match(lambda L, a, b: L.atan2(a, b), [0.0, 1.0, -1.0, 0.0], [0.0, 0.0, -1.0, -2.0])
    _grads_match(lambda L, a, b: L.hypot(a, b), [0.0, 3.0, INF, 1e200], [0.0, -4.0, 1.0, 1e200])
    _grads_match(lambda L, a, b: L.logaddexp(a, b), [-INF, INF, 1.0, 1000.0, -INF, 0.0],
                 [-INF, INF, 1.0, -1000.0, 2.0, NAN])
    _grads_match(lambda L, a, b: L.logaddexp2(a, b), [-INF, INF, 1.0, 1000.0, -INF],
                 [-INF, INF, 1.0, -1000.0, 2.0])
    _grads_match(lambda L, a: L.nan_to_num(a), [NAN, INF, -INF, 1.5])
    _grads_match(lambda L, a: L.nan_to_num(a, nan=2.0, posinf=3.0, neginf=-4.0),
                 [NAN, INF, -INF, 1.5], dtype="float32")
    _grads_match(lambda L, a: L.sinc(a), [0.0, 0.5, -1.5])
    _grads_match(lambda L, a: L.special.entr(a), [0.0, 0.5, 2.0])
    _grads_match(lambda L, a: L.i0(a), [0.0, -1.0, 5.0])
    _grads_match(lambda L, a: L.special.i1(a), [0.0, -1.0, 5.0])
    _grads_match(lambda L, a: L.erfinv(a), [0.0, 0.999999, -0.5])
    _grads_match(lambda L, a: L.special.log_ndtr(a), [-30.0, -200.0, 0.0, 6.0])
    _grads_match(lambda L, a: L.frac(a), [-1.5, 2.25, 3.0])
    _grads_match(lambda L, a: L.angle(a), [-1.0, 0.0, 2.0])
    _grads_match(lambda L, a: L.sgn(a), [-1.0, 0.0, 2.0])


@needs_torch
def test_sinc_second_derivative_away_from_zero_matches_torch():
    c = cr.tensor([0.3, -1.7], dtype=cr.float64, requires_grad=True)
    t = torch.tensor([0.3, -1.7], dtype=torch.float64, requires_grad=True)
    (cg,) = cr.autograd.grad(cr.sinc(c).sum(), c, create_graph=True)
    (tg,) = torch.autograd.grad(torch.sinc(t).sum(), t, create_graph=True)
    _same(cr.autograd.grad(cg.sum(), c)[0], torch.autograd.grad(tg.sum(), t)[0], rtol=1e-10)


def test_sinc_value_and_derivative_at_zero():
    x = cr.tensor([0.0], dtype=cr.float64, requires_grad=True)
    y = cr.sinc(x)
    assert y.item() == 1.0
    assert cr.autograd.grad(y.sum(), x)[0].item() == 0.0


@needs_torch
def test_integer_and_mixed_dtype_binary_results_match_torch():
    i, j = [12, -8, 0, 0, 7], [18, 4, 5, 0, -3]
    for dt in ("int64", "int32", "int16", "uint8"):
        if dt == "uint8":
            i, j = [12, 8, 0, 0, 7], [18, 4, 5, 0, 3]
        ci, ti = cr.tensor(i, dtype=getattr(cr, dt)), torch.tensor(i, dtype=getattr(torch, dt))
        cj, tj = cr.tensor(j, dtype=getattr(cr, dt)), torch.tensor(j, dtype=getattr(torch, dt))
        _same(cr.gcd(ci, cj), torch.gcd(ti, tj))
        _same(cr.lcm(ci, cj), torch.lcm(ti, tj))
        _same(ci.gcd(cj), ti.gcd(tj))
    ci, ti = cr.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    cf, tf = cr.tensor([0.5, -1.0, 2.0]), torch.tensor([0.5, -1.0, 2.0])
    cd, td = cr.tensor([0.5, -1.0, 2.0], dtype=cr.float64), torch.tensor([0.5, -1.0, 2.0],
                                                                         dtype=torch.float64)
    _same(cr.gcd(ci, cr.tensor([4], dtype=cr.int32)),
          torch.gcd(ti, torch.tensor([4], dtype=torch.int32)))
    for fn in (lambda L, a, b: L.atan2(a, b), lambda L, a, b: L.copysign(a, b),
               lambda L, a, b: L.fmax(a, b), lambda L, a, b: L.fmin(a, b),
               lambda L, a, b: L.ldexp(a, b), lambda L, a, b: L.float_power(a, b),
               lambda L, a, b: L.xlogy(a, b)):
        for (ca, ta), (cb, tb) in [((ci, ti), (ci, ti)), ((cf, tf), (ci, ti)),
                                   ((ci, ti), (cd, td)), ((cf, tf), (cd, td))]:
            _same(fn(cr, ca, cb), fn(torch, ta, tb))
    _same(cr.float_power(2, cf), torch.float_power(2, tf))
    _same(cr.float_power(ci, 2), torch.float_power(ti, 2))
    _same(cr.float_power(cf, 0.5), torch.float_power(tf, 0.5))
    _same(cr.copysign(ci, -1), torch.copysign(ti, -1))
    _same(cr.copysign(cf, -0.0), torch.copysign(tf, -0.0))
    _same(cr.heaviside(cr.tensor([-1.0, 0.0, 2.0, NAN]), cr.tensor([0.5])),
          torch.heaviside(torch.tensor([-1.0, 0.0, 2.0, NAN]), torch.tensor([0.5])))
    _same(cr.heaviside(cr.tensor([-1, 0, 2]), cr.tensor([7])),
          torch.heaviside(torch.tensor([-1, 0, 2]), torch.tensor([7])))
    _same(cr.nextafter(cf, cr.tensor([1.0])), torch.nextafter(tf, torch.tensor([1.0])))
    _same(cr.nextafter(cd, cr.tensor([INF], dtype=cr.float64)),
          torch.nextafter(td, torch.tensor([INF], dtype=torch.float64)), rtol=0, atol=0)
    _same(cr.mvlgamma(cr.tensor([3, 4]), 2), torch.mvlgamma(torch.tensor([3, 4]), 2))
    _same(cr.polygamma(1, ci), torch.polygamma(1, ti))


@needs_torch
def test_float_power_is_float64_with_gradients_in_the_input_dtypes():
    _grads_match(lambda L, a, b: L.float_power(a, b), [1.5, 2.0], [2.0, -0.5], dtype="float32")
    c = cr.tensor([1.5], requires_grad=True)
    out = cr.float_power(c, 3)
    assert out.dtype == cr.float64
    out.backward()
    assert c.grad.dtype == cr.float32


def test_predicates_and_identities():
    x = cr.tensor([-1.0, 2.0], requires_grad=True)
    assert cr.positive(x) is x and cr.conj(x) is x and x.resolve_conj() is x
    assert cr.conj_physical(x) is x
    assert cr.is_complex(x) is False and x.is_complex() is False
    assert cr.is_nonzero(cr.tensor([[2.0]])) is True
    assert cr.is_nonzero(cr.tensor(0.0)) is False
    assert cr.is_nonzero(cr.tensor(NAN)) is True
    for out in (cr.signbit(x), cr.isposinf(x), cr.isneginf(x), cr.isreal(x),
                cr.heaviside(x, cr.tensor([0.5])), cr.nextafter(x, cr.tensor([0.0]))):
        assert out.dtype == cr.bool or not out.requires_grad
        assert not out.requires_grad
    assert cr.gcd(cr.tensor([4]), cr.tensor([6])).tolist() == [2]


# ------------------------------------------------------------------ errors
ERRORS = [
    ("gcd_float", lambda L: L.gcd(L.tensor([1.0]), L.tensor([2.0]))),
    ("lcm_bool", lambda L: L.lcm(L.tensor([True]), L.tensor([True]))),
    ("gcd_number", lambda L: L.gcd(L.tensor([12]), 18)),
    ("frac_int", lambda L: L.frac(L.tensor([1, 2]))),
    ("hypot_int", lambda L: L.hypot(L.tensor([1]), L.tensor([2]))),
    ("hypot_number", lambda L: L.hypot(L.tensor([1.0]), 2.0)),
    ("logaddexp_int", lambda L: L.logaddexp(L.tensor([1]), L.tensor([2]))),
    ("logaddexp2_int", lambda L: L.logaddexp2(L.tensor([1]), L.tensor([2]))),
    ("logaddexp_number", lambda L: L.logaddexp(L.tensor([1.0]), 2.0)),
    ("nextafter_int", lambda L: L.nextafter(L.tensor([1]), L.tensor([2]))),
    ("atan2_number", lambda L: L.atan2(L.tensor([1.0]), 2.0)),
    ("fmax_number", lambda L: L.fmax(L.tensor([1.0]), 2.0)),
    ("ldexp_number", lambda L: L.ldexp(L.tensor([1.0]), 2)),
    ("heaviside_number", lambda L: L.heaviside(L.tensor([1.0]), 0.5)),
    ("heaviside_mixed_dtypes", lambda L: L.heaviside(L.tensor([1.0]), L.tensor([1]))),
    ("polygamma_negative_n", lambda L: L.polygamma(-1, L.tensor([1.0]))),
    ("polygamma_float_n", lambda L: L.polygamma(1.5, L.tensor([1.0]))),
    ("mvlgamma_p0", lambda L: L.mvlgamma(L.tensor([2.0]), 0)),
    ("positive_bool", lambda L: L.positive(L.tensor([True]))),
    ("is_nonzero_two", lambda L: L.is_nonzero(L.tensor([1.0, 2.0]))),
    ("is_nonzero_empty", lambda L: L.is_nonzero(L.tensor([]))),
    ("asin_number", lambda L: L.asin(0.5)),
    ("exp2_inplace_int", lambda L: L.tensor([1, 2]).exp2_()),
    ("asin_inplace_leaf", lambda L: L.tensor([0.5], requires_grad=True).asin_()),
]


def _error_type(fn):
    try:
        fn(torch)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e)
    raise AssertionError("torch did not raise")


@needs_torch
@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, fn):
    expected = _error_type(fn)
    with pytest.raises(expected) as info:
        fn(cr)
    op = name.split("_")[0]
    assert op in str(info.value) or "leaf" in str(info.value) or "cast" in str(info.value)


def test_errors_without_torch():
    with pytest.raises(NotImplementedError, match="gcd"):
        cr.gcd(cr.tensor([1.0]), cr.tensor([2.0]))
    with pytest.raises(RuntimeError, match="polygamma"):
        cr.polygamma(-1, cr.tensor([1.0]))
    with pytest.raises(TypeError, match="atan2"):
        cr.atan2(cr.tensor([1.0]), 2.0)


# ------------------------------------------------------------------ methods, in-place
ALL_NAMES = mf.__all__


@needs_torch
def test_tensor_and_inplace_methods_exist_where_torch_has_them():
    x = cr.tensor([1.0])
    for name in ALL_NAMES:
        if name == "polygamma":  # x.polygamma(n): argument order differs (see the report)
            continue
        assert hasattr(x, name), name
        if name == "float_power":  # float_power_ must refuse non-float64 bases
            continue
        assert hasattr(x, name + "_") == hasattr(torch.Tensor, name + "_"), name


IN_PLACE = [("asin_", ()), ("arccos_", ()), ("atan_", ()), ("arcsinh_", ()), ("atanh_", ()),
            ("sinh_", ()), ("cosh_", ()), ("exp2_", ()), ("erfc_", ()), ("erfinv_", ()),
            ("lgamma_", ()), ("digamma_", ()), ("sinc_", ()), ("deg2rad_", ()),
            ("rad2deg_", ()), ("frac_", ()), ("sgn_", ()), ("i0_", ()), ("logit_", (0.1,)),
            ("nan_to_num_", ()), ("conj_physical_", ()), ("mvlgamma_", (1,)),
            ("atan2_", ("other",)), ("arctan2_", ("other",)), ("hypot_", ("other",)),
            ("xlogy_", ("other",)), ("copysign_", ("other",)), ("heaviside_", ("other",)),
            ("ldexp_", ("other",)), ("nextafter_", ("other",))]


@needs_torch
@pytest.mark.parametrize("name,args", IN_PLACE, ids=[n for n, _ in IN_PLACE])
def test_inplace_methods_match_torch(name, args):
    vals = [0.3, -0.6, 0.9, 0.05]
    other = [0.5, 2.0, -1.0, 0.7]
    c, t = _both(vals)
    c_args = [cr.tensor(other, dtype=cr.float64) if a == "other" else a for a in args]
    t_args = [torch.tensor(other, dtype=torch.float64) if a == "other" else a for a in args]
    if name == "mvlgamma_":
        c, t = c + 2, t + 2
    c_out, t_out = getattr(c, name)(*c_args), getattr(t, name)(*t_args)
    assert c_out is c
    _same(c, t, rtol=1e-12)
    _same(c_out, t_out, rtol=1e-12)


@needs_torch
def test_inplace_keeps_the_graph():
    a = cr.tensor([0.3, 0.6], dtype=cr.float64, requires_grad=True)
    ta = torch.tensor([0.3, 0.6], dtype=torch.float64, requires_grad=True)
    c, t = a * 1.0, ta * 1.0
    c.asin_().sinh_()
    t.asin_().sinh_()
    c.sum().backward()
    t.sum().backward()
    _same(a.grad, ta.grad, rtol=1e-12)


@needs_torch
def test_gcd_lcm_inplace_and_methods_match_torch():
    c, t = cr.tensor([12, 9, 0]), torch.tensor([12, 9, 0])
    c.gcd_(cr.tensor([18, 6, 5]))
    t.gcd_(torch.tensor([18, 6, 5]))
    _same(c, t)
    c.lcm_(cr.tensor([4, 4, 4]))
    t.lcm_(torch.tensor([4, 4, 4]))
    _same(c, t)


# ------------------------------------------------------------------ empty tensors
@needs_torch
@pytest.mark.parametrize("name", ["asin", "lgamma", "digamma", "erfinv", "erfc", "i0", "sinc",
                                  "logit", "angle", "signbit", "nan_to_num"])
def test_empty_inputs_match_torch(name):
    c, t = cr.zeros(0, 3), torch.zeros(0, 3)
    _same(getattr(cr, name)(c), getattr(torch, name)(t))
