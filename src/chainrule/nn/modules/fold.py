"""``Fold`` and ``Unfold``: sliding-block extraction (im2col) and its adjoint as layers, over
:func:`~chainrule.nn.functional.unfold` and :func:`~chainrule.nn.functional.fold`."""

from __future__ import annotations

from chainrule.nn import functional as F
from chainrule.nn.modules.module import Module
from chainrule.tensor import Tensor

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Sum sliding local blocks back into a ``(N, C, *output_size)`` tensor (col2im).

    Args:
        output_size: spatial size ``(H, W)`` of the result (an int for both).
        kernel_size: block size.
        dilation, padding, stride: the block geometry (ints or pairs), as in a convolution.

    Shape:
        input ``(N, C * kH * kW, L)`` or ``(C * kH * kW, L)``, ``L`` the number of blocks;
        output ``(N, C, H, W)`` or ``(C, H, W)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
        >>> m
        Fold(output_size=(4, 5), kernel_size=(2, 2), dilation=1, padding=0, stride=1)
        >>> m(cr.ones(1, 3 * 2 * 2, 12)).shape
        chainrule.Size([1, 3, 4, 5])
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """Extract sliding local blocks (im2col) from ``(N, C, H, W)`` inputs.

    Args:
        kernel_size: block size (an int or a pair).
        dilation, padding, stride: the block geometry (ints or pairs), as in a convolution.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C * kH * kW, L)`` or
        ``(C * kH * kW, L)``, ``L`` the number of block positions.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.Unfold(kernel_size=(2, 3))
        >>> m
        Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)
        >>> m(cr.ones(2, 5, 3, 4)).shape
        chainrule.Size([2, 30, 4])
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
