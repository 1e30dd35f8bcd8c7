"""``chainrule.linalg``, the decompositions and the fused products beyond the op table: errors,
batched and empty shapes, integer inputs, in-place and Tensor methods, result tuples,
non-finite values and the namespace, compared with torch where it is installed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

RNG = np.random.default_rng(0)
A3 = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
SPD3 = A3 @ A3.T


def _np(t):
    return t.detach().numpy()


def _both(fn, *arrays, dtype="float64"):
    """``fn(L, *tensors)`` for chainrule and torch on the same arrays."""
    out = []
    for L in (cr, torch):
        ts = [L.tensor(a, dtype=getattr(L, dtype)) if np.asarray(a).dtype.kind == "f"
              else L.tensor(a) for a in arrays]
        out.append(fn(L, *ts))
    return out


def _assert_same(c, t, rtol=1e-9, atol=1e-12):
    if isinstance(t, (tuple, list)):
        assert len(c) == len(t)
        for x, y in zip(c, t):
            _assert_same(x, y, rtol, atol)
        return
    assert tuple(c.shape) == tuple(t.shape)
    assert str(c.dtype).rsplit(".", 1)[-1] == str(t.dtype).rsplit(".", 1)[-1]
    np.testing.assert_allclose(_np(c), t.detach().numpy(), rtol=rtol, atol=atol)


def _errors(fn, *arrays, same_message=True, dtype="float64"):
    """Both libraries raise; the same exception type (and message, when asked)."""
    caught = []
    for L in (cr, torch):
        ts = [L.tensor(a, dtype=getattr(L, dtype)) if np.asarray(a).dtype.kind == "f"
              else L.tensor(a) for a in arrays]
        with pytest.raises(Exception) as info:
            fn(L, *ts)
        caught.append(info.value)
    c, t = caught
    assert isinstance(c, RuntimeError) == isinstance(t, RuntimeError), (c, t)
    assert isinstance(c, IndexError) == isinstance(t, IndexError), (c, t)
    assert isinstance(c, TypeError) == isinstance(t, TypeError), (c, t)
    if isinstance(t, torch.linalg.LinAlgError):
        assert isinstance(c, cr.linalg.LinAlgError), c
    if same_message:
        assert str(c) == str(t)
    return c


# ------------------------------------------------------------------ namespace


def test_linalg_namespace_lists_its_functions():
    for name in cr.linalg.__all__:
        assert callable(getattr(cr.linalg, name)), name
    assert issubclass(cr.linalg.LinAlgError, RuntimeError)


@needs_torch
def test_linalg_names_are_torchs():
    missing = [n for n in cr.linalg.__all__ if not hasattr(torch.linalg, n)]
    assert not missing
    import inspect

    for name in ["vector_norm", "matrix_norm", "norm", "solve", "solve_triangular", "qr", "svd",
                 "eigh", "cross", "vecdot"]:
        params = list(inspect.signature(getattr(cr.linalg, name)).parameters)
        doc = getattr(torch.linalg, name).__doc__.split("\n", 2)[1]
        for p in params[:2]:
            assert p in doc or p == "input", (name, p, doc)


@needs_torch
@pytest.mark.parametrize("name", ["addmm", "addmv", "addr", "baddbmm", "addbmm", "vdot",
                                  "kron", "cross", "dist", "cov", "corrcoef", "renorm",
                                  "inverse", "det", "logdet", "slogdet", "cholesky", "pinverse",
                                  "svd", "matrix_power", "matrix_exp", "cholesky_solve",
                                  "cholesky_inverse", "triangular_solve", "qr", "tensordot",
                                  "cdist", "pdist", "chain_matmul"])
def test_functions_and_methods_exist_where_torchs_do(name):
    assert hasattr(cr, name)
    assert hasattr(cr.Tensor, name) == hasattr(torch.Tensor, name)
    assert hasattr(cr.Tensor, name + "_") == hasattr(torch.Tensor, name + "_")


def test_torch_level_aliases_agree_with_linalg():
    a = cr.tensor(A3)
    np.testing.assert_allclose(_np(cr.inverse(a)), _np(cr.linalg.inv(a)))
    np.testing.assert_allclose(_np(a.det()), _np(cr.linalg.det(a)))
    np.testing.assert_allclose(_np(cr.cholesky(cr.tensor(SPD3))),
                               _np(cr.linalg.cholesky(cr.tensor(SPD3))))
    np.testing.assert_allclose(_np(cr.matrix_exp(a)), _np(cr.linalg.matrix_exp(a)))
    np.testing.assert_allclose(_np(a.matrix_power(2)), _np(cr.linalg.matrix_power(a, 2)))
    u, s, v = cr.svd(a)
    U, S, Vh = cr.linalg.svd(a)
    np.testing.assert_allclose(_np(v), _np(Vh.mT))
    np.testing.assert_allclose(_np(s), _np(S))
    q, r = cr.qr(a)
    Q, R_ = cr.linalg.qr(a)
    np.testing.assert_allclose(_np(q), _np(Q))
    assert cr.linalg.matmul is cr.matmul


def test_result_tuples_have_torchs_field_names():
    a = cr.tensor(SPD3)
    assert cr.linalg.qr(a).Q.shape == (3, 3) and cr.linalg.qr(a).R.shape == (3, 3)
    assert cr.linalg.svd(a).Vh.shape == (3, 3) and cr.linalg.svd(a).U.shape == (3, 3)
    assert cr.svd(a).V.shape == (3, 3)
    e = cr.linalg.eigh(a)
    assert e.eigenvalues.shape == (3,) and e.eigenvectors.shape == (3, 3)
    s = cr.linalg.slogdet(a)
    assert s.sign.item() == 1.0 and s.logabsdet.item() == pytest.approx(np.log(np.linalg.det(
        SPD3)))
    assert cr.slogdet(a).logabsdet.shape == ()
    assert cr.linalg.cholesky_ex(a).L.shape == (3, 3)
    assert cr.linalg.inv_ex(a).info.item() == 0
    with pytest.warns(UserWarning, match="deprecated"):
        assert cr.triangular_solve(cr.ones(3, 1), a).cloned_coefficient.shape == (3, 3)


# ------------------------------------------------------------------ errors


@needs_torch
@pytest.mark.parametrize("fn,arrays", [
    (lambda L, a: L.linalg.inv(a), [np.zeros((2, 2))]),
    (lambda L, a: L.inverse(a), [np.zeros((3, 2, 2))]),
    (lambda L, a: L.linalg.inv(a), [np.array([[1.0, 2.0], [2.0, 4.0]])]),
    (lambda L, a: L.linalg.cholesky(a), [-np.eye(3)]),
    (lambda L, a: L.linalg.cholesky(a), [np.diag([1.0, 1.0, -1.0])]),
    (lambda L, a: L.cholesky(a), [np.stack([np.eye(3), np.diag([1.0, -1.0, 1.0])])]),
    (lambda L, a, b: L.linalg.solve(a, b), [np.zeros((2, 2)), np.ones(2)]),
    (lambda L, a, b: L.linalg.solve(a, b), [np.stack([np.eye(2), np.zeros((2, 2))]),
                                            np.ones((2, 2))]),
], ids=["inv", "inverse_batch", "inv_rank1", "cholesky_neg", "cholesky_order3",
        "cholesky_batch", "solve", "solve_batch"])
def test_linalg_errors_are_torchs(fn, arrays):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _errors(fn, *arrays)


@needs_torch
@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky", "eigh", "eigvalsh",
                                  "matrix_exp", "matrix_power"])
def test_non_square_input_errors_as_torch(name):
    args = (2,) if name == "matrix_power" else ()
    _errors(lambda L, a: getattr(L.linalg, name)(a, *args), np.zeros((2, 3)))


@needs_torch
@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky", "eigh", "svd", "qr",
                                  "matrix_exp", "svdvals", "eigvalsh", "inv_ex", "matrix_norm"])
def test_integer_input_errors_as_torch(name):
    # torch's message for eigh names its CPU kernel; chainrule's says what was expected
    _errors(lambda L, a: getattr(L.linalg, name)(a), np.zeros((2, 2), np.int64),
            same_message=name not in ("eigh", "eigvalsh"))


@needs_torch
@pytest.mark.parametrize("fn,arrays,same", [
    (lambda L, a: L.linalg.vector_norm(a), [np.zeros(3, np.int64)], True),
    (lambda L, a: L.linalg.vector_norm(a, dim=0, dtype=L.float32), [np.zeros(3)], True),
    (lambda L, a: L.linalg.norm(a), [np.zeros(3, np.int64)], True),
    (lambda L, a: L.linalg.pinv(a), [np.zeros((3, 2), np.int64)], False),
    (lambda L, a: L.linalg.matrix_power(a, -1), [np.eye(2, dtype=np.int64)], True),
    (lambda L, a: L.linalg.det(a), [np.zeros(3)], True),
    (lambda L, a: L.cdist(a, a), [np.zeros((3, 2), np.int64)], True),
    (lambda L, a: L.dist(a, a), [np.zeros(3, np.int64)], True),
    (lambda L, a: L.linalg.matrix_norm(a, 3), [np.zeros((2, 2))], False),
    (lambda L, a: L.linalg.norm(a, 2), [np.zeros((2, 2, 2))], False),
    (lambda L, a, b: L.linalg.solve(a, b), [np.eye(2), np.ones(3)], True),
    (lambda L, i, a, b: L.addmm(i, a, b), [np.ones(3), np.ones((2, 3)), np.ones((3, 2))], False),
    (lambda L, i, a, b: L.addmm(i, a, b), [np.ones((2, 2)), np.ones(3), np.ones((3, 2))], False),
    (lambda L, i, a, b: L.addmm(i, a, b), [np.ones((2, 2)), np.ones((2, 3)), np.ones((2, 2))],
     True),
    (lambda L, i, a, b: L.addmm(i, a, b), [np.ones((2, 2)), np.ones((2, 3), np.int64),
                                           np.ones((3, 2), np.int64)], False),
    (lambda L, i, a, b: L.baddbmm(i, a, b), [np.ones(2), np.ones((2, 2, 3)),
                                             np.ones((3, 3, 2))], False),
    (lambda L, i, a, b: L.addr(i, a, b), [np.ones(2), np.ones((2, 2)), np.ones(2)], False),
    (lambda L, a, b: L.vdot(a.float(), b), [np.ones(3), np.ones(3)], True),
    (lambda L, a, b: L.vdot(a, b), [np.ones(3), np.ones(4)], False),
    (lambda L, a, b: L.linalg.cross(a, b), [np.ones((3, 2)), np.ones((3, 2))], True),
    (lambda L, a, b: L.cross(a, b, dim=1), [np.ones((3, 2)), np.ones((3, 2))], True),
    (lambda L, a, b: L.linalg.cross(a, b), [np.ones((2, 3, 3)), np.ones((3, 3))], True),
    (lambda L, a, b: L.tensordot(a, b, dims=3), [np.ones((2, 3, 4)), np.ones((3, 4, 5))],
     True),
    (lambda L, a, b: L.tensordot(a, b, 1), [np.ones((2, 3)), np.ones((3, 4), np.int64)],
     True),
    (lambda L, a, b: L.cdist(a, b), [np.ones((3, 2)), np.ones((3, 4))], True),
    (lambda L, a, b: L.cdist(a, b, p=-1), [np.ones((3, 2)), np.ones((3, 2))], True),
    (lambda L, a: L.cdist(a, a), [np.ones(3)], True),
    (lambda L, a: L.pdist(a), [np.ones(3)], True),
    (lambda L, a: L.cov(a), [np.ones((2, 2, 2))], True),
    (lambda L, a, f: L.cov(a, fweights=f), [np.ones((2, 3)), np.ones(3)], True),
    (lambda L, a, w: L.cov(a, aweights=w), [np.ones((2, 3)), -np.ones(3)], True),
    (lambda L, a: L.corrcoef(a), [np.ones((2, 2, 2))], True),
    (lambda L, a: L.renorm(a, 2, 0, -1.0), [np.ones((2, 2))], False),
    (lambda L, a: L.linalg.qr(a, mode="x"), [np.ones((2, 2))], True),
    (lambda L, a: L.linalg.eigh(a, UPLO="X"), [np.eye(2)], True),
    (lambda L, a: L.linalg.multi_dot([a]), [np.eye(2)], True),
    (lambda L, a: L.linalg.multi_dot([a, a]), [np.ones((2, 2, 2))], True),
], ids=[f"error{i}" for i in range(37)])
def test_argument_errors_as_torch(fn, arrays, same):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _errors(fn, *arrays, same_message=same)


def test_linalg_error_without_torch():
    with pytest.raises(cr.linalg.LinAlgError, match="singular"):
        cr.linalg.inv(cr.zeros(2, 2))
    with pytest.raises(RuntimeError, match="positive-definite"):
        cr.linalg.cholesky(-cr.eye(2))
    with pytest.raises(RuntimeError, match="square"):
        cr.linalg.det(cr.zeros(2, 3))


# ------------------------------------------------------------------ shapes, empties, dtypes


@needs_torch
@pytest.mark.parametrize("shape", [(0, 3, 3), (2, 0, 0), (0, 0)])
@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky", "eigh", "eigvalsh",
                                  "svd", "svdvals", "qr", "matrix_exp", "pinv", "matrix_rank"])
def test_empty_batches_and_matrices(name, shape):
    def fn(L, a):
        x = a + L.eye(a.shape[-1], dtype=a.dtype) * 2
        return getattr(L.linalg, name)(x)

    c, t = _both(fn, np.zeros(shape))
    _assert_same(c, t)


@needs_torch
@pytest.mark.parametrize("fn,shapes", [
    (lambda L, a: L.linalg.inv(a), [(2, 1, 3, 3)]),
    (lambda L, a: L.linalg.det(a), [(4, 2, 2)]),
    (lambda L, a, b: L.linalg.solve(a, b), [(3, 2, 2), (2,)]),
    (lambda L, a, b: L.linalg.solve(a, b), [(2, 2), (4, 2, 3)]),
    (lambda L, a, b: L.linalg.solve(a, b), [(3, 2, 2), (3, 2)]),
    (lambda L, a, b: L.linalg.solve(a, b, left=False), [(3, 2, 2), (3, 4, 2)]),
    (lambda L, a: L.linalg.svd(a, full_matrices=True)[1], [(2, 3, 5)]),
    (lambda L, a: L.linalg.matrix_norm(a, "nuc", keepdim=True), [(2, 3, 4)]),
    (lambda L, a: L.linalg.norm(a, dim=(0, 2), keepdim=True), [(2, 3, 4)]),
    (lambda L, a: L.linalg.vector_norm(a, 0), [(2, 3)]),
    (lambda L, a: L.linalg.vector_norm(a.float(), 2, dim=1, dtype=L.float64), [(2, 3)]),
    (lambda L, a: L.linalg.matrix_rank(a), [(3, 4, 2)]),
    (lambda L, a: L.linalg.matrix_rank(a @ a.mT, hermitian=True), [(3, 4, 2)]),
    (lambda L, a: L.linalg.pinv(a, atol=0.5), [(3, 4)]),
    (lambda L, a: L.linalg.pinv(a, rtol=0.3), [(3, 4)]),
    (lambda L, a: L.linalg.pinv(a @ a.mT, hermitian=True), [(4, 2)]),
    (lambda L, a: L.pinverse(a, rcond=0.3), [(3, 4)]),
    (lambda L, a: L.linalg.cond(a, 1), [(3, 3)]),
    (lambda L, a: L.linalg.cond(a, float("inf")), [(2, 3, 3)]),
    (lambda L, a, b: L.linalg.lstsq(a, b)[1:], [(4, 3), (4, 2)]),
    (lambda L, a, b: L.linalg.lstsq(a, b).solution, [(2, 4, 3), (2, 4)]),
    (lambda L, a: L.linalg.multi_dot([a, a.mT, a]), [(3, 5)]),
    (lambda L, a: L.cdist(a, a[:2]), [(0, 3)]),
    (lambda L, a: L.cdist(a, a), [(3, 0)]),
    (lambda L, a: L.pdist(a), [(1, 3)]),
    (lambda L, a: L.cov(a), [(1, 4)]),
    (lambda L, a: L.corrcoef(a), [(4,)]),
    (lambda L, a: L.kron(a, a[0]), [(2, 3)]),
    (lambda L, a: L.tensordot(a, a, dims=([0, 1], [0, 1])), [(2, 3)]),
    (lambda L, a: L.svd(a, compute_uv=False), [(2, 3, 4)]),
    (lambda L, a: L.linalg.qr(a, mode="r"), [(4, 3)]),
    (lambda L, a: L.linalg.qr(a, mode="complete"), [(4, 3)]),
    (lambda L, a: L.linalg.cholesky_ex(a), [(2, 3, 3)]),
    (lambda L, a: L.linalg.inv_ex(a * L.tensor([1.0, 0.0, 1.0], dtype=a.dtype)), [(2, 3, 3)]),
    (lambda L, a: L.linalg.inv_ex(a * L.tensor([[1.0], [0.0]], dtype=a.dtype)), [(3, 2, 2)]),
], ids=lambda x: "" if callable(x) else str(x))
def test_values_and_shapes_as_torch(fn, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    c, t = _both(fn, *arrays)
    if isinstance(t, tuple) and hasattr(t, "info"):  # not-PD / singular: only info is defined
        _assert_same(c.info, t.info)
        return
    _assert_same(c, t, rtol=1e-7, atol=1e-9)


@needs_torch
@pytest.mark.parametrize("fn,arrays", [
    (lambda L, i, a, b: L.addmm(i, a, b, alpha=2), [np.ones((2, 2), np.int64),
                                                     np.arange(6).reshape(2, 3),
                                                     np.arange(6).reshape(3, 2)]),
    (lambda L, i, a, b: L.addbmm(i, a, b, beta=3), [np.ones((2, 2), np.int64),
                                                    np.ones((3, 2, 3), np.int64),
                                                    np.ones((3, 3, 2), np.int64)]),
    (lambda L, a, b: L.kron(a, b), [np.arange(3), np.arange(4).reshape(2, 2)]),
    (lambda L, a, b: L.tensordot(a, b, dims=1), [np.arange(6).reshape(2, 3),
                                                  np.arange(3)]),
    (lambda L, a, b: L.vdot(a, b), [np.arange(3), np.arange(3)]),
    (lambda L, a, b: L.cross(a, b, dim=0), [np.arange(3), np.array([1, 0, 2])]),
    (lambda L, a: L.linalg.matrix_power(a, 3), [np.array([[1, 1], [0, 1]])]),
    (lambda L, a: L.linalg.matrix_power(a, 0), [np.array([[1, 1], [0, 1]])]),
    (lambda L, a: L.cov(a), [np.arange(6).reshape(2, 3)]),
    (lambda L, a, f: L.cov(a, fweights=f), [np.arange(6).reshape(2, 3), np.array([1, 0, 2])]),
    (lambda L, a: L.corrcoef(a), [np.array([[0, 1, 3], [2, 1, 0]])]),
], ids=lambda x: "" if callable(x) else str(x))
def test_integer_inputs_as_torch(fn, arrays):
    c, t = _both(fn, *arrays)
    _assert_same(c, t, rtol=1e-6)


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float32_decompositions_keep_their_dtype(dtype):
    def fn(L, a):
        x = a @ a.mT + L.eye(3, dtype=a.dtype)
        return (L.linalg.inv(x), L.linalg.det(x), L.linalg.cholesky(x),
                L.linalg.eigvalsh(x), L.linalg.svdvals(x), L.linalg.matrix_exp(x / 10),
                L.linalg.pinv(x), L.linalg.norm(x, "nuc"))

    c, t = _both(fn, RNG.standard_normal((3, 3)), dtype=dtype)
    _assert_same(c, t, rtol=1e-4 if dtype == "float32" else 1e-9, atol=1e-5)


# ------------------------------------------------------------------ special values, gradients


@needs_torch
def test_beta_zero_ignores_nan_and_gives_a_zero_gradient():
    grads = []
    for L in (cr, torch):
        i = L.full((2, 2), float("nan"), requires_grad=True)
        a = L.ones(2, 3, requires_grad=True)
        out = L.addmm(i, a, L.ones(3, 2), beta=0)
        assert not L.isnan(out).any()
        out.sum().backward()
        grads.append((i.grad.numpy(), a.grad.numpy()))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


@needs_torch
@pytest.mark.parametrize("name,args", [("addmm_", [(2, 3), (3, 2)]), ("addmv_", [(2, 3), (3,)]),
                                       ("addr_", [(2,), (2,)]),
                                       ("baddbmm_", [(3, 2, 4), (3, 4, 2)]),
                                       ("addbmm_", [(3, 2, 4), (3, 4, 2)]),
                                       ("renorm_", [])])
def test_inplace_methods_as_torch(name, args):
    x0 = RNG.standard_normal({"baddbmm_": (3, 2, 2), "addmv_": (2,)}.get(name, (2, 2)))
    xs = [RNG.standard_normal(s) for s in args]
    res = []
    for L in (cr, torch):
        leaf = L.tensor(x0, requires_grad=True)
        others = [L.tensor(x, requires_grad=True) for x in xs]
        y = leaf * 1
        extra = (2, 0, 1.0) if name == "renorm_" else ()
        kw = {} if name == "renorm_" else {"beta": 0.5, "alpha": 2.0}
        r = getattr(y, name)(*others, *extra, **kw)
        assert r is y
        (y * y).sum().backward()
        res.append([y.detach().numpy(), leaf.grad.numpy()] + [o.grad.numpy() for o in others])
    for c, t in zip(*res):
        np.testing.assert_allclose(c, t, rtol=1e-6, atol=1e-7)


@needs_torch
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_logdet_of_negative_and_zero_determinants():
    c, t = _both(lambda L, a: L.logdet(a), np.stack([np.diag([-1.0, 2.0]), np.zeros((2, 2)),
                                                     np.diag([1.0, 2.0])]))
    _assert_same(c, t)


@needs_torch
def test_det_gradient_at_a_singular_matrix():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, 0.0]])
    grads = []
    for L in (cr, torch):
        x = L.tensor(a, requires_grad=True)
        L.linalg.det(x).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-12)


@needs_torch
@pytest.mark.parametrize("fn", [
    lambda L, b, f: L.cholesky_solve(b, f),
    lambda L, b, f: L.cholesky_solve(b, f.mT, upper=True),
    lambda L, b, f: L.cholesky_inverse(f) * b.sum(),
])
def test_cholesky_factor_gradient_is_torchs_on_a_full_matrix(fn):
    """Only the factor's triangle is read, but its gradient reaches all of it (PyTorch)."""
    f = np.tril(RNG.standard_normal((3, 3))) + 3 * np.eye(3)
    b = RNG.standard_normal((3, 2))
    grads = []
    for L in (cr, torch):
        bt, ft = L.tensor(b, requires_grad=True), L.tensor(f, requires_grad=True)
        out = fn(L, bt, ft)
        (out * out).sum().backward()
        grads.append((out.detach().numpy(), bt.grad.numpy(), ft.grad.numpy()))
    for c, t in zip(*grads):
        np.testing.assert_allclose(c, t, rtol=1e-9, atol=1e-12)


@needs_torch
@pytest.mark.parametrize("p", [0.0, 1.0, 2.0, 3.0, float("inf")])
def test_cdist_and_pdist_gradients_at_zero_distance_and_ties(p):
    x = np.array([[0.0, 1.0, -1.0], [2.0, 0.0, 0.0], [0.0, 1.0, -1.0]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    res = []
    for L in (cr, torch):
        a, b = L.tensor(x, requires_grad=True), L.tensor(y, requires_grad=True)
        out = L.cdist(a, b, p=p).sum() + L.cdist(a, a, p=p).sum() + L.pdist(a, p=p).sum()
        out.backward()
        res.append((out.item(), a.grad.numpy(), b.grad.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0])
    np.testing.assert_allclose(res[0][1], res[1][1], atol=1e-12)
    np.testing.assert_allclose(res[0][2], res[1][2], atol=1e-12)


@needs_torch
def test_cdist_matrix_product_path_at_zero_distance():
    x = RNG.standard_normal((30, 3))
    res = []
    for L in (cr, torch):
        a = L.tensor(x, requires_grad=True)
        d = L.cdist(a, a)
        d.sum().backward()
        res.append((d.detach().numpy(), a.grad.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], atol=1e-7)
    np.testing.assert_allclose(res[0][1], res[1][1], atol=1e-6)


@needs_torch
def test_cross_without_dim_warns_and_uses_the_first_size_3_dim():
    a, b = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
    with pytest.warns(UserWarning, match="without specifying the dim"):
        c = cr.cross(cr.tensor(a), cr.tensor(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.cross(torch.tensor(a), torch.tensor(b))
    _assert_same(c, t)
    with pytest.warns(UserWarning, match="deprecated"):
        cr.chain_matmul(cr.eye(2), cr.eye(2))


@needs_torch
def test_cov_with_too_large_correction_warns_as_torch():
    with pytest.warns(UserWarning, match="degrees of freedom"):
        c = cr.cov(cr.arange(3.0), correction=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.cov(torch.arange(3.0), correction=5)
    _assert_same(c, t)


@needs_torch
def test_not_differentiable_qr_modes_raise_in_backward_as_torch():
    for L in (cr, torch):
        a = L.ones(3, 2, dtype=L.float64, requires_grad=True)
        with pytest.raises(RuntimeError, match="mode='r'"):
            L.linalg.qr(a * 1, mode="r").R.sum().backward()
        with pytest.raises(RuntimeError, match="not differentiable"):
            L.linalg.qr(a + L.eye(3, 2, dtype=L.float64), mode="complete").Q.sum().backward()


@needs_torch
def test_svd_full_matrices_ignores_the_extra_columns_in_backward():
    a = RNG.standard_normal((4, 2))
    res = []
    for L in (cr, torch):
        x = L.tensor(a, requires_grad=True)
        u, s, vh = L.linalg.svd(x)
        (u[:, :2] ** 2 * L.arange(2.0, dtype=L.float64)).sum().backward()
        res.append(x.grad.numpy())
    np.testing.assert_allclose(res[0], res[1], atol=1e-10)


def test_gradients_through_decompositions_without_torch():
    a = cr.tensor(A3, requires_grad=True)
    cr.linalg.det(a).backward()
    np.testing.assert_allclose(_np(a.grad), np.linalg.det(A3) * np.linalg.inv(A3).T)
    a.grad = None
    cr.linalg.inv(a).sum().backward()
    inv = np.linalg.inv(A3)
    np.testing.assert_allclose(_np(a.grad), -inv.T @ np.ones((3, 3)) @ inv.T)


def test_diagonal_in_the_linalg_namespace():
    if not hasattr(cr, "diagonal"):
        pytest.skip("chainrule.diagonal (ops/layout.py) is not there yet")
    x = cr.arange(8.0).reshape(2, 2, 2)
    np.testing.assert_array_equal(_np(cr.linalg.diagonal(x)), [[0.0, 3.0], [4.0, 7.0]])
    np.testing.assert_array_equal(_np(cr.linalg.diagonal(x, offset=1)), [[1.0], [5.0]])
