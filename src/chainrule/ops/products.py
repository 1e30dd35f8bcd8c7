"""Fused products and distances: addmm, baddbmm, kron, tensordot, cross, cdist, cov, ...

Most are composites of ``matmul``/``einsum``, elementwise ops and ``vector_norm``, so their
derivatives come from those ops. The exception is the matrix-product form of the Euclidean
``cdist`` (``_cdist_mm``), whose rule is written out below.

The ``add*`` family computes ``beta * input + alpha * (product)``; with ``beta=0`` the input
is ignored (NaN or inf in it do not propagate; its gradient is zero), as in PyTorch.
"""

from __future__ import annotations

import warnings

import numpy as np

from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.ops._convert import as_operand, float_operand, pair
from chainrule.tensor import Tensor

__all__ = ["addmm", "addmv", "addr", "baddbmm", "addbmm", "chain_matmul", "vdot", "kron",
           "tensordot", "cross", "cdist", "dist", "pdist", "cov", "corrcoef", "renorm"]

# Names bound as Tensor methods (``x.name(...)``) and, with a trailing underscore, as
# in-place methods (``x.name_(...)``), by ``chainrule.ops._methods``.
TENSOR_METHODS = "addmm addmv addr baddbmm addbmm vdot kron cross dist cov corrcoef renorm"
INPLACE_METHODS = "addmm addmv addr baddbmm addbmm renorm"

_wrap = Tensor._wrap
_INF = float("inf")
_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "bool": "Bool", "float16": "Half", "float32": "Float",
                "float64": "Double"}


def _tname(t):
    return _TORCH_NAMES.get(t._data.dtype.name, t._data.dtype.name)


def _shape_str(s):
    return "x".join(str(d) for d in s)


# ------------------------------------------------------------------ beta * input + alpha * P
def _check_ndim(t, nd, what, name):
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}(): argument '{what}' must be Tensor, not {type(t).__name__}")
    if t._data.ndim != nd:
        kind = {1: "vector", 2: "matrix", 3: "3D tensor"}[nd]
        raise RuntimeError(f"{name}: {what} must be a {kind}, got {t._data.ndim}-D tensor")


def _same_dtype(name, *ts):
    dts = {t._data.dtype for t in ts}
    if len(dts) > 1:
        names = " and ".join(_tname(t) for t in ts)
        raise RuntimeError(f"{name}: expected all tensors to have the same dtype, but got "
                           f"{names}")


def _combine(input, prod, beta, alpha, name):
    """``beta * input + alpha * prod`` with ``input`` broadcast to ``prod``'s shape."""
    from chainrule.ops.elementwise import where

    shape = prod._data.shape
    ishape = input._data.shape
    try:
        ok = np.broadcast_shapes(ishape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        nd = len(shape)
        pad = (1,) * (nd - len(ishape)) + ishape
        bad = next((i for i in range(nd) if pad[i] not in (1, shape[i])), nd - 1)
        raise RuntimeError(f"{name}: The expanded size of the tensor ({shape[bad]}) must match "
                           f"the existing size ({pad[bad]}) at non-singleton dimension {bad}.  "
                           f"Target sizes: {list(shape)}.  Tensor sizes: {list(ishape)}")
    if prod._data.dtype.kind in "iub":
        beta, alpha = int(beta), int(alpha)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:  # input is ignored: NaN in it must not propagate (its gradient is 0)
        return prod + where(_wrap(np.zeros(ishape, dtype=bool)), input, 0)
    return (input if beta == 1 else input * beta) + prod


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)`` for matrices (input broadcasts).

    >>> import chainrule as cr
    >>> cr.addmm(cr.ones(2, 2), cr.eye(2), cr.eye(2), beta=0.5, alpha=2)
    tensor([[2.5000, 0.5000],
            [0.5000, 2.5000]])
    """
    from chainrule.ops.linalg import matmul

    _check_ndim(mat1, 2, "mat1", "addmm")
    _check_ndim(mat2, 2, "mat2", "addmm")
    input = as_operand(input)
    _same_dtype("addmm", input, mat1, mat2)
    return _combine(input, matmul(mat1, mat2), beta, alpha, "addmm")


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat @ vec)``.

    >>> import chainrule as cr
    >>> cr.addmv(cr.ones(2), cr.eye(2), cr.tensor([1.0, 2.0]))
    tensor([2., 3.])
    """
    from chainrule.ops.linalg import matmul

    _check_ndim(mat, 2, "mat", "addmv")
    _check_ndim(vec, 1, "vec", "addmv")
    input = as_operand(input)
    _same_dtype("addmv", input, mat, vec)
    if mat._data.shape[1] != vec._data.shape[0]:
        n = input._data.shape[0] if input._data.ndim else 1
        raise RuntimeError(f"addmv: size mismatch, got input ({n}), "
                           f"mat ({_shape_str(mat._data.shape)}), vec ({vec._data.shape[0]})")
    return _combine(input, matmul(mat, vec), beta, alpha, "addmv")


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """``beta * input + alpha * outer(vec1, vec2)``.

    >>> import chainrule as cr
    >>> cr.addr(cr.zeros(2, 2), cr.tensor([1.0, 2.0]), cr.tensor([1.0, 3.0]))
    tensor([[1., 3.],
            [2., 6.]])
    """
    _check_ndim(vec1, 1, "vec1", "addr")
    _check_ndim(vec2, 1, "vec2", "addr")
    input = as_operand(input)
    _same_dtype("addr", input, vec1, vec2)
    return _combine(input, vec1.reshape(-1, 1) * vec2.reshape(1, -1), beta, alpha, "addr")


def _check_batches(b1, b2, name):
    _check_ndim(b1, 3, "batch1", name)
    _check_ndim(b2, 3, "batch2", name)
    s1, s2 = b1._data.shape, b2._data.shape
    if s1[0] != s2[0] or s1[2] != s2[1]:
        raise RuntimeError(f"{name}: expected batch1 and batch2 to be [b, n, m] and [b, m, p] "
                           f"tensors, but got {list(s1)} and {list(s2)}")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * (batch1 @ batch2)`` for batches of matrices.

    >>> import chainrule as cr
    >>> cr.baddbmm(cr.zeros(1, 1, 1), cr.ones(1, 1, 2), cr.ones(1, 2, 1)).shape
    chainrule.Size([1, 1, 1])
    """
    from chainrule.ops.linalg import matmul

    _check_batches(batch1, batch2, "baddbmm")
    input = as_operand(input)
    _same_dtype("baddbmm", input, batch1, batch2)
    return _combine(input, matmul(batch1, batch2), beta, alpha, "baddbmm")


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``.

    >>> import chainrule as cr
    >>> cr.addbmm(cr.zeros(1, 1), cr.ones(3, 1, 2), cr.ones(3, 2, 1))
    tensor([[6.]])
    """
    from chainrule.ops.linalg import einsum

    _check_batches(batch1, batch2, "addbmm")
    input = as_operand(input)
    _same_dtype("addbmm", input, batch1, batch2)
    return _combine(input, einsum("bij,bjk->ik", batch1, batch2), beta, alpha, "addbmm")


# ------------------------------------------------------------------ products
def chain_matmul(*matrices):
    """The product of 2-D matrices (deprecated in PyTorch: use ``linalg.multi_dot``).

    >>> import chainrule as cr, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     cr.chain_matmul(cr.eye(2), cr.ones(2, 1))
    tensor([[1.],
            [1.]])
    """
    from chainrule.linalg import multi_dot

    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future release. "
                  "Use linalg.multi_dot instead, which accepts a list of two or more tensors "
                  "rather than multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(matrices):
        if m._data.ndim != 2:
            raise RuntimeError(f"chain_matmul(): Expected tensor {i} to be 2D, but got "
                               f"{m._data.ndim}D")
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


def vdot(input, other):
    """The dot product of two 1-D tensors (real: the same as ``dot``).

    >>> import chainrule as cr
    >>> cr.vdot(cr.tensor([1.0, 2.0]), cr.tensor([3.0, 4.0]))
    tensor(11.)
    """
    from chainrule.ops.linalg import dot

    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and "
                           f"{other._data.ndim}D tensors")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_tname(input)} and {_tname(other)}")
    return dot(input, other)


def kron(input, other):
    """The Kronecker product: blocks ``input[i, j, ...] * other``.

    >>> import chainrule as cr
    >>> cr.kron(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 10.0]))
    tensor([ 1., 10.,  2., 20.])
    """
    a, b = pair(input, other)
    nd = max(a._data.ndim, b._data.ndim)
    sa = (1,) * (nd - a._data.ndim) + a._data.shape
    sb = (1,) * (nd - b._data.ndim) + b._data.shape
    # a[i0, 1, i1, 1, ...] * b[1, j0, 1, j1, ...], then merge each (i_k, j_k) pair
    ra = tuple(x for s in sa for x in (s, 1))
    rb = tuple(x for s in sb for x in (1, s))
    return (a.reshape(ra) * b.reshape(rb)).reshape(tuple(x * y for x, y in zip(sa, sb)))


def tensordot(a, b, dims=2, out=None):
    """Contract the last ``dims`` dimensions of ``a`` with the first ``dims`` of ``b``, or the
    dimensions listed in ``dims = (dims_a, dims_b)``.

    >>> import chainrule as cr
    >>> cr.tensordot(cr.ones(2, 3), cr.ones(3, 4), dims=1).shape
    chainrule.Size([2, 4])
    """
    from chainrule.ops.linalg import matmul

    if out is not None:
        raise NotImplementedError("tensordot: out= is not supported")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > na or dims > nb:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got "
                               f"dims={dims}")
        da = list(range(na - dims, na))
        db = list(range(dims))
        shown_a = [d - na for d in da]
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length, but got "
                               f"{len(da)} and {len(db)}")
        shown_a = list(da)
        for dl, n in ((da, na), (db, nb)):
            for d in dl:
                if not -n <= d < max(n, 1):
                    raise IndexError(f"Dimension out of range (expected to be in range of "
                                     f"[{-n}, {n - 1}], but got {d})")
        da = [d % na for d in da]
        db = [d % nb for d in db]
    for x, y, sx, y0 in zip(da, db, shown_a, db):
        if a._data.shape[x] != b._data.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a._data.shape[x]} in dim {sx} and second has size "
                               f"{b._data.shape[y]} in dim {y0}")
    fa = [d for d in range(na) if d not in da]
    fb = [d for d in range(nb) if d not in db]
    k = int(np.prod([a._data.shape[d] for d in da], dtype=np.int64))
    sfa = [a._data.shape[d] for d in fa]
    sfb = [b._data.shape[d] for d in fb]
    am = a.permute(fa + da).reshape(int(np.prod(sfa, dtype=np.int64)), k)
    bm = b.permute(db + fb).reshape(k, int(np.prod(sfb, dtype=np.int64)))
    return matmul(am, bm).reshape(tuple(sfa + sfb))


def linalg_cross(input, other, *, dim=-1):
    """``linalg.cross``: the cross product of 3-vectors along ``dim``, inputs broadcast."""
    from chainrule.ops.shape import cat

    a, b = pair(input, other)
    if a._data.ndim != b._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    nd = a._data.ndim
    if not -nd <= dim < max(nd, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, "
                         f"{nd - 1}], but got {dim})")
    if a._data.shape[dim] != 3 or b._data.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a._data.shape[dim]} and {b._data.shape[dim]}")
    try:
        shape = np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        raise RuntimeError(f"linalg.cross: the shapes {list(a.shape)} and {list(b.shape)} "
                           f"cannot be broadcast") from None
    a, b = a.expand(shape), b.expand(shape)
    x = [a.narrow(dim, i, 1) for i in range(3)]
    y = [b.narrow(dim, i, 1) for i in range(3)]
    return cat([x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2],
                x[0] * y[1] - x[1] * y[0]], dim)


def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim``; without ``dim`` (deprecated, with a
    warning, as PyTorch) the first dimension of size 3.

    >>> import chainrule as cr
    >>> cr.cross(cr.tensor([0.0, 1.0, 0.0]), cr.tensor([0.0, 0.0, 1.0]), dim=0)
    tensor([1., 0., 0.])
    """
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                      "Please either pass the dim explicitly or simply use torch.linalg.cross."
                      "\nThe default value of dim will change to agree with that of "
                      "linalg.cross in a future release.", UserWarning, stacklevel=2)
        if input._data.ndim != other._data.ndim:
            raise RuntimeError("linalg.cross: inputs must have the same number of "
                               "dimensions.")
        shape = np.broadcast_shapes(input._data.shape, other._data.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


# ------------------------------------------------------------------ distances
# fmt: off
@primitive
def _cdist_mm(x1, x2):
    # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b (PyTorch's matrix-product path for larger inputs)
    n1 = np.sum(x1 * x1, axis=-1)[..., :, None]
    n2 = np.sum(x2 * x2, axis=-1)[..., None, :]
    d2 = n1 + n2 - 2 * (x1 @ np.swapaxes(x2, -1, -2))
    return np.sqrt(np.maximum(d2, 0))

def _cdist_coef(g, out):
    # d d_pr / d x1_p = (x1_p - x2_r) / d_pr, taken as 0 where d_pr = 0 (as PyTorch)
    zero = out == 0
    return R.where(zero, 0.0, g / R.where(zero, 1.0, out))

def _cdist_mm_rule_x1(g, out, x1, x2):
    c = _cdist_coef(g, out)
    return x1 * R.sum(c, axis=-1, keepdims=True) - R.matmul(c, x2)

def _cdist_mm_rule_x2(g, out, x1, x2):
    c = _cdist_coef(g, out)
    return x2 * R.swap_last(R.sum(c, axis=-2, keepdims=True)) - R.matmul(R.swap_last(c), x1)
_cdist_mm.defvjp(_cdist_mm_rule_x1, _cdist_mm_rule_x2, saves_out=True)
# fmt: on


def _pnorm_last(diff, p):
    """The p-norm over the last dimension, with PyTorch's distance-function gradients (for
    p = inf every coordinate that attains the maximum gets the full gradient)."""
    from chainrule.ops.reduction import vector_norm

    if p == _INF and diff._data.shape[-1] > 0:
        ad = diff.abs()
        m = ad.amax(-1).detach()
        hit = (ad.detach() == m.unsqueeze(-1)).to(ad.dtype)
        return m + ((ad - ad.detach()) * hit).sum(-1)
    return vector_norm(diff, p, -1)


def _check_p(p, name):
    if not isinstance(p, (int, float, np.integer, np.floating)) or isinstance(p, bool):
        raise TypeError(f"{name}(): argument 'p' must be float, not {type(p).__name__}")
    if p < 0 or p != p:
        raise RuntimeError(f"{name} only supports non-negative p values")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of ``x1`` (..., P, M) and ``x2``
    (..., R, M): shape (..., P, R). For p = 2 and more than 25 rows (or
    ``compute_mode="use_mm_for_euclid_dist"``) the matrix-product formula is used, as
    PyTorch. The gradient at zero distance is 0.

    >>> import chainrule as cr
    >>> cr.cdist(cr.tensor([[0.0, 0.0]]), cr.tensor([[3.0, 4.0], [1.0, 0.0]]))
    tensor([[5., 1.]])
    """
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
             "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes and compute_mode is not None:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for t, n in ((x1, "X1"), (x2, "X2")):
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {n} got: "
                               f"{_tname(t)}")
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {n} got: "
                               f"{t._data.ndim}D")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1._data.shape[-1]} X2: {x2._data.shape[-1]}")
    _check_p(p, "cdist")
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError(f"cdist: X1 and X2 must have the same dtype, but got "
                           f"{_tname(x1)} and {_tname(x2)}")
    try:
        batch = np.broadcast_shapes(x1._data.shape[:-2], x2._data.shape[:-2])
    except ValueError:
        raise RuntimeError(f"cdist: the batch dimensions {list(x1.shape[:-2])} and "
                           f"{list(x2.shape[:-2])} cannot be broadcast") from None
    P, Rr = x1._data.shape[-2], x2._data.shape[-2]
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode in (None, modes[0]) and (P > 25 or Rr > 25)))
    if use_mm:
        return _cdist_mm(x1.expand(batch + x1._data.shape[-2:]),
                         x2.expand(batch + x2._data.shape[-2:]))
    return _pnorm_last(x1.unsqueeze(-2) - x2.unsqueeze(-3), p)


def dist(input, other, p=2):
    """The p-norm of ``input - other`` (broadcast), a 0-d tensor.

    >>> import chainrule as cr
    >>> cr.dist(cr.tensor([0.0, 0.0]), cr.tensor([3.0, 4.0]))
    tensor(5.)
    """
    from chainrule.ops.reduction import vector_norm

    a, b = pair(input, other)
    if a._data.dtype.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                           f"Got {_tname(a)} instead.")
    return vector_norm(a - b, float(p))


def pdist(input, p=2):
    """Distances between all pairs of rows ``i < j`` of an (N, M) tensor, in row-major
    order: shape (N * (N - 1) / 2,).

    >>> import chainrule as cr
    >>> cr.pdist(cr.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    tensor([5.0000, 1.0000, 4.2426])
    """
    from chainrule.ops.indexing import index_select

    if input._data.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input._data.ndim}D")
    if input._data.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    _check_p(p, "pdist")
    i, j = np.triu_indices(input._data.shape[0], 1)
    diff = (index_select(input, 0, _wrap(i.astype(np.int64)))
            - index_select(input, 0, _wrap(j.astype(np.int64))))
    return _pnorm_last(diff, p)


# ------------------------------------------------------------------ statistics
def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance matrix of the variables in the rows of ``input`` (observations in columns);
    ``fweights`` (integer frequencies) and ``aweights`` (observation weights) weight the
    observations, ``correction`` is subtracted from the (weighted) count.

    >>> import chainrule as cr
    >>> cr.cov(cr.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {nd} dimensions")
    x = float_operand(input)
    x = x.reshape(1, -1) if nd < 2 else x
    n = x._data.shape[1]
    w = None
    if fweights is not None:
        f = as_operand(fweights)
        if f._data.ndim > 1:
            raise RuntimeError(f"cov(): expected fweights to have one or fewer dimensions but "
                               f"got fweights with {f._data.ndim} dimensions")
        if f._data.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got "
                               f"fweights with {_tname(f)} dtype")
        if f._data.size != n:
            raise RuntimeError(f"cov(): expected fweights to have the same numel as there are "
                               f"observations in the input but got {f._data.size} != {n}")
        if (f._data < 0).any():
            raise RuntimeError("cov(): fweights cannot be negative")
        w = f
    if aweights is not None:
        a = as_operand(aweights)
        if a._data.ndim > 1:
            raise RuntimeError(f"cov(): expected aweights to have one or fewer dimensions but "
                               f"got aweights with {a._data.ndim} dimensions")
        if a._data.dtype.kind != "f":
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got "
                               f"aweights with {_tname(a)} dtype")
        if a._data.size != n:
            raise RuntimeError(f"cov(): expected aweights to have the same numel as there are "
                               f"observations in the input but got {a._data.size} != {n}")
        if (a._data < 0).any():
            raise RuntimeError("cov(): aweights cannot be negative")
        w = a if w is None else w * a
    if w is None:
        w_sum = float(n)
        avg = x.mean(1) if n else x.sum(1) * float("nan")
    else:
        w = w.to(x.dtype)
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
    if w is None or aweights is None:
        norm = w_sum - correction
    else:
        norm = w_sum - correction * (w * as_operand(aweights).to(x.dtype)).sum() / w_sum
    norm_value = norm if isinstance(norm, float) else norm.item()
    if norm_value <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = 0.0 if isinstance(norm, float) else norm.clamp_min(0)
    xm = x - avg.unsqueeze(1)
    xw = xm if w is None else xm * w
    with np.errstate(divide="ignore", invalid="ignore"):
        c = (xw @ xm.mT) / norm
    return c.squeeze() if c._data.size == 1 else c


def corrcoef(input):
    """Pearson correlation coefficients of the rows of ``input``, clipped to [-1, 1].

    >>> import chainrule as cr
    >>> cr.corrcoef(cr.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but "
                           f"got an input with {nd} dimensions")
    c = cov(input)
    with np.errstate(divide="ignore", invalid="ignore"):
        if c._data.ndim == 0:
            return c / c
        eye = np.eye(c._data.shape[-1], dtype=c._data.dtype)
        std = (c * _wrap(eye)).sum(-1).sqrt()
        c = c / std.unsqueeze(1) / std.unsqueeze(0)
    return c.clamp(-1, 1)


def renorm(input, p, dim, maxnorm):
    """Each slice ``input.select(dim, i)`` whose p-norm exceeds ``maxnorm`` is scaled down to
    norm ``maxnorm`` (times ``maxnorm / (norm + 1e-7)``, as PyTorch); others are unchanged.

    >>> import chainrule as cr
    >>> cr.renorm(cr.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    from chainrule.ops.elementwise import where
    from chainrule.ops.reduction import vector_norm
    from chainrule.ops.shape import normalize_dim

    if input._data.dtype.kind != "f":
        raise RuntimeError(f"renorm: Expected a floating point tensor as input. Got "
                           f"{_tname(input)}")
    if not p > 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (got p={p})")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    nd = input._data.ndim
    if nd <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {nd} dimensions")
    d = normalize_dim(dim, nd, "renorm")
    others = tuple(i for i in range(nd) if i != d)
    norm = vector_norm(input, float(p), others, True)
    factor = where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)
    return input * factor
