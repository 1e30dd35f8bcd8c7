"""The 8x8 handwritten digits bundled with scikit-learn (1,797 images; no download)."""

from __future__ import annotations

import numpy as np

from chainrule.tensor import Tensor


def digits(return_tensors: bool = True):
    """The UCI optical-recognition digits as ``(images, labels)``.

    Images are float32 of shape ``(1797, 1, 8, 8)``, scaled from the original 0..16
    intensities to [0, 1]; labels are int64 in 0..9. Needs scikit-learn (the data ship
    inside it, so nothing is downloaded).

    Args:
        return_tensors: return chainrule tensors (default) or NumPy arrays.

    Example:
        >>> X, y = digits()
        >>> tuple(X.shape), X.dtype, y.dtype
        ((1797, 1, 8, 8), chainrule.float32, chainrule.int64)
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("digits() needs scikit-learn: pip install scikit-learn "
                          "(or chainrule[data])") from e
    bunch = load_digits()
    images = (np.asarray(bunch.data, dtype=np.float32) / np.float32(16.0)).reshape(-1, 1, 8, 8)
    labels = np.asarray(bunch.target, dtype=np.int64)
    if return_tensors:
        return Tensor._wrap(np.ascontiguousarray(images)), Tensor._wrap(labels)
    return images, labels


def _np(x) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def train_test_split(X, y, test_size: float | int = 0.2, seed: int = 0, stratify: bool = True):
    """Split ``(X, y)`` into ``X_train, X_test, y_train, y_test``, deterministically.

    With ``stratify`` (default) every class keeps its proportion: each class contributes
    ``round(test_size * count)`` samples to the test set (the rounding remainder is
    settled so the test set has exactly the requested size). Samples are drawn with a
    NumPy generator seeded by ``seed``, and each part keeps the original sample order.

    Args:
        X, y: tensors or arrays with the same first dimension (``y`` class labels when
            stratifying).
        test_size: a fraction in (0, 1) or a number of samples.
        seed: the seed of the draw.
        stratify: keep class proportions.

    Returns:
        ``(X_train, X_test, y_train, y_test)``, of the same kind as the inputs.

    Example:
        >>> import numpy as np
        >>> X, y = np.arange(20).reshape(10, 2), np.array([0] * 5 + [1] * 5)
        >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.4, seed=0)
        >>> len(X_tr), len(X_te), sorted(y_te.tolist())
        (6, 4, [0, 0, 1, 1])
    """
    xa, ya = _np(X), _np(y)
    n = len(ya)
    if len(xa) != n:
        raise ValueError(f"X and y differ in length: {len(xa)} vs {n}")
    n_test = int(round(test_size * n)) if isinstance(test_size, float) else int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"test_size={test_size} gives {n_test} of {n} samples for testing")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    if stratify:
        # Sort the shuffled indices by class (stable, so the shuffle survives inside each
        # class) and give every sample its rank within its class.
        labels = ya[order]
        by_class = np.argsort(labels, kind="stable")
        order, labels = order[by_class], labels[by_class]
        classes, starts, counts = np.unique(labels, return_index=True, return_counts=True)
        rank = np.arange(n) - np.repeat(starts, counts)
        share = counts * (n_test / n)
        quota = np.floor(share).astype(np.int64)
        # Hand the leftover test slots to the classes with the largest remainders.
        leftover = n_test - quota.sum()
        quota[np.argsort(-(share - quota), kind="stable")[:leftover]] += 1
        is_test = rank < np.repeat(quota, counts)
    else:
        is_test = np.zeros(n, dtype=bool)
        is_test[:n_test] = True
    test_idx, train_idx = np.sort(order[is_test]), np.sort(order[~is_test])

    def take(a, idx):
        return Tensor._wrap(np.ascontiguousarray(_np(a)[idx])) if isinstance(a, Tensor) \
            else _np(a)[idx]

    return take(X, train_idx), take(X, test_idx), take(y, train_idx), take(y, test_idx)
