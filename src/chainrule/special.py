"""``chainrule.special``: PyTorch's ``torch.special`` namespace (special functions)."""

from __future__ import annotations

__all__: list[str] = []
