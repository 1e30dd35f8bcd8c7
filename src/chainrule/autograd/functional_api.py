"""``backward`` and ``grad``: the entry points into the engine."""

from __future__ import annotations

import numpy as np

from chainrule.autograd.engine import run_backward


def _as_list(x):
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _root_grads(outputs, grad_outputs, create_graph, op):
    from chainrule.tensor import Tensor

    grads = _as_list(grad_outputs)
    if not grads:
        grads = [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"{op}: got {len(outputs)} outputs but {len(grads)} gradients")
    result = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if not isinstance(out, Tensor):
            raise TypeError(f"{op}: outputs must be Tensors, got {type(out).__name__}")
        if not out._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               f"a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs "
                                   f"(got output of shape {list(out._data.shape)}); pass "
                                   f"`gradient=` with the same shape")
            g = np.ones(out._data.shape, dtype=out._data.dtype)
            result.append(Tensor._wrap(g) if create_graph else g)
            continue
        gt = g if isinstance(g, Tensor) else Tensor._wrap(np.asarray(g, dtype=out._data.dtype))
        if gt._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{list(gt._data.shape)} and output[{i}] has a shape of "
                               f"{list(out._data.shape)}.")
        if gt._data.dtype != out._data.dtype:
            gt = Tensor._wrap(gt._data.astype(out._data.dtype)) if not gt._rg else \
                gt.to(out._data.dtype)
        result.append(gt if create_graph else gt._data)
    return result


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the graph's leaves."""
    outputs = _as_list(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _root_grads(outputs, grad_tensors, create_graph, "backward")
    if inputs is not None:
        inputs = _as_list(inputs)
        capture = {id(t): (t, i) for i, t in enumerate(inputs)}
        captured = run_backward(outputs, grads, retain_graph, create_graph, capture,
                                accumulate=False)
        from chainrule.autograd.engine import _accumulate

        for t, g in zip(inputs, captured):
            if g is not None:
                _accumulate(t, g, create_graph)
        return
    run_backward(outputs, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned (not accumulated into ``.grad``).

    Args:
        outputs: tensor or sequence of tensors to differentiate.
        inputs: tensor or sequence of tensors to differentiate with respect to.
        grad_outputs: the vector in the vector-Jacobian product, one per output (may be
            omitted for scalar outputs).
        retain_graph: keep the graph for another backward (defaults to ``create_graph``).
        create_graph: record the computation of the gradients, so they can be
            differentiated again (higher-order derivatives).
        allow_unused: return None for inputs the outputs do not depend on, instead of
            raising.
        materialize_grads: return zeros instead of None for unused inputs.

    Example:
        >>> import chainrule as cr
        >>> x = cr.tensor(3.0, requires_grad=True)
        >>> (dx,) = cr.autograd.grad(x ** 3, x, create_graph=True)
        >>> (dxx,) = cr.autograd.grad(dx, x)
        >>> dx.item(), dxx.item()
        (27.0, 18.0)
    """
    from chainrule.tensor import Tensor

    single = isinstance(inputs, Tensor)
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs must be Tensors, got {type(t).__name__}")
        if not t._rg:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require "
                               f"grad")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _root_grads(outputs, grad_outputs, create_graph, "grad")
    capture = {id(t): (t, i) for i, t in enumerate(inputs)}
    captured = run_backward(outputs, grads, retain_graph, create_graph, capture,
                            accumulate=False)
    result = []
    for i, (t, g) in enumerate(zip(inputs, captured)):
        if g is None:
            if materialize_grads:
                g = np.zeros(t._data.shape, t._data.dtype)
            elif not allow_unused:
                raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to "
                                   f"not have been used in the graph. Set allow_unused=True if "
                                   f"this is the desired behavior.")
            else:
                result.append(None)
                continue
        if isinstance(g, Tensor):
            result.append(g)
        else:
            result.append(Tensor._wrap(np.asarray(g)))
    del single
    return tuple(result)


def zero_grads(tensors, set_to_none: bool = True) -> None:
    """Reset the ``.grad`` of each tensor: drop it (``set_to_none``) or fill it with zeros in
    place, detached from any graph. Used by ``Module.zero_grad`` and ``Optimizer.zero_grad``."""
    for p in tensors:
        g = p.grad
        if g is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        if g.grad_fn is not None:
            g.detach_()
        else:
            g.requires_grad_(False)
        if g._data.flags.writeable:
            g._data.fill(0)
        else:  # a read-only (e.g. broadcast) view: give the tensor fresh zeros
            g._data = np.zeros(g._data.shape, g._data.dtype)
        g._version += 1
