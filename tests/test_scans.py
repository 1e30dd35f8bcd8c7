"""Scans (cumprod, cummax, cummin, logcumsumexp, diff), order statistics (median, quantile,
kthvalue, mode, msort, nanmean, aminmax) and bucketing/searching ops (histc, bucketize,
searchsorted, isin, unique_consecutive): dtypes, NaN, ties, empty inputs, errors, methods,
compared with torch. The differentiable float paths are rows of ``op_cases_scans``."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:  # the comparisons skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
NAN, INF = float("nan"), float("inf")


def _outs(r):
    return list(r) if isinstance(r, (tuple, list)) else [r]


def _dtype_name(t):
    return str(t.dtype).rsplit(".", 1)[-1]


def _same(fn, *values, dtype=None, grad=False):
    """``fn(L, *tensors)`` with chainrule and torch: equal outputs (NaN equal to NaN), dtypes
    and shapes; with ``grad``, equal gradients of the float outputs' sum."""
    results = []
    for L in (cr, torch):
        kw = {} if dtype is None else {"dtype": getattr(L, dtype)}
        xs = [L.tensor(v, **kw) for v in values]
        if grad:
            for x in xs:
                x.requires_grad_(True)
        outs = _outs(fn(L, *xs))
        grads = None
        if grad:
            diff = [o for o in outs if o.requires_grad]
            total = sum((o * L.arange(1, o.numel() + 1, dtype=o.dtype).reshape(o.shape)).sum()
                        for o in diff)
            grads = [g.numpy() for g in L.autograd.grad(total, xs)]
        results.append((outs, grads))
    (c_outs, c_grads), (t_outs, t_grads) = results
    assert len(c_outs) == len(t_outs)
    for c, t in zip(c_outs, t_outs):
        assert tuple(c.shape) == tuple(t.shape)
        assert _dtype_name(c) == _dtype_name(t)
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-6,
                                   equal_nan=True)
    if grad:
        for cg, tg in zip(c_grads, t_grads):
            np.testing.assert_allclose(cg, tg, rtol=1e-6, atol=1e-12)


def _same_error(fn):
    """Both libraries raise, with the same exception type; ours names the op."""
    with pytest.raises(Exception) as t_err:
        fn(torch)
    with pytest.raises(type(t_err.value)) as c_err:
        fn(cr)
    assert type(c_err.value) is type(t_err.value)
    return str(c_err.value)


# ------------------------------------------------------------------ without torch
def test_hand_computed_values():
    x = cr.tensor([2.0, 0.0, 3.0, 0.0, 5.0], requires_grad=True)
    cr.cumprod(x, 0).backward(cr.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))
    # dL/dx_0 = 1; dL/dx_1 = 2 * 2 + 3 * 2 * 3 (the first zero); after it: 0
    assert x.grad.tolist() == [1.0, 22.0, 0.0, 0.0, 0.0]
    assert cr.median(cr.tensor([4.0, 1.0, 3.0, 2.0])).item() == 2.0
    v, i = cr.cummax(cr.tensor([1.0, 1.0, 0.0, 2.0]), 0)
    assert v.tolist() == [1.0, 1.0, 1.0, 2.0] and i.tolist() == [0, 1, 1, 3]
    assert cr.quantile(cr.tensor([0.0, 1.0, 2.0, 3.0]), 0.5).item() == 1.5
    assert cr.diff(cr.tensor([1, 4, 9, 16]), n=2).tolist() == [2, 2]
    assert cr.searchsorted(cr.tensor([[1, 3], [2, 4]]), cr.tensor([[3], [3]]),
                           right=True).tolist() == [[2], [1]]
    out, inv, cnt = cr.unique_consecutive(cr.tensor([1, 1, 2, 1]), return_inverse=True,
                                          return_counts=True)
    assert (out.tolist(), inv.tolist(), cnt.tolist()) == ([1, 2, 1], [0, 0, 1, 2], [2, 1, 1])
    assert cr.aminmax(cr.tensor([[1, 5], [3, 2]]), dim=1).max.tolist() == [5, 3]


def test_logcumsumexp_is_stable_and_finite_at_minus_inf():
    x = cr.tensor([1000.0, -1000.0, 0.0, 1000.0], dtype=cr.float64, requires_grad=True)
    y = cr.logcumsumexp(x, 0)
    np.testing.assert_allclose(y.detach().numpy(), [1000, 1000, 1000, 1000 + np.log(2)])
    y.backward(cr.tensor([1.0, -2.0, 3.0, 1.0], dtype=cr.float64))
    np.testing.assert_allclose(x.grad.numpy(), [2.5, 0.0, 0.0, 0.5])
    # all of the prefix -inf: the output is -inf and the gradient there 0 (torch gives NaN)
    x = cr.tensor([-INF, -INF, 1.0], requires_grad=True)
    cr.logcumsumexp(x, 0).backward(cr.tensor([1.0, -2.0, 3.0]))
    assert x.grad.tolist() == [0.0, 0.0, 3.0]


def test_cumprod_second_derivative_with_zeros():
    x = cr.tensor([[0.0, 0.0, 3.0, 0.0], [1.0, 2.0, 0.0, 0.0]], dtype=cr.float64,
                  requires_grad=True)
    (g,) = cr.autograd.grad(cr.cumprod(x, 1).sum(), x, create_graph=True)
    (h,) = cr.autograd.grad((g * g).sum(), x)
    assert g.tolist() == [[1.0, 0.0, 0.0, 0.0], [3.0, 1.0, 2.0, 0.0]]
    assert h.tolist() == [[0.0, 8.0, 0.0, 0.0], [10.0, 10.0, 14.0, 8.0]]


# ------------------------------------------------------------------ scans
@needs_torch
@pytest.mark.parametrize("dtype", ["int32", "int64", "bool", "uint8", "float32"])
def test_cumprod_cummax_cummin_dtypes(dtype):
    vals = [[1, 0, 3, 2], [2, 2, 1, 3]]
    _same(lambda L, x: L.cumprod(x, 1), vals, dtype=dtype)
    _same(lambda L, x: L.cummax(x, 0), vals, dtype=dtype)
    _same(lambda L, x: x.cummin(-1), vals, dtype=dtype)


@needs_torch
def test_cumprod_dtype_argument_scalar_empty_and_inplace():
    _same(lambda L, x: L.cumprod(x, 0, dtype=L.float64), [1, 2, 3])
    _same(lambda L, x: L.cumprod(x, 0), 3.0)
    _same(lambda L, x: L.cumprod(x, 1), np.zeros((0, 3)))
    for dtype in ("int32", "float64"):
        results = []
        for L in (cr, torch):
            x = L.tensor([1, 2, 3, 4], dtype=getattr(L, dtype))
            r = x.cumprod_(0)
            assert r is x
            results.append(x.numpy())
        np.testing.assert_array_equal(*results)


@needs_torch
def test_cumprod_gradient_with_zeros_matches_torch():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.5, (4, 7)) * rng.choice([-1, 1], (4, 7))
    x[0, 0] = x[1, 3] = x[1, 5] = x[2, 6] = x[3, 1] = x[3, 2] = 0.0
    for dtype in ("float32", "float64"):
        _same(lambda L, a: L.cumprod(a, 1), x, dtype=dtype, grad=True)
        _same(lambda L, a: L.cumprod(a.t(), 0), x, dtype=dtype, grad=True)


@needs_torch
def test_cummax_cummin_nan_ties_scalar_empty():
    _same(lambda L, x: L.cummax(x, 0), [1.0, NAN, 2.0, NAN, 3.0], grad=True)
    _same(lambda L, x: L.cummin(x, 0), [1.0, NAN, 0.0, NAN, 3.0], grad=True)
    _same(lambda L, x: L.cummax(x, 0), [1.0, 1.0, 0.0, 1.0, 2.0, 2.0], grad=True)
    _same(lambda L, x: L.cummin(x, 1), [[1.0, 1.0, 2.0, 1.0, 0.0, 0.0]], grad=True)
    _same(lambda L, x: L.cummax(x, 0), 2.0, grad=True)
    _same(lambda L, x: L.cummax(x, 1), np.zeros((0, 3)))
    _same(lambda L, x: L.cummin(x, 0), np.zeros((0,)))


@needs_torch
def test_logcumsumexp_values_and_errors():
    _same(lambda L, x: L.logcumsumexp(x, 0), [-INF, 0.0, INF, 1.0])
    _same(lambda L, x: L.logcumsumexp(x, 0), [1e4, -1e4, 3.0], dtype="float32", grad=True)
    _same(lambda L, x: x.logcumsumexp(-1), 2.0)
    _same(lambda L, x: L.logcumsumexp(x, 1), np.zeros((2, 0)))
    for dtype in ("int64", "int32", "bool"):
        _same_error(lambda L, dtype=dtype: L.logcumsumexp(
            L.tensor([1, 0], dtype=getattr(L, dtype)), 0))
    _same_error(lambda L: L.logcumsumexp(L.tensor([1.0]), 1))


@needs_torch
def test_diff_dtypes_and_edges():
    _same(lambda L, x: L.diff(x), [True, False, False, True])
    _same(lambda L, x: L.diff(x), [1, 3, 2], dtype="uint8")
    _same(lambda L, x: L.diff(x, prepend=L.tensor([1.5])), [1, 3])
    _same(lambda L, x: L.diff(x, prepend=L.tensor([1])), [1, 3], dtype="int32")
    _same(lambda L, x: L.diff(x, n=5), [1, 3])
    _same(lambda L, x: L.diff(x, n=0), [1, 3])
    _same(lambda L, x: x.diff(dim=0, append=L.tensor([[1, 3]])), [[1, 3]])
    _same(lambda L, x: L.diff(x, 2, -2), np.arange(12.0).reshape(4, 3) ** 2)
    _same(lambda L, x: L.diff(x, 1, 1), np.zeros((2, 0)))


@needs_torch
@pytest.mark.parametrize("bad", [
    lambda L: L.diff(L.tensor(1.0)),
    lambda L: L.diff(L.tensor([1, 3]), n=-1),
    lambda L: L.diff(L.tensor([1, 3]), n=1.5),
    lambda L: L.diff(L.tensor([1, 3]), dim=1),
    lambda L: L.diff(L.tensor([[1, 3]]), dim=1, append=L.tensor([1])),
    lambda L: L.diff(L.tensor([[1, 3]]), dim=1, append=L.tensor([[1], [2]])),
    lambda L: L.diff(L.tensor([[1, 3]]), dim=1, append=5),
    lambda L: L.cumprod(L.tensor([1.0]), 1),
    lambda L: L.cummax(L.tensor([1.0, 2.0]), -2),
], ids=["0d", "neg_n", "float_n", "dim", "append_ndim", "append_shape", "append_number",
        "cumprod_dim", "cummax_dim"])
def test_scan_errors(bad):
    _same_error(bad)


# ------------------------------------------------------------------ median, kthvalue, mode
@needs_torch
def test_median_nanmedian_ties_and_nan_match_torch():
    rng = np.random.default_rng(1)
    ties = rng.integers(0, 3, (6, 7)).astype(float)
    with_nan = ties.copy()
    with_nan[rng.random(ties.shape) < 0.25] = NAN
    all_nan_row = with_nan.copy()
    all_nan_row[0] = NAN
    for f in ("median", "nanmedian"):
        # (nanmedian's index of an all-NaN slice is compared below, for short slices only)
        for x in (ties, with_nan) + ((all_nan_row,) if f == "median" else ()):
            _same(lambda L, a, f=f: getattr(L, f)(a), x, grad=True)
            _same(lambda L, a, f=f: getattr(L, f)(a, 1), x, grad=True)
            _same(lambda L, a, f=f: getattr(a, f)(0, keepdim=True), x[1:], grad=True)
    # the index of an all-NaN slice of nanmedian is 0 (PyTorch's depends on its selection
    # algorithm for longer slices): compared for the short ones
    _same(lambda L, a: L.nanmedian(a, 1), [[NAN, NAN, NAN], [NAN, 1.0, NAN]])


@needs_torch
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_order_statistics_on_integers(dtype):
    x = [[3, 1, 2, 5], [4, 4, 1, 0]]
    _same(lambda L, a: L.median(a), x, dtype=dtype)
    _same(lambda L, a: a.median(1), x, dtype=dtype)
    _same(lambda L, a: L.nanmedian(a, 0), x, dtype=dtype)
    _same(lambda L, a: L.kthvalue(a, 3, 1), [[3, 1, 2, 5], [4, 7, 1, 0]], dtype=dtype)
    _same(lambda L, a: L.mode(a), x, dtype=dtype)
    _same(lambda L, a: L.msort(a), x, dtype=dtype)
    _same(lambda L, a: L.aminmax(a), x, dtype=dtype)
    _same(lambda L, a: L.aminmax(a, dim=0, keepdim=True), x, dtype=dtype)


@needs_torch
def test_mode_ties_and_bools_match_torch():
    rng = np.random.default_rng(2)
    for _ in range(20):
        x = rng.integers(0, 4, (3, int(rng.integers(1, 9)))).astype(float)
        _same(lambda L, a: L.mode(a), x, grad=True)
        _same(lambda L, a: L.mode(a, 0, keepdim=True), x, grad=True)
    _same(lambda L, a: L.mode(a), [True, False, True])
    for x in ([NAN, 1.0, 1.0], [1.0, NAN, NAN], [NAN, NAN, 1.0, 1.0], [2.0, NAN, 1.0], [NAN]):
        _same(lambda L, a: L.mode(a), x)


@needs_torch
def test_kthvalue_values_match_torch_and_indices_point_at_them():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, (5, 6)).astype(float)
    x[1, 2] = NAN
    for k in range(1, 7):
        c_v, c_i = cr.kthvalue(cr.tensor(x), k, 1)
        t_v, _ = torch.kthvalue(torch.tensor(x), k, 1)
        np.testing.assert_array_equal(c_v.numpy(), t_v.numpy())
        # among equal values the index is the stable-sort one (PyTorch's comes from its
        # selection algorithm), always an element with the returned value
        picked = np.take_along_axis(x, c_i.numpy()[:, None], 1)[:, 0]
        np.testing.assert_array_equal(picked, c_v.numpy())
    distinct = rng.permutation(30).reshape(5, 6).astype(float)
    _same(lambda L, a: L.kthvalue(a, 4, 0, True), distinct[:, :5], grad=True)
    _same(lambda L, a: L.kthvalue(a, 2), distinct, grad=True)
    _same(lambda L, a: a.kthvalue(1), 2.0, grad=True)


@needs_torch
def test_scalar_and_empty_selections():
    for f in ("median", "nanmedian"):
        _same(lambda L, a, f=f: getattr(L, f)(a, 0), 2.0, grad=True)
        _same(lambda L, a, f=f: getattr(L, f)(a, 1), np.zeros((0, 3)))
        _same(lambda L, a, f=f: getattr(L, f)(a), np.zeros((0,)))
    _same(lambda L, a: L.mode(a, 0), np.zeros((2, 0)))
    _same(lambda L, a: L.mode(a), 2.0, grad=True)
    _same(lambda L, a: L.kthvalue(a, 1, 0), np.zeros((3, 0)))
    _same(lambda L, a: L.aminmax(a, dim=1), np.zeros((0, 3)))
    _same(lambda L, a: L.aminmax(a, dim=0, keepdim=True), 3.0)
    _same(lambda L, a: L.aminmax(a, keepdim=True), [[1.0, 2.0]])
    _same(lambda L, a: L.msort(a), 3.0)
    _same(lambda L, a: L.msort(a), [[3.0, NAN], [1.0, 2.0]])


@needs_torch
@pytest.mark.parametrize("bad", [
    lambda L: L.kthvalue(L.tensor([1.0, 2.0]), 3),
    lambda L: L.kthvalue(L.tensor([1.0, 2.0]), 0),
    lambda L: L.kthvalue(L.tensor([1.0, 2.0]), 1, dim=2),
    lambda L: L.kthvalue(L.zeros(0, 3), 1, dim=0),
    lambda L: L.median(L.zeros(0, 3), 0),
    lambda L: L.median(L.tensor([True, False])),
    lambda L: L.nanmedian(L.tensor([1.0]), 1),
    lambda L: L.mode(L.tensor([])),
    lambda L: L.mode(L.tensor([[1.0, 2.0]]), dim=3),
    lambda L: L.aminmax(L.tensor([])),
    lambda L: L.aminmax(L.zeros(0, 3), dim=0),
    lambda L: L.aminmax(L.tensor([[1.0, 2.0]]), dim=(0, 1)),
    lambda L: L.aminmax(L.tensor([[1.0, 2.0]]), dim=2),
    lambda L: L.nanmean(L.tensor([1, 2])),
    lambda L: L.nanmean(L.tensor([1, 2]), dtype=L.float64),
    lambda L: L.nanmean(L.tensor([1.0]), 1),
], ids=["k_big", "k_zero", "kth_dim", "kth_empty", "median_empty_dim", "median_bool",
        "nanmedian_dim", "mode_empty", "mode_dim", "aminmax_empty", "aminmax_empty_dim",
        "aminmax_tuple_dim", "aminmax_dim", "nanmean_int", "nanmean_int_dtype", "nanmean_dim"])
def test_order_statistic_errors(bad):
    _same_error(bad)


def test_median_of_an_empty_integer_tensor_is_an_error():
    # (PyTorch returns an arbitrary integer)
    for f in (cr.median, cr.nanmedian):
        with pytest.raises(RuntimeError, match="median"):
            f(cr.tensor([], dtype=cr.int64))


def test_kthvalue_error_names_the_op():
    with pytest.raises(RuntimeError, match=r"kthvalue\(\).*k out of range"):
        cr.kthvalue(cr.tensor([1.0, 2.0]), 3)


# ------------------------------------------------------------------ quantile, nanmean
@needs_torch
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_matches_torch(interpolation):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 9))
    x_nan = x.copy()
    x_nan[rng.random(x.shape) < 0.3] = NAN
    x_nan[2] = NAN
    one_nan = x.copy()
    one_nan[1, 4] = NAN
    q = np.array([0.0, 0.125, 0.3, 0.5, 0.875, 1.0])
    for dtype in ("float32", "float64"):
        for f in ("quantile", "nanquantile"):
            def along_dims(L, a, f=f):
                qt = L.tensor(q, dtype=a.dtype)
                return (getattr(L, f)(a, qt, dim=1, interpolation=interpolation),
                        getattr(L, f)(a, 0.4, dim=0, keepdim=True, interpolation=interpolation))

            def flattened(L, a, f=f):
                qt = L.tensor(q, dtype=a.dtype)
                return (getattr(a, f)(qt, interpolation=interpolation),
                        getattr(L, f)(a, L.tensor(0.5, dtype=a.dtype), keepdim=True))

            for data in (x, x_nan):
                _same(along_dims, data, dtype=dtype, grad=True)
            # quantile of all elements with several NaN: its gradient goes to one of them,
            # which one depends on PyTorch's (unstable) sort of long inputs; compared with one
            for data in (x, x_nan if f == "nanquantile" else one_nan):
                _same(flattened, data, dtype=dtype, grad=True)


@needs_torch
def test_quantile_edges():
    _same(lambda L, a: L.quantile(a, 0.5, dim=0), 3.0, grad=True)
    _same(lambda L, a: L.quantile(a, 0.3), [[1.0, 1.0], [1.0, 2.0]], grad=True)
    _same(lambda L, a: L.quantile(a, L.tensor([], dtype=a.dtype), dim=1), [[1.0, 2.0]])


@needs_torch
@pytest.mark.parametrize("bad", [
    lambda L: L.quantile(L.tensor([]), 0.5),
    lambda L: L.quantile(L.zeros(3, 0), 0.5, dim=0),
    lambda L: L.quantile(L.tensor([1.0, 2.0]), 1.5),
    lambda L: L.quantile(L.tensor([1.0, 2.0]), NAN),
    lambda L: L.nanquantile(L.tensor([1.0, 2.0]), L.tensor([0.5, -0.1])),
    lambda L: L.quantile(L.tensor([1.0, 2.0]), L.tensor([[0.5]])),
    lambda L: L.quantile(L.tensor([1.0, 2.0]), 0.5, interpolation="cubic"),
    lambda L: L.quantile(L.tensor([1, 2]), 0.5),
    lambda L: L.quantile(L.tensor([1.0, 2.0]), L.tensor([0.5], dtype=L.float64)),
    lambda L: L.quantile(L.tensor([1.0, 2.0]), 0.5, dim=3),
    lambda L: L.quantile(L.tensor([1.0, 2.0]), [0.5]),
], ids=["empty", "empty_dim", "q_big", "q_nan", "q_tensor_range", "q_2d", "interpolation",
        "int_input", "q_dtype", "dim", "q_list"])
def test_quantile_errors(bad):
    _same_error(bad)


@needs_torch
def test_nanmean_matches_torch():
    def fn(L, a):
        return (L.nanmean(a), L.nanmean(a, 1), a.nanmean((0, 1), keepdim=True),
                L.nanmean(a, dtype=L.float64), L.nanmean(a, -2))

    _same(fn, [[1.0, NAN, 3.0], [NAN, 2.0, 2.5]], grad=True)
    _same(fn, [[1.0, NAN, 3.0], [NAN, NAN, NAN]])
    # an all-NaN slice: NaN, and no gradient (PyTorch's is NaN there: g / 0 * 0)
    x = cr.tensor([[1.0, NAN], [NAN, NAN]], requires_grad=True)
    cr.nanmean(x, 1).sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0], [0.0, 0.0]]
    _same(lambda L, a: L.nanmean(a), np.zeros((0,)))


@needs_torch
def test_aminmax_nan_and_result_type():
    _same(lambda L, a: L.aminmax(a), [1.0, NAN, 2.0])
    r = cr.aminmax(cr.tensor([[3.0, 1.0]]), dim=1)
    assert r.min.tolist() == [1.0] and r.max.tolist() == [3.0]
    lo, hi = r
    assert lo is r.min and hi is r.max


# ------------------------------------------------------------------ histc and searching
@needs_torch
def test_histc_matches_torch():
    rng = np.random.default_rng(5)
    x = np.round(rng.standard_normal(200) * 4) / 4  # many values exactly on bin edges
    for dtype in ("float32", "float64"):
        _same(lambda L, a: L.histc(a), x, dtype=dtype)
        _same(lambda L, a: L.histc(a, bins=16, min=-2, max=2), x, dtype=dtype)
        _same(lambda L, a: a.histc(7, -1.5, 3), x.reshape(20, 10), dtype=dtype)
    _same(lambda L, a: L.histc(a, bins=4), [1.0, 1.0])
    _same(lambda L, a: L.histc(a, bins=4), np.zeros((0,)))
    _same(lambda L, a: L.histc(a, bins=4, min=0, max=2), [1.0, NAN, 5.0])
    assert not cr.histc(cr.tensor([1.0, 2.0], requires_grad=True), bins=3).requires_grad


@needs_torch
@pytest.mark.parametrize("bad", [
    lambda L: L.histc(L.tensor([1, 2]), bins=4),
    lambda L: L.histc(L.tensor([1.0, NAN]), bins=4),
    lambda L: L.histc(L.tensor([1.0, INF]), bins=4),
    lambda L: L.histc(L.tensor([1.0]), bins=0),
    lambda L: L.histc(L.tensor([1.0]), bins=3, min=2, max=1),
    lambda L: L.histc(L.tensor([1.0]), bins=2.5),
], ids=["int", "nan_range", "inf_range", "bins", "min_max", "float_bins"])
def test_histc_errors(bad):
    _same_error(bad)


@needs_torch
def test_bucketize_and_searchsorted_match_torch():
    rng = np.random.default_rng(6)
    bounds = np.sort(rng.integers(0, 10, 8))  # with repeats
    vals = rng.integers(-1, 11, (3, 5))
    for right in (False, True):
        for out_int32 in (False, True):
            kw = {"right": right, "out_int32": out_int32}
            _same(lambda L, v, b, kw=kw: L.bucketize(v, b, **kw), vals, bounds)
            _same(lambda L, b, v, kw=kw: L.searchsorted(b, v, **kw), bounds, vals)
    seq = np.sort(rng.integers(0, 10, (2, 3, 6)), axis=-1)
    v = rng.integers(-1, 11, (2, 3, 4))
    for side in ("left", "right"):
        _same(lambda L, b, x, side=side: L.searchsorted(b, x, side=side), seq, v)
        _same(lambda L, b, x, side=side: L.searchsorted(b, x, side=side), seq.astype(float),
              v + 0.5)
    _same(lambda L, b: L.bucketize(3, b), [1, 3, 5])
    _same(lambda L, b: L.bucketize(3.5, b, out_int32=True), [1, 3, 5])
    _same(lambda L, v, b: L.bucketize(v, b), [1, 4], [1.5, 3.0])
    _same(lambda L, b: L.searchsorted(b, 3, right=True), [1, 3, 5])
    _same(lambda L, b, x: L.searchsorted(b, x), [1.0, 2.0], np.zeros((0,)))
    _same(lambda L, b, x: L.searchsorted(b, x), np.zeros((0,)), [3.0, 4.0])
    _same(lambda L, b, x: L.searchsorted(b, x, right=False, side="right"), [1, 3, 5], [3])


@needs_torch
def test_searchsorted_sorter_matches_torch():
    rng = np.random.default_rng(7)
    seq = rng.permutation(12).reshape(2, 6)
    sorter = np.argsort(seq, axis=-1)
    v = rng.integers(-1, 13, (2, 3))
    _same(lambda L, b, x, s: L.searchsorted(b, x, sorter=s), seq, v, sorter)
    _same(lambda L, b, x, s: L.searchsorted(b, x, sorter=s, side="right"), seq[0], v[0],
          sorter[0])


@needs_torch
@pytest.mark.parametrize("bad", [
    lambda L: L.searchsorted(L.tensor([1, 3]), L.tensor([3]), right=True, side="left"),
    lambda L: L.searchsorted(L.tensor([1, 3]), L.tensor([3]), side="mid"),
    lambda L: L.searchsorted(L.tensor(1), L.tensor([3])),
    lambda L: L.searchsorted(L.tensor([[1, 3], [2, 4]]), L.tensor([3, 6])),
    lambda L: L.searchsorted(L.tensor([[1, 3]]), L.tensor([[1, 4], [1, 2]])),
    lambda L: L.searchsorted(L.tensor([[1, 3]]), 3),
    lambda L: L.searchsorted(L.tensor([5, 1, 3]), L.tensor([3]), sorter=L.tensor([1, 2, 3])),
    lambda L: L.searchsorted(L.tensor([5, 1, 3]), L.tensor([3]), sorter=L.tensor([1, 2])),
    lambda L: L.searchsorted(L.tensor([5, 1, 3]), L.tensor([3]),
                             sorter=L.tensor([1.0, 2.0, 0.0])),
    lambda L: L.bucketize(L.tensor([1]), L.tensor([[1, 3]])),
    lambda L: L.bucketize(L.tensor([1]), L.tensor(1)),
], ids=["side_right", "side", "seq_0d", "lead_dims", "lead_size", "scalar_nd", "sorter_range",
        "sorter_size", "sorter_dtype", "boundaries_2d", "boundaries_0d"])
def test_searchsorted_errors(bad):
    msg = _same_error(bad)
    assert "searchsorted" in msg or "bucketize" in msg


@needs_torch
def test_isin_matches_torch():
    _same(lambda L, a, b: L.isin(a, b), [[1, 2, 3], [4, 2, 0]], [2, 5, 0])
    _same(lambda L, a, b: L.isin(a, b, invert=True), [1, 2, 3], [2, 5])
    _same(lambda L, a, b: L.isin(a, b, assume_unique=True), [1, 2, 3], [3, 1])
    _same(lambda L, a, b: L.isin(a, b), [1.0, 2.5, NAN], [2.5, NAN])
    _same(lambda L, a, b: L.isin(a, b), [1, 2], [2.0, 3.0])
    _same(lambda L, a: L.isin(a, 2, invert=True), [1, 2, 3])
    _same(lambda L, b: L.isin(2, b), [1, 2])
    _same(lambda L, a, b: L.isin(a, b), np.zeros((0,)), [1.0])
    _same_error(lambda L: L.isin(1, 2))


@needs_torch
def test_unique_consecutive_matches_torch():
    x = [[1, 1, 2], [1, 1, 3], [1, 1, 3], [0, 0, 0]]
    for flags in ((False, False), (True, False), (False, True), (True, True)):
        kw = {"return_inverse": flags[0], "return_counts": flags[1]}
        _same(lambda L, a, kw=kw: L.unique_consecutive(a, **kw), x)
        _same(lambda L, a, kw=kw: a.unique_consecutive(**kw, dim=0), x)
        _same(lambda L, a, kw=kw: L.unique_consecutive(a, **kw, dim=-1), x)
        _same(lambda L, a, kw=kw: L.unique_consecutive(a, **kw), 3.0)
        _same(lambda L, a, kw=kw: L.unique_consecutive(a, **kw), np.zeros((0,)))
        _same(lambda L, a, kw=kw: L.unique_consecutive(a, **kw, dim=0), np.zeros((0, 2)))
    _same(lambda L, a: L.unique_consecutive(a), [NAN, NAN, 1.0, 1.0])
    _same(lambda L, a: L.unique_consecutive(a), [True, True, False])
    _same_error(lambda L: L.unique_consecutive(L.tensor([1, 2]), dim=3))
    _same_error(lambda L: L.unique_consecutive(L.zeros(0, 2), dim=1))


# ------------------------------------------------------------------ methods
@needs_torch
def test_methods_exist_where_torch_has_them():
    from chainrule.ops import cumulative, order_stats

    for mod in (cumulative, order_stats):
        for name in mod.__all__:
            assert hasattr(cr, name)
            assert hasattr(cr.Tensor, name) == hasattr(torch.Tensor, name), name
            assert hasattr(cr.Tensor, name + "_") == hasattr(torch.Tensor, name + "_"), name
