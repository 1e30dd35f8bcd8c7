"""Edge-case semantics compared with PyTorch: uint8 and 0-d bool indices, Python ints out of an
integer dtype's range, integer powers and divisions, in-place result casting, shifts,
gather/scatter/index_* index checks and the padding modules' constructors."""

# Each lambda below is called at once by ``same`` (inside its loop iteration), so closing over
# the loop variable is what is meant.
# ruff: noqa: B023

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as cnn

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

INT_DTYPES = ["int64", "int32", "int16", "int8", "uint8"]


def _outcome(L, fn):
    """``fn(L)`` as ("ok", values, dtype name) or ("error", exception type)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn(L)
    except Exception as e:  # noqa: BLE001 - the exception type is what is compared
        return ("error", type(e))
    if isinstance(r, tuple):
        return ("ok",) + tuple(_value(x) for x in r)
    return ("ok", _value(r))


def _value(r):
    if isinstance(r, (cr.Tensor,)) or (torch is not None and isinstance(r, torch.Tensor)):
        return (str(r.dtype).split(".")[-1], tuple(r.shape), np.asarray(r.detach().numpy())
                .tolist())
    return r


def same(fn):
    """``fn`` gives the same values, dtype and shape (or the same exception type) under
    chainrule as under torch."""
    t, c = _outcome(torch, fn), _outcome(cr, fn)
    assert t == c, f"torch: {t}\nchainrule: {c}"
    return t


# ------------------------------------------------------------------ 1. uint8 indices
U8_MASKS = [
    ("1d", lambda L: L.arange(4), lambda L: L.tensor([1, 0, 1, 1], dtype=L.uint8)),
    ("values>1", lambda L: L.arange(4), lambda L: L.tensor([3, 0, 2, 0], dtype=L.uint8)),
    ("2d-rows", lambda L: L.arange(6).reshape(2, 3), lambda L: L.tensor([1, 0], dtype=L.uint8)),
    ("2d-full", lambda L: L.arange(6).reshape(2, 3),
     lambda L: L.tensor([[1, 0, 1], [0, 0, 1]], dtype=L.uint8)),
    ("in-tuple", lambda L: L.arange(6).reshape(2, 3),
     lambda L: (slice(None), L.tensor([1, 0, 1], dtype=L.uint8))),
    ("0d-one", lambda L: L.arange(6).reshape(2, 3), lambda L: L.tensor(1, dtype=L.uint8)),
    ("0d-zero", lambda L: L.arange(6).reshape(2, 3), lambda L: L.tensor(0, dtype=L.uint8)),
    ("wrong-shape", lambda L: L.arange(4), lambda L: L.tensor([1, 0], dtype=L.uint8)),
]


@needs_torch
@pytest.mark.parametrize("name,x,ix", U8_MASKS, ids=[m[0] for m in U8_MASKS])
def test_uint8_index_is_a_mask_as_torch(name, x, ix):
    same(lambda L: x(L)[ix(L)])

    def put_many(L):  # several values: the indexing route
        t = x(L)
        n = int(t[ix(L)].numel())
        t[ix(L)] = L.arange(n) * 0 - 1 if n != 1 else L.tensor([-1, -1])
        return t

    same(put_many)


def test_uint8_index_warns_as_deprecated():
    with pytest.warns(UserWarning, match="uint8"):
        r = cr.arange(4)[cr.tensor([1, 0, 1, 0], dtype=cr.uint8)]
    assert r.tolist() == [0, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a 0-d uint8 index warns in neither library
        assert cr.arange(4)[cr.tensor(1, dtype=cr.uint8)].shape == (1, 4)


@needs_torch
@pytest.mark.parametrize("value", [9, 2.5, "0d", "1-element"])
@pytest.mark.parametrize("index", ["mask", "tuple", "slice-mask", "int-mask"])
def test_uint8_mask_with_one_value_raises_as_torch(index, value):
    # PyTorch writes a one-element value through masked_fill_, which rejects uint8 masks.
    def put(L):
        x = L.arange(6.0).reshape(2, 3)
        m2, m1 = L.tensor([[1, 0, 1], [0, 1, 1]], dtype=L.uint8), L.tensor([1, 0, 1],
                                                                           dtype=L.uint8)
        ix = {"mask": m2, "tuple": (m2,), "slice-mask": (slice(None), m1),
              "int-mask": (1, m1)}[index]
        v = {"0d": L.tensor(9.0), "1-element": L.tensor([9.0])}.get(value, value)
        x[ix] = v
        return x

    assert same(put)[0] == "error"
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
        put(cr)


# ------------------------------------------------------------------ 2. Python ints out of range
OUT_OF_RANGE = [-1, 127, 128, 255, 256, 300, -129, -300, 2**31, 2**31 + 5, -2**31 - 1,
                2**40, -2**40, 2**63 - 1, 2**63, 2**64 - 1, -2**63]
VALUES = {"uint8": [0, 1, 200, 255], "int8": [-128, -1, 0, 100], "int16": [-300, 0, 7, 32767],
          "int32": [-2**31, 0, 5, 2**31 - 1], "int64": [-2**63, 0, 9, 2**63 - 1]}


@needs_torch
@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "eq", "ne", "lt", "le", "gt", "ge",
                                "bitwise_and", "bitwise_or", "bitwise_xor", "maximum"])
def test_out_of_range_python_ints_wrap_as_torch(dtype, op):
    for c in OUT_OF_RANGE:
        if op == "maximum":  # torch.maximum takes tensors only; a 0-d tensor wraps alike
            same(lambda L: L.maximum(L.tensor(VALUES[dtype], dtype=getattr(L, dtype)),
                                     L.tensor(c % 2**64 - (2**64 if c % 2**64 >= 2**63 else 0))
                                     .to(getattr(L, dtype))))
            continue
        same(lambda L: getattr(L, op)(L.tensor(VALUES[dtype], dtype=getattr(L, dtype)), c))
    for c in [-1, 300, 2**40]:  # the number on the left (reflected operators)
        same(lambda L: c + L.tensor(VALUES[dtype], dtype=getattr(L, dtype)))
        same(lambda L: c - L.tensor(VALUES[dtype], dtype=getattr(L, dtype)))
        same(lambda L: c < L.tensor(VALUES[dtype], dtype=getattr(L, dtype)))


@needs_torch
def test_out_of_range_ints_in_other_ops_as_torch():
    u8 = lambda L: L.tensor([3, 0, 250], dtype=L.uint8)  # noqa: E731
    for c in [-1, -255, 255, 300, -256]:
        same(lambda L: u8(L) + c)
        same(lambda L: L.add(u8(L), 1, alpha=c))
        same(lambda L: L.where(L.tensor([True, False, True]), u8(L), c))
        same(lambda L: u8(L).masked_fill(L.tensor([True, False, False]), c))
        same(lambda L: L.clamp(u8(L), min=c))
        same(lambda L: L.clamp(u8(L), max=c))
        same(lambda L: u8(L) // (c if c else 1))
        same(lambda L: u8(L) % (c if c else 1))
        same(lambda L: u8(L) / c)  # true division keeps the number's value
        same(lambda L: c / (u8(L) + 1))

        def put(L, c=c):
            x = u8(L)
            x[0] = c
            return x

        same(put)
    for c in [1.5, -1.5, 1e10]:  # floats into an integer tensor: truncated, range-checked
        def putf(L, c=c):
            x = L.tensor([3, 4], dtype=L.int8)
            x[1:] = c
            y = L.tensor([3, 4], dtype=L.uint8)
            y[0] = c
            return x, y

        same(putf)
    same(lambda L: L.tensor([1], dtype=L.uint8).add_(-1))
    same(lambda L: L.tensor([1, 2], dtype=L.int32).add_(2**40))
    same(lambda L: L.tensor([0, 5]) + 2**63)  # wraps to -2**63 in int64


def test_ints_beyond_64_bits_raise_overflow():
    for c in [2**64, -2**63 - 1, 2**70]:
        with pytest.raises(OverflowError):
            cr.tensor([1], dtype=cr.uint8) + c
        with pytest.raises(OverflowError):
            _ = cr.tensor([1]) == c
    with pytest.raises(RuntimeError, match="cannot be converted"):
        cr.tensor([1, 2], dtype=cr.uint8).masked_fill(cr.tensor([True, False]), 300)
    x = cr.tensor([1, 2], dtype=cr.int8)
    with pytest.raises(RuntimeError, match="cannot be converted"):
        x[0] = 200
    assert x.tolist() == [1, 2]


def test_wrapping_without_torch():
    u8 = cr.tensor([0, 1, 200], dtype=cr.uint8)
    assert (u8 + (-1)).tolist() == [255, 0, 199] and (u8 + (-1)).dtype == cr.uint8
    assert (u8 == 256).tolist() == [True, False, False]  # 256 wraps to 0
    assert (cr.tensor([100], dtype=cr.int8) + 300).tolist() == [-112]


# ------------------------------------------------------------------ 3. integer powers
@needs_torch
@pytest.mark.parametrize("dtype", INT_DTYPES + ["bool"])
def test_int_to_negative_python_int_raises_as_torch(dtype):
    for e in [-1, -2, -70]:
        assert same(lambda L: L.tensor([1, 0, 1], dtype=getattr(L, dtype)) ** e)[0] == "error"
        assert same(lambda L: L.pow(L.tensor([1, 2], dtype=getattr(L, dtype)), e))[0] == \
            "error"
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        cr.tensor([1, 2], dtype=getattr(cr, dtype)) ** -1
    x = cr.tensor([2, 3], dtype=getattr(cr, dtype))
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        x.pow_(-2)
    assert x.tolist() == cr.tensor([2, 3], dtype=getattr(cr, dtype)).tolist()


@needs_torch
@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "int16"])
def test_int_tensor_exponents_with_negative_entries_as_torch(dtype):
    base = [0, 1, -1, 2, -2, 3, 5, -1, 1, 0]
    exp = [-1, -3, -3, -1, -2, -5, 2, -2, 0, 0]
    same(lambda L: L.tensor(base, dtype=getattr(L, dtype))
         ** L.tensor(exp, dtype=getattr(L, dtype)))
    same(lambda L: L.tensor(base, dtype=getattr(L, dtype)) ** L.tensor(-1))
    same(lambda L: L.tensor([2, 3], dtype=getattr(L, dtype)) ** L.tensor([-1, 2]))
    same(lambda L: L.tensor([2, -3]).pow_(L.tensor([-1, 3], dtype=getattr(L, dtype))))
    for b in [2, 1, 0, -1, -2, 300]:
        same(lambda L: b ** L.tensor([-1, 2, 0, -3], dtype=getattr(L, dtype)))


@needs_torch
def test_int_pow_edge_cases_as_torch():
    same(lambda L: L.tensor([2], dtype=L.uint8) ** 300)  # exponent out of uint8 range
    same(lambda L: L.tensor([2], dtype=L.uint8) ** 255)
    same(lambda L: L.tensor([2], dtype=L.int8) ** 200)
    same(lambda L: L.tensor([1], dtype=L.int32) ** 2**40)
    same(lambda L: L.tensor([1, 2]) ** 2**62)
    same(lambda L: L.tensor([2], dtype=L.uint8) ** L.tensor([255], dtype=L.uint8))
    same(lambda L: L.tensor([1, 2]) ** -1.0)
    same(lambda L: L.tensor([True, False]) ** L.tensor([True, False]))
    same(lambda L: L.tensor([True, False]) ** True)
    same(lambda L: L.tensor([True, False]) ** False)
    same(lambda L: L.tensor([3, 4]) ** True)
    same(lambda L: L.tensor([1.5, 2.0]) ** True)
    same(lambda L: 2 ** L.tensor([True, False]))


# ------------------------------------------------------------------ 4. in-place result casting
@needs_torch
def test_inplace_result_that_does_not_fit_raises_as_torch():
    cases = [
        lambda L: L.tensor([1, 2]).add_(1.5),
        lambda L: L.tensor([1, 2]).mul_(L.tensor([1.5, 2.0])),
        lambda L: L.tensor([True, False]).add_(1),
        lambda L: L.tensor([True, False]).add_(True),
        lambda L: L.tensor([1, 2]).div_(2),
        lambda L: L.tensor([1, 4]).sqrt_(),
        lambda L: L.tensor([1, 2], dtype=L.int32).add_(L.tensor([1, 1])),
        lambda L: L.tensor([1, 2], dtype=L.uint8).add_(L.tensor([1, -1], dtype=L.int8)),
        lambda L: L.tensor([1, 2], dtype=L.uint8).mul_(L.tensor([1, 300], dtype=L.int16)),
        lambda L: L.tensor([1.0, 2.0]).add_(L.tensor([1.0, 1.0], dtype=L.float64)),
        lambda L: L.tensor([1.0, 2.0], dtype=L.float64).mul_(L.tensor([3, 1])),
        lambda L: L.tensor([True, False]).mul_(L.tensor([True, True])),
        lambda L: L.tensor([1, 2]).__iadd__(1.5),
        lambda L: L.tensor([1, 2]).remainder_(1.5),
    ]
    for fn in cases:
        same(fn)
    for fn in [lambda x: x.add_(1.5), lambda x: x.mul_(cr.tensor([0.5, 0.5])),
               lambda x: x.div_(3), lambda x: x.clamp_(0.5)]:
        x = cr.tensor([1, 2])
        v = x._version
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                               "output type Long"):
            fn(x)
        assert x.tolist() == [1, 2] and x._version == v


# ------------------------------------------------------------------ 5. 0-d bool and bool indices
BOOL_INDICES = [
    ("T", lambda L: L.tensor(True)), ("F", lambda L: L.tensor(False)),
    ("pyT", lambda L: True), ("pyF", lambda L: False),
    ("T,0", lambda L: (L.tensor(True), 0)), ("0,T", lambda L: (0, True)),
    ("...,F", lambda L: (Ellipsis, False)), ("T,T", lambda L: (True, L.tensor(True))),
    ("None,T", lambda L: (None, L.tensor(True))), ("T,list", lambda L: (True, [0, 1])),
    (":,T,:", lambda L: (slice(None), True, slice(None))),
    (":,F,1", lambda L: (slice(None), L.tensor(False), 1)),
    ("list,T", lambda L: ([1, 0], True)), ("T,mask", lambda L: (True, L.tensor([True, False]))),
]


@needs_torch
@pytest.mark.parametrize("name,ix", BOOL_INDICES, ids=[b[0] for b in BOOL_INDICES])
def test_bool_scalar_indices_as_torch(name, ix):
    same(lambda L: L.arange(6).reshape(2, 3)[ix(L)])

    def put_scalar(L):
        x = L.arange(6).reshape(2, 3)
        x[ix(L)] = -1
        return x

    def put_row(L):
        x = L.arange(6.0).reshape(2, 3)
        x[ix(L)] = L.tensor([-1.0, -2.0, -3.0])
        return x

    same(put_scalar)
    same(put_row)

    def grad(L):
        x = L.arange(6.0).reshape(2, 3).requires_grad_()
        y = x[ix(L)]
        (y * L.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        return y, x.grad

    same(grad)


@needs_torch
def test_bool_index_on_a_0d_tensor_as_torch():
    same(lambda L: L.tensor(5)[True])
    same(lambda L: L.tensor(5)[L.tensor(False)])
    same(lambda L: L.tensor(5.0)[None, True])

    def put(L):
        x = L.tensor(5)
        x[True] = 3
        x[L.tensor(False)] = 4
        return x

    same(put)


# ------------------------------------------------------------------ 6. shifts
@needs_torch
@pytest.mark.parametrize("da", INT_DTYPES)
@pytest.mark.parametrize("db", INT_DTYPES)
def test_shifts_as_torch(da, db):
    rng = np.random.default_rng(3)
    info = np.iinfo(da)
    a = rng.integers(info.min, int(info.max) + 1, 64, dtype=np.int64).astype(da)
    b = (rng.integers(0, 256, 64) if db == "uint8" else rng.integers(-70, 71, 64)).astype(db)
    for fn in ["bitwise_left_shift", "bitwise_right_shift"]:
        same(lambda L: getattr(L, fn)(L.tensor(a), L.tensor(b)))
        same(lambda L: getattr(L.tensor(a), fn)(L.tensor(b)))
    same(lambda L: L.tensor(a) << L.tensor(b))
    same(lambda L: L.tensor(a) >> L.tensor(b))
    for k in [-1, 0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 300]:
        same(lambda L: L.tensor(a) << k)
        same(lambda L: L.tensor(a) >> k)
        same(lambda L: k << L.tensor(b))
        same(lambda L: k >> L.tensor(b))


@needs_torch
def test_shifts_in_place_and_errors_as_torch():
    def ilshift(L):
        x = L.tensor([1, 3, -5])
        y = x
        x <<= 2
        x >>= L.tensor([1, 0, 1])
        return x, y  # the same object, modified in place

    same(ilshift)
    same(lambda L: L.tensor([4, 8]).bitwise_right_shift_(1))
    same(lambda L: L.tensor([4, 8], dtype=L.int32).bitwise_left_shift_(L.tensor([1, 40])))
    same(lambda L: L.tensor([4, 8], dtype=L.uint8).bitwise_left_shift_(L.tensor([1, -1])))
    same(lambda L: L.tensor([4]).bitwise_left_shift_(L.tensor([1, 2])))  # broadcast: error
    same(lambda L: L.bitwise_left_shift(2, L.tensor([1, 2])))
    same(lambda L: L.tensor(3, dtype=L.int8) << L.tensor([1, 9]))
    same(lambda L: L.tensor([True]) << 1)
    for fn in [lambda L: L.tensor([1.0]) << 1, lambda L: L.tensor([1]) << 1.5,
               lambda L: L.tensor([1]) >> L.tensor([1.0]),
               lambda L: L.tensor([True]) << L.tensor([True])]:
        assert same(fn) == ("error", NotImplementedError)


def test_shifts_without_torch():
    x = cr.tensor([1, -8, 5])
    assert (x << 2).tolist() == [4, -32, 20] and (x >> 1).tolist() == [0, -4, 2]
    assert (x << 64).tolist() == [0, 0, 0] and (x >> 64).tolist() == [0, -1, 0]
    assert (x << -1).tolist() == [0, 0, 0] and (x >> -1).tolist() == [0, -1, 0]
    assert (cr.tensor([255], dtype=cr.uint8) >> 8).tolist() == [0]


# ------------------------------------------------------------------ 7. index checks
X42 = lambda L: L.arange(8.0).reshape(4, 2)  # noqa: E731


@needs_torch
@pytest.mark.parametrize("bad", [-1, -5, 4, 100])
def test_gather_scatter_index_bounds_as_torch(bad):
    i0 = lambda L: L.tensor([[bad, 0]])  # noqa: E731
    assert same(lambda L: L.gather(X42(L), 0, i0(L)))[1] is RuntimeError
    assert same(lambda L: L.gather(X42(L), 1, L.tensor([[0], [bad]])))[1] is RuntimeError
    assert same(lambda L: L.scatter(X42(L), 0, i0(L), L.ones(1, 2)))[1] is RuntimeError
    assert same(lambda L: L.scatter(X42(L), 0, i0(L), 5.0))[1] is RuntimeError
    assert same(lambda L: L.scatter_add(X42(L), 0, i0(L), L.ones(1, 2)))[1] is RuntimeError
    assert same(lambda L: L.index_add(X42(L), 0, L.tensor([1, bad]), L.ones(2, 2)))[1] is \
        RuntimeError
    assert same(lambda L: L.index_select(X42(L), 0, L.tensor([0, bad])))[1] is IndexError
    # PyTorch's dimension-1 kernel raises RuntimeError instead
    assert same(lambda L: L.index_select(X42(L), 1, L.tensor([bad])))[1] is RuntimeError
    assert same(lambda L: L.index_select(L.zeros(2, 3, 4), 2, L.tensor([bad])))[1] is \
        IndexError
    flat = same(lambda L: L.take_along_dim(X42(L), L.tensor([bad, 0])))  # 8 values
    assert flat[1] is RuntimeError or 0 <= bad < 8
    # take_along_dim with a dim takes indices modulo the size
    same(lambda L: L.take_along_dim(X42(L), i0(L), 0))
    same(lambda L: L.take_along_dim(X42(L), L.tensor([[bad], [0], [1], [-2]]), 1))


@needs_torch
def test_inplace_index_errors_leave_the_tensor_unchanged():
    ops = [
        lambda L, x: x.scatter_(0, L.tensor([[1, -1]]), L.ones(1, 2)),
        lambda L, x: x.scatter_add_(0, L.tensor([[1, -1]]), L.ones(1, 2)),
        lambda L, x: x.scatter_(0, L.tensor([[1, 4]]), 5.0),
        lambda L, x: x.index_add_(0, L.tensor([1, -1]), L.ones(2, 2)),
        lambda L, x: x.index_add_(0, L.tensor([1, 4]), L.ones(2, 2)),
    ]
    for op in ops:
        for L in (torch, cr):
            x = X42(L)
            with pytest.raises(RuntimeError, match="out of bounds"):
                op(L, x)
        assert x.tolist() == X42(cr).tolist()  # (PyTorch may have written part of it)


@needs_torch
def test_index_dtype_and_source_dtype_checks_as_torch():
    for dt in ["int32", "uint8", "int16", "bool", "float32"]:
        idx = lambda L: L.tensor([[1, 0]]).to(getattr(L, dt))  # noqa: E731
        same(lambda L: L.gather(X42(L), 1, idx(L)))
        same(lambda L: L.index_select(X42(L), 1, idx(L)[0]))
        same(lambda L: L.index_add(X42(L), 1, idx(L)[0], L.ones(4, 2)))
        same(lambda L: L.scatter(X42(L), 1, idx(L), L.ones(1, 2)))
        same(lambda L: L.take_along_dim(X42(L), idx(L), 1))
        same(lambda L: L.take_along_dim(X42(L), idx(L)))
    same(lambda L: L.take_along_dim(X42(L), L.tensor([0]), 1))  # ranks differ
    same(lambda L: L.scatter(L.zeros(3, dtype=L.int64), 0, L.tensor([1]), L.ones(1)))
    same(lambda L: L.scatter_add(L.zeros(3), 0, L.tensor([1]), L.ones(1, dtype=L.float64)))
    same(lambda L: L.index_add(L.zeros(3, dtype=L.int64), 0, L.tensor([1]), L.ones(1)))
    same(lambda L: L.zeros(3, dtype=L.int64).scatter_(0, L.tensor([1]), L.ones(1)))
    same(lambda L: L.index_add(L.zeros(3), 0, L.tensor([1]), L.ones(1, dtype=L.float64)))


@needs_torch
def test_0d_and_empty_gather_index_select_as_torch():
    same(lambda L: L.gather(L.tensor(5.0), 0, L.tensor([0, 0])))
    same(lambda L: L.gather(L.tensor(5.0), 0, L.tensor(0)))
    same(lambda L: L.gather(L.tensor(5.0), 0, L.tensor(-1)))
    same(lambda L: L.index_select(L.tensor(5.0), 0, L.tensor([0])))
    same(lambda L: L.index_select(L.tensor(5.0), 0, L.tensor([-1])))
    same(lambda L: L.index_select(X42(L), 0, L.tensor(3)))
    same(lambda L: L.gather(X42(L), 0, L.zeros(0, 2, dtype=L.int64)))
    same(lambda L: L.index_select(X42(L), 0, L.zeros(0, dtype=L.int64)))


def test_index_errors_without_torch():
    x = cr.arange(8.0).reshape(4, 2)
    with pytest.raises(RuntimeError, match="index -1 is out of bounds for dimension 0 with "
                                           "size 4"):
        cr.gather(x, 0, cr.tensor([[-1, 0]]))
    with pytest.raises(IndexError, match="index -5 is out of bounds"):
        cr.index_select(x, 0, cr.tensor([-5]))
    assert cr.take_along_dim(x, cr.tensor([[-1, 5]]), 0).tolist() == [[6.0, 3.0]]


# ------------------------------------------------------------------ 8. integer division by 0
@needs_torch
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_division_by_zero_raises_as_torch(dtype):
    t = lambda L, v: L.tensor(v, dtype=getattr(L, dtype))  # noqa: E731
    cases = [
        lambda L: t(L, [5, 0]) // 0,
        lambda L: t(L, [5, 0]) % 0,
        lambda L: L.floor_divide(t(L, [5, 1]), t(L, [1, 0])),
        lambda L: L.remainder(t(L, [5, 1]), t(L, [1, 0])),
        lambda L: L.fmod(t(L, [5, 1]), t(L, [1, 0])),
        lambda L: L.div(t(L, [5, 1]), 0, rounding_mode="trunc"),
        lambda L: L.div(t(L, [5, 1]), t(L, [0, 1]), rounding_mode="floor"),
        lambda L: 5 // t(L, [0, 1]),
        lambda L: 7 % t(L, [1, 0]),
    ]
    for fn in cases:
        assert same(fn) == ("error", RuntimeError)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        t(cr, [5]) // 0
    same(lambda L: t(L, []) // 0)  # nothing is computed: no error
    same(lambda L: t(L, [5, 3]) / 0)  # true division: inf, no error
    x = t(cr, [5, 6])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        x.remainder_(0)
    assert x.tolist() == [5, 6]


@needs_torch
def test_integer_division_values_as_torch():
    a = [-7, 7, -7, 7, 0, -2**63, 2**62 + 1]
    b = [2, -2, -2, 2, 3, -1, 1]
    for mode in [None, "floor"]:
        same(lambda L: L.div(L.tensor(a), L.tensor(b), rounding_mode=mode))
    # (PyTorch's int64 trunc division traps (SIGFPE) on INT64_MIN / -1; chainrule wraps it to
    # INT64_MIN, as its floor division does, so that entry is compared without torch.)
    same(lambda L: L.div(L.tensor(a[:5] + a[6:]), L.tensor(b[:5] + b[6:]), rounding_mode="trunc"))
    assert cr.div(cr.tensor([-2**63]), -1, rounding_mode="trunc").tolist() == [-2**63]
    same(lambda L: L.fmod(L.tensor(a), L.tensor(b)))
    same(lambda L: L.remainder(L.tensor(a), L.tensor(b)))
    same(lambda L: L.tensor(a) // L.tensor(b))
    same(lambda L: L.tensor([-128, 100], dtype=L.int8) // -1)
    same(lambda L: L.div(L.tensor([-128, 100], dtype=L.int8), -1, rounding_mode="trunc"))
    same(lambda L: L.fmod(L.tensor([True, False]), 1))
    for fn in ["floor_divide", "remainder", "fmod"]:
        same(lambda L: getattr(L, fn)(L.tensor([True, False]), L.tensor([True, True])))
    same(lambda L: L.div(L.tensor([True]), L.tensor([True]), rounding_mode="trunc"))


# ------------------------------------------------------------------ 9. padding constructors
PADS = [("ZeroPad2d", ((1, 2, 3),)), ("ZeroPad2d", ((1, 2),)), ("ZeroPad2d", ((1, 2) * 3,)),
        ("ZeroPad1d", ((1,),)), ("ZeroPad3d", ((1, 2),)), ("ZeroPad2d", ([1, 2, 3, 4],)),
        ("ZeroPad2d", ((),)), ("ConstantPad2d", ((1, 2, 3), 0.5)),
        ("ConstantPad3d", ((1, 2), 0.5)), ("ReflectionPad2d", ((1, 0, 1),)),
        ("ReflectionPad3d", ((1, 0, 1, 0),)), ("ReplicationPad1d", ((1, 0, 1, 1),)),
        ("ReplicationPad3d", ((1, 0),)), ("CircularPad2d", ((1, 0, 1),)),
        ("CircularPad1d", ((1, 0, 1, 0),)), ("CircularPad2d", (1,)), ("ZeroPad2d", (2,))]


@needs_torch
@pytest.mark.parametrize("cls,args", PADS, ids=[f"{c}{a[0]}" for c, a in PADS])
def test_padding_modules_take_any_length_and_fail_in_forward_as_torch(cls, args):
    mods = {L: getattr(torch.nn if L is torch else cnn, cls)(*args) for L in (torch, cr)}
    assert mods[cr].padding == mods[torch].padding
    assert repr(mods[cr]) == repr(mods[torch])
    for shape in [(1, 1, 2, 2, 2), (1, 2, 2, 2), (2, 2, 2), (2, 2)]:
        same(lambda L: mods[L](L.ones(*shape)).shape)


def test_padding_module_without_torch():
    m = cnn.ZeroPad2d((1, 2, 3))
    assert m.padding == (1, 2, 3)
    with pytest.raises(RuntimeError, match="divisible by 2"):
        m(cr.ones(1, 2, 2))
    assert cnn.ZeroPad2d((1, 2))(cr.ones(1, 2, 2)).shape == (1, 2, 5)
    with pytest.raises(ValueError, match="expected 3D or 4D input"):
        cnn.CircularPad2d(1)(cr.ones(2, 2))
