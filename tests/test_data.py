"""chainrule.utils.data: datasets, samplers, collation and the DataLoader."""

import collections
import time

import numpy as np
import pytest

import chainrule as cr
from chainrule.tensor import Tensor
from chainrule.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    random_split,
)


def _dataset(n=23):
    x = cr.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    y = cr.tensor(np.arange(n, dtype=np.int64))
    return TensorDataset(x, y)


def _gen(seed):
    return cr.Generator().manual_seed(seed)


def _as_lists(loader):
    return [[t._data.tolist() for t in batch] for batch in loader]


def _slow(batch):  # a custom collate_fn: forces the per-sample path
    return default_collate(batch)


# ---------------------------------------------------------------- datasets
def test_tensor_dataset():
    ds = _dataset(5)
    assert len(ds) == 5
    x, y = ds[2]
    assert x.tolist() == [6.0, 7.0, 8.0] and y.item() == 2
    with pytest.raises(AssertionError, match="Size mismatch"):  # PyTorch's exception type
        TensorDataset(cr.zeros(3, 2), cr.zeros(4))


def test_subset_and_concat():
    ds = _dataset(10)
    sub = Subset(ds, [9, 0, 4])
    assert len(sub) == 3 and sub[0][1].item() == 9
    assert [s[1].item() for s in sub.__getitems__([2, 1])] == [4, 0]
    cat = ConcatDataset([Subset(ds, [1, 2]), ds])
    assert len(cat) == 12 and cat.cumulative_sizes == [2, 12]
    assert cat[1][1].item() == 2 and cat[2][1].item() == 0 and cat[-1][1].item() == 9
    with pytest.raises(IndexError):
        cat[12]
    with pytest.raises(ValueError, match="should not exceed"):
        cat[-13]
    with pytest.raises(AssertionError, match="empty"):  # PyTorch's exception type
        ConcatDataset([])
    assert len(ds + sub) == 13


def test_random_split_sizes_and_determinism():
    ds = _dataset(10)
    a, b, c = random_split(ds, [3, 3, 4], generator=_gen(0))
    assert [len(a), len(b), len(c)] == [3, 3, 4]
    assert sorted(a.indices + b.indices + c.indices) == list(range(10))
    again = random_split(ds, [3, 3, 4], generator=_gen(0))
    assert [s.indices for s in again] == [a.indices, b.indices, c.indices]
    other = random_split(ds, [3, 3, 4], generator=_gen(1))
    assert [s.indices for s in other] != [a.indices, b.indices, c.indices]

    # fractions: floored, leftovers handed out round-robin from the first split
    assert [len(s) for s in random_split(_dataset(11), [0.5, 0.5], _gen(0))] == [6, 5]
    assert [len(s) for s in random_split(_dataset(10), [0.25, 0.25, 0.5], _gen(0))] == [3, 2, 5]
    assert [len(s) for s in random_split(_dataset(7), [0.1, 0.1, 0.8], _gen(0))] == [1, 1, 5]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(_dataset(2), [0.9, 0.1], _gen(0))
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 3])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(ds, [1.5, -0.5])


def test_random_split_fractions_match_torch():
    torch = pytest.importorskip("torch")
    for n, fracs in [(11, [0.5, 0.5]), (10, [0.25, 0.25, 0.5]), (103, [0.7, 0.2, 0.1])]:
        ours = [len(s) for s in random_split(_dataset(n), fracs, _gen(0))]
        theirs = [len(s) for s in torch.utils.data.random_split(range(n), fracs)]
        assert ours == theirs


def test_random_split_uses_global_seed():
    ds = _dataset(10)
    cr.manual_seed(7)
    a = [s.indices for s in random_split(ds, [5, 5])]
    cr.manual_seed(7)
    assert [s.indices for s in random_split(ds, [5, 5])] == a


# ---------------------------------------------------------------- samplers
def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    perm = list(RandomSampler(range(10), generator=_gen(0)))
    assert sorted(perm) == list(range(10))
    assert perm == list(RandomSampler(range(10), generator=_gen(0)))
    long = list(RandomSampler(range(4), num_samples=10, generator=_gen(0)))
    assert len(long) == 10 and sorted(long[:4]) == [0, 1, 2, 3]
    draws = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=_gen(0)))
    assert len(draws) == 50 and set(draws) <= {0, 1, 2}
    assert sorted(SubsetRandomSampler([5, 7, 9], generator=_gen(0))) == [5, 7, 9]
    assert list(WeightedRandomSampler([0, 0, 1.0], 3, generator=_gen(0))) == [2, 2, 2]
    bs = BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6]] and len(bs) == 3
    bs = BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=True)
    assert list(bs) == [[0, 1, 2], [3, 4, 5]] and len(bs) == 2


def test_sampler_validation():
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), batch_size=0, drop_last=False)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), batch_size=True, drop_last=False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), batch_size=2, drop_last=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], num_samples=-1)


def test_weighted_sampler_without_replacement():
    # zero weights are drawn after every positive one (torch.multinomial does the same)
    drawn = list(WeightedRandomSampler([1.0, 2.0, 0.0], 3, replacement=False,
                                       generator=_gen(0)))
    assert sorted(drawn) == [0, 1, 2] and drawn[2] == 2
    # the first draw is a weighted choice: P(i) = w_i / sum(w)
    sampler = WeightedRandomSampler([1.0, 3.0], 1, replacement=False, generator=_gen(1))
    firsts = np.bincount([next(iter(sampler)) for _ in range(4000)], minlength=2) / 4000
    np.testing.assert_allclose(firsts, [0.25, 0.75], atol=0.03)


@pytest.mark.parametrize("weights,num,replacement,match", [
    ([0.0, 0.0], 2, True, "sum of probabilities <= 0"),
    ([-1.0, 2.0], 2, True, "entry < 0"),
    ([float("nan"), 1.0], 1, True, "`inf`, `nan`"),
    ([float("inf"), 1.0], 1, False, "`inf`, `nan`"),
    ([1.0, 2.0], 3, False, "without replacement"),
])
def test_weighted_sampler_bad_weights_fail_when_drawing(weights, num, replacement, match):
    sampler = WeightedRandomSampler(weights, num, replacement=replacement)
    with pytest.raises(RuntimeError, match=match):  # torch.multinomial's errors and type
        list(sampler)


# ---------------------------------------------------------------- collation
def test_default_collate():
    out = default_collate([(cr.tensor([1.0, 2.0]), 0, 0.5, "a"),
                           (cr.tensor([3.0, 4.0]), 1, 1.5, "b")])
    assert isinstance(out, list) and len(out) == 4
    assert out[0].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert out[1]._data.dtype == np.int64 and out[1].tolist() == [0, 1]
    assert out[2]._data.dtype == np.float64
    assert out[3] == ("a", "b")  # the column zip() makes, as in PyTorch
    assert default_collate(["a", "b"]) == ["a", "b"]
    assert default_collate([True, False])._data.dtype == np.bool_
    # a column's dtype comes from all its numbers, not from the first one alone
    mixed = default_collate([1, 2.5])
    assert mixed._data.dtype == np.float32 and mixed.tolist() == [1.0, 2.5]
    assert default_collate([True, 2])._data.dtype == np.int64

    d = default_collate([{"x": np.ones(2, np.float32), "y": 1},
                         {"x": np.zeros(2, np.float32), "y": 2}])
    assert set(d) == {"x", "y"} and d["x"].shape == (2, 2) and d["x"]._data.dtype == np.float32
    assert default_collate([np.float32(1.5), np.float32(2.5)]).tolist() == [1.5, 2.5]

    Point = collections.namedtuple("Point", "x y")
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3]
    nested = default_collate([[1, [2, 3]], [4, [5, 6]]])
    assert nested[0].tolist() == [1, 4] and nested[1][1].tolist() == [3, 6]

    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([cr.zeros(2), cr.zeros(3)])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([np.array([object()]), np.array([object()])])


def test_default_collate_matches_torch():
    torch_collate = pytest.importorskip("torch.utils.data").default_collate

    batch = [{"a": (np.ones((2, 2), np.float32) * i, i, float(i))} for i in range(3)]
    ours, theirs = default_collate(batch), torch_collate(batch)
    assert type(ours["a"]) is type(theirs["a"])
    for o, t in zip(ours["a"], theirs["a"]):
        np.testing.assert_array_equal(o._data, t.numpy())
        assert str(o._data.dtype) == str(t.dtype).replace("torch.", "")

    for column in ([1, 2.5], [True, 2], [True, False], [2.5, 1], [1, 2]):
        ours, theirs = default_collate(column), torch_collate(column)
        assert str(ours._data.dtype) == str(theirs.dtype).replace("torch.", "")
        assert ours.tolist() == theirs.tolist()
    samples = [(1, "a", 0.5), (2, "b", 1)]
    ours, theirs = default_collate(samples), torch_collate(samples)
    assert ours[1] == theirs[1] and ours[2].tolist() == theirs[2].tolist()


def test_default_convert():
    out = default_convert({"x": np.ones(2), "t": (np.zeros(1), 3)})
    assert isinstance(out["x"], Tensor) and isinstance(out["t"], list)
    assert out["t"][1] == 3


# ---------------------------------------------------------------- DataLoader
def test_sequential_batches_and_len():
    ds = _dataset(23)
    loader = DataLoader(ds, batch_size=5)
    batches = list(loader)
    assert len(loader) == 5 and len(batches) == 5
    assert [b[1].tolist() for b in batches][-1] == [20, 21, 22]
    assert batches[0][0].shape == (5, 3) and batches[0][0]._data.dtype == np.float32
    assert isinstance(batches[0], list)

    dropped = DataLoader(ds, batch_size=5, drop_last=True)
    assert len(dropped) == 4 and [len(b[1]) for b in dropped] == [5, 5, 5, 5]
    assert len(DataLoader(ds)) == 23


def test_shuffle_determinism():
    ds = _dataset(23)
    a = _as_lists(DataLoader(ds, batch_size=4, shuffle=True, generator=_gen(3)))
    b = _as_lists(DataLoader(ds, batch_size=4, shuffle=True, generator=_gen(3)))
    c = _as_lists(DataLoader(ds, batch_size=4, shuffle=True, generator=_gen(4)))
    assert a == b and a != c
    seen = sorted(y for batch in a for y in batch[1])
    assert seen == list(range(23))
    # a new epoch draws a new order from the same generator
    loader = DataLoader(ds, batch_size=4, shuffle=True, generator=_gen(3))
    assert _as_lists(loader) != _as_lists(loader)
    # without a generator, the global seed decides
    cr.manual_seed(11)
    g1 = _as_lists(DataLoader(ds, batch_size=4, shuffle=True))
    cr.manual_seed(11)
    assert _as_lists(DataLoader(ds, batch_size=4, shuffle=True)) == g1


@pytest.mark.parametrize("shuffle,drop_last", [(False, False), (True, False), (True, True)])
def test_fast_path_equals_slow_path(shuffle, drop_last):
    ds = _dataset(23)
    kw = dict(batch_size=5, shuffle=shuffle, drop_last=drop_last)
    fast = list(DataLoader(ds, generator=_gen(0), **kw))
    slow = list(DataLoader(ds, generator=_gen(0), collate_fn=_slow, **kw))
    assert len(fast) == len(slow)
    for fb, sb in zip(fast, slow):
        assert type(fb) is type(sb) and len(fb) == len(sb)
        for f, s in zip(fb, sb):
            assert f._data.dtype == s._data.dtype
            np.testing.assert_array_equal(f._data, s._data)


def test_fast_path_through_subsets_and_samplers():
    ds = _dataset(30)
    train, _ = random_split(ds, [20, 10], generator=_gen(0))
    inner = Subset(train, list(range(19, -1, -2)))  # a Subset of a Subset
    options = [  # each builds fresh loader arguments, with a freshly seeded generator
        lambda: dict(batch_size=3, shuffle=True, generator=_gen(1)),
        lambda: dict(batch_size=3, sampler=SubsetRandomSampler([0, 3, 5, 7, 9], _gen(1))),
        lambda: dict(batch_size=3, sampler=RandomSampler(range(10), True, 12, _gen(1))),
        lambda: dict(batch_size=2, sampler=[3, 1, 2]),
        lambda: dict(batch_sampler=[[0, 1], [4, 2, 3]]),
    ]
    for dset in (train, inner):
        for make in options:
            fast = _as_lists(DataLoader(dset, **make()))
            slow = _as_lists(DataLoader(dset, collate_fn=_slow, **make()))
            assert fast == slow


def test_fast_path_is_fast():
    n = 20000
    ds = TensorDataset(cr.tensor(np.random.default_rng(0).standard_normal((n, 8), np.float32)),
                       cr.tensor(np.arange(n)))
    t0 = time.perf_counter()
    count = sum(len(y) for _, y in DataLoader(ds, batch_size=64, shuffle=True,
                                             generator=_gen(0)))
    assert count == n
    assert time.perf_counter() - t0 < 0.5  # no per-sample Python work (typically ~10 ms)


def test_general_dataset_and_getitems():
    class Pairs(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(2, i, np.float32), "label": i % 2}

    loader = DataLoader(Pairs(), batch_size=2)
    first = next(iter(loader))
    assert first["x"].tolist() == [[0.0, 0.0], [1.0, 1.0]] and first["label"].tolist() == [0, 1]
    assert len(loader) == 3

    class Batched(Pairs):
        calls = 0

        def __getitems__(self, idxs):
            Batched.calls += 1
            return [self[i] for i in idxs]

    assert len(list(DataLoader(Batched(), batch_size=2))) == 3 and Batched.calls == 3


def test_batch_size_none_and_custom_collate():
    ds = _dataset(4)
    items = list(DataLoader(ds, batch_size=None))
    assert len(items) == 4 and items[1][1].item() == 1
    sums = list(DataLoader(ds, batch_size=2, collate_fn=lambda b: sum(x[1].item() for x in b)))
    assert sums == [1, 5]


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5],
                                                                         [6]]
    assert len(list(DataLoader(Stream(), batch_size=3, drop_last=True))) == 2
    assert list(DataLoader(Stream(), batch_size=None)) == list(range(7))
    with pytest.raises(ValueError, match="expected unspecified shuffle"):
        DataLoader(Stream(), shuffle=True)


def test_loader_validation():
    ds = _dataset(4)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0, 1]], batch_size=2)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0, 1]], drop_last=True)
    with pytest.raises(ValueError, match="disables auto-batching"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="persistent_workers"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(ds, batch_size=0)
    # accepted for compatibility; loading stays in this process
    assert len(list(DataLoader(ds, batch_size=2, num_workers=2, pin_memory=True))) == 2


def test_loader_len_matches_torch():
    torch = pytest.importorskip("torch")
    for n, bs, drop in [(23, 5, False), (23, 5, True), (20, 5, True), (3, 8, False)]:
        ours = DataLoader(_dataset(n), batch_size=bs, drop_last=drop)
        theirs = torch.utils.data.DataLoader(range(n), batch_size=bs, drop_last=drop)
        assert len(ours) == len(theirs) == len(list(ours))
