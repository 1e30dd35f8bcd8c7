"""The ``Fold`` and ``Unfold`` layers against PyTorch: printed forms, outputs and input
gradients (batched and unbatched, assorted geometries), the round trip ``fold(unfold(x))``, and
argument errors passed through from the functional forms."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn

try:
    import torch
except ImportError:  # the comparisons with torch skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
RNG = np.random.default_rng(3)


def _run(ours, theirs, shape):
    assert repr(ours) == repr(theirs)
    assert ours.state_dict() == {} and not list(ours.parameters())
    a = RNG.standard_normal(shape)
    x, tx = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    g = RNG.standard_normal(tuple(ty.shape))
    y.backward(cr.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-12)


@needs_torch
@pytest.mark.parametrize("args,kwargs,shape", [
    ((2,), {}, (2, 3, 4, 5)),
    (((2, 3),), {"stride": 2, "padding": 1}, (2, 3, 6, 7)),
    ((3,), {"dilation": 2, "padding": (1, 0), "stride": (1, 2)}, (1, 2, 7, 8)),
    ((2,), {}, (3, 4, 4)),  # unbatched
])
def test_unfold_layer_matches_torch(args, kwargs, shape):
    _run(nn.Unfold(*args, **kwargs), torch.nn.Unfold(*args, **kwargs), shape)


@needs_torch
@pytest.mark.parametrize("args,kwargs,shape", [
    (((4, 5), 2), {}, (2, 12, 12)),
    (((6, 7), (2, 3)), {"stride": 2, "padding": 1}, (2, 18, 16)),
    ((7, 3), {"dilation": 2, "padding": (1, 0), "stride": (1, 2)}, (1, 18, 10)),
    (((4, 5), 2), {}, (12, 12)),  # unbatched
])
def test_fold_layer_matches_torch(args, kwargs, shape):
    _run(nn.Fold(*args, **kwargs), torch.nn.Fold(*args, **kwargs), shape)


def test_fold_of_unfold_counts_overlaps():
    x = cr.ones(1, 2, 4, 4)
    cols = nn.Unfold(kernel_size=2)(x)
    assert tuple(cols.shape) == (1, 8, 9)
    y = nn.Fold(output_size=4, kernel_size=2)(cols)
    counts = np.array([1, 2, 2, 1])
    np.testing.assert_array_equal(y.numpy()[0, 0], np.outer(counts, counts))


def test_reprs_without_torch():
    assert repr(nn.Unfold(3, padding=1)) == \
        "Unfold(kernel_size=3, dilation=1, padding=1, stride=1)"
    assert repr(nn.Fold((4, 4), (2, 2), stride=2)) == \
        "Fold(output_size=(4, 4), kernel_size=(2, 2), dilation=1, padding=0, stride=2)"


def test_errors_from_the_functional_forms():
    with pytest.raises(RuntimeError, match="Only 3D or 4D"):
        nn.Unfold(2)(cr.zeros(2, 3))
    with pytest.raises(RuntimeError, match="sliding blocks"):
        nn.Fold((4, 5), 2)(cr.zeros(1, 12, 11))
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        nn.Fold((4, 5), 2)(cr.zeros(1, 10, 12))
