"""nn.utils: clip_grad_norm_ / clip_grad_value_ and the parameter <-> vector helpers against
torch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


SHAPES = [(3, 4), (5,), (2, 3, 2)]


def _pair(torch, seed=0, scale=1.0, dtype=np.float32):
    """The same parameters and gradients in chainrule and torch (the last has no grad)."""
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for i, s in enumerate(SHAPES + [(2,)]):
        w = rng.standard_normal(s).astype(dtype)
        g = (rng.standard_normal(s) * scale).astype(dtype)
        p = nn.Parameter(cr.tensor(w))
        t = torch.nn.Parameter(torch.tensor(w))
        if i < len(SHAPES):
            p.grad = cr.tensor(g)
            t.grad = torch.tensor(g)
        ours.append(p)
        theirs.append(t)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, -math.inf, 3.0, 0.5, 0.0])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    ours, theirs = _pair(torch, scale=3.0)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, cr.Tensor) and total.shape == () and total.dtype == cr.float32
    assert total.item() == pytest.approx(expected.item(), rel=1e-5)
    for p, t in zip(ours, theirs):
        if t.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad._data, t.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_result_has_at_most_max_norm():
    p = nn.Parameter(cr.zeros(4))
    p.grad = cr.tensor([3.0, 4.0, 0.0, 0.0])
    assert clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)  # a single tensor works
    assert float(np.linalg.norm(p.grad._data)) == pytest.approx(1.0, rel=1e-5)
    version = p.grad._version
    clip_grad_norm_([p], 10.0)
    assert p.grad._version > version  # gradients are modified in place


def test_clip_grad_norm_nonfinite_and_empty(torch):
    p = nn.Parameter(cr.zeros(2))
    p.grad = cr.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    total = clip_grad_norm_([p], 1.0)
    assert math.isinf(total.item())
    assert clip_grad_norm_([nn.Parameter(cr.zeros(2))], 1.0).item() == 0.0
    assert get_total_norm([cr.tensor([3.0, 4.0]), cr.tensor([12.0])]).item() == pytest.approx(13)
    # the 0-"norm" counts the tensors with a nonzero element (the norm of the norms)
    assert get_total_norm([cr.tensor([1.0, 2.0]), cr.zeros(3)], 0).item() == 1.0
    # max and min over an empty gradient have no value
    empty, t_empty = nn.Parameter(cr.zeros(0)), torch.nn.Parameter(torch.zeros(0))
    empty.grad, t_empty.grad = cr.zeros(0), torch.zeros(0)
    for inf in (math.inf, -math.inf):
        with pytest.raises(RuntimeError, match="empty tensor"):
            torch.nn.utils.clip_grad_norm_([t_empty], 1.0, norm_type=inf)
        with pytest.raises(RuntimeError, match="empty tensor"):
            clip_grad_norm_([empty, p], 1.0, norm_type=inf)
    assert clip_grad_norm_([empty], 1.0).item() == 0.0


def test_clip_grad_value_matches_torch(torch):
    ours, theirs = _pair(torch, scale=2.0)
    assert clip_grad_value_(ours, 0.7) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, t in zip(ours, theirs):
        if t.grad is not None:
            np.testing.assert_array_equal(p.grad._data, t.grad.numpy())


def test_parameters_to_vector_and_back(torch):
    ours, theirs = _pair(torch)
    vec = parameters_to_vector(ours)
    np.testing.assert_array_equal(vec._data,
                                  torch.nn.utils.parameters_to_vector(theirs).detach().numpy())
    a, b = nn.Parameter(cr.ones(2)), nn.Parameter(cr.ones(1, 3))
    (parameters_to_vector([a, b]) * cr.arange(5.0)).sum().backward()  # stays in the graph
    assert a.grad.tolist() == [0.0, 1.0] and b.grad.tolist() == [[2.0, 3.0, 4.0]]
    new = cr.arange(float(vec.numel()))
    vector_to_parameters(new, ours)
    torch.nn.utils.vector_to_parameters(torch.arange(float(vec.numel())), theirs)
    for p, t in zip(ours, theirs):
        assert p.tolist() == t.tolist()
        assert isinstance(p, nn.Parameter) and p.requires_grad
    with pytest.raises(TypeError):
        vector_to_parameters([1.0], ours)
    with pytest.raises(RuntimeError, match="elements"):
        vector_to_parameters(cr.zeros(3), ours)
    with pytest.raises(ValueError, match="non-empty"):  # PyTorch's type (from torch.cat)
        parameters_to_vector([])
