"""Dropout (functional and layers), pad in every mode, normalize and the distance functions:
statistics and masks for the random ops; values and gradients against PyTorch for the rest."""

from __future__ import annotations

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

RNG = np.random.default_rng(5)


def assert_matches(fn, arrays, tol64=1e-10):
    for cdt, tdt, tol in [(cr.float64, torch.float64, tol64), (cr.float32, torch.float32, 2e-5)]:
        ours = [cr.tensor(a, dtype=cdt, requires_grad=True) for a in arrays]
        theirs = [torch.tensor(a, dtype=tdt, requires_grad=True) for a in arrays]
        y, ty = fn(F, ours), fn(TF, theirs)
        assert y.dtype == cdt
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        g = RNG.standard_normal(tuple(ty.shape))
        (y * cr.tensor(g, dtype=cdt)).sum().backward()
        (ty * torch.tensor(g, dtype=tdt)).sum().backward()
        for a, ta in zip(ours, theirs):
            np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=tol, atol=tol)


# ------------------------------------------------------------------ dropout
@pytest.mark.parametrize("dtype", [cr.float32, cr.float64])
def test_dropout_masks_scales_and_gradient(dtype):
    cr.manual_seed(0)
    x = cr.ones(200, 300, dtype=dtype, requires_grad=True)
    y = F.dropout(x, 0.3)
    assert y.dtype == dtype
    values = y.detach().numpy()
    kept = values != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(values[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)     # gradient = the mask


def test_dropout_is_repeatable_and_off_in_eval():
    x = cr.randn(50, 20)
    cr.manual_seed(3)
    a = F.dropout(x, 0.5)
    cr.manual_seed(3)
    b = F.dropout(x, 0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).numpy(), 0.0)
    m = nn.Dropout(0.5)
    assert m.eval()(x) is x
    assert repr(m) == repr(torch.nn.Dropout(0.5)) == "Dropout(p=0.5, inplace=False)"


def test_dropout_inplace_and_validation():
    cr.manual_seed(1)
    x = cr.ones(10, 10)
    out = F.dropout(x, 0.5, inplace=True)
    assert out is x
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(-0.1)


def test_channel_dropout_drops_whole_channels():
    cr.manual_seed(0)
    y = F.dropout2d(cr.ones(20, 30, 4, 4), 0.5).numpy().reshape(600, 16)
    assert (y.std(1) == 0).all()               # each channel all kept or all dropped
    assert 0.4 < (y[:, 0] == 0).mean() < 0.6
    y = nn.Dropout1d(0.5)(cr.ones(8, 16, 5)).numpy()
    assert (y.std(-1) == 0).all()
    y = F.dropout3d(cr.ones(4, 6, 2, 2, 2), 0.5).numpy().reshape(24, 8)
    assert (y.std(1) == 0).all()
    y = F.dropout3d(cr.ones(6, 2, 3, 3), 0.5).numpy().reshape(6, 18)   # unbatched (C, D, H, W)
    assert (y.std(1) == 0).all()
    with pytest.warns(UserWarning):                  # 3-D input to dropout2d: read as (N, C, L)
        y = F.dropout2d(cr.ones(6, 3, 4), 0.5).numpy()
    assert (y.std(-1) == 0).all()
    with pytest.raises(RuntimeError, match="Expected"):
        F.dropout1d(cr.ones(2, 3, 4, 5), 0.5)


def test_alpha_dropout_keeps_mean_and_variance():
    cr.manual_seed(0)
    x = cr.randn(200000)
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert F.alpha_dropout(x, 0.2) is x                   # training defaults to False
    m = nn.AlphaDropout(0.2)
    assert abs(m(x).numpy().std() - 1) < 0.02
    assert repr(m) == repr(torch.nn.AlphaDropout(0.2))


# ------------------------------------------------------------------ pad
X4 = RNG.standard_normal((2, 3, 4, 5))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_matches_torch(mode):
    assert_matches(lambda F, v: F.pad(v[0], (1, 2, 3, 1), mode=mode), [X4])
    assert_matches(lambda F, v: F.pad(v[0], (2, 1), mode=mode), [X4[0]])
    assert_matches(lambda F, v: F.pad(v[0], (1, 1, 2, 0, 1, 0), mode=mode), [X4])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_negative_amounts_crop_as_torch(mode):
    # reflect/replicate pad from the whole dimension's edges, then crop; circular crops first
    for pad in [(-1, 2), (2, -1), (-2, 1), (-1, -1), (1, -3), (-1, 2, 2, -1)]:
        x = X4 if len(pad) == 4 else X4[0]
        assert_matches(lambda F, v: F.pad(v[0], pad, mode=mode), [x])  # noqa: B023
    if mode != "circular":  # (circular may crop to nothing)
        with pytest.raises(RuntimeError, match="too small"):
            F.pad(cr.randn(1, 2, 5), (-3, -2), mode=mode)


def test_pad_constant_value_negative_and_all_dims():
    assert_matches(lambda F, v: F.pad(v[0], (-1, 2, 3, -2), value=1.5), [X4])
    assert_matches(lambda F, v: F.pad(v[0], (1, 2, 0, 0, 1, 1, 2, 0), value=-1.0), [X4])
    y = F.pad(cr.tensor([[1.0, 2.0]]), (1, 2))
    assert y.tolist() == [[0.0, 1.0, 2.0, 0.0, 0.0]]


def test_pad_gradcheck_and_gradgradcheck():
    x = cr.tensor(RNG.standard_normal((2, 3, 4)), requires_grad=True)
    fn = lambda t: F.pad(t, (1, -1, 2, 0), value=2.0)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))
    for mode in ("reflect", "replicate", "circular"):
        assert gradcheck(lambda t: F.pad(t, (2, 1), mode=mode), (x,))  # noqa: B023


def test_pad_errors():
    x = cr.randn(3, 4)
    with pytest.raises(RuntimeError, match="divisible by 2"):
        F.pad(x, (1,))
    with pytest.raises(RuntimeError, match="Padding length"):
        F.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(RuntimeError, match="Padding size should be less"):
        F.pad(x, (4, 4), mode="reflect")
    with pytest.raises(NotImplementedError):
        F.pad(cr.randn(6), (2, 2), mode="reflect")
    with pytest.raises(NotImplementedError):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(cr.randn(1, 6), (2, -5), mode="circular")  # 2 more of the 1 element left
    with pytest.raises(RuntimeError, match="negative output size"):
        F.pad(x, (-3, -2))


# ------------------------------------------------------------------ norms and distances
A = RNG.standard_normal((6, 5))
B = RNG.standard_normal((6, 5))


def test_normalize_matches_torch():
    assert_matches(lambda F, v: F.normalize(v[0]), [A])
    assert_matches(lambda F, v: F.normalize(v[0], p=3.0, dim=0), [A])
    assert_matches(lambda F, v: F.normalize(v[0], p=1.0, dim=-1), [X4])
    z = F.normalize(cr.zeros(2, 3))
    np.testing.assert_array_equal(z.numpy(), 0.0)


def test_cosine_similarity_and_distances_match_torch():
    assert_matches(lambda F, v: F.cosine_similarity(v[0], v[1]), [A, B])
    assert_matches(lambda F, v: F.cosine_similarity(v[0], v[1], dim=0), [A, B])
    assert_matches(lambda F, v: F.cosine_similarity(v[0], v[1], dim=-1), [A, B[0]])
    assert_matches(lambda F, v: F.pairwise_distance(v[0], v[1]), [A, B])
    assert_matches(lambda F, v: F.pairwise_distance(v[0], v[1], p=1.0, keepdim=True), [A, B])
    assert_matches(lambda F, v: F.pdist(v[0]), [A])
    assert_matches(lambda F, v: F.pdist(v[0], p=3.0), [A])


# ------------------------------------------------------------------ layers
def test_padding_layers_match_torch():
    from chainrule.nn.modules import padding as P

    x = RNG.standard_normal((2, 3, 4, 5, 6))
    cases = [("ConstantPad1d", (2, 3.5), 3), ("ConstantPad2d", ((1, 0, 2, 1), -1.0), 4),
             ("ConstantPad3d", (1, 0.5), 5), ("ZeroPad1d", ((1, 2),), 3),
             ("ZeroPad2d", (1,), 4), ("ZeroPad3d", ((1, 0, 0, 1, 1, 1),), 5),
             ("ReflectionPad1d", (2,), 3), ("ReflectionPad2d", ((1, 2, 0, 3),), 4),
             ("ReflectionPad3d", (1,), 5), ("ReplicationPad1d", ((0, 3),), 3),
             ("ReplicationPad2d", (2,), 4), ("ReplicationPad3d", ((1, 0, 2, 0, 0, 1),), 5),
             ("CircularPad1d", (1,), 3), ("CircularPad2d", ((1, 2, 0, 1),), 4),
             ("CircularPad3d", (1,), 5)]
    for name, args, nd in cases:
        ours, theirs = getattr(P, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(ours) == repr(theirs)
        v = x.reshape(x.shape[:nd - 1] + (-1,)) if nd < 5 else x
        np.testing.assert_allclose(ours(cr.tensor(v)).numpy(), theirs(torch.tensor(v)).numpy())


def test_distance_layers_match_torch():
    from chainrule.nn.modules.distance import CosineSimilarity, PairwiseDistance

    for ours, theirs in [(CosineSimilarity(dim=0), torch.nn.CosineSimilarity(dim=0)),
                         (PairwiseDistance(p=1.0, keepdim=True),
                          torch.nn.PairwiseDistance(p=1.0, keepdim=True))]:
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(cr.tensor(A), cr.tensor(B)).numpy(),
                                   theirs(torch.tensor(A), torch.tensor(B)).numpy())


# ------------------------------------------------------------------ regressions
@pytest.mark.parametrize("s1,s2,dim", [((6, 1), (6, 5), 1), ((5,), (6, 5), 1), ((1, 5), (6, 5), 0),
                                       ((4, 1, 3), (4, 5, 3), -1), ((4, 1, 3), (1, 5, 3), 1),
                                       ((1,), (7,), 0)])
def test_cosine_similarity_broadcasts_before_the_norms(s1, s2, dim):
    # torch expands both inputs first: an input of size 1 along dim has the norm of its
    # repeated copies, and dim counts in the broadcast shape.
    arrays = [RNG.standard_normal(s1), RNG.standard_normal(s2)]
    assert_matches(lambda F, v: F.cosine_similarity(v[0], v[1], dim=dim), arrays)
    from chainrule.nn.modules.distance import CosineSimilarity

    ours = CosineSimilarity(dim=dim)(cr.tensor(arrays[0]), cr.tensor(arrays[1]))
    theirs = torch.nn.CosineSimilarity(dim=dim)(torch.tensor(arrays[0]), torch.tensor(arrays[1]))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_cosine_similarity_gradient_below_eps_and_dtypes():
    # The norm is clamped to eps in value only: the gradient keeps the norm's own term.
    small = np.array([[1e-9, 2e-9], [0.0, 0.0], [3e-10, -1e-9]])
    other = np.array([[1.0, 1.0], [1.0, -2.0], [0.5, 2.0]])
    assert_matches(lambda F, v: F.cosine_similarity(v[0], v[1]), [small, other], tol64=1e-12)
    a = cr.tensor([[1e-9, 2e-9]], requires_grad=True)
    F.cosine_similarity(a, cr.tensor([[1.0, 1.0]])).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [[61223848.0, 51737016.0]], rtol=1e-6)
    assert gradgradcheck(lambda x, y: F.cosine_similarity(x, y, dim=-1),
                         (cr.tensor(A[0, :2], requires_grad=True),
                          cr.tensor(B[:, :2], requires_grad=True)))
    with pytest.raises(RuntimeError, match="floating point, yet common dtype is Long"):
        F.cosine_similarity(cr.tensor([[1, 2]]), cr.tensor([[1, 1]]))
    with pytest.raises(RuntimeError, match="floating point"):
        torch.nn.functional.cosine_similarity(torch.tensor([[1, 2]]), torch.tensor([[1, 1]]))
    for ints in ([[1, 2]], [[1], [2]]):       # an integer input joins the float one's dtype
        ours = F.cosine_similarity(cr.tensor(ints), cr.tensor([[1.0, 3.0]], dtype=cr.float64))
        theirs = TF.cosine_similarity(torch.tensor(ints), torch.tensor([[1.0, 3.0]],
                                                                        dtype=torch.float64))
        assert ours.dtype == cr.float64
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_alpha_dropouts_in_place():
    for fn, shape in [(F.alpha_dropout, (6, 7)), (F.feature_alpha_dropout, (6, 7, 3))]:
        cr.manual_seed(2)
        x = cr.ones(*shape)
        out = fn(x, 0.5, True, True)
        assert out is x
        cr.manual_seed(2)
        expected = fn(cr.ones(*shape), 0.5, True).numpy()
        np.testing.assert_array_equal(x.numpy(), expected)      # the same draw, written into x
        assert np.unique(expected).size == 2
        tx = torch.ones(*shape)
        assert getattr(TF, fn.__name__)(tx, 0.5, True, True) is tx
    x = cr.ones(3, 4)
    assert F.alpha_dropout(x, 1.0, True, True) is x
    np.testing.assert_array_equal(x.numpy(), 0.0)
    # The previous value keeps its gradient: d(out)/d(b) is the kept-unit scale a or 0.
    a = cr.ones(3, 3, requires_grad=True)
    b = a * 1
    cr.manual_seed(4)
    F.alpha_dropout(b, 0.5, True, True).sum().backward()
    scale = 1 / np.sqrt(0.5 * (1 + 0.5 * 1.7580993408473766**2))
    grad = a.grad.numpy()
    assert np.all(np.isclose(grad, 0.0) | np.isclose(grad, scale, rtol=1e-6))
    assert np.isclose(grad, 0.0).any() and not np.isclose(grad, 0.0).all()


def test_feature_alpha_dropout_needs_two_dims_while_training():
    for L, FF in ((cr, F), (torch, TF)):
        with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
            FF.feature_alpha_dropout(L.ones(5), 0.5, True)
        assert tuple(FF.feature_alpha_dropout(L.ones(5), 0.5, False).shape) == (5,)
        assert tuple(FF.feature_alpha_dropout(L.ones(5), 1.0, True).shape) == (5,)
    cr.manual_seed(0)
    y = F.feature_alpha_dropout(cr.ones(8, 10, 4), 0.5, True).numpy()
    assert (y.std(-1) == 0).all() and np.unique(y).size == 2


# (function, shape, lead dims that index one draw, in torch's reading of that shape)
CHANNEL_CASES = [("dropout2d", (40, 30), 2), ("dropout2d", (4, 30, 2, 2, 2), 2),
                 ("dropout2d", (4, 30, 2, 1, 2, 2), 2), ("dropout3d", (40, 2, 2), 1),
                 ("dropout3d", (40, 3), 1), ("dropout3d", (30,), 1),
                 ("dropout3d", (20, 2, 2, 1, 2, 2), 1)]


@pytest.mark.parametrize("name,shape,lead", CHANNEL_CASES)
def test_channel_dropout_other_ranks_warn_and_match_torch(name, shape, lead):
    for training in (True, False):
        outs = []
        for L, FF in ((cr, F), (torch, TF)):
            L.manual_seed(0)
            with pytest.warns(UserWarning, match=f"Received a {len(shape)}-D input to {name}"):
                outs.append(getattr(FF, name)(L.ones(*shape), 0.5, training).numpy())
        for y in outs:
            assert y.shape == shape
            if not training:
                np.testing.assert_array_equal(y, 1.0)
                continue
            per_draw = y.reshape(int(np.prod(shape[:lead])), -1)
            assert (per_draw.std(1) == 0).all()                # one draw per leading index
            assert set(np.unique(y)) == {0.0, 2.0}
    module = {"dropout2d": nn.Dropout2d, "dropout3d": nn.Dropout3d}[name]
    with pytest.warns(UserWarning, match="deprecated"):
        y = module(0.5)(cr.ones(*shape)).numpy()
    assert (y.reshape(int(np.prod(shape[:lead])), -1).std(1) == 0).all()
    with pytest.warns(UserWarning, match="deprecated"):
        assert module(0.5).eval()(x := cr.ones(*shape)) is x


def test_channel_dropout_one_dim_input():
    for L, FF in ((cr, F), (torch, TF)):
        with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="at least 2 dim"):
            FF.dropout2d(L.ones(5), 0.5)
        with pytest.warns(UserWarning):
            assert tuple(FF.dropout2d(L.ones(5), 0.5, training=False).shape) == (5,)
            assert FF.dropout2d(L.ones(5), 1.0).numpy().tolist() == [0.0] * 5
        with pytest.warns(UserWarning):                # unbatched: dropped element by element
            y = FF.dropout3d(L.ones(400), 0.5).numpy()
        assert 0.4 < (y == 0).mean() < 0.6
    x = cr.ones(6, 5, 3)
    with pytest.warns(UserWarning):
        assert F.dropout2d(x, 0.5, inplace=True) is x
    assert (x.numpy().std(-1) == 0).all()


def test_pad_value_with_non_constant_mode_is_runtime_error():
    for mode in ("reflect", "replicate", "circular"):
        with pytest.raises(RuntimeError, match=f'Padding mode "{mode}" doesn\'t take in value'):
            F.pad(cr.ones(1, 2, 3), (1, 1), mode=mode, value=2.0)
        with pytest.raises(RuntimeError, match="doesn't take in value"):
            TF.pad(torch.ones(1, 2, 3), (1, 1), mode=mode, value=2.0)
        assert F.pad(cr.ones(1, 2, 3), (1, 1), mode=mode, value=0.0).shape == (1, 2, 5)
