"""Loss functions with PyTorch's names, arguments and reduction semantics.

Every loss takes ``reduction``: ``"none"`` (one value per element or sample), ``"mean"`` or
``"sum"``; the deprecated ``size_average``/``reduce`` pair is still understood. Weighted
class losses (``nll_loss``, ``cross_entropy`` with class indices) divide a ``"mean"`` by the
sum of the weights of the targets that count, as PyTorch does.

Fused primitives, each with a hand-derived derivative beside it:

* ``cross_entropy`` with class indices: log-softmax, weights, ``ignore_index`` and label
  smoothing in one forward pass, backward ``(S * softmax - a) * w / denom`` (the hot path of
  every classifier). Under ``create_graph=True`` its rule is rebuilt from differentiable ops,
  so second derivatives are exact.
* ``nll_loss``: a weighted pick of log-probabilities (linear in its input).
* the regression losses (``mse``, ``l1``, ``huber``, ``smooth_l1``): difference, pointwise
  loss and reduction in one pass.
* ``binary_cross_entropy`` and ``binary_cross_entropy_with_logits`` (the latter stable for
  any logit).
"""

from __future__ import annotations

import warnings

import numpy as np

from chainrule import ops
from chainrule.autograd.primitive import primitive
from chainrule.nn.functional.activation import _np_softplus, _sigmoid, _softmax, log_softmax
from chainrule.ops import rules as R
from chainrule.ops._convert import as_operand, pair
from chainrule.tensor import Tensor

__all__ = [
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div",
    "soft_margin_loss", "margin_ranking_loss", "hinge_embedding_loss",
    "cosine_embedding_loss", "triplet_margin_loss", "poisson_nll_loss", "gaussian_nll_loss",
    "multilabel_soft_margin_loss", "multi_margin_loss",
]

_wrap = Tensor._wrap


# ------------------------------------------------------------------ reduction helpers
def _reduction(size_average, reduce, reduction, allowed=("none", "mean", "sum")) -> str:
    """The reduction string, translating the legacy ``size_average``/``reduce`` pair."""
    if size_average is not None or reduce is not None:
        warnings.warn("size_average and reduce are deprecated; use reduction= instead.",
                      UserWarning, stacklevel=3)
        sa = True if size_average is None else bool(size_average)
        red = True if reduce is None else bool(reduce)
        reduction = "none" if not red else ("mean" if sa else "sum")
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        # sum / n rather than ops.mean: mean's derivative rule reads ``.size`` as an attribute,
        # which breaks under create_graph=True (second derivatives of the losses).
        n = loss._data.size
        return ops.sum(loss) / n if n else ops.mean(loss)
    if reduction == "sum":
        return ops.sum(loss)
    return loss


def _same_size(input: Tensor, target: Tensor, name: str) -> None:
    if input.shape != target.shape:
        warnings.warn(f"{name}: the target size {tuple(target.shape)} differs from the input "
                      f"size {tuple(input.shape)}; they are broadcast together, which is "
                      f"rarely intended.", UserWarning, stacklevel=3)


def _broadcast_check(a: Tensor, b: Tensor, name: str) -> None:
    try:
        np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        raise RuntimeError(f"{name}: the input size {list(a._data.shape)} and the target size "
                           f"{list(b._data.shape)} cannot be broadcast together") from None


def _float_pair(input, target, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")
    x, y = pair(input, as_operand(target))
    if x._data.dtype.kind != "f":
        x, y = x.float(), y.float()
    return x, y


# ------------------------------------------------------------------ regression losses (fused)
def _pointwise(d, kind, param):
    """The pointwise loss of the difference ``d = input - target`` (NumPy)."""
    if kind == "mse":
        return d * d
    ad = np.abs(d)
    if kind == "l1" or param == 0:
        return ad
    # huber = q^2 / 2 + delta (|d| - q) with q = min(|d|, delta); smooth_l1 = huber / beta.
    q = np.minimum(ad, param)
    loss = q * (0.5 * q) + param * (ad - q)
    return loss if kind == "huber" else loss * (1.0 / param)


def _slope(d, kind, param):
    """d(pointwise loss)/dd, on arrays or Tensors.

    mse: 2d. l1: sign(d) (0 at d == 0, as PyTorch). huber: clip(d, -delta, delta).
    smooth_l1: clip(d, -beta, beta) / beta (sign(d) when beta == 0).
    """
    if kind == "mse":
        return 2.0 * d
    if kind == "l1" or param == 0:
        return R.sign(d)
    clipped = ops.clamp(d, -param, param) if isinstance(d, Tensor) else np.clip(d, -param, param)
    return clipped if kind == "huber" else clipped * (1.0 / param)


# fmt: off
@primitive
def _regression(x, y, *, kind, param, reduction):
    d = x - y
    if kind == "mse" and reduction != "none":
        flat = d.reshape(-1)
        total = np.dot(flat, flat)                       # one BLAS pass: sum of squares
    else:
        loss = _pointwise(d, kind, param)
        if reduction == "none":
            return loss
        total = np.sum(loss)
    if reduction == "mean":
        total = total / d.size if d.size else np.nan
    return np.asarray(total, dtype=d.dtype)

def _regression_rule(sign):
    # L = reduce(l(x - y)): dL/dx = l'(x - y) * g (divided by the element count for "mean");
    # dL/dy is its negative.
    def rule(g, out, x, y, *, kind, param, reduction):
        d = x - y
        n = R.data(d).size
        scale = 1.0 / n if reduction == "mean" and n else 1.0
        gx = _slope(d, kind, param) * (g * (sign * scale))
        return gx
    return rule
_regression.defvjp(_regression_rule(1.0), _regression_rule(-1.0))
# fmt: on


def _regression_loss(kind, param, input, target, reduction, weight, name, weighted_mean):
    x, y = _float_pair(input, target, name)
    _same_size(x, y, name)
    _broadcast_check(x, y, name)
    if weight is None:
        return _regression(x, y, kind=kind, param=param, reduction=reduction)
    w = as_operand(weight)
    if tuple(w.shape) != tuple(x.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = _regression(x, y, kind=kind, param=param, reduction="none") * w
    if reduction == "mean" and weighted_mean:
        return ops.sum(loss) / ops.sum(w)
    return _reduce(loss, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(input - target)^2``, reduced.

    Args:
        input, target: tensors of the same shape (they broadcast, with a warning).
        reduction: ``"none"``, ``"mean"`` or ``"sum"``.
        weight: optional per-element weights (input's shape); ``"mean"`` then divides by
            their sum.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.mse_loss(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 4.0]))
        tensor(2.)
    """
    red = _reduction(size_average, reduce, reduction)
    return _regression_loss("mse", 0.0, input, target, red, weight, "mse_loss", True)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input - target|``, reduced (gradient 0 where they are equal).

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.l1_loss(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 4.0]))
        tensor(1.)
    """
    red = _reduction(size_average, reduce, reduction)
    return _regression_loss("l1", 0.0, input, target, red, weight, "l1_loss", True)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, ``|d| - beta / 2`` elsewhere (``d`` the
    difference); ``beta == 0`` gives the L1 loss.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.smooth_l1_loss(cr.tensor([0.0, 3.0]), cr.tensor([0.5, 0.0]))
        tensor(1.3125)
    """
    red = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _regression_loss("smooth_l1", float(beta), input, target, red, None,
                            "smooth_l1_loss", False)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, ``delta (|d| - delta / 2)`` elsewhere.

    With ``weight``, ``"mean"`` is the plain mean of the weighted losses (as PyTorch).
    """
    red = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _regression_loss("huber", float(delta), input, target, red, weight, "huber_loss",
                            False)


# ------------------------------------------------------------------ binary cross-entropy
def _log_clamped(x):
    # log(x) floored at -100, as PyTorch, so that a probability of exactly 0 costs 100.
    return np.maximum(np.log(x), -100.0)


def _log1m_clamped(x):
    return np.maximum(np.log1p(-x), -100.0)


def _floor(v, lo):
    return ops.clamp(v, min=lo) if isinstance(v, Tensor) else np.maximum(v, lo)


def _t_log(x):
    l = R.log(x)
    return R.where(l < -100.0, -100.0, l)


# fmt: off
@primitive
def _bce(x, y):
    with np.errstate(divide="ignore"):
        return -(y * _log_clamped(x) + (1.0 - y) * _log1m_clamped(x))
# L = -(y log x + (1 - y) log(1 - x)):
#   dL/dx = (x - y) / (x (1 - x)), the denominator floored at 1e-12 (as PyTorch);
#   dL/dy = log(1 - x) - log(x) (both logs floored at -100).
_bce.defvjp(lambda g, out, x, y: g * (x - y) / _floor(x * (1.0 - x), 1e-12),
            lambda g, out, x, y: g * _bce_target_slope(x))

def _bce_target_slope(x):
    if isinstance(x, Tensor):
        return _t_log(1.0 - x) - _t_log(x)
    with np.errstate(divide="ignore"):
        return _log1m_clamped(x) - _log_clamped(x)

@primitive
def _bce_logits(x, y, *pw):
    # softplus(-x) = -log sigmoid(x), stable for any x.
    sp = _np_softplus(-x)
    if pw:
        return (1.0 - y) * x + (1.0 + (pw[0] - 1.0) * y) * sp
    return (1.0 - y) * x + sp

def _bce_logits_rule(i, g, out, x, y, *pw):
    # L = (1 - y) x + c softplus(-x), c = 1 + (pw - 1) y   (c = 1 without pos_weight):
    #   dL/dx  = c sigmoid(x) - pw y
    #   dL/dy  = -x + (pw - 1) softplus(-x)
    #   dL/dpw = y softplus(-x)
    if i == 0:
        if pw:
            return g * ((1.0 + (pw[0] - 1.0) * y) * _sigmoid(x) - pw[0] * y)
        return g * (_sigmoid(x) - y)
    sp = _softplus_neg(x)
    if i == 1:
        return g * (-x + (pw[0] - 1.0) * sp) if pw else -g * x
    return g * y * sp
_bce_logits.defvjp_argnum(_bce_logits_rule)
# fmt: on


def _softplus_neg(x):
    if isinstance(x, Tensor):
        from chainrule.nn.functional.activation import softplus

        return softplus(-x)
    return _np_softplus(-x)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``-(y log x + (1 - y) log(1 - x))`` between probabilities ``x`` and targets ``y``.

    The logs are floored at -100 (as PyTorch), so the loss stays finite at 0 and 1.

    Args:
        input: probabilities in ``[0, 1]``.
        target: same shape as ``input``, values in ``[0, 1]``.
        weight: rescales each element's loss (broadcast against ``input``).

    Example:
        >>> import chainrule as cr
        >>> x = cr.tensor([0.5, 0.5])
        >>> cr.nn.functional.binary_cross_entropy(x, cr.tensor([1.0, 0.0]))
        tensor(0.6931)
    """
    red = _reduction(size_average, reduce, reduction)
    x, y = _float_pair(input, target, "binary_cross_entropy")
    if x.shape != y.shape:
        raise ValueError(f"Using a target size ({tuple(y.shape)}) that is different to the "
                         f"input size ({tuple(x.shape)}) is not supported; please ensure they "
                         f"have the same size.")
    xd, yd = x._data, y._data
    if xd.size and (np.any(xd < 0) or np.any(xd > 1) or np.isnan(xd).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if yd.size and (np.any(yd < 0) or np.any(yd > 1)):
        raise RuntimeError("all elements of target should be between 0 and 1")
    loss = _bce(x, y)
    if weight is not None:
        loss = loss * as_operand(weight)
    return _reduce(loss, red)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy on logits: ``BCE(sigmoid(x), y)`` computed stably in one op.

    Args:
        input: logits, any shape.
        target: same shape, values usually in ``[0, 1]``.
        weight: rescales each element's loss (broadcast against ``input``).
        pos_weight: weight of the positive term, broadcast against the last dimension
            (one value per class).

    Example:
        >>> import chainrule as cr
        >>> F = cr.nn.functional
        >>> F.binary_cross_entropy_with_logits(cr.tensor([0.0, 100.0]), cr.tensor([1.0, 1.0]))
        tensor(0.3466)
    """
    red = _reduction(size_average, reduce, reduction)
    x, y = _float_pair(input, target, "binary_cross_entropy_with_logits")
    if x.shape != y.shape:
        raise ValueError(f"Target size ({tuple(y.shape)}) must be the same as input size "
                         f"({tuple(x.shape)})")
    if pos_weight is not None:
        pw = as_operand(pos_weight)
        if pw._data.dtype != x._data.dtype:
            pw = pw.to(x.dtype)
        _broadcast_check(x, pw, "binary_cross_entropy_with_logits (pos_weight)")
        loss = _bce_logits(x, y, pw)
    else:
        loss = _bce_logits(x, y)
    if weight is not None:
        loss = loss * as_operand(weight)
    return _reduce(loss, red)


# ------------------------------------------------------------------ class-index losses
def _pick(a, ts):
    """``a[n, ts[n, ...], ...]``: the value at each target along axis 1."""
    if a.ndim == 2:
        return a[np.arange(a.shape[0]), ts]
    return np.take_along_axis(a, ts[:, None], axis=1)[:, 0]


def _onehot_dense(ts, c, dtype):
    oh = np.zeros((ts.shape[0], c) + ts.shape[1:], dtype=dtype)
    np.put_along_axis(oh, ts[:, None], 1, axis=1)
    return oh


def _expand1(a):
    """Per-item values ``(N, d...)`` as ``(N, 1, d...)``, to broadcast over classes."""
    return a[:, None] if isinstance(a, np.ndarray) else R.reshape(a, a.shape[:1] + (1,)
                                                                 + tuple(a.shape[1:]))


def _per_item(v, ts, dtype):
    """A scalar or per-item array as a contiguous ``(N, 1, d...)`` array."""
    return np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=dtype), ts.shape)[:, None])


def _class_dims(c, ndim):
    """A ``(C,)`` vector as ``(1, C, 1, ...)`` for an input of ``ndim`` dimensions."""
    return (1, c) + (1,) * (ndim - 2)


def _reduce_items(loss, reduction, denom, dtype):
    """Sum of the per-item losses, divided by ``denom`` for "mean" (NaN when nothing counts,
    as PyTorch)."""
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "mean":
        total = total / denom if denom else np.nan
    return np.asarray(total, dtype=dtype)


def _grad_coef(g, reduction, denom):
    """The output gradient as a per-item factor: ``g`` (none), ``g / denom`` (mean)."""
    if reduction == "mean":
        return g * (1.0 / denom) if denom else g * np.nan
    return g


# fmt: off
@primitive
def _cross_entropy(x, *, ts, wt, valid, w, eps, reduction, denom):
    c = x.shape[1]
    z = x - x.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=1))                       # (N, d...)
    loss = lse - _pick(z, ts)                                 # -log p[target]
    if wt is not None:
        loss *= wt
    if eps:
        # -sum_c w_c log p_c = lse * sum(w) - sum_c w_c z_c, for the label-smoothing term.
        if w is None:
            smooth = lse * c - np.sum(z, axis=1)
        else:
            smooth = lse * w.sum() - np.sum(z * w.reshape(_class_dims(c, x.ndim)), axis=1)
        if valid is not None:
            smooth *= valid
        loss = (1.0 - eps) * loss + (eps / c) * smooth
    return _reduce_items(loss, reduction, denom, x.dtype)

def _cross_entropy_rule(g, out, x, *, ts, wt, valid, w, eps, reduction, denom):
    # Per item, L = -sum_c a_c log p_c with a_c = (1 - eps) w_t [c == t] + (eps / C) w_c
    # (w = 1 without class weights), so dL/dx_c = S p_c - a_c with S = sum_c a_c and
    # p = softmax(x). Ignored items (and their weights) give 0; "mean" divides by denom.
    c = x.shape[1]
    dt = R.data(x).dtype
    wt_ = 1.0 if wt is None else wt                           # w_t, times the valid mask
    valid_ = 1.0 if valid is None else valid
    wsum = c if w is None else float(w.sum())
    # S per item, already multiplied by the mask through wt_/valid_.
    s = (1.0 - eps) * wt_ + (eps / c) * wsum * valid_
    coef = _grad_coef(g, reduction, denom)
    wb = None
    if eps:
        wb = (np.ones(c, dt) if w is None else w).reshape(_class_dims(c, x.ndim))
    if isinstance(g, Tensor):
        # create_graph: the same formula with differentiable ops (softmax is a primitive
        # with its own rule), so second derivatives through cross_entropy are exact.
        a = _onehot_dense(ts, c, dt) * _per_item((1.0 - eps) * wt_, ts, dt)
        if eps:
            a += (eps / c) * wb * _per_item(valid_, ts, dt)
        p = _softmax(x, axis=1)
        if coef.ndim:
            coef = _expand1(coef)
        return (p * _wrap(_per_item(s, ts, dt)) - _wrap(a)) * coef
    coef = np.asarray(coef, dtype=dt)                    # scalar, or (N, d...) for none
    p = np.exp(x - x.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p *= _per_item(s * coef, ts, dt)
    hit = np.broadcast_to((1.0 - eps) * wt_ * coef, ts.shape)
    if x.ndim == 2:
        p[np.arange(x.shape[0]), ts] -= hit
    else:
        np.put_along_axis(p, ts[:, None], _pick(p, ts)[:, None] - hit[:, None], axis=1)
    if eps:
        p -= (eps / c) * wb * _per_item(valid_ * coef, ts, dt)
    return p
_cross_entropy.defvjp(_cross_entropy_rule)

@primitive
def _nll(x, *, ts, wt, reduction, denom):
    loss = -_pick(x, ts)
    if wt is not None:
        loss *= wt
    return _reduce_items(loss, reduction, denom, x.dtype)

def _nll_rule(g, out, x, *, ts, wt, reduction, denom):
    # L = -sum_n w_t x[n, t_n] (/ denom): dL/dx[n, c] = -w_t [c == t_n] (/ denom).
    # The rule is linear in g and constant in x, so it is exact under create_graph too.
    dt = R.data(x).dtype
    wt_ = np.ones(ts.shape, dt) if wt is None else wt
    coef = _grad_coef(g, reduction, denom)
    dense = _onehot_dense(ts, x.shape[1], dt) * -_expand1(wt_)
    if isinstance(g, Tensor):
        return _wrap(dense) * (_expand1(coef) if coef.ndim else coef)
    coef = np.asarray(coef, dtype=dt)
    return dense * (_expand1(coef) if coef.ndim else coef)
_nll.defvjp(_nll_rule, saves_inputs=False)
# fmt: on


def _class_setup(input, target, weight, ignore_index, name):
    """Validate a class-index loss's arguments and precompute what the primitives need.

    Returns ``(x, ts, wt, valid, w, denom, unbatched)``: ``x`` the input with a batch
    dimension, ``ts`` the targets with ignored positions replaced by 0, ``wt`` the weight of
    each item's target (0 where ignored; None when every weight is 1), ``valid`` the mask of
    counted items as floats (None when all count), ``w`` the class weights as an array,
    ``denom`` the divisor of a "mean".
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")
    x = input
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}(): expected a floating point input, got {x.dtype}")
    t = as_operand(target)._data
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): expected target dtype to be an integer type (class "
                           f"indices), but got {Tensor._wrap(t).dtype}")
    if x._data.ndim == 0:
        raise ValueError(f"{name}(): input must have at least one dimension (the classes)")
    unbatched = x._data.ndim == 1
    if unbatched:
        if t.ndim != 0:
            raise RuntimeError(f"{name}(): an input of shape {list(x.shape)} (one sample) "
                               f"expects a 0-d target, got shape {list(t.shape)}")
        x = ops.unsqueeze(x, 0)
        t = t.reshape(1)
    xs = x._data.shape
    if t.ndim != x._data.ndim - 1:
        raise RuntimeError(f"{name}(): expected a target of {x._data.ndim - 1} dimension(s) "
                           f"for input of shape {list(xs)}, got shape {list(t.shape)} "
                           f"(multi-target is not supported)")
    if t.shape[0] != xs[0]:
        raise ValueError(f"Expected input batch_size ({xs[0]}) to match target batch_size "
                         f"({t.shape[0]}).")
    if t.shape[1:] != xs[2:]:
        raise RuntimeError(f"Expected target size {[xs[0], *xs[2:]]}, got {list(t.shape)}")
    c = xs[1]
    dtype = x._data.dtype
    w = None
    if weight is not None:
        w = as_operand(weight)._data
        if w.ndim != 1 or w.shape[0] != c:
            raise RuntimeError(f"weight tensor should be defined either for all {c} classes "
                               f"or no classes but got weight tensor of shape: "
                               f"{list(w.shape)}")
        w = w.astype(dtype, copy=False)
    t = t.astype(np.int64, copy=False)
    in_range = t.size == 0 or (t.min() >= 0 and t.max() < c)
    if in_range and not 0 <= ignore_index < c:
        ignored, any_ignored = None, False        # the common case: two reductions, no masks
    else:
        ignored = t == ignore_index
        any_ignored = bool(ignored.any())
        if not in_range:
            bad = ((t < 0) | (t >= c)) & ~ignored
            if bad.any():
                raise IndexError(f"Target {int(t[bad][0])} is out of bounds.")
    ts = np.where(ignored, 0, t) if any_ignored else t
    valid = (~ignored).astype(dtype) if any_ignored else None
    if w is not None:
        wt = w[ts]
        if valid is not None:
            wt = wt * valid
        denom = float(wt.sum())
    else:
        wt = valid
        denom = float(t.size - int(ignored.sum())) if any_ignored else float(t.size)
    return x, ts, wt, valid, w, denom, unbatched


def _unbatch(out, unbatched, reduction):
    if unbatched and reduction == "none":
        return ops.reshape(out, ())
    return out


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices given log-probabilities.

    ``loss[n] = -weight[t_n] * input[n, t_n]``; targets equal to ``ignore_index`` count
    nowhere. ``"mean"`` divides by the sum of ``weight[t_n]`` over the counted items.

    Args:
        input: log-probabilities ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``.
        target: class indices ``(N,)``, ``()`` or ``(N, d1, ...)``, in ``[0, C)``.
        weight: one weight per class ``(C,)``.

    Example:
        >>> import chainrule as cr
        >>> logp = cr.tensor([[-0.1, -2.0], [-3.0, -0.2]])
        >>> cr.nn.functional.nll_loss(logp, cr.tensor([0, 1]))
        tensor(0.1500)
    """
    red = _reduction(size_average, reduce, reduction)
    x, ts, wt, _, _, denom, unbatched = _class_setup(input, target, weight, ignore_index,
                                                     "nll_loss")
    out = _nll(x, ts=ts, wt=wt, reduction=red, denom=denom)
    return _unbatch(out, unbatched, red)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and class indices (or class probabilities).

    With class indices this is one fused op: ``log_softmax`` over dimension 1, the
    negative log-likelihood of each target, class ``weight``, ``ignore_index`` and label
    smoothing (the target distribution ``(1 - eps) onehot + eps / C``). ``"mean"`` divides by
    the summed weight of the counted targets. With probability targets (a float ``target`` of
    the input's shape) the loss is ``-sum_c weight_c y_c log_softmax(x)_c`` and ``"mean"``
    divides by the number of items.

    Args:
        input: logits ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``.
        target: class indices ``(N,)``/``()``/``(N, d1, ...)`` or probabilities shaped as
            ``input``.
        weight: one weight per class ``(C,)``.
        ignore_index: a target value that contributes neither loss nor gradient.
        label_smoothing: ``eps`` in ``[0, 1]``.

    Example:
        >>> import chainrule as cr
        >>> logits = cr.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]], requires_grad=True)
        >>> loss = cr.nn.functional.cross_entropy(logits, cr.tensor([0, 2]))
        >>> round(loss.item(), 4)
        0.6691
        >>> loss.backward()
        >>> logits.grad.shape
        chainrule.Size([2, 3])
    """
    red = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    tgt = as_operand(target)
    if tgt._data.dtype.kind == "f":
        return _cross_entropy_probs(input, tgt, weight, red, float(label_smoothing))
    x, ts, wt, valid, w, denom, unbatched = _class_setup(input, tgt, weight, ignore_index,
                                                         "cross_entropy")
    out = _cross_entropy(x, ts=ts, wt=wt, valid=valid, w=w, eps=float(label_smoothing),
                         reduction=red, denom=denom)
    return _unbatch(out, unbatched, red)


def _cross_entropy_probs(input, target, weight, reduction, eps):
    if input.shape != target.shape:
        raise RuntimeError(f"cross_entropy(): a floating target holds class probabilities "
                           f"and must have the input's shape {list(input.shape)}, got "
                           f"{list(target.shape)}")
    x, y = pair(input, target)
    if x._data.ndim == 0:
        raise ValueError("cross_entropy(): input must have at least one dimension")
    cdim = 0 if x._data.ndim == 1 else 1
    c = x._data.shape[cdim]
    if eps:
        y = y * (1.0 - eps) + eps / c
    prod = log_softmax(x, cdim) * y
    if weight is not None:
        w = as_operand(weight)
        if w._data.ndim != 1 or w._data.shape[0] != c:
            raise RuntimeError(f"weight tensor should be defined either for all {c} classes "
                               f"or no classes but got weight tensor of shape: "
                               f"{list(w.shape)}")
        prod = prod * ops.reshape(w.to(x.dtype), (c,) + (1,) * (x._data.ndim - cdim - 1))
    return _reduce(-ops.sum(prod, cdim), reduction)


# ------------------------------------------------------------------ divergences and others
def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence ``sum target * (log target - input)``, with ``input`` given
    as log-probabilities (and ``target`` too when ``log_target``).

    ``reduction="batchmean"`` divides the sum by the batch size (the mathematical KL
    divergence per sample); ``"mean"`` divides by the number of elements. Terms with
    ``target == 0`` are 0.

    Example:
        >>> import chainrule as cr
        >>> p = cr.tensor([[0.5, 0.5]])
        >>> cr.nn.functional.kl_div(p.log(), p, reduction="batchmean")
        tensor(0.)
    """
    red = _reduction(size_average, reduce, reduction, ("none", "mean", "sum", "batchmean"))
    x, y = _float_pair(input, target, "kl_div")
    if red == "mean":
        warnings.warn("kl_div: reduction='mean' divides by the number of elements, not by "
                      "the batch size; reduction='batchmean' gives the KL divergence per "
                      "sample.", UserWarning, stacklevel=2)
    if log_target:
        loss = ops.exp(y) * (y - x)
    else:
        pos = y > 0
        # target * log(target), 0 where target == 0; the log's argument is kept positive so
        # that the gradient of the branch not taken stays finite.
        ylogy = ops.where(pos, y * ops.log(ops.where(pos, y, 1.0)), 0.0)
        loss = ylogy - y * x
    if red == "batchmean":
        n = x.shape[0] if x._data.ndim else 1
        return ops.sum(loss) / n
    return _reduce(loss, red)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-y x))`` for targets ``y`` in ``{-1, 1}``."""
    from chainrule.nn.functional.activation import softplus

    red = _reduction(size_average, reduce, reduction)
    x, y = _float_pair(input, target, "soft_margin_loss")
    return _reduce(softplus(-y * x, 1.0, float("inf")), red)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, -y (x1 - x2) + margin)`` for targets ``y`` in ``{-1, 1}``."""
    red = _reduction(size_average, reduce, reduction)
    return _reduce(ops.relu(-target * (input1 - input2) + margin), red)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1``."""
    red = _reduction(size_average, reduce, reduction)
    x, y = _float_pair(input, target, "hinge_embedding_loss")
    zero = ops.zeros_like(x)
    pos = ops.where(y == 1, x, zero)
    neg = ops.where(y == -1, ops.relu(margin - x), zero)
    return _reduce(pos + neg, red)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``y == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``y == -1`` (the cosine taken along the last dimension)."""
    red = _reduction(size_average, reduce, reduction)
    eps = 1e-12
    prod = ops.sum(input1 * input2, -1)
    n1 = ops.sum(input1 * input1, -1) + eps
    n2 = ops.sum(input2 * input2, -1) + eps
    cos = prod / ops.sqrt(n1 * n2)
    zero = ops.zeros_like(cos)
    y = as_operand(target)
    loss = ops.where(y == 1, 1.0 - cos, zero) + ops.where(y == -1, ops.relu(cos - margin),
                                                          zero)
    return _reduce(loss, red)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                        swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the :func:`pairwise_distance`."""
    from chainrule.nn.functional.misc import pairwise_distance

    red = _reduction(size_average, reduce, reduction)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ops.relu(d_pos - d_neg + margin), red)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,
                     full: bool = False, size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: ``exp(x) - y x`` (``log_input``) or
    ``x - y log(x + eps)``; ``full`` adds Stirling's term for ``y > 1``."""
    red = _reduction(size_average, reduce, reduction)
    x, y = _float_pair(input, target, "poisson_nll_loss")
    loss = ops.exp(x) - y * x if log_input else x - y * ops.log(x + eps)
    if full:
        safe = ops.where(y > 1, y, 1.0)
        stirling = safe * ops.log(safe) - safe + 0.5 * ops.log(2 * np.pi * safe)
        loss = loss + ops.where(y > 1, stirling, 0.0)
    return _reduce(loss, red)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """``0.5 (log(max(var, eps)) + (x - y)^2 / max(var, eps))`` (+ ``0.5 log(2 pi)`` when
    ``full``); ``var`` may have one value per sample (its last dimension omitted or 1)."""
    red = _reduction(None, None, reduction)
    v = as_operand(var)
    if v._data.ndim == input._data.ndim - 1 and v.shape == input.shape[:-1]:
        v = ops.unsqueeze(v, -1)
    if np.any(v._data < 0):
        raise ValueError("var has negative entry/entries")
    # Clamped for stability, but the gradient flows to var as if unclamped (as PyTorch).
    v = v + (ops.clamp(v.detach(), min=eps) - v.detach())
    d = input - target
    loss = 0.5 * (ops.log(v) + d * d / v)
    if full:
        loss = loss + 0.5 * float(np.log(2 * np.pi))
    return _reduce(loss, red)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """Per sample, the mean over classes of the binary cross-entropy on logits."""
    from chainrule.nn.functional.activation import logsigmoid

    red = _reduction(size_average, reduce, reduction)
    x, y = _float_pair(input, target, "multilabel_soft_margin_loss")
    loss = -(y * logsigmoid(x) + (1 - y) * logsigmoid(-x))
    if weight is not None:
        loss = loss * as_operand(weight)
    loss = ops.mean(loss, x._data.ndim - 1)
    return _reduce(loss, red)



def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: per sample, the mean over classes ``j != y`` of
    ``max(0, margin - x[y] + x[j])^p`` (times ``weight[y]``).

    Args:
        input: ``(N, C)`` or ``(C,)`` scores.
        target: class indices ``(N,)`` or ``()``.
        p: 1 or 2.
    """
    red = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input if input._data.ndim == 2 else ops.unsqueeze(input, 0)
    t = as_operand(target)._data.reshape(-1).astype(np.int64)
    n, c = x._data.shape
    if t.shape[0] != n:
        raise RuntimeError(f"multi_margin_loss: expected {n} targets, got {t.shape[0]}")
    if t.size and (t.min() < 0 or t.max() >= c):
        raise IndexError(f"Target {int(t[(t < 0) | (t >= c)][0])} is out of bounds.")
    picked = ops.gather(x, 1, _wrap(t.reshape(-1, 1)))                    # x[y], (N, 1)
    hinge = ops.relu(margin - picked + x)
    if p == 2:
        hinge = hinge * hinge
    not_target = np.ones((n, c), dtype=x._data.dtype)
    not_target[np.arange(n), t] = 0
    hinge = hinge * _wrap(not_target)
    if weight is not None:
        w = as_operand(weight)._data.astype(x._data.dtype)
        hinge = hinge * _wrap(w[t].reshape(-1, 1))
    loss = ops.sum(hinge, 1) / c
    if input._data.ndim == 1 and red == "none":
        loss = ops.reshape(loss, ())
    return _reduce(loss, red)
