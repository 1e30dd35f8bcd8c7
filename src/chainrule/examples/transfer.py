"""transfer: reuse what a network learned on one task for a related task with few samples.

1. Pretrain a small CNN on the digits 0-4 (the whole training split of those classes).
2. Freeze its convolutional body with ``requires_grad_(False)`` and train only a new head
   (Linear-ReLU-Linear) on the digits 5-9, with a handful of images per class.
3. Train the same architecture from scratch on exactly those images.

Steps 2 and 3 are repeated on several random draws of the few images, and the mean test
accuracies are compared: the frozen, pretrained filters (strokes, edges, curves) carry
over, and the fine-tuned model beats the one trained from scratch. The margin on these
8x8 digits is modest (a few points): the images are so simple that even a network trained
on 25 of them does well; the point is the mechanics, and that the direction is reliable.

Freezing everything up to the last hidden layer works badly here: those 64 ReLU units
were trained to tell 0-4 apart, and many stay silent on 5-9. The convolution filters are
the general part of the network.
"""

from __future__ import annotations

import os
import time

import numpy as np

NAME = "transfer"
DESCRIPTION = "pretrain on digits 0-4, freeze the conv body, fine-tune a head on few 5-9 images"
ORDER = 10


def build_body():
    from chainrule import nn

    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
    )


def build_head():
    from chainrule import nn

    return nn.Sequential(nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 5))


def _few_per_class(y: np.ndarray, classes, per_class: int, seed: int) -> np.ndarray:
    """Indices of ``per_class`` random samples of each class, drawn without replacement."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    labels = y[order]
    wanted = np.isin(labels, classes)
    order, labels = order[wanted], labels[wanted]
    by_class = np.argsort(labels, kind="stable")
    order, labels = order[by_class], labels[by_class]
    _, starts, counts = np.unique(labels, return_index=True, return_counts=True)
    rank = np.arange(len(labels)) - np.repeat(starts, counts)
    return np.sort(order[rank < per_class])


def main(args) -> dict:
    import chainrule as cr
    from chainrule import nn
    from chainrule.datasets import digits, train_test_split
    from chainrule.examples._common import banner, prepare_out, pyplot, write_metrics
    from chainrule.train import evaluate, fit

    start = time.perf_counter()
    out = prepare_out(args)
    per_class = 5
    draws = 3 if args.quick else 5
    pre_epochs = args.epochs or 10
    tune_epochs = 40

    X, y = digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    ytr, yte = y_train.numpy(), y_test.numpy()
    source, source_test = np.flatnonzero(ytr < 5), np.flatnonzero(yte < 5)
    target_test = np.flatnonzero(yte >= 5)
    test_X, test_y = X_test[target_test], y_test[target_test] - 5

    banner(f"1. pretrain on digits 0-4 ({len(source)} images)")
    cr.manual_seed(args.seed)
    body = build_body()
    pretrained = nn.Sequential(body, build_head())
    fit(pretrained, (X_train[source], y_train[source]), loss="cross_entropy",
        optimizer=cr.optim.Adam(pretrained.parameters(), lr=3e-3), epochs=pre_epochs,
        batch_size=32, seed=args.seed, progress=True)
    source_acc = evaluate(pretrained, (X_test[source_test], y_test[source_test]))["accuracy"]
    print(f"pretrained model on the 0-4 test images: {source_acc:.2%}")
    body.requires_grad_(False)
    frozen = sum(p.numel() for p in body.parameters())

    banner(f"2./3. digits 5-9 from {per_class} images per class: frozen body + new head vs "
           f"from scratch, {draws} random draws")
    tuned_accs, scratch_accs, curves = [], [], []
    for draw in range(draws):
        few = _few_per_class(ytr, [5, 6, 7, 8, 9], per_class, args.seed * 1000 + draw)
        few_X, few_y = X_train[few], y_train[few] - 5

        cr.manual_seed(args.seed + draw + 1)
        tuned = nn.Sequential(body, build_head())
        trainable = [p for p in tuned.parameters() if p.requires_grad]
        tuned_hist = fit(tuned, (few_X, few_y), loss="cross_entropy",
                         optimizer=cr.optim.Adam(trainable, lr=3e-3), epochs=tune_epochs,
                         batch_size=16, val_data=(test_X, test_y), seed=draw, progress=False)
        tuned_accs.append(evaluate(tuned, (test_X, test_y))["accuracy"])

        cr.manual_seed(args.seed + draw + 1)
        scratch = nn.Sequential(build_body(), build_head())
        scratch_hist = fit(scratch, (few_X, few_y), loss="cross_entropy",
                           optimizer=cr.optim.Adam(scratch.parameters(), lr=3e-3),
                           epochs=tune_epochs, batch_size=16, val_data=(test_X, test_y),
                           seed=draw, progress=False)
        scratch_accs.append(evaluate(scratch, (test_X, test_y))["accuracy"])
        curves.append((tuned_hist["val_accuracy"], scratch_hist["val_accuracy"]))
        print(f"  draw {draw + 1}: fine-tuned {tuned_accs[-1]:.2%}, from scratch "
              f"{scratch_accs[-1]:.2%}  (trainable parameters {sum(p.numel() for p in trainable)}"
              f" vs {sum(p.numel() for p in scratch.parameters())}; {frozen} frozen)",
              flush=True)

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for i, (t, s) in enumerate(curves):
        ax.plot(range(1, tune_epochs + 1), t, color="tab:blue", alpha=0.7,
                label="frozen pretrained body + new head" if i == 0 else None)
        ax.plot(range(1, tune_epochs + 1), s, color="tab:orange", alpha=0.7, ls="--",
                label="from scratch" if i == 0 else None)
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy on digits 5-9")
    ax.set_title(f"transfer with {per_class} training images per class ({draws} draws)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    picture = os.path.join(out, "transfer_vs_scratch.png")
    fig.savefig(picture, dpi=110)
    plt.close(fig)

    tuned_acc, scratch_acc = float(np.mean(tuned_accs)), float(np.mean(scratch_accs))
    early = 10  # the pretrained filters also make learning faster
    tuned_early = float(np.mean([t[early - 1] for t, _ in curves]))
    scratch_early = float(np.mean([s[early - 1] for _, s in curves]))
    banner("result")
    print(f"digits 5-9, {5 * per_class} training images, {len(target_test)} test images, mean "
          f"over {draws} draws:")
    print(f"  fine-tuned (frozen body) {tuned_acc:.2%}")
    print(f"  from scratch             {scratch_acc:.2%}")
    print(f"  transfer {'beats' if tuned_acc > scratch_acc else 'does NOT beat'} scratch by "
          f"{(tuned_acc - scratch_acc) * 100:+.1f} points")
    print(f"  after {early} of {tune_epochs} epochs: fine-tuned {tuned_early:.2%}, from scratch "
          f"{scratch_early:.2%}")
    metrics = {"example": NAME, "quick": bool(args.quick), "per_class": per_class,
               "draws": draws, "pretrain_epochs": pre_epochs, "finetune_epochs": tune_epochs,
               "source_test_accuracy": source_acc, "finetuned_accuracy": tuned_acc,
               "scratch_accuracy": scratch_acc, "finetuned_accuracies": tuned_accs,
               "scratch_accuracies": scratch_accs,
               "transfer_beats_scratch": tuned_acc > scratch_acc,
               f"finetuned_accuracy_epoch{early}": tuned_early,
               f"scratch_accuracy_epoch{early}": scratch_early,
               "train_samples": 5 * per_class, "test_samples": int(len(target_test)),
               "wall_time_s": time.perf_counter() - start, "pictures": [picture]}
    write_metrics(out, metrics)
    return metrics
