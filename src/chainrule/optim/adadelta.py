"""Adadelta: steps scaled by the ratio of running RMS of past updates and of gradients."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from chainrule.optim.optimizer import Optimizer, _check_nonnegative, _check_torch_only_flags
from chainrule.tensor import Tensor


class Adadelta(Optimizer):
    r"""Adadelta, as ``torch.optim.Adadelta`` (Zeiler, 2012).

    For each parameter :math:`\theta` with gradient :math:`g_t` (:math:`v_0 = u_0 = 0`):

    .. math::
        g_t &\leftarrow -g_t \quad\text{if maximize} \\
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \quad\text{if } \lambda \ne 0 \\
        v_t &= \rho\, v_{t-1} + (1 - \rho)\, g_t^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
        u_t &= \rho\, u_{t-1} + (1 - \rho)\, \Delta_t^2 \\
        \theta_t &= \theta_{t-1} - \gamma\, \Delta_t

    with learning rate :math:`\gamma` (a plain multiplier here; the method itself needs
    none), decay :math:`\rho` and weight decay :math:`\lambda`. :math:`v` and :math:`u` are
    the state entries ``square_avg`` and ``acc_delta``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: coefficient that scales :math:`\Delta_t` (default 1.0).
        rho: decay of the running averages, in [0, 1] (default 0.9).
        eps: added inside both square roots for numerical stability (default 1e-6).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ignored
            (``differentiable=True`` is refused).

    Example:
        >>> import chainrule as cr
        >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = cr.optim.Adadelta([w], lr=1.0, rho=0.0, eps=1.0)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> [round(x, 4) for x in w.tolist()]
        [0.1056, -1.0299]
    """

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_nonnegative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonnegative(eps=eps, weight_decay=weight_decay)
        _check_torch_only_flags(foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; returns ``closure()``'s loss if given."""
        loss = self._begin_step(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            rho = float(group["rho"])
            eps = float(group["eps"])
            for p, g in self._params_with_grad(group):
                data = p._data
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = Tensor._wrap(np.zeros_like(data))
                    state["acc_delta"] = Tensor._wrap(np.zeros_like(data))
                state["step"] += 1
                v = state["square_avg"]._data
                u = state["acc_delta"]._data

                tmp = np.multiply(g, g)
                tmp *= 1.0 - rho
                v *= rho
                v += tmp
                # tmp = sqrt(v + eps); delta = sqrt(u + eps) / tmp * g
                np.add(v, eps, out=tmp)
                np.sqrt(tmp, out=tmp)
                delta = np.add(u, eps)
                np.sqrt(delta, out=delta)
                delta /= tmp
                delta *= g
                np.multiply(delta, delta, out=tmp)
                tmp *= 1.0 - rho
                u *= rho
                u += tmp
                delta *= lr
                data -= delta
                p._version += 1
        return loss
