"""Ops that rearrange or assemble tensors: roll, rot90, diagonals, repeat_interleave,
meshgrid, the atleast_/stack/split families.

Most are composites of differentiable ops (flip, transpose, reshape, expand, cat, indexing),
whose derivatives move gradient values back into place. The primitives here:

- ``roll``: ``y = roll(x, s)``, so ``dL/dx = roll(g, -s)``.
- ``block_diag``: each input is a block of the output, so its gradient is that block of ``g``.

Diagonals are read and written with advanced indices (``_diag_index``) through the indexing
primitives: reading ``x[idx]`` sends ``g`` back into zeros at ``idx``; writing puts values there.
"""

from __future__ import annotations

import builtins
import functools
import warnings

import numpy as np

from chainrule import _dtype
from chainrule.autograd.grad_mode import STATE
from chainrule.autograd.primitive import primitive
from chainrule.ops._convert import as_operand, cast
from chainrule.ops.elementwise import clone, pow
from chainrule.ops.indexing import _getitem, _index_put, _type_name, getitem
from chainrule.ops.reduction import sum
from chainrule.ops.shape import (
    cat,
    expand,
    flatten,
    flip,
    normalize_dim,
    reshape,
    stack,
    tensor_split,
    transpose,
)
from chainrule.tensor import Tensor

__all__ = ["roll", "rot90", "fliplr", "flipud", "diag", "diagonal", "diag_embed", "diagflat",
           "trace", "tril_indices", "triu_indices", "repeat_interleave", "meshgrid",
           "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "dstack", "hsplit",
           "vsplit", "dsplit", "ravel", "cartesian_prod", "combinations", "unravel_index",
           "block_diag", "vander", "narrow_copy"]

# Names bound as Tensor methods (``x.name(...)``) and, with a trailing underscore, as
# in-place methods (``x.name_(...)``), by ``chainrule.ops._methods``.
TENSOR_METHODS = """roll rot90 fliplr flipud diag diagonal diag_embed diagflat trace
repeat_interleave hsplit vsplit dsplit ravel narrow_copy"""
INPLACE_METHODS = ""

_wrap = Tensor._wrap
_INT = (int, np.integer)


def _is_int(x) -> bool:
    return isinstance(x, _INT) and not isinstance(x, bool)


# ------------------------------------------------------------------ primitives
# fmt: off
@primitive
def _roll(x, *, shifts, axes):
    return np.roll(x, shifts, axes)

def _roll_any(g, shifts, axes):
    return _roll(g, shifts=shifts, axes=axes) if isinstance(g, Tensor) else np.roll(g, shifts,
                                                                                    axes)
# y = roll(x, s): y[i + s] = x[i], so dL/dx = roll(g, -s)
_roll.defvjp(lambda g, out, x, *, shifts, axes:
             _roll_any(g, tuple(-s for s in shifts) if axes is not None else -shifts, axes),
             saves_inputs=False)

@primitive
def _block_diag(*xs, shape, offsets):
    out = np.zeros(shape, dtype=xs[0].dtype)
    for x, (r, c) in zip(xs, offsets):  # one block per input (not per element)
        out[r:r + x.shape[0], c:c + x.shape[1]] = x
    return out

def _block_diag_rule(i, g, out, *xs, shape, offsets):
    # out[r:r+h, c:c+w] = x_i, so dL/dx_i is that block of g
    r, c = offsets[i]
    h, w = xs[i].shape
    return g[r:r + h, c:c + w]
_block_diag.defvjp_argnum(_block_diag_rule, saves_inputs=False)
# fmt: on


# ------------------------------------------------------------------ roll, rot90, flips
def roll(input, shifts, dims=None):
    """Shift the elements cyclically by ``shifts`` along ``dims`` (the flattened tensor when
    ``dims`` is None). ``shifts`` and ``dims`` may be tuples of the same length.

    Example:
        >>> import chainrule as cr
        >>> cr.roll(cr.tensor([1, 2, 3, 4]), 1).tolist()
        [4, 1, 2, 3]
    """
    s = (shifts,) if _is_int(shifts) else tuple(int(v) for v in shifts)
    nd = input._data.ndim
    if dims is None:
        if len(s) != 1:
            raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(s)}, "
                               f"dims: 0")
        return _roll(input, shifts=s[0], axes=None)
    d = (dims,) if _is_int(dims) else tuple(dims)
    if not d:
        raise RuntimeError("roll(): `shifts` required (got empty shifts and dims)")
    if len(s) != len(d):
        raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(s)}, "
                           f"dims: {len(d)}")
    if nd == 0:  # (PyTorch refuses any dim here, even 0 and -1)
        raise IndexError(f"roll(): Dimension specified as {d[0]} but tensor has no dimensions")
    axes = tuple(normalize_dim(a, nd, "roll") for a in d)
    return _roll(input, shifts=s, axes=axes)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first axis towards
    the second).

    Example:
        >>> import chainrule as cr
        >>> cr.rot90(cr.tensor([[1, 2], [3, 4]])).tolist()
        [[2, 4], [1, 3]]
    """
    dims = list(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"rot90(): expected total rotation dims == 2, but got dims = "
                           f"{len(dims)}")
    if nd < 2:
        raise RuntimeError(f"rot90(): expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = normalize_dim(dims[0], nd, "rot90"), normalize_dim(dims[1], nd, "rot90")
    if d0 == d1:
        raise RuntimeError(f"rot90(): expected rotation dims to be different, but got dim0 = "
                           f"{dims[0]} and dim1 = {dims[1]}")
    k = int(k) % 4
    if k == 1:
        return transpose(flip(input, d1), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return transpose(flip(input, d0), d0, d1)
    return clone(input)


def fliplr(input):
    """Reverse the order of the columns (dimension 1); needs at least 2 dimensions.

    Example:
        >>> import chainrule as cr
        >>> cr.fliplr(cr.tensor([[1, 2, 3]])).tolist()
        [[3, 2, 1]]
    """
    if input._data.ndim < 2:
        raise RuntimeError(f"fliplr(): Input must be >= 2-d, got a {input._data.ndim}-d tensor")
    return flip(input, 1)


def flipud(input):
    """Reverse the order of the rows (dimension 0); needs at least 1 dimension.

    Example:
        >>> import chainrule as cr
        >>> cr.flipud(cr.tensor([1, 2, 3])).tolist()
        [3, 2, 1]
    """
    if input._data.ndim < 1:
        raise RuntimeError("flipud(): Input must be >= 1-d, got a 0-d tensor")
    return flip(input, 0)


# ------------------------------------------------------------------ diagonals
def _diag_len(shape, offset, a1, a2) -> int:
    if offset >= 0:
        return builtins.max(0, builtins.min(shape[a1], shape[a2] - offset))
    return builtins.max(0, builtins.min(shape[a1] + offset, shape[a2]))


def _diag_index(shape, offset, a1, a2):
    """The advanced index of the diagonal ``offset`` of the planes (``a1``, ``a2``):
    ``x[idx]`` has the other dimensions in order, then the diagonal (as ``diagonal``)."""
    n = _diag_len(shape, offset, a1, a2)
    others = [k for k in range(len(shape)) if k not in (a1, a2)]
    rank = len(others) + 1
    step = np.arange(n)
    idx = [None] * len(shape)
    last = (1,) * (rank - 1) + (n,)
    idx[a1] = (step + builtins.max(-offset, 0)).reshape(last)
    idx[a2] = (step + builtins.max(offset, 0)).reshape(last)
    for j, k in enumerate(others):
        at = [1] * rank
        at[j] = shape[k]
        idx[k] = np.arange(shape[k]).reshape(at)
    return tuple(idx)


def _diag_dims(nd, dim1, dim2, op):
    a1, a2 = normalize_dim(dim1, nd, op), normalize_dim(dim2, nd, op)
    if a1 == a2:
        raise RuntimeError(f"{op}(): diagonal dimensions cannot be identical {dim1}, {dim2}")
    return a1, a2


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` (above the main one when positive) of the planes spanned by
    ``dim1`` and ``dim2``; those dimensions are removed and the diagonal is appended last.

    Unlike PyTorch, which returns a view, this returns a copy: writing into the result does
    not change ``input`` (the gradient is the same).

    Example:
        >>> import chainrule as cr
        >>> cr.diagonal(cr.tensor([[1, 2], [3, 4]])).tolist()
        [1, 4]
    """
    return _diagonal(input, offset, dim1, dim2)


def _diagonal(input, offset, dim1, dim2):
    shape = input._data.shape
    a1, a2 = _diag_dims(len(shape), dim1, dim2, "diagonal")
    idx = _diag_index(shape, int(offset), a1, a2)
    if not input._rg or not STATE.enabled:
        return _wrap(input._data[idx])
    return _getitem(input, index=idx)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonals (``offset``, in the planes ``dim1``, ``dim2`` of the result)
    hold the last dimension of ``input``; zeros elsewhere.

    Example:
        >>> import chainrule as cr
        >>> cr.diag_embed(cr.tensor([1, 2])).tolist()
        [[1, 0], [0, 2]]
    """
    shape = input._data.shape
    nd = len(shape) + 1
    a1, a2 = _diag_dims(nd, dim1, dim2, "diag_embed")
    offset = int(offset)
    m = shape[-1] + abs(offset)
    rest = iter(shape[:-1])
    out_shape = tuple(m if k in (a1, a2) else next(rest) for k in range(nd))
    zeros = _wrap(np.zeros(out_shape, dtype=input._data.dtype))
    return _index_put(zeros, input, index=_diag_index(out_shape, offset, a1, a2), accumulate=False)


def diag(input, diagonal=0):
    """A 1-D tensor as the diagonal ``diagonal`` of a square matrix, or the diagonal
    ``diagonal`` of a matrix as a 1-D tensor.

    Example:
        >>> import chainrule as cr
        >>> cr.diag(cr.tensor([1, 2]), 1).tolist()
        [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    """
    nd = input._data.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        return _diagonal(input, diagonal, 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


def diagflat(input, offset=0):
    """The flattened ``input`` as the diagonal ``offset`` of a square matrix.

    Example:
        >>> import chainrule as cr
        >>> cr.diagflat(cr.tensor([[1, 2]])).tolist()
        [[1, 0], [0, 2]]
    """
    return diag_embed(reshape(input, (-1,)), offset, 0, 1)


def trace(input):
    """The sum of the main diagonal of a matrix (integer matrices give int64).

    Example:
        >>> import chainrule as cr
        >>> cr.trace(cr.tensor([[1, 2], [3, 4]])).item()
        5
    """
    nd = input._data.ndim
    if nd != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {nd}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("trace: not implemented for 'Bool' tensors")
    return sum(diagonal(input))


def _tri_indices(name, fn, row, col, offset, dtype):
    d = _dtype.as_dtype(dtype)
    if d.np not in (np.dtype(np.int64), np.dtype(np.int32)):
        raise NotImplementedError(f"{name}: not implemented for dtype {d} (int64 or int32 "
                                  f"expected)")
    if row < 0:
        raise RuntimeError(f"{name}: row must be non-negative, got {row}")
    if col < 0:
        raise RuntimeError(f"{name}: col must be non-negative, got {col}")
    r, c = fn(int(row), int(offset), int(col))
    return _wrap(np.stack([r, c]).astype(d.np))


def tril_indices(row, col, offset=0, *, dtype=_dtype.int64, device=None, layout=None):
    """The (row, column) coordinates of the lower triangle (on and below the diagonal
    ``offset``) of a ``row`` x ``col`` matrix, as a 2 x N tensor in row-major order.

    Example:
        >>> import chainrule as cr
        >>> cr.tril_indices(2, 2).tolist()
        [[0, 1, 1], [0, 0, 1]]
    """
    return _tri_indices("tril_indices", np.tril_indices, row, col, offset, dtype)


def triu_indices(row, col, offset=0, *, dtype=_dtype.int64, device=None, layout=None):
    """The (row, column) coordinates of the upper triangle (on and above the diagonal
    ``offset``) of a ``row`` x ``col`` matrix, as a 2 x N tensor in row-major order.

    Example:
        >>> import chainrule as cr
        >>> cr.triu_indices(2, 2).tolist()
        [[0, 0, 1], [0, 1, 1]]
    """
    return _tri_indices("triu_indices", np.triu_indices, row, col, offset, dtype)


# ------------------------------------------------------------------ repeat_interleave
def _counts(repeats, name):
    """The repeat counts of a tensor ``repeats`` as an int array (checked)."""
    r = repeats._data
    if r.dtype.kind not in "iu":
        raise NotImplementedError(f"{name}: repeats must be an integer tensor, got "
                                  f"{_type_name(r.dtype)}")
    if r.size and r.min() < 0:
        raise RuntimeError(f"{name}: repeats can not be negative")
    return r


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (each slice along ``dim``; of the flattened tensor when ``dim`` is
    None) ``repeats`` times: an int, or a tensor with one count per element.
    ``repeat_interleave(counts)`` alone repeats ``0, 1, ...`` by ``counts``.

    Example:
        >>> import chainrule as cr
        >>> cr.repeat_interleave(cr.tensor([1, 2]), 2).tolist()
        [1, 1, 2, 2]
        >>> cr.repeat_interleave(cr.tensor([2, 0, 1])).tolist()
        [0, 0, 2]
    """
    name = "repeat_interleave"
    if repeats is None:  # the counts-only form
        if input._data.ndim != 1:
            raise RuntimeError(f"{name}: only accepts a 1-D vector of counts, got a "
                               f"{input._data.ndim}-D tensor")
        r = _counts(input, name)
        out = np.repeat(np.arange(r.size, dtype=r.dtype), r)
        _check_output_size(out.size, output_size)
        return _wrap(out)
    if dim is not None and input._data.ndim == 0:  # (as PyTorch: even dim 0 or -1)
        raise IndexError(f"{name}: Dimension specified as {dim} but tensor has no dimensions")
    x = input if dim is not None else reshape(input, (-1,))
    d = normalize_dim(0 if dim is None else dim, x._data.ndim, name)
    if x._data.ndim == 0:
        x = reshape(x, (1,))
    n = x._data.shape[d]
    if isinstance(repeats, Tensor):
        if repeats._data.ndim > 1:
            raise RuntimeError(f"{name}: repeats must be 0-dim or 1-dim tensor, got "
                               f"{repeats._data.ndim} dims")
        r = _counts(repeats, name).reshape(-1)
        if r.size == 1:
            r = np.broadcast_to(r, (n,))
        elif r.size != n:
            raise RuntimeError(f"{name}: repeats must have the same size as input along dim, "
                               f"but got repeats.size(0) = {r.size} and input.size({d}) = {n}")
    else:
        if not _is_int(repeats):
            raise TypeError(f"{name}: repeats must be an int or a Tensor, got "
                            f"{type(repeats).__name__}")
        if repeats < 0:
            raise RuntimeError(f"{name}: Repeats must be non-negative, got {repeats}")
        r = np.full(n, int(repeats))
    idx = np.repeat(np.arange(n), r)
    _check_output_size(idx.size, output_size)
    return getitem(x, (slice(None),) * d + (idx,))


def _check_output_size(total, output_size):
    if output_size is not None and output_size != total:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {total} but got "
                           f"{output_size}")


# ------------------------------------------------------------------ grids and products
def _tensor_list(tensors):
    """``f(a, b)`` and ``f([a, b])`` mean the same."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0])
    return list(tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids of 0-D/1-D tensors: the i-th output varies along dimension i
    (``indexing='ij'``, the default) or, with ``'xy'``, the first two dimensions are swapped
    (Cartesian order). Returns a tuple of tensors of the same shape.

    Example:
        >>> import chainrule as cr
        >>> a, b = cr.meshgrid(cr.tensor([1, 2]), cr.tensor([3, 4, 5]), indexing="ij")
        >>> a.tolist(), b.shape
        ([[1, 1, 1], [2, 2, 2]], chainrule.Size([2, 3]))
    """
    ts = _tensor_list(tensors)
    if not ts:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn("meshgrid: pass the indexing argument ('ij' is used); torch will "
                      "require it in an upcoming release", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f'{indexing}')
    for i, t in enumerate(ts):
        if t._data.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0D or 1D tensors, but got a "
                               f"{t._data.ndim}D tensor at position {i}")
        if t._data.dtype != ts[0]._data.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    k = len(ts)
    pos = list(range(k))
    if indexing == "xy" and k >= 2:
        pos[0], pos[1] = 1, 0
    shape = [0] * k
    for i, t in enumerate(ts):
        shape[pos[i]] = t._data.size
    out = []
    for i, t in enumerate(ts):
        at = [1] * k
        at[pos[i]] = t._data.size
        out.append(expand(reshape(t, tuple(at)), tuple(shape)))
    return tuple(out)


def cartesian_prod(*tensors):
    """All tuples of one element from each 1-D tensor, in lexicographic order, as the rows
    of an N x k tensor (a single tensor is returned as it is).

    Example:
        >>> import chainrule as cr
        >>> cr.cartesian_prod(cr.tensor([1, 2]), cr.tensor([3, 4])).tolist()
        [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    if not tensors:
        raise RuntimeError("cartesian_prod: expects a non-empty TensorList")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"cartesian_prod: expected Tensors, got {type(t).__name__}")
        if t._data.ndim != 1:
            raise RuntimeError(f"cartesian_prod: expected a 1D vector, but got shape "
                               f"{list(t._data.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([flatten(g) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of the elements of a 1-D tensor (as
    ``itertools.combinations``, or ``combinations_with_replacement``), as rows.

    Example:
        >>> import chainrule as cr
        >>> cr.combinations(cr.tensor([1, 2, 3])).tolist()
        [[1, 2], [1, 3], [2, 3]]
    """
    if input._data.ndim != 1:
        raise RuntimeError(f"combinations: expected a 1D vector, but got shape "
                           f"{list(input._data.shape)}")
    if r < 0:
        raise RuntimeError(f"combinations: expected a non-negative number, but got {r}")
    if r == 0:
        return _wrap(np.empty((0,), dtype=input._data.dtype))
    n = input._data.shape[0]
    # every r-tuple of positions in lexicographic order, kept when (non-)decreasing
    grid = np.indices((n,) * r).reshape(r, -1)
    if r > 1:
        step = grid[1:] - grid[:-1]
        keep = np.all(step >= 0 if with_replacement else step > 0, axis=0)
        grid = grid[:, keep]
    return getitem(input, grid.T)


def unravel_index(indices, shape):
    """The coordinates in a tensor of ``shape`` of flat (row-major) ``indices``, as a tuple
    of int64 tensors shaped like ``indices``. As in PyTorch, indices are not range-checked:
    negative ones count from the end, larger ones wrap.

    Example:
        >>> import chainrule as cr
        >>> [t.tolist() for t in cr.unravel_index(cr.tensor([5, 0]), (2, 3))]
        [[1, 0], [2, 0]]
    """
    idx = as_operand(indices)._data
    if idx.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected 'indices' to be integer dtype, but got "
                        f"{_type_name(idx.dtype)}")
    shape = (int(shape),) if _is_int(shape) else tuple(int(s) for s in shape)
    if builtins.any(s < 0 for s in shape):
        raise ValueError(f"unravel_index: 'shape' cannot have negative values, but got "
                         f"{shape}")
    if idx.size and 0 in shape:
        raise RuntimeError(f"unravel_index: cannot unravel indices into the empty shape "
                           f"{shape}")
    idx = idx.astype(np.int64)
    strides = np.cumprod((shape[1:] + (1,))[::-1])[::-1] if shape else ()
    return tuple(_wrap(np.floor_divide(idx, st) % s) for st, s in zip(strides, shape))


def block_diag(*tensors):
    """A block-diagonal matrix of the inputs (0-D: 1 x 1, 1-D: one row, 2-D), zeros
    elsewhere; dtypes are promoted.

    Example:
        >>> import chainrule as cr
        >>> cr.block_diag(cr.tensor([[1, 2]]), cr.tensor(3)).tolist()
        [[1, 2, 0], [0, 0, 3]]
    """
    if not tensors:
        return _wrap(np.zeros((1, 0), dtype=_dtype.get_default_dtype().np))
    mats = []
    for i, t in enumerate(tensors):
        nd = t._data.ndim
        if nd > 2:
            raise RuntimeError(f"block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {nd} dimensions")
        mats.append(t if nd == 2 else reshape(t, (1, -1)))
    rt = functools.reduce(_dtype.promote_same_rank, [t._data.dtype for t in mats])
    mats = [cast(t, rt) for t in mats]
    rows = np.cumsum([0] + [t._data.shape[0] for t in mats])
    cols = np.cumsum([0] + [t._data.shape[1] for t in mats])
    offsets = tuple((int(r), int(c)) for r, c in zip(rows[:-1], cols[:-1]))
    return _block_diag(*mats, shape=(int(rows[-1]), int(cols[-1])), offsets=offsets)


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a 1-D tensor: column j is ``x ** (N - 1 - j)`` (``x ** j``
    when ``increasing``). Integer and bool inputs give int64.

    Example:
        >>> import chainrule as cr
        >>> cr.vander(cr.tensor([2, 3]), 3).tolist()
        [[4, 2, 1], [9, 3, 1]]
    """
    if x._data.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got {x._data.ndim} "
                           f"dimensions")
    n = x._data.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {N}")
    if x._data.dtype.kind != "f":
        x = cast(x, np.dtype(np.int64))
    powers = np.arange(n, dtype=x._data.dtype)
    if not increasing:
        powers = powers[::-1].copy()
    # d x^p / dx = p x^(p-1) (zero for p = 0): the rule of pow
    return pow(reshape(x, (-1, 1)), _wrap(powers))


# ------------------------------------------------------------------ atleast, stacks, splits
def _atleast(tensors, shape_of, name):
    ts = tensors
    single = len(ts) == 1 and isinstance(ts[0], Tensor)
    ts = _tensor_list(ts)
    out = []
    for t in ts:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: expected Tensors, got {type(t).__name__}")
        new = shape_of(t._data.shape)
        out.append(t if new == t._data.shape else reshape(t, new))
    return out[0] if single else tuple(out)


def atleast_1d(*tensors):
    """Each tensor with at least one dimension (0-D become shape (1,)); one tensor gives a
    tensor, several (or a list) a tuple.

    Example:
        >>> import chainrule as cr
        >>> cr.atleast_1d(cr.tensor(2.0)).shape
        chainrule.Size([1])
    """
    return _atleast(tensors, lambda s: s if s else (1,), "atleast_1d")


def atleast_2d(*tensors):
    """Each tensor with at least two dimensions (0-D: (1, 1); 1-D of n: (1, n)).

    Example:
        >>> import chainrule as cr
        >>> cr.atleast_2d(cr.tensor([1, 2])).shape
        chainrule.Size([1, 2])
    """
    return _atleast(tensors, lambda s: s if len(s) >= 2 else (1,) * (2 - len(s)) + s,
                    "atleast_2d")


def _3d(s):
    if len(s) == 0:
        return (1, 1, 1)
    if len(s) == 1:
        return (1, s[0], 1)
    if len(s) == 2:
        return s + (1,)
    return s


def atleast_3d(*tensors):
    """Each tensor with at least three dimensions (0-D: (1, 1, 1); n: (1, n, 1);
    (m, n): (m, n, 1)).

    Example:
        >>> import chainrule as cr
        >>> cr.atleast_3d(cr.tensor([1, 2])).shape
        chainrule.Size([1, 2, 1])
    """
    return _atleast(tensors, _3d, "atleast_3d")


def _nonempty(tensors, name):
    ts = list(tensors)
    if not ts:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return ts


def column_stack(tensors):
    """Stack tensors as columns: 0-D and 1-D tensors become columns, then all are joined
    along dimension 1.

    Example:
        >>> import chainrule as cr
        >>> cr.column_stack([cr.tensor([1, 2]), cr.tensor([3, 4])]).tolist()
        [[1, 3], [2, 4]]
    """
    ts = _nonempty(tensors, "column_stack")
    return cat([reshape(t, (-1, 1)) if t._data.ndim <= 1 else t for t in ts], 1)


def dstack(tensors):
    """Join tensors along the third dimension (after ``atleast_3d``).

    Example:
        >>> import chainrule as cr
        >>> cr.dstack([cr.tensor([1, 2]), cr.tensor([3, 4])]).shape
        chainrule.Size([1, 2, 2])
    """
    ts = _nonempty(tensors, "dstack")
    return cat(list(atleast_3d(ts)), 2)


def _dir_split(input, indices_or_sections, dim, min_dims, name):
    nd = input._data.ndim
    if nd < min_dims:
        raise RuntimeError(f"{name} requires a tensor with at least {min_dims} dimension, but "
                           f"got a tensor with {nd} dimensions!")
    if _is_int(indices_or_sections):
        s = int(indices_or_sections)
        n = input._data.shape[dim]
        if s == 0 or n % s:
            raise RuntimeError(f"{name} attempted to split along dimension {dim}, but the size "
                               f"of the dimension {n} is not divisible by the split_size {s}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections):
    """Split along dimension 1 (0 for 1-D tensors) into equal sections or at indices.

    Example:
        >>> import chainrule as cr
        >>> [t.tolist() for t in cr.hsplit(cr.tensor([1, 2, 3, 4]), 2)]
        [[1, 2], [3, 4]]
    """
    dim = 0 if input._data.ndim == 1 else 1
    return _dir_split(input, indices_or_sections, dim, 1, "hsplit")


def vsplit(input, indices_or_sections):
    """Split along dimension 0 (at least 2-D) into equal sections or at indices.

    Example:
        >>> import chainrule as cr
        >>> [t.shape for t in cr.vsplit(cr.zeros(4, 2), [1])]
        [chainrule.Size([1, 2]), chainrule.Size([3, 2])]
    """
    return _dir_split(input, indices_or_sections, 0, 2, "vsplit")


def dsplit(input, indices_or_sections):
    """Split along dimension 2 (at least 3-D) into equal sections or at indices.

    Example:
        >>> import chainrule as cr
        >>> [t.shape for t in cr.dsplit(cr.zeros(1, 2, 4), 2)]
        [chainrule.Size([1, 2, 2]), chainrule.Size([1, 2, 2])]
    """
    return _dir_split(input, indices_or_sections, 2, 3, "dsplit")


def ravel(input):
    """The tensor flattened to one dimension.

    Example:
        >>> import chainrule as cr
        >>> cr.ravel(cr.tensor([[1, 2], [3, 4]])).tolist()
        [1, 2, 3, 4]
    """
    return reshape(input, (-1,))


def narrow_copy(input, dim, start, length):
    """A copy of ``length`` elements from ``start`` along ``dim`` (``start`` may be
    negative).

    Example:
        >>> import chainrule as cr
        >>> cr.narrow_copy(cr.tensor([1, 2, 3, 4]), 0, -3, 2).tolist()
        [2, 3]
    """
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("narrow_copy(): narrow() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, nd, "narrow_copy")
    size = input._data.shape[d]
    start = int(start.item() if isinstance(start, Tensor) else start)
    length = int(length)
    if not -size <= start <= size:
        raise IndexError(f"narrow_copy(): start out of range (expected to be in range of "
                         f"[{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise RuntimeError(f"narrow_copy(): start ({start}) + length ({length}) exceeds "
                           f"dimension size ({size}).")
    return clone(getitem(input, (slice(None),) * d + (slice(start, start + length),)))


# ------------------------------------------------------------------ sliding windows
# fmt: off
@primitive
def _unfold(x, *, axis, size, step):
    windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=axis)
    index = [slice(None)] * x.ndim
    index[axis] = slice(None, None, step)
    return np.ascontiguousarray(windows[tuple(index)])

@primitive
def _unfold_backward(g, *, shape, axis, size, step):
    # Window i covers x[i*step : i*step + size] along ``axis``; its element k is the last
    # axis of g. Windows overlap when step < size, so their gradients add: one strided add
    # per window offset k (a loop over the window's length, never over elements).
    dx = np.zeros(shape, dtype=g.dtype)
    n = g.shape[axis]
    lead = (slice(None),) * axis
    for k in range(size):
        dx[lead + (slice(k, k + (n - 1) * step + 1, step),)] += g[..., k]
    return dx

# y = unfold(x): each element of x appears once per window containing it, so dL/dx sums
# the gradients of its copies (``_unfold_backward``); that sum is linear in g, and its own
# derivative is the unfold again.
_unfold.defvjp(lambda g, out, x, *, axis, size, step:
               _unfold_backward(g, shape=x.shape, axis=axis, size=size, step=step)
               if isinstance(g, Tensor) else
               _unfold_backward.forward(g, shape=x.shape, axis=axis, size=size, step=step))
_unfold_backward.defvjp(lambda gg, out, g, *, shape, axis, size, step:
                        _unfold(gg, axis=axis, size=size, step=step) if isinstance(gg, Tensor)
                        else _unfold.forward(gg, axis=axis, size=size, step=step),
                        saves_inputs=False)
# fmt: on


def unfold(input, dimension, size, step):
    """``Tensor.unfold``: every slice of length ``size`` along ``dimension``, ``step`` apart,
    as a new last dimension. ``dimension``'s length becomes the number of windows,
    ``(length - size) // step + 1``. PyTorch returns a view; this is a copy (same values
    and gradients; writing into it does not change ``input``).

    Example:
        >>> import chainrule as cr
        >>> cr.arange(5).unfold(0, 2, 2).tolist()
        [[0, 1], [2, 3]]
    """
    x = as_operand(input)
    scalar = x._data.ndim == 0  # one element, unfolded into windows of size 0 or 1
    if scalar:
        x = x.reshape(1)
    axis = normalize_dim(dimension, x._data.ndim, "unfold")
    length = x._data.shape[axis]
    if size > length:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {axis} is {length} "
                           f"but size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    if scalar:
        return x[:size]
    return _unfold(x, axis=axis, size=int(size), step=int(step))
