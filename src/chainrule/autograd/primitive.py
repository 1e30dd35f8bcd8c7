"""Primitive ops: a NumPy forward and one vector-Jacobian product rule per input.

A rule is called as ``rule(g, out, *inputs, **params)`` where ``g`` is the gradient of the
op's output, ``out`` its forward result and ``inputs`` the op's inputs. On the first-order
path these are NumPy arrays; under ``create_graph=True`` they are Tensors and the rule's own
ops are recorded. Rules are written with operators and the helpers of ``chainrule.ops.rules``,
which accept both, so one rule serves both paths.

Example:
    >>> import numpy as np
    >>> from chainrule.autograd.primitive import primitive
    >>> @primitive
    ... def cube(x):
    ...     return x ** 3
    >>> cube.defvjp(lambda g, out, x: g * 3 * x ** 2)
    >>> import chainrule as cr
    >>> t = cr.tensor(2.0, requires_grad=True)
    >>> cube(t).backward()
    >>> t.grad.item()
    12.0
"""

from __future__ import annotations

from weakref import ref as _weakref

import numpy as np

from chainrule.autograd.engine import Node
from chainrule.autograd.grad_mode import STATE

_ndarray = np.ndarray
_asarray = np.asarray


class Primitive:
    """An op with a NumPy forward and derivative rules, applied to Tensors by calling it."""

    __slots__ = ("name", "forward", "vjps", "reads", "saves_inputs", "saves_out",
                 "backward_name",
                 "__wrapped__", "__dict__")

    def __init__(self, forward, name=None):
        self.forward = forward
        self.name = name or forward.__name__.strip("_")
        self.vjps = None
        self.reads = None
        self.saves_inputs = True
        self.saves_out = False
        self.backward_name = "".join(p.capitalize() for p in self.name.split("_")) + "Backward"
        self.__doc__ = forward.__doc__
        self.__wrapped__ = forward

    def defvjp(self, *rules, saves_inputs: bool = True, saves_out: bool = False,
               reads=None):
        """Attach one rule per input (``None``: that input gets no gradient).

        ``saves_inputs``: the rules read the inputs' values, so modifying an input in place
        before backward is an error. ``reads``: optionally, for each rule, the indices of
        the inputs whose values it reads (only those are checked). ``saves_out``: the rules
        read the output.
        """
        self.reads = reads
        self.vjps = tuple(r if r is not None else _no_grad_rule for r in rules)
        self.saves_inputs = saves_inputs
        self.saves_out = saves_out

    def defvjp_argnum(self, rule, saves_inputs: bool = True, saves_out: bool = False):
        """One rule for any number of inputs: ``rule(argnum, g, out, *inputs, **params)``
        (used by ops with a variable number of inputs, such as ``cat``)."""
        self.vjps = _ArgnumRules(rule)
        self.saves_inputs = saves_inputs
        self.saves_out = saves_out

    def __call__(self, *inputs, **params):
        try:
            out = self.forward(*[t._data for t in inputs], **params)
        except ValueError as e:
            shapes = ", ".join(str(list(t._data.shape)) for t in inputs)
            raise RuntimeError(f"{self.name}: {e} (input shapes: {shapes})") from None
        if out.__class__ is not _ndarray:
            out = _asarray(out)
        if STATE.enabled and self.vjps is not None:
            needs = [t._rg for t in inputs]
            if True in needs:
                return _record(self, inputs, params, needs, out)
        return _wrap(out)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def _no_grad_rule(g, out, *args, **params):
    return None


class _ArgnumRules:
    __slots__ = ("rule",)

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, i):
        rule = self.rule
        return lambda g, out, *args, **params: rule(i, g, out, *args, **params)


def _record(prim, inputs, params, needs, out):
    t = _new_tensor(out)
    t._rg = True
    if len(inputs) == 1:  # most ops: tuples built directly, no comprehension
        x = inputs[0]
        edges = (x.grad_fn or x,)
        versions = (x._version,) if prim.saves_inputs else None
    else:
        edges = tuple([x.grad_fn or x for x in inputs])
        versions = tuple([x._version for x in inputs]) if prim.saves_inputs else None
    t.grad_fn = Node(prim, inputs, edges, params, needs, out,
                     _weakref(t) if prim.saves_out else None, versions)
    return t


def primitive(forward=None, *, name=None):
    """Decorator turning a NumPy function into a :class:`Primitive`."""
    if forward is None:
        return lambda f: Primitive(f, name)
    return Primitive(forward, name)


def _no_second_derivative(i, gg, out, *inputs, value, op):
    raise RuntimeError(f"{op}: this fused op's backward is computed in NumPy, so it has no "
                       f"derivative of its own (second derivatives, jvp and hessian through "
                       f"it are not supported)")


# The result of a NumPy-only derivative rule under create_graph: the right value, connected
# to the upstream gradient, and an error instead of a silent zero if differentiated again.
first_order_only = Primitive(lambda *inputs, value, op: value, name="first_order_only")
first_order_only.defvjp_argnum(_no_second_derivative, saves_inputs=False)


def _bind_tensor(factory):
    """Called by chainrule.tensor once Tensor exists (this module is imported before it)."""
    global _wrap, _new_tensor
    _wrap = _new_tensor = factory


_wrap = _new_tensor = None
