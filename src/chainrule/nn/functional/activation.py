"""Activation functions: elementwise nonlinearities and softmax-style normalisations.

The elementwise activations that a composite would spell with several temporaries are
primitives here, each with its derivative written beside it. Conventions at kinks follow
PyTorch (checked numerically against it): relu'(0) = 0, leaky_relu'(0) = negative_slope,
elu'(0) takes the negative branch, hardtanh/relu6/hardsigmoid pass no gradient at their
corners, threshold'(threshold) = 0.

``softmax`` and ``log_softmax`` are fused primitives: their forward is shifted by the maximum
(no overflow) and their rules are written with ``chainrule.ops.rules`` helpers, so they stay
differentiable under ``create_graph=True`` (Hessians, double backward).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from chainrule import ops
from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.ops._erf import erf as _np_erf
from chainrule.ops.shape import normalize_dim
from chainrule.tensor import Tensor

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu",
    "gelu", "silu", "mish", "sigmoid", "tanh", "softplus", "softsign", "hardtanh",
    "hardtanh_", "hardsigmoid", "hardswish", "logsigmoid", "tanhshrink", "softshrink",
    "hardshrink", "softmax", "log_softmax", "softmin", "glu", "threshold", "threshold_",
    "prelu", "rrelu", "rrelu_", "selu_", "celu_", "gumbel_softmax",
]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_GELU_C = 0.044715
# SELU's constants (Klambauer et al., 2017), to the precision PyTorch uses.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# ------------------------------------------------------------------ rule helpers
# Functions the rules below need beyond ``chainrule.ops.rules``: NumPy on arrays (first-order
# path), chainrule ops on Tensors (create_graph=True, so the rule itself is differentiable).
def _np_sigmoid(x):
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def _sigmoid(x):
    return ops.sigmoid(x) if isinstance(x, Tensor) else _np_sigmoid(x)


def _tanh(x):
    return ops.tanh(x) if isinstance(x, Tensor) else np.tanh(x)


def _erf(x):
    return ops.erf(x) if isinstance(x, Tensor) else _np_erf(x)


def _np_softplus(x):
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows.
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _softplus1(x):
    return _softplus(x, beta=1.0, threshold=20.0) if isinstance(x, Tensor) else _np_softplus(x)


def _as_float(x: Tensor, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}(): expected a floating point input, got {x.dtype}")
    return x


def _inplace(input: Tensor, out_fn, name: str) -> Tensor:
    """Write ``out_fn(input)`` into ``input`` (the ``inplace=True`` flavour of an activation)."""
    from chainrule.ops.indexing import inplace

    return inplace(input, out_fn, name)


# ------------------------------------------------------------------ elementwise primitives
# Selections are written as arithmetic with 0/1 masks rather than where(): NumPy's where
# branches on every element and is ~10x slower on data with random signs.
# fmt: off
@primitive
def _leaky_relu(x, *, slope):
    # max(x, s x) for s <= 1 and min(x, s x) for s > 1 both pick x for x > 0, s x otherwise.
    return np.maximum(x, x * slope) if slope <= 1.0 else np.minimum(x, x * slope)
# d/dx = 1 for x > 0, negative_slope for x <= 0 (PyTorch takes the negative side at 0).
_leaky_relu.defvjp(lambda g, out, x, *, slope: g * (slope + (1.0 - slope) * R.cast(x > 0, g)))

@primitive
def _elu(x, *, alpha, scale, input_scale):
    neg = np.expm1(np.minimum(x, 0) * input_scale) * (alpha * scale)   # 0 for x > 0
    pos = np.maximum(x, 0)                                               # 0 for x <= 0
    if scale != 1.0:
        pos *= scale
    return pos + neg
# For x > 0: d/dx = scale. For x <= 0 (0 included, as PyTorch):
# out = scale*alpha*(exp(x*s) - 1), so d/dx = s*scale*alpha*exp(x*s) = s*(out + scale*alpha).
def _elu_rule(g, out, x, *, alpha, scale, input_scale):
    m = R.cast(x > 0, out)
    return g * (m * scale + (1.0 - m) * (input_scale * (out + alpha * scale)))
_elu.defvjp(_elu_rule, saves_out=True)

@primitive
def _gelu(x, *, approximate):
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + _GELU_C * x * x * x)
        return 0.5 * x * (1.0 + np.tanh(inner))
    return 0.5 * x * (1.0 + _np_erf(x * _INV_SQRT_2))

def _gelu_rule(g, out, x, *, approximate):
    if approximate != "tanh" and not isinstance(g, Tensor):
        # First-order path: Phi(x) = out / x recovers the CDF from the forward result without
        # a second erf (Phi(0) = 1/2 is patched in where x == 0).
        zero = x == 0
        cdf = out / (x + zero) + 0.5 * zero
        return g * (cdf + x * _INV_SQRT_2PI * np.exp(-0.5 * (x * x)))
    if approximate == "tanh":
        # y = x/2 (1 + t), t = tanh(u), u = c1 (x + c2 x^3):
        # dy/dx = (1 + t)/2 + x/2 (1 - t^2) c1 (1 + 3 c2 x^2)
        x2 = x * x
        t = _tanh(_SQRT_2_OVER_PI * (x + _GELU_C * x2 * x))
        du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_C * x2)
        return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du)
    # y = x Phi(x): dy/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi)
    cdf = 0.5 * (1.0 + _erf(x * _INV_SQRT_2))
    return g * (cdf + x * _INV_SQRT_2PI * R.exp(-0.5 * (x * x)))
_gelu.defvjp(_gelu_rule, saves_out=True)

@primitive
def _silu(x):
    return x * _np_sigmoid(x)
# y = x s, s = sigmoid(x): dy/dx = s + x s (1 - s) = s (1 + x (1 - s))
_silu.defvjp(lambda g, out, x: g * _silu_grad(x))

def _silu_grad(x):
    s = _sigmoid(x)
    return s * (1.0 + x * (1.0 - s))

@primitive
def _mish(x):
    return x * np.tanh(_np_softplus(x))
# y = x tanh(sp(x)), sp' = sigmoid: dy/dx = t + x (1 - t^2) sigmoid(x), t = tanh(sp(x))
def _mish_rule(g, out, x):
    t = _tanh(_softplus1(x))
    return g * (t + x * (1.0 - t * t) * _sigmoid(x))
_mish.defvjp(_mish_rule)

@primitive
def _softplus(x, *, beta, threshold):
    bx = x * beta if beta != 1 else x
    sp = _np_softplus(bx)
    if beta != 1:
        sp /= beta
    # exactly x above the threshold (a masked copy: arithmetic with the mask would turn
    # x = +-inf into nan)
    np.copyto(sp, x, where=bx > threshold)
    return sp
# Above the threshold the op is the identity (d/dx = 1); elsewhere d/dx = sigmoid(beta x).
def _softplus_rule(g, out, x, *, beta, threshold):
    s = _sigmoid(x * beta)
    return g * (s + R.cast(x * beta > threshold, s) * (1.0 - s))
_softplus.defvjp(_softplus_rule)

@primitive
def _logsigmoid(x):
    return -_np_softplus(-x)
# log sigmoid(x) = -softplus(-x): d/dx = sigmoid(-x) = 1 - sigmoid(x)
_logsigmoid.defvjp(lambda g, out, x: g * _sigmoid(-x))

@primitive
def _softsign(x):
    return x / (1.0 + np.abs(x))
# x / (1 + |x|): d/dx = 1 / (1 + |x|)^2
_softsign.defvjp(lambda g, out, x: g / ((1.0 + abs(x)) * (1.0 + abs(x))))

@primitive
def _hardtanh(x, *, lo, hi):
    return np.clip(x, lo, hi)
# The gradient passes strictly inside (lo, hi); 0 at the corners, as PyTorch (unlike clamp).
_hardtanh.defvjp(lambda g, out, x, *, lo, hi: g * ((x > lo) & (x < hi)))

@primitive
def _hardsigmoid(x):
    return np.clip(x * (1.0 / 6.0) + 0.5, 0.0, 1.0)
# relu6(x + 3) / 6: slope 1/6 strictly inside (-3, 3), 0 elsewhere (corners included).
_hardsigmoid.defvjp(lambda g, out, x: (g * ((x > -3.0) & (x < 3.0))) * (1.0 / 6.0))

@primitive
def _hardswish(x):
    return x * np.clip(x * (1.0 / 6.0) + 0.5, 0.0, 1.0)
# x relu6(x + 3) / 6: d/dx = x/3 + 1/2 inside (-3, 3), 0 for x <= -3, 1 for x >= 3.
_hardswish.defvjp(lambda g, out, x:
                  g * (((x > -3.0) & (x < 3.0)) * (x * (1.0 / 3.0) + 0.5) + (x >= 3.0)))

@primitive
def _threshold(x, *, threshold, value):
    return np.where(x > threshold, x, np.asarray(value, dtype=x.dtype))
# Identity above the threshold, constant at or below it (so 0 gradient at x == threshold).
_threshold.defvjp(lambda g, out, x, *, threshold, value: g * (x > threshold))

@primitive
def _shrink(x, *, lambd, soft):
    if soft:
        return x - np.clip(x, -lambd, lambd)
    return x * (np.abs(x) > lambd)
# softshrink and hardshrink: slope 1 where |x| > lambda, 0 inside [-lambda, lambda].
_shrink.defvjp(lambda g, out, x, *, lambd, soft: g * ((x > lambd) | (x < -lambd)))

# ------------------------------------------------------------------ softmax family (fused)
@primitive
def _softmax(x, *, axis):
    with np.errstate(invalid="ignore"):           # a row of -inf gives NaN, as PyTorch
        e = np.exp(x - np.amax(x, axis=axis, keepdims=True, initial=-np.inf))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e
# y = softmax(x): dy_i/dx_j = y_i (delta_ij - y_j), so the VJP is y * (g - sum(g * y)).
_softmax.defvjp(lambda g, out, x, *, axis: out * (g - R.sum(g * out, axis=axis, keepdims=True)),
                saves_inputs=False, saves_out=True)

@primitive
def _log_softmax(x, *, axis):
    with np.errstate(invalid="ignore"):
        z = x - np.amax(x, axis=axis, keepdims=True, initial=-np.inf)
    z -= np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    return z
# y = x - logsumexp(x): dy_i/dx_j = delta_ij - softmax_j, softmax = exp(y); so the VJP is
# g - exp(y) * sum(g).
_log_softmax.defvjp(lambda g, out, x, *, axis:
                    g - R.exp(out) * R.sum(g, axis=axis, keepdims=True),
                    saves_inputs=False, saves_out=True)
# fmt: on


# ------------------------------------------------------------------ public functions
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """Rectified linear unit, ``max(x, 0)``; relu'(0) = 0.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.relu(cr.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    if inplace:
        return _inplace(input, ops.relu, "relu_")
    return ops.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`."""
    return relu(input, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``; no gradient at 0 and 6 (PyTorch's convention)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise; the derivative at 0 is
    ``negative_slope``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.leaky_relu(cr.tensor([-2.0, 3.0]), 0.1)
        tensor([-0.2000,  3.0000])
    """
    x = _as_float(input, "leaky_relu")
    fn = lambda t: _leaky_relu(t, slope=float(negative_slope))  # noqa: E731
    return _inplace(x, fn, "leaky_relu_") if inplace else fn(x)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`."""
    return leaky_relu(input, negative_slope, True)


def _elu_family(input, alpha, scale, input_scale, inplace, name):
    x = _as_float(input, name)
    fn = lambda t: _elu(t, alpha=float(alpha), scale=float(scale),  # noqa: E731
                        input_scale=float(input_scale))
    return _inplace(x, fn, name + "_") if inplace else fn(x)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.elu(cr.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """
    return _elu_family(input, alpha, 1.0, 1.0, inplace, "elu")


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`."""
    return elu(input, alpha, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU: ``scale * elu(x, alpha)`` with the self-normalising constants
    ``alpha = 1.6732632...`` and ``scale = 1.0507009...``."""
    return _elu_family(input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace, "selu")


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`."""
    return selu(input, True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu(): alpha must not be 0")
    return _elu_family(input, alpha, 1.0, 1.0 / alpha, inplace, "celu")


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`."""
    return celu(input, alpha, True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x * Phi(x)`` (Phi: the standard normal CDF).

    Args:
        approximate: ``"none"`` for the exact form with ``erf``, ``"tanh"`` for
            ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.gelu(cr.tensor([0.0, 1.0]))
        tensor([0.0000, 0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got "
                           f"{approximate!r}")
    return _gelu(_as_float(input, "gelu"), approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """Sigmoid linear unit (swish): ``x * sigmoid(x)``."""
    x = _as_float(input, "silu")
    return _inplace(x, _silu, "silu_") if inplace else _silu(x)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    x = _as_float(input, "mish")
    return _inplace(x, _mish, "mish_") if inplace else _mish(x)


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))`` (see :func:`chainrule.sigmoid`)."""
    return ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent (see :func:`chainrule.tanh`)."""
    return ops.tanh(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.softplus(cr.tensor([0.0]))
        tensor([0.6931])
    """
    return _softplus(_as_float(input, "softplus"), beta=float(beta), threshold=float(threshold))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return _softsign(_as_float(input, "softsign"))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``x`` clipped to ``[min_val, max_val]``; the gradient is 0 at and beyond the corners."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    x = _as_float(input, "hardtanh")
    fn = lambda t: _hardtanh(t, lo=float(min_val), hi=float(max_val))  # noqa: E731
    return _inplace(x, fn, "hardtanh_") if inplace else fn(x)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, True)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    x = _as_float(input, "hardsigmoid")
    return _inplace(x, _hardsigmoid, "hardsigmoid_") if inplace else _hardsigmoid(x)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    x = _as_float(input, "hardswish")
    return _inplace(x, _hardswish, "hardswish_") if inplace else _hardswish(x)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, computed as ``-softplus(-x)`` (stable for large ``|x|``)."""
    return _logsigmoid(_as_float(input, "logsigmoid"))


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return input - ops.tanh(input)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 in between."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _shrink(_as_float(input, "softshrink"), lambd=float(lambd), soft=True)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, 0 elsewhere."""
    return _shrink(_as_float(input, "hardshrink"), lambd=float(lambd), soft=False)


def _apply_threshold(input, th, value, inplace):
    fn = lambda t: _threshold(t, threshold=th, value=value)  # noqa: E731
    return _inplace(input, fn, "threshold_") if inplace else fn(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, ``value`` elsewhere (no gradient at ``x == threshold``).

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.threshold(cr.tensor([0.5, 2.0]), 1.0, -1.0)
        tensor([-1.,  2.])
    """
    return _apply_threshold(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`."""
    return _apply_threshold(input, threshold, value, True)


def _softmax_dim(input: Tensor, dim, name: str) -> int | None:
    nd = input._data.ndim
    if dim is None:
        # PyTorch's legacy rule for a missing dim (deprecated there too).
        warnings.warn(f"Implicit dimension choice for {name} is deprecated; pass dim= "
                      f"explicitly.", UserWarning, stacklevel=3)
        dim = 0 if nd in (0, 1, 3) else 1
    if nd == 0:
        normalize_dim(dim, 1, name)
        return None                     # a 0-d tensor: reduce over "all" (its one value)
    return normalize_dim(dim, nd, name)


def _softmax_input(input: Tensor, dtype, name: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{name}(): expected a floating point input, got {input.dtype}")
    return input


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (a fused, numerically stable primitive).

    Args:
        input: a floating tensor.
        dim: the dimension that sums to 1.
        dtype: if given, ``input`` is converted to it first.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.softmax(cr.tensor([[0.0, 0.0], [0.0, 1000.0]]), dim=1)
        tensor([[0.5000, 0.5000],
                [0.0000, 1.0000]])
    """
    x = _softmax_input(input, dtype, "softmax")
    return _softmax(x, axis=_softmax_dim(x, dim, "softmax"))


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim`` (a fused, numerically stable primitive).

    Args:
        input: a floating tensor.
        dim: the dimension normalised over.
        dtype: if given, ``input`` is converted to it first.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.functional.log_softmax(cr.tensor([0.0, 0.0]), dim=0)
        tensor([-0.6931, -0.6931])
    """
    x = _softmax_input(input, dtype, "log_softmax")
    return _log_softmax(x, axis=_softmax_dim(x, dim, "log_softmax"))


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    x = _softmax_input(input, dtype, "softmin")
    return _softmax(ops.neg(x), axis=_softmax_dim(x, dim, "softmin"))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: splits ``input`` in halves ``a, b`` along ``dim``, returns
    ``a * sigmoid(b)``.

    Shape:
        input ``(*, 2N, *)`` gives ``(*, N, *)``.
    """
    if input._data.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = normalize_dim(dim, input._data.ndim, "glu")
    n = input._data.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    a, b = ops.chunk(input, 2, d)
    return a * ops.sigmoid(b)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` for ``x > 0``, ``weight * x`` otherwise, with a learned slope.

    ``weight`` has one element (shared) or one per channel (dimension 1 of ``input``).
    The derivative at 0 takes the negative side (as PyTorch).
    """
    x = _as_float(input, "prelu")
    w = weight
    nd = x._data.ndim
    if w._data.size != 1:
        c = x._data.shape[1] if nd >= 2 else (x._data.shape[0] if nd == 1 else 1)
        if w._data.size != c:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {w._data.size} and channel size = {c}.")
        if nd >= 2:
            w = ops.reshape(w, (c,) + (1,) * (nd - 2))
    elif w._data.ndim:
        w = ops.reshape(w, ())
    return ops.where(x > 0, x, w * x)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: in training, each negative element gets a slope drawn from
    U(lower, upper) (from chainrule's generator); otherwise the slope is their mean."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from chainrule.nn.functional.misc import _scale_by_mask
    from chainrule.random import rng

    x = _as_float(input, "rrelu")
    dt = x._data.dtype
    slopes = rng().uniform(lower, upper, x._data.shape).astype(dt)
    # y = x * m with m = 1 where x > 0, else the drawn slope: dy/dx = m.
    mask = slopes + (x._data > 0) * (1 - slopes)
    fn = lambda t: _scale_by_mask(t, mask=mask)  # noqa: E731
    return _inplace(x, fn, "rrelu_") if inplace else fn(x)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, True)


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A differentiable sample from the categorical distribution given by ``logits``:
    ``softmax((logits + g) / tau)`` with Gumbel noise ``g`` (from chainrule's generator).

    With ``hard=True`` the result is one-hot (the argmax) in the forward pass while the
    gradient is that of the soft sample (the straight-through estimator).
    """
    from chainrule.random import rng

    x = _as_float(logits, "gumbel_softmax")
    dt = x._data.dtype
    gumbels = -np.log(rng().exponential(1.0, x._data.shape)).astype(dt)
    y = softmax((x + Tensor._wrap(gumbels)) / tau, dim)
    if not hard:
        return y
    d = normalize_dim(dim, x._data.ndim, "gumbel_softmax")
    index = np.expand_dims(np.argmax(y._data, axis=d), d)
    onehot = np.zeros_like(y._data)
    np.put_along_axis(onehot, index, 1, axis=d)
    return Tensor._wrap(onehot) - y.detach() + y
