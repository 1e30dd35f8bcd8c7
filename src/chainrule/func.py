"""Function transforms in the style of ``torch.func``: ``grad``, ``grad_and_value``, ``vjp``,
``jvp``, ``jacrev``, ``jacfwd``, ``hessian``.

Each transform runs the function on fresh aliases of its inputs and asks the engine for the
derivatives. When the inputs already require grad (a transform inside another), the
derivatives are computed with ``create_graph=True``, so transforms nest: ``hessian(f)`` is
``jacfwd(jacrev(f))``.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.functional_api import grad as _grad
from chainrule.autograd.grad_mode import enable_grad
from chainrule.tensor import Tensor


def _alias(x: Tensor) -> Tensor:
    """A tensor equal to ``x`` that requires grad and, if ``x`` does, stays connected to it."""
    if x.requires_grad:
        from chainrule.ops import clone

        return clone(x)
    return x.detach().requires_grad_(True)


def _argnums_tuple(argnums):
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _prepare(args, argnums):
    nums = _argnums_tuple(argnums)
    for n in nums:
        if not isinstance(args[n], Tensor):
            raise TypeError(f"argument {n} must be a Tensor to differentiate with respect to it")
    outer = any(args[n].requires_grad for n in nums)
    new = list(args)
    for n in nums:
        new[n] = _alias(args[n])
    return new, nums, outer


def grad_and_value(func, argnums=0, has_aux=False):
    """``f -> (x -> (df/dx, f(x)))`` for a scalar-valued ``f``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.func import grad
        >>> grad(lambda x: (x ** 3).sum())(cr.tensor([2.0])).tolist()
        [12.0]
    """

    def wrapper(*args, **kwargs):
        with enable_grad():
            new, nums, outer = _prepare(args, argnums)
            res = func(*new, **kwargs)
            out, aux = res if has_aux else (res, None)
            if not isinstance(out, Tensor) or out.numel() != 1:
                raise RuntimeError("grad: the function must return a one-element Tensor, got "
                                   f"{getattr(out, 'shape', type(out).__name__)}")
            gs = _grad(out, [new[n] for n in nums], create_graph=outer, allow_unused=True,
                       materialize_grads=True)
        g = gs[0] if isinstance(argnums, int) else tuple(gs)
        value = out if outer else out.detach()
        return (g, (value, aux)) if has_aux else (g, value)

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """``f -> df/dx`` for a scalar-valued ``f`` (see :func:`grad_and_value`)."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def vjp(func, *primals, has_aux=False):
    """Return ``(func(*primals), vjp_fn)``; ``vjp_fn(v)`` gives ``v^T J`` for each primal."""
    with enable_grad():
        new, nums, outer = _prepare(primals, tuple(range(len(primals))))
        res = func(*new)
        out, aux = res if has_aux else (res, None)

    def vjp_fn(*cotangents):
        outs = out if isinstance(out, (tuple, list)) else [out]
        cots = cotangents if len(cotangents) == len(outs) else cotangents[0]
        with enable_grad():
            create = outer or any(isinstance(c, Tensor) and c.requires_grad for c in cots)
            return _grad(list(outs), [new[n] for n in nums], list(cots), retain_graph=True,
                         create_graph=create, allow_unused=True, materialize_grads=True)

    value = out if outer else (out.detach() if isinstance(out, Tensor) else out)
    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def jvp(func, primals, tangents, has_aux=False):
    """Return ``(func(*primals), J v)`` (forward-mode product, via two reverse passes: the
    vector-Jacobian product is linear in its cotangent ``u``, and differentiating it with
    respect to ``u`` along ``v`` gives ``J v``). ``func`` may return a tensor or a tuple."""
    primals, tangents = tuple(primals), tuple(tangents)
    with enable_grad():
        new, nums, outer = _prepare(primals, tuple(range(len(primals))))
        res = func(*new)
        out, aux = res if has_aux else (res, None)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        us = [Tensor._wrap(np.zeros(o._data.shape, o._data.dtype)).requires_grad_()
              for o in outs]
        live = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
        jvs = [Tensor._wrap(np.zeros(o._data.shape, o._data.dtype)) for o in outs]
        if live:
            vjps = _grad([o for o, _ in live], [new[n] for n in nums], [u for _, u in live],
                         create_graph=True, allow_unused=True, materialize_grads=True)
            pairs = [(g, t) for g, t in zip(vjps, tangents) if g.requires_grad]
            if pairs:
                got = _grad([g for g, _ in pairs], us, [t for _, t in pairs],
                            create_graph=outer, allow_unused=True, materialize_grads=True)
                jvs = list(got)
    values = [o if outer else o.detach() for o in outs]
    if isinstance(out, (tuple, list)):
        value, jv = tuple(values), tuple(jvs)
    else:
        value, jv = values[0], jvs[0]
    return (value, jv, aux) if has_aux else (value, jv)


def jacrev(func, argnums=0, has_aux=False):
    """Jacobian by reverse mode: one vector-Jacobian product per output element.
    The result has shape ``output.shape + input.shape``."""

    def wrapper(*args):
        with enable_grad():
            new, nums, outer = _prepare(args, argnums)
            res = func(*new)
            out, aux = res if has_aux else (res, None)
            flat_n = out.numel()
            rows = [[] for _ in nums]
            for k in range(flat_n):
                e = np.zeros(flat_n, out._data.dtype)
                e[k] = 1
                gs = _grad(out, [new[n] for n in nums], Tensor._wrap(e.reshape(out.shape)),
                           retain_graph=True, create_graph=outer, allow_unused=True,
                           materialize_grads=True)
                for j, g in enumerate(gs):
                    rows[j].append(g)
        from chainrule.ops import stack

        jacs = []
        for j, n in enumerate(nums):
            shape = tuple(out.shape) + tuple(args[n].shape)
            jacs.append(stack(rows[j]).reshape(shape) if rows[j] else
                        Tensor._wrap(np.zeros(shape, args[n]._data.dtype)))
        j = jacs[0] if isinstance(argnums, int) else tuple(jacs)
        return (j, aux) if has_aux else j

    return wrapper


def jacfwd(func, argnums=0, has_aux=False):
    """Jacobian by forward mode: one Jacobian-vector product per input element. For a tuple
    of outputs or of ``argnums``, the result is nested: outputs outside, inputs inside."""
    from chainrule.ops import stack

    def wrapper(*args):
        nums = _argnums_tuple(argnums)
        per_input = []  # per input: list over outputs of the Jacobian block
        aux, multi_out = None, False
        for n in nums:
            x = args[n]
            cols = None
            out_shapes = None
            for k in range(x.numel()):
                e = np.zeros(x.numel(), x._data.dtype)
                e[k] = 1

                def f_n(xn, _n=n):
                    a = list(args)
                    a[_n] = xn
                    return func(*a)

                res = jvp(f_n, (x,), (Tensor._wrap(e.reshape(x.shape)),), has_aux=has_aux)
                out, jv = res[0], res[1]
                if has_aux:
                    aux = res[2]
                multi_out = isinstance(out, tuple)
                outs = out if multi_out else (out,)
                jvs = jv if multi_out else (jv,)
                out_shapes = [tuple(o.shape) for o in outs]
                if cols is None:
                    cols = [[] for _ in outs]
                for c, j in zip(cols, jvs):
                    c.append(j)
            per_input.append([stack(c, dim=-1).reshape(s + tuple(x.shape))
                              for c, s in zip(cols, out_shapes)])
        single_in = isinstance(argnums, int)
        n_out = len(per_input[0])
        blocks = []
        for o in range(n_out):
            row = tuple(per_input[i][o] for i in range(len(nums)))
            blocks.append(row[0] if single_in else row)
        j = tuple(blocks) if multi_out else blocks[0]
        return (j, aux) if has_aux else j

    return wrapper


def hessian(func, argnums=0):
    """Matrix of second derivatives of a scalar function: ``jacfwd(jacrev(func))``."""
    return jacfwd(jacrev(func, argnums), argnums)


def vmap(func, in_dims=0, out_dims=0):
    """Map ``func`` over a batch dimension (evaluated per item and stacked)."""
    from chainrule.ops import stack

    def wrapper(*args):
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        n = next(a.shape[d] for a, d in zip(args, dims) if d is not None)
        outs = []
        for i in range(n):
            item = [a.select(d, i) if d is not None else a for a, d in zip(args, dims)]
            outs.append(func(*item))
        if isinstance(outs[0], tuple):
            return tuple(stack([o[k] for o in outs], out_dims) for k in range(len(outs[0])))
        return stack(outs, out_dims)

    return wrapper
