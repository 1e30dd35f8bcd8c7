"""Elementwise primitives and their derivatives.

Each primitive's forward (NumPy) is followed by its vector-Jacobian product rules, one per
input: ``rule(g, out, *inputs)`` returns the gradient for that input given the output's
gradient ``g``. Broadcasting is undone by the engine, never by a rule. Conventions at kinks:
relu'(0) = 0, abs'(0) = 0, and ties of ``maximum``/``minimum`` split the gradient evenly.
"""

from __future__ import annotations

import math

import numpy as np

from chainrule import _dtype
from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.ops._convert import as_operand, cast, float_operand, pair
from chainrule.ops._convert import checked_scalar as _checked
from chainrule.ops._convert import scalar_array as _scalar_array
from chainrule.ops._erf import erf as _np_erf
from chainrule.ops._scipy import special
from chainrule.tensor import Tensor

_wrap = Tensor._wrap


def _expit_numpy(x):
    # With e = exp(-|x|) <= 1: 1/(1+e) for x >= 0 and e/(1+e) for x < 0. Nothing overflows,
    # and the left tail keeps full relative precision (no 1 - (1 - tiny) cancellation).
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


def _expit(x):
    """The logistic function: SciPy's compiled one (the same precision, about 4x faster) when
    SciPy is installed, else :func:`_expit_numpy`. The first call rebinds this name to the
    chosen function, so SciPy is imported only then and later calls go straight to it."""
    global _expit
    _expit = special("expit") or _expit_numpy
    return _expit(x)


# fmt: off
# ------------------------------------------------------------------ binary arithmetic
@primitive
def _add(x, y):
    return x + y
_add.defvjp(lambda g, out, x, y: g,
            lambda g, out, x, y: g, saves_inputs=False)

@primitive
def _sub(x, y):
    return x - y
_sub.defvjp(lambda g, out, x, y: g,
            lambda g, out, x, y: -g, saves_inputs=False)

@primitive
def _mul(x, y):
    return x * y
_mul.defvjp(lambda g, out, x, y: g * y,          # d(xy)/dx = y
            lambda g, out, x, y: g * x,          # d(xy)/dy = x
            reads=((1,), (0,)))

@primitive
def _div(x, y):
    return x / y
_div.defvjp(lambda g, out, x, y: g / y,                  # d(x/y)/dx = 1/y
            lambda g, out, x, y: -g * x / (y * y),       # d(x/y)/dy = -x/y^2
            reads=((1,), (0, 1)))

# With a Python number on one side, the number is a parameter, not an input: no constant
# tensor is made and no dtype promotion is needed (float tensor op number keeps the dtype).
@primitive
def _add_scalar(x, *, c):
    return x + c
_add_scalar.defvjp(lambda g, out, x, *, c: g, saves_inputs=False)

@primitive
def _mul_scalar(x, *, c):
    return x * c
_mul_scalar.defvjp(lambda g, out, x, *, c: g * c, saves_inputs=False)

@primitive
def _rsub_scalar(x, *, c):
    return c - x
_rsub_scalar.defvjp(lambda g, out, x, *, c: -g, saves_inputs=False)

@primitive
def _div_scalar(x, *, c):
    return x / c
_div_scalar.defvjp(lambda g, out, x, *, c: g / c, saves_inputs=False)

@primitive
def _rdiv_scalar(x, *, c):
    return c / x
_rdiv_scalar.defvjp(lambda g, out, x, *, c: -g * out / x,      # d(c/x)/dx = -c/x^2
                   saves_out=True)

@primitive
def _pow(x, y):
    return x ** y
_pow.defvjp(lambda g, out, x, y: g * R.where(y == 0, 0.0, y * x ** R.where(y == 0, 1.0,
                                                                        y - 1)),
            # d(x^y)/dx = y x^(y-1), taken as 0 where y == 0 (also at x == 0, as PyTorch)
            # d(x^y)/dy = x^y log x; taken as 0 where x == 0 (PyTorch's convention)
            lambda g, out, x, y: g * R.where(x == 0, 0.0, out * R.log(R.where(x == 0, 1.0, x))),
            saves_out=True)

@primitive
def _pow_scalar(x, *, exponent):
    return x ** exponent
_pow_scalar.defvjp(
    lambda g, out, x, *, exponent: (g * 0 if exponent == 0
                                    else g * exponent * x ** (exponent - 1)))

@primitive
def _rpow_scalar(x, *, base):
    return base ** x
_rpow_scalar.defvjp(lambda g, out, x, *, base: g * out * math.log(base) if base > 0 else g * 0,
                    saves_out=True)

@primitive
def _maximum(x, y):
    return np.maximum(x, y)
_maximum.defvjp(lambda g, out, x, y: g * ((x > y) + (x == y) * 0.5),
                lambda g, out, x, y: g * ((y > x) + (x == y) * 0.5))

@primitive
def _minimum(x, y):
    return np.minimum(x, y)
_minimum.defvjp(lambda g, out, x, y: g * ((x < y) + (x == y) * 0.5),
                lambda g, out, x, y: g * ((y < x) + (x == y) * 0.5))

@primitive
def _remainder(x, y):
    return np.mod(x, y)
_remainder.defvjp(lambda g, out, x, y: g,                                # x - floor(x/y) y
                  lambda g, out, x, y: -g * R.data(np.floor_divide(R.data(x), R.data(y))))

@primitive
def _where(cond, x, y):
    return np.where(cond, x, y)
_where.defvjp(None,
              lambda g, out, c, x, y: R.where(c, g, 0.0),
              lambda g, out, c, x, y: R.where(c, 0.0, g))

# ------------------------------------------------------------------ unary
@primitive
def _neg(x):
    return -x
_neg.defvjp(lambda g, out, x: -g, saves_inputs=False)

@primitive
def _exp(x):
    return np.exp(x)
_exp.defvjp(lambda g, out, x: g * out, saves_inputs=False, saves_out=True)   # exp' = exp

@primitive
def _log(x):
    return np.log(x)
_log.defvjp(lambda g, out, x: g / x)

@primitive
def _log1p(x):
    return np.log1p(x)
_log1p.defvjp(lambda g, out, x: g / (x + 1))

@primitive
def _expm1(x):
    return np.expm1(x)
_expm1.defvjp(lambda g, out, x: g * (out + 1), saves_inputs=False, saves_out=True)

@primitive
def _sqrt(x):
    return np.sqrt(x)
_sqrt.defvjp(lambda g, out, x: g / (2 * out), saves_inputs=False, saves_out=True)

@primitive
def _rsqrt(x):
    return 1 / np.sqrt(x)
_rsqrt.defvjp(lambda g, out, x: -0.5 * g * out * out * out, saves_inputs=False, saves_out=True)

@primitive
def _reciprocal(x):
    return 1 / x
_reciprocal.defvjp(lambda g, out, x: -g * out * out, saves_inputs=False, saves_out=True)

@primitive
def _abs(x):
    return np.abs(x)
_abs.defvjp(lambda g, out, x: g * R.sign(x))              # sign(0) = 0: abs'(0) = 0

@primitive
def _sin(x):
    return np.sin(x)
_sin.defvjp(lambda g, out, x: g * R.cos(x))

@primitive
def _cos(x):
    return np.cos(x)
_cos.defvjp(lambda g, out, x: -g * R.sin(x))

@primitive
def _tan(x):
    return np.tan(x)
_tan.defvjp(lambda g, out, x: g * (1 + out * out), saves_inputs=False, saves_out=True)

@primitive
def _tanh(x):
    return np.tanh(x)
_tanh.defvjp(lambda g, out, x: g * (1 - out * out), saves_inputs=False, saves_out=True)

@primitive
def _sigmoid(x):
    return _expit(x)
_sigmoid.defvjp(lambda g, out, x: g * out * (1 - out), saves_inputs=False, saves_out=True)

@primitive
def _relu(x):
    return np.maximum(x, 0)
_relu.defvjp(lambda g, out, x: g * (out > 0), saves_inputs=False, saves_out=True)  # relu'(0)=0

@primitive
def _erf(x):
    return _np_erf(x)
_erf.defvjp(lambda g, out, x: g * (2 / math.sqrt(math.pi)) * R.exp(-(x * x)))

@primitive
def _zero_grad_op(x, *, fn):
    return fn(x)
# floor, ceil, round, trunc, sign: piecewise constant, so their derivative is 0 (as PyTorch).
_zero_grad_op.defvjp(lambda g, out, x, *, fn: g * 0, saves_inputs=False)

@primitive
def _clamp(x, *, lo, hi):
    return np.clip(x, lo, hi)
# The gradient passes where lo <= x <= hi (bounds included, as PyTorch).
_clamp.defvjp(lambda g, out, x, *, lo, hi: g * (((x >= lo) if lo is not None else True)
                                                & ((x <= hi) if hi is not None else True)))

@primitive
def _to_dtype(x, *, dtype):
    return x.astype(dtype)
_to_dtype.defvjp(lambda g, out, x, *, dtype: g, saves_inputs=False)   # engine casts back

@primitive
def _copy(x):
    return x.copy()
_copy.defvjp(lambda g, out, x: g, saves_inputs=False)
# fmt: on


# ------------------------------------------------------------------ public functions
_NUMBER = (float, int)


def _float_and_number(a, b) -> bool:
    """``a`` is a floating tensor and ``b`` a plain Python number (the fast path)."""
    return b.__class__ in _NUMBER and a.__class__ is not float and isinstance(a, Tensor) \
        and a._data.dtype.kind == "f"


def _int_alpha(alpha, a, name):
    """``alpha`` of an integer (or bool) add/sub: no float, and range-checked, as PyTorch."""
    d = a._data.dtype
    if d.kind == "f":
        return alpha
    if isinstance(alpha, (float, np.floating)):
        raise RuntimeError(f"{name}: For integral input tensors, argument alpha must not be a "
                           f"floating point number (got alpha={alpha})")
    return _checked(alpha, d, name)[()] if d.kind in "iu" else alpha


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting."""
    if alpha == 1:
        if _float_and_number(input, other):
            return _add_scalar(input, c=other)
        if _float_and_number(other, input):
            return _add_scalar(other, c=input)
    a, b = pair(input, other)
    if alpha != 1:
        b = mul(b, _int_alpha(alpha, a, "add"))
    return _add(a, b)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other`` with broadcasting."""
    if alpha == 1:
        if _float_and_number(input, other):
            return _add_scalar(input, c=-other)
        if _float_and_number(other, input):
            return _rsub_scalar(other, c=input)
    a, b = pair(input, other)
    if alpha != 1:
        b = mul(b, _int_alpha(alpha, a, "sub"))
    return _sub(a, b)


subtract = sub


def mul(input, other, *, out=None):
    """Elementwise product with broadcasting."""
    if _float_and_number(input, other):
        return _mul_scalar(input, c=other)
    if _float_and_number(other, input):
        return _mul_scalar(other, c=input)
    a, b = pair(input, other)
    return _mul(a, b)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """True division (integers give a float result); ``rounding_mode`` "trunc" or "floor"."""
    if rounding_mode is None:
        if _float_and_number(input, other):
            return _div_scalar(input, c=other)
        if _float_and_number(other, input):
            return _rdiv_scalar(other, c=input)
        # An integer tensor and a number divide in floats: the number keeps its value (in
        # uint8, -1 is not wrapped to 255 first), as PyTorch.
        if not isinstance(other, Tensor):
            if isinstance(input, Tensor):
                input = float_operand(input)
        elif not isinstance(input, Tensor):
            other = float_operand(other)
    a, b = pair(input, other)
    if rounding_mode is None:
        if a._data.dtype.kind != "f":
            a, b = float_operand(a), float_operand(b)
        return _div(a, b)
    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode == "trunc":
        if a._data.dtype.kind != "f":
            # exact in integers (no float round trip): a - fmod(a, b) is a multiple of b
            _check_divisor(a, b, "div", "div_trunc")
            ad, bd = a._data, b._data
            with np.errstate(over="ignore"):  # INT_MIN / -1 wraps, as PyTorch
                return _wrap(np.floor_divide(ad - np.fmod(ad, bd), bd))
        q = _div(float_operand(a), float_operand(b))
        return _zero_grad_op(q, fn=np.trunc).to(a.dtype)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                     f"found '{rounding_mode}'")


divide = true_divide = div


def _check_divisor(a, b, name, kernel):
    """Integer division by zero raises RuntimeError("ZeroDivisionError"), as PyTorch (NumPy
    would return 0 with a warning), unless the result is empty; bool by bool has no kernel in
    PyTorch. For integer (or bool) operands only, so float division pays nothing."""
    bd = b._data
    if bd.dtype == np.bool_:
        raise NotImplementedError(f'{name}: "{kernel}" is not implemented for Bool tensors; '
                                  f"convert to an integer or floating dtype first")
    if not bd.all() and math.prod(np.broadcast_shapes(a._data.shape, bd.shape)):
        raise RuntimeError(f"ZeroDivisionError: {name}: integer division by zero")


def floor_divide(input, other):
    """Division rounded toward minus infinity; integers stay integers.

    Example:
        >>> import chainrule as cr
        >>> cr.floor_divide(cr.tensor([7, -7]), 2)
        tensor([ 3, -4])
    """
    a, b = pair(input, other)
    if a._data.dtype.kind != "f":
        _check_divisor(a, b, "floor_divide", "div_floor")
        with np.errstate(over="ignore"):  # INT_MIN // -1 wraps, as PyTorch
            return _wrap(np.floor_divide(a._data, b._data))
    return _zero_grad_op(_div(a, b), fn=np.floor)


def remainder(input, other):
    """Python-style modulus: the result has the sign of the divisor.

    Example:
        >>> import chainrule as cr
        >>> cr.remainder(cr.tensor([7, -7]), 3)
        tensor([1, 2])
    """
    a, b = pair(input, other)
    if a._data.dtype.kind != "f":
        _check_divisor(a, b, "remainder", "remainder")
        return _wrap(np.mod(a._data, b._data))
    return _remainder(a, b)


def fmod(input, other):
    """C-style modulus: the result has the sign of the dividend.

    Example:
        >>> import chainrule as cr
        >>> cr.fmod(cr.tensor([7, -7]), 3)
        tensor([ 1, -1])
    """
    a, b = pair(input, other)
    if a._data.dtype.kind != "f":
        _check_divisor(a, b, "fmod", "fmod")
        return _wrap(np.fmod(a._data, b._data))
    return sub(a, mul(div(a, b, rounding_mode="trunc"), b))


def _int_pow(x, y):
    """``x ** y`` for integer arrays of one dtype. A negative exponent gives PyTorch's integer
    results: ``1 ** -n = 1``, ``(-1) ** -n = (-1) ** n`` and 0 for every other base (0 too);
    NumPy would raise."""
    if y.dtype.kind == "i" and y.size and y.min() < 0:
        neg = y < 0
        out = np.power(x, np.where(neg, 0, y).astype(y.dtype, copy=False))
        small = np.where(x == 1, 1, np.where(x == -1, 1 - 2 * (y & 1), 0))
        return np.where(neg, small, out).astype(out.dtype, copy=False)
    return np.power(x, y)


def _no_bool_pow(d):
    if d == np.bool_:
        raise NotImplementedError("pow: not implemented for Bool tensors (a bool tensor to a "
                                  "bool tensor power); convert one of them to a number dtype")


def pow(input, exponent):  # noqa: A001
    """``input ** exponent``; either may be a number.

    Integers stay integers: a negative Python-int exponent raises (as PyTorch), negative
    entries of an integer exponent tensor give 0 (1 and -1 bases excepted).

    Example:
        >>> import chainrule as cr
        >>> cr.pow(cr.tensor([1, 2, 3]), 2)
        tensor([1, 4, 9])
        >>> cr.pow(cr.tensor([1, 2, -1]), cr.tensor([-1, -1, -3]))
        tensor([ 1,  0, -1])
    """
    if isinstance(exponent, Tensor):
        if (not isinstance(input, Tensor) and isinstance(input, (int, float))
                and not isinstance(input, bool) and input > 0):
            rt = _dtype.result_type(input, exponent._data)
            if rt.kind != "f":
                _no_bool_pow(rt)
                return _wrap(_int_pow(_scalar_array(input, rt), exponent._data.astype(rt)))
            return _rpow_scalar(cast(exponent, rt), base=input)
        a, b = pair(input, exponent)
        if a._data.dtype.kind != "f":
            _no_bool_pow(a._data.dtype)
            return _wrap(_int_pow(a._data, b._data))
        return _pow(a, b)
    if not isinstance(exponent, (int, float, np.number)):
        raise TypeError(f"pow(): exponent must be a Tensor or a number, got "
                        f"{type(exponent).__name__}")
    x = input
    rt = _dtype.result_type(x._data, exponent)
    if rt.kind != "f":
        if isinstance(exponent, bool):  # bool ** True is the tensor, bool ** False all True
            return _wrap(x._data.astype(rt) if exponent else np.ones(x._data.shape, rt))
        if exponent < 0:
            raise RuntimeError("pow(): Integers to negative integer powers are not allowed "
                               f"(got exponent {exponent} for a {rt.name} tensor)")
        exponent = _checked(exponent, rt, "pow()")[()]
    elif isinstance(exponent, bool):
        exponent = int(exponent)
    x = cast(x, rt)
    if exponent == 1:
        return x
    if exponent == 2:
        return _mul(x, x) if x._rg else _wrap(x._data * x._data)
    return _pow_scalar(x, exponent=exponent)


def maximum(input, other):
    """Elementwise maximum; at ties each input gets half the gradient."""
    a, b = pair(input, other)
    return _maximum(a, b)


def minimum(input, other):
    """Elementwise minimum; at ties each input gets half the gradient."""
    a, b = pair(input, other)
    return _minimum(a, b)


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other`` (broadcast together)."""
    if input is None and other is None:
        from chainrule.ops.indexing import nonzero

        return nonzero(condition, as_tuple=True)
    c = as_operand(condition)
    if c._data.dtype != np.bool_:
        c = _wrap(c._data.astype(bool))
    # A Python int beside an integer tensor is range-checked against its dtype, as PyTorch.
    if other.__class__ is int and isinstance(input, Tensor) and input._data.dtype.kind in "iu":
        other = _wrap(_checked(other, input._data.dtype, "where"))
    elif input.__class__ is int and isinstance(other, Tensor) and other._data.dtype.kind in "iu":
        input = _wrap(_checked(input, other._data.dtype, "where"))
    a, b = pair(input, other) if (isinstance(input, Tensor) or isinstance(other, Tensor)) \
        else (as_operand(input), as_operand(other))
    return _where(c, a, b)


def _unary(prim, name):
    def fn(input):
        return prim(float_operand(input))

    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (derivative rule: ``chainrule.ops.elementwise._{name}``)."
    return fn


exp = _unary(_exp, "exp")
log = _unary(_log, "log")
log1p = _unary(_log1p, "log1p")
expm1 = _unary(_expm1, "expm1")
sqrt = _unary(_sqrt, "sqrt")
rsqrt = _unary(_rsqrt, "rsqrt")
reciprocal = _unary(_reciprocal, "reciprocal")
sin = _unary(_sin, "sin")
cos = _unary(_cos, "cos")
tan = _unary(_tan, "tan")
tanh = _unary(_tanh, "tanh")
sigmoid = _unary(_sigmoid, "sigmoid")
erf = _unary(_erf, "erf")


def log2(input):
    return div(log(input), math.log(2.0))


def log10(input):
    return div(log(input), math.log(10.0))


def square(input):
    return mul(input, input)


def neg(input):
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return _neg(input)


negative = neg


def abs(input):  # noqa: A001
    return _abs(input)


absolute = abs


def relu(input):
    """max(x, 0); the derivative at 0 is taken as 0."""
    return _relu(input)


def sign(input):
    return _zero_grad_op(input, fn=np.sign)


def floor(input):
    return _zero_grad_op(input, fn=np.floor) if input._data.dtype.kind == "f" else input


def ceil(input):
    return _zero_grad_op(input, fn=np.ceil) if input._data.dtype.kind == "f" else input


def trunc(input):
    return _zero_grad_op(input, fn=np.trunc) if input._data.dtype.kind == "f" else input


def round(input, *, decimals=0):  # noqa: A001
    """Round half to even, as PyTorch."""
    if input._data.dtype.kind != "f":
        return input
    return _zero_grad_op(input, fn=lambda a: np.round(a, decimals))


def clamp(input, min=None, max=None):  # noqa: A002
    """Clip values to ``[min, max]``; the gradient passes where ``min <= x <= max``."""
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        # A NaN bound gives NaN, as PyTorch's clamp (a comparison with NaN alone is False).
        if min is not None:
            lo = as_operand(min)
            out = where(_outside(out, lo, True), lo, out)
        if max is not None:
            hi = as_operand(max)
            out = where(_outside(out, hi, False), hi, out)
        return out
    x = input
    if x._data.dtype.kind != "f":
        if isinstance(min, float) or isinstance(max, float):
            x = float_operand(x)
        elif x._data.dtype.kind in "iu":  # integer bounds: range-checked (-1 wraps in uint8)
            rt = x._data.dtype
            min = None if min is None else _checked(min, rt, "clamp")[()]  # noqa: A001
            max = None if max is None else _checked(max, rt, "clamp")[()]  # noqa: A001
    return _clamp(x, lo=min, hi=max)


clip = clamp


def _outside(x, bound, lower):
    """Where ``x`` passes ``bound`` (below a lower one, above an upper one), or ``bound`` is
    NaN."""
    out = x < bound if lower else x > bound
    if bound._data.dtype.kind == "f":
        out = out | isnan(bound)
    return out


def clamp_min(input, min):  # noqa: A002
    return clamp(input, min=min)


def clamp_max(input, max):  # noqa: A002
    return clamp(input, max=max)


def to_dtype(input, dtype, copy=False):
    """``input`` converted to ``dtype`` (differentiable between floating dtypes)."""
    npd = dtype if isinstance(dtype, np.dtype) else _dtype.as_dtype(dtype).np
    if input._data.dtype == npd:
        return _copy(input) if copy else input
    if npd.kind != "f":
        return _wrap(input._data.astype(npd))
    return _to_dtype(input, dtype=npd)


def clone(input, *, memory_format=None):
    """A copy that stays in the graph (its gradient flows back to ``input``)."""
    return _copy(input)


def lerp(input, end, weight):
    return add(input, mul(sub(end, input), weight))


def addcmul(input, tensor1, tensor2, *, value=1):
    return add(input, mul(mul(tensor1, tensor2), value))


def addcdiv(input, tensor1, tensor2, *, value=1):
    return add(input, mul(div(tensor1, tensor2), value))


# ------------------------------------------------------------------ comparisons and logic
def _compare(np_fn, name):
    def fn(input, other):
        a, b = pair(input, other)
        return _wrap(np_fn(a._data, b._data))

    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}`` as a bool tensor (no gradient)."
    return fn


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")
logical_xor = _compare(np.logical_xor, "logical_xor")
bitwise_and = _compare(np.bitwise_and, "bitwise_and")
bitwise_or = _compare(np.bitwise_or, "bitwise_or")
bitwise_xor = _compare(np.bitwise_xor, "bitwise_xor")


def _shift_operands(input, other, name, kernel):
    a, b = pair(input, other)
    d = a._data.dtype
    if d.kind not in "iu":
        raise NotImplementedError(f'{name}: "{kernel}" is not implemented for '
                                  f"{_dtype.from_numpy_dtype(d).name} operands; expected "
                                  f"integer tensors (after type promotion)")
    return a._data, b._data


# NumPy's shifts agree with PyTorch's at the edges: shifting left by a negative amount or by the
# bit width or more gives 0; shifting right by such an amount gives the sign fill (-1 for a
# negative signed value, else 0). A Python int operand wraps to the tensor's dtype first.
def bitwise_left_shift(input, other):
    """``input << other`` elementwise, for integer tensors (a number on either side).

    Example:
        >>> import chainrule as cr
        >>> cr.bitwise_left_shift(cr.tensor([1, 3, -2]), cr.tensor([2, 1, 3]))
        tensor([  4,   6, -16])
    """
    a, b = _shift_operands(input, other, "bitwise_left_shift", "lshift")
    return _wrap(np.left_shift(a, b))


def bitwise_right_shift(input, other):
    """``input >> other`` elementwise (arithmetic: the sign is kept), for integer tensors.

    Example:
        >>> import chainrule as cr
        >>> cr.bitwise_right_shift(cr.tensor([16, -16, 7]), 2)
        tensor([ 4, -4,  1])
    """
    a, b = _shift_operands(input, other, "bitwise_right_shift", "rshift")
    return _wrap(np.right_shift(a, b))


def logical_not(input):
    return _wrap(np.logical_not(input._data))


def bitwise_not(input):
    if input._data.dtype.kind == "f":
        raise TypeError("bitwise_not: expected a bool or integer tensor, got a floating tensor")
    return _wrap(np.invert(input._data))


def isnan(input):
    return _wrap(np.isnan(input._data))


def isinf(input):
    return _wrap(np.isinf(input._data))


def isfinite(input):
    return _wrap(np.isfinite(input._data))


def equal(input, other) -> bool:
    """True if both tensors have the same shape and values."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(input._data, as_operand(other)._data, rtol, atol, equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _wrap(np.isclose(input._data, as_operand(other)._data, rtol, atol, equal_nan))
