"""Pictures of what training does: the graph behind a tensor and plots (matplotlib)."""

from chainrule.viz.graph import draw_graph

__all__ = ["draw_graph"]
