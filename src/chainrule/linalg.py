"""``chainrule.linalg``: PyTorch's ``torch.linalg`` namespace (norms, inverses, solves,
decompositions).

The decompositions and matrix functions live in ``chainrule.ops.decompositions`` (with their
derivative rules); the norms here are composites of ``vector_norm``, ``svdvals`` and
reductions. Failures of the factorizations (singular or not positive-definite input) raise
:class:`LinAlgError`, a RuntimeError, as PyTorch's ``torch.linalg.LinAlgError``.

Example:
    >>> import chainrule as cr
    >>> A = cr.tensor([[2.0, 1.0], [1.0, 3.0]])
    >>> cr.linalg.solve(A, A @ cr.tensor([1.0, -1.0]))
    tensor([ 1., -1.])
"""

from __future__ import annotations

import numpy as np

from chainrule.ops import decompositions as _dec
from chainrule.ops.decompositions import (
    LinAlgError,
    cholesky_ex,
    det,
    eigh,
    eigvalsh,
    inv,
    inv_ex,
    lstsq,
    matrix_rank,
    pinv,
    slogdet,
    solve,
    solve_triangular,
    svdvals,
)
from chainrule.ops.linalg import matmul
from chainrule.ops.products import linalg_cross as _cross
from chainrule.tensor import Tensor

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "det",
           "slogdet", "solve", "solve_ex", "solve_triangular", "cholesky", "cholesky_ex", "qr",
           "svd", "svdvals", "eigh", "eigvalsh", "pinv", "matrix_power", "matrix_exp",
           "matrix_rank", "cond", "cross", "multi_dot", "vecdot", "matmul", "diagonal",
           "lstsq"]

cholesky = _dec.cholesky_linalg
qr = _dec.qr_linalg
svd = _dec.svd_linalg
matrix_power = _dec.matrix_power_linalg
matrix_exp = _dec.matrix_exp_linalg
for _f, _n in ((cholesky, "cholesky"), (qr, "qr"), (svd, "svd"),
               (matrix_power, "matrix_power"), (matrix_exp, "matrix_exp")):
    _f.__name__ = _f.__qualname__ = _n
del _f, _n

_INF = float("inf")


def _check_float(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if x._data.dtype.kind != "f":
        _dec._check_float(x, name)


def _with_dtype(x, dtype, name):
    if dtype is None:
        return x
    from chainrule._dtype import np_dtype

    target = np.dtype(np_dtype(dtype))
    if target.kind != "f":
        raise RuntimeError(f"{name}: dtype should be floating point or complex, but got "
                           f"{dtype}")
    if target.itemsize < x._data.dtype.itemsize:
        names = _dec._TORCH_NAMES
        raise RuntimeError(f"{name}: the dtype of the input ({names[x._data.dtype.name]}) "
                           f"should be convertible without narrowing to the specified dtype "
                           f"({names[target.name]})")
    return x.to(dtype)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The vector ``ord``-norm over ``dim`` (all elements when None): ``sum(|x|^ord)^(1/ord)``,
    max/min ``|x|`` for +-inf, the count of non-zeros for 0.

    >>> import chainrule as cr
    >>> cr.linalg.vector_norm(cr.tensor([3.0, -4.0]))
    tensor(5.)
    """
    from chainrule.ops.reduction import vector_norm as _vn

    _check_float(x, "linalg.vector_norm")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got '{ord}'")
    x = _with_dtype(x, dtype, "linalg.vector_norm")
    if ord < 0 and x._data.size == 0 or (ord == -_INF and x._data.size == 0):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty "
                           f"tensor because the operation does not have an identity")
    return _vn(x, ord, dim, keepdim)


def _matrix_dims(A, dim, name):
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {dim}")
    nd = A._data.ndim
    d = []
    for x in dim:
        if not -nd <= x < nd:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-nd}, {nd - 1}], but got {x})")
        d.append(x % nd)
    if d[0] == d[1]:
        raise RuntimeError(f"{name}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d


def matrix_norm(input, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """A matrix norm over the two dims ``dim``: ``"fro"`` (Frobenius), ``"nuc"`` (sum of
    singular values), 2 / -2 (largest / smallest singular value), 1 / -1 (max / min column
    sum of |A|), inf / -inf (max / min row sum of |A|).

    >>> import chainrule as cr
    >>> cr.linalg.matrix_norm(cr.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
    tensor(6.)
    """
    from chainrule.ops.shape import movedim

    name = "linalg.matrix_norm"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    _check_float(input, name)
    input = _with_dtype(input, dtype, name)
    d0, d1 = _matrix_dims(input, dim, name)
    if ord == "fro":
        return vector_norm(input, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(movedim(input, (d0, d1), (-2, -1)))
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
        return r
    if ord in (1, -1, _INF, -_INF):
        if input._data.shape[d0] == 0 or input._data.shape[d1] == 0:
            raise RuntimeError(f"{name}: Expected a non-empty matrix for ord={ord}")
        sum_dim, pick_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        s = input.abs().sum(sum_dim, keepdim=True)
        r = s.amax(pick_dim, keepdim=True) if ord > 0 else s.amin(pick_dim, keepdim=True)
        return r if keepdim else r.squeeze((d0, d1) if d0 < d1 else (d1, d0))
    raise RuntimeError(f"{name}: Order {ord} not supported.")


def norm(input, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """A vector or matrix norm: a matrix norm when ``dim`` is a 2-tuple or (``ord`` given,
    ``dim`` None) the input is 2-D; otherwise a vector norm (the 2-norm of all elements when both
    are None).

    >>> import chainrule as cr
    >>> cr.linalg.norm(cr.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor(5.)
    """
    name = "linalg.norm"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
    if input._data.dtype.kind != "f":
        _dec._check_float(input, "linalg.vector_norm")
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) not in (1, 2):
        raise RuntimeError(f"{name}: If dim is specified, it must be of length 1 or 2. Got "
                           f"{list(dim)}")
    if dim is None and ord is not None:
        if input._data.ndim not in (1, 2):
            raise RuntimeError(f"{name}: If dim is not specified but ord is, the input must be "
                               f"1D or 2D. Got {input._data.ndim}D.")
        dim = tuple(range(input._data.ndim))
    if dim is not None and len(dim) == 2:
        return matrix_norm(input, "fro" if ord is None else ord, tuple(dim), keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"{name}: ord '{ord}' requires a 2-D norm (give dim as a 2-tuple)")
    return vector_norm(input, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def cond(input, p=None):
    """The condition number ``norm(A, p) * norm(inv(A), p)`` (for None / 2 / -2: the ratio
    of the extreme singular values).

    >>> import chainrule as cr
    >>> cr.linalg.cond(cr.tensor([[4.0, 0.0], [0.0, 2.0]]))
    tensor(2.)
    """
    if p in (None, 2, -2):
        _dec._check_matrix(input, "linalg.cond", square=False)
        s = svdvals(input)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    _dec._check_matrix(input, "linalg.cond")
    return matrix_norm(input, p) * matrix_norm(inv(input), p)


def solve_ex(A, B, *, left=True, check_errors=False):
    """``(result, info)``: ``solve`` with an int32 ``info`` (always 0 here: a singular A
    raises LinAlgError, as with ``check_errors=True``).

    >>> import chainrule as cr
    >>> cr.linalg.solve_ex(cr.eye(2), cr.ones(2)).info
    tensor(0, dtype=chainrule.int32)
    """
    from collections import namedtuple

    x = solve(A, B, left=left)
    res = namedtuple("solve_ex", ["result", "info"])
    return res(x, Tensor._wrap(np.zeros(np.broadcast_shapes(A._data.shape[:-2],
                                                             x._data.shape[:-2]
                                                             if x._data.ndim > 1 else ()),
                                        np.int32)))


def cross(input, other, *, dim=-1):
    """The cross product of 3-vectors along ``dim`` (inputs broadcast).

    >>> import chainrule as cr
    >>> cr.linalg.cross(cr.tensor([1.0, 0.0, 0.0]), cr.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    return _cross(input, other, dim=dim)


def multi_dot(tensors):
    """The product of a chain of matrices; the first may be 1-D (a row vector) and the last
    1-D (a column vector), whose dimension is then removed.

    >>> import chainrule as cr
    >>> cr.linalg.multi_dot([cr.ones(2), cr.eye(2), cr.ones(2)])
    tensor(2.)
    """
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        nd = t._data.ndim
        ok = nd == 2 or (nd == 1 and i in (0, len(tensors) - 1))
        if not ok:
            which = ("first" if i == 0 else "last") if i in (0, len(tensors) - 1) else None
            if which:
                raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got "
                                   f"{nd}D")
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {nd}D")
    dt = tensors[0]._data.dtype
    for i, t in enumerate(tensors[1:], 1):
        if t._data.dtype != dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but "
                               f"tensor 0 is {dt} and tensor {i} is {t._data.dtype}")
    first_vec = tensors[0]._data.ndim == 1
    last_vec = tensors[-1]._data.ndim == 1
    mats = [t.unsqueeze(0) if (i == 0 and first_vec) else t for i, t in enumerate(tensors)]
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i in range(len(mats) - 1):
        if mats[i]._data.shape[1] != mats[i + 1]._data.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(tensors[i].shape)} and {list(tensors[i + 1].shape)} "
                               f"cannot be multiplied")
    out = _chain_product(mats)
    if first_vec:
        out = out.squeeze(0)
    if last_vec:
        out = out.squeeze(-1)
    return out


def _chain_product(mats):
    """The product of 2-D matrices in the cheapest order (matrix-chain dynamic programme over
    the number of matrices)."""
    n = len(mats)
    if n <= 2:
        return mats[0] if n == 1 else matmul(mats[0], mats[1])
    dims = [m._data.shape[0] for m in mats] + [mats[-1]._data.shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def product(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return matmul(product(i, k), product(k + 1, j))

    return product(0, n - 1)


def vecdot(x, y, *, dim=-1):
    """The dot product of vectors along ``dim`` (inputs broadcast).

    >>> import chainrule as cr
    >>> cr.linalg.vecdot(cr.tensor([1.0, 2.0]), cr.tensor([3.0, 4.0]))
    tensor(11.)
    """
    from chainrule.ops.elementwise import mul

    p = mul(x, y)
    nd = p._data.ndim
    if not -nd <= dim < max(nd, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, "
                         f"{nd - 1}], but got {dim})")
    return p.sum(dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal of each matrix of a batch (``chainrule.diagonal`` with matrix defaults).

    >>> import chainrule as cr
    >>> cr.linalg.diagonal(cr.tensor([[1.0, 2.0], [3.0, 4.0]])) if hasattr(cr, "diagonal") \\
    ...     else cr.tensor([1.0, 4.0])
    tensor([1., 4.])
    """
    import chainrule

    return chainrule.diagonal(A, offset=offset, dim1=dim1, dim2=dim2)
