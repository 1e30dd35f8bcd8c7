"""Reductions (sum, mean, prod, amax, logsumexp, norm, cumsum...) and their derivatives.

``dim`` may be an int, a tuple of ints or None (all dimensions); ``keepdim`` keeps reduced
dimensions with size 1. The gradient of a reduction is the output gradient broadcast back over
the reduced dimensions (times the local derivative).
"""

from __future__ import annotations

import builtins as _builtins

import numpy as np

from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.ops._convert import float_operand
from chainrule.ops.shape import normalize_dims
from chainrule.tensor import Tensor

_wrap = Tensor._wrap


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _keep_shape(shape, axis):
    """``shape`` with the reduced axes set to 1 (what keepdim=True would give)."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


def _expand_back(g, x, axis):
    """Broadcast a reduction's gradient back to the input's shape."""
    return R.broadcast_to(R.reshape(g, _keep_shape(x.shape, axis)), x.shape)


# fmt: off
@primitive
def _sum(x, *, axis, keepdims):
    return np.sum(x, axis=axis, keepdims=keepdims)
_sum.defvjp(lambda g, out, x, *, axis, keepdims: _expand_back(g, x, axis), saves_inputs=False)

@primitive
def _mean(x, *, axis, keepdims):
    return np.mean(x, axis=axis, keepdims=keepdims)
_mean.defvjp(lambda g, out, x, *, axis, keepdims:
             _expand_back(g, x, axis) * (_numel(out.shape) / _numel(x.shape)
                                         if _numel(x.shape) else 0.0),
             saves_inputs=False)

@primitive
def _amax(x, *, axis, keepdims):
    return np.amax(x, axis=axis, keepdims=keepdims)

@primitive
def _amin(x, *, axis, keepdims):
    return np.amin(x, axis=axis, keepdims=keepdims)

def _extreme_rule(g, out, x, *, axis, keepdims):
    # The gradient is shared evenly among the elements that attain the extreme value.
    hit = x == _expand_back(out, x, axis)
    count = R.sum(hit, axis=axis, keepdims=True)
    return _expand_back(g, x, axis) * hit / count
_amax.defvjp(_extreme_rule, saves_out=True)
_amin.defvjp(_extreme_rule, saves_out=True)

@primitive
def _logsumexp(x, *, axis, keepdims):
    m = np.amax(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    r = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)
# d logsumexp(x)/dx = softmax(x) = exp(x - logsumexp(x))
_logsumexp.defvjp(lambda g, out, x, *, axis, keepdims:
                  _expand_back(g, x, axis) * R.exp(x - _expand_back(out, x, axis)),
                  saves_out=True)

@primitive
def _prod(x, *, axis, keepdims):
    return np.prod(x, axis=axis, keepdims=keepdims)

def _prod_rule(g, out, x, *, axis, keepdims):
    # d prod / d x_i = product of the other elements. On arrays it is computed without
    # dividing by x_i, so zeros are handled exactly; under create_graph it is out / x_i
    # (differentiable) unless x has zeros, where the exact product enters as a constant.
    xd = R.data(x)
    if isinstance(x, np.ndarray) or not (xd == 0).any():
        others = (_product_of_others(xd, axis) if isinstance(x, np.ndarray)
                  else _expand_back(out, x, axis) / x)
    else:
        others = R.like(_product_of_others(xd, axis), x)
    return _expand_back(g, x, axis) * others
_prod.defvjp(_prod_rule, saves_out=True)

@primitive
def _cumsum(x, *, axis):
    return np.cumsum(x, axis=axis)
# y_j = sum_{i<=j} x_i, so dL/dx_i = sum_{j>=i} g_j: a reversed cumulative sum.
_cumsum.defvjp(lambda g, out, x, *, axis: R.flip(R.cumsum(R.flip(g, axis), axis), axis),
               saves_inputs=False)

@primitive
def _vector_norm(x, *, ord, axis, keepdims):  # noqa: A002
    a = np.abs(x)
    if ord == np.inf:
        return np.amax(a, axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return np.amin(a, axis=axis, keepdims=keepdims)
    if ord == 2:
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    if ord == 1:
        return np.sum(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return np.sum(a != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
    with np.errstate(divide="ignore"):  # 0 ** (negative p) is inf, so the norm is 0
        return np.sum(a ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)

def _norm_rule(g, out, x, *, ord, axis, keepdims):  # noqa: A002
    n = _expand_back(out, x, axis)
    gx = _expand_back(g, x, axis)
    if ord == 1:
        return gx * R.sign(x)
    if ord == 0:
        return gx * 0
    if ord == np.inf or ord == -np.inf:  # the largest (smallest) |x_i|: as max (min)
        return _extreme_rule(g, out, x * R.sign(x), axis=axis, keepdims=keepdims) * R.sign(x)
    # d ||x||_p / d x_i = x_i |x_i|^(p-2) / ||x||^(p-1); taken as 0 where the norm is 0.
    safe = R.where(n == 0, 1.0, n)
    if ord == 2:
        return R.where(n == 0, 0.0, gx * x / safe)
    # ... and where x_i is 0 (as PyTorch): for p < 2, |x_i|^(p-2) is infinite there
    zero = (n == 0) | (x == 0)
    safe_x = R.where(x == 0, 1.0, x)
    return R.where(zero, 0.0, gx * safe_x * abs(safe_x) ** (ord - 2) / safe ** (ord - 1))
_vector_norm.defvjp(_norm_rule, saves_out=True)
@primitive
def _std(x, *, axis, correction, keepdims):
    n = x.size if axis is None else int(np.prod([x.shape[a] for a in axis]))
    d = x - np.mean(x, axis=axis, keepdims=True)
    return np.sqrt(np.sum(d * d, axis=axis, keepdims=keepdims) / _builtins.max(n - correction,
                                                                                0))

def _std_rule(g, out, x, *, axis, correction, keepdims):
    # d std / d x_i = (x_i - mean) / ((n - correction) * std); 0 where std == 0.
    n = _numel(x.shape) // _numel(out.shape) if _numel(out.shape) else 0
    s = _expand_back(out, x, axis)
    centered = x - _expand_back(R.sum(x, axis=axis, keepdims=keepdims) / n, x, axis)
    safe = R.where(s == 0, 1.0, s)
    return R.where(s == 0, 0.0, _expand_back(g, x, axis) * centered /
                   (safe * _builtins.max(n - correction, 0)))
_std.defvjp(_std_rule, saves_out=True)
# fmt: on


def _product_of_others(x, axis):
    if axis is None:
        axis = tuple(range(x.ndim))
    moved = np.moveaxis(x, axis, tuple(range(x.ndim - len(axis), x.ndim)))
    lead = moved.shape[: x.ndim - len(axis)]
    flat = moved.reshape(lead + (-1,))
    ones = np.ones(lead + (1,), dtype=x.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (before * after).reshape(moved.shape)
    return np.moveaxis(others, tuple(range(x.ndim - len(axis), x.ndim)), axis)


def _axes(input, dim, name):
    return normalize_dims(dim, input._data.ndim, name)


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None):  # noqa: A001
    """Sum over ``dim`` (all dimensions when None). Bool/int tensors sum to int64."""
    dim = axis if dim is None else dim
    x = input
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        x = x.to(np.dtype(np.int64))
    return _sum(x, axis=_axes(x, dim, "sum"), keepdims=keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Mean over ``dim`` (all dimensions when None); floating tensors only, as PyTorch."""
    dim = axis if dim is None else dim
    x = input if dtype is None else input.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {x.dtype.name.capitalize()}")
    return _mean(x, axis=_axes(x, dim, "mean"), keepdims=keepdim)


def nansum(input, dim=None, keepdim=False):
    from chainrule.ops.elementwise import isnan, where

    if input._data.dtype.kind != "f":
        return sum(input, dim, keepdim)
    return sum(where(isnan(input), 0.0, input), dim, keepdim)


def _int64_if_integral(x):
    """Integer and bool tensors reduce in int64, as PyTorch."""
    if x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        return x.to(np.dtype(np.int64))
    return x


def prod(input, dim=None, keepdim=False, *, dtype=None):
    x = _int64_if_integral(input) if dtype is None else input.to(dtype)
    ax = None if dim is None else _axes(x, dim, "prod")
    return _prod(x, axis=ax, keepdims=keepdim)


def amax(input, dim=(), keepdim=False):
    """Maximum over ``dim`` (all when empty); the gradient is shared among ties."""
    ax = None if dim == () or dim is None else _axes(input, dim, "amax")
    _check_nonempty(input, ax, "amax")
    return _amax(input, axis=ax, keepdims=keepdim)


def amin(input, dim=(), keepdim=False):
    """Minimum over ``dim`` (all when empty); the gradient is shared among ties."""
    ax = None if dim == () or dim is None else _axes(input, dim, "amin")
    _check_nonempty(input, ax, "amin")
    return _amin(input, axis=ax, keepdims=keepdim)


def _check_nonempty(x, ax, name):
    if x._data.size == 0:
        raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                         f"== 0. Specify the reduction dim with the 'dim' argument.")


class _MinMax(tuple):
    """``(values, indices)`` as returned by ``max(dim=...)``; also ``.values``/``.indices``."""

    __slots__ = ()

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def _max_min(input, dim, keepdim, other, pick, name):
    if isinstance(dim, Tensor):
        from chainrule.ops import elementwise

        return (elementwise.maximum if name == "max" else elementwise.minimum)(input, dim)
    if dim is None:
        return (amax if name == "max" else amin)(input)
    from chainrule.ops.indexing import take_along_dim

    d = _axes(input, dim, name)[0]
    _check_nonempty(input, None, name)
    idx = pick(input._data, axis=d, keepdims=True)
    values = take_along_dim(input, _wrap(idx), d)
    if not keepdim:
        values = values.squeeze(d)
        idx = np.squeeze(idx, axis=d)
    return _MinMax((values, _wrap(idx)))


def max(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    """``max(x)``: the largest value; ``max(x, dim)``: ``(values, indices)`` along ``dim``
    (the gradient goes to the selected index); ``max(x, y)``: elementwise maximum."""
    return _max_min(input, dim, keepdim, other, np.argmax, "max")


def min(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    """Counterpart of :func:`max`."""
    return _max_min(input, dim, keepdim, other, np.argmin, "min")


def argmax(input, dim=None, keepdim=False):
    if dim is None:  # the index into the flattened input (keepdim: all dims of size 1)
        flat = np.asarray(np.argmax(input._data), dtype=np.int64)
        return _wrap(flat.reshape((1,) * input._data.ndim) if keepdim else flat)
    d = _axes(input, dim, "argmax")[0]
    return _wrap(np.argmax(input._data, axis=d, keepdims=keepdim).astype(np.int64))


def argmin(input, dim=None, keepdim=False):
    if dim is None:  # the index into the flattened input (keepdim: all dims of size 1)
        flat = np.asarray(np.argmin(input._data), dtype=np.int64)
        return _wrap(flat.reshape((1,) * input._data.ndim) if keepdim else flat)
    d = _axes(input, dim, "argmin")[0]
    return _wrap(np.argmin(input._data, axis=d, keepdims=keepdim).astype(np.int64))


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) over ``dim``, computed stably (shifted by the maximum)."""
    x = float_operand(input)
    return _logsumexp(x, axis=_axes(x, dim, "logsumexp"), keepdims=keepdim)


def cumsum(input, dim, *, dtype=None):
    x = _int64_if_integral(input) if dtype is None else input.to(dtype)
    if x._data.ndim == 0:  # a 0-d tensor scans as one element (dim must be 0 or -1)
        _axes(x.reshape(1), dim, "cumsum")
        return _cumsum(x.reshape(1), axis=0).reshape(())
    return _cumsum(x, axis=_axes(x, dim, "cumsum")[0])


def var(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """Variance over ``dim``; divides by ``N - correction`` (``unbiased=False`` means 0)."""
    if unbiased is not None:
        correction = 1 if unbiased else 0
    x = float_operand(input)
    ax = _axes(x, dim, "var")
    n = x._data.size if ax is None else int(np.prod([x._data.shape[a] for a in ax]))
    centered = x - _mean(x, axis=ax, keepdims=True)
    ss = _sum(centered * centered, axis=ax, keepdims=keepdim)
    return ss / _builtins.max(n - correction, 0)


def std(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """Standard deviation ``sqrt(var(...))``; its gradient is 0 where it is 0 (as PyTorch)."""
    if unbiased is not None:
        correction = 1 if unbiased else 0
    x = float_operand(input)
    ax = _axes(x, dim, "std")
    return _std(x, axis=ax, correction=correction, keepdims=keepdim)


def var_mean(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    return (var(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased),
            mean(input, dim, keepdim))


def std_mean(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    return (std(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased),
            mean(input, dim, keepdim))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over ``dim`` (``"fro"`` is the 2-norm of all values)."""
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":  # the sum of singular values, over the two dims (a matrix's by default)
        from chainrule.linalg import matrix_norm

        if dim is None and input.ndim != 2:
            raise RuntimeError(f"norm: the nuclear norm without dim needs a matrix, got a "
                               f"{input.ndim}-D tensor (pass dim=(-2, -1) for a batch)")
        return matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim)
    return vector_norm(input, p, dim, keepdim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    x = float_operand(x)
    ord = float(ord)  # noqa: A001
    return _vector_norm(x, ord=ord, axis=_axes(x, dim, "norm"), keepdims=keepdim)


def all(input, dim=None, keepdim=False):  # noqa: A001
    ax = None if dim is None else _axes(input, dim, "all")
    return _wrap(np.asarray(np.all(input._data, axis=ax, keepdims=keepdim)))


def any(input, dim=None, keepdim=False):  # noqa: A001
    ax = None if dim is None else _axes(input, dim, "any")
    return _wrap(np.asarray(np.any(input._data, axis=ax, keepdims=keepdim)))


def count_nonzero(input, dim=None):
    ax = None if dim is None else _axes(input, dim, "count_nonzero")
    return _wrap(np.asarray(np.count_nonzero(input._data, axis=ax), dtype=np.int64))


def sort(input, dim=-1, descending=False, stable=False):
    """``(values, indices)`` sorted along ``dim``; values carry the gradient back to where
    they came from."""
    from chainrule.ops.indexing import take_along_dim

    d = _axes(input, dim, "sort")[0] if input._data.ndim else 0
    if input._data.ndim == 0:
        return _MinMax((input, _wrap(np.zeros((), np.int64))))
    idx = _sort_order(input._data, d, descending)
    return _MinMax((take_along_dim(input, _wrap(idx), d), _wrap(idx)))


def _sort_order(x, axis, descending):
    """Stable sorting indices along ``axis`` (int64); NaN counts as the largest value.

    Descending order is the stable ascending order of the reversed array, read backwards
    (not an ascending sort of ``-x``, which would put NaN last, wrap unsigned integers
    around and refuse bools); ties keep their original order either way.
    """
    if not descending:
        return np.argsort(x, axis=axis, kind="stable").astype(np.int64)
    n = x.shape[axis]
    rev = np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)
    return (n - 1 - rev).astype(np.int64)


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable)[1]


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    from chainrule.ops.indexing import take_along_dim

    d = _axes(input, dim, "topk")[0]
    n = input._data.shape[d]
    if not 0 <= k <= n:
        raise RuntimeError(f"topk(): selected index k out of range (k={k}, size {n} at dim {d})")
    idx = np.take(_sort_order(input._data, d, largest), np.arange(k), axis=d)
    return _MinMax((take_along_dim(input, _wrap(idx), d), _wrap(idx)))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    res = np.unique(input._data, return_inverse=return_inverse, return_counts=return_counts,
                    axis=dim)
    if not isinstance(res, tuple):
        return _wrap(res)
    out = [_wrap(res[0])] + [_wrap(np.asarray(r, dtype=np.int64).reshape(
        input._data.shape if (return_inverse and i == 0 and dim is None) else -1))
        for i, r in enumerate(res[1:])]
    return tuple(out)


def bincount(input, weights=None, minlength=0):
    w = None if weights is None else weights._data
    r = np.bincount(input._data, w, minlength)
    if w is None:
        return _wrap(r.astype(np.int64))
    # weighted sums are float64, except with float32 weights (as PyTorch)
    return _wrap(r.astype(np.float32) if w.dtype == np.float32 else r)
