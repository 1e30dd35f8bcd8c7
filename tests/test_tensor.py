"""The Tensor itself: creation functions (shapes, dtypes, values vs torch), dtype promotion
(a table of operand pairs checked against torch's result dtype), conversions, attributes,
repr, item/tolist/numpy, detach/clone, device and Size."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def dtype_name(t):
    return str(t.dtype).rsplit(".", 1)[-1]


# ------------------------------------------------------------------ creation

# (name, lambda L: tensor, compare values?) -- random draws are compared by shape and dtype
CREATION = [
    ("tensor_floats", lambda L: L.tensor([1.0, 2.5]), True),
    ("tensor_ints", lambda L: L.tensor([[1, 2], [3, 4]]), True),
    ("tensor_bools", lambda L: L.tensor([True, False]), True),
    ("tensor_mixed_int_float", lambda L: L.tensor([1, 2.5]), True),
    ("tensor_mixed_bool_int", lambda L: L.tensor([True, 2]), True),
    ("tensor_scalar_float", lambda L: L.tensor(3.5), True),
    ("tensor_scalar_int", lambda L: L.tensor(3), True),
    ("tensor_scalar_bool", lambda L: L.tensor(False), True),
    ("tensor_empty", lambda L: L.tensor([]), True),
    ("tensor_empty_nested", lambda L: L.tensor([[]]), True),
    ("tensor_dtype_arg", lambda L: L.tensor([1, 2], dtype=L.float64), True),
    ("tensor_float_to_int_dtype", lambda L: L.tensor([1.7, -1.7], dtype=L.int32), True),
    ("tensor_numpy_float64", lambda L: L.tensor(np.array([1.0, 2.0])), True),
    ("tensor_numpy_int32", lambda L: L.tensor(np.array([1, 2], dtype=np.int32)), True),
    ("tensor_numpy_uint8", lambda L: L.tensor(np.array([1, 200], dtype=np.uint8)), True),
    ("tensor_from_tensor_list", lambda L: L.tensor([L.tensor(1.0).item(), 2.0]), True),
    ("as_tensor_list", lambda L: L.as_tensor([1, 2, 3]), True),
    ("as_tensor_dtype", lambda L: L.as_tensor([1, 2, 3], dtype=L.float32), True),
    ("from_numpy_f64", lambda L: L.from_numpy(np.arange(6.0).reshape(2, 3)), True),
    ("from_numpy_i16", lambda L: L.from_numpy(np.arange(3, dtype=np.int16)), True),
    ("zeros_varargs", lambda L: L.zeros(2, 3), True),
    ("zeros_tuple", lambda L: L.zeros((2, 3)), True),
    ("zeros_list", lambda L: L.zeros([4]), True),
    ("zeros_size", lambda L: L.zeros(L.Size([2, 1])), True),
    ("zeros_scalar", lambda L: L.zeros(()), True),
    ("zeros_empty_dim", lambda L: L.zeros(0, 3), True),
    ("zeros_int", lambda L: L.zeros(2, dtype=L.int64), True),
    ("ones", lambda L: L.ones(3, 1), True),
    ("ones_bool", lambda L: L.ones(2, dtype=L.bool), True),
    ("empty", lambda L: L.empty(2, 3), False),
    ("full_int", lambda L: L.full((2,), 7), True),
    ("full_float", lambda L: L.full((2, 2), 1.5), True),
    ("full_bool", lambda L: L.full((3,), True), True),
    ("full_dtype", lambda L: L.full((2,), 7, dtype=L.float64), True),
    ("zeros_like", lambda L: L.zeros_like(L.ones(2, 3, dtype=L.int32)), True),
    ("ones_like_dtype", lambda L: L.ones_like(L.ones(2), dtype=L.float64), True),
    ("full_like", lambda L: L.full_like(L.ones(2, dtype=L.int64), 3), True),
    ("empty_like", lambda L: L.empty_like(L.ones(2, 3, dtype=L.float64)), False),
    ("arange_int", lambda L: L.arange(5), True),
    ("arange_start_end", lambda L: L.arange(2, 7), True),
    ("arange_float_step", lambda L: L.arange(0, 1, 0.1), True),
    ("arange_float_bounds", lambda L: L.arange(1.0, 2.5, 0.5), True),
    ("arange_negative_step", lambda L: L.arange(5, 0, -2), True),
    ("arange_dtype", lambda L: L.arange(4, dtype=L.float64), True),
    ("arange_empty", lambda L: L.arange(0), True),
    ("linspace", lambda L: L.linspace(0, 1, 5), True),
    ("linspace_one", lambda L: L.linspace(-1, 1, 1), True),
    ("logspace", lambda L: L.logspace(0, 2, 3), True),
    ("eye", lambda L: L.eye(3), True),
    ("eye_rect", lambda L: L.eye(2, 3), True),
    ("eye_dtype", lambda L: L.eye(2, dtype=L.int64), True),
    ("rand", lambda L: L.rand(2, 3), False),
    ("rand_dtype", lambda L: L.rand(4, dtype=L.float64), False),
    ("randn", lambda L: L.randn(3), False),
    ("randn_tuple", lambda L: L.randn((2, 2)), False),
    ("randint", lambda L: L.randint(0, 5, (2, 3)), False),
    ("randint_high_only", lambda L: L.randint(5, (4,)), False),
    ("randperm", lambda L: L.randperm(6), False),
    ("rand_like", lambda L: L.rand_like(L.ones(2, dtype=L.float64)), False),
    ("randn_like", lambda L: L.randn_like(L.ones(3)), False),
    ("new_zeros", lambda L: L.ones(2, dtype=L.float64).new_zeros(3), True),
    ("new_ones", lambda L: L.ones(2, dtype=L.int32).new_ones((2, 2)), True),
    ("new_full", lambda L: L.ones(2).new_full((2,), 4.0), True),
    ("new_tensor", lambda L: L.ones(2, dtype=L.float64).new_tensor([1, 2]), True),
    ("tril", lambda L: L.tril(L.ones(3, 3)), True),
    ("triu_diag", lambda L: L.triu(L.ones(3, 4), 1), True),
]


@needs_torch
@pytest.mark.parametrize("make,values", [pytest.param(f, v, id=n) for n, f, v in CREATION])
def test_creation_matches_torch(make, values):
    ours, theirs = make(cr), make(torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert dtype_name(ours) == dtype_name(theirs)
    assert not ours.requires_grad and ours.is_leaf
    if values:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@needs_torch
def test_tensor_of_numpy_scalar_keeps_its_dtype():
    for v in (np.float64(2.0), np.int32(3), np.float16(1.0)):
        assert dtype_name(cr.tensor(v)) == dtype_name(torch.tensor(v))


def test_creation_requires_grad_and_copies():
    a = np.array([1.0, 2.0])
    t = cr.tensor(a, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.dtype == cr.float64
    a[0] = 5.0
    assert t[0].item() == 1.0  # tensor() copies
    s = cr.from_numpy(a)
    a[1] = 7.0
    assert s[1].item() == 7.0  # from_numpy shares
    assert np.shares_memory(cr.as_tensor(a).numpy(), a)  # as_tensor shares when it can
    z = cr.zeros(2, requires_grad=True)
    assert z.requires_grad


def test_random_values_are_in_range_and_seeded():
    cr.manual_seed(3)
    a = cr.rand(1000)
    assert 0 <= a.min().item() and a.max().item() < 1
    r = cr.randint(2, 5, (1000,))
    assert set(np.unique(r.numpy())) == {2, 3, 4}
    assert sorted(cr.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    cr.manual_seed(3)
    np.testing.assert_array_equal(cr.rand(1000).numpy(), a.numpy())
    g = cr.Generator().manual_seed(1)
    b = cr.randn(4, generator=g)
    np.testing.assert_array_equal(cr.randn(4, generator=cr.Generator().manual_seed(1)).numpy(),
                                  b.numpy())


# ------------------------------------------------------------------ dtype promotion

# Operands: a 1-D tensor of a dtype, a 0-dim tensor of a dtype ("0d"), or a Python number.
DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
OPERANDS = ([("1d", d) for d in DTYPES] + [("0d", d) for d in DTYPES]
            + [("py", 2), ("py", 2.5), ("py", True)])
OPS = {
    "add": lambda L, a, b: a + b,
    "mul": lambda L, a, b: L.mul(a, b),
    "div": lambda L, a, b: a / b,
    "maximum": lambda L, a, b: L.maximum(a, b),
    "eq": lambda L, a, b: a == b,
    "where": lambda L, a, b: L.where(L.tensor([True, False]), a, b),
}


def make_operand(L, spec):
    kind, d = spec
    if kind == "py":
        return d
    values = [True, True] if d == "bool" else [1, 2]
    t = L.tensor(values, dtype=getattr(L, d if d != "bool" else "bool"))
    return t if kind == "1d" else t[0]


def _spec_id(spec):
    return f"{spec[0]}-{spec[1]}"


PAIRS = [(a, b) for a, b in itertools.product(OPERANDS, OPERANDS)
         if not (a[0] == "py" and b[0] == "py")]


def _outcome(L, op, a, b):
    try:
        r = OPS[op](L, make_operand(L, a), make_operand(L, b))
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    return dtype_name(r) if isinstance(r, (cr.Tensor,) + ((torch.Tensor,) if torch else ())) \
        else type(r).__name__


@needs_torch
@pytest.mark.parametrize("op", list(OPS))
def test_result_dtype_matches_torch(op):
    """Every pair of operands; an op that torch refuses must be refused too."""
    mismatches = []
    for a, b in PAIRS:
        if op == "maximum" and "py" in (a[0], b[0]):
            continue  # torch.maximum takes tensors only (chainrule also accepts numbers)
        ours, theirs = _outcome(cr, op, a, b), _outcome(torch, op, a, b)
        if ours != theirs:
            mismatches.append(f"{_spec_id(a)} {op} {_spec_id(b)}: chainrule {ours}, "
                              f"torch {theirs}")
    assert not mismatches, "\n".join(mismatches)


@needs_torch
@pytest.mark.parametrize("a,b", [
    (("1d", "int64"), ("py", 2)), (("1d", "int64"), ("py", 2.5)), (("1d", "float32"), ("py", 2)),
    (("1d", "int32"), ("0d", "float64")), (("1d", "uint8"), ("py", 2)),
    (("py", 2), ("1d", "int32")), (("py", 2.5), ("1d", "int64")), (("1d", "int8"), ("1d", "uint8")),
], ids=_spec_id)
@pytest.mark.parametrize("op", ["pow", "remainder", "floor_divide"])
def test_pow_remainder_floor_divide_dtypes_match_torch(a, b, op):
    fn = {"pow": lambda x, y: x ** y, "remainder": lambda x, y: x % y,
          "floor_divide": lambda x, y: x // y}[op]
    ours = fn(make_operand(cr, a), make_operand(cr, b))
    theirs = fn(make_operand(torch, a), make_operand(torch, b))
    assert dtype_name(ours) == dtype_name(theirs)
    np.testing.assert_allclose(ours.numpy().astype(float), theirs.numpy().astype(float))


INT_REDUCTIONS = {
    "sum": lambda L, t: t.sum(),
    "sum_dim": lambda L, t: L.sum(t, 0),
    "prod": lambda L, t: t.prod(),
    "cumsum": lambda L, t: t.cumsum(0),
    "nansum": lambda L, t: L.nansum(t),
    "amax": lambda L, t: t.amax(),
    "max_dim": lambda L, t: t.max(0).values,
    "sum_dtype": lambda L, t: t.sum(dtype=L.float64),
    "mean_dtype": lambda L, t: t.mean(dtype=L.float32),
}


def _int_reduction_params():
    out = []
    for d in ["int64", "int32", "int16", "uint8", "bool"]:
        for op in INT_REDUCTIONS:
            out.append(pytest.param(d, op, id=f"{op}-{d}"))
    return out


@needs_torch
@pytest.mark.parametrize("dtype,op", _int_reduction_params())
def test_reductions_of_integer_and_bool_tensors_match_torch(dtype, op):
    values = [True, False, True] if dtype == "bool" else [1, 2, 3]
    ours = INT_REDUCTIONS[op](cr, cr.tensor(values, dtype=getattr(cr, dtype)))
    theirs = INT_REDUCTIONS[op](torch, torch.tensor(values, dtype=getattr(torch, dtype)))
    assert dtype_name(ours) == dtype_name(theirs)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@needs_torch
@pytest.mark.parametrize("p", [float("-inf"), 0.5, 1.5, -1.0, 3.0])
def test_norm_with_zero_entries_matches_torch(p):
    # |x|^(p-2) is infinite at x = 0 for p < 2: the gradient there is taken as 0 (as torch)
    for values in ([0.0, 2.0, -1.0], [0.0, 0.0, 0.0], [3.0, -4.0, 0.5]):
        ours = cr.tensor(values, dtype=cr.float64, requires_grad=True)
        theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        n_ours, n_theirs = cr.norm(ours, p), torch.norm(theirs, p)
        n_ours.backward()
        n_theirs.backward()
        assert n_ours.item() == pytest.approx(n_theirs.item())
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-12)


def test_default_dtype_changes_what_python_floats_become():
    assert cr.get_default_dtype() == cr.float32
    try:
        cr.set_default_dtype(cr.float64)
        assert cr.tensor([1.5]).dtype == cr.float64
        assert (cr.tensor([1, 2]) * 0.5).dtype == cr.float64
        assert cr.zeros(2).dtype == cr.float64
    finally:
        cr.set_default_dtype(cr.float32)
    assert cr.tensor([1.5]).dtype == cr.float32
    with pytest.raises(TypeError):
        cr.set_default_dtype(cr.int64)


# ------------------------------------------------------------------ conversions


@needs_torch
@pytest.mark.parametrize("convert", [
    lambda L, t: t.float(), lambda L, t: t.double(), lambda L, t: t.half(),
    lambda L, t: t.long(), lambda L, t: t.int(), lambda L, t: t.bool(),
    lambda L, t: t.to(L.float64), lambda L, t: t.to(dtype=L.int32),
    lambda L, t: t.to("cpu"), lambda L, t: t.to(L.device("cpu"), L.float16),
    lambda L, t: t.to(L.ones(1, dtype=L.int64)), lambda L, t: t.type(L.float64),
    lambda L, t: t.type_as(L.ones(1, dtype=L.int16)),
], ids=["float", "double", "half", "long", "int", "bool", "to_f64", "to_dtype_kw", "to_cpu",
        "to_device_dtype", "to_other", "type", "type_as"])
def test_conversions_match_torch(convert):
    values = [1.7, -1.7, 0.0, 2.5]
    ours = convert(cr, cr.tensor(values))
    theirs = convert(torch, torch.tensor(values))
    assert dtype_name(ours) == dtype_name(theirs)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_to_same_dtype_returns_self_and_copy_makes_a_copy():
    t = cr.tensor([1.0, 2.0])
    assert t.to(cr.float32) is t and t.float() is t and t.to("cpu") is t and t.cpu() is t
    c = t.to(cr.float32, copy=True)
    assert c is not t
    c[0] = 9.0
    assert t[0].item() == 1.0


def test_type_names():
    assert cr.ones(1).type() == "chainrule.FloatTensor"
    assert cr.ones(1, dtype=cr.float64).type() == "chainrule.DoubleTensor"
    assert cr.ones(1, dtype=cr.int64).type() == "chainrule.LongTensor"
    assert cr.ones(1, dtype=cr.bool).type() == "chainrule.BoolTensor"


def test_to_float_keeps_gradient_flowing():
    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    y = x.float()
    assert y.dtype == cr.float32 and y.requires_grad
    (y * 2).sum().backward()
    assert x.grad.dtype == cr.float64
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    assert not x.long().requires_grad  # integer results carry no gradient


# ------------------------------------------------------------------ attributes


@needs_torch
def test_attributes_match_torch():
    for L in (cr, torch):
        t = L.zeros(2, 3, 4, dtype=L.float64)
        assert tuple(t.shape) == (2, 3, 4) and tuple(t.size()) == (2, 3, 4)
        assert t.size(1) == 3 and t.size(-1) == 4
        assert t.dim() == 3 and t.ndim == 3
        assert t.numel() == 24 and t.nelement() == 24
        assert t.element_size() == 8 and t.itemsize == 8
        assert t.is_floating_point() and not L.ones(1, dtype=L.int32).is_floating_point()
        assert not t.is_cuda
        assert t.is_leaf and not t.requires_grad and t.grad is None and t.grad_fn is None
        assert t.is_contiguous()
        assert len(t) == 2
        assert L.is_tensor(t) and not L.is_tensor([1])
        assert L.numel(t) == 24
    with pytest.raises(IndexError):
        cr.zeros(2, 3).size(2)


@needs_torch
def test_dtype_objects_match_torch():
    for name in ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                 "bool"]:
        ours, theirs = getattr(cr, name), getattr(torch, name)
        assert ours.is_floating_point == theirs.is_floating_point
        assert ours.itemsize == theirs.itemsize
        assert repr(ours) == repr(theirs).replace("torch.", "chainrule.")
    assert cr.float is cr.float32 and cr.double is cr.float64 and cr.long is cr.int64
    assert cr.half is cr.float16 and cr.int is cr.int32


@needs_torch
def test_dtype_is_signed_matches_torch():
    for name in ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                 "bool"]:
        assert getattr(cr, name).is_signed == getattr(torch, name).is_signed, name


# ------------------------------------------------------------------ repr


@needs_torch
@pytest.mark.parametrize("make", [
    lambda L: L.tensor([1.0, 2.0, 3.0]),
    lambda L: L.tensor([[1, 2], [3, 4]]),
    lambda L: L.tensor([True, False]),
    lambda L: L.tensor([1.0, 2.0], dtype=L.float64),
    lambda L: L.tensor([1, 2], dtype=L.int32),
    lambda L: L.tensor([1.0, 2.0], requires_grad=True),
    lambda L: L.zeros(0),
    lambda L: L.zeros(2, 0),
    lambda L: L.tensor(3),
    lambda L: L.tensor([[1.0], [2.0]]),
], ids=["floats", "ints", "bools", "float64", "int32", "requires_grad", "empty",
        "empty_2d", "scalar_int", "column"])
def test_repr_matches_torch(make):
    assert repr(make(cr)) == repr(make(torch)).replace("torch.", "chainrule.")


@needs_torch
@pytest.mark.parametrize("values", [[1.5, -2.25], 3.5, [1e-5, 1e5], [1.0, -2.0], [1.0, 100.0]],
                         ids=str)
def test_repr_of_floats_matches_torch(values):
    assert repr(cr.tensor(values)) == repr(torch.tensor(values)).replace("torch.", "chainrule.")


@needs_torch
@pytest.mark.parametrize("make", [lambda L: L.arange(2000), lambda L: L.arange(2000.0) / 7,
                                  lambda L: L.tensor([float("nan"), 1.0])],
                         ids=["long_int", "long_float", "nan"])
def test_repr_edge_cases_match_torch(make):
    assert repr(make(cr)) == repr(make(torch)).replace("torch.", "chainrule.")


def test_repr_shows_grad_fn():
    x = cr.tensor([1.0], requires_grad=True)
    assert "grad_fn=<Mul" in repr(x * 2)
    assert str(x * 2) == repr(x * 2)


# ------------------------------------------------------------------ values out


@needs_torch
def test_item_tolist_match_torch():
    for make in (lambda L: L.tensor(2.5), lambda L: L.tensor([3]), lambda L: L.tensor(True),
                 lambda L: L.tensor([[1.5]], dtype=L.float64)):
        a, b = make(cr).item(), make(torch).item()
        assert a == b and type(a) is type(b)
    for make in (lambda L: L.tensor([[1, 2], [3, 4]]), lambda L: L.tensor([1.5, 2.0]),
                 lambda L: L.tensor(2.0), lambda L: L.tensor([True])):
        a, b = make(cr).tolist(), make(torch).tolist()
        assert a == b and type(a) is type(b)


def test_item_of_many_elements_raises():
    with pytest.raises(RuntimeError):
        cr.ones(2).item()


def test_python_number_conversions():
    t = cr.tensor([2.7])
    assert float(t) == pytest.approx(2.7) and int(t) == 2
    assert bool(cr.tensor([1])) and not bool(cr.tensor(0.0))
    assert [10, 20, 30][cr.tensor(1)] == 20
    assert f"{cr.tensor(2.5):.2f}" == "2.50"
    with pytest.raises(TypeError):
        [1, 2][cr.tensor(1.0)]
    with pytest.raises(RuntimeError):
        bool(cr.ones(2))


def test_numpy_shares_memory():
    t = cr.tensor([1.0, 2.0])
    a = t.numpy()
    a[0] = 5.0
    assert t[0].item() == 5.0
    assert np.asarray(t).dtype == np.float32
    r = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        r.numpy()
    assert r.detach().numpy()[0] == 1.0


def test_iteration_and_len():
    t = cr.tensor([[1, 2], [3, 4]])
    rows = list(t)
    assert len(rows) == 2 and rows[1].tolist() == [3, 4]
    with pytest.raises(TypeError):
        len(cr.tensor(1.0))
    with pytest.raises(TypeError):
        iter(cr.tensor(1.0))


# ------------------------------------------------------------------ detach, clone


def test_detach_shares_memory_clone_does_not():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad
    d[0] = 10.0
    assert x[0].item() == 10.0
    c = x.clone()
    assert c.requires_grad and c.grad_fn is not None
    with cr.no_grad():
        c[1] = 7.0
    assert x[1].item() == 2.0
    (c * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_clone_of_tensor_without_grad():
    t = cr.tensor([1, 2])
    c = t.clone()
    assert c.dtype == cr.int64 and not c.requires_grad
    c[0] = 5
    assert t[0].item() == 1


# ------------------------------------------------------------------ device and Size


def test_device():
    t = cr.ones(2)
    assert t.device == cr.device("cpu") and t.device == "cpu"
    assert str(t.device) == "cpu" and t.device.type == "cpu"
    assert repr(t.device) == "device(type='cpu')"
    assert cr.zeros(2, device="cpu").device == "cpu"
    assert cr.device(cr.device("cpu")) == "cpu"
    with pytest.raises(RuntimeError):
        cr.device("cuda")
    with pytest.raises(RuntimeError):
        cr.zeros(2, device="cuda")
    with pytest.raises(RuntimeError):
        t.cuda()
    assert not cr.cuda.is_available()


@needs_torch
def test_size_matches_torch():
    for L in (cr, torch):
        s = L.zeros(2, 3, 4).shape
        assert isinstance(s, L.Size) and isinstance(s, tuple)
        assert s == (2, 3, 4) and s[1] == 3 and s.numel() == 24
        assert isinstance(s[1:], L.Size) and s[1:] == (3, 4)
        assert L.Size([2, 3]) == (2, 3)
        assert L.zeros(()).shape == () and L.zeros(()).shape.numel() == 1
    assert repr(cr.zeros(2, 3).shape) == repr(torch.zeros(2, 3).shape).replace("torch", "chainrule")


# ------------------------------------------------------------------ audited against torch
def _same(ours, theirs):
    assert dtype_name(ours) == dtype_name(theirs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@needs_torch
def test_method_forms_with_their_own_argument_order():
    for L in (cr, torch):
        x = L.tensor([1.0, 2.0, 3.0])
        assert x.where(L.tensor([True, False, True]), L.tensor([-1.0, -2.0, -3.0])).tolist() \
            == [1.0, -2.0, 3.0]  # x.where(cond, other) is where(cond, x, other)
        assert x.where(x > 1, 0.0).tolist() == [0.0, 2.0, 3.0]
        m = L.arange(6).reshape(2, 3)
        assert m.flip(0, 1).tolist() == m.flip((0, 1)).tolist() == [[5, 4, 3], [2, 1, 0]]


@needs_torch
@pytest.mark.parametrize("values,dtype", [
    ([1.0, float("nan"), 3.0, float("inf"), 3.0, float("nan")], "float32"),
    ([1, 200, 0, 200, 7], "uint8"),
    ([True, False, True], "bool"),
])
def test_sort_and_topk_order_nan_unsigned_and_bool_as_torch(values, dtype):
    ours, theirs = cr.tensor(values, dtype=getattr(cr, dtype)), torch.tensor(
        values, dtype=getattr(torch, dtype))
    for descending in (False, True):  # NaN is the largest value; ties keep their order
        o, t = ours.sort(descending=descending, stable=True), theirs.sort(
            descending=descending, stable=True)
        np.testing.assert_array_equal(o[0].numpy(), t[0].numpy())
        np.testing.assert_array_equal(o[1].numpy(), t[1].numpy())
    if dtype != "bool":
        np.testing.assert_array_equal(ours.topk(2)[0].numpy(), theirs.topk(2)[0].numpy())


@needs_torch
def test_clamp_argmax_cat_bincount_tensor_split_as_torch():
    nan = float("nan")
    for L in (cr, torch):
        x = L.tensor([1.0, 5.0, 3.0])
        got = L.clamp(x, min=L.tensor([nan, 0.0, 4.0]), max=L.tensor([2.0, nan, 10.0]))
        np.testing.assert_array_equal(got.numpy(), [nan, nan, 4.0])  # a NaN bound gives NaN
    a = [[1.0, 5.0], [3.0, 2.0]]
    _same(cr.tensor(a).argmax(keepdim=True), torch.tensor(a).argmax(keepdim=True))
    _same(cr.tensor(a).argmin(keepdim=True), torch.tensor(a).argmin(keepdim=True))
    for L_pairs in ([("int64", [1, 2]), ("float32", [1.5])], [("float16", [1.0]), ("int64", [1])],
                    [("bool", [True]), ("uint8", [3])]):
        ours = cr.cat([cr.tensor(v, dtype=getattr(cr, d)) for d, v in L_pairs])
        theirs = torch.cat([torch.tensor(v, dtype=getattr(torch, d)) for d, v in L_pairs])
        _same(ours, theirs)  # promotion by category: int64 with float32 is float32
    for wd in ("float32", "float64", "int64"):
        w = [0.5, 1.0, 2.0] if wd != "int64" else [1, 2, 3]
        _same(cr.bincount(cr.tensor([0, 1, 1]), weights=cr.tensor(w, dtype=getattr(cr, wd))),
              torch.bincount(torch.tensor([0, 1, 1]),
                             weights=torch.tensor(w, dtype=getattr(torch, wd))))
    for arg in (3, [1, 4]):
        ours = cr.arange(6).tensor_split(cr.tensor(arg))
        theirs = torch.arange(6).tensor_split(torch.tensor(arg))
        assert [p.tolist() for p in ours] == [p.tolist() for p in theirs]


def test_contiguous_reports_and_makes_row_major_layout():
    x = cr.ones(2, 3, requires_grad=True)
    t = x.t()
    assert x.is_contiguous() and not t.is_contiguous()
    c = t.contiguous()
    assert c.is_contiguous() and c is not t and x.contiguous() is x
    (c * 2).sum().backward()  # the copy stays in the graph
    assert x.grad.tolist() == [[2.0] * 3] * 2
