"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from chainrule.optim.optimizer import Optimizer, _check_torch_only_flags
from chainrule.tensor import Tensor


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`:

    .. math::
        g_t &\leftarrow -g_t \quad\text{if maximize} \\
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \quad\text{if } \lambda \ne 0 \\
        b_t &= g_t \text{ at } t = 1, \quad
              b_t = \mu\, b_{t-1} + (1 - \tau)\, g_t \text{ afterwards} \\
        g_t &\leftarrow g_t + \mu\, b_t \text{ (nesterov)} \quad\text{or}\quad
              g_t \leftarrow b_t \quad\text{if } \mu \ne 0 \\
        \theta_t &= \theta_{t-1} - \gamma\, g_t

    with learning rate :math:`\gamma`, momentum :math:`\mu`, dampening :math:`\tau` and
    weight decay :math:`\lambda`. Note the momentum buffer starts as the first gradient
    itself (no dampening on the first step), as in PyTorch.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening for momentum (default 0).
        weight_decay: L2 penalty (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, fused, differentiable: accepted for PyTorch compatibility; ignored
            (``differentiable=True`` is refused).

    Example:
        >>> import chainrule as cr
        >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = cr.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> loss = (w * w).sum()
        >>> loss.backward()
        >>> opt.step()
        >>> [round(x, 4) for x in w.tolist()]
        [0.8, -1.6]
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        # ``x < 0`` as in PyTorch's SGD (NaN passes), not _check_nonnegative.
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        _check_torch_only_flags(foreach, fused, False, differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; returns ``closure()``'s loss if given."""
        loss = self._begin_step(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            dampening = float(group["dampening"])
            weight_decay = float(group["weight_decay"])
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            for p, d_p in self._params_with_grad(group):
                data = p._data
                # ``own``: d_p is a temporary of ours (negating or adding weight decay made a
                # new array), so it may be overwritten below.
                own = maximize or weight_decay != 0
                if momentum != 0:
                    state = self.state[p]
                    buf_t = state.get("momentum_buffer")
                    if buf_t is None:
                        buf = np.array(d_p, dtype=data.dtype, copy=True)
                        state["momentum_buffer"] = Tensor._wrap(buf)
                    else:
                        buf = buf_t._data
                        buf *= momentum
                        if dampening == 0:
                            buf += d_p
                        else:
                            buf += (1.0 - dampening) * d_p
                    if nesterov:
                        upd = np.multiply(buf, momentum)
                        upd += d_p
                        d_p, own = upd, True
                    else:
                        d_p, own = buf, False
                d_p = np.multiply(d_p, lr, out=d_p if own else None)
                data -= d_p
                p._version += 1
        return loss
