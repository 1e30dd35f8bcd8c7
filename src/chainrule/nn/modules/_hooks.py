"""Hook plumbing for ``Module``: removable handles, and the identity nodes through which a
module's full backward hooks see the gradients crossing it."""

from __future__ import annotations

import itertools

from chainrule.autograd.function import Function
from chainrule.tensor import Tensor

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook.

    Also a context manager: the hook is removed when the ``with`` block ends.
    """

    _next_id = itertools.count()

    def __init__(self, hooks_dict: dict, *extra_dicts: dict):
        self.hooks_dict = hooks_dict
        self.extra_dicts = extra_dicts
        self.id = next(RemovableHandle._next_id)

    def remove(self) -> None:
        """Unregister the hook (doing it twice is harmless)."""
        for d in (self.hooks_dict, *self.extra_dicts):
            d.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _BackwardHookState:
    """Identity nodes around one call of a module, which see the gradients crossing it.

    The outputs go through one identity node (it sees grad_output first, since backward
    reaches the outputs before anything inside the module), and the tensor inputs through
    another (it sees grad_input last). Each node receives all its tensors' gradients at once
    because an identity Function over several tensors is a single node.
    """

    def __init__(self, module):
        self.module = module
        self.n_inputs = 0
        self.input_rg: list[bool] = []
        self.n_outputs = 0
        self.output_slots: list[int] = []
        self.grad_output: tuple | None = None

    def wrap_inputs(self, args: tuple) -> tuple:
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(positions)
        self.input_rg = [args[i]._rg for i in positions]
        grad_pos = [i for i in positions if args[i]._rg]
        if not grad_pos:
            return args
        wrapped = _Identity.apply(self._on_input_grads, *[args[i] for i in grad_pos])
        new = list(args)
        for i, w in zip(grad_pos, wrapped):
            new[i] = w if w.dtype == args[i].dtype else w.to(args[i].dtype)
        return tuple(new)

    def wrap_outputs(self, result):
        outs = (result,) if isinstance(result, Tensor) else result
        if not isinstance(outs, (tuple, list)):
            return result
        tensor_pos = [i for i, o in enumerate(outs) if isinstance(o, Tensor)]
        pos = [i for i in tensor_pos if outs[i]._rg]
        if not pos:
            return result
        self.n_outputs = len(tensor_pos)
        self.output_slots = [k for k, i in enumerate(tensor_pos) if outs[i]._rg]
        wrapped = _Identity.apply(self._on_output_grads, *[outs[i] for i in pos])
        new = list(outs)
        for i, w in zip(pos, wrapped):
            new[i] = w if w.dtype == outs[i].dtype else w.to(outs[i].dtype)
        if isinstance(result, Tensor):
            return new[0]
        return type(result)(new) if isinstance(result, tuple) else new

    def _on_output_grads(self, grads: tuple) -> tuple:
        grad_output = _spread(grads, self.output_slots, self.n_outputs)
        for hook in list(self.module._backward_pre_hooks.values()):
            res = hook(self.module, grad_output)
            if res is not None:
                grad_output = res if isinstance(res, tuple) else (res,)
        self.grad_output = grad_output
        if not any(self.input_rg) and self.module._backward_hooks:
            self._fire((None,) * self.n_inputs)
        return tuple(grad_output[k] for k in self.output_slots)

    def _on_input_grads(self, grads: tuple) -> tuple:
        slots = [i for i, rg in enumerate(self.input_rg) if rg]
        new = self._fire(_spread(grads, slots, self.n_inputs))
        return tuple(new[i] for i in slots)

    def _fire(self, grad_input: tuple) -> tuple:
        for hook in list(self.module._backward_hooks.values()):
            res = hook(self.module, grad_input, self.grad_output)
            if res is not None:
                res = res if isinstance(res, tuple) else (res,)
                if len(res) != len(grad_input):
                    raise RuntimeError(
                        f"Backward hook returned an invalid number of grad_input, got "
                        f"{len(res)}, but expected {len(grad_input)}")
                grad_input = res
        return grad_input


def _spread(values: tuple, slots: list[int], n: int) -> tuple:
    # values[k] goes to position slots[k] of an n-tuple; the other positions are None.
    full: list = [None] * n
    for k, v in zip(slots, values):
        full[k] = v
    return tuple(full)


class _Identity(Function):
    """y_i = x_i for several tensors at once; backward hands the gradients to a callback."""

    @staticmethod
    def forward(ctx, callback, *tensors):
        ctx.callback = callback
        return tuple(Tensor._wrap(t._data) for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None, *ctx.callback(grads))
