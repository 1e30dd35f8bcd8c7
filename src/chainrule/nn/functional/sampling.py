"""Resampling: ``interpolate`` (and the ``upsample*`` aliases), ``pixel_shuffle``,
``pixel_unshuffle`` and ``channel_shuffle``.

Every interpolation mode is separable: the output is the input multiplied, along each spatial
axis in turn, by a small resampling matrix ``W`` of shape ``(out, in)`` whose row ``o`` holds
the weights of the input positions that output ``o`` reads:

    nearest, nearest-exact   one 1 per row (a gather)
    linear (bi-, tri-)       two neighbours, weights ``1 - lambda`` and ``lambda``
    bicubic                  four neighbours (clamped at the border), Keys' cubic, a = -0.75
    area                     an adaptive average-pooling window, weights ``1 / window``

``W`` is stored sparsely, as an ``(out, K)`` table of input indices and one of weights, and
applied either as a gather of K neighbours (large axes) or, for short axes, as one dense GEMM.
One primitive per axis, ``resample``: ``y = W x`` along ``axis``. It is linear in ``x``, so

    dL/dx = W^T g        (the transposed op, ``resample_t``: a scatter-add, or a GEMM by W^T)

and the derivative of ``resample_t`` is ``resample`` again: the pair is closed under
differentiation, so gradients of any order work.

The positions follow PyTorch's CPU kernels exactly (``align_corners``, given scale factors,
the float32 index arithmetic of the nearest modes), so outputs match to rounding.

``pixel_shuffle``, ``pixel_unshuffle`` and ``channel_shuffle`` are reshapes and a permutation
(composites of differentiable views).
"""

from __future__ import annotations

import math

import numpy as np

from chainrule.autograd.primitive import primitive
from chainrule.tensor import Tensor

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle", "channel_shuffle"]

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "bool": "Bool"}
# Axes up to this long are resampled by a dense GEMM; longer ones by gathering neighbours
# (whose cost does not grow with the axis length).
_DENSE_MAX = 64


# --------------------------------------------------------------------------- the plan
class _Plan:
    """The resampling matrix of one axis, ``in_size -> out_size``: ``index`` ``(out, K)``
    input positions and ``weight`` ``(out, K)`` their weights (``None``: all ones)."""

    __slots__ = ("in_size", "out_size", "index", "weight", "_dense", "_scatter", "_cache")

    def __init__(self, in_size, index, weight=None):
        self.in_size = int(in_size)
        self.out_size = index.shape[0]
        self.index = index
        self.weight = weight
        k = index.shape[1]
        self._dense = self.in_size <= max(_DENSE_MAX, 16 * k)
        self._scatter = None
        self._cache = {}

    def __repr__(self) -> str:
        return f"<{self.in_size} -> {self.out_size}>"

    def _weights(self, dtype):
        w = self._cache.get(("w", dtype))
        if w is None:
            w = self._cache[("w", dtype)] = self.weight.astype(dtype)
        return w

    def matrix(self, dtype):
        """The dense ``(out, in)`` matrix, in ``dtype``."""
        m = self._cache.get(("m", dtype))
        if m is None:
            m = np.zeros((self.out_size, self.in_size), np.float64)
            rows = np.broadcast_to(np.arange(self.out_size)[:, None], self.index.shape)
            w = 1.0 if self.weight is None else self.weight
            np.add.at(m, (rows, self.index), w)  # (a clamped index can repeat in a row)
            m = self._cache[("m", dtype)] = m.astype(dtype)
        return m

    def apply(self, x, axis):
        """``W`` along ``axis`` of ``x``."""
        shape = x.shape
        a, b = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
        x3 = x.reshape(a, self.in_size, b)
        if self.weight is None:  # a pure gather (nearest): any dtype
            y = x3[:, self.index[:, 0], :]
        elif self._dense:
            m = self.matrix(x.dtype)
            y = (x3[:, :, 0] @ m.T)[:, :, None] if b == 1 else np.matmul(m, x3)
        else:
            w = self._weights(x.dtype)
            y = x3[:, self.index[:, 0], :] * w[:, :1]
            for k in range(1, self.index.shape[1]):  # K neighbours (2 or 4), not positions
                y += x3[:, self.index[:, k], :] * w[:, k:k + 1]
        return y.reshape(shape[:axis] + (self.out_size,) + shape[axis + 1:])

    def apply_t(self, g, axis):
        """``W^T`` along ``axis`` of ``g`` (the adjoint: each output's gradient is added
        back, weighted, to the inputs it read)."""
        shape = g.shape
        a, b = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
        g3 = g.reshape(a, self.out_size, b)
        if self._dense or self.weight is None and self.in_size <= _DENSE_MAX:
            m = self.matrix(g.dtype)
            y = (g3[:, :, 0] @ m)[:, :, None] if b == 1 else np.matmul(m.T, g3)
        else:
            # Sort the (output, neighbour) pairs by input position; one segmented sum
            # (np.add.reduceat) then gives every input its total.
            if self._scatter is None:
                flat = self.index.ravel()
                order = np.argsort(flat, kind="stable")
                uniq, starts = np.unique(flat[order], return_index=True)
                src = order // self.index.shape[1]
                w = None if self.weight is None else self.weight.ravel()[order]
                self._scatter = (src, w, uniq, starts)
            src, w, uniq, starts = self._scatter
            y = np.zeros((a, self.in_size, b), g.dtype)
            if uniq.size == 0:  # nothing read (an empty output)
                return y.reshape(shape[:axis] + (self.in_size,) + shape[axis + 1:])
            contrib = g3[:, src, :]
            if w is not None:
                contrib *= self._cache.setdefault(("ws", g.dtype), w.astype(g.dtype))[:, None]
            y[:, uniq, :] = np.add.reduceat(contrib, starts, axis=1)
        return y.reshape(shape[:axis] + (self.in_size,) + shape[axis + 1:])


# --------------------------------------------------------------------------- primitives
@primitive(name="upsample_axis")
def _resample(x, *, axis, plan):
    return plan.apply(x, axis)


@primitive(name="upsample_axis_backward")
def _resample_t(g, *, axis, plan):
    return plan.apply_t(g, axis)


def _apply(prim, g, **params):
    """``prim`` on a Tensor (recorded: ``create_graph``) or its NumPy forward on an array."""
    return prim(g, **params) if isinstance(g, Tensor) else prim.forward(g, **params)


# y = W x along `axis`: linear in x, so dx = W^T g (resample_t); and resample_t's own
# derivative is W g (resample). Neither rule reads the input's values.
_resample.defvjp(lambda g, out, x, *, axis, plan: _apply(_resample_t, g, axis=axis, plan=plan),
                 saves_inputs=False)
_resample_t.defvjp(lambda g, out, x, *, axis, plan: _apply(_resample, g, axis=axis, plan=plan),
                   saves_inputs=False)


# --------------------------------------------------------------------------- positions
def _inv_scale(in_size, out_size, scale, dt):
    """PyTorch's ``compute_scales_value``: ``1 / scale`` if a scale was given, else in/out."""
    if scale is not None and scale > 0:
        return dt(1.0 / scale)
    return dt(in_size) / dt(out_size)


def _area_scale(in_size, out_size, align_corners, scale, dt):
    if align_corners:
        return dt(in_size - 1) / dt(out_size - 1) if out_size > 1 else dt(0)
    return _inv_scale(in_size, out_size, scale, dt)


def _source(in_size, out_size, align_corners, scale, dt, cubic=False):
    """The (fractional) input position each output position reads."""
    r = _area_scale(in_size, out_size, align_corners, scale, dt)
    o = np.arange(out_size, dtype=dt)
    if align_corners:
        return r * o
    src = r * (o + dt(0.5)) - dt(0.5)
    return src if cubic else np.maximum(src, dt(0))


def _nearest_plan(in_size, out_size, scale, exact, legacy):
    if legacy and out_size in (in_size, 2 * in_size):
        # PyTorch's 2-d 'nearest' forward ignores the scale factor for these two sizes.
        pos = np.arange(out_size, dtype=np.float32) * np.float32(in_size / out_size)
    elif exact:  # (o + 0.5) * s in double, then rounded to float
        s = _inv_scale(in_size, out_size, scale, np.float32)  # float32, as PyTorch
        pos = ((np.arange(out_size) + 0.5) * np.float64(s)).astype(np.float32)
    else:
        pos = np.arange(out_size, dtype=np.float32) * _inv_scale(in_size, out_size, scale,
                                                                 np.float32)
    idx = np.minimum(np.floor(pos).astype(np.int64), in_size - 1)
    if out_size == in_size and np.array_equal(idx, np.arange(out_size)):
        return None  # the identity
    return _Plan(in_size, idx[:, None])


def _linear_plan(in_size, out_size, align_corners, scale, dt):
    if out_size == in_size:  # PyTorch copies (whatever the scale factor)
        return None
    src = _source(in_size, out_size, align_corners, scale, dt)
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    lam = np.clip(src - i0.astype(dt), 0, 1).astype(np.float64)
    i1 = i0 + (i0 < in_size - 1)
    return _Plan(in_size, np.stack([i0, i1], 1), np.stack([1 - lam, lam], 1))


def _cubic_plan(in_size, out_size, align_corners, scale, dt):
    src = _source(in_size, out_size, align_corners, scale, dt, cubic=True)
    f = np.floor(src)
    t = np.clip(src - f, 0, 1).astype(np.float64)
    a = -0.75

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    w = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], 1)
    idx = np.clip(f.astype(np.int64)[:, None] + np.arange(-1, 3), 0, in_size - 1)
    return _Plan(in_size, idx, w)


def _area_plan(in_size, out_size):
    if out_size == in_size:
        return None
    o = np.arange(out_size)
    start = (o * in_size) // out_size
    end = -((-(o + 1) * in_size) // out_size)
    n = end - start
    k = np.arange(max(int(n.max(initial=1)), 1))
    idx = np.minimum(start[:, None] + k, in_size - 1)
    w = (k < n[:, None]) / n[:, None]
    return _Plan(in_size, idx, w)


def _plan(mode, in_size, out_size, align_corners, scale, dt, nd):
    if mode in ("nearest", "nearest-exact"):
        return _nearest_plan(in_size, out_size, scale, mode == "nearest-exact",
                             mode == "nearest" and nd == 2)
    if mode == "area":
        return _area_plan(in_size, out_size)
    if mode == "bicubic":
        return _cubic_plan(in_size, out_size, align_corners, scale, dt)
    return _linear_plan(in_size, out_size, align_corners, scale, dt)


# --------------------------------------------------------------------------- arguments
def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _spatial_names(nd):
    return ("W",) if nd == 1 else ("H", "W") if nd == 2 else ("D", "H", "W")


def _sizes_error(in_sizes, out_sizes):
    names = _spatial_names(len(in_sizes))
    i = ", ".join(f"{n}: {s}" for n, s in zip(names, in_sizes))
    o = ", ".join(f"{n}: {s}" for n, s in zip(names, out_sizes))
    sep = " and" if len(in_sizes) == 1 else ""
    return RuntimeError(f"Input and output sizes should be greater than 0, but got input ({i})"
                        f"{sep} output ({o})")


def _check_mode_rank(input, mode, antialias):
    nd = input.ndim
    if antialias:
        if not (mode in ("bilinear", "bicubic") and nd == 4):
            raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                             "modes and requires a 4-D tensor as input")
        raise NotImplementedError("interpolate: antialias=True is not supported by chainrule")
    needs = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}
    if mode in ("linear", "bilinear", "trilinear") and nd in (3, 4, 5) and nd != needs[mode]:
        raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs {needs[mode]}D input")
    if mode not in _MODES or nd not in (3, 4, 5) or (mode == "bicubic" and nd != 4):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {nd}D) for the modes: "
            f"nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
            f"(got {mode})")


def _output_geometry(input, size, scale_factor, mode, recompute_scale_factor):
    """``(output sizes, scale factors or None)`` as PyTorch works them out."""
    dim = input.ndim - 2
    spatial = list(input._data.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scales = None
        if isinstance(size, Tensor):
            size = size.tolist()
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    f"Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial} and output size of {size}. "
                    f"Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                    f"size in (o1, o2, ...,oK) format.")
            if not all(_is_int(s) for s in size):
                raise TypeError(
                    f"expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}")
            out = [int(s) for s in size]
        else:
            if not _is_int(size):
                raise TypeError(f"interpolate: expected size to be an int or a tuple of ints, "
                                f"got {type(size).__name__}")
            out = [int(size)] * dim
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    elif scale_factor is not None:
        if isinstance(scale_factor, Tensor):
            scale_factor = scale_factor.tolist()
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    f"Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {spatial} and scale_factor of "
                    f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, "
                    f"...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        out = [int(s * f) for s, f in zip(spatial, scales)]  # truncated, as PyTorch
        if recompute_scale_factor or mode == "area":
            scales = None  # positions from the (integer) sizes alone
    else:
        raise ValueError("either size or scale_factor should be defined")
    return out, scales


# --------------------------------------------------------------------------- public API
def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial axes of ``input`` ``(N, C, *spatial)``, as PyTorch's.

    Args:
        input: ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        size: the output's spatial size (an int for every axis, or one per axis).
        scale_factor: multiplier of each spatial size (the output size is the product,
            truncated); give this or ``size``.
        mode: ``'nearest'`` (PyTorch's legacy index ``floor(o * in / out)``),
            ``'nearest-exact'`` (pixel centres: ``floor((o + 0.5) * in / out)``),
            ``'linear'`` (3-D input), ``'bilinear'`` (4-D), ``'trilinear'`` (5-D),
            ``'bicubic'`` (4-D; may overshoot the input's range) or ``'area'`` (adaptive
            average pooling).
        align_corners: for the interpolating modes: map the corner pixels' centres onto each
            other (``True``) instead of the corners' edges (``False``, the default).
        recompute_scale_factor: with ``scale_factor``, place samples from the computed
            integer output size instead of the given (possibly fractional) scale.
        antialias: not supported (``True`` raises NotImplementedError).

    Linear in ``input``; its gradient is the transposed resampling (a scatter-add).

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> x = cr.tensor([[[1.0, 2.0, 4.0]]])
        >>> F.interpolate(x, scale_factor=2).tolist()
        [[[1.0, 1.0, 2.0, 2.0, 4.0, 4.0]]]
        >>> F.interpolate(x, size=5, mode="linear", align_corners=True).tolist()
        [[[1.0, 1.5, 2.0, 3.0, 4.0]]]
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if input.ndim < 2:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
            f"nearest-exact (got {mode})")
    out, scales = _output_geometry(input, size, scale_factor, mode, recompute_scale_factor)
    _check_mode_rank(input, mode, antialias)
    shape = tuple(input._data.shape)
    nd = input.ndim - 2
    dtype = input._data.dtype
    if dtype.kind != "f" and not (mode in ("nearest", "nearest-exact") and dtype == np.uint8):
        kind = "adaptive_avg_pool" if mode == "area" else f"upsample_{mode}"
        raise NotImplementedError(f'"{kind}{nd}d" not implemented for '
                                  f"'{_TORCH_NAMES.get(str(dtype), str(dtype))}'")
    if mode == "area":
        zero = [i for i in range(1 if nd == 3 else 2, input.ndim) if shape[i] == 0]
        if zero:
            raise RuntimeError(
                f"adaptive_avg_pool{nd}d(): Expected input to have non-zero size for non-batch "
                f"dimensions, but input has sizes {list(shape)} with dimension {zero[0]} being "
                f"empty")
        if any(o < 0 for o in out):
            raise RuntimeError(f"adaptive_avg_pool{nd}d: output_size must be non-negative, got "
                               f"{out}")
    else:
        if any(s <= 0 for s in shape[2:]) or any(o <= 0 for o in out):
            raise _sizes_error(shape[2:], out)
        if any(s == 0 for s in shape[1:]):
            raise RuntimeError(f"Non-empty {input.ndim}D data tensor expected but got a tensor "
                               f"with sizes {list(shape)}")
    dt = np.float64 if dtype == np.float64 else np.float32  # PyTorch's index arithmetic
    steps = []
    for i in range(nd):
        scale = None if scales is None else scales[i]
        plan = _plan(mode, shape[2 + i], out[i], align_corners, scale, dt, nd)
        if plan is not None:
            steps.append((out[i] / max(shape[2 + i], 1), 2 + i, plan))
    y = input
    for _, axis, plan in sorted(steps, key=lambda s: s[0]):  # shrinking axes first
        y = _resample(y, axis=axis, plan=plan)
    return y if steps else input.clone()


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate` (PyTorch warns; so does this).

    Example:
        >>> import warnings
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     F.upsample(cr.ones(1, 1, 2), scale_factor=2).shape
        chainrule.Size([1, 1, 4])
    """
    import warnings

    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')``.

    Example:
        >>> import warnings
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     F.upsample_nearest(cr.ones(1, 1, 2, 2), scale_factor=2).shape
        chainrule.Size([1, 1, 4, 4])
    """
    import warnings

    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear',
    align_corners=True)``.

    Example:
        >>> import warnings
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     F.upsample_bilinear(cr.tensor([[[[0.0, 3.0]]]]), size=(1, 4)).tolist()
        [[[[0.0, 1.0, 2.0, 3.0]]]]
    """
    import warnings

    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# --------------------------------------------------------------------------- shuffles
def _check_factor(value, op, what):
    if not _is_int(value):
        raise TypeError(f"{op}(): argument '{what}' (position 2) must be int, not "
                        f"{type(value).__name__}")
    if value <= 0:
        raise RuntimeError(f"{op} expects a positive {what}, but got {value}")
    return int(value)


def _check_rank3(input, op):
    if input.ndim < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input "
                           f"with {input.ndim} dimension(s)")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C * r^2, H, W)`` into ``(*, C, H * r, W * r)``, as PyTorch's
    (sub-pixel convolution): channel ``c * r^2 + i * r + j`` becomes the pixel offset
    ``(i, j)`` of channel ``c``.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.pixel_shuffle(cr.arange(4.0).reshape(1, 4, 1, 1), 2).tolist()
        [[[[0.0, 1.0], [2.0, 3.0]]]]
    """
    r = _check_factor(upscale_factor, "pixel_shuffle", "upscale_factor")
    _check_rank3(input, "pixel_shuffle")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of :func:`pixel_shuffle`: ``(*, C, H * r, W * r)`` to
    ``(*, C * r^2, H, W)``, as PyTorch's.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.pixel_unshuffle(cr.arange(4.0).reshape(1, 1, 2, 2), 2).flatten().tolist()
        [0.0, 1.0, 2.0, 3.0]
    """
    r = _check_factor(downscale_factor, "pixel_unshuffle", "downscale_factor")
    _check_rank3(input, "pixel_unshuffle")
    *lead, c, h, w = input.shape
    for name, size, axis in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({axis})={size} is not "
                               f"divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of ``(N, C, *)`` from ``groups`` groups, as PyTorch's:
    channels viewed as ``(groups, C / groups)`` are transposed to ``(C / groups, groups)``.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.channel_shuffle(cr.arange(6.0).reshape(1, 6, 1), 2).flatten().tolist()
        [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    if not _is_int(groups):
        raise TypeError(f"channel_shuffle(): argument 'groups' (position 2) must be int, not "
                        f"{type(groups).__name__}")
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    x = input.reshape(n, int(groups), c // groups, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)
