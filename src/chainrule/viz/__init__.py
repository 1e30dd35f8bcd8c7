"""Pictures of what training does: the graph behind a tensor and plots (matplotlib)."""

from chainrule.viz.graph import draw_graph
from chainrule.viz.plots import (
    optimizer_paths,
    plot_activations,
    plot_confusion_matrix,
    plot_conv_filters,
    plot_feature_maps,
    plot_gan_histograms,
    plot_gradient_descent_1d,
    plot_hidden_states,
    plot_losses,
    plot_optimizer_paths,
    plot_regularization,
    plot_training_curves,
)

__all__ = [
    "draw_graph",
    "optimizer_paths",
    "plot_activations",
    "plot_confusion_matrix",
    "plot_conv_filters",
    "plot_feature_maps",
    "plot_gan_histograms",
    "plot_gradient_descent_1d",
    "plot_hidden_states",
    "plot_losses",
    "plot_optimizer_paths",
    "plot_regularization",
    "plot_training_curves",
]
