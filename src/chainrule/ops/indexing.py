"""Indexing (``x[...]``, gather, scatter...) and in-place writes, with their derivatives.

Reading ``x[index]`` sends its gradient back by adding ``g`` into a zero tensor at ``index``
(``numpy.add.at``, so repeated indices accumulate); writing is recorded as an out-of-place
``index_put`` whose result replaces the tensor's history (PyTorch's in-place semantics).
"""

from __future__ import annotations

import builtins

import numpy as np

from chainrule.autograd.grad_mode import STATE
from chainrule.autograd.primitive import primitive
from chainrule.ops._convert import as_operand
from chainrule.ops.shape import normalize_dim
from chainrule.tensor import Tensor

_wrap = Tensor._wrap


# ------------------------------------------------------------------ index normalization
def normalize_index(index, shape=None):
    """Turn a user index into a NumPy index: tensors become arrays, bool masks become the
    integer arrays of their true positions (so every advanced index is an int array)."""
    if not isinstance(index, tuple):
        index = (index,)
    if shape is not None:
        _check_masks(index, shape)
    out = []
    for item in index:
        if isinstance(item, Tensor):
            item = item._data
        elif isinstance(item, list):
            item = np.asarray(item)
            if item.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
        if isinstance(item, np.ndarray):
            if item.dtype == np.bool_:
                out.extend(np.nonzero(item))
                continue
            if item.dtype.kind not in "iu":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
        out.append(item)
    return tuple(out)


def _consumed(item) -> int:
    """How many dimensions of the indexed tensor one index item consumes."""
    if item is None or item is Ellipsis:
        return 0
    arr = item._data if isinstance(item, Tensor) else item
    if isinstance(arr, np.ndarray) and arr.dtype == np.bool_:
        return arr.ndim
    if isinstance(arr, list):
        a = np.asarray(arr)
        return a.ndim if a.dtype == np.bool_ else 1
    return 1


def _check_masks(index, shape):
    """A boolean mask must have the shape of the dimensions it indexes (IndexError if not)."""
    total = builtins.sum(_consumed(i) for i in index)
    dim = 0
    for item in index:
        if item is Ellipsis:
            dim += len(shape) - total
            continue
        arr = item._data if isinstance(item, Tensor) else item
        if isinstance(arr, list):
            arr = np.asarray(arr)
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
    n_real = builtins.sum(1 for i in index if i is not None and i is not Ellipsis)
    if n_real > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    for item in index:
        if item is None:
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


def setitem(input, index, value):
    """``input[index] = value``, recorded in the graph when gradients are involved."""
    idx = normalize_index(index, input._data.shape)
    _check_bounds(idx, input._data.shape)
    value_rg = isinstance(value, Tensor) and value._rg
    if STATE.enabled and (input._rg or value_rg):
        v = as_operand(value)
        if v._data.dtype != input._data.dtype:
            v = v.to(input._data.dtype)
        inplace(input, lambda src: _index_put(src, v, index=idx, accumulate=False))
        return
    input._data[idx] = value._data if isinstance(value, Tensor) else value
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
    if nd.dtype != data.dtype and not np.can_cast(nd.dtype, data.dtype, "same_kind"):
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


def _type_name(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "bool": "Bool"}.get(np.dtype(d).name, np.dtype(d).name)


def _gather_index(index, dim):
    """An advanced index picking ``input[i0, .., index[i], .., in]`` for every position."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` for ``dim == 1`` (and so on)."""
    nd = input._data.ndim
    d = normalize_dim(dim, nd, "gather")
    idx = as_operand(index)._data
    if idx.ndim != nd and not (nd == 0 and idx.ndim <= 1):
        raise RuntimeError("gather(): Index tensor must have the same number of dimensions as "
                           "input tensor")
    if idx.dtype.kind not in "iu":
        raise RuntimeError("gather(): Expected dtype int64 for index")
    for k in range(nd):
        if k != d and idx.shape[k] > input._data.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(idx.shape)} to be smaller than self "
                               f"{list(input._data.shape)} apart from dimension {d}")
    full = _gather_index(idx, d)
    if idx.size and (idx.min() < -input._data.shape[d] or idx.max() >= input._data.shape[d]):
        raise RuntimeError(f"gather(): index {idx.max()} is out of bounds for dimension {d} "
                           f"with size {input._data.shape[d]}")
    if not input._rg or not STATE.enabled:
        return _wrap(input._data[full])
    return _getitem(input, index=full)


def take_along_dim(input, indices, dim=None):
    """Pick values along ``dim`` at ``indices`` (broadcast against ``input``)."""
    idx = as_operand(indices)
    if dim is None:
        return gather(input.reshape(-1), 0, idx.reshape(-1))
    nd = input._data.ndim
    d = normalize_dim(dim, nd, "take_along_dim")
    xs, ishape = list(input._data.shape), list(idx._data.shape)
    xs[d], ishape[d] = 1, 1
    b = np.broadcast_shapes(tuple(xs), tuple(ishape))
    xt = list(b)
    xt[d] = input._data.shape[d]
    it = list(b)
    it[d] = idx._data.shape[d]
    x = input.expand(tuple(xt)) if tuple(xt) != input._data.shape else input
    i = _wrap(np.broadcast_to(idx._data, tuple(it)))
    return gather(x, d, i)


def _scatter(input, dim, index, src, accumulate, name):
    nd = input._data.ndim
    d = normalize_dim(dim, nd, name)
    idx = as_operand(index)._data
    if idx.ndim != nd:
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions as "
                           f"self tensor")
    full = _gather_index(idx, d)
    if isinstance(src, Tensor):
        v = src[tuple(slice(0, s) for s in idx.shape)] if src._data.shape != idx.shape else src
    else:
        v = _wrap(np.full(idx.shape, src, dtype=input._data.dtype))
    if v._data.dtype != input._data.dtype:
        v = v.to(input._data.dtype)
    return _index_put(input, v, index=full, accumulate=accumulate)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """Out-of-place ``input[i][index[i][j]] = src[i][j]`` (``dim == 1``); ``src`` may be a
    number (or given as ``value``)."""
    if reduce is not None:
        if reduce == "add":
            return scatter_add(input, dim, index, src if src is not None else value)
        raise NotImplementedError(f"scatter(): reduce={reduce!r} is not supported")
    return _scatter(input, dim, index, src if src is not None else value, False, "scatter")


def scatter_add(input, dim, index, src):
    """Out-of-place ``input[i][index[i][j]] += src[i][j]`` (``dim == 1``); repeats add up."""
    return _scatter(input, dim, index, src, True, "scatter_add")


def index_select(input, dim, index):
    d = normalize_dim(dim, input._data.ndim, "index_select")
    idx = as_operand(index)._data
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    return getitem(input, (slice(None),) * d + (idx.reshape(-1),))


def index_add(input, dim, index, source, *, alpha=1):
    d = normalize_dim(dim, input._data.ndim, "index_add")
    idx = (slice(None),) * d + (as_operand(index)._data.reshape(-1),)
    src = source if alpha == 1 else source * alpha
    return _index_put(input, src, index=idx, accumulate=True)


def masked_fill(input, mask, value):
    """``value`` where ``mask`` is True, else ``input`` (mask broadcasts)."""
    from chainrule.ops.elementwise import where

    m = as_operand(mask)
    if m._data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{m.dtype.name}")
    v = value if isinstance(value, Tensor) else _wrap(np.asarray(value, input._data.dtype))
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
