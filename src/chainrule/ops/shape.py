"""Shape and movement ops. Their derivatives only move gradient values back into place:
reshape <-> reshape, permute <-> inverse permute, expand <-> sum, cat <-> slices."""

from __future__ import annotations

import builtins
import functools

import numpy as np

from chainrule import _dtype
from chainrule.autograd.primitive import primitive
from chainrule.ops import rules as R
from chainrule.tensor import Tensor

_wrap = Tensor._wrap


def normalize_dim(dim, ndim: int, op: str = "op") -> int:
    """A dimension index in ``[0, ndim)``; negative counts from the end, as PyTorch."""
    n = builtins.max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}(): dim must be an int, got {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(f"{op}(): Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return int(dim) % n if ndim else 0


def normalize_dims(dim, ndim: int, op: str = "op"):
    """``dim`` (None, int or sequence) as a sorted tuple of axes, or None for all."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        axes = tuple(normalize_dim(d, ndim, op) for d in dim)
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"{op}(): dim {list(dim)} appears multiple times in the list "
                               f"of dims")
        return tuple(sorted(axes)) if ndim else None
    return (normalize_dim(dim, ndim, op),) if ndim else None


def _shape_arg(shape):
    # f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size([2, 3])) all mean the same shape
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


# fmt: off
@primitive
def _reshape(x, *, shape):
    return np.reshape(x, shape)
_reshape.defvjp(lambda g, out, x, *, shape: R.reshape(g, x.shape), saves_inputs=False)

@primitive
def _permute(x, *, axes):
    return np.transpose(x, axes)
_permute.defvjp(lambda g, out, x, *, axes: R.permute(g, tuple(np.argsort(axes))),
                saves_inputs=False)

@primitive
def _expand(x, *, shape):
    return np.broadcast_to(x, shape)
_expand.defvjp(lambda g, out, x, *, shape: g, saves_inputs=False)   # engine sums back

@primitive
def _flip(x, *, axes):
    return np.flip(x, axes)
_flip.defvjp(lambda g, out, x, *, axes: R.flip(g, axes), saves_inputs=False)

@primitive
def _repeat(x, *, reps):
    return np.tile(x, reps)
_repeat.defvjp(lambda g, out, x, *, reps: _repeat_rule(g, x.shape, reps), saves_inputs=False)

@primitive
def _cat(*xs, axis):
    return np.concatenate(xs, axis=axis)

def _cat_rule(i, g, out, *xs, axis):
    start = builtins.sum(x.shape[axis] for x in xs[:i])
    index = (slice(None),) * axis + (slice(start, start + xs[i].shape[axis]),)
    return g[index]
_cat.defvjp_argnum(_cat_rule, saves_inputs=False)
# fmt: on


def _repeat_rule(g, in_shape, reps):
    # Output axis k of size r*s splits into (r, s); summing over the r-axes undoes the tiling.
    lead = len(reps) - len(in_shape)
    full = (1,) * lead + tuple(in_shape)
    split = []
    for r, s in zip(reps, full):
        split += [r, s]
    g = R.reshape(g, tuple(split))
    g = R.sum(g, axis=tuple(range(0, 2 * len(reps), 2)))
    return R.reshape(g, in_shape)


def reshape(input, *shape):
    """The same values in a new shape (one dimension may be -1)."""
    shape = _shape_arg(shape)
    n = input._data.size
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if shape.count(-1) > 1:
        raise RuntimeError("reshape: only one dimension can be inferred")
    if (shape.count(-1) == 0 and known != n) or (shape.count(-1) == 1 and (known == 0 or
                                                                        n % known)):
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
    if shape == input._data.shape:
        return input
    return _reshape(input, shape=shape)


view = reshape


def view_as(input, other):
    return reshape(input, other._data.shape)


def reshape_as(input, other):
    return reshape(input, other._data.shape)


def permute(input, *dims):
    dims = _shape_arg(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    axes = tuple(normalize_dim(d, nd, "permute") for d in dims)
    if len(set(axes)) != nd:
        raise RuntimeError(f"permute(): duplicate dims are not allowed, got {list(dims)}")
    if axes == tuple(range(nd)):
        return input
    return _permute(input, axes=axes)


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    if nd == 0:
        return input
    d0, d1 = normalize_dim(dim0, nd, "transpose"), normalize_dim(dim1, nd, "transpose")
    if d0 == d1:
        return input
    axes = list(range(nd))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return _permute(input, axes=tuple(axes))


swapaxes = swapdims = transpose


def t(input):
    """Transpose of a matrix (0-D and 1-D tensors are returned as they are)."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input._data.ndim}D")
    return transpose(input, 0, 1) if input._data.ndim == 2 else input


def movedim(input, source, destination):
    nd = input._data.ndim
    src = [normalize_dim(s, nd, "movedim") for s in np.atleast_1d(source)]
    dst = [normalize_dim(d, nd, "movedim") for d in np.atleast_1d(destination)]
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


moveaxis = movedim


def flatten(input, start_dim=0, end_dim=-1):
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, (1,))
    s = normalize_dim(start_dim, nd, "flatten")
    e = normalize_dim(end_dim, nd, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input._data.shape
    return reshape(input, shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])


def unflatten(input, dim, sizes):
    nd = input._data.ndim
    d = normalize_dim(dim, nd, "unflatten")
    shape = input._data.shape
    sizes = tuple(int(s) for s in sizes)
    if -1 not in sizes and int(np.prod(sizes)) != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[d]}) in the input tensor")
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


def squeeze(input, dim=None):
    shape = input._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = normalize_dims(dim, len(shape), "squeeze") or ()
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return reshape(input, new)


def unsqueeze(input, dim):
    nd = input._data.ndim
    d = normalize_dim(dim, nd + 1, "unsqueeze")
    shape = input._data.shape
    return _reshape(input, shape=shape[:d] + (1,) + shape[d:])


def expand(input, *sizes):
    """Broadcast singleton dimensions to ``sizes`` (-1 keeps a size) without copying."""
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be "
                           f"greater or equal to the number of dimensions in the tensor "
                           f"({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        cur = shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing "
                                   "dimension")
            s = cur
        elif cur is not None and cur != 1 and cur != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}")
        target.append(s)
    target = tuple(target)
    if target == shape:
        return input
    return _expand(input, shape=target)


def expand_as(input, other):
    return expand(input, other._data.shape)


def broadcast_to(input, shape):
    return expand(input, tuple(shape))


def broadcast_tensors(*tensors):
    shape = np.broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


def broadcast_shapes(*shapes):
    from chainrule.tensor import Size

    return Size(np.broadcast_shapes(*shapes))


def repeat(input, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dimension (like ``numpy.tile``)."""
    reps = _shape_arg(sizes)
    if len(reps) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return _repeat(input, reps=reps)


def tile(input, dims):
    reps = tuple(dims)
    if len(reps) < input._data.ndim:
        reps = (1,) * (input._data.ndim - len(reps)) + reps
    return _repeat(input, reps=reps)


def flip(input, dims):
    axes = normalize_dims(dims if isinstance(dims, (list, tuple)) else [dims],
                          input._data.ndim, "flip")
    if axes is None:
        return input
    return _flip(input, axes=axes)


def cat(tensors, dim=0, *, axis=None):
    """Join tensors along an existing dimension."""
    dim = axis if axis is not None else dim
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    from chainrule.ops._convert import cast

    ref = tensors[0]
    nd = ref._data.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = normalize_dim(dim, nd, "cat")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"cat(): expected a sequence of Tensors, got {type(t).__name__} "
                            f"at position {i}")
        s = t._data.shape
        if len(s) != nd or s[:d] + s[d + 1:] != ref._data.shape[:d] + ref._data.shape[d + 1:]:
            raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected "
                               f"size {list(ref._data.shape)} but got size {list(s)} for tensor "
                               f"number {i} in the list.")
    # PyTorch's promotion (by category first: int64 with float32 is float32, not float64)
    rt = functools.reduce(_dtype.promote_same_rank, [t._data.dtype for t in tensors])
    tensors = [cast(t, rt) for t in tensors]
    return _cat(*tensors, axis=d)


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join tensors along a new dimension."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(t._data.shape)} at entry {i}")
    d = normalize_dim(dim, len(shape) + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d)


def hstack(tensors):
    tensors = list(tensors)
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    return cat([t if t._data.ndim >= 2 else reshape(t, (1, -1)) for t in tensors], 0)


def narrow(input, dim, start, length):
    d = normalize_dim(dim, input._data.ndim, "narrow")
    return input[(slice(None),) * d + (slice(start, start + length),)]


def split(tensor, split_size_or_sections, dim=0):
    """Split into chunks of ``split_size`` (last may be smaller) or of the given sizes."""
    d = normalize_dim(dim, tensor._data.ndim, "split")
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(tensor, d, start, s))
        start += s
    return tuple(out)


def tensor_split(input, indices_or_sections, dim=0):
    d = normalize_dim(dim, input._data.ndim, "tensor_split")
    n = input._data.shape[d]
    if isinstance(indices_or_sections, Tensor):  # a 0-d count or a 1-d list of indices
        indices_or_sections = (int(indices_or_sections._data) if indices_or_sections.ndim == 0
                               else indices_or_sections._data.tolist())
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
    else:
        bounds = [0] + list(indices_or_sections) + [n]
        sizes = [b - a for a, b in zip(bounds[:-1], bounds[1:])]
    return split(input, sizes, d)


def chunk(input, chunks, dim=0):
    """Split into ``chunks`` pieces of size ceil(n / chunks) (fewer when n is small)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim(dim, input._data.ndim, "chunk")
    n = input._data.shape[d]
    step = -(-n // chunks) if n else 1
    return split(input, step, d)


def unbind(input, dim=0):
    d = normalize_dim(dim, input._data.ndim, "unbind")
    return tuple(input[(slice(None),) * d + (i,)] for i in range(input._data.shape[d]))


def select(input, dim, index):
    """The slice at ``index`` along ``dim`` (that dimension is removed)."""
    d = normalize_dim(dim, input._data.ndim, "select")
    return input[(slice(None),) * d + (index,)]
