"""Affine maps: ``linear`` (one fused primitive, the hot path of every MLP) and ``bilinear``."""

from __future__ import annotations

import numpy as np

from chainrule import ops
from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.tensor import Tensor

__all__ = ["linear", "bilinear"]


# fmt: off
@primitive
def _linear(x, w, *b):
    if w.ndim == 1:
        out = np.matmul(x, w)
    elif x.ndim > 2:
        # One (rows x in) @ (in x out) GEMM instead of a loop of small batched products.
        out = np.matmul(x.reshape(-1, x.shape[-1]), w.T).reshape(x.shape[:-1] + (w.shape[0],))
    else:
        out = np.matmul(x, w.T)
    if b:
        bias = b[0]
        if isinstance(out, np.ndarray) and bias.ndim <= 1 and out.ndim >= 1:
            out += bias                                  # in place: no second output array
        else:
            out = out + bias
    return out

def _linear_rule(i, g, out, x, w, *b):
    # y = x W^T + b, x (..., in), W (out, in), g (..., out):
    #   dL/dx = g W;  dL/dW = g^T x summed over the leading dimensions;  dL/db = g (the
    #   engine sums it back to b's shape). A 1-D W (out feature dimension absent) is the
    #   vector case y = x . w.
    if i == 0:
        if w.ndim == 1:
            return R.reshape(g, g.shape + (1,)) * w
        return R.matmul(g, w)
    if i == 1:
        if w.ndim == 1:
            return R.matmul(R.reshape(g, (1, -1)), R.reshape(x, (-1, x.shape[-1])))\
                .reshape(w.shape)
        g2 = R.reshape(g, (-1, w.shape[0]))
        return R.matmul(R.swap_last(g2), R.reshape(x, (-1, x.shape[-1])))
    return g
_linear.defvjp_argnum(_linear_rule)
# fmt: on


def _dtype_name(t: Tensor) -> str:
    return t.dtype.name if hasattr(t.dtype, "name") else str(t.dtype)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, as one op.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)`` (or ``(in_features,)``).
        bias: ``(out_features,)`` or None.

    Shape:
        output ``(*, out_features)``.

    Example:
        >>> import chainrule as cr
        >>> x = cr.tensor([[1.0, 2.0]])
        >>> w = cr.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, -1.0]])
        >>> cr.nn.functional.linear(x, w, cr.tensor([0.0, 0.5, 1.0]))
        tensor([[ 1.0000,  3.5000, -1.0000]])
    """
    xd, wd = input._data, weight._data
    if xd.ndim == 0 or wd.ndim == 0 or wd.ndim > 2:
        raise RuntimeError(f"linear(): expected input of at least 1 dimension and a 1-D or 2-D "
                           f"weight, got input {list(xd.shape)} and weight {list(wd.shape)}")
    if xd.shape[-1] != wd.shape[-1]:
        rows = int(np.prod(xd.shape[:-1])) if xd.ndim > 1 else 1
        wt = (wd.shape[1], wd.shape[0]) if wd.ndim == 2 else (wd.shape[0], 1)
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{xd.shape[-1]} "
                           f"and {wt[0]}x{wt[1]})")
    if xd.dtype != wd.dtype:
        raise RuntimeError(f"linear(): expected input and weight to have the same dtype, but "
                           f"got input {_dtype_name(input)} and weight {_dtype_name(weight)}")
    if bias is None:
        return _linear(input, weight)
    bd = bias._data
    if bd.dtype != xd.dtype:
        raise RuntimeError(f"linear(): expected bias to have the input's dtype "
                           f"{_dtype_name(input)}, got {_dtype_name(bias)}")
    out_features = wd.shape[0] if wd.ndim == 2 else None
    if out_features is not None and bd.ndim and bd.shape[-1] not in (1, out_features):
        raise RuntimeError(f"linear(): bias of shape {list(bd.shape)} does not match "
                           f"out_features={out_features}")
    return _linear(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y[..., k] = sum_ij x1[..., i] W[k, i, j] x2[..., j] + b[k]``.

    Args:
        input1: ``(*, in1_features)``.
        input2: ``(*, in2_features)`` (same leading dimensions).
        weight: ``(out_features, in1_features, in2_features)``.
        bias: ``(out_features,)`` or None.

    Example:
        >>> import chainrule as cr
        >>> w = cr.ones(1, 2, 2)
        >>> cr.nn.functional.bilinear(cr.tensor([[1.0, 2.0]]), cr.tensor([[3.0, 4.0]]), w)
        tensor([[21.]])
    """
    s1, s2, sw = input1._data.shape, input2._data.shape, weight._data.shape
    if len(sw) != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D, got shape {list(sw)}")
    if len(s1) != len(s2) or s1[:-1] != s2[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{list(s1)} and {list(s2)}")
    o, i1, i2 = sw
    if s1[-1] != i1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{s1[-1]} but expected {i1}")
    if s2[-1] != i2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{s2[-1]} but expected {i2}")
    lead = s1[:-1]
    x1 = ops.reshape(input1, (-1, i1))
    x2 = ops.reshape(input2, (-1, i2))
    # (n, i1) @ (i1, o * i2) gives x1 W_k for every k at once; then a dot with x2 per k.
    t = ops.matmul(x1, ops.reshape(ops.permute(weight, (1, 0, 2)), (i1, o * i2)))
    y = ops.sum(ops.reshape(t, (-1, o, i2)) * ops.unsqueeze(x2, 1), -1)
    if bias is not None:
        y = y + bias
    return ops.reshape(y, lead + (o,))
