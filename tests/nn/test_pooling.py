"""Max, average and adaptive pooling: values, returned indices and gradients against PyTorch
(including ties, NaN, ceil_mode, padding, dilation, count_include_pad, divisor_override and
non-divisible adaptive sizes), finite-difference first- and second-order checks, the layers
and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(11)
DTYPES = [(cr.float64, torch.float64, 1e-12), (cr.float32, torch.float32, 1e-5)]


def compare(cfn, tfn, shape, ties=False):
    """Values, indices (when returned) and input gradients of ``cfn`` against ``tfn``.

    ``ties``: round the input so that windows hold equal maxima (the gradient must go to
    the first one, as PyTorch's)."""
    a = RNG.standard_normal(shape)
    if ties:
        a = np.round(a)
    for cdt, tdt, tol in DTYPES:
        x = cr.tensor(a, dtype=cdt, requires_grad=True)
        tx = torch.tensor(a, dtype=tdt, requires_grad=True)
        y, ty = cfn(x), tfn(tx)
        if isinstance(ty, tuple):
            (y, idx), (ty, tidx) = y, ty
            assert idx.dtype == cr.int64
            np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
        assert y.dtype == cdt and tuple(y.shape) == tuple(ty.shape)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        g = RNG.standard_normal(tuple(ty.shape))
        y.backward(cr.tensor(g, dtype=cdt))
        ty.backward(torch.tensor(g, dtype=tdt))
        assert x.grad.dtype == cdt
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)


MAX2D = [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((2, 3, 9, 7), {"kernel_size": 2}),  # leftover rows and columns
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((2, 3, 9, 8), {"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 0),
                    "dilation": (2, 1)}),
    ((3, 10, 9), {"kernel_size": (3, 2), "stride": (2, 3), "padding": 1, "ceil_mode": True}),
    ((1, 2, 6, 6), {"kernel_size": 3, "stride": 1}),  # overlapping windows
    ((1, 2, 7, 7), {"kernel_size": 2, "stride": 3}),  # gaps between windows
    # padding up to half the kernel itself, however dilated (PyTorch's bound)
    ((1, 2, 8, 8), {"kernel_size": 2, "padding": 1, "dilation": 3}),
]


@pytest.mark.parametrize("shape,kw", MAX2D)
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool2d_matches_torch(shape, kw, ties):
    compare(lambda x: F.max_pool2d(x, return_indices=True, **kw),
            lambda x: TF.max_pool2d(x, return_indices=True, **kw), shape, ties)
    compare(lambda x: F.max_pool2d(x, **kw), lambda x: TF.max_pool2d(x, **kw), shape, ties)


@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 10), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((3, 11), {"kernel_size": 2, "dilation": 3}),
])
def test_max_pool1d_matches_torch(shape, kw):
    compare(lambda x: F.max_pool1d(x, return_indices=True, **kw),
            lambda x: TF.max_pool1d(x, return_indices=True, **kw), shape, ties=True)


def test_max_pool_nan_propagates_and_takes_the_gradient():
    a = np.array([[[[1.0, np.nan, 2.0, 3.0], [np.nan, 0.0, 1.0, 1.0]]]])
    x, tx = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (y, i), (ty, ti) = F.max_pool2d(x, 2, return_indices=True), TF.max_pool2d(
        tx, 2, return_indices=True)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())



# Windows that tile the input (stride == kernel, no padding/dilation) take a faster path while
# gradients are recorded: the forward keeps each window's argmax, the backward scatters to it.
TILING = [
    ((2, 3, 8, 8), 2, 2),
    ((2, 3, 9, 7), 2, 2),  # the last row and column belong to no window
    ((3, 9, 9), 3, 2),  # unbatched, 3x3 windows
    ((2, 4, 12), 4, 1),  # 1-d
    ((1, 2, 6, 6), (2, 3), 2),
]


@pytest.mark.parametrize("shape,k,nd", TILING)
def test_tiling_windows_keep_the_argmax_and_match_torch(shape, k, nd):
    from chainrule.nn.functional import pooling

    pool, tpool = (F.max_pool2d, TF.max_pool2d) if nd == 2 else (F.max_pool1d, TF.max_pool1d)
    a = np.maximum(np.round(RNG.standard_normal(shape)), 0)  # many tied maxima (zeros)
    for cdt, tdt, _ in DTYPES:
        x = cr.tensor(a, dtype=cdt, requires_grad=True)
        tx = torch.tensor(a, dtype=tdt, requires_grad=True)
        y, ty = pool(x, k), tpool(tx, k)
        assert pooling._recall_argmax(y._data) is not None  # the fast path ran
        np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
        g = RNG.standard_normal(tuple(ty.shape))
        y.backward(cr.tensor(g, dtype=cdt), retain_graph=True)
        ty.backward(torch.tensor(g, dtype=tdt))
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
        first = x.grad.numpy().copy()
        y.backward(cr.tensor(g, dtype=cdt))  # a second backward through the retained graph
        np.testing.assert_array_equal(x.grad.numpy(), 2 * first)


def test_tiling_argmax_goes_with_its_output_and_not_without_grad():
    from chainrule.nn.functional import pooling

    before = len(pooling._ARGMAX)
    x = cr.randn(2, 3, 8, 8, requires_grad=True)
    y = F.max_pool2d(x, 2)
    assert len(pooling._ARGMAX) == before + 1
    del y
    assert len(pooling._ARGMAX) == before
    with cr.no_grad():
        F.max_pool2d(x, 2)
    assert len(pooling._ARGMAX) == before


AVG2D = [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                    "count_include_pad": False}),
    ((2, 3, 9, 7), {"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 0),
                    "divisor_override": 5}),
    ((3, 6, 6), {"kernel_size": 3, "stride": 1, "padding": 1, "count_include_pad": False}),
]


@pytest.mark.parametrize("shape,kw", AVG2D)
def test_avg_pool2d_matches_torch(shape, kw):
    compare(lambda x: F.avg_pool2d(x, **kw), lambda x: TF.avg_pool2d(x, **kw), shape)


@pytest.mark.parametrize("kw", [
    {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": 3, "padding": 1},
])
def test_avg_pool1d_matches_torch(kw):
    compare(lambda x: F.avg_pool1d(x, **kw), lambda x: TF.avg_pool1d(x, **kw), (2, 3, 10))


@pytest.mark.parametrize("shape,out", [
    ((2, 3, 10, 7), (4, 3)),  # non-divisible: windows of different sizes, overlapping
    ((2, 3, 8, 8), 4),
    ((2, 3, 5, 7), 1),  # global
    ((3, 5, 7), (8, None)),  # upsampling rows, keeping columns
    ((0, 2, 4, 4), 2),  # an empty batch
    ((0, 4, 4), (None, 3)),  # unbatched, no channels
])
def test_adaptive_pool2d_matches_torch(shape, out):
    compare(lambda x: F.adaptive_avg_pool2d(x, out), lambda x: TF.adaptive_avg_pool2d(x, out),
            shape)
    compare(lambda x: F.adaptive_max_pool2d(x, out, return_indices=True),
            lambda x: TF.adaptive_max_pool2d(x, out, return_indices=True), shape, ties=True)


@pytest.mark.parametrize("shape,out", [((2, 3, 10), 4), ((3, 7), 3), ((2, 2, 4), 6),
                                       ((0, 2, 4), 2)])
def test_adaptive_pool1d_matches_torch(shape, out):
    compare(lambda x: F.adaptive_avg_pool1d(x, out), lambda x: TF.adaptive_avg_pool1d(x, out),
            shape)
    compare(lambda x: F.adaptive_max_pool1d(x, out, return_indices=True),
            lambda x: TF.adaptive_max_pool1d(x, out, return_indices=True), shape, ties=True)


@pytest.mark.parametrize("nd,shape,out", [
    (2, (1, 2, 4, 4), (0, 2)), (2, (1, 2, 4, 4), (2, 0)), (2, (1, 2, 4, 4), 0),
    (2, (2, 4, 4), (None, 0)), (1, (1, 2, 4), 0), (1, (2, 4), (0,)),
])
@pytest.mark.parametrize("op", ["adaptive_avg_pool", "adaptive_max_pool"])
def test_adaptive_pool_to_an_empty_output(nd, shape, out, op):
    # PyTorch's forward gives an empty output (its backward then refuses the empty gradient;
    # ours is zero, as nothing was read).
    name = f"{op}{nd}d"
    x = cr.randn(*shape, requires_grad=True)
    kw = {"return_indices": True} if "max" in op else {}
    y, ty = getattr(F, name)(x, out, **kw), getattr(TF, name)(torch.randn(*shape), out, **kw)
    if kw:
        (y, idx), (ty, tidx) = y, ty
        assert idx.dtype == cr.int64 and tuple(idx.shape) == tuple(tidx.shape)
    assert tuple(y.shape) == tuple(ty.shape) and y.numel() == 0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(shape, np.float32))


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda x: F.max_pool2d(x, 2),
    lambda x: F.max_pool1d(x.flatten(2), 3, 2),
    lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.avg_pool2d(x, 2, 1, divisor_override=3),
    lambda x: F.adaptive_avg_pool2d(x, (3, 4)),
    lambda x: F.adaptive_max_pool2d(x, (3, 4)),
    lambda x: F.max_pool2d(x, 2) ** 2,  # a non-linear consumer: second derivative non-zero
], ids=["max", "max-tiles", "max1d", "avg", "avg-div", "adaptive-avg", "adaptive-max",
        "max-square"])
def test_gradcheck_first_and_second_order(fn):
    # Distinct values: finite differences must not cross a change of argmax.
    a = RNG.permutation(40).reshape(1, 2, 4, 5) * 0.1 + RNG.uniform(0, 0.01, (1, 2, 4, 5))
    x = cr.tensor(a, requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_float32_stays_float32():
    x = cr.randn(2, 3, 8, 8, requires_grad=True)
    for y in (F.max_pool2d(x, 2), F.avg_pool2d(x, 3, 2, 1), F.adaptive_avg_pool2d(x, 3)):
        assert y._data.dtype == np.float32
        y.sum().backward()
        assert x.grad._data.dtype == np.float32


@pytest.mark.parametrize("call,match", [
    (lambda: F.max_pool2d(cr.randn(1, 3, 5, 5), 3, padding=2), "at most half"),
    (lambda: F.avg_pool2d(cr.randn(1, 3, 5, 5), 3, padding=2), "at most half"),
    (lambda: F.max_pool2d(cr.randn(1, 3, 5, 5), 7), "Output size is too small"),
    (lambda: F.max_pool2d(cr.randn(5), 2), "3D or 4D"),
    (lambda: F.max_pool2d(cr.randn(1, 3, 5, 5), 2, stride=0), "stride"),
    (lambda: F.adaptive_avg_pool2d(cr.randn(5, 5), 2), "Expected 3D or 4D"),
])
def test_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


@pytest.mark.parametrize("call", [
    # padding beyond half the kernel, allowed by the dilated window but not by PyTorch
    lambda F, L: F.max_pool2d(L.randn(1, 1, 6, 6), 3, padding=2, dilation=2),
    lambda F, L: F.max_pool1d(L.randn(1, 1, 6), 3, padding=2, dilation=2),
    lambda F, L: F.max_pool2d(L.randn(1, 1, 6, 6), 2, padding=-1),
    # adaptive max pooling: no empty axis but the batch
    lambda F, L: F.adaptive_max_pool1d(L.randn(2, 0, 4), 2),
    lambda F, L: F.adaptive_max_pool2d(L.randn(2, 0, 4, 4), 2),
    lambda F, L: F.adaptive_max_pool2d(L.randn(1, 2, 4, 0), 2),
    lambda F, L: F.adaptive_avg_pool2d(L.randn(1, 2, 0, 4), 2),
    # output_size: 2-d takes an int or a pair (None entries allowed), 1-d an int or a 1-tuple
    lambda F, L: F.adaptive_avg_pool2d(L.randn(1, 1, 4, 4), (3,)),
    lambda F, L: F.adaptive_max_pool2d(L.randn(1, 1, 4, 4), (3,)),
    lambda F, L: F.adaptive_avg_pool2d(L.randn(1, 1, 4, 4), (1, 2, 3)),
    lambda F, L: F.adaptive_avg_pool2d(L.randn(1, 1, 4, 4), None),
    lambda F, L: F.adaptive_max_pool2d(L.randn(1, 1, 4, 4), None),
    lambda F, L: F.adaptive_avg_pool1d(L.randn(1, 1, 4), None),
    lambda F, L: F.adaptive_max_pool1d(L.randn(1, 1, 4), None),
    lambda F, L: F.adaptive_max_pool1d(L.randn(1, 1, 4), (None,)),
    lambda F, L: F.adaptive_avg_pool1d(L.randn(1, 1, 4), (3, 2)),
])
def test_errors_as_torch(call):
    with pytest.raises(Exception) as theirs:
        call(TF, torch)
    with pytest.raises(Exception) as ours:
        call(F, cr)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)


@pytest.mark.parametrize("cls,args,kwargs,shape", [
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 9, 9)),
    ("MaxPool1d", (3,), {"stride": 2}, (2, 3, 11)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}, (2, 3, 9, 9)),
    ("AvgPool1d", (2,), {}, (2, 3, 8)),
    ("AdaptiveAvgPool2d", ((5, 7),), {}, (1, 4, 8, 9)),
    ("AdaptiveAvgPool1d", (5,), {}, (1, 4, 8)),
    ("AdaptiveMaxPool2d", ((5, 7),), {}, (1, 4, 8, 9)),
    ("AdaptiveMaxPool1d", (3,), {}, (1, 4, 8)),
    ("AdaptiveMaxPool2d", (2,), {}, (0, 2, 4, 4)),  # an empty batch
    ("AdaptiveMaxPool2d", ((None, 3),), {}, (1, 2, 4, 4)),
])
def test_layers_match_torch(cls, args, kwargs, shape):
    ours, theirs = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    compare(ours, theirs, shape)


def test_max_pool_layer_returns_indices():
    y, i = nn.MaxPool2d(2, return_indices=True)(cr.arange(16.0).reshape(1, 1, 4, 4))
    ty, ti = torch.nn.MaxPool2d(2, return_indices=True)(torch.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
