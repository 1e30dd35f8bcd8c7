"""``chainrule.func``: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian (argnums,
has_aux, nesting), compared with analytic results and, when installed, with ``torch.func``."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import func

try:
    import torch
    import torch.func as tfunc
except ImportError:
    torch = tfunc = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
# torch.func itself warns about torch.jit.script being deprecated
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RNG = np.random.default_rng(7)
X = RNG.standard_normal(3)
Y = RNG.standard_normal(3)
A = RNG.standard_normal((2, 3))


def c(v):
    return cr.tensor(v, dtype=cr.float64)


def t(v):
    return torch.tensor(v, dtype=torch.float64)


def arr(x):
    return np.asarray(x.detach().numpy(), dtype=np.float64)


def same(a, b, rtol=1e-10, atol=1e-12):
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b)
        for p, q in zip(a, b):
            same(p, q, rtol, atol)
        return
    bb = arr(b) if not isinstance(b, np.ndarray) else b
    assert tuple(a.shape) == tuple(bb.shape)
    np.testing.assert_allclose(arr(a), bb, rtol=rtol, atol=atol)


# The same functions, written so they run on chainrule and torch tensors alike.
def f_scalar(x):
    return (x.sin() * x).sum()


def f_two(x, y):
    return (x * y.exp() + x ** 2).sum()


def f_vec(x, y):
    return x * y.sin() + x.tanh()


def f_mat(x):
    return (x.exp() * x.cos()).sum(1)


# ------------------------------------------------------------------ grad, grad_and_value


def test_grad_analytic():
    g = func.grad(f_scalar)(c(X))
    same(g, np.sin(X) + X * np.cos(X))
    assert not g.requires_grad


def test_grad_does_not_touch_dot_grad_of_inputs():
    x = cr.tensor(X, dtype=cr.float64, requires_grad=False)
    func.grad(f_scalar)(x)
    assert x.grad is None and not x.requires_grad


@needs_torch
@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1,)])
def test_grad_argnums(argnums):
    ours = func.grad(f_two, argnums=argnums)(c(X), c(Y))
    theirs = tfunc.grad(f_two, argnums=argnums)(t(X), t(Y))
    assert isinstance(ours, tuple) == isinstance(theirs, tuple)
    same(ours, theirs)


@needs_torch
def test_grad_has_aux():
    def f(x):
        y = x.exp()
        return y.sum(), y * 2

    g, aux = func.grad(f, has_aux=True)(c(X))
    tg, taux = tfunc.grad(f, has_aux=True)(t(X))
    same(g, tg)
    same(aux, taux)


@needs_torch
def test_grad_and_value():
    (g, v) = func.grad_and_value(f_scalar)(c(X))
    (tg, tv) = tfunc.grad_and_value(f_scalar)(t(X))
    same(g, tg)
    same(v, tv)

    def f(x, y):
        return f_two(x, y), x.sum()

    g, (v, aux) = func.grad_and_value(f, argnums=(0, 1), has_aux=True)(c(X), c(Y))
    tg, (tv, taux) = tfunc.grad_and_value(f, argnums=(0, 1), has_aux=True)(t(X), t(Y))
    same(g, tg)
    same(v, tv)
    same(aux, taux)


def test_grad_needs_a_scalar_output():
    with pytest.raises(RuntimeError):
        func.grad(lambda x: x * 2)(c(X))


def test_grad_of_grad():
    x = c(np.array(0.7))
    d2 = func.grad(func.grad(lambda x: x.sin() * x))(x)
    assert d2.item() == pytest.approx(2 * np.cos(0.7) - 0.7 * np.sin(0.7))


def test_grad_inside_a_graph():
    # func.grad applied to a tensor that requires grad: the result stays differentiable.
    x = cr.tensor(X, dtype=cr.float64, requires_grad=True)
    g = func.grad(lambda z: (z ** 3).sum())(x)
    assert g.requires_grad
    g.sum().backward()
    same(x.grad, 6 * X)


# ------------------------------------------------------------------ vjp, jvp


@needs_torch
def test_vjp():
    v = RNG.standard_normal(3)
    out, fn = func.vjp(f_vec, c(X), c(Y))
    tout, tfn = tfunc.vjp(f_vec, t(X), t(Y))
    same(out, tout)
    same(fn(c(v)), tfn(t(v)))
    same(fn(c(v)), tfn(t(v)))  # vjp_fn may be called again


@needs_torch
def test_vjp_has_aux_and_tuple_outputs():
    def f(x):
        return (x.sin(), x * 3), x.sum()

    v1, v2 = RNG.standard_normal(3), RNG.standard_normal(3)
    out, fn, aux = func.vjp(f, c(X), has_aux=True)
    tout, tfn, taux = tfunc.vjp(f, t(X), has_aux=True)
    same(out, tout)
    same(aux, taux)
    same(fn((c(v1), c(v2))), tfn((t(v1), t(v2))))


@needs_torch
def test_jvp():
    u, w = RNG.standard_normal(3), RNG.standard_normal(3)
    out, jv = func.jvp(f_vec, (c(X), c(Y)), (c(u), c(w)))
    tout, tjv = tfunc.jvp(f_vec, (t(X), t(Y)), (t(u), t(w)))
    same(out, tout)
    same(jv, tjv)


@needs_torch
def test_jvp_has_aux():
    def f(x):
        return x.exp() * 2, x.sum()

    u = RNG.standard_normal(3)
    out, jv, aux = func.jvp(f, (c(X),), (c(u),), has_aux=True)
    tout, tjv, taux = tfunc.jvp(f, (t(X),), (t(u),), has_aux=True)
    same(out, tout)
    same(jv, tjv)
    same(aux, taux)


@needs_torch
def test_jvp_through_piecewise_and_indexing_ops():
    def f(x):
        return x.relu()[[0, 2, 0]] * x.abs().max() + x.clamp(-0.5, 0.5).prod()

    x = np.array([0.3, -1.2, 0.8])
    u = RNG.standard_normal(3)
    _, jv = func.jvp(f, (c(x),), (c(u),))
    _, tjv = tfunc.jvp(f, (t(x),), (t(u),))
    same(jv, tjv)


@needs_torch
def test_jvp_tuple_output():
    def f(x):
        return x * 2, x.sin()

    u = RNG.standard_normal(3)
    _, jv = func.jvp(f, (c(X),), (c(u),))
    _, tjv = tfunc.jvp(f, (t(X),), (t(u),))
    same(jv, tjv)


@needs_torch
def test_jvp_through_mean():
    u = RNG.standard_normal(3)
    _, jv = func.jvp(lambda x: (x * x).mean(), (c(X),), (c(u),))
    _, tjv = tfunc.jvp(lambda x: (x * x).mean(), (t(X),), (t(u),))
    same(jv, tjv)


# ------------------------------------------------------------------ Jacobians and Hessians


@needs_torch
@pytest.mark.parametrize("which", ["jacrev", "jacfwd"])
def test_jacobian(which):
    ours = getattr(func, which)(f_mat)(c(A))
    theirs = getattr(tfunc, which)(f_mat)(t(A))
    assert tuple(ours.shape) == (2, 2, 3)
    same(ours, theirs)


@needs_torch
@pytest.mark.parametrize("which", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("argnums", [1, (0, 1)])
def test_jacobian_argnums(which, argnums):
    ours = getattr(func, which)(f_vec, argnums=argnums)(c(X), c(Y))
    theirs = getattr(tfunc, which)(f_vec, argnums=argnums)(t(X), t(Y))
    same(ours, theirs)


@needs_torch
@pytest.mark.parametrize("which", ["jacrev", "jacfwd"])
def test_jacobian_has_aux(which):
    def f(x):
        return x.sin() * x, x.cos()

    j, aux = getattr(func, which)(f, has_aux=True)(c(X))
    tj, taux = getattr(tfunc, which)(f, has_aux=True)(t(X))
    same(j, tj)
    same(aux, taux)


def test_jacobian_of_scalar_function_and_of_matrix_input():
    j = func.jacrev(f_scalar)(c(X))
    same(j, np.sin(X) + X * np.cos(X))
    j = func.jacfwd(lambda m: m * 2)(c(A))
    assert tuple(j.shape) == (2, 3, 2, 3)
    same(j, 2 * np.eye(6).reshape(2, 3, 2, 3))


@needs_torch
def test_hessian():
    def f(x):
        return (x.sin() * x.exp()).sum() + (x[0] * x[1] * x[2])

    ours = func.hessian(f)(c(X))
    theirs = tfunc.hessian(f)(t(X))
    assert tuple(ours.shape) == (3, 3)
    same(ours, theirs)


@needs_torch
def test_hessian_argnums():
    ours = func.hessian(f_two, argnums=1)(c(X), c(Y))
    theirs = tfunc.hessian(f_two, argnums=1)(t(X), t(Y))
    same(ours, theirs)


@needs_torch
def test_hessian_argnums_tuple():
    ours = func.hessian(f_two, argnums=(0, 1))(c(X), c(Y))
    theirs = tfunc.hessian(f_two, argnums=(0, 1))(t(X), t(Y))
    same(ours, theirs)


def test_hessian_of_a_quadratic_form():
    m = RNG.standard_normal((3, 3))
    h = func.hessian(lambda x: x @ c(m) @ x)(c(X))
    same(h, m + m.T)


def test_jacrev_of_jacrev_equals_hessian():
    f = lambda x: (x.tanh() * x.exp()).sum()  # noqa: E731
    same(func.jacrev(func.jacrev(f))(c(X)), arr(func.hessian(f)(c(X))))


@needs_torch
def test_hessian_through_prod():
    ours = func.hessian(lambda x: x.prod())(c(X))
    theirs = tfunc.hessian(lambda x: x.prod())(t(X))
    same(ours, theirs)


@needs_torch
def test_vmap():
    batch = RNG.standard_normal((4, 2, 3))
    same(func.vmap(f_mat)(c(batch)), tfunc.vmap(f_mat)(t(batch)))
    same(func.vmap(f_vec, in_dims=(0, None))(c(batch[:, 0]), c(Y)),
         tfunc.vmap(f_vec, in_dims=(0, None))(t(batch[:, 0]), t(Y)))
