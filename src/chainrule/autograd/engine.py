"""The chain-rule engine: graph nodes and the backward walk.

What happens on ``loss.backward()``:

1. The nodes reachable from the roots are put in topological order by an iterative
   depth-first search (no recursion, so a graph a million ops deep is fine).
2. Walking that order from the roots, each node receives the *sum* of the gradients that its
   consumers sent it (fan-out is handled by that sum), runs its tensor hooks, and applies its
   op's vector-Jacobian product rule once per input that needs a gradient.
3. A rule's result is summed back to its input's shape (un-broadcasting happens here, in one
   place, so rules never deal with it) and cast to the input's dtype.
4. Leaves accumulate into ``.grad``; after its rules ran, a node lets go of what it saved
   unless ``retain_graph=True``, so memory is released during the walk.

On the first-order path (``create_graph=False``) the rules run on NumPy arrays, with no graph
and no Tensor overhead. With ``create_graph=True`` the very same rules run on Tensors with
recording on, which makes the gradient itself differentiable (higher-order derivatives).
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.grad_mode import STATE

ndarray = np.ndarray


class Node:
    """One recorded op application: the op, its inputs, and what its rules need.

    ``grad_fn`` of a non-leaf tensor. ``name()`` gives PyTorch-style names such as
    ``MulBackward``; ``next_functions`` lists the input nodes.
    """

    __slots__ = ("prim", "inputs", "edges", "params", "needs", "out", "out_ref", "versions",
                 "hooks", "shape", "__weakref__")

    def __init__(self, prim, inputs, edges, params, needs, out, out_ref, versions):
        self.prim = prim
        self.inputs = inputs
        # Where each input's gradient goes: its grad_fn at the time of this op, or the leaf
        # tensor itself. Captured now so that a later in-place op on an input, which gives
        # that tensor a new grad_fn, cannot redirect gradients of this earlier use.
        self.edges = edges
        self.params = params
        self.needs = needs
        self.out = out
        self.out_ref = out_ref
        self.versions = versions
        self.hooks = None
        self.shape = out.shape

    def name(self) -> str:
        return self.prim.backward_name

    @property
    def next_functions(self):
        if self.inputs is None:
            return ()
        return tuple(((e if e.__class__ is Node else
                       (_LeafRef(e) if e is not None and e._rg else None)), 0)
                     for e in self.edges)

    def register_hook(self, fn):
        """Hook on the gradient of this node's output, before its rules run."""
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(fn)
        return _Handle(self.hooks, fn)

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


class _LeafRef:
    """Stands for a leaf in ``next_functions`` (PyTorch's AccumulateGrad)."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    next_functions = ()

    def __repr__(self) -> str:
        return "<AccumulateGrad object>"


class _Handle:
    """Returned by ``register_hook``; ``remove()`` takes the hook away."""

    __slots__ = ("_hooks", "_fn")

    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self) -> None:
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


_FREED = ("Trying to backward through the graph a second time (or directly access saved "
          "tensors after they have already been freed). Saved intermediate values of the "
          "graph are freed when you call .backward() or autograd.grad(). Specify "
          "retain_graph=True if you need to backward through the graph a second time.")


def _topological_order(roots):
    """Nodes reachable from ``roots``, every consumer before the nodes it consumes."""
    order = []
    visited = set()
    stack = [(n, False) for n in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        if node.inputs is None:
            continue
        for e, need in zip(node.edges, node.needs):
            if need and e.__class__ is Node and e not in visited:
                stack.append((e, False))
    order.reverse()
    return order


def sum_to_shape(g, shape):
    """Sum a broadcast gradient back down to ``shape`` (arrays or Tensors)."""
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
    if isinstance(g, np.ndarray) or np.isscalar(g):
        g = np.sum(g, axis=axes) if axes else g
        return np.reshape(g, shape)
    g = g.sum(dim=axes) if axes else g
    return g.reshape(shape)


def _reduce_to(gi, shape, node, i):
    try:
        return sum_to_shape(gi, shape)
    except (ValueError, RuntimeError):
        raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} - "
                           f"got {list(gi.shape)} but expected shape compatible with "
                           f"{list(shape)}") from None


def run_backward(roots, root_grads, retain_graph, create_graph, capture=None,
                 accumulate=True):
    """Propagate ``root_grads`` from ``roots`` through the graph.

    ``capture`` maps ``id(tensor)`` to a slot index; gradients reaching those tensors are
    returned in a list instead of (``accumulate=False``) or besides being accumulated.
    """
    from chainrule.tensor import Tensor

    pending = {}
    leaves = {}
    captured = [None] * (len(capture) if capture else 0)
    capture_nodes = {}
    if capture:
        for t, slot in capture.values():
            if t.grad_fn is not None:
                capture_nodes[t.grad_fn] = slot

    def send(e, g):
        if e.__class__ is Node:
            prev = pending.get(e)
            pending[e] = g if prev is None else prev + g
        else:
            t = e
            key = id(t)
            entry = leaves.get(key)
            if entry is None:
                leaves[key] = [t, g]
            else:
                entry[1] = entry[1] + g

    root_nodes = []
    for t, g in zip(roots, root_grads):
        send(t.grad_fn if t.grad_fn is not None else t, g)
        if t.grad_fn is not None:
            root_nodes.append(t.grad_fn)

    prev_mode = STATE.enabled
    STATE.enabled = bool(create_graph)
    try:
        for node in _topological_order(root_nodes):
            g = pending.pop(node, None)
            if g is None:
                continue
            inputs = node.inputs
            if inputs is None:
                raise RuntimeError(_FREED)
            if node.hooks:
                g = _run_hooks(node.hooks, g, create_graph)
            if capture_nodes:
                slot = capture_nodes.get(node)
                if slot is not None:
                    captured[slot] = g if captured[slot] is None else captured[slot] + g
            prim = node.prim
            if node.versions is not None:
                _check_versions(node)
            if node.out_ref is not None:
                # The rules read the output array itself: it must not have been modified.
                o = node.out_ref()
                if o is not None and o._version:
                    raise RuntimeError(
                        f"one of the variables needed for gradient computation has been "
                        f"modified by an inplace operation: the output of {node.name()} "
                        f"[{o.dtype.name} {list(o._data.shape)}] is at version {o._version}; "
                        f"expected version 0 instead.")
            if create_graph:
                args = inputs
                out = node.out_ref() if node.out_ref is not None else None
                if out is None:
                    out = Tensor._wrap(node.out)
            else:
                args = [t._data for t in inputs]
                out = node.out
            params = node.params
            rules = prim.vjps
            needs = node.needs
            edges = node.edges
            i = -1
            for t in inputs:
                i += 1
                if not needs[i]:
                    continue
                gi = rules[i](g, out, *args, **params)
                if gi is None:
                    continue
                data = t._data
                if gi.shape != data.shape:
                    gi = _reduce_to(gi, data.shape, node, i)
                if create_graph:
                    if gi._data.dtype is not data.dtype:
                        gi = gi.to(data.dtype)
                elif gi.__class__ is not ndarray or gi.dtype is not data.dtype:
                    gi = np.asarray(gi, dtype=data.dtype)
                e = edges[i]
                if e.__class__ is Node:  # (send(), inlined: this loop is the hot path)
                    prev = pending.get(e)
                    pending[e] = gi if prev is None else prev + gi
                else:
                    send(e, gi)
            if not retain_graph:
                node.inputs = None
                node.out = None
                node.out_ref = None
                node.versions = None
                if False in needs:
                    _drop_constant_edges(node)
    finally:
        STATE.enabled = prev_mode

    for t, g in leaves.values():
        hooks = t._hooks
        if hooks:
            g = _run_hooks(hooks, g, create_graph)
        if capture:
            entry = capture.get(id(t))
            if entry is not None:
                slot = entry[1]
                captured[slot] = g if captured[slot] is None else captured[slot] + g
        if accumulate and t._rg:
            _accumulate(t, g, create_graph)
    return captured


def _drop_constant_edges(node):
    """After backward a node keeps only the graph's shape (edges to other nodes and to leaves
    that require grad), so it can still be drawn; edges to constants are let go."""
    node.edges = tuple([e if need else None for e, need in zip(node.edges, node.needs)])


def _run_hooks(hooks, g, create_graph):
    from chainrule.tensor import Tensor

    gt = g if create_graph else Tensor._wrap(g)
    for h in list(hooks):
        r = h(gt)
        if r is not None:
            gt = r
    return gt if create_graph else gt._data


def _accumulate(t, g, create_graph):
    from chainrule.tensor import Tensor

    if create_graph:
        t.grad = g if t.grad is None else t.grad + g
    elif t.grad is None:
        # A fresh array: the rules may have handed the same array to several leaves.
        t.grad = Tensor._wrap(np.array(g, dtype=t._data.dtype, copy=True))
    elif t.grad.requires_grad:
        t.grad = t.grad + Tensor._wrap(g)
    else:
        t.grad._data += g
        t.grad._version += 1


def _check_versions(node):
    reads = node.prim.reads
    if reads is not None:
        read = set()
        for i, need in enumerate(node.needs):
            if need:
                read.update(reads[i])
    for i, (t, v) in enumerate(zip(node.inputs, node.versions)):
        if t._version != v and (reads is None or i in read):
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by "
                f"an inplace operation: [{t.dtype.name} {list(t._data.shape)}] is at version "
                f"{t._version}; expected version {v} instead (input of "
                f"{node.name()}).")
