"""Creating tensors: from data, filled, ranges and random draws."""

from __future__ import annotations

import numpy as np

from chainrule import _dtype
from chainrule.random import rng
from chainrule.tensor import Tensor, device

_wrap = Tensor._wrap


def _finish(arr, requires_grad=False, device_=None):
    if device_ is not None:
        device(device_)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_dtype(arr: np.ndarray, data):
    k = arr.dtype.kind
    if k == "f":
        # Python floats become the default dtype; NumPy arrays keep theirs (as from_numpy).
        keep = isinstance(data, (np.ndarray, np.generic))
        return arr.dtype if keep else _dtype.get_default_dtype().np
    if k in "iu":
        if isinstance(data, (np.ndarray, np.generic)):
            return arr.dtype
        return np.dtype(np.int64)
    if k == "b":
        return arr.dtype
    raise TypeError(f"tensor(): can't convert data of dtype {arr.dtype} to a tensor")


def _to_array(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)) and data and any(isinstance(d, Tensor) for d in data):
        return np.array([_to_array(d) for d in data])
    return np.asarray(data)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays, tensors).

    Python floats give ``float32`` (the default dtype), Python ints ``int64``.

    Example:
        >>> import chainrule as cr
        >>> cr.tensor([[1, 2], [3, 4]]).dtype
        chainrule.int64
    """
    arr = _to_array(data)
    npd = _dtype.as_dtype(dtype).np if dtype is not None else _infer_dtype(arr, data)
    return _finish(np.array(arr, dtype=npd, copy=True), requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like :func:`tensor` but shares memory with a NumPy array or tensor when it can."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == _dtype.as_dtype(dtype)):
        return data
    arr = _to_array(data)
    npd = _dtype.as_dtype(dtype).np if dtype is not None else _infer_dtype(arr, data)
    return _finish(np.asarray(arr, dtype=npd), False, device)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (its dtype is kept)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return _wrap(ndarray)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"size must be a sequence of ints, got {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(size)}")
    return tuple(int(s) for s in size)


def _dt(dtype, default=None):
    if dtype is None:
        return (default or _dtype.get_default_dtype()).np
    return _dtype.as_dtype(dtype).np


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _finish(np.zeros(_size(size), _dt(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _finish(np.ones(_size(size), _dt(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _finish(np.empty(_size(size), _dt(dtype)), requires_grad, device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if dtype is None:
        dtype = _infer_dtype(np.asarray(fill_value), fill_value)
    return _finish(np.full(_size((size,)), fill_value, _dt(dtype)), requires_grad, device)


def _like(input, dtype):
    return input._data.dtype if dtype is None else _dt(dtype)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.zeros(input._data.shape, _like(input, dtype)), requires_grad, device)


def ones_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.ones(input._data.shape, _like(input, dtype)), requires_grad, device)


def empty_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.empty(input._data.shape, _like(input, dtype)), requires_grad, device)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.full(input._data.shape, fill_value, _like(input, dtype)), requires_grad,
                   device)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` with spacing ``step``."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if dtype is None:
        is_float = any(isinstance(v, float) for v in vals)
        dtype = _dtype.get_default_dtype() if is_float else _dtype.int64
    npd = _dt(dtype)
    n = int(np.ceil((vals[1] - vals[0]) / vals[2]))
    arr = (vals[0] + np.arange(max(n, 0), dtype=np.float64) * vals[2]).astype(npd)
    return _finish(arr, requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.linspace(start, end, int(steps)).astype(_dt(dtype)), requires_grad, device)


def logspace(start, end, steps, base=10.0, *, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.logspace(start, end, int(steps), base=base).astype(_dt(dtype)),
                   requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.eye(n, m, dtype=_dt(dtype)), requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform samples from [0, 1)."""
    npd = _dt(dtype)
    return _finish(rng(generator).random(_size(size), dtype=np.float64).astype(npd, copy=False),
                   requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal samples."""
    npd = _dt(dtype)
    return _finish(rng(generator).standard_normal(_size(size)).astype(npd, copy=False),
                   requires_grad, device)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers drawn uniformly from ``[low, high)``; ``randint(high, size)`` starts at 0."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint(): missing required argument 'size'")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    arr = rng(generator).integers(low, high, size=tuple(size))
    return _finish(arr.astype(_dt(dtype, _dtype.int64)), requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(rng(generator).permutation(int(n)).astype(_dt(dtype, _dtype.int64)),
                   requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None,
           requires_grad=False) -> Tensor:
    """Normal samples; ``mean``/``std`` may be tensors (elementwise) or numbers with ``size``."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if isinstance(s, np.ndarray) and (s < 0).any() or (not isinstance(s, np.ndarray) and s < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    shape = tuple(size) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    ref = mean if isinstance(mean, Tensor) else (std if isinstance(std, Tensor) else None)
    npd = _dt(dtype) if (dtype is not None or ref is None) else ref._data.dtype
    arr = (m + s * rng(generator).standard_normal(shape)).astype(npd)
    return _finish(arr, requires_grad)


def rand_like(input, *, dtype=None, generator=None, requires_grad=False) -> Tensor:
    return _finish(rng(generator).random(input._data.shape).astype(_like(input, dtype)),
                   requires_grad)


def randn_like(input, *, dtype=None, generator=None, requires_grad=False) -> Tensor:
    return _finish(rng(generator).standard_normal(input._data.shape).astype(
        _like(input, dtype)), requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, generator=None) -> Tensor:
    if high is None:
        low, high = 0, low
    return _finish(rng(generator).integers(low, high, input._data.shape).astype(
        _like(input, dtype)))


def bernoulli(input, p=None, *, generator=None) -> Tensor:
    probs = input._data if p is None else np.full(input._data.shape, p)
    return _wrap((rng(generator).random(input._data.shape) < probs).astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None) -> Tensor:
    p = input._data.astype(np.float64)
    g = rng(generator)
    rows = p.reshape(-1, p.shape[-1])
    out = np.stack([g.choice(rows.shape[1], num_samples, replace=replacement, p=r / r.sum())
                    for r in rows])
    return _wrap(out.reshape(p.shape[:-1] + (num_samples,)).astype(np.int64))


def tril(input, diagonal=0) -> Tensor:
    from chainrule.ops.elementwise import mul

    mask = np.tril(np.ones(input._data.shape[-2:], dtype=bool), diagonal)
    return mul(input, _wrap(mask.astype(input._data.dtype)))


def triu(input, diagonal=0) -> Tensor:
    from chainrule.ops.elementwise import mul

    mask = np.triu(np.ones(input._data.shape[-2:], dtype=bool), diagonal)
    return mul(input, _wrap(mask.astype(input._data.dtype)))


def poisson(input, generator=None) -> Tensor:
    """Draws from Poisson distributions whose rates are ``input``'s elements (same dtype).

    Example:
        >>> import chainrule as cr
        >>> cr.poisson(cr.zeros(3)).tolist()
        [0.0, 0.0, 0.0]
    """
    rates = input._data
    if rates.dtype.kind != "f":
        raise RuntimeError(f"poisson: expected a floating point tensor of rates, got "
                           f"{rates.dtype.name}")
    if rates.size and not np.all(rates >= 0):
        raise RuntimeError("poisson: invalid Poisson rate, expected rate to be non-negative")
    return _wrap(rng(generator).poisson(rates).astype(rates.dtype))
