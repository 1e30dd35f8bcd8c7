"""Losses: values and gradients (input, target, weights) against PyTorch in float64 and
float32, every reduction, PyTorch's weighting and ignore_index semantics, finite-difference
and second-order checks of the fused primitives, argument errors and the loss layers."""

from __future__ import annotations

import warnings

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

RNG = np.random.default_rng(7)
DTYPES = [(cr.float64, torch.float64, 1e-10), (cr.float32, torch.float32, 2e-5)]
REDUCTIONS = ["none", "mean", "sum"]


def _make(a, differentiable, cdt, tdt):
    a = np.asarray(a)
    if not differentiable:
        if a.dtype.kind == "f":
            return cr.tensor(a, dtype=cdt), torch.tensor(a, dtype=tdt)
        return cr.tensor(a), torch.tensor(a)
    return (cr.tensor(a, dtype=cdt, requires_grad=True),
            torch.tensor(a, dtype=tdt, requires_grad=True))


def assert_matches(fn, arrays, constant=(), tol64=1e-10):
    """``fn(F, args)`` on both libraries: values and the gradient of every argument not listed
    in ``constant``, with a random upstream gradient."""
    for cdt, tdt, tol in DTYPES:
        tol = tol64 if cdt is cr.float64 else tol
        pairs = [_make(a, i not in constant, cdt, tdt) for i, a in enumerate(arrays)]
        ours, theirs = [p[0] for p in pairs], [p[1] for p in pairs]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y, ty = fn(F, ours), fn(TF, theirs)
        assert y.dtype == cdt
        assert tuple(y.shape) == tuple(ty.shape)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        g = RNG.standard_normal(tuple(ty.shape))
        (y * cr.tensor(g, dtype=cdt)).sum().backward()
        (ty * torch.tensor(g, dtype=tdt)).sum().backward()
        for a, ta in zip(ours, theirs):
            if ta.grad is not None:
                assert a.grad is not None
                np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=tol, atol=tol)


def assert_same_outcome(fn):
    """``fn(F, lib)`` on both libraries (``lib`` is ``chainrule`` or ``torch``): the same
    exception type, or no exception and the same dtype, shape and values (NaN equal to NaN)."""
    outcomes = []
    for f, lib in ((F, cr), (TF, torch)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outcomes.append(fn(f, lib))
        except Exception as e:  # noqa: BLE001 - any exception is an outcome to compare
            outcomes.append(e)
    ours, theirs = outcomes
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs), f"torch raised {theirs!r}, chainrule gave {ours!r}"
        return
    assert not isinstance(ours, Exception), f"torch gave {theirs}, chainrule raised {ours!r}"
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5,
                               atol=1e-6)


A = RNG.standard_normal((6, 5))
B = RNG.standard_normal((6, 5))
P = RNG.uniform(0.02, 0.98, (6, 5))
Q = RNG.uniform(0.0, 1.0, (6, 5))
T = RNG.integers(0, 5, 6)


# ------------------------------------------------------------------ regression
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [("mse_loss", {}), ("l1_loss", {}),
                                     ("smooth_l1_loss", {"beta": 0.7}),
                                     ("smooth_l1_loss", {"beta": 0.0}),
                                     ("huber_loss", {"delta": 0.7})])
def test_regression_losses(name, kw, reduction):
    fn = lambda F, x: getattr(F, name)(x[0], x[1], reduction=reduction, **kw)  # noqa: E731
    assert_matches(fn, [A, B])
    assert_matches(fn, [A, B[:1]])                     # broadcast target (with a warning)
    b = B.copy()
    b[0, :2] = A[0, :2]                                  # d == 0: l1'(0) = 0
    assert_matches(fn, [A, b])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_regression_losses_with_weight(name, reduction):
    assert_matches(lambda F, x: getattr(F, name)(x[0], x[1], reduction=reduction, weight=x[2]),
                   [A, B, Q], constant=(2,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_smooth_l1_and_huber_with_infinite_threshold(reduction):
    # Every |d| is below an infinite threshold: huber is 0.5 d^2, smooth_l1 0.5 d^2 / inf = 0
    # (the fused form gave inf * 0 = NaN).
    assert_matches(lambda F, x: F.smooth_l1_loss(x[0], x[1], beta=np.inf, reduction=reduction),
                   [A, B])
    assert_matches(lambda F, x: F.huber_loss(x[0], x[1], delta=np.inf, reduction=reduction),
                   [A, B])


def test_regression_size_mismatch():
    with pytest.warns(UserWarning):
        F.mse_loss(cr.randn(3, 4), cr.randn(4))
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="cannot be broadcast"):
        F.mse_loss(cr.randn(3, 4), cr.randn(5))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.mse_loss(cr.randn(3), cr.randn(3), reduction="avg")
    with pytest.raises(ValueError, match="same size"):
        F.mse_loss(cr.randn(3), cr.randn(3), weight=cr.ones(2))


def test_legacy_size_average_and_reduce():
    x, y = cr.tensor(A), cr.tensor(B)
    with pytest.warns(UserWarning):
        s = F.mse_loss(x, y, size_average=False)
    assert s.item() == pytest.approx(F.mse_loss(x, y, reduction="sum").item())
    with pytest.warns(UserWarning):
        n = F.l1_loss(x, y, reduce=False)
    assert n.shape == x.shape


# ------------------------------------------------------------------ binary cross-entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    assert_matches(lambda F, x: F.binary_cross_entropy(x[0], x[1], reduction=reduction), [P, Q])
    assert_matches(lambda F, x: F.binary_cross_entropy(x[0], x[1], weight=x[2],
                                                       reduction=reduction),
                   [P, Q, Q[0] + 0.5], constant=(2,))


def test_binary_cross_entropy_clamps_log_at_minus_100():
    x = cr.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    y = cr.tensor([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(x, y, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [100.0, 100.0, 0.0, 0.0])
    loss.sum().backward()
    tx = torch.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    TF.binary_cross_entropy(tx, torch.tensor([1.0, 0.0, 0.0, 1.0]), reduction="sum").backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_binary_cross_entropy_errors():
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(cr.tensor([1.5]), cr.tensor([1.0]))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(cr.tensor([0.5]), cr.tensor([2.0]))
    with pytest.raises(ValueError, match="target size"):
        F.binary_cross_entropy(cr.tensor([0.5, 0.5]), cr.tensor([1.0]))
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(cr.randn(3), cr.rand(2))


def test_binary_cross_entropy_rejects_a_nan_target():
    # NaN is not "between 0 and 1" (the range check let it through).
    p, y = RNG.uniform(0.1, 0.9, (2, 3)), RNG.uniform(0, 1, (2, 3))
    y[0, 1] = np.nan
    assert_same_outcome(lambda F, lib: F.binary_cross_entropy(lib.tensor(p), lib.tensor(y)))
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        F.binary_cross_entropy(cr.tensor(p), cr.tensor(y))


@pytest.mark.parametrize("shape", [(4, 2, 3), (2, 1, 3), (1, 2, 3), (5,), (3,), (2, 1)])
@pytest.mark.parametrize("name,arg", [("binary_cross_entropy", "weight"),
                                      ("binary_cross_entropy_with_logits", "weight"),
                                      ("binary_cross_entropy_with_logits", "pos_weight")])
def test_binary_cross_entropy_weight_must_broadcast_to_the_input(shape, name, arg):
    # A weight that broadcasts to a larger shape than the input's is an error, not a larger
    # loss.
    p, y, w = RNG.uniform(0.1, 0.9, (2, 3)), RNG.uniform(0, 1, (2, 3)), np.ones(shape)
    assert_same_outcome(lambda F, lib: getattr(F, name)(
        lib.tensor(p), lib.tensor(y), reduction="none", **{arg: lib.tensor(w)}))
    if len(shape) > 2:
        with pytest.raises(RuntimeError, match=rf"{arg} of shape .* must broadcast"):
            getattr(F, name)(cr.tensor(p), cr.tensor(y), **{arg: cr.tensor(w)})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("wdt", ["float64", "int64"])
def test_binary_cross_entropy_weight_keeps_the_input_dtype(reduction, wdt):
    # The loss is computed in the input's dtype: a float64 (or int64) weight does not promote.
    p, y = RNG.uniform(0.1, 0.9, (2, 3)), RNG.uniform(0, 1, (2, 3))
    w = np.arange(1, 4).astype(wdt)

    def args(lib):
        return lib.tensor(p, dtype=lib.float32), lib.tensor(y, dtype=lib.float32)

    def mod(lib, name):
        return getattr(nn if lib is cr else torch.nn, name)

    assert_same_outcome(lambda F, lib: F.binary_cross_entropy(
        *args(lib), weight=lib.tensor(w), reduction=reduction))
    assert_same_outcome(lambda F, lib: F.binary_cross_entropy_with_logits(
        *args(lib), weight=lib.tensor(w), pos_weight=lib.tensor(w), reduction=reduction))
    assert_same_outcome(lambda F, lib: mod(lib, "BCELoss")(
        weight=lib.tensor(w), reduction=reduction)(*args(lib)))
    assert_same_outcome(lambda F, lib: mod(lib, "BCEWithLogitsLoss")(
        pos_weight=lib.tensor(w), reduction=reduction)(*args(lib)))


def test_binary_cross_entropy_target_gradient_at_0_and_1_matches_torch():
    # dL/dy = -logit(x) is not floored like the loss: +inf at x = 0, -inf at x = 1.
    x, y = np.array([0.0, 1.0, 0.5, 1e-30]), np.array([1.0, 0.0, 1.0, 0.5])
    for cdt, tdt, _ in DTYPES:
        a, b = cr.tensor(x, dtype=cdt, requires_grad=True), cr.tensor(y, dtype=cdt,
                                                                       requires_grad=True)
        ta, tb = torch.tensor(x, dtype=tdt, requires_grad=True), torch.tensor(
            y, dtype=tdt, requires_grad=True)
        F.binary_cross_entropy(a, b, reduction="sum").backward()
        TF.binary_cross_entropy(ta, tb, reduction="sum").backward()
        np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-6)
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-6)
        assert np.isinf(b.grad.numpy()[:2]).all()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction):
    x = A * 10
    assert_matches(lambda F, v: F.binary_cross_entropy_with_logits(v[0], v[1],
                                                                   reduction=reduction),
                   [x, Q])
    assert_matches(lambda F, v: F.binary_cross_entropy_with_logits(
        v[0], v[1], weight=v[2], pos_weight=v[3], reduction=reduction),
        [x, Q, Q, Q[0] + 0.5], constant=(2, 3))


def test_binary_cross_entropy_with_logits_is_stable():
    x = cr.tensor([-1000.0, -50.0, 50.0, 1000.0], requires_grad=True)
    y = cr.tensor([1.0, 0.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none",
                                              pos_weight=cr.tensor([3.0]))
    np.testing.assert_allclose(loss.detach().numpy(), [3000.0, 0.0, 0.0, 1000.0], atol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-3.0, 0.0, 0.0, 1.0], atol=1e-12)


def test_binary_cross_entropy_with_logits_gradcheck():
    x = cr.tensor(RNG.standard_normal((3, 4)), requires_grad=True, dtype=cr.float64)
    y = cr.tensor(RNG.uniform(0, 1, (3, 4)), requires_grad=True, dtype=cr.float64)
    pw = cr.tensor(RNG.uniform(0.5, 2, 4), requires_grad=True, dtype=cr.float64)
    for fn in (lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, pos_weight=c),
               lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, reduction="none")):
        assert gradcheck(fn, (x, y, pw))
        assert gradgradcheck(fn, (x, y, pw))


def test_binary_cross_entropy_gradcheck():
    p = cr.tensor(RNG.uniform(0.1, 0.9, (3, 4)), requires_grad=True, dtype=cr.float64)
    y = cr.tensor(RNG.uniform(0, 1, (3, 4)), requires_grad=True, dtype=cr.float64)
    assert gradcheck(F.binary_cross_entropy, (p, y))
    assert gradgradcheck(F.binary_cross_entropy, (p, y))


# ------------------------------------------------------------------ cross-entropy and NLL
WEIGHT = RNG.uniform(0.5, 2.0, 5)


def _ce_cases():
    for reduction in REDUCTIONS:
        for smoothing in (0.0, 0.25):
            for weighted in (False, True):
                for ignore in (-100, 2):
                    yield reduction, smoothing, weighted, ignore


CE_CASES = list(_ce_cases())
CE_IDS = [f"{r}-ls{s}-{'w' if w else 'nw'}-ign{i}" for r, s, w, i in CE_CASES]


def _ce(reduction, smoothing, weighted, ignore):
    def fn(F, v):
        return F.cross_entropy(v[0], v[1], weight=v[2] if weighted else None,
                               ignore_index=ignore, reduction=reduction,
                               label_smoothing=smoothing)
    return fn


@pytest.mark.parametrize("case", CE_CASES, ids=CE_IDS)
def test_cross_entropy_class_indices(case):
    fn = _ce(*case)
    t = T.copy()
    t[:2] = 2                                              # some targets hit ignore_index=2
    assert_matches(fn, [A * 3, t, WEIGHT], constant=(1, 2))
    x4 = RNG.standard_normal((3, 5, 2, 4))
    t4 = RNG.integers(0, 5, (3, 2, 4))
    assert_matches(fn, [x4, t4, WEIGHT], constant=(1, 2))
    assert_matches(fn, [A[0], np.array(3), WEIGHT], constant=(1, 2))   # unbatched (C,)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(reduction, weighted):
    def fn(F, v):
        return F.nll_loss(v[0], v[1], weight=v[2] if weighted else None, ignore_index=1,
                          reduction=reduction)
    assert_matches(fn, [A, T, WEIGHT], constant=(1, 2))
    assert_matches(fn, [RNG.standard_normal((2, 5, 3)), RNG.integers(0, 5, (2, 3)), WEIGHT],
                   constant=(1, 2))
    assert_matches(fn, [A[0], np.array(4), WEIGHT], constant=(1, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_probability_targets(reduction, smoothing):
    probs = Q / Q.sum(1, keepdims=True)
    assert_matches(lambda F, v: F.cross_entropy(v[0], v[1], reduction=reduction,
                                                label_smoothing=smoothing), [A, probs])
    assert_matches(lambda F, v: F.cross_entropy(v[0], v[1], weight=v[2], reduction=reduction,
                                                label_smoothing=smoothing),
                   [A, probs, WEIGHT], constant=(2,))
    p4 = RNG.uniform(0, 1, (2, 5, 3))
    assert_matches(lambda F, v: F.cross_entropy(v[0], v[1], reduction=reduction),
                   [RNG.standard_normal((2, 5, 3)), p4])


def test_cross_entropy_weighted_mean_divides_by_counted_weights():
    x = cr.tensor(A)
    w = cr.tensor(WEIGHT)
    t = cr.tensor(T)
    per_item = F.cross_entropy(x, t, weight=w, reduction="none")
    mean = F.cross_entropy(x, t, weight=w)
    assert mean.item() == pytest.approx(per_item.sum().item() / WEIGHT[T].sum())


def test_cross_entropy_all_ignored_is_nan_like_torch():
    x = cr.randn(3, 4, requires_grad=True)
    loss = F.cross_entropy(x, cr.tensor([-100, -100, -100]))
    assert np.isnan(loss.item())
    assert F.cross_entropy(x, cr.tensor([-100] * 3), reduction="sum").item() == 0.0


ZERO_TOTAL_CASES = [
    ("all ignored", (4, 3), [-100, -100, -100, -100], None),
    ("all ignored, weighted", (4, 3), [-100, -100, -100, -100], [1.0, 2.0, 3.0]),
    ("zero-weight targets", (4, 3), [0, -100, 0, 0], [0.0, 1.0, 2.0]),
    ("spatial, all ignored", (2, 3, 2), [[-100, -100], [-100, -100]], None),
    ("unbatched, ignored", (3,), -100, None),
]


@pytest.mark.parametrize("case", ZERO_TOTAL_CASES, ids=[c[0] for c in ZERO_TOTAL_CASES])
@pytest.mark.parametrize("form,smoothing", [("cross_entropy", 0.0), ("cross_entropy", 0.3),
                                            ("CrossEntropyLoss", 0.0),
                                            ("CrossEntropyLoss", 0.3), ("nll_loss", 0.0),
                                            ("NLLLoss", 0.0)])
def test_mean_over_zero_total_weight_gradient_matches_torch(case, form, smoothing):
    # The loss is NaN (0 / 0); PyTorch's gradient is 0 for ignored items and NaN only where a
    # zero-weight target counts (its whole row for cross_entropy, through log_softmax).
    _, shape, target, weight = case
    v = RNG.standard_normal(shape)
    for cdt, tdt, _ in DTYPES:
        x, tx = cr.tensor(v, dtype=cdt, requires_grad=True), torch.tensor(v, dtype=tdt,
                                                                          requires_grad=True)
        kw = {"label_smoothing": smoothing} if smoothing else {}
        losses = []
        for lib, a, fmod, mod in ((cr, x, F, nn), (torch, tx, TF, torch.nn)):
            w = None if weight is None else lib.tensor(weight, dtype=a.dtype)
            t = lib.tensor(target)
            if form[0].islower():
                loss = getattr(fmod, form)(a, t, weight=w, **kw)
            else:
                loss = getattr(mod, form)(weight=w, **kw)(a, t)
            loss.backward()
            losses.append(loss)
        assert np.isnan(losses[0].item()) and np.isnan(losses[1].item())
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_all_ignored_second_derivative_matches_torch():
    v = RNG.standard_normal((2, 3))
    x, tx = cr.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    (g,) = cr.autograd.grad(F.cross_entropy(x, cr.tensor([-100, -100])), x, create_graph=True)
    (tg,) = torch.autograd.grad(TF.cross_entropy(tx, torch.tensor([-100, -100])), tx,
                                create_graph=True)
    (g * g).sum().backward()
    (tg * tg).sum().backward()
    np.testing.assert_array_equal(g.detach().numpy(), tg.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("ignore", [-100, -1, 0, 2, 7])
def test_probability_targets_reject_a_nonnegative_ignore_index(ignore):
    v, probs = RNG.standard_normal((3, 4)), RNG.dirichlet(np.ones(4), 3)
    assert_same_outcome(lambda F, lib: F.cross_entropy(lib.tensor(v), lib.tensor(probs),
                                                       ignore_index=ignore))
    assert_same_outcome(lambda F, lib: (
        nn.CrossEntropyLoss if lib is cr else torch.nn.CrossEntropyLoss)(
        ignore_index=ignore, label_smoothing=0.1)(lib.tensor(v), lib.tensor(probs)))
    if ignore >= 0:
        with pytest.raises(RuntimeError, match="ignore_index is not supported"):
            F.cross_entropy(cr.tensor(v), cr.tensor(probs), ignore_index=ignore)


@pytest.mark.parametrize("dtype", ["int64", "uint8", "int32", "int16", "int8", "bool",
                                   "float32"])
@pytest.mark.parametrize("shape,target", [((3, 4), [0, 1, 3]), ((4,), 1),
                                          ((2, 4, 3), [[0, 1, 1], [1, 0, 1]]),
                                          ((0, 4), np.zeros(0, int))])
@pytest.mark.parametrize("fn,kw", [("cross_entropy", {}), ("nll_loss", {}),
                                   ("cross_entropy", {"label_smoothing": 0.1})])
def test_class_index_target_dtypes_match_torch(dtype, shape, target, fn, kw):
    # int64, and uint8 with an (N, C) or (C,) input, are PyTorch's class-index dtypes.
    v, t = RNG.standard_normal(shape), np.asarray(target).astype(dtype)
    assert_same_outcome(lambda F, lib: getattr(F, fn)(lib.tensor(v), lib.tensor(t), **kw))
    if dtype in ("int32", "int16", "int8"):
        with pytest.raises(RuntimeError, match="int64 or uint8"):
            getattr(F, fn)(cr.tensor(v), cr.tensor(t), **kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("target", [[2], [-100], [2, 1], [], [[2]]])
def test_unbatched_input_accepts_a_target_of_size_one(reduction, fn, target):
    # PyTorch takes a (1,) target for a (C,) input like a 0-d one, and returns a 0-d loss.
    v = RNG.standard_normal(4)
    assert_same_outcome(lambda F, lib: getattr(F, fn)(
        lib.tensor(v), lib.tensor(target, dtype=lib.int64), reduction=reduction))
    if target == [2]:
        # Its gradient is the 0-d target's (PyTorch's backward raises a size mismatch here).
        x1, x0 = cr.tensor(v, requires_grad=True), cr.tensor(v, requires_grad=True)
        getattr(F, fn)(x1, cr.tensor([2]), reduction=reduction).sum().backward()
        getattr(F, fn)(x0, cr.tensor(2), reduction=reduction).sum().backward()
        np.testing.assert_array_equal(x1.grad.numpy(), x0.grad.numpy())


@pytest.mark.parametrize("xdt,wdt", [("float32", "float64"), ("float64", "float32"),
                                     ("float32", "int64"), ("float32", "float32")])
def test_class_weight_dtype_matches_torch(xdt, wdt):
    # Class indices: the weight must have the input's dtype (PyTorch raises; chainrule cast
    # it). Class probabilities: the weight promotes, as any product does.
    v, t = RNG.standard_normal((3, 4)).astype(xdt), np.array([0, 1, 3])
    probs, w = RNG.dirichlet(np.ones(4), 3).astype(xdt), np.arange(1, 5).astype(wdt)
    assert_same_outcome(lambda F, lib: F.nll_loss(lib.tensor(v), lib.tensor(t),
                                                  weight=lib.tensor(w)))
    assert_same_outcome(lambda F, lib: F.cross_entropy(lib.tensor(v), lib.tensor(t),
                                                       weight=lib.tensor(w)))
    assert_same_outcome(lambda F, lib: F.cross_entropy(lib.tensor(v), lib.tensor(t),
                                                       weight=lib.tensor(w),
                                                       label_smoothing=0.2))
    assert_same_outcome(lambda F, lib: F.cross_entropy(lib.tensor(v), lib.tensor(probs),
                                                       weight=lib.tensor(w)))
    if xdt != wdt:
        with pytest.raises(RuntimeError, match="expected weight of the input's dtype"):
            F.cross_entropy(cr.tensor(v), cr.tensor(t), weight=cr.tensor(w))


@pytest.mark.parametrize("call", [
    lambda F, lib: F.cross_entropy(lib.zeros(3, 4), lib.tensor(1)),             # 0-d target
    lambda F, lib: F.nll_loss(lib.zeros(3, 4), lib.tensor(1)),
    lambda F, lib: F.cross_entropy(lib.zeros(3, 4), lib.tensor(1.0)),
    lambda F, lib: F.cross_entropy(lib.zeros(3, 4), lib.rand(1, 4)),           # probabilities
    lambda F, lib: F.cross_entropy(lib.zeros(3, 4), lib.rand(2, 4)),
    lambda F, lib: F.cross_entropy(lib.zeros(3, 4), lib.rand(3)),
    lambda F, lib: F.cross_entropy(lib.zeros(3, 4), lib.rand(3, 5)),
    lambda F, lib: F.cross_entropy(lib.zeros(4), lib.rand(1, 4)),
    lambda F, lib: F.cross_entropy(lib.zeros(4), lib.zeros(4, dtype=lib.int64)),
    lambda F, lib: F.cross_entropy(lib.tensor(1.0), lib.tensor(0)),            # 0-d input
    lambda F, lib: F.cross_entropy(lib.tensor(1.0), lib.tensor(0.0)),
    lambda F, lib: F.nll_loss(lib.tensor(1.0), lib.tensor(0)),
    lambda F, lib: F.cross_entropy(lib.zeros(3, 4), lib.zeros(3, 2, dtype=lib.int64)),
    lambda F, lib: F.cross_entropy(lib.zeros(2, 3, 4), lib.zeros(3, 4, dtype=lib.int64)),
    lambda F, lib: F.cross_entropy(lib.zeros(2, 3, 4), lib.zeros(2, dtype=lib.int64)),
])
def test_class_loss_exception_types_match_torch(call):
    assert_same_outcome(call)


def test_cross_entropy_large_logits_are_stable():
    x = cr.tensor([[1e4, 0.0, -1e4]], requires_grad=True)
    loss = F.cross_entropy(x, cr.tensor([2]), label_smoothing=0.1)
    assert np.isfinite(loss.item())
    loss.backward()
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("case", [c for c in CE_CASES if c[3] == 2],
                         ids=[i for c, i in zip(CE_CASES, CE_IDS) if c[3] == 2])
def test_cross_entropy_gradcheck_and_gradgradcheck(case):
    reduction, smoothing, weighted, ignore = case
    x = cr.tensor(RNG.standard_normal((4, 5)), dtype=cr.float64, requires_grad=True)
    t = cr.tensor([0, 2, 4, 1])
    w = cr.tensor(WEIGHT) if weighted else None

    def fn(a):
        return F.cross_entropy(a, t, weight=w, ignore_index=ignore, reduction=reduction,
                               label_smoothing=smoothing)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_cross_entropy_and_nll_gradcheck_spatial():
    x = cr.tensor(RNG.standard_normal((2, 3, 2, 2)), dtype=cr.float64, requires_grad=True)
    t = cr.tensor(RNG.integers(0, 3, (2, 2, 2)))
    w = cr.tensor(WEIGHT[:3])
    for fn in (lambda a: F.cross_entropy(a, t, weight=w, label_smoothing=0.2, ignore_index=1),
               lambda a: F.nll_loss(a, t, weight=w, ignore_index=1)):
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


def test_cross_entropy_hessian_matches_torch():
    v = RNG.standard_normal((3, 4))
    t = np.array([1, 0, 3])
    x = cr.tensor(v, requires_grad=True)
    (g,) = cr.autograd.grad(F.cross_entropy(x, cr.tensor(t), label_smoothing=0.1), x,
                            create_graph=True)
    (g * g).sum().backward()
    tx = torch.tensor(v, requires_grad=True)
    (tg,) = torch.autograd.grad(TF.cross_entropy(tx, torch.tensor(t), label_smoothing=0.1), tx,
                                create_graph=True)
    (tg * tg).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_class_index_errors():
    x = cr.randn(3, 4)
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        F.cross_entropy(x, cr.tensor([0, 5, 1]))
    with pytest.raises(IndexError, match="Target -2 is out of bounds."):
        F.nll_loss(x, cr.tensor([0, -2, 1]))
    with pytest.raises(ValueError, match=r"expected input batch_size \(3\) to match target "
                                         r"batch_size \(2\)"):
        F.cross_entropy(x, cr.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"expected target size \[2, 4\], got \[2, 3\]"):
        F.cross_entropy(cr.randn(2, 3, 4), cr.tensor([[0, 1, 1], [0, 1, 1]]))
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.cross_entropy(x, cr.tensor([0, 1, 1]), weight=cr.ones(2))
    with pytest.raises(RuntimeError, match="label_smoothing"):
        F.cross_entropy(x, cr.tensor([0, 1, 1]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="class probabilities"):
        F.cross_entropy(x, cr.rand(3))
    with pytest.raises(RuntimeError, match="int64 or uint8"):
        F.nll_loss(x, cr.tensor([0.0, 1.0, 1.0]))
    with pytest.raises(RuntimeError, match="multi-target"):
        F.nll_loss(x, cr.tensor([[0, 1, 1]] * 3))
    with pytest.raises(RuntimeError, match="must be floating point"):
        F.cross_entropy(cr.tensor(1.0), cr.tensor(0))      # a 0-d input: see the torch test
    # ignore_index may lie outside [0, C).
    assert np.isfinite(F.cross_entropy(x, cr.tensor([0, -1, 1]), ignore_index=-1).item())


# ------------------------------------------------------------------ KL divergence and others
@pytest.mark.parametrize("reduction", ["none", "mean", "sum", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    target = np.log(Q) if log_target else Q
    assert_matches(lambda F, v: F.kl_div(v[0], v[1], reduction=reduction,
                                         log_target=log_target), [np.log(P), target])


def test_kl_div_zero_target_terms_are_zero():
    x = cr.tensor([[-1.0, -2.0]], requires_grad=True)
    loss = F.kl_div(x, cr.tensor([[0.0, 1.0]]), reduction="sum")
    assert loss.item() == pytest.approx(2.0)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, -1.0]])


@pytest.mark.parametrize("reduction", ["none", "sum", "batchmean"])
def test_kl_div_at_zero_negative_and_infinite_targets_matches_torch(reduction):
    # PyTorch's target * log(target) is xlogy(target, target): 0 at 0 (its target gradient
    # there is NaN), NaN for a negative target, NaN for -inf.
    x = np.array([[-1.0, -2.0, 0.0, 0.0, 0.0, -1.0]])
    t = np.array([[0.0, 1.0, -1.0, -np.inf, np.inf, 0.5]])
    assert_matches(lambda F, v: F.kl_div(v[0], v[1], reduction=reduction), [x, t])
    assert_matches(lambda F, v: F.kl_div(v[0], v[1], reduction=reduction), [x[:, :2], t[:, :2]])
    assert np.isnan(F.kl_div(cr.tensor([0.0]), cr.tensor([-1.0]), reduction="sum").item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_other_losses(reduction):
    sign = np.sign(B)
    assert_matches(lambda F, v: F.soft_margin_loss(v[0], v[1], reduction=reduction),
                   [A, sign], constant=(1,))
    assert_matches(lambda F, v: F.margin_ranking_loss(v[0], v[1], v[2], margin=0.3,
                                                      reduction=reduction),
                   [A[0], B[0], sign[1]], constant=(2,))
    assert_matches(lambda F, v: F.hinge_embedding_loss(v[0], v[1], margin=0.8,
                                                       reduction=reduction),
                   [A, sign], constant=(1,))
    assert_matches(lambda F, v: F.cosine_embedding_loss(v[0], v[1], v[2], margin=0.1,
                                                        reduction=reduction),
                   [A, B, sign[:, 0]], constant=(2,), tol64=1e-8)
    assert_matches(lambda F, v: F.triplet_margin_loss(v[0], v[1], v[2], margin=0.5, swap=True,
                                                      reduction=reduction), [A, B, Q])
    assert_matches(lambda F, v: F.poisson_nll_loss(v[0], v[1], full=True,
                                                   reduction=reduction), [A, Q * 3])
    assert_matches(lambda F, v: F.poisson_nll_loss(v[0], v[1], log_input=False,
                                                   reduction=reduction), [P, Q * 3])
    assert_matches(lambda F, v: F.gaussian_nll_loss(v[0], v[1], v[2], full=True,
                                                    reduction=reduction), [A, B, P])
    assert_matches(lambda F, v: F.gaussian_nll_loss(v[0], v[1], v[2], reduction=reduction),
                   [A, B, P[:, 0]])
    assert_matches(lambda F, v: F.multilabel_soft_margin_loss(v[0], v[1], reduction=reduction),
                   [A, (Q > 0.5) * 1.0], constant=(1,))


def test_regression_gradcheck_and_gradgradcheck():
    x = cr.tensor(RNG.standard_normal((3, 4)), dtype=cr.float64, requires_grad=True)
    y = cr.tensor(RNG.standard_normal((3, 4)), dtype=cr.float64, requires_grad=True)
    for fn in (F.mse_loss, F.l1_loss, lambda a, b: F.smooth_l1_loss(a, b, beta=0.5),
               lambda a, b: F.huber_loss(a, b, delta=0.5, reduction="sum"),
               lambda a, b: F.mse_loss(a, b, reduction="none")):
        assert gradcheck(fn, (x, y))
        assert gradgradcheck(fn, (x, y))


# ------------------------------------------------------------------ layers
def test_loss_layers_match_functional_and_torch():
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    t = np.array([0, 2, 1, 2])
    w = np.array([1.0, 2.0, 0.5], dtype=np.float32)
    pairs = [
        (nn.CrossEntropyLoss(weight=cr.tensor(w), label_smoothing=0.1, ignore_index=1),
         torch.nn.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=0.1,
                                   ignore_index=1), t),
        (nn.NLLLoss(reduction="sum"), torch.nn.NLLLoss(reduction="sum"), t),
        (nn.MSELoss(), torch.nn.MSELoss(), x[::-1].copy()),
        (nn.L1Loss(reduction="none"), torch.nn.L1Loss(reduction="none"), x[::-1].copy()),
        (nn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5), x[::-1].copy()),
        (nn.HuberLoss(delta=0.5), torch.nn.HuberLoss(delta=0.5), x[::-1].copy()),
        (nn.BCEWithLogitsLoss(pos_weight=cr.tensor(w)),
         torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(w)), (x > 0).astype(np.float32)),
        (nn.KLDivLoss(reduction="batchmean", log_target=True),
         torch.nn.KLDivLoss(reduction="batchmean", log_target=True), x[::-1].copy()),
        (nn.SoftMarginLoss(), torch.nn.SoftMarginLoss(), np.sign(x)),
        (nn.HingeEmbeddingLoss(), torch.nn.HingeEmbeddingLoss(), np.sign(x)),
        (nn.MultiLabelSoftMarginLoss(), torch.nn.MultiLabelSoftMarginLoss(),
         (x > 0).astype(np.float32)),
        (nn.PoissonNLLLoss(), torch.nn.PoissonNLLLoss(), np.abs(x)),
    ]
    for ours, theirs, target in pairs:
        assert repr(ours) == repr(theirs)
        a = cr.tensor(x, requires_grad=True)
        ta = torch.tensor(x, requires_grad=True)
        y, ty = ours(a, cr.tensor(target)), theirs(ta, torch.tensor(target))
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-5, atol=1e-6)
    p = np.clip(np.abs(x) / 3, 0.01, 0.99)
    bce = nn.BCELoss(weight=cr.tensor(w))
    tbce = torch.nn.BCELoss(weight=torch.tensor(w))
    np.testing.assert_allclose(bce(cr.tensor(p), cr.tensor(p[::-1].copy())).item(),
                               tbce(torch.tensor(p), torch.tensor(p[::-1].copy())).item(),
                               rtol=1e-5)


def test_weight_buffers_follow_pytorchs_state_dict():
    w = cr.tensor([1.0, 2.0])
    assert list(nn.CrossEntropyLoss(weight=w).state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    m = nn.BCEWithLogitsLoss(weight=w, pos_weight=cr.tensor([3.0, 1.0]))
    assert list(m.state_dict()) == list(
        torch.nn.BCEWithLogitsLoss(weight=torch.ones(2), pos_weight=torch.ones(2)).state_dict())
    m = m.double()
    assert m.pos_weight.dtype == cr.float64
    with pytest.warns(UserWarning):
        legacy = nn.MSELoss(size_average=False)
    assert legacy.reduction == "sum"
    crit = nn.CrossEntropyLoss(ignore_index=3, label_smoothing=0.2)
    assert (crit.ignore_index, crit.label_smoothing, crit.reduction) == (3, 0.2, "mean")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss(p, reduction):
    assert_matches(lambda F, v: F.multi_margin_loss(v[0], v[1], p=p, margin=0.7, weight=v[2],
                                                    reduction=reduction),
                   [A, T, WEIGHT], constant=(1, 2))
    assert_matches(lambda F, v: F.multi_margin_loss(v[0], v[1], p=p, reduction=reduction),
                   [A[0], np.array(2)], constant=(1,))
    assert repr(nn.MultiMarginLoss(p=p)) == repr(torch.nn.MultiMarginLoss(p=p))
