"""Top-level names that delegate to other namespaces, and small behaviours of existing ops
that the newer ops rely on; each compared with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


@needs_torch
@pytest.mark.parametrize("name, args", [
    ("pixel_shuffle", (2,)),
    ("pixel_unshuffle", (3,)),
    ("channel_shuffle", (4,)),
    ("rms_norm", ((3,),)),
])
def test_top_level_functional_aliases(name, args):
    x = np.random.default_rng(0).standard_normal((2, 8, 3, 3)).astype(np.float32)
    ours = getattr(cr, name)(cr.tensor(x), *args)
    theirs = getattr(torch, name)(torch.tensor(x), *args)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


@needs_torch
@pytest.mark.parametrize("value", [2.5, 3])
def test_cumsum_of_a_zero_dim_tensor(value):
    rg = isinstance(value, float)
    c = cr.tensor(value, requires_grad=rg)
    t = torch.tensor(value, requires_grad=rg)
    out_c, out_t = cr.cumsum(c, 0), torch.cumsum(t, -1)
    assert tuple(out_c.shape) == tuple(out_t.shape) == ()
    assert out_c.item() == out_t.item()
    assert str(out_c.dtype).rsplit(".")[-1] == str(out_t.dtype).rsplit(".")[-1]
    if rg:
        out_c.backward()
        out_t.backward()
        assert c.grad.item() == t.grad.item()
    with pytest.raises(IndexError, match="cumsum"):
        cr.cumsum(c, 1)


@needs_torch
@pytest.mark.parametrize("shape, kw", [
    ((3, 4), {}),
    ((2, 3, 4), {"dim": (1, 2)}),
    ((2, 3, 4), {"dim": (-1, 0), "keepdim": True}),
])
def test_nuclear_norm(shape, kw):
    x = np.random.default_rng(1).standard_normal(shape)
    c = cr.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    out_c, out_t = cr.norm(c, p="nuc", **kw), torch.norm(t, p="nuc", **kw)
    np.testing.assert_allclose(out_c.detach().numpy(), out_t.detach().numpy(), rtol=1e-10)
    out_c.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_nuclear_norm_without_dim_needs_a_matrix():
    with pytest.raises(RuntimeError, match="nuclear norm"):
        cr.norm(cr.ones(2, 3, 4), p="nuc")


def test_linalg_and_special_are_the_public_namespaces():
    assert cr.linalg.__name__ == "chainrule.linalg"
    assert cr.special.__name__ == "chainrule.special"


@needs_torch
@pytest.mark.parametrize("values", [[True, True], [True, False], [[True], [True]], True,
                                    [False, False], [[True, False], [True, True]]])
def test_bool_tensor_repr(values):
    assert repr(cr.tensor(values)) == repr(torch.tensor(values))


@needs_torch
def test_frexp():
    x = np.array([8.0, 0.3, -0.0, 1e-40, -5.5, np.inf])
    for dtype in ("float32", "float64"):
        mc, ec = cr.frexp(cr.tensor(x, dtype=getattr(cr, dtype)))
        mt, et = torch.frexp(torch.tensor(x, dtype=getattr(torch, dtype)))
        np.testing.assert_array_equal(mc.numpy()[:-1], mt.numpy()[:-1])
        np.testing.assert_array_equal(ec.numpy()[:-1], et.numpy()[:-1])
        assert str(ec.dtype) == "chainrule.int32" and str(et.dtype) == "torch.int32"
    assert cr.tensor([8.0]).frexp().exponent.tolist() == [4]
    with pytest.raises(RuntimeError):
        cr.frexp(cr.tensor([1, 2]))


@needs_torch
@pytest.mark.parametrize("kw", [{"bins": 4}, {"bins": 4, "range": (0.0, 3.0)},
                                {"bins": 3, "density": True}, {"bins": 5, "weight": True},
                                {"bins": "edges"}, {"bins": "edges", "density": True}])
def test_histogram(kw):
    x = np.random.default_rng(2).uniform(-1, 4, 50).astype(np.float32)
    ck, tk = dict(kw), dict(kw)
    if kw.get("weight"):
        w = np.random.default_rng(3).uniform(0, 2, 50).astype(np.float32)
        ck["weight"], tk["weight"] = cr.tensor(w), torch.tensor(w)
    if kw["bins"] == "edges":
        edges = np.array([-1.0, 0.0, 0.5, 2.0, 4.0], np.float32)
        ck["bins"], tk["bins"] = cr.tensor(edges), torch.tensor(edges)
    hc, ec = cr.histogram(cr.tensor(x), **ck)
    ht, et = torch.histogram(torch.tensor(x), **tk)
    np.testing.assert_allclose(hc.numpy(), ht.numpy(), rtol=1e-5)
    np.testing.assert_allclose(ec.numpy(), et.numpy(), rtol=1e-6)
    assert hc.dtype == cr.float32 and ec.dtype == cr.float32


def test_histogram_checks_its_arguments():
    with pytest.raises(RuntimeError, match="bins"):
        cr.histogram(cr.tensor([1.0]), bins=0)
    with pytest.raises(RuntimeError, match="floating"):
        cr.histogram(cr.tensor([1, 2]), bins=2)


def test_poisson():
    rates = cr.full((20000,), 3.0)
    draws = cr.poisson(rates, generator=cr.Generator().manual_seed(0))
    assert draws.dtype == cr.float32
    assert abs(draws.mean().item() - 3.0) < 0.05 and abs(draws.var().item() - 3.0) < 0.15
    assert cr.poisson(cr.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="non-negative"):
        cr.poisson(cr.tensor([-1.0]))


@needs_torch
@pytest.mark.parametrize("a, b", [
    (("int64", (2,)), 1.0), (("float16", (2,)), ("float64", ())), (2, 3.0), (True, 2),
    (("uint8", (3,)), ("int8", (3,))), (("int32", ()), ("float16", ())),
    (("bool", (2,)), 5), (("float32", (2,)), ("float64", (2,))),
])
def test_result_type(a, b):
    def make(lib, v):
        if isinstance(v, tuple):
            return lib.zeros(v[1], dtype=getattr(lib, v[0]))
        return v
    ours = cr.result_type(make(cr, a), make(cr, b))
    theirs = torch.result_type(make(torch, a), make(torch, b))
    assert str(ours).rsplit(".")[-1] == str(theirs).rsplit(".")[-1]
