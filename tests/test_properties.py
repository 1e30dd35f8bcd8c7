"""Property tests: random programs of unary and binary ops on random broadcastable shapes,
differentiated by chainrule and checked against finite differences, against torch, and for
the linearity of backward in its upstream gradient."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.autograd import gradcheck

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

# Deterministic and file-free: the same examples on every run, no .hypothesis database.
PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None)

# Smooth everywhere on the reals (finite differences are exact enough anywhere).
UNARY_SMOOTH = {
    "sin": lambda L, x: x.sin(),
    "cos": lambda L, x: L.cos(x),
    "tanh": lambda L, x: x.tanh(),
    "sigmoid": lambda L, x: L.sigmoid(x),
    "square": lambda L, x: x * x,
    "cube": lambda L, x: x ** 3,
    "exp_tanh": lambda L, x: x.tanh().exp(),
    "log1p_square": lambda L, x: L.log1p(x * x),
    "sqrt_1p_square": lambda L, x: (x * x + 1).sqrt(),
    "rsqrt_1p_square": lambda L, x: L.rsqrt(x * x + 1),
    "erf": lambda L, x: L.erf(x),
    "affine": lambda L, x: 1.5 - x * 0.5,
    "neg": lambda L, x: -x,
}
BINARY_SMOOTH = {
    "add": lambda L, a, b: a + b,
    "sub": lambda L, a, b: a - b,
    "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / (b * b + 1),
    "pow": lambda L, a, b: (a * a + 0.5) ** b.tanh(),
    "lerp": lambda L, a, b: L.lerp(a, b, 0.25),
    "add_alpha": lambda L, a, b: L.add(a, b, alpha=-2),
}
# Kinks and ties: compared with torch only (random floats do not land on a kink).
UNARY_KINKED = {
    "relu": lambda L, x: x.relu(),
    "abs": lambda L, x: x.abs(),
    "clamp": lambda L, x: x.clamp(-0.5, 0.5),
}
BINARY_KINKED = {
    "maximum": lambda L, a, b: L.maximum(a, b),
    "minimum": lambda L, a, b: L.minimum(a, b),
    "where": lambda L, a, b: L.where(a > b, a * 2, b),
}
FINALS = {
    "none": lambda L, y: y,
    "sum": lambda L, y: y.sum(),
    "mean_last": lambda L, y: y.mean(-1) if y.ndim else y,
    "sum_first_keepdim": lambda L, y: y.sum(0, keepdim=True) if y.ndim else y,
    "logsumexp_last": lambda L, y: L.logsumexp(y, -1) if y.ndim else y,
    "softmax_last": lambda L, y: y.softmax(-1) if y.ndim else y,
}


@dataclass(frozen=True)
class Program:
    shapes: tuple
    steps: tuple  # ("u", name, i) or ("b", name, i, j); i, j taken modulo len(values)
    final: str
    seed: int

    def run(self, L, xs, unary, binary):
        vals = list(xs)
        for step in self.steps:
            if step[0] == "u":
                vals.append(unary[step[1]](L, vals[step[2] % len(vals)]))
            else:
                a, b = vals[step[2] % len(vals)], vals[step[3] % len(vals)]
                vals.append(binary[step[1]](L, a, b))
        return FINALS[self.final](L, vals[-1])

    def arrays(self):
        rng = np.random.default_rng(self.seed)
        return [rng.uniform(-1.5, 1.5, s) for s in self.shapes]


@st.composite
def broadcast_shapes(draw):
    """2-3 shapes that broadcast together: dims of a base shape set to 1 or dropped in front."""
    base = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    shapes = []
    for _ in range(draw(st.integers(2, 3))):
        s = [d if draw(st.booleans()) else 1 for d in base]
        s = s[draw(st.integers(0, len(s))):]
        shapes.append(tuple(s))
    return tuple(shapes)


@st.composite
def programs(draw, unary, binary):
    shapes = draw(broadcast_shapes())
    index = st.integers(0, 50)
    step = st.one_of(
        st.tuples(st.just("u"), st.sampled_from(sorted(unary)), index),
        st.tuples(st.just("b"), st.sampled_from(sorted(binary)), index, index))
    steps = tuple(draw(st.lists(step, min_size=1, max_size=6)))
    final = draw(st.sampled_from(sorted(FINALS)))
    return Program(shapes, steps, final, draw(st.integers(0, 2**32 - 1)))


def _leaves(L, arrays):
    return [L.tensor(a, dtype=L.float64, requires_grad=True) for a in arrays]


SMOOTH = (UNARY_SMOOTH, BINARY_SMOOTH)
ALL = (UNARY_SMOOTH | UNARY_KINKED, BINARY_SMOOTH | BINARY_KINKED)


@PROPERTY
@given(programs(*SMOOTH))
def test_random_programs_match_finite_differences(prog):
    xs = _leaves(cr, prog.arrays())
    assert gradcheck(lambda *ts: prog.run(cr, ts, *SMOOTH), xs)


@needs_torch
@PROPERTY
@given(programs(*ALL))
def test_random_programs_match_torch(prog):
    arrays = prog.arrays()
    xs, txs = _leaves(cr, arrays), _leaves(torch, arrays)
    y, ty = prog.run(cr, xs, *ALL), prog.run(torch, txs, *ALL)
    assert tuple(y.shape) == tuple(ty.shape)
    assert y.dtype == cr.float64
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    if not ty.requires_grad:
        return
    up = np.random.default_rng(prog.seed + 1).standard_normal(tuple(ty.shape))
    gs = cr.autograd.grad(y, xs, cr.tensor(up, dtype=cr.float64), allow_unused=True)
    tgs = torch.autograd.grad(ty, txs, torch.tensor(up, dtype=torch.float64), allow_unused=True)
    for x, g, tg in zip(xs, gs, tgs):
        g = np.zeros(tuple(x.shape)) if g is None else g.numpy()
        tg = np.zeros(tuple(x.shape)) if tg is None else tg.numpy()
        assert g.shape == tuple(x.shape)
        np.testing.assert_allclose(g, tg, rtol=1e-9, atol=1e-12)


@PROPERTY
@given(programs(*ALL))
def test_backward_is_linear_in_the_upstream_gradient(prog):
    xs = _leaves(cr, prog.arrays())
    y = prog.run(cr, xs, *ALL)
    if not y.requires_grad:
        return
    rng = np.random.default_rng(prog.seed)
    u1, u2 = (rng.standard_normal(tuple(y.shape)) for _ in range(2))

    def vjp(u):
        gs = cr.autograd.grad(y, xs, cr.tensor(u, dtype=cr.float64), retain_graph=True,
                              allow_unused=True)
        return [np.zeros(tuple(x.shape)) if g is None else g.numpy() for x, g in zip(xs, gs)]

    for a, b, c in zip(vjp(u1), vjp(u2), vjp(2 * u1 - 3 * u2)):
        np.testing.assert_allclose(c, 2 * a - 3 * b, rtol=1e-9, atol=1e-10)


@PROPERTY
@given(programs(*SMOOTH))
def test_backward_twice_accumulates_and_float32_agrees(prog):
    arrays = prog.arrays()
    xs = _leaves(cr, arrays)
    y = prog.run(cr, xs, *SMOOTH).sum()
    if not y.requires_grad:
        return
    y.backward(retain_graph=True)
    first = [None if x.grad is None else x.grad.numpy().copy() for x in xs]
    y.backward()
    for x, g in zip(xs, first):
        if g is not None:
            np.testing.assert_allclose(x.grad.numpy(), 2 * g, rtol=1e-12)
    # the same program in float32 gives float32 gradients close to the float64 ones
    xs32 = [cr.tensor(a, dtype=cr.float32, requires_grad=True) for a in arrays]
    y32 = prog.run(cr, xs32, *SMOOTH).sum()
    assert y32.dtype == cr.float32
    y32.backward()
    for x32, g in zip(xs32, first):
        if g is not None:
            assert x32.grad.dtype == cr.float32
            np.testing.assert_allclose(x32.grad.numpy(), g, rtol=2e-3, atol=2e-3)
