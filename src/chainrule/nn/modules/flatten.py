"""``Flatten`` and ``Unflatten``: reshape a range of dimensions inside a model."""

from __future__ import annotations

from chainrule import ops
from chainrule.nn.modules.module import Module
from chainrule.tensor import Tensor

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flattens dimensions ``start_dim`` to ``end_dim`` into one.

    Args:
        start_dim: first dimension to flatten (default 1: keep the batch dimension).
        end_dim: last dimension to flatten (default -1).

    Shape:
        input ``(*, S_start, ..., S_end, *)``, output ``(*, S_start * ... * S_end, *)``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.Flatten()(cr.zeros(32, 1, 5, 5)).shape
        chainrule.Size([32, 25])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dimension ``dim`` into the shape ``unflattened_size``.

    Args:
        dim: the dimension to expand.
        unflattened_size: its new shape (one entry may be -1).

    Example:
        >>> import chainrule as cr
        >>> cr.nn.Unflatten(1, (2, 5, 5))(cr.zeros(2, 50)).shape
        chainrule.Size([2, 2, 5, 5])
    """

    def __init__(self, dim: int | str, unflattened_size) -> None:
        super().__init__()
        if isinstance(dim, str):
            raise NotImplementedError("Unflatten: named dimensions are not supported")
        if not isinstance(unflattened_size, (tuple, list)) or not all(
                isinstance(s, int) for s in unflattened_size):
            raise TypeError(f"unflattened_size must be a tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        self.dim = dim
        # Stored as given (a list stays a list), as PyTorch, whose repr shows it that way.
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        return ops.unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
