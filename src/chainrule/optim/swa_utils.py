"""Weight averaging: stochastic weight averaging (SWA) and exponential moving averages (EMA)
of a model's parameters, the SWA learning-rate schedule, and recomputing batch-norm
statistics for the averaged weights (``torch.optim.swa_utils``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

import numpy as np

from chainrule.autograd.grad_mode import no_grad
from chainrule.nn.modules.module import Module
from chainrule.nn.modules.normalization import _BatchNorm
from chainrule.optim.lr_scheduler import LRScheduler, _check_optimizer, _per_group
from chainrule.optim.optimizer import Optimizer
from chainrule.tensor import Tensor

__all__ = [
    "AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
    "get_ema_avg_fn", "get_swa_avg_fn",
]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def _is_float(t: Tensor) -> bool:
    return t._data.dtype.kind in "fc"


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``start += weight * (end - start)`` in place, evaluated from the nearer end point as
    PyTorch's ``lerp`` does (``end - (1 - weight) * (end - start)`` when weight >= 0.5)."""
    diff = np.subtract(end, start)
    if weight < 0.5:
        diff *= weight
        start += diff
    else:
        diff *= 1.0 - weight
        np.subtract(end, diff, out=start)


def _assign(target: Tensor, value) -> None:
    # Write ``value`` into ``target``'s own array (casting as Tensor.copy_ does).
    arr = value._data if isinstance(value, Tensor) else np.asarray(value)
    np.copyto(target._data, arr, casting="unsafe")
    target._version += 1


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    r"""An in-place EMA update for :class:`AveragedModel`'s ``multi_avg_fn``: each averaged
    tensor becomes :math:`\text{decay}\cdot W^{EMA} + (1 - \text{decay})\cdot W^{model}`.

    Args:
        decay: weight of the running average, in [0, 1] (default 0.999).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.optim.swa_utils import get_ema_multi_avg_fn
        >>> avg, cur = [cr.tensor([0.0, 1.0])], [cr.tensor([1.0, 1.0])]
        >>> get_ema_multi_avg_fn(0.75)(avg, cur, 1)
        >>> avg[0].tolist()
        [0.25, 1.0]
    """
    _check_decay(decay)

    def ema_update(ema_param_list: list[Tensor], current_param_list: list[Tensor], _) -> None:
        floating = _is_float(ema_param_list[0])
        for p_ema, p_model in zip(ema_param_list, current_param_list):
            if floating:
                _lerp_(p_ema._data, p_model._data, 1.0 - decay)
                p_ema._version += 1
            else:
                _assign(p_ema, p_ema._data * decay + p_model._data * (1.0 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable:
    r"""An in-place running-mean update for :class:`AveragedModel`'s ``multi_avg_fn``:
    with :math:`n` models averaged so far, :math:`W^{SWA} \leftarrow W^{SWA} +
    (W^{model} - W^{SWA}) / (n + 1)`.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.optim.swa_utils import get_swa_multi_avg_fn
        >>> avg, cur = [cr.tensor([0.0, 3.0])], [cr.tensor([3.0, 0.0])]
        >>> get_swa_multi_avg_fn()(avg, cur, 2)
        >>> avg[0].tolist()
        [1.0, 2.0]
    """

    def swa_update(averaged_param_list: list[Tensor], current_param_list: list[Tensor],
                   num_averaged) -> None:
        n = _as_number(num_averaged)
        floating = _is_float(averaged_param_list[0])
        for p_avg, p_model in zip(averaged_param_list, current_param_list):
            if floating:
                _lerp_(p_avg._data, p_model._data, 1.0 / (n + 1))
                p_avg._version += 1
            else:
                _assign(p_avg, p_avg._data + (p_model._data - p_avg._data) / (n + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    r"""A per-tensor EMA for :class:`AveragedModel`'s ``avg_fn``: returns
    :math:`\text{decay}\cdot W^{EMA} + (1 - \text{decay})\cdot W^{model}`.

    Args:
        decay: weight of the running average, in [0, 1] (default 0.999).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.optim.swa_utils import get_ema_avg_fn
        >>> get_ema_avg_fn(0.5)(cr.tensor([0.0]), cr.tensor([2.0]), 3).tolist()
        [1.0]
    """
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable:
    r"""A per-tensor running mean for :class:`AveragedModel`'s ``avg_fn``: returns
    :math:`W^{SWA} + (W^{model} - W^{SWA}) / (n + 1)`, :math:`n` being the number of
    models averaged so far.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.optim.swa_utils import get_swa_avg_fn
        >>> get_swa_avg_fn()(cr.tensor([1.0]), cr.tensor([4.0]), 2).tolist()
        [2.0]
    """

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _as_number(n):
    return int(n._data) if isinstance(n, Tensor) else n


class AveragedModel(Module):
    r"""A copy of ``model`` whose parameters hold a running average of ``model``'s, for
    stochastic weight averaging (Izmailov et al., 2018) or an exponential moving average.

    Call :meth:`update_parameters` with the training model after optimizer steps (e.g.
    once per epoch); the first call copies the weights, later ones average them in with
    ``avg_fn(averaged, current, n_averaged)`` (returns the new average of one tensor) or
    ``multi_avg_fn(averaged_list, current_list, n_averaged)`` (updates the lists in place);
    with neither, an equal-weight running mean. ``n_averaged`` (an int64 buffer) counts
    the calls. Buffers (batch-norm statistics) are copied from ``model`` unless
    ``use_buffers``, in which case they are averaged too; otherwise recompute them for the
    averaged weights with :func:`update_bn`.

    Args:
        model: the model to average (deep-copied).
        device: if given, the copy is moved there.
        avg_fn: per-tensor averaging function, e.g. :func:`get_ema_avg_fn`.
        multi_avg_fn: in-place averaging of lists of tensors, e.g.
            :func:`get_ema_multi_avg_fn`. At most one of the two may be given.
        use_buffers: average the buffers with the parameters (default False).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.optim.swa_utils import AveragedModel
        >>> model = cr.nn.Linear(1, 1, bias=False)
        >>> swa = AveragedModel(model)
        >>> for value in [1.0, 2.0, 6.0]:
        ...     with cr.no_grad():
        ...         _ = model.weight.fill_(value)
        ...     swa.update_parameters(model)
        >>> swa.module.weight.item(), int(swa.n_averaged)
        (3.0, 3)
    """

    def __init__(self, model: Module, device=None,
                 avg_fn: Callable[[Tensor, Tensor, Any], Tensor] | None = None,
                 multi_avg_fn: Callable[[list, list, Any], None] | None = None,
                 use_buffers: bool = False) -> None:
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        super().__init__()
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", Tensor._wrap(np.array(0, np.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        """Run the averaged copy of the model."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Average ``model``'s current parameters (and buffers, with ``use_buffers``) into
        this model's, and count one more model averaged."""
        if self.use_buffers:
            mine = chain(self.module.parameters(), self.module.buffers())
            theirs = chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        pairs = [(a.detach(), b.detach()) for a, b in zip(mine, theirs)]
        n = int(self.n_averaged._data)
        if n == 0:
            for avg, cur in pairs:
                _assign(avg, cur)
        elif self.avg_fn is not None and self.multi_avg_fn is None:
            for avg, cur in pairs:
                _assign(avg, self.avg_fn(avg, cur, self.n_averaged))
        else:
            # lists of one dtype at a time, as the in-place functions expect
            by_dtype: dict[np.dtype, tuple[list, list]] = {}
            for avg, cur in pairs:
                avgs, curs = by_dtype.setdefault(avg._data.dtype, ([], []))
                avgs.append(avg)
                curs.append(cur)
            for avgs, curs in by_dtype.values():
                if self.multi_avg_fn is not None:
                    self.multi_avg_fn(avgs, curs, self.n_averaged)
                else:
                    running_mean = get_swa_avg_fn()
                    for avg, cur in zip(avgs, curs):
                        _assign(avg, running_mean(avg, cur, n))
        if not self.use_buffers:
            # the buffers follow the source model
            for mine_b, theirs_b in zip(self.module.buffers(), model.buffers()):
                _assign(mine_b, theirs_b.detach())
        self.n_averaged._data += 1
        self.n_averaged._version += 1


def update_bn(loader: Iterable[Any], model: Module, device=None) -> None:
    """Recompute the running mean and variance of every batch-norm layer of ``model`` with
    one pass over ``loader``.

    The statistics are reset and re-estimated as a plain average over all batches (each
    layer's ``momentum`` is set to ``None`` during the pass and restored after), in
    training mode; the model's training flag is restored at the end. Useful after weight
    averaging, whose averaged weights do not match any model's statistics. Nothing is done
    if ``model`` has no batch-norm layer.

    Args:
        loader: iterable of batches; a batch is a tensor, or a list/tuple whose first item
            is the model's input.
        model: the model (e.g. an :class:`AveragedModel`).
        device: if given, each batch is moved there first.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.optim.swa_utils import update_bn
        >>> bn = cr.nn.BatchNorm1d(1)
        >>> update_bn([cr.tensor([[1.0], [3.0]]), cr.tensor([[5.0], [7.0]])], bn)
        >>> bn.running_mean.tolist()
        [4.0]
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    r"""Anneal each group's learning rate to a constant ``swa_lr`` over ``anneal_epochs``
    epochs, then hold it, as used for stochastic weight averaging.

    At epoch :math:`k` (``k = 0`` at construction), with :math:`\alpha = a(\min(1,
    k / \max(1, K)))` for ``K = anneal_epochs`` and :math:`a(x) = (1 - \cos \pi x) / 2`
    (``"cos"``) or :math:`a(x) = x` (``"linear"``), the rate is
    :math:`\alpha\, \text{swa\_lr} + (1 - \alpha)\, \gamma_{start}`. Like PyTorch,
    :math:`\gamma_{start}` is recovered each step from the current rate (by inverting the
    previous step's mix), so the schedule also starts from whatever rate another
    scheduler has set.

    Args:
        optimizer: the optimizer.
        swa_lr: the final learning rate, one value or one per group.
        anneal_epochs: number of epochs of the annealing (default 10; 0 switches at once).
        anneal_strategy: ``"cos"`` (default) or ``"linear"``.
        last_epoch: see :class:`~chainrule.optim.lr_scheduler.LRScheduler`.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.optim.swa_utils import SWALR
        >>> opt = cr.optim.SGD([cr.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = SWALR(opt, swa_lr=0.2, anneal_epochs=2, anneal_strategy="linear")
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(3):
        ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
        >>> lrs
        [1.0, 0.6, 0.2, 0.2]
    """

    def __init__(self, optimizer: Optimizer, swa_lr: float | list[float],
                 anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        swa_lrs = _per_group("swa_lr", optimizer, swa_lr)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                "anneal_strategy must be one of 'cos' or 'linear', instead got "
                f"{anneal_strategy}")
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(
                f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        for value, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = value
        self._set_anneal_func(anneal_strategy)
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        # the start rate that the mix alpha * swa_lr + (1 - alpha) * start turned into lr
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = (self._cosine_anneal if anneal_strategy == "cos"
                            else self._linear_anneal)

    def get_lr(self) -> list[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / span)))
        alpha = self.anneal_func(max(0, min(1, step / span)))
        groups = self.optimizer.param_groups
        starts = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, starts)]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer and the annealing function."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
