"""digits: a small CNN on the 8x8 handwritten digits, trained with ``fit`` and Adam.

The main job: at least 98% test accuracy in under a minute on 2 CPU cores, with a progress
bar, training curves, a confusion matrix, the learned filters and feature maps, a saved
checkpoint (safetensors) and a check that a fresh model reloaded from it predicts exactly
the same.

The test set (20%, stratified, always split with seed 0) is shown as the validation curve
while training; nothing is chosen by it (no early stopping, no best-epoch selection), so
the final number is an honest test accuracy of the last epoch's weights.
"""

from __future__ import annotations

import os
import time

import numpy as np

NAME = "digits"
DESCRIPTION = "a small CNN on the embedded 8x8 digits: >= 98% test accuracy in under a minute"
ORDER = 5

TARGET = 0.98
QUICK_TARGET = 0.85


def build_model():
    """Conv(1->16) - BN - ReLU - Conv(16->32) - BN - ReLU - MaxPool - Linear(512->128) - ReLU -
    Dropout - Linear(128->10): about 74 thousand parameters."""
    from chainrule import nn

    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(32 * 4 * 4, 128), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(128, 10),
    )


def _plot_filters(model, image, path) -> None:
    """The 16 first-layer filters, and the feature maps they produce on one test image."""
    import chainrule as cr
    from chainrule.examples._common import pyplot

    plt = pyplot()
    weights = model[0].weight.detach().numpy()[:, 0]
    with cr.no_grad():
        model.eval()
        maps = model[2](model[1](model[0](image[None]))).numpy()[0]
    fig, axes = plt.subplots(3, 16, figsize=(16, 3.4))
    axes[0, 0].imshow(image.numpy()[0], cmap="gray_r")
    axes[0, 0].set_title("input", fontsize=8)
    for ax in axes[0, 1:]:
        ax.axis("off")
    for i in range(16):
        limit = float(np.abs(weights[i]).max()) or 1.0  # white = 0, red > 0, blue < 0
        axes[1, i].imshow(weights[i], cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[2, i].imshow(maps[i], cmap="viridis")
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[1, 0].set_ylabel("filters", fontsize=8)
    axes[2, 0].set_ylabel("feature\nmaps", fontsize=8)
    fig.suptitle("first convolution layer: learned 3x3 filters and their ReLU feature maps")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(args) -> dict:
    import chainrule as cr
    from chainrule.datasets import digits, train_test_split
    from chainrule.examples._common import (
        banner,
        confusion_matrix,
        plot_confusion,
        prepare_out,
        write_metrics,
    )
    from chainrule.train import ModelCheckpoint, evaluate, fit, load_checkpoint, predict

    start = time.perf_counter()
    out = prepare_out(args)
    epochs = args.epochs or (4 if args.quick else 20)
    target = QUICK_TARGET if args.quick else TARGET

    X, y = digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    if args.quick:  # a quarter of the training set: the same pipeline in a few seconds
        X_train, _, y_train, _ = train_test_split(X_train, y_train, test_size=0.75, seed=0)
    banner(f"digits: {len(X_train)} training and {len(X_test)} test images of 8x8 pixels")

    cr.manual_seed(args.seed)
    model = build_model()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params:,} parameters\n{model}")
    optimizer = cr.optim.Adam(model.parameters(), lr=3e-3)
    scheduler = cr.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    ckpt_path = os.path.join(out, "checkpoint.safetensors")
    checkpoint = ModelCheckpoint(ckpt_path)  # every epoch: the file holds the last one

    train_start = time.perf_counter()
    history = fit(model, (X_train, y_train), loss="cross_entropy", optimizer=optimizer,
                  epochs=epochs, batch_size=32, val_data=(X_test, y_test),
                  metrics=("accuracy",), callbacks=[checkpoint], scheduler=scheduler,
                  seed=args.seed, progress=True)
    train_time = time.perf_counter() - train_start

    test = evaluate(model, (X_test, y_test), loss="cross_entropy")
    logits = predict(model, X_test)
    pred = logits.argmax(dim=1).numpy()

    # Reload check: a freshly built model loaded from the checkpoint file must give
    # bit-identical predictions.
    fresh = build_model()
    fresh.load_state_dict(load_checkpoint(ckpt_path)["model"])
    reloaded = predict(fresh, X_test)
    identical = bool(np.array_equal(logits.numpy(), reloaded.numpy()))

    curves = history.plot(os.path.join(out, "training_curves.png"),
                          title="digits CNN (validation = held-out test set)")
    cm = confusion_matrix(y_test.numpy(), pred, 10)
    confusion = plot_confusion(cm, os.path.join(out, "confusion_matrix.png"),
                               title=f"digits test set: accuracy {test['accuracy']:.2%}")
    filters = os.path.join(out, "filters.png")
    _plot_filters(model, X_test[0], filters)

    wall = time.perf_counter() - start
    errors = np.argwhere(cm * (1 - np.eye(10, dtype=np.int64)) > 0)
    worst = sorted(((int(cm[t, p]), int(t), int(p)) for t, p in errors), reverse=True)[:3]
    banner("result")
    print(f"test accuracy {test['accuracy']:.2%} ({int((pred != y_test.numpy()).sum())} of "
          f"{len(pred)} wrong), test loss {test['loss']:.4f}; target {target:.0%}: "
          f"{'reached' if test['accuracy'] >= target else 'NOT reached'}")
    if worst:
        print("most frequent confusions (true -> predicted): "
              + ", ".join(f"{t} -> {p} ({n}x)" for n, t, p in worst))
    print(f"training {train_time:.1f} s for {epochs} epochs; whole run {wall:.1f} s")
    print(f"checkpoint {ckpt_path}; reloaded into a fresh model: predictions "
          f"{'identical' if identical else 'DIFFERENT'}")
    print(f"pictures: {curves}, {confusion}, {filters}")

    metrics = {
        "example": NAME, "quick": bool(args.quick), "seed": args.seed, "epochs": epochs,
        "train_samples": len(X_train), "test_samples": len(X_test), "parameters": n_params,
        "test_accuracy": test["accuracy"], "test_loss": test["loss"],
        "target_accuracy": target, "reached_target": test["accuracy"] >= target,
        "train_time_s": train_time, "wall_time_s": wall, "reload_identical": identical,
        "checkpoint": ckpt_path, "history": history.to_dict()["history"],
        "pictures": [curves, confusion, filters], "confusion_matrix": cm.tolist(),
    }
    write_metrics(out, metrics)
    return metrics
