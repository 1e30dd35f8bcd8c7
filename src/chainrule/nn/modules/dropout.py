"""Dropout layers: active in training mode, the identity in eval mode."""

from __future__ import annotations

from chainrule.nn.functional import misc as F
from chainrule.nn.modules.module import Module
from chainrule.tensor import Tensor

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes each element with probability ``p`` while training and scales the rest by
    ``1 / (1 - p)``; the identity in eval mode.

    Args:
        p: probability of an element being zeroed.
        inplace: overwrite the input.

    Example:
        >>> import chainrule as cr
        >>> m = cr.nn.Dropout(p=0.2)
        >>> m
        Dropout(p=0.2, inplace=False)
        >>> x = cr.ones(4)
        >>> bool((m.eval()(x) == x).all())
        True
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, L)`` / ``(C, L)`` inputs with probability ``p``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, H, W)`` inputs with probability ``p``.

    Other ranks behave as :func:`chainrule.nn.functional.dropout2d` (as in PyTorch, a 3-D
    input is read as ``(N, C, L)``; other ranks warn)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, D, H, W)`` / ``(C, D, H, W)`` inputs with
    probability ``p`` (other ranks warn, see :func:`chainrule.nn.functional.dropout3d`)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps zero mean and unit variance (for SELU networks)."""

    def forward(self, input: Tensor) -> Tensor:
        # ``inplace`` is not passed on: PyTorch's AlphaDropout and FeatureAlphaDropout
        # layers ignore it too (the functional forms honour it).
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels."""

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training)
