"""Order statistics (median, quantile, kthvalue, mode) and bucketing/searching ops.

The selecting ops (median/kthvalue/mode along a dim, quantile) pick their elements with
NumPy and gather them, so the gradient flows to the selected element(s); ties are broken
by a stable sort (the earlier element counts as the smaller). ``median``/``nanmedian`` of all
elements share the gradient evenly among the elements equal to the result, as PyTorch.
Bucketing and searching ops return integer tensors and have no gradient.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.ops.reduction import _MinMax
from chainrule.ops.shape import normalize_dim
from chainrule.tensor import Tensor

__all__: list[str] = ["median", "nanmedian", "quantile", "nanquantile", "kthvalue", "mode",
                      "msort", "nanmean", "aminmax", "histc", "bucketize", "searchsorted",
                      "isin", "unique_consecutive", "histogram"]

# Names bound as Tensor methods (``x.name(...)``) and, with a trailing underscore, as
# in-place methods (``x.name_(...)``), by ``chainrule.ops._methods``.
TENSOR_METHODS = ("median nanmedian quantile nanquantile kthvalue mode msort nanmean aminmax "
                  "histc unique_consecutive histogram")
INPLACE_METHODS = ""

_wrap = Tensor._wrap
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _type_name(d):
    from chainrule.ops.indexing import _type_name as name

    return name(d)


# fmt: off
@primitive
def _median_all(x, *, ignore_nan):
    flat = x.reshape(-1)
    nan = np.isnan(flat) if flat.dtype.kind == "f" else np.zeros(flat.shape, bool)
    m = flat.size - int(nan.sum())
    if m == 0 or (nan.any() and not ignore_nan):
        return np.asarray(np.nan, dtype=x.dtype)
    k = (m - 1) // 2                      # the lower median (NaN sorts last)
    return np.asarray(np.partition(flat, k)[k])

def _median_all_rule(g, out, x, *, ignore_nan):
    # The median is one of the elements: dL/dx is g shared evenly among the elements equal to
    # it (among the NaNs when it is NaN), as PyTorch. The weights are constants.
    xd, od = R.data(x), R.data(out)
    hit = (xd == od) | (np.isnan(xd) & np.isnan(od))
    weight = (hit / max(int(hit.sum()), 1)).astype(xd.dtype)
    return g * R.like(weight, g)
_median_all.defvjp(_median_all_rule, saves_out=True)
# fmt: on


# ------------------------------------------------------------------ helpers
def _reduce_dim(input, dim, name):
    """``dim`` normalized, after checking that it is not empty (0 for a 0-d input)."""
    nd = input._data.ndim
    d = normalize_dim(dim, nd, name)
    if nd and input._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return d


def _picked(input, d, idx, keepdim):
    """``(values, indices)`` for indices ``idx`` (kept dim ``d`` of size 1) along ``d``: the
    values are gathered, so their gradient goes to those positions."""
    from chainrule.ops.indexing import gather

    if input._data.ndim == 0:
        return _MinMax((input.clone(), _wrap(np.zeros((), np.int64))))
    idx = idx.astype(np.int64, copy=False)
    values = gather(input, d, _wrap(idx))
    if not keepdim:
        values = values.squeeze(d)
        idx = np.squeeze(idx, axis=d)
    return _MinMax((values, _wrap(idx)))


def _order(x, d):
    """Stable ascending order along ``d`` (NaN last; ties keep their positions)."""
    return np.argsort(x, axis=d, kind="stable")


def _no_bool(input, name):
    if input._data.dtype == np.bool_:
        raise NotImplementedError(f"{name}(): not implemented for dtype Bool")


# ------------------------------------------------------------------ median, kthvalue, mode
def median(input, dim=None, keepdim=False):
    """``median(x)``: the lower median of all elements (NaN if any is NaN).
    ``median(x, dim)``: ``(values, indices)`` along ``dim``; a slice with NaN gives NaN and
    the index of its first NaN.

    >>> import chainrule as cr
    >>> cr.median(cr.tensor([4.0, 1.0, 3.0, 2.0]))
    tensor(2.)
    """
    return _median(input, dim, keepdim, False, "median")


def nanmedian(input, dim=None, keepdim=False):
    """As :func:`median`, ignoring NaN (NaN only where a slice is all NaN; its index is 0).

    >>> import chainrule as cr
    >>> cr.nanmedian(cr.tensor([1.0, float("nan"), 3.0]))
    tensor(1.)
    """
    return _median(input, dim, keepdim, True, "nanmedian")


def _median(input, dim, keepdim, ignore_nan, name):
    _no_bool(input, name)
    if dim is None:
        if input._data.size == 0 and input._data.dtype.kind != "f":
            raise RuntimeError(f"{name}(): the input is an empty integer tensor, which has no "
                               f"median (and no NaN to return for one)")
        return _median_all(input, ignore_nan=ignore_nan)
    d = _reduce_dim(input, dim, name)
    x = input._data
    if x.ndim == 0:
        return _picked(input, d, None, keepdim)
    order = _order(x, d)
    if x.dtype.kind != "f":
        return _picked(input, d, np.take(order, [(x.shape[d] - 1) // 2], axis=d), keepdim)
    nan = np.isnan(x)
    if ignore_nan:
        m = x.shape[d] - nan.sum(axis=d, keepdims=True)
        return _picked(input, d, np.take_along_axis(order, np.maximum((m - 1) // 2, 0), d),
                       keepdim)
    idx = np.take(order, [(x.shape[d] - 1) // 2], axis=d)
    idx = np.where(nan.any(axis=d, keepdims=True), np.argmax(nan, axis=d, keepdims=True), idx)
    return _picked(input, d, idx, keepdim)


def kthvalue(input, k, dim=-1, keepdim=False):
    """``(values, indices)``: the ``k``-th smallest element (1-based) along ``dim``; NaN
    counts as the largest. Among equal values the earlier element counts as the smaller.

    >>> import chainrule as cr
    >>> cr.kthvalue(cr.tensor([3.0, 1.0, 2.0]), 2)
    (tensor(2.), tensor(2))
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"kthvalue(): argument 'k' must be int, not {type(k).__name__}")
    d = _reduce_dim(input, -1 if dim is None else dim, "kthvalue")
    x = input._data
    n = x.shape[d] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d} "
                           f"(k = {k}, expected 1 <= k <= {n})")
    if x.ndim == 0:
        return _picked(input, d, None, keepdim)
    return _picked(input, d, np.take(_order(x, d), [k - 1], axis=d), keepdim)


def mode(input, dim=-1, keepdim=False):
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest of equally
    frequent ones) and the index of its last occurrence, as PyTorch. Each NaN counts alone.

    >>> import chainrule as cr
    >>> cr.mode(cr.tensor([1.0, 2.0, 2.0, 1.0, 3.0]))
    (tensor(1.), tensor(3))
    """
    d = _reduce_dim(input, dim, "mode")
    x = input._data
    if x.ndim == 0:
        return _picked(input, d, None, keepdim)
    order = np.moveaxis(_order(x, d), d, -1)
    s = np.take_along_axis(np.moveaxis(x, d, -1), order, -1)      # sorted, dim last
    n = s.shape[-1]
    pos = np.arange(n)
    starts = np.ones(s.shape, bool)
    starts[..., 1:] = s[..., 1:] != s[..., :-1]                    # NaN != NaN: runs of one
    run_start = np.maximum.accumulate(np.where(starts, pos, 0), axis=-1)
    length = pos - run_start + 1            # at a run's last element: the run's length
    ends = np.ones(s.shape, bool)
    ends[..., :-1] = starts[..., 1:]
    length = np.where(ends, length, 0)
    # the first (smallest-valued) longest run; its last element is the value's last
    # occurrence, because the sort is stable
    best = np.argmax(length, axis=-1)[..., None]
    idx = np.moveaxis(np.take_along_axis(order, best, -1), -1, d)
    return _picked(input, d, idx, keepdim)


def msort(input):
    """``input`` sorted along its first dimension (the values of ``sort(input, 0)``).

    >>> import chainrule as cr
    >>> cr.msort(cr.tensor([[3, 1], [1, 2]]))
    tensor([[1, 1],
            [3, 2]])
    """
    from chainrule.ops.reduction import sort

    return sort(input, 0)[0]


# ------------------------------------------------------------------ quantile
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-th quantiles (``q`` a number or 1-D tensor in [0, 1]) of ``input`` along
    ``dim`` (all elements when None). ``q`` a tensor adds a leading dimension of its size.
    Between two elements, ``interpolation`` is linear, lower, higher, midpoint or nearest.
    A slice with NaN gives NaN.

    >>> import chainrule as cr
    >>> cr.quantile(cr.tensor([0.0, 1.0, 2.0, 3.0]), 0.5)
    tensor(1.5000)
    """
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """As :func:`quantile`, ignoring NaN (NaN only where a slice is all NaN).

    >>> import chainrule as cr
    >>> cr.nanquantile(cr.tensor([0.0, float("nan"), 2.0]), 0.5)
    tensor(1.)
    """
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


def _quantile_q(input, q, name):
    """``q`` as a 1-D array of the input's dtype, and whether it was a scalar."""
    dt = input._data.dtype
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor, but got a tensor of "
                               f"shape {list(q._data.shape)}")
        if q._data.dtype != dt:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor, but "
                               f"got {_type_name(q._data.dtype)} and {_type_name(dt)}")
        qs = q._data
        if not ((qs >= 0) & (qs <= 1)).all():
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        return qs.reshape(-1), qs.ndim == 0
    if isinstance(q, (int, float, np.integer, np.floating)) and not isinstance(q, bool):
        if not 0 <= q <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        return np.asarray([q], dtype=dt), True
    raise TypeError(f"{name}(): q must be a float or a Tensor, not {type(q).__name__}")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, name):
    from chainrule.ops.elementwise import where
    from chainrule.ops.indexing import take_along_dim
    from chainrule.ops.reduction import sort
    from chainrule.ops.shape import movedim

    dt = input._data.dtype
    if dt.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype, but "
                           f"got {_type_name(dt)}")
    qs, scalar = _quantile_q(input, q, name)
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    nd = input._data.ndim
    d = None if dim is None else normalize_dim(dim, nd, name)
    if input._data.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")

    flat = d is None or nd == 0
    x = input.reshape(-1) if flat else input
    sv = movedim(sort(x, 0 if flat else d)[0], 0 if flat else d, -1)   # (*batch, n), sorted
    data = sv._data
    n = data.shape[-1]
    nan = np.isnan(data)
    if ignore_nan:
        m = (n - nan.sum(axis=-1, keepdims=True)).astype(dt)
        # an all-NaN slice: rank 0, its first (NaN) element
        rank = np.maximum(qs * (m - 1), 0).astype(dt)
    else:
        # a slice with NaN: its last sorted element, a NaN
        rank = np.where(nan.any(axis=-1, keepdims=True), dt.type(n - 1),
                        qs * dt.type(n - 1)).astype(dt)
    rank = np.broadcast_to(rank, data.shape[:-1] + qs.shape)          # (*batch, Q)
    if interpolation in ("lower", "higher", "nearest"):
        pick = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}[interpolation]
        out = take_along_dim(sv, _wrap(pick(rank).astype(np.int64)), -1)
    else:
        below = np.floor(rank)
        weight = (rank - below) if interpolation == "linear" else np.full_like(rank, 0.5)
        lo = take_along_dim(sv, _wrap(below.astype(np.int64)), -1)
        hi = take_along_dim(sv, _wrap(np.ceil(rank).astype(np.int64)), -1)
        # PyTorch's lerp: from the nearer end, so weights 0 and 1 give lo and hi exactly
        near_lo = _wrap(weight < 0.5)
        w = _wrap(weight.astype(dt))
        out = where(near_lo, lo + (hi - lo) * w, hi - (hi - lo) * (1 - w))
    out = movedim(out, -1, 0)                                         # (Q, *batch)
    if keepdim:
        if flat:
            out = out.reshape((out._data.shape[0],) + (1,) * nd)
        else:
            out = out.unsqueeze(d + 1)
    return out.squeeze(0) if scalar else out


# ------------------------------------------------------------------ nanmean, aminmax
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over ``dim`` of the non-NaN elements (NaN where there are none); floating
    tensors only. NaN elements get no gradient (PyTorch gives NaN to those of an all-NaN
    slice).

    >>> import chainrule as cr
    >>> cr.nanmean(cr.tensor([1.0, float("nan"), 2.0]))
    tensor(1.5000)
    """
    from chainrule.ops.elementwise import where
    from chainrule.ops.reduction import _axes, nansum

    if input._data.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_type_name(input._data.dtype)}")
    x = input if dtype is None else input.to(dtype)
    ax = _axes(x, dim, "nanmean")
    count = np.sum(~np.isnan(x._data), axis=ax, keepdims=keepdim)
    total = nansum(x, dim, keepdim)
    safe = _wrap(np.maximum(count, 1).astype(x._data.dtype))
    return where(_wrap(count == 0), np.nan, total / safe)


class _AminMax(tuple):
    """``(min, max)`` as returned by ``aminmax``; also ``.min``/``.max``."""

    __slots__ = ()

    @property
    def min(self):  # noqa: A003
        return self[0]

    @property
    def max(self):  # noqa: A003
        return self[1]


def aminmax(input, *, dim=None, keepdim=False):
    """``(min, max)`` of all elements or along ``dim``; the gradient of each is shared among
    tied elements (as ``amin``/``amax``).

    >>> import chainrule as cr
    >>> cr.aminmax(cr.tensor([3, 1, 2])).max
    tensor(3)
    """
    from chainrule.ops.reduction import amax, amin

    if dim is not None and (not isinstance(dim, (int, np.integer)) or isinstance(dim, bool)):
        raise TypeError(f"aminmax(): argument 'dim' must be int, not {type(dim).__name__}")
    x = input._data
    if dim is None:
        if x.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        lo, hi = amin(input), amax(input)
        if keepdim:
            lo, hi = lo.reshape((1,) * x.ndim), hi.reshape((1,) * x.ndim)
        return _AminMax((lo, hi))
    d = _reduce_dim(input, dim, "aminmax")
    if x.size == 0:  # empty, but not along dim: an empty result
        return _AminMax((_wrap(np.amin(x, axis=d, keepdims=keepdim)),
                         _wrap(np.amax(x, axis=d, keepdims=keepdim))))
    return _AminMax((amin(input, d, keepdim), amax(input, d, keepdim)))


# ------------------------------------------------------------------ histograms and searching
def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """Histogram of ``input`` in ``bins`` equal bins over ``[min, max]`` (the data's range
    when both are equal); values outside are ignored, ``max`` goes to the last bin. Floating
    inputs only; no gradient.

    >>> import chainrule as cr
    >>> cr.histc(cr.tensor([1.0, 2.0, 1.0, 4.0]), bins=4)
    tensor([2., 1., 0., 1.])
    """
    if not isinstance(bins, (int, np.integer)) or isinstance(bins, bool):
        raise TypeError(f"histc(): argument 'bins' must be int, not {type(bins).__name__}")
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f"histc(): not implemented for dtype {_type_name(x.dtype)}; "
                                  f"expected a floating tensor")
    if bins <= 0:
        raise RuntimeError(f"histc(): bins must be > 0, but got {bins}")
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(np.min(x)), float(np.max(x))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"histc(): range of [{lo}, {hi}] is not finite")
    if lo > hi:
        raise RuntimeError(f"histc(): max must be larger than min, but got min={lo}, max={hi}")
    flat = x.reshape(-1)
    lo_t, hi_t = x.dtype.type(lo), x.dtype.type(hi)
    inside = flat[(flat >= lo_t) & (flat <= hi_t)]
    b = ((inside - lo_t) * x.dtype.type(bins) / (hi_t - lo_t)).astype(np.int64)
    b = np.minimum(b, bins - 1)
    return _wrap(np.bincount(b, minlength=bins).astype(x.dtype))


def _out_dtype(out_int32):
    return np.int32 if out_int32 else np.int64


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The index of the bucket of each element of ``input`` among the sorted 1-D
    ``boundaries``: ``boundaries[i-1] < x <= boundaries[i]`` (``right=True``:
    ``boundaries[i-1] <= x < boundaries[i]``).

    >>> import chainrule as cr
    >>> cr.bucketize(cr.tensor([1, 5, 3]), cr.tensor([1, 3, 5]))
    tensor([0, 2, 1])
    """
    if not isinstance(boundaries, Tensor):
        raise TypeError(f"bucketize(): argument 'boundaries' must be Tensor, not "
                        f"{type(boundaries).__name__}")
    b = boundaries._data
    if b.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got "
                           f"dim({b.ndim})")
    v = input._data if isinstance(input, Tensor) else np.asarray(input)
    res = np.searchsorted(b, v, side="right" if right else "left")
    return _wrap(np.asarray(res, dtype=_out_dtype(out_int32)))


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """For each of ``values``, the index in ``sorted_sequence`` (sorted along its last
    dimension; 1-D, or with the leading dimensions of ``values``) where it would be inserted
    to keep it sorted: before equal elements, or after them with ``right=True`` or
    ``side="right"``. ``sorter``: indices that sort an unsorted sequence.

    >>> import chainrule as cr
    >>> cr.searchsorted(cr.tensor([1, 3, 5]), cr.tensor([3, 6]))
    tensor([1, 3])
    """
    name = "searchsorted()"
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"{name}: side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(f"{name}: side and right can't be set to opposites, got side of "
                               f"left while right was True")
        right = side == "right"
    if not isinstance(sorted_sequence, Tensor):
        raise TypeError(f"{name}: argument 'sorted_sequence' must be Tensor, not "
                        f"{type(sorted_sequence).__name__}")
    seq = sorted_sequence._data
    if seq.ndim == 0:
        raise RuntimeError(f"{name}: boundaries tensor should have positive dimension, but got "
                           f"0 dimension")
    scalar = not isinstance(values, Tensor)
    v = np.asarray(values) if scalar else values._data
    if scalar and seq.ndim != 1:
        raise RuntimeError(f"{name}: input value can be a scalar only when boundaries tensor "
                           f"dimension is 1, but we got boundaries tensor dim({seq.ndim})")
    if seq.ndim > 1 and (v.ndim != seq.ndim or v.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError(f"{name}: boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must "
                           f"match, but we got boundaries tensor {list(seq.shape)} and input "
                           f"value tensor {list(v.shape)}")
    if sorter is not None:
        s = sorter._data if isinstance(sorter, Tensor) else np.asarray(sorter)
        if s.dtype != np.int64:
            raise RuntimeError(f"{name}: sorter must be a tensor of long dtype but got dtype "
                               f"{_type_name(s.dtype)}")
        if s.shape != seq.shape:
            raise RuntimeError(f"{name}: boundary and sorter must have the same size, but got "
                               f"boundary tensor {list(seq.shape)} and sorter tensor "
                               f"{list(s.shape)}")
        if s.size and (s.min() < 0 or s.max() >= seq.shape[-1]):
            raise RuntimeError(f"{name}: sorter index out of range (expected indices in "
                               f"[0, {seq.shape[-1]}))")
        seq = np.take_along_axis(seq, s, -1)
    side_np = "right" if right else "left"
    if seq.ndim == 1:
        res = np.searchsorted(seq, v, side=side_np)
    else:
        res = _batched_searchsorted(seq, v, right)
    return _wrap(np.asarray(res, dtype=_out_dtype(out_int32)))


def _batched_searchsorted(seq, v, right):
    """``searchsorted`` row by row over the leading dimensions, without a loop: each row's
    sequence and values are sorted together (stably: values before equal sequence elements
    for the left side, after them for the right); a value's result is the number of sequence
    elements sorted before it."""
    lead = seq.shape[:-1]
    n, m = seq.shape[-1], v.shape[-1]
    s2, v2 = seq.reshape(-1, n), v.reshape(-1, m)
    both = np.concatenate([s2, v2] if right else [v2, s2], axis=1)
    is_seq = np.zeros(n + m, bool)
    if right:
        is_seq[:n] = True
    else:
        is_seq[m:] = True
    order = np.argsort(both, axis=1, kind="stable")
    seq_before = np.cumsum(is_seq[order], axis=1)        # sequence elements up to here
    pos_of = np.empty_like(order)
    np.put_along_axis(pos_of, order, np.arange(n + m)[None, :].repeat(len(order), 0), axis=1)
    value_pos = pos_of[:, n:] if right else pos_of[:, :m]
    return np.take_along_axis(seq_before, value_pos, 1).reshape(lead + (m,))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each of ``elements`` is in ``test_elements`` (either may be a number).

    >>> import chainrule as cr
    >>> cr.isin(cr.tensor([1, 2, 3]), cr.tensor([2, 5]))
    tensor([False,  True, False])
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"isin(): expected a Tensor for elements or test_elements, got "
                        f"{type(elements).__name__} and {type(test_elements).__name__}")
    e = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return _wrap(np.asarray(np.isin(e, t, assume_unique=assume_unique, invert=invert)))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Drop all but the first of each run of equal consecutive elements (of slices along
    ``dim``; of the flattened input when None). With ``return_inverse``/``return_counts``
    also returns each element's index in the output and each run's length.

    >>> import chainrule as cr
    >>> cr.unique_consecutive(cr.tensor([1, 1, 2, 2, 3, 1]))
    tensor([1, 2, 3, 1])
    """
    x = input._data
    if dim is None:
        flat = x.reshape(-1)
        starts = np.ones(flat.shape, bool)
        starts[1:] = flat[1:] != flat[:-1]
        out = flat[starts]
        inverse_shape = x.shape
    else:
        d = normalize_dim(dim, x.ndim, "unique_consecutive")
        if x.ndim == 0:
            return unique_consecutive(input, return_inverse, return_counts, None)
        if any(s == 0 for k, s in enumerate(x.shape) if k != d):
            raise RuntimeError("unique_consecutive(): there are 0 sized dimensions, and they "
                               "aren't selected, so unique cannot be applied")
        moved = np.moveaxis(x, d, 0).reshape(x.shape[d], x.size // max(x.shape[d], 1))
        starts = np.ones(x.shape[d], bool)
        starts[1:] = (moved[1:] != moved[:-1]).any(axis=1)
        out = np.compress(starts, x, axis=d)
        inverse_shape = (x.shape[d],)
    if not (return_inverse or return_counts):
        return _wrap(out)
    res = [_wrap(out)]
    if return_inverse:
        res.append(_wrap((np.cumsum(starts) - 1).astype(np.int64).reshape(inverse_shape)))
    if return_counts:
        first = np.flatnonzero(starts)
        res.append(_wrap(np.diff(np.append(first, starts.size)).astype(np.int64)))
    return tuple(res)


class _Histogram(tuple):
    """``(hist, bin_edges)``; also ``.hist``/``.bin_edges``."""

    __slots__ = ()

    @property
    def hist(self):
        return self[0]

    @property
    def bin_edges(self):
        return self[1]


def histogram(input, bins, *, range=None, weight=None, density=False):  # noqa: A002
    """Counts (or summed ``weight``) of ``input``'s elements in ``bins`` (a number of equal
    bins over ``range``, default the data's min to max, or a 1-D tensor of increasing
    edges); ``density=True`` normalizes to a density. Returns ``(hist, bin_edges)``, both of
    ``input``'s float dtype. The last bin includes its right edge.

    Example:
        >>> import chainrule as cr
        >>> cr.histogram(cr.tensor([1.0, 2.0, 1.0]), bins=2).hist.tolist()
        [2.0, 1.0]
    """
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"histogram: expected a floating point input, got {x.dtype.name}")
    edges = bins._data if isinstance(bins, Tensor) else int(bins)
    if isinstance(bins, Tensor):
        if edges.ndim != 1 or edges.dtype != x.dtype:
            raise RuntimeError(f"histogram: bins must be a 1-D tensor of the input's dtype "
                               f"{x.dtype.name}, got {edges.ndim}-D {edges.dtype.name}")
    elif edges <= 0:
        raise RuntimeError(f"histogram(): bins must be > 0, but got {edges}")
    w = None if weight is None else weight._data
    if w is not None and w.shape != x.shape:
        raise RuntimeError(f"histogram: weight should have the same shape as input, got "
                           f"{list(w.shape)} and {list(x.shape)}")
    hist, out_edges = np.histogram(x.reshape(-1), bins=edges, range=range,
                                   weights=None if w is None else w.reshape(-1),
                                   density=density)
    return _Histogram((Tensor._wrap(hist.astype(x.dtype)),
                       Tensor._wrap(np.asarray(out_edges, dtype=x.dtype))))
