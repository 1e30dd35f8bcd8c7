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
