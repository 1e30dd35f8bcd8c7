"""Indexing (``x[...]``, gather, scatter...) and in-place writes, with their derivatives.

Reading ``x[index]`` sends its gradient back by adding ``g`` into a zero tensor at ``index``
(``numpy.add.at``, so repeated indices accumulate); writing is recorded as an out-of-place
``index_put`` whose result replaces the tensor's history (PyTorch's in-place semantics).
"""

from __future__ import annotations

import builtins
from warnings import warn as _warn

import numpy as np

from chainrule.autograd.grad_mode import STATE
from chainrule.autograd.primitive import primitive
from chainrule.ops._convert import as_operand
from chainrule.ops._convert import checked_scalar as _checked
from chainrule.ops.shape import normalize_dim
from chainrule.tensor import Tensor

_wrap = Tensor._wrap


# ------------------------------------------------------------------ index normalization
_BAD_INDEX = "tensors used as indices must be long, int, byte or bool tensors"


def normalize_index(index, shape=None):
    """Turn a user index into a NumPy index: tensors become arrays, bool masks become the
    integer arrays of their true positions (so every advanced index is an int array).

    As PyTorch: a uint8 tensor is a bool mask (with PyTorch's deprecation warning when it has
    dimensions), and a Python bool or 0-d bool/uint8 tensor adds a dimension of length 1
    (True) or 0 (False), which NumPy does for a scalar bool (it stays in the index as one).
    """
    if not isinstance(index, tuple):
        index = (index,)
    items = []
    masks = False
    for item in index:
        if isinstance(item, Tensor):
            item = item._data
        elif isinstance(item, list):
            item = np.asarray(item)
            if item.dtype.kind == "f":
                raise IndexError(_BAD_INDEX)
        if isinstance(item, np.ndarray):
            kind = item.dtype.kind
            if kind == "u" and item.dtype == np.uint8:
                if item.ndim:
                    _warn("indexing with dtype uint8 is deprecated (as in PyTorch): "
                                  "the uint8 tensor is taken as a bool mask; use a bool tensor "
                                  "instead", UserWarning, stacklevel=4)
                item = item != 0
                kind = "b"
            if kind == "b":
                masks = masks or item.ndim > 0
            elif kind not in "iu":
                raise IndexError(_BAD_INDEX)
        items.append(item)
    if not masks:
        return tuple(items)
    if shape is not None:
        _check_masks(items, shape)
    out = []
    for item in items:
        if isinstance(item, np.ndarray) and item.ndim and item.dtype == np.bool_:
            out.extend(np.nonzero(item))
        else:
            out.append(item)
    return tuple(out)


def _is_bool_scalar(item) -> bool:
    """A Python bool or 0-d bool array: it adds a dimension and consumes none."""
    return item.__class__ is bool or (isinstance(item, np.ndarray) and not item.ndim
                                      and item.dtype == np.bool_)


def _consumed(item) -> int:
    """How many dimensions of the indexed tensor one (array-converted) index item consumes."""
    if item is None or item is Ellipsis or _is_bool_scalar(item):
        return 0
    if isinstance(item, np.ndarray) and item.dtype == np.bool_:
        return item.ndim
    return 1


def _check_masks(index, shape):
    """A boolean mask must have the shape of the dimensions it indexes (IndexError if not)."""
    total = builtins.sum(_consumed(i) for i in index)
    dim = 0
    for item in index:
        if item is Ellipsis:
            dim += len(shape) - total
            continue
        arr = item
        if isinstance(arr, np.ndarray) and arr.dtype == np.bool_ and arr.ndim:
            want = tuple(shape[dim:dim + arr.ndim])
            for k, (m, s) in enumerate(zip(arr.shape, want)):
                if m != s:
                    raise IndexError(f"The shape of the mask {list(arr.shape)} at index {k} "
                                     f"does not match the shape of the indexed tensor "
                                     f"{list(want)} at index {k}")
            if len(want) < arr.ndim:
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
        dim += _consumed(item)


def _is_basic(index) -> bool:
    return not builtins.any(isinstance(i, np.ndarray) for i in index)


def _check_bounds(index, shape):
    """IndexError naming the dimension, size and offending index, before anything runs."""
    dim = 0
    n_real = builtins.sum(1 for i in index if i is not None and i is not Ellipsis
                          and not _is_bool_scalar(i))
    if n_real > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    for item in index:
        if item is None or _is_bool_scalar(item):
            continue
        if item is Ellipsis:
            dim += len(shape) - n_real
            continue
        if dim < len(shape) and isinstance(item, (int, np.integer)) and not isinstance(item,
                                                                                     bool):
            size = shape[dim]
            if not -size <= item < size:
                raise IndexError(f"index {item} is out of bounds for dimension {dim} with "
                                 f"size {size}")
        elif isinstance(item, np.ndarray) and item.size and dim < len(shape):
            size = shape[dim]
            lo, hi = item.min(), item.max()
            if lo < -size or hi >= size:
                bad = hi if hi >= size else lo
                raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size "
                                 f"{size}")
        dim += 1


# ------------------------------------------------------------------ primitives
def _scatter_into_zeros(g, shape, index):
    z = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        z[index] = g
    else:
        np.add.at(z, index, g)
    return z


# fmt: off
@primitive
def _getitem(x, *, index):
    return x[index]
_getitem.defvjp(lambda g, out, x, *, index: _unindex(g, shape=x.shape, index=index),
                saves_inputs=False)

@primitive
def _unindex_prim(g, *, shape, index):
    return _scatter_into_zeros(g, shape, index)
_unindex_prim.defvjp(lambda gg, out, g, *, shape, index: gg[index], saves_inputs=False)

@primitive
def _index_put(x, v, *, index, accumulate):
    out = x.copy()
    if accumulate:
        np.add.at(out, index, v)
    else:
        out[index] = v
    return out
_index_put.defvjp(lambda g, out, x, v, *, index, accumulate:
                  g if accumulate else _zero_at(g, index),
                  lambda g, out, x, v, *, index, accumulate: g[index],
                  saves_inputs=False)
# fmt: on


def _unindex(g, shape, index):
    if isinstance(g, Tensor):
        return _unindex_prim(g, shape=shape, index=index)
    return _scatter_into_zeros(g, shape, index)


def _zero_at(g, index):
    if isinstance(g, Tensor):
        return _index_put(g, _wrap(np.zeros((), g._data.dtype)), index=index, accumulate=False)
    z = g.copy()
    z[index] = 0
    return z


# ------------------------------------------------------------------ public
def getitem(input, index):
    idx = normalize_index(index, input._data.shape)
    _check_bounds(idx, input._data.shape)
    if not input._rg or not STATE.enabled:
        return _wrap(np.asarray(input._data[idx]))
    return _getitem(input, index=idx)


def _byte_mask_fill(index, value) -> bool:
    """Whether PyTorch sends ``x[index] = value`` to ``masked_fill_`` with a uint8 mask, which
    it rejects: a one-element value and a single tensor index (of >= 1 dimension) that is
    uint8. (With a bool mask that route gives the same result as indexing.)"""
    if isinstance(value, Tensor):
        if value._data.size != 1:
            return False
    elif not isinstance(value, (int, float, np.number)):
        return False
    found = None
    for item in index if isinstance(index, tuple) else (index,):
        arr = item._data if isinstance(item, Tensor) else item
        if isinstance(arr, list):
            arr = np.asarray(arr)
        if isinstance(arr, np.ndarray) and arr.ndim:
            if found is not None:
                return False
            found = arr
    return found is not None and found.dtype == np.uint8


def setitem(input, index, value):
    """``input[index] = value``, recorded in the graph when gradients are involved.

    A number written into an integer tensor is range-checked as PyTorch does (RuntimeError
    when it does not fit; an unsigned tensor also takes ``-max..-1``, which wrap).
    """
    if _byte_mask_fill(index, value):
        raise RuntimeError("setitem: masked_fill_ only supports boolean masks, but got mask "
                           "with dtype uint8 (PyTorch writes a one-element value through "
                           "masked_fill_ here); index with a bool tensor instead")
    idx = normalize_index(index, input._data.shape)
    _check_bounds(idx, input._data.shape)
    if input._data.dtype.kind in "iu" and isinstance(value, (int, float)):
        value = _checked(value, input._data.dtype, "setitem")
    value_rg = isinstance(value, Tensor) and value._rg
    if STATE.enabled and (input._rg or value_rg):
        v = as_operand(value)
        if v._data.dtype != input._data.dtype:
            v = v.to(input._data.dtype)
        inplace(input, lambda src: _index_put(src, v, index=idx, accumulate=False))
        return
    try:
        input._data[idx] = value._data if isinstance(value, Tensor) else value
    except ValueError as e:  # NumPy checks the shapes before it writes anything
        raise RuntimeError(f"setitem: {e}") from None
    input._version += 1


def inplace(self, compute, name="inplace op"):
    """Run ``compute(src)`` out of place and write the result into ``self``.

    When gradients are recorded, ``src`` stands for ``self``'s previous value (a copy that
    takes over its place in the graph) and ``self`` takes the result's history, so earlier
    uses of ``self`` keep their gradients and later uses see the new value.
    """
    data = self._data
    if not data.flags.writeable:
        raise RuntimeError(f"{name}: unsupported operation: the tensor is a broadcast "
                           f"(expanded) view whose elements share memory; clone() it first")
    src = _wrap(data)
    if STATE.enabled:
        if self.grad_fn is None and self._rg:
            raise RuntimeError("a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        src._rg = self._rg
        src.grad_fn = self.grad_fn
    new = compute(src)
    if new._rg and STATE.enabled and new._data is not data:
        # The op was recorded and its node may read src's values in backward: give src its
        # own copy of the old values before they are overwritten (only then: unrecorded
        # in-place ops cost no copy).
        src._data = data.copy()
    nd = new._data
    if nd.dtype != data.dtype and not _can_cast(nd.dtype, data.dtype):
        raise RuntimeError(f"result type {_type_name(nd.dtype)} can't be cast to the desired "
                           f"output type {_type_name(data.dtype)}")
    if nd.shape != data.shape:
        try:
            np.broadcast_to(nd, data.shape)
        except ValueError:
            raise RuntimeError(f"{name}: output with shape {list(data.shape)} doesn't match the "
                               f"broadcast shape {list(nd.shape)}") from None
    np.copyto(data, nd, casting="unsafe")
    if new._rg and STATE.enabled:
        old_fn = self.grad_fn
        self.grad_fn = new.grad_fn
        self._rg = True
        if self._retains_grad:  # .grad follows the tensor's latest value, as in PyTorch
            if old_fn is not None and old_fn.hooks:
                old_fn.hooks[:] = [h for h in old_fn.hooks
                                   if getattr(h, "retains", lambda: None)() is not self]
            self._retains_grad = False
            self.retain_grad()
    self._version += 1
    return self


def _can_cast(src, dst) -> bool:
    """PyTorch's rule for writing a result into a tensor of another dtype: any cast except
    floating to integer/bool and integer to bool (so int16 results go into uint8)."""
    ks, kd = src.kind, dst.kind
    if ks == "f":
        return kd == "f"
    return kd != "b" or ks == "b"


def _type_name(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(np.dtype(d).name, np.dtype(d).name)


def _gather_index(index, dim):
    """An advanced index picking ``input[i0, .., index[i], .., in]`` for every position."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


def _index_array(index, name, what="dtype int32/int64"):
    """The index argument of gather/scatter/index_* as an int32/int64 array (RuntimeError for
    other dtypes, as PyTorch)."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype != np.int64 and idx.dtype != np.int32:
        raise RuntimeError(f"{name}(): Expected {what} for index, got "
                           f"{_type_name(idx.dtype)}")
    return idx


def _check_range(idx, size, dim, name, error=RuntimeError):
    """Every index in ``[0, size)``: unlike ``x[i]``, gather/scatter/index_* take no negative
    indices (PyTorch raises; NumPy would wrap them). Raised before anything runs."""
    if idx.size:
        lo, hi = idx.min(), idx.max()
        if lo < 0 or hi >= size:
            raise error(f"{name}(): index {lo if lo < 0 else hi} is out of bounds for dimension "
                        f"{dim} with size {size}")


def _take(input, full):
    """``input[full]`` for a NumPy index already checked (recorded when gradients are)."""
    if not input._rg or not STATE.enabled:
        return _wrap(input._data[full])
    return _getitem(input, index=full)


def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` for ``dim == 1`` (and so on).

    Indices must lie in ``[0, size)`` (no negative indices, as PyTorch).

    Example:
        >>> import chainrule as cr
        >>> cr.gather(cr.tensor([[1, 2], [3, 4]]), 1, cr.tensor([[1, 1], [0, 1]]))
        tensor([[2, 2],
                [3, 4]])
    """
    nd = input._data.ndim
    d = normalize_dim(dim, nd, "gather")
    idx = _index_array(index, "gather")
    if idx.ndim != nd and not (nd == 0 and idx.ndim <= 1):
        raise RuntimeError("gather(): Index tensor must have the same number of dimensions as "
                           "input tensor")
    if nd == 0:  # a 0-d tensor gathers as one of shape [1]
        _check_range(idx, 1, 0, "gather")
        return _take(input.reshape(1), (idx.reshape(-1),)).reshape(idx.shape)
    for k in range(nd):
        if k != d and idx.shape[k] > input._data.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(idx.shape)} to be smaller than self "
                               f"{list(input._data.shape)} apart from dimension {d}")
    _check_range(idx, input._data.shape[d], d, "gather")
    return _take(input, _gather_index(idx, d))


def take_along_dim(input, indices, dim=None):
    """Pick values along ``dim`` at ``indices`` (broadcast against ``input``).

    As PyTorch, indices along ``dim`` are taken modulo its size (``-1`` is the last, and so
    is ``size - 1 + size``); with ``dim=None`` (the flattened input) they must be in range.

    Example:
        >>> import chainrule as cr
        >>> cr.take_along_dim(cr.tensor([[10, 20, 30]]), cr.tensor([[2, -1, 0]]), 1)
        tensor([[30, 30, 10]])
    """
    idx = as_operand(indices)
    if dim is None:
        return gather(input.reshape(-1), 0, idx.reshape(-1))
    ia = idx._data
    if ia.dtype != np.int64:
        raise RuntimeError(f"take_along_dim(): dtype of indices should be Long but got "
                           f"{_type_name(ia.dtype)}")
    nd = input._data.ndim
    d = normalize_dim(dim, nd, "take_along_dim")
    if nd == 0:
        return gather(input, d, _wrap(ia))
    xs, ishape = list(input._data.shape), list(ia.shape)
    if len(xs) != len(ishape):
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number "
                           f"of dimensions, but got {len(xs)} dimensions for input, and "
                           f"{len(ishape)} dimensions for indices")
    xs[d], ishape[d] = 1, 1
    b = np.broadcast_shapes(tuple(xs), tuple(ishape))
    xt = list(b)
    xt[d] = input._data.shape[d]
    it = list(b)
    it[d] = ia.shape[d]
    x = input.expand(tuple(xt)) if tuple(xt) != input._data.shape else input
    i = np.broadcast_to(ia, tuple(it))
    size = xt[d]
    if i.size and size and (i.min() < 0 or i.max() >= size):
        i = np.mod(i, size)  # an extra pass only when some index is outside [0, size)
    _check_range(i, size, d, "take_along_dim")
    return _take(x, _gather_index(i, d))


def _scatter(input, dim, index, src, accumulate, name):
    nd = input._data.ndim
    d = normalize_dim(dim, nd, name)
    idx = _index_array(index, name)
    if idx.ndim != nd:
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions as "
                           f"self tensor")
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype (got "
                               f"{_type_name(input._data.dtype)} and "
                               f"{_type_name(src._data.dtype)})")
    elif src is None:
        raise TypeError(f"{name}(): expected a src tensor or a value, got None")
    _check_range(idx, input._data.shape[d] if nd else 1, d, name)
    full = _gather_index(idx, d)
    if isinstance(src, Tensor):
        v = src[tuple(slice(0, s) for s in idx.shape)] if src._data.shape != idx.shape else src
    else:
        v = _wrap(np.broadcast_to(_checked(src, input._data.dtype, name), idx.shape))
    return _index_put(input, v, index=full, accumulate=accumulate)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """Out-of-place ``input[i][index[i][j]] = src[i][j]`` (``dim == 1``); ``src`` may be a
    number (or given as ``value``). Indices must lie in ``[0, size)``.

    Example:
        >>> import chainrule as cr
        >>> cr.scatter(cr.zeros(3), 0, cr.tensor([2, 0]), cr.tensor([5.0, 7.0]))
        tensor([7., 0., 5.])
    """
    if reduce is not None:
        if reduce == "add":
            return scatter_add(input, dim, index, src if src is not None else value)
        raise NotImplementedError(f"scatter(): reduce={reduce!r} is not supported")
    return _scatter(input, dim, index, src if src is not None else value, False, "scatter")


def scatter_add(input, dim, index, src):
    """Out-of-place ``input[i][index[i][j]] += src[i][j]`` (``dim == 1``); repeats add up.

    Example:
        >>> import chainrule as cr
        >>> cr.scatter_add(cr.zeros(3), 0, cr.tensor([2, 2]), cr.tensor([5.0, 7.0]))
        tensor([ 0.,  0., 12.])
    """
    return _scatter(input, dim, index, src, True, "scatter_add")


def index_select(input, dim, index):
    """The entries of ``input`` at ``index`` (a vector) along ``dim``.

    Indices must lie in ``[0, size)``: out of range raises IndexError, or RuntimeError along
    dimension 1 (PyTorch's CPU kernels differ there, and so does its error type).

    Example:
        >>> import chainrule as cr
        >>> cr.index_select(cr.tensor([[1, 2], [3, 4]]), 1, cr.tensor([1]))
        tensor([[2],
                [4]])
    """
    nd = input._data.ndim
    d = normalize_dim(dim, nd, "index_select")
    idx = _index_array(index, "index_select", "dtype int32 or int64")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    if nd == 0:
        if idx.size != 1:
            raise IndexError(f"index_select(): Index to scalar can have only 1 value, got "
                             f"{idx.size} value(s)")
        _check_range(idx, 1, 0, "index_select", IndexError)
        return _take(input.reshape(1), (idx,)).reshape(())
    _check_range(idx, input._data.shape[d], d, "index_select",
                 RuntimeError if d == 1 else IndexError)
    return _take(input, (slice(None),) * d + (idx,))


def index_add(input, dim, index, source, *, alpha=1):
    """Out-of-place ``input[..., index[j], ...] += alpha * source[..., j, ...]`` along ``dim``
    (repeats add up). Indices must lie in ``[0, size)``.

    Example:
        >>> import chainrule as cr
        >>> cr.index_add(cr.zeros(3), 0, cr.tensor([0, 0]), cr.tensor([1.0, 2.0]))
        tensor([3., 0., 0.])
    """
    nd = input._data.ndim
    d = normalize_dim(dim, nd, "index_add")
    idx = _index_array(index, "index_add_").reshape(-1)
    if isinstance(source, Tensor) and source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add_(): self ({_type_name(input._data.dtype)}) and source "
                           f"({_type_name(source._data.dtype)}) must have the same scalar type")
    _check_range(idx, input._data.shape[d] if nd else 1, d, "index_add")
    full = (slice(None),) * d + (idx,)
    src = source if alpha == 1 else source * alpha
    return _index_put(input, src, index=full, accumulate=True)


def masked_fill(input, mask, value):
    """``value`` where ``mask`` is True, else ``input`` (mask broadcasts)."""
    from chainrule.ops.elementwise import where

    m = as_operand(mask)
    if m._data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{m.dtype.name}")
    v = value if isinstance(value, Tensor) else _wrap(
        _checked(value, input._data.dtype, "masked_fill"))
    if v._data.dtype != input._data.dtype:
        v = v.to(input._data.dtype)
    return where(m, v, input)


def masked_select(input, mask):
    m = as_operand(mask)
    shape = np.broadcast_shapes(input._data.shape, m._data.shape)
    x = input.expand(shape)
    return getitem(x, _wrap(np.broadcast_to(m._data, shape)))


def nonzero(input, *, as_tuple=False):
    nz = np.nonzero(input._data)
    if as_tuple:
        return tuple(_wrap(a.astype(np.int64)) for a in nz)
    return _wrap(np.stack(nz, axis=1).astype(np.int64) if nz else np.zeros((0, 0), np.int64))


def argwhere(input):
    return nonzero(input)
