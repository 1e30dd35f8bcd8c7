"""Helpers shared by the example modules (not an example itself: the name starts with _)."""

from __future__ import annotations

import os

import numpy as np

from chainrule.examples import write_metrics

__all__ = ["prepare_out", "confusion_matrix", "plot_confusion", "write_metrics", "banner",
           "pyplot"]


def prepare_out(args) -> str:
    """Create ``args.out`` and return it."""
    os.makedirs(args.out, exist_ok=True)
    return args.out


def banner(title: str) -> None:
    print(f"\n=== {title} ===", flush=True)


def pyplot():
    """matplotlib.pyplot on the Agg backend (files only, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts ``cm[true, predicted]``, computed with one ``bincount``.

    Example:
        >>> confusion_matrix([0, 1, 1], [0, 1, 0], 2).tolist()
        [[1, 0], [1, 1]]
    """
    t = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(y_pred, dtype=np.int64)
    return np.bincount(t * num_classes + p, minlength=num_classes**2).reshape(num_classes,
                                                                               num_classes)


def plot_confusion(cm: np.ndarray, path: str, labels=None, title: str = "") -> str:
    plt = pyplot()
    k = cm.shape[0]
    labels = list(range(k)) if labels is None else labels
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    im = ax.imshow(cm, cmap="Blues")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_xticks(range(k), labels)
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or "confusion matrix")
    threshold = cm.max() / 2 if cm.size else 0
    rows, cols = np.nonzero(cm >= 0)
    for r, c in zip(rows.tolist(), cols.tolist()):
        if cm[r, c]:
            ax.text(c, r, str(cm[r, c]), ha="center", va="center", fontsize=8,
                    color="white" if cm[r, c] > threshold else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
