"""Convolution layers: ``Conv1d``, ``Conv2d``, ``ConvTranspose1d``, ``ConvTranspose2d``.

Attribute names, parameter shapes and initialisation are PyTorch's: ``weight`` is
``(out_channels, in_channels / groups, *kernel_size)`` (transposed:
``(in_channels, out_channels / groups, *kernel_size)``) drawn by
``kaiming_uniform_(a=sqrt(5))``, ``bias`` from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""

from __future__ import annotations

import math

import numpy as np

from chainrule import _dtype
from chainrule.nn import functional as F
from chainrule.nn import init
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter
from chainrule.tensor import Tensor

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _param(shape, dtype) -> Parameter:
    dt = _dtype.as_dtype(dtype).np if dtype is not None else _dtype.get_default_dtype().np
    return Parameter(Tensor._wrap(np.empty(shape, dtype=dt)))


def _ntuple(v, n):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    t = tuple(int(x) for x in v)
    return t * n if len(t) == 1 else t


class _ConvNd(Module):
    """Shared constructor, initialisation and printing of the convolution layers."""

    _nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None) -> None:
        super().__init__()
        n = self._nd
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        kernel_size = _ntuple(kernel_size, n)
        stride = _ntuple(stride, n)
        dilation = _ntuple(dilation, n)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, n)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad takes (left, right) pairs starting from the last dimension.
        if isinstance(padding, str):
            pads = []
            if padding == "same":
                for d, k in zip(dilation, kernel_size):
                    total = d * (k - 1)
                    pads.append((total // 2, total - total // 2))
            else:
                pads = [(0, 0)] * n
        else:
            pads = [(p, p) for p in padding]
        self._reversed_padding_repeated_twice = [v for pair in reversed(pads) for v in pair]
        if transposed:
            shape = (in_channels, out_channels // groups) + kernel_size
        else:
            shape = (out_channels, in_channels // groups) + kernel_size
        self.weight = _param(shape, dtype)
        if bias:
            self.bias = _param((out_channels,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the parameters: weight by ``kaiming_uniform_(a=sqrt(5))`` (that is,
        U(-1/sqrt(fan_in), 1/sqrt(fan_in))), bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        n = self._nd
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        conv = F.conv2d if self._nd == 2 else F.conv1d
        if self.padding_mode != "zeros":
            # Pad explicitly with the requested mode, then convolve without padding.
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, self.weight, self.bias)


class Conv2d(_ConvNd):
    """2-d convolution over an input of several planes
    (see :func:`~chainrule.nn.functional.conv2d`).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: an int or ``(kH, kW)``.
        stride: step between windows (default 1).
        padding: an int, a pair, ``"valid"`` or ``"same"`` (default 0).
        dilation: spacing between kernel elements (default 1).
        groups: blocked connections from input to output channels (default 1).
        bias: learn an additive bias (default True).
        padding_mode: ``"zeros"`` (default), ``"reflect"``, ``"replicate"`` or
            ``"circular"``.

    Shape:
        input ``(N, C_in, H, W)`` or ``(C_in, H, W)``; output ``(N, C_out, H_out, W_out)``
        with ``H_out = floor((H + 2 pH - dH (kH - 1) - 1) / sH) + 1``.

    Attributes:
        weight: ``(out_channels, in_channels / groups, kH, kW)``.
        bias: ``(out_channels,)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.Conv2d(1, 32, 3)
        >>> m
        Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))
        >>> m(cr.randn(8, 1, 28, 28)).shape
        chainrule.Size([8, 32, 26, 26])
    """

    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)


class Conv1d(_ConvNd):
    """1-d convolution (see :func:`~chainrule.nn.functional.conv1d`).

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
        padding_mode: as :class:`Conv2d`, with one spatial dimension.

    Shape:
        input ``(N, C_in, L)`` or ``(C_in, L)``; output ``(N, C_out, L_out)``.

    Attributes:
        weight: ``(out_channels, in_channels / groups, k)``.
        bias: ``(out_channels,)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.Conv1d(4, 6, 3, padding=1)
        >>> m(cr.randn(2, 4, 10)).shape
        chainrule.Size([2, 6, 10])
    """

    _nd = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)


class _ConvTransposeNd(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding,
                 output_padding, groups, bias, dilation, padding_mode, device, dtype):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{type(self).__name__}")
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         True, output_padding, groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        """The ``output_padding`` that makes the output ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        n = self._nd
        # The spatial sizes alone, or the whole output shape: (N, C_out, *spatial) for a
        # batched input, (C_out, *spatial) for an unbatched one (PyTorch's rule).
        lead = 2 if input.ndim == n + 2 else 1
        output_size = list(output_size)
        if len(output_size) == lead + n:
            output_size = output_size[lead:]
        if len(output_size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or "
                f"{lead + n} elements (got {len(output_size)})")
        pads = []
        for i in range(n):
            size = input.shape[input.ndim - n + i]
            lo = ((size - 1) * self.stride[i] - 2 * self.padding[i]
                  + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            hi = lo + self.stride[i] - 1
            if not lo <= output_size[i] <= hi:
                raise ValueError(
                    f"requested an output size of {output_size}, but valid sizes range from "
                    f"{lo} to {hi} (for an input of {list(input.shape[-n:])})")
            pads.append(output_size[i] - lo)
        return tuple(pads)

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        conv_t = F.conv_transpose2d if self._nd == 2 else F.conv_transpose1d
        return conv_t(input, self.weight, self.bias, self.stride, self.padding,
                      self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution (see :func:`~chainrule.nn.functional.conv_transpose2d`):
    the gradient of :class:`Conv2d` with respect to its input, used to upsample.

    Args:
        in_channels, out_channels: channels of the input and the output.
        kernel_size: an int or ``(kH, kW)``.
        stride: upsampling step (default 1).
        padding: ``dilation * (k - 1) - padding`` zeros padded around the input (default 0).
        output_padding: extra size on one side of the output (default 0).
        groups, bias, dilation: as :class:`Conv2d`.
        padding_mode: only ``"zeros"``.

    Shape:
        input ``(N, C_in, H, W)`` or ``(C_in, H, W)``; output ``(N, C_out, H_out, W_out)``
        with ``H_out = (H - 1) sH - 2 pH + dH (kH - 1) + output_padding + 1``. ``forward``
        also takes ``output_size`` to choose the output padding.

    Attributes:
        weight: ``(in_channels, out_channels / groups, kH, kW)``.
        bias: ``(out_channels,)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1)
        >>> x = cr.randn(1, 16, 12, 12)
        >>> m(x).shape
        chainrule.Size([1, 8, 23, 23])
        >>> m(x, output_size=[24, 24]).shape
        chainrule.Size([1, 8, 24, 24])
    """

    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding,
                         output_padding, groups, bias, dilation, padding_mode, device, dtype)


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution (see :func:`~chainrule.nn.functional.conv_transpose1d`).

    Args:
        in_channels, out_channels, kernel_size, stride, padding, output_padding, groups,
        bias, dilation, padding_mode: as :class:`ConvTranspose2d`, with one spatial
        dimension.

    Shape:
        input ``(N, C_in, L)`` or ``(C_in, L)``; output ``(N, C_out, L_out)``.

    Attributes:
        weight: ``(in_channels, out_channels / groups, k)``.
        bias: ``(out_channels,)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.ConvTranspose1d(4, 2, 3, stride=2)
        >>> m(cr.randn(1, 4, 5)).shape
        chainrule.Size([1, 2, 11])
    """

    _nd = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding,
                         output_padding, groups, bias, dilation, padding_mode, device, dtype)
