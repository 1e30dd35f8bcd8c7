"""Further elementwise functions and their derivatives: inverse trigonometric and
hyperbolic functions, special functions (lgamma, digamma, erfinv, ...), and float helpers.

Each primitive's NumPy forward is followed by its vector-Jacobian rules (the derivative is
written next to each). The special functions use SciPy's compiled kernels when SciPy is
installed and the vectorized NumPy implementations at the end of this module otherwise
(``_lgamma_numpy``, ``_polygamma_numpy``, ``_erfc_numpy``, ``_erfinv_numpy``, ...).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from chainrule import _dtype
from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.ops._convert import as_operand, float_operand, pair
from chainrule.ops._erf import erf_numpy as _erf_numpy
from chainrule.ops._scipy import special as _scipy
from chainrule.ops.elementwise import (
    _cos,
    _log,
    _sqrt,
    _zero_grad_op,
    mul,
    pow,
    sign,
    to_dtype,
)
from chainrule.tensor import Tensor

__all__ = [
    "asin", "arcsin", "acos", "arccos", "atan", "arctan", "asinh", "arcsinh", "acosh",
    "arccosh", "atanh", "arctanh", "sinh", "cosh", "atan2", "arctan2", "hypot", "logaddexp",
    "logaddexp2", "exp2", "xlogy", "logit", "erfc", "erfinv", "lgamma", "digamma",
    "polygamma", "mvlgamma", "sinc", "deg2rad", "rad2deg", "copysign", "fmax", "fmin",
    "heaviside", "nan_to_num", "frac", "float_power", "signbit", "sgn", "positive",
    "isneginf", "isposinf", "isreal", "is_complex", "is_nonzero", "ldexp", "nextafter", "gcd",
    "lcm", "i0", "angle", "conj", "resolve_conj", "conj_physical", "frexp",
]

# Names bound as Tensor methods (``x.name(...)``) and, with a trailing underscore, as
# in-place methods (``x.name_(...)``), by ``chainrule.ops._methods``. ``polygamma`` is not
# here: its method takes ``(n)`` after ``self`` while the function takes ``(n, input)``.
# ``float_power_`` is not here either: it must refuse a base that is not float64.
TENSOR_METHODS = """asin arcsin acos arccos atan arctan asinh arcsinh acosh arccosh atanh
arctanh sinh cosh atan2 arctan2 hypot logaddexp logaddexp2 exp2 xlogy logit erfc erfinv lgamma
digamma mvlgamma sinc deg2rad rad2deg copysign fmax fmin heaviside nan_to_num frac float_power
signbit sgn positive isneginf isposinf isreal is_complex is_nonzero ldexp nextafter gcd lcm i0
angle conj resolve_conj conj_physical frexp"""
INPLACE_METHODS = """asin arcsin acos arccos atan arctan asinh arcsinh acosh arccosh atanh
arctanh sinh cosh atan2 arctan2 hypot exp2 xlogy logit erfc erfinv lgamma digamma mvlgamma
sinc deg2rad rad2deg copysign heaviside nan_to_num frac sgn ldexp nextafter gcd lcm i0
conj_physical"""

_wrap = Tensor._wrap
_SQRT_PI = math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_LN2 = math.log(2.0)


def _fn(np_fn, prim):
    """A function for derivative rules: NumPy on arrays, the recorded primitive on Tensors."""

    def f(x):
        return prim(x) if isinstance(x, Tensor) else np_fn(x)

    return f


def _const(values, g):
    """NumPy ``values`` (a mask or a ratio) as a constant in ``g``'s dtype, array or Tensor."""
    return R.like(np.asarray(values, dtype=R.data(g).dtype), g)


def _in_dtype(out, x):
    """``out`` in the dtype of ``x`` (SciPy and the float64 fallbacks may widen float32)."""
    out = np.asarray(out)
    return out if out.dtype == x.dtype else out.astype(x.dtype)


def _compiled(name, fallback):
    """SciPy's ``scipy.special.<name>`` when SciPy is installed, else ``fallback``; the
    result is kept in the input's dtype."""

    def f(x):
        fn = _scipy(name) or fallback
        return _in_dtype(fn(x), x)

    return f


# fmt: off
# ------------------------------------------------------------------ inverse trig, hyperbolic
@primitive
def _asin(x):
    return np.arcsin(x)
_asin.defvjp(lambda g, out, x: g / _sq(1 - x * x))              # asin' = 1/sqrt(1-x^2)

@primitive
def _acos(x):
    return np.arccos(x)
_acos.defvjp(lambda g, out, x: -g / _sq(1 - x * x))             # acos' = -1/sqrt(1-x^2)

@primitive
def _atan(x):
    return np.arctan(x)
_atan.defvjp(lambda g, out, x: g / (1 + x * x))                 # atan' = 1/(1+x^2)

@primitive
def _asinh(x):
    return np.arcsinh(x)
_asinh.defvjp(lambda g, out, x: g / _sq(x * x + 1))             # asinh' = 1/sqrt(x^2+1)

@primitive
def _acosh(x):
    return np.arccosh(x)
_acosh.defvjp(lambda g, out, x: g / _sq((x - 1) * (x + 1)))     # acosh' = 1/sqrt(x^2-1)

@primitive
def _atanh(x):
    return np.arctanh(x)
_atanh.defvjp(lambda g, out, x: g / (1 - x * x))                # atanh' = 1/(1-x^2)

@primitive
def _sinh(x):
    return np.sinh(x)
_sinh.defvjp(lambda g, out, x: g * _ch(x))                      # sinh' = cosh

@primitive
def _cosh(x):
    return np.cosh(x)
_cosh.defvjp(lambda g, out, x: g * _sh(x))                      # cosh' = sinh

_sq = _fn(np.sqrt, _sqrt)
_ch = _fn(np.cosh, _cosh)
_sh = _fn(np.sinh, _sinh)


@primitive
def _atan2(y, x):
    return np.arctan2(y, x)
def _atan2_rule(which):
    # d atan2(y, x)/dy = x/(x^2+y^2), d/dx = -y/(x^2+y^2); 0 at the origin (as PyTorch)
    def rule(g, out, y, x):
        r2 = x * x + y * y
        origin = R.data(r2) == 0
        r2 = R.where(origin, 1.0, r2)
        return g * _const(~origin, g) * (x if which == 0 else -y) / r2
    return rule
_atan2.defvjp(_atan2_rule(0), _atan2_rule(1))

@primitive
def _hypot(a, b):
    return np.hypot(a, b)
_hypot.defvjp(lambda g, out, a, b: g * a / out,                 # d hypot/da = a/hypot
              lambda g, out, a, b: g * b / out, saves_out=True)  # d hypot/db = b/hypot

# ------------------------------------------------------------------ exponentials and logs
def _logaddexp_np(a, b):
    # max + log1p(exp(-|a-b|)): nothing overflows; equal infinities give themselves.
    with np.errstate(invalid="ignore"):
        d = np.abs(a - b)
        out = np.maximum(a, b) + np.log1p(np.exp(-d))
    return np.where(a == b, a + np.asarray(_LN2, a.dtype), out)

@primitive
def _logaddexp(a, b):
    return _logaddexp_np(a, b)
_logaddexp.defvjp(lambda g, out, a, b: g * R.exp(a - out),      # d/da = exp(a)/(e^a+e^b)
                  lambda g, out, a, b: g * R.exp(b - out), saves_out=True)

@primitive
def _logaddexp2(a, b):
    with np.errstate(invalid="ignore"):
        d = np.abs(a - b)
        out = np.maximum(a, b) + np.log1p(np.exp2(-d)) / np.asarray(_LN2, a.dtype)
    return np.where(a == b, a + 1, out)
# d/da log2(2^a + 2^b) = 2^a/(2^a+2^b) = 2^(a-out)
_logaddexp2.defvjp(lambda g, out, a, b: g * R.exp((a - out) * _LN2),
                   lambda g, out, a, b: g * R.exp((b - out) * _LN2), saves_out=True)

@primitive
def _exp2(x):
    return np.exp2(x)
_exp2.defvjp(lambda g, out, x: g * out * _LN2, saves_inputs=False, saves_out=True)  # ln2 2^x

def _xlog_np(x, y, log_fn):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((x == 0) & ~np.isnan(y), 0, x * log_fn(y))

def _xlog_dx(prim, np_log, pole):
    # d(x log y)/dx = log y, taken as xlogy(g, y) (0 where g == 0) and as 0 where x == 0 and
    # y <= pole (log y undefined there), as PyTorch
    def rule(g, out, x, y):
        undefined = (R.data(x) == 0) & (R.data(y) <= pole)
        ys = R.where(undefined, 1.0, y)
        gy = prim(g, ys) if isinstance(g, Tensor) else _xlog_np(g, ys, np_log)
        return R.where(undefined, 0.0, gy)
    return rule

@primitive
def _xlogy(x, y):
    return _xlog_np(x, y, np.log)
_xlogy.defvjp(_xlog_dx(_xlogy, np.log, 0),
              lambda g, out, x, y: g * x / y)                   # d(x log y)/dy = x/y

@primitive
def _xlog1py(x, y):
    return _xlog_np(x, y, np.log1p)
_xlog1py.defvjp(_xlog_dx(_xlog1py, np.log1p, -1),
                lambda g, out, x, y: g * x / (y + 1))           # d(x log1p y)/dy = x/(1+y)

@primitive
def _logit(x, *, eps):
    z = x if eps is None else np.clip(x, eps, 1 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(z / (1 - z))
def _logit_rule(g, out, x, *, eps):
    # logit'(x) = 1/(x(1-x)); with eps, 0 outside [eps, 1-eps] (the clamp); without, NaN
    # outside [0, 1] (as PyTorch)
    xd = R.data(x)
    if eps is None:
        outside = (xd < 0) | (xd > 1)
        return R.where(outside, np.nan, g / (x * (1 - x)))
    inside = (xd >= eps) & (xd <= 1 - eps)
    xs = R.where(inside, x, 0.5)
    return R.where(inside, g / (xs * (1 - xs)), 0.0)
_logit.defvjp(_logit_rule)

@primitive
def _entr(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(x > 0, -x * np.log(x), np.where(x == 0, 0, -np.inf))
    return np.where(np.isnan(x), x, out).astype(x.dtype, copy=False)
_entr.defvjp(lambda g, out, x: -g * (1 + _lg(x)))               # (-x log x)' = -(1 + log x)
_lg = _fn(np.log, _log)

# ------------------------------------------------------------------ error function family
@primitive
def _erfc(x):
    return _erfc_forward(x)
_erfc.defvjp(lambda g, out, x: -g * _TWO_OVER_SQRT_PI * R.exp(-(x * x)))  # -2/sqrt(pi) e^-x^2

@primitive
def _erfinv(x):
    return _erfinv_forward(x)
# erfinv'(y) = sqrt(pi)/2 * exp(erfinv(y)^2)
_erfinv.defvjp(lambda g, out, x: g * (_SQRT_PI / 2) * R.exp(out * out),
               saves_inputs=False, saves_out=True)

@primitive
def _log_ndtr(x):
    return _log_ndtr_forward(x)
# d log Phi(x)/dx = phi(x)/Phi(x) = exp(-x^2/2 - log Phi(x)) / sqrt(2 pi): no 0/0 in the tail
_log_ndtr.defvjp(lambda g, out, x: g * R.exp(-(x * x) / 2 - out) / _SQRT_2PI, saves_out=True)

@primitive
def _ndtri(x):
    return _ndtri_forward(x)
# ndtri'(p) = 1/phi(ndtri(p)) = sqrt(2 pi) exp(ndtri(p)^2 / 2)
_ndtri.defvjp(lambda g, out, x: g * _SQRT_2PI * R.exp(out * out / 2),
              saves_inputs=False, saves_out=True)

# ------------------------------------------------------------------ gamma family
@primitive
def _lgamma(x):
    return _lgamma_forward(x)
_lgamma.defvjp(lambda g, out, x: g * _dg(x))                    # lgamma' = digamma

@primitive
def _digamma(x):
    return _digamma_forward(x)
_digamma.defvjp(lambda g, out, x: g * _pg(1, x))                # digamma' = polygamma(1, .)

@primitive
def _polygamma(x, *, n):
    return _polygamma_forward(n, x)
_polygamma.defvjp(lambda g, out, x, *, n: g * _pg(n + 1, x))    # psi^(n)' = psi^(n+1)

_dg = _fn(lambda x: _digamma_forward(x), _digamma)

def _pg(n, x):
    return _polygamma(x, n=n) if isinstance(x, Tensor) else _polygamma_forward(n, x)

# ------------------------------------------------------------------ Bessel I0, I1
@primitive
def _i0(x):
    with np.errstate(invalid="ignore"):  # i0(+-inf) is NaN, as PyTorch
        return _in_dtype(np.i0(x), x)
_i0.defvjp(lambda g, out, x: g * _bi1(x))                       # I0' = I1

@primitive
def _i1(x):
    return _i1_forward(x)
def _i1_rule(g, out, x):
    # I1'(x) = I0(x) - I1(x)/x, and 1/2 at x = 0
    at0 = R.data(x) == 0
    xs = R.where(at0, 1.0, x)
    return g * R.where(at0, 0.5, _bi0(x) - out / xs)
_i1.defvjp(_i1_rule, saves_out=True)
_bi0 = _fn(lambda x: _in_dtype(np.i0(x), x), _i0)
_bi1 = _fn(lambda x: _i1_forward(x), _i1)

# ------------------------------------------------------------------ others
@primitive
def _sinc(x):
    return np.sinc(x)
def _sinc_rule(g, out, x):
    # sinc(x) = sin(pi x)/(pi x): sinc'(x) = (cos(pi x) - sinc(x))/x, and 0 at x = 0
    at0 = R.data(x) == 0
    xs = R.where(at0, 1.0, x)
    return g * R.where(at0, 0.0, (_cs(xs * math.pi) - out) / xs)
_sinc.defvjp(_sinc_rule, saves_out=True)
_cs = _fn(np.cos, _cos)

@primitive
def _copysign(a, b):
    return np.copysign(a, b)
def _copysign_ratio(a, out):
    # d copysign(a, b)/da = +-1 (whether the sign was flipped); 0 at a == 0 and NaN at
    # a = NaN (PyTorch's out/a)
    a, out = R.data(a), R.data(out)
    ratio = np.where(np.signbit(a) == np.signbit(out), 1.0, -1.0)
    return np.where(a == 0, 0.0, np.where(np.isnan(a), np.nan, ratio))
_copysign.defvjp(lambda g, out, a, b: g * _const(_copysign_ratio(a, out), g),
                 lambda g, out, a, b: g * 0,                    # piecewise constant in b
                 saves_out=True)

def _fmax_mask(a, b, take_a):
    a, b = R.data(a), R.data(b)
    return take_a(a, b) | np.isnan(b)

@primitive
def _fmax(a, b):
    return np.fmax(a, b)
# The gradient goes to the input that was taken: a where a >= b or b is NaN (ties: to a).
_fmax.defvjp(lambda g, out, a, b: g * _const(_fmax_mask(a, b, np.greater_equal), g),
             lambda g, out, a, b: g * _const(~_fmax_mask(a, b, np.greater_equal), g))

@primitive
def _fmin(a, b):
    return np.fmin(a, b)
_fmin.defvjp(lambda g, out, a, b: g * _const(_fmax_mask(a, b, np.less_equal), g),
             lambda g, out, a, b: g * _const(~_fmax_mask(a, b, np.less_equal), g))

@primitive
def _nan_to_num(x, *, nan, posinf, neginf):
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
# 1 where x is finite; 0 where a NaN or an infinity was replaced by a constant
_nan_to_num.defvjp(lambda g, out, x, **kw: g * _const(np.isfinite(R.data(x)), g))
# fmt: on


# ------------------------------------------------------------------ argument checks
def _type_name(d) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(np.dtype(d).name, np.dtype(d).name)


def _check_tensor(op, value, name="input", pos=1):
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(value).__name__}")


def _tensor_pair(op, input, other, name="other"):
    """Both Tensors (as PyTorch requires for ``op``), promoted to a common dtype."""
    _check_tensor(op, input)
    _check_tensor(op, other, name, 2)
    return pair(input, other)


def _require(op, t, kinds, what):
    if t._data.dtype.kind not in kinds:
        raise NotImplementedError(f'"{op}" not implemented for \'{_type_name(t._data.dtype)}\' '
                                  f"(expected {what})")


def _unary(prim, name, example):
    def fn(input):
        _check_tensor(name, input)
        return prim(float_operand(input))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Elementwise ``{name}`` (integer inputs give the default float dtype; "
                  f"derivative rule: ``chainrule.ops.math_functions._{name}``).\n\n"
                  f"Example:\n{example}")
    return fn


# ------------------------------------------------------------------ public: unary functions
asin = _unary(_asin, "asin", """    >>> import chainrule as cr
    >>> cr.asin(cr.tensor([0.0, 1.0]))
    tensor([0.0000, 1.5708])
""")
acos = _unary(_acos, "acos", """    >>> import chainrule as cr
    >>> cr.acos(cr.tensor([1.0, 0.0]))
    tensor([0.0000, 1.5708])
""")
atan = _unary(_atan, "atan", """    >>> import chainrule as cr
    >>> cr.atan(cr.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7854])
""")
asinh = _unary(_asinh, "asinh", """    >>> import chainrule as cr
    >>> cr.asinh(cr.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8814])
""")
acosh = _unary(_acosh, "acosh", """    >>> import chainrule as cr
    >>> cr.acosh(cr.tensor([1.0, 2.0]))
    tensor([0.0000, 1.3170])
""")
atanh = _unary(_atanh, "atanh", """    >>> import chainrule as cr
    >>> cr.atanh(cr.tensor([0.0, 0.5]))
    tensor([0.0000, 0.5493])
""")
sinh = _unary(_sinh, "sinh", """    >>> import chainrule as cr
    >>> cr.sinh(cr.tensor([0.0, 1.0]))
    tensor([0.0000, 1.1752])
""")
cosh = _unary(_cosh, "cosh", """    >>> import chainrule as cr
    >>> cr.cosh(cr.tensor([0.0, 1.0]))
    tensor([1.0000, 1.5431])
""")
exp2 = _unary(_exp2, "exp2", """    >>> import chainrule as cr
    >>> cr.exp2(cr.tensor([0, 3, -1]))
    tensor([1.0000, 8.0000, 0.5000])
""")
erfc = _unary(_erfc, "erfc", """    >>> import chainrule as cr
    >>> cr.erfc(cr.tensor([0.0, 1.0]))
    tensor([1.0000, 0.1573])
""")
erfinv = _unary(_erfinv, "erfinv", """    >>> import chainrule as cr
    >>> cr.erfinv(cr.tensor([0.0, 0.5, 1.0]))
    tensor([0.0000, 0.4769,    inf])
""")
lgamma = _unary(_lgamma, "lgamma", """    >>> import chainrule as cr
    >>> cr.lgamma(cr.tensor([0.5, 1.0, 10.0]))
    tensor([ 0.5724,  0.0000, 12.8018])
""")
digamma = _unary(_digamma, "digamma", """    >>> import chainrule as cr
    >>> cr.digamma(cr.tensor([1.0, 0.5]))
    tensor([-0.5772, -1.9635])
""")
i0 = _unary(_i0, "i0", """    >>> import chainrule as cr
    >>> cr.i0(cr.tensor([0.0, 1.0]))
    tensor([1.0000, 1.2661])
""")
sinc = _unary(_sinc, "sinc", """    >>> import chainrule as cr
    >>> cr.sinc(cr.tensor([0.0, 0.5, -0.5]))
    tensor([1.0000, 0.6366, 0.6366])
""")
sinc.__doc__ = sinc.__doc__.replace("Elementwise ``sinc``",
                                    "Normalized ``sinc``: sin(pi x)/(pi x), 1 at x = 0")

arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def i1(input):
    """The modified Bessel function of the first kind of order 1 (``torch.special.i1``).

    Example:
        >>> import chainrule as cr
        >>> cr.special.i1(cr.tensor([0.0, 1.0]))
        tensor([0.0000, 0.5652])
    """
    _check_tensor("i1", input)
    return _i1(float_operand(input))


def entr(input):
    """Elementwise entropy ``-x log x``: 0 at x = 0, -inf for x < 0.

    Example:
        >>> import chainrule as cr
        >>> cr.special.entr(cr.tensor([0.0, 0.5, -1.0]))
        tensor([0.0000, 0.3466,   -inf])
    """
    _check_tensor("entr", input)
    return _entr(float_operand(input))


def ndtr(input):
    """The standard normal cumulative distribution function ``(1 + erf(x/sqrt(2)))/2``,
    computed as ``erfc(-x/sqrt(2))/2`` (full relative precision in the left tail).

    Example:
        >>> import chainrule as cr
        >>> cr.special.ndtr(cr.tensor([0.0, 1.0]))
        tensor([0.5000, 0.8413])
    """
    _check_tensor("ndtr", input)
    x = float_operand(input)
    return mul(_erfc(mul(x, -1 / math.sqrt(2.0))), 0.5)


def log_ndtr(input):
    """``log(ndtr(x))``, stable far into the left tail (no underflow to ``-inf``).

    Example:
        >>> import chainrule as cr
        >>> cr.special.log_ndtr(cr.tensor([0.0, -40.0])).tolist()
        [-0.6931471824645996, -804.6084594726562]
    """
    _check_tensor("log_ndtr", input)
    return _log_ndtr(float_operand(input))


def ndtri(input):
    """The inverse of :func:`ndtr` (the standard normal quantile function); ``-inf`` at 0,
    ``inf`` at 1, NaN outside [0, 1].

    Example:
        >>> import chainrule as cr
        >>> cr.special.ndtri(cr.tensor([0.5, 0.975]))
        tensor([0.0000, 1.9600])
    """
    _check_tensor("ndtri", input)
    return _ndtri(float_operand(input))


def polygamma(n, input):
    """The ``n``-th derivative of the digamma function (``n = 0``: digamma itself).

    Example:
        >>> import chainrule as cr
        >>> cr.polygamma(1, cr.tensor([1.0, 2.0]))
        tensor([1.6449, 0.6449])
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    _check_tensor("polygamma", input, "input", 2)
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n (got n={n})")
    x = float_operand(input)
    if n == 0:
        return _digamma(x)
    return _polygamma(x, n=int(n))


def mvlgamma(input, p):
    """The log of the multivariate gamma function of dimension ``p``:
    ``sum_{i<p} lgamma(x - i/2) + p(p-1)/4 log(pi)``.

    Example:
        >>> import chainrule as cr
        >>> cr.mvlgamma(cr.tensor([2.5, 3.0]), 2)
        tensor([0.8570, 1.5502])
    """
    _check_tensor("mvlgamma", input)
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise TypeError(f"mvlgamma(): argument 'p' (position 2) must be int, not "
                        f"{type(p).__name__}")
    if p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1 (got p={p})")
    from chainrule.ops.reduction import sum as _sum
    from chainrule.ops.shape import unsqueeze

    x = float_operand(input)
    shifts = _wrap(-0.5 * np.arange(p, dtype=x._data.dtype))
    total = _sum(_lgamma(unsqueeze(x, -1) + shifts), dim=-1)
    return total + p * (p - 1) / 4 * math.log(math.pi)


# ------------------------------------------------------------------ public: binary functions
def atan2(input, other):
    """``atan(input / other)`` with the quadrant of the point ``(other, input)``.

    Example:
        >>> import chainrule as cr
        >>> cr.atan2(cr.tensor([1.0, -1.0]), cr.tensor([-1.0, -1.0]))
        tensor([ 2.3562, -2.3562])
    """
    a, b = _tensor_pair("atan2", input, other)
    return _atan2(float_operand(a), float_operand(b))


arctan2 = atan2


def hypot(input, other):
    """``sqrt(input^2 + other^2)`` without overflow.

    Example:
        >>> import chainrule as cr
        >>> cr.hypot(cr.tensor([3.0, 1e30]), cr.tensor([4.0, 1e30]))
        tensor([5.0000e+00, 1.4142e+30])
    """
    a, b = _tensor_pair("hypot", input, other)
    _require("hypot", a, "f", "a floating tensor")
    return _hypot(a, b)


def logaddexp(input, other):
    """``log(exp(input) + exp(other))`` without overflow.

    Example:
        >>> import chainrule as cr
        >>> cr.logaddexp(cr.tensor([1000.0]), cr.tensor([1000.0])) - 1000
        tensor([0.6932])
        >>> cr.logaddexp(cr.tensor([0.0]), cr.tensor([0.0]))
        tensor([0.6931])
    """
    a, b = _tensor_pair("logaddexp", input, other)
    _require("logaddexp", a, "f", "a floating tensor")
    return _logaddexp(a, b)


def logaddexp2(input, other):
    """``log2(2^input + 2^other)`` without overflow.

    Example:
        >>> import chainrule as cr
        >>> cr.logaddexp2(cr.tensor([3.0, 0.0]), cr.tensor([3.0, 1.0]))
        tensor([4.0000, 1.5850])
    """
    a, b = _tensor_pair("logaddexp2", input, other)
    _require("logaddexp2", a, "f", "a floating tensor")
    return _logaddexp2(a, b)


def _number_pair(op, input, other):
    """``input`` and ``other`` promoted together (either may be a Python number), as floats."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}(): expected a Tensor for 'input' or 'other', got "
                        f"{type(input).__name__} and {type(other).__name__}")
    a, b = pair(input, other)
    return float_operand(a), float_operand(b)


def xlogy(input, other):
    """``input * log(other)``, and 0 where ``input`` is 0 (even where ``other`` is 0);
    NaN where ``other`` is NaN. Either argument may be a number.

    Example:
        >>> import chainrule as cr
        >>> cr.xlogy(cr.tensor([0.0, 2.0]), cr.tensor([0.0, 3.0]))
        tensor([0.0000, 2.1972])
    """
    a, b = _number_pair("xlogy", input, other)
    return _xlogy(a, b)


def xlog1py(input, other):
    """``input * log1p(other)``, and 0 where ``input`` is 0 (NaN where ``other`` is NaN).

    Example:
        >>> import chainrule as cr
        >>> cr.special.xlog1py(cr.tensor([0.0, 2.0]), cr.tensor([-1.0, 1.0]))
        tensor([0.0000, 1.3863])
    """
    a, b = _number_pair("xlog1py", input, other)
    return _xlog1py(a, b)


def logit(input, eps=None):
    """``log(x / (1 - x))``; with ``eps``, ``x`` is first clamped to ``[eps, 1 - eps]`` (a
    negative ``eps`` means no clamp).

    Example:
        >>> import chainrule as cr
        >>> cr.logit(cr.tensor([0.5, 0.75, 0.0]), eps=1e-6)
        tensor([  0.0000,   1.0986, -13.8155])
    """
    _check_tensor("logit", input)
    if eps is not None and eps < 0:
        eps = None
    return _logit(float_operand(input), eps=None if eps is None else float(eps))


def copysign(input, other):
    """``|input|`` with the sign (sign bit) of ``other``; ``other`` may be a number.

    Example:
        >>> import chainrule as cr
        >>> cr.copysign(cr.tensor([1.0, -2.0, 3.0]), cr.tensor([-1.0, 1.0, -0.0]))
        tensor([-1.,  2., -3.])
    """
    _check_tensor("copysign", input)
    a, b = pair(input, other)
    return _copysign(float_operand(a), float_operand(b))


def fmax(input, other):
    """Elementwise maximum that ignores NaN (NaN only where both are NaN); at ties the
    gradient goes to ``input``.

    Example:
        >>> import chainrule as cr
        >>> cr.fmax(cr.tensor([1.0, float("nan")]), cr.tensor([float("nan"), 2.0]))
        tensor([1., 2.])
    """
    a, b = _tensor_pair("fmax", input, other)
    return _fmax(a, b)


def fmin(input, other):
    """Elementwise minimum that ignores NaN (NaN only where both are NaN); at ties the
    gradient goes to ``input``.

    Example:
        >>> import chainrule as cr
        >>> cr.fmin(cr.tensor([1.0, float("nan")]), cr.tensor([float("nan"), 2.0]))
        tensor([1., 2.])
    """
    a, b = _tensor_pair("fmin", input, other)
    return _fmin(a, b)


def heaviside(input, values):
    """The step function: 0 where ``input < 0``, 1 where ``input > 0`` and ``values`` where
    ``input == 0`` (no gradient). Both tensors must have the same dtype.

    Example:
        >>> import chainrule as cr
        >>> cr.heaviside(cr.tensor([-1.0, 0.0, 2.0]), cr.tensor([0.5]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    _check_tensor("heaviside", input)
    _check_tensor("heaviside", values, "values", 2)
    a, v = input._data, values._data
    if a.dtype != v.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes "
                           f"(got {_type_name(a.dtype)} and {_type_name(v.dtype)})")
    # NaN gives 0 (as PyTorch): neither == 0 nor > 0
    return _wrap(np.where(a == 0, v, a > 0).astype(a.dtype, copy=False))


def nextafter(input, other):
    """The next floating-point value after ``input`` towards ``other`` (no gradient).

    Example:
        >>> import chainrule as cr
        >>> (cr.nextafter(cr.tensor([1.0], dtype=cr.float64),
        ...               cr.tensor([2.0], dtype=cr.float64)) - 1).item()
        2.220446049250313e-16
    """
    a, b = _tensor_pair("nextafter", input, other)
    _require("nextafter", a, "f", "a floating tensor")
    return _wrap(np.nextafter(a._data, b._data))


def _int_binary(np_fn, name, example):
    def fn(input, other):
        a, b = _tensor_pair(name, input, other)
        _require(name, a, "iu", "integer tensors")
        return _wrap(np_fn(a._data, b._data))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Elementwise ``{name}`` of integer tensors (floating ones raise "
                  f"NotImplementedError, as PyTorch).\n\nExample:\n{example}")
    return fn


gcd = _int_binary(np.gcd, "gcd", """    >>> import chainrule as cr
    >>> cr.gcd(cr.tensor([12, -8, 0]), cr.tensor([18, 4, 5]))
    tensor([6, 4, 5])
""")
lcm = _int_binary(np.lcm, "lcm", """    >>> import chainrule as cr
    >>> cr.lcm(cr.tensor([12, -8, 0]), cr.tensor([18, 4, 5]))
    tensor([36,  8,  0])
""")


def ldexp(input, other):
    """``input * 2 ** other`` (a float result, differentiable in both).

    Example:
        >>> import chainrule as cr
        >>> cr.ldexp(cr.tensor([1.0, 3.0]), cr.tensor([2, -1]))
        tensor([4.0000, 1.5000])
    """
    _check_tensor("ldexp", input)
    _check_tensor("ldexp", other, "other", 2)
    return mul(float_operand(input), exp2(other))


def float_power(input, exponent):
    """``input ** exponent`` computed in float64 (the result is float64 whatever the
    inputs' dtypes); either may be a number.

    Example:
        >>> import chainrule as cr
        >>> cr.float_power(cr.tensor([2, 3]), 2)
        tensor([4., 9.], dtype=chainrule.float64)
    """
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"float_power(): expected a Tensor for 'input' or 'exponent', got "
                        f"{type(input).__name__} and {type(exponent).__name__}")
    f64 = _dtype.float64.np
    base = to_dtype(input, f64) if isinstance(input, Tensor) else float(input)
    if isinstance(exponent, Tensor):
        exp = to_dtype(exponent, f64)
        if not isinstance(base, Tensor):
            base = as_operand(np.asarray(base, dtype=f64))
        return pow(base, exp)
    return pow(base, float(exponent))


def deg2rad(input):
    """Degrees to radians (integer inputs give the default float dtype).

    Example:
        >>> import chainrule as cr
        >>> cr.deg2rad(cr.tensor([180, 90]))
        tensor([3.1416, 1.5708])
    """
    _check_tensor("deg2rad", input)
    return mul(float_operand(input), math.pi / 180)


def rad2deg(input):
    """Radians to degrees (integer inputs give the default float dtype).

    Example:
        >>> import chainrule as cr
        >>> cr.rad2deg(cr.tensor([math.pi, 1.0]))
        tensor([180.0000,  57.2958])
    """
    _check_tensor("rad2deg", input)
    return mul(float_operand(input), 180 / math.pi)


def frac(input):
    """The fractional part ``x - trunc(x)`` (sign of ``x``); its derivative is 1.

    Example:
        >>> import chainrule as cr
        >>> cr.frac(cr.tensor([-1.5, 2.25]))
        tensor([-0.5000,  0.2500])
    """
    _check_tensor("frac", input)
    _require("frac", input, "f", "a floating tensor")
    return input - _zero_grad_op(input, fn=np.trunc)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (the infinities by
    default by the dtype's largest and lowest finite values). Gradient 1 where the input is
    finite, 0 where a value was replaced.

    Example:
        >>> import chainrule as cr
        >>> cr.nan_to_num(cr.tensor([float("nan"), 1.0, float("inf")]), posinf=9.0)
        tensor([0., 1., 9.])
    """
    _check_tensor("nan_to_num", input)
    if input._data.dtype.kind != "f":
        return _wrap(input._data.copy())
    return _nan_to_num(input, nan=nan, posinf=posinf, neginf=neginf)


def angle(input):
    """The argument of each element: 0 for ``x >= 0``, pi for ``x < 0`` on real tensors (NaN
    stays NaN); the derivative is 0.

    Example:
        >>> import chainrule as cr
        >>> cr.angle(cr.tensor([-2.0, 0.0, 3.0]))
        tensor([3.1416, 0.0000, 0.0000])
    """
    _check_tensor("angle", input)
    return _zero_grad_op(float_operand(input), fn=_angle_np)


def _angle_np(x):
    return np.where(x < 0, np.asarray(math.pi, x.dtype), np.where(np.isnan(x), x, 0))


def sgn(input):
    """The sign of each element (for real tensors the same as :func:`sign`).

    Example:
        >>> import chainrule as cr
        >>> cr.sgn(cr.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  1.])
    """
    _check_tensor("sgn", input)
    d = input._data
    if d.dtype == np.bool_:
        return _wrap(d.copy())
    if d.dtype.kind != "f":
        return sign(input)
    return _zero_grad_op(input, fn=_sgn_np)


def _sgn_np(x):
    return np.where(np.isnan(x), 0, np.sign(x)).astype(x.dtype, copy=False)  # sgn(NaN) = 0


def signbit(input):
    """Whether the sign bit is set (True for -0.0 too); a bool tensor.

    Example:
        >>> import chainrule as cr
        >>> cr.signbit(cr.tensor([-1.0, -0.0, 2.0]))
        tensor([ True,  True, False])
    """
    _check_tensor("signbit", input)
    return _wrap(np.signbit(input._data))


def positive(input):
    """``input`` itself (``+input``); bool tensors raise, as PyTorch.

    Example:
        >>> import chainrule as cr
        >>> cr.positive(cr.tensor([-1.0, 2.0]))
        tensor([-1.,  2.])
    """
    _check_tensor("positive", input)
    if input._data.dtype == np.bool_:
        raise RuntimeError("positive: the `+` operator, on a bool tensor is not supported "
                           "(expected a numeric tensor)")
    return input


def isposinf(input):
    """Where ``input`` is +inf, as a bool tensor.

    Example:
        >>> import chainrule as cr
        >>> cr.isposinf(cr.tensor([float("inf"), -float("inf"), 1.0]))
        tensor([ True, False, False])
    """
    _check_tensor("isposinf", input)
    d = input._data
    return _wrap(np.isposinf(d) if d.dtype.kind == "f" else np.zeros(d.shape, bool))


def isneginf(input):
    """Where ``input`` is -inf, as a bool tensor.

    Example:
        >>> import chainrule as cr
        >>> cr.isneginf(cr.tensor([float("inf"), -float("inf"), 1.0]))
        tensor([False,  True, False])
    """
    _check_tensor("isneginf", input)
    d = input._data
    return _wrap(np.isneginf(d) if d.dtype.kind == "f" else np.zeros(d.shape, bool))


def isreal(input):
    """Where ``input`` has no imaginary part: everywhere, as chainrule has no complex dtypes.

    Example:
        >>> import chainrule as cr
        >>> cr.isreal(cr.tensor([1.0, 2.0])).all().item()
        True
    """
    _check_tensor("isreal", input)
    return _wrap(np.ones(input._data.shape, bool))


def is_complex(input) -> bool:
    """Whether ``input`` has a complex dtype: always False (chainrule has none).

    Example:
        >>> import chainrule as cr
        >>> cr.is_complex(cr.tensor([1.0]))
        False
    """
    _check_tensor("is_complex", input)
    return False


def is_nonzero(input) -> bool:
    """Whether the single element of ``input`` is nonzero (RuntimeError for any other size).

    Example:
        >>> import chainrule as cr
        >>> cr.is_nonzero(cr.tensor([0.5])), cr.is_nonzero(cr.tensor(0))
        (True, False)
    """
    _check_tensor("is_nonzero", input)
    n = input._data.size
    if n == 0:
        raise RuntimeError("is_nonzero: Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError(f"is_nonzero: Boolean value of Tensor with more than one value is "
                           f"ambiguous (got {n} elements)")
    return bool(input._data.reshape(()) != 0)


def conj(input):
    """The complex conjugate: ``input`` itself on real tensors.

    Example:
        >>> import chainrule as cr
        >>> x = cr.tensor([1.0, -2.0])
        >>> cr.conj(x) is x
        True
    """
    _check_tensor("conj", input)
    return input


def resolve_conj(input):
    """Materializes a lazy conjugation: ``input`` itself on real tensors.

    Example:
        >>> import chainrule as cr
        >>> x = cr.tensor([1.0])
        >>> cr.resolve_conj(x) is x
        True
    """
    _check_tensor("resolve_conj", input)
    return input


def conj_physical(input):
    """The complex conjugate, computed eagerly: ``input`` itself on real tensors.

    Example:
        >>> import chainrule as cr
        >>> x = cr.tensor([3.0])
        >>> cr.conj_physical(x) is x
        True
    """
    _check_tensor("conj_physical", input)
    return input


# ------------------------------------------------------------------ forwards: SciPy or NumPy
def _float64(x):
    return np.asarray(x, dtype=np.float64)


def _lgamma_forward(x):
    out = _in_dtype((_scipy("gammaln") or _lgamma_numpy)(x), x)
    return np.where(x == -np.inf, np.inf, out)  # lgamma(-inf) = inf (SciPy gives -inf)


def _digamma_forward(x):
    fn = _scipy("psi")
    return _in_dtype(fn(x) if fn is not None else _polygamma_numpy(0, x), x)


def _polygamma_forward(n, x):
    fn = _scipy("polygamma")
    return _in_dtype(fn(n, x) if fn is not None else _polygamma_numpy(n, x), x)


_erfc_forward = _compiled("erfc", lambda x: _erfc_numpy(x))
_erfinv_forward = _compiled("erfinv", lambda x: _erfinv_numpy(x))
_log_ndtr_forward = _compiled("log_ndtr", lambda x: _log_ndtr_numpy(x))
_ndtri_forward = _compiled("ndtri", lambda x: _ndtri_numpy(x))
_i1_forward = _compiled("i1", lambda x: _i1_numpy(x))


# ------------------------------------------------------------------ NumPy implementations
# Vectorized over elements (loops run over series terms or recurrence steps, never elements).
# Each works in float64; the callers cast back to the input's dtype.

# Bernoulli numbers B_2, B_4, ..., B_20 (for the Stirling and digamma asymptotic series).
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _shift_up(z, threshold, step):
    """Raise every element of ``z`` (>= 0) by whole steps to at least ``threshold``, calling
    ``step(mask, z)`` before each step on the elements still below it."""
    for _ in range(int(math.ceil(threshold))):
        below = z < threshold
        if not below.any():
            break
        step(below, z)
        z = np.where(below, z + 1, z)
    return z


def _lgamma_numpy(x):
    """log|Gamma(x)|: the recurrence Gamma(z) = Gamma(z + m) / (z (z+1) ... (z+m-1)) raises
    z to at least 12, where the Stirling series (10 terms) is accurate to float64; negative
    x uses the reflection Gamma(x) Gamma(1-x) = pi / sin(pi x)."""
    x = _float64(x)
    with np.errstate(all="ignore"):
        neg = x < 0
        z = np.where(neg, 1 - x, x)
        prod = np.ones_like(z)

        def step(below, z):
            prod[below] *= z[below]

        z = _shift_up(z, 12.0, step)
        zi = 1 / z
        zi2 = zi * zi
        series = np.zeros_like(z)
        for k in range(len(_BERNOULLI), 0, -1):  # sum_k B_2k / (2k (2k-1) z^(2k-1)), Horner
            series = series * zi2 + _BERNOULLI[k - 1] / (2 * k * (2 * k - 1))
        out = (z - 0.5) * np.log(z) - z + _HALF_LOG_2PI + series * zi - np.log(prod)
        out = np.where(np.isinf(z), np.inf, out)
        if neg.any():  # (x = -inf: +inf, as PyTorch)
            r = x - np.round(x)  # sin(pi x) = +-sin(pi r), r exact
            refl = math.log(math.pi) - np.log(np.abs(np.sin(math.pi * r))) - out
            out = np.where(neg & (x > -np.inf), refl, out)
        # The roots exactly (the shift leaves ~1e-15 absolute error next to them).
        out = np.where((x == 1) | (x == 2), 0.0, out)
    return out


@functools.cache
def _cot_derivative_poly(n):
    """Coefficients (highest first) of P_n with d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x)):
    P_0(c) = c and P_{k+1}(c) = -(1 + c^2) P_k'(c)."""
    p = np.array([1.0, 0.0])
    for _ in range(n):
        dp = np.polyder(p)
        p = -np.polymul([1.0, 0.0, 1.0], dp)
    return p


def _polygamma_numpy(n, x):
    """psi^(n)(x), the n-th derivative of digamma (n = 0: digamma).

    x >= 0: the recurrence psi^(n)(z) = psi^(n)(z+1) - (-1)^n n! / z^(n+1) raises z to at
    least 12 + n, then the asymptotic series (10 Bernoulli terms) gives float64 accuracy:
    psi(z) ~ log z - 1/(2z) - sum_k B_2k / (2k z^2k) and, for n >= 1,
    psi^(n)(z) ~ (-1)^(n+1) [(n-1)!/z^n + n!/(2 z^(n+1)) + sum_k B_2k (2k+n-1)!/(2k)!/z^(2k+n)].
    x < 0: the reflection psi(1-x) - psi(x) = pi cot(pi x), differentiated n times:
    psi^(n)(x) = (-1)^n psi^(n)(1-x) - pi^(n+1) P_n(cot(pi x)). Poles (0, -1, -2, ...):
    digamma gives -inf at +0 and NaN at the negative integers, higher orders
    (-1)^(n+1) inf.
    """
    x = _float64(x)
    if n > 0:
        x = x + 0.0  # -0.0 as +0.0: the pole's value is (-1)^(n+1) inf from either side
    sgn = 1.0 if n % 2 == 0 else -1.0  # (-1)^n
    fact = math.factorial(n)
    with np.errstate(all="ignore"):
        neg = x < 0
        z = np.where(neg, 1 - x, x)
        acc = np.zeros_like(z)

        def step(below, z):
            acc[below] += z[below] ** -(n + 1)

        z = _shift_up(z, 12.0 + n, step)
        zi = 1 / z
        zi2 = zi * zi
        series = np.zeros_like(z)
        if n == 0:
            for k in range(len(_BERNOULLI), 0, -1):
                series = series * zi2 + _BERNOULLI[k - 1] / (2 * k)
            out = np.log(z) - 0.5 * zi - series * zi2
        else:
            for k in range(len(_BERNOULLI), 0, -1):
                c = _BERNOULLI[k - 1] * math.exp(math.lgamma(2 * k + n) - math.lgamma(2 * k + 1))
                series = series * zi2 + c
            inner = math.factorial(n - 1) + fact / 2 * zi + series * zi2
            out = -sgn * zi ** n * inner
        out = out - sgn * fact * acc
        if neg.any():
            r = x - np.round(x)
            cot = 1 / np.tan(math.pi * r)
            refl = sgn * out - math.pi ** (n + 1) * np.polyval(_cot_derivative_poly(n), cot)
            pole = np.nan if n == 0 else -sgn * np.inf
            out = np.where(neg, np.where(r == 0, pole, refl), out)
    return out


def _erfcx_numpy(z):
    """exp(z^2) erfc(z) for z >= 0: exp(z^2)(1 - erf z) below 2 (erfc >= 0.0047 there, so
    the subtraction keeps ~1e-13 relative precision), the continued fraction
    erfc(z) = exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))) from 2 on."""
    small = z < 2
    out = np.empty_like(z)
    zs = z[small]
    out[small] = np.exp(zs * zs) * (1 - _erf_numpy(zs))
    zl = z[~small]
    frac = zl.copy()
    for k in range(80, 0, -1):
        frac = zl + (k / 2.0) / frac
    out[~small] = 1 / (_SQRT_PI * frac)
    return out


def _erfc_numpy(x):
    """erfc(x) with full relative precision in the right tail (no 1 - erf cancellation)."""
    x = _float64(x)
    with np.errstate(all="ignore"):
        z = np.abs(x)
        pos = np.exp(-z * z) * _erfcx_numpy(np.where(np.isnan(z), 0, z))
        pos = np.where(np.isinf(z), 0.0, pos)
        out = np.where(x < 0, 2 - pos, pos)
    return np.where(np.isnan(x), x, out)


_HALLEY_STEPS = 3


def _erfinv_core(a, w):
    """x >= 0 with erf(x) = a, where ``w`` = 1 - a given exactly (for erfcinv).

    Start: Winitzki's closed-form approximation (relative error < 2e-3; for small ``a`` the
    Taylor start x = sqrt(pi)/2 a (1 + pi a^2/12)). Then three Halley steps, each cubic
    (the start is worse far in the tail of erfcinv, so one step more than 2e-3 -> 1e-8 -> 0):
    with F = erf(x) - a, F' = 2/sqrt(pi) e^(-x^2), F'' = -2x F', the step is
    x -= s / (1 + x s), s = F/F'. The residual is computed as (erf(x) - a) for a < 0.5 and as
    (w - erfc(x)) above, both scaled by e^(x^2) through erfcx, so nothing cancels or
    underflows in the tail.
    """
    with np.errstate(all="ignore"):
        ln = np.log(w * (1 + a))  # log(1 - a^2)
        c = 0.147
        t = 2 / (math.pi * c) + ln / 2
        x = np.sqrt(np.sqrt(t * t - ln / c) - t)
        x = np.where(a < 0.1, _SQRT_PI / 2 * a * (1 + math.pi * a * a / 12), x)
        central = a < 0.5
        xc, ac = x[central], a[central]
        xt, lw = x[~central], np.log(w[~central])
        for _ in range(_HALLEY_STEPS):
            s = (_erf_numpy(xc) - ac) * np.exp(xc * xc) / _TWO_OVER_SQRT_PI
            xc = xc - s / (1 + xc * s)
            s = (np.exp(lw + xt * xt) - _erfcx_numpy(xt)) / _TWO_OVER_SQRT_PI
            xt = xt - s / (1 + xt * s)
        x[central] = xc
        x[~central] = xt
    return x


def _erfinv_numpy(y):
    """erfinv(y): +-inf at +-1, NaN outside [-1, 1]."""
    y = _float64(y)
    a = np.abs(y)
    ok = a < 1
    a_ok = np.where(ok, a, 0.0)
    x = _erfinv_core(a_ok, 1 - a_ok)
    out = np.where(ok, np.copysign(x, y), np.where(a == 1, np.copysign(np.inf, y), np.nan))
    return out


def _ndtri_numpy(p):
    """ndtri(p) = -sqrt(2) erfcinv(2p): erfcinv(v) solves erfc(x) = v, with w = v (v <= 1) or
    w = 2 - v (v > 1, negative result) exact, so tiny p keep full precision."""
    p = _float64(p)
    v = 2 * p
    ok = (v > 0) & (v < 2)
    upper = v > 1
    w = np.where(ok, np.where(upper, 2 - v, v), 1.0)
    a = 1 - w
    x = _erfinv_core(a, w)
    out = np.where(upper, math.sqrt(2) * x, -math.sqrt(2) * x) + 0.0  # (ndtri(0.5) = +0)
    edge = np.where(p == 0, -np.inf, np.where(p == 1, np.inf, np.nan))
    return np.where(ok, out, edge)


def _log_ndtr_numpy(x):
    """log Phi(x). x <= 0: with z = -x/sqrt(2), log(erfc(z)/2) = -z^2 + log(erfcx(z)/2), which
    never underflows. x > 0: log1p(-erfc(x/sqrt(2))/2)."""
    x = _float64(x)
    with np.errstate(all="ignore"):
        z = np.abs(x) / math.sqrt(2)
        zz = np.where(np.isfinite(z), z, 0.0)
        ex = _erfcx_numpy(zz)
        left = -zz * zz + np.log(ex / 2)
        right = np.log1p(-np.exp(-zz * zz) * ex / 2)
        out = np.where(x <= 0, left, right)
        out = np.where(x == -np.inf, -np.inf, np.where(x == np.inf, 0.0, out))
    return np.where(np.isnan(x), x, out)


def _i1_numpy(x):
    """The modified Bessel function I1: its power series sum (x/2)^(2k+1)/(k!(k+1)!) (positive
    terms, no cancellation) for |x| <= 20; the asymptotic expansion
    e^x/sqrt(2 pi x) sum_k (-1)^k a_k / x^k, a_k = prod_{j<=k} (4 - (2j-1)^2) / (k! 8^k),
    beyond (its smallest term is ~e^(-2|x|))."""
    x = _float64(x)
    ax = np.abs(x)
    out = np.empty_like(ax)
    small = ~(ax > 20)  # NaN goes with the series
    t = ax[small] / 2
    term = t.copy()
    total = t.copy()
    t2 = t * t
    for k in range(1, 60):
        term = term * t2 / (k * (k + 1))
        total += term
    out[small] = total
    z = ax[~small]
    term = np.ones_like(z)
    total = np.ones_like(z)
    for k in range(1, 36):
        term = term * -(4.0 - (2 * k - 1) ** 2) / (k * 8 * z)  # (-1)^k a_k / z^k
        total += term
    with np.errstate(over="ignore", invalid="ignore"):
        half = np.exp(z / 2)
        # (+-inf gives NaN, as SciPy and PyTorch)
        out[~small] = np.where(np.isinf(z), np.nan, half * (half / np.sqrt(2 * math.pi * z))
                               * total)
    return np.copysign(out, x)


def frexp(input):
    """``(mantissa, exponent)`` with ``input = mantissa * 2 ** exponent``, ``0.5 <= |mantissa|
    < 1`` (0 for 0); the exponent is int32. Not differentiable, as in PyTorch.

    Example:
        >>> import chainrule as cr
        >>> m, e = cr.frexp(cr.tensor([8.0, 0.3]))
        >>> m.tolist(), e.tolist()
        ([0.5, 0.6000000238418579], [4, -1])
    """
    x = as_operand(input)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"torch.frexp() only supports floating-point dtypes, got "
                           f"{x._data.dtype.name}")
    mantissa, exponent = np.frexp(x._data)
    return _Frexp((Tensor._wrap(mantissa), Tensor._wrap(exponent.astype(np.int32))))


class _Frexp(tuple):
    """``(mantissa, exponent)``; also ``.mantissa``/``.exponent``."""

    __slots__ = ()

    @property
    def mantissa(self):
        return self[0]

    @property
    def exponent(self):
        return self[1]
