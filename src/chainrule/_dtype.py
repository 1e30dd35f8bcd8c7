"""dtypes with PyTorch's names and promotion rules, backed by NumPy dtypes."""

from __future__ import annotations

import numpy as np


class dtype:
    """A tensor element type (``chainrule.float32`` ...), wrapping a NumPy dtype."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_kind")

    def __init__(self, name: str, np_dtype, kind: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = kind == 2
        self.is_signed = kind != 0 and self.np.kind != "u"
        self.itemsize = self.np.itemsize
        self._kind = kind  # 0 bool, 1 integer, 2 floating

    def __repr__(self) -> str:
        return f"chainrule.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return self


float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
float16 = dtype("float16", np.float16, 2)
int64 = dtype("int64", np.int64, 1)
int32 = dtype("int32", np.int32, 1)
int16 = dtype("int16", np.int16, 1)
int8 = dtype("int8", np.int8, 1)
uint8 = dtype("uint8", np.uint8, 1)
bool_ = dtype("bool", np.bool_, 0)

# PyTorch's aliases
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
bool = bool_  # noqa: A001

ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)
_FROM_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


_default = [float32]
_py_float = 1.0.__class__
_py_int = (1).__class__
_py_bool = True.__class__


def get_default_dtype() -> dtype:
    """The floating dtype new tensors get from Python floats (``float32`` unless changed)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype (``float32`` or ``float64``)."""
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point dtypes are allowed, got {d}")
    _default[0] = d


def from_numpy_dtype(np_dtype) -> dtype:
    try:
        return _FROM_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"chainrule has no dtype for NumPy dtype {np.dtype(np_dtype)}") from None


def as_dtype(d) -> dtype:
    """Accept a chainrule dtype, a NumPy dtype/type, or a name, and return the chainrule dtype."""
    if d.__class__ is dtype:
        return d
    if isinstance(d, str):
        if d in _BY_NAME:
            return _BY_NAME[d]
        raise TypeError(f"unknown dtype name {d!r}")
    if d is _py_float:
        return _default[0]
    if d is _py_int:
        return int64
    if d is _py_bool:
        return bool_
    return from_numpy_dtype(d)


def np_dtype(d) -> np.dtype:
    return as_dtype(d).np


def _kind(npd: np.dtype) -> int:
    k = npd.kind
    return 2 if k == "f" else (0 if k == "b" else 1)


def result_type(a, b) -> np.dtype:
    """NumPy dtype of ``a op b`` under PyTorch's rules.

    ``a`` and ``b`` are NumPy arrays (tensor data) or Python scalars. Categories rank
    bool < integer < floating. A Python scalar, or a 0-dim tensor facing a dimensioned one,
    only decides the result when it is of a higher category, and then gives the default
    dtype of that category (``float32`` for floats, ``int64`` for ints).
    """
    a_arr = isinstance(a, np.ndarray)
    b_arr = isinstance(b, np.ndarray)
    if a_arr and b_arr:
        da, db = a.dtype, b.dtype
        if da is db:
            return da
        a_dim, b_dim = a.ndim > 0, b.ndim > 0
        if a_dim == b_dim:
            return promote_same_rank(da, db)
        # A 0-dim tensor behaves like a scalar of its category against a dimensioned one.
        full, zero = (da, db) if a_dim else (db, da)
        kf, kz = _kind(full), _kind(zero)
        if kz <= kf:
            return full
        return zero
    if a_arr or b_arr:
        arr, scalar = (a, b) if a_arr else (b, a)
        ka = _kind(arr.dtype)
        ks = _scalar_kind(scalar)
        if ks <= ka:
            return arr.dtype
        return _category_default(ks, None)
    return _category_default(max(_scalar_kind(a), _scalar_kind(b)), None)


def _category_default(kind: int, _unused=None) -> np.dtype:
    if kind == 2:
        return _default[0].np
    if kind == 1:
        return np.dtype(np.int64)
    return np.dtype(np.bool_)


def _scalar_kind(s) -> int:
    if isinstance(s, _py_bool) or isinstance(s, np.bool_):
        return 0
    if isinstance(s, (_py_int, np.integer)):
        return 1
    return 2


def promote_same_rank(da: np.dtype, db: np.dtype) -> np.dtype:
    """PyTorch's promotion of two tensors' dtypes (both dimensioned, or both 0-dim)."""
    ka, kb = _kind(da), _kind(db)
    if ka != kb:
        return da if ka > kb else db
    return np.promote_types(da, db)
