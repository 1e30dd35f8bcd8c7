"""Matrix functions and decompositions (inv, det, solve, cholesky, qr, svd, eigh, ...)
with their derivative rules.

Every op works on a matrix or a batch of matrices (leading dimensions). The derivative rules
are written in matrix form next to each primitive; for ``G`` the gradient of the output:

* ``inv``: ``dA = -A^-T G A^-T``;  ``det``: ``dA = G det(A) A^-T``;
  ``logabsdet``: ``dA = G A^-T``;  ``solve`` (X = A^-1 B): ``dB = A^-T G``, ``dA = -dB X^T``.
* ``cholesky`` (A = L L^T): ``dA = sym(L^-T Phi(L^T G) L^-1)``, Phi = lower triangle with
  the diagonal halved, sym(X) = (X + X^T) / 2.
* ``qr``, ``svd``, ``eigh``: see their rules. As in PyTorch, the gradients of ``svd`` and
  ``eigh`` are undefined (infinite or NaN) where singular values / eigenvalues repeat, and
  those of ``svd`` also where a singular value is zero (when U or V is used).
* ``matrix_exp``: ``dA`` is the upper-right block of ``exp([[A^T, G], [0, A^T]])``.

Ops with several outputs (qr, svd, eigh) are one primitive whose output packs them side by
side in its last dimension; the public functions slice them apart (the slices are
differentiable), so one rule sees the gradients of all outputs together.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.tensor import Tensor

__all__ = ["inverse", "det", "logdet", "slogdet", "cholesky", "pinverse", "svd",
           "matrix_power", "matrix_exp", "cholesky_solve", "cholesky_inverse",
           "triangular_solve", "qr"]

# Names bound as Tensor methods (``x.name(...)``) and, with a trailing underscore, as
# in-place methods (``x.name_(...)``), by ``chainrule.ops._methods``.
TENSOR_METHODS = """inverse det logdet slogdet cholesky pinverse svd matrix_power matrix_exp
cholesky_solve cholesky_inverse triangular_solve qr"""
INPLACE_METHODS = ""

_wrap = Tensor._wrap


class LinAlgError(RuntimeError):
    """A linear-algebra failure (singular matrix, not positive-definite); PyTorch's
    ``torch.linalg.LinAlgError``, also a RuntimeError."""


# Result tuples with PyTorch's field names.
SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])
QRResult = namedtuple("qr", ["Q", "R"])
SVDResult = namedtuple("svd", ["U", "S", "Vh"])
OldSVDResult = namedtuple("svd", ["U", "S", "V"])
EighResult = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
InvExResult = namedtuple("inv_ex", ["inverse", "info"])
CholeskyExResult = namedtuple("cholesky_ex", ["L", "info"])
TriangularSolveResult = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])
LstsqResult = namedtuple("lstsq", ["solution", "residuals", "rank", "singular_values"])

_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "bool": "Bool", "float16": "Half", "float32": "Float",
                "float64": "Double"}


# ------------------------------------------------------------------ argument checks
def _check_float(a, name):
    if a._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_TORCH_NAMES.get(a._data.dtype.name, a._data.dtype.name)}")


def _check_matrix(a, name, square=True, floating=True):
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(a).__name__}")
    if a._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if floating:
        _check_float(a, name)
    if square and a._data.shape[-1] != a._data.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{a._data.shape[-2]} by {a._data.shape[-1]} matrices")


def _batch_prefix(batch_index, ndim):
    return f"(Batch element {batch_index}): " if ndim > 2 else ""


def _first_zero_pivot(a):
    """Per matrix (flattened batch): the 1-based index of the first zero pivot of its LU
    factorization (partial pivoting, as LAPACK's getrf), 0 where there is none. A pivot that
    rounding left at a few ulps instead of 0 counts as zero when no pivot is exactly 0 (LAPACK
    builds differ in that last bit)."""
    import scipy.linalg

    flat = a.reshape((-1,) + a.shape[-2:])
    bad = ~np.isfinite(flat).all(axis=(-2, -1))
    flat = np.where(bad[:, None, None], 0.0, flat)
    d = np.abs(np.diagonal(scipy.linalg.lu(flat)[2], axis1=-2, axis2=-1))
    zero = d == 0
    if not zero.any() and d.size:
        n = a.shape[-1]
        zero = d <= n * np.finfo(a.dtype).eps * d.max(-1, keepdims=True)
    return np.where(zero.any(-1), zero.argmax(-1) + 1, 0)


def _raise_singular(a, name):
    pivots = _first_zero_pivot(a)
    b = int(np.flatnonzero(pivots)[0]) if pivots.any() else 0
    raise LinAlgError(f"{name}: {_batch_prefix(b, a.ndim)}The diagonal element "
                      f"{int(pivots[b]) or 1} is zero, the inversion could not be completed "
                      f"because the input matrix is singular.")


def _not_pd_orders(a):
    """Per matrix: the order of the first leading minor that is not positive (0 if none)."""
    n = a.shape[-1]
    low = np.tril(a)
    flat = (low + np.swapaxes(np.tril(a, -1), -1, -2)).reshape((-1, n, n))  # what is read
    # minors[b, k] = A[b] with rows/columns >= k+1 replaced by the identity's: its det is
    # the leading minor of order k+1.
    keep = np.arange(n)[None, :] <= np.arange(n)[:, None]  # (k, i): i <= k
    both = keep[:, :, None] & keep[:, None, :]
    minors = np.where(both, flat[:, None], np.eye(n))
    with np.errstate(all="ignore"):
        sign, _ = np.linalg.slogdet(minors)
    bad = ~(sign > 0)
    return np.where(bad.any(-1), bad.argmax(-1) + 1, 0).reshape(a.shape[:-2])


# ------------------------------------------------------------------ rule helpers
# Each takes NumPy arrays (first-order path) or Tensors (create_graph: recorded).
def _is_t(x):
    return isinstance(x, Tensor)


def _mT(x):
    return R.swap_last(x)


def _mm(a, b):
    return R.matmul(a, b)


def _eye(n, like):
    return R.like(np.eye(n, dtype=R.data(like).dtype), like)


def _eye_mask(n):
    return np.eye(n, dtype=bool)


def _diag_embed(v):
    n = v.shape[-1]
    return R.reshape(v, tuple(v.shape) + (1,)) * _eye(n, v)


def _col(v):
    """(..., n) -> (..., n, 1)."""
    return R.reshape(v, tuple(v.shape) + (1,))


def _row(v):
    """(..., n) -> (..., 1, n)."""
    return R.reshape(v, tuple(v.shape[:-1]) + (1, v.shape[-1]))


def _tri_mask(n, like, k=0, lower=True):
    m = np.tril(np.ones((n, n)), k) if lower else np.triu(np.ones((n, n)), k)
    return R.like(m.astype(R.data(like).dtype), like)


def _inv_any(a):
    return inv(a) if _is_t(a) else np.linalg.inv(a)


def _solve_any(a, b):
    return _solve(a, b) if _is_t(a) or _is_t(b) else np.linalg.solve(a, b)


def _cat(xs, axis):
    from chainrule.ops.shape import cat

    if any(_is_t(x) for x in xs):
        return cat([x if _is_t(x) else _wrap(np.asarray(x)) for x in xs], axis)
    return np.concatenate(xs, axis=axis)


def _pack(*arrays, batch):
    """Arrays with the same batch shape, flattened after it and joined: one primitive
    output."""
    return np.concatenate([np.reshape(a, batch + (math.prod(a.shape[len(batch):]),))
                           for a in arrays], axis=-1)


def _unpack(p, shapes):
    """The parts of a packed output (array or Tensor), each reshaped to batch + shape."""
    batch = tuple(p.shape[:-1])
    parts, start = [], 0
    for s in shapes:
        n = math.prod(s)
        parts.append(R.reshape(p[..., start:start + n], batch + tuple(s)))
        start += n
    return parts


# ------------------------------------------------------------------ primitives
def _inv_forward(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        _raise_singular(a, "linalg.inv")


# fmt: off
@primitive
def _inv(a):
    return _inv_forward(a)
# B = A^-1: dB = -B dA B, so dA = -B^T G B^T.
_inv.defvjp(lambda g, out, a: -_mm(_mm(_mT(out), g), _mT(out)), saves_inputs=False,
            saves_out=True)


@primitive
def _det(a):
    return np.asarray(np.linalg.det(a))

def _det_rule(g, out, a):
    # d det(A) = det(A) tr(A^-1 dA), so dA = G det(A) A^-T (the cofactor matrix times G).
    gd = R.reshape(g * out, tuple(g.shape) + (1, 1))
    if _is_t(a) or not (out == 0).any():
        return gd * _mT(_inv_any(a))
    return gd * _cofactor(a)
_det.defvjp(_det_rule, saves_out=True)


@primitive
def _logabsdet(a):
    return np.asarray(np.linalg.slogdet(a)[1])
# d log|det A| = tr(A^-1 dA): dA = G A^-T.
_logabsdet.defvjp(lambda g, out, a: R.reshape(g, tuple(g.shape) + (1, 1)) * _mT(_inv_any(a)))


@primitive
def _solve(a, b):
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        pivots = _first_zero_pivot(np.broadcast_to(a, np.broadcast_shapes(
            a.shape[:-2], b.shape[:-2]) + a.shape[-2:]))
        i = int(np.flatnonzero(pivots)[0]) if pivots.any() else 0
        raise LinAlgError(f"torch.linalg.solve: {_batch_prefix(i, max(a.ndim, b.ndim))}The "
                          f"solver failed because the input matrix is singular.") from None
# X = A^-1 B: dB = A^-T G and dA = -dB X^T.
_solve.defvjp(lambda g, out, a, b: -_mm(_solve_any(_mT(a), g), _mT(out)),
              lambda g, out, a, b: _solve_any(_mT(a), g), saves_out=True)


@primitive
def _cholesky(a):
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        orders = _not_pd_orders(a)
        flat = orders.reshape(-1)
        b = int(np.flatnonzero(flat)[0]) if flat.any() else 0
        raise LinAlgError(f"linalg.cholesky: {_batch_prefix(b, a.ndim)}The factorization "
                          f"could not be completed because the input is not positive-definite "
                          f"(the leading minor of order {int(flat[b]) if flat.size else 1} is "
                          f"not positive-definite).") from None

def _cholesky_rule(g, out, a):
    # A = L L^T, L^-1 dL = Phi(L^-1 dA L^-T) (Phi: lower triangle, halved diagonal), so
    # dA = L^-T Phi(L^T G) L^-1, symmetrized (A is symmetric).
    n = out.shape[-1]
    phi = _tri_mask(n, out) - 0.5 * _eye(n, out)
    li = _inv_any(out)
    s = _mm(_mm(_mT(li), _mm(_mT(out), g) * phi), li)
    return 0.5 * (s + _mT(s))
_cholesky.defvjp(_cholesky_rule, saves_inputs=False, saves_out=True)


@primitive
def _qr(a, *, mode):
    q, r = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        q = np.zeros(a.shape[:-2] + (0,), a.dtype)
    return _pack(q, r, batch=a.shape[:-2])

def _qr_square_rule(gq, gr, q, r):
    # m >= n, A = QR (Q^T Q = I, R upper triangular). With N = gR R^T - Q^T gQ and
    # M = triu(N) + striu(N)^T (the upper triangle mirrored below the diagonal):
    # dA = (gQ + Q M) R^-T.
    n = r.shape[-1]
    nn = _mm(gr, _mT(r)) - _mm(_mT(q), gq)
    m = nn * _tri_mask(n, nn, 0, lower=False) + _mT(nn * _tri_mask(n, nn, 1, lower=False))
    return _mT(_solve_any(r, _mT(gq + _mm(q, m))))

def _qr_rule(g, out, a, *, mode):
    mrows, ncols = a.shape[-2:]
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                           "when mode='r'. Please use linalg.qr(A, mode='reduced') if you are "
                           "going to differentiate through linalg.qr.")
    if mode == "complete" and mrows > ncols:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                           "and nrows > ncols.")
    k = min(mrows, ncols)
    kq = mrows if mode == "complete" else k
    gq, gr = _unpack(g, ((mrows, kq), (kq, ncols)))
    q, r = _unpack(out, ((mrows, kq), (kq, ncols)))
    if mrows >= ncols:
        return _qr_square_rule(gq, gr, q, r)
    # m < n: A = [X | Y], R = [U | V] with X = Q U and Y = Q V, so V = Q^T Y:
    # gX is the square rule with gQ + Y gV^T, and gY = Q gV.
    y = a[..., :, mrows:]
    gv = gr[..., :, mrows:]
    gx = _qr_square_rule(gq + _mm(y, _mT(gv)), gr[..., :, :mrows], q, r[..., :, :mrows])
    return _cat([gx, _mm(q, gv)], -1)
_qr.defvjp(_qr_rule, saves_out=True)


@primitive
def _svd(a, *, full_matrices):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return _pack(u, s, vh, batch=a.shape[:-2])

def _svd_rule(g, out, a, *, full_matrices):
    # A = U S V^T (reduced, k = min(m, n)), E_jk = S_k^2 - S_j^2 (j != k),
    # skew(X) = X - X^T:
    # dA = U [(skew(U^T gU) / E) S + S (skew(V^T gV) / E) + diag(gS)] V^T
    #      + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T)
    # (the last two terms only when m > k or n > k). With full_matrices the extra columns
    # of U / rows of Vh get no gradient, as in PyTorch.
    m, n = a.shape[-2:]
    k = min(m, n)
    mu, nv = (m, n) if full_matrices else (k, k)
    gu, gs, gvh = _unpack(g, ((m, mu), (k,), (nv, n)))
    u, s, vh = _unpack(out, ((m, mu), (k,), (nv, n)))
    if full_matrices:
        gu, u, gvh, vh = gu[..., :, :k], u[..., :, :k], gvh[..., :k, :], vh[..., :k, :]
    s2 = s * s
    e = _row(s2) - _col(s2)
    eye = _eye_mask(k)
    e = R.where(eye, 1.0, e) if _is_t(e) else np.where(eye, 1.0, e)
    utgu = _mm(_mT(u), gu)
    vtgv = _mm(vh, _mT(gvh))
    inner = ((utgu - _mT(utgu)) / e * _row(s) + _col(s) * ((vtgv - _mT(vtgv)) / e)
             + _diag_embed(gs))
    ga = _mm(_mm(u, inner), vh)
    if m > k:
        ga = ga + _mm((gu - _mm(u, utgu)) / _row(s), vh)
    if n > k:
        ga = ga + _mm(u, (gvh - _mm(_mT(vtgv), vh)) / _col(s))
    return ga
_svd.defvjp(_svd_rule, saves_out=True)


@primitive
def _eigh(a, *, uplo):
    w, v = np.linalg.eigh(a, UPLO=uplo)
    return _pack(w, v, batch=a.shape[:-2])

def _eigh_rule(g, out, a, *, uplo):
    # A = V diag(w) V^T: dA = V (diag(gw) + F o skew(V^T gV)) V^T with
    # F_ij = 1 / (w_j - w_i) for i != j, F_ii = 0 and skew(X) = (X - X^T) / 2; the result is
    # symmetric (A is taken as a symmetric matrix, as in PyTorch).
    n = a.shape[-1]
    gw, gv = _unpack(g, ((n,), (n, n)))
    w, v = _unpack(out, ((n,), (n, n)))
    e = _row(w) - _col(w)
    eye = _eye_mask(n)
    if _is_t(e):
        f = R.where(eye, 0.0, 1.0 / R.where(eye, 1.0, e))
    else:
        with np.errstate(divide="ignore"):
            f = np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, e))
    x = _mm(_mT(v), gv)
    inner = f * (0.5 * (x - _mT(x))) + _diag_embed(gw)
    return _mm(_mm(v, inner), _mT(v))
_eigh.defvjp(_eigh_rule, saves_inputs=False, saves_out=True)


@primitive
def _matrix_exp(a):
    import scipy.linalg

    if a.shape[-1] == 0 or a.size == 0:
        return np.zeros_like(a) + np.eye(a.shape[-1], dtype=a.dtype)
    return np.asarray(scipy.linalg.expm(a), dtype=a.dtype)

def _matrix_exp_rule(g, out, a):
    # d exp(A) = int_0^1 e^{sA} dA e^{(1-s)A} ds; its adjoint applied to G is the upper-right
    # block of exp([[A^T, G], [0, A^T]]).
    n = a.shape[-1]
    at = _mT(a)
    z = R.zeros_like(at)
    block = _cat([_cat([at, g], -1), _cat([z, at], -1)], -2)
    big = _matrix_exp(block) if _is_t(block) else _matrix_exp.forward(block)
    return big[..., :n, n:]
_matrix_exp.defvjp(_matrix_exp_rule)


@primitive
def _pinv(a, *, atol, rtol, hermitian):
    if hermitian:
        w, v = np.linalg.eigh(a)
        absw = np.abs(w)
        tol = np.maximum(atol, rtol * absw.max(-1, initial=0.0, keepdims=True))
        keep = absw > tol
        winv = np.where(keep, 1.0 / np.where(keep, w, 1.0), 0.0)
        return (v * winv[..., None, :]) @ np.swapaxes(v, -1, -2)
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    tol = np.maximum(atol, rtol * s.max(-1, initial=0.0, keepdims=True))
    keep = s > tol
    sinv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0).astype(a.dtype)
    return np.swapaxes(vh, -1, -2) @ (sinv[..., :, None] * np.swapaxes(u, -1, -2))

def _pinv_rule(g, out, a, *, atol, rtol, hermitian):
    # P = A^+ (rank constant near A):
    # dA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)
    p, pt, gt = out, _mT(out), _mT(g)
    x = _mm(_mm(gt, p), pt)
    y = _mm(_mm(pt, p), gt)
    return (-_mm(_mm(pt, g), pt) + x - _mm(a, _mm(p, x)) + y - _mm(_mm(y, p), a))
_pinv.defvjp(_pinv_rule, saves_out=True)
# fmt: on


def _cofactor(a):
    """The cofactor matrix det(A) A^-T, also for singular A (through the SVD)."""
    u, s, vh = np.linalg.svd(a)
    # adj(A) = det(U) det(V) V diag(prod_{j != i} s_j) U^T
    ones = np.ones_like(s[..., :1])
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], -1), -1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(s, -1)[..., :-1]], -1), -1), -1)
    others = left * right
    sgn = np.linalg.det(u) * np.linalg.det(vh)
    adj = np.swapaxes(vh, -1, -2) @ (others[..., :, None] * np.swapaxes(u, -1, -2))
    return sgn[..., None, None] * np.swapaxes(adj, -1, -2)


# ------------------------------------------------------------------ linalg functions
# (exposed as ``chainrule.linalg.<name>``; the torch-level aliases follow below)


def inv(A):
    """The inverse of a square matrix (or batch); LinAlgError if singular.

    >>> import chainrule as cr
    >>> cr.linalg.inv(cr.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _check_matrix(A, "linalg.inv")
    return _inv(A)


def inv_ex(A, *, check_errors=False):
    """``(inverse, info)``: info (int32) is 0, or the 1-based index of the zero pivot of a
    singular matrix, whose inverse is then NaN (PyTorch leaves it unspecified).

    >>> import chainrule as cr
    >>> cr.linalg.inv_ex(cr.eye(2)).info
    tensor(0, dtype=chainrule.int32)
    """
    _check_matrix(A, "linalg.inv")
    if check_errors:
        return InvExResult(inv(A), _wrap(np.zeros(A._data.shape[:-2], np.int32)))
    from chainrule.ops.elementwise import where

    n = A._data.shape[-1]
    try:
        return InvExResult(_inv(A), _wrap(np.zeros(A._data.shape[:-2], np.int32)))
    except LinAlgError:
        info = _first_zero_pivot(A._data).reshape(A._data.shape[:-2]).astype(np.int32)
    bad = _wrap(info[..., None, None] != 0)
    safe = where(bad, _wrap(np.eye(n, dtype=A._data.dtype)), A)
    return InvExResult(where(bad, float("nan"), _inv(safe)), _wrap(info))


def det(A):
    """The determinant of a square matrix (or batch).

    >>> import chainrule as cr
    >>> cr.linalg.det(cr.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.)
    """
    _check_matrix(A, "linalg.det")
    return _det(A)


def slogdet(A):
    """``(sign, logabsdet)`` of the determinant; only ``logabsdet`` carries a gradient.

    >>> import chainrule as cr
    >>> cr.linalg.slogdet(cr.tensor([[-2.0, 0.0], [0.0, 1.0]])).sign
    tensor(-1.)
    """
    from chainrule.ops.elementwise import where

    _check_matrix(A, "linalg.slogdet")
    sign = np.asarray(np.linalg.slogdet(A._data)[0], dtype=A._data.dtype)
    lad = _logabsdet(A)
    # The sign is piecewise constant: as in PyTorch it is part of the graph, with gradient 0.
    sign_t = where(_wrap(np.zeros(sign.shape, bool)), lad, _wrap(sign)) if lad._rg else \
        _wrap(sign)
    return SlogdetResult(sign_t, lad)


def _as_matrix_rhs(A, B):
    """PyTorch's rule: B is a (batch of) vector(s) if it is 1-D, or has one dimension less
    than A and A's batch shape."""
    b = B._data
    return b.ndim == 1 or (b.ndim == A._data.ndim - 1 and b.shape == A._data.shape[:-1])


def solve(A, B, *, left=True):
    """The solution X of ``A X = B`` (``X A = B`` with ``left=False``); batches broadcast.

    >>> import chainrule as cr
    >>> cr.linalg.solve(cr.tensor([[2.0, 0.0], [0.0, 4.0]]), cr.tensor([1.0, 1.0]))
    tensor([0.5000, 0.2500])
    """
    from chainrule.ops._convert import pair

    _check_matrix(A, "linalg.solve")
    _check_float(B, "linalg.solve")
    A, B = pair(A, B)
    n = A._data.shape[-1]
    vec = _as_matrix_rhs(A, B) and left
    bm = B.unsqueeze(-1) if vec else B
    if bm._data.ndim < 2:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX' if left else 'XA'} = B ({n}x{n} and {list(B.shape)})")
    k = bm._data.shape[-2] if left else bm._data.shape[-1]
    if k != n:
        shape_b = "x".join(str(s) for s in bm._data.shape[-2:])
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX' if left else 'XA'} = B ({n}x{n} and {shape_b})")
    try:
        np.broadcast_shapes(A._data.shape[:-2], bm._data.shape[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: the batch dimensions of A {list(A.shape[:-2])} and "
                           f"B {list(bm.shape[:-2])} cannot be broadcast") from None
    if left:
        x = _solve(A, bm)
    else:  # X A = B  <=>  A^T X^T = B^T
        x = _solve(A.mT, bm.mT).mT
    return x.squeeze(-1) if vec else x


def solve_triangular(input, B, *, upper, left=True, unitriangular=False):
    """The solution X of ``A X = B`` (``X A = B`` with ``left=False``) for triangular A: only
    its upper (``upper=True``) or lower triangle is read, and its diagonal is taken as ones
    with ``unitriangular=True``.

    >>> import chainrule as cr
    >>> A = cr.tensor([[2.0, 5.0], [0.0, 4.0]])
    >>> cr.linalg.solve_triangular(A, cr.tensor([[7.0], [4.0]]), upper=True)
    tensor([[1.],
            [1.]])
    """
    from chainrule.ops.creation import tril, triu

    _check_matrix(input, "linalg.solve_triangular")
    _check_float(B, "linalg.solve_triangular")
    if B._data.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    n = input._data.shape[-1]
    k = B._data.shape[-2] if left else B._data.shape[-1]
    if k != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of input and B for the "
                           f"equation {'AX' if left else 'XA'} = B ({n}x{n} and "
                           f"{B._data.shape[-2]}x{B._data.shape[-1]})")
    t = triu(input) if upper else tril(input)
    if unitriangular:
        eye = np.eye(n, dtype=input._data.dtype)
        t = t * _wrap(1 - eye) + _wrap(eye)
    return solve(t, B, left=left) if B._data.ndim > 1 else solve(t, B.unsqueeze(-1))


def cholesky_linalg(input, *, upper=False):
    """Cholesky factor L (lower, ``A = L L^T``) of a symmetric positive-definite matrix; only
    the lower triangle of A is read. ``upper=True`` returns ``L^T``.

    >>> import chainrule as cr
    >>> cr.linalg.cholesky(cr.tensor([[4.0, 2.0], [2.0, 2.0]]))
    tensor([[2., 0.],
            [1., 1.]])
    """
    _check_matrix(input, "linalg.cholesky")
    L = _cholesky(input)
    return L.mT if upper else L


def cholesky_ex(input, *, upper=False, check_errors=False):
    """``(L, info)``: info (int32) is 0, or the order of the first leading minor that is not
    positive-definite; L of such a matrix is NaN here (PyTorch returns a partial factor).

    >>> import chainrule as cr
    >>> cr.linalg.cholesky_ex(-cr.eye(2)).info
    tensor(1, dtype=chainrule.int32)
    """
    _check_matrix(input, "linalg.cholesky_ex")
    if check_errors:
        return CholeskyExResult(cholesky_linalg(input, upper=upper),
                                _wrap(np.zeros(input._data.shape[:-2], np.int32)))
    from chainrule.ops.elementwise import where

    try:
        L = _cholesky(input)
        info = np.zeros(input._data.shape[:-2], np.int32)
    except LinAlgError:
        info = _not_pd_orders(input._data).astype(np.int32)
        bad = _wrap(info[..., None, None] != 0)
        n = input._data.shape[-1]
        L = where(bad, float("nan"), _cholesky(where(bad, _wrap(np.eye(n, dtype=input._data.dtype)),
                                                     input)))
    return CholeskyExResult(L.mT if upper else L, _wrap(info))


def qr_linalg(A, mode="reduced"):
    """QR decomposition ``A = Q R``: ``mode`` is ``"reduced"`` (Q is m x k), ``"complete"``
    (Q is m x m) or ``"r"`` (R only, Q empty; not differentiable).

    >>> import chainrule as cr
    >>> Q, R = cr.linalg.qr(cr.tensor([[3.0, 0.0], [4.0, 5.0]]))
    >>> (Q @ R).round()
    tensor([[3., 0.],
            [4., 5.]])
    """
    _check_matrix(A, "linalg.qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    m, n = A._data.shape[-2:]
    k = min(m, n)
    kq = m if mode == "complete" else k
    p = _qr(A, mode=mode)
    if mode == "r":
        r = _unpack(p, ((0,), (k, n)))[1]
        return QRResult(_wrap(np.zeros((0,), A._data.dtype)), r)
    q, r = _unpack(p, ((m, kq), (kq, n)))
    return QRResult(q, r)


def svd_linalg(A, full_matrices=True):
    """Singular value decomposition ``A = U diag(S) Vh`` (S descending). Gradients are
    undefined where singular values repeat (or are zero, when U or Vh is used), as in
    PyTorch.

    >>> import chainrule as cr
    >>> cr.linalg.svd(cr.tensor([[3.0, 0.0], [0.0, -2.0]])).S
    tensor([3., 2.])
    """
    _check_matrix(A, "linalg.svd", square=False)
    m, n = A._data.shape[-2:]
    k = min(m, n)
    mu, nv = (m, n) if full_matrices else (k, k)
    u, s, vh = _unpack(_svd(A, full_matrices=bool(full_matrices)), ((m, mu), (k,), (nv, n)))
    return SVDResult(u, s, vh)


def svdvals(A):
    """Singular values, descending.

    >>> import chainrule as cr
    >>> cr.linalg.svdvals(cr.tensor([[0.0, 2.0], [1.0, 0.0]]))
    tensor([2., 1.])
    """
    _check_matrix(A, "linalg.svd", square=False)
    return svd_linalg(A, full_matrices=False).S


def eigh(input, UPLO="L"):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix, from its
    lower (``UPLO="L"``) or upper triangle. Gradients are undefined at repeated eigenvalues,
    as in PyTorch.

    >>> import chainrule as cr
    >>> cr.linalg.eigh(cr.tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    tensor([1., 3.])
    """
    _check_matrix(input, "linalg.eigh")
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    n = input._data.shape[-1]
    w, v = _unpack(_eigh(input, uplo=UPLO.upper()), ((n,), (n, n)))
    return EighResult(w, v)


def eigvalsh(input, UPLO="L"):
    """Eigenvalues (ascending) of a symmetric matrix.

    >>> import chainrule as cr
    >>> cr.linalg.eigvalsh(cr.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
    """
    _check_matrix(input, "linalg.eigh")
    return eigh(input, UPLO).eigenvalues


def _pinv_tolerances(A, atol, rtol, rcond):
    m, n = A._data.shape[-2:]

    def value(t):
        return None if t is None else (t.item() if isinstance(t, Tensor) and t.ndim == 0
                                       else t)

    atol, rtol, rcond = value(atol), value(rtol), value(rcond)
    if isinstance(atol, Tensor) or isinstance(rtol, Tensor):
        raise NotImplementedError("linalg.pinv: tensor atol/rtol are supported as scalars only")
    if rcond is not None:
        rtol = rcond
    if rtol is None:
        rtol = 0.0 if (atol is not None and atol > 0) else \
            np.finfo(A._data.dtype).eps * max(m, n)
    return float(atol or 0.0), float(rtol)


def pinv(input, *, atol=None, rtol=None, hermitian=False, rcond=None):
    """Moore-Penrose pseudo-inverse, through the SVD (eigh with ``hermitian=True``);
    singular values below ``max(atol, rtol * largest)`` count as zero.

    >>> import chainrule as cr
    >>> cr.linalg.pinv(cr.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    _check_matrix(input, "linalg.pinv", square=False)
    atol, rtol = _pinv_tolerances(input, atol, rtol, rcond)
    return _pinv(input, atol=atol, rtol=rtol, hermitian=bool(hermitian))


def matrix_power_linalg(input, n):
    """``A`` to the integer power ``n`` (``n < 0``: of the inverse; ``n = 0``: identity), by
    repeated squaring.

    >>> import chainrule as cr
    >>> cr.linalg.matrix_power(cr.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    """
    from chainrule.ops.linalg import matmul

    _check_matrix(input, "linalg.matrix_power", floating=False)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {type(n).__name__}")
    if n == 0:
        a = input._data
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return _wrap(eye.copy())
    if n < 0:
        _check_float(input, "linalg.inv")
        input = inv(input)
        n = -n
    result, base = None, input
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result if result is not input else input.clone()


def matrix_exp_linalg(input):
    """The matrix exponential ``sum_k A^k / k!``.

    >>> import chainrule as cr
    >>> cr.linalg.matrix_exp(cr.zeros(2, 2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    _check_matrix(input, "linalg.matrix_exp")
    return _matrix_exp(input)


def matrix_rank(input, *, atol=None, rtol=None, hermitian=False, tol=None):
    """The number of singular values above ``max(atol, rtol * largest)`` (int64, no
    gradient).

    >>> import chainrule as cr
    >>> cr.linalg.matrix_rank(cr.ones(3, 3))
    tensor(1)
    """
    _check_matrix(input, "linalg.matrix_rank", square=False)
    if tol is not None:
        atol = tol
    atol, rtol = _pinv_tolerances(input, atol, rtol, None)
    a = input._data
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    thr = np.maximum(atol, rtol * s.max(-1, initial=0.0, keepdims=True))
    return _wrap(np.asarray((s > thr).sum(-1), dtype=np.int64))


def lstsq(input, b, rcond=None, *, driver=None):
    """Least-squares solution of ``A X = b`` (through the pseudo-inverse, so of minimum norm
    for rank-deficient A), as ``(solution, residuals, rank, singular_values)``. As PyTorch's
    default CPU driver (``gelsy``), residuals and singular values are empty; rank is given.

    >>> import chainrule as cr
    >>> cr.linalg.lstsq(cr.tensor([[2.0], [0.0]]), cr.tensor([[4.0], [1.0]])).solution
    tensor([[2.]])
    """
    from chainrule.ops.linalg import matmul

    _check_matrix(input, "linalg.lstsq", square=False)
    _check_float(b, "linalg.lstsq")
    if driver not in (None, "gelsy", "gelsd", "gelss", "gels"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of "
                           f"(gels, gelsy, gelsd, gelss), but got {driver}")
    vec = b._data.ndim == input._data.ndim - 1
    bm = b.unsqueeze(-1) if vec else b
    if bm._data.shape[-2] != input._data.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2), "
                           f"but got {input._data.shape[-2]} and {bm._data.shape[-2]}")
    x = matmul(pinv(input, rtol=rcond), bm)
    rank = matrix_rank(input, rtol=rcond) if driver != "gels" else _wrap(np.zeros(0, np.int64))
    empty = _wrap(np.zeros((0,), input._data.dtype))
    return LstsqResult(x.squeeze(-1) if vec else x, empty, rank, empty)


# ------------------------------------------------------------------ torch-level aliases


def inverse(input):
    """The inverse of a square matrix (``linalg.inv``).

    >>> import chainrule as cr
    >>> cr.tensor([[4.0]]).inverse()
    tensor([[0.2500]])
    """
    return inv(input)


def logdet(input):
    """``log(det(A))``: NaN where the determinant is negative, -inf where it is zero.

    >>> import chainrule as cr
    >>> cr.logdet(cr.tensor([[2.0, 0.0], [0.0, 0.5]]))
    tensor(0.)
    """
    _check_matrix(input, "logdet")
    sign = np.asarray(np.linalg.slogdet(input._data)[0], dtype=input._data.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.log(sign)  # 0 for +1, NaN for -1, -inf for 0
    out = _logabsdet(input)
    return out + _wrap(offset) if (sign != 1).any() else out


def cholesky(input, upper=False):
    """Cholesky factor (``linalg.cholesky``; ``upper=True`` gives the upper factor).

    >>> import chainrule as cr
    >>> cr.cholesky(cr.tensor([[4.0]]))
    tensor([[2.]])
    """
    try:
        return cholesky_linalg(input, upper=upper)
    except LinAlgError as e:
        raise LinAlgError(str(e).replace("linalg.cholesky: ", "cholesky: ", 1)) from None


def pinverse(input, rcond=1e-15):
    """Pseudo-inverse with relative cutoff ``rcond`` (``linalg.pinv(A, rtol=rcond)``).

    >>> import chainrule as cr
    >>> cr.pinverse(cr.tensor([[2.0]]))
    tensor([[0.5000]])
    """
    return pinv(input, rtol=rcond)


def svd(input, some=True, compute_uv=True):
    """``(U, S, V)`` with ``A = U diag(S) V^T`` (V, not Vh); ``some=False`` gives the full U
    and V; ``compute_uv=False`` gives zero U and V.

    >>> import chainrule as cr
    >>> cr.svd(cr.tensor([[0.0, 2.0], [1.0, 0.0]])).S
    tensor([2., 1.])
    """
    _check_matrix(input, "linalg.svd", square=False)
    if not compute_uv:
        m, n = input._data.shape[-2:]
        batch = input._data.shape[:-2]
        z = np.zeros
        return OldSVDResult(_wrap(z(batch + (m, m), input._data.dtype)), svdvals(input),
                            _wrap(z(batch + (n, n), input._data.dtype)))
    u, s, vh = svd_linalg(input, full_matrices=not some)
    return OldSVDResult(u, s, vh.mT)


def qr(input, some=True):
    """``(Q, R)``: ``linalg.qr`` with mode ``"reduced"`` (``some=True``) or ``"complete"``.

    >>> import chainrule as cr
    >>> cr.qr(cr.tensor([[2.0]])).R.abs()
    tensor([[2.]])
    """
    return qr_linalg(input, "reduced" if some else "complete")


def matrix_power(input, n):
    """``input`` to the integer power ``n`` (``linalg.matrix_power``).

    >>> import chainrule as cr
    >>> cr.matrix_power(cr.tensor([[2.0]]), 3)
    tensor([[8.]])
    """
    return matrix_power_linalg(input, n)


def matrix_exp(A):
    """The matrix exponential (``linalg.matrix_exp``).

    >>> import chainrule as cr
    >>> cr.matrix_exp(cr.tensor([[0.0]]))
    tensor([[1.]])
    """
    return matrix_exp_linalg(A)


def cholesky_solve(B, L, upper=False):
    """The solution X of ``A X = B`` where ``A = L L^T`` (``U^T U`` with ``upper=True``); only
    the given triangle of L is read.

    >>> import chainrule as cr
    >>> cr.cholesky_solve(cr.tensor([[8.0]]), cr.tensor([[2.0]]))
    tensor([[2.]])
    """
    _check_matrix(L, "cholesky_solve")
    _check_float(B, "cholesky_solve")
    if B._data.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B._data.ndim} "
                           f"dimensions instead")
    t = _triangle(L, upper)
    return solve(t.mT @ t if upper else t @ t.mT, B)


def _triangle(L, upper):
    """The triangle of L that the Cholesky ops read; its gradient goes to all of L, as in
    PyTorch (whose rules take the factor as a full matrix)."""
    from chainrule.ops.creation import tril, triu

    t = triu(L) if upper else tril(L)
    return L - (L - t).detach() if L._rg else t


def cholesky_inverse(L, upper=False):
    """The inverse of ``A = L L^T`` (``U^T U`` with ``upper=True``) from its Cholesky factor.

    >>> import chainrule as cr
    >>> cr.cholesky_inverse(cr.tensor([[2.0]]))
    tensor([[0.2500]])
    """
    _check_matrix(L, "cholesky_inverse")
    t = _triangle(L, upper)
    return inv(t.mT @ t if upper else t @ t.mT)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """``(solution, cloned_coefficient)`` of ``op(A) X = b`` for triangular A (``op(A)`` is
    ``A^T`` with ``transpose=True``); prefer ``linalg.solve_triangular``.

    >>> import chainrule as cr, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     cr.triangular_solve(cr.tensor([[4.0]]), cr.tensor([[2.0]])).solution
    tensor([[2.]])
    """
    import warnings

    warnings.warn("torch.triangular_solve is deprecated in favor of "
                  "torch.linalg.solve_triangular and will be removed in a future PyTorch "
                  "release.", UserWarning, stacklevel=2)
    _check_matrix(A, "triangular_solve")
    if b._data.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected b to have at least 2 dimensions, "
                           f"but it has {b._data.ndim} dimensions instead")
    a = A.mT if transpose else A
    x = solve_triangular(a, b, upper=upper != bool(transpose), unitriangular=unitriangular)
    return TriangularSolveResult(x, A.clone())
