"""Activation functions and layers: values and gradients against PyTorch (float64 and float32),
PyTorch's conventions at kinks, finite-difference and second-order checks of the primitives,
the fused softmax family, in-place variants and the layers' printed form."""

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

RNG = np.random.default_rng(1234)
# Random values plus every kink PyTorch defines a convention for.
VALUES = np.concatenate([RNG.standard_normal(40) * 3,
                         [0.0, 6.0, -3.0, 3.0, 1.0, -1.0, 25.0, -25.0, 0.5, -0.5]]).reshape(5, 10)
DTYPES = [(cr.float64, torch.float64, 1e-7), (cr.float32, torch.float32, 2e-5)]


def run_both(fn, values, cdt, tdt, rng_seed=0):
    """fn(F, x) on chainrule and torch; returns (y, x.grad) for each, with a random upstream
    gradient so that every element's derivative counts."""
    x = cr.tensor(values, dtype=cdt, requires_grad=True)
    tx = torch.tensor(values, dtype=tdt, requires_grad=True)
    y, ty = fn(F, x), fn(TF, tx)
    g = np.random.default_rng(rng_seed).standard_normal(tuple(ty.shape))
    (y * cr.tensor(g, dtype=cdt)).sum().backward()
    (ty * torch.tensor(g, dtype=tdt)).sum().backward()
    return (y, x.grad), (ty, tx.grad)


def assert_matches(fn, values=VALUES):
    for cdt, tdt, tol in DTYPES:
        (y, gx), (ty, tgx) = run_both(fn, values, cdt, tdt)
        assert y.dtype == cdt and gx.dtype == cdt
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=tol, atol=tol)


ELEMENTWISE = {
    "relu": lambda F, x: F.relu(x),
    "relu6": lambda F, x: F.relu6(x),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.2),
    "leaky_relu_default": lambda F, x: F.leaky_relu(x),
    "leaky_relu_negative_slope": lambda F, x: F.leaky_relu(x, -0.3),
    "leaky_relu_steep": lambda F, x: F.leaky_relu(x, 2.5),
    "elu": lambda F, x: F.elu(x, 1.5),
    "selu": lambda F, x: F.selu(x),
    "celu": lambda F, x: F.celu(x, 0.7),
    "gelu": lambda F, x: F.gelu(x),
    "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda F, x: F.silu(x),
    "mish": lambda F, x: F.mish(x),
    "sigmoid": lambda F, x: F.sigmoid(x),
    "tanh": lambda F, x: F.tanh(x),
    "softplus": lambda F, x: F.softplus(x),
    "softplus_beta_threshold": lambda F, x: F.softplus(x, 2.0, 5.0),
    "softsign": lambda F, x: F.softsign(x),
    "hardtanh": lambda F, x: F.hardtanh(x, -2.0, 3.0),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x),
    "hardswish": lambda F, x: F.hardswish(x),
    "logsigmoid": lambda F, x: F.logsigmoid(x),
    "threshold": lambda F, x: F.threshold(x, 0.5, -2.0),
    "tanhshrink": lambda F, x: F.tanhshrink(x),
    "softshrink": lambda F, x: F.softshrink(x, 1.0),
    "hardshrink": lambda F, x: F.hardshrink(x, 1.0),
    "rrelu_eval": lambda F, x: F.rrelu(x),
    "glu": lambda F, x: F.glu(x, 1),
    "glu_dim0": lambda F, x: F.glu(x[:4], 0),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_matches_torch(name):
    assert_matches(ELEMENTWISE[name])


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family_matches_torch(name, dim):
    assert_matches(lambda F, x: getattr(F, name)(x, dim))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_on_4d_inputs(name):
    values = RNG.standard_normal((2, 3, 4, 5))
    assert_matches(lambda F, x: getattr(F, name)(x, 1), values)
    assert_matches(lambda F, x: getattr(F, name)(x, -2), values)


def test_kink_conventions_are_pytorchs():
    # The derivative at each kink, spelled out (and equal to PyTorch's).
    def grad_at(fn, v):
        x = cr.tensor([v], dtype=cr.float64, requires_grad=True)
        fn(x).sum().backward()
        return x.grad.item()

    assert grad_at(F.relu, 0.0) == 0.0
    assert grad_at(lambda x: F.leaky_relu(x, 0.1), 0.0) == pytest.approx(0.1)
    assert grad_at(lambda x: F.elu(x, 2.0), 0.0) == pytest.approx(2.0)   # negative branch
    assert grad_at(F.relu6, 0.0) == 0.0 and grad_at(F.relu6, 6.0) == 0.0
    assert grad_at(F.hardtanh, 1.0) == 0.0 and grad_at(F.hardtanh, -1.0) == 0.0
    assert grad_at(F.hardsigmoid, 3.0) == 0.0 and grad_at(F.hardsigmoid, -3.0) == 0.0
    assert grad_at(F.hardswish, -3.0) == 0.0 and grad_at(F.hardswish, 3.0) == 1.0
    assert grad_at(lambda x: F.threshold(x, 1.0, 5.0), 1.0) == 0.0
    assert grad_at(lambda x: F.softshrink(x, 0.5), 0.5) == 0.0


def test_extreme_inputs_stay_finite():
    x = cr.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
    for fn in (F.softplus, F.logsigmoid, F.silu, F.mish, F.elu, F.selu, F.gelu, F.sigmoid):
        y = fn(x)
        y.sum().backward()
        assert np.isfinite(y.detach().numpy()).all(), fn.__name__
        assert np.isfinite(x.grad.numpy()).all(), fn.__name__
        x.grad = None
    np.testing.assert_allclose(F.softplus(x).detach().numpy(), [0.0, 0.0, np.log(2), 50, 1000],
                               atol=1e-6)


def test_softplus_of_infinities():
    # above the threshold softplus is x itself, also for x = inf (and -inf when beta < 0)
    inf = float("inf")
    x = cr.tensor([inf, -inf, 1.0])
    assert F.softplus(x).tolist()[:2] == [inf, 0.0]
    assert F.softplus(x, beta=-1.0).tolist()[:2] == [-0.0, -inf]
    y = cr.tensor([inf, -inf], requires_grad=True)
    F.softplus(y).sum().backward()
    assert y.grad.tolist() == [1.0, 0.0]


# ------------------------------------------------------------------ softmax specifics
def test_softmax_is_stable_for_large_logits():
    x = cr.tensor([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]])
    np.testing.assert_allclose(F.softmax(x, 1).numpy(), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]],
                               atol=1e-7)
    np.testing.assert_allclose(F.log_softmax(x, 1).numpy()[0], [0.0, -1000.0, -2000.0])


def test_softmax_handles_minus_infinity_like_torch():
    v = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf]])
    for name in ("softmax", "log_softmax"):
        ours = getattr(F, name)(cr.tensor(v), 1).numpy()
        theirs = getattr(TF, name)(torch.tensor(v), 1).numpy()
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
        np.testing.assert_allclose(ours[0], theirs[0])


def test_softmax_of_zero_dim_tensor_and_dtype_argument():
    assert F.softmax(cr.tensor(3.0), 0).item() == 1.0
    assert F.log_softmax(cr.tensor(3.0), -1).item() == 0.0
    y = F.softmax(cr.tensor([1.0, 2.0]), 0, dtype=cr.float64)
    assert y.dtype == cr.float64


def test_softmax_implicit_dim_warns_and_uses_pytorchs_choice():
    x = RNG.standard_normal((2, 3))
    with pytest.warns(UserWarning):
        ours = F.softmax(cr.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = TF.softmax(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_softmax_rejects_integer_input_and_bad_dim():
    with pytest.raises(RuntimeError, match="floating"):
        F.softmax(cr.tensor([1, 2]), 0)
    with pytest.raises(IndexError):
        F.softmax(cr.tensor([1.0, 2.0]), 1)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_gradcheck_and_gradgradcheck(name):
    x = cr.tensor(RNG.standard_normal((3, 4)), dtype=cr.float64, requires_grad=True)
    for dim in (0, 1):
        fn = lambda t, dim=dim: getattr(F, name)(t, dim)  # noqa: E731
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


def test_softmax_second_derivative_matches_torch():
    v = RNG.standard_normal((2, 5))
    w = RNG.standard_normal((2, 5))
    x = cr.tensor(v, dtype=cr.float64, requires_grad=True)
    (g,) = cr.autograd.grad((F.log_softmax(x, 1) * cr.tensor(w)).sum() ** 2, x,
                            create_graph=True)
    g.sum().backward()
    tx = torch.tensor(v, requires_grad=True)
    (tg,) = torch.autograd.grad((TF.log_softmax(tx, 1) * torch.tensor(w)).sum() ** 2, tx,
                                create_graph=True)
    tg.sum().backward()
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------ primitives: numerical checks
PRIMITIVES = {
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
    "elu": lambda x: F.elu(x, 1.3),
    "selu": F.selu,
    "celu": lambda x: F.celu(x, 0.7),
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
    "mish": F.mish,
    "softplus": lambda x: F.softplus(x, 2.0, 3.0),
    "logsigmoid": F.logsigmoid,
    "softsign": F.softsign,
    "hardtanh": lambda x: F.hardtanh(x, -0.5, 0.5),
    "hardsigmoid": F.hardsigmoid,
    "hardswish": F.hardswish,
    "threshold": lambda x: F.threshold(x, 0.1, 2.0),
    "softshrink": lambda x: F.softshrink(x, 0.3),
}


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_primitive_gradcheck_and_gradgradcheck(name):
    # Values kept away from the kinks, where finite differences are meaningless.
    v = RNG.uniform(0.2, 2.5, (2, 5)) * RNG.choice([-1.0, 1.0], (2, 5))
    v[np.abs(np.abs(v) - 3) < 0.05] += 0.1
    x = cr.tensor(v, dtype=cr.float64, requires_grad=True)
    assert gradcheck(PRIMITIVES[name], (x,))
    assert gradgradcheck(PRIMITIVES[name], (x,))


# ------------------------------------------------------------------ in-place variants, errors
def test_inplace_variants_write_into_the_input():
    for fn, ref in [(lambda t: F.relu(t, inplace=True), TF.relu),
                    (F.relu_, TF.relu),
                    (lambda t: F.leaky_relu(t, 0.1, inplace=True), lambda t: TF.leaky_relu(t, 0.1)),
                    (lambda t: F.elu(t, inplace=True), TF.elu),
                    (lambda t: F.hardtanh(t, inplace=True), TF.hardtanh),
                    (lambda t: F.threshold(t, 0.0, 1.0, inplace=True),
                     lambda t: TF.threshold(t, 0.0, 1.0))]:
        x = cr.tensor(VALUES.copy())
        out = fn(x)
        assert out is x
        np.testing.assert_allclose(x.numpy(), ref(torch.tensor(VALUES)).numpy(), rtol=1e-12)


def test_inplace_on_non_leaf_keeps_gradients():
    v = RNG.standard_normal((3, 4))
    x = cr.tensor(v, requires_grad=True)
    y = x * 2
    F.leaky_relu(y, 0.1, inplace=True)
    y.sum().backward()
    tx = torch.tensor(v, requires_grad=True)
    ty = tx * 2
    TF.leaky_relu(ty, 0.1, inplace=True)
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_argument_errors():
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(cr.randn(3, 3))
    with pytest.raises(RuntimeError, match="approximate"):
        F.gelu(cr.randn(3), approximate="fast")
    with pytest.raises(ValueError):
        F.hardtanh(cr.randn(3), 1.0, -1.0)
    with pytest.raises(RuntimeError):
        F.softshrink(cr.randn(3), -1.0)
    with pytest.raises(RuntimeError, match="floating"):
        F.gelu(cr.tensor([1, 2]))


def test_prelu_and_rrelu():
    v = RNG.standard_normal((2, 3, 4))
    w = np.array([0.1, 0.25, -0.5])
    x, tx = cr.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    cw, tw = cr.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    F.prelu(x, cw).sum().backward()
    TF.prelu(tx, tw).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(cw.grad.numpy(), tw.grad.numpy())
    cr.manual_seed(0)
    x = cr.tensor(-np.ones(1000), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    assert ((-y.detach().numpy() >= 0.1) & (-y.detach().numpy() <= 0.3)).all()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -y.detach().numpy())


# ------------------------------------------------------------------ layers
LAYERS = [
    (lambda m: m.ReLU(), "ReLU()"),
    (lambda m: m.ReLU(inplace=True), "ReLU(inplace=True)"),
    (lambda m: m.ReLU6(), "ReLU6()"),
    (lambda m: m.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
    (lambda m: m.LeakyReLU(0.2, inplace=True), "LeakyReLU(negative_slope=0.2, inplace=True)"),
    (lambda m: m.ELU(), "ELU(alpha=1.0)"),
    (lambda m: m.CELU(0.5), "CELU(alpha=0.5)"),
    (lambda m: m.SELU(), "SELU()"),
    (lambda m: m.GELU(), "GELU(approximate='none')"),
    (lambda m: m.GELU("tanh"), "GELU(approximate='tanh')"),
    (lambda m: m.SiLU(), "SiLU()"),
    (lambda m: m.Mish(), "Mish()"),
    (lambda m: m.Sigmoid(), "Sigmoid()"),
    (lambda m: m.Tanh(), "Tanh()"),
    (lambda m: m.Softplus(), "Softplus(beta=1.0, threshold=20.0)"),
    (lambda m: m.Softsign(), "Softsign()"),
    (lambda m: m.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (lambda m: m.Hardsigmoid(), "Hardsigmoid()"),
    (lambda m: m.Hardswish(), "Hardswish()"),
    (lambda m: m.LogSigmoid(), "LogSigmoid()"),
    (lambda m: m.Tanhshrink(), "Tanhshrink()"),
    (lambda m: m.Softshrink(), "Softshrink(0.5)"),
    (lambda m: m.Hardshrink(), "Hardshrink(0.5)"),
    (lambda m: m.Threshold(0.1, 20.0), "Threshold(threshold=0.1, value=20.0)"),
    (lambda m: m.Softmax(dim=1), "Softmax(dim=1)"),
    (lambda m: m.LogSoftmax(dim=1), "LogSoftmax(dim=1)"),
    (lambda m: m.Softmin(dim=1), "Softmin(dim=1)"),
    (lambda m: m.Softmax2d(), "Softmax2d()"),
    (lambda m: m.GLU(), "GLU(dim=-1)"),
    (lambda m: m.PReLU(), "PReLU(num_parameters=1)"),
    (lambda m: m.RReLU(), "RReLU(lower=0.125, upper=0.3333333333333333)"),
]


@pytest.mark.parametrize("make,text", LAYERS, ids=[t for _, t in LAYERS])
def test_layers_print_and_compute_like_torch(make, text):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == text == repr(theirs)
    ours.eval()
    theirs.eval()
    v = RNG.standard_normal((2, 4, 3, 2)).astype(np.float32)
    x = cr.tensor(v, requires_grad=True)
    tx = torch.tensor(v, requires_grad=True)
    y, ty = ours(x * 1), theirs(tx * 1)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_prelu_layer_loads_torch_weights_and_trains():
    theirs = torch.nn.PReLU(3, init=0.1)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.1, -0.2, 0.3]))
    ours = nn.PReLU(3)
    ours.load_state_dict(theirs.state_dict())
    v = RNG.standard_normal((4, 3))
    ours(cr.tensor(v, dtype=cr.float32)).sum().backward()
    theirs(torch.tensor(v, dtype=torch.float32)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-6)
    assert list(ours.state_dict()) == ["weight"]


def test_hardtanh_layer_validates_range():
    with pytest.raises(ValueError):
        nn.Hardtanh(1.0, -1.0)


def test_gumbel_softmax():
    cr.manual_seed(0)
    logits = cr.tensor(np.log([[0.7, 0.2, 0.1]] * 4000), requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.detach().numpy().sum(1), 1.0, rtol=1e-6)
    hard = F.gumbel_softmax(logits, hard=True)
    counts = hard.detach().numpy().mean(0)
    np.testing.assert_allclose(counts, [0.7, 0.2, 0.1], atol=0.03)   # samples the categorical
    assert set(np.unique(hard.detach().numpy())) == {0.0, 1.0}
    (hard * cr.tensor([1.0, 2.0, 3.0])).sum().backward()            # straight-through gradient
    assert np.abs(logits.grad.numpy()).sum() > 0
