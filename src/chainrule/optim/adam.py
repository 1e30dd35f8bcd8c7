"""Adam and AdamW: one implementation, with L2 (coupled) or decoupled weight decay."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from chainrule.optim.optimizer import (
    Optimizer,
    _check_betas,
    _check_nonnegative,
    _check_torch_only_flags,
)
from chainrule.tensor import Tensor


def _check_adam_args(lr, betas, eps, weight_decay):
    _check_nonnegative(lr=lr, eps=eps)
    _check_betas(betas)
    _check_nonnegative(weight_decay=weight_decay)


def _update_moments(m: np.ndarray, v: np.ndarray, g: np.ndarray, beta1: float,
                    beta2: float) -> np.ndarray:
    """Adam's moment estimates, in place: ``m = beta1 * m + (1 - beta1) * g`` and
    ``v = beta2 * v + (1 - beta2) * g * g``. Returns a scratch array of ``g``'s shape."""
    # m += (1 - beta1) * (g - m): the lerp form PyTorch uses.
    tmp = np.subtract(g, m)
    tmp *= 1.0 - beta1
    m += tmp
    v *= beta2
    np.multiply(g, g, out=tmp)
    tmp *= 1.0 - beta2
    v += tmp
    return tmp


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam`` (Kingma & Ba, 2014).

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`
    (:math:`m_0 = v_0 = \hat v_0 = 0`):

    .. math::
        g_t &\leftarrow -g_t \quad\text{if maximize} \\
        \theta_{t-1} &\leftarrow (1 - \gamma\lambda)\,\theta_{t-1}
            \quad\text{if decoupled weight decay, else}\quad
            g_t \leftarrow g_t + \lambda\,\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ if amsgrad, else } v_t \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}\,
            \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    with learning rate :math:`\gamma`, ``betas`` :math:`(\beta_1, \beta_2)` and weight decay
    :math:`\lambda`. Note :math:`\epsilon` is added after the bias correction of the
    denominator, and amsgrad keeps the maximum of the *uncorrected* :math:`v_t`, as PyTorch
    does.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: decay rates of the first and second moment averages (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: weight decay (default 0); an L2 penalty folded into the gradient
            unless ``decoupled_weight_decay`` (then this is AdamW).
        amsgrad: use the AMSGrad variant (default False).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: shrink the weights directly, as AdamW does.
        foreach, capturable, differentiable, fused: accepted for PyTorch compatibility;
            ignored (``differentiable=True`` is refused).

    Example:
        >>> import chainrule as cr
        >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = cr.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> [round(x, 4) for x in w.tolist()]
        [0.9, -1.9]
    """

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        _check_torch_only_flags(foreach, fused, capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; returns ``closure()``'s loss if given."""
        loss = self._begin_step(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            amsgrad = group["amsgrad"]
            decoupled = group.get("decoupled_weight_decay", False)
            for p, g in self._params_with_grad(group, decoupled):
                data = p._data
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = Tensor._wrap(np.zeros_like(data))
                    state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(data))
                    if amsgrad:
                        state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(data))
                step = state["step"] + 1
                state["step"] = step
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                tmp = _update_moments(m, v, g, beta1, beta2)

                if amsgrad:
                    if "max_exp_avg_sq" not in state:  # amsgrad switched on mid-training
                        state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(data))
                    vmax = state["max_exp_avg_sq"]._data
                    np.maximum(vmax, v, out=vmax)
                    v = vmax
                # denom = sqrt(v) / sqrt(1 - beta2^t) + eps;  theta -= lr/(1 - beta1^t) * m/denom
                np.sqrt(v, out=tmp)
                tmp *= 1.0 / math.sqrt(1.0 - beta2**step)
                tmp += eps
                np.divide(m, tmp, out=tmp)
                tmp *= lr / (1.0 - beta1**step)
                data -= tmp
                p._version += 1
        return loss


class AdamW(Adam):
    r"""AdamW, as ``torch.optim.AdamW`` (Loshchilov & Hutter, 2017): Adam with decoupled
    weight decay.

    Each step first shrinks the weights, :math:`\theta \leftarrow (1 - \gamma\lambda)\theta`,
    and then applies the plain Adam update of :class:`Adam` (see there for the rule); the
    decay never enters the moment estimates.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: decay rates of the first and second moment averages (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: decoupled weight decay coefficient (default 1e-2).
        amsgrad: use the AMSGrad variant (default False).
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import chainrule as cr
        >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = cr.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> [round(x, 4) for x in w.tolist()]
        [0.85, -1.8]
    """

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
