"""Op-table rows (see ``op_cases``) for the decompositions ops and ``chainrule.linalg``.

Inputs come from samplers that keep each op well-conditioned (diagonally dominant matrices
for inverses and solves, symmetric positive-definite ones for cholesky, distinct singular
values / eigenvalues for svd and eigh). Decompositions whose factors are defined only up to
signs return sign-invariant functions of them (``U * U``, ``U diag(w) Vh``, factors with the
signs fixed by R's diagonal), which torch and chainrule must agree on.
"""

import numpy as np
from op_cases import case, positive, real, spaced

INF = float("inf")


def dominant(rng, shape):
    """Random square matrices plus n * I: diagonally dominant, so well-conditioned."""
    n = shape[-1]
    return rng.standard_normal(shape) + n * np.eye(n)


def spd(rng, shape):
    """Symmetric positive-definite: X X^T / n + I."""
    x = rng.standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) / shape[-1] + np.eye(shape[-1])


def _orthogonal(rng, shape):
    q, r = np.linalg.qr(rng.standard_normal(shape))
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def distinct_eig(rng, shape):
    """Symmetric with eigenvalues at least ~0.8 apart: Q diag(w) Q^T."""
    n = shape[-1]
    q = _orthogonal(rng, shape)
    w = (np.arange(n) - n / 2) + rng.uniform(-0.1, 0.1, shape[:-1])
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def distinct_sv(rng, shape):
    """m x n with singular values about 3, 2, 1.2, 0.6, ... (distinct, away from 0)."""
    m, n = shape[-2:]
    k = min(m, n)
    u = _orthogonal(rng, shape[:-2] + (m, k))
    v = _orthogonal(rng, shape[:-2] + (n, k))
    s = 3.0 * 0.6 ** np.arange(k) + rng.uniform(-0.05, 0.05, shape[:-2] + (k,))
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def lower_factor(rng, shape):
    """Lower-triangular with a diagonal in [1, 2] (a Cholesky factor)."""
    n = shape[-1]
    x = np.tril(rng.standard_normal(shape) * 0.5, -1)
    return x + np.eye(n) * rng.uniform(1.0, 2.0, shape[:-1])[..., None]


def small(rng, shape):
    """Entries in (-0.5, 0.5) (matrix_exp stays moderate)."""
    return rng.uniform(-0.5, 0.5, shape)


def _sym(a):
    return (a + a.mT) / 2


def _sign_fixed_qr(L, q, r):
    """Q and R with the signs of R's diagonal made positive (the factorization's gauge)."""
    k = r.shape[-2]
    d = (r[..., :, :k] * L.eye(k, dtype=r.dtype)).sum(-1).sign()
    return q * d.unsqueeze(-2), r * d.unsqueeze(-1)


def _svd_invariants(L, u, s, vh):
    w = L.arange(1, s.shape[-1] + 1, dtype=s.dtype)
    return s, u * u, vh * vh, (u * w) @ vh


def _eigh_invariants(L, w, v):
    return w, v * v, (v * (w * w).unsqueeze(-2)) @ v.mT


Q3, B3 = (3, 3), (2, 3, 3)

# fmt: off
# ------------------------------------------------------------------ inverses, determinants
case("inverse", lambda L, a: L.inverse(a), Q3, domain=dominant)
case("inverse_method_batch", lambda L, a: a.inverse(), B3, domain=dominant)
case("inv_linalg_batch", lambda L, a: L.linalg.inv(a), (2, 1, 4, 4), domain=dominant)
case("inv_ex_linalg", lambda L, a: L.linalg.inv_ex(a).inverse, Q3, domain=dominant)
case("det", lambda L, a: L.det(a), Q3, domain=dominant)
case("det_linalg_batch", lambda L, a: L.linalg.det(a), B3)
case("det_method_2x2", lambda L, a: a.det(), (2, 2))
case("logdet", lambda L, a: L.logdet(a), Q3, domain=spd)
case("logdet_method_batch", lambda L, a: a.logdet(), B3, domain=spd)
case("slogdet", lambda L, a: L.slogdet(a), Q3)
case("slogdet_linalg_batch", lambda L, a: L.linalg.slogdet(a), B3)
case("slogdet_method", lambda L, a: a.slogdet()[1], Q3)

# ------------------------------------------------------------------ solves
case("solve_linalg", lambda L, a, b: L.linalg.solve(a, b), Q3, (3, 2), domain=(dominant, real))
case("solve_linalg_vector", lambda L, a, b: L.linalg.solve(a, b), Q3, (3,),
     domain=(dominant, real))
case("solve_linalg_batch_vector", lambda L, a, b: L.linalg.solve(a, b), B3, (2, 3),
     domain=(dominant, real))
case("solve_linalg_bcast", lambda L, a, b: L.linalg.solve(a, b), (2, 1, 3, 3), (4, 3, 2),
     domain=(dominant, real))
case("solve_linalg_right", lambda L, a, b: L.linalg.solve(a, b, left=False), Q3, (2, 3),
     domain=(dominant, real))
case("solve_ex_linalg", lambda L, a, b: L.linalg.solve_ex(a, b).result, Q3, (3, 2),
     domain=(dominant, real))
case("solve_triangular_upper", lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True),
     Q3, (3, 2), domain=(dominant, real))
case("solve_triangular_lower_right",
     lambda L, a, b: L.linalg.solve_triangular(a, b, upper=False, left=False), Q3, (2, 3),
     domain=(dominant, real))
case("solve_triangular_unit_batch",
     lambda L, a, b: L.linalg.solve_triangular(a, b, upper=False, unitriangular=True), B3,
     (3, 1), domain=(dominant, real))
case("triangular_solve", lambda L, b, a: L.triangular_solve(b, a).solution, (3, 2), Q3,
     domain=(real, dominant))
case("triangular_solve_method_transpose_lower",
     lambda L, b, a: b.triangular_solve(a, upper=False, transpose=True), (3, 2), Q3,
     domain=(real, dominant))
# The factor is passed through tril() so that the function reads only its triangle (the
# factor's own gradient is PyTorch's, for all of it: tests/test_linalg.py).
case("cholesky_solve", lambda L, b, f: L.cholesky_solve(b, f.tril()), (3, 2), Q3,
     domain=(real, lower_factor))
case("cholesky_solve_upper_method", lambda L, b, f: b.cholesky_solve(f.tril().mT, upper=True),
     (2, 3, 2), B3, domain=(real, lower_factor))
case("cholesky_inverse", lambda L, f: L.cholesky_inverse(f.tril()), Q3, domain=lower_factor)
case("cholesky_inverse_upper_method", lambda L, f: f.tril().mT.cholesky_inverse(upper=True), Q3,
     domain=lower_factor)

# ------------------------------------------------------------------ cholesky
case("cholesky", lambda L, a: L.cholesky(_sym(a)), Q3, domain=spd)
case("cholesky_upper_method", lambda L, a: _sym(a).cholesky(upper=True), Q3, domain=spd)
case("cholesky_linalg_batch", lambda L, a: L.linalg.cholesky(_sym(a)), (2, 4, 4), domain=spd)
case("cholesky_linalg_upper", lambda L, a: L.linalg.cholesky(_sym(a), upper=True), Q3,
     domain=spd)
case("cholesky_ex_linalg", lambda L, a: L.linalg.cholesky_ex(_sym(a)).L, Q3, domain=spd)

# ------------------------------------------------------------------ qr
case("qr_linalg_tall", lambda L, a: _sign_fixed_qr(L, *L.linalg.qr(a)), (4, 3))
case("qr_linalg_square_batch", lambda L, a: _sign_fixed_qr(L, *L.linalg.qr(a)), B3)
case("qr_linalg_wide", lambda L, a: _sign_fixed_qr(L, *L.linalg.qr(a)), (3, 5))
case("qr_linalg_complete_wide", lambda L, a: _sign_fixed_qr(L, *L.linalg.qr(a, "complete")),
     (2, 3))
case("qr_method", lambda L, a: _sign_fixed_qr(L, *a.qr()), (4, 2))

# ------------------------------------------------------------------ svd
case("svd_linalg_tall", lambda L, a: _svd_invariants(L, *L.linalg.svd(a, full_matrices=False)),
     (4, 3), domain=distinct_sv)
case("svd_linalg_wide_batch",
     lambda L, a: _svd_invariants(L, *L.linalg.svd(a, full_matrices=False)), (2, 2, 4),
     domain=distinct_sv)
case("svd_linalg_square", lambda L, a: _svd_invariants(L, *L.linalg.svd(a)), Q3,
     domain=distinct_sv)
case("svd_linalg_full_matrices",
     lambda L, a: (lambda u, s, vh: _svd_invariants(L, u[:, :2], s, vh))(*L.linalg.svd(a)),
     (4, 2), domain=distinct_sv)
case("svd_old_api", lambda L, a: (lambda u, s, v: _svd_invariants(L, u, s, v.mT))(*L.svd(a)),
     (3, 4), domain=distinct_sv)
case("svd_old_api_method_not_some",
     lambda L, a: (lambda u, s, v: _svd_invariants(L, u[:, :2], s, v.mT))(*a.svd(some=False)),
     (3, 2), domain=distinct_sv)
case("svdvals_linalg", lambda L, a: L.linalg.svdvals(a), (2, 3, 4), domain=distinct_sv)

# ------------------------------------------------------------------ eigh
case("eigh_linalg", lambda L, a: _eigh_invariants(L, *L.linalg.eigh(_sym(a))), (4, 4),
     domain=distinct_eig)
case("eigh_linalg_upper_batch",
     lambda L, a: _eigh_invariants(L, *L.linalg.eigh(_sym(a), UPLO="U")), B3,
     domain=distinct_eig)
case("eigvalsh_linalg", lambda L, a: L.linalg.eigvalsh(_sym(a)), Q3, domain=distinct_eig)

# ------------------------------------------------------------------ pinv, matrix functions
case("pinv_linalg_tall", lambda L, a: L.linalg.pinv(a), (4, 3), domain=distinct_sv)
case("pinv_linalg_wide_batch", lambda L, a: L.linalg.pinv(a), (2, 2, 3), domain=distinct_sv)
case("pinv_linalg_hermitian", lambda L, a: L.linalg.pinv(_sym(a), hermitian=True), Q3,
     domain=spd)
case("pinverse", lambda L, a: L.pinverse(a), (3, 2), domain=distinct_sv)
case("pinverse_method", lambda L, a: a.pinverse(), Q3, domain=dominant)
case("matrix_exp", lambda L, a: L.matrix_exp(a), Q3, domain=small)
case("matrix_exp_linalg_batch", lambda L, a: L.linalg.matrix_exp(a), B3, domain=small)
case("matrix_exp_method_1x1", lambda L, a: a.matrix_exp(), (1, 1))
case("matrix_power_3", lambda L, a: L.matrix_power(a, 3), Q3)
case("matrix_power_linalg_neg", lambda L, a: L.linalg.matrix_power(a, -2), B3,
     domain=dominant)
case("matrix_power_method_1", lambda L, a: a.matrix_power(1), Q3)

# ------------------------------------------------------------------ linalg norms and friends
case("norm_linalg_vector_default", lambda L, a: L.linalg.norm(a), (2, 3, 2))
case("norm_linalg_matrix_ord", lambda L, a: L.linalg.norm(a, ord=1), (3, 4), domain=spaced)
case("norm_linalg_dim_vector_ord", lambda L, a: L.linalg.norm(a, 3, dim=1, keepdim=True),
     (3, 4), domain=spaced)
case("norm_linalg_dim_matrix_nuc", lambda L, a: L.linalg.norm(a, "nuc", dim=(0, 2)),
     (3, 2, 4), domain=distinct_sv)
case("vector_norm_linalg", lambda L, a: L.linalg.vector_norm(a, ord=INF, dim=(0, 1)),
     (2, 3, 2), domain=spaced)
case("vector_norm_linalg_p1", lambda L, a: L.linalg.vector_norm(a, 1, -1), (3, 4),
     domain=spaced)
case("matrix_norm_fro", lambda L, a: L.linalg.matrix_norm(a), (2, 3, 4))
case("matrix_norm_nuc", lambda L, a: L.linalg.matrix_norm(a, "nuc"), (2, 3, 4),
     domain=distinct_sv)
case("matrix_norm_2", lambda L, a: L.linalg.matrix_norm(a, 2), (3, 4), domain=distinct_sv)
case("matrix_norm_minus2_keepdim", lambda L, a: L.linalg.matrix_norm(a, -2, keepdim=True),
     (2, 3, 4), domain=distinct_sv)
case("matrix_norm_1", lambda L, a: L.linalg.matrix_norm(a, 1), (2, 3, 4), domain=spaced)
case("matrix_norm_minus1_dims", lambda L, a: L.linalg.matrix_norm(a, -1, dim=(2, 0)),
     (3, 2, 4), domain=spaced)
case("matrix_norm_inf_keepdim", lambda L, a: L.linalg.matrix_norm(a, INF, keepdim=True),
     (2, 3, 4), domain=spaced)
case("matrix_norm_minus_inf", lambda L, a: L.linalg.matrix_norm(a, -INF), (3, 4),
     domain=spaced)
case("cond_linalg", lambda L, a: L.linalg.cond(a), (3, 4), domain=distinct_sv)
# torch's backward of cond with a non-spectral norm fails (it modifies inv_ex's output in
# place), so this row is checked against finite differences only.
case("cond_linalg_fro_batch", lambda L, a: L.linalg.cond(a, "fro"), B3, domain=dominant,
     torch=False)
case("cond_linalg_minus2", lambda L, a: L.linalg.cond(a, -2), Q3, domain=distinct_sv)
case("multi_dot_linalg", lambda L, a, b, c, d: L.linalg.multi_dot([a, b, c, d]), (4,),
     (4, 2), (2, 5), (5,))
case("multi_dot_linalg_matrices", lambda L, a, b, c: L.linalg.multi_dot([a, b, c]), (2, 6),
     (6, 1), (1, 3))
case("vecdot_linalg", lambda L, a, b: L.linalg.vecdot(a, b), (2, 3), (3,))
case("vecdot_linalg_dim", lambda L, a, b: L.linalg.vecdot(a, b, dim=0), (3, 2), (3, 2))
case("matmul_linalg", lambda L, a, b: L.linalg.matmul(a, b), (2, 3), (3, 2))
case("lstsq_linalg", lambda L, a, b: L.linalg.lstsq(a, b).solution, (4, 3), (4, 2),
     domain=(distinct_sv, real))
case("lstsq_linalg_batch", lambda L, a, b: L.linalg.lstsq(a, b).solution, (2, 4, 2),
     (2, 4, 1), domain=(distinct_sv, positive))
# fmt: on
