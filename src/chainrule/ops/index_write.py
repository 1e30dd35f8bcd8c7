"""Scatter-style ops (index_fill, index_copy, index_put, masked_scatter,
scatter_reduce, the *_scatter family) and take.

All return new tensors; the in-place ``name_`` methods run them through
``chainrule.ops.indexing.inplace``. Writes go through the ``_index_put`` primitive of
``indexing`` (``out = x; out[idx] = v``: ``dL/dx = g`` zeroed at ``idx``, ``dL/dv = g[idx]``).
The one primitive here is ``scatter_reduce`` (its derivatives are PyTorch's, next to the rule).
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd import primitive as _primitive
from chainrule.autograd.grad_mode import STATE
from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.ops._convert import as_operand, cast
from chainrule.ops.indexing import (
    _check_bounds,
    _gather_index,
    _getitem,
    _index_put,
    _type_name,
    _zero_at,
    getitem,
    normalize_index,
)
from chainrule.ops.layout import _diag_dims, _diag_index
from chainrule.ops.shape import expand, normalize_dim, reshape
from chainrule.tensor import Tensor

__all__ = ["index_fill", "index_copy", "index_put", "masked_scatter", "scatter_reduce",
           "select_scatter", "slice_scatter", "diagonal_scatter", "take", "index_reduce"]

# Names bound as Tensor methods (``x.name(...)``) and, with a trailing underscore, as
# in-place methods (``x.name_(...)``), by ``chainrule.ops._methods``.
TENSOR_METHODS = """index_fill index_copy index_put masked_scatter scatter_reduce
select_scatter slice_scatter diagonal_scatter take index_reduce"""
INPLACE_METHODS = "index_fill index_copy index_put masked_scatter scatter_reduce index_reduce"

_wrap = Tensor._wrap
_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _tensor_arg(x, what, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{what}' must be a Tensor, not {type(x).__name__}")
    return x


# ------------------------------------------------------------------ scatter_reduce
def _fill_value(dtype, reduce):
    """The identity of ``reduce`` (what an excluded ``self`` is replaced by)."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = reduce == "amin"
    if dtype == np.bool_:
        return big
    if dtype.kind == "f":
        return np.inf if big else -np.inf
    info = np.iinfo(dtype)
    return info.max if big else info.min


def _counts(shape, index, include_self):
    """How many values meet at each position (``self`` counted when included), at least 1."""
    n = np.full(shape, 1 if include_self else 0, dtype=np.int64)
    np.add.at(n, index, 1)
    return np.maximum(n, 1)


def _scatter_reduce_np(x, v, *, index, reduce, include_self):
    out = x.copy()
    if not include_self:
        out[index] = _fill_value(x.dtype, reduce)
    if reduce == "prod":
        np.multiply.at(out, index, v)
    elif reduce == "amax":
        np.maximum.at(out, index, v)
    elif reduce == "amin":
        np.minimum.at(out, index, v)
    else:
        np.add.at(out, index, v)
        if reduce == "mean":
            n = _counts(x.shape, index, include_self)
            out = np.floor_divide(out, n) if x.dtype.kind in "iu" else out / n.astype(x.dtype)
    return out


# fmt: off
@primitive
def _scatter_reduce(x, v, *, index, reduce, include_self):
    return _scatter_reduce_np(x, v, index=index, reduce=reduce, include_self=include_self)


def _sr(x, v, **params):
    """scatter_reduce on arrays, or (under create_graph) recorded on Tensors."""
    if isinstance(x, Tensor) or isinstance(v, Tensor):
        return _scatter_reduce(R.like(x, v) if not isinstance(x, Tensor) else x,
                               R.like(v, x) if not isinstance(v, Tensor) else v, **params)
    return _scatter_reduce_np(x, v, **params)


def _take(t, index):
    return _getitem(t, index=index) if isinstance(t, Tensor) else t[index]


def _tie_counts(x, v, out, index):
    """amax/amin: how many of self (where it equals the result) and of the values sent to a
    position (where they equal it) share the extreme value (PyTorch counts ``self`` even when
    it is excluded)."""
    xd, vd, od = R.data(x), R.data(v), R.data(out)
    self_hit = (xd == od).astype(xd.dtype)
    src_hit = vd == od[index]
    n = self_hit.copy()
    np.add.at(n, index, src_hit.astype(xd.dtype))
    return self_hit, src_hit, n


def _sr_self_rule(g, out, x, v, *, index, reduce, include_self):
    # sum: dL/dx = g. mean: g / n (n = values averaged at the position).
    # prod: g * prod(others) = g * scatter_reduce(x with its zeros set to 1, v) / (that x),
    #   exact where x is 0.
    # amax/amin: g shared evenly among self and the sent values that attain the extreme.
    # Positions written to with include_self=False get no gradient.
    if reduce == "sum":
        gx = g
    elif reduce == "mean":
        gx = g / R.like(_counts(x.shape, index, include_self).astype(R.data(g).dtype), g)
    elif reduce == "prod":
        masked = R.where(R.like(R.data(x) == 0, x), 1.0, x)
        gx = g * _sr(masked, v, index=index, reduce=reduce, include_self=include_self) / masked
    else:
        self_hit, _, n = _tie_counts(x, v, out, index)
        gx = g * R.like(self_hit / n, g)
    return gx if include_self else _zero_at(gx, index)


def _sr_src_rule(g, out, x, v, *, index, reduce, include_self):
    # sum: dL/dv = g[index]. mean: (g / n)[index]. amax/amin: the evenly shared g where v
    # attains the extreme.
    # prod: (g * out)[index] / v where v != 0; where v is the only zero sent to its position,
    #   g times the product with that zero set to 1; where several zeros meet, 0 (and, as in
    #   PyTorch, no second derivative: it would need the product without two factors).
    params = {"index": index, "reduce": reduce, "include_self": include_self}
    if reduce == "sum":
        return _take(g, index)
    if reduce == "mean":
        n = _counts(x.shape, index, include_self).astype(R.data(g).dtype)
        return _take(g / R.like(n, g), index)
    if reduce in ("amax", "amin"):
        _, src_hit, n = _tie_counts(x, v, out, index)
        return R.like(src_hit, g) * _take(g / R.like(n, g), index)
    vd = R.data(v)
    zero = vd == 0
    zeros_at = np.zeros(R.data(x).shape, dtype=np.int64)
    np.add.at(zeros_at, index, zero)
    zeros_at = zeros_at[index]
    single = zero & (zeros_at == 1)
    masked_v = R.where(R.like(single, v), 1.0, v)
    with_one = _take(g * _sr(x, masked_v, **params), index)
    plain = _take(g * out, index) / R.where(R.like(zero, v), 1.0, v)
    gv = R.where(R.like(single, g), with_one, plain)
    if isinstance(gv, Tensor) and (zeros_at > 1).any():
        return _primitive.first_order_only(gv, x, v, value=gv._data, op="scatter_reduce")
    return gv
_scatter_reduce.defvjp(_sr_self_rule, _sr_src_rule, saves_out=True)
# fmt: on


def _check_reduce_dtypes(input, src, reduce, name):
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype, got "
                           f"{_type_name(input._data.dtype)} and {_type_name(src._data.dtype)}")
    if reduce == "mean" and input._data.dtype == np.bool_:
        raise NotImplementedError(f"{name}(): reduce='mean' is not implemented for Bool "
                                  f"tensors")


def _as_1d(t):
    return reshape(t, (1,)) if t._data.ndim == 0 else t


def _result(out, input):
    return reshape(out, ()) if input._data.ndim == 0 else out


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce the values of ``src`` into ``input`` at ``index`` along ``dim`` (as
    ``scatter``): ``reduce`` is ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``;
    with ``include_self=False`` the values of ``input`` at the written positions are left
    out. Integer means round down, as PyTorch.

    Example:
        >>> import chainrule as cr
        >>> x = cr.tensor([1.0, 2.0])
        >>> x.scatter_reduce(0, cr.tensor([0, 0, 1]), cr.tensor([5.0, 3.0, 1.0]), "amax").tolist()
        [5.0, 2.0]
    """
    name = "scatter_reduce"
    if reduce not in _REDUCES:
        raise RuntimeError(f"{name}(): reduce argument must be either sum, prod, mean, amax or "
                           f"amin, got {reduce}")
    _tensor_arg(src, "src", name)
    nd = input._data.ndim
    d = normalize_dim(dim, nd, name)
    idx = as_operand(index)._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got "
                           f"{_type_name(idx.dtype)}")
    if idx.ndim != nd:
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions as "
                           f"self tensor ({idx.ndim} and {nd})")
    _check_reduce_dtypes(input, src, reduce, name)
    x, s = _as_1d(input), _as_1d(src)
    idx = idx.reshape(-1) if nd == 0 else idx
    xs, ss = x._data.shape, s._data.shape
    if s._data.ndim != idx.ndim or any(i > b for i, b in zip(idx.shape, ss)) or any(
            i > b for k, (i, b) in enumerate(zip(idx.shape, xs)) if k != d):
        raise RuntimeError(f"{name}(): Expected index {list(idx.shape)} to be no larger than "
                           f"self {list(xs)} apart from dimension {d} and to be no larger size "
                           f"than src {list(ss)}")
    if idx.size and (idx.min() < 0 or idx.max() >= xs[d]):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(f"{name}(): index {bad} is out of bounds for dimension {d} with "
                           f"size {xs[d]}")
    if ss != idx.shape:
        s = getitem(s, tuple(slice(0, n) for n in idx.shape))
    out = _scatter_reduce(x, s, index=_gather_index(idx, d), reduce=reduce,
                          include_self=bool(include_self))
    return _result(out, input)


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """Reduce the slices of ``source`` into the slices of ``input`` named by ``index`` along
    ``dim`` (as ``index_add``); ``reduce`` is ``'prod'``, ``'mean'``, ``'amax'`` or
    ``'amin'``; ``include_self`` as in :func:`scatter_reduce`.

    Example:
        >>> import chainrule as cr
        >>> x = cr.ones(2, 2)
        >>> x.index_reduce(0, cr.tensor([1, 1]), cr.tensor([[2.0, 3.0], [4.0, 5.0]]),
        ...                "prod").tolist()
        [[1.0, 1.0], [8.0, 15.0]]
    """
    name = "index_reduce"
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"{name}(): Expected reduce to be one of prod, mean, amax or amin "
                           f"but got {reduce}.")
    _tensor_arg(source, "source", name)
    nd = input._data.ndim
    d = normalize_dim(dim, nd, name)
    idx = as_operand(index)._data
    if idx.dtype.kind not in "iu":
        raise IndexError(f"{name}(): Expected dtype int64 or int32 for index, got "
                         f"{_type_name(idx.dtype)}")
    if idx.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector, but got dim: {idx.ndim} "
                         f"with size: {list(idx.shape)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): self ({_type_name(input._data.dtype)}) and source "
                           f"({_type_name(source._data.dtype)}) must have the same scalar type")
    if reduce == "mean" and input._data.dtype == np.bool_:
        raise NotImplementedError(f"{name}(): reduce='mean' is not implemented for Bool "
                                  f"tensors")
    x, s = _as_1d(input), _as_1d(source)
    idx = idx.reshape(-1)
    xs, ss = x._data.shape, s._data.shape
    if len(ss) != len(xs) or ss[:d] + ss[d + 1:] != xs[:d] + xs[d + 1:]:
        raise RuntimeError(f"{name}(): source tensor shape must match self tensor shape, "
                           f"excluding the specified dimension. Got self.shape = {list(xs)} "
                           f"source.shape = {list(ss)}")
    if idx.size != ss[d]:
        raise RuntimeError(f"{name}(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({ss[d]}), for dim: {d}")
    if idx.size and (idx.min() < 0 or idx.max() >= xs[d]):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{name}(): index {bad} is out of range for dimension {d} with size "
                         f"{xs[d]}")
    full = list(np.indices(ss, sparse=True))
    at = [1] * len(ss)
    at[d] = idx.size
    full[d] = idx.reshape(at)
    out = _scatter_reduce(x, s, index=tuple(full), reduce=reduce,
                          include_self=bool(include_self))
    return _result(out, input)


# ------------------------------------------------------------------ index writes
def _index_vector(index, name, kind_error, ndim_error):
    idx = as_operand(index)._data
    if idx.dtype != np.int64:
        raise kind_error(f"{name}(): Expected dtype int64 for index, but got "
                         f"{_type_name(idx.dtype)}")
    if idx.ndim > 1:
        raise ndim_error(f"{name}(): Index should have dimension 1 or 0 (got {idx.ndim})")
    return idx.reshape(-1)


def index_fill(input, dim, index, value):
    """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a
    number or a 0-D tensor, which then gets the gradient of every filled element).

    Example:
        >>> import chainrule as cr
        >>> cr.zeros(2, 3).index_fill(1, cr.tensor([0, 2]), 1.0).tolist()
        [[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]]
    """
    name = "index_fill"
    x = _as_1d(input)
    d = normalize_dim(dim, input._data.ndim, name)
    idx = _index_vector(index, name, IndexError, RuntimeError)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"{name}(): only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        v = cast(value, x._data.dtype)
    else:
        v = _wrap(np.array(value).astype(x._data.dtype))
    size = x._data.shape[d]
    if idx.size and (idx.min() < -size or idx.max() >= size):
        bad = idx.max() if idx.max() >= size else idx.min()
        raise IndexError(f"{name}(): index {bad} is out of bounds for dimension {d} with size "
                         f"{size}")
    out = _index_put(x, v, index=(slice(None),) * d + (idx,), accumulate=False)
    return _result(out, input)


def index_copy(input, dim, index, source):
    """A copy of ``input`` with the slices at ``index`` along ``dim`` replaced by the
    slices of ``source`` (in order).

    Example:
        >>> import chainrule as cr
        >>> cr.zeros(3).index_copy(0, cr.tensor([2, 0]), cr.tensor([5.0, 6.0])).tolist()
        [6.0, 0.0, 5.0]
    """
    name = "index_copy"
    _tensor_arg(source, "source", name)
    nd = input._data.ndim
    d = normalize_dim(dim, nd, name)
    idx = _index_vector(index, name, RuntimeError, IndexError)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): self and source expected to have the same dtype, but "
                           f"got (self) {_type_name(input._data.dtype)} and (source) "
                           f"{_type_name(source._data.dtype)}")
    x, s = _as_1d(input), _as_1d(source)
    if s._data.ndim != x._data.ndim:
        raise IndexError(f"{name}(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality "
                         f"({source._data.ndim}), destination dimensionality ({nd})")
    xs, ss = x._data.shape, s._data.shape
    if ss[d] != idx.size:
        raise IndexError(f"{name}(): Number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({ss[d]})")
    for k in range(len(xs)):
        if k != d and xs[k] != ss[k]:
            raise RuntimeError(f"{name}(): Source/destination tensor must have same slice "
                               f"shapes. Destination slice shape: {xs[k]} at dimension {k} and "
                               f"source slice shape: {ss[k]} at dimension {k}.")
    if idx.size and (idx.min() < 0 or idx.max() >= xs[d]):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{name}(): index {bad} is out of bounds for dimension {d} with size "
                         f"{xs[d]}")
    out = _index_put(x, s, index=(slice(None),) * d + (idx,), accumulate=False)
    return _result(out, input)


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``input[indices] = values`` (``+=`` when ``accumulate``:
    repeated indices then add up). ``indices`` is a tuple of index tensors (integer or bool),
    one per leading dimension; ``values`` broadcasts to the indexed shape.

    Example:
        >>> import chainrule as cr
        >>> cr.zeros(3).index_put((cr.tensor([0, 0]),), cr.tensor(1.0), accumulate=True).tolist()
        [2.0, 0.0, 0.0]
    """
    name = "index_put"
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{name}(): argument 'indices' must be a tuple of Tensors, not "
                        f"{type(indices).__name__}")
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected a tuple of Tensors, but got "
                            f"{type(t).__name__} at position {i}")
    _tensor_arg(values, "values", name)
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): Index put requires the source and destination dtypes "
                           f"match, got {_type_name(input._data.dtype)} for the destination "
                           f"and {_type_name(values._data.dtype)} for the source.")
    shape = input._data.shape
    try:
        idx = normalize_index(tuple(indices), shape)
        if len(idx) > len(shape):
            raise IndexError(f"too many indices for tensor of dimension {len(shape)} (got "
                             f"{len(idx)})")
        _check_bounds(idx, shape)
    except IndexError as e:
        raise IndexError(f"{name}(): {e}") from None
    try:
        lead = np.broadcast_shapes(*[np.shape(i) for i in idx])
    except ValueError:
        raise IndexError(f"{name}(): shape mismatch: indexing tensors could not be broadcast "
                         f"together with shapes {[list(np.shape(i)) for i in idx]}") from None
    region = tuple(lead) + shape[len(idx):]
    try:
        ok = np.broadcast_shapes(values._data.shape, region) == region
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"{name}(): shape mismatch: value tensor of shape "
                           f"{list(values._data.shape)} cannot be broadcast to indexing result "
                           f"of shape {list(region)}")
    return _index_put(input, values, index=idx, accumulate=bool(accumulate))


def masked_scatter(input, mask, source):
    """A copy of ``input`` (broadcast with ``mask``) whose elements where ``mask`` is True
    are, in row-major order, the first elements of ``source``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.tensor([True, False, True])
        >>> cr.zeros(3).masked_scatter(m, cr.tensor([1.0, 2.0, 3.0])).tolist()
        [1.0, 0.0, 2.0]
    """
    name = "masked_scatter"
    _tensor_arg(source, "source", name)
    m = as_operand(mask)._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"{name}(): only supports boolean masks, but got mask with dtype "
                           f"{_type_name(m.dtype)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): expected self and source to have same dtypes but got "
                           f"{_type_name(input._data.dtype)} and "
                           f"{_type_name(source._data.dtype)}")
    try:
        shape = np.broadcast_shapes(input._data.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"{name}(): the shape of the mask {list(m.shape)} is not "
                           f"broadcastable with the shape of self "
                           f"{list(input._data.shape)}") from None
    x = expand(input, shape)
    m = np.broadcast_to(m, shape)
    if not shape:  # a 0-D mask: all or nothing
        x, m = reshape(x, (1,)), m.reshape(1)
    where = np.nonzero(m)
    count = where[0].size
    if source._data.size < count:
        raise RuntimeError(f"{name}(): Number of elements of source ({source._data.size}) < "
                           f"number of ones in mask ({count})")
    v = reshape(source, (-1,))
    if v._data.size != count:
        v = getitem(v, slice(0, count))
    out = _index_put(x, v, index=where, accumulate=False)
    return reshape(out, ()) if not shape else out


def select_scatter(input, src, dim, index):
    """A copy of ``input`` with the slice at ``index`` along ``dim`` (``select``) replaced
    by ``src``.

    Example:
        >>> import chainrule as cr
        >>> cr.zeros(2, 2).select_scatter(cr.tensor([1.0, 2.0]), 0, 1).tolist()
        [[0.0, 0.0], [1.0, 2.0]]
    """
    name = "select_scatter"
    shape = input._data.shape
    if not shape:
        raise IndexError(f"{name}(): select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, len(shape), name)
    index = int(index)
    if not -shape[d] <= index < shape[d]:
        raise IndexError(f"{name}(): index {index} out of range for tensor of size "
                         f"{list(shape)} at dimension {d}")
    return _write_region(input, src, (slice(None),) * d + (index % shape[d],),
                         shape[:d] + shape[d + 1:], name)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with the slice ``start:end:step`` along ``dim`` replaced by
    ``src``.

    Example:
        >>> import chainrule as cr
        >>> cr.zeros(4).slice_scatter(cr.tensor([1.0, 2.0]), 0, 0, None, 2).tolist()
        [1.0, 0.0, 2.0, 0.0]
    """
    name = "slice_scatter"
    shape = input._data.shape
    d = normalize_dim(dim, len(shape), name)
    if step <= 0:
        raise RuntimeError(f"{name}(): slice step must be positive, got {step}")
    sl = slice(start, end, step)
    n = len(range(*sl.indices(shape[d]))) if shape else 1
    return _write_region(input, src, (slice(None),) * d + (sl,),
                         shape[:d] + (n,) + shape[d + 1:], name)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with its diagonal (as :func:`diagonal` with the same arguments)
    replaced by ``src``.

    Example:
        >>> import chainrule as cr
        >>> cr.zeros(2, 2).diagonal_scatter(cr.tensor([1.0, 2.0])).tolist()
        [[1.0, 0.0], [0.0, 2.0]]
    """
    shape = input._data.shape
    a1, a2 = _diag_dims(len(shape), dim1, dim2, "diagonal_scatter")
    idx = _diag_index(shape, int(offset), a1, a2)
    region = np.broadcast_shapes(*[i.shape for i in idx])
    return _write_region(input, src, idx, region, "diagonal_scatter")


def _write_region(input, src, index, region, name):
    _tensor_arg(src, "src", name)
    if tuple(src._data.shape) != tuple(region):
        raise RuntimeError(f"{name}(): expected src to have a size equal to the slice of self. "
                           f"src size = {list(src._data.shape)}, slice size = {list(region)}")
    return _index_put(input, cast(src, input._data.dtype), index=index, accumulate=False)


def take(input, index):
    """The elements of the flattened ``input`` at ``index`` (int64, any shape; negative
    counts from the end), shaped like ``index``.

    Example:
        >>> import chainrule as cr
        >>> cr.tensor([[1, 2], [3, 4]]).take(cr.tensor([0, -1])).tolist()
        [1, 4]
    """
    idx = as_operand(index)._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{_type_name(idx.dtype)}")
    n = input._data.size
    if idx.size:
        if n == 0:
            raise IndexError("take(): tried to take from an empty tensor")
        lo, hi = idx.min(), idx.max()
        if lo < -n or hi >= n:
            raise IndexError(f"take(): out of range: tried to access index "
                             f"{hi if hi >= n else lo} on a tensor of {n} elements.")
    flat = reshape(input, (-1,))
    if not flat._rg or not STATE.enabled:
        return _wrap(flat._data[idx])
    return _getitem(flat, index=(idx,))

