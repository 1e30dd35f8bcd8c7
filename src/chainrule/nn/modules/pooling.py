"""Pooling layers: max, average and adaptive pooling in 1-d and 2-d (no parameters).

Each forwards to the function of the same name in :mod:`chainrule.nn.functional`; attribute
names and printed form are PyTorch's.
"""

from __future__ import annotations

from chainrule.nn import functional as F
from chainrule.nn.modules.module import Module
from chainrule.tensor import Tensor

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d"]


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """2-d max pooling (see :func:`~chainrule.nn.functional.max_pool2d`).

    Args:
        kernel_size: window size, an int or ``(kH, kW)``.
        stride: step between windows (default: ``kernel_size``).
        padding: implicit -inf padding on both sides (default 0).
        dilation: spacing between window elements (default 1).
        return_indices: also return the argmax positions.
        ceil_mode: round the output size up.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)`` with
        ``H_out = floor_or_ceil((H + 2 pH - dH (kH - 1) - 1) / sH) + 1``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.MaxPool2d(2)
        >>> m
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> m(cr.randn(1, 3, 28, 28)).shape
        chainrule.Size([1, 3, 14, 14])
    """

    def forward(self, input: Tensor):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """1-d max pooling (see :func:`~chainrule.nn.functional.max_pool1d`).

    Args:
        kernel_size, stride, padding, dilation, return_indices, ceil_mode: as
            :class:`MaxPool2d`, with one spatial dimension.

    Shape:
        input ``(N, C, L)`` or ``(C, L)``; output ``(N, C, L_out)``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.MaxPool1d(3, stride=2)(cr.randn(2, 4, 11)).shape
        chainrule.Size([2, 4, 5])
    """

    def forward(self, input: Tensor):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool2d(Module):
    """2-d average pooling (see :func:`~chainrule.nn.functional.avg_pool2d`).

    Args:
        kernel_size: window size, an int or ``(kH, kW)``.
        stride: step between windows (default: ``kernel_size``).
        padding: implicit zero padding on both sides (default 0).
        ceil_mode: round the output size up.
        count_include_pad: count the zero padding in the divisor (default True).
        divisor_override: divide every window's sum by this instead.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.AvgPool2d(3, stride=2)
        >>> m
        AvgPool2d(kernel_size=3, stride=2, padding=0)
        >>> m(cr.randn(1, 2, 9, 9)).shape
        chainrule.Size([1, 2, 4, 4])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


def _single(v):
    return (int(v),) if isinstance(v, int) else tuple(v)


class AvgPool1d(Module):
    """1-d average pooling (see :func:`~chainrule.nn.functional.avg_pool1d`).

    Args:
        kernel_size, stride, padding, ceil_mode, count_include_pad: as :class:`AvgPool2d`,
            with one spatial dimension (stored as 1-tuples, as PyTorch does).

    Shape:
        input ``(N, C, L)`` or ``(C, L)``; output ``(N, C, L_out)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.AvgPool1d(2)
        >>> m
        AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
        >>> m(cr.tensor([[[1.0, 3.0, 5.0, 7.0]]]))
        tensor([[[2., 6.]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class _AdaptivePoolNd(Module):
    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """2-d adaptive average pooling to a fixed output size
    (see :func:`~chainrule.nn.functional.adaptive_avg_pool2d`).

    Args:
        output_size: ``(H_out, W_out)`` or an int for both; a ``None`` entry keeps that
            input size.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.AdaptiveAvgPool2d((5, 7))(cr.randn(1, 64, 8, 9)).shape
        chainrule.Size([1, 64, 5, 7])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """1-d adaptive average pooling (see :func:`~chainrule.nn.functional.adaptive_avg_pool1d`).

    Args:
        output_size: ``L_out``.

    Shape:
        input ``(N, C, L)`` or ``(C, L)``; output ``(N, C, L_out)``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.AdaptiveAvgPool1d(5)(cr.randn(1, 64, 8)).shape
        chainrule.Size([1, 64, 5])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePoolNd):
    """2-d adaptive max pooling (see :func:`~chainrule.nn.functional.adaptive_max_pool2d`).

    Args:
        output_size: ``(H_out, W_out)`` or an int for both; a ``None`` entry keeps that
            input size.
        return_indices: also return the argmax positions.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_out, W_out)``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.AdaptiveMaxPool2d((5, 7))(cr.randn(1, 64, 8, 9)).shape
        chainrule.Size([1, 64, 5, 7])
    """

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptivePoolNd):
    """1-d adaptive max pooling (see :func:`~chainrule.nn.functional.adaptive_max_pool1d`).

    Args:
        output_size: ``L_out``.
        return_indices: also return the argmax positions.

    Shape:
        input ``(N, C, L)`` or ``(C, L)``; output ``(N, C, L_out)``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.AdaptiveMaxPool1d(5)(cr.randn(1, 64, 8)).shape
        chainrule.Size([1, 64, 5])
    """

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)
