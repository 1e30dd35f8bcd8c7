"""``Parameter``: a tensor that a Module registers as a learnable weight."""

from __future__ import annotations

import numpy as np

from chainrule.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is registered when assigned to a Module.

    Example:
        >>> import chainrule as cr
        >>> p = cr.nn.Parameter(cr.zeros(2))
        >>> p.requires_grad, p.is_leaf
        (True, True)
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            arr = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            arr = np.asarray(data)
        self._init_fields(arr, requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        p = Parameter(Tensor._wrap(self._data.copy()), self._rg)
        memo[id(self)] = p
        return p


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module."""

    __slots__ = ("persistent",)

    def __init__(self, data=None, *, persistent: bool = True):
        arr = data._data if isinstance(data, Tensor) else np.asarray(data)
        self._init_fields(arr)
        self.persistent = persistent
