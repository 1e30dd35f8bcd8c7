"""The layout ops (``chainrule.ops.layout``) and the indexed writes
(``chainrule.ops.index_write``) beyond the float paths of the op table: integer and bool
dtypes, index outputs, argument errors, empty tensors, negative dims, the in-place forms and
the Tensor methods, compared with torch; and the gradients at ties and zeros of
``scatter_reduce``/``index_reduce``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

I = np.arange(12).reshape(3, 4)  # noqa: E741
B3 = np.arange(24).reshape(2, 3, 4) % 5
BOOL = (np.arange(12).reshape(3, 4) % 3) == 0


def _dtype_name(t):
    return str(t.dtype).rsplit(".", 1)[-1]


def _same(c, t):
    """chainrule result ``c`` equals torch result ``t`` (tensors, tuples of them)."""
    if isinstance(t, (tuple, list)):
        assert isinstance(c, (tuple, list)) and len(c) == len(t)
        for a, b in zip(c, t):
            _same(a, b)
        return
    assert tuple(c.shape) == tuple(t.shape)
    assert _dtype_name(c) == _dtype_name(t)
    np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-6)


def _both(fn, *arrays):
    outs = []
    for L in (cr, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's "index_reduce is in beta"
            outs.append(fn(L, *[L.tensor(a) for a in arrays]))
    return outs


# ------------------------------------------------------------------ values and dtypes
VALUES = {
    "roll_int": (lambda L, x: L.roll(x, (1, -2), (0, -1)), I),
    "roll_bool_flat": (lambda L, x: x.roll(-3), BOOL),
    "roll_0d": (lambda L, x: L.roll(x, 2), np.array(5)),
    "roll_empty": (lambda L, x: L.roll(x, 1, 0), np.zeros((0, 3))),
    "rot90_int": (lambda L, x: L.rot90(x, 1, (-1, -2)), B3),
    "rot90_k0_bool": (lambda L, x: L.rot90(x, 0), BOOL),
    "fliplr_bool": (lambda L, x: L.fliplr(x), BOOL),
    "flipud_int32": (lambda L, x: L.flipud(x), I.astype(np.int32)),
    "diag_int_vec": (lambda L, x: L.diag(x, 1), np.array([3, 4])),
    "diag_bool_mat": (lambda L, x: L.diag(x, -1), BOOL),
    "diag_offset_too_far": (lambda L, x: L.diag(x, 10), I),
    "diagonal_int_3d": (lambda L, x: x.diagonal(-1, 2, 0), B3),
    "diagonal_empty": (lambda L, x: L.diagonal(x), np.zeros((0, 3))),
    "diag_embed_bool": (lambda L, x: L.diag_embed(x, 1, 2, 0), BOOL),
    "diagflat_int": (lambda L, x: L.diagflat(x, 2), I[:2, :2]),
    "trace_int32": (lambda L, x: L.trace(x), I.astype(np.int32)),
    "trace_nonsquare": (lambda L, x: x.trace(), I.T.astype(np.float32)),
    "repeat_interleave_int": (lambda L, x: L.repeat_interleave(x, 2, dim=-2), I),
    "repeat_interleave_int32_counts": (
        lambda L, x: L.repeat_interleave(x, L.tensor([0, 2, 1], dtype=L.int32), 0), BOOL),
    "repeat_interleave_empty": (lambda L, x: L.repeat_interleave(x, 3), np.zeros((0,))),
    "repeat_interleave_zero": (lambda L, x: x.repeat_interleave(0, dim=1), I),
    "repeat_interleave_0d_counts_tensor": (
        lambda L, x: L.repeat_interleave(x, L.tensor(2), 1), I),
    "repeat_interleave_counts_only": (lambda L, r: L.repeat_interleave(r), np.array([2, 0, 3])),
    "repeat_interleave_counts_only_int32": (
        lambda L, r: L.repeat_interleave(r), np.array([1, 2], dtype=np.int32)),
    "meshgrid_int_xy": (lambda L, a, b: L.meshgrid(a, b, indexing="xy"), np.arange(3),
                        np.arange(2)),
    "meshgrid_empty": (lambda L, a, b: L.meshgrid([a, b], indexing="ij"), np.arange(0),
                       np.arange(2)),
    "meshgrid_single": (lambda L, a: L.meshgrid(a, indexing="xy"), np.arange(3)),
    "atleast_1d_several": (lambda L, a, b: L.atleast_1d(a, b), np.array(1), I),
    "atleast_2d_list_one": (lambda L, a: L.atleast_2d([a]), np.array(True)),
    "atleast_3d_int": (lambda L, a, b, c: L.atleast_3d(a, b, c), np.array(1), np.arange(3), I),
    "atleast_3d_4d": (lambda L, a: L.atleast_3d(a), np.zeros((1, 2, 3, 4))),
    "column_stack_promote": (lambda L, a, b: L.column_stack([a, b]), np.arange(3),
                             np.ones((3, 2))),
    "dstack_int": (lambda L, a, b: L.dstack((a, b)), I, I),
    "hsplit_int": (lambda L, x: L.hsplit(x, [1, 10]), I),
    "vsplit_sections": (lambda L, x: x.vsplit(3), I),
    "dsplit_bool": (lambda L, x: L.dsplit(x, [3]), B3 > 2),
    "ravel_0d": (lambda L, x: L.ravel(x), np.array(3)),
    "cartesian_prod_int": (lambda L, a, b: L.cartesian_prod(a, b), np.arange(3), np.arange(2)),
    "cartesian_prod_single": (lambda L, a: L.cartesian_prod(a), np.arange(3)),
    "cartesian_prod_empty": (lambda L, a, b: L.cartesian_prod(a, b), np.arange(0),
                             np.arange(2)),
    "combinations_int": (lambda L, a: L.combinations(a, 3), np.arange(5)),
    "combinations_r0": (lambda L, a: L.combinations(a, 0), np.arange(3.0)),
    "combinations_r_too_big": (lambda L, a: L.combinations(a, 4), np.arange(3.0)),
    "combinations_replacement": (lambda L, a: L.combinations(a, 2, True), np.arange(3)),
    "combinations_empty": (lambda L, a: L.combinations(a), np.zeros(0)),
    "block_diag_promote": (lambda L, a, b, c: L.block_diag(a, b, c), np.array(1, np.int32),
                           np.arange(2), np.ones((2, 2))),
    "block_diag_empty_blocks": (lambda L, a, b: L.block_diag(a, b), np.ones((2, 0)),
                                np.ones((0, 3))),
    "vander_int32": (lambda L, x: L.vander(x), np.array([1, -2, 3], dtype=np.int32)),
    "vander_bool": (lambda L, x: L.vander(x, 3), np.array([True, False])),
    "vander_float": (lambda L, x: L.vander(x, 4), np.array([0.5, -1.5, 0.0], np.float32)),
    "vander_n0": (lambda L, x: L.vander(x, 0), np.arange(3.0)),
    "vander_empty": (lambda L, x: L.vander(x), np.zeros(0)),
    "narrow_copy_int": (lambda L, x: L.narrow_copy(x, -1, 4, 0), I),
    "index_fill_int_float_value": (lambda L, x: x.index_fill(1, L.tensor([0, -1]), 2.7), I),
    "index_fill_bool": (lambda L, x: L.index_fill(x, 0, L.tensor(1), True), BOOL),
    "index_fill_0d": (lambda L, x: x.index_fill(0, L.tensor([0]), 2.0), np.array(1.0)),
    "index_fill_empty_index": (
        lambda L, x: x.index_fill(0, L.tensor([], dtype=L.int64), 0), I),
    "index_copy_int": (lambda L, x, s: L.index_copy(x, 0, L.tensor([2, 0]), s), I, I[:2] * 10),
    "index_copy_0d": (lambda L, x, s: x.index_copy(0, L.tensor(0), s), np.array(1.0),
                      np.array(5.0)),
    "index_put_int_accumulate": (
        lambda L, x, v: L.index_put(x, (L.tensor([0, 0, 2]), L.tensor([1, 1, -1])), v, True),
        I, np.array([5, 6, 7])),
    "index_put_bool_mask": (lambda L, x, m, v: x.index_put((m,), v), I, BOOL, np.array(-1)),
    "index_put_empty": (
        lambda L, x, v: x.index_put((L.tensor([], dtype=L.int64),), v), I, np.array(9)),
    "masked_scatter_int": (lambda L, x, m, s: x.masked_scatter(m, s), I, BOOL,
                           np.arange(100, 112)),
    "masked_scatter_none": (lambda L, x, m, s: L.masked_scatter(x, m, s), I, BOOL & False,
                            np.arange(0)),
    "masked_scatter_0d_mask": (lambda L, x, m, s: x.masked_scatter(m, s), np.arange(3.0),
                               np.array(True), np.arange(5.0)),
    "select_scatter_cast": (lambda L, x, s: L.select_scatter(x, s, 1, -2), I.astype(np.float32),
                            np.arange(3)),
    "slice_scatter_int_clamped": (lambda L, x, s: x.slice_scatter(s, 1, 2, 100), I,
                                  np.zeros((3, 2), np.int64)),
    "slice_scatter_empty": (lambda L, x, s: L.slice_scatter(x, s, 1, 3, 1), I,
                            np.zeros((3, 0), np.int64)),
    "diagonal_scatter_int": (lambda L, x, s: L.diagonal_scatter(x, s, -1), I, np.array([7, 8])),
    "take_bool": (lambda L, x: L.take(x, L.tensor([[0, 5], [-1, 3]])), BOOL),
    "take_0d_index": (lambda L, x: x.take(L.tensor(3)), I),
    "take_empty": (lambda L, x: L.take(x, L.tensor([], dtype=L.int64)), np.zeros(0)),
}

for _red in ("sum", "prod", "mean", "amax", "amin"):
    for _inc in (True, False):
        VALUES[f"scatter_reduce_int_{_red}_{_inc}"] = (
            lambda L, x, i, s, r=_red, inc=_inc: x.scatter_reduce(1, i, s, r, include_self=inc),
            I - 5, np.array([[0, 0, 1], [2, 2, 2], [3, 0, 0]]), np.array([[7, 1, -5]] * 3))
        if _red != "sum":
            VALUES[f"index_reduce_int_{_red}_{_inc}"] = (
                lambda L, x, s, r=_red, inc=_inc: L.index_reduce(
                    x, -1, L.tensor([0, 2, 0]), s, r, include_self=inc),
                I - 5, np.array([[7, 1, -5], [3, -3, 4], [-1, -2, 9]]))
    if _red != "mean":
        VALUES[f"scatter_reduce_bool_{_red}"] = (
            lambda L, x, s, r=_red: x.scatter_reduce(0, L.tensor([0, 0, 1]), s, r,
                                                     include_self=False),
            np.array([True, False, True]), np.array([True, False, False]))
VALUES["scatter_reduce_0d"] = (lambda L, x, s: x.scatter_reduce(0, L.tensor(0), s, "sum"),
                               np.array(1.0), np.array(3.0))
VALUES["scatter_reduce_empty_index"] = (
    lambda L, x, s: L.scatter_reduce(x, 0, L.zeros(0, 4, dtype=L.int64), s, "amax"),
    I, np.zeros((0, 4), np.int64))
VALUES["scatter_reduce_int32_index"] = (
    lambda L, x, s: x.scatter_reduce(1, L.tensor([[1], [0], [1]], dtype=L.int32), s, "sum"),
    I, I[:, :2])
VALUES["scatter_reduce_mean_float_exclude"] = (
    lambda L, x, s: x.scatter_reduce(0, L.tensor([0, 0, 2]), s, "mean", include_self=False),
    np.array([1.0, 2.0, 3.0]), np.array([-1.0, -2.0, 4.5]))


@needs_torch
@pytest.mark.parametrize("name", list(VALUES))
def test_values_match_torch(name):
    fn, *arrays = VALUES[name]
    c, t = _both(fn, *arrays)
    _same(c, t)


@needs_torch
@pytest.mark.parametrize("args", [(3, 4, 1), (0, 4, 0), (4, 3, -5), (3, 3, 7), (1, 5, -1),
                                  (5, 2, 0)])
@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
def test_tri_indices_match_torch(name, args):
    _same(getattr(cr, name)(*args), getattr(torch, name)(*args))
    _same(getattr(cr, name)(*args, dtype=cr.int32), getattr(torch, name)(*args,
                                                                         dtype=torch.int32))


@needs_torch
@pytest.mark.parametrize("indices, shape", [
    ([5, 11, 0], (3, 4)), (7, (2, 2, 2)), ([[1, 2], [3, 0]], 4), ([-1, -13, 12], (3, 4)),
    ([3], ()), ([], (0,)), ([1, 2], torch.Size([2, 2]) if torch else (2, 2)),
])
def test_unravel_index_matches_torch(indices, shape):
    for dt in ("int64", "int32"):
        c = cr.unravel_index(cr.tensor(indices, dtype=getattr(cr, dt)), shape)
        t = torch.unravel_index(torch.tensor(indices, dtype=getattr(torch, dt)), shape)
        assert isinstance(c, tuple)
        _same(c, t)


def test_unravel_index_without_torch():
    rows, cols = cr.unravel_index(cr.tensor([0, 5, 7]), (2, 4))
    assert rows.tolist() == [0, 1, 1] and cols.tolist() == [0, 1, 3]
    assert rows.dtype == cr.int64 and not rows.requires_grad


def test_block_diag_of_nothing():
    out = cr.block_diag()
    assert tuple(out.shape) == (1, 0) and out.dtype == cr.float32


def test_index_outputs_do_not_require_grad():
    x = cr.tensor([2, 0, 1])
    for t in (cr.repeat_interleave(x), cr.tril_indices(3, 3), *cr.unravel_index(x, (3,))):
        assert not t.requires_grad and t.dtype == cr.int64


def test_meshgrid_warns_without_indexing():
    a = cr.tensor([1.0, 2.0])
    with pytest.warns(UserWarning, match="indexing"):
        g = cr.meshgrid(a, a)
    assert [tuple(t.shape) for t in g] == [(2, 2), (2, 2)]


def test_diagonal_is_a_copy():
    x = cr.zeros(2, 2)
    d = x.diagonal()
    d[0] = 5.0
    assert x.tolist() == [[0.0, 0.0], [0.0, 0.0]]


# ------------------------------------------------------------------ errors
ERRORS = {
    "roll_shifts_dims_mismatch": (lambda L, x: L.roll(x, (1, 2), (0,)), I),
    "roll_two_shifts_no_dims": (lambda L, x: L.roll(x, (1, 2)), I),
    "roll_dim_out_of_range": (lambda L, x: L.roll(x, 1, 5), I),
    "rot90_same_dims": (lambda L, x: L.rot90(x, 1, (0, 0)), I),
    "rot90_one_dim": (lambda L, x: L.rot90(x, 1, (0,)), I),
    "rot90_1d": (lambda L, x: L.rot90(x), np.arange(3)),
    "rot90_dim_out_of_range": (lambda L, x: L.rot90(x, 1, (0, 5)), I),
    "fliplr_1d": (lambda L, x: L.fliplr(x), np.arange(3)),
    "flipud_0d": (lambda L, x: L.flipud(x), np.array(1.0)),
    "diag_0d": (lambda L, x: L.diag(x), np.array(1.0)),
    "diag_3d": (lambda L, x: L.diag(x), B3),
    "diagonal_same_dims": (lambda L, x: L.diagonal(x, 0, 1, -1), I),
    "diagonal_dim_out_of_range": (lambda L, x: L.diagonal(x, 0, 0, 3), I),
    "diagonal_0d": (lambda L, x: L.diagonal(x), np.array(1.0)),
    "diag_embed_same_dims": (lambda L, x: L.diag_embed(x, 0, 0, 0), I),
    "diag_embed_0d": (lambda L, x: L.diag_embed(x), np.array(1.0)),
    "trace_1d": (lambda L, x: L.trace(x), np.arange(3.0)),
    "trace_bool": (lambda L, x: L.trace(x), BOOL),
    "repeat_interleave_negative": (lambda L, x: L.repeat_interleave(x, -1, 0), I),
    "repeat_interleave_negative_tensor": (
        lambda L, x: L.repeat_interleave(x, L.tensor([1, -1, 2]), 0), I),
    "repeat_interleave_wrong_len": (
        lambda L, x: L.repeat_interleave(x, L.tensor([1, 2]), 0), I),
    "repeat_interleave_2d_repeats": (
        lambda L, x: L.repeat_interleave(x, L.tensor([[1, 2, 1]]), 0), I),
    "repeat_interleave_float_repeats": (
        lambda L, x: L.repeat_interleave(x, L.tensor([1.0, 2.0, 1.0]), 0), I),
    "repeat_interleave_output_size": (
        lambda L, x: L.repeat_interleave(x, 2, 0, output_size=5), I),
    "repeat_interleave_counts_2d": (lambda L, r: L.repeat_interleave(r), I),
    "repeat_interleave_counts_negative": (lambda L, r: L.repeat_interleave(r),
                                          np.array([1, -2])),
    "repeat_interleave_counts_float": (lambda L, r: L.repeat_interleave(r), np.array([1.0])),
    "repeat_interleave_dim": (lambda L, x: L.repeat_interleave(x, 2, 2), I),
    "meshgrid_2d": (lambda L, x: L.meshgrid(x, indexing="ij"), I),
    "meshgrid_dtypes": (lambda L, a, b: L.meshgrid(a, b, indexing="ij"), np.arange(2),
                        np.arange(2.0)),
    "meshgrid_bad_indexing": (lambda L, a: L.meshgrid(a, indexing="yx"), np.arange(2)),
    "meshgrid_nothing": (lambda L: L.meshgrid(indexing="ij"),),
    "column_stack_empty": (lambda L: L.column_stack([]),),
    "column_stack_ndims": (lambda L, a, b: L.column_stack([a, b]), np.ones(3), B3),
    "dstack_empty": (lambda L: L.dstack([]),),
    "hsplit_not_divisible": (lambda L, x: L.hsplit(x, 3), I),
    "hsplit_0d": (lambda L, x: L.hsplit(x, 1), np.array(1.0)),
    "vsplit_1d": (lambda L, x: L.vsplit(x, 1), np.arange(4)),
    "vsplit_not_divisible": (lambda L, x: L.vsplit(x, 2), I),
    "dsplit_2d": (lambda L, x: L.dsplit(x, 2), I),
    "dsplit_zero": (lambda L, x: L.dsplit(x, 0), B3),
    "cartesian_prod_2d": (lambda L, a, b: L.cartesian_prod(a, b), I, np.arange(2)),
    "cartesian_prod_0d": (lambda L, a: L.cartesian_prod(a), np.array(1)),
    "cartesian_prod_dtypes": (lambda L, a, b: L.cartesian_prod(a, b), np.arange(2),
                              np.arange(2.0)),
    "combinations_2d": (lambda L, x: L.combinations(x), I),
    "combinations_negative_r": (lambda L, x: L.combinations(x, -1), np.arange(3)),
    "unravel_index_float": (lambda L, x: L.unravel_index(x, (3,)), np.array([1.0])),
    "unravel_index_bool": (lambda L, x: L.unravel_index(x, (3,)), np.array([True])),
    "unravel_index_negative_shape": (lambda L, x: L.unravel_index(x, (-1, 3)), np.array([1])),
    "unravel_index_zero_shape": (lambda L, x: L.unravel_index(x, (0,)), np.array([0])),
    "block_diag_3d": (lambda L, a: L.block_diag(a), B3),
    "vander_2d": (lambda L, x: L.vander(x), I),
    "vander_0d": (lambda L, x: L.vander(x), np.array(2.0)),
    "vander_negative_n": (lambda L, x: L.vander(x, -1), np.arange(3.0)),
    "narrow_copy_too_long": (lambda L, x: L.narrow_copy(x, 1, 3, 2), I),
    "narrow_copy_start_out_of_range": (lambda L, x: L.narrow_copy(x, 1, -5, 2), I),
    "narrow_copy_negative_length": (lambda L, x: L.narrow_copy(x, 1, 1, -1), I),
    "narrow_copy_0d": (lambda L, x: L.narrow_copy(x, 0, 0, 1), np.array(1.0)),
    "index_fill_out_of_range": (lambda L, x: x.index_fill(1, L.tensor([0, 4]), -1), I),
    "index_fill_negative_out_of_range": (lambda L, x: x.index_fill(1, L.tensor([-5]), -1), I),
    "index_fill_2d_index": (lambda L, x: x.index_fill(1, L.tensor([[0]]), -1), I),
    "index_fill_int32_index": (
        lambda L, x: x.index_fill(1, L.tensor([1], dtype=L.int32), -1), I),
    "index_fill_1d_value": (lambda L, x: x.index_fill(1, L.tensor([1]), L.tensor([2])), I),
    "index_fill_dim": (lambda L, x: x.index_fill(2, L.tensor([1]), 0), I),
    "index_copy_count": (lambda L, x, s: x.index_copy(1, L.tensor([0, 2]), s), I,
                         np.ones((3, 3), np.int64)),
    "index_copy_slice_shape": (lambda L, x, s: x.index_copy(1, L.tensor([0, 2]), s), I,
                               np.ones((2, 2), np.int64)),
    "index_copy_dtype": (lambda L, x, s: x.index_copy(1, L.tensor([0, 2]), s), I,
                         np.ones((3, 2))),
    "index_copy_out_of_range": (lambda L, x, s: x.index_copy(1, L.tensor([0, 4]), s), I,
                                np.ones((3, 2), np.int64)),
    "index_copy_negative": (lambda L, x, s: x.index_copy(1, L.tensor([0, -1]), s), I,
                            np.ones((3, 2), np.int64)),
    "index_copy_ndim": (lambda L, x, s: x.index_copy(1, L.tensor(1), s), I,
                        np.ones(3, np.int64)),
    "index_copy_int32_index": (
        lambda L, x, s: x.index_copy(1, L.tensor([1], dtype=L.int32), s), I,
        np.ones((3, 1), np.int64)),
    "index_put_dtype": (lambda L, x, v: x.index_put((L.tensor([0]),), v), I, np.array(1.0)),
    "index_put_out_of_range": (lambda L, x, v: x.index_put((L.tensor([0, 5]),), v, True), I,
                               np.array(1)),
    "index_put_mask_shape": (lambda L, x, v: x.index_put((L.tensor([True, False]),), v), I,
                             np.array(1)),
    "index_put_value_shape": (lambda L, x, v: x.index_put((L.tensor([0, 2]),), v), I,
                              np.ones(3, np.int64)),
    "index_put_not_tuple": (lambda L, x, v: x.index_put(L.tensor([0]), v), I, np.array(1)),
    "index_put_too_many": (lambda L, x, v: x.index_put((L.tensor([0]),) * 3, v), I,
                           np.array(1)),
    "index_put_float_index": (lambda L, x, v: x.index_put((L.tensor([0.0]),), v), I,
                              np.array(1)),
    "masked_scatter_short_source": (lambda L, x, m, s: x.masked_scatter(m, s), I, BOOL,
                                    np.arange(3)),
    "masked_scatter_int_mask": (lambda L, x, m, s: x.masked_scatter(m, s), I, BOOL.astype(int),
                                np.arange(12)),
    "masked_scatter_dtype": (lambda L, x, m, s: x.masked_scatter(m, s), I, BOOL,
                             np.arange(12.0)),
    "masked_scatter_shapes": (lambda L, x, m, s: x.masked_scatter(m, s), I, np.ones(3, bool),
                              np.arange(12)),
    "scatter_reduce_bad_reduce": (lambda L, x, i, s: x.scatter_reduce(0, i, s, "add"),
                                  np.arange(3), np.array([0, 1]), np.array([1, 2])),
    "scatter_reduce_dtype": (lambda L, x, i, s: x.scatter_reduce(0, i, s, "sum"),
                             np.arange(3), np.array([0, 1]), np.array([1.0, 2.0])),
    "scatter_reduce_out_of_range": (lambda L, x, i, s: x.scatter_reduce(0, i, s, "sum"),
                                    np.arange(3), np.array([0, 3]), np.array([1, 2])),
    "scatter_reduce_negative_index": (lambda L, x, i, s: x.scatter_reduce(0, i, s, "sum"),
                                      np.arange(3), np.array([0, -1]), np.array([1, 2])),
    "scatter_reduce_src_too_small": (lambda L, x, i, s: x.scatter_reduce(1, i, s, "sum"), I,
                                     np.zeros((3, 3), np.int64), np.ones((2, 3), np.int64)),
    "scatter_reduce_index_ndim": (lambda L, x, i, s: x.scatter_reduce(1, i, s, "sum"), I,
                                  np.zeros(3, np.int64), np.ones((3, 3), np.int64)),
    "scatter_reduce_float_index": (lambda L, x, i, s: x.scatter_reduce(0, i, s, "sum"),
                                   np.arange(3), np.array([0.0]), np.array([1])),
    "scatter_reduce_dim": (lambda L, x, i, s: x.scatter_reduce(1, i, s, "sum"),
                           np.arange(3), np.array([0]), np.array([1])),
    "scatter_reduce_bool_mean": (lambda L, x, i, s: x.scatter_reduce(0, i, s, "mean"),
                                 np.ones(2, bool), np.array([0]), np.array([True])),
    "index_reduce_sum": (lambda L, x, s: x.index_reduce(1, L.tensor([0, 2, 0]), s, "sum"), I,
                         I[:, :3]),
    "index_reduce_count": (lambda L, x, s: x.index_reduce(1, L.tensor([0, 2, 0]), s, "prod"),
                           I, I[:, :2]),
    "index_reduce_dtype": (lambda L, x, s: x.index_reduce(1, L.tensor([0, 2, 0]), s, "prod"),
                           I, np.ones((3, 3))),
    "index_reduce_out_of_range": (
        lambda L, x, s: x.index_reduce(1, L.tensor([0, 4, 0]), s, "amax"), I, I[:, :3]),
    "index_reduce_negative": (
        lambda L, x, s: x.index_reduce(1, L.tensor([0, -1, 0]), s, "amin"), I, I[:, :3]),
    "index_reduce_2d_index": (
        lambda L, x, s: x.index_reduce(1, L.tensor([[0, 1, 0]]), s, "mean"), I, I[:, :3]),
    "index_reduce_source_shape": (
        lambda L, x, s: x.index_reduce(1, L.tensor([0, 1, 0]), s, "mean"), I, I[:2, :3]),
    "select_scatter_out_of_range": (lambda L, x, s: x.select_scatter(s, 0, 3), I,
                                    np.ones(4, np.int64)),
    "select_scatter_shape": (lambda L, x, s: x.select_scatter(s, 0, 1), I,
                             np.ones((1, 4), np.int64)),
    "select_scatter_dim": (lambda L, x, s: x.select_scatter(s, 2, 1), I, np.ones(4, np.int64)),
    "slice_scatter_shape": (lambda L, x, s: x.slice_scatter(s, 1, 1, 3), I,
                            np.ones((3, 3), np.int64)),
    "slice_scatter_step": (lambda L, x, s: x.slice_scatter(s, 1, 1, 3, 0), I,
                           np.ones((3, 2), np.int64)),
    "diagonal_scatter_shape": (lambda L, x, s: x.diagonal_scatter(s), I, np.ones(4, np.int64)),
    "diagonal_scatter_same_dims": (lambda L, x, s: x.diagonal_scatter(s, 0, 1, 1), I,
                                   np.ones(3, np.int64)),
    "take_out_of_range": (lambda L, x: x.take(L.tensor([12])), I),
    "take_negative_out_of_range": (lambda L, x: x.take(L.tensor([-13])), I),
    "take_int32": (lambda L, x: x.take(L.tensor([1], dtype=L.int32)), I),
    "take_from_empty": (lambda L, x: x.take(L.tensor([0])), np.zeros(0)),
}

# Where torch raises another type (or nothing), and why.
ERROR_TYPE = {
    # torch reads a 0-d tensor at dims (-2, -1) differently; chainrule checks the dims first
    "diag_embed_0d": IndexError,
}


def _raises(L, fn, arrays):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(L, *[L.tensor(a) for a in arrays])
        except Exception as e:  # noqa: BLE001
            return type(e), str(e)
    return None, None


@needs_torch
@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    fn, *arrays = ERRORS[name]
    ours, msg = _raises(cr, fn, arrays)
    theirs, _ = _raises(torch, fn, arrays)
    assert ours is not None, "chainrule raised nothing"
    assert theirs is not None, "torch raised nothing"
    assert issubclass(ours, ERROR_TYPE.get(name, theirs)), (ours, theirs, msg)
    assert msg


def test_error_messages_name_the_op():
    x = cr.arange(12).reshape(3, 4)
    with pytest.raises(RuntimeError, match=r"scatter_reduce\(\).*reduce.*got add"):
        x.scatter_reduce(0, cr.tensor([[0]]), x, "add")
    with pytest.raises(IndexError, match=r"index_copy\(\): index 4 is out of bounds"):
        x.index_copy(1, cr.tensor([4]), x[:, :1])
    with pytest.raises(RuntimeError, match=r"hsplit .* not divisible by the split_size 3"):
        cr.hsplit(x, 3)
    with pytest.raises(RuntimeError, match=r"repeat_interleave.*repeats.size\(0\) = 2"):
        cr.repeat_interleave(x, cr.tensor([1, 2]), 0)


# ------------------------------------------------------------------ in-place forms
def _h(x):
    return x * 1  # a non-leaf copy that may be modified in place


XV = np.array([[0.3, -1.1, 0.7, 2.0], [-0.2, 1.6, -0.65, 0.1], [0.9, -0.4, 1.3, -2.2]])
YV = np.array([[1.2, 0.45, -0.8, 0.5], [0.95, -1.4, 0.15, 0.25], [-0.3, 0.6, 1.1, -0.7]])

INPLACE = {
    "index_fill_": lambda L, x, y: _h(x).index_fill_(1, L.tensor([0, 2]), -1.0),
    "index_fill_tensor_value": lambda L, x, y: _h(x).index_fill_(0, L.tensor([1]), y[0, 0]),
    "index_copy_": lambda L, x, y: _h(x).index_copy_(1, L.tensor([3, 0]), y[:, :2]),
    "index_put_": lambda L, x, y: _h(x).index_put_((L.tensor([0, 2]), L.tensor([1, 1])),
                                                   y[0, :2], accumulate=True),
    "index_put_mask": lambda L, x, y: _h(x).index_put_((L.tensor([[True, False] * 2] * 3),),
                                                       y[1, 1]),
    "masked_scatter_": lambda L, x, y: _h(x).masked_scatter_(L.tensor([True, False, True, True]),
                                                             y * 2),
    "scatter_reduce_amax": lambda L, x, y: _h(x).scatter_reduce_(
        1, L.tensor([[0, 0], [3, 1], [2, 2]]), y[:, :2], "amax"),
    "scatter_reduce_prod": lambda L, x, y: _h(x).scatter_reduce_(
        0, L.tensor([[0, 1, 0, 2]]), y[:1], "prod", include_self=False),
    "index_reduce_mean": lambda L, x, y: _h(x).index_reduce_(1, L.tensor([1, 1, 3, 0]), y,
                                                             "mean"),
    "index_reduce_amin": lambda L, x, y: _h(x).index_reduce_(0, L.tensor([2, 2, 0]), y,
                                                             "amin", include_self=False),
}


def _run_inplace(L, name):
    x = L.tensor(XV, dtype=L.float64, requires_grad=True)
    y = L.tensor(YV, dtype=L.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = INPLACE[name](L, x, y)
    up = L.tensor(np.arange(12.0).reshape(3, 4) - 5.5, dtype=L.float64)
    (h * h * up).sum().backward()
    grads = [None if t.grad is None else t.grad.numpy().copy() for t in (x, y)]
    return h.detach().numpy().copy(), grads, h._version


@needs_torch
@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_matches_torch(name):
    ours, theirs = _run_inplace(cr, name), _run_inplace(torch, name)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    for g, tg in zip(ours[1], theirs[1]):
        assert (g is None) == (tg is None)
        if g is not None:
            np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)
    assert ours[2] == theirs[2]


def test_inplace_returns_self_and_counts_versions():
    x = cr.zeros(3, 4)
    r = x.index_fill_(1, cr.tensor([0]), 1.0)
    assert r is x and x._version == 1
    x.index_put_((cr.tensor([2]),), cr.tensor(5.0))
    x.masked_scatter_(cr.tensor([True, False, False, False]), cr.arange(3.0))
    x.scatter_reduce_(0, cr.tensor([[0, 1]]), cr.ones(1, 2), "sum")
    assert x._version == 4
    assert x.tolist() == [[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0], [2.0, 5.0, 5.0, 5.0]]


def test_inplace_error_leaves_tensor_unchanged():
    x = cr.arange(12.0).reshape(3, 4)
    with pytest.raises(IndexError):
        x.index_copy_(1, cr.tensor([9]), cr.ones(3, 1))
    with pytest.raises(RuntimeError):
        x.masked_scatter_(cr.ones(3, 4, dtype=cr.bool), cr.ones(2))
    with pytest.raises(RuntimeError):
        x.scatter_reduce_(1, cr.tensor([[0]]), cr.ones(1, 1), "median")
    assert x._version == 0 and x.tolist() == np.arange(12.0).reshape(3, 4).tolist()


def test_inplace_on_leaf_requiring_grad_raises():
    w = cr.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.index_fill_(0, cr.tensor([0]), 1.0)


@needs_torch
def test_masked_scatter_inplace_mask_must_fit_self():
    for L in (cr, torch):
        with pytest.raises(RuntimeError):
            L.ones(4).masked_scatter_(L.ones(3, 4, dtype=L.bool), L.arange(12.0))


@needs_torch
def test_tensor_methods_as_torch():
    for name in ("roll rot90 fliplr flipud diag diagonal diag_embed diagflat trace "
                 "repeat_interleave hsplit vsplit dsplit ravel narrow_copy index_fill "
                 "index_copy index_put masked_scatter scatter_reduce select_scatter "
                 "slice_scatter diagonal_scatter take index_reduce").split():
        assert hasattr(cr.Tensor, name), name
        assert hasattr(cr.Tensor, name + "_") == hasattr(torch.Tensor, name + "_"), name
    for name in ("meshgrid", "tril_indices", "cartesian_prod", "block_diag", "vander"):
        assert not hasattr(torch.Tensor, name) and not hasattr(cr.Tensor, name)


# ------------------------------------------------------------------ gradients at ties/zeros
def _grads(L, fn, arrays, create_graph=False):
    ts = [L.tensor(a, dtype=L.float64, requires_grad=True) if a.dtype.kind == "f"
          else L.tensor(a) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(L, *ts)
    diff = [t for t in ts if t.requires_grad]
    up = L.tensor(np.linspace(-1.0, 2.0, out.numel()).reshape(tuple(out.shape)),
                  dtype=L.float64)
    gs = L.autograd.grad(out, diff, up, create_graph=create_graph)
    if create_graph:
        gs = L.autograd.grad(sum((g * g).sum() for g in gs), diff)
    return [g.detach().numpy() for g in gs]


TIES = [1.0, 2.0, 2.0, 0.5]
TIE_CASES = {
    # self ties with sent values, sent values tie with each other
    "amax_ties": (lambda L, x, s: x.scatter_reduce(0, L.tensor([0, 0, 1, 1, 3]), s, "amax"),
                  np.array(TIES), np.array([2.0, 2.0, 2.0, 1.0, 0.5])),
    "amin_ties_exclude_self": (
        lambda L, x, s: x.scatter_reduce(0, L.tensor([0, 0, 1, 1, 3]), s, "amin",
                                         include_self=False),
        np.array(TIES), np.array([1.0, 1.0, 3.0, 2.0, -1.0])),
    "amax_exclude_self_equal": (
        lambda L, x, s: x.scatter_reduce(0, L.tensor([1, 1]), s, "amax", include_self=False),
        np.array(TIES), np.array([2.0, 2.0])),
    "index_reduce_amax_ties": (
        lambda L, x, s: x.index_reduce(1, L.tensor([0, 0, 2]), s, "amax"),
        np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]), np.array([[1.0, 1.0, 3.0], [0.0, 5.0, 0.0]])),
    "prod_zeros": (lambda L, x, s: x.scatter_reduce(0, L.tensor([0, 0, 1, 1, 2, 3]), s, "prod"),
                   np.array([0.0, 2.0, 0.0, 3.0]),
                   np.array([0.0, 1.5, 0.0, 0.0, 2.0, -1.0])),
    "prod_zeros_exclude_self": (
        lambda L, x, s: x.scatter_reduce(0, L.tensor([0, 0, 1, 1, 2]), s, "prod",
                                         include_self=False),
        np.array([0.0, 2.0, 0.0, 3.0]), np.array([0.0, 1.5, 0.0, 0.0, 2.0])),
    "index_reduce_prod_zeros": (
        lambda L, x, s: x.index_reduce(0, L.tensor([1, 1, 0]), s, "prod"),
        np.array([[0.0, 2.0], [1.0, 0.0]]), np.array([[0.0, 3.0], [2.0, 0.5], [1.5, 0.0]])),
    "mean_exclude_self": (
        lambda L, x, s: x.scatter_reduce(0, L.tensor([0, 0, 2]), s, "mean", include_self=False),
        np.array([1.0, 2.0, 3.0]), np.array([-1.0, -2.0, 4.5])),
}


@needs_torch
@pytest.mark.parametrize("name", list(TIE_CASES))
def test_gradients_at_ties_and_zeros_match_torch(name):
    fn, *arrays = TIE_CASES[name]
    for c, t in zip(_grads(cr, fn, arrays), _grads(torch, fn, arrays)):
        np.testing.assert_allclose(c, t, rtol=1e-12, atol=1e-12)


SECOND = {
    # a single zero per position: the second derivative exists (and matches torch)
    "prod_single_zero": (lambda L, x, s: x.scatter_reduce(0, L.tensor([0, 0, 1, 2]), s, "prod"),
                         np.array([0.0, 2.0, -1.5]), np.array([3.0, 1.5, 0.0, 2.0])),
    # rules linear in the upstream gradient: squared, so that it depends on the inputs
    "mean_squared": (lambda L, x, s: x.scatter_reduce(0, L.tensor([0, 0, 2]), s, "mean",
                                                      include_self=False) ** 2,
                     np.array([1.0, 2.0, 3.0]), np.array([-1.0, -2.0, 4.5])),
    "amax_ties_squared": (lambda L, x, s: TIE_CASES["amax_ties"][0](L, x, s) ** 2,
                          *TIE_CASES["amax_ties"][1:]),
    "prod_squared": (lambda L, x, s: x.scatter_reduce(1, L.tensor([[0, 0], [1, 0]]), s, "prod",
                                                      include_self=False) ** 2,
                     np.array([[1.5, 2.0], [-0.5, 3.0]]), np.array([[0.7, -1.2], [2.0, 0.0]])),
}


@needs_torch
@pytest.mark.parametrize("name", list(SECOND))
def test_second_derivatives_match_torch(name):
    fn, *arrays = SECOND[name]
    for c, t in zip(_grads(cr, fn, arrays, True), _grads(torch, fn, arrays, True)):
        np.testing.assert_allclose(c, t, rtol=1e-12, atol=1e-12)


def test_prod_with_two_zeros_at_a_position_has_no_second_derivative():
    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    s = cr.tensor([0.0, 0.0, 3.0], dtype=cr.float64, requires_grad=True)
    out = x.scatter_reduce(0, cr.tensor([0, 0, 1]), s, "prod")
    gx, gs = cr.autograd.grad(out.sum(), (x, s), create_graph=True)
    assert gs.tolist() == [0.0, 0.0, 2.0]
    with pytest.raises(RuntimeError, match="scatter_reduce"):
        cr.autograd.grad(gs.sum(), (x, s))


@needs_torch
def test_vander_gradient_matches_powers():
    # torch's own vander backward fails; its values and the gradient of x ** k are the oracle
    xv = np.array([0.0, -1.5, 0.7, 2.0])
    for n, inc in ((4, False), (5, True), (1, False)):
        x = cr.tensor(xv, requires_grad=True, dtype=cr.float64)
        tx = torch.tensor(xv, requires_grad=True, dtype=torch.float64)
        out = cr.vander(x, n, increasing=inc)
        ref = torch.stack([tx ** k for k in (range(n) if inc else range(n - 1, -1, -1))], 1)
        _same(out, torch.vander(tx.detach(), n, increasing=inc))
        up = np.linspace(-1, 1, xv.size * n).reshape(xv.size, n)
        out.backward(cr.tensor(up))
        ref.backward(torch.tensor(up))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_scatter_reduce_without_torch():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = cr.tensor([5.0, 5.0, 0.5], requires_grad=True)
    out = x.scatter_reduce(0, cr.tensor([0, 0, 2]), s, "amax")
    assert out.tolist() == [5.0, 2.0, 3.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0]
    assert s.grad.tolist() == [0.5, 0.5, 0.0]  # the tie at position 0 is split evenly
