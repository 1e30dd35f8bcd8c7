"""RMS normalization: ``F.rms_norm`` and ``nn.RMSNorm`` against PyTorch (values and the
gradients of input and weight, default and given eps, float32 and float64), finite-difference
first- and second-order checks, overflow-free statistics, the layer's parameters, state_dict
and repr, and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.autograd import gradcheck, gradgradcheck

try:
    import torch
except ImportError:  # the comparisons with torch skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
RNG = np.random.default_rng(7)


@needs_torch
@pytest.mark.parametrize("shape,ns", [((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((5,), (5,)),
                                      ((2, 3, 4), (2, 3, 4)), ((0, 4), (4,)), ((2, 0), (0,))])
@pytest.mark.parametrize("eps", [None, 1e-3])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 2e-5)])
def test_rms_norm_matches_torch(shape, ns, eps, affine, dtype, tol):
    cdt, tdt = getattr(cr, dtype), getattr(torch, dtype)
    a, w = RNG.standard_normal(shape) * 3, RNG.standard_normal(ns)
    x, tx = cr.tensor(a, dtype=cdt, requires_grad=True), torch.tensor(a, dtype=tdt,
                                                                      requires_grad=True)
    cw = cr.tensor(w, dtype=cdt, requires_grad=True) if affine else None
    tw = torch.tensor(w, dtype=tdt, requires_grad=True) if affine else None
    y, ty = F.rms_norm(x, list(ns), cw, eps), torch.nn.functional.rms_norm(tx, list(ns), tw, eps)
    assert y.dtype == cdt
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    g = RNG.standard_normal(shape)
    y.backward(cr.tensor(g, dtype=cdt))
    ty.backward(torch.tensor(g, dtype=tdt))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)
    if affine:
        assert cw.grad.dtype == cdt
        np.testing.assert_allclose(cw.grad.numpy(), tw.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("fn,shapes", [
    (lambda x, w: F.rms_norm(x, [4], w), [(3, 4), (4,)]),
    (lambda x, w: F.rms_norm(x, (2, 3), w, eps=0.5), [(2, 2, 3), (2, 3)]),
    (lambda x: F.rms_norm(x * 1e3, [5]), [(2, 5)]),  # eps negligible
    (lambda x: F.rms_norm(x * 1e-3, [5], eps=1e-6), [(2, 5)]),  # eps dominant
], ids=["affine", "2d-shape", "large", "small"])
def test_gradcheck_first_and_second_order(fn, shapes):
    inputs = [cr.tensor(RNG.standard_normal(s), requires_grad=True) for s in shapes]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_hand_values_and_default_eps():
    y = F.rms_norm(cr.tensor([[3.0, -4.0], [0.0, 0.0]], dtype=cr.float64), [2])
    np.testing.assert_allclose(y.numpy()[0], np.array([3.0, -4.0]) / np.sqrt(12.5))
    np.testing.assert_array_equal(y.numpy()[1], [0.0, 0.0])  # zeros stay zeros (eps > 0)
    z = F.rms_norm(cr.tensor([[1e-4, 1e-4]]), [2])  # eps defaults to float32's epsilon
    expected = 1e-4 / np.sqrt(1e-8 + np.finfo(np.float32).eps)
    np.testing.assert_allclose(z.numpy(), expected, rtol=1e-5)


def test_no_overflow_for_huge_inputs():
    x = cr.tensor([[1e30, -1e30, 2e30]], requires_grad=True)  # float32: x^2 would overflow
    y = F.rms_norm(x, [3])
    expected = np.array([1.0, -1.0, 2.0]) / np.sqrt(2.0)
    np.testing.assert_allclose(y.detach().numpy()[0], expected, rtol=1e-6)
    y.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    tiny = F.rms_norm(cr.tensor([[1e-30, 1e-30]]), [2])  # eps dominates, as in PyTorch
    np.testing.assert_allclose(tiny.numpy(), 1e-30 / np.sqrt(np.finfo(np.float32).eps),
                               rtol=1e-5)


def test_weight_of_another_dtype_gives_the_inputs_dtype():
    x = cr.randn(2, 3, dtype=cr.float64, requires_grad=True)
    w = cr.ones(3, requires_grad=True)
    y = F.rms_norm(x, [3], w)
    assert y.dtype == cr.float64
    y.sum().backward()
    assert w.grad.dtype == cr.float32 and x.grad.dtype == cr.float64


@needs_torch
@pytest.mark.parametrize("args,kwargs,shape", [((4,), {}, (3, 5, 4)),
                                               (((5, 4),), {"eps": 1e-6}, (3, 5, 4)),
                                               ([4], {"elementwise_affine": False}, (2, 4))])
def test_layer_matches_torch(args, kwargs, shape):
    ours = nn.RMSNorm(*args, **kwargs, dtype=cr.float64)
    theirs = torch.nn.RMSNorm(*args, **kwargs, dtype=torch.float64)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():  # a non-trivial weight, copied into ours through the state_dict
        for p in theirs.parameters():
            p.copy_(torch.tensor(RNG.standard_normal(tuple(p.shape))))
    ours.load_state_dict({k: cr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    a = RNG.standard_normal(shape)
    x, tx = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    g = RNG.standard_normal(shape)
    y.backward(cr.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-12)
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=1e-12)


def test_layer_parameters_without_torch():
    m = nn.RMSNorm(3)
    assert repr(m) == "RMSNorm((3,), eps=None, elementwise_affine=True)"
    assert m.weight.dtype == cr.float32 and m.weight.tolist() == [1.0, 1.0, 1.0]
    assert nn.RMSNorm([2, 3], elementwise_affine=False).weight is None
    assert list(nn.RMSNorm(3).state_dict()) == ["weight"]


@needs_torch
@pytest.mark.parametrize("shape,ns,wshape", [
    ((2, 3, 4), (3,), None), ((2, 3, 4), (4,), (3,)), ((2, 3, 4), 4, None),
    ((2, 3, 4), (), None), ((2, 3, 4), (2, 3, 4, 5), None), ((2, 3, 4), (3, 4), (12,)),
])
def test_errors_as_torch(shape, ns, wshape):
    tw = None if wshape is None else torch.ones(wshape)
    cw = None if wshape is None else cr.ones(*wshape)
    with pytest.raises(Exception) as theirs:
        torch.nn.functional.rms_norm(torch.zeros(shape), ns, tw)
    with pytest.raises(type(theirs.value)) as ours:
        F.rms_norm(cr.zeros(*shape), ns, cw)
    if theirs.type is not TypeError:
        assert str(ours.value) == str(theirs.value)


def test_integer_input_rejected():
    with pytest.raises(NotImplementedError, match="rms_norm"):
        F.rms_norm(cr.arange(4), [4])
