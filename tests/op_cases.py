"""The table of op cases: every differentiable op of ``chainrule.ops`` in one list.

A row is a name, a lambda ``fn(L, *tensors)`` that runs the op with a library module ``L``
(``chainrule``, or ``torch`` for the comparison), the shapes of the tensor inputs and the
samplers that draw the inputs (the op's domain). ``tests/test_ops_table.py`` checks every row
against central finite differences (``gradcheck`` and, unless ``gradgrad=False``,
``gradgradcheck``) in float64 and, when torch is installed, against torch: forward values,
dtypes and the gradients for a random upstream gradient.

Float inputs require grad; integer and boolean inputs (indices, masks) do not. Python numbers
(scalar exponents, bounds, ``dim``) are written into the lambda.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# ------------------------------------------------------------------ samplers
# A sampler is ``sampler(rng, shape) -> np.ndarray``.


def real(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    """For log, sqrt, rsqrt, powers with a real exponent, divisors."""
    return rng.uniform(0.5, 2.0, shape)


def unit(rng, shape):
    """(-1, 1): tan stays away from its poles."""
    return rng.uniform(-1.0, 1.0, shape)


def above_minus_one(rng, shape):
    """For log1p."""
    return rng.uniform(-0.5, 2.0, shape)


def spaced(rng, shape):
    """Distinct values at least ~0.19 apart and ~0.09 away from every multiple of 0.25.

    Keeps finite differences away from the kinks of abs/relu/sign/clamp (bounds at multiples
    of 0.25), the jumps of floor/ceil/round/trunc, and the ties of max/min/maximum/sort.
    Inputs of a case that all use ``spaced`` are drawn jointly, so values are distinct across
    them too (``maximum(a, b)`` has no ties).
    """
    n = int(np.prod(shape, dtype=np.int64))
    k = rng.permutation(n) - n // 2
    return ((k + 0.5) * 0.25 + rng.uniform(-0.03, 0.03, n)).reshape(shape)


def dividend(rng, shape):
    """k + (0.2 .. 0.8): with ``divisor`` below, x / y stays away from integers (the jumps of
    remainder and fmod)."""
    return rng.integers(-3, 3, shape) + rng.uniform(0.2, 0.8, shape)


def divisor(rng, shape):
    return rng.choice([-2.0, -1.0, 1.0, 2.0], shape) + rng.uniform(-0.05, 0.05, shape)


def with_zeros(rng, shape):
    """Real values with exact zeros (for ``prod``): the first element, and the last two when
    there are more than four."""
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    flat = x.reshape(-1)
    flat[0] = 0.0
    if flat.size > 4:
        flat[-1] = flat[-2] = 0.0
    return x


def mask(rng, shape):
    """A boolean mask with at least one True and (when it can) one False."""
    m = rng.random(shape) < 0.5
    flat = m.reshape(-1)
    if flat.size:
        flat[0] = True
    if flat.size > 1:
        flat[-1] = False
    return m


def index(high):
    """Integer indices in ``[0, high)``; repeats allowed (gradients must add up)."""

    def draw(rng, shape):
        return rng.integers(0, high, shape)

    draw.__name__ = f"index({high})"
    return draw


def unique_index(high, dim):
    """Indices in ``[0, high)`` without repeats along ``dim`` (``scatter``: a repeated target
    would make the written value depend on the order of writes)."""

    def draw(rng, shape):
        full = list(shape)
        full[dim] = high
        perm = np.argsort(rng.random(full), axis=dim)
        return np.take(perm, np.arange(shape[dim]), axis=dim)

    draw.__name__ = f"unique_index({high}, dim={dim})"
    return draw


# ------------------------------------------------------------------ cases


@dataclass(frozen=True)
class OpCase:
    name: str
    fn: Callable
    shapes: tuple
    samplers: tuple
    gradgrad: bool = True
    # keyword arguments for gradcheck/gradgradcheck (eps, atol, rtol)
    tol: dict = field(default_factory=dict)
    # check -> reason, for checks that fail because of a known core bug; check is one of
    # "gradcheck", "gradgradcheck", "torch"
    xfail: dict = field(default_factory=dict)
    # compare with torch (off only where torch itself cannot run the row)
    torch: bool = True

    def draw(self):
        """The case's input arrays (the same on every call: the seed is the case's name)."""
        rng = np.random.default_rng(zlib.crc32(self.name.encode()))
        picks = [self.samplers[min(i, len(self.samplers) - 1)] for i in range(len(self.shapes))]
        arrays = [None] * len(self.shapes)
        joint = [i for i, s in enumerate(picks) if s is spaced]
        if joint:
            sizes = [int(np.prod(self.shapes[i], dtype=np.int64)) for i in joint]
            vals = spaced(rng, (sum(sizes),))
            start = 0
            for i, n in zip(joint, sizes):
                arrays[i] = vals[start:start + n].reshape(self.shapes[i])
                start += n
        for i, s in enumerate(picks):
            if arrays[i] is None:
                arrays[i] = np.asarray(s(rng, self.shapes[i]))
        return arrays


CASES: list[OpCase] = []


def case(name, fn, *shapes, domain=real, **kw):
    """Add a row; ``domain`` is one sampler for every input or a tuple, one per input."""
    samplers = domain if isinstance(domain, tuple) else (domain,)
    CASES.append(OpCase(name, fn, tuple(tuple(s) for s in shapes), samplers, **kw))


# Shapes used again and again: scalar, vector, matrix, batch
S, V, M, B = (), (4,), (3, 4), (2, 3, 4)
R, C = (3, 1), (1, 4)  # a column and a row: broadcast together to (3, 4)
# Known core bugs, as xfail reasons (strict: a fix makes the test fail until the mark goes).
PROD_2ND = ("when x has a zero, prod's rule under create_graph multiplies by the product of "
            "the other elements as a constant (R.like(_product_of_others(...)) in "
            "reduction._prod_rule), so the second derivatives through prod are missing")

# fmt: off
# ------------------------------------------------------------------ binary arithmetic
case("add", lambda L, a, b: L.add(a, b), M, M)
case("add_bcast_row_col", lambda L, a, b: a + b, R, C)
case("add_scalar_tensor", lambda L, a, b: a + b, S, V)
case("add_3d_vec", lambda L, a, b: a + b, B, V)
case("add_alpha", lambda L, a, b: L.add(a, b, alpha=2.5), (2, 3), (3,))
case("add_number", lambda L, a: a + 1.5, M)
case("radd_number", lambda L, a: 2.5 + a, V)
case("sub", lambda L, a, b: a - b, R, C)
case("sub_alpha", lambda L, a, b: L.sub(a, b, alpha=0.5), M, V)
case("rsub_number", lambda L, a: 1.5 - a, M)
case("sub_number", lambda L, a: L.sub(a, 2), V)
case("number_ops_scalar_tensor", lambda L, a: (3 - a) * 0.5 / 2 + 1 - 2.0 / a, S,
     domain=positive)
case("mul", lambda L, a, b: L.mul(a, b), M, M)
case("mul_bcast", lambda L, a, b: a * b, (2, 1, 4), R)
case("mul_scalar_tensor", lambda L, a, b: a * b, (2, 3), S)
case("mul_number", lambda L, a: a * 3, M)
case("mul_self", lambda L, a: a * a, M)
case("div", lambda L, a, b: L.div(a, b), M, M, domain=(real, positive))
case("div_bcast", lambda L, a, b: a / b, R, C, domain=(real, positive))
case("div_number", lambda L, a: a / 4.0, M)
case("rdiv_number", lambda L, a: 2.0 / a, M, domain=positive)
case("pow_tensor", lambda L, a, b: a ** b, M, M, domain=(positive, real))
case("pow_tensor_bcast", lambda L, a, b: L.pow(a, b), R, V, domain=(positive, real))
case("pow_int_exponent", lambda L, a: a ** 3, M)
case("pow_square", lambda L, a: L.pow(a, 2), M)
case("pow_one", lambda L, a: a ** 1, V)
case("pow_zero", lambda L, a: a ** 0, V)
case("pow_frac_exponent", lambda L, a: a ** 2.5, M, domain=positive)
case("pow_neg_exponent", lambda L, a: L.pow(a, -1.5), M, domain=positive)
case("pow_half", lambda L, a: a ** 0.5, V, domain=positive)
case("pow_scalar_base", lambda L, a: 2.0 ** a, M)
case("pow_scalar_base_fn", lambda L, a: L.pow(0.5, a), V)
case("pow_int_base", lambda L, a: 3 ** a, S)
case("neg", lambda L, a: -a, M)
case("neg_fn", lambda L, a: L.neg(a), S)
case("maximum", lambda L, a, b: L.maximum(a, b), M, M, domain=spaced)
case("maximum_bcast", lambda L, a, b: L.maximum(a, b), R, C, domain=spaced)
case("minimum", lambda L, a, b: L.minimum(a, b), M, M, domain=spaced)
case("minimum_bcast", lambda L, a, b: a.minimum(b), V, M, domain=spaced)
case("max_binary", lambda L, a, b: L.max(a, b), R, C, domain=spaced)
case("min_binary", lambda L, a, b: L.min(a, b), M, M, domain=spaced)
case("remainder", lambda L, a, b: L.remainder(a, b), M, M, domain=(dividend, divisor))
case("remainder_bcast", lambda L, a, b: a % b, R, C, domain=(dividend, divisor))
case("remainder_number", lambda L, a: L.remainder(a, 2.0), M, domain=dividend)
case("fmod", lambda L, a, b: L.fmod(a, b), M, M, domain=(dividend, divisor))
case("fmod_number", lambda L, a: a.fmod(2.0), V, domain=dividend)
case("lerp", lambda L, a, b, w: L.lerp(a, b, w), M, M, M)
case("lerp_number", lambda L, a, b: L.lerp(a, b, 0.3), M, V)
case("lerp_bcast", lambda L, a, b, w: a.lerp(b, w), R, C, V)
case("addcmul", lambda L, a, b, c: L.addcmul(a, b, c, value=0.5), M, R, V)
case("addcmul_default", lambda L, a, b, c: a.addcmul(b, c), V, V, V)
case("addcdiv", lambda L, a, b, c: L.addcdiv(a, b, c, value=2), M, R, V,
     domain=(real, real, positive))
case("div_floor", lambda L, a, b: L.div(a, b, rounding_mode="floor"), M, M,
     domain=(dividend, divisor))
case("div_trunc", lambda L, a, b: a.div(b, rounding_mode="trunc"), M, M,
     domain=(dividend, divisor))
case("aliases_arithmetic", lambda L, a, b: L.subtract(L.multiply(a, b), L.divide(a, 2.0)), M, V)
case("aliases_unary", lambda L, a: L.negative(L.absolute(a)), M, domain=spaced)
case("true_divide", lambda L, a, b: L.true_divide(a, b), M, M, domain=(real, positive))
case("where", lambda L, m, a, b: L.where(m, a, b), M, M, M, domain=(mask, real))
case("where_bcast", lambda L, m, a, b: L.where(m, a, b), C, R, S, domain=(mask, real))
case("where_number", lambda L, a: L.where(a > 0, a, 0.0), M, domain=spaced)
case("where_cond_from_input", lambda L, a, b: L.where(a > b, a * b, a - b), M, M,
     domain=spaced)

# ------------------------------------------------------------------ unary
case("exp", lambda L, a: L.exp(a), M)
case("exp_scalar", lambda L, a: a.exp(), S)
case("log", lambda L, a: L.log(a), M, domain=positive)
case("log2", lambda L, a: L.log2(a), V, domain=positive)
case("log10", lambda L, a: a.log10(), V, domain=positive)
case("log1p", lambda L, a: L.log1p(a), M, domain=above_minus_one)
case("expm1", lambda L, a: L.expm1(a), M)
case("sqrt", lambda L, a: L.sqrt(a), M, domain=positive)
case("rsqrt", lambda L, a: L.rsqrt(a), M, domain=positive)
case("reciprocal", lambda L, a: L.reciprocal(a), M, domain=spaced)
case("square", lambda L, a: L.square(a), M)
case("abs", lambda L, a: L.abs(a), M, domain=spaced)
case("abs_builtin", lambda L, a: abs(a), V, domain=spaced)
case("sign", lambda L, a: L.sign(a), M, domain=spaced)
case("sin", lambda L, a: L.sin(a), M)
case("cos", lambda L, a: L.cos(a), M)
case("tan", lambda L, a: L.tan(a), M, domain=unit)
case("tanh", lambda L, a: L.tanh(a), M)
case("sigmoid", lambda L, a: L.sigmoid(a), M)
case("sigmoid_large", lambda L, a: (a * 20).sigmoid(), V)
case("relu", lambda L, a: L.relu(a), M, domain=spaced)
case("erf", lambda L, a: L.erf(a), M)
case("erf_tails", lambda L, a: (a * 3).erf(), V)
case("floor", lambda L, a: L.floor(a), M, domain=spaced)
case("ceil", lambda L, a: L.ceil(a), M, domain=spaced)
case("round", lambda L, a: L.round(a), M, domain=spaced)
case("trunc", lambda L, a: L.trunc(a), M, domain=spaced)
case("clamp", lambda L, a: L.clamp(a, -0.5, 0.5), M, domain=spaced)
case("clamp_min_only", lambda L, a: a.clamp(min=0.25), M, domain=spaced)
case("clamp_max_only", lambda L, a: L.clamp(a, max=-0.25), M, domain=spaced)
case("clip", lambda L, a: L.clip(a, -0.5, 0.75), M, domain=spaced)
case("clamp_min_fn", lambda L, a: L.clamp_min(a, 0.25), V, domain=spaced)
case("clamp_max_fn", lambda L, a: a.clamp_max(0.25), V, domain=spaced)
case("clamp_tensor_bounds", lambda L, a, lo, hi: L.clamp(a, lo, hi), M, M, M, domain=spaced)
case("clamp_tensor_min_bcast", lambda L, a, lo: a.clamp(min=lo), M, V, domain=spaced)
case("clamp_tensor_max_bcast", lambda L, a, hi: L.clamp(a, max=hi), M, R, domain=spaced)
case("softmax", lambda L, a: a.softmax(-1), M)
case("log_softmax", lambda L, a: a.log_softmax(0), M)

# ------------------------------------------------------------------ reductions
case("sum_all", lambda L, a: a.sum(), M)
case("sum_scalar", lambda L, a: L.sum(a), S)
case("sum_dim", lambda L, a: a.sum(1), M)
case("sum_neg_dim", lambda L, a: L.sum(a, -1), B)
case("sum_dims_keepdim", lambda L, a: a.sum(dim=(0, 2), keepdim=True), B)
case("mean_all", lambda L, a: a.mean(), M)
case("mean_dim_keepdim", lambda L, a: a.mean(0, keepdim=True), M)
case("mean_dims", lambda L, a: L.mean(a, (1, 2)), B)
case("var_all", lambda L, a: a.var(), M)
case("var_dim", lambda L, a: a.var(1), M)
case("var_dims_correction0", lambda L, a: L.var(a, dim=(0, 2), correction=0, keepdim=True), B)
case("var_unbiased_false", lambda L, a: a.var(0, unbiased=False), M)
case("var_correction2", lambda L, a: L.var(a, 1, correction=2), (3, 5))
case("std_all", lambda L, a: a.std(), M)
case("std_dim_keepdim", lambda L, a: a.std(dim=1, keepdim=True), M)
case("std_unbiased_false", lambda L, a: L.std(a, 0, unbiased=False), M)
case("std_dims_correction0", lambda L, a: L.std(a, (0, 1), correction=0), B)
case("prod_all", lambda L, a: a.prod(), M)
case("prod_dim", lambda L, a: a.prod(1), M)
case("prod_keepdim", lambda L, a: L.prod(a, 0, keepdim=True), B)
case("prod_zeros_all", lambda L, a: a.prod(), (2, 2), domain=with_zeros,
     xfail={"gradgradcheck": PROD_2ND})
case("prod_zeros_dim", lambda L, a: a.prod(-1), (3, 3), domain=with_zeros,
     xfail={"gradgradcheck": PROD_2ND})
case("amax_all", lambda L, a: a.amax(), M, domain=spaced)
case("amax_dim", lambda L, a: L.amax(a, 1), M, domain=spaced)
case("amax_dims", lambda L, a: L.amax(a, (0, 2)), B, domain=spaced)
case("amin_keepdim", lambda L, a: a.amin(-1, keepdim=True), M, domain=spaced)
case("amin_all", lambda L, a: L.amin(a), B, domain=spaced)
case("max_all", lambda L, a: a.max(), M, domain=spaced)
case("min_all", lambda L, a: L.min(a), M, domain=spaced)
case("max_dim", lambda L, a: L.max(a, 1), M, domain=spaced)  # (values, indices)
case("max_dim_keepdim", lambda L, a: a.max(dim=0, keepdim=True).values, M, domain=spaced)
case("min_dim", lambda L, a: L.min(a, -1).values, B, domain=spaced)
case("min_dim_indices", lambda L, a: a.min(0), M, domain=spaced)
case("nansum", lambda L, a: L.nansum(a, 1), M)
case("var_mean", lambda L, a: L.var_mean(a, 1), M)
case("std_mean", lambda L, a: L.std_mean(a, dim=0, keepdim=True), M)
case("logsumexp", lambda L, a: L.logsumexp(a, 1), M)
case("logsumexp_dims_keepdim", lambda L, a: a.logsumexp((0, 2), keepdim=True), B)
case("logsumexp_large", lambda L, a: L.logsumexp(a * 50, 0), M)
case("norm_default", lambda L, a: a.norm(), M)
case("norm_p1", lambda L, a: L.norm(a, p=1), M, domain=spaced)
case("norm_p2_dim", lambda L, a: L.norm(a, p=2, dim=1), M)
case("norm_inf_dim", lambda L, a: L.norm(a, p=float("inf"), dim=0), M, domain=spaced)
case("norm_p3_dim_keepdim", lambda L, a: L.norm(a, p=3, dim=1, keepdim=True), M, domain=spaced)
case("norm_p1_dims", lambda L, a: a.norm(p=1, dim=(0, 2)), B, domain=spaced)
case("norm_minus_inf_dim", lambda L, a: L.norm(a, p=float("-inf"), dim=1), M, domain=spaced)
case("norm_p_half_dim", lambda L, a: L.norm(a, p=0.5, dim=0), M, domain=spaced)
case("norm_p_minus1", lambda L, a: L.norm(a, p=-1), M, domain=spaced)
case("cumsum", lambda L, a: a.cumsum(0), M)
case("cumsum_last", lambda L, a: L.cumsum(a, dim=-1), B)
case("cumsum_vec", lambda L, a: L.cumsum(a, 0), V)
case("sort", lambda L, a: L.sort(a, 1), M, domain=spaced)
case("sort_desc", lambda L, a: a.sort(dim=0, descending=True).values, M, domain=spaced)
case("topk", lambda L, a: L.topk(a, 2, dim=1), M, domain=spaced)
case("topk_smallest", lambda L, a: a.topk(2, largest=False).values, B, domain=spaced)

# ------------------------------------------------------------------ shape and movement
case("reshape", lambda L, a: a.reshape(4, 3), M)
case("reshape_infer", lambda L, a: L.reshape(a, (2, -1, 2)), M)
case("reshape_flat", lambda L, a: a.reshape(-1), B)
case("reshape_scalar", lambda L, a: a.reshape(1, 1), S)
case("view", lambda L, a: a.view(12), M)
case("view_3d", lambda L, a: a.view(3, 2, 2), M)
case("view_as", lambda L, a, b: a.view_as(b), M, (6, 2))
case("reshape_as", lambda L, a, b: a.reshape_as(b), M, (2, 6))
case("permute", lambda L, a: a.permute(2, 0, 1), B)
case("permute_fn", lambda L, a: L.permute(a, (1, 0)), M)
case("transpose", lambda L, a: a.transpose(0, 2), B)
case("transpose_fn", lambda L, a: L.transpose(a, -1, 0), M)
case("t", lambda L, a: a.t(), M)
case("t_vector", lambda L, a: L.t(a), V)
case("T", lambda L, a: a.T, M)
case("mT", lambda L, a: a.mT, B)
case("swapaxes", lambda L, a: L.swapaxes(a, 0, 1), B)
case("moveaxis", lambda L, a: L.moveaxis(a, -1, 0), B)
case("flatten", lambda L, a: a.flatten(), B)
case("flatten_from", lambda L, a: a.flatten(1), B)
case("flatten_range", lambda L, a: L.flatten(a, 0, 1), B)
case("unflatten", lambda L, a: a.unflatten(1, (2, 2)), M)
case("squeeze", lambda L, a: a.squeeze(), (3, 1, 4, 1))
case("squeeze_dim", lambda L, a: a.squeeze(1), (3, 1, 4, 1))
case("squeeze_dims", lambda L, a: L.squeeze(a, (1, 3)), (3, 1, 4, 1))
case("unsqueeze", lambda L, a: a.unsqueeze(0), M)
case("unsqueeze_last", lambda L, a: L.unsqueeze(a, -1), M)
case("unsqueeze_scalar", lambda L, a: a.unsqueeze(0), S)
case("expand", lambda L, a: a.expand(3, 4), R)
case("expand_new_dim", lambda L, a: a.expand(2, -1, 4), R)
case("expand_scalar", lambda L, a: a.expand(2, 3), S)
case("expand_as", lambda L, a, b: a.expand_as(b) * b, C, M)
case("broadcast_to", lambda L, a: L.broadcast_to(a, (2, 3, 4)), V)
case("broadcast_tensors", lambda L, a, b: L.broadcast_tensors(a, b), R, C)
case("repeat", lambda L, a: a.repeat(2, 3), M)
case("repeat_new_dims", lambda L, a: a.repeat(2, 1, 2), M)
case("tile", lambda L, a: L.tile(a, (2,)), (2, 3))
case("tile_new_dims", lambda L, a: a.tile((2, 1, 2)), (2, 3))
case("flip", lambda L, a: a.flip(0), M)
case("flip_dims", lambda L, a: L.flip(a, (0, 1)), M)
case("flip_last", lambda L, a: a.flip(-1), B)
case("cat", lambda L, a, b: L.cat([a, b], dim=1), (2, 3), (2, 1))
case("cat_three", lambda L, a, b, c: L.cat([a, b, c]), (1, 3), (2, 3), (3, 3))
case("cat_same_tensor", lambda L, a: L.cat((a, a * 2), -1), M)
case("concat", lambda L, a, b: L.concat((a, b), dim=-1), M, R)
case("stack", lambda L, a, b: L.stack([a, b]), M, M)
case("stack_last", lambda L, a, b, c: L.stack([a, b, c], dim=-1), V, V, V)
case("stack_same_tensor", lambda L, a: L.stack([a, a], 1), M)
case("hstack", lambda L, a, b: L.hstack([a, b]), M, (3, 2))
case("vstack", lambda L, a, b: L.vstack([a, b]), V, M)
case("split", lambda L, a: L.split(a, 2, dim=1), (3, 5))
case("split_sizes", lambda L, a: a.split([1, 3], dim=1), M)
case("tensor_split", lambda L, a: L.tensor_split(a, 3, dim=1), (2, 5))
case("chunk", lambda L, a: a.chunk(3, 0), (5, 2))
case("chunk_dim", lambda L, a: L.chunk(a, 2, dim=1), M)
case("unbind", lambda L, a: a.unbind(1), M)
case("unbind_fn", lambda L, a: L.unbind(a), B)
case("narrow", lambda L, a: L.narrow(a, 1, 1, 2), M)
case("narrow_method", lambda L, a: a.narrow(0, 0, 1), B)
case("movedim", lambda L, a: L.movedim(a, 0, -1), B)
case("movedim_many", lambda L, a: a.movedim((0, 1), (2, 0)), B)
case("select", lambda L, a: L.select(a, 1, -1), M)
case("select_method", lambda L, a: a.select(0, 1), B)
case("tril", lambda L, a: L.tril(a), (4, 4))
case("triu", lambda L, a: a.triu(1), M)

# ------------------------------------------------------------------ indexing
case("getitem_int", lambda L, a: a[1], M)
case("getitem_neg_int_slice", lambda L, a: a[-1, 1:3], M)
case("getitem_steps", lambda L, a: a[::2, 1::2], (5, 4))
case("getitem_none_ellipsis", lambda L, a: a[None, 1:, ...], B)
case("getitem_ellipsis_int", lambda L, a: a[..., 0], B)
case("getitem_ellipsis_none_step", lambda L, a: a[..., None, ::3], B)
case("getitem_int_ellipsis_none", lambda L, a: a[1, ..., None], B)
case("getitem_scalar_of_vector", lambda L, a: a[2], V)
case("getitem_list_dups", lambda L, a: a[[0, 2, 0]], M)
case("getitem_tensor_2d_index", lambda L, a: a[L.tensor([[0, 1], [1, 0]])], M)
case("getitem_two_lists_dups", lambda L, a: a[[0, 1, 0], [2, 2, 1]], M)
case("getitem_slice_list", lambda L, a: a[1:, [0, 0, 2]], M)
case("getitem_separated_advanced", lambda L, a: a[[0, 1], :, [1, 0]], B)
case("getitem_int_and_list", lambda L, a: a[1, [2, 0, 2]], B)
case("getitem_index_tensor", lambda L, a, i: a[i], M, (5,), domain=(real, index(3)))
case("getitem_index_tensor_dim1", lambda L, a, i: a[:, i], M, (2, 3), domain=(real, index(4)))
case("getitem_mask_full", lambda L, a, m: a[m], M, M, domain=(real, mask))
case("getitem_mask_rows", lambda L, a, m: a[m], M, (3,), domain=(real, mask))
case("getitem_mask_cols", lambda L, a, m: a[:, m], M, V, domain=(real, mask))
case("getitem_mask_from_input", lambda L, a: a[a > 0], M, domain=spaced)
case("getitem_mask_and_slice", lambda L, a, m: a[m, 1:], B, (2,), domain=(real, mask))
case("getitem_chained", lambda L, a: a[1:][:, [2, 0]][..., 1:], B)
case("gather", lambda L, a, i: L.gather(a, 1, i), M, (3, 2), domain=(real, index(4)))
case("gather_dim0", lambda L, a, i: a.gather(0, i), M, (2, 4), domain=(real, index(3)))
case("gather_smaller_index", lambda L, a, i: a.gather(1, i), M, (2, 3), domain=(real, index(4)))
case("scatter", lambda L, a, i, b: L.scatter(a, 1, i, b), M, (3, 2), (3, 2),
     domain=(real, unique_index(4, 1), real))
case("scatter_dim0", lambda L, a, i, b: a.scatter(0, i, b), M, (2, 4), (2, 4),
     domain=(real, unique_index(3, 0), real))
# torch 2.x's own scatter backward rejects a src larger than index: no torch comparison
case("scatter_larger_src", lambda L, a, i, b: a.scatter(1, i, b), M, (3, 2), (3, 3),
     domain=(real, unique_index(4, 1), real), torch=False)
case("scatter_value", lambda L, a, i: a.scatter(1, i, 1.5), M, (3, 2),
     domain=(real, unique_index(4, 1)))
case("scatter_add", lambda L, a, i, b: L.scatter_add(a, 1, i, b), M, (3, 3), (3, 3),
     domain=(real, index(4), real))
case("scatter_add_dim0", lambda L, a, i, b: a.scatter_add(0, i, b), M, (4, 4), (4, 4),
     domain=(real, index(3), real))
case("index_select", lambda L, a, i: L.index_select(a, 1, i), M, (5,),
     domain=(real, index(4)))
case("index_select_list", lambda L, a: a.index_select(0, L.tensor([2, 0, 2])), M)
case("index_add", lambda L, a, b: a.index_add(0, L.tensor([0, 2, 0]), b), M, M)
case("index_add_alpha", lambda L, a, i, b: L.index_add(a, 1, i, b, alpha=2.0), M, (3,), (3, 3),
     domain=(real, index(4), real))
case("masked_fill", lambda L, a, m: a.masked_fill(m, 0.5), M, M, domain=(real, mask))
case("masked_fill_bcast", lambda L, a, m: L.masked_fill(a, m, -1.0), M, V,
     domain=(real, mask))
case("masked_fill_from_input", lambda L, a: a.masked_fill(a > 0, 2.0), M, domain=spaced)
case("masked_fill_tensor_value", lambda L, a, m, v: a.masked_fill(m, v), M, M, S,
     domain=(real, mask, real))
case("masked_select", lambda L, a, m: L.masked_select(a, m), M, C, domain=(real, mask))
case("take_along_dim", lambda L, a, i: L.take_along_dim(a, i, dim=1), M, (3, 2),
     domain=(real, index(4)))
case("take_along_dim_flat", lambda L, a, i: L.take_along_dim(a, i), M, (5,),
     domain=(real, index(12)))
case("take_along_dim_bcast", lambda L, a, i: L.take_along_dim(a, i, 1), M, (1, 2),
     domain=(real, index(4)))

# ------------------------------------------------------------------ matrix products
case("matmul_vec_vec", lambda L, a, b: L.matmul(a, b), (3,), (3,))
case("matmul_vec_mat", lambda L, a, b: a @ b, (3,), (3, 4))
case("matmul_mat_vec", lambda L, a, b: a @ b, (2, 3), (3,))
case("matmul_mat_mat", lambda L, a, b: L.matmul(a, b), (2, 3), (3, 4))
case("matmul_batch_mat", lambda L, a, b: a @ b, (2, 2, 3), (3, 4))
case("matmul_mat_batch", lambda L, a, b: a @ b, (2, 3), (2, 3, 4))
case("matmul_vec_batch", lambda L, a, b: L.matmul(a, b), (3,), (2, 3, 4))
case("matmul_batch_vec", lambda L, a, b: a @ b, (2, 2, 3), (3,))
case("matmul_batch_batch", lambda L, a, b: a @ b, (2, 2, 3), (2, 3, 4))
case("matmul_bcast_batch", lambda L, a, b: a @ b, (2, 1, 2, 3), (3, 3, 2))
case("matmul_4d_vec", lambda L, a, b: a @ b, (3,), (2, 1, 3, 2))
case("mm", lambda L, a, b: L.mm(a, b), (2, 3), (3, 4))
case("mm_method", lambda L, a, b: a.mm(b), (3, 3), (3, 2))
case("bmm", lambda L, a, b: L.bmm(a, b), (2, 2, 3), (2, 3, 4))
case("mv", lambda L, a, b: L.mv(a, b), (2, 3), (3,))
case("dot", lambda L, a, b: L.dot(a, b), V, V)
case("inner", lambda L, a, b: a.inner(b), V, V)
case("outer", lambda L, a, b: L.outer(a, b), (3,), V)
case("einsum_mm", lambda L, a, b: L.einsum("ij,jk->ik", a, b), (2, 3), (3, 4))
case("einsum_ellipsis", lambda L, a, b: L.einsum("...ij,...jk->...ik", a, b), (2, 2, 3),
     (2, 3, 2))
case("einsum_ellipsis_bcast", lambda L, a, b: L.einsum("...i,i->...", a, b), B, V)
case("einsum_sum_all", lambda L, a: L.einsum("ij->", a), M)
case("einsum_transpose", lambda L, a: L.einsum("ij->ji", a), M)
case("einsum_mv", lambda L, a, b: L.einsum("ij,j->i", a, b), M, V)
case("einsum_bmm", lambda L, a, b: L.einsum("bij,bjk->bik", a, b), (2, 2, 3), (2, 3, 4))
case("einsum_outer", lambda L, a, b: L.einsum("i,j->ij", a, b), (3,), V)
case("einsum_dot", lambda L, a, b: L.einsum("i,i->", a, b), V, V)
case("einsum_implicit", lambda L, a, b: L.einsum("ij,kj", a, b), M, (2, 4))
# k appears in one operand only and not in the output: it is summed over, and the gradient
# of that operand is constant along k
case("einsum_sum_only_index", lambda L, a, b: L.einsum("ij,jk->i", a, b), (2, 3), (3, 4))
case("einsum_three", lambda L, a, b, c: L.einsum("ij,jk,kl->il", a, b, c), (2, 3), (3, 4),
     (4, 2))
case("einsum_list", lambda L, a, b: L.einsum("bi,bj->bij", [a, b]), (2, 3), (2, 4))

# ------------------------------------------------------------------ dtype and copies
# float32 rounding makes eps=1e-6 differences meaningless: use a wide step (the op is linear).
F32_TOL = {"eps": 1e-3, "atol": 1e-4, "rtol": 1e-3}
case("to_float32", lambda L, a: a.to(L.float32), M, tol=F32_TOL)
case("float_method", lambda L, a: a.float() * 2, V, tol=F32_TOL)
case("to_float32_and_back", lambda L, a: (a.to(L.float32) * a.to(L.float32)).double(), V,
     tol=F32_TOL)
case("clone", lambda L, a: a.clone(), M)
case("clone_fn", lambda L, a: L.clone(a) * a, M)
case("mixed_precision_add", lambda L, a, b: a.to(L.float32) + b, V, V, tol=F32_TOL)
# fmt: on


# Rows of the ops modules added later live in files of their own (each calls ``case`` above).
# Imported last: they import this module's samplers and ``case``.
import op_cases_decompositions  # noqa: E402, F401
import op_cases_layout  # noqa: E402, F401
import op_cases_math  # noqa: E402, F401
import op_cases_products  # noqa: E402, F401
import op_cases_scans  # noqa: E402, F401
