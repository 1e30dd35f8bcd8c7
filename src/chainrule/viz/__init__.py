"""Pictures of what training does: the graph behind a tensor and plots (matplotlib)."""

from chainrule.viz import plots
from chainrule.viz.graph import draw_graph
from chainrule.viz.plots import *  # noqa: F403  (the names listed in plots.__all__)

__all__ = ["draw_graph", *plots.__all__]
