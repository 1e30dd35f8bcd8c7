"""Op-table rows (see ``op_cases``) for the layout ops (``chainrule.ops.layout``) and the
indexed writes (``chainrule.ops.index_write``)."""

from op_cases import case, index, mask, positive, real, spaced, unique_index, with_zeros

S, V, M, B = (), (4,), (3, 4), (2, 3, 4)

# fmt: off
# ------------------------------------------------------------------ layout
case("roll_flat", lambda L, a: L.roll(a, 2), M)
case("roll_dims", lambda L, a: a.roll((1, -1), (0, 1)), M)
case("roll_neg_dim", lambda L, a: L.roll(a, -5, -1), B)
case("rot90", lambda L, a: L.rot90(a), M)
case("rot90_k2_dims", lambda L, a: a.rot90(2, (1, 2)), B)
case("rot90_k3_neg", lambda L, a: L.rot90(a, 3, (-1, 0)), M)
case("rot90_k_neg1", lambda L, a: L.rot90(a, -1, [2, 0]), B)
case("rot90_k4", lambda L, a: L.rot90(a, 4) * a, M)
case("fliplr", lambda L, a: L.fliplr(a), B)
case("flipud", lambda L, a: a.flipud(), V)
case("diag_vec", lambda L, a: L.diag(a), V)
case("diag_vec_offset", lambda L, a: a.diag(-2), V)
case("diag_mat", lambda L, a: L.diag(a), M)
case("diag_mat_offset", lambda L, a: a.diag(2), M)
case("diagonal", lambda L, a: L.diagonal(a), M)
case("diagonal_3d_offset", lambda L, a: a.diagonal(1, 0, 2), B)
case("diagonal_neg_dims", lambda L, a: L.diagonal(a, -1, -1, 0), B)
case("diagonal_out_of_range_offset", lambda L, a: L.diagonal(a, 5) * 2, M)
case("diag_embed", lambda L, a: L.diag_embed(a), M)
case("diag_embed_offset_dims", lambda L, a: a.diag_embed(1, 0, 2), (2, 3))
case("diag_embed_neg", lambda L, a: L.diag_embed(a, -1, -1, -3), (2, 3))
case("diagflat", lambda L, a: L.diagflat(a), (2, 2))
case("diagflat_offset", lambda L, a: a.diagflat(-1), V)
case("trace", lambda L, a: L.trace(a), M)
case("trace_method", lambda L, a: a.trace() * a, (3, 3))
case("repeat_interleave_flat", lambda L, a: L.repeat_interleave(a, 2), M)
case("repeat_interleave_counts", lambda L, a: a.repeat_interleave(L.tensor([1, 0, 3]), dim=0),
     M)
case("repeat_interleave_sampled", lambda L, a, r: L.repeat_interleave(a, r, dim=-1), M, V,
     domain=(real, index(3)))
case("repeat_interleave_one_count", lambda L, a: L.repeat_interleave(a, L.tensor([2]), 1,
                                                                      output_size=8), M)
case("meshgrid_ij", lambda L, a, b: L.meshgrid(a, b, indexing="ij"), (3,), V)
case("meshgrid_xy_list", lambda L, a, b, c: L.meshgrid([a, b, c], indexing="xy"), (3,), (2,),
     S)
case("atleast_1d", lambda L, a: L.atleast_1d(a), S)
case("atleast_2d", lambda L, a, b: L.atleast_2d(a, b), V, B)
case("atleast_3d", lambda L, a, b, c: L.atleast_3d([a, b, c]), S, V, M)
case("column_stack", lambda L, a, b: L.column_stack([a, b]), V, (4, 2))
case("column_stack_scalars", lambda L, a, b: L.column_stack((a, b)), S, (1,))
case("dstack", lambda L, a, b, c: L.dstack([a, b, c]), M, M, (3, 4, 2))
case("dstack_vectors", lambda L, a, b: L.dstack([a, b]), V, V)
case("hsplit", lambda L, a: L.hsplit(a, 2), M)
case("hsplit_vector_indices", lambda L, a: a.hsplit([1, 3]), (5,))
case("vsplit", lambda L, a: L.vsplit(a, [1]), M)
case("dsplit", lambda L, a: a.dsplit(2), B)
case("ravel", lambda L, a: L.ravel(a) * L.ravel(a.t()), M)
case("cartesian_prod", lambda L, a, b: L.cartesian_prod(a, b), (3,), (2,))
case("cartesian_prod_three", lambda L, a, b, c: L.cartesian_prod(a, b, c), (2,), (3,), (2,))
case("combinations", lambda L, a: L.combinations(a), V)
case("combinations_r3_replacement", lambda L, a: L.combinations(a, 3, with_replacement=True),
     (3,))
case("combinations_r1", lambda L, a: L.combinations(a, r=1), V)
case("block_diag", lambda L, a, b, c: L.block_diag(a, b, c), (2, 3), (3,), S)
case("block_diag_one", lambda L, a: L.block_diag(a) * 2, M)
# torch 2.x's own vander backward fails (it modifies a saved tensor in place): no torch
# comparison here; test_layout compares with torch's values and with the gradient of x ** k
case("vander", lambda L, a: L.vander(a), V, torch=False)
case("vander_increasing", lambda L, a: L.vander(a, 3, increasing=True), V, torch=False)
case("vander_zeros", lambda L, a: L.vander(a, N=5), (6,), domain=with_zeros, torch=False)
case("narrow_copy", lambda L, a: L.narrow_copy(a, 1, -3, 2), M)
case("narrow_copy_method", lambda L, a: a.narrow_copy(0, 1, 2), M)

# ------------------------------------------------------------------ indexed writes
case("index_fill", lambda L, a: a.index_fill(1, L.tensor([0, 2, 0]), -1.0), M)
case("index_fill_tensor_value", lambda L, a, i, v: L.index_fill(a, 0, i, v), M, (2,), S,
     domain=(real, index(3), real))
case("index_fill_neg", lambda L, a: L.index_fill(a, -1, L.tensor([-1]), 2.0), B)
case("index_copy", lambda L, a, i, b: L.index_copy(a, 1, i, b), M, (2,), (3, 2),
     domain=(real, unique_index(4, 0), real))
case("index_copy_dim0", lambda L, a, b: a.index_copy(0, L.tensor([2, 0]), b), M, (2, 4))
case("index_put", lambda L, a, i, b: L.index_put(a, (i,), b), M, (2,), (2, 4),
     domain=(real, unique_index(3, 0), real))
case("index_put_accumulate", lambda L, a, i, j, b: a.index_put((i, j), b, accumulate=True),
     M, (6,), (6,), (6,), domain=(real, index(3), index(4), real))
case("index_put_mask_bcast", lambda L, a, m, b: L.index_put(a, (m,), b), M, (3,), S,
     domain=(real, mask, real))
case("index_put_bcast_accumulate", lambda L, a, i, b: a.index_put([i], b, True), M, (5,), V,
     domain=(real, index(3), real))
case("masked_scatter", lambda L, a, m, s: a.masked_scatter(m, s), M, M, (14,),
     domain=(real, mask, real))
case("masked_scatter_bcast", lambda L, a, m, s: L.masked_scatter(a, m, s), (3, 1), (1, 4),
     M, domain=(real, mask, real))
for _red in ("sum", "prod", "mean", "amax", "amin"):
    for _inc in (True, False):
        _dom = (spaced, index(4), spaced) if _red in ("amax", "amin") else (real, index(4), real)
        case(f"scatter_reduce_{_red}{'' if _inc else '_exclude_self'}",
             lambda L, a, i, b, r=_red, s=_inc: a.scatter_reduce(1, i, b, r, include_self=s),
             M, (3, 3), (3, 3), domain=_dom)
# torch 2.x's own scatter_reduce backward rejects a src larger than index: no torch comparison
case("scatter_reduce_dim0_larger_src", lambda L, a, i, b: L.scatter_reduce(a, 0, i, b, "mean"),
     M, (4, 2), (5, 3), domain=(real, index(3), real), torch=False)
case("scatter_reduce_prod_positive", lambda L, a, i, b: a.scatter_reduce(0, i, b, "prod"), M,
     (6, 4), (6, 4), domain=(positive, index(3), positive))
# zeros in both self and src (several zeros may meet: as torch, no second derivative then)
case("scatter_reduce_prod_zeros", lambda L, a, i, b: a.scatter_reduce(1, i, b, "prod"), M,
     (3, 5), (3, 5), domain=(with_zeros, index(4), with_zeros), gradgrad=False)
case("scatter_reduce_prod_single_zero",
     lambda L, a, b: L.scatter_reduce(a, 0, L.tensor([0, 1, 2, 0]), b, "prod",
                                      include_self=False), (3,), V,
     domain=(real, with_zeros))
for _red in ("prod", "mean", "amax", "amin"):
    for _inc in (True, False):
        _dom = (spaced, index(4), spaced) if _red in ("amax", "amin") else (real, index(4), real)
        case(f"index_reduce_{_red}{'' if _inc else '_exclude_self'}",
             lambda L, a, i, b, r=_red, s=_inc: a.index_reduce(1, i, b, r, include_self=s),
             M, (3,), (3, 3), domain=_dom)
case("select_scatter", lambda L, a, b: L.select_scatter(a, b, 0, 1), M, V)
case("select_scatter_neg", lambda L, a, b: a.select_scatter(b, -1, -1), M, (3,))
case("slice_scatter", lambda L, a, b: L.slice_scatter(a, b, 1, 0, None, 2), M, (3, 2))
case("slice_scatter_default", lambda L, a, b: a.slice_scatter(b), M, M)
case("slice_scatter_neg_start", lambda L, a, b: a.slice_scatter(b, dim=-1, start=-3, end=-1),
     B, (2, 3, 2))
case("diagonal_scatter", lambda L, a, b: L.diagonal_scatter(a, b), M, (3,))
case("diagonal_scatter_3d", lambda L, a, b: a.diagonal_scatter(b, 1, 0, 2), B, (3, 2))
case("diagonal_scatter_neg", lambda L, a, b: L.diagonal_scatter(a, b, -1, -1, -2), M, (3,))
case("take", lambda L, a, i: L.take(a, i), M, (2, 3), domain=(real, index(12)))
case("take_negative", lambda L, a: a.take(L.tensor([-1, 0, -1])), M)
# fmt: on

# fmt: off
# ------------------------------------------------------------------ Tensor.unfold
case("unfold_overlapping", lambda L, a: a.unfold(1, 3, 2), (3, 7))
case("unfold_gaps", lambda L, a: a.unfold(0, 2, 3), (8, 2))
case("unfold_whole", lambda L, a: a.unfold(-1, 4, 1), (2, 4))
# fmt: on
