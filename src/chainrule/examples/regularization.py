"""L1, L2 and dropout against overfitting: one over-sized network, 60 noisy samples.

The problem is two interleaved half-moons with noisy points and 10% of the labels flipped;
only 60 samples are there to train on, 500 to validate. A 2-128-128-2 ReLU network has
about 17,000 parameters, enough to memorize every training point, flipped labels included:
its training loss goes to zero while its validation loss climbs, because it becomes
confidently wrong around each memorized outlier. Three regularizers, each trained from the
same initial weights with Adam:

- **L1**: ``lambda * sum |w|`` added to the loss; its gradient ``lambda * sign(w)`` pushes
  every weight toward zero by the same amount, so many end up (near) zero;
- **L2**: the optimizer's ``weight_decay``, i.e. the gradient of ``wd/2 * sum w^2``: every
  weight shrinks in proportion to its size;
- **dropout**: ``nn.Dropout(0.5)`` after each hidden layer during training, so no unit can
  rely on particular others (off at evaluation, ``model.eval()``).
"""

from __future__ import annotations

import os

import numpy as np

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.examples import write_metrics
from chainrule.viz import plot_regularization

NAME = "regularization"
DESCRIPTION = "L1, L2 (weight decay) and dropout against overfitting: train/validation curves"
ORDER = 9

HIDDEN = 128
LR = 3e-3
L1_LAMBDA = 2e-3
WEIGHT_DECAY = 1e-2
DROPOUT = 0.5
N_TRAIN = 60


def noisy_moons(n: int, rng: np.random.Generator, noise: float = 0.2, flip: float = 0.1):
    """Two half-moons with Gaussian noise; a fraction ``flip`` of the labels swapped."""
    label = (np.arange(n) >= n // 2).astype(np.int64)
    t = rng.uniform(0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where(label[:, None] == 0, upper, lower) + rng.normal(0, noise, (n, 2))
    label = np.where(rng.uniform(size=n) < flip, 1 - label, label)
    return x.astype(np.float32), label


def make_model(dropout: float = 0.0) -> nn.Sequential:
    layers: list[nn.Module] = []
    for n_in in (2, HIDDEN):
        # Dropout(0.0) is the identity; keeping it keeps the state_dict keys of all four
        # models the same (Sequential names layers by position).
        layers += [nn.Linear(n_in, HIDDEN), nn.ReLU(), nn.Dropout(dropout)]
    layers.append(nn.Linear(HIDDEN, 2))
    return nn.Sequential(*layers)


def l1_penalty(model) -> cr.Tensor:
    """``sum |w|`` over the weight matrices (biases are not penalized)."""
    return sum(p.abs().sum() for name, p in model.named_parameters() if name.endswith("weight"))


def _scores(model, x, y) -> tuple[float, float]:
    model.eval()
    with cr.no_grad():
        logits = model(x)
        loss = float(F.cross_entropy(logits, y).item())
        acc = float((logits.argmax(1) == y).float().mean().item())
    return loss, acc


def train(kind: str, data, initial, epochs: int, every: int) -> tuple[nn.Module, dict]:
    """Full-batch Adam; ``kind`` in none/L1/L2/dropout. Records losses every ``every``."""
    (x, y), (xv, yv) = data
    model = make_model(DROPOUT if kind == "dropout" else 0.0)
    model.load_state_dict(initial)
    optimizer = cr.optim.Adam(model.parameters(), lr=LR,
                              weight_decay=WEIGHT_DECAY if kind == "L2" else 0.0)
    run = {"epoch": [], "loss": [], "val_loss": [], "accuracy": [], "val_accuracy": []}
    for epoch in range(1, epochs + 1):
        model.train()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        if kind == "L1":
            loss = loss + L1_LAMBDA * l1_penalty(model)
        loss.backward()
        optimizer.step()
        if epoch % every == 0 or epoch == epochs:
            # Both losses without the penalty and without dropout, so they compare.
            tr, tr_acc = _scores(model, x, y)
            va, va_acc = _scores(model, xv, yv)
            for key, value in zip(("epoch", "loss", "val_loss", "accuracy", "val_accuracy"),
                                  (epoch, tr, va, tr_acc, va_acc)):
                run[key].append(value)
    run["weights"] = np.concatenate([p.detach().numpy().ravel()
                                     for name, p in model.named_parameters()
                                     if name.endswith("weight")])
    return model, run


def _plot_boundaries(path, models, data):
    from matplotlib.figure import Figure

    (x, y), _ = data
    xs, ys = x.numpy(), y.numpy()
    gx, gy = np.meshgrid(np.linspace(-2, 3, 150), np.linspace(-1.6, 2.1, 120))
    grid = cr.tensor(np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32))
    fig = Figure(figsize=(4 * len(models), 3.6))
    axes = fig.subplots(1, len(models))
    for ax, (label, model) in zip(axes, models.items()):
        model.eval()
        with cr.no_grad():
            prob = F.softmax(model(grid), dim=1).numpy()[:, 1].reshape(gx.shape)
        ax.contourf(gx, gy, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.45)
        ax.contour(gx, gy, prob, levels=[0.5], colors="black", linewidths=1)
        for cls, marker, color in ((0, "o", "#1f4fd1"), (1, "s", "#d62a1e")):
            pick = ys == cls
            ax.scatter(xs[pick, 0], xs[pick, 1], marker=marker, c=color, edgecolors="white",
                       linewidths=0.8, s=30, label=f"class {cls}")
        ax.set_title(label)
        ax.legend(fontsize=7, loc="lower left")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"Decision boundaries learned from the {len(xs)} training points "
                 "(10% of the labels flipped)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def main(args) -> dict:
    """Train the same over-sized network four ways and compare validation losses.

    Args:
        args: ``epochs`` (full-batch steps; default 600, 300 with ``quick``), ``seed`` (data
            and initial weights), ``quick``, ``out`` (``regularization.png``,
            ``boundaries.png``, ``metrics.json``); ``data`` unused.
    """
    os.makedirs(args.out, exist_ok=True)
    epochs = args.epochs or (300 if args.quick else 600)
    rng = np.random.default_rng(args.seed)
    data = tuple((cr.tensor(a), cr.tensor(b)) for a, b in (noisy_moons(N_TRAIN, rng),
                                                          noisy_moons(500, rng)))
    cr.manual_seed(args.seed)
    initial = {k: v.clone() for k, v in make_model().state_dict().items()}
    labels = {"none": "no regularization", "L1": f"L1 (lambda={L1_LAMBDA:g})",
              "L2": f"L2 (weight_decay={WEIGHT_DECAY:g})", "dropout": f"dropout (p={DROPOUT})"}
    print(f"{HIDDEN}x{HIDDEN} ReLU MLP on {N_TRAIN} noisy two-moons samples, {epochs} full-batch "
          f"Adam steps (lr {LR:g}), same initial weights for every run\n")
    runs, models = {}, {}
    for kind in labels:
        cr.manual_seed(args.seed + 1)  # the dropout masks
        models[labels[kind]], runs[kind] = train(kind, data, initial, epochs,
                                                 every=max(1, epochs // 60))
    print(f"  {'':<30} {'train loss':>10} {'val loss':>9} {'best val':>9} {'val acc':>8} "
          f"{'|w|<0.01':>9}")
    for kind, run in runs.items():
        small = float(np.mean(np.abs(run["weights"]) < 1e-2))
        print(f"  {labels[kind]:<30} {run['loss'][-1]:>10.4f} {run['val_loss'][-1]:>9.4f} "
              f"{min(run['val_loss']):>9.4f} {run['val_accuracy'][-1]:>8.1%} {small:>9.1%}")
    final_val = {kind: run["val_loss"][-1] for kind, run in runs.items()}
    better = [kind for kind in ("L1", "L2", "dropout") if final_val[kind] < final_val["none"]]
    print(f"\nvalidation loss lower than without regularization: {', '.join(better) or 'none'}")
    picture = plot_regularization({labels[k]: run for k, run in runs.items()},
                                  os.path.join(args.out, "regularization.png"),
                                  title="Train vs validation loss (cross-entropy); bottom: "
                                        "final weights")
    boundaries = _plot_boundaries(os.path.join(args.out, "boundaries.png"), models, data)
    print(f"pictures: {picture}, {boundaries}")
    metrics = {
        "epochs": epochs,
        "final_train_loss": {k: run["loss"][-1] for k, run in runs.items()},
        "final_val_loss": final_val,
        "best_val_loss": {k: min(run["val_loss"]) for k, run in runs.items()},
        "final_val_accuracy": {k: run["val_accuracy"][-1] for k, run in runs.items()},
        "fraction_small_weights": {k: float(np.mean(np.abs(run["weights"]) < 1e-2))
                                   for k, run in runs.items()},
        "regularized_better": better,
        "unregularized_worse_than_some": bool(better),
    }
    write_metrics(args.out, metrics)
    return metrics
