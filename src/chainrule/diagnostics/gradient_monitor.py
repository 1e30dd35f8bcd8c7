"""``GradientMonitor``: per-layer gradient norms at every step, with vanishing/exploding
flags that name the layers, and a plot of the norms over training."""

from __future__ import annotations

import math

import numpy as np


class GradientMonitor:
    """Record the gradient norm of every layer after each backward pass.

    A layer is a module that owns parameters directly (``features.0`` for
    ``features.0.weight`` and ``features.0.bias``); its norm is the 2-norm of all its
    parameters' gradients together. A layer is flagged *vanishing* when its norm falls below
    ``vanishing`` and *exploding* when it exceeds ``exploding`` (or is not finite).

    Use it standalone (``monitor.record()`` after ``loss.backward()``) or pass it to
    ``chainrule.train.fit(..., callbacks=[monitor])``, which calls it after every backward.

    Args:
        model: the module to watch (or set later by ``fit``).
        vanishing: norm below which a layer's gradient counts as vanished.
        exploding: norm above which it counts as exploding.
        every: record every ``every``-th step.
        verbose: print a line when a layer is flagged at the end of an epoch.

    Example:
        >>> import chainrule as cr
        >>> model = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.Tanh(), cr.nn.Linear(4, 1))
        >>> monitor = GradientMonitor(model)
        >>> model(cr.randn(8, 3)).pow(2).mean().backward()
        >>> monitor.record()
        >>> sorted(monitor.latest())
        ['0', '2']
    """

    def __init__(self, model=None, *, vanishing: float = 1e-6, exploding: float = 1e3,
                 every: int = 1, verbose: bool = True):
        if vanishing < 0 or exploding <= vanishing:
            raise ValueError(f"GradientMonitor: need 0 <= vanishing < exploding, got "
                             f"vanishing={vanishing}, exploding={exploding}")
        if every < 1:
            raise ValueError(f"GradientMonitor: every must be >= 1, got {every}")
        self.model = model
        self.vanishing = vanishing
        self.exploding = exploding
        self.every = every
        self.verbose = verbose
        self.history: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self._step = 0

    # ------------------------------------------------------------------ recording
    def layer_norms(self, model=None) -> dict[str, float]:
        """The current gradient norm of each layer (layers without gradients are left out)."""
        model = model or self.model
        if model is None:
            raise RuntimeError("GradientMonitor: no model to watch; pass one to the "
                               "constructor or to record()")
        sq: dict[str, float] = {}
        for name, p in model.named_parameters():
            if p.grad is None:
                continue
            layer = name.rsplit(".", 1)[0] if "." in name else "(root)"
            g = p.grad._data
            sq[layer] = sq.get(layer, 0.0) + float(np.vdot(g, g).real)
        return {k: math.sqrt(v) if math.isfinite(v) else math.inf for k, v in sq.items()}

    def record(self, model=None) -> None:
        """Record the current per-layer gradient norms (call after ``backward()``)."""
        self._step += 1
        if (self._step - 1) % self.every:
            return
        norms = self.layer_norms(model)
        n_prev = len(self.steps)
        for layer, value in norms.items():
            series = self.history.setdefault(layer, [math.nan] * n_prev)
            series.append(value)
        for series in self.history.values():
            if len(series) < n_prev + 1:
                series.append(math.nan)
        self.steps.append(self._step)

    def latest(self) -> dict[str, float]:
        """The most recently recorded norm of each layer."""
        return {k: v[-1] for k, v in self.history.items() if v}

    def vanishing_layers(self) -> list[str]:
        return [k for k, v in self.latest().items() if v < self.vanishing]

    def exploding_layers(self) -> list[str]:
        return [k for k, v in self.latest().items()
                if v > self.exploding or not math.isfinite(v)]

    def report(self) -> str:
        """One line per layer with its latest norm and a flag."""
        lines = []
        vanish, explode = set(self.vanishing_layers()), set(self.exploding_layers())
        for layer, value in self.latest().items():
            flag = " VANISHING" if layer in vanish else (" EXPLODING" if layer in explode
                                                        else "")
            lines.append(f"{layer:>24s}  grad norm {value:.3e}{flag}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ plotting
    def plot(self, path, title: str = "Gradient norm per layer"):
        """Save a PNG of each layer's gradient norm over the recorded steps (log scale)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4))
        cmap = plt.get_cmap("viridis")
        n = max(len(self.history), 1)
        for i, (layer, series) in enumerate(self.history.items()):
            vals = np.asarray(series, dtype=float)
            vals = np.where(vals > 0, vals, np.nan)
            ax.plot(self.steps, vals, label=layer, color=cmap(i / max(n - 1, 1)))
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("gradient 2-norm")
        ax.set_title(title)
        ax.axhline(self.vanishing, color="grey", ls=":", lw=1)
        ax.axhline(self.exploding, color="red", ls=":", lw=1)
        if len(self.history) <= 12:
            ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path

    # ------------------------------------------------------------------ fit() callback hooks
    def set_model(self, model) -> None:
        self.model = model

    def on_train_begin(self, *args, **kwargs) -> None:
        model = kwargs.get("model") or (args[0] if args and hasattr(args[0],
                                                                     "named_parameters")
                                        else None)
        if model is not None and self.model is None:
            self.model = model

    def on_after_backward(self, *args, **kwargs) -> None:
        model = kwargs.get("model") or (args[0] if args and hasattr(args[0],
                                                                     "named_parameters")
                                        else None)
        self.record(model or self.model)

    def on_epoch_end(self, *args, **kwargs) -> None:
        if not self.verbose or not self.history:
            return
        vanish, explode = self.vanishing_layers(), self.exploding_layers()
        if vanish:
            print(f"GradientMonitor: vanishing gradients in {', '.join(vanish)}")
        if explode:
            print(f"GradientMonitor: exploding gradients in {', '.join(explode)}")

    def __getattr__(self, name):
        # Any other callback hook fit() may call (on_batch_begin, ...) is a no-op.
        if name.startswith("on_"):
            return lambda *args, **kwargs: None
        raise AttributeError(name)
