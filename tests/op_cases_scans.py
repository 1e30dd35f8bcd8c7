"""Op-table rows (see ``op_cases``) for the scans ops (``ops.cumulative``) and the order
statistics (``ops.order_stats``)."""

from op_cases import case, real, spaced, with_zeros  # noqa: F401

M, B, V, S = (3, 4), (2, 3, 4), (4,), ()
NAN = float("nan")
# Where the NaN-ignoring rows put NaN (a (3, 4) input): no row or column is all NaN.
NAN_MASK = [[False, True, False, False], [True, False, False, True], [False, False, True, False]]


def zeros_inside(rng, shape):
    """Nonzero reals with exact zeros along the last dimension: one in the middle of the first
    slice, two in the second, none in the third (cumprod's gradient with zeros)."""
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    rows = x.reshape(-1, shape[-1])
    rows[0, shape[-1] // 2] = 0.0
    if len(rows) > 1:
        rows[1, 1] = rows[1, -2] = 0.0
    return x


def _with_nan(L, a):
    return a.masked_fill(L.tensor(NAN_MASK), NAN)


# fmt: off
# ------------------------------------------------------------------ scans
case("cumprod", lambda L, a: L.cumprod(a, 1), M)
case("cumprod_dim0_3d", lambda L, a: a.cumprod(0), B)
case("cumprod_neg_dim", lambda L, a: L.cumprod(a, -2), B)
case("cumprod_scalar", lambda L, a: L.cumprod(a, 0), S)
case("cumprod_dtype", lambda L, a: L.cumprod(a, 0, dtype=L.float64), V)
case("cumprod_zero_first_and_last", lambda L, a: L.cumprod(a, 1), M, domain=with_zeros)
case("cumprod_zeros_inside", lambda L, a: L.cumprod(a, -1), (3, 6), domain=zeros_inside)
case("cumprod_zeros_dim0", lambda L, a: L.cumprod(a.t(), 0), (3, 5), domain=zeros_inside)
case("cummax", lambda L, a: L.cummax(a, 1), M, domain=spaced)
case("cummax_dim0", lambda L, a: a.cummax(0), B, domain=spaced)
case("cummax_ties", lambda L, a: L.cummax(L.cat([a, a.flip(1)], 1), 1), M, domain=spaced)
case("cummin", lambda L, a: L.cummin(a, -1), M, domain=spaced)
case("cummin_ties", lambda L, a: a.repeat(1, 2).cummin(1), M, domain=spaced)
case("logcumsumexp", lambda L, a: L.logcumsumexp(a, 1), M)
case("logcumsumexp_dim0", lambda L, a: a.logcumsumexp(0), B)
case("logcumsumexp_wide_range", lambda L, a: L.logcumsumexp(a * 300, 0), (6,))
# The first derivative as the row's output, so the table checks second and third derivatives
# (logcumsumexp's are exact at every order; cumprod's at zeros to second order only).
case("logcumsumexp_first_derivative", lambda L, a, g: L.autograd.grad(
    L.logcumsumexp(a, 1), a, g, create_graph=True)[0], M, M)
case("cumprod_zeros_first_derivative", lambda L, a, g: L.autograd.grad(
    L.cumprod(a, 1), a, g, create_graph=True)[0], (3, 6), (3, 6), domain=(zeros_inside, real),
     gradgrad=False)
case("diff", lambda L, a: L.diff(a), M)
case("diff_method_dim0", lambda L, a: a.diff(dim=0), M)
case("diff_n2_prepend_append", lambda L, a, b, c: L.diff(a, 2, 0, prepend=b, append=c),
     (4, 3), (1, 3), (2, 3))
case("diff_n_large", lambda L, a: L.diff(a, n=3), (2, 5))

# ------------------------------------------------------------------ order statistics
case("median_all", lambda L, a: L.median(a), M, domain=spaced)
case("median_all_even", lambda L, a: a.median(), V, domain=spaced)
case("median_all_ties", lambda L, a: L.median(L.cat([a, a])), V, domain=spaced)
case("median_dim", lambda L, a: L.median(a, 1), M, domain=spaced)
case("median_dim_keepdim", lambda L, a: a.median(0, keepdim=True), B, domain=spaced)
case("median_dim_ties", lambda L, a: L.median(a.repeat(1, 2), 1), M, domain=spaced)
case("nanmedian_all", lambda L, a: L.nanmedian(_with_nan(L, a)), M, domain=spaced)
case("nanmedian_dim", lambda L, a: L.nanmedian(_with_nan(L, a), 1), M, domain=spaced)
case("nanmedian_dim0_keepdim", lambda L, a: _with_nan(L, a).nanmedian(0, True), M,
     domain=spaced)
case("quantile_linear", lambda L, a: L.quantile(a, 0.3, dim=1), M, domain=spaced)
case("quantile_all", lambda L, a: L.quantile(a, 0.75), M, domain=spaced)
case("quantile_q_tensor_keepdim",
     lambda L, a: L.quantile(a, L.tensor([0.1, 0.5, 0.9], dtype=a.dtype), dim=0, keepdim=True),
     M, domain=spaced)
case("quantile_all_keepdim", lambda L, a: a.quantile(L.tensor([0.2, 1.0], dtype=a.dtype),
                                                     keepdim=True), M, domain=spaced)
case("quantile_lower", lambda L, a: L.quantile(a, 0.3, 1, interpolation="lower"), M,
     domain=spaced)
case("quantile_higher", lambda L, a: L.quantile(a, 0.3, -1, interpolation="higher"), M,
     domain=spaced)
case("quantile_nearest", lambda L, a: L.quantile(a, L.tensor([0.2, 0.5, 0.95], dtype=a.dtype),
                                                 1, interpolation="nearest"), M, domain=spaced)
case("quantile_midpoint", lambda L, a: L.quantile(a, 0.4, 0, interpolation="midpoint"), B,
     domain=spaced)
case("quantile_ties", lambda L, a: L.quantile(a.repeat(1, 2), 0.35, 1), M, domain=spaced)
case("nanquantile", lambda L, a: L.nanquantile(_with_nan(L, a), 0.4, dim=1), M, domain=spaced)
case("nanquantile_all", lambda L, a: _with_nan(L, a).nanquantile(
    L.tensor([0.0, 0.3, 1.0], dtype=a.dtype), interpolation="midpoint"), M, domain=spaced)
case("kthvalue", lambda L, a: L.kthvalue(a, 2, 1), M, domain=spaced)
case("kthvalue_keepdim_dim0", lambda L, a: a.kthvalue(2, 0, True), B, domain=spaced)
case("kthvalue_last", lambda L, a: L.kthvalue(a, 4), M, domain=spaced)
case("mode", lambda L, a: L.mode(a, 1), M, domain=spaced)
# a repeated value is the mode: its gradient goes to the last copy (and back to a)
case("mode_repeated", lambda L, a: L.mode(L.cat([a, a[:, 1:2]], 1)), M, domain=spaced)
case("mode_dim0_keepdim", lambda L, a: L.cat([a, a[:1]], 0).mode(0, keepdim=True), M,
     domain=spaced)
case("msort", lambda L, a: L.msort(a), M, domain=spaced)
case("msort_method_3d", lambda L, a: a.msort(), B, domain=spaced)
case("nanmean", lambda L, a: L.nanmean(_with_nan(L, a)), M)
case("nanmean_dim_keepdim", lambda L, a: _with_nan(L, a).nanmean(1, keepdim=True), M)
case("nanmean_dims", lambda L, a: L.nanmean(a, (0, 2)), B)
case("aminmax", lambda L, a: L.aminmax(a), M, domain=spaced)
case("aminmax_dim_keepdim", lambda L, a: a.aminmax(dim=0, keepdim=True), M, domain=spaced)
case("aminmax_ties", lambda L, a: L.aminmax(a.repeat(2, 1), dim=-1), M, domain=spaced)
# fmt: on

# fmt: off
# ------------------------------------------------------------------ trapezoid rule
case("trapezoid_dx", lambda L, y: L.trapezoid(y, dx=0.5), (3, 5))
case("trapezoid_dim0", lambda L, y: L.trapezoid(y, dim=0), (3, 5))
case("trapezoid_x_1d", lambda L, y, x: L.trapezoid(y, x), (3, 5), (5,))
case("trapezoid_x_full", lambda L, y, x: L.trapz(y, x, dim=0), (4, 2), (4, 2))
case("cumulative_trapezoid_x", lambda L, y, x: L.cumulative_trapezoid(y, x), (2, 4), (4,))
case("cumulative_trapezoid_dx", lambda L, y: L.cumulative_trapezoid(y, dx=2.0, dim=0), (3, 2))
# fmt: on
