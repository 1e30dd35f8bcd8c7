"""chainrule: deep learning on NumPy, built on the chain rule.

``import chainrule as cr`` gives PyTorch's tensor API (``import chainrule as torch`` works for
what chainrule covers): tensors that record a graph of the ops applied to them, and an engine
that walks it backwards applying each op's derivative rule.

Example:
    >>> import chainrule as cr
    >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
    >>> loss = (w * w).sum()
    >>> loss.backward()
    >>> w.grad
    tensor([ 2., -4.])
"""

# ruff: noqa: E402, F401, F403, I001  (import order matters: tensor before ops before nn)
__version__ = "0.1.0"

from chainrule._dtype import (
    bool_ as bool,  # noqa: A004
)
from chainrule._dtype import (
    double,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    uint8,
)
from chainrule._dtype import (
    float as float,  # noqa: A004
)
from chainrule._dtype import (
    int as int,  # noqa: A004
)
from chainrule.tensor import Size, Tensor, device

from chainrule import autograd
from chainrule.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from chainrule.ops import *
from chainrule.ops import abs, all, any, max, min, pow, round, sum  # noqa: A004
from chainrule.random import Generator, get_rng_state, initial_seed, manual_seed, seed
from chainrule.random import set_rng_state
from chainrule import cuda, func, random

# Names that the ops modules import for themselves are not part of the public namespace.
for _name in ("np", "R", "primitive", "builtins", "math", "annotations", "STATE", "rng",
              "as_operand", "cast", "float_operand", "pair", "normalize_dims",
              "normalize_index", "inplace", "setitem", "getitem", "bind_tensor_methods",
              "format_tensor", "normalize_dim", "to_dtype", "linalg", "special"):
    globals().pop(_name, None)
del _name

from chainrule import linalg, special


def softmax(input, dim, dtype=None):  # noqa: F811
    """``exp(x) / sum(exp(x))`` along ``dim`` (same as ``nn.functional.softmax``)."""
    return nn.functional.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):  # noqa: F811
    """``x - logsumexp(x)`` along ``dim`` (same as ``nn.functional.log_softmax``)."""
    return nn.functional.log_softmax(input, dim, dtype=dtype)


def pixel_shuffle(input, upscale_factor):
    """Same as ``nn.functional.pixel_shuffle``."""
    return nn.functional.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    """Same as ``nn.functional.pixel_unshuffle``."""
    return nn.functional.pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input, groups):
    """Same as ``nn.functional.channel_shuffle``."""
    return nn.functional.channel_shuffle(input, groups)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Same as ``nn.functional.rms_norm``."""
    return nn.functional.rms_norm(input, normalized_shape, weight, eps)


_LAZY = ("train", "datasets", "viz", "diagnostics", "examples", "serialization")


def __getattr__(name):
    # Higher layers (training loop, datasets, pictures) load on first use, keeping
    # ``import chainrule`` light; ``cr.train.fit`` works without an explicit import.
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"chainrule.{name}")
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")


def is_tensor(obj) -> bool:
    """True if ``obj`` is a chainrule Tensor."""
    return isinstance(obj, Tensor)


def numel(input) -> int:
    return input.numel()


def is_floating_point(input) -> bool:
    return input.is_floating_point()


def result_type(tensor1, tensor2) -> dtype:
    """The dtype of an arithmetic op on ``tensor1`` and ``tensor2`` (tensors or numbers),
    by PyTorch's promotion rules.

    Example:
        >>> import chainrule as cr
        >>> cr.result_type(cr.tensor([1, 2]), 1.0)
        chainrule.float32
    """
    from chainrule import _dtype

    def operand(v):
        return v._data if isinstance(v, Tensor) else v

    return _dtype.from_numpy_dtype(_dtype.result_type(operand(tensor1), operand(tensor2)))


def set_printoptions(**kwargs) -> None:
    """Accepted for PyTorch compatibility; NumPy's print options apply."""


FloatTensor = DoubleTensor = LongTensor = Tensor

from chainrule import nn, optim, utils
from chainrule.serialization import load, save

# Training steps free and reallocate the same large arrays; keep them in the process
# instead of faulting them in afresh every step (see chainrule.utils.memory).
utils.memory.keep_freed_memory()
