"""Helpers that derivative rules are written with.

Each accepts NumPy arrays (first-order path: fast, no graph) or Tensors (``create_graph=True``:
recorded, so the derivative is itself differentiable), and does the same math on either.
"""

from __future__ import annotations

import numpy as np

from chainrule import ops as _ops
from chainrule.autograd import primitive as _primitive
from chainrule.tensor import Tensor


def _is_t(x) -> bool:
    return isinstance(x, Tensor)


def exp(x):
    return _ops.exp(x) if _is_t(x) else np.exp(x)


def log(x):
    return _ops.log(x) if _is_t(x) else np.log(x)


def sin(x):
    return _ops.sin(x) if _is_t(x) else np.sin(x)


def cos(x):
    return _ops.cos(x) if _is_t(x) else np.cos(x)


def sign(x):
    return _ops.sign(x) if _is_t(x) else np.sign(x)


def where(cond, a, b):
    if _is_t(cond) or _is_t(a) or _is_t(b):
        return _ops.where(cond, a, b)
    return np.where(cond, a, b)


def reshape(x, shape):
    return x.reshape(shape)


def permute(x, axes):
    return _ops.permute(x, axes) if _is_t(x) else np.transpose(x, axes)


def swap_last(x):
    """Swap the last two axes (matrix transpose over a batch)."""
    return _ops.transpose(x, -1, -2) if _is_t(x) else np.swapaxes(x, -1, -2)


def broadcast_to(x, shape):
    return _ops.expand(x, shape) if _is_t(x) else np.broadcast_to(x, shape)


def sum(x, axis=None, keepdims=False):  # noqa: A001
    if _is_t(x):
        return _ops.sum(x, dim=axis, keepdim=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


def matmul(a, b):
    return _ops.matmul(a, b) if (_is_t(a) or _is_t(b)) else np.matmul(a, b)


def flip(x, axes):
    return _ops.flip(x, axes) if _is_t(x) else np.flip(x, axes)


def cumsum(x, axis):
    return _ops.cumsum(x, axis) if _is_t(x) else np.cumsum(x, axis=axis)


def mask(x):
    """A boolean condition as a constant of the same kind (array, or Tensor without grad)."""
    return x


def zeros_like(x):
    return _ops.zeros_like(x) if _is_t(x) else np.zeros_like(x)


def cast(x, like):
    """``x`` in the dtype of ``like``."""
    if _is_t(x):
        return x.to(like.dtype)
    return x.astype(like.dtype, copy=False)


def data(x):
    """The NumPy array behind ``x`` (for values a rule uses as constants)."""
    return x._data if _is_t(x) else x


def like(value, ref):
    """Wrap NumPy ``value`` as a constant of the same kind as ``ref``."""
    return Tensor._wrap(np.asarray(value)) if _is_t(ref) else value


def numpy_rule(rule):
    """Mark a rule computed with NumPy only (a fused op's hand-derived backward).

    On the first-order path it runs as is. Under ``create_graph=True`` it still gives the
    correct first derivative, but that result cannot be differentiated again: anything that
    needs a derivative of it (a second derivative, ``func.jvp``, ``hessian``) raises a
    RuntimeError naming the op, rather than silently treating it as a constant.
    """
    name = getattr(rule, "__name__", "rule").strip("_")

    def wrapped(g, out, *args, **params):
        if _is_t(g):
            tensors = [a for a in args if _is_t(a)]
            args = [a._data if _is_t(a) else a for a in args]
            r = rule(g._data, out._data if _is_t(out) else out, *args, **params)
            if r is None:
                return None
            # Connected to g and to the op's inputs, as the true derivative would be.
            return _primitive.first_order_only(g, *tensors, value=np.asarray(r), op=name)
        return rule(g, out, *args, **params)

    wrapped.__name__ = getattr(rule, "__name__", "rule")
    wrapped.__doc__ = rule.__doc__
    return wrapped

