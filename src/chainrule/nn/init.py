"""Weight initialization: fill a tensor in place from a distribution (PyTorch's ``nn.init``).

Every function writes into ``tensor``'s array directly (no graph is recorded, whatever the
grad mode), bumps its version counter and returns it. Random draws come from
``chainrule.random.rng(generator)``, the default generator unless one is given, so
``chainrule.manual_seed`` makes initialization repeatable (the streams differ from PyTorch's).

Example:
    >>> import chainrule as cr
    >>> from chainrule import nn
    >>> w = cr.empty(64, 32)
    >>> _ = nn.init.kaiming_uniform_(w, a=5 ** 0.5)
    >>> bound = nn.init.calculate_gain("leaky_relu", 5 ** 0.5) * (3 / 32) ** 0.5
    >>> bool(w.abs().max() <= bound)
    True
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from chainrule.ops._erf import erf
from chainrule.random import rng
from chainrule.tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_"]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d")


def _check(tensor, fn: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init.{fn}: expected a chainrule Tensor, got {type(tensor).__name__}")


def _write(tensor: Tensor, values) -> Tensor:
    """Store ``values`` (broadcast, cast to the tensor's dtype) into ``tensor`` in place."""
    data = tensor._data
    if data.flags.writeable:
        np.copyto(data, values, casting="unsafe")
    else:  # e.g. an expanded view: give the tensor its own array
        tensor._data = np.array(np.broadcast_to(values, data.shape), dtype=data.dtype)
    tensor._version += 1
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain (scale of the weights' standard deviation) for a nonlinearity.

    - ``linear``, ``conv*``, ``conv_transpose*``, ``sigmoid``: 1
    - ``tanh``: 5/3
    - ``relu``: sqrt(2)
    - ``leaky_relu``: sqrt(2 / (1 + negative_slope^2))
    - ``selu``: 3/4

    Args:
        nonlinearity: the function's name as in ``chainrule.nn.functional``.
        param: the negative slope of ``leaky_relu`` (default 0.01).

    Example:
        >>> from chainrule import nn
        >>> round(nn.init.calculate_gain("tanh"), 4)
        1.6667
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        # Chosen (not derived) so that SELU networks keep a unit variance in practice.
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shaped ``(out, in, *kernel)``: in/out times the
    number of kernel positions."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    shape = tensor.shape
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill ``tensor`` with values drawn uniformly from ``[a, b)``.

    Args:
        tensor: the tensor to fill.
        a: lower bound.
        b: upper bound.
        generator: a :class:`chainrule.Generator` to draw from.
    """
    _check(tensor, "uniform_")
    return _write(tensor, rng(generator).uniform(a, b, tensor._data.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill ``tensor`` with values drawn from the normal distribution N(mean, std^2).

    Args:
        tensor: the tensor to fill.
        mean: the mean.
        std: the standard deviation.
        generator: a :class:`chainrule.Generator` to draw from.
    """
    _check(tensor, "normal_")
    return _write(tensor, rng(generator).normal(mean, std, tensor._data.shape))


def _std_normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _erfinv(y: np.ndarray) -> np.ndarray:
    # Winitzki's closed form (relative error ~2e-3) polished by Newton steps on erf(x) = y,
    # whose derivative is 2/sqrt(pi) exp(-x^2); each step squares the error.
    y = np.clip(y, -1 + 1e-15, 1 - 1e-15)
    a = 0.147
    ln = np.log1p(-y * y)
    t = 2 / (np.pi * a) + ln / 2
    x = np.sign(y) * np.sqrt(np.sqrt(t * t - ln / a) - t)
    for _ in range(3):
        x = x - (erf(x) - y) / (2 / np.sqrt(np.pi) * np.exp(-x * x))
    return x


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """Fill ``tensor`` from N(mean, std^2) truncated to ``[a, b]``: values outside the
    interval are redrawn, so the density inside keeps the normal shape.

    ``a`` and ``b`` are absolute bounds (not in units of ``std``).

    Args:
        tensor: the tensor to fill.
        mean: mean of the normal distribution before truncation.
        std: its standard deviation.
        a: lower bound.
        b: upper bound.
        generator: a :class:`chainrule.Generator` to draw from.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> w = nn.init.trunc_normal_(cr.empty(1000), std=0.02, a=-0.04, b=0.04)
        >>> bool(w.abs().max() <= 0.04)
        True
    """
    _check(tensor, "trunc_normal_")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    g = rng(generator)
    n = tensor._data.size
    lo, hi = (a - mean) / std, (b - mean) / std
    mass = _std_normal_cdf(hi) - _std_normal_cdf(lo)
    if mass > 0.05:
        # Rejection sampling: exact, and with at least 5% acceptance it takes a few rounds.
        z = np.empty(n)
        filled = 0
        while filled < n:
            need = n - filled
            draw = g.standard_normal(int(need / mass * 1.2) + 16)
            keep = draw[(draw >= lo) & (draw <= hi)][:need]
            z[filled:filled + keep.size] = keep
            filled += keep.size
    else:
        # A narrow window far in the tail: invert the CDF, u ~ U(cdf(lo), cdf(hi)).
        u = g.uniform(_std_normal_cdf(lo), _std_normal_cdf(hi), n)
        z = math.sqrt(2.0) * _erfinv(2 * u - 1)
    values = np.clip(mean + std * z, a, b).reshape(tensor._data.shape)
    return _write(tensor, values)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with the value ``val``."""
    _check(tensor, "constant_")
    return _write(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones."""
    return constant_(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros."""
    return constant_(tensor, 0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill the 2-D ``tensor`` with the identity matrix (ones on the main diagonal), which
    preserves the inputs of a Linear layer."""
    _check(tensor, "eye_")
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor._data.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill the 3-, 4- or 5-D ``tensor`` with the Dirac delta: a convolution with it copies
    each input channel to the output channel of the same index (per group).

    Args:
        tensor: a convolution weight ``(out_channels, in_channels / groups, *kernel)``.
        groups: number of groups of the convolution.
    """
    _check(tensor, "dirac_")
    shape = tensor._data.shape
    if len(shape) not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = shape[0] // groups
    values = np.zeros(shape)
    centre = tuple(k // 2 for k in shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, shape[1])):
            values[(g * out_per_group + d, d, *centre)] = 1
    return _write(tensor, values)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot/Xavier uniform initialization: U(-a, a) with
    ``a = gain * sqrt(6 / (fan_in + fan_out))``, which keeps activation and gradient
    variances about equal through layers.

    Args:
        tensor: a weight of at least 2 dimensions.
        gain: scale factor (see :func:`calculate_gain`).
        generator: a :class:`chainrule.Generator` to draw from.
    """
    _check(tensor, "xavier_uniform_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # U(-b, b) has standard deviation b / sqrt(3)
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot/Xavier normal initialization: N(0, std^2) with
    ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Args:
        tensor: a weight of at least 2 dimensions.
        gain: scale factor (see :func:`calculate_gain`).
        generator: a :class:`chainrule.Generator` to draw from.
    """
    _check(tensor, "xavier_normal_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor, a, mode, nonlinearity) -> float | None:
    if 0 in tensor._data.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He/Kaiming uniform initialization: U(-bound, bound) with
    ``bound = gain * sqrt(3 / fan)``, which keeps the variance of activations (``fan_in``)
    or of gradients (``fan_out``) constant through rectifier layers.

    Args:
        tensor: a weight of at least 2 dimensions.
        a: negative slope of the rectifier after this layer (for ``leaky_relu``).
        mode: ``"fan_in"`` (default) or ``"fan_out"``.
        nonlinearity: ``"leaky_relu"`` (default) or ``"relu"``; see :func:`calculate_gain`.
        generator: a :class:`chainrule.Generator` to draw from.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> w = nn.init.kaiming_uniform_(cr.empty(3, 5), mode="fan_in", nonlinearity="relu")
        >>> bool(w.abs().max() <= (6 / 5) ** 0.5)
        True
    """
    _check(tensor, "kaiming_uniform_")
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He/Kaiming normal initialization: N(0, std^2) with ``std = gain / sqrt(fan)``.

    Args:
        tensor: a weight of at least 2 dimensions.
        a: negative slope of the rectifier after this layer (for ``leaky_relu``).
        mode: ``"fan_in"`` (default) or ``"fan_out"``.
        nonlinearity: ``"leaky_relu"`` (default) or ``"relu"``; see :func:`calculate_gain`.
        generator: a :class:`chainrule.Generator` to draw from.
    """
    _check(tensor, "kaiming_normal_")
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Fill ``tensor`` with a (semi-)orthogonal matrix times ``gain``.

    The tensor is seen as a matrix ``(shape[0], numel / shape[0])``; its rows (or columns,
    whichever are fewer) come out orthonormal. The matrix is the Q factor of a Gaussian
    matrix with the signs fixed so that R has a positive diagonal, which makes Q uniformly
    distributed over orthogonal matrices.

    Args:
        tensor: a tensor of at least 2 dimensions.
        gain: scale factor.
        generator: a :class:`chainrule.Generator` to draw from.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> q = nn.init.orthogonal_(cr.empty(4, 4))
        >>> bool(cr.allclose(q @ q.T, cr.eye(4), atol=1e-5))
        True
    """
    _check(tensor, "orthogonal_")
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    # Sign fix (a zero on R's diagonal, probability 0, counts as positive).
    signs = np.where(np.diag(r) < 0, -1.0, 1.0)
    q = q * signs
    if rows < cols:
        q = q.T
    return _write(tensor, (gain * q).reshape(tensor._data.shape))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """Fill the 2-D ``tensor`` from N(0, std^2), then zero a fraction ``sparsity`` of the
    entries of every column (rounded up), at random rows.

    Args:
        tensor: a 2-D tensor.
        sparsity: fraction of each column set to zero.
        std: standard deviation of the nonzero values.
        generator: a :class:`chainrule.Generator` to draw from.
    """
    _check(tensor, "sparse_")
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    n_zeros = int(math.ceil(sparsity * rows))
    g = rng(generator)
    values = g.normal(0.0, std, (rows, cols))
    for c in range(cols):
        values[g.permutation(rows)[:n_zeros], c] = 0
    return _write(tensor, values)
