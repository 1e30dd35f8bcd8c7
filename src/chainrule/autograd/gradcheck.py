"""Numerical gradient checking: compare autograd's derivatives with central differences."""

from __future__ import annotations

import numpy as np

from chainrule.autograd.grad_mode import enable_grad


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when analytical and numerical gradients disagree."""


def _tensors(x):
    from chainrule.tensor import Tensor

    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _outputs(fn, inputs):
    from chainrule.tensor import Tensor

    out = fn(*inputs)
    if isinstance(out, Tensor):
        return (out,)
    return tuple(o for o in out if isinstance(o, Tensor))


def numerical_jacobians(fn, inputs, eps=1e-6):
    """One Jacobian per (input requiring grad, output): central differences, in place."""
    inputs = _tensors(inputs)
    outs = _outputs(fn, inputs)
    jac = {}
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            continue
        flat = x._data.reshape(-1)
        cols = [np.zeros((o._data.size, flat.size)) for o in outs]
        for k in range(flat.size):
            orig = flat[k]
            # Evaluated with grad mode as it is, so functions that differentiate internally
            # (autograd.grad inside) work; nothing is backpropagated here.
            flat[k] = orig + eps
            plus = [o._data.astype(np.float64).reshape(-1).copy() for o in
                    _outputs(fn, inputs)]
            flat[k] = orig - eps
            minus = [o._data.astype(np.float64).reshape(-1).copy() for o in
                     _outputs(fn, inputs)]
            flat[k] = orig
            for j in range(len(outs)):
                cols[j][:, k] = (plus[j] - minus[j]) / (2 * eps)
        for j in range(len(outs)):
            jac[(i, j)] = cols[j]
    return jac


def analytical_jacobians(fn, inputs):
    """The same Jacobians from reverse mode: one vector-Jacobian product per output element."""
    from chainrule.autograd.functional_api import grad
    from chainrule.tensor import Tensor

    inputs = _tensors(inputs)
    diff = [x for x in inputs if x.requires_grad]
    outs = _outputs(fn, inputs)
    jac = {}
    for j, o in enumerate(outs):
        rows = {i: np.zeros((o._data.size, x._data.size)) for i, x in enumerate(inputs)
                if x.requires_grad}
        if o.requires_grad:
            for r in range(o._data.size):
                e = np.zeros(o._data.size, dtype=o._data.dtype)
                e[r] = 1
                gs = grad(o, diff, Tensor._wrap(e.reshape(o._data.shape)), retain_graph=True,
                          allow_unused=True)
                k = 0
                for i, x in enumerate(inputs):
                    if x.requires_grad:
                        if gs[k] is not None:
                            rows[i][r] = gs[k]._data.reshape(-1)
                        k += 1
        for i, m in rows.items():
            jac[(i, j)] = m
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, fast_mode=False, **kwargs) -> bool:
    """Check ``func``'s gradients w.r.t. the ``inputs`` that require grad against central
    finite differences (PyTorch's defaults: eps=1e-6, atol=1e-5, rtol=1e-3). Use float64
    inputs: float32 differences are too coarse for these tolerances.

    Example:
        >>> import chainrule as cr
        >>> x = cr.randn(3, dtype=cr.float64, requires_grad=True)
        >>> cr.autograd.gradcheck(lambda t: (t.sin() * t).sum(), (x,))
        True
    """
    inputs = _tensors(inputs)
    if not any(x.requires_grad for x in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    num = numerical_jacobians(func, inputs, eps)
    ana = analytical_jacobians(func, inputs)
    for key, n in num.items():
        a = ana[key]
        if not np.allclose(a, n, rtol=rtol, atol=atol):
            err = np.abs(a - n).max()
            msg = (f"Jacobian mismatch for output {key[1]} with respect to input {key[0]}: "
                   f"max abs difference {err:.3g}\nnumerical:\n{n}\nanalytical:\n{a}")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **kwargs) -> bool:
    """Check second derivatives: gradcheck of the vector-Jacobian product of ``func``."""
    from chainrule.autograd.functional_api import grad
    from chainrule.tensor import Tensor

    inputs = _tensors(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        # One random cotangent per differentiable output (integer outputs such as indices
        # have no gradient, as in PyTorch).
        grad_outputs = [Tensor._wrap(rng.standard_normal(o._data.shape).astype(o._data.dtype))
                        .requires_grad_() for o in outs if o._data.dtype.kind == "f"]
    else:
        grad_outputs = list(_tensors(grad_outputs))
    n_in = len(inputs)

    def vjp_fn(*args):
        xs, gos = args[:n_in], args[n_in:]
        with enable_grad():
            os_ = [o for o in _outputs(func, xs) if o._data.dtype.kind == "f"]
            diff = [x for x in xs if x.requires_grad]
            gs = grad(os_, diff, list(gos), create_graph=True, allow_unused=True,
                      materialize_grads=True)
        return tuple(gs)

    return gradcheck(vjp_fn, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
