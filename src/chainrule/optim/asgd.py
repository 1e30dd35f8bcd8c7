"""ASGD: stochastic gradient descent with a decaying step and a running average of iterates."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from chainrule.optim.optimizer import Optimizer, _check_nonnegative, _check_torch_only_flags
from chainrule.tensor import Tensor


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent, as ``torch.optim.ASGD`` (Polyak & Juditsky,
    1992).

    Each parameter keeps a step size :math:`\eta` (starting at ``lr``), an averaging weight
    :math:`\mu` (starting at 1) and the averaged iterate :math:`\bar\theta` (state ``ax``).
    At step :math:`t`, with gradient :math:`g_t`:

    .. math::
        g_t &\leftarrow -g_t \quad\text{if maximize} \\
        g_t &\leftarrow g_t + w\,\theta_{t-1} \quad\text{if } w \ne 0 \\
        \theta_t &= (1 - \lambda \eta_{t-1})\,\theta_{t-1} - \eta_{t-1}\, g_t \\
        \bar\theta_t &= \bar\theta_{t-1} + \mu_{t-1} (\theta_t - \bar\theta_{t-1})
            \quad(\bar\theta_t = \theta_t \text{ while } \mu_{t-1} = 1) \\
        \eta_t &= \gamma / (1 + \lambda \gamma t)^{\alpha}, \qquad
        \mu_t = 1 / \max(1, t - t_0)

    with learning rate :math:`\gamma`, decay term :math:`\lambda` (``lambd``), power
    :math:`\alpha` and weight decay :math:`w`. The parameters themselves follow the
    (decayed) SGD iterates; the average is the state entry ``ax``, which starts averaging
    at step :math:`t_0`. ``eta`` and ``mu`` are kept as Python floats (PyTorch keeps them
    as float32 scalar tensors).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the step-size decay (default 0.75).
        t0: step at which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, differentiable, capturable: accepted for PyTorch compatibility; ignored
            (``differentiable=True`` is refused).

    Example:
        >>> import chainrule as cr
        >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = cr.optim.ASGD([w], lr=0.1, lambd=0.0)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> [round(x, 4) for x in w.tolist()]
        [0.8, -1.6]
        >>> [round(x, 4) for x in opt.state[w]["ax"].tolist()]
        [0.8, -1.6]
    """

    _scalar_state_keys = ("step", "eta", "mu")

    def __init__(self, params: Iterable, lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_nonnegative(lr=lr, weight_decay=weight_decay)
        _check_torch_only_flags(foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; returns ``closure()``'s loss if given."""
        loss = self._begin_step(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            lambd = float(group["lambd"])
            alpha = float(group["alpha"])
            t0 = float(group["t0"])
            for p, g in self._params_with_grad(group):
                data = p._data
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["eta"] = lr
                    state["mu"] = 1.0
                    state["ax"] = Tensor._wrap(np.zeros_like(data))
                step = state["step"] + 1
                state["step"] = step
                eta = float(state["eta"])
                mu = float(state["mu"])

                data *= 1.0 - lambd * eta
                data -= np.multiply(g, eta)
                ax = state["ax"]._data
                if mu != 1.0:
                    diff = np.subtract(data, ax)
                    diff *= mu
                    ax += diff
                else:
                    np.copyto(ax, data)
                state["eta"] = lr / (1.0 + lambd * lr * step) ** alpha
                state["mu"] = 1.0 / max(1.0, step - t0)
                p._version += 1
        return loss
