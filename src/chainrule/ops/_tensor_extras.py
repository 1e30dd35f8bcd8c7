"""Tensor methods with no function of their own in ``chainrule``'s namespace, or whose
argument order differs from the function's: dtype shorthands, layout queries, random
in-place fills, sliding windows and a few aliases. Bound by ``bind_extra_methods``, called
from ``chainrule.ops._methods.bind_tensor_methods``."""

from __future__ import annotations

import numpy as np

from chainrule import ops
from chainrule.ops import indexing


def _byte(self):
    """``self.to(chainrule.uint8)``."""
    return self.to(np.uint8)


def _char(self):
    """``self.to(chainrule.int8)``."""
    return self.to(np.int8)


def _short(self):
    """``self.to(chainrule.int16)``."""
    return self.to(np.int16)


def _stride(self, dim=None):
    """Strides in elements (not bytes), as PyTorch's: a tuple, or one dim's stride."""
    strides = tuple(s // self._data.itemsize for s in self._data.strides)
    if dim is None:
        return strides
    return strides[ops.normalize_dim(dim, self._data.ndim, "stride")]


def _storage_offset(self):
    """Elements between the start of the memory this tensor views and its first element."""
    a = self._data
    base = a
    while isinstance(base.base, np.ndarray):
        base = base.base
    return (a.__array_interface__["data"][0] - base.__array_interface__["data"][0]) \
        // a.itemsize


def _is_same_size(self, other):
    return tuple(self._data.shape) == tuple(other._data.shape)


def _is_signed(self):
    return self._data.dtype.kind in "fi"


def _sum_to_size(self, *size):
    """Sum ``self`` down to ``size``, a shape ``self`` broadcasts from (``expand``'s
    reverse)."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    have = tuple(self._data.shape)
    lead = len(have) - len(shape)
    if lead < 0 or any(s not in (1, h) for s, h in zip(shape, have[lead:])):
        raise RuntimeError(f"sum_to_size: size {{{', '.join(map(str, shape))}}} is not "
                           f"expandable to size {{{', '.join(map(str, have))}}}.")
    axes = tuple(range(lead)) + tuple(lead + i for i, (s, h) in
                                      enumerate(zip(shape, have[lead:])) if s == 1 and h != 1)
    out = ops.sum(self, dim=axes, keepdim=True) if axes else self
    return out.reshape(shape) if lead else out


def _split_with_sizes(self, split_sizes, dim=0):
    """``split`` with a list of sizes that must add up to the dim's length."""
    length = self._data.shape[ops.normalize_dim(dim, self._data.ndim, "split_with_sizes")]
    if sum(split_sizes) != length:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} "
                           f"(input tensor's size at dimension {dim}), but got "
                           f"split_sizes={list(split_sizes)}")
    return ops.split(self, list(split_sizes), dim)


def _fill_diagonal_(self, fill_value, wrap=False):
    """Write ``fill_value`` on the main diagonal, in place (a 2-D tensor, or one whose dims
    are all equal). ``wrap``: for a tall matrix, start again every ``cols + 1`` rows."""
    a = self._data
    if a.ndim < 2:
        raise RuntimeError("fill_diagonal_: dimensions must larger than 1")
    if a.ndim > 2 and len(set(a.shape)) != 1:
        raise RuntimeError("fill_diagonal_: all dimensions of input must be of equal length")
    mask = np.zeros(a.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    return self.masked_fill_(ops.tensor(mask), fill_value)


def _put(self, index, source, accumulate=False):
    """A copy of ``self`` with ``source`` written at the flat positions ``index`` (summed
    into them with ``accumulate=True``)."""
    if source.dtype != self.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_name(self)} and source.dtype = {_name(source)}")
    flat = ops.reshape(self, (-1,))
    out = ops.index_put(flat, (ops.reshape(index, (-1,)),), ops.reshape(source, (-1,)),
                        accumulate)
    return ops.reshape(out, tuple(self._data.shape))


def _put_(self, index, source, accumulate=False):
    """In-place ``put``."""
    return indexing.inplace(self, lambda src: _put(src, index, source, accumulate), "put_")


def _name(t):
    return indexing._type_name(t._data.dtype)


def _polygamma(self, n):
    """``chainrule.polygamma(n, self)``."""
    return ops.polygamma(n, self)


def _polygamma_(self, n):
    """In-place ``polygamma``."""
    return indexing.inplace(self, lambda src: ops.polygamma(n, src), "polygamma_")


def _float_power_(self, exponent):
    """In-place ``float_power``: ``self`` must be float64, the result's dtype."""
    if self._data.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_name(self)} but the "
                           f"operation's result requires dtype Double")
    return indexing.inplace(self, lambda src: ops.float_power(src, exponent), "float_power_")


def _split_method(name):
    fn = getattr(ops, name)

    def method(self, *indices_or_sections):
        arg = indices_or_sections[0] if len(indices_or_sections) == 1 else \
            list(indices_or_sections)
        return fn(self, arg)

    method.__name__ = name
    method.__doc__ = f"See :func:`chainrule.{name}`; the indices may be separate arguments."
    return method


def _random_fill(name, draw):
    def method(self, *args, generator=None, **kwargs):
        from chainrule.random import rng

        if self._data.dtype.kind != "f" and name != "random_":
            raise RuntimeError(f"{name} expects a floating point tensor, got "
                               f"{self._data.dtype.name}")
        values = draw(rng(generator), self._data.shape, *args, **kwargs)
        if not self._data.flags.writeable:
            raise RuntimeError(f"{name}: the tensor is a broadcast (expanded) view; clone() "
                               f"it first")
        self._data[...] = values
        self._version += 1
        return self

    method.__name__ = name
    method.__doc__ = f"Fill ``self`` in place with random values ({name[:-1]} distribution)."
    return method


def _check_positive(name, what, value):
    if not value > 0:
        raise RuntimeError(f"{name} expects {what} > 0.0, but found {what}={value}")


def _exponential(g, shape, lambd=1.0):
    _check_positive("exponential_", "lambda", lambd)
    return g.exponential(1.0 / lambd, shape)


def _geometric(g, shape, p):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return g.geometric(p, shape)


def _cauchy(g, shape, median=0.0, sigma=1.0):
    _check_positive("cauchy_", "sigma", sigma)
    return median + sigma * g.standard_cauchy(shape)


def _log_normal(g, shape, mean=1.0, std=2.0):
    _check_positive("log_normal_", "std", std)
    return g.lognormal(mean, std, shape)


def _bernoulli_fill(g, shape, p=0.5):
    probs = p._data if hasattr(p, "_data") else p
    if np.any((np.asarray(probs) < 0) | (np.asarray(probs) > 1)):
        raise RuntimeError("bernoulli_ expects p to be in [0, 1]")
    return g.random(shape) < probs


def _bernoulli(self, p=None, *, generator=None):
    """Draws 0 or 1 with probability ``self`` (or ``p``) of 1."""
    return ops.bernoulli(self, p, generator=generator)


def _multinomial(self, num_samples, replacement=False, *, generator=None):
    """See :func:`chainrule.multinomial`."""
    return ops.multinomial(self, num_samples, replacement, generator=generator)


def bind_extra_methods(Tensor) -> None:
    from chainrule.ops.layout import unfold

    def random_(self, *args, generator=None):
        """Integers drawn uniformly from ``[from, to)`` (``random_(to)``: ``[0, to)``;
        ``random_()``: up to 2**mantissa bits for floats, the dtype's maximum for ints)."""
        from chainrule.random import rng

        a = self._data
        if len(args) == 2:
            lo, hi = args
        elif len(args) == 1:
            lo, hi = 0, args[0]
        else:
            lo = 0
            hi = (2 ** (np.finfo(a.dtype).nmant + 1) + 1 if a.dtype.kind == "f"
                  else (2 if a.dtype == np.bool_ else int(np.iinfo(a.dtype).max) + 1))
        if hi is None:
            hi = (2 ** (np.finfo(a.dtype).nmant + 1) + 1 if a.dtype.kind == "f"
                  else int(np.iinfo(a.dtype).max) + 1)
        if not lo < hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={lo} >= to={hi}")
        a[...] = rng(generator).integers(lo, hi, a.shape)
        self._version += 1
        return self

    simple = {
        "byte": _byte, "char": _char, "short": _short, "stride": _stride,
        "storage_offset": _storage_offset, "is_same_size": _is_same_size,
        "is_signed": _is_signed, "sum_to_size": _sum_to_size,
        "split_with_sizes": _split_with_sizes, "fill_diagonal_": _fill_diagonal_,
        "put": _put, "put_": _put_, "polygamma": _polygamma, "polygamma_": _polygamma_,
        "float_power_": _float_power_, "bernoulli": _bernoulli, "multinomial": _multinomial,
        "unfold": unfold, "random_": random_,
        "ndimension": lambda self: self._data.ndim,
        "data_ptr": lambda self: self._data.ctypes.data,
        "get_device": lambda self: -1,
        "pin_memory": lambda self, *args, **kwargs: self,
        "share_memory_": lambda self: self,
        "is_pinned": lambda self, *args, **kwargs: False,
        "is_shared": lambda self: False,
        "is_conj": lambda self: False,
        "is_neg": lambda self: False,
        "is_inference": lambda self: False,
        "adjoint": lambda self: ops.transpose(self, -2, -1),
        "unsafe_chunk": lambda self, chunks, dim=0: ops.chunk(self, chunks, dim),
        "unsafe_split": lambda self, split_size, dim=0: ops.split(self, split_size, dim),
        "fix": lambda self: ops.trunc(self),
        "fix_": lambda self: self.trunc_(),
        "prelu": lambda self, weight: _functional().prelu(self, weight),
        "hardshrink": lambda self, lambd=0.5: _functional().hardshrink(self, lambd),
    }
    for name, fn in simple.items():
        setattr(Tensor, name, fn)
    for name in ("hsplit", "vsplit", "dsplit"):
        setattr(Tensor, name, _split_method(name))
    fills = {"exponential_": _exponential, "geometric_": _geometric, "cauchy_": _cauchy,
             "log_normal_": _log_normal, "bernoulli_": _bernoulli_fill}
    for name, draw in fills.items():
        setattr(Tensor, name, _random_fill(name, draw))
    Tensor.H = property(lambda self: ops.transpose(self, -2, -1) if self._data.ndim == 2
                        else _only_matrices("H", self))
    Tensor.mH = property(lambda self: ops.transpose(self, -2, -1))
    Tensor.real = property(lambda self: self)
    Tensor.is_cpu = property(lambda self: True)
    Tensor.is_sparse = property(lambda self: False)
    Tensor.is_quantized = property(lambda self: False)
    Tensor.is_meta = property(lambda self: False)
    Tensor.nbytes = property(lambda self: self._data.nbytes)


def _only_matrices(name, t):
    raise RuntimeError(f"tensor.{name} is only supported on matrices (2-D tensors). Got "
                       f"{t._data.ndim}-D tensor.")


def _functional():
    from chainrule.nn import functional

    return functional
