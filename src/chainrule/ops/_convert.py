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
        return cast(a, rt), _wrap(np.asarray(b, dtype=rt))
    if isinstance(b, Tensor):
        rt = _result_type(_scalar(a), b._data)
        return _wrap(np.asarray(a, dtype=rt)), cast(b, rt)
    raise TypeError(f"expected at least one Tensor operand, got {type(a).__name__} and "
                    f"{type(b).__name__}")


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
