"""Resampling layers: ``Upsample`` (and its fixed-mode ``UpsamplingNearest2d`` /
``UpsamplingBilinear2d``), ``PixelShuffle``, ``PixelUnshuffle`` and ``ChannelShuffle``.

Parameter-free wrappers of :mod:`chainrule.nn.functional.sampling`, with PyTorch's attributes
and printed forms.
"""

from __future__ import annotations

from chainrule.nn import functional as F
from chainrule.nn.modules.module import Module
from chainrule.tensor import Tensor

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle",
           "PixelUnshuffle", "ChannelShuffle"]


class Upsample(Module):
    """Resize the spatial axes of ``(N, C, *spatial)`` inputs (see
    :func:`~chainrule.nn.functional.interpolate`).

    Args:
        size: output spatial size (an int, or one per axis).
        scale_factor: multiplier of the spatial sizes (stored as floats); give this or
            ``size``.
        mode: ``'nearest'`` (default), ``'nearest-exact'``, ``'linear'``, ``'bilinear'``,
            ``'bicubic'``, ``'trilinear'`` or ``'area'``.
        align_corners: for the interpolating modes (default None: False).
        recompute_scale_factor: place samples from the computed output size.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.Upsample(scale_factor=2, mode="bilinear")
        >>> m
        Upsample(scale_factor=2.0, mode='bilinear')
        >>> m(cr.ones(1, 1, 2, 3)).shape
        chainrule.Size([1, 1, 4, 6])
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """2-d nearest-neighbour upsampling: ``Upsample(size, scale_factor, mode='nearest')``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.UpsamplingNearest2d(scale_factor=2)(cr.tensor([[[[1.0, 2.0]]]])).tolist()
        [[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]]
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """2-d bilinear upsampling with aligned corners:
    ``Upsample(size, scale_factor, mode='bilinear', align_corners=True)``.

    Example:
        >>> import chainrule as cr
        >>> cr.nn.UpsamplingBilinear2d(size=(1, 3))(cr.tensor([[[[0.0, 2.0]]]])).tolist()
        [[[[0.0, 1.0, 2.0]]]]
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """``(*, C * r^2, H, W)`` to ``(*, C, H * r, W * r)`` (see
    :func:`~chainrule.nn.functional.pixel_shuffle`).

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.PixelShuffle(3)
        >>> m
        PixelShuffle(upscale_factor=3)
        >>> m(cr.ones(1, 9, 4, 4)).shape
        chainrule.Size([1, 1, 12, 12])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H * r, W * r)`` to ``(*, C * r^2, H, W)``, the inverse of
    :class:`PixelShuffle` (see :func:`~chainrule.nn.functional.pixel_unshuffle`).

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.PixelUnshuffle(3)
        >>> m
        PixelUnshuffle(downscale_factor=3)
        >>> m(cr.ones(1, 1, 12, 12)).shape
        chainrule.Size([1, 9, 4, 4])
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels of ``(N, C, *)`` from ``groups`` groups (see
    :func:`~chainrule.nn.functional.channel_shuffle`).

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.ChannelShuffle(2)
        >>> m
        ChannelShuffle(groups=2)
        >>> m(cr.arange(4.0).reshape(1, 4, 1)).flatten().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
