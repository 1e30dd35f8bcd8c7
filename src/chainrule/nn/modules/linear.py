"""Affine layers: ``Identity``, ``Linear`` and ``Bilinear``.

Parameter names, shapes and initialisation are PyTorch's, so checkpoints carry over:
``weight`` ``(out_features, in_features)`` from ``kaiming_uniform_(a=sqrt(5))`` (which is
U(-1/sqrt(in), 1/sqrt(in))) and ``bias`` from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""

from __future__ import annotations

import math

import numpy as np

from chainrule import _dtype
from chainrule.nn import init
from chainrule.nn.functional.linear import bilinear, linear
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter
from chainrule.tensor import Tensor

__all__ = ["Identity", "Linear", "Bilinear"]


def _empty_param(shape, dtype) -> Parameter:
    dt = _dtype.as_dtype(dtype).np if dtype is not None else _dtype.get_default_dtype().np
    return Parameter(Tensor._wrap(np.empty(shape, dtype=dt)))


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.Identity(54, unused="x")(cr.tensor([1.0]))
        tensor([1.])
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x W^T + b``.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: whether to learn an additive bias.
        device: accepted for compatibility (CPU only).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape:
        input ``(*, in_features)``, output ``(*, out_features)``.

    Attributes:
        weight: ``(out_features, in_features)``.
        bias: ``(out_features,)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.Linear(20, 30)
        >>> m(cr.randn(128, 20)).shape
        chainrule.Size([128, 30])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = _empty_param((out_features, in_features), dtype)
        if bias:
            self.bias = _empty_param((out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the parameters: weight by ``kaiming_uniform_(a=sqrt(5))``, bias from
        U(-1/sqrt(in_features), 1/sqrt(in_features))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class NonDynamicallyQuantizableLinear(Linear):
    """A :class:`Linear` under PyTorch's name for ``MultiheadAttention.out_proj``, so that
    attention and transformer modules print exactly as in PyTorch. It behaves as ``Linear``.
    """


class Bilinear(Module):
    """``y = x1^T A x2 + b`` with a learned ``(out, in1, in2)`` tensor ``A``.

    Args:
        in1_features, in2_features: sizes of the two inputs.
        out_features: size of the output.
        bias: whether to learn an additive bias.

    Shape:
        inputs ``(*, in1_features)`` and ``(*, in2_features)``, output ``(*, out_features)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.Bilinear(20, 30, 40)
        >>> m(cr.randn(128, 20), cr.randn(128, 30)).shape
        chainrule.Size([128, 40])
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = _empty_param((out_features, in1_features, in2_features), dtype)
        if bias:
            self.bias = _empty_param((out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight and bias from U(-1/sqrt(in1_features), 1/sqrt(in1_features))."""
        bound = 1 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] else 0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
