"""Dropout, padding and distance functions.

``dropout`` multiplies by a mask drawn from chainrule's generator (inverted dropout: kept
values are scaled by ``1 / (1 - p)`` so that the expectation is unchanged). ``pad`` in
constant mode is a primitive whose derivative is the same "place a window" op run backwards;
the other modes gather indices and are differentiated through the gather.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from chainrule import ops
from chainrule._dtype import result_type as _result_type
from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.ops.indexing import _type_name
from chainrule.ops.shape import normalize_dim
from chainrule.random import rng
from chainrule.tensor import Tensor

__all__ = [
    "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
    "feature_alpha_dropout", "pad", "normalize", "cosine_similarity", "pairwise_distance",
    "pdist",
]

_wrap = Tensor._wrap


# ------------------------------------------------------------------ dropout
# fmt: off
@primitive
def _scale_by_mask(x, *, mask):
    return x * mask
# y = x * m with m a constant (0 or 1/(1-p)): dy/dx = m.
_scale_by_mask.defvjp(lambda g, out, x, *, mask: g * R.like(mask, g), saves_inputs=False)
# fmt: on


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(shape, p, dtype):
    """Kept positions as ``1 / (1 - p)``, dropped ones as 0, in ``dtype``."""
    u = rng().random(shape, dtype=np.float32 if dtype == np.float32 else np.float64)
    scale = 1.0 / (1.0 - p)
    return (u >= p) * dtype.type(scale)


def _apply_mask(input: Tensor, mask: np.ndarray, inplace: bool) -> Tensor:
    if inplace:
        from chainrule.ops.indexing import inplace as _inplace

        return _inplace(input, lambda t: _scale_by_mask(t, mask=mask), "dropout_")
    return _scale_by_mask(input, mask=mask)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Does nothing unless ``training``. The mask comes from chainrule's default generator
    (``chainrule.manual_seed`` makes it repeatable).

    Example:
        >>> import chainrule as cr
        >>> _ = cr.manual_seed(0)
        >>> y = cr.nn.functional.dropout(cr.ones(1000), p=0.25)
        >>> sorted(set(y.tolist()))
        [0.0, 1.3333333730697632]
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"dropout(): expected a floating point input, got {input.dtype}")
    if p == 1.0:
        return _apply_mask(input, np.zeros(input._data.shape, input._data.dtype), inplace)
    return _apply_mask(input, _keep_mask(input._data.shape, p, input._data.dtype), inplace)


def _feature_dropout(input, p, training, inplace, batched_ndim, name):
    """Dropout of whole channels: one draw per (sample, channel), broadcast over the rest."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (batched_ndim - 1, batched_ndim):
        raise RuntimeError(f"{name}: Expected {batched_ndim - 1}D or {batched_ndim}D input, "
                           f"but received a {nd}D input")
    return _channel_dropout(input, p, training, inplace, 2 if nd == batched_ndim else 1)


def _feature_mask_shape(input, lead):
    """Shape of a mask with one draw per index of the first ``lead`` dimensions."""
    shape = input._data.shape
    # ATen's make_feature_noise needs (N, C): at least 2 dimensions. dropout3d's unbatched
    # inputs (lead 1) get a leading 1 there first, so they need only 1.
    if len(shape) < lead:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input, "
                           f"got a {len(shape)}D input of shape {list(shape)}")
    return shape[:lead] + (1,) * (len(shape) - lead)


def _channel_dropout(input, p, training, inplace, lead):
    # As ATen's _dropout_impl: p == 0, eval mode and empty inputs return the input before
    # any check of the shape, p == 1 multiplies by zero.
    if not training or p == 0.0 or input._data.size == 0:
        return input
    dtype = input._data.dtype
    if p == 1.0:
        return _apply_mask(input, np.zeros((), dtype), inplace)
    return _apply_mask(input, _keep_mask(_feature_mask_shape(input, lead), p, dtype), inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout for ``(N, C, L)`` or ``(C, L)`` inputs: whole channels are zeroed."""
    return _feature_dropout(input, p, training, inplace, 3, "dropout1d")


def _warn_feature_rank(name, nd, expected):
    warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated and will "
                  f"result in an error in a future release. To retain the behavior and silence "
                  f"this warning, please use dropout instead. Note that {name} exists to "
                  f"provide channel-wise dropout on {expected[0]}D or {expected[1]}D inputs.",
                  UserWarning, stacklevel=3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout for ``(N, C, H, W)`` inputs: one draw per ``input[n, c]``.

    As in PyTorch, a 3-D input is read as ``(N, C, L)`` (with a warning), and any other rank
    is accepted with a deprecation warning and dropped per ``input[n, c]`` as well (a 1-D
    input is an error while training).
    """
    _check_p(p)
    nd = input._data.ndim
    if nd not in (3, 4):
        _warn_feature_rank("dropout2d", nd, (3, 4))
    if nd == 3:
        warnings.warn("dropout2d: a 3D input is treated as (N, C, L): each of its channels "
                      "is dropped as a whole (use dropout1d to say so).", UserWarning,
                      stacklevel=2)
    return _channel_dropout(input, p, training, inplace, 2)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout for ``(N, C, D, H, W)`` or ``(C, D, H, W)`` inputs.

    As in PyTorch, any other rank is accepted with a deprecation warning: a 5-D input is
    dropped per ``input[n, c]``, every other one is taken as unbatched and dropped per
    ``input[c]`` (a 0-D input is an error while training).
    """
    _check_p(p)
    nd = input._data.ndim
    if nd not in (4, 5):
        _warn_feature_rank("dropout3d", nd, (4, 5))
    return _channel_dropout(input, p, training, inplace, 2 if nd == 5 else 1)


# SELU's saturation value -scale * alpha: where alpha dropout sends dropped units.
_ALPHA_PRIME = 1.7580993408473766


def _alpha_dropout(input, p, training, inplace, lead, name):
    _check_p(p)
    if not training or p == 0.0 or input._data.size == 0:
        return input
    dtype = input._data.dtype
    if p == 1.0:
        return _apply_mask(input, np.zeros((), dtype), inplace)
    shape = input._data.shape if lead is None else _feature_mask_shape(input, lead)
    keep = (rng().random(shape) >= p).astype(dtype)
    # Dropped units are set to -alpha', then an affine map a * y + b restores zero mean and
    # unit variance: a = 1 / sqrt((1 - p)(1 + p alpha'^2)), b = a alpha' p.
    a = 1.0 / math.sqrt((1.0 - p) * (1.0 + p * _ALPHA_PRIME**2))
    shift = _wrap(((keep - 1.0) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * p).astype(dtype))

    def compute(t):
        return _scale_by_mask(t, mask=keep * dtype.type(a)) + shift

    if inplace:
        from chainrule.ops.indexing import inplace as _inplace

        return _inplace(input, compute, name)
    return compute(input)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: keeps the mean and variance of its input."""
    return _alpha_dropout(input, p, training, inplace, None, "alpha_dropout_")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels: one draw per ``input[n, c]`` (at least 2-D while
    training)."""
    return _alpha_dropout(input, p, training, inplace, 2, "feature_alpha_dropout_")


# ------------------------------------------------------------------ pad
# fmt: off
@primitive
def _place(x, *, out_shape, src, dst, fill):
    out = np.full(out_shape, fill, dtype=x.dtype)
    out[dst] = x[src]
    return out
# out[dst] = x[src], everything else a constant: the derivative takes g[dst] back to x[src]
# and sends nothing elsewhere, which is the same op with the two windows exchanged.
_place.defvjp(lambda g, out, x, *, out_shape, src, dst, fill:
              _place(g, out_shape=x.shape, src=dst, dst=src, fill=0)
              if isinstance(g, Tensor) else
              _place.forward(g, out_shape=x.shape, src=dst, dst=src, fill=0),
              saves_inputs=False)
# fmt: on


def _pad_pairs(pad, ndim, name="pad"):
    pad = tuple(int(v) for v in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(pad)} and input of "
                           f"dimension {ndim}")
    # pad lists (left, right) of the last dimension first.
    pairs = [(0, 0)] * ndim
    for k in range(len(pad) // 2):
        pairs[ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    return pairs


def _pad_constant(input, pairs, value):
    shape = input._data.shape
    out_shape, src, dst = [], [], []
    for n, (before, after) in zip(shape, pairs):
        size = n + before + after
        if size < 0:
            raise RuntimeError(f"The input size {n}, plus negative padding {before} and "
                               f"{after} resulted in a negative output size, which is invalid. "
                               f"Check dimension of your input.")
        s0, s1 = max(-before, 0), n - max(-after, 0)
        d0 = max(before, 0)
        count = max(s1 - s0, 0)
        out_shape.append(size)
        src.append(slice(s0, s0 + count))
        dst.append(slice(d0, d0 + count))
    return _place(input, out_shape=tuple(out_shape), src=tuple(src), dst=tuple(dst),
                  fill=value)


_NP_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_indexed(input, pairs, mode):
    # Each padded dimension becomes a gather of source indices, e.g. reflect of [0..5] by 2:
    # [2, 1, 0, 1, 2, 3, 4, 5, 4, 3]; the gather's derivative adds the copies back up.
    # Negative amounts crop, as in PyTorch: reflect and replicate pad from the edges of the
    # whole dimension and then crop; circular crops first and wraps what is left.
    out = input
    for d, (before, after) in enumerate(pairs):
        if before == 0 and after == 0:
            continue
        n = input._data.shape[d]
        grow, cut = (max(before, 0), max(after, 0)), (max(-before, 0), max(-after, 0))
        if mode == "reflect" and (grow[0] >= n or grow[1] >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({before}, "
                               f"{after}) at dimension {d} of input {list(input.shape)}")
        if mode == "replicate" and n == 0:
            raise RuntimeError("pad: replicate padding of an empty dimension")
        if mode != "circular" and n + before + after <= 0:
            raise RuntimeError(f"pad: input (size {n} at dimension {d}) is too small for "
                               f"padding ({before}, {after}): the output size would be "
                               f"{n + before + after}")
        if mode == "circular":
            kept = np.arange(n)[cut[0]:n - cut[1]]
            if grow[0] > kept.size or grow[1] > kept.size:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            idx = np.pad(kept, grow, mode="wrap")
        else:
            idx = np.pad(np.arange(n), grow, mode=_NP_MODES[mode])
            idx = idx[cut[0]:idx.size - cut[1]]
        out = ops.index_select(out, d, _wrap(idx))
    return out


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad ``input``; ``pad`` lists ``(left, right)`` pairs starting from the LAST dimension.

    Args:
        pad: ``(l_last, r_last, l_prev, r_prev, ...)``; negative values crop.
        mode: ``"constant"`` (fill with ``value``), ``"reflect"`` (mirror without repeating
            the edge), ``"replicate"`` (repeat the edge) or ``"circular"`` (wrap around).
        value: the fill value of constant mode (default 0).

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.pad(cr.tensor([[1.0, 2.0]]), (1, 2))
        tensor([[0., 1., 2., 0., 0.]])
    """
    nd = input._data.ndim
    pairs = _pad_pairs(pad, nd)
    if mode == "constant":
        return _pad_constant(input, pairs, 0 if value is None else value)
    if mode not in _NP_MODES:
        raise NotImplementedError(f"pad: unsupported mode {mode!r}; expected 'constant', "
                                  f"'reflect', 'replicate' or 'circular'")
    if value not in (None, 0, 0.0):
        raise RuntimeError(f"pad: Padding mode \"{mode}\" doesn't take in value argument "
                           f"(got value={value}; only mode='constant' fills with a value)")
    k = len(tuple(pad)) // 2
    if not (k + 1 <= nd <= k + 2):
        raise NotImplementedError(
            f"Padding size {2 * k} is not supported for {nd}D input tensor: {mode} padding "
            f"of the last {k} dimension(s) expects a {k + 1}D (unbatched) or {k + 2}D "
            f"(batched) input")
    return _pad_indexed(input, pairs, mode)


# ------------------------------------------------------------------ norms and distances
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out=None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.normalize(cr.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """
    n = ops.norm(input, p, dim, keepdim=True)
    return input / ops.clamp(n, min=eps)


# fmt: off
@primitive
def _clamp_min_keep_grad(x, *, eps):
    return np.maximum(x, x.dtype.type(eps))
# PyTorch clamps the norms of cosine_similarity under no_grad, so the clamp changes the value
# but not the derivative: the rule is the identity, also below eps.
_clamp_min_keep_grad.defvjp(lambda g, out, x, *, eps: g, saves_inputs=False)
# fmt: on


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))`` along ``dim``.

    The inputs are broadcast to a common shape first (so ``dim`` counts in that shape, and an
    input of size 1 along ``dim`` has the norm of its repeated copies). As in PyTorch, the
    clamp to ``eps`` changes the norms' values only: the gradient is that of
    ``x / ||x||`` with ``||x||`` held at the clamped value, plus the unclamped norm's term.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.cosine_similarity(cr.tensor([[1.0, 0.0]]), cr.tensor([[1.0, 1.0]]))
        tensor([0.7071])
    """
    d1, d2 = x1._data, x2._data
    common = _result_type(d1, d2)
    if common.kind != "f":
        raise RuntimeError(f"cosine_similarity: expected common dtype to be floating point, "
                           f"yet common dtype is {_type_name(common)} (inputs "
                           f"{_type_name(d1.dtype)} and {_type_name(d2.dtype)})")
    # Integer inputs join the floating one's dtype (a float input keeps its own, as torch).
    if d1.dtype.kind != "f":
        x1 = ops.to_dtype(x1, common)
    if d2.dtype.kind != "f":
        x2 = ops.to_dtype(x2, common)
    try:
        shape = np.broadcast_shapes(d1.shape, d2.shape)
    except ValueError:
        raise RuntimeError(f"cosine_similarity: the shapes of x1 {list(d1.shape)} and x2 "
                           f"{list(d2.shape)} do not broadcast") from None
    d = normalize_dim(dim, len(shape), "cosine_similarity")
    x1, x2 = ops.expand(x1, shape), ops.expand(x2, shape)
    n1 = _clamp_min_keep_grad(ops.norm(x1, 2, d, keepdim=True), eps=eps)
    n2 = _clamp_min_keep_grad(ops.norm(x2, 2, d, keepdim=True), eps=eps)
    return ops.sum((x1 / n1) * (x2 / n2), d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dimension (inputs broadcast).

    Example:
        >>> import chainrule as cr
        >>> d = cr.nn.functional.pairwise_distance(cr.tensor([[0.0, 0.0]]), cr.tensor([[3.0, 4.0]]))
        >>> round(d.item(), 4)
        5.0
    """
    return ops.norm(x1 - x2 + eps, p, -1, keepdim=keepdim)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distance between every pair of rows of an ``(N, M)`` input, as the
    ``N (N - 1) / 2`` values above the diagonal, row by row."""
    if input._data.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input._data.ndim}D")
    n = input._data.shape[0]
    i, j = np.triu_indices(n, 1)
    diff = ops.index_select(input, 0, _wrap(i)) - ops.index_select(input, 0, _wrap(j))
    return ops.norm(diff, p, -1)
