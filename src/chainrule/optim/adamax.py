"""Adamax: the infinity-norm variant of Adam."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from chainrule.optim.adam import _check_adam_args
from chainrule.optim.optimizer import Optimizer, _check_torch_only_flags
from chainrule.tensor import Tensor


class Adamax(Optimizer):
    r"""Adamax, as ``torch.optim.Adamax`` (Kingma & Ba, 2014, section 7).

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`
    (:math:`m_0 = u_0 = 0`):

    .. math::
        g_t &\leftarrow -g_t \quad\text{if maximize} \\
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \quad\text{if } \lambda \ne 0 \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        u_t &= \max(\beta_2\, u_{t-1},\ |g_t| + \epsilon) \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}\, \frac{m_t}{u_t}

    with learning rate :math:`\gamma`, ``betas`` :math:`(\beta_1, \beta_2)` and weight decay
    :math:`\lambda`. Note :math:`\epsilon` sits inside the maximum, as in PyTorch.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 2e-3).
        betas: decay rates of the first moment and of the infinity norm
            (default (0.9, 0.999)).
        eps: added to :math:`|g_t|` for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, differentiable, capturable: accepted for PyTorch compatibility; ignored
            (``differentiable=True`` is refused).

    Example:
        >>> import chainrule as cr
        >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = cr.optim.Adamax([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> [round(x, 4) for x in w.tolist()]
        [0.9, -1.9]
    """

    def __init__(self, params: Iterable, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        _check_torch_only_flags(foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; returns ``closure()``'s loss if given."""
        loss = self._begin_step(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            for p, g in self._params_with_grad(group):
                data = p._data
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = Tensor._wrap(np.zeros_like(data))
                    state["exp_inf"] = Tensor._wrap(np.zeros_like(data))
                step = state["step"] + 1
                state["step"] = step

                m = state["exp_avg"]._data
                tmp = np.subtract(g, m)  # m lerps toward g
                tmp *= 1.0 - beta1
                m += tmp
                u = state["exp_inf"]._data
                u *= beta2
                np.abs(g, out=tmp)
                tmp += eps
                np.maximum(u, tmp, out=u)

                np.divide(m, u, out=tmp)
                tmp *= lr / (1.0 - beta1**step)
                data -= tmp
                p._version += 1
        return loss
