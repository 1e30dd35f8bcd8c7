"""Reverse-mode automatic differentiation: the engine and its user-facing entry points."""

from chainrule.autograd import functional_api as _api
from chainrule.autograd.engine import Node
from chainrule.autograd.function import Function, FunctionCtx, once_differentiable
from chainrule.autograd.functional_api import backward, grad
from chainrule.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from chainrule.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["Function", "FunctionCtx", "GradcheckError", "Node", "backward", "enable_grad",
           "grad", "gradcheck", "gradgradcheck", "inference_mode", "is_grad_enabled",
           "no_grad", "once_differentiable", "set_grad_enabled"]
del _api
