"""Turning op arguments into tensors of the right dtype (PyTorch's promotion rules)."""

from __future__ import annotations

import numpy as np

from chainrule import _dtype
from chainrule.tensor import Tensor

_wrap = Tensor._wrap
_result_type = _dtype.result_type


def as_operand(x, dtype=None) -> Tensor:
    """``x`` as a Tensor (Python numbers and arrays become constants)."""
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x, dtype=dtype)
    if dtype is None and arr.dtype.kind == "f" and not isinstance(x, np.ndarray):
        arr = arr.astype(_dtype.get_default_dtype().np)
    return _wrap(arr)


def pair(a, b):
    """Both operands as Tensors of their promoted dtype (``a op b`` in PyTorch)."""
    if isinstance(a, Tensor):
        ad = a._data
        if isinstance(b, Tensor):
            bd = b._data
            if ad.dtype is bd.dtype:
                return a, b
            rt = _result_type(ad, bd)
            return cast(a, rt), cast(b, rt)
        rt = _result_type(ad, _scalar(b))
        return cast(a, rt), _wrap(scalar_array(b, rt))
    if isinstance(b, Tensor):
        rt = _result_type(_scalar(a), b._data)
        return _wrap(scalar_array(a, rt)), cast(b, rt)
    raise TypeError(f"expected at least one Tensor operand, got {type(a).__name__} and "
                    f"{type(b).__name__}")


def scalar_array(x, np_dtype) -> np.ndarray:
    """A Python number (or array) as an array of ``np_dtype``.

    A Python int outside an integer dtype's range wraps around modulo ``2**bits`` (two's
    complement), as PyTorch converts it: ``uint8_tensor + (-1)`` adds 255, ``int8_tensor == 256``
    compares with 0. Ints outside ``[-2**63, 2**64)`` raise OverflowError, as in PyTorch.
    """
    try:
        return np.asarray(x, dtype=np_dtype)
    except OverflowError:
        np_dtype = np.dtype(np_dtype)
        if x.__class__ is not int or np_dtype.kind not in "iu":
            raise
        if not -(1 << 63) <= x < (1 << 64):
            raise OverflowError(f"the Python int {x} does not fit a 64-bit integer (signed or "
                                f"unsigned)") from None
        bits = 8 * np_dtype.itemsize
        v = x & ((1 << bits) - 1)
        if np_dtype.kind == "i" and v >= 1 << (bits - 1):
            v -= 1 << bits
        return np.asarray(v, dtype=np_dtype)


def checked_scalar(x, np_dtype, name: str) -> np.ndarray:
    """A Python number converted for an op that checks it against the tensor's dtype
    (``clamp`` bounds, ``pow`` exponents, ``masked_fill``/``where`` values), as PyTorch does:
    into an integer dtype, a value outside its range raises RuntimeError, except that an
    unsigned dtype also takes ``-max..-1`` (which wrap: ``-1`` is 255 in uint8)."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind in "iu" and x.__class__ is not bool and isinstance(x, (int, float,
                                                                              np.number)):
        if x.__class__ is int and not -(1 << 63) <= x < (1 << 64):
            raise OverflowError(f"{name}: the Python int {x} does not fit a 64-bit integer "
                                f"(signed or unsigned)")
        info = np.iinfo(np_dtype)
        lo = -int(info.max) if np_dtype.kind == "u" and isinstance(x, (int, np.integer)) \
            else int(info.min)
        if not lo <= x <= info.max:
            raise RuntimeError(f"{name}: value {x} cannot be converted to type "
                               f"{np_dtype.name} without overflow")
        if isinstance(x, (float, np.floating)):
            return np.asarray(int(x), dtype=np_dtype)
    return scalar_array(x, np_dtype)


def _scalar(x):
    if isinstance(x, (bool, int, float, np.generic)):
        return x
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, complex):
        raise TypeError("chainrule has no complex dtypes")
    raise TypeError(f"unsupported operand type {type(x).__name__}; expected a Tensor or a number")


def cast(t: Tensor, np_dtype) -> Tensor:
    if t._data.dtype is np_dtype or t._data.dtype == np_dtype:
        return t
    from chainrule.ops.elementwise import to_dtype

    return to_dtype(t, np_dtype)


def float_operand(t: Tensor) -> Tensor:
    """``t`` itself if floating, else converted to the default float dtype (``exp(int)``)."""
    if t._data.dtype.kind == "f":
        return t
    return cast(t, _dtype.get_default_dtype().np)
