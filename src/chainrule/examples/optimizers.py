"""SGD, momentum, RMSprop and Adam: on a 2-D surface and on the same small network.

Part 1 runs the four optimizers of :mod:`chainrule.optim` from the same start on two
surfaces and draws their paths over the contour lines: the Rosenbrock function (a curved,
flat-bottomed valley) and a skewed quadratic bowl (curvatures 1 and 25, rotated). Plain SGD
zig-zags across the steep direction and crawls along the shallow one; momentum accumulates
speed along the valley; RMSprop and Adam divide each coordinate's step by a running RMS of
its gradients.

Part 2 trains one small MLP (identical initial weights each time) with each optimizer on the
8x8 digits (``chainrule.datasets.digits()``, or a synthetic two-spiral problem when
scikit-learn is not installed) and compares the training loss and test accuracy.
"""

from __future__ import annotations

import math
import os

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.examples import write_metrics
from chainrule.train import evaluate, fit
from chainrule.viz.plots import SURFACES, optimizer_paths, plot_optimizer_paths

NAME = "optimizers"
DESCRIPTION = ("SGD, momentum, RMSprop and Adam: paths on 2-D surfaces, and one network "
               "trained with each")
ORDER = 8

# The same settings for every network run, chosen per optimizer as commonly recommended.
NETWORK_OPTIMIZERS = {
    "SGD": ("SGD", {"lr": 0.05}),
    "SGD + momentum": ("SGD", {"lr": 0.05, "momentum": 0.9}),
    "RMSprop": ("RMSprop", {"lr": 1e-3}),
    "Adam": ("Adam", {"lr": 1e-3}),
}


def spiral(n_per_class: int = 300, noise: float = 0.2, seed: int = 0):
    """Two interleaved spirals: ``(X float32 (2n, 2), y int64 (2n,))``."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0.05, 1.0, n_per_class)) * 3 * math.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * math.pi)
    X = np.concatenate([arm, -arm]) + rng.normal(0, noise / 3, (2 * n_per_class, 2))
    y = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)])
    return X.astype(np.float32), y.astype(np.int64)


def load_data(seed: int):
    """Digits (flattened to 64 features) when scikit-learn is there, else spirals."""
    from chainrule.datasets import train_test_split

    try:
        from chainrule.datasets import digits

        X, y = digits(return_tensors=False)
        X = X.reshape(len(X), -1)
        name, hidden = "digits (8x8, 10 classes)", 64
    except ImportError:
        X, y = spiral(seed=seed)
        name, hidden = "two spirals (synthetic; scikit-learn not installed)", 64
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=seed)
    return name, hidden, (X_train, y_train), (X_test, y_test)


def make_model(n_in: int, hidden: int, n_out: int) -> nn.Module:
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                         nn.ReLU(), nn.Linear(hidden, n_out))


def _plot_training(path, histories, data_name):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2))
    ax1, ax2 = fig.subplots(1, 2)
    for i, (label, h) in enumerate(histories.items()):
        epochs = np.arange(1, len(h["loss"]) + 1)
        ax1.plot(epochs, h["loss"], "-o", ms=3, color=f"C{i}", label=label)
        ax2.plot(epochs, h["val_accuracy"], "-o", ms=3, color=f"C{i}", label=label)
    ax1.set_yscale("log")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("training loss (cross-entropy)")
    ax1.set_title(f"Same network, same start: {data_name}", fontsize=10)
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("test accuracy")
    ax2.set_title("Test accuracy per epoch")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def main(args) -> dict:
    """Optimizer paths on two surfaces, then one network trained with each optimizer.

    Args:
        args: ``epochs`` (network training; default 15, 3 with ``quick``), ``seed``,
            ``quick`` (also shorter surface runs), ``out`` (``paths_rosenbrock.png``,
            ``paths_quadratic.png``, ``training.png``, ``metrics.json``); ``data`` unused.
    """
    os.makedirs(args.out, exist_ok=True)
    metrics: dict = {"surfaces": {}}
    print("Part 1: optimizer paths on 2-D surfaces (gradients by autograd)\n")
    for surface in ("rosenbrock", "quadratic"):
        spec = SURFACES[surface]
        steps = spec["steps"] // 4 if args.quick else spec["steps"]
        paths = optimizer_paths(surface, steps=steps)
        picture = plot_optimizer_paths(os.path.join(args.out, f"paths_{surface}.png"),
                                       surface, paths=paths)
        f = spec["f"]
        finals = {label: float(f(*pts[-1])) for label, pts in paths.items()}
        print(f"  {surface} from {spec['start']}, {steps} steps; minimum at {spec['minimum']}:")
        for label, pts in paths.items():
            settings = ", ".join(f"{k}={v}" for k, v in spec["optimizers"][label][1].items())
            print(f"    {label:<15} ({settings:<22}) ends at ({pts[-1][0]:+.3f}, "
                  f"{pts[-1][1]:+.3f}), f = {finals[label]:.3e}")
        print(f"    picture: {picture}\n")
        metrics["surfaces"][surface] = {"steps": steps, "final_value": finals}

    epochs = args.epochs or (3 if args.quick else 15)
    data_name, hidden, train, test = load_data(args.seed)
    n_in, n_out = train[0].shape[1], int(train[1].max()) + 1
    print(f"Part 2: one MLP ({n_in}-{hidden}-{hidden}-{n_out}, ReLU) trained on {data_name} "
          f"for {epochs} epochs, batch 32, with each optimizer from the same initial weights")
    cr.manual_seed(args.seed)
    initial = {k: v.clone() for k, v in make_model(n_in, hidden, n_out).state_dict().items()}
    histories, results = {}, {}
    for label, (cls_name, kwargs) in NETWORK_OPTIMIZERS.items():
        model = make_model(n_in, hidden, n_out)
        model.load_state_dict(initial)
        optimizer = getattr(cr.optim, cls_name)(model.parameters(), **kwargs)
        history = fit(model, train, loss="cross_entropy", optimizer=optimizer, epochs=epochs,
                      batch_size=32, val_data=test, metrics=("accuracy",), seed=args.seed,
                      progress=False)
        scores = evaluate(model, test, loss="cross_entropy", metrics=("accuracy",))
        histories[label] = history.history
        results[label] = {"final_train_loss": history["loss"][-1],
                          "test_loss": float(scores["loss"]),
                          "test_accuracy": float(scores["accuracy"])}
    print(f"\n  {'optimizer':<15} {'settings':<24} {'train loss':>10} {'test loss':>10} "
          f"{'test acc':>9}")
    for label, r in results.items():
        settings = ", ".join(f"{k}={v}" for k, v in NETWORK_OPTIMIZERS[label][1].items())
        print(f"  {label:<15} {settings:<24} {r['final_train_loss']:>10.4f} "
              f"{r['test_loss']:>10.4f} {r['test_accuracy']:>9.2%}")
    picture = _plot_training(os.path.join(args.out, "training.png"), histories, data_name)
    print(f"  picture: {picture}")
    best = min(results, key=lambda k: results[k]["final_train_loss"])
    print(f"\n  lowest training loss: {best}")
    metrics.update({
        "data": data_name,
        "epochs": epochs,
        "network": results,
        "final_loss": {k: r["final_train_loss"] for k, r in results.items()},
        "lowest_train_loss": best,
        "all_finite": all(math.isfinite(r["final_train_loss"]) for r in results.values()),
        "momentum_beats_sgd": results["SGD + momentum"]["final_train_loss"]
        < results["SGD"]["final_train_loss"],
        "adam_beats_sgd": results["Adam"]["final_train_loss"] < results["SGD"]["final_train_loss"],
    })
    write_metrics(args.out, metrics)
    return metrics
