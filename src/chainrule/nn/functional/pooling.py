"""Pooling: max and average over sliding windows, and their adaptive forms.

``max_pool*`` and ``avg_pool*`` are fused primitives. Their windows are never copied out: the
forward visits the ``kH * kW`` kernel offsets and combines one strided *view* of the (padded)
input per offset, all output positions at once. That loop over offsets is the only Python
loop. (A reshape into ``(..., oH, kH, oW, kW)`` reduced over the small window axes measured
20-40x slower in NumPy than combining the views, so the non-overlapping case ``stride ==
kernel_size`` instead gets the cheaper backward: each input position belongs to at most one
window, so gradients are written rather than accumulated, and nothing is padded.)

Each op comes with its adjoint as a second primitive, so derivatives of any order exist:
max-pool's backward scatters the gradient to the argmax of each window; the derivative of that
scatter is the matching gather. Average pooling is linear, and its adjoint spreads each
output gradient evenly over the window.

The adaptive forms are composites: adaptive average pooling is a product with two small
averaging matrices (one per spatial axis), adaptive max pooling a ``gather`` at the argmax.
"""

from __future__ import annotations

import weakref
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from chainrule.autograd.grad_mode import STATE
from chainrule.autograd.primitive import primitive
from chainrule.nn.functional.conv import _apply
from chainrule.ops import rules as R
from chainrule.tensor import Tensor

__all__ = ["max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool1d", "adaptive_max_pool2d"]


class _Geom(NamedTuple):
    """Window geometry over the last two axes (1-d pooling has a unit first axis)."""

    k: tuple  # kernel size
    s: tuple  # stride
    p: tuple  # padding (both sides)
    d: tuple  # dilation
    osize: tuple  # output size
    xsize: tuple  # input size
    nd: int  # 1 or 2: spatial dimensions of the caller's tensors

    def padded(self):
        """Size of the padded buffer: covers every window and the whole input."""
        return tuple(max((o - 1) * s + d * (k - 1) + 1, p + x)
                     for o, s, d, k, p, x in zip(self.osize, self.s, self.d, self.k, self.p,
                                                 self.xsize))

    def needs_pad(self):
        return self.p != (0, 0) or self.padded() != self.xsize

    def disjoint(self):
        """Whether windows never overlap (each input position is in at most one window)."""
        return all(s >= d * (k - 1) + 1 for s, d, k in zip(self.s, self.d, self.k))

    def view(self, a, kk):
        """The elements at kernel offset ``kk`` (row-major) of every window of padded ``a``."""
        p, q = divmod(kk, self.k[1])
        h0, w0 = p * self.d[0], q * self.d[1]
        (oh, ow), (sh, sw) = self.osize, self.s
        return a[..., h0:h0 + sh * (oh - 1) + 1:sh, w0:w0 + sw * (ow - 1) + 1:sw]


def _as2d(a, geom):
    return a[..., None, :] if geom.nd == 1 else a


def _from2d(a, geom):
    return a[..., 0, :] if geom.nd == 1 else a


def _pad(x, geom, fill):
    if not geom.needs_pad():
        return x
    hp, wp = geom.padded()
    (h, w), (ph, pw) = geom.xsize, geom.p
    xp = np.full(x.shape[:-2] + (hp, wp), fill, x.dtype)
    xp[..., ph:ph + h, pw:pw + w] = x
    return xp


def _crop(gp, geom):
    if not geom.needs_pad():
        return gp
    (h, w), (ph, pw) = geom.xsize, geom.p
    return np.ascontiguousarray(gp[..., ph:ph + h, pw:pw + w])


def _scatter_windows(lead, dtype, geom, parts):
    """Sum ``parts`` (kernel offset, values shaped like the output, or a callable writing
    them into a view) into a padded buffer at each offset's window positions, then crop:
    the adjoint of reading those views."""
    # Windows that tile the padded input exactly write every element once: no zero fill.
    tiles = geom.d == (1, 1) and geom.s == geom.k and geom.padded() == tuple(
        o * k for o, k in zip(geom.osize, geom.k))
    gp = (np.empty if tiles else np.zeros)(lead + geom.padded(), dtype)
    assign = geom.disjoint()
    for kk, vals in parts:
        v = geom.view(gp, kk)
        if assign:
            vals(v) if callable(vals) else np.copyto(v, vals)
        else:
            v += vals() if callable(vals) else vals
    return _crop(gp, geom)


# --------------------------------------------------------------------------- max pooling
def _max_pool_np(x, *, geom):
    xp = _pad(_as2d(x, geom), geom, -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min)
    kernel = geom.k[0] * geom.k[1]
    m = np.maximum(geom.view(xp, 0), geom.view(xp, 1)) if kernel > 1 else geom.view(xp, 0).copy()
    for kk in range(2, kernel):
        np.maximum(m, geom.view(xp, kk), out=m)  # propagates NaN, as PyTorch
    return _from2d(m, geom)


def _first_max_masks(x, out, geom):
    """Yield ``(kk, hit)``: ``hit`` marks the windows whose *first* maximum (row-major in the
    window, PyTorch's tie rule) sits at kernel offset ``kk``. A window holding NaN has NaN as
    its maximum and, as in PyTorch, its last NaN gets the gradient."""
    xp = _pad(_as2d(x, geom), geom, -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min)
    m = _as2d(out, geom)
    kernel = range(geom.k[0] * geom.k[1])
    if x.dtype.kind == "f" and np.isnan(m).any():  # rare: the slow, simple way
        idx = np.full(m.shape, -1)
        for kk in kernel:
            v = geom.view(xp, kk)
            np.copyto(idx, kk, where=(v == m) & (idx < 0))
        for kk in kernel:
            np.copyto(idx, kk, where=np.isnan(geom.view(xp, kk)))
        for kk in kernel:
            yield kk, idx == kk
        return
    taken = None
    for kk in kernel:
        eq = geom.view(xp, kk) == m
        if taken is None:
            taken = eq.copy()
            yield kk, eq
        else:
            hit = eq & ~taken  # branch-free bool ops: masked copies are slow on random masks
            taken |= eq
            yield kk, hit


def _max_pool_offsets(x, out, geom):
    """The kernel offset of each window's first maximum (an integer array shaped like out)."""
    kept = _recall_argmax(out)  # the forward's, over tiling windows
    if kept is not None:
        return _as2d(kept, geom)
    idx = np.zeros(_as2d(out, geom).shape, np.int16 if geom.k[0] * geom.k[1] < 2**15 else np.int64)
    for kk, hit in _first_max_masks(x, out, geom):
        if kk:
            idx += hit * idx.dtype.type(kk)
    return idx


def _max_pool_backward_np(g, out, x, geom):
    g2 = _as2d(g, geom)
    # g * hit (a bool array) is a branch-free select of the gradient at the argmax, written
    # straight into the window view (no temporary) when windows do not overlap.
    parts = ((kk, _masked(g2, hit)) for kk, hit in _first_max_masks(x, out, geom))
    return _from2d(_scatter_windows(g2.shape[:-2], g.dtype, geom, parts), geom)


def _masked(g2, hit):
    def write(dst=None):
        return np.multiply(g2, hit, out=dst)

    return write


def _pool_scatter_np(g, *, idx, geom):
    g2 = _as2d(g, geom)
    parts = ((kk, g2 * (idx == kk)) for kk in range(geom.k[0] * geom.k[1]))
    return _from2d(_scatter_windows(g2.shape[:-2], g.dtype, geom, parts), geom)


def _pool_gather_np(x, *, idx, geom):
    xp = _pad(_as2d(x, geom), geom, 0)
    out = np.zeros(idx.shape, x.dtype)
    for kk in range(geom.k[0] * geom.k[1]):
        out += geom.view(xp, kk) * (idx == kk)
    return _from2d(out, geom)


# --------------------------------------------------------------------------- tiling windows
# The common case, windows that tile the input (stride == kernel_size, no padding, no
# dilation: ``MaxPool2d(2)``), gets a faster path while gradients are recorded. The forward
# copies the input once so that each kernel offset's elements form a contiguous plane (the
# comparisons then run on contiguous memory, ~8x faster than on the strided views), keeps a
# running maximum and, next to it, the offset of each window's first maximum (one byte per
# output). The backward is then a single scatter of the gradient to those positions instead
# of recomputing the maxima's positions from the input: measured 2.2 vs 3.6 ms for forward
# and backward together on a (64, 32, 26, 26) input.
#
# The offsets live in ``_ARGMAX`` next to a weak reference to the output array they belong
# to, so they go away with it; the rule looks them up by the output it is handed.
_ARGMAX: dict = {}


def _tiling(geom):
    return (geom.s == geom.k and geom.d == (1, 1) and not geom.needs_pad()
            and geom.k[0] * geom.k[1] < 256)


def _max_pool_tiling(x, geom):
    """Max over tiling windows; returns ``(out, arg)``, ``arg`` the kernel offset (uint8,
    row-major in the window) of each window's first maximum."""
    (kh, kw), (oh, ow) = geom.k, geom.osize
    x2 = _as2d(x, geom)
    lead = x2.shape[:-2]
    n = len(lead)
    windows = x2[..., :oh * kh, :ow * kw].reshape(lead + (oh, kh, ow, kw))
    order = (n + 1, n + 3, *range(n), n, n + 2)  # (kh, kw, *lead, oh, ow)
    planes = np.ascontiguousarray(windows.transpose(order)).reshape((kh * kw,) + lead + (oh, ow))
    out = planes[0].copy()
    arg = np.zeros(out.shape, np.uint8)
    greater = np.empty(out.shape, bool)
    step = np.empty(out.shape, np.uint8)
    for kk in range(1, kh * kw):
        np.greater(planes[kk], out, out=greater)  # strictly: a tie keeps the first maximum
        np.maximum(out, planes[kk], out=out)  # propagates NaN, as PyTorch
        np.subtract(kk, arg, out=step)  # arg = kk where greater (branch-free)
        np.multiply(step, greater, out=step)
        arg += step
    return _from2d(out, geom), _from2d(arg, geom)


def _remember_argmax(out, arg):
    key = id(out)
    _ARGMAX[key] = (weakref.ref(out, lambda _, key=key: _ARGMAX.pop(key, None)), arg)


def _recall_argmax(out):
    entry = _ARGMAX.get(id(out))
    return entry[1] if entry is not None and entry[0]() is out else None


@lru_cache(maxsize=16)
def _window_starts(lead, h, w, oh, ow, kh, kw):
    """Flat index of each window's first element in a ``lead + (h, w)`` array (read-only)."""
    n = int(np.prod(lead))
    starts = (np.arange(n)[:, None, None] * (h * w) + (np.arange(oh) * (kh * w))[:, None]
              + np.arange(ow) * kw).reshape(lead + (oh, ow))
    starts.flags.writeable = False
    return starts


def _tiling_scatter(g, arg, geom):
    """The max-pool gradient over tiling windows: ``g`` written at each window's argmax."""
    (kh, kw), (oh, ow), (h, w) = geom.k, geom.osize, geom.xsize
    g2, arg2 = _as2d(g, geom), _as2d(arg, geom)
    lead = g2.shape[:-2]
    within = np.array([(kk // kw) * w + kk % kw for kk in range(kh * kw)], np.int64)
    flat = np.take(within, arg2)
    flat += _window_starts(lead, h, w, oh, ow, kh, kw)
    gx = np.zeros(lead + (h, w), g.dtype)
    gx.reshape(-1)[flat.reshape(-1)] = g2.reshape(-1)  # distinct positions: one per window
    return _from2d(gx, geom)


def _max_pool_rule(g, out, x, *, geom):
    if isinstance(g, Tensor):  # create_graph: a recorded scatter (differentiable again)
        idx = _max_pool_offsets(R.data(x), R.data(out), geom)
        return _pool_scatter(g, idx=idx, geom=geom)
    arg = _recall_argmax(out)
    if arg is not None:
        return _tiling_scatter(g, arg, geom)
    return _max_pool_backward_np(g, out, x, geom)


# fmt: off
@primitive(name="max_pool")
def _max_pool_prim(x, *, geom):
    if STATE.enabled and x.dtype.kind == "f" and _tiling(geom):
        out, arg = _max_pool_tiling(x, geom)
        if not np.isnan(out).any():  # (with NaN, the backward finds PyTorch's NaN position)
            _remember_argmax(out, arg)
        return out
    return _max_pool_np(x, geom=geom)


@primitive(name="max_pool_scatter")
def _pool_scatter(g, *, idx, geom):
    return _pool_scatter_np(g, idx=idx, geom=geom)


@primitive(name="max_pool_gather")
def _pool_gather(x, *, idx, geom):
    return _pool_gather_np(x, idx=idx, geom=geom)


# y[window] = x[argmax of window]: dx is G scattered to the argmax positions (zero elsewhere;
# ties: the first maximum only). The scatter and the gather at fixed positions are adjoint
# linear maps, so each one's derivative is the other.
_max_pool_prim.defvjp(_max_pool_rule, saves_out=True)
_pool_scatter.defvjp(lambda g, out, x, *, idx, geom: _apply(_pool_gather, g, idx=idx, geom=geom),
                     saves_inputs=False)
_pool_gather.defvjp(lambda g, out, x, *, idx, geom: _apply(_pool_scatter, g, idx=idx, geom=geom),
                    saves_inputs=False)
# fmt: on


# --------------------------------------------------------------------------- average pooling
def _avg_pool_np(x, *, geom, scale):
    xp = _pad(_as2d(x, geom), geom, 0)
    kernel = geom.k[0] * geom.k[1]
    acc = geom.view(xp, 0) + geom.view(xp, 1) if kernel > 1 else geom.view(xp, 0).copy()
    for kk in range(2, kernel):
        acc += geom.view(xp, kk)
    acc *= scale
    return _from2d(acc, geom)


def _avg_pool_t_np(g, *, geom, scale):
    gs = _as2d(g, geom) * scale
    parts = ((kk, gs) for kk in range(geom.k[0] * geom.k[1]))
    return _from2d(_scatter_windows(gs.shape[:-2], g.dtype, geom, parts), geom)


# fmt: off
@primitive(name="avg_pool")
def _avg_pool(x, *, geom, scale):
    return _avg_pool_np(x, geom=geom, scale=scale)


@primitive(name="avg_pool_transpose")
def _avg_pool_t(g, *, geom, scale):
    return _avg_pool_t_np(g, geom=geom, scale=scale)


# y[o] = scale[o] * sum of x over window o (linear): dx[i] = sum over the windows o that
# contain i of scale[o] * G[o], the transposed map, whose own derivative is avg_pool again.
_avg_pool.defvjp(lambda g, out, x, **p: _apply(_avg_pool_t, g, **p), saves_inputs=False)
_avg_pool_t.defvjp(lambda g, out, x, **p: _apply(_avg_pool, g, **p), saves_inputs=False)
# fmt: on


def _avg_scale(geom, count_include_pad, divisor_override, dtype):
    """1 / divisor per output position, PyTorch's rule: the window clipped to the padded
    input (``count_include_pad``) or to the input itself; a scalar where it is constant."""
    if divisor_override is not None:
        return dtype.type(1.0 / divisor_override)
    sizes = []
    for o, k, s, p, x in zip(geom.osize, geom.k, geom.s, geom.p, geom.xsize):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, x + p)
        if count_include_pad:
            sizes.append(end - start)
        else:
            sizes.append(np.minimum(end, x) - np.maximum(start, 0))
    div = np.outer(sizes[0], sizes[1])
    if (div == div.flat[0]).all():
        return dtype.type(1.0 / div.flat[0])
    return (1.0 / div).astype(dtype)


# --------------------------------------------------------------------------- arguments
def _tuple(value, nd, name):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * nd
    t = tuple(int(v) for v in value)
    if len(t) == 1:
        return t * nd
    if len(t) != nd:
        raise RuntimeError(f"{name} must either be a single int, or a tuple of {nd} ints")
    return t


def _pool_out(size, k, s, p, d, ceil_mode):
    span = size + 2 * p - d * (k - 1) - 1
    o = (span + (s - 1 if ceil_mode else 0)) // s + 1
    # With ceil_mode the last window must start inside the input or its left padding.
    if ceil_mode and (o - 1) * s >= size + p:
        o -= 1
    return o


def _geometry(input, kernel_size, stride, padding, dilation, ceil_mode, nd, op):
    if input.ndim not in (nd + 1, nd + 2) or 0 in input._data.shape[-nd - 1:]:
        raise RuntimeError(
            f"{op}: non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input, "
            f"but got input of size {list(input.shape)}")
    k = _tuple(kernel_size, nd, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else _tuple(stride, nd, "stride")
    p = _tuple(padding, nd, "padding")
    d = _tuple(dilation, nd, "dilation")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, but got {list(k)}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{op}: stride should not be zero, but got {list(s)}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{op}: dilation must be greater than zero, but got {list(d)}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"{op}: pad must be non-negative, but got pad={list(p)}")
    # Half of the kernel itself, not of the dilated window: PyTorch's bound, the stricter one.
    for kv, pv, dv in zip(k, p, d):
        if pv > kv // 2:
            raise RuntimeError(
                f"{op}: pad should be at most half of kernel size, but got pad={pv}, "
                f"kernel_size={kv}" + (f" (dilation={dv} does not count)" if dv > 1 else ""))
    xsize = tuple(input._data.shape[-nd:])
    osize = tuple(_pool_out(*a, ceil_mode) for a in zip(xsize, k, s, p, d))
    if any(o < 1 for o in osize):
        c = input._data.shape[-nd - 1]
        raise RuntimeError(
            f"Given input size: ({'x'.join(map(str, (c,) + xsize))}). Calculated output size: "
            f"({'x'.join(map(str, (c,) + osize))}). Output size is too small")
    if nd == 1:
        k, s, p, d, osize, xsize = ((1,) + k, (1,) + s, (0,) + p, (1,) + d, (1,) + osize,
                                    (1,) + xsize)
    return _Geom(k, s, p, d, osize, xsize, nd)


def _flat_indices(idx, geom):
    """PyTorch's returned indices: the argmax as ``h * W + w`` in the unpadded input plane."""
    (_, kw), (sh, sw), (ph, pw), (dh, dw) = geom.k, geom.s, geom.p, geom.d
    (oh, ow), w_in = geom.osize, geom.xsize[1]
    p, q = np.divmod(idx.astype(np.int64), kw)
    h = np.arange(oh)[:, None] * sh - ph + p * dh
    w = np.arange(ow)[None, :] * sw - pw + q * dw
    return _from2d(h * w_in + w, geom)


def _max_pool_nd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd,
                 op):
    geom = _geometry(input, kernel_size, stride, padding, dilation, ceil_mode, nd, op)
    out = _max_pool_prim(input, geom=geom)
    if not return_indices:
        return out
    idx = _max_pool_offsets(input._data, out._data, geom)
    return out, Tensor._wrap(_flat_indices(idx, geom))


# --------------------------------------------------------------------------- public API
def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """2-d max pooling, as PyTorch's.

    Fused: the maximum over the ``kH * kW`` strided views of the input (padded with -inf).
    The gradient goes to the first maximum of each window (row-major; PyTorch's tie rule);
    NaN propagates to the output.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: window size, an int or ``(kH, kW)``.
        stride: step between windows; ``None`` (default) means ``kernel_size``.
        padding: implicit -inf padding on both sides, at most half the kernel size
            (undilated, as PyTorch).
        dilation: spacing between window elements.
        ceil_mode: round the output size up (windows may run off the bottom/right edge,
            but must start inside the input or its left padding).
        return_indices: also return the argmax positions as ``h * W + w`` (int64).

    Shape:
        ``H_out = floor_or_ceil((H + 2 pH - dH (kH - 1) - 1) / sH) + 1``, likewise ``W_out``.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.max_pool2d(cr.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
        [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    return _max_pool_nd(input, kernel_size, stride, padding, dilation, ceil_mode,
                        return_indices, 2, "max_pool2d")


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """1-d max pooling, as PyTorch's; see :func:`max_pool2d`.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        kernel_size, stride, padding, dilation, ceil_mode, return_indices: as
            :func:`max_pool2d`, with one spatial dimension (indices are positions in ``L``).

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.max_pool1d(cr.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2)
        tensor([[[3., 5.]]])
    """
    return _max_pool_nd(input, kernel_size, stride, padding, dilation, ceil_mode,
                        return_indices, 1, "max_pool1d")


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """:func:`max_pool2d` returning ``(output, indices)``."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """:func:`max_pool1d` returning ``(output, indices)``."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _avg_pool_nd(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                 divisor_override, nd, op):
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype}")
    geom = _geometry(input, kernel_size, stride, padding, 1, ceil_mode, nd, op)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    scale = _avg_scale(geom, count_include_pad, divisor_override, input._data.dtype)
    return _avg_pool(input, geom=geom, scale=scale)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-d average pooling, as PyTorch's.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: window size, an int or ``(kH, kW)``.
        stride: step between windows; ``None`` (default) means ``kernel_size``.
        padding: implicit zero padding on both sides, at most half the kernel.
        ceil_mode: round the output size up.
        count_include_pad: divide by the window size including the zero padding (but not
            the part of a ``ceil_mode`` window past the padding); otherwise by the number of
            input elements in the window.
        divisor_override: divide every window's sum by this instead.

    Shape:
        As :func:`max_pool2d` with dilation 1.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.avg_pool2d(cr.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
        [[[[2.5, 4.5], [10.5, 12.5]]]]
    """
    return _avg_pool_nd(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override, 2, "avg_pool2d")


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-d average pooling, as PyTorch's; see :func:`avg_pool2d`.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        kernel_size, stride, padding, ceil_mode, count_include_pad: as :func:`avg_pool2d`.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.avg_pool1d(cr.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2)
        tensor([[[2., 4.]]])
    """
    return _avg_pool_nd(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        None, 1, "avg_pool1d")


# --------------------------------------------------------------------------- adaptive
def _adaptive_sizes(input, output_size, nd, op, channels=False):
    """The output's spatial sizes. The input's spatial axes must not be empty, nor (with
    ``channels``, for max pooling, as PyTorch) any axis after the first."""
    shape = input._data.shape
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                           f"{list(shape)}")
    for i in range(1 if channels else input.ndim - nd, input.ndim):
        if shape[i] == 0:
            raise RuntimeError(
                f"{op}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {list(shape)} with dimension {i} being empty")
    # As PyTorch: 2-d takes an int or a pair whose entries may be None (keep that input
    # size); 1-d takes an int or a 1-tuple of ints.
    if output_size is None or (nd == 1 and not isinstance(output_size, (int, np.integer))
                               and None in tuple(output_size)):
        expected = "an int or a 1-tuple of ints" if nd == 1 else "an int or a pair of ints or None"
        raise TypeError(f"{op}(): output_size must be {expected}, got {output_size!r}")
    if isinstance(output_size, (int, np.integer)):
        output_size = (output_size,) * nd
    out = tuple(output_size)
    if len(out) != nd:
        raise RuntimeError(f"{op}(): output_size must have {nd} element{'s' * (nd > 1)}, "
                           f"got {output_size!r}")
    out = tuple(x if o is None else int(o) for o, x in zip(out, shape[-nd:]))
    if any(o < 0 for o in out):
        raise RuntimeError(f"{op}: output_size must be non-negative, got {list(out)}")
    return out


def _bins(size, out):
    """PyTorch's adaptive windows: ``[floor(i * size / out), ceil((i + 1) * size / out))``."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _averaging_matrix(size, out, dtype):
    """``(size, out)`` matrix whose column ``i`` averages the inputs of window ``i``."""
    start, end = _bins(size, out)
    j = np.arange(size)[:, None]
    inside = (j >= start) & (j < end)
    return Tensor._wrap((inside / (end - start)).astype(dtype))


def _adaptive_avg(x, out_sizes):
    """Average over adaptive windows of the last ``len(out_sizes)`` axes, one axis at a time:
    each axis is a product with an averaging matrix (a single GEMM over all other axes)."""
    nd = len(out_sizes)
    dtype = x._data.dtype
    shape = tuple(x.shape)
    if all(o == 1 for o in out_sizes):  # global average pooling
        return x.mean(dim=tuple(range(-nd, 0)), keepdim=True)
    for axis in range(-1, -nd - 1, -1):
        size, out = shape[axis], out_sizes[axis]
        if size == out:
            continue
        xt = x if axis == -1 else x.transpose(axis, -1)
        rest = tuple(xt.shape[:-1])
        y = (xt.reshape(-1, size) @ _averaging_matrix(size, out, dtype)).reshape(rest + (out,))
        x = y if axis == -1 else y.transpose(axis, -1)
    return x if tuple(x.shape) != shape else x * 1


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """2-d adaptive average pooling, as PyTorch's.

    Output position ``i`` (along each axis) averages input positions ``floor(i * H / H_out)``
    up to ``ceil((i + 1) * H / H_out)`` (exclusive); windows may differ in size and overlap.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: ``(H_out, W_out)``, or an int for both; a ``None`` entry keeps that
            input size.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.adaptive_avg_pool2d(cr.arange(9.0).reshape(1, 1, 3, 3), 1)
        tensor([[[[4.]]]])
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"adaptive_avg_pool2d: expected a floating point input, got "
                           f"{input.dtype}")
    return _adaptive_avg(input, _adaptive_sizes(input, output_size, 2, "adaptive_avg_pool2d"))


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """1-d adaptive average pooling, as PyTorch's; see :func:`adaptive_avg_pool2d`.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        output_size: ``L_out``.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.adaptive_avg_pool1d(cr.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2).tolist()
        [[[2.0, 4.0]]]
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"adaptive_avg_pool1d: expected a floating point input, got "
                           f"{input.dtype}")
    return _adaptive_avg(input, _adaptive_sizes(input, output_size, 1, "adaptive_avg_pool1d"))


def _adaptive_max(input, out_sizes, return_indices):
    """Adaptive max pooling as a ``gather`` at each window's first maximum.

    The windows are read through clamped index arrays: window ``i`` of an axis is padded to
    the largest window length by repeating its last element, which never changes the first
    maximum. The argmax is found in NumPy; the gather carries the gradient. (A window holding
    NaN returns NaN; its gradient goes to the first NaN, where PyTorch picks the last.)
    """
    one_d = len(out_sizes) == 1
    x = input.unsqueeze(-2) if one_d else input
    sizes = tuple(x.shape[-2:])
    out_sizes = (1,) + out_sizes if one_d else out_sizes
    idx = []
    for size, out in zip(sizes, out_sizes):
        start, end = _bins(size, out)
        k = int((end - start).max()) if out else 1  # (no windows: any width will do)
        idx.append(np.minimum(start[:, None] + np.arange(k), end[:, None] - 1))
    (ih, iw), (oh, ow) = idx, out_sizes
    xd = x._data
    win = xd[..., ih[:, :, None, None], iw[None, None, :, :]]  # (..., oh, kh, ow, kw)
    # The window size spelled out, not -1: an empty batch or output has no size to infer.
    win = np.moveaxis(win, -3, -2).reshape(xd.shape[:-2] + (oh, ow, ih.shape[1] * iw.shape[1]))
    first = np.argmax(win, axis=-1)  # first maximum; NaN counts as the maximum
    kw = iw.shape[1]
    flat = ih[np.arange(oh)[:, None], first // kw] * sizes[1] + iw[np.arange(ow), first % kw]
    flat_t = Tensor._wrap(flat.reshape(xd.shape[:-2] + (oh * ow,)))
    out = x.flatten(-2).gather(-1, flat_t).reshape(xd.shape[:-2] + (oh, ow))
    if one_d:
        out = out.squeeze(-2)
        flat = flat[..., 0, :]
    if return_indices:
        return out, Tensor._wrap(flat)
    return out


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """2-d adaptive max pooling, as PyTorch's (windows as in :func:`adaptive_avg_pool2d`).

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: ``(H_out, W_out)``, or an int for both; a ``None`` entry keeps that
            input size.
        return_indices: also return the argmax positions as ``h * W + w`` (int64).

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.adaptive_max_pool2d(cr.arange(9.0).reshape(1, 1, 3, 3), 2)
        tensor([[[[4., 5.],
                  [7., 8.]]]])
    """
    sizes = _adaptive_sizes(input, output_size, 2, "adaptive_max_pool2d", channels=True)
    return _adaptive_max(input, sizes, return_indices)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """1-d adaptive max pooling, as PyTorch's; see :func:`adaptive_max_pool2d`.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.adaptive_max_pool1d(cr.tensor([[[1.0, 5.0, 2.0, 4.0, 3.0]]]), 2)
        tensor([[[5., 4.]]])
    """
    sizes = _adaptive_sizes(input, output_size, 1, "adaptive_max_pool1d", channels=True)
    return _adaptive_max(input, sizes, return_indices)

