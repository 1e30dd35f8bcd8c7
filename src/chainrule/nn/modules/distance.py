"""``CosineSimilarity`` and ``PairwiseDistance`` layers."""

from __future__ import annotations

from chainrule.nn.functional.misc import cosine_similarity, pairwise_distance
from chainrule.nn.modules.module import Module
from chainrule.tensor import Tensor

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine similarity of two inputs along ``dim`` (see
    :func:`chainrule.nn.functional.cosine_similarity`).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.modules.distance import CosineSimilarity
        >>> CosineSimilarity()(cr.tensor([[1.0, 0.0]]), cr.tensor([[0.0, 2.0]]))
        tensor([0.])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` over the last dimension (see
    :func:`chainrule.nn.functional.pairwise_distance`)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
