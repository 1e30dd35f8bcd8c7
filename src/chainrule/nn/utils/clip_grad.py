"""Gradient clipping: rescale or clamp the ``.grad`` of parameters in place.

Both work on the gradient arrays directly (no graph), after ``backward`` and before the
optimizer's ``step``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from chainrule.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]

_Tensors = Tensor | Iterable[Tensor]


def _as_list(tensors: _Tensors) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(arr: np.ndarray, p: float) -> float:
    # Accumulated in float64 (float16 gradients would overflow a float16 sum of squares).
    a = np.abs(arr.astype(np.float64, copy=False).ravel())
    if a.size == 0:
        if math.isinf(p):  # max and min of nothing: no value to give, as in PyTorch
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {'-' if p < 0 else ''}inf norm on an "
                "empty tensor because the operation does not have an identity")
        return 0.0
    if p == math.inf:
        return float(a.max())
    if p == -math.inf:
        return float(a.min())
    if p == 0:
        return float(np.count_nonzero(a))
    if p == 1:
        return float(a.sum())
    if p == 2:
        return float(math.sqrt(np.dot(a, a)))
    return float(np.sum(a**p) ** (1.0 / p))


def get_total_norm(tensors: _Tensors, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` taken together: the norm of the vector of
    per-tensor norms, as in PyTorch. For p > 0 that is the norm of all elements
    concatenated into one vector; for p = 0 it counts the tensors that have a nonzero
    element.

    Args:
        tensors: a tensor or an iterable of tensors (typically gradients).
        norm_type: the p of the p-norm; ``inf`` for the largest absolute value.
        error_if_nonfinite: raise if the norm is ``nan`` or ``inf``.
        foreach: accepted for PyTorch compatibility; ignored.

    Returns:
        A 0-dim tensor with the dtype of the tensors.
    """
    tensors = [t for t in _as_list(tensors) if t is not None]
    p = float(norm_type)
    if not tensors:
        return Tensor._wrap(np.array(0.0, dtype=np.float32))
    norms = np.array([_vector_norm(t._data, p) for t in tensors])
    total = _vector_norm(norms, p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`")
    dtype = np.result_type(*[t._data.dtype for t in tensors])
    return Tensor._wrap(np.array(total, dtype=dtype))


def _scale_(t: Tensor, factor: float) -> None:
    data = t._data
    f = np.asarray(factor, dtype=data.dtype)
    with np.errstate(invalid="ignore"):  # inf * 0 gives nan, as in PyTorch
        if data.flags.writeable:
            np.multiply(data, f, out=data)
        else:  # a read-only view: the gradient gets its own array
            t._data = data * f
    t._version += 1


def clip_grads_with_norm_(parameters: _Tensors, max_norm: float, total_norm,
                          foreach: bool | None = None) -> None:
    """Scale the gradients of ``parameters`` in place by ``min(1, max_norm / (total_norm +
    1e-6))``, given an already computed ``total_norm`` (see :func:`get_total_norm`).

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is scaled.
        max_norm: the largest norm allowed.
        total_norm: the norm of all the gradients together (a number or 0-dim tensor).
        foreach: accepted for PyTorch compatibility; ignored.
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = float(total_norm.item() if isinstance(total_norm, Tensor) else total_norm)
    # The 1e-6 keeps the coefficient finite for all-zero gradients.
    coef = min(float(max_norm) / (total + 1e-6), 1.0) if not math.isnan(total) else math.nan
    for g in grads:
        _scale_(g, coef)


def clip_grad_norm_(parameters: _Tensors, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Rescale the gradients of ``parameters`` in place so that their total norm (of all
    gradients together, as one vector) is at most ``max_norm``.

    Every gradient is multiplied by ``min(1, max_norm / (total_norm + 1e-6))``, so their
    directions are kept.

    Args:
        parameters: a tensor or an iterable of tensors (``model.parameters()``); those with
            no ``.grad`` are skipped.
        max_norm: the largest total norm allowed.
        norm_type: the p of the p-norm; ``float("inf")`` for the largest absolute value.
        error_if_nonfinite: raise if the total norm is ``nan`` or ``inf`` (otherwise the
            gradients get multiplied by a non-finite factor, as in PyTorch).
        foreach: accepted for PyTorch compatibility; ignored.

    Returns:
        The total norm before clipping, a 0-dim tensor.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> w = cr.tensor([3.0, 4.0], requires_grad=True)
        >>> (w * w).sum().backward()          # grad = [6, 8], norm 10
        >>> nn.utils.clip_grad_norm_([w], max_norm=1.0)
        tensor(10.)
        >>> w.grad
        tensor([0.6000, 0.8000])
    """
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters: _Tensors, clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient entry of ``parameters`` into ``[-clip_value, clip_value]`` in
    place.

    Args:
        parameters: a tensor or an iterable of tensors; those with no ``.grad`` are skipped.
        clip_value: the largest absolute value allowed.
        foreach: accepted for PyTorch compatibility; ignored.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
        >>> (3 * w).sum().backward()
        >>> nn.utils.clip_grad_value_(w, 0.5)
        >>> w.grad
        tensor([0.5000, 0.5000])
    """
    c = float(clip_value)
    for p in _as_list(parameters):
        g = p.grad
        if g is None:
            continue
        data = g._data
        if data.flags.writeable:
            np.clip(data, -c, c, out=data)
        else:
            g._data = np.clip(data, -c, c)
        g._version += 1
