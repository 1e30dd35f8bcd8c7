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
    if param == np.inf:
        # PyTorch's two branches as written: the quadratic one for every finite |d| (huber
        # 0.5 d^2, smooth_l1 0.5 d^2 / inf = 0), the linear one (NaN) for |d| = inf. The
        # fused form below would give inf * 0 = NaN everywhere.
        with np.errstate(invalid="ignore"):
            quad = (0.5 * ad) * ad if kind == "huber" else (0.5 * ad) * ad / param
            return np.where(ad < param, quad, np.nan).astype(d.dtype, copy=False)
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


def _loss_weight(weight, x, name, arg):
    """``weight`` (or ``pos_weight``) as a Tensor in the input's dtype, checked to broadcast
    to the input's shape: PyTorch computes the loss in the input's dtype and shape, so a
    float64 weight does not promote a float32 loss and a weight with more dimensions than
    the input is an error rather than a larger loss."""
    w = as_operand(weight)
    try:
        fits = np.broadcast_shapes(w._data.shape, x._data.shape) == x._data.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{name}(): {arg} of shape {list(w.shape)} must broadcast to the "
                           f"input's shape {list(x.shape)}")
    return w if w._data.dtype == x._data.dtype else w.to(x.dtype)


# fmt: off
@primitive
def _bce(x, y):
    with np.errstate(divide="ignore"):
        return -(y * _log_clamped(x) + (1.0 - y) * _log1m_clamped(x))
# L = -(y log x + (1 - y) log(1 - x)):
#   dL/dx = (x - y) / (x (1 - x)), the denominator floored at 1e-12 (as PyTorch);
#   dL/dy = log(1 - x) - log(x) = -logit(x), unfloored as in PyTorch: +inf at x = 0 and -inf
#   at x = 1, where the loss itself is floored (its slope in y is not the floor's, 0).
_bce.defvjp(lambda g, out, x, y: g * (x - y) / _floor(x * (1.0 - x), 1e-12),
            lambda g, out, x, y: g * _bce_target_slope(x))

def _bce_target_slope(x):
    if isinstance(x, Tensor):
        return -R.log(x / (1.0 - x))
    with np.errstate(divide="ignore"):
        return -np.log(x / (1.0 - x))

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
        weight: rescales each element's loss; it must broadcast to ``input``'s shape, and
            the loss keeps ``input``'s dtype.

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
    # min/max propagate NaN, so the negated comparisons also reject NaN (as PyTorch).
    if xd.size and not (xd.min() >= 0 and xd.max() <= 1):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if yd.size and not (yd.min() >= 0 and yd.max() <= 1):
        raise RuntimeError("all elements of target should be between 0 and 1")
    w = None if weight is None else _loss_weight(weight, x, "binary_cross_entropy", "weight")
    loss = _bce(x, y)
    if w is not None:
        loss = loss * w
    return _reduce(loss, red)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy on logits: ``BCE(sigmoid(x), y)`` computed stably in one op.

    Args:
        input: logits, any shape.
        target: same shape, values usually in ``[0, 1]``.
        weight: rescales each element's loss; it must broadcast to ``input``'s shape, and
            the loss keeps ``input``'s dtype.
        pos_weight: weight of the positive term, broadcast against the last dimension
            (one value per class); like ``weight``, it must broadcast to ``input``'s shape.

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
    name = "binary_cross_entropy_with_logits"
    w = None if weight is None else _loss_weight(weight, x, name, "weight")
    if pos_weight is not None:
        loss = _bce_logits(x, y, _loss_weight(pos_weight, x, name, "pos_weight"))
    else:
        loss = _bce_logits(x, y)
    if w is not None:
        loss = loss * w
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
    """The output gradient as a per-item factor: ``g`` (none, sum), ``g / denom`` (mean)."""
    return g * (1.0 / denom) if reduction == "mean" else g


def _zero_total_grad(g, x, *, ts, valid, wt, w, eps, softmax):
    """The gradient of a "mean" whose counted weights sum to 0 (every target ignored, or
    only zero-weight classes counted), in PyTorch's order of operations so that the same
    entries come out 0, NaN or infinite.

    PyTorch scales by ``g / 0`` (inf; NaN when ``g == 0``) only the log-probabilities an
    item puts weight on: ``-(1 - eps) w_t`` at the target, ``-(eps / C) w_c`` on every
    class with label smoothing. Ignored items stay exactly 0 and a zero-weight target is
    ``0 * inf = NaN``; cross_entropy then applies log_softmax's backward
    ``gl - softmax * sum_c gl``, which spreads a NaN over its row. Under ``create_graph``
    the result stays on the graph with a zero derivative, as PyTorch's does.
    """
    xd = R.data(x)
    dt = xd.dtype
    c = xd.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = np.asarray(R.data(g), dt) / dt.type(0)
        wt_ = np.ones(ts.shape, dt) if wt is None else wt
        gl = np.zeros(xd.shape, dt)
        np.put_along_axis(gl, ts[:, None], (-(1.0 - eps) * wt_ * coef)[:, None], axis=1)
        if eps:
            wb = np.ones(c, dt) if w is None else w
            gl -= ((eps / c) * coef) * wb.reshape(_class_dims(c, xd.ndim))
        if valid is not None:
            gl = np.where(_expand1(valid) != 0, gl, dt.type(0))
        if softmax:
            p = _softmax.forward(xd, axis=1)
            gl = gl - p * gl.sum(axis=1, keepdims=True)
    if isinstance(x, Tensor):
        # where() with an all-False condition: on the graph of x, but none of x's values
        # (an infinite logit times 0 would be NaN) reach the result or its derivative.
        return ops.where(_wrap(np.zeros(gl.shape, bool)), x, _wrap(gl))
    return gl


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
    if reduction == "mean" and not denom:
        return _zero_total_grad(g, x, ts=ts, valid=valid, wt=wt, w=w, eps=eps, softmax=True)
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
def _nll(x, *, ts, wt, valid, reduction, denom):
    loss = -_pick(x, ts)
    if wt is not None:
        loss *= wt
    return _reduce_items(loss, reduction, denom, x.dtype)

def _nll_rule(g, out, x, *, ts, wt, valid, reduction, denom):
    # L = -sum_n w_t x[n, t_n] (/ denom): dL/dx[n, c] = -w_t [c == t_n] (/ denom).
    # The rule is linear in g and constant in x, so it is exact under create_graph too.
    if reduction == "mean" and not denom:
        return _zero_total_grad(g, x, ts=ts, valid=valid, wt=wt, w=None, eps=0.0,
                                softmax=False)
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


def _check_input(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")


def _probs_hint(t, name, shape):
    """For a floating target that reached the class-index checks: what it should have been."""
    if name != "cross_entropy" or t.dtype.kind != "f":
        return ""
    return (f" (a floating target holds class probabilities and must have the input's "
            f"shape {list(shape)})")


def _class_setup(input, target, weight, ignore_index, name):
    """Validate a class-index loss's arguments and precompute what the primitives need.

    The checks run in PyTorch's order, so that a bad call raises PyTorch's exception type:
    dimensions and batch size first (ValueError for a batch-size mismatch, RuntimeError for
    a multi-dimensional target), then the weight, then the target's dtype (int64; uint8 too
    for an ``(N, C)`` or ``(C,)`` input).

    Returns ``(x, ts, wt, valid, w, denom, unbatched)``: ``x`` the input with a batch
    dimension, ``ts`` the targets with ignored positions replaced by 0, ``wt`` the weight of
    each item's target (0 where ignored; None when every weight is 1), ``valid`` the mask of
    counted items as floats (None when all count), ``w`` the class weights as an array,
    ``denom`` the divisor of a "mean".
    """
    x = input  # (a Tensor: checked by the caller)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}(): expected a floating point input, got {x.dtype}")
    t = as_operand(target)._data
    nd = x._data.ndim
    if nd == 0:
        raise ValueError(f"{name}(): input must have at least one dimension (the classes), "
                         f"got a 0-d input")
    unbatched = nd == 1
    if unbatched:
        # One sample: a 0-d target, or (as PyTorch accepts) a 1-d target of size 1.
        if t.ndim > 1:
            raise RuntimeError(f"{name}(): an input of shape {list(x.shape)} (one sample) "
                               f"expects a 0-d target, got shape {list(t.shape)} "
                               f"(multi-target is not supported){_probs_hint(t, name, x.shape)}")
        if t.ndim == 1 and t.shape[0] != 1:
            raise ValueError(f"{name}(): an input of shape {list(x.shape)} (one sample) "
                             f"expects a 0-d target or one of size 1, got shape "
                             f"{list(t.shape)}{_probs_hint(t, name, x.shape)}")
        x = ops.unsqueeze(x, 0)
        t = t.reshape(1)
    xs = x._data.shape
    if t.ndim == 0 or t.shape[0] != xs[0]:
        got = "a 0-d target" if t.ndim == 0 else f"target batch_size ({t.shape[0]})"
        raise ValueError(f"{name}(): expected input batch_size ({xs[0]}) to match "
                         f"{got}{_probs_hint(t, name, xs)}")
    if t.ndim != x._data.ndim - 1:
        raise RuntimeError(f"{name}(): expected a target of {x._data.ndim - 1} dimension(s) "
                           f"for input of shape {list(xs)}, got shape {list(t.shape)} "
                           f"(multi-target is not supported){_probs_hint(t, name, xs)}")
    if t.shape[1:] != xs[2:]:
        raise RuntimeError(f"{name}(): expected target size {[xs[0], *xs[2:]]}, got "
                           f"{list(t.shape)}{_probs_hint(t, name, xs)}")
    c = xs[1]
    dtype = x._data.dtype
    w = None
    if weight is not None:
        w = as_operand(weight)._data
        if w.ndim != 1 or w.shape[0] != c:
            raise RuntimeError(f"weight tensor should be defined either for all {c} classes "
                               f"or no classes but got weight tensor of shape: "
                               f"{list(w.shape)}")
        if w.dtype != dtype:
            # PyTorch does not promote here (its kernel reads the weight as the input's type).
            raise RuntimeError(f"{name}(): expected weight of the input's dtype {x.dtype}, "
                               f"got {Tensor._wrap(w).dtype}")
    if t.dtype != np.int64:
        if t.dtype != np.uint8:
            raise RuntimeError(f"{name}(): expected target dtype to be int64 or uint8 (class "
                               f"indices), but got {Tensor._wrap(t).dtype}"
                               f"{_probs_hint(t, name, xs)}")
        if x._data.ndim > 2:
            raise RuntimeError(f"{name}(): expected an int64 target for an input of "
                               f"{x._data.ndim} dimensions, got uint8 (uint8 class indices "
                               f"are accepted only with an (N, C) or (C,) input)")
        t = t.astype(np.int64)
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
    _check_input(input, "nll_loss")
    x, ts, wt, valid, _, denom, unbatched = _class_setup(input, target, weight,
                                                         ignore_index, "nll_loss")
    out = _nll(x, ts=ts, wt=wt, valid=valid, reduction=red, denom=denom)
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
    _check_input(input, "cross_entropy")
    tgt = as_operand(target)
    if tgt._data.shape == input._data.shape:
        # As PyTorch: a target of the input's shape holds class probabilities (whatever its
        # dtype); any other shape holds class indices.
        return _cross_entropy_probs(input, tgt, weight, red, float(label_smoothing),
                                    ignore_index)
    x, ts, wt, valid, w, denom, unbatched = _class_setup(input, tgt, weight, ignore_index,
                                                         "cross_entropy")
    out = _cross_entropy(x, ts=ts, wt=wt, valid=valid, w=w, eps=float(label_smoothing),
                         reduction=red, denom=denom)
    return _unbatch(out, unbatched, red)


def _cross_entropy_probs(input, target, weight, reduction, eps, ignore_index):
    if target._data.dtype.kind != "f":
        raise RuntimeError(f"cross_entropy(): a target of the input's shape "
                           f"{list(input.shape)} holds class probabilities and must be "
                           f"floating point, got {target.dtype}")
    if ignore_index >= 0:
        raise RuntimeError(f"cross_entropy(): ignore_index is not supported for floating "
                           f"point target (class probabilities), got ignore_index="
                           f"{ignore_index}")
    if input._data.ndim == 0:
        # IndexError, as PyTorch's: there is no class dimension to take the softmax over.
        raise IndexError("cross_entropy(): input must have at least one dimension (the "
                         "classes), got a 0-d input")
    x, y = pair(input, target)
    cdim = 0 if x._data.ndim == 1 else 1
    c = x._data.shape[cdim]
    w = None
    if weight is not None:
        w = as_operand(weight)
        if w._data.ndim != 1 or w._data.shape[0] != c:
            raise RuntimeError(f"weight tensor should be defined either for all {c} classes "
                               f"or no classes but got weight tensor of shape: "
                               f"{list(w.shape)}")
    if eps:
        y = y * (1.0 - eps) + eps / c
    prod = log_softmax(x, cdim) * y
    if w is not None:
        # Not cast to the input's dtype: PyTorch promotes (float32 input, float64 weight:
        # a float64 loss).
        prod = prod * ops.reshape(w, (c,) + (1,) * (x._data.ndim - cdim - 1))
    return _reduce(-ops.sum(prod, cdim), reduction)


# ------------------------------------------------------------------ divergences and others
# fmt: off
@primitive
def _xlogx(t):
    # t log t with 0 log 0 = 0, PyTorch's xlogy(t, t): NaN for a negative or NaN t.
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t == 0, t.dtype.type(0), t * np.log(t))
# PyTorch differentiates xlogy(t, t) through both of its arguments, xlogy(t != 0, t) + t / t:
# log t + 1, and NaN at t == 0 (0 / 0, where the true slope is -inf) and at t = inf.
_xlogx.defvjp(lambda g, out, t: g * _xlogx_slope(t))

def _xlogx_slope(t):
    if isinstance(t, Tensor):
        return ops.where(t != 0, ops.log(t), 0.0) + t / t
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t != 0, np.log(t), t.dtype.type(0)) + t / t
# fmt: on


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence ``sum target * (log target - input)``, with ``input`` given
    as log-probabilities (and ``target`` too when ``log_target``).

    ``reduction="batchmean"`` divides the sum by the batch size (the mathematical KL
    divergence per sample); ``"mean"`` divides by the number of elements. Terms with
    ``target == 0`` are 0 (their gradient with respect to the target is NaN, as in
    PyTorch); a negative or NaN target gives NaN.

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
        loss = _xlogx(y) - y * x
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
