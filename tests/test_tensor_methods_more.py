"""Tensor methods bound by ``chainrule.ops._tensor_extras`` and the in-place and bitwise
methods added to ``_methods``' lists, each compared with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck, gradgradcheck

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _pair(array, requires_grad=False):
    return (cr.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def _same(c, t, **tol):
    assert tuple(c.shape) == tuple(t.shape)
    assert str(c.dtype).rsplit(".")[-1] == str(t.dtype).rsplit(".")[-1]
    np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), **tol)


# ------------------------------------------------------------------ unfold
@needs_torch
@pytest.mark.parametrize("shape, dim, size, step", [
    ((7,), 0, 2, 1), ((7,), 0, 3, 2), ((7,), 0, 7, 1), ((2, 9), 1, 4, 3), ((2, 9), -1, 2, 5),
    ((5, 3, 4), 0, 2, 1), ((4, 6), 1, 0, 1), ((3, 5), 0, 1, 1), ((), 0, 1, 1),
])
def test_unfold_against_torch(shape, dim, size, step):
    x = np.random.default_rng(0).standard_normal(shape)
    c, t = _pair(x, requires_grad=True)
    out_c, out_t = c.unfold(dim, size, step), t.unfold(dim, size, step)
    _same(out_c, out_t)
    up = np.random.default_rng(1).standard_normal(tuple(out_t.shape))
    (out_c * cr.tensor(up)).sum().backward()
    (out_t * torch.tensor(up)).sum().backward()
    _same(c.grad, t.grad, rtol=1e-12)


@pytest.mark.parametrize("dim, size, step", [(0, 2, 1), (1, 3, 2), (1, 2, 3)])
def test_unfold_gradients_of_every_order(dim, size, step):
    x = cr.tensor(np.random.default_rng(2).standard_normal((3, 7)), requires_grad=True)
    assert gradcheck(lambda a: a.unfold(dim, size, step) ** 2, [x])
    assert gradgradcheck(lambda a: a.unfold(dim, size, step) ** 2, [x])


@needs_torch
@pytest.mark.parametrize("args", [(1, 6, 1), (1, 2, 0), (2, 1, 1)])
def test_unfold_errors_as_torch(args):
    c, t = _pair(np.zeros((2, 5)))
    with pytest.raises(Exception) as theirs:
        t.unfold(*args)
    with pytest.raises(type(theirs.value)):
        c.unfold(*args)


# ------------------------------------------------------------------ queries and aliases
@needs_torch
def test_layout_queries():
    x = np.arange(24.0).reshape(2, 3, 4)
    c, t = _pair(x)
    assert c.stride() == t.stride()
    assert c.stride(-1) == t.stride(-1)
    assert c.transpose(0, 2).stride() == t.transpose(0, 2).stride()
    assert c[:, 1:, 2:].storage_offset() == t[:, 1:, 2:].storage_offset()
    assert c.ndimension() == t.ndimension()
    assert c.nbytes == t.nbytes
    assert c.is_same_size(cr.zeros(2, 3, 4)) and not c.is_same_size(cr.zeros(3))
    for dtype in ("float32", "int64", "uint8", "bool", "int8"):
        assert cr.zeros(2, dtype=getattr(cr, dtype)).is_signed() == \
            torch.zeros(2, dtype=getattr(torch, dtype)).is_signed()
    assert c.get_device() == t.get_device() == -1
    assert c.is_cpu and not c.is_sparse and not c.is_quantized and not c.is_meta
    assert not c.is_conj() and not c.is_neg() and not c.is_inference()
    assert c.pin_memory() is c and c.share_memory_() is c
    assert isinstance(c.data_ptr(), int)


@needs_torch
@pytest.mark.parametrize("name", ["byte", "char", "short"])
def test_dtype_shorthands(name):
    c, t = _pair(np.array([1.7, -2.2, 3.0]))
    if name == "byte":  # negative floats to uint8 are undefined in PyTorch
        c, t = _pair(np.array([1.7, 2.2, 3.0]))
    _same(getattr(c, name)(), getattr(t, name)())


@needs_torch
def test_matrix_adjoints_and_aliases():
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    c, t = _pair(x)
    _same(c.mH, t.mH)
    _same(c.adjoint(), t.adjoint())
    _same(c[0].H, t[0].H)
    with pytest.raises(RuntimeError):
        c.H
    _same(c.real, t.real)
    _same(c.fix(), t.fix())
    for a, b in zip(c.unsafe_chunk(2, 2), t.unsafe_chunk(2, 2)):
        _same(a, b)
    for a, b in zip(c.unsafe_split(2, 1), t.unsafe_split(2, 1)):
        _same(a, b)
    for a, b in zip(c.split_with_sizes([1, 3], -1), t.split_with_sizes([1, 3], -1)):
        _same(a, b)
    with pytest.raises(RuntimeError, match="split_with_sizes"):
        c.split_with_sizes([1, 2], -1)
    for a, b in zip(c.hsplit(1, 2), t.hsplit(1, 2)):
        _same(a, b)
    for a, b in zip(c.vsplit([1]), t.vsplit([1])):
        _same(a, b)


@needs_torch
@pytest.mark.parametrize("shape, size", [((2, 3, 4), (3, 1)), ((2, 3, 4), (1, 3, 4)),
                                         ((2, 3, 4), (2, 3, 4)), ((4,), (1,)),
                                         ((2, 3, 4), (4,))])
def test_sum_to_size(shape, size):
    x = np.random.default_rng(4).standard_normal(shape)
    c, t = _pair(x, requires_grad=True)
    out_c, out_t = c.sum_to_size(*size), t.sum_to_size(*size)
    _same(out_c, out_t, rtol=1e-12)
    out_c.sum().backward()
    out_t.sum().backward()
    _same(c.grad, t.grad)


def test_sum_to_size_refuses_a_shape_it_cannot_reach():
    with pytest.raises(RuntimeError, match="expandable"):
        cr.zeros(2, 3).sum_to_size(4)


@needs_torch
@pytest.mark.parametrize("shape, wrap", [((3, 3), False), ((5, 2), False), ((7, 2), True),
                                         ((2, 5), True), ((3, 3, 3), False)])
def test_fill_diagonal(shape, wrap):
    c, t = _pair(np.zeros(shape))
    _same(c.fill_diagonal_(2.5, wrap), t.fill_diagonal_(2.5, wrap))


@needs_torch
def test_fill_diagonal_records_the_gradient():
    x = np.random.default_rng(5).standard_normal((3, 3))
    c, t = _pair(x, requires_grad=True)
    yc, yt = c * 2, t * 2
    yc.fill_diagonal_(1.0)
    yt.fill_diagonal_(1.0)
    yc.sum().backward()
    yt.sum().backward()
    _same(c.grad, t.grad)


@needs_torch
@pytest.mark.parametrize("accumulate", [False, True])
def test_put(accumulate):
    x = np.random.default_rng(6).standard_normal((3, 4))
    index = np.array([[0, 5], [11, 5]])
    source = np.array([[1.0, 2.0], [3.0, 4.0]])  # float64, as x
    c, t = _pair(x, requires_grad=True)
    out_c = c.put(cr.tensor(index), cr.tensor(source), accumulate)
    out_t = t.put(torch.tensor(index), torch.tensor(source), accumulate)
    if accumulate:
        _same(out_c, out_t)
    else:  # the value written twice at 5 is either one in PyTorch: compare the others
        keep = np.ones(12, bool)
        keep[5] = False
        np.testing.assert_allclose(out_c.detach().numpy().ravel()[keep],
                                   out_t.detach().numpy().ravel()[keep])
    out_c.sum().backward()
    out_t.sum().backward()
    _same(c.grad, t.grad)
    c2, t2 = _pair(x)
    _same(c2.put_(cr.tensor([1, 2]), cr.tensor([9.0, 8.0], dtype=cr.float64)),
          t2.put_(torch.tensor([1, 2]), torch.tensor([9.0, 8.0], dtype=torch.float64)))
    with pytest.raises(RuntimeError, match="same dtype"):
        c2.put_(cr.tensor([1]), cr.tensor([1.0]))


@needs_torch
def test_polygamma_and_float_power_methods():
    x = np.random.default_rng(7).uniform(0.5, 3.0, 5)
    c, t = _pair(x)
    _same(c.polygamma(2), t.polygamma(2), rtol=1e-8)
    _same(c.clone().polygamma_(1), t.clone().polygamma_(1), rtol=1e-8)
    _same(c.clone().float_power_(1.5), t.clone().float_power_(1.5), rtol=1e-12)
    with pytest.raises(RuntimeError):
        cr.tensor([1.0, 2.0]).float_power_(2)
    with pytest.raises(RuntimeError):
        torch.tensor([1.0, 2.0]).float_power_(2)


@needs_torch
def test_prelu_and_hardshrink_methods():
    x = np.random.default_rng(8).standard_normal((2, 3))
    c, t = _pair(x)
    w = np.array([0.25])
    _same(c.prelu(cr.tensor(w)), t.prelu(torch.tensor(w)))
    _same(c.hardshrink(0.3), t.hardshrink(0.3))


# ------------------------------------------------------------------ random fills
@pytest.mark.parametrize("name, args, check", [
    ("exponential_", (2.0,), lambda v: v.min() >= 0 and abs(v.mean() - 0.5) < 0.05),
    ("geometric_", (0.25,), lambda v: v.min() >= 1 and abs(v.mean() - 4.0) < 0.3),
    ("cauchy_", (1.0, 0.5), lambda v: abs(np.median(v) - 1.0) < 0.05),
    ("log_normal_", (0.0, 0.5), lambda v: v.min() > 0 and abs(np.log(v).std() - 0.5) < 0.03),
    ("bernoulli_", (0.3,), lambda v: set(np.unique(v)) <= {0.0, 1.0} and
     abs(v.mean() - 0.3) < 0.03),
    ("random_", (3, 7), lambda v: v.min() == 3 and v.max() == 6),
    ("random_", (5,), lambda v: v.min() == 0 and v.max() == 4),
])
def test_random_fills(name, args, check):
    x = cr.zeros(4000, dtype=cr.float64)
    version = x._version
    out = getattr(x, name)(*args, generator=cr.Generator().manual_seed(0))
    assert out is x and x._version == version + 1
    assert check(x.numpy())
    again = getattr(cr.zeros(4000, dtype=cr.float64), name)(
        *args, generator=cr.Generator().manual_seed(0))
    np.testing.assert_array_equal(again.numpy(), x.numpy())


@pytest.mark.parametrize("name, args", [("exponential_", (0.0,)), ("geometric_", (1.5,)),
                                        ("cauchy_", (0.0, -1.0)), ("log_normal_", (0.0, 0.0)),
                                        ("random_", (5, 5))])
def test_random_fill_arguments_are_checked_before_writing(name, args):
    x = cr.ones(3, dtype=cr.float64)
    with pytest.raises(RuntimeError, match=name):
        getattr(x, name)(*args)
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_bernoulli_and_multinomial_methods():
    p = cr.tensor([0.0, 1.0, 1.0, 0.0])
    assert p.bernoulli().tolist() == [0.0, 1.0, 1.0, 0.0]
    draws = cr.tensor([0.0, 0.0, 5.0]).multinomial(4, replacement=True)
    assert draws.tolist() == [2, 2, 2, 2]


# ------------------------------------------------------------------ in-place and bitwise
_INPLACE_FLOAT = ["absolute", "divide", "multiply", "subtract", "true_divide", "negative",
                  "square", "rsqrt", "tan", "erf", "expm1", "log10", "log1p", "log2"]


@needs_torch
@pytest.mark.parametrize("name", _INPLACE_FLOAT)
def test_inplace_float_methods(name):
    x = np.random.default_rng(9).uniform(0.5, 1.5, (3, 4))
    other = np.random.default_rng(10).uniform(0.5, 1.5, (3, 4))
    c, t = _pair(x)
    binary = name in ("divide", "multiply", "subtract", "true_divide")
    args_c = (cr.tensor(other),) if binary else ()
    args_t = (torch.tensor(other),) if binary else ()
    out_c = getattr(c, name + "_")(*args_c)
    getattr(t, name + "_")(*args_t)
    assert out_c is c
    _same(c, t, rtol=1e-12)


@needs_torch
@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge", "greater", "less",
                                  "greater_equal", "less_equal", "not_equal", "logical_and",
                                  "logical_or", "logical_xor"])
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_inplace_comparisons_keep_the_dtype(name, dtype):
    a = np.array([0, 1, 2, 3])
    b = np.array([1, 1, 0, 3])
    c = cr.tensor(a, dtype=getattr(cr, dtype))
    t = torch.tensor(a, dtype=getattr(torch, dtype))
    getattr(c, name + "_")(cr.tensor(b, dtype=getattr(cr, dtype)))
    getattr(t, name + "_")(torch.tensor(b, dtype=getattr(torch, dtype)))
    _same(c, t)


@needs_torch
@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor"])
def test_bitwise_methods(name):
    a, b = np.array([12, 5, 7, 0]), np.array([10, 3, 7, 1])
    c, t = _pair(a)
    _same(getattr(c, name)(cr.tensor(b)), getattr(t, name)(torch.tensor(b)))
    getattr(c, name + "_")(cr.tensor(b))
    getattr(t, name + "_")(torch.tensor(b))
    _same(c, t)
    c.bitwise_not_()
    t.bitwise_not_()
    _same(c, t)


@needs_torch
@pytest.mark.parametrize("name, args", [("cumsum", (1,)), ("tril", ()), ("triu", (1,))])
def test_inplace_shape_preserving_methods(name, args):
    x = np.random.default_rng(11).standard_normal((3, 4))
    c, t = _pair(x)
    getattr(c, name + "_")(*args)
    getattr(t, name + "_")(*args)
    _same(c, t, rtol=1e-12)


def test_inplace_comparison_into_a_leaf_that_requires_grad_is_refused():
    x = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x.eq_(1)
