"""Normalization layers: ``BatchNorm1d/2d``, ``InstanceNorm1d/2d``, ``LayerNorm``, ``GroupNorm``,
``LocalResponseNorm``, ``RMSNorm``.

Parameters and buffers have PyTorch's names, shapes, dtypes and state_dict keys: ``weight``
(ones), ``bias`` (zeros), and for batch norm the buffers ``running_mean`` (zeros),
``running_var`` (ones) and ``num_batches_tracked`` (an int64 scalar).
"""

from __future__ import annotations

import numpy as np

from chainrule import _dtype
from chainrule.nn import functional as F
from chainrule.nn import init
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter
from chainrule.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d", "InstanceNorm1d", "InstanceNorm2d", "LayerNorm",
           "GroupNorm", "LocalResponseNorm", "RMSNorm"]


def _np_dtype(dtype):
    return _dtype.as_dtype(dtype).np if dtype is not None else _dtype.get_default_dtype().np


def _param(shape, dtype) -> Parameter:
    return Parameter(Tensor._wrap(np.empty(shape, dtype=_np_dtype(dtype))))


def _register_affine(module: Module, shape: tuple, affine: bool, bias: bool, dtype) -> None:
    """Give ``module`` a ``weight`` and, if ``bias``, a ``bias`` parameter of ``shape`` when
    ``affine`` (left uninitialised: see :func:`_init_affine`); the others are ``None``."""
    if affine:
        module.weight = _param(shape, dtype)
        if bias:
            module.bias = _param(shape, dtype)
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _init_affine(module: Module) -> None:
    """Weight to 1, bias (if any) to 0."""
    init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _NormBase(Module):
    """Parameters, buffers and their (re)initialisation, shared by batch and instance norm."""

    _version = 2  # state_dicts of version < 2 lack num_batches_tracked

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _register_affine(self, (num_features,), affine, bias, dtype)
        if track_running_stats:
            dt = _np_dtype(dtype)
            self.register_buffer("running_mean", Tensor._wrap(np.zeros(num_features, dt)))
            self.register_buffer("running_var", Tensor._wrap(np.ones(num_features, dt)))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean to 0, running variance to 1, batch count to 0."""
        if self.track_running_stats:
            for name, value in (("running_mean", 0), ("running_var", 1),
                                ("num_batches_tracked", 0)):
                t = getattr(self, name)
                t._data[...] = value
                t._version += 1

    def reset_parameters(self) -> None:
        """Reset the running statistics; weight to 1 and bias to 0."""
        self.reset_running_stats()
        if self.affine:
            _init_affine(self)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs) -> None:
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            # Checkpoints from before num_batches_tracked existed: start the count at 0.
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = (self.num_batches_tracked
                                   if self.num_batches_tracked is not None
                                   else Tensor._wrap(np.array(0, np.int64)))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys, error_msgs)


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            nbt = self.num_batches_tracked
            nbt._data += 1
            nbt._version += 1
            # momentum=None: a cumulative moving average, each batch weighted 1/count.
            factor = 1.0 / float(nbt._data) if self.momentum is None else self.momentum
        # Batch statistics when training, or in eval mode when there are no running ones.
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalization over a 2-d or 3-d input (see
    :func:`~chainrule.nn.functional.batch_norm`).

    In training mode each channel is normalized with the batch mean and (biased) variance and
    the running statistics are updated with the unbiased variance; in eval mode the running
    statistics are used.

    Args:
        num_features: ``C``, the channel count.
        eps: added to the variance for stability (default 1e-5).
        momentum: weight of a new batch in the running averages (default 0.1); ``None``
            gives a cumulative (equal-weight) average.
        affine: learn a per-channel ``weight`` and ``bias`` (default True).
        track_running_stats: keep running statistics (default True); otherwise batch
            statistics are used in eval mode too.
        bias: (keyword) with ``affine``, learn the bias too (default True).

    Shape:
        input and output ``(N, C)`` or ``(N, C, L)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.BatchNorm1d(4)
        >>> m
        BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
        >>> m(cr.randn(8, 4)).shape
        chainrule.Size([8, 4])
        >>> int(m.num_batches_tracked)
        1
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalization over a 4-d input ``(N, C, H, W)``; see :class:`BatchNorm1d`.

    Args:
        num_features, eps, momentum, affine, track_running_stats, bias: as
            :class:`BatchNorm1d`.

    Shape:
        input and output ``(N, C, H, W)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.BatchNorm2d(3).eval()
        >>> m(cr.ones(2, 3, 4, 4)).shape
        chainrule.Size([2, 3, 4, 4])
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class _InstanceNorm(_NormBase):
    _spatial = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        nd = self._spatial
        if input.dim() not in (nd + 1, nd + 2):
            raise ValueError(f"expected {nd + 1}D or {nd + 2}D input (got {input.dim()}D input)")
        unbatched = input.dim() == nd + 1
        x = input.unsqueeze(0) if unbatched else input
        if x.shape[1] != self.num_features and self.affine:
            raise ValueError(f"expected input's size at dim=1 to match num_features "
                             f"({self.num_features}), but got: {x.shape[1]}.")
        use_stats = self.training or not self.track_running_stats
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              use_stats, 0.0 if self.momentum is None else self.momentum,
                              self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of each channel of each sample over its ``(H, W)`` positions
    (see :func:`~chainrule.nn.functional.instance_norm`).

    Args:
        num_features: ``C``.
        eps: added to the variance (default 1e-5).
        momentum: running-average weight (default 0.1).
        affine: learn per-channel ``weight``/``bias`` (default False).
        track_running_stats: keep running statistics for eval mode (default False).
        bias: (keyword) with ``affine``, learn the bias too (default True).

    Shape:
        input and output ``(N, C, H, W)`` or ``(C, H, W)``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.InstanceNorm2d(3)(cr.randn(2, 3, 4, 4)).shape
        chainrule.Size([2, 3, 4, 4])
    """

    _spatial = 2


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization over ``L`` for ``(N, C, L)`` or ``(C, L)`` inputs; see
    :class:`InstanceNorm2d`.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.InstanceNorm1d(3)(cr.randn(2, 3, 5)).shape
        chainrule.Size([2, 3, 5])
    """

    _spatial = 1


class LayerNorm(Module):
    """Layer normalization over the trailing ``normalized_shape`` axes
    (see :func:`~chainrule.nn.functional.layer_norm`).

    Args:
        normalized_shape: the trailing shape to normalize over (an int for one axis).
        eps: added to the variance (default 1e-5).
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of that shape.
        bias: learn the bias (when ``elementwise_affine``; default True).

    Shape:
        input and output ``(*, *normalized_shape)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.LayerNorm(10)
        >>> m
        LayerNorm((10,), eps=1e-05, elementwise_affine=True, bias=True)
        >>> m(cr.randn(20, 5, 10)).shape
        chainrule.Size([20, 5, 10])
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (int(normalized_shape),)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _register_affine(self, self.normalized_shape, elementwise_affine, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight to 1, bias to 0."""
        if self.elementwise_affine:
            _init_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalization (see :func:`~chainrule.nn.functional.group_norm`).

    Args:
        num_groups: groups the channels are split into.
        num_channels: ``C``, divisible by ``num_groups``.
        eps: added to the variance (default 1e-5).
        affine: learn per-channel ``weight`` (ones) and ``bias`` (zeros).
        bias: (keyword) with ``affine``, learn the bias too (default True).

    Shape:
        input and output ``(N, C, *)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.GroupNorm(3, 6)
        >>> m
        GroupNorm(3, 6, eps=1e-05, affine=True, bias=True)
        >>> m(cr.randn(20, 6, 10, 10)).shape
        chainrule.Size([20, 6, 10, 10])
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _register_affine(self, (num_channels,), affine, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight to 1, bias to 0."""
        if self.affine:
            _init_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """Local response normalization across channels
    (see :func:`~chainrule.nn.functional.local_response_norm`).

    Args:
        size: neighbouring channels summed.
        alpha, beta, k: constants (defaults 1e-4, 0.75, 1.0).

    Shape:
        input and output ``(N, C, *)``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.LocalResponseNorm(2)(cr.randn(32, 5, 24, 24)).shape
        chainrule.Size([32, 5, 24, 24])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class RMSNorm(Module):
    """Root-mean-square normalization over the trailing ``normalized_shape`` axes
    (see :func:`~chainrule.nn.functional.rms_norm`): ``y = x / sqrt(mean(x^2) + eps) * weight``.

    Args:
        normalized_shape: the trailing shape to normalize over (an int for one axis).
        eps: added to the mean square (default None: the machine epsilon of the input's
            dtype).
        elementwise_affine: learn ``weight`` (ones) of that shape.

    Shape:
        input and output ``(*, *normalized_shape)``.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.RMSNorm([2, 3])
        >>> m
        RMSNorm((2, 3), eps=None, elementwise_affine=True)
        >>> m(cr.randn(4, 2, 3)).shape
        chainrule.Size([4, 2, 3])
    """

    def __init__(self, normalized_shape, eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (int(normalized_shape),)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = _param(self.normalized_shape, dtype)
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight to 1."""
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
