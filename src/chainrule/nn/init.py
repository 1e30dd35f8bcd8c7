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

from chainrule.ops.indexing import _type_name
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


def _check_floating(tensor: Tensor, fn: str) -> None:
    """Random fills exist for floating point tensors only (PyTorch has no integer kernel)."""
    dtype = tensor._data.dtype
    if dtype.kind != "f":
        raise NotImplementedError(f"init.{fn}: random fill not implemented for "
                                  f"'{_type_name(dtype)}': expected a floating point tensor")


def _check_finite(fn: str, **values) -> None:
    for name, v in values.items():
        if not math.isfinite(v):
            raise RuntimeError(f"init.{fn}: {name} is out of bounds for float: got {v}, "
                               f"expected a finite value")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill ``tensor`` with values drawn uniformly from ``[a, b)``.

    Args:
        tensor: the tensor to fill (floating point).
        a: lower bound.
        b: upper bound (at least ``a``).
        generator: a :class:`chainrule.Generator` to draw from.
    """
    _check(tensor, "uniform_")
    _check_floating(tensor, "uniform_")
    _check_finite("uniform_", **{"from": a, "to": b})
    if a > b:
        raise RuntimeError(f"init.uniform_: uniform_ expects to return a [from, to) range, but "
                           f"found from={a} > to={b}")
    return _write(tensor, rng(generator).uniform(a, b, tensor._data.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill ``tensor`` with values drawn from the normal distribution N(mean, std^2).

    Args:
        tensor: the tensor to fill (floating point).
        mean: the mean.
        std: the standard deviation (``>= 0``).
        generator: a :class:`chainrule.Generator` to draw from.
    """
    _check(tensor, "normal_")
    _check_floating(tensor, "normal_")
    if not std >= 0:  # (NaN included)
        raise RuntimeError(f"init.normal_: normal expects std >= 0.0, but found std {std}")
    return _write(tensor, rng(generator).normal(mean, std, tensor._data.shape))


_SQRT_2PI = math.sqrt(2.0 * math.pi)
_LN2 = math.log(2.0)


def _std_trunc_normal(g: np.random.Generator, n: int, lo: float, hi: float) -> np.ndarray:
    """``n`` draws of a standard normal conditioned on ``[lo, hi]`` (``lo < hi``, either may
    be infinite), exact for any window.

    Rejection sampling with a proposal chosen for the window (Robert 1995, "Simulation of
    truncated normal variables"), each accepting at least about half of its draws, so the
    loop below takes a few vectorized rounds wherever the window lies, far tails included
    (where the CDF, and so inverse-CDF sampling, loses all precision).
    """
    if hi <= 0:
        # The density is symmetric: mirror a window left of 0 to the right.
        return -_std_trunc_normal(g, n, -hi, -lo)

    if lo < 0 and hi - lo >= _SQRT_2PI:
        # Wide window around 0: the normal itself (acceptance >= Phi(hi) - Phi(lo) > 0.49).
        def propose(m):
            z = g.standard_normal(m)
            return z, (z >= lo) & (z <= hi)
    elif lo < 0 or (hi - lo) * (hi + lo) <= 2 * _LN2:
        # Narrow window: uniform on it, accepted with the density over its maximum on the
        # window (exp(-z^2/2) around 0, exp((lo^2 - z^2)/2) right of 0; >= 1/2 here).
        top = 0.0 if lo < 0 else lo * lo

        def propose(m):
            z = lo + (hi - lo) * g.random(m)
            return z, g.random(m) < np.exp((top - z * z) / 2)
    else:
        # Tail window: the exponential of rate alpha shifted to lo, truncated to [lo, hi]
        # (inverse CDF). f / g_prop is proportional to exp(alpha z - z^2 / 2), largest at
        # z = alpha, so z is accepted with exp(-(z - alpha)^2 / 2); the rate
        # alpha = (lo + sqrt(lo^2 + 4)) / 2 maximizes the acceptance (0.76 at lo = 0, -> 1
        # far out). hypot keeps alpha finite for any finite lo.
        alpha = (lo + math.hypot(lo, 2.0)) / 2
        span = -math.expm1(-alpha * (hi - lo))  # mass of [lo, hi] under the exponential

        def propose(m):
            z = lo - np.log1p(-span * g.random(m)) / alpha
            return z, g.random(m) < np.exp(-((z - alpha) ** 2) / 2)

    out = np.empty(n)
    filled = 0
    while filled < n:
        need = n - filled
        z, ok = propose(2 * need + 16)
        keep = z[ok][:need]
        out[filled:filled + keep.size] = keep
        filled += keep.size
    # Rounding (lo - log1p(..) / alpha, lo + (hi - lo) u) may land an ulp outside.
    return np.clip(out, lo, hi)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """Fill ``tensor`` from N(mean, std^2) truncated to ``[a, b]``: the density inside keeps
    the normal shape, wherever the window lies (far in a tail, or away from ``mean``).

    ``a`` and ``b`` are absolute bounds (not in units of ``std``) and may be infinite.

    Args:
        tensor: the tensor to fill (floating point).
        mean: mean of the normal distribution before truncation.
        std: its standard deviation.
        a: lower bound.
        b: upper bound (at least ``a``).
        generator: a :class:`chainrule.Generator` to draw from.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> w = nn.init.trunc_normal_(cr.empty(1000), std=0.02, a=-0.04, b=0.04)
        >>> bool(w.abs().max() <= 0.04)
        True
    """
    _check(tensor, "trunc_normal_")
    _check_floating(tensor, "trunc_normal_")
    _check_finite("trunc_normal_", mean=mean, std=std)
    if math.isnan(a) or math.isnan(b) or a > b:
        raise RuntimeError(f"init.trunc_normal_: expected bounds a <= b, got a={a}, b={b}")
    if std == 0:
        raise ZeroDivisionError("init.trunc_normal_: std must be nonzero, got 0")
    if mean < a - 2 * std or mean > b + 2 * std:
        # PyTorch's warning (its sampler degrades there); kept so that code filtering it
        # behaves the same, although the draws below stay exact.
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    n = tensor._data.size
    if a == b:
        return _write(tensor, a)
    # N(mean, std^2) is N(mean, |std|^2): a negative std draws the same distribution.
    scale = abs(std)
    z = _std_trunc_normal(rng(generator), n, (a - mean) / scale, (b - mean) / scale)
    values = np.clip(mean + scale * z, a, b).reshape(tensor._data.shape)
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
    _check_floating(tensor, "orthogonal_")
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
    _check_floating(tensor, "sparse_")
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    n_zeros = int(math.ceil(sparsity * rows))
    g = rng(generator)
    values = g.normal(0.0, std, (rows, cols))
    for c in range(cols):
        values[g.permutation(rows)[:n_zeros], c] = 0
    return _write(tensor, values)
