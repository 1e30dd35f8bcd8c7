"""Convolutions, transposed convolutions and unfold/fold: values and gradients (input, weight,
bias) against PyTorch over many geometries in float64 and float32, finite-difference first-
and second-order checks of the three conv primitives, the layers (parameters, init, repr,
padding modes) and argument errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.")
TF = torch.nn.functional

RNG = np.random.default_rng(7)
# (chainrule dtype, torch dtype, tolerance)
DTYPES = [(cr.float64, torch.float64, 1e-10), (cr.float32, torch.float32, 1e-4)]


def compare(cfn, tfn, shapes, dtypes=DTYPES, grad=True):
    """Run ``cfn`` and ``tfn`` on the same random inputs; compare outputs and the gradients of
    every input for a random upstream gradient."""
    arrays = [RNG.standard_normal(s) for s in shapes]
    for cdt, tdt, tol in dtypes:
        ours = [cr.tensor(a, dtype=cdt, requires_grad=grad) for a in arrays]
        theirs = [torch.tensor(a, dtype=tdt, requires_grad=grad) for a in arrays]
        y, ty = cfn(*ours), tfn(*theirs)
        assert y.dtype == cdt
        assert tuple(y.shape) == tuple(ty.shape)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        if not grad:
            continue
        g = RNG.standard_normal(tuple(ty.shape))
        y.backward(cr.tensor(g, dtype=cdt))
        ty.backward(torch.tensor(g, dtype=tdt))
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert a.grad.dtype == cdt, f"input {i}: gradient dtype {a.grad.dtype}"
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=tol, atol=tol,
                                       err_msg=f"gradient of input {i}")


# ----------------------------------------------------------------------- conv2d / conv1d
CONV2D = [
    # x shape, w shape, bias, kwargs
    ((2, 3, 7, 6), (4, 3, 3, 3), True, {}),
    ((2, 3, 7, 6), (4, 3, 3, 2), False, {"stride": 2}),
    ((2, 3, 8, 7), (5, 3, 2, 3), True, {"stride": (2, 1), "padding": (1, 2)}),
    ((1, 2, 9, 9), (3, 2, 3, 3), True, {"dilation": 2, "padding": 2}),
    ((2, 4, 6, 7), (6, 2, 3, 3), True, {"groups": 2, "padding": 1}),
    ((2, 4, 6, 6), (4, 1, 3, 3), True, {"groups": 4, "stride": 2, "padding": 1}),  # depthwise
    ((2, 3, 7, 6), (4, 3, 3, 2), True, {"padding": "same"}),
    ((2, 3, 7, 6), (4, 3, 4, 2), True, {"padding": "same", "dilation": (1, 2)}),  # even k
    ((2, 3, 7, 6), (4, 3, 3, 3), True, {"padding": "valid"}),
    ((2, 3, 5, 5), (4, 3, 1, 1), True, {}),  # 1x1
    ((3, 6, 6), (2, 3, 3, 3), True, {"padding": 1}),  # unbatched
    ((2, 3, 10, 8), (4, 3, 3, 3), True, {"stride": 3, "padding": 1, "dilation": (2, 1)}),
    # C/groups*kh*kw >= 64: the whole-batch GEMM layout (the cases above multiply per sample)
    ((2, 8, 7, 6), (4, 8, 3, 3), True, {"stride": 2, "padding": 1}),
    ((2, 16, 6, 6), (8, 8, 3, 3), False, {"groups": 2, "padding": (1, 2), "dilation": (1, 2)}),
    # An empty batch: an empty output, zero weight and bias gradients (both layouts)
    ((0, 2, 5, 5), (4, 2, 3, 3), True, {}),
    ((0, 8, 7, 6), (4, 8, 3, 3), True, {"stride": 2, "padding": 1}),
]


@pytest.mark.parametrize("xs,ws,bias,kw", CONV2D)
def test_conv2d_matches_torch(xs, ws, bias, kw):
    shapes = [xs, ws] + ([(ws[0],)] if bias else [])
    compare(lambda *t: F.conv2d(*t, **kw), lambda *t: TF.conv2d(*t, **kw), shapes)


CONV1D = [
    ((2, 3, 9), (4, 3, 3), True, {}),
    ((2, 4, 11), (6, 2, 4), False, {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}),
    ((2, 3, 8), (4, 3, 4), True, {"padding": "same"}),
    ((3, 10), (2, 3, 3), True, {"stride": 3}),  # unbatched
    ((2, 16, 9), (4, 16, 5), True, {"padding": 2}),
    ((0, 1, 5), (2, 1, 3), True, {}),  # empty batch
    ((0, 16, 9), (4, 16, 5), False, {"padding": 2}),
]


@pytest.mark.parametrize("xs,ws,bias,kw", CONV1D)
def test_conv1d_matches_torch(xs, ws, bias, kw):
    shapes = [xs, ws] + ([(ws[0],)] if bias else [])
    compare(lambda *t: F.conv1d(*t, **kw), lambda *t: TF.conv1d(*t, **kw), shapes)


# ----------------------------------------------------------------------- transposed
CONV_T2D = [
    ((2, 4, 5, 4), (4, 3, 3, 3), True, {}),
    ((2, 4, 5, 4), (4, 3, 3, 2), True, {"stride": 2, "padding": 1, "output_padding": 1}),
    ((2, 4, 5, 4), (4, 2, 3, 3), True, {"stride": (2, 3), "output_padding": (1, 2),
                                        "groups": 2}),
    ((2, 3, 4, 4), (3, 2, 2, 3), False, {"dilation": (2, 3), "stride": 2,
                                         "output_padding": (1, 2), "padding": (1, 0)}),
    ((3, 4, 4), (3, 2, 3, 3), True, {"stride": 2}),  # unbatched
    ((2, 8, 4, 3), (8, 9, 3, 3), True, {"stride": 2, "padding": 1}),
    ((0, 2, 5, 5), (2, 4, 3, 3), True, {}),  # empty batch
    ((0, 8, 4, 3), (8, 9, 3, 3), True, {"stride": 2, "padding": 1}),
]


@pytest.mark.parametrize("xs,ws,bias,kw", CONV_T2D)
def test_conv_transpose2d_matches_torch(xs, ws, bias, kw):
    shapes = [xs, ws] + ([(ws[1] * kw.get("groups", 1),)] if bias else [])
    compare(lambda *t: F.conv_transpose2d(*t, **kw), lambda *t: TF.conv_transpose2d(*t, **kw),
            shapes)


def test_conv_transpose1d_matches_torch():
    kw = {"stride": 3, "padding": 2, "output_padding": 1, "dilation": 2}
    compare(lambda *t: F.conv_transpose1d(*t, **kw), lambda *t: TF.conv_transpose1d(*t, **kw),
            [(2, 4, 5), (4, 3, 3), (3,)])


def test_conv_transpose_is_the_input_gradient_of_conv():
    x = cr.randn(2, 3, 9, 8, dtype=cr.float64, requires_grad=True)
    w = cr.randn(4, 3, 3, 2, dtype=cr.float64)
    y = F.conv2d(x, w, stride=2, padding=1)
    g = cr.randn(*y.shape, dtype=cr.float64)
    y.backward(g)
    back = F.conv_transpose2d(g, w, stride=2, padding=1)
    np.testing.assert_allclose(back.numpy(), x.grad.numpy(), atol=1e-12)


# ----------------------------------------------------------------------- unfold / fold
@pytest.mark.parametrize("kw", [
    {"kernel_size": 2},
    {"kernel_size": (2, 3), "dilation": (2, 1), "padding": 1, "stride": 2},
    {"kernel_size": 3, "padding": (0, 1), "stride": (1, 2)},
])
def test_unfold_fold_match_torch(kw):
    compare(lambda x: F.unfold(x, **kw), lambda x: TF.unfold(x, **kw), [(2, 3, 7, 6)])
    blocks = TF.unfold(torch.zeros(1, 1, 7, 6), **kw).shape[-1]
    k = kw["kernel_size"]
    kk = k * k if isinstance(k, int) else k[0] * k[1]
    compare(lambda c: F.fold(c, (7, 6), **kw), lambda c: TF.fold(c, (7, 6), **kw),
            [(2, 3 * kk, blocks)])


def test_unfold_unbatched_and_conv_as_unfold_matmul():
    x = cr.randn(3, 5, 5, dtype=cr.float64)
    w = cr.randn(4, 3, 2, 2, dtype=cr.float64)
    cols = F.unfold(x, 2)
    assert tuple(cols.shape) == (12, 16)
    y = (w.reshape(4, -1) @ cols).reshape(4, 4, 4)
    np.testing.assert_allclose(y.numpy(), F.conv2d(x, w).numpy(), atol=1e-12)


# ----------------------------------------------------------------------- gradcheck
def _t(*shape):
    return cr.tensor(RNG.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("name,fn,shapes", [
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0),
                                        dilation=(1, 2), groups=2), [(2, 4, 5, 4), (4, 2, 3, 2),
                                                                     (4,)]),
    ("conv1d", lambda x, w: F.conv1d(x, w, stride=2, padding="valid"), [(2, 2, 7), (3, 2, 3)]),
    ("conv2d-wide", lambda x, w: F.conv2d(x, w, stride=2, padding=1), [(1, 8, 3, 3),
                                                                      (2, 8, 3, 3)]),
    ("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(
        x, w, b, stride=2, padding=1, output_padding=(1, 2), dilation=(1, 3), groups=2),
     [(2, 4, 3, 3), (4, 1, 3, 2), (2,)]),
    ("unfold-fold", lambda x: F.fold(F.unfold(x, 2, padding=1) * 2, (4, 5), 2, padding=1),
     [(1, 2, 4, 5)]),
])
def test_gradcheck_first_and_second_order(name, fn, shapes):
    inputs = [_t(*s) for s in shapes]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_second_derivative_matches_torch():
    # d/dw of ||d conv / dx||^2: the rules are convolutions, so they are differentiable.
    x0, w0 = RNG.standard_normal((2, 3, 6, 6)), RNG.standard_normal((4, 3, 3, 3))
    x, w = cr.tensor(x0, requires_grad=True), cr.tensor(w0, requires_grad=True)
    tx, tw = torch.tensor(x0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    (gx,) = cr.autograd.grad(F.conv2d(x, w, stride=2, padding=1).square().sum(), [x],
                             create_graph=True)
    (tgx,) = torch.autograd.grad(TF.conv2d(tx, tw, stride=2, padding=1).square().sum(), [tx],
                                 create_graph=True)
    (gx * gx).sum().backward()
    (tgx * tgx).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_float32_stays_float32():
    x = cr.randn(2, 3, 8, 8, requires_grad=True)
    w = cr.randn(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, cr.zeros(4), padding=1)
    assert y.dtype == cr.float32 and y._data.dtype == np.float32
    y.sum().backward()
    assert x.grad._data.dtype == np.float32 and w.grad._data.dtype == np.float32
    z = F.conv_transpose2d(x, cr.randn(3, 2, 3, 3), stride=2)
    assert z._data.dtype == np.float32


# ----------------------------------------------------------------------- errors
@pytest.mark.parametrize("call,match", [
    (lambda: F.conv2d(cr.randn(2, 3, 5, 5), cr.randn(4, 2, 3, 3)), "to have 2 channels"),
    (lambda: F.conv2d(cr.randn(5, 5), cr.randn(4, 1, 3, 3)), "Expected 3D .* or 4D"),
    (lambda: F.conv2d(cr.randn(1, 3, 2, 2), cr.randn(4, 3, 3, 3)), "Kernel size can't"),
    (lambda: F.conv2d(cr.randn(1, 3, 5, 5), cr.randn(4, 3, 3, 3), padding="same", stride=2),
     "strided"),
    (lambda: F.conv2d(cr.randn(1, 3, 5, 5), cr.randn(4, 3, 3, 3), padding="full"),
     "Invalid padding string"),
    (lambda: F.conv2d(cr.randn(1, 3, 5, 5), cr.randn(4, 3, 3, 3), padding=-1), "negative"),
    (lambda: F.conv2d(cr.randn(1, 3, 5, 5), cr.randn(4, 3, 3, 3), stride=0), "stride"),
    (lambda: F.conv2d(cr.randn(1, 3, 5, 5), cr.randn(4, 3, 3, 3), cr.randn(3)), "bias"),
    (lambda: F.conv2d(cr.randn(1, 3, 5, 5), cr.randn(3, 1, 3, 3), groups=2), "divisible"),
    (lambda: F.conv2d(cr.randn(1, 3, 5, 5, dtype=cr.float64), cr.randn(4, 3, 3, 3)),
     "should be the same"),
    (lambda: F.conv_transpose2d(cr.randn(1, 3, 5, 5), cr.randn(3, 2, 3, 3), output_padding=1),
     "output padding must be smaller"),
    (lambda: F.conv_transpose2d(cr.randn(1, 4, 5, 5), cr.randn(3, 2, 3, 3)), "channels"),
    (lambda: F.fold(cr.randn(1, 12, 5), (4, 4), 2), "sliding blocks"),
    (lambda: F.unfold(cr.randn(4, 4), 2), "3D or 4D"),
])
def test_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


# ----------------------------------------------------------------------- layers
def _copy_params(ours, theirs):
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == tname and tuple(p.shape) == tuple(tp.shape)
            tp.copy_(torch.tensor(p.detach().numpy()))


@pytest.mark.parametrize("cls,args,kwargs,xshape", [
    ("Conv2d", (3, 4, 3), {"stride": 2, "padding": 1}, (2, 3, 8, 8)),
    ("Conv2d", (4, 6, (3, 2)), {"groups": 2, "bias": False, "dilation": 2}, (2, 4, 9, 9)),
    ("Conv2d", (3, 4, 3), {"padding": "same"}, (2, 3, 6, 7)),
    ("Conv2d", (3, 4, 3), {"padding": 1, "padding_mode": "reflect"}, (2, 3, 6, 7)),
    ("Conv2d", (3, 4, 3), {"padding": (1, 2), "padding_mode": "circular"}, (2, 3, 6, 7)),
    ("Conv1d", (3, 4, 3), {"padding": 2, "padding_mode": "replicate"}, (2, 3, 10)),
    ("Conv1d", (4, 2, 5), {"stride": 2, "groups": 2}, (3, 4, 12)),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1,
                                    "groups": 2}, (2, 4, 5, 5)),
    ("ConvTranspose1d", (3, 2, 4), {"stride": 3, "bias": False}, (2, 3, 6)),
    ("Conv2d", (2, 4, 3), {}, (0, 2, 5, 5)),  # empty batches
    ("Conv1d", (4, 2, 5), {"stride": 2, "groups": 2}, (0, 4, 12)),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "groups": 2}, (0, 4, 5, 5)),
])
def test_layers_match_torch(cls, args, kwargs, xshape):
    ours = getattr(nn, cls)(*args, **kwargs).double()
    theirs = getattr(torch.nn, cls)(*args, **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _copy_params(ours, theirs)
    x0 = RNG.standard_normal(xshape)
    x, tx = cr.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-10)
    g = RNG.standard_normal(tuple(ty.shape))
    y.backward(cr.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-10)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=1e-10)


def test_conv2d_repr_and_init():
    m = nn.Conv2d(1, 32, 3)
    assert repr(m) == "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))"
    assert tuple(m.weight.shape) == (32, 1, 3, 3) and m.weight.dtype == cr.float32
    bound = 1 / math.sqrt(9)  # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), ..)
    assert np.abs(m.weight.numpy(force=True)).max() <= bound
    assert np.abs(m.bias.numpy(force=True)).max() <= bound
    assert m.weight.numpy(force=True).std() > bound / 4  # actually drawn
    t = nn.ConvTranspose2d(16, 8, 3, stride=2, groups=2)
    assert tuple(t.weight.shape) == (16, 4, 3, 3)
    assert repr(t) == repr(torch.nn.ConvTranspose2d(16, 8, 3, stride=2, groups=2))
    assert "bias" not in dict(nn.Conv1d(2, 2, 3, bias=False).named_parameters())


def test_conv_transpose_output_size():
    m = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
    x = cr.randn(1, 4, 6, 6)
    assert tuple(m(x).shape) == (1, 2, 11, 11)
    assert tuple(m(x, output_size=[12, 12]).shape) == (1, 2, 12, 12)
    with pytest.raises(ValueError, match="output size"):
        m(x, output_size=[14, 14])


@pytest.mark.parametrize("cls,xshape,output_size", [
    ("ConvTranspose2d", (1, 4, 6, 6), [12, 12]),
    ("ConvTranspose2d", (1, 4, 6, 6), [1, 2, 12, 12]),  # the whole shape
    ("ConvTranspose2d", (1, 4, 6, 6), [2, 12, 12]),  # neither: 2 or 4 entries
    ("ConvTranspose2d", (1, 4, 6, 6), [0, 1, 2, 12, 12]),
    ("ConvTranspose2d", (4, 6, 6), [2, 12, 12]),  # unbatched: 2 or 3 entries
    ("ConvTranspose2d", (4, 6, 6), [1, 2, 12, 12]),
    ("ConvTranspose1d", (1, 4, 6), [1, 2, 12]),
    ("ConvTranspose1d", (1, 4, 6), [2, 12]),
    ("ConvTranspose1d", (4, 6), [2, 12]),
    ("ConvTranspose1d", (4, 6), [1, 2, 12]),
])
def test_conv_transpose_output_size_length_as_torch(cls, xshape, output_size):
    # PyTorch takes the spatial sizes or the whole output shape, nothing in between.
    ours = getattr(nn, cls)(4, 2, 3, stride=2, padding=1)
    theirs = getattr(torch.nn, cls)(4, 2, 3, stride=2, padding=1)
    try:
        expected = tuple(theirs(torch.randn(*xshape), output_size=output_size).shape)
    except ValueError as e:
        with pytest.raises(ValueError, match=r"output_size must have \d or \d elements"):
            ours(cr.randn(*xshape), output_size=output_size)
        assert "elements" in str(e)
    else:
        assert tuple(ours(cr.randn(*xshape), output_size=output_size).shape) == expected


def test_layer_argument_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(3, 4, 3, padding="same", stride=2)
    with pytest.raises(ValueError, match="zeros"):
        nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")


def test_cached_columns_never_leak_between_calls():
    # The forward's im2col columns are reused by the weight gradient: the result must be the
    # same whether or not the cache hits (shared input, repeated forwards, no_grad calls).
    import chainrule.nn.functional.conv as conv_mod

    rng = np.random.default_rng(3)
    x = cr.tensor(rng.standard_normal((2, 8, 9, 9)), dtype=cr.float64, requires_grad=True)
    w1 = cr.tensor(rng.standard_normal((4, 8, 3, 3)), dtype=cr.float64, requires_grad=True)
    w2 = cr.tensor(rng.standard_normal((4, 8, 3, 3)), dtype=cr.float64, requires_grad=True)

    def grads(fill_cache):
        for t in (x, w1, w2):
            t.grad = None
        if not fill_cache:
            conv_mod._COLS.clear()
        y = cr.nn.functional.conv2d(x, w1) * cr.nn.functional.conv2d(x, w2)
        with cr.no_grad():
            cr.nn.functional.conv2d(x * 2, w1)  # must not disturb the entries above
        if not fill_cache:
            conv_mod._COLS.clear()
        y.sum().backward()
        return [t.grad.numpy().copy() for t in (x, w1, w2)]

    for a, b in zip(grads(True), grads(False)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert len(conv_mod._COLS) <= conv_mod._COLS_MAX
