"""Padding layers (``ZeroPad2d``, ``ReflectionPad1d``...): modules around
:func:`chainrule.nn.functional.pad` with PyTorch's names and argument forms."""

from __future__ import annotations

from collections.abc import Iterable

from chainrule.nn.functional.misc import pad
from chainrule.nn.modules.module import Module
from chainrule.tensor import Tensor

__all__ = [
    "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
]


def _expand(padding, n: int) -> tuple:
    """A single value becomes the same padding on both sides of each of the last ``n``
    dimensions; a sequence is kept as given. As PyTorch, its length is not checked here:
    :func:`~chainrule.nn.functional.pad` checks it in ``forward`` (so ``ZeroPad2d((1, 2))``
    pads the last dimension only, and an odd length fails there)."""
    if isinstance(padding, Iterable):
        return tuple(padding)
    return (padding,) * (2 * n)


class _PadNd(Module):
    mode = "constant"
    dims = 1

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _expand(padding, self.dims)

    def forward(self, input: Tensor) -> Tensor:
        if self.mode == "circular":  # PyTorch's circular modules check the input's rank
            nd = input.ndim
            if nd not in (self.dims + 1, self.dims + 2):
                raise ValueError(f"expected {self.dims + 1}D or {self.dims + 2}D input (got "
                                 f"{nd}D input)")
        return pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadMixin:
    """Makes a ``ConstantPad{1,2,3}d`` subclass pad with zeros (no ``value`` argument)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dimension with ``value``; ``padding`` is an int or ``(left, right)``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.modules.padding import ConstantPad1d
        >>> ConstantPad1d(1, 3.5)(cr.zeros(1, 2))
        tensor([[3.5000, 0.0000, 0.0000, 3.5000]])
    """

    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dimensions with ``value``: ``(left, right, top, bottom)``."""

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dimensions with ``value``: ``(left, right, top, bottom, front,
    back)``."""

    dims = 3


class ZeroPad1d(_ZeroPadMixin, ConstantPad1d):
    """Pads the last dimension with zeros."""


class ZeroPad2d(_ZeroPadMixin, ConstantPad2d):
    """Pads the last two dimensions with zeros: ``(left, right, top, bottom)``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.modules.padding import ZeroPad2d
        >>> ZeroPad2d((1, 0, 0, 1))(cr.ones(1, 1, 1, 1))
        tensor([[[[0., 1.],
                  [0., 0.]]]])
    """


class ZeroPad3d(_ZeroPadMixin, ConstantPad3d):
    """Pads the last three dimensions with zeros."""


class ReflectionPad1d(_PadNd):
    """Pads the last dimension with its mirror image (the edge not repeated)."""

    mode, dims = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Pads the last two dimensions with their mirror image."""

    mode, dims = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Pads the last three dimensions with their mirror image."""

    mode, dims = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Pads the last dimension by repeating its edge values."""

    mode, dims = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Pads the last two dimensions by repeating their edge values."""

    mode, dims = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Pads the last three dimensions by repeating their edge values."""

    mode, dims = "replicate", 3


class CircularPad1d(_PadNd):
    """Pads the last dimension by wrapping around."""

    mode, dims = "circular", 1


class CircularPad2d(_PadNd):
    """Pads the last two dimensions by wrapping around."""

    mode, dims = "circular", 2


class CircularPad3d(_PadNd):
    """Pads the last three dimensions by wrapping around."""

    mode, dims = "circular", 3
