"""``DataLoader``: batches of samples from a dataset, in sampler order, collated into tensors.

Loading runs in the calling process (``num_workers`` is accepted and ignored). When the
dataset is a ``TensorDataset`` (or a ``Subset`` of one) and the collation is the default,
each batch is cut out of the dataset's arrays with one fancy-index per tensor, with no
per-sample Python work; the result equals what per-sample collation would give.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

import numpy as np

from chainrule.ops.creation import tensor
from chainrule.tensor import Tensor
from chainrule.utils.data.dataset import Dataset, IterableDataset, _tensor_source
from chainrule.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
)


def get_worker_info():
    """Information about the DataLoader worker process this code runs in, or ``None`` in the
    main process. chainrule's DataLoader always loads in the calling process (it starts no
    workers), so this is always ``None``; an ``IterableDataset`` that splits its stream by
    worker then reads all of it, as it should in the main process.

    Example:
        >>> from chainrule.utils.data import get_worker_info
        >>> get_worker_info() is None
        True
    """
    return None


_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                  "or lists; found {}")


def _stack_arrays(arrays: list[np.ndarray]) -> np.ndarray:
    first = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != first:
            raise RuntimeError(
                f"default_collate: stack expects each tensor to be equal size, but got "
                f"{list(first)} at entry 0 and {list(a.shape)} at entry {i}")
    return np.stack(arrays)


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Tensors and NumPy arrays are stacked along a new first dimension; Python floats become
    a float64 tensor; a batch whose first element is an int (or bool) becomes the tensor
    ``chainrule.tensor`` makes of it (int64 for ints, bool for bools, float32 when floats
    follow); strings are left as they are (a list, or a tuple inside tuple samples); dicts,
    named tuples, tuples and lists are collated field by field (tuples come back as lists).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.utils.data import default_collate
        >>> out = default_collate([(cr.tensor([1.0, 2.0]), 0), (cr.tensor([3.0, 4.0]), 1)])
        >>> out[0].shape, out[1].tolist()
        (chainrule.Size([2, 2]), [0, 1])
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(b.requires_grad for b in batch):
            from chainrule import stack

            return stack(list(batch), 0)
        return Tensor._wrap(_stack_arrays([b._data for b in batch]))
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        if isinstance(elem, np.ndarray) and elem.ndim > 0:
            return Tensor._wrap(_stack_arrays([np.asarray(b) for b in batch]))
        return Tensor._wrap(np.asarray(batch))
    if isinstance(elem, int):  # (and bool): the dtype is inferred from the whole column, as
        # chainrule.tensor does: [1, 2.5] is float32, [True, 2] int64, [True, False] bool
        return tensor(list(batch))
    if isinstance(elem, float):
        return Tensor._wrap(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    # Fields are collated as the tuples zip() makes (so a column of strings stays a tuple).
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return columns
        try:
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays (also inside dicts, tuples and lists) into tensors, without
    batching: the collation used when ``batch_size=None``."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind not in "OSUV":
        return Tensor._wrap(np.asarray(data))
    if isinstance(data, Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


class DataLoader:
    """Iterate over a dataset in batches.

    Args:
        dataset: a map-style :class:`Dataset` (anything with ``__getitem__`` and
            ``__len__``) or an :class:`IterableDataset`.
        batch_size: samples per batch (default 1); ``None`` disables batching.
        shuffle: reshuffle the indices every epoch (default False).
        sampler: the index order (exclusive with ``shuffle``).
        batch_sampler: yields lists of indices (exclusive with ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``).
        num_workers: accepted for compatibility; loading always runs in this process.
        collate_fn: merges a list of samples into a batch (default :func:`default_collate`).
        drop_last: drop the last incomplete batch (default False).
        generator: a ``chainrule.Generator`` for shuffling; the same seed gives the same
            batches (default: the global generator).
        pin_memory, timeout, worker_init_fn, multiprocessing_context, prefetch_factor,
            persistent_workers: accepted for PyTorch compatibility (validated like PyTorch),
            without effect.

    ``len(loader)`` is the number of batches per epoch.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.utils.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(cr.arange(10.0).reshape(5, 2), cr.arange(5))
        >>> loader = DataLoader(ds, batch_size=2, shuffle=True, drop_last=True,
        ...                     generator=cr.Generator().manual_seed(0))
        >>> len(loader), [tuple(x.shape) for x, y in loader]
        (2, [(2, 2), (2, 2)])
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "") -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing. Let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value}")
        elif sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")

        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None and not self._iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:
            collate_fn = default_convert if batch_size is None and batch_sampler is None \
                else default_collate

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.generator = generator
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.pin_memory_device = pin_memory_device

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            return self._iter_stream()
        if self._auto_collation and self.collate_fn is default_collate:
            source = _tensor_source(self.dataset)
            if source is not None:
                return self._iter_fast(*source)
        return self._iter_samples()

    def _iter_fast(self, arrays: list[np.ndarray], index_map: np.ndarray | None):
        bs = self.batch_sampler
        batches = (bs._array_batches() if type(bs) is BatchSampler
                   else (np.asarray(b, dtype=np.intp) for b in bs))
        for idx in batches:
            if index_map is not None:
                idx = index_map[idx]
            yield [Tensor._wrap(a[idx]) for a in arrays]

    def _iter_samples(self):
        dataset, collate = self.dataset, self.collate_fn
        if not self._auto_collation:
            for i in self.sampler:
                yield collate(dataset[i])
            return
        fetch = getattr(dataset, "__getitems__", None)
        for batch in self.batch_sampler:
            samples = fetch(batch) if callable(fetch) else [dataset[i] for i in batch]
            yield collate(samples)

    def _iter_stream(self):
        it, collate = iter(self.dataset), self.collate_fn
        if self.batch_size is None:
            for item in it:
                yield collate(item)
            return
        while True:
            batch = list(islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield collate(batch)

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # TypeError if the stream has no length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self._index_sampler)
