"""``chainrule.linalg``: PyTorch's ``torch.linalg`` namespace (norms, inverses, solves,
decompositions)."""

from __future__ import annotations

__all__: list[str] = []
