"""Looking inside training: ``explain`` (the chain rule step by step) and
``GradientMonitor`` (per-layer gradient norms, vanishing/exploding flags)."""

from chainrule.diagnostics.explain import explain
from chainrule.diagnostics.gradient_monitor import GradientMonitor

__all__ = ["GradientMonitor", "explain"]
