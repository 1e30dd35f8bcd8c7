"""Cumulative (scan) ops along a dimension and their derivatives.

``cumprod``, ``logcumsumexp`` (primitives with hand-derived rules), ``cummax``/``cummin``
(the values are gathered at the running arg-extreme, so the gradient goes to that index) and
``diff`` (a composite of slices and subtraction). ``cumsum`` lives in ``reduction``.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.ops.reduction import _int64_if_integral, _MinMax
from chainrule.ops.shape import normalize_dim
from chainrule.tensor import Tensor

__all__: list[str] = ["cumprod", "cummax", "cummin", "logcumsumexp", "diff", "trapezoid",
                      "trapz", "cumulative_trapezoid"]

# Names bound as Tensor methods (``x.name(...)``) and, with a trailing underscore, as
# in-place methods (``x.name_(...)``), by ``chainrule.ops._methods``.
TENSOR_METHODS = "cumprod cummax cummin logcumsumexp diff"
INPLACE_METHODS = "cumprod"

_wrap = Tensor._wrap


def _rev_cumsum(v, axis):
    """``s_i = sum_{j >= i} v_j`` along ``axis`` (arrays or Tensors)."""
    return R.flip(R.cumsum(R.flip(v, axis), axis), axis)


def _tensors(*xs):
    """All of ``xs`` as Tensors when any is one (a rule under create_graph), else as given."""
    if any(isinstance(x, Tensor) for x in xs):
        return [x if isinstance(x, Tensor) else _wrap(np.asarray(x)) for x in xs]
    return list(xs)


# fmt: off
# ------------------------------------------------------------------ cumprod
@primitive
def _cumprod(x, *, axis):
    return np.cumprod(x, axis=axis)

def _cumprod_rule(g, out, x, *, axis):
    # y_j = prod_{k<=j} x_k, so dL/dx_i = sum_{j>=i} g_j prod_{k<=j, k!=i} x_k = E_i A_i with
    #   E_i = prod_{k<i} x_k = y_{i-1}  and  A_i = sum_{j>=i} g_j prod_{i<k<=j} x_k.
    # Without zeros, E_i A_i = (sum_{j>=i} g_j y_j) / x_i.
    if not (R.data(x) == 0).any():
        return _rev_cumsum(g * out, axis) / x
    return _shifted(out, axis) * _cumprod_suffix(g, x, axis)
_cumprod.defvjp(_cumprod_rule, saves_out=True)


# ------------------------------------------------------------------ logcumsumexp
@primitive
def _logcumsumexp(x, *, axis):
    return np.logaddexp.accumulate(x, axis=axis)
# out_j = log sum_{k<=j} exp(x_k), so dL/dx_i = sum_{j>=i} g_j exp(x_i - out_j) = suffix(g).
_logcumsumexp.defvjp(lambda g, out, x, *, axis: _suffix(g, x, out, axis), saves_out=True)


# The two weighted scans of logcumsumexp's derivatives, with K_ij = exp(x_i - out_j) for
# i <= j (0 elsewhere, and 0 where out_j = -inf, i.e. all x_{<=j} are -inf):
#   suffix(v; x, out)_i = sum_{j>=i} K_ij v_j        prefix(h; x, out)_j = sum_{i<=j} K_ij h_i
# Both are linear in their first argument and transposes of each other, and their derivatives
# are again suffix/prefix scans:
#   d suffix_i / d x_i = suffix_i          d suffix / d out_j: -v_j prefix(upstream)_j
#   d prefix / d x_i: h_i suffix(upstream)_i   d prefix_j / d out_j = -prefix_j
# so derivatives of any order stay stable. Each is computed in log space, split by the sign
# of v (h): a logcumsumexp of log|v| - out (log|h| + x), so no exp can overflow.
@primitive
def _suffix_prim(v, x, out, *, axis):
    return _suffix_np(v, x, out, axis)
_suffix_prim.defvjp(
    lambda k, s, v, x, out, *, axis: _prefix(k, x, out, axis),
    lambda k, s, v, x, out, *, axis: k * s,
    lambda k, s, v, x, out, *, axis: -v * _prefix(k, x, out, axis),
    saves_out=True)

@primitive
def _prefix_prim(h, x, out, *, axis):
    return _prefix_np(h, x, out, axis)
_prefix_prim.defvjp(
    lambda k, p, h, x, out, *, axis: _suffix(k, x, out, axis),
    lambda k, p, h, x, out, *, axis: h * _suffix(k, x, out, axis),
    lambda k, p, h, x, out, *, axis: -k * p,
    saves_out=True)
# fmt: on


def _signed_log(v, live):
    """``log(v)`` where ``v > 0`` and live, -inf elsewhere (and likewise for ``-v``)."""
    with np.errstate(divide="ignore"):
        pos = np.where((v > 0) & live, np.log(np.where(v > 0, v, 1)), -np.inf)
        neg = np.where((v < 0) & live, np.log(np.where(v < 0, -v, 1)), -np.inf)
    return pos, neg


def _suffix_np(v, x, out, axis):
    live = out > -np.inf
    res = np.zeros(np.broadcast_shapes(v.shape, x.shape), dtype=x.dtype)
    safe_out = np.where(live, out, 0)
    with np.errstate(invalid="ignore", over="ignore"):
        for sign, lv in zip((1, -1), _signed_log(v, live)):
            if np.isneginf(lv).all():
                continue
            s = np.flip(np.logaddexp.accumulate(np.flip(lv - safe_out, axis), axis=axis), axis)
            res = res + sign * np.exp(x + s)
    return res.astype(x.dtype, copy=False)


def _prefix_np(h, x, out, axis):
    live = out > -np.inf
    res = np.zeros(np.broadcast_shapes(h.shape, x.shape), dtype=x.dtype)
    safe_out = np.where(live, out, 0)
    with np.errstate(invalid="ignore", over="ignore"):
        for sign, lh in zip((1, -1), _signed_log(h, np.ones_like(live))):
            if np.isneginf(lh).all():
                continue
            s = np.logaddexp.accumulate(lh + x, axis=axis)
            res = res + sign * np.where(live, np.exp(s - safe_out), 0)
    return res.astype(x.dtype, copy=False)


def _suffix(v, x, out, axis):
    v, x, out = _tensors(v, x, out)
    if isinstance(v, Tensor):
        return _suffix_prim(v, x, out, axis=axis)
    return _suffix_np(v, x, out, axis)


def _prefix(h, x, out, axis):
    h, x, out = _tensors(h, x, out)
    if isinstance(h, Tensor):
        return _prefix_prim(h, x, out, axis=axis)
    return _prefix_np(h, x, out, axis)


def _take(v, idx, axis):
    """``v`` picked at ``idx`` along ``axis`` (arrays; or Tensors, differentiably)."""
    if isinstance(v, Tensor):
        from chainrule.ops.indexing import gather

        return gather(v, axis, _wrap(idx))
    return np.take_along_axis(v, idx, axis)


def _positions(shape, axis):
    view = [1] * len(shape)
    view[axis] = shape[axis]
    return np.broadcast_to(np.arange(shape[axis]).reshape(view), shape)


def _shifted(y, axis):
    """``E_i = y_{i-1}`` along ``axis``, with ``E_0 = 1`` (the exclusive cumprod)."""
    pos = _positions(y.shape, axis)
    return R.where(pos == 0, 1.0, _take(y, np.maximum(pos - 1, 0), axis))


def _cumprod_suffix(g, x, axis):
    """``A_i = sum_{j>=i} g_j prod_{i<k<=j} x_k`` when ``x`` has zeros: its value, and its first
    derivatives (so cumprod's second derivatives are exact).

    Split at z, the next zero after i: A_i = S_i + P_i x_z A_z, where S_i sums over the zero-free
    run j in [i, z) and P_i = prod_{i<k<z} x_k. As x_z = 0, the last term is 0 but its
    derivative in x_z is P_i A_z = P_i S_z (the terms past the zero after z vanish to first
    order). Within a run, prod_{i<k<=j} x_k = c_j / c_i with c the cumprod restarted at each
    zero (c_i != 0), so S_i = (sum over the run's j >= i of g_j c_j) / c_i.
    """
    zero = R.data(x) == 0
    shape = zero.shape
    n = shape[axis]
    pos = _positions(shape, axis)
    prev = np.maximum.accumulate(np.where(zero, pos, -1), axis=axis)       # last zero <= i
    ahead = np.flip(np.minimum.accumulate(np.flip(np.where(zero, pos, n), axis), axis=axis),
                    axis)                                                    # first zero >= i
    nxt = np.concatenate([np.take(ahead, np.arange(1, n), axis=axis),
                          np.full(np.take(ahead, [0], axis=axis).shape, n)], axis=axis)
    has_next = nxt < n
    nxt_c = np.minimum(nxt, n - 1)
    ones_at_zeros = R.where(zero, 1.0, x)
    full = (_cumprod(ones_at_zeros, axis=axis) if isinstance(ones_at_zeros, Tensor)
            else np.cumprod(ones_at_zeros, axis=axis))
    c = R.where(prev < 0, full, full / _take(full, np.maximum(prev, 0), axis))
    run = _rev_cumsum(g * c, axis)
    s = (run - R.where(has_next, _take(run, nxt_c, axis), 0.0)) / c
    p = _take(c, np.maximum(nxt_c - 1, 0), axis) / c
    later = p * _take(x, nxt_c, axis) * _take(s, nxt_c, axis)
    return s + R.where(has_next, later, 0.0)


# ------------------------------------------------------------------ public
def _scan_dim(input, dim, name):
    return normalize_dim(dim, input._data.ndim, name)


def cumprod(input, dim, *, dtype=None):
    """Cumulative product along ``dim``; integer and bool inputs give int64 (as PyTorch).

    The gradient is exact when the input has zeros (no division by them).

    >>> import chainrule as cr
    >>> cr.cumprod(cr.tensor([1.0, 2.0, 3.0]), 0)
    tensor([1., 2., 6.])
    """
    d = _scan_dim(input, dim, "cumprod")
    x = _int64_if_integral(input) if dtype is None else input.to(dtype)
    if x._data.ndim == 0:
        return _cumprod(x.reshape(1), axis=0).reshape(())
    return _cumprod(x, axis=d)


def _cum_extreme(input, dim, name, ufunc):
    from chainrule.ops.indexing import gather

    d = _scan_dim(input, dim, name)
    if input._data.ndim == 0:
        return _MinMax((input.clone(), _wrap(np.zeros((), np.int64))))
    x = input._data
    running = ufunc.accumulate(x, axis=d)
    # The index of the running extreme: the last position at or before i that holds it (ties
    # move it forward, as PyTorch); NaN propagates and each NaN takes the index over.
    hit = x == running
    if x.dtype.kind == "f":
        hit |= np.isnan(x)
    shape = [1] * x.ndim
    shape[d] = x.shape[d]
    pos = np.arange(x.shape[d], dtype=np.int64).reshape(shape)
    idx = np.maximum.accumulate(np.where(hit, pos, -1), axis=d) if x.size else \
        np.zeros(x.shape, np.int64)
    return _MinMax((gather(input, d, _wrap(idx)), _wrap(idx)))


def cummax(input, dim):
    """``(values, indices)``: the running maximum along ``dim`` and where it was attained
    (the latest position among ties). The gradient goes to those positions.

    >>> import chainrule as cr
    >>> cr.cummax(cr.tensor([1.0, 3.0, 2.0]), 0).indices
    tensor([0, 1, 1])
    """
    return _cum_extreme(input, dim, "cummax", np.maximum)


def cummin(input, dim):
    """``(values, indices)``: the running minimum along ``dim`` (see :func:`cummax`).

    >>> import chainrule as cr
    >>> cr.cummin(cr.tensor([2.0, 1.0, 3.0]), 0).values
    tensor([2., 1., 1.])
    """
    return _cum_extreme(input, dim, "cummin", np.minimum)


def logcumsumexp(input, dim):
    """``log(cumsum(exp(x)))`` along ``dim``, computed without overflow; floating inputs
    only (as PyTorch).

    >>> import chainrule as cr
    >>> cr.logcumsumexp(cr.tensor([0.0, 0.0]), 0).exp()
    tensor([1., 2.])
    """
    d = _scan_dim(input, dim, "logcumsumexp")
    if input._data.dtype.kind != "f":
        from chainrule.ops.indexing import _type_name

        raise NotImplementedError(f"logcumsumexp(): not implemented for dtype "
                                  f"{_type_name(input._data.dtype)}; expected a floating tensor")
    if input._data.ndim == 0:
        return _logcumsumexp(input.reshape(1), axis=0).reshape(())
    return _logcumsumexp(input, axis=d)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference ``x[i+1] - x[i]`` along ``dim`` (``prepend`` and
    ``append`` are joined on first); bool tensors give ``x[i+1] != x[i]``.

    >>> import chainrule as cr
    >>> cr.diff(cr.tensor([1, 3, 6, 10]))
    tensor([2, 3, 4])
    """
    from chainrule.ops.elementwise import logical_xor
    from chainrule.ops.shape import cat, narrow

    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"diff(): argument 'n' must be int, not {type(n).__name__}")
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("diff(): expects input to be at least one-dimensional, got a 0-d "
                           "tensor")
    if n < 0:
        raise RuntimeError(f"diff(): order must be non-negative but got {n}")
    d = normalize_dim(dim, nd, "diff")
    parts = []
    for label, t in (("prepend", prepend), ("input", input), ("append", append)):
        if t is None:
            continue
        if not isinstance(t, Tensor):
            raise TypeError(f"diff(): argument '{label}' must be Tensor, not "
                            f"{type(t).__name__}")
        s = t._data.shape
        if len(s) != nd:
            raise RuntimeError(f"diff(): expects {label} to have the same number of dimensions "
                               f"as input ({nd}), but got {len(s)}")
        for k in range(nd):
            if k != d and s[k] != input._data.shape[k]:
                raise RuntimeError(
                    f"diff(): expects the shape of {label} to match that of input except "
                    f"along the differencing dimension; input.size({k}) = "
                    f"{input._data.shape[k]}, but got {label}.size({k}) = {s[k]}")
        parts.append(t)
    x = cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        length = x._data.shape[d]
        if length == 0:
            break
        hi, lo = narrow(x, d, 1, length - 1), narrow(x, d, 0, length - 1)
        x = logical_xor(hi, lo) if x._data.dtype == np.bool_ else hi - lo
    return x


# ------------------------------------------------------------------ trapezoid rule
def _trapezoid_terms(name, y, x, dx, dim):
    """Each interval's area along ``dim``: (y[k] + y[k+1]) / 2 times its width; composites of
    differentiable ops, so gradients reach ``y`` and ``x``."""
    from chainrule.ops import elementwise as E
    from chainrule.ops.shape import narrow

    if x is not None and dx is not None:
        raise TypeError(f"{name}(): pass either the sample points x or the spacing dx, not "
                        f"both")
    y = y if isinstance(y, Tensor) else Tensor._wrap(np.asarray(y))
    if y._data.ndim == 0:
        raise IndexError(f"{name}(): Dimension out of range (expected to be in range of "
                         f"[-1, 0], but got {dim})")
    axis = normalize_dim(dim, y._data.ndim, name)
    n = y._data.shape[axis]
    if y._data.dtype.kind != "f":
        y = y.to(x._data.dtype if x is not None and x._data.dtype.kind == "f"
                 else _default_float())
    if n == 0:
        return narrow(y, axis, 0, 0), axis
    mid = E.mul(E.add(narrow(y, axis, 0, n - 1), narrow(y, axis, 1, n - 1)), 0.5)
    if x is None:
        return (mid if dx is None else E.mul(mid, dx)), axis
    if x._data.ndim == 1:
        if x._data.shape[0] != n:
            raise RuntimeError(f"{name}(): There must be one `x` value for each sample point, "
                               f"got {x._data.shape[0]} values for {n} sample points")
        widths = E.sub(narrow(x, 0, 1, n - 1), narrow(x, 0, 0, n - 1))
        shape = [1] * y._data.ndim
        shape[axis] = n - 1
        widths = widths.reshape(tuple(shape))
    else:
        xa = normalize_dim(dim, x._data.ndim, name)
        m = x._data.shape[xa]
        widths = E.sub(narrow(x, xa, 1, m - 1), narrow(x, xa, 0, m - 1))
    return E.mul(mid, widths), axis


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of ``y`` along ``dim`` by the trapezoid rule, with sample points ``x``
    (1-D, or broadcastable to ``y``) or a constant spacing ``dx`` (default 1).

    Example:
        >>> import chainrule as cr
        >>> cr.trapezoid(cr.tensor([1.0, 2.0, 3.0])).item()
        4.0
    """
    from chainrule.ops.reduction import sum as _sum

    terms, axis = _trapezoid_terms("trapezoid", y, x, dx, dim)
    return _sum(terms, dim=axis)


def trapz(y, x=None, *, dx=None, dim=-1):
    """Same as :func:`trapezoid`."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoid-rule integral of ``y`` along ``dim``: one value per interval.

    Example:
        >>> import chainrule as cr
        >>> cr.cumulative_trapezoid(cr.tensor([1.0, 2.0, 3.0])).tolist()
        [1.5, 4.0]
    """
    from chainrule.ops.reduction import cumsum

    terms, axis = _trapezoid_terms("cumulative_trapezoid", y, x, dx, dim)
    return cumsum(terms, axis)


def _default_float():
    from chainrule import _dtype

    return _dtype.np_dtype(_dtype.get_default_dtype())
