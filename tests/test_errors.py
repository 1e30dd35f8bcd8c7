"""Bad input fails early and clearly: each case raises the same exception type as torch, its
message names the op or the shapes, and the tensors involved are unchanged afterwards (values,
version counter, ``.grad``, ``requires_grad``, ``grad_fn``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:
    torch = None


@dataclass(frozen=True)
class ErrorCase:
    name: str
    # make(L) -> (action, watched): calling action() must raise; watched tensors must be
    # left as they were
    make: Callable
    raises: type  # the exception type torch raises (checked against torch when installed)
    match: str  # a regex the chainrule message must contain (op name, shapes, ...)
    xfail: str | None = None


CASES: list[ErrorCase] = []


def error(name, raises, match, xfail=None):
    def register(make):
        CASES.append(ErrorCase(name, make, raises, match, xfail))
        return make

    return register


def leaf(L, *shape):
    return L.ones(*shape, dtype=L.float64).requires_grad_()


# ------------------------------------------------------------------ shape mismatches


@error("matmul_2d", RuntimeError, r"2x3")
def _(L):
    a, b = leaf(L, 2, 3), L.ones(2, 3, dtype=L.float64)
    return (lambda: a @ b), [a, b]


@error("matmul_vec_mat", RuntimeError, r"matmul|\b3\b.*\b2\b|shapes")
def _(L):
    a, b = L.ones(3), L.ones(2, 4)
    return (lambda: L.matmul(a, b)), [a, b]


@error("matmul_batched_inner", RuntimeError, r"\[2, 2, 3\]|2x3|\b3\b.*\b4\b")
def _(L):
    a, b = L.ones(2, 2, 3), L.ones(2, 4, 5)
    return (lambda: a @ b), [a, b]


@error("matmul_batch_broadcast", RuntimeError, r"\[2\].*\[3\]|batch")
def _(L):
    a, b = L.ones(2, 2, 3), L.ones(3, 3, 4)
    return (lambda: a @ b), [a, b]


@error("matmul_zero_dim", RuntimeError, r"1D|0D")
def _(L):
    a, b = L.tensor(1.0), L.ones(2)
    return (lambda: L.matmul(a, b)), [a, b]


@error("mm_not_2d", RuntimeError, r"mm|2D|1D")
def _(L):
    a, b = L.ones(3), L.ones(3, 2)
    return (lambda: L.mm(a, b)), [a, b]


@error("bmm_batch", RuntimeError, r"bmm|batch|\b2\b.*\b3\b")
def _(L):
    a, b = L.ones(2, 2, 3), L.ones(3, 3, 4)
    return (lambda: L.bmm(a, b)), [a, b]


@error("dot_length", RuntimeError, r"\[3\].*\[4\]|\b3\b.*\b4\b")
def _(L):
    a, b = L.ones(3), L.ones(4)
    return (lambda: L.dot(a, b)), [a, b]


@error("add_broadcast", RuntimeError, r"add.*\[2, 3\].*\[4\]|\b3\b.*\b4\b")
def _(L):
    a, b = leaf(L, 2, 3), L.ones(4, dtype=L.float64)
    return (lambda: a + b), [a, b]


@error("mul_broadcast", RuntimeError, r"mul.*\[2, 3\].*\[3, 2\]")
def _(L):
    a, b = leaf(L, 2, 3), leaf(L, 3, 2)
    return (lambda: a * b), [a, b]


@error("where_broadcast", RuntimeError, r"where.*\[3\].*\[4\]|\b3\b.*\b4\b")
def _(L):
    c, a, b = L.ones(3, dtype=L.bool), L.ones(3), L.ones(4)
    return (lambda: L.where(c, a, b)), [a, b]


@error("cat_sizes", RuntimeError, r"Sizes of tensors must match.*\[2, 4\]|\b3\b.*\b4\b")
def _(L):
    a, b = L.ones(2, 3), L.ones(2, 4)
    return (lambda: L.cat([a, b], dim=0)), [a, b]


@error("cat_ndim", RuntimeError, r"cat|dimensions|Sizes")
def _(L):
    a, b = L.ones(2, 3), L.ones(3)
    return (lambda: L.cat([a, b])), [a, b]


@error("stack_sizes", RuntimeError, r"stack.*\[2, 3\].*\[3, 2\]")
def _(L):
    a, b = L.ones(2, 3), L.ones(3, 2)
    return (lambda: L.stack([a, b])), [a, b]


@error("reshape_size", RuntimeError, r"\[4, 2\].*6")
def _(L):
    a = leaf(L, 2, 3)
    return (lambda: a.reshape(4, 2)), [a]


@error("view_two_inferred", RuntimeError, r"one dimension|-1")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.view(-1, -1)), [a]


@error("expand_size", RuntimeError, r"expand|\b3\b.*\b4\b")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.expand(2, 4)), [a]


@error("permute_length", RuntimeError, r"permute|dims|dimensions")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.permute(0)), [a]


@error("permute_repeated", RuntimeError, r"permute|duplicate|repeated")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.permute(0, 0)), [a]


@error("repeat_too_few", RuntimeError, r"repeat|dimensions")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.repeat(2)), [a]


@error("split_sizes", RuntimeError, r"split.*6|sum")
def _(L):
    a = L.ones(6)
    return (lambda: a.split([2, 3])), [a]


@error("unflatten_sizes", RuntimeError, r"unflatten|\[2, 2\]|\b5\b")
def _(L):
    a = L.ones(3, 5)
    return (lambda: a.unflatten(1, (2, 2))), [a]


@error("einsum_subscripts", RuntimeError, r"einsum.*subscripts|einsum.*dimensions")
def _(L):
    a = L.ones(2, 3, 4)
    return (lambda: L.einsum("ij->i", a)), [a]


@error("einsum_operand_count", RuntimeError, r"einsum.*operand")
def _(L):
    a = L.ones(2, 3)
    return (lambda: L.einsum("ij->i", a, a)), [a]


@error("gather_index_ndim", RuntimeError, r"gather.*dimensions|Index tensor")
def _(L):
    a = L.ones(2, 3)
    return (lambda: L.gather(a, 1, L.zeros(2, dtype=L.int64))), [a]


@error("tensor_ragged", ValueError, r"sequence|shape|inhomogeneous")
def _(L):
    return (lambda: L.tensor([[1.0, 2.0], [3.0]])), []


# ------------------------------------------------------------------ dims out of range


@error("sum_dim", IndexError, r"sum.*range|out of range.*2")
def _(L):
    a = leaf(L, 2, 3)
    return (lambda: a.sum(dim=2)), [a]


@error("sum_dim_repeated", RuntimeError, r"multiple times|repeated")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.sum(dim=(0, 0))), [a]


@error("mean_dim_negative", IndexError, r"range.*-3")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.mean(-3)), [a]


@error("softmax_dim", IndexError, r"range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.softmax(2)), [a]


@error("transpose_dim", IndexError, r"transpose|range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.transpose(0, 2)), [a]


@error("unsqueeze_dim", IndexError, r"unsqueeze|range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.unsqueeze(3)), [a]


@error("squeeze_dim", IndexError, r"squeeze|range")
def _(L):
    a = L.ones(2, 1)
    return (lambda: a.squeeze(2)), [a]


@error("cat_dim", IndexError, r"cat|range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: L.cat([a, a], dim=2)), [a]


@error("max_dim", IndexError, r"max|range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.max(dim=-3)), [a]


@error("cumsum_dim", IndexError, r"cumsum|range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.cumsum(2)), [a]


@error("flatten_dim", IndexError, r"flatten|range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.flatten(2)), [a]


@error("gather_dim", IndexError, r"gather|range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.gather(2, L.zeros(2, 3, dtype=L.int64))), [a]


@error("select_dim", IndexError, r"select|range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.select(2, 0)), [a]


@error("logsumexp_dim", IndexError, r"logsumexp|range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.logsumexp(5)), [a]


@error("var_dim", IndexError, r"var|range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.var(3)), [a]


@error("norm_dim", IndexError, r"norm|range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.norm(dim=4)), [a]


@error("size_dim", IndexError, r"range")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.size(2)), [a]


# ------------------------------------------------------------------ autograd misuse


@error("requires_grad_int_tensor", RuntimeError, r"floating point")
def _(L):
    return (lambda: L.tensor([1, 2], requires_grad=True)), []


@error("requires_grad_int_method", RuntimeError, r"floating point")
def _(L):
    a = L.ones(2, dtype=L.int64)
    return (lambda: a.requires_grad_()), [a]


@error("requires_grad_false_on_non_leaf", RuntimeError, r"leaf")
def _(L):
    h = leaf(L, 2) * 2
    return (lambda: h.requires_grad_(False)), [h]


for _op, _call in [
    ("add_", lambda a: a.add_(1)),
    ("mul_", lambda a: a.mul_(2)),
    ("sub_", lambda a: a.sub_(1.5)),
    ("div_", lambda a: a.div_(2)),
    ("clamp_", lambda a: a.clamp_(0, 0.5)),
    ("zero_", lambda a: a.zero_()),
    ("fill_", lambda a: a.fill_(3.0)),
    ("exp_", lambda a: a.exp_()),
    ("setitem", lambda a: a.__setitem__(0, 5.0)),
    ("iadd", lambda a: a.__iadd__(1)),
    ("masked_fill_", lambda a: a.masked_fill_(a > 0, 0.0)),
]:
    def _make(L, _call=_call):
        a = leaf(L, 3)
        return (lambda: _call(a)), [a]

    CASES.append(ErrorCase(f"inplace_on_leaf_{_op}", _make, RuntimeError, r"leaf.*in-place"))


@error("inplace_on_leaf_copy_", RuntimeError, r"leaf.*in-place")
def _(L):
    a, b = leaf(L, 3), L.zeros(3, dtype=L.float64)
    return (lambda: a.copy_(b)), [a, b]


@error("inplace_on_saved_input", RuntimeError, r"modified by an inplace operation")
def _(L):
    a, b = leaf(L, 3), leaf(L, 3)
    h = a * 1
    y = (b * 2).sum() + h.sin().sum()  # sin saves its input h; b's branch alone is fine
    h.add_(1)
    return (lambda: y.backward()), [a, b]


@error("inplace_under_no_grad_on_saved_leaf", RuntimeError, r"modified by an inplace operation")
def _(L):
    w = leaf(L, 3)
    y = (w * w).sum()
    with L.no_grad():
        w.add_(1)  # the optimizer's pattern, but before the backward that needed w
    return (lambda: y.backward()), [w]


@error("inplace_on_saved_output", RuntimeError, r"modified by an inplace operation")
def _(L):
    a = leaf(L, 3)
    y = a.exp()  # exp saves its output
    y.mul_(2)
    return (lambda: y.sum().backward()), [a]


@error("setitem_on_saved_output", RuntimeError, r"modified by an inplace operation")
def _(L):
    a = leaf(L, 3)
    y = a.tanh()
    z = y.sum()
    y[0] = 0.0
    return (lambda: z.backward()), [a]


@error("inplace_on_saved_mul_operand", RuntimeError, r"modified by an inplace operation")
def _(L):
    a, b = leaf(L, 3), leaf(L, 3)
    h = b * 1
    y = (a * h).sum()  # mul saves h to compute the gradient of a
    h.zero_()
    return (lambda: y.backward()), [a, b]


@error("second_backward", RuntimeError, r"retain_graph")
def _(L):
    a = leaf(L, 3)
    y = a.exp().sum()
    y.backward()
    return (lambda: y.backward()), [a]


@error("second_grad", RuntimeError, r"retain_graph")
def _(L):
    a = leaf(L, 3)
    y = (a * a).sum()
    L.autograd.grad(y, a)
    return (lambda: L.autograd.grad(y, a)), [a]


@error("backward_non_scalar", RuntimeError, r"scalar")
def _(L):
    a = leaf(L, 3)
    y = a * 2
    return (lambda: y.backward()), [a, y]


@error("backward_gradient_shape", RuntimeError, r"shape.*\[2\].*\[3\]|\[3\].*\[2\]")
def _(L):
    a = leaf(L, 3)
    y = a * 2
    return (lambda: y.backward(L.ones(2, dtype=L.float64))), [a]


@error("backward_without_grad", RuntimeError, r"does not require grad")
def _(L):
    a = L.ones(3)
    return (lambda: a.sum().backward()), [a]


@error("grad_unused_input", RuntimeError, r"not have been used|allow_unused")
def _(L):
    a, b = leaf(L, 2), leaf(L, 2)
    y = (a * 2).sum()
    return (lambda: L.autograd.grad(y, [a, b])), [a, b]


@error("grad_input_without_grad", RuntimeError, r"does not require grad")
def _(L):
    a, b = leaf(L, 2), L.ones(2, dtype=L.float64)
    y = (a * b).sum()
    return (lambda: L.autograd.grad(y, [b])), [a, b]


@error("numpy_of_tensor_requiring_grad", RuntimeError, r"detach")
def _(L):
    a = leaf(L, 2)
    return (lambda: a.numpy()), [a]


@error("retain_grad_without_grad", RuntimeError, r"requires_grad")
def _(L):
    a = L.ones(2)
    return (lambda: a.retain_grad()), [a]


@error("function_backward_wrong_shape", RuntimeError, r"Twice.*\[2\].*\[3\]")
def _(L):
    class Twice(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return L.ones(2, dtype=g.dtype)

    a = leaf(L, 3)
    y = Twice.apply(a).sum()
    return (lambda: y.backward()), [a]


# ------------------------------------------------------------------ indexing


@error("index_int", IndexError, r"index 5.*dimension 0.*size 3")
def _(L):
    a = leaf(L, 3, 2)
    return (lambda: a[5]), [a]


@error("index_negative", IndexError, r"index -4.*size 3")
def _(L):
    a = L.ones(3)
    return (lambda: a[-4]), [a]


@error("index_second_dim", IndexError, r"index 7.*dimension 1.*size 2")
def _(L):
    a = L.ones(3, 2)
    return (lambda: a[:, 7]), [a]


@error("index_list", IndexError, r"index 5.*size 3")
def _(L):
    a = leaf(L, 3)
    return (lambda: a[[0, 5]]), [a]


@error("index_tensor", IndexError, r"index 3.*size 3")
def _(L):
    a = L.ones(3, 2)
    return (lambda: a[L.tensor([0, 3])]), [a]


@error("index_too_many", IndexError, r"too many indices")
def _(L):
    a = L.ones(3, 2)
    return (lambda: a[0, 0, 0]), [a]


@error("index_float_tensor", IndexError, r"long, int|integer|indices")
def _(L):
    a = L.ones(3)
    return (lambda: a[L.tensor([0.0])]), [a]


@error("index_mask_wrong_shape", IndexError, r"mask.*\[2\].*\[3\]")
def _(L):
    a = L.ones(3)
    return (lambda: a[L.tensor([True, False])]), [a]


@error("setitem_out_of_bounds", IndexError, r"index 5.*size 3")
def _(L):
    a = L.ones(3)
    return (lambda: a.__setitem__(5, 2.0)), [a]


@error("setitem_with_grad_out_of_bounds", IndexError, r"index 3.*size 3")
def _(L):
    a = leaf(L, 3)
    h = a * 1
    return (lambda: h.__setitem__([0, 3], 2.0)), [a, h]


@error("index_select_out_of_range", IndexError, r"index|range")
def _(L):
    a = L.ones(3, 2)
    return (lambda: a.index_select(0, L.tensor([0, 4]))), [a]


@error("gather_out_of_bounds", RuntimeError, r"gather.*index 4.*size 3|out of bounds")
def _(L):
    a = L.ones(2, 3)
    return (lambda: a.gather(1, L.tensor([[0, 4], [1, 2]]))), [a]


# ------------------------------------------------------------------ dtypes and arguments


@error("inplace_float_into_int", RuntimeError, r"Float.*Long")
def _(L):
    a = L.tensor([1, 2, 3])
    return (lambda: a.add_(1.5)), [a]


@error("inplace_shape", RuntimeError, r"\[3\].*\[2, 3\]")
def _(L):
    a = L.ones(3)
    return (lambda: a.add_(L.ones(2, 3))), [a]


@error("mean_of_int", RuntimeError, r"mean.*Long|floating point")
def _(L):
    a = L.tensor([1, 2])
    return (lambda: a.mean()), [a]


@error("masked_fill_int_mask", RuntimeError, r"masked_fill.*bool")
def _(L):
    a = L.ones(3)
    return (lambda: a.masked_fill(L.tensor([1, 0, 1]), 0.0)), [a]


@error("clamp_without_bounds", RuntimeError, r"clamp.*min.*max")
def _(L):
    a = L.ones(3)
    return (lambda: a.clamp()), [a]


@error("int_pow_negative", RuntimeError, r"negative integer powers")
def _(L):
    a = L.tensor([1, 2])
    return (lambda: a ** -1), [a]


@error("neg_of_bool", RuntimeError, r"neg|bool")
def _(L):
    a = L.tensor([True, False])
    return (lambda: -a), [a]


@error("arange_zero_step", RuntimeError, r"step")
def _(L):
    return (lambda: L.arange(0, 5, 0)), []


@error("zeros_negative_size", RuntimeError, r"negative dimension -1")
def _(L):
    return (lambda: L.zeros(2, -1)), []


@error("item_of_many", RuntimeError, r"2 elements")
def _(L):
    a = L.ones(2)
    return (lambda: a.item()), [a]


@error("bool_of_many", RuntimeError, r"ambiguous")
def _(L):
    a = L.ones(2)
    return (lambda: bool(a)), [a]


@error("chunk_zero", RuntimeError, r"chunk.*greater than 0")
def _(L):
    a = L.ones(4)
    return (lambda: a.chunk(0)), [a]


@error("topk_too_large", RuntimeError, r"topk|k.*range")
def _(L):
    a = L.ones(3)
    return (lambda: a.topk(4)), [a]


# ------------------------------------------------------------------ the test


def _snapshot(watched):
    out = []
    for t in watched:
        out.append((np.array(t.detach().numpy(), copy=True), t._version, t.requires_grad,
                    t.grad_fn,
                    None if t.grad is None else np.array(t.grad.numpy(), copy=True)))
    return out


def _assert_same(before, after, names):
    for (v0, ver0, rg0, fn0, g0), (v1, ver1, rg1, fn1, g1), n in zip(before, after, names):
        np.testing.assert_array_equal(v1, v0, err_msg=f"{n}: values changed")
        assert ver1 == ver0, f"{n}: version changed from {ver0} to {ver1}"
        assert rg1 == rg0 and fn1 is fn0, f"{n}: autograd state changed"
        assert (g0 is None) == (g1 is None), f"{n}: .grad changed"
        if g0 is not None:
            np.testing.assert_array_equal(g1, g0, err_msg=f"{n}: .grad changed")


def _params():
    return [pytest.param(c, id=c.name, marks=() if c.xfail is None else
                         (pytest.mark.xfail(strict=True, reason=c.xfail),)) for c in CASES]


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", _params())
def test_bad_input_raises_like_torch_and_changes_nothing(case):
    action, watched = case.make(cr)
    before = _snapshot(watched)
    with pytest.raises(Exception) as info:
        action()
    exc = info.value
    assert type(exc) is case.raises, f"expected {case.raises.__name__}, got {exc!r}"
    assert re.search(case.match, str(exc), re.S), f"message {str(exc)!r} lacks {case.match!r}"
    _assert_same(before, _snapshot(watched), [f"input {i}" for i in range(len(watched))])
    if torch is not None:
        t_action, _ = case.make(torch)
        with pytest.raises(Exception) as t_info:
            t_action()
        assert type(t_info.value) is case.raises, f"torch raised {t_info.value!r}"
