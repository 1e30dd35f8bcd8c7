"""mnist: the classic 28x28 CNN (conv 32 3x3, max-pool, dense 128, softmax) trained with Adam.

Runs on real MNIST when ``--data DIR`` points at the four IDX files (plain or .gz); the
target there is at least 98.5% test accuracy. Without ``--data`` it says which files it
needs and where to get them, writes a ``metrics.json`` that records the skip, and exits 0.

The network ends in ``LogSoftmax``: its output is the log of the softmax probabilities,
trained with the negative log-likelihood (the same as softmax + cross-entropy, without
taking the log of a rounded probability).
"""

from __future__ import annotations

import os
import time

NAME = "mnist"
DESCRIPTION = "28x28 CNN (conv 32 3x3, max-pool, dense 128, softmax) on MNIST IDX files"
ORDER = 6

TARGET = 0.985


def build_model():
    from chainrule import nn

    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(32 * 13 * 13, 128), nn.ReLU(),
        nn.Linear(128, 10), nn.LogSoftmax(dim=1),
    )


def _skip(args, out) -> dict:
    from chainrule.datasets import MNIST
    from chainrule.examples._common import write_metrics

    files = MNIST.required_files()
    print("mnist: no data given, so nothing to train on. This example needs the four MNIST "
          "IDX files (each plain or gzipped):")
    for name in files:
        print(f"  {name}")
    print("Get them from any of:")
    for mirror in MNIST.mirrors:
        print(f"  {mirror}")
    print("into a directory DIR, then run:  chainrule run mnist --data DIR\n"
          "(or let chainrule fetch and MD5-check them: "
          "python -c \"from chainrule.datasets import MNIST; MNIST('DIR', download=True)\")")
    metrics = {"example": NAME, "skipped": True,
               "reason": "no --data directory with the MNIST IDX files",
               "required_files": files, "mirrors": list(MNIST.mirrors)}
    write_metrics(out, metrics)
    return metrics


def main(args) -> dict:
    from chainrule.examples._common import prepare_out

    out = prepare_out(args)
    if not args.data:
        return _skip(args, out)

    import numpy as np

    import chainrule as cr
    from chainrule.datasets import MNIST, train_test_split
    from chainrule.examples._common import (
        banner,
        confusion_matrix,
        plot_confusion,
        write_metrics,
    )
    from chainrule.train import evaluate, fit

    start = time.perf_counter()
    X_train, y_train = MNIST(args.data, train=True).tensors()
    X_test, y_test = MNIST(args.data, train=False).tensors()
    if args.quick:  # a few hundred samples: checks the whole pipeline in seconds
        if len(X_train) > 600:
            X_train, _, y_train, _ = train_test_split(X_train, y_train, test_size=len(X_train)
                                                      - 600, seed=0)
        if len(X_test) > 300:
            _, X_test, _, y_test = train_test_split(X_test, y_test, test_size=300, seed=0)
    epochs = args.epochs or (3 if args.quick else 8)
    banner(f"mnist: {len(X_train)} training and {len(X_test)} test images from {args.data}")

    cr.manual_seed(args.seed)
    model = build_model()
    print(model)
    optimizer = cr.optim.Adam(model.parameters(), lr=1e-3)
    history = fit(model, (X_train, y_train), loss="nll", optimizer=optimizer, epochs=epochs,
                  batch_size=64 if args.quick else 128, val_data=(X_test, y_test),
                  seed=args.seed, progress=True)
    test = evaluate(model, (X_test, y_test), loss="nll")
    with cr.no_grad():
        model.eval()
        pred = np.concatenate([model(X_test[i:i + 1000]).argmax(dim=1).numpy()
                               for i in range(0, len(X_test), 1000)])
    curves = history.plot(os.path.join(out, "training_curves.png"), title="MNIST CNN")
    cm = confusion_matrix(y_test.numpy(), pred, 10)
    confusion = plot_confusion(cm, os.path.join(out, "confusion_matrix.png"),
                               title=f"MNIST test: accuracy {test['accuracy']:.2%}")
    cr.save(model.state_dict(), os.path.join(out, "model.safetensors"))
    wall = time.perf_counter() - start
    full = not args.quick and len(X_train) >= 60000
    banner("result")
    print(f"test accuracy {test['accuracy']:.2%}, test loss {test['loss']:.4f} "
          f"({wall:.0f} s)" + (f"; target {TARGET:.1%}: "
                               f"{'reached' if test['accuracy'] >= TARGET else 'NOT reached'}"
                               if full else ""))
    metrics = {"example": NAME, "skipped": False, "quick": bool(args.quick), "epochs": epochs,
               "train_samples": len(X_train), "test_samples": len(X_test),
               "test_accuracy": test["accuracy"], "test_loss": test["loss"],
               "target_accuracy": TARGET if full else None,
               "reached_target": (test["accuracy"] >= TARGET) if full else None,
               "wall_time_s": wall, "history": history.to_dict()["history"],
               "pictures": [curves, confusion]}
    write_metrics(out, metrics)
    return metrics
