"""The user-facing autograd API: ``backward``, ``autograd.grad``, ``autograd.Function``,
``gradcheck``/``gradgradcheck``, hooks and ``retain_grad``; compared with torch where the
same code runs on both."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import GradcheckError, gradcheck, gradgradcheck

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
LIBS = [cr] if torch is None else [cr, torch]


def leaf(L, values, dtype="float64"):
    return L.tensor(values, dtype=getattr(L, dtype), requires_grad=True)


def arr(t):
    return None if t is None else np.asarray(t.detach().numpy(), dtype=np.float64)


# ------------------------------------------------------------------ autograd.grad


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_grad_returns_a_tuple_and_leaves_dot_grad_alone(L):
    x = leaf(L, [1.0, 2.0])
    gs = L.autograd.grad((x ** 2).sum(), x)
    assert isinstance(gs, tuple) and len(gs) == 1
    np.testing.assert_allclose(arr(gs[0]), [2.0, 4.0])
    assert x.grad is None


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_grad_several_inputs_and_grad_outputs(L):
    a, b = leaf(L, [1.0, 2.0]), leaf(L, [3.0, 4.0])
    y = a * b
    ga, gb = L.autograd.grad(y, [a, b], L.tensor([1.0, -1.0], dtype=L.float64))
    np.testing.assert_allclose(arr(ga), [3.0, -4.0])
    np.testing.assert_allclose(arr(gb), [1.0, -2.0])


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_grad_with_respect_to_an_intermediate(L):
    x = leaf(L, [1.0, 2.0])
    h = x * 3
    y = (h * h + h).sum()
    (gh,) = L.autograd.grad(y, h)
    np.testing.assert_allclose(arr(gh), 2 * arr(h) + 1)


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_grad_unused_input(L):
    a, b = leaf(L, [1.0]), leaf(L, [2.0])
    with pytest.raises(RuntimeError):
        L.autograd.grad((a * 2).sum(), [a, b], retain_graph=True)
    ga, gb = L.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)
    assert gb is None
    ga, gb = L.autograd.grad((a * 2).sum(), [a, b], materialize_grads=True)
    np.testing.assert_allclose(arr(gb), [0.0])


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_grad_input_that_does_not_require_grad(L):
    a = leaf(L, [1.0])
    c = L.tensor([2.0], dtype=L.float64)
    with pytest.raises(RuntimeError):
        L.autograd.grad((a * c).sum(), [a, c])


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_grad_create_graph(L):
    x = leaf(L, [2.0])
    (g,) = L.autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    (gg,) = L.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(arr(gg), [12.0])
    assert not gg.requires_grad


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_grad_of_output_that_does_not_require_grad(L):
    x = leaf(L, [2.0])
    with pytest.raises(RuntimeError):
        L.autograd.grad(x.detach().sum(), x)


def test_grad_outputs_mismatched_shape():
    x = leaf(cr, [1.0, 2.0])
    with pytest.raises(RuntimeError, match="shape"):
        cr.autograd.grad(x * 2, x, cr.ones(3, dtype=cr.float64))


# ------------------------------------------------------------------ backward


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_backward_needs_gradient_for_non_scalar(L):
    x = leaf(L, [1.0, 2.0])
    y = x * 2
    with pytest.raises(RuntimeError, match="scalar"):
        y.backward()
    assert x.grad is None
    y.backward(L.tensor([1.0, 0.5], dtype=L.float64))
    np.testing.assert_allclose(arr(x.grad), [2.0, 1.0])


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_backward_one_element_tensor_needs_no_gradient(L):
    x = leaf(L, [[3.0]])
    (x * x).backward()
    np.testing.assert_allclose(arr(x.grad), [[6.0]])


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_backward_of_tensor_without_grad_raises(L):
    with pytest.raises(RuntimeError):
        L.tensor([1.0]).sum().backward()


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_autograd_backward_function(L):
    a = leaf(L, [1.0, 2.0])
    L.autograd.backward([(a * 2).sum(), (a * a).sum()])
    np.testing.assert_allclose(arr(a.grad), [4.0, 6.0])


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_grad_can_be_reset_and_set(L):
    a = leaf(L, [1.0, 2.0])
    (a * 2).sum().backward()
    a.grad = None
    (a * 3).sum().backward()
    np.testing.assert_allclose(arr(a.grad), [3.0, 3.0])


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_requires_grad_flags(L):
    a = L.tensor([1.0])
    assert not a.requires_grad
    a.requires_grad_()
    assert a.requires_grad
    a.requires_grad = False
    assert not a.requires_grad
    b = leaf(L, [1.0]) * 2
    with pytest.raises(RuntimeError):
        b.requires_grad_(False)
    with pytest.raises(RuntimeError):
        L.tensor([1, 2]).requires_grad_()


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_detach_shares_values_and_cuts_the_graph(L):
    a = leaf(L, [1.0, 2.0])
    h = a * 2
    d = h.detach()
    assert not d.requires_grad and d.grad_fn is None
    np.testing.assert_allclose(arr(d), [2.0, 4.0])
    (h * d).sum().backward()
    np.testing.assert_allclose(arr(a.grad), [4.0, 8.0])  # d is a constant
    h2 = a * 3
    h2.detach_()
    assert h2.is_leaf and not h2.requires_grad


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_data_attribute_is_detached(L):
    a = leaf(L, [1.0, 2.0])
    assert not a.data.requires_grad
    np.testing.assert_allclose(arr(a.data), [1.0, 2.0])


# ------------------------------------------------------------------ hooks, retain_grad


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_hooks_same_as_torch(L):
    x = leaf(L, [1.0, -2.0, 3.0])
    x.register_hook(lambda g: g * 2)
    h = x.exp()
    h.register_hook(lambda g: g + 1)
    h.retain_grad()
    y = (h * x).sum()
    y.backward()
    v = np.array([1.0, -2.0, 3.0])
    # dy/dh = x, then +1 by the hook; dh/dx = e^x; direct term h; leaf hook doubles
    np.testing.assert_allclose(arr(x.grad), 2 * ((v + 1) * np.exp(v) + np.exp(v)))
    # retain_grad registered after the hook sees the hooked gradient, as in torch
    np.testing.assert_allclose(arr(h.grad), v + 1)


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_hook_under_autograd_grad(L):
    x = leaf(L, [1.0, 2.0])
    x.register_hook(lambda g: g * 0)
    (g,) = L.autograd.grad((x * x).sum(), x)
    np.testing.assert_allclose(arr(g), [0.0, 0.0])


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_retain_grad_on_leaf_is_a_no_op(L):
    x = leaf(L, [1.0])
    x.retain_grad()
    (x * 2).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [2.0])
    with pytest.raises(RuntimeError):
        L.tensor([1.0]).retain_grad()


# ------------------------------------------------------------------ autograd.Function


def make_functions(L):
    """The same custom Functions written against ``L`` (chainrule or torch)."""

    class Cube(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x * x

    class ScaledMulAdd(L.autograd.Function):
        """(x * y * scale, x + y): two inputs, a number argument, two outputs."""

        @staticmethod
        def forward(ctx, x, scale, y):
            ctx.save_for_backward(x, y)
            ctx.scale = scale
            return x * y * scale, x + y

        @staticmethod
        def backward(ctx, g_prod, g_sum):
            x, y = ctx.saved_tensors
            needs = ctx.needs_input_grad
            gx = g_prod * y * ctx.scale + g_sum if needs[0] else None
            gy = g_prod * x * ctx.scale + g_sum if needs[2] else None
            return gx, None, gy

    class Argmax(L.autograd.Function):
        """Values along the last dim and their (non-differentiable) indices."""

        @staticmethod
        def forward(ctx, x):
            idx = x.argmax(-1, keepdim=True)
            ctx.save_for_backward(idx)
            ctx.shape = x.shape
            ctx.mark_non_differentiable(idx)
            return x.gather(-1, idx), idx

        @staticmethod
        def backward(ctx, g, g_idx):
            (idx,) = ctx.saved_tensors
            out = L.zeros(ctx.shape, dtype=g.dtype)
            return out.scatter(-1, idx, g)

    return Cube, ScaledMulAdd, Argmax


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_function_single_input(L):
    Cube, _, _ = make_functions(L)
    x = leaf(L, [1.0, -2.0])
    y = Cube.apply(x)
    assert y.requires_grad and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(arr(x.grad), [3.0, 12.0])


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_function_two_outputs_and_a_number_argument(L):
    _, ScaledMulAdd, _ = make_functions(L)
    x, y = leaf(L, [1.0, 2.0]), leaf(L, [3.0, -1.0])
    p, s = ScaledMulAdd.apply(x, 0.5, y)
    np.testing.assert_allclose(arr(p), [1.5, -1.0])
    (p * 2 + s * s).sum().backward()
    np.testing.assert_allclose(arr(x.grad), 2 * 0.5 * arr(y) + 2 * (arr(x) + arr(y)))
    np.testing.assert_allclose(arr(y.grad), 2 * 0.5 * arr(x) + 2 * (arr(x) + arr(y)))


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_function_only_one_output_used(L):
    _, ScaledMulAdd, _ = make_functions(L)
    x, y = leaf(L, [1.0, 2.0]), leaf(L, [3.0, -1.0])
    p, _ = ScaledMulAdd.apply(x, 2.0, y)
    p.sum().backward()
    np.testing.assert_allclose(arr(x.grad), 2 * arr(y))


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_function_needs_input_grad(L):
    _, ScaledMulAdd, _ = make_functions(L)
    x = leaf(L, [1.0, 2.0])
    c = L.tensor([3.0, 4.0], dtype=L.float64)
    p, _ = ScaledMulAdd.apply(x, 1.0, c)
    p.sum().backward()
    np.testing.assert_allclose(arr(x.grad), [3.0, 4.0])
    assert c.grad is None


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_function_non_differentiable_output(L):
    _, _, Argmax = make_functions(L)
    x = leaf(L, [[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]])
    v, idx = Argmax.apply(x)
    assert not idx.requires_grad
    assert idx.dtype == L.int64
    v.sum().backward()
    np.testing.assert_allclose(arr(x.grad), [[0, 1, 0], [1, 0, 0]])


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_function_without_grad_inputs_builds_no_graph(L):
    Cube, _, _ = make_functions(L)
    y = Cube.apply(L.tensor([2.0]))
    assert not y.requires_grad and y.grad_fn is None
    with L.no_grad():
        y = Cube.apply(leaf(L, [2.0]))
    assert not y.requires_grad


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_function_backward_is_differentiable(L):
    Cube, _, _ = make_functions(L)
    x = leaf(L, [1.5])
    (g,) = L.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (gg,) = L.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(arr(gg), [6 * 1.5])


@pytest.mark.parametrize("L", LIBS, ids=lambda L: L.__name__)
def test_function_saved_tensor_modified_in_place(L):
    Cube, _, _ = make_functions(L)
    x = leaf(L, [1.0, 2.0])
    h = x * 1
    y = Cube.apply(h)
    h.mul_(2)
    with pytest.raises(RuntimeError, match="inplace"):
        y.sum().backward()


def test_function_grad_fn_name():
    Cube, _, _ = make_functions(cr)
    y = Cube.apply(leaf(cr, [1.0]))
    assert y.grad_fn.name() == "CubeBackward"


# ------------------------------------------------------------------ gradcheck, gradgradcheck


class _WrongCube(cr.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2.9 * x * x  # wrong: 3 x^2


class _FirstOrderOnlyCube(cr.autograd.Function):
    """Right first derivative, but its backward treats x as a constant: wrong second
    derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x.detach() * x.detach()


def _x64(*shape):
    return cr.tensor(np.random.default_rng(0).standard_normal(shape), dtype=cr.float64,
                     requires_grad=True)


def test_gradcheck_passes_for_a_correct_function():
    assert gradcheck(lambda t: (t.sin() * t).sum(), (_x64(3),))
    assert gradcheck(lambda a, b: a @ b, (_x64(2, 3), _x64(3, 2)))


def test_gradcheck_accepts_a_single_tensor_and_tuple_outputs():
    assert gradcheck(lambda t: (t * 2, t.exp()), _x64(3))


def test_gradcheck_catches_a_wrong_gradient():
    with pytest.raises(GradcheckError):
        gradcheck(_WrongCube.apply, (_x64(3),))
    assert issubclass(GradcheckError, RuntimeError)
    assert gradcheck(_WrongCube.apply, (_x64(3),), raise_exception=False) is False


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError):
        gradcheck(lambda t: t * 2, (cr.ones(2, dtype=cr.float64),))


def test_gradcheck_ignores_inputs_without_grad():
    c = cr.tensor([1.0, 2.0], dtype=cr.float64)
    assert gradcheck(lambda a, b: a * b, (_x64(2), c))


def test_gradcheck_leaves_the_inputs_unchanged():
    x = _x64(4)
    before = x.detach().numpy().copy()
    gradcheck(lambda t: t.exp(), (x,))
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x.grad is None


def test_gradgradcheck_passes_for_smooth_functions():
    assert gradgradcheck(lambda t: (t.tanh() * t.exp()).sum(), (_x64(3),))
    assert gradgradcheck(lambda a, b: (a @ b).sin(), (_x64(2, 3), _x64(3, 2)))


def test_gradgradcheck_catches_a_wrong_second_derivative():
    assert gradcheck(_FirstOrderOnlyCube.apply, (_x64(3),))
    with pytest.raises(GradcheckError):
        gradgradcheck(_FirstOrderOnlyCube.apply, (_x64(3),))


def test_gradgradcheck_with_an_integer_output():
    assert gradgradcheck(lambda t: t.max(1), (_x64(2, 3),))


@needs_torch
def test_gradcheck_same_verdict_as_torch():
    tx = torch.tensor(np.random.default_rng(0).standard_normal(3), requires_grad=True)

    class TorchWrongCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2.9 * x * x

    assert torch.autograd.gradcheck(lambda t: t.sin(), (tx,))
    assert not torch.autograd.gradcheck(TorchWrongCube.apply, (tx,), raise_exception=False)
    assert gradcheck(lambda t: t.sin(), (_x64(3),))
    assert not gradcheck(_WrongCube.apply, (_x64(3),), raise_exception=False)


def test_numpy_only_rules_refuse_second_derivatives():
    # A fused op with a NumPy backward gives exact first derivatives under create_graph, and
    # a clear error (not a silent zero) when that derivative is differentiated again.
    lstm = cr.nn.LSTM(3, 4)
    x = cr.randn(5, 2, 3, dtype=cr.float32, requires_grad=True)
    (g,) = cr.autograd.grad(lstm(x)[0].sum(), x, create_graph=True)
    assert g.shape == x.shape
    with pytest.raises(RuntimeError, match="no derivative of its own"):
        cr.autograd.grad(g.sum(), x)
    with pytest.raises(RuntimeError, match="not supported"):
        cr.func.jvp(lambda t: lstm(t)[0].sum(), (x.detach(),), (cr.ones(5, 2, 3),))
