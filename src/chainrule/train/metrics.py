"""Metrics for :func:`chainrule.train.fit`: plain functions of ``(output, target)``.

A metric takes the model's output and the targets for one batch (tensors or arrays) and
returns a Python float: the mean over the batch. ``fit`` and ``evaluate`` weight each
batch's value by its number of samples, so the epoch value is the exact mean over all
samples for every metric here (each is a mean of per-sample values).

Metrics are looked up by name in :data:`METRICS` (``"accuracy"``, ``"acc"``,
``"top5_accuracy"``, ``"mae"``...); :func:`register_metric` adds one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

Metric = Callable[[object, object], float]


def _array(x) -> np.ndarray:
    data = getattr(x, "_data", None)
    return np.asarray(x if data is None else data)


def _predicted_classes(output: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Class predictions from logits or probabilities.

    Multi-class output ``(N, C, ...)`` with integer targets ``(N, ...)``: argmax over dim 1
    (ties go to the lowest class, as ``argmax`` does). A single score per sample (shape
    ``(N,)`` or ``(N, 1)``, matching the target's size): binary, predicted 1 when the score
    is above 0.5 for probabilities in [0, 1], or above 0 for logits (any value outside
    [0, 1] marks the batch as logits).
    """
    if output.ndim == target.ndim + 1 and output.shape[1] > 1:
        return output.argmax(axis=1)
    scores = output.reshape(target.shape) if output.size == target.size else output
    if scores.shape != target.shape:
        raise ValueError(
            f"accuracy: cannot match output of shape {output.shape} to target of shape "
            f"{target.shape}; expected (N, C) logits with (N,) class targets, or one score "
            f"per target")
    probabilities = scores.size > 0 and scores.min() >= 0.0 and scores.max() <= 1.0
    return (scores > (0.5 if probabilities else 0.0)).astype(np.int64)


def accuracy(output, target) -> float:
    """Fraction of samples whose predicted class equals the target.

    Works for multi-class logits or probabilities ``(N, C)`` against class indices ``(N,)``
    (argmax), for one-hot targets ``(N, C)`` (argmax of both), and for binary outputs (one
    logit or probability per sample) against 0/1 targets: a score counts as class 1 above
    0.5 when every score in the batch lies in [0, 1] (probabilities), above 0 otherwise
    (logits). A batch of logits that all happen to fall in [0, 1] is read as probabilities;
    pass sigmoid outputs (or use ``binary_accuracy_logits``) when that matters.

    Example:
        >>> import chainrule as cr
        >>> accuracy(cr.tensor([[2.0, 1.0], [0.0, 3.0]]), cr.tensor([0, 0]))
        0.5
        >>> accuracy(cr.tensor([0.9, 0.2, 0.6]), cr.tensor([1.0, 0.0, 0.0]))
        0.6666666666666666
    """
    out, tgt = _array(output), _array(target)
    if out.shape == tgt.shape and out.ndim >= 2 and out.shape[1] > 1:  # one-hot targets
        return float(np.mean(out.argmax(axis=1) == tgt.argmax(axis=1)))
    pred = _predicted_classes(out, tgt)
    return float(np.mean(pred == tgt.astype(np.int64)))


def binary_accuracy_logits(output, target) -> float:
    """Accuracy of binary logits: class 1 where the logit is above 0.

    Example:
        >>> import chainrule as cr
        >>> binary_accuracy_logits(cr.tensor([0.3, -1.0]), cr.tensor([1.0, 1.0]))
        0.5
    """
    out, tgt = _array(output), _array(target)
    return float(np.mean((out.reshape(tgt.shape) > 0) == (tgt > 0.5)))


def top_k_accuracy(output, target, k: int = 5) -> float:
    """Fraction of samples whose target is among the ``k`` highest scores.

    Args:
        output: scores ``(N, C)``.
        target: class indices ``(N,)``.
        k: how many of the top classes count as a hit.

    Example:
        >>> import chainrule as cr
        >>> out = cr.tensor([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1]])
        >>> top_k_accuracy(out, cr.tensor([2, 2]), k=2)
        0.5
    """
    out, tgt = _array(output), _array(target).astype(np.int64)
    if out.ndim != 2:
        raise ValueError(f"top_k_accuracy expects (N, C) scores, got shape {out.shape}")
    k = min(int(k), out.shape[1])
    # The target is in the top k iff fewer than k classes score strictly higher than it
    # (ties count in the target's favour).
    target_score = np.take_along_axis(out, tgt[:, None], axis=1)
    return float(np.mean((out > target_score).sum(axis=1) < k))


def mean_absolute_error(output, target) -> float:
    """Mean of ``|output - target|`` over all elements (output reshaped to the target's
    shape when they hold the same number of elements, e.g. ``(N, 1)`` against ``(N,)``).

    Example:
        >>> import chainrule as cr
        >>> mean_absolute_error(cr.tensor([[1.0], [2.0]]), cr.tensor([1.5, 2.0]))
        0.25
    """
    out, tgt = _array(output), _array(target)
    if out.shape != tgt.shape and out.size == tgt.size:
        out = out.reshape(tgt.shape)
    return float(np.mean(np.abs(out.astype(np.float64) - tgt)))


METRICS: dict[str, Metric] = {
    "accuracy": accuracy,
    "acc": accuracy,
    "binary_accuracy": accuracy,
    "mae": mean_absolute_error,
    "mean_absolute_error": mean_absolute_error,
}
"""Metrics by name. ``"topK_accuracy"`` (``top5_accuracy``, ``top3_acc``...) is also
understood by :func:`get_metric`."""


def register_metric(name: str, fn: Metric) -> None:
    """Make ``fn(output, target) -> float`` available to ``fit(metrics=[name])``."""
    METRICS[name] = fn


def get_metric(metric: str | Metric) -> tuple[str, Metric]:
    """``(name, function)`` for a metric given by name or as a callable.

    Example:
        >>> get_metric("top3_accuracy")[0]
        'top3_accuracy'
    """
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    if metric in METRICS:
        return metric, METRICS[metric]
    match = re.fullmatch(r"top_?(\d+)_acc(uracy)?", metric)
    if match:
        k = int(match.group(1))

        def top_k(output, target, _k=k):
            return top_k_accuracy(output, target, k=_k)

        top_k.__name__ = metric
        return metric, top_k
    raise ValueError(f"unknown metric {metric!r}; known: {sorted(METRICS)} and topK_accuracy")
