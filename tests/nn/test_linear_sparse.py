"""Linear, Bilinear, Embedding, one_hot, Flatten/Unflatten and Identity: values and
gradients (inputs and parameters) against PyTorch with copied weights, finite-difference and
second-order checks of the fused primitives, initialisation and argument errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional
# Tiny tensors: torch's thread pool only adds overhead (and contends on small machines).
torch.set_num_threads(1)

RNG = np.random.default_rng(99)
DTYPES = [(cr.float64, torch.float64, 1e-10), (cr.float32, torch.float32, 2e-5)]


def both(a, cdt, tdt, grad=True):
    a = np.asarray(a)
    if a.dtype.kind in "iu":
        return cr.tensor(a), torch.tensor(a)
    return (cr.tensor(a, dtype=cdt, requires_grad=grad),
            torch.tensor(a, dtype=tdt, requires_grad=grad))


def assert_matches(fn, arrays):
    for cdt, tdt, tol in DTYPES:
        pairs = [both(a, cdt, tdt) for a in arrays]
        ours, theirs = [p[0] for p in pairs], [p[1] for p in pairs]
        y, ty = fn(F, ours), fn(TF, theirs)
        assert y.dtype == cdt
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        g = RNG.standard_normal(tuple(ty.shape))
        (y * cr.tensor(g, dtype=cdt)).sum().backward()
        (ty * torch.tensor(g, dtype=tdt)).sum().backward()
        for a, ta in zip(ours, theirs):
            if ta.grad is not None:
                np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=tol, atol=tol)


# ------------------------------------------------------------------ linear
W = RNG.standard_normal((3, 5))
BIAS = RNG.standard_normal(3)


@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 5), (5,), (0, 5)])
def test_linear_matches_torch(shape):
    x = RNG.standard_normal(shape)
    assert_matches(lambda F, v: F.linear(v[0], v[1], v[2]), [x, W, BIAS])
    assert_matches(lambda F, v: F.linear(v[0], v[1]), [x, W])


def test_linear_with_vector_weight():
    assert_matches(lambda F, v: F.linear(v[0], v[1]), [RNG.standard_normal((4, 5)), W[0]])


def test_linear_gradcheck_and_gradgradcheck():
    x = cr.tensor(RNG.standard_normal((2, 3, 4)), dtype=cr.float64, requires_grad=True)
    w = cr.tensor(RNG.standard_normal((5, 4)), dtype=cr.float64, requires_grad=True)
    b = cr.tensor(RNG.standard_normal(5), dtype=cr.float64, requires_grad=True)
    assert gradcheck(F.linear, (x, w, b))
    assert gradgradcheck(F.linear, (x, w, b))
    assert gradcheck(lambda x, w: F.linear(x, w), (x[0, 0], w))
    assert gradgradcheck(lambda x, w: F.linear(x, w), (x[0, 0], w))


def test_linear_errors():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(3x4 and 3x5\)"):
        F.linear(cr.randn(3, 4), cr.randn(5, 3))
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(cr.randn(3, 4, dtype=cr.float64), cr.randn(5, 4))
    with pytest.raises(RuntimeError, match="bias"):
        F.linear(cr.randn(3, 4), cr.randn(5, 4), cr.randn(4))


def test_linear_layer_with_torch_weights():
    theirs = torch.nn.Linear(5, 3)
    ours = nn.Linear(5, 3)
    ours.load_state_dict(theirs.state_dict())
    x = RNG.standard_normal((4, 2, 5)).astype(np.float32)
    cx, tx = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(cx), theirs(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(cx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-5,
                               atol=1e-5)
    assert repr(ours) == repr(theirs) == "Linear(in_features=5, out_features=3, bias=True)"
    assert list(ours.state_dict()) == ["weight", "bias"]


def test_linear_layer_init_and_options():
    cr.manual_seed(0)
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)     # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(in), 1/sqrt(in))
    w = m.weight.detach().numpy()
    assert m.weight.dtype == cr.float32 and m.weight.requires_grad
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    m = nn.Linear(4, 2, bias=False, dtype=cr.float64)
    assert m.bias is None and m.weight.dtype == cr.float64
    assert list(m.state_dict()) == ["weight"]
    assert m(cr.randn(3, 4, dtype=cr.float64)).shape == (3, 2)


def test_bilinear_matches_torch():
    w = RNG.standard_normal((3, 5, 4))
    assert_matches(lambda F, v: F.bilinear(v[0], v[1], v[2], v[3]),
                   [RNG.standard_normal((6, 5)), RNG.standard_normal((6, 4)), w, BIAS])
    assert_matches(lambda F, v: F.bilinear(v[0], v[1], v[2]),
                   [RNG.standard_normal((2, 3, 5)), RNG.standard_normal((2, 3, 4)), w])
    theirs = torch.nn.Bilinear(5, 4, 3)
    ours = nn.Bilinear(5, 4, 3)
    ours.load_state_dict(theirs.state_dict())
    a, b = RNG.standard_normal((2, 5)), RNG.standard_normal((2, 4))
    np.testing.assert_allclose(
        ours(cr.tensor(a, dtype=cr.float32), cr.tensor(b, dtype=cr.float32)).detach().numpy(),
        theirs(torch.tensor(a, dtype=torch.float32),
               torch.tensor(b, dtype=torch.float32)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert repr(ours) == repr(theirs)
    with pytest.raises(RuntimeError, match="input1 size"):
        F.bilinear(cr.randn(2, 4), cr.randn(2, 4), cr.randn(3, 5, 4))


# ------------------------------------------------------------------ embedding
IDX = np.array([[1, 2, 1], [5, 0, 1]])
TABLE = RNG.standard_normal((6, 3))


@pytest.mark.parametrize("padding_idx", [None, 1, -1])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_embedding_matches_torch(padding_idx, scale_grad_by_freq):
    assert_matches(lambda F, v: F.embedding(v[0], v[1], padding_idx=padding_idx,
                                            scale_grad_by_freq=scale_grad_by_freq),
                   [IDX, TABLE])
    assert_matches(lambda F, v: F.embedding(v[0], v[1], padding_idx=padding_idx),
                   [np.array(4), TABLE])


def test_embedding_max_norm_renormalises_like_torch():
    table = TABLE * 3
    ours = cr.tensor(table, requires_grad=True)
    theirs = torch.tensor(table, requires_grad=True)
    y = F.embedding(cr.tensor(IDX), ours, max_norm=1.5, norm_type=1.0)
    ty = TF.embedding(torch.tensor(IDX), theirs, max_norm=1.5, norm_type=1.0)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


def test_embedding_gradcheck_and_gradgradcheck():
    w = cr.tensor(TABLE, requires_grad=True)
    idx = cr.tensor(IDX)
    for fn in (lambda t: F.embedding(idx, t) ** 2,
               lambda t: F.embedding(idx, t, padding_idx=3) ** 2):   # 3: not looked up
        assert gradcheck(fn, (w,))
        assert gradgradcheck(fn, (w,))


def test_embedding_double_backward_keeps_padding():
    v, gv = TABLE, RNG.standard_normal((2, 3, 3))
    results = []
    for lib, fn in ((cr, F), (torch, TF)):
        w = lib.tensor(v, requires_grad=True)
        g = lib.tensor(gv, requires_grad=True)
        y = fn.embedding(lib.tensor(IDX), w, padding_idx=2)
        (gw,) = lib.autograd.grad((y * g).sum(), w, create_graph=True)
        (gw * gw).sum().backward()
        results.append((gw.detach().numpy(), g.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1])


def test_embedding_backward_with_frequency_scaling_is_differentiable():
    # The weight gradient is a linear map of the output gradient (rows summed, padding row
    # zeroed, divided by counts); its own derivative is checked numerically. (PyTorch's double
    # backward drops the 1/count factor here; chainrule differentiates the map exactly.)
    w = cr.tensor(TABLE, requires_grad=True)
    g = cr.tensor(RNG.standard_normal((2, 3, 3)), requires_grad=True)

    def weight_grad(g):
        with cr.enable_grad():      # gradcheck evaluates its finite differences under no_grad
            y = F.embedding(cr.tensor(IDX), w, padding_idx=2, scale_grad_by_freq=True)
            return cr.autograd.grad((y * g).sum(), w, create_graph=True)[0]

    assert gradcheck(weight_grad, (g,))


@pytest.mark.parametrize("n, num, dim", [(1600, 1000, 64), (50, 7, 3), (9000, 300, 40)])
def test_embedding_row_sums_both_ways(n, num, dim):
    # small gradients take the sorted / reduceat way, large ones the bincount way
    from chainrule.nn.functional.sparse import _SORTED_MAX, _sum_rows

    rng = np.random.default_rng(n)
    idx = rng.integers(0, num, (n,))
    g = rng.standard_normal((n, dim)).astype(np.float32)
    want = np.zeros((num, dim))
    np.add.at(want, idx, g.astype(np.float64))
    got = _sum_rows(g, idx.reshape(2, -1) if n % 2 == 0 else idx, num)
    assert got.dtype == np.float32
    assert (n * dim <= _SORTED_MAX) == (n != 9000)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_embedding_errors():
    w = cr.randn(3, 2)
    with pytest.raises(IndexError, match="index out of range"):
        F.embedding(cr.tensor([5]), w)
    with pytest.raises(IndexError, match="index out of range"):
        F.embedding(cr.tensor([-1]), w)
    with pytest.raises(RuntimeError, match="integer"):
        F.embedding(cr.tensor([1.0]), w)
    with pytest.raises(AssertionError, match="Padding_idx"):
        F.embedding(cr.tensor([1]), w, padding_idx=3)
    with pytest.raises(AssertionError, match="Padding_idx"):
        nn.Embedding(3, 2, padding_idx=-4)


def test_embedding_layer():
    cr.manual_seed(0)
    m = nn.Embedding(1000, 8, padding_idx=-1)
    assert m.padding_idx == 999
    w = m.weight.detach().numpy()
    np.testing.assert_array_equal(w[999], 0)
    assert abs(w[:999].std() - 1) < 0.05 and abs(w[:999].mean()) < 0.05
    assert repr(m) == repr(torch.nn.Embedding(1000, 8, padding_idx=-1)) == \
        "Embedding(1000, 8, padding_idx=999)"
    theirs = torch.nn.Embedding(6, 3, padding_idx=0, max_norm=2.0)
    ours = nn.Embedding(6, 3, padding_idx=0, max_norm=2.0)
    ours.load_state_dict(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    y, ty = ours(cr.tensor(IDX)), theirs(torch.tensor(IDX))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy())


def test_embedding_from_pretrained():
    table = cr.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    m = nn.Embedding.from_pretrained(table)
    assert not m.weight.requires_grad
    assert m(cr.tensor([2, 0])).tolist() == [[5.0, 6.0], [1.0, 2.0]]
    m = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=1)
    assert m.weight.requires_grad and m.padding_idx == 1
    assert m.weight.tolist()[1] == [3.0, 4.0]        # a pretrained padding row is kept
    m(cr.tensor([1, 2])).sum().backward()
    assert m.weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]
    with pytest.raises(AssertionError, match="2-dimensional"):
        nn.Embedding.from_pretrained(cr.ones(3))


def test_one_hot():
    t = np.array([[0, 2], [1, 1]])
    np.testing.assert_array_equal(F.one_hot(cr.tensor(t)).numpy(),
                                  TF.one_hot(torch.tensor(t)).numpy())
    out = F.one_hot(cr.tensor(t), 5)
    assert out.dtype == cr.int64 and out.shape == (2, 2, 5)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(cr.tensor([5]), 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(cr.tensor([-1]), 3)
    with pytest.raises(RuntimeError, match="index tensor"):
        F.one_hot(cr.tensor([1.0]), 3)


# ------------------------------------------------------------------ shape layers
def test_flatten_unflatten_identity():
    x = cr.randn(2, 3, 4, 5, requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())
    assert repr(nn.Unflatten(1, (3, 20))) == repr(torch.nn.Unflatten(1, (3, 20)))
    nn.Flatten()(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 1.0)
    assert nn.Identity(3, foo=1)(x) is x
    with pytest.raises(TypeError):
        nn.Unflatten(1, 3)


# ------------------------------------------------------------------ regressions
@pytest.mark.parametrize("dtype", ["int32", "int16", "uint8", "bool", "float32"])
def test_one_hot_takes_int64_only_as_torch(dtype):
    values = [0, 1] if dtype == "bool" else [0, 2]
    with pytest.raises(RuntimeError, match="only applicable to index tensor of type LongTensor"):
        TF.one_hot(torch.tensor(values, dtype=getattr(torch, dtype)), 3)
    with pytest.raises(RuntimeError, match="only applicable to index tensor of type LongTensor"):
        F.one_hot(cr.tensor(values, dtype=getattr(cr, dtype)), 3)


@pytest.mark.parametrize("dtype,ok", [("int64", True), ("int32", True), ("int16", False),
                                      ("int8", False), ("uint8", False), ("bool", False)])
def test_embedding_indices_long_or_int_as_torch(dtype, ok):
    w = RNG.standard_normal((3, 2))
    idx = [[1, 0]]
    theirs = lambda: TF.embedding(torch.tensor(idx, dtype=getattr(torch, dtype)),  # noqa: E731
                                  torch.tensor(w))
    ours = lambda: F.embedding(cr.tensor(idx, dtype=getattr(cr, dtype)), cr.tensor(w))  # noqa: E731
    if ok:
        np.testing.assert_array_equal(ours().numpy(), theirs().numpy())
        return
    with pytest.raises(RuntimeError, match="scalar types: Long, Int"):
        theirs()
    with pytest.raises(RuntimeError, match="scalar types: Long, Int"):
        ours()
    with pytest.raises(RuntimeError, match="Long, Int"):
        nn.Embedding(3, 2)(cr.tensor(idx, dtype=getattr(cr, dtype)))


def test_unflatten_keeps_the_given_size_in_its_repr():
    for size in ([2, 2], (2, 2)):
        assert repr(nn.Unflatten(1, size)) == repr(torch.nn.Unflatten(1, size))
        assert nn.Unflatten(1, size)(cr.ones(3, 4)).shape == (3, 2, 2)
    assert str(nn.Unflatten(1, [2, 2])) == "Unflatten(dim=1, unflattened_size=[2, 2])"
