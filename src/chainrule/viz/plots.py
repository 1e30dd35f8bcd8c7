"""Plots of what training does, drawn with matplotlib and saved as PNG files.

Every function takes the path of the PNG to write and returns that path. Figures are built
with matplotlib's object API (``matplotlib.figure.Figure``), which renders with the Agg
backend and never touches pyplot's global state, so these work on a headless machine and
do not change the backend of a user's interactive session.

Where a plot shows a derivative (activation functions, loss functions, gradient-descent and
optimizer paths), the derivative comes from chainrule's autograd, not from a hand-written
formula: the pictures are also a check of the engine.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

import chainrule as cr

__all__ = [
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

_DPI = 110


# ---------------------------------------------------------------------------- helpers
def _figure(nrows: int = 1, ncols: int = 1, size=(6.0, 4.0), **kwargs):
    """A Figure and a 2-D array of axes, without pyplot."""
    try:
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("chainrule.viz plots need matplotlib: pip install matplotlib "
                          "(or chainrule[plots])") from e
    fig = Figure(figsize=size)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes


def _save(fig, path) -> str:
    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=_DPI)
    return path


def _np(x) -> np.ndarray:
    """A NumPy array from a chainrule tensor, array or nested sequence."""
    if isinstance(x, cr.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def _cmap(name: str):
    import matplotlib

    return matplotlib.colormaps[name]


def _autograd_curve(fn: Callable, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``fn(x)`` and its elementwise derivative, the latter by ``backward()``."""
    t = cr.tensor(x, dtype=cr.float64, requires_grad=True)
    y = fn(t)
    y.sum().backward()
    return y.detach().numpy(), t.grad.numpy()


# ---------------------------------------------------------------------------- training curves
def _history_columns(history) -> dict[str, list]:
    if hasattr(history, "history") and isinstance(history.history, Mapping):
        return dict(history.history)
    if isinstance(history, Mapping) and isinstance(history.get("history"), Mapping):
        return dict(history["history"])  # History.to_dict() layout
    if isinstance(history, Mapping):
        return dict(history)
    raise TypeError(f"plot_training_curves: expected a History or a dict of lists, got "
                    f"{type(history).__name__}")


def _points(values, epochs=None) -> tuple[list[float], list[float]]:
    """Finite ``(x, y)`` pairs; x is the epoch number (from 1) unless ``epochs`` is given."""
    xs, ys = [], []
    for i, v in enumerate(values):
        if v is not None and math.isfinite(float(v)):
            xs.append(epochs[i] if epochs is not None else i + 1)
            ys.append(float(v))
    return xs, ys


def plot_training_curves(history, path, title: str | None = None) -> str:
    """Training and validation curves, one panel per quantity (loss first, then metrics).

    Args:
        history: a :class:`chainrule.train.History`, its ``to_dict()``, or a plain dict of
            per-epoch lists such as ``{"loss": [...], "val_loss": [...], "accuracy": [...]}``.
            ``val_X`` is drawn dashed beside ``X``; ``lr`` and ``epoch_time`` are left out.
        path: the PNG to write.
        title: optional figure title.

    Returns:
        ``path``.

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "curves.png")
        >>> plot_training_curves({"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6]}, p) == p
        True
    """
    columns = _history_columns(history)
    skip = {"lr", "epoch_time"}
    keys = [k for k in columns if not k.startswith("val_") and k not in skip]
    keys += [k[4:] for k in columns if k.startswith("val_") and k[4:] not in keys]
    keys.sort(key=lambda k: (k != "loss", k))
    if not keys:
        raise ValueError("plot_training_curves: the history has no loss or metric columns")
    fig, axes = _figure(1, len(keys), size=(4.6 * len(keys), 3.6))
    for ax, key in zip(axes[0], keys):
        for name, style, label in ((key, "-o", "train"), ("val_" + key, "--s", "validation")):
            if name in columns:
                xs, ys = _points(columns[name])
                if xs:
                    ax.plot(xs, ys, style, markersize=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.set_title(key)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return _save(fig, path)


# ---------------------------------------------------------------------------- activations
def _activation_table() -> dict[str, Callable]:
    import chainrule.nn.functional as F

    return {
        "ReLU": F.relu,
        "LeakyReLU (0.1)": lambda x: F.leaky_relu(x, 0.1),
        "ELU": F.elu,
        "GELU": F.gelu,
        "SiLU": F.silu,
        "sigmoid": cr.sigmoid,
        "tanh": cr.tanh,
        "softplus": F.softplus,
    }


def plot_activations(path, x_range: tuple[float, float] = (-4.0, 4.0),
                     num: int = 401) -> str:
    """The common activation functions and their derivatives, one panel each.

    The derivatives are computed by chainrule's autograd (``y.sum().backward()`` on a grid of
    inputs), not written by hand; at a kink the engine's convention shows (relu'(0) = 0).

    Args:
        path: the PNG to write.
        x_range: the input interval drawn.
        num: grid points.

    Returns:
        ``path``.
    """
    x = np.linspace(x_range[0], x_range[1], num)
    table = _activation_table()
    ncols = 4
    nrows = math.ceil(len(table) / ncols)
    fig, axes = _figure(nrows, ncols, size=(3.4 * ncols, 2.9 * nrows))
    for ax, (name, fn) in zip(axes.flat, table.items()):
        y, dy = _autograd_curve(fn, x)
        ax.axhline(0, color="grey", lw=0.6)
        ax.axvline(0, color="grey", lw=0.6)
        ax.plot(x, y, color="C0", lw=2, label="f(x)")
        ax.plot(x, dy, color="C3", lw=1.6, ls="--", label="f'(x) (autograd)")
        ax.set_title(name)
        ax.set_xlim(*x_range)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    for ax in list(axes.flat)[len(table):]:
        ax.set_visible(False)
    fig.suptitle("Activation functions (solid) and their derivatives from autograd (dashed)")
    return _save(fig, path)


# ---------------------------------------------------------------------------- losses
def _loss_tables() -> tuple[dict[str, Callable], dict[str, Callable]]:
    import chainrule.nn.functional as F

    def zeros(e):
        return cr.zeros_like(e)

    def ones(z):
        return cr.ones_like(z)

    regression = {
        "MSE  e^2": lambda e: F.mse_loss(e, zeros(e), reduction="none"),
        "L1  |e|": lambda e: F.l1_loss(e, zeros(e), reduction="none"),
        "Huber (delta=2)": lambda e: F.huber_loss(e, zeros(e), reduction="none", delta=2.0),
        "smooth L1 (beta=1)": lambda e: F.smooth_l1_loss(e, zeros(e), reduction="none",
                                                         beta=1.0),
    }
    classification = {
        "BCE / logistic  log(1+e^-z)": lambda z: F.binary_cross_entropy_with_logits(
            z, ones(z), reduction="none"),
        "hinge  max(0, 1-z)": lambda z: (1.0 - z).clamp(min=0.0),
        "squared hinge": lambda z: (1.0 - z).clamp(min=0.0) ** 2,
        "exponential  e^-z": lambda z: (-z).exp(),
    }
    return regression, classification


def plot_losses(path, error_range: float = 3.0, logit_range: float = 3.0) -> str:
    """Loss functions side by side, with their gradients from autograd.

    Left column: regression losses (MSE, L1, Huber, smooth L1) as functions of the error
    ``e = prediction - target``. Right column: classification losses for a positive example
    as functions of the logit (margin) ``z``: binary cross-entropy on logits, hinge, squared
    hinge, exponential. The bottom row shows d loss / d input, computed by ``backward()``:
    MSE's gradient grows with the error, L1's is constant, Huber and smooth L1 switch from one
    to the other.

    Args:
        path: the PNG to write.
        error_range: errors drawn from ``-error_range`` to ``error_range``.
        logit_range: logits drawn from ``-logit_range`` to ``logit_range``.

    Returns:
        ``path``.
    """
    regression, classification = _loss_tables()
    fig, axes = _figure(2, 2, size=(11, 7.5))
    panels = ((0, regression, np.linspace(-error_range, error_range, 401),
               "error e = prediction - target"),
              (1, classification, np.linspace(-logit_range, logit_range, 401),
               "logit z of a positive example (target 1)"))
    for col, table, x, xlabel in panels:
        for i, (name, fn) in enumerate(table.items()):
            y, dy = _autograd_curve(fn, x)
            axes[0, col].plot(x, y, color=f"C{i}", lw=2, label=name)
            axes[1, col].plot(x, dy, color=f"C{i}", lw=2, label=name)
        axes[0, col].set_ylim(-0.2, 6 if col == 0 else 5)
        axes[0, col].set_ylabel("loss")
        axes[1, col].set_ylabel("d loss / d input (autograd)")
        for ax in axes[:, col]:
            ax.set_xlabel(xlabel)
            ax.grid(alpha=0.3)
            ax.axhline(0, color="grey", lw=0.6)
            ax.axvline(0, color="grey", lw=0.6)
            ax.legend(fontsize=8)
    axes[1, 1].set_ylim(-3, 1)  # the exponential loss's gradient runs off to -e^3
    axes[0, 0].set_title("Regression losses")
    axes[0, 1].set_title("Classification losses")
    return _save(fig, path)


# ---------------------------------------------------------------------------- 1-D descent
def _descend_1d(f: Callable, x0: float, lr: float, steps: int, bound: float) -> np.ndarray:
    x = cr.tensor(float(x0), dtype=cr.float64, requires_grad=True)
    xs = [float(x0)]
    for _ in range(steps):
        (g,) = cr.autograd.grad(f(x), x)
        with cr.no_grad():
            x -= lr * g
        value = float(x.item())
        if not math.isfinite(value) or abs(value) > bound:
            xs.append(math.copysign(bound, value) if math.isfinite(value) else math.nan)
            break
        xs.append(value)
    return np.asarray(xs)


def plot_gradient_descent_1d(f: Callable, x0: float, lrs: Sequence[float], path,
                             steps: int = 20, x_range: tuple[float, float] | None = None) -> str:
    """Gradient descent ``x <- x - lr * f'(x)`` on a 1-D function, one path per learning rate.

    ``f'`` comes from chainrule's autograd. The left panel draws ``f`` with each path's
    iterates on it (too small a step crawls, a good one converges, too large a one oscillates
    or diverges); the right panel ``f(x_t)`` against the step. A diverging path is cut off
    once it leaves a generous window.

    Args:
        f: a function of a scalar chainrule tensor built from differentiable ops, e.g.
            ``lambda x: x ** 2``; it must also accept a NumPy array (for drawing the curve).
        x0: the starting point.
        lrs: the learning rates to compare.
        path: the PNG to write.
        steps: gradient steps per learning rate.
        x_range: the interval drawn (default: around ``x0`` and the iterates).

    Returns:
        ``path``.

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "gd.png")
        >>> plot_gradient_descent_1d(lambda x: x ** 2, 2.0, [0.1, 0.9], p, steps=5) == p
        True
    """
    span = 3.0 * abs(float(x0)) + 1.0
    paths = {lr: _descend_1d(f, x0, lr, steps, bound=10.0 * span) for lr in lrs}
    diverged = {lr: len(xs) < steps + 1 or not np.isfinite(xs[-1]) for lr, xs in paths.items()}
    if x_range is None:
        # Frame the paths that converge (or crawl); a diverging one just leaves the picture.
        kept = [xs for lr, xs in paths.items() if not diverged[lr]] or [np.array([x0])]
        lo = min(float(np.min(xs)) for xs in kept + [np.array([x0])])
        hi = max(float(np.max(xs)) for xs in kept + [np.array([x0])])
        pad = max(0.15 * (hi - lo), 0.5)
        x_range = (lo - pad, hi + pad)
    grid = np.linspace(x_range[0], x_range[1], 400)
    curve = np.asarray(_np(f(cr.tensor(grid, dtype=cr.float64))), dtype=float)
    fig, axes = _figure(1, 2, size=(12, 4.4))
    left, right = axes[0]
    left.plot(grid, curve, color="black", lw=1.5, label="f(x)")
    for i, (lr, xs) in enumerate(paths.items()):
        fx = np.asarray(_np(f(cr.tensor(xs, dtype=cr.float64))), dtype=float)
        status = "diverges" if diverged[lr] else f"x_end={xs[-1]:.3g}"
        left.plot(xs, fx, "-o", color=f"C{i}", markersize=4, lw=1, alpha=0.85,
                  label=f"lr={lr:g} ({status})")
        right.plot(np.arange(len(fx)), fx, "-o", color=f"C{i}", markersize=3, label=f"lr={lr:g}")
    left.set_xlim(*x_range)
    lo, hi = float(np.nanmin(curve)), float(np.nanmax(curve))
    left.set_ylim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    left.set_xlabel("x")
    left.set_ylabel("f(x)")
    left.set_title(f"Gradient descent from x0={x0:g}, gradients by autograd")
    left.legend(fontsize=8)
    left.grid(alpha=0.3)
    right.set_xlabel("step")
    right.set_ylabel("f(x_t)")
    if np.nanmin(curve) > 0:
        right.set_yscale("log")
    right.set_title("f(x_t) per step")
    right.legend(fontsize=8)
    right.grid(alpha=0.3)
    return _save(fig, path)


# ---------------------------------------------------------------------------- 2-D optimizers
def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


_C, _S = math.cos(math.pi / 6), math.sin(math.pi / 6)


def _skewed_quadratic(x, y):
    # An ill-conditioned bowl (curvatures 1 and 25) rotated by 30 degrees: the long valley
    # is not aligned with an axis, so per-coordinate step sizes (RMSprop, Adam) do not
    # simply undo the conditioning.
    u = _C * x + _S * y
    v = -_S * x + _C * y
    return 0.5 * u ** 2 + 12.5 * v ** 2


# name: (function, start, minimum, x-limits, y-limits, default optimizer settings, steps)
SURFACES: dict[str, dict[str, Any]] = {
    "rosenbrock": {
        "f": _rosenbrock, "start": (-1.5, 2.0), "minimum": (1.0, 1.0),
        "xlim": (-2.0, 2.0), "ylim": (-1.0, 3.0), "log_levels": True, "steps": 1000,
        "optimizers": {"SGD": ("SGD", {"lr": 1e-3}),
                       "SGD + momentum": ("SGD", {"lr": 1e-3, "momentum": 0.9}),
                       "RMSprop": ("RMSprop", {"lr": 1e-2}),
                       "Adam": ("Adam", {"lr": 5e-2})},
    },
    "quadratic": {
        "f": _skewed_quadratic, "start": (-4.0, 2.5), "minimum": (0.0, 0.0),
        "xlim": (-5.0, 5.0), "ylim": (-3.5, 3.5), "log_levels": False, "steps": 150,
        "optimizers": {"SGD": ("SGD", {"lr": 0.07}),
                       "SGD + momentum": ("SGD", {"lr": 0.02, "momentum": 0.8}),
                       "RMSprop": ("RMSprop", {"lr": 0.1}),
                       "Adam": ("Adam", {"lr": 0.3})},
    },
}


def _surface(surface) -> dict[str, Any]:
    if isinstance(surface, str):
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}; choose from {sorted(SURFACES)} "
                             f"or pass a dict with 'f', 'start', 'xlim', 'ylim'")
        return dict(SURFACES[surface])
    if isinstance(surface, Mapping) and "f" in surface:
        spec = {"minimum": None, "log_levels": False, "steps": 200,
                "optimizers": SURFACES["quadratic"]["optimizers"]}
        spec.update(surface)
        return spec
    raise TypeError("surface must be a name in SURFACES or a dict with 'f', 'start', 'xlim', "
                    "'ylim'")


def optimizer_paths(surface="rosenbrock", optimizers: Mapping[str, Any] | None = None,
                    steps: int | None = None,
                    start: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
    """Run optimizers from ``chainrule.optim`` on a 2-D surface; the iterates of each.

    Args:
        surface: ``"rosenbrock"``, ``"quadratic"`` (a skewed, ill-conditioned bowl) or a dict
            with ``f(x, y)`` (differentiable ops only), ``start``, ``xlim``, ``ylim`` and
            optionally ``minimum``.
        optimizers: ``{label: factory}`` where ``factory(params)`` returns an optimizer, or
            ``{label: (class name in chainrule.optim, kwargs)}``. Default: SGD, SGD with
            momentum, RMSprop and Adam with settings tuned for the surface.
        steps: optimizer steps (default: the surface's).
        start: the starting point (default: the surface's).

    Returns:
        ``{label: array of shape (steps + 1, 2)}``; rows are the points visited.

    Example:
        >>> paths = optimizer_paths("quadratic", steps=50)
        >>> sorted(paths)
        ['Adam', 'RMSprop', 'SGD', 'SGD + momentum']
        >>> bool(abs(paths["SGD + momentum"][-1]).max() < 0.1)
        True
    """
    import chainrule.optim as optim

    spec = _surface(surface)
    f = spec["f"]
    steps = int(steps if steps is not None else spec["steps"])
    start = tuple(start if start is not None else spec["start"])
    optimizers = optimizers if optimizers is not None else spec["optimizers"]
    result = {}
    for label, make in optimizers.items():
        p = cr.tensor(start, dtype=cr.float64, requires_grad=True)
        if isinstance(make, tuple):
            cls_name, kwargs = make
            opt = getattr(optim, cls_name)([p], **kwargs)
        else:
            opt = make([p])
        points = [p.detach().numpy().copy()]
        for _ in range(steps):
            opt.zero_grad()
            f(p[0], p[1]).backward()
            opt.step()
            points.append(p.detach().numpy().copy())
        result[label] = np.asarray(points)
    return result


def plot_optimizer_paths(path, surface="rosenbrock", optimizers: Mapping[str, Any] | None = None,
                         steps: int | None = None, paths: Mapping[str, Any] | None = None) -> str:
    """SGD, momentum, RMSprop and Adam (from ``chainrule.optim``) on one 2-D surface.

    Left: the surface's contour lines with each optimizer's path (start o, end x, minimum *).
    Right: the value of the surface along each path, per step (log scale).

    Args:
        path: the PNG to write.
        surface: see :func:`optimizer_paths`.
        optimizers: see :func:`optimizer_paths`.
        steps: see :func:`optimizer_paths`.
        paths: precomputed ``{label: (n, 2) array}`` (from :func:`optimizer_paths`), to draw
            instead of running the optimizers again.

    Returns:
        ``path``.
    """
    spec = _surface(surface)
    if paths is None:
        paths = optimizer_paths(surface, optimizers, steps)
    f = spec["f"]
    (x0, x1), (y0, y1) = spec["xlim"], spec["ylim"]
    gx, gy = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
    gz = f(gx, gy)
    fig, axes = _figure(1, 2, size=(13, 5.2), gridspec_kw={"width_ratios": [1.15, 1]})
    left, right = axes[0]
    if spec["log_levels"]:
        levels = np.logspace(np.log10(max(gz.min(), 1e-3)), np.log10(gz.max()), 25)
        left.contour(gx, gy, gz, levels=levels, cmap="Greys_r", linewidths=0.7, alpha=0.8,
                     norm=_log_norm(levels))
    else:
        left.contour(gx, gy, gz, levels=25, cmap="Greys_r", linewidths=0.7, alpha=0.8)
    for i, (label, pts) in enumerate(paths.items()):
        pts = np.asarray(pts, dtype=float)
        color = f"C{i}"
        values = f(pts[:, 0], pts[:, 1])
        style = ("-", "--", "-.", ":")[i % 4]
        left.plot(pts[:, 0], pts[:, 1], style, color=color, lw=1.8,
                  label=f"{label}: f={values[-1]:.2e}")
        every = max(len(pts) // 40, 1)
        left.plot(pts[::every, 0], pts[::every, 1], ".", color=color, markersize=4)
        left.plot(*pts[-1], "x", color=color, markersize=9, mew=2)
        right.plot(np.arange(len(values)), np.maximum(values, 1e-16), style, color=color,
                   lw=1.6, label=label)
    first = np.asarray(next(iter(paths.values())), dtype=float)
    left.plot(*first[0], "o", color="black", markersize=7, label="start")
    if spec.get("minimum") is not None:
        left.plot(*spec["minimum"], "*", color="gold", markeredgecolor="black", markersize=15,
                  label="minimum")
    left.set_xlim(x0, x1)
    left.set_ylim(y0, y1)
    left.set_xlabel("x")
    left.set_ylabel("y")
    name = surface if isinstance(surface, str) else "custom surface"
    left.set_title(f"Optimizer paths on the {name} surface")
    corner = {"rosenbrock": "lower right", "quadratic": "upper right"}.get(name, "best")
    left.legend(fontsize=8, loc=corner)
    right.set_yscale("log")
    right.set_xlabel("step")
    right.set_ylabel("f(x_t, y_t)")
    right.set_title("Value along the path")
    right.grid(alpha=0.3)
    right.legend(fontsize=8)
    return _save(fig, path)


def _log_norm(levels):
    from matplotlib.colors import LogNorm

    return LogNorm(vmin=levels[0], vmax=levels[-1])


# ---------------------------------------------------------------------------- regularization
def plot_regularization(results: Mapping[str, Any], path, title: str | None = None) -> str:
    """Train and validation loss of differently regularized runs, one panel per run.

    Args:
        results: ``{label: run}`` in display order (e.g. none, L1, L2, dropout), where each
            run is a ``History`` or a dict with per-epoch ``"loss"`` and ``"val_loss"`` lists
            and, optionally, ``"epoch"`` (the epoch of each entry, when not every epoch was
            recorded) and ``"weights"`` (an array of the final weights). When any run has
            weights, a second row shows their histograms: L1 drives many weights to zero,
            L2 shrinks them all.
        path: the PNG to write.
        title: optional figure title.

    Returns:
        ``path``.

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "reg.png")
        >>> runs = {"none": {"loss": [1, .2, .05], "val_loss": [1, .8, .9]},
        ...         "L2": {"loss": [1, .4, .3], "val_loss": [1, .6, .5]}}
        >>> plot_regularization(runs, p) == p
        True
    """
    if not results:
        raise ValueError("plot_regularization: no results to draw")
    runs = {label: _history_columns(run) if not isinstance(run, Mapping) or "history" in run
            else dict(run) for label, run in results.items()}
    with_weights = any("weights" in run for run in runs.values())
    n = len(runs)
    fig, axes = _figure(2 if with_weights else 1, n, size=(4.0 * n, 7.2 if with_weights else 3.8))
    ymax = 0.0
    for run in runs.values():
        for key in ("loss", "val_loss"):
            _, ys = _points(run.get(key, []))
            if ys:
                ymax = max(ymax, float(np.percentile(ys, 98)))
    for j, (label, run) in enumerate(runs.items()):
        ax = axes[0, j]
        for key, style, name in (("loss", "-", "train"), ("val_loss", "--", "validation")):
            xs, ys = _points(run.get(key, []), run.get("epoch"))
            if xs:
                ax.plot(xs, ys, style, color="C0" if key == "loss" else "C3", lw=1.8,
                        label=name)
        _, val = _points(run.get("val_loss", []))
        sub = f"\nfinal val {val[-1]:.3g}, best {min(val):.3g}" if val else ""
        ax.set_title(f"{label}{sub}", fontsize=10)
        ax.set_xlabel("epoch")
        if j == 0:
            ax.set_ylabel("loss")
        if ymax > 0:
            ax.set_ylim(0, ymax * 1.05)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        if with_weights:
            wax = axes[1, j]
            if "weights" in run:
                w = np.ravel(_np(run["weights"])).astype(float)
                near_zero = float(np.mean(np.abs(w) < 1e-2))
                wax.hist(w, bins=60, color="C2")
                wax.set_yscale("log")
                wax.set_title(f"weights: |w|<0.01 for {near_zero:.0%}, "
                              f"mean |w| {np.mean(np.abs(w)):.3f}", fontsize=9)
            wax.set_xlabel("weight value")
            if j == 0:
                wax.set_ylabel("count (log)")
    if title:
        fig.suptitle(title)
    return _save(fig, path)


# ---------------------------------------------------------------------------- convolutions
def _grid(n: int, max_cols: int = 8) -> tuple[int, int]:
    cols = min(n, max_cols)
    return math.ceil(n / cols), cols


def plot_conv_filters(weight, path, max_filters: int = 64, title: str | None = None) -> str:
    """The learned kernels of a 2-D convolution, one small image per output channel.

    Args:
        weight: a ``Conv2d`` weight (tensor or array) of shape ``(out, in, kH, kW)``. With
            three input channels each filter is drawn in color (RGB, rescaled); otherwise
            the kernel of a single input channel is drawn as is, and of several input
            channels averaged, on a shared diverging scale (red positive, blue negative).
        path: the PNG to write.
        max_filters: draw at most this many filters.
        title: optional figure title.

    Returns:
        ``path``.
    """
    w = np.asarray(_np(weight), dtype=float)
    if w.ndim != 4:
        raise ValueError(f"plot_conv_filters: expected a weight of shape (out, in, kH, kW), "
                         f"got {w.shape}")
    w = w[:max_filters]
    rows, cols = _grid(len(w))
    fig, axes = _figure(rows, cols, size=(1.3 * cols + 1.2, 1.3 * rows + 0.6))
    rgb = w.shape[1] == 3
    if rgb:
        lo, hi = w.min(), w.max()
        images = [np.transpose((k - lo) / (hi - lo + 1e-12), (1, 2, 0)) for k in w]
        kwargs = {}
    else:
        images = [k.mean(axis=0) for k in w]
        vmax = max(float(np.abs(np.stack(images)).max()), 1e-12)
        kwargs = {"cmap": "RdBu_r", "vmin": -vmax, "vmax": vmax}
    im = None
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < len(images):
            im = ax.imshow(images[i], interpolation="nearest", **kwargs)
            ax.set_title(f"{i}", fontsize=8)
        else:
            ax.set_visible(False)
    if not rgb and im is not None:
        fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8)
    fig.suptitle(title or f"Conv filters {tuple(np.asarray(_np(weight)).shape)}"
                 + ("" if rgb or w.shape[1] == 1 else " (mean over input channels)"))
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=_DPI)  # no tight_layout: it fights the shared colorbar
    return path


def plot_feature_maps(maps, path, max_maps: int = 32, title: str | None = None) -> str:
    """The activation maps a convolution layer produces for one input.

    Args:
        maps: shape ``(C, H, W)``, or ``(N, C, H, W)`` of which the first sample is drawn.
        path: the PNG to write.
        max_maps: draw at most this many channels.
        title: optional figure title.

    Returns:
        ``path``.
    """
    m = np.asarray(_np(maps), dtype=float)
    if m.ndim == 4:
        m = m[0]
    if m.ndim == 2:
        m = m[None]
    if m.ndim != 3:
        raise ValueError(f"plot_feature_maps: expected (C, H, W) or (N, C, H, W), got "
                         f"{np.asarray(_np(maps)).shape}")
    m = m[:max_maps]
    rows, cols = _grid(len(m))
    fig, axes = _figure(rows, cols, size=(1.5 * cols, 1.6 * rows + 0.5))
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < len(m):
            ax.imshow(m[i], cmap="viridis", interpolation="nearest")
            ax.set_title(f"ch {i}  max {m[i].max():.2g}", fontsize=7)
        else:
            ax.set_visible(False)
    fig.suptitle(title or f"Feature maps ({len(m)} channels, {m.shape[1]}x{m.shape[2]})")
    return _save(fig, path)


# ---------------------------------------------------------------------------- RNN states
def plot_hidden_states(h, path, tokens: Sequence[str] | None = None, batch_first: bool = False,
                       title: str | None = None) -> str:
    """RNN hidden units over time as a heatmap (time across, units down).

    Args:
        h: hidden states of shape ``(T, H)``; or ``(T, N, H)`` (``(N, T, H)`` with
            ``batch_first=True``) of which the first sequence is drawn.
        path: the PNG to write.
        tokens: optional labels for the time steps (the input words).
        batch_first: layout of a 3-D ``h``.
        title: optional figure title.

    Returns:
        ``path``.
    """
    a = np.asarray(_np(h), dtype=float)
    if a.ndim == 3:
        a = a[0] if batch_first else a[:, 0]
    if a.ndim != 2:
        raise ValueError(f"plot_hidden_states: expected (T, H) or a batch of them, got "
                         f"{np.asarray(_np(h)).shape}")
    steps, units = a.shape
    vmax = max(float(np.abs(a).max()), 1e-12)
    if vmax <= 1.0:
        vmax = 1.0  # tanh range: keep the scale comparable between plots
    fig, axes = _figure(1, 1, size=(min(2 + 0.35 * steps, 16), min(2 + 0.18 * units, 10)))
    ax = axes[0, 0]
    im = ax.imshow(a.T, aspect="auto", cmap="RdBu_r", vmin=-vmax, vmax=vmax,
                   interpolation="nearest")
    ax.set_xlabel("time step")
    ax.set_ylabel("hidden unit")
    if tokens is not None:
        ax.set_xticks(range(len(tokens)))
        ax.set_xticklabels(list(tokens), rotation=60, ha="right", fontsize=8)
    fig.colorbar(im, ax=ax, label="activation")
    ax.set_title(title or f"Hidden states over time ({steps} steps, {units} units)")
    return _save(fig, path)


# ---------------------------------------------------------------------------- GAN
def plot_gan_histograms(real, fake, path, bins: int = 60,
                        target: tuple[float, float] | None = None,
                        title: str | None = None) -> str:
    """Histograms of real and generated samples of a 1-D GAN.

    Args:
        real: samples of the data distribution.
        fake: generated samples, or ``{label: samples}`` to show several moments of
            training (e.g. ``{"step 0": ..., "step 2000": ...}``), one panel each.
        path: the PNG to write.
        bins: histogram bins.
        target: optional ``(mean, std)`` of the real distribution, drawn as a normal density.
        title: optional figure title.

    Returns:
        ``path``.

    Example:
        >>> import tempfile, os, numpy as np
        >>> rng = np.random.default_rng(0)
        >>> p = os.path.join(tempfile.mkdtemp(), "gan.png")
        >>> plot_gan_histograms(rng.normal(4, 1.5, 1000), rng.normal(3.9, 1.4, 1000), p,
        ...                     target=(4, 1.5)) == p
        True
    """
    real = np.ravel(_np(real)).astype(float)
    fakes = ({str(k): np.ravel(_np(v)).astype(float) for k, v in fake.items()}
             if isinstance(fake, Mapping) else {"generated": np.ravel(_np(fake)).astype(float)})
    everything = np.concatenate([real, *fakes.values()])
    lo, hi = np.percentile(everything, [0.5, 99.5])
    edges = np.linspace(lo, hi, bins + 1)
    n = len(fakes)
    fig, axes = _figure(n, 1, size=(8, 3.4 * n + 0.4), sharex=True)
    for i, (ax, (label, s)) in enumerate(zip(axes[:, 0], fakes.items())):
        ax.hist(real, bins=edges, density=True, alpha=0.45, color="C0",
                label=f"real: mean {real.mean():.2f}, std {real.std():.2f}")
        ax.hist(s, bins=edges, density=True, histtype="step", lw=2, color=f"C{i + 1}",
                label=f"{label}: mean {s.mean():.2f}, std {s.std():.2f}")
        if target is not None:
            mu, sd = float(target[0]), float(target[1])
            xs = np.linspace(lo, hi, 300)
            pdf = np.exp(-0.5 * ((xs - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
            ax.plot(xs, pdf, "k--", lw=1.2, label=f"target N({mu:g}, {sd:g}^2)")
        ax.set_ylabel("density")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("x")
    axes[0, 0].set_title(title or "GAN: real vs generated samples")
    return _save(fig, path)


# ---------------------------------------------------------------------------- confusion
def plot_confusion_matrix(cm, path, labels: Sequence[str] | None = None,
                          normalize: bool = False, title: str | None = None) -> str:
    """A confusion matrix with the count (or row fraction) written in each cell.

    Args:
        cm: square matrix, ``cm[i, j]`` = number of samples of true class ``i`` predicted
            as ``j``.
        path: the PNG to write.
        labels: class names (default ``0..K-1``).
        normalize: color and annotate by the fraction of each true class instead of counts.
        title: optional title (default: with the overall accuracy).

    Returns:
        ``path``.

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "cm.png")
        >>> plot_confusion_matrix([[5, 1], [0, 4]], p, labels=["cat", "dog"]) == p
        True
    """
    m = np.asarray(_np(cm), dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"plot_confusion_matrix: expected a square matrix, got {m.shape}")
    k = m.shape[0]
    labels = [str(x) for x in (labels if labels is not None else range(k))]
    if len(labels) != k:
        raise ValueError(f"plot_confusion_matrix: {len(labels)} labels for {k} classes")
    shown = m / np.maximum(m.sum(axis=1, keepdims=True), 1) if normalize else m
    accuracy = float(np.trace(m) / max(m.sum(), 1))
    size = 2.5 + 0.55 * k
    fig, axes = _figure(1, 1, size=(size + 1, size))
    ax = axes[0, 0]
    im = ax.imshow(shown, cmap="Blues", interpolation="nearest")
    threshold = shown.max() / 2 if shown.size else 0
    for i in range(k):
        for j in range(k):
            text = f"{shown[i, j]:.2f}" if normalize else f"{int(round(m[i, j]))}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8 if k <= 12 else 6,
                    color="white" if shown[i, j] > threshold else "black")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xticklabels(labels, rotation=45 if max(map(len, labels)) > 2 else 0, ha="right"
                       if max(map(len, labels)) > 2 else "center")
    ax.set_yticklabels(labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or f"Confusion matrix (accuracy {accuracy:.1%})")
    fig.colorbar(im, ax=ax, shrink=0.8)
    return _save(fig, path)
