"""Normalization layers: ``batch_norm``, ``layer_norm``, ``group_norm``, ``instance_norm``,
``local_response_norm`` and ``rms_norm``.

The first four are one fused primitive, ``normalize``: with statistics taken over some axes,

    xhat = (x - mean) * invstd,    invstd = 1 / sqrt(var + eps)   (biased variance)
    y    = xhat * w + b            (w, b broadcast along the "channel" axes)

The statistics are computed in NumPy before the primitive runs (batch norm needs them anyway
to update its running averages) and handed to it as constants; the rule accounts for their
dependence on ``x`` itself. Hand-derived backward, with M the number of elements in one
statistics group and ``gh = dL/dxhat = g * w``:

    dL/dx = invstd * (gh - mean(gh) - xhat * mean(gh * xhat))     (means over the group)
    dL/dw = sum(g * xhat),  dL/db = sum(g)                        (sums over non-channel axes)

Derivation: xhat_i = (x_i - mu) s with s = invstd, dmu/dx_j = 1/M and
ds/dx_j = -s^3 (x_j - mu) / M = -s^2 xhat_j / M (the mean term of d var vanishes), so
dxhat_i/dx_j = s (delta_ij - 1/M - xhat_i xhat_j / M), and contracting with gh gives the
line above. When the statistics are fixed (batch norm in eval mode) only
``dL/dx = gh * invstd`` remains.

``rms_norm`` is a second fused primitive, ``rms_norm``: with ``r = 1 / sqrt(mean(x^2) + eps)``
over the normalized axes (M elements), ``xhat = x * r`` and ``y = xhat * w``. Since
``dr/dx_j = -r^3 x_j / M = -r^2 xhat_j / M``, with ``gh = g * w``:

    dL/dx = r * (gh - xhat * mean(gh * xhat))        dL/dw = sum(g * xhat)  (over the batch)

(the layer-norm formula without the mean terms). ``mean(x^2)`` is taken of ``x / s`` with
``s = max(1, max |x|)`` per group, ``r = (1/s) / sqrt(mean((x/s)^2) + eps/s^2)``, so huge
inputs do not overflow (PyTorch returns zeros there).

The rules are written with the helpers of ``chainrule.ops.rules``; under ``create_graph`` the
statistics are recomputed from ``x`` with recorded ops, so second derivatives are exact too.
"""

from __future__ import annotations

import math

import numpy as np

from chainrule.autograd.primitive import primitive
from chainrule.nn.functional.pooling import avg_pool2d
from chainrule.ops import rules as R
from chainrule.tensor import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "local_response_norm",
           "rms_norm"]


# --------------------------------------------------------------------------- the primitive
def _normalize_np(x, w=None, b=None, *, mean, invstd, view, axes, waxes, wview, fixed):
    if view is None and waxes == axes:
        # Statistics and affine both per channel (batch norm): fold them into one
        # multiply-add, y = x * (w * invstd) + (b - mean * w * invstd).
        scale = invstd if w is None else invstd * w.reshape(mean.shape)
        shift = -mean * scale if b is None else b.reshape(mean.shape) - mean * scale
        y = x * scale
        y += shift
        return y
    xv = x if view is None else x.reshape(view)
    y = (xv - mean) * invstd
    y = y.reshape(x.shape)
    if w is not None:
        y *= w.reshape(wview)
    if b is not None:
        y += b.reshape(wview)
    return y


def _stats(x, view, axes, eps):
    """Mean and ``1 / sqrt(biased var + eps)`` over ``axes`` of ``x`` viewed as ``view``,
    keeping dims; NumPy arrays, or recorded Tensor ops under ``create_graph``."""
    xv = x if view is None else R.reshape(x, view)
    n = max(int(np.prod([xv.shape[a] for a in axes])), 1)  # empty groups: sums are 0, not 0/0
    mean = R.sum(xv, axes, True) / n
    xc = xv - mean
    var = R.sum(xc * xc, axes, True) / n
    return mean, (var + eps) ** -0.5


def _np_stats(x, view, axes, eps):
    """``(mean, biased var, invstd)`` in NumPy, keeping dims."""
    xv = x if view is None else x.reshape(view)
    if xv.size == 0:  # an empty batch: statistics of nothing, zeros (NumPy's mean warns)
        zero = xv.sum(axes, keepdims=True)
        return zero, zero, (zero + x.dtype.type(eps)) ** -0.5
    mean = xv.mean(axes, keepdims=True)
    xc = xv - mean
    xc *= xc
    var = xc.mean(axes, keepdims=True)
    return mean, var, (var + x.dtype.type(eps)) ** -0.5


def _xhat(x, mean, invstd, view):
    xv = x if view is None else R.reshape(x, view)
    return (xv - mean) * invstd


def _consts(x, mean, invstd, view, axes, fixed, eps):
    """The statistics a rule works with: recomputed with recorded ops when differentiating
    the rule itself (``create_graph``), the forward's constants otherwise."""
    if isinstance(x, Tensor):
        if fixed:
            return R.like(mean, x), R.like(invstd, x)
        return _stats(x, view, axes, eps)
    return mean, invstd


def _rule_x(g, out, x, w=None, b=None, *, mean, invstd, view, axes, waxes, wview, fixed,
            eps=0.0):
    mean, invstd = _consts(x, mean, invstd, view, axes, fixed, eps)
    gh = g if w is None else g * R.reshape(w, wview)
    if view is not None:
        gh = R.reshape(gh, view)
    if fixed:
        dx = gh * invstd
    else:
        xhat = _xhat(x, mean, invstd, view)
        n = max(int(np.prod([xhat.shape[a] for a in axes])), 1)  # (empty: sums are 0)
        dx = (gh - R.sum(gh, axes, True) / n
              - xhat * (R.sum(gh * xhat, axes, True) / n)) * invstd
    return R.reshape(dx, x.shape)


def _rule_w(g, out, x, w=None, b=None, *, mean, invstd, view, axes, waxes, wview, fixed,
            eps=0.0):
    mean, invstd = _consts(x, mean, invstd, view, axes, fixed, eps)
    xhat = R.reshape(_xhat(x, mean, invstd, view), x.shape)
    return R.reshape(R.sum(g * xhat, waxes), w.shape)


def _rule_b(g, out, x, w=None, b=None, *, waxes, **params):
    return R.reshape(R.sum(g, waxes), b.shape)


# fmt: off
@primitive(name="native_norm")
def _normalize(x, w=None, b=None, *, mean, invstd, view, axes, waxes, wview, fixed, eps=0.0):
    return _normalize_np(x, w, b, mean=mean, invstd=invstd, view=view, axes=axes, waxes=waxes,
                         wview=wview, fixed=fixed)
_normalize.defvjp(_rule_x, _rule_w, _rule_b)
# fmt: on


def _apply_norm(input, weight, bias, view, axes, waxes, wview, eps, stats=None, fixed=False):
    """Run the primitive; ``weight``/``bias`` may be None (a missing weight before a present
    bias is passed as a constant ones tensor)."""
    if stats is None:
        stats = _np_stats(input._data, view, axes, eps)[::2]
    mean, invstd = stats
    if weight is None and bias is not None:
        weight = Tensor._wrap(np.ones(bias._data.shape, input._data.dtype))
    args = [input] + [t for t in (weight, bias) if t is not None]
    for t in args[1:]:
        if t._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"expected weight and bias to have the input's dtype {input.dtype}, got "
                f"{t.dtype}")
    return _normalize(*args, mean=mean, invstd=invstd, view=view, axes=axes, waxes=waxes,
                      wview=wview, fixed=fixed, eps=float(eps))


def _check_float(input, op):
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype}")


# --------------------------------------------------------------------------- public API
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization over the channel axis 1, as PyTorch's.

    In training mode each channel is normalized with the mean and biased variance of the
    batch (over every axis but 1), and the running statistics, if given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch_stat``, with the *unbiased*
    variance for ``running_var``. In eval mode the running statistics are used.

    Args:
        input: ``(N, C)`` or ``(N, C, *)``.
        running_mean, running_var: ``(C,)`` buffers; in training mode both may be None
            (batch statistics only, nothing updated). Eval mode needs them.
        weight, bias: optional ``(C,)`` affine parameters.
        training: use (and update) batch statistics.
        momentum: weight of the new batch statistic in the running average.
        eps: added to the variance for stability.

    The running statistics receive no gradient.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> x = cr.tensor([[1.0, 10.0], [3.0, 30.0]])
        >>> rm, rv = cr.zeros(2), cr.ones(2)
        >>> F.batch_norm(x, rm, rv, training=True, eps=0.0).tolist()
        [[-1.0, -1.0], [1.0, 1.0]]
        >>> [round(v, 4) for v in rm.tolist()]
        [0.2, 2.0]
    """
    _check_float(input, "batch_norm")
    if input.ndim < 2:
        raise ValueError(f"expected 2D or higher input (got {input.ndim}D input)")
    if not training:
        for t, name in ((running_mean, "running_mean"), (running_var, "running_var")):
            if t is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
    shape = input._data.shape
    c = shape[1]
    _check_channels(c, running_mean=running_mean, running_var=running_var, weight=weight,
                    bias=bias)
    _check_pair(running_mean, running_var)
    nd = input.ndim
    axes = (0,) + tuple(range(2, nd))
    wview = (c,) + (1,) * (nd - 2)
    if training:
        n = shape[0] * math.prod(shape[2:])  # values per channel
        if n == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size "
                f"{input.shape}")
        mean, var, invstd = _np_stats(input._data, None, axes, eps)
        # An empty batch has no statistics to average in: the running ones stay (PyTorch).
        if running_mean is not None and n:
            _update_running(running_mean, running_var, mean, var * (n / (n - 1)), momentum)
        stats = (mean, invstd)
        fixed = False
    else:
        dt = input._data.dtype
        mean = running_mean._data.astype(dt, copy=False).reshape(wview)
        invstd = ((running_var._data.astype(dt, copy=False) + dt.type(eps)) ** -0.5).reshape(
            wview)
        stats, fixed = (mean, invstd), True
    return _apply_norm(input, weight, bias, None, axes, axes, wview, eps, stats, fixed)


def _check_channels(c, **tensors):
    for name, t in tensors.items():
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")


def _check_pair(running_mean, running_var):
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither "
                         "be None")


def _update_running(running_mean, running_var, mean, unbiased_var, momentum):
    """``running = (1 - momentum) * running + momentum * new``, in place (no graph)."""
    m = 0.0 if momentum is None else float(momentum)
    rm, rv = running_mean._data, running_var._data
    rm *= 1 - m
    rm += (m * mean.reshape(-1)).astype(rm.dtype, copy=False)
    rv *= 1 - m
    rv += (m * unbiased_var.reshape(-1)).astype(rv.dtype, copy=False)
    running_mean._version += 1
    running_var._version += 1


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Layer normalization over the last ``len(normalized_shape)`` axes, as PyTorch's.

    Args:
        input: ``(*, *normalized_shape)``.
        normalized_shape: the trailing shape to normalize over (an int for one axis).
        weight, bias: optional elementwise affine parameters of shape ``normalized_shape``.
        eps: added to the variance for stability.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.layer_norm(cr.tensor([[1.0, 3.0], [2.0, 6.0]]), (2,), eps=0.0).tolist()
        [[-1.0, 1.0], [-1.0, 1.0]]
    """
    _check_float(input, "layer_norm")
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) \
        else tuple(int(s) for s in normalized_shape)
    k = len(shape)
    if k == 0 or tuple(input._data.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and tuple(t._data.shape) != shape:
            raise RuntimeError(f"layer_norm: expected {name} of shape {list(shape)}, got "
                               f"{list(t.shape)}")
    nd = input.ndim
    axes = tuple(range(nd - k, nd))
    return _apply_norm(input, weight, bias, None, axes, tuple(range(nd - k)), shape, eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalization, as PyTorch's: channels split into ``num_groups`` groups, each
    normalized (per sample) over its channels and all spatial positions.

    Args:
        input: ``(N, C, *)``, ``C`` divisible by ``num_groups``.
        num_groups: number of groups.
        weight, bias: optional per-channel ``(C,)`` affine parameters.
        eps: added to the variance for stability.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.group_norm(cr.tensor([[1.0, 3.0, 4.0, 8.0]]), 2, eps=0.0).tolist()
        [[-1.0, 1.0, -1.0, 1.0]]
    """
    _check_float(input, "group_norm")
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected at least a 2D input (N, C, *), got "
                           f"{list(input.shape)}")
    n, c = input._data.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(input.shape)} and num_groups={num_groups}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"group_norm: expected {name} to have {c} elements, got "
                               f"{list(t.shape)}")
    spatial = math.prod(input._data.shape[2:])
    if n * (c // num_groups) * spatial == 1:  # PyTorch's check: one value in a group
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {list(input.shape)}")
    nd = input.ndim
    # The group size spelled out, not -1: an empty batch (N = 0) has no size to infer.
    view = (n, num_groups, c // num_groups * spatial)
    wview = (c,) + (1,) * (nd - 2)
    return _apply_norm(input, weight, bias, view, (2,), (0,) + tuple(range(2, nd)), wview, eps)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Instance normalization, as PyTorch's: each channel of each sample normalized over its
    spatial positions.

    Args:
        input: ``(N, C, *)`` with at least one spatial axis.
        running_mean, running_var: optional ``(C,)`` buffers, updated (with the batch average
            of the per-instance statistics) when ``use_input_stats``.
        weight, bias: optional ``(C,)`` affine parameters.
        use_input_stats: normalize with the instance statistics; otherwise with the running
            ones.
        momentum, eps: as :func:`batch_norm`.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.instance_norm(cr.tensor([[[1.0, 3.0], [4.0, 8.0]]]), eps=0.0).tolist()
        [[[-1.0, 1.0], [-1.0, 1.0]]]
    """
    _check_float(input, "instance_norm")
    if input.ndim < 3:
        raise RuntimeError(f"instance_norm: expected an input (N, C, *) with a spatial axis, got "
                           f"{list(input.shape)}")
    nd = input.ndim
    shape = input._data.shape
    c = shape[1]
    if use_input_stats and math.prod(shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{input.shape}")
    _check_pair(running_mean, running_var)
    _check_channels(c, running_mean=running_mean, running_var=running_var, weight=weight,
                    bias=bias)
    axes = tuple(range(2, nd))
    wview = (c,) + (1,) * (nd - 2)
    waxes = (0,) + axes
    if not use_input_stats:
        if running_mean is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    mean, var, invstd = _np_stats(input._data, None, axes, eps)
    if running_mean is not None and running_var is not None:
        # The running statistics track the batch average of the per-instance ones.
        n = int(np.prod(input._data.shape[2:]))
        nc = input._data.shape[:2]
        _update_running(running_mean, running_var, mean.reshape(nc).mean(0),
                        (var * (n / max(n - 1, 1))).reshape(nc).mean(0), momentum)
    return _apply_norm(input, weight, bias, None, axes, waxes, wview, eps, (mean, invstd))


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Local response normalization across channels, as PyTorch's:
    ``y_c = x_c / (k + alpha / size * sum of x^2 over the `size` channels around c) ** beta``.

    A composite of differentiable ops (an average pool over the channel axis).

    Args:
        input: ``(N, C, *)``.
        size: number of neighbouring channels summed.
        alpha, beta, k: the constants of the formula.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> y = F.local_response_norm(cr.ones(1, 3, 1, 1), 2, alpha=1.0, beta=1.0, k=0.0)
        >>> y.flatten().tolist()
        [2.0, 1.0, 1.0]
    """
    _check_float(input, "local_response_norm")
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} "
                         f"dimensions)")
    if size <= 0:
        raise RuntimeError(f"local_response_norm: size must be greater than zero, got {size}")
    if input._data.size == 0:  # nothing to normalize (no sample, channel or position)
        return input * 1
    n, c = input._data.shape[:2]
    sq = (input * input).reshape(n, 1, c, input._data.size // (n * c))
    # Zero-pad size//2 channels before and (size-1)//2 after, then average `size` channels.
    lo, hi = size // 2, (size - 1) // 2
    zeros = Tensor._wrap(np.zeros((n, 1, lo + hi, sq._data.shape[3]), input._data.dtype))
    padded = sq if lo + hi == 0 else _cat_channels(zeros, sq, lo)
    div = avg_pool2d(padded, (size, 1), stride=1).reshape(input.shape)
    div = (div * alpha + k) ** beta
    return input / div


def _cat_channels(zeros, sq, lo):
    from chainrule.ops import cat

    return cat([zeros[:, :, :lo], sq, zeros[:, :, lo:]], dim=2)


# --------------------------------------------------------------------------- rms_norm
def _rms_scale(xd, axes):
    """``s = max(1, max |x|)`` per group (kept dims): the divisor that keeps ``x^2`` finite."""
    m = np.abs(xd).max(axis=axes, keepdims=True, initial=0)
    return np.maximum(m, 1, out=m)


def _rms_rstd(x, axes, eps, scale):
    """``1 / sqrt(mean(x^2) + eps)`` over ``axes`` (kept dims), computed from ``x / scale``;
    NumPy, or recorded Tensor ops under ``create_graph`` (``scale`` a constant)."""
    n = max(int(np.prod([x.shape[a] for a in axes])), 1)
    xs = x / R.like(scale, x)
    ms = R.sum(xs * xs, axes, True) / n
    sc = R.like(scale, x)
    return (ms + R.like(eps / scale / scale, x)) ** -0.5 / sc


def _rms_consts(x, rstd, axes, eps):
    if isinstance(x, Tensor):
        return _rms_rstd(x, axes, eps, _rms_scale(x._data, axes))
    return rstd


def _rms_rule_x(g, out, x, w=None, *, axes, rstd, eps):
    # dx = r * (gh - xhat * mean(gh * xhat)), gh = g * w, xhat = x * r (module docstring).
    r = _rms_consts(x, rstd, axes, eps)
    gh = g if w is None else g * w
    xhat = x * r
    n = max(int(np.prod([x.shape[a] for a in axes])), 1)
    return (gh - xhat * (R.sum(gh * xhat, axes, True) / n)) * r


def _rms_rule_w(g, out, x, w=None, *, axes, rstd, eps):
    # dw = sum over the leading (batch) axes of g * xhat.
    r = _rms_consts(x, rstd, axes, eps)
    lead = tuple(range(x.ndim - len(axes)))
    return R.reshape(R.sum(g * (x * r), lead), w.shape)


# fmt: off
@primitive(name="rms_norm")
def _rms_norm(x, w=None, *, axes, rstd, eps):
    y = x * rstd
    if w is not None:
        y *= w
    return y
_rms_norm.defvjp(_rms_rule_x, _rms_rule_w)
# fmt: on


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """Root-mean-square normalization over the trailing ``normalized_shape`` axes, as
    PyTorch's: ``y = x / sqrt(mean(x^2) + eps) * weight``.

    One fused op with a hand-derived backward (see the module docstring); the mean square is
    computed from ``x`` scaled by its largest magnitude, so it cannot overflow.

    Args:
        input: ``(*, *normalized_shape)``.
        normalized_shape: the trailing shape to normalize over (a list or tuple of ints).
        weight: optional elementwise scale of shape ``normalized_shape`` (cast to the input's
            dtype, as PyTorch's result has the input's dtype).
        eps: added to the mean square; None: the machine epsilon of the input's dtype.

    Example:
        >>> import chainrule as cr
        >>> import chainrule.nn.functional as F
        >>> F.rms_norm(cr.tensor([[3.0, -4.0]]), [2], eps=0.0)
        tensor([[ 0.8485, -1.1314]])
    """
    if isinstance(normalized_shape, (int, np.integer)):
        raise TypeError(f"rms_norm(): argument 'normalized_shape' (position 2) must be tuple of "
                        f"ints, not {type(normalized_shape).__name__}")
    shape = tuple(int(s) for s in normalized_shape)
    k = len(shape)
    if k == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    if input.ndim < k:
        raise ValueError(f"Input tensor must have at least {k} dimensions, but got "
                         f"{input.ndim}")
    if tuple(input._data.shape[input.ndim - k:]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight._data.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight.shape)} and normalized_shape = "
                           f"{list(shape)}")
    dt = input._data.dtype
    if dt.kind != "f":
        kind = {"i": "Long" if dt.itemsize == 8 else "Int", "b": "Bool", "u": "Byte"}
        raise NotImplementedError(f'"rms_norm" not implemented for \'{kind.get(dt.kind, dt)}\'')
    if eps is None:
        eps = float(np.finfo(dt).eps)
    axes = tuple(range(input.ndim - k, input.ndim))
    xd = input._data
    scale = _rms_scale(xd, axes)
    rstd = _rms_rstd(xd, axes, dt.type(eps), scale).astype(dt, copy=False)
    if weight is None:
        return _rms_norm(input, axes=axes, rstd=rstd, eps=eps)
    if weight._data.dtype != dt:
        weight = weight.to(input.dtype)
    return _rms_norm(input, weight, axes=axes, rstd=rstd, eps=eps)
