"""Matrix products and einsum, with their derivatives.

For C = A @ B: dL/dA = G @ B^T and dL/dB = A^T @ G (batch dimensions that were broadcast are
summed back by the engine). 1-D operands follow PyTorch: a vector on the left is a row, on
the right a column, and the added dimension is removed from the result.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.ops._convert import pair
from chainrule.tensor import Tensor


def _matmul_rule_a(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if a.ndim == 1:  # (k) @ (..., k, n) -> (..., n)
        return R.reshape(R.matmul(R.reshape(g, g.shape[:-1] + (1, g.shape[-1])),
                                  R.swap_last(b)), g.shape[:-1] + (b.shape[-2],))
    if b.ndim == 1:  # (..., m, k) @ (k) -> (..., m)
        return R.reshape(g, g.shape + (1,)) * b
    return R.matmul(g, R.swap_last(b))


def _matmul_rule_b(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:
        return R.reshape(a, (a.shape[0], 1)) * R.reshape(g, g.shape[:-1] + (1, g.shape[-1]))
    if b.ndim == 1:
        return R.reshape(R.matmul(R.swap_last(a), R.reshape(g, g.shape + (1,))),
                         g.shape[:-1] + (a.shape[-1],))
    return R.matmul(R.swap_last(a), g)


# fmt: off
@primitive
def _matmul(a, b):
    return np.matmul(a, b)
_matmul.defvjp(_matmul_rule_a, _matmul_rule_b)
# fmt: on


def _shape_str(s):
    return "x".join(str(d) for d in s) if s else "scalar"


def matmul(input, other):
    """Matrix product with PyTorch's rules for 1-D operands and batch broadcasting."""
    a, b = pair(input, other)
    sa, sb = a._data.shape, b._data.shape
    if not sa or not sb:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{len(sa)}D and {len(sb)}D")
    ka = sa[-1]
    kb = sb[0] if len(sb) == 1 else sb[-2]
    if ka != kb:
        if len(sa) <= 2 and len(sb) <= 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({_shape_str(sa if len(sa) == 2 else (1,) + sa)} and "
                               f"{_shape_str(sb if len(sb) == 2 else sb + (1,))})")
        raise RuntimeError(f"matmul: inner dimensions differ: input {list(sa)} has size {ka} "
                           f"in its last dimension but other {list(sb)} has size {kb} in "
                           f"dimension {-2 if len(sb) > 1 else 0}")
    if len(sa) > 2 or len(sb) > 2:
        try:
            np.broadcast_shapes(sa[:-2], sb[:-2] if len(sb) > 1 else ())
        except ValueError:
            raise RuntimeError(f"matmul: batch dimensions {list(sa[:-2])} and {list(sb[:-2])} "
                               f"cannot be broadcast") from None
    return _matmul(a, b)


def mm(input, mat2):
    """Product of two matrices (2-D only)."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected 2D tensors, got {input.ndim}D and {mat2.ndim}D")
    return matmul(input, mat2)


def bmm(input, mat2):
    """Batched product of (b, n, m) and (b, m, p) tensors."""
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm: expected 3D tensors, got {input.ndim}D and {mat2.ndim}D")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {input.shape[0]} and {mat2.shape[0]}")
    return matmul(input, mat2)


def mv(input, vec):
    return matmul(input, vec)


def dot(input, other):
    """Inner product of two 1-D tensors of equal length."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           f"tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and "
                           f"src [{other.shape[0]}] to have the same number of elements, but "
                           f"got {input.shape[0]} and {other.shape[0]} elements respectively")
    return matmul(input, other)


inner = dot


def outer(input, vec2):
    """Outer product of two 1-D tensors."""
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


# ------------------------------------------------------------------ einsum
def _parse_einsum(equation, shapes):
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs, rhs = eq, None
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise RuntimeError(f"einsum(): the equation has {len(terms)} operand subscripts but "
                           f"{len(shapes)} operands were given")
    used = set(c for c in eq if c.isalpha())
    free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    ell_len = max((len(s) - (len(t) - 3) for t, s in zip(terms, shapes) if "..." in t),
                  default=0)
    ell = "".join(free[:ell_len])
    new_terms = []
    for t, s in zip(terms, shapes):
        if "..." in t:
            n = len(s) - (len(t) - 3)
            t = t.replace("...", ell[ell_len - n:] if n else "")
        new_terms.append(t)
    if rhs is None:
        counts = {}
        for t in new_terms:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        rhs = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        rhs = rhs.replace("...", ell)
    return new_terms, rhs


def _einsum_rule(i, g, out, *xs, terms, rhs):
    target = terms[i]
    if len(set(target)) != len(target):
        raise NotImplementedError("einsum: gradients for repeated subscripts in one operand "
                                  "(diagonals) are not supported")
    others = [(t, x) for j, (t, x) in enumerate(zip(terms, xs)) if j != i]
    available = set(rhs).union(*[set(t) for t, _ in others])
    kept = "".join(c for c in target if c in available)
    eq = ",".join([rhs] + [t for t, _ in others]) + "->" + kept
    r = einsum(eq, g, *[x for _, x in others]) if isinstance(g, Tensor) else \
        np.einsum(eq, g, *[x for _, x in others], optimize=True)
    if kept != target:  # subscripts only in this operand: the gradient is constant along them
        shape = tuple(xs[i].shape[k] if c in kept else 1 for k, c in enumerate(target))
        r = R.broadcast_to(R.reshape(r, shape), tuple(xs[i].shape))
    return r


# fmt: off
@primitive
def _einsum(*xs, terms, rhs):
    return np.einsum(",".join(terms) + "->" + rhs, *xs, optimize=len(xs) > 2)
_einsum.defvjp_argnum(_einsum_rule)
# fmt: on


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum("bij,bjk->bik", a, b)``; ``...`` is supported."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ops = [o if isinstance(o, Tensor) else Tensor._wrap(np.asarray(o)) for o in operands]
    dt = np.result_type(*[o._data.dtype for o in ops])
    ops = [o if o._data.dtype == dt else o.to(dt) for o in ops]
    terms, rhs = _parse_einsum(equation, [o._data.shape for o in ops])
    for t, o in zip(terms, ops):
        if len(t) != o._data.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(t)}) "
                               f"does not match the number of dimensions ({o._data.ndim}) for "
                               f"operand {ops.index(o)}")
    return _einsum(*ops, terms=tuple(terms), rhs=rhs)
