"""Convolutions (``conv1d``, ``conv2d``, their transposes) and ``unfold``/``fold`` (im2col).

Why fused: a convolution written with tensor ops would record one node per kernel offset and
copy the input for each; here each op is one primitive whose forward is an im2col copy (a
strided *view* of the padded input, materialised once) followed by one batched GEMM.

Three primitives close under differentiation, so every derivative of a convolution is again a
convolution and stays differentiable to any order:

* ``conv(x, w)``                forward convolution (cross-correlation, as PyTorch);
* ``conv_transpose(g, w)``      its adjoint in ``x``: the input gradient of a convolution,
                                which *is* the transposed convolution;
* ``conv_weight_grad(x, g)``    its adjoint in ``w``: the weight gradient.

With ``<a, b>`` the sum of the elementwise product, ``conv`` is bilinear and
``<conv(x, w), g> = <x, conv_transpose(g, w)> = <w, conv_weight_grad(x, g)>``. Differentiating
each of these three expressions by each argument gives all six rules below.

Internally everything is 2-d: a 1-d input ``(N, C, L)`` is viewed as ``(N, C, 1, L)``.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from numpy.lib.stride_tricks import as_strided

from chainrule.autograd.grad_mode import STATE
from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]


# --------------------------------------------------------------------------- NumPy kernels
def _as4d(a):
    """1-d layouts ``(N, C, L)`` as ``(N, C, 1, L)``; 2-d arrays unchanged."""
    return a[:, :, None] if a.ndim == 3 else a


def _pad_zeros(x, padding):
    (pt, pb), (pl, pr) = padding
    if not (pt or pb or pl or pr):
        return x
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + pt + pb, w + pl + pr), x.dtype)
    xp[:, :, pt:pt + h, pl:pl + w] = x
    return xp


def _out_len(size, k, s, d, pad_total):
    return (size + pad_total - d * (k - 1) - 1) // s + 1


def _windows(xp, kh, kw, oh, ow, stride, dilation):
    """The patches of ``xp`` ``(N, C, Hp, Wp)`` as a read-only view ``(N, C, kh, kw, oh, ow)``:
    element ``[n, c, p, q, i, j]`` is ``xp[n, c, i*sh + p*dh, j*sw + q*dw]``."""
    n, c = xp.shape[:2]
    sn, sc, sh, sw = xp.strides
    (s0, s1), (d0, d1) = stride, dilation
    return as_strided(xp, (n, c, kh, kw, oh, ow),
                      (sn, sc, d0 * sh, d1 * sw, s0 * sh, s1 * sw), writeable=False)


def _col2im_add(dst, cols, stride, dilation):
    """Scatter-add patches ``cols`` ``(A, B, kh, kw, oh, ow, *rest)`` into ``dst``
    ``(A, B, Hp, Wp, *rest)``: the adjoint of reading windows.

    One strided slice-add per kernel offset (kh*kw of them): within one offset the output
    positions hit distinct input positions, so ``+=`` on the slice is exact; overlaps between
    offsets are summed by the successive adds.
    """
    kh, kw, oh, ow = cols.shape[2:6]
    (s0, s1), (d0, d1) = stride, dilation
    for p in range(kh):
        h0 = p * d0
        for q in range(kw):
            w0 = q * d1
            dst[:, :, h0:h0 + s0 * (oh - 1) + 1:s0,
                w0:w0 + s1 * (ow - 1) + 1:s1] += cols[:, :, p, q]
    return dst


# Layouts. Each product below is a single BLAS call over the whole batch (a GEMM per sample
# costs a thread synchronisation per call, painful on a busy machine): batch and positions
# share the GEMM's long axis. The forward and the weight gradient use columns ordered
# (channel, kernel offset) x (n, i, j), from which the (N, C_out, H, W) output is one cheap
# transposing copy away. The input gradient's col2im works batch-innermost instead, on
# (C, H, W, N): each of its kh*kw slice-adds then runs over long contiguous rows (a kernel
# row times the batch) rather than over rows of one image, which is what makes it fast.
#
# Exception: with few rows per column (K = C/groups * kh * kw small, typically a first layer
# on 1-3 channels) the products are so cheap that the transposing copies would dominate, so
# the forward and the weight gradient then multiply sample by sample (columns ordered
# n x (c, p, q) x (i, j)), writing the output in place. Such small products run on one BLAS
# thread anyway, so the per-call cost is low.
_SMALL_K = 64


def _im2col(x4, kh, kw, oh, ow, stride, padding, dilation, groups, per_sample=False):
    """Columns of ``x4`` ``(N, C, H, W)``: ``(groups, C/groups * kh * kw, N * oh * ow)``, row
    ``(c, p, q)`` and column ``(n, i, j)`` holding ``xpad[n, c, i*sh + p*dh, j*sw + q*dw]``;
    or ``(N, groups, C/groups * kh * kw, oh * ow)`` with ``per_sample``."""
    n, c = x4.shape[:2]
    k = c // groups * kh * kw  # spelled out, not -1: an empty batch (N = 0) has no size to infer
    win = _windows(_pad_zeros(x4, padding), kh, kw, oh, ow, stride, dilation)
    if per_sample:
        return np.ascontiguousarray(win).reshape(n, groups, k, oh * ow)
    cols = np.ascontiguousarray(win.transpose(1, 2, 3, 0, 4, 5))
    return cols.reshape(groups, k, n * oh * ow)


# Columns built by a forward pass while gradients are recorded, kept for the weight gradient
# of the same call, which would otherwise rebuild the identical im2col copy (~1.3 ms of a
# small CNN's step). Keyed by the input array itself, which the entry holds (so its id cannot
# be reused by another array); the weight gradient takes its entry out; at most a few entries
# (forward passes that are never backpropagated only push old entries out).
_COLS: OrderedDict = OrderedDict()
_COLS_MAX = 4


def _remember_cols(x, key, cols):
    if STATE.enabled:
        _COLS[id(x)] = (x, key, cols)
        _COLS.move_to_end(id(x))
        while len(_COLS) > _COLS_MAX:
            _COLS.popitem(last=False)


def _recall_cols(x, key):
    entry = _COLS.pop(id(x), None)
    if entry is not None and entry[0] is x and entry[1] == key:
        return entry[2]
    return None


def _channels_first(g4, groups):
    """``(N, O, oh, ow)`` as contiguous ``(groups, O/groups, N * oh * ow)``."""
    n, o, oh, ow = g4.shape
    gt = np.ascontiguousarray(g4.reshape(n, o, oh * ow).transpose(1, 0, 2))
    return gt.reshape(groups, o // groups, n * oh * ow)


def _batch_last(g4, groups):
    """``(N, O, oh, ow)`` as contiguous ``(groups, O/groups, oh * ow * N)``."""
    n, o, oh, ow = g4.shape
    return np.ascontiguousarray(g4.transpose(1, 2, 3, 0)).reshape(groups, o // groups,
                                                                   oh * ow * n)


def _conv_np(x, w, b=None, *, stride, padding, dilation, groups, osize=None):
    x4, w4 = _as4d(x), _as4d(w)
    n, _, h, wd = x4.shape
    o, _, kh, kw = w4.shape
    if osize is None:
        oh = _out_len(h, kh, stride[0], dilation[0], sum(padding[0]))
        ow = _out_len(wd, kw, stride[1], dilation[1], sum(padding[1]))
    else:  # a rule asks for the first ``osize`` positions only (see conv_transpose's rule)
        oh, ow = (1, osize[0]) if x.ndim == 3 else osize
    wg = w4.reshape(groups, o // groups, -1)
    key = (kh, kw, oh, ow, stride, padding, dilation, groups)
    if wg.shape[2] < _SMALL_K:
        # (groups, O/g, K) @ (N, groups, K, L) -> (N, groups, O/g, L): already (N, O, L).
        cols = _im2col(x4, kh, kw, oh, ow, stride, padding, dilation, groups, per_sample=True)
        _remember_cols(x, key, cols)
        out = np.matmul(wg, cols).reshape(n, o, oh * ow)
        if b is not None:
            out += b[:, None]
    else:
        # One GEMM per group: (O/g, K) @ (K, N*L) -> (O/g, N*L), K = C/g*kh*kw, L = oh*ow;
        # then to (N, O, L) order, adding the bias on the way.
        cols = _im2col(x4, kh, kw, oh, ow, stride, padding, dilation, groups)
        _remember_cols(x, key, cols)
        prod = np.matmul(wg, cols).reshape(o, n, oh * ow)
        out = np.empty((n, o, oh * ow), prod.dtype)
        if b is None:
            np.copyto(out, prod.transpose(1, 0, 2))
        else:
            np.add(prod.transpose(1, 0, 2), b[:, None], out=out)
    return out.reshape((n, o, ow) if x.ndim == 3 else (n, o, oh, ow))


def _conv_transpose_np(g, w, b=None, *, xsize, stride, padding, dilation, groups):
    g4, w4 = _as4d(g), _as4d(w)
    n, o, oh, ow = g4.shape
    _, cg, kh, kw = w4.shape
    c = cg * groups
    h, wd = (1, xsize[0]) if g.ndim == 3 else xsize
    (pt, pb), (pl, pr) = padding
    # Column gradients (K, L*N) = W^T (K, O/g) @ G (O/g, L*N), one GEMM per group ...
    wt = w4.reshape(groups, o // groups, -1).swapaxes(1, 2)
    gcols = np.matmul(wt, _batch_last(g4, groups)).reshape(c, 1, kh, kw, oh, ow, n)
    # ... then col2im: each column entry is added back where it was copied from.
    gp = np.zeros((c, 1, h + pt + pb, wd + pl + pr, n), gcols.dtype)
    _col2im_add(gp, gcols, stride, dilation)
    gx = np.empty((n, c, h, wd), gp.dtype)
    crop = gp[:, 0, pt:pt + h, pl:pl + wd].transpose(3, 0, 1, 2)
    if b is None:
        np.copyto(gx, crop)
    else:
        np.add(crop, b[:, None, None], out=gx)
    return gx.reshape(n, c, wd) if g.ndim == 3 else gx


def _conv_weight_grad_np(x, g, *, ksize, stride, padding, dilation, groups):
    x4, g4 = _as4d(x), _as4d(g)
    c = x4.shape[1]
    _, o, oh, ow = g4.shape
    kh, kw = (1, ksize[0]) if x.ndim == 3 else ksize
    n = x4.shape[0]
    cols = _recall_cols(x, (kh, kw, oh, ow, stride, padding, dilation, groups))
    # dW[o, k] = sum over (n, l) of G[o, (n, l)] * cols[k, (n, l)].
    if c // groups * kh * kw < _SMALL_K:  # per sample, then summed over the batch
        if cols is None:
            cols = _im2col(x4, kh, kw, oh, ow, stride, padding, dilation, groups,
                           per_sample=True)
        gs = g4.reshape(n, groups, o // groups, oh * ow)
        gw = np.matmul(gs, cols.swapaxes(-1, -2)).sum(0)
    else:  # one GEMM per group
        if cols is None:
            cols = _im2col(x4, kh, kw, oh, ow, stride, padding, dilation, groups)
        gw = np.matmul(_channels_first(g4, groups), cols.swapaxes(1, 2))
    return gw.reshape((o, c // groups, kw) if x.ndim == 3 else (o, c // groups, kh, kw))


# --------------------------------------------------------------------------- primitives
def _apply(prim, *args, **params):
    """Call ``prim`` on Tensors (recorded: ``create_graph``) or its NumPy forward on arrays."""
    if isinstance(args[0], Tensor):
        return prim(*args, **params)
    return prim.forward(*args, **params)


def _bias_grad(g):
    return R.sum(g, axis=(0,) + tuple(range(2, g.ndim)))


# fmt: off
@primitive(name="convolution")
def _conv(x, w, b=None, *, stride, padding, dilation, groups, osize=None):
    return _conv_np(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups,
                    osize=osize)


@primitive(name="conv_transpose")
def _conv_t(g, w, b=None, *, xsize, stride, padding, dilation, groups):
    return _conv_transpose_np(g, w, b, xsize=xsize, stride=stride, padding=padding,
                              dilation=dilation, groups=groups)


@primitive(name="conv_weight_grad")
def _conv_wg(x, g, *, ksize, stride, padding, dilation, groups):
    return _conv_weight_grad_np(x, g, ksize=ksize, stride=stride, padding=padding,
                                dilation=dilation, groups=groups)


# y = conv(x, w) + b.  <y, G> = <x, conv_t(G, w)> = <w, conv_wg(x, G)> + <b, sum G>, so
# dx = conv_t(G, w), dw = conv_wg(x, G), db = G summed over batch and positions.
_conv.defvjp(
    lambda g, out, x, w, b=None, *, osize=None, **p: _apply(
        _conv_t, g, w, xsize=tuple(x.shape[2:]), **p),
    lambda g, out, x, w, b=None, *, osize=None, **p: _apply(
        _conv_wg, x, g, ksize=tuple(w.shape[2:]), **p),
    lambda g, out, x, w, b=None, **p: _bias_grad(g),
)
# y = conv_t(x, w) + b, the adjoint of conv in its first argument:
# <y, G> = <x, conv(G, w)> = <w, conv_wg(G, x)> + <b, sum G>.
_conv_t.defvjp(
    lambda g, out, x, w, b=None, *, xsize, **p: _apply(
        _conv, g, w, osize=tuple(x.shape[2:]), **p),
    lambda g, out, x, w, b=None, *, xsize, **p: _apply(
        _conv_wg, g, x, ksize=tuple(w.shape[2:]), **p),
    lambda g, out, x, w, b=None, **p: _bias_grad(g),
)
# y = conv_wg(x, h), the adjoint of conv in its weight: <y, G> = <conv(x, G), h>
# = <x, conv_t(h, G)>, so dx = conv_t(h, G) and dh = conv(x, G).
_conv_wg.defvjp(
    lambda g, out, x, h, *, ksize, **p: _apply(_conv_t, h, g, xsize=tuple(x.shape[2:]), **p),
    lambda g, out, x, h, *, ksize, **p: _apply(_conv, x, g, osize=tuple(h.shape[2:]), **p),
)
# fmt: on


# --------------------------------------------------------------------------- arguments
def _ntuple(value, n: int, name: str) -> tuple:
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    try:
        t = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"expected {name} to be an int or a tuple of ints, got {value!r}") from None
    if len(t) == 1:
        return t * n
    if len(t) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match "
            f"the convolution dimensions, but got {name}={list(t)}")
    return t


def _dims(shape) -> str:
    return " x ".join(str(s) for s in shape)


def _check_dtypes(input, weight, bias):
    dt = input._data.dtype
    if dt.kind != "f":
        raise RuntimeError(f"convolution: expected a floating point input, got {input.dtype}")
    for t, what in ((weight, "weight"), (bias, "bias")):
        if t is not None and t._data.dtype != dt:
            raise RuntimeError(
                f"Input type ({input.dtype}) and {what} type ({t.dtype}) should be the same")


def _batched(input, nd: int, op: str):
    """``(input, unbatched)``: a batch-of-one view of an unbatched input."""
    if input.ndim == nd + 2:
        return input, False
    if input.ndim == nd + 1:
        return input.unsqueeze(0), True
    raise RuntimeError(
        f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, but got input "
        f"of size: {list(input.shape)}")


def _conv_padding(padding, nd, kernel, stride, dilation):
    """Per-dimension ``(before, after)`` zero padding, for ints, tuples, 'valid' and 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            # Total padding d*(k-1); an odd total puts the extra element after, as PyTorch.
            return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                         for k, d in zip(kernel, dilation))
        raise RuntimeError(f"Invalid padding string: {padding!r}")
    pad = _ntuple(padding, nd, "padding")
    if any(p < 0 for p in pad):
        raise RuntimeError("negative padding is not supported")
    return tuple((p, p) for p in pad)


def _to2d(nd, *geometry):
    """1-d geometry as 2-d (a unit height axis in front); 2-d unchanged."""
    if nd == 2:
        return geometry
    return tuple(((0, 0),) + g if isinstance(g[0], tuple) else (1,) + g for g in geometry)


def _check_geometry(stride, dilation):
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")


def _common_checks(input, weight, bias, groups, nd, op):
    """The checks conv and transposed conv share; returns the batched input, whether it was
    unbatched, and the weight's shape."""
    x, unbatched = _batched(input, nd, op)
    if weight.ndim != nd + 2:
        raise RuntimeError(
            f"{op}: expected weight to be {nd + 2}-dimensional, got weight of size "
            f"{list(weight.shape)}")
    _check_dtypes(x, weight, bias)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    return x, unbatched, weight._data.shape


def _convnd(input, weight, bias, stride, padding, dilation, groups, nd, op):
    x, unbatched, ws = _common_checks(input, weight, bias, groups, nd, op)
    if ws[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension "
            f"0, but got weight of size {list(ws)} instead")
    if x._data.shape[1] != ws[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(ws)}, expected input"
            f"{list(x.shape)} to have {ws[1] * groups} channels, but got {x._data.shape[1]} "
            f"channels instead")
    if bias is not None and bias._data.shape != (ws[0],):
        raise RuntimeError(
            f"Given weight of size {list(ws)}, expected bias to be 1-dimensional with {ws[0]} "
            f"elements, but got bias of size {list(bias.shape)} instead")
    kernel = ws[2:]
    stride = _ntuple(stride, nd, "stride")
    dilation = _ntuple(dilation, nd, "dilation")
    _check_geometry(stride, dilation)
    pads = _conv_padding(padding, nd, kernel, stride, dilation)
    spatial = x._data.shape[2:]
    padded = tuple(s + sum(p) for s, p in zip(spatial, pads))
    if any(ps < d * (k - 1) + 1 for ps, k, d in zip(padded, kernel, dilation)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({_dims(padded)}). Kernel size: "
            f"({_dims(d * (k - 1) + 1 for k, d in zip(kernel, dilation))}). Kernel size can't "
            f"be greater than actual input size")
    stride, dilation, pads = _to2d(nd, stride, dilation, pads)
    args = (x, weight) if bias is None else (x, weight, bias)
    out = _conv(*args, stride=stride, padding=pads, dilation=dilation, groups=int(groups))
    return out.squeeze(0) if unbatched else out


def _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation,
                      nd, op):
    x, unbatched, ws = _common_checks(input, weight, bias, groups, nd, op)
    if x._data.shape[1] != ws[0] or ws[0] % groups:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(ws)}, expected input{list(x.shape)} to "
            f"have {ws[0]} channels (divisible by groups={groups}), but got "
            f"{x._data.shape[1]} channels instead")
    c_out = ws[1] * groups
    if bias is not None and bias._data.shape != (c_out,):
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(ws)}, expected bias to be 1-dimensional "
            f"with {c_out} elements, but got bias of size {list(bias.shape)} instead")
    if isinstance(padding, str):
        raise RuntimeError(f"{op}: padding must be an int or a tuple of ints, got {padding!r}")
    kernel = ws[2:]
    stride = _ntuple(stride, nd, "stride")
    dilation = _ntuple(dilation, nd, "dilation")
    pad = _ntuple(padding, nd, "padding")
    opad = _ntuple(output_padding, nd, "output_padding")
    _check_geometry(stride, dilation)
    if any(p < 0 for p in pad + opad):
        raise RuntimeError("negative padding is not supported")
    if any(op_ >= s and op_ >= d for op_, s, d in zip(opad, stride, dilation)):
        names = ("height", "width") if nd == 2 else ("width",)
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            + " ".join(f"output_padding_{n}: {v}" for n, v in zip(names, opad)) + " "
            + " ".join(f"stride_{n}: {v}" for n, v in zip(names, stride)) + " "
            + " ".join(f"dilation_{n}: {v}" for n, v in zip(names, dilation)))
    # Output size: the input size of the convolution this op is the adjoint of.
    xsize = tuple((i - 1) * s - 2 * p + d * (k - 1) + op_ + 1 for i, s, p, d, k, op_ in
                  zip(x._data.shape[2:], stride, pad, dilation, kernel, opad))
    if any(v <= 0 for v in xsize):
        raise RuntimeError(
            f"{op}: calculated output size {list(xsize)} is too small (input size "
            f"{list(x._data.shape[2:])}, kernel size {list(kernel)})")
    pads = tuple((p, p) for p in pad)
    stride, dilation, pads = _to2d(nd, stride, dilation, pads)
    args = (x, weight) if bias is None else (x, weight, bias)
    out = _conv_t(*args, xsize=xsize, stride=stride, padding=pads, dilation=dilation,
                  groups=int(groups))
    return out.squeeze(0) if unbatched else out


# --------------------------------------------------------------------------- public API
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-d convolution (cross-correlation) over an input of several planes, as PyTorch's.

    One fused op: the input patches are copied once into columns (im2col) and multiplied by
    the weights in one batched matrix product. Its derivatives are again convolutions, so
    higher-order gradients work.

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride: step between windows, an int or ``(sH, sW)``.
        padding: zeros added on both sides, an int or ``(pH, pW)``, or ``"valid"`` (none) or
            ``"same"`` (output as large as the input; stride 1 only; an odd total puts the
            extra zero after).
        dilation: spacing between kernel elements.
        groups: split the channels into this many independent groups.

    Shape:
        ``H_out = floor((H + 2 pH - dH (kH - 1) - 1) / sH) + 1``, likewise ``W_out``.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> x = cr.ones(1, 1, 4, 4)
        >>> w = cr.ones(2, 1, 3, 3)
        >>> F.conv2d(x, w, padding=1).shape
        chainrule.Size([1, 2, 4, 4])
        >>> F.conv2d(x, w)[0, 0]
        tensor([[9., 9.],
                [9., 9.]])
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """1-d convolution (cross-correlation), as PyTorch's; see :func:`conv2d`.

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``.
        weight: ``(C_out, C_in / groups, k)``.
        bias: optional ``(C_out,)``.
        stride, padding, dilation, groups: as :func:`conv2d`, with one spatial dimension.

    Shape:
        ``L_out = floor((L + 2 padding - dilation (k - 1) - 1) / stride) + 1``.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.conv1d(cr.arange(5.0).reshape(1, 1, 5), cr.ones(1, 1, 2))
        tensor([[[1., 3., 5., 7.]]])
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-d transposed convolution ("deconvolution"), as PyTorch's.

    It is the gradient of :func:`conv2d` with respect to its input: each input pixel scatters
    a weighted copy of the kernel into the output. Fused (one GEMM, then col2im).

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
        weight: ``(C_in, C_out / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride, dilation, groups: those of the convolution this op transposes.
        padding: ``dilation * (k - 1) - padding`` zeros are implicitly added to the input
            (that is: ``padding`` positions are cut from each side of the output).
        output_padding: extra size added on one side of the output (smaller than stride or
            dilation), to choose among the input sizes a strided convolution maps alike.

    Shape:
        ``H_out = (H - 1) sH - 2 pH + dH (kH - 1) + output_padding + 1``, likewise ``W_out``.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.conv_transpose2d(cr.ones(1, 1, 2, 2), cr.ones(1, 1, 2, 2), stride=2).shape
        chainrule.Size([1, 1, 4, 4])
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 2, "conv_transpose2d")


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-d transposed convolution, as PyTorch's; see :func:`conv_transpose2d`.

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``.
        weight: ``(C_in, C_out / groups, k)``.
        bias, stride, padding, output_padding, groups, dilation: as
            :func:`conv_transpose2d`, with one spatial dimension.

    Shape:
        ``L_out = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1``.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.conv_transpose1d(cr.ones(1, 1, 3), cr.ones(1, 1, 2))
        tensor([[[1., 2., 2., 1.]]])
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 1, "conv_transpose1d")


# --------------------------------------------------------------------------- unfold / fold
def _unfold_np(x, *, ksize, stride, padding, dilation):
    n, c = x.shape[:2]
    kh, kw = ksize
    oh = _out_len(x.shape[2], kh, stride[0], dilation[0], sum(padding[0]))
    ow = _out_len(x.shape[3], kw, stride[1], dilation[1], sum(padding[1]))
    win = _windows(_pad_zeros(x, padding), kh, kw, oh, ow, stride, dilation)
    return np.ascontiguousarray(win).reshape(n, c * kh * kw, oh * ow)


def _fold_np(cols, *, osize, ksize, stride, padding, dilation):
    n, ckk, _ = cols.shape
    kh, kw = ksize
    (pt, pb), (pl, pr) = padding
    h, w = osize
    oh = _out_len(h, kh, stride[0], dilation[0], pt + pb)
    ow = _out_len(w, kw, stride[1], dilation[1], pl + pr)
    c = ckk // (kh * kw)
    out = np.zeros((n, c, h + pt + pb, w + pl + pr), cols.dtype)
    _col2im_add(out, cols.reshape(n, c, kh, kw, oh, ow), stride, dilation)
    if pt or pb or pl or pr:
        out = np.ascontiguousarray(out[:, :, pt:pt + h, pl:pl + w])
    return out


# fmt: off
@primitive(name="im2col")
def _unfold(x, *, ksize, stride, padding, dilation):
    return _unfold_np(x, ksize=ksize, stride=stride, padding=padding, dilation=dilation)


@primitive(name="col2im")
def _fold(cols, *, osize, ksize, stride, padding, dilation):
    return _fold_np(cols, osize=osize, ksize=ksize, stride=stride, padding=padding,
                    dilation=dilation)


# unfold copies each input element into the columns it belongs to, fold sums columns back
# into place: each is the other's adjoint, so each one's derivative is the other.
_unfold.defvjp(lambda g, out, x, **p: _apply(_fold, g, osize=tuple(x.shape[2:]), **p),
               saves_inputs=False)
_fold.defvjp(lambda g, out, cols, *, osize, **p: _apply(_unfold, g, **p), saves_inputs=False)
# fmt: on


def _fold_geometry(kernel_size, dilation, padding, stride):
    k = _ntuple(kernel_size, 2, "kernel_size")
    d = _ntuple(dilation, 2, "dilation")
    p = _ntuple(padding, 2, "padding")
    s = _ntuple(stride, 2, "stride")
    _check_geometry(s, d)
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got {list(k)}")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return k, d, tuple((v, v) for v in p), s


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding local blocks (im2col), as PyTorch's ``F.unfold``.

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``.
        kernel_size, dilation, padding, stride: the block geometry, ints or pairs.

    Shape:
        Output ``(N, C * kH * kW, L)``, ``L`` the number of block positions; column ``l``
        holds the block at position ``l`` (row-major), channel-major within.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.unfold(cr.arange(9.0).reshape(1, 1, 3, 3), 2)
        tensor([[[0., 1., 3., 4.],
                 [1., 2., 4., 5.],
                 [3., 4., 6., 7.],
                 [4., 5., 7., 8.]]])
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)
    k, d, p, s = _fold_geometry(kernel_size, dilation, padding, stride)
    h, w = x._data.shape[2:]
    if _out_len(h, k[0], s[0], d[0], 2 * p[0][0]) < 1 or \
            _out_len(w, k[1], s[1], d[1], 2 * p[1][0]) < 1:
        raise RuntimeError(
            f"Given input with spatial size ({h}, {w}), kernel_size={list(k)}, "
            f"dilation={list(d)}, padding={[v[0] for v in p]}, calculated shape of the array "
            f"of sliding blocks is non-positive")
    out = _unfold(x, ksize=k, stride=s, padding=p, dilation=d)
    return out.squeeze(0) if unbatched else out


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum sliding local blocks back into a tensor (col2im), as PyTorch's ``F.fold``.

    The adjoint of :func:`unfold`: overlapping block entries are added.

    Args:
        input: ``(N, C * kH * kW, L)`` or unbatched ``(C * kH * kW, L)``.
        output_size: spatial size ``(H, W)`` of the result.
        kernel_size, dilation, padding, stride: the block geometry, as for :func:`unfold`.

    Shape:
        Output ``(N, C, H, W)``.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.fold(cr.ones(1, 4, 4), (3, 3), 2)
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
    """
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
            f"(got {input.ndim}D)")
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == 2 else (input, False)
    osize = _ntuple(output_size, 2, "output_size")
    k, d, p, s = _fold_geometry(kernel_size, dilation, padding, stride)
    ckk, length = x._data.shape[1:]
    if ckk % (k[0] * k[1]):
        raise RuntimeError(
            f"Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={ckk} and kernel_size={tuple(k)}")
    blocks = [_out_len(osize[i], k[i], s[i], d[i], 2 * p[i][0]) for i in range(2)]
    if blocks[0] * blocks[1] != length or min(blocks) < 1:
        raise RuntimeError(
            f"Given output_size={tuple(osize)}, kernel_size={tuple(k)}, dilation={tuple(d)}, "
            f"padding={tuple(v[0] for v in p)}, stride={tuple(s)}, expected size of input's "
            f"dimension 2 to match the calculated number of sliding blocks {blocks[0]} * "
            f"{blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={length}.")
    out = _fold(x, osize=osize, ksize=k, stride=s, padding=p, dilation=d)
    return out.squeeze(0) if unbatched else out
