"""Flatten parameters into one vector and back (for optimizers and analyses that see the
model as a single vector)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from chainrule.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Concatenate the flattened ``parameters`` into one 1-D tensor (a copy).

    The result is differentiable: it stays in the graph of the parameters.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> a, b = cr.ones(2, 2), cr.zeros(3)
        >>> nn.utils.parameters_to_vector([a, b])
        tensor([1., 1., 1., 1., 0., 0., 0.])
    """
    from chainrule.ops import cat

    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: expected a non-empty list of tensors")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Set the values of ``parameters`` from consecutive slices of the 1-D tensor ``vec``.

    As in PyTorch, each parameter's values become a view of ``vec`` (no copy): writing to
    one writes to the other. Values are cast to each parameter's dtype when they differ.

    Args:
        vec: a 1-D tensor with as many elements as all the parameters together.
        parameters: the tensors to set.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected chainrule.Tensor, but got: {type(vec).__name__}")
    if vec.dim() != 1:
        raise RuntimeError(f"vector_to_parameters: expected a 1-D vector, got shape "
                           f"{list(vec.shape)}")
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = sum(p.numel() for p in params)
    if total != vec.numel():
        raise RuntimeError(f"vector_to_parameters: the vector has {vec.numel()} elements but "
                           f"the parameters have {total}")
    data = vec._data
    pointer = 0
    for p in params:
        n = p.numel()
        piece = data[pointer:pointer + n].reshape(p._data.shape)
        if piece.dtype != p._data.dtype:
            piece = piece.astype(p._data.dtype)
        p._data = piece if piece.flags.writeable else np.array(piece)
        p._version += 1
        pointer += n
