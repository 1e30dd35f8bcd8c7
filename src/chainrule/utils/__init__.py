"""Utilities: ``chainrule.utils.data`` (datasets, samplers, DataLoader)."""

from chainrule.utils import data

__all__ = ["data"]
