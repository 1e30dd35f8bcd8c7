"""Rprop: resilient backpropagation, per-coordinate step sizes adapted from gradient signs."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from chainrule.optim.optimizer import (
    Optimizer,
    _check_nonnegative,
    _check_torch_only_flags,
    _grad_array,
)
from chainrule.tensor import Tensor


class Rprop(Optimizer):
    r"""Rprop, as ``torch.optim.Rprop`` (Riedmiller & Braun, 1993).

    Only the sign of the gradient is used. Each coordinate keeps its own step size
    :math:`\delta` (starting at ``lr``) and the gradient it last stepped along,
    :math:`g_{prev}` (starting at 0). For gradient :math:`g_t` (negated if maximize):

    .. math::
        \delta_t &= \operatorname{clip}(\eta\, \delta_{t-1},\ \delta_{min},\ \delta_{max}),
        \qquad \eta = \begin{cases} \eta_+ & g_t\, g_{prev} > 0 \\
                                    \eta_- & g_t\, g_{prev} < 0 \\
                                    1 & \text{otherwise} \end{cases} \\
        g_t &\leftarrow 0 \quad\text{where } g_t\, g_{prev} < 0 \\
        \theta_t &= \theta_{t-1} - \delta_t \operatorname{sign}(g_t), \qquad g_{prev} = g_t

    so a coordinate whose gradient changed sign takes a smaller step size and skips the
    following move. :math:`\delta` and :math:`g_{prev}` are the state entries ``step_size``
    and ``prev``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: initial step size (default 1e-2).
        etas: ``(eta_minus, eta_plus)``, the factors that shrink and grow the step size,
            with ``0 < eta_minus < 1 < eta_plus`` (default (0.5, 1.2)).
        step_sizes: ``(min, max)`` bounds of the step size (default (1e-6, 50)).
        maximize: maximize the objective instead of minimizing it.
        capturable, foreach, differentiable: accepted for PyTorch compatibility; ignored
            (``differentiable=True`` is refused).

    Example:
        >>> import chainrule as cr
        >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = cr.optim.Rprop([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> [round(x, 4) for x in w.tolist()]
        [0.9, -1.9]
    """

    def __init__(self, params: Iterable, lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_nonnegative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_torch_only_flags(foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; returns ``closure()``'s loss if given."""
        loss = self._begin_step(closure)
        for group in self.param_groups:
            eta_minus, eta_plus = (float(e) for e in group["etas"])
            size_min, size_max = (float(s) for s in group["step_sizes"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = _grad_array(p, group["maximize"])
                data = p._data
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["prev"] = Tensor._wrap(np.zeros_like(data))
                    state["step_size"] = Tensor._wrap(np.full_like(g, float(group["lr"])))
                state["step"] += 1
                prev = state["prev"]._data
                size = state["step_size"]._data

                prod = np.multiply(g, prev)
                flipped = prod < 0
                # factor eta+ / eta- / 1 by the sign of g * prev (NaN stays NaN)
                factor = np.sign(prod)
                factor[factor > 0] = eta_plus
                factor[flipped] = eta_minus
                factor[factor == 0] = 1.0
                size *= factor
                np.clip(size, size_min, size_max, out=size)
                # where the sign flipped: no move now, and no sign comparison next step
                np.copyto(prev, g)
                prev[flipped] = 0
                np.sign(prev, out=prod)
                prod *= size
                data -= prod
                p._version += 1
        return loss
