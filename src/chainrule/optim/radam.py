"""RAdam: Adam with a rectified (variance-corrected) adaptive learning rate."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from chainrule.optim.adam import _check_adam_args, _update_moments
from chainrule.optim.optimizer import Optimizer, _check_torch_only_flags
from chainrule.tensor import Tensor


class RAdam(Optimizer):
    r"""RAdam, as ``torch.optim.RAdam`` (Liu et al., 2019, "On the Variance of the Adaptive
    Learning Rate and Beyond").

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`
    (:math:`m_0 = v_0 = 0`, :math:`\rho_\infty = 2 / (1 - \beta_2) - 1`):

    .. math::
        g_t &\leftarrow -g_t \quad\text{if maximize} \\
        \theta_{t-1} &\leftarrow (1 - \gamma\lambda)\,\theta_{t-1}
            \quad\text{if decoupled weight decay, else}\quad
            g_t \leftarrow g_t + \lambda\,\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \hat m_t &= m_t / (1 - \beta_1^t), \quad
        \rho_t = \rho_\infty - 2 t \beta_2^t / (1 - \beta_2^t) \\
        \theta_t &= \theta_{t-1} - \gamma\, \hat m_t\, r_t\,
            \frac{\sqrt{1 - \beta_2^t}}{\sqrt{v_t} + \epsilon}
            \quad\text{if } \rho_t > 5, \qquad
        \theta_t = \theta_{t-1} - \gamma\, \hat m_t \quad\text{otherwise}

    with the rectification
    :math:`r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}
    {(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}}`, learning rate :math:`\gamma`, ``betas``
    :math:`(\beta_1, \beta_2)` and weight decay :math:`\lambda`. During the first steps
    (:math:`\rho_t \le 5`) the update is plain momentum SGD on the bias-corrected
    :math:`\hat m_t`.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: decay rates of the first and second moment averages (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: weight decay (default 0), an L2 penalty folded into the gradient
            unless ``decoupled_weight_decay``.
        decoupled_weight_decay: shrink the weights directly, as AdamW does (default False).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ignored
            (``differentiable=True`` is refused).

    Example:
        >>> import chainrule as cr
        >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = cr.optim.RAdam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> [round(x, 4) for x in w.tolist()]
        [0.8, -1.6]
    """

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        _check_torch_only_flags(foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; returns ``closure()``'s loss if given."""
        loss = self._begin_step(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            decoupled = group.get("decoupled_weight_decay", False)
            rho_inf = 2.0 / (1.0 - beta2) - 1.0
            for p, g in self._params_with_grad(group, decoupled):
                data = p._data
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = Tensor._wrap(np.zeros_like(data))
                    state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(data))
                step = state["step"] + 1
                state["step"] = step
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                tmp = _update_moments(m, v, g, beta1, beta2)

                bias1 = 1.0 - beta1**step
                bias2 = 1.0 - beta2**step
                # length of the approximated simple moving average at step t
                rho_t = rho_inf - 2.0 * step * beta2**step / bias2
                upd = np.divide(m, bias1)
                upd *= lr
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                                     / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                    # adaptive rate sqrt(1 - beta2^t) / (sqrt(v) + eps)
                    np.sqrt(v, out=tmp)
                    tmp += eps
                    np.divide(math.sqrt(bias2), tmp, out=tmp)
                    upd *= tmp
                    upd *= rect
                data -= upd
                p._version += 1
        return loss
