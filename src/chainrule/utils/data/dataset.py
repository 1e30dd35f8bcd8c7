"""Datasets: the map-style ``Dataset`` protocol, ``TensorDataset``, ``Subset``,
``ConcatDataset``, ``StackDataset``, ``IterableDataset``, ``ChainDataset`` and
``random_split``."""

from __future__ import annotations

import math
import warnings
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from chainrule.tensor import Tensor
from chainrule.utils.data.sampler import _np_rng


class Dataset:
    """A map-style dataset: subclasses implement ``__getitem__(index)`` and usually
    ``__len__``. ``a + b`` concatenates two datasets.

    Example:
        >>> from chainrule.utils.data import Dataset
        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, i):
        ...         return i * i
        >>> ds = Squares() + Squares()
        >>> len(ds), ds[5]
        (8, 1)
    """

    def __getitem__(self, index) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses implement ``__iter__``. A ``DataLoader`` reads
    it in order and batches consecutive items (no sampler, no shuffling).

    Example:
        >>> from chainrule.utils.data import DataLoader, IterableDataset
        >>> class Count(IterableDataset):
        ...     def __iter__(self):
        ...         return iter(range(5))
        >>> [b.tolist() for b in DataLoader(Count(), batch_size=2)]
        [[0, 1], [2, 3], [4]]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __add__(self, other):
        """``a + b``: the stream of ``a`` followed by that of ``b`` (a :class:`ChainDataset`)."""
        return ChainDataset([self, other])


def _check_iterable(d):
    if not isinstance(d, IterableDataset):
        raise AssertionError(  # PyTorch's type for this error
            f"ChainDataset only supports IterableDataset, got {type(d).__name__}")


class ChainDataset(IterableDataset):
    """Several stream datasets read one after the other (``a + b`` for two of them).

    The parts are read lazily, as PyTorch does: each is checked to be an
    :class:`IterableDataset` when the chain reaches it (or when ``len`` is asked).

    Args:
        datasets: the :class:`IterableDataset` parts, in order.

    Example:
        >>> from chainrule.utils.data import ChainDataset, IterableDataset
        >>> class Count(IterableDataset):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter(range(self.n))
        ...     def __len__(self):
        ...         return self.n
        >>> chain = ChainDataset([Count(2), Count(3)])
        >>> list(chain), len(chain), list(Count(1) + Count(2))
        ([0, 1, 0, 1, 2], 5, [0, 0, 1])
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            _check_iterable(d)
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            _check_iterable(d)
            total += len(d)
        return total


class TensorDataset(Dataset):
    """Samples are slices along the first dimension of the given tensors:
    ``ds[i] == (t0[i], t1[i], ...)``.

    A ``DataLoader`` over a ``TensorDataset`` (or a ``Subset`` of one) with the default
    collation takes a fast path: one fancy-index per tensor per batch.

    Args:
        *tensors: tensors with the same size of dimension 0.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.utils.data import TensorDataset
        >>> ds = TensorDataset(cr.tensor([[1.0, 2.0], [3.0, 4.0]]), cr.tensor([0, 1]))
        >>> x, y = ds[1]
        >>> x.tolist(), y.item(), len(ds)
        ([3.0, 4.0], 1, 2)
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].shape[0] if tensors[0].ndim else None
        if any(t.ndim == 0 or t.shape[0] != n for t in tensors):
            shapes = ", ".join(str(list(t.shape)) for t in tensors)
            raise AssertionError(  # PyTorch's type for this error
                f"Size mismatch between tensors: TensorDataset needs the same size of "
                f"dimension 0 in every tensor, got shapes {shapes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``sub[i] ==
    dataset[indices[i]]``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.utils.data import Subset, TensorDataset
        >>> sub = Subset(TensorDataset(cr.arange(10)), [7, 2])
        >>> len(sub), sub[0][0].item()
        (2, 7)
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        inner = [self.indices[i] for i in indices]
        fetch = getattr(self.dataset, "__getitems__", None)
        if callable(fetch):
            return fetch(inner)
        return [self.dataset[i] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The concatenation of several map-style datasets.

    Attributes:
        datasets: the parts.
        cumulative_sizes: running totals of their lengths.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.utils.data import ConcatDataset, TensorDataset
        >>> ds = ConcatDataset([TensorDataset(cr.zeros(3)), TensorDataset(cr.ones(2))])
        >>> len(ds), ds.cumulative_sizes, ds[3][0].item()
        (5, [3, 5], 1.0)
    """

    @staticmethod
    def cumsum(sequence: Iterable[Dataset]) -> list[int]:
        out, total = [], 0
        for ds in sequence:
            total += len(ds)
            out.append(total)
        return out

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")  # as PyTorch
        for ds in self.datasets:
            if isinstance(ds, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int):
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += n
        if idx >= n:
            raise IndexError(f"index {idx} is out of range for a dataset of length {n}")
        part = bisect_right(self.cumulative_sizes, idx)
        offset = self.cumulative_sizes[part - 1] if part > 0 else 0
        return self.datasets[part][idx - offset]


class StackDataset(Dataset):
    """Several map-style datasets of equal length side by side: sample ``i`` is the tuple
    (positional datasets) or the dict (keyword datasets) of their samples ``i``.

    Args:
        *args: datasets whose samples go into a tuple, in order; or
        **kwargs: datasets whose samples go into a dict under these keys (not both).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.utils.data import StackDataset, TensorDataset
        >>> images, labels = TensorDataset(cr.zeros(3, 2)), [7, 8, 9]
        >>> ds = StackDataset(image=images, label=labels)
        >>> len(ds), ds[1]["label"], StackDataset(labels, labels)[2]
        (3, 8, (9, 9))
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or ``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = list(args) if args else list(kwargs.values())
        lengths = [len(d) for d in parts]
        if any(n != lengths[0] for n in lengths):
            raise ValueError(f"Size mismatch between datasets: lengths {lengths}")
        self._length = lengths[0]
        self.datasets = args if args else kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list) -> list:
        """The samples at ``indices``, fetching each part's in one call where it has its own
        ``__getitems__`` (as the DataLoader asks for a whole batch)."""
        named = isinstance(self.datasets, dict)
        keys = list(self.datasets) if named else range(len(self.datasets))
        columns = []
        for k in keys:
            d = self.datasets[k]
            fetch = getattr(d, "__getitems__", None)
            if callable(fetch):
                items = fetch(indices)
                if len(items) != len(indices):
                    raise ValueError(f"Nested dataset's output size mismatch. Expected "
                                     f"{len(indices)}, got {len(items)}")
            else:
                items = [d[i] for i in indices]
            columns.append(items)
        if named:
            return [dict(zip(keys, row)) for row in zip(*columns)]
        return [tuple(row) for row in zip(*columns)] if columns else []

    def __len__(self) -> int:
        return self._length


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator=None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping subsets of the given lengths.

    Args:
        dataset: the dataset to split.
        lengths: sizes of the parts (summing to ``len(dataset)``), or fractions summing to 1;
            fractions are floored and the leftover items are handed out one at a time to
            the parts in order, as in PyTorch.
        generator: a ``chainrule.Generator`` for the permutation (default: the global one).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.utils.data import TensorDataset, random_split
        >>> ds = TensorDataset(cr.arange(10))
        >>> train, val = random_split(ds, [0.75, 0.25], generator=cr.Generator().manual_seed(0))
        >>> len(train), len(val)
        (8, 2)
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(int(math.floor(n * frac)))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
        for i, size in enumerate(lengths):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", stacklevel=2)
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = _np_rng(generator).permutation(n).tolist()
    out, start = [], 0
    for size in lengths:
        out.append(Subset(dataset, perm[start:start + size]))
        start += size
    return out


def _tensor_source(dataset) -> tuple[list[np.ndarray], np.ndarray | None] | None:
    """For a TensorDataset, or Subsets of one, the arrays and the index map that the
    DataLoader's fast path indexes directly; None for any other dataset (subclasses too,
    since they may override ``__getitem__``)."""
    index_map = None
    while type(dataset) is Subset:
        idx = np.asarray(dataset.indices, dtype=np.intp)
        index_map = idx if index_map is None else idx[index_map]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    if any(t.requires_grad for t in dataset.tensors):
        return None  # indexing must then go through autograd
    return [t._data for t in dataset.tensors], index_map
