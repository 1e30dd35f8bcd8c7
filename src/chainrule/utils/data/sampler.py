"""Samplers: the order in which a DataLoader visits a dataset's indices.

The built-in samplers draw a whole epoch of indices as one NumPy array
(``_index_array``); ``__iter__`` walks that array, so the DataLoader's fast path and
plain iteration consume the random generator identically and give the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized

import numpy as np


def _np_rng(generator=None) -> np.random.Generator:
    """The NumPy generator behind a ``chainrule.Generator`` (default: the global one)."""
    if generator is None:
        from chainrule import random as _random

        generator = _random.default_generator
    if isinstance(generator, np.random.Generator):
        return generator
    rng = getattr(generator, "np_rng", None)
    if rng is None:
        raise TypeError(
            f"generator must be a chainrule.Generator, got {type(generator).__name__}")
    return rng


class Sampler:
    """Base class of samplers: an iterable over dataset indices (or over batches of them,
    for a ``batch_sampler``)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    Example:
        >>> from chainrule.utils.data import SequentialSampler
        >>> list(SequentialSampler(range(3)))
        [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _index_array(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in random order: a fresh permutation each epoch, or, with ``replacement``,
    ``num_samples`` independent uniform draws.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement (default False).
        num_samples: indices per epoch (default ``len(data_source)``); without replacement
            a larger value chains several permutations.
        generator: a ``chainrule.Generator`` (default: the global one, so
            ``chainrule.manual_seed`` fixes the order).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.utils.data import RandomSampler
        >>> s = RandomSampler(range(5), generator=cr.Generator().manual_seed(0))
        >>> sorted(s)
        [0, 1, 2, 3, 4]
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                "num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_array(self) -> np.ndarray:
        n, k = len(self.data_source), self.num_samples
        rng = _np_rng(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=k)
        parts = [rng.permutation(n) for _ in range(k // n)]
        if k % n:
            parts.append(rng.permutation(n)[: k % n])
        return np.concatenate(parts) if len(parts) != 1 else parts[0]

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a fresh random order each epoch.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.utils.data import SubsetRandomSampler
        >>> s = SubsetRandomSampler([10, 20, 30], generator=cr.Generator().manual_seed(0))
        >>> sorted(s)
        [10, 20, 30]
    """

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def _index_array(self) -> np.ndarray:
        perm = _np_rng(self.generator).permutation(len(self.indices))
        return np.asarray(self.indices, dtype=np.int64)[perm]

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.utils.data import WeightedRandomSampler
        >>> s = WeightedRandomSampler([0.0, 1.0, 0.0], 4, generator=cr.Generator().manual_seed(0))
        >>> list(s)
        [1, 1, 1, 1]
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(
                "num_samples should be a positive integer value, but got "
                f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}")
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {w.shape}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _index_array(self) -> np.ndarray:
        w, n = self.weights, self.num_samples
        # checked when drawing, as torch.multinomial does
        if w.size == 0:
            raise RuntimeError("WeightedRandomSampler: weights is empty")
        if not np.isfinite(w).all():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (w < 0).any():
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry < 0)")
        if w.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        rng = _np_rng(self.generator)
        if self.replacement:
            return rng.choice(w.size, size=n, p=w / w.sum())
        if n > w.size:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        # Without replacement: the n largest of w_i / E_i with E_i ~ Exp(1) are a draw in
        # order of successive weighted choices; zero weights come after all positive ones
        # (the way torch.multinomial samples, so it never refuses zero-weight entries).
        with np.errstate(divide="ignore"):
            keys = w / rng.standard_exponential(w.size)
        return np.argsort(-keys, kind="stable")[:n]

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: any iterable of indices.
        batch_size: size of each batch.
        drop_last: drop the last batch if it is smaller than ``batch_size``.

    Example:
        >>> from chainrule.utils.data import BatchSampler, SequentialSampler
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if (not isinstance(batch_size, int) or isinstance(batch_size, bool)
                or batch_size <= 0):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(
                f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def _array_batches(self) -> Iterator[np.ndarray]:
        """The same batches as ``__iter__``, as index arrays, drawn in one go when the
        sampler is a built-in one (no per-index Python work)."""
        from chainrule.utils.data.distributed import DistributedSampler

        if type(self.sampler) not in _ARRAY_SAMPLERS + (DistributedSampler,):
            for batch in self:
                yield np.asarray(batch, dtype=np.intp)
            return
        idx = self.sampler._index_array().astype(np.intp, copy=False)
        n, bs = len(idx), self.batch_size
        stop = n - n % bs if self.drop_last else n
        for start in range(0, stop, bs):
            yield idx[start:start + bs]

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


_ARRAY_SAMPLERS = (SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler)
