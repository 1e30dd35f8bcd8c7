"""Op-table rows (see ``op_cases``) for the products ops."""

from op_cases import case, index, positive, real, spaced

M23, M34, M24 = (2, 3), (3, 4), (2, 4)
INF = float("inf")


def renorm_rows(rng, shape):
    """Rows whose 2-norms are well away from 1.5: two above (about 3), the rest below (about
    0.5), so renorm scales some slices and leaves the others."""
    x = rng.standard_normal(shape)
    x /= ((x * x).sum(axis=tuple(range(1, len(shape))), keepdims=True) ** 0.5)
    scale = rng.uniform(0.3, 0.7, (shape[0],) + (1,) * (len(shape) - 1))
    scale[:2] = rng.uniform(2.5, 3.5, (2,) + (1,) * (len(shape) - 1))
    return x * scale


# fmt: off
# ------------------------------------------------------------------ beta * input + alpha * P
case("addmm", lambda L, i, a, b: L.addmm(i, a, b), M24, M23, M34)
case("addmm_beta_alpha_bcast", lambda L, i, a, b: L.addmm(i, a, b, beta=0.5, alpha=-2.0),
     (4,), M23, M34)
case("addmm_beta0", lambda L, i, a, b: L.addmm(i, a, b, beta=0), M24, M23, M34)
case("addmm_method", lambda L, i, a, b: i.addmm(a, b, alpha=3), (1, 4), M23, M34)
case("addmv", lambda L, i, a, v: L.addmv(i, a, v, beta=2.0, alpha=0.5), (2,), M23, (3,))
case("addmv_bcast_scalar", lambda L, i, a, v: L.addmv(i, a, v), (), M23, (3,))
case("addr", lambda L, i, a, b: L.addr(i, a, b, beta=-1.0, alpha=2.0), M23, (2,), (3,))
case("addr_method_beta0", lambda L, i, a, b: i.addr(a, b, beta=0), M23, (2,), (3,))
case("baddbmm", lambda L, i, a, b: L.baddbmm(i, a, b, beta=0.5, alpha=1.5), (2, 2, 4),
     (2, 2, 3), (2, 3, 4))
case("baddbmm_bcast", lambda L, i, a, b: L.baddbmm(i, a, b), (4,), (2, 2, 3), (2, 3, 4))
case("addbmm", lambda L, i, a, b: L.addbmm(i, a, b, beta=2.0, alpha=-1.0), M24, (3, 2, 3),
     (3, 3, 4))

# ------------------------------------------------------------------ products
case("vdot", lambda L, a, b: L.vdot(a, b), (4,), (4,))
case("kron_mat", lambda L, a, b: L.kron(a, b), M23, (2, 2))
case("kron_vec_mat", lambda L, a, b: L.kron(a, b), (3,), (2, 2))
case("kron_3d", lambda L, a, b: a.kron(b), (2, 1, 2), (2, 2))
case("tensordot_int", lambda L, a, b: L.tensordot(a, b, dims=2), (2, 3, 4), (3, 4, 2))
case("tensordot_lists", lambda L, a, b: L.tensordot(a, b, dims=([0, 2], [2, 0])),
     (2, 3, 4), (4, 5, 2))
case("tensordot_zero", lambda L, a, b: L.tensordot(a, b, dims=0), (2,), (3,))
case("cross_dim", lambda L, a, b: L.cross(a, b, dim=1), (2, 3), (2, 3))
case("cross_method_dim0", lambda L, a, b: a.cross(b, dim=0), (3, 2), (3, 2))
case("cross_linalg_bcast", lambda L, a, b: L.linalg.cross(a, b), (2, 3), (1, 3))

# ------------------------------------------------------------------ distances
case("cdist_p2", lambda L, a, b: L.cdist(a, b), (3, 4), (5, 4))
case("cdist_p2_batch_bcast", lambda L, a, b: L.cdist(a, b), (2, 3, 2), (4, 2))
case("cdist_p2_mm_path", lambda L, a, b: L.cdist(a, b), (27, 2), (3, 2))
case("cdist_p2_mm_mode", lambda L, a, b: L.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
     (2, 3, 2), (2, 4, 2))
case("cdist_p1", lambda L, a, b: L.cdist(a, b, p=1), (3, 2), (4, 2), domain=spaced)
case("cdist_p0", lambda L, a, b: L.cdist(a, b, p=0), (3, 2), (4, 2), domain=spaced)
case("cdist_p_half", lambda L, a, b: L.cdist(a, b, p=0.5), (3, 2), (2, 2), domain=spaced)
case("cdist_p3", lambda L, a, b: L.cdist(a, b, p=3), (3, 2), (2, 2), domain=spaced)
case("cdist_pinf", lambda L, a, b: L.cdist(a, b, p=INF), (3, 3), (2, 3), domain=spaced)
case("dist", lambda L, a, b: L.dist(a, b), M23, (3,))
case("dist_p1_method", lambda L, a, b: a.dist(b, p=1), M23, M23, domain=spaced)
case("dist_pinf", lambda L, a, b: L.dist(a, b, p=INF), M23, M23, domain=spaced)
case("pdist", lambda L, a: L.pdist(a), (4, 3))
case("pdist_p1", lambda L, a: L.pdist(a, p=1), (4, 3), domain=spaced)
case("pdist_pinf", lambda L, a: L.pdist(a, p=INF), (3, 3), domain=spaced)

# ------------------------------------------------------------------ statistics
case("cov", lambda L, a: L.cov(a), (3, 5))
case("cov_vector_correction0", lambda L, a: L.cov(a, correction=0), (5,))
case("cov_fweights", lambda L, a, f: L.cov(a, fweights=f), (2, 5), (5,),
     domain=(real, index(3)))
case("cov_aweights", lambda L, a, w: L.cov(a, aweights=w), (2, 5), (5,),
     domain=(real, positive))
case("cov_both_weights_method", lambda L, a, f, w: a.cov(correction=2, fweights=f + 1,
                                                         aweights=w),
     (3, 4), (4,), (4,), domain=(real, index(3), positive))
case("corrcoef", lambda L, a: L.corrcoef(a), (3, 5))
case("corrcoef_method", lambda L, a: a.corrcoef(), (2, 4))
case("renorm", lambda L, a: L.renorm(a, 2, 0, 1.5), (4, 3), domain=renorm_rows)
case("renorm_p1_method", lambda L, a: a.renorm(1, 0, 1.5), (3, 2, 2), domain=renorm_rows)
# fmt: on
