"""``chainrule.autograd.Function``: user-defined ops with a hand-written backward.

Example:
    >>> import chainrule as cr
    >>> class Square(cr.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * grad
    >>> x = cr.tensor([3.0], requires_grad=True)
    >>> Square.apply(x).sum().backward()
    >>> x.grad
    tensor([6.])
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.grad_mode import STATE
from chainrule.autograd.primitive import Primitive


class FunctionCtx:
    """The ``ctx`` passed to ``forward`` and ``backward``."""

    def __init__(self):
        self._saved = ()
        self._saved_versions = ()
        self.needs_input_grad = ()
        self.materialize_grads = True
        self.non_differentiable = ()

    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._saved_versions = tuple(getattr(t, "_version", None) for t in tensors)

    @property
    def saved_tensors(self):
        for t, v in zip(self._saved, self._saved_versions):
            if t is not None and v is not None and t._version != v:
                raise RuntimeError("one of the variables needed for gradient computation has "
                                   "been modified by an inplace operation (a tensor saved with "
                                   "ctx.save_for_backward)")
        return self._saved

    def mark_non_differentiable(self, *tensors):
        self.non_differentiable = tensors

    def set_materialize_grads(self, value: bool):
        self.materialize_grads = value

    def mark_dirty(self, *tensors):
        pass


class _FunctionMeta(type):
    def __call__(cls, *args, **kwargs):
        return super().__call__(*args, **kwargs)


class Function(metaclass=_FunctionMeta):
    """Base class for ops defined by a static ``forward(ctx, *args)`` and
    ``backward(ctx, *grad_outputs)``; call them with ``.apply(*args)``.

    ``backward`` returns one gradient per ``forward`` argument (None for non-tensors or
    inputs that need none). Under ``create_graph=True`` ``backward`` runs with recording on,
    so it is differentiable when written with chainrule ops.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("subclasses of Function must implement forward")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("subclasses of Function must implement backward")

    @classmethod
    def apply(cls, *args):
        from chainrule.tensor import Tensor

        ctx = FunctionCtx()
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in positions]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        prev = STATE.enabled
        STATE.enabled = False
        try:
            result = cls.forward(ctx, *args)
        finally:
            STATE.enabled = prev
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        if not (STATE.enabled and any(t._rg for t in tensors)):
            return result
        diff = [isinstance(o, Tensor) and o._data.dtype.kind == "f"
                and not any(o is n for n in ctx.non_differentiable) for o in outs]
        if single and diff[0]:
            # One output: the node's result is that output itself (grad_fn is this op).
            prim = Primitive(lambda *xs: result._data, name=cls.__name__)
            prim.backward_name = cls.__name__ + "Backward"
            prim.vjps = _FunctionRules(cls, ctx, args, positions, None, None, [True])
            prim.saves_inputs = False
            return prim(*tensors)
        shapes = [o._data.shape for o in outs]
        dtype = np.result_type(*[o._data.dtype for o, d in zip(outs, diff) if d])
        sizes = [int(np.prod(s)) for s in shapes]
        packed = np.concatenate([o._data.reshape(-1).astype(dtype) if d else
                                 np.zeros(n, dtype) for o, d, n in zip(outs, diff, sizes)])

        prim = Primitive(lambda *xs: packed, name=cls.__name__)
        prim.backward_name = cls.__name__ + "Backward"
        prim.vjps = _FunctionRules(cls, ctx, args, positions, shapes, sizes, diff)
        prim.saves_inputs = False
        # The packed output is one node; each output is a slice of it, so gradients from all
        # outputs meet there and backward() is called once with all of them.
        node_out = prim(*tensors)
        pieces, start = [], 0
        for o, d, n, s in zip(outs, diff, sizes, shapes):
            if d:
                piece = node_out[start:start + n].reshape(s)
                if piece._data.dtype != o._data.dtype:
                    piece = piece.to(o._data.dtype)
                pieces.append(piece)
            else:
                pieces.append(o)
            start += n
        return pieces[0] if single else tuple(pieces)


class _FunctionRules:
    """Per-input rules of a Function node: backward() runs once, its results are handed out."""

    def __init__(self, cls, ctx, args, positions, shapes, sizes, diff):
        self.cls, self.ctx, self.args = cls, ctx, args
        self.positions, self.shapes, self.sizes, self.diff = positions, shapes, sizes, diff
        self._cache = None

    def __getitem__(self, i):
        return lambda g, out, *inputs: self._grad(i, g)

    def _grad(self, i, g):
        from chainrule.tensor import Tensor

        if self._cache is None or self._cache[0] is not g:
            is_t = isinstance(g, Tensor)
            grads, start = [], 0
            if self.shapes is None:  # a single output, not packed
                grads.append(g if is_t else Tensor._wrap(g))
            for n, s, d in zip(self.sizes or (), self.shapes or (), self.diff):
                piece = g[start:start + n].reshape(s)
                grads.append((piece if is_t else Tensor._wrap(piece)) if d else None)
                start += n
            res = self.cls.backward(self.ctx, *grads)
            if not isinstance(res, tuple):
                res = (res,)
            if len(res) < len(self.args):
                res = res + (None,) * (len(self.args) - len(res))
            self._cache = (g, res, is_t)
        _, res, is_t = self._cache
        r = res[self.positions[i]]
        if r is None:
            return None
        if not isinstance(r, Tensor):
            r = Tensor._wrap(np.asarray(r))
        return r if is_t else r._data


class once_differentiable:
    def __new__(cls, fn):
        return fn
