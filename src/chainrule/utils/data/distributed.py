"""``DistributedSampler``: each of several replicas (processes) reads its own share of a
dataset, as ``torch.utils.data.distributed.DistributedSampler``.

The shuffled order is PyTorch's exactly, index for index: PyTorch draws it with
``torch.randperm`` from a ``torch.Generator`` seeded with ``seed + epoch``, and that
generator is a 32-bit Mersenne Twister (``mt19937``, seeded with the low 32 bits of the seed
as ``init_genrand`` does), which NumPy's ``MT19937`` reproduces. chainrule's own generator
(``chainrule.Generator``, NumPy's PCG64) cannot: its streams differ from PyTorch's, so the
sampler does not use it.

``torch.randperm`` on the CPU (for ``n`` below ``2**32 / 20``) starts from ``0 .. n-1`` and,
for ``i = 0 .. n-2``, swaps positions ``i`` and ``i + z_i`` with ``z_i = r_i mod (n - i)``,
``r_i`` the generator's ``i``-th 32-bit output. :func:`_torch_randperm` computes the same
permutation without a Python loop over the swaps (see there). For datasets of ``2**32 / 20``
(about 215 million) items or more PyTorch switches to another algorithm, which is not
reproduced: there the permutation is NumPy's (a different order, the same partition rules).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np

from chainrule.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]

_SMALL_N = (2**32 - 1) // 20  # torch.randperm's bound for the swap algorithm above


def _mt19937_raw(seed: int, count: int) -> np.ndarray:
    """The first ``count`` 32-bit outputs of ``torch.Generator().manual_seed(seed)``."""
    key = np.random.RandomState(seed % 2**32).get_state()[1]  # init_genrand(seed mod 2^32)
    bits = np.random.MT19937()
    bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 624}}
    return bits.random_raw(count)


def _torch_randperm(n: int, seed: int) -> np.ndarray:
    """``torch.randperm(n, generator=torch.Generator().manual_seed(seed))``, as int64.

    The swaps, vectorized: step ``i`` fixes position ``i`` for good (later steps touch only
    positions ``>= i + 1``), writing there the value then at its target ``p_i = i + z_i``.
    A position ``p >= i`` still holds its own value ``p`` unless an earlier step targeted
    it; then it holds what position ``k`` held just before step ``k``, ``k`` the last such
    step. So with ``D(k)`` = the value at position ``k`` just before step ``k``:
    ``D(k) = D(last step < k targeting k)`` (or ``k`` when there is none) is a forest of
    pointers, resolved by pointer jumping (``log n`` gathers), and the result at position
    ``i`` is ``D(last step < i targeting p_i)`` (or ``p_i``). Grouping the steps by target is
    one stable sort.
    """
    if n >= _SMALL_N:  # PyTorch then switches algorithm; not reproduced (see the sampler)
        return np.random.default_rng(seed % 2**64).permutation(n)
    if n < 2:
        return np.arange(n, dtype=np.int64)
    m = n - 1
    target = np.arange(m) + _mt19937_raw(seed, m).astype(np.int64) % np.arange(n, 1, -1)
    order = np.argsort(target, kind="stable")  # by target, then by step
    grouped = target[order]
    same = grouped[1:] == grouped[:-1]
    prev = np.full(m, -1)  # the previous step with the same target
    prev[order[1:][same]] = order[:-1][same]
    last = np.append(~same, True)
    pos = np.arange(n)
    pred = np.full(n, -1)  # the last step < p targeting position p
    pred[grouped[last]] = order[last]
    own = pred == pos  # the last one is step p itself (z_p = 0): take the one before
    pred[own] = prev[pred[own]]
    root = np.where(pred >= 0, pred, pos)
    while True:  # pointer jumping: root[p] -> the chain's first position, whose value it is
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    out = np.empty(n, np.int64)
    out[:m] = np.where(prev >= 0, root[np.maximum(prev, 0)], target)
    out[m] = root[m]
    return out


class DistributedSampler(Sampler):
    """The share of a dataset's indices that one replica (of ``num_replicas``) reads.

    Each epoch the indices ``0 .. len(dataset)-1`` are (with ``shuffle``) permuted with seed
    ``seed + epoch``, then either padded by repeating them from the start until they divide
    evenly among the replicas, or (``drop_last``) cut to the largest such length; replica
    ``rank`` takes every ``num_replicas``-th index from position ``rank``. The order is
    PyTorch's exactly for the same seed and epoch (see the module's docstring), so replicas
    may mix chainrule and PyTorch.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: the number of replicas. Required: chainrule has no distributed
            process group to ask.
        rank: this replica's rank, in ``0 .. num_replicas-1``. Required likewise.
        shuffle: permute the indices each epoch (default True).
        seed: the shuffling seed; it must be the same on every replica.
        drop_last: drop the tail instead of padding (default False).

    Call :meth:`set_epoch` at the start of each epoch (before iterating), or every epoch
    reuses epoch 0's order.

    Example:
        >>> from chainrule.utils.data import DistributedSampler
        >>> [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False))
        ...  for r in (0, 1)]
        [[0, 2, 4], [1, 3, 0]]
        >>> s = DistributedSampler(range(10), num_replicas=3, rank=0, seed=0)
        >>> s.set_epoch(1)
        >>> len(s), list(s)
        (4, [5, 2, 9, 4])
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            raise RuntimeError("DistributedSampler: chainrule has no distributed process "
                               "group, so num_replicas and rank must be given (got "
                               f"num_replicas={num_replicas}, rank={rank})")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _index_array(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            indices = _torch_randperm(n, self.seed + self.epoch)
        else:
            indices = np.arange(n, dtype=np.int64)
        if self.drop_last:
            indices = indices[:self.total_size]
        elif n:  # pad by repeating from the start, as often as needed
            indices = np.resize(indices, self.total_size)
        return indices[self.rank:self.total_size:self.num_replicas]

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which (added to ``seed``) seeds the next permutation."""
        self.epoch = epoch
