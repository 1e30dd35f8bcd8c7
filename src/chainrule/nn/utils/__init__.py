"""Utilities for modules: gradient clipping and parameter/vector conversion."""
