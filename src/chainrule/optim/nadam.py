"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from chainrule.optim.adam import _check_adam_args, _update_moments
from chainrule.optim.optimizer import Optimizer, _check_nonnegative, _check_torch_only_flags
from chainrule.tensor import Tensor


class NAdam(Optimizer):
    r"""NAdam, as ``torch.optim.NAdam`` (Dozat, 2016).

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`
    (:math:`m_0 = v_0 = 0`, :math:`\Pi_0 = 1`):

    .. math::
        g_t &\leftarrow -g_t \quad\text{if maximize} \\
        \theta_{t-1} &\leftarrow (1 - \gamma\lambda)\,\theta_{t-1}
            \quad\text{if decoupled weight decay, else}\quad
            g_t \leftarrow g_t + \lambda\,\theta_{t-1} \\
        \mu_t &= \beta_1 \bigl(1 - \tfrac12\, 0.96^{\,t\psi}\bigr), \quad
        \mu_{t+1} = \beta_1 \bigl(1 - \tfrac12\, 0.96^{\,(t+1)\psi}\bigr), \quad
        \Pi_t = \Pi_{t-1}\, \mu_t \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        d_t &= \sqrt{v_t / (1 - \beta_2^t)} + \epsilon \\
        \theta_t &= \theta_{t-1}
            - \gamma\, \frac{1 - \mu_t}{1 - \Pi_t}\, \frac{g_t}{d_t}
            - \gamma\, \frac{\mu_{t+1}}{1 - \Pi_t\, \mu_{t+1}}\, \frac{m_t}{d_t}

    with learning rate :math:`\gamma`, ``betas`` :math:`(\beta_1, \beta_2)`, momentum decay
    :math:`\psi` and weight decay :math:`\lambda`. The running product :math:`\Pi_t` is the
    state entry ``mu_product`` (a Python float here, a float32 tensor in PyTorch).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 2e-3).
        betas: decay rates of the first and second moment averages (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: weight decay (default 0).
        momentum_decay: :math:`\psi` (default 4e-3).
        decoupled_weight_decay: shrink the weights directly, as AdamW does (default False).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ignored
            (``differentiable=True`` is refused).

    Example:
        >>> import chainrule as cr
        >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = cr.optim.NAdam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> [round(x, 4) for x in w.tolist()]
        [0.8944, -1.8944]
    """

    _scalar_state_keys = ("step", "mu_product")

    def __init__(self, params: Iterable, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        _check_nonnegative(momentum_decay=momentum_decay)
        _check_torch_only_flags(foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; returns ``closure()``'s loss if given."""
        loss = self._begin_step(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            psi = float(group["momentum_decay"])
            decoupled = group["decoupled_weight_decay"]
            for p, g in self._params_with_grad(group, decoupled):
                data = p._data
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["mu_product"] = 1.0
                    state["exp_avg"] = Tensor._wrap(np.zeros_like(data))
                    state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(data))
                step = state["step"] + 1
                state["step"] = step

                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
                mu_product = state["mu_product"] * mu
                state["mu_product"] = mu_product

                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                tmp = _update_moments(m, v, g, beta1, beta2)

                # tmp = denominator d_t; upd holds each of the two scaled quotients in turn
                np.divide(v, 1.0 - beta2**step, out=tmp)
                np.sqrt(tmp, out=tmp)
                tmp += eps
                upd = np.divide(g, tmp)
                upd *= lr * (1.0 - mu) / (1.0 - mu_product)
                data -= upd
                np.divide(m, tmp, out=upd)
                upd *= lr * mu_next / (1.0 - mu_product * mu_next)
                data -= upd
                p._version += 1
        return loss

