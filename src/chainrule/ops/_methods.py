"""Tensor methods and operators, each forwarding to the op of the same name."""

from __future__ import annotations

import numpy as np

from chainrule import ops
from chainrule.ops import _tensor_extras, indexing


def _swap(fn):
    return lambda self, other: fn(other, self)


def _inplace_method(name, fn):
    def method(self, *args, **kwargs):
        return indexing.inplace(self, lambda src: fn(src, *args, **kwargs), name)

    method.__name__ = name
    method.__doc__ = f"In-place version of ``{name[:-1]}``: writes the result into ``self``."
    return method


def _fill_(self, value):
    from chainrule.autograd.grad_mode import STATE
    from chainrule.tensor import Tensor

    if STATE.enabled and (self._rg or (isinstance(value, Tensor) and value._rg)):
        v = value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value))
        return indexing.inplace(self, lambda src: ops.add(ops.mul(src, 0), v.to(src.dtype)),
                                "fill_")
    if not self._data.flags.writeable:
        raise RuntimeError("fill_: the tensor is a broadcast (expanded) view; clone() it first")
    self._data.fill(value.item() if isinstance(value, Tensor) else value)
    self._version += 1
    return self


def _copy_(self, src, non_blocking=False):
    from chainrule.tensor import Tensor

    s = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src))
    try:
        np.broadcast_shapes(s._data.shape, self._data.shape)
    except ValueError:
        raise RuntimeError(f"copy_: the size of src {list(s._data.shape)} cannot be broadcast "
                           f"to {list(self._data.shape)}") from None
    return indexing.inplace(
        self, lambda dst: ops.add(ops.mul(dst, 0), s.to(dst.dtype)).expand(dst.shape), "copy_")


def _method(fn, name):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"See :func:`chainrule.{name}`."
    return method


_PLAIN = """abs absolute add sub subtract mul multiply div divide true_divide floor_divide
remainder fmod pow maximum minimum exp log log1p expm1 log2 log10 sqrt rsqrt reciprocal sin
cos tan tanh sigmoid relu erf sign floor ceil trunc round clamp clip neg negative square lerp
addcmul addcdiv eq ne lt le gt ge greater greater_equal less less_equal not_equal logical_and
logical_or logical_xor logical_not bitwise_not isnan isinf isfinite equal allclose isclose
sum mean nansum prod amax amin max min argmax argmin logsumexp cumsum var std norm all any
count_nonzero reshape view view_as reshape_as permute transpose swapaxes swapdims t movedim
moveaxis flatten unflatten squeeze unsqueeze expand expand_as broadcast_to repeat tile
narrow split tensor_split chunk unbind gather take_along_dim scatter scatter_add index_select
index_add masked_fill masked_select nonzero argwhere matmul mm bmm mv dot inner outer tril triu
clone select sort argsort topk unique bincount
clamp_min clamp_max bitwise_left_shift bitwise_right_shift bitwise_and bitwise_or
bitwise_xor ger""".split()

_INPLACE = """add sub mul div pow clamp clip neg exp log sqrt tanh sigmoid relu abs sign floor
ceil round trunc reciprocal sin cos masked_fill scatter scatter_add index_add maximum minimum
lerp addcmul addcdiv remainder fmod clamp_min clamp_max bitwise_left_shift
bitwise_right_shift absolute divide multiply subtract true_divide negative floor_divide square
rsqrt tan erf expm1 log10 log1p log2 cumsum tril triu eq ne lt le gt ge greater greater_equal
less less_equal not_equal logical_and logical_or logical_xor logical_not bitwise_and bitwise_or
bitwise_xor bitwise_not""".split()


# The ops modules added after the first table name their methods themselves.
_MODULES = ("math_functions", "cumulative", "order_stats", "layout", "index_write", "products",
            "decompositions")


def _module_methods(attr):
    import importlib

    return [name for m in _MODULES
            for name in getattr(importlib.import_module(f"chainrule.ops.{m}"), attr).split()]


def bind_tensor_methods(Tensor) -> None:
    for name in _PLAIN + _module_methods("TENSOR_METHODS"):
        setattr(Tensor, name, _method(getattr(ops, name), name))
    for name in _INPLACE + _module_methods("INPLACE_METHODS"):
        setattr(Tensor, name + "_", _inplace_method(name + "_", getattr(ops, name)))

    # The forward operators are the op functions themselves (one call less on the hot path).
    Tensor.__add__ = ops.add
    Tensor.__radd__ = lambda self, other: ops.add(other, self)
    Tensor.__sub__ = ops.sub
    Tensor.__rsub__ = lambda self, other: ops.sub(other, self)
    Tensor.__mul__ = ops.mul
    Tensor.__rmul__ = lambda self, other: ops.mul(other, self)
    Tensor.__truediv__ = ops.div
    Tensor.__rtruediv__ = lambda self, other: ops.div(other, self)
    Tensor.__floordiv__ = lambda self, other: ops.floor_divide(self, other)
    Tensor.__rfloordiv__ = lambda self, other: ops.floor_divide(other, self)
    Tensor.__mod__ = lambda self, other: ops.remainder(self, other)
    Tensor.__rmod__ = lambda self, other: ops.remainder(other, self)
    Tensor.__pow__ = lambda self, other: ops.pow(self, other)
    Tensor.__rpow__ = lambda self, other: ops.pow(other, self)
    Tensor.__matmul__ = ops.matmul
    Tensor.__rmatmul__ = lambda self, other: ops.matmul(other, self)
    Tensor.__neg__ = ops.neg
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = lambda self: ops.abs(self)
    Tensor.__invert__ = lambda self: ops.bitwise_not(self)
    Tensor.__eq__ = lambda self, other: ops.eq(self, other)
    Tensor.__ne__ = lambda self, other: ops.ne(self, other)
    Tensor.__lt__ = lambda self, other: ops.lt(self, other)
    Tensor.__le__ = lambda self, other: ops.le(self, other)
    Tensor.__gt__ = lambda self, other: ops.gt(self, other)
    Tensor.__ge__ = lambda self, other: ops.ge(self, other)
    Tensor.__and__ = lambda self, other: ops.bitwise_and(self, other)
    Tensor.__rand__ = lambda self, other: ops.bitwise_and(other, self)
    Tensor.__or__ = lambda self, other: ops.bitwise_or(self, other)
    Tensor.__ror__ = lambda self, other: ops.bitwise_or(other, self)
    Tensor.__xor__ = lambda self, other: ops.bitwise_xor(self, other)
    Tensor.__lshift__ = lambda self, other: ops.bitwise_left_shift(self, other)
    Tensor.__rlshift__ = lambda self, other: ops.bitwise_left_shift(other, self)
    Tensor.__rshift__ = lambda self, other: ops.bitwise_right_shift(self, other)
    Tensor.__rrshift__ = lambda self, other: ops.bitwise_right_shift(other, self)
    Tensor.__getitem__ = lambda self, index: indexing.getitem(self, index)
    Tensor.__setitem__ = lambda self, index, value: indexing.setitem(self, index, value)

    def _iop(name):
        return lambda self, other: getattr(self, name)(other)

    Tensor.__iadd__ = _iop("add_")
    Tensor.__isub__ = _iop("sub_")
    Tensor.__imul__ = _iop("mul_")
    Tensor.__itruediv__ = _iop("div_")
    Tensor.__ipow__ = _iop("pow_")
    Tensor.__ilshift__ = _iop("bitwise_left_shift_")
    Tensor.__irshift__ = _iop("bitwise_right_shift_")
    Tensor.__hash__ = lambda self: id(self)

    # Methods whose argument order differs from the function's: ``x.where(cond, other)`` is
    # ``where(cond, x, other)``; ``x.flip(0, 1)`` takes the dims as separate arguments too.
    def where(self, condition, other):
        return ops.where(condition, self, other)

    def flip(self, *dims):
        return ops.flip(self, dims[0] if len(dims) == 1 else dims)

    where.__doc__ = "``self`` where ``condition`` holds, else ``other`` (:func:`chainrule.where`)."
    flip.__doc__ = "See :func:`chainrule.flip`; the dims may also be separate arguments."
    Tensor.where = where
    Tensor.flip = flip

    Tensor.T = property(lambda self: ops.permute(self, tuple(range(self.ndim))[::-1]))
    Tensor.mT = property(lambda self: ops.transpose(self, -2, -1))
    Tensor.fill_ = _fill_
    Tensor.zero_ = _fill_zero
    Tensor.copy_ = _copy_
    Tensor.uniform_ = _random_fill("uniform_")
    Tensor.normal_ = _random_fill("normal_")
    Tensor.type_as = lambda self, other: self.to(other.dtype)
    Tensor.new_zeros = lambda self, *size, dtype=None, **kw: ops.zeros(
        *size, dtype=dtype or self.dtype)
    Tensor.new_ones = lambda self, *size, dtype=None, **kw: ops.ones(*size,
                                                                     dtype=dtype or self.dtype)
    Tensor.new_full = lambda self, size, fill_value, dtype=None, **kw: ops.full(
        size, fill_value, dtype=dtype or self.dtype)
    Tensor.new_empty = lambda self, *size, dtype=None, **kw: ops.empty(
        *size, dtype=dtype or self.dtype)
    Tensor.new_tensor = lambda self, data, dtype=None, **kw: ops.tensor(
        data, dtype=dtype or self.dtype)
    Tensor.softmax = _fused("softmax")
    Tensor.log_softmax = _fused("log_softmax")
    _tensor_extras.bind_extra_methods(Tensor)


def _fused(name):
    """``Tensor.softmax``/``log_softmax``: the fused, stable primitives of nn.functional."""

    def method(self, dim=None, dtype=None):
        from chainrule.nn import functional

        return getattr(functional, name)(self, dim, dtype=dtype)

    method.__name__ = name
    return method


def _fill_zero(self):
    return _fill_(self, 0)


def _random_fill(name):
    def method(self, a=None, b=None, *, generator=None):
        from chainrule.random import rng

        g = rng(generator)
        shape = self._data.shape
        if name == "uniform_":
            lo, hi = (0.0 if a is None else a), (1.0 if b is None else b)
            vals = g.uniform(lo, hi, shape)
        else:
            mean, std = (0.0 if a is None else a), (1.0 if b is None else b)
            vals = g.normal(mean, std, shape)
        self._data[...] = vals
        self._version += 1
        return self

    method.__name__ = name
    method.__doc__ = "Fill in place with random values (no gradient is recorded)."
    return method
