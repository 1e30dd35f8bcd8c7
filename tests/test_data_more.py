"""chainrule.utils.data: ChainDataset, StackDataset, DistributedSampler, get_worker_info,
against torch.utils.data where it is installed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import chainrule as cr
from chainrule.utils.data import (
    ChainDataset,
    DataLoader,
    DistributedSampler,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    get_worker_info,
)
from chainrule.utils.data.distributed import _torch_randperm

try:
    import torch
    import torch.utils.data as TD
except ImportError:  # pragma: no cover
    torch = TD = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _count(lib_iterable):
    class Count(lib_iterable):
        def __init__(self, start, n):
            self.start, self.n = start, n

        def __iter__(self):
            return iter(range(self.start, self.start + self.n))

        def __len__(self):
            return self.n

    return Count


# --------------------------------------------------------------------------- ChainDataset
def test_chain_dataset():
    Count = _count(IterableDataset)
    chain = ChainDataset([Count(0, 2), Count(10, 3)])
    assert list(chain) == [0, 1, 10, 11, 12] and len(chain) == 5
    assert list(chain) == [0, 1, 10, 11, 12]  # iterable again
    joined = Count(0, 1) + Count(5, 2)
    assert isinstance(joined, ChainDataset) and list(joined) == [0, 5, 6]
    assert [b.tolist() for b in DataLoader(chain, batch_size=2)] == [[0, 1], [10, 11], [12]]
    assert len(DataLoader(chain, batch_size=2)) == 3
    bad = ChainDataset([Count(0, 2), TensorDataset(cr.zeros(3))])
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        list(bad)
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        len(bad)
    assert list(ChainDataset([])) == []


@needs_torch
def test_chain_dataset_matches_torch():
    parts = [(0, 3), (7, 0), (20, 2)]
    c = ChainDataset([_count(IterableDataset)(*p) for p in parts])
    t = TD.ChainDataset([_count(TD.IterableDataset)(*p) for p in parts])
    assert list(c) == list(t) and len(c) == len(t)


# --------------------------------------------------------------------------- StackDataset
class _Batched(TensorDataset):
    """A dataset with its own batched fetch (counts its calls)."""

    calls = 0

    def __getitems__(self, indices):
        type(self).calls += 1
        return [self[i] for i in indices]


def test_stack_dataset_tuple_and_dict():
    x = cr.arange(12.0).reshape(4, 3)
    a, b = TensorDataset(x), [10, 11, 12, 13]
    ds = StackDataset(a, b)
    assert len(ds) == 4
    sample = ds[2]
    assert isinstance(sample, tuple) and sample[0][0].tolist() == [6.0, 7.0, 8.0]
    assert sample[1] == 12
    named = StackDataset(x=a, y=b)
    assert set(named[1]) == {"x", "y"} and named[1]["y"] == 11
    # batched fetch: parts with __getitems__ are asked once per batch
    _Batched.calls = 0
    batched = StackDataset(_Batched(x), Subset(b, [3, 2, 1, 0]))
    items = batched.__getitems__([0, 3])
    assert _Batched.calls == 1
    assert [it[1] for it in items] == [13, 10]
    assert named.__getitems__([3])[0]["y"] == 13
    batch = next(iter(DataLoader(named, batch_size=3)))
    assert batch["x"][0].shape == (3, 3)  # each x sample is a 1-tuple (TensorDataset)
    assert batch["y"].tolist() == [10, 11, 12]


def test_stack_dataset_errors():
    with pytest.raises(ValueError, match="both types"):
        StackDataset([1], y=[2])
    with pytest.raises(ValueError, match="At least one dataset"):
        StackDataset()
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset([1, 2], [1])
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset(a=[1, 2], b=[1])

    class Short(TensorDataset):
        def __getitems__(self, indices):
            return [self[indices[0]]]

    with pytest.raises(ValueError, match="output size mismatch"):
        StackDataset(Short(cr.zeros(3)), [1, 2, 3]).__getitems__([0, 1])


@needs_torch
@pytest.mark.parametrize("named", [False, True])
def test_stack_dataset_matches_torch(named):
    x = np.arange(15.0).reshape(5, 3)
    labels = [4, 3, 2, 1, 0]
    if named:
        c = StackDataset(x=TensorDataset(cr.tensor(x)), y=labels)
        t = TD.StackDataset(x=TD.TensorDataset(torch.tensor(x)), y=labels)
    else:
        c = StackDataset(TensorDataset(cr.tensor(x)), labels)
        t = TD.StackDataset(TD.TensorDataset(torch.tensor(x)), labels)
    assert len(c) == len(t)
    assert _plain(list(DataLoader(c, batch_size=2))) == _plain(list(TD.DataLoader(t,
                                                                                batch_size=2)))


def _plain(obj):
    """Batches as nested Python lists/dicts of numbers (either library's tensors)."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj.tolist()


# --------------------------------------------------------------------------- samplers
def test_torch_randperm_is_a_deterministic_permutation():
    for n in (0, 1, 2, 7, 1000):
        a = _torch_randperm(n, 5)
        assert a.dtype == np.int64 and sorted(a.tolist()) == list(range(n))
        np.testing.assert_array_equal(a, _torch_randperm(n, 5))
    assert not np.array_equal(_torch_randperm(1000, 5), _torch_randperm(1000, 6))


@needs_torch
@pytest.mark.parametrize("seed", [0, 1, 12345, -3, 2**32 + 9, 2**62])
def test_torch_randperm_matches_torch(seed):
    for n in (0, 1, 2, 3, 10, 257, 5000):
        g = torch.Generator()
        g.manual_seed(seed)
        np.testing.assert_array_equal(_torch_randperm(n, seed),
                                      torch.randperm(n, generator=g).numpy())


@needs_torch
def test_distributed_sampler_matches_torch():
    for n, replicas, shuffle, drop_last, seed in itertools.product(
            (0, 1, 7, 10, 23), (1, 3, 4), (False, True), (False, True), (0, 17)):
        for rank in range(replicas):
            c = DistributedSampler(range(n), replicas, rank, shuffle, seed, drop_last)
            t = TD.DistributedSampler(range(n), replicas, rank, shuffle, seed, drop_last)
            for epoch in (0, 3):
                c.set_epoch(epoch)
                t.set_epoch(epoch)
                assert list(c) == list(t), (n, replicas, rank, shuffle, drop_last, seed, epoch)
                assert len(c) == len(t)
            assert (c.num_samples, c.total_size) == (t.num_samples, t.total_size)


@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_partition(drop_last):
    # no torch: the shares are disjoint (up to the padding) and cover the dataset
    n, replicas = 23, 4
    shares = [list(DistributedSampler(range(n), replicas, r, seed=3, drop_last=drop_last))
              for r in range(replicas)]
    sizes = {len(s) for s in shares}
    assert len(sizes) == 1
    flat = [i for s in shares for i in s]
    if drop_last:
        assert len(flat) == 20 and len(set(flat)) == 20
    else:
        assert len(flat) == 24 and set(flat) == set(range(n))
    s = DistributedSampler(range(n), replicas, 0, seed=3)
    first = list(s)
    assert list(s) == first  # same epoch, same order
    s.set_epoch(1)
    assert list(s) != first
    assert list(DistributedSampler(range(5), 2, 1, shuffle=False)) == [1, 3, 0]


def test_distributed_sampler_in_dataloader_and_errors():
    ds = TensorDataset(cr.arange(10))
    sampler = DistributedSampler(ds, num_replicas=3, rank=2, seed=1)
    loader = DataLoader(ds, batch_size=2, sampler=sampler)
    got = [b[0].tolist() for b in loader]  # the array fast path
    expected = list(sampler)
    assert sum(got, []) == expected and len(loader) == 2
    with pytest.raises(ValueError, match="Invalid rank 3"):
        DistributedSampler(ds, num_replicas=3, rank=3)
    with pytest.raises(ValueError, match="Invalid rank -1"):
        DistributedSampler(ds, num_replicas=3, rank=-1)
    with pytest.raises(RuntimeError, match="process group"):
        DistributedSampler(ds)


# --------------------------------------------------------------------------- workers
def test_get_worker_info_is_none():
    assert get_worker_info() is None
    seen = []

    class Probe(IterableDataset):
        def __iter__(self):
            seen.append(get_worker_info())
            return iter(range(3))

    assert [b.tolist() for b in DataLoader(Probe(), batch_size=3)] == [[0, 1, 2]]
    assert seen == [None]


@needs_torch
def test_exports_match_torch():
    import chainrule.utils.data as CD

    for name in ("ChainDataset", "StackDataset", "DistributedSampler", "get_worker_info"):
        assert name in CD.__all__ and name in TD.__all__
    assert CD.distributed.DistributedSampler is DistributedSampler
    assert TD.get_worker_info() is None
