"""The ``Optimizer`` base class: parameter groups, per-parameter state, state_dict.

Subclasses implement ``step``. Their updates run in place on each parameter's NumPy array
(``p._data``) with in-place ufuncs, one vectorized pass per parameter, and bump
``p._version`` so autograd can detect that a saved tensor was modified. The parts they share
live here: ``Optimizer._params_with_grad`` (the parameters to update, with ``maximize`` and
weight decay applied to the gradient) and the argument checks ``_check_nonnegative`` and
``_check_betas``.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from copy import deepcopy
from itertools import chain
from typing import Any

import numpy as np

from chainrule.autograd.functional_api import zero_grads
from chainrule.autograd.grad_mode import enable_grad
from chainrule.tensor import Tensor


class _RequiredParameter:
    """Marks a hyperparameter that has no default and must be given (``lr`` of some optimizers)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _check_torch_only_flags(foreach=None, fused=None, capturable=False, differentiable=False):
    # These PyTorch switches pick kernels or enable graph capture; chainrule has one
    # NumPy implementation, so they are accepted (PyTorch code carries over) and ignored.
    if differentiable:
        raise NotImplementedError(
            "differentiable=True is not supported: chainrule optimizers update parameters in "
            "place without recording a graph")


# How the checks below name a hyperparameter in their messages (PyTorch's wording); the
# others read "Invalid <name> value: ...".
_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


def _check_nonnegative(**values) -> None:
    """Raise ``ValueError("Invalid ...")`` for the first of ``values`` that is not ``>= 0``
    (NaN fails too), checking them in the order given."""
    for name, value in values.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {_LABELS.get(name, name + ' value')}: {value}")


def _check_betas(betas) -> None:
    """Both of Adam-style ``betas`` must lie in ``[0, 1)``."""
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts, each dict
            a *parameter group* holding ``"params"`` and hyperparameters that override the
            defaults for that group.
        defaults: default hyperparameters, used by groups that do not set them.

    Attributes:
        param_groups: list of dicts, each with ``"params"`` (a list of tensors) and the
            group's hyperparameters.
        state: per-parameter state (momentum buffers, step counts...), a dict keyed by the
            parameter tensor.

    Example:
        >>> import chainrule as cr
        >>> w = cr.tensor([1.0, 2.0], requires_grad=True)
        >>> b = cr.tensor([0.5], requires_grad=True)
        >>> opt = cr.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.5]
    """

    # State entries held as Python numbers rather than tensors (restored as numbers).
    _scalar_state_keys: tuple[str, ...] = ("step",)

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._opt_called = False
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_typename(params)}")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group (a dict with ``"params"`` and optional hyperparameters).

        Useful to start training layers that were frozen: the new group takes the
        optimizer's defaults for every hyperparameter it does not set.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list "
                "instead.")
        else:
            params = list(params)
        if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):
            param_group["param_names"] = [name for name, _ in params]
            params = [p for _, p in params]
        param_group["params"] = params

        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    f"{_typename(p)}")
            if not p.is_leaf and not getattr(p, "retains_grad", False):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization "
                    f"parameter {name}")
            param_group.setdefault(name, default)

        if len(params) != len({id(p) for p in params}):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; each "
                "duplicate is updated once per occurrence", stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ stepping
    def _begin_step(self, closure: Callable[[], Any] | None):
        # Marks that step() ran (the LR schedulers warn when they are stepped first) and
        # evaluates the closure, which recomputes the loss, with graph recording on.
        self._opt_called = True
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _params_with_grad(self, group: dict[str, Any], decoupled_weight_decay: bool = False
                          ) -> Iterator[tuple[Tensor, np.ndarray]]:
        """``(p, g)`` for each parameter ``p`` of ``group`` that has a gradient, ``g`` being the
        gradient array to step along.

        ``g`` is negated when ``group["maximize"]``. A nonzero ``group["weight_decay"]`` (wd)
        is added to it as an L2 term, ``g + wd * p``, or, with ``decoupled_weight_decay``,
        shrinks the weights instead, ``p *= 1 - lr * wd`` (in place, before ``p`` is yielded).
        Unless one of these made a new array, ``g`` is the gradient's own data: read it, never
        write to it.
        """
        maximize = group["maximize"]
        weight_decay = float(group["weight_decay"])
        decoupled = decoupled_weight_decay and weight_decay != 0
        shrink = 1.0 - float(group["lr"]) * weight_decay if decoupled else 1.0
        for p in group["params"]:
            if p.grad is None:
                continue
            g = _grad_array(p, maximize)
            if decoupled:
                p._data *= shrink
            elif weight_decay != 0:
                g = _add_weight_decay(g, p._data, weight_decay)
            yield p, g

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the
        loss (needed by some algorithms, optional for the ones here)."""
        raise NotImplementedError

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors.

        Args:
            set_to_none: drop the gradients (``p.grad = None``, the default, which saves
                memory and lets ``step`` skip the parameter) instead of filling them with 0.
        """
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    # ------------------------------------------------------------------ state_dict
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as ``{"state": ..., "param_groups": ...}``.

        ``"state"`` maps each parameter's integer index (counted across groups in order)
        to its state dict, whose values are tensors or Python numbers; ``"param_groups"``
        lists each group's hyperparameters with ``"params"`` replaced by those indices.
        The tensors are the live state buffers, as in PyTorch: deep-copy the result to
        keep a snapshot while training goes on.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): dict(v)
                 for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state produced by :meth:`state_dict` (of chainrule, or PyTorch's converted
        to NumPy/chainrule values). Values are copied; floating-point buffers take the dtype
        of their parameter."""
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            key = int(k) if isinstance(k, str) and k.isdigit() else k
            if key in id_map:
                param = id_map[key]
                state[param] = {name: self._load_value(param, name, val)
                                for name, val in v.items()}
            else:
                state[key] = v
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            for name, default in self.defaults.items():
                saved.setdefault(name, default)
            new_groups.append(saved)
        self.state = state
        self.param_groups = new_groups

    def _load_value(self, param: Tensor, key: str, value):
        arr = _as_array(value)
        if arr is None:
            if isinstance(value, dict):
                return {k: self._load_value(param, k, v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(self._load_value(param, key, v) for v in value)
            return deepcopy(value)
        if key in self._scalar_state_keys:
            num = arr.reshape(()).item() if arr.size == 1 else arr
            if isinstance(num, float) and num.is_integer() and key == "step":
                num = int(num)
            return num
        dtype = param._data.dtype if arr.dtype.kind == "f" else arr.dtype
        return Tensor._wrap(np.array(arr, dtype=dtype, copy=True))

    # ------------------------------------------------------------------ misc
    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_opt_called", False)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _as_array(value):
    # A Tensor, NumPy array or array-like tensor (e.g. torch's) as an ndarray; None otherwise.
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return np.asarray(value.detach().cpu().numpy())
    return None


def _typename(obj) -> str:
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _grad_array(p: Tensor, maximize: bool) -> np.ndarray:
    """The gradient of ``p`` as an array, negated (as a new array) when maximizing."""
    g = p.grad._data
    return np.negative(g) if maximize else g


def _add_weight_decay(g: np.ndarray, p: np.ndarray, weight_decay: float) -> np.ndarray:
    """``g + weight_decay * p`` in a new array (L2 penalty folded into the gradient)."""
    out = np.multiply(p, weight_decay)
    out += g
    return out
