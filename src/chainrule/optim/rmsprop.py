"""RMSprop: scale each step by a running root-mean-square of the gradient."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from chainrule.optim.optimizer import Optimizer, _check_nonnegative, _check_torch_only_flags
from chainrule.tensor import Tensor


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop`` (Hinton's lecture notes; centered version by
    Graves, 2013).

    For each parameter :math:`\theta` with gradient :math:`g_t` (:math:`v_0 = \bar g_0 =
    b_0 = 0`):

    .. math::
        g_t &\leftarrow -g_t \quad\text{if maximize} \\
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \quad\text{if } \lambda \ne 0 \\
        v_t &= \alpha\, v_{t-1} + (1 - \alpha)\, g_t^2 \\
        \bar g_t &= \alpha\, \bar g_{t-1} + (1 - \alpha)\, g_t \quad\text{(centered only)} \\
        d_t &= \sqrt{v_t - \bar g_t^2} + \epsilon \text{ if centered, else }
               \sqrt{v_t} + \epsilon \\
        b_t &= \mu\, b_{t-1} + g_t / d_t, \quad \theta_t = \theta_{t-1} - \gamma\, b_t
              \quad\text{if } \mu > 0 \\
        \theta_t &= \theta_{t-1} - \gamma\, g_t / d_t \quad\text{otherwise}

    with learning rate :math:`\gamma`, smoothing constant :math:`\alpha`, momentum
    :math:`\mu` and weight decay :math:`\lambda`.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the squared-gradient average (default 0.99).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by an estimate of the gradient's variance instead of its
            second moment (default False).
        maximize: maximize the objective instead of minimizing it.
        capturable, foreach, differentiable: accepted for PyTorch compatibility; ignored
            (``differentiable=True`` is refused).

    Example:
        >>> import chainrule as cr
        >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = cr.optim.RMSprop([w], lr=0.01, alpha=0.75)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> [round(x, 4) for x in w.tolist()]
        [0.98, -1.98]
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_nonnegative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                           alpha=alpha)
        _check_torch_only_flags(foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; returns ``closure()``'s loss if given."""
        loss = self._begin_step(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            alpha = float(group["alpha"])
            eps = float(group["eps"])
            momentum = float(group["momentum"])
            centered = group["centered"]
            for p, g in self._params_with_grad(group):
                data = p._data
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = Tensor._wrap(np.zeros_like(data))
                if momentum > 0 and "momentum_buffer" not in state:
                    state["momentum_buffer"] = Tensor._wrap(np.zeros_like(data))
                if centered and "grad_avg" not in state:
                    state["grad_avg"] = Tensor._wrap(np.zeros_like(data))
                state["step"] += 1

                sq = state["square_avg"]._data
                sq *= alpha
                tmp = np.multiply(g, g)
                tmp *= 1.0 - alpha
                sq += tmp
                if centered:
                    ga = state["grad_avg"]._data
                    np.subtract(g, ga, out=tmp)  # lerp toward g, as PyTorch
                    tmp *= 1.0 - alpha
                    ga += tmp
                    np.multiply(ga, ga, out=tmp)
                    np.subtract(sq, tmp, out=tmp)
                    np.sqrt(tmp, out=tmp)
                else:
                    np.sqrt(sq, out=tmp)
                tmp += eps
                np.divide(g, tmp, out=tmp)
                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= momentum
                    buf += tmp
                    np.multiply(buf, lr, out=tmp)
                else:
                    tmp *= lr
                data -= tmp
                p._version += 1
        return loss
