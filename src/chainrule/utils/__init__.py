"""Utilities: ``chainrule.utils.data`` (datasets, samplers, DataLoader) and
``chainrule.utils.memory`` (how freed array memory is kept for reuse)."""

from chainrule.utils import data, memory

__all__ = ["data", "memory"]
