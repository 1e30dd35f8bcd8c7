"""``Module``: the base class of every layer and model.

A Module owns three name-to-value tables that attribute assignment fills automatically:
``_parameters`` (learnable :class:`~chainrule.nn.Parameter` tensors), ``_buffers`` (other
state such as running statistics) and ``_modules`` (child modules). Everything that walks a
model (``parameters()``, ``state_dict()``, ``to()``, ``train()``, the printed tree) walks these
tables, with PyTorch's names, order and key spelling, so PyTorch checkpoints and code carry
over.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from chainrule import _dtype
from chainrule.autograd.functional_api import zero_grads
from chainrule.autograd.grad_mode import STATE
from chainrule.nn.modules._hooks import RemovableHandle, _BackwardHookState
from chainrule.nn.parameter import Buffer, Parameter
from chainrule.tensor import Size, Tensor, device

__all__ = ["Module"]


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")

    __str__ = __repr__


# Hooks that run around the forward of every module (tracing, diagnostics).
_global_forward_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
_global_forward_hooks: OrderedDict[int, Callable] = OrderedDict()


def register_module_forward_pre_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(module, args)`` before the ``forward`` of every module, before the module's
    own pre-hooks; a returned value replaces ``args``. Returns a handle with ``remove()``."""
    handle = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[handle.id] = hook
    return handle


def register_module_forward_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(module, args, output)`` after the ``forward`` of every module, before the
    module's own forward hooks; a returned value replaces the output. Returns a handle with
    ``remove()``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> from chainrule.nn.modules.module import register_module_forward_hook
        >>> class Twice(nn.Module):
        ...     def forward(self, x):
        ...         return 2 * x
        >>> seen = []
        >>> with register_module_forward_hook(lambda m, a, out: seen.append(m._get_name())):
        ...     _ = nn.Sequential(Twice(), Twice())(cr.ones(1))
        >>> seen
        ['Twice', 'Twice', 'Sequential']
    """
    handle = RemovableHandle(_global_forward_hooks)
    _global_forward_hooks[handle.id] = hook
    return handle


# While load_state_dict runs, the writes that _load_from_state_dict would make are queued
# here instead, so that nothing changes unless every key and shape checks out.
_LOADING = threading.local()


def _defer(write: Callable[[], None]) -> None:
    queue = getattr(_LOADING, "queue", None)
    if queue is None:
        write()
    else:
        queue.append(write)


def _typename(obj) -> str:
    t = type(obj)
    if isinstance(obj, Tensor):
        return obj.type()
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _addindent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first (the layout of nested module reprs)."""
    first, *rest = text.split("\n")
    if not rest:
        return text
    pad = " " * spaces
    return "\n".join([first] + [pad + line for line in rest])


def _as_array(value):
    """A checkpoint value (chainrule/torch tensor, ndarray) as an ndarray, or None."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        t = value.detach().cpu()
        if str(getattr(t, "dtype", "")) == "torch.bfloat16":
            t = t.float()
        return np.asarray(t.numpy())
    return None


def _forward_unimplemented(self, *args, **kwargs):
    raise NotImplementedError(
        f'Module [{type(self).__name__}] is missing the required "forward" function')


# ---------------------------------------------------------------------------- Module
class Module:
    """Base class for all neural-network modules; subclass it and define ``forward``.

    Assigning a :class:`~chainrule.nn.Parameter`, a Module or a registered buffer to an
    attribute registers it, so the model's parameters, state_dict, dtype conversions and
    train/eval switch reach it. Call the module (``model(x)``), not ``forward``: calling runs
    the registered hooks around ``forward``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> class Affine(nn.Module):
        ...     def __init__(self, n):
        ...         super().__init__()
        ...         self.weight = nn.Parameter(cr.ones(n))
        ...         self.bias = nn.Parameter(cr.zeros(n))
        ...         self.register_buffer("calls", cr.tensor(0))
        ...     def forward(self, x):
        ...         return x * self.weight + self.bias
        >>> m = Affine(2)
        >>> m(cr.tensor([1.0, 2.0]))
        tensor([1., 2.], grad_fn=<AddBackward>)
        >>> list(m.state_dict())
        ['weight', 'bias', 'calls']
    """

    dump_patches: bool = False
    # Version of this class's state_dict layout, stored in the state_dict's ``_metadata`` and
    # handed to ``_load_from_state_dict`` (subclasses bump it when their keys change).
    _version: int = 1
    training: bool
    call_super_init: bool = False

    forward: Callable[..., Any] = _forward_unimplemented

    def __init__(self, *args, **kwargs) -> None:
        if not self.call_super_init and kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword "
                            f"argument '{next(iter(kwargs))}'")
        if not self.call_super_init and args:
            raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument but "
                            f"{len(args) + 1} were given")
        # Plain object.__setattr__: our own __setattr__ consults these tables.
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", {})
        setattr_(self, "_buffers", {})
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", {})
        for name in _HOOK_DICTS:
            setattr_(self, name, OrderedDict())
        setattr_(self, "_forward_hooks_with_kwargs", {})
        setattr_(self, "_forward_hooks_always_called", {})
        setattr_(self, "_forward_pre_hooks_with_kwargs", {})
        if self.call_super_init:
            super().__init__(*args, **kwargs)

    # ------------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        # The common case, no hooks anywhere: straight to forward.
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks or _global_forward_pre_hooks
                or _global_forward_hooks):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        # Global hooks (register_module_forward_*_hook) run before the module's own.
        for hook in list(_global_forward_pre_hooks.values()):
            res = hook(self, args)
            if res is not None:
                args = res if isinstance(res, tuple) else (res,)
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {res}.")
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        bw = None
        if (self._backward_hooks or self._backward_pre_hooks) and STATE.enabled:
            bw = _BackwardHookState(self)
            args = bw.wrap_inputs(args)
        try:
            result = self.forward(*args, **kwargs)
        except Exception:
            for hook_id, hook in list(self._forward_hooks.items()):
                if hook_id in self._forward_hooks_always_called:
                    try:
                        if hook_id in self._forward_hooks_with_kwargs:
                            hook(self, args, kwargs, None)
                        else:
                            hook(self, args, None)
                    except Exception:  # the forward's own error is the one to report
                        pass
            raise
        for hook in list(_global_forward_hooks.values()):
            res = hook(self, args, result)
            if res is not None:
                result = res
        for hook_id, hook in list(self._forward_hooks.items()):
            if hook_id in self._forward_hooks_with_kwargs:
                res = hook(self, args, kwargs, result)
            else:
                res = hook(self, args, result)
            if res is not None:
                result = res
        if bw is not None:
            result = bw.wrap_outputs(result)
        return result

    # ------------------------------------------------------------------ hooks
    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward``.

        The hook may return a new ``args`` (a tuple, or a single value that gets wrapped in
        one). With ``with_kwargs=True`` it is called as ``hook(module, args, kwargs)`` and may
        return ``(new_args, new_kwargs)``.

        Args:
            hook: the callable.
            prepend: run it before the hooks already registered instead of after them.
            with_kwargs: pass (and allow replacing) the keyword arguments too.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward``.

        A non-None return value replaces the output.

        Args:
            hook: the callable.
            prepend: run it before the hooks already registered.
            with_kwargs: call it as ``hook(module, args, kwargs, output)``.
            always_call: also call it (with ``output=None``) when ``forward`` raises.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import chainrule as cr
            >>> from chainrule import nn
            >>> class Double(nn.Module):
            ...     def forward(self, x):
            ...         return 2 * x
            >>> m = Double()
            >>> h = m.register_forward_hook(lambda mod, args, out: out + 1)
            >>> m(cr.tensor([1.0]))
            tensor([3.])
            >>> h.remove()
            >>> m(cr.tensor([1.0]))
            tensor([2.])
        """
        handle = RemovableHandle(self._forward_hooks, self._forward_hooks_with_kwargs,
                                 self._forward_hooks_always_called)
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook: Callable,
                                    prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients with respect to
        the module's tensor inputs have been computed.

        ``grad_input`` has one entry per positional tensor argument (None where that input
        does not require grad); ``grad_output`` one per output tensor. The hook may return a
        tuple that replaces ``grad_input``. It must not modify its arguments in place.

        Args:
            hook: the callable.
            prepend: run it before the backward hooks already registered.
        """
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook: Callable,
                                        prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients with respect to the module's
        outputs are known, before they flow into the module; a returned tuple replaces
        ``grad_output``."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before this module adds its entries to a
        state_dict."""
        handle = RemovableHandle(self._state_dict_pre_hooks)
        self._state_dict_pre_hooks[handle.id] = hook
        return handle

    def register_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` after this module (and
        its children) added their entries; the hook may edit ``state_dict`` in place."""
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    _register_state_dict_hook = register_state_dict_post_hook

    def register_load_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before this module reads its entries. The hook may
        rename, add or drop keys of ``state_dict`` (a copy owned by ``load_state_dict``)."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def _register_load_state_dict_pre_hook(self, hook: Callable,
                                           with_module: bool = False) -> RemovableHandle:
        handle = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[handle.id] = (
            functools.partial(hook, self) if with_module else hook)
        return handle

    def register_load_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` after a ``load_state_dict`` that wrote the
        values; the hook may edit the ``missing_keys`` / ``unexpected_keys`` lists in place
        (that changes what ``load_state_dict(strict=False)`` returns)."""
        handle = RemovableHandle(self._load_state_dict_post_hooks)
        self._load_state_dict_post_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ registration
    def register_buffer(self, name: str, tensor: Tensor | None,
                        persistent: bool = True) -> None:
        """Register a tensor that is state but not a learnable parameter (running means...).

        Args:
            name: attribute name of the buffer.
            tensor: the tensor, or None (then the buffer is skipped by ``state_dict``).
            persistent: whether ``state_dict`` includes it.

        Example:
            >>> import chainrule as cr
            >>> from chainrule import nn
            >>> m = nn.Module()
            >>> m.register_buffer("mean", cr.zeros(3))
            >>> m.register_buffer("cache", cr.zeros(3), persistent=False)
            >>> list(m.state_dict())
            ['mean']
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(chainrule Tensor or None required)")
        if isinstance(tensor, Buffer):
            tensor = _unwrap_buffer(tensor)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register a :class:`~chainrule.nn.Parameter` (or None) under ``name``; the same as
        assigning it as an attribute."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(chainrule.nn.Parameter or None required)")
        if param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must "
                f"be created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method.")
        self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a child module (or None) under ``name``; the same as assigning it."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    def register_module(self, name: str, module: Module | None) -> None:
        """Alias of :meth:`add_module`."""
        self.add_module(name, module)

    def get_submodule(self, target: str) -> Module:
        """The module at dotted path ``target`` (``""`` is ``self``).

        Example:
            >>> from chainrule import nn
            >>> outer = nn.Module()
            >>> outer.inner = nn.Module()
            >>> outer.get_submodule("inner") is outer.inner
            True
        """
        if target == "":
            return self
        mod: Module = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Replace (or, unless ``strict``, add) the submodule at dotted path ``target``."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target`` (e.g. ``"encoder.0.weight"``)."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target``."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return getattr(mod, name)

    def get_extra_state(self) -> Any:
        """Extra state for ``state_dict`` (key ``_extra_state``); override together with
        :meth:`set_extra_state` to use it."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never "
                           "be called.")

    def set_extra_state(self, state: Any) -> None:
        """Restore what :meth:`get_extra_state` returned."""
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never "
                           "be called.")

    # ------------------------------------------------------------------ attributes
    def __getattr__(self, name: str) -> Any:
        # Only reached when ordinary lookup fails, so plain attributes cost nothing extra.
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            values = d.get(table)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            _remove_from(name, d, self._buffers, self._modules,
                         self._non_persistent_buffers_set)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(chainrule.nn.Parameter or None expected)")
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            _remove_from(name, d, self._parameters, self._buffers,
                         self._non_persistent_buffers_set)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(chainrule.nn.Module or None expected)")
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            # Replacing a buffer keeps its place (and so the state_dict key order).
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(chainrule.Tensor or None expected)")
            if isinstance(value, Buffer):
                persistent = value.persistent
                value = _unwrap_buffer(value)
            else:
                persistent = name not in self._non_persistent_buffers_set
            buffers[name] = value
            (self._non_persistent_buffers_set.discard if persistent
             else self._non_persistent_buffers_set.add)(name)
            return
        if isinstance(value, Buffer):
            if buffers is None:
                raise AttributeError("cannot assign buffer before Module.__init__() call")
            _remove_from(name, d, self._parameters, self._modules)
            self.register_buffer(name, value, value.persistent)
            return
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = [*dir(type(self)), *self.__dict__, *self._parameters, *self._modules,
                *self._buffers]
        return sorted(k for k in set(keys) if not k[0].isdigit())

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        # Tolerate state from objects made before a hook table existed.
        for name in (*_HOOK_DICTS, "_forward_hooks_with_kwargs",
                     "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs"):
            if name not in self.__dict__:
                object.__setattr__(self, name, OrderedDict())
        if "_non_persistent_buffers_set" not in self.__dict__:
            object.__setattr__(self, "_non_persistent_buffers_set", set())

    # ------------------------------------------------------------------ traversal
    def _named_members(self, get_members, prefix: str = "", recurse: bool = True,
                       remove_duplicate: bool = True):
        seen: set[int] = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_prefix, module in modules:
            for name, value in get_members(module):
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Iterate over the parameters of this module (and, if ``recurse``, of all
        submodules), each shared parameter once.

        Example:
            >>> import chainrule as cr
            >>> from chainrule import nn
            >>> m = nn.Module()
            >>> m.w = nn.Parameter(cr.zeros(2, 3))
            >>> [tuple(p.shape) for p in m.parameters()]
            [(2, 3)]
        """
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Iterate over ``(dotted_name, parameter)`` pairs.

        Args:
            prefix: prepended to every name.
            recurse: include the parameters of submodules.
            remove_duplicate: yield a parameter shared by several modules only once.
        """
        yield from self._named_members(lambda m: m._parameters.items(), prefix=prefix,
                                       recurse=recurse, remove_duplicate=remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Iterate over the buffers of this module (and, if ``recurse``, of submodules)."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Iterate over ``(dotted_name, buffer)`` pairs (arguments as in
        :meth:`named_parameters`)."""
        yield from self._named_members(lambda m: m._buffers.items(), prefix=prefix,
                                       recurse=recurse, remove_duplicate=remove_duplicate)

    def children(self) -> Iterator[Module]:
        """Iterate over the direct child modules."""
        for _, module in self.named_children():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Iterate over ``(name, child)`` pairs of the direct children, each module once."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def modules(self) -> Iterator[Module]:
        """Iterate over all modules of the tree, ``self`` first, each module once."""
        for _, module in self.named_modules():
            yield module

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """Iterate over ``(dotted_name, module)`` for the whole tree, depth first, ``self``
        (named ``prefix``) first.

        Args:
            memo: modules to skip (filled as modules are visited).
            prefix: name given to ``self``, prepended to the others.
            remove_duplicate: yield a module that appears several times only once.
        """
        if memo is None:
            memo = set()
        # Depth-first with an explicit stack (children pushed in reverse to keep their order).
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if module in memo:
                continue
            if remove_duplicate:
                memo.add(module)
            yield name, module
            children = [(f"{name}.{k}" if name else k, m)
                        for k, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=True``) or evaluation mode on this module and all
        submodules; returns ``self``. Dropout and batch norm behave differently in each."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():  # through train(), which subclasses may override
            module.train(mode)
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode (``train(False)``); returns ``self``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (freeze with ``False``); returns ``self``."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters.

        Args:
            set_to_none: drop them (``p.grad = None``) instead of filling them with zeros.
        """
        zero_grads(self.parameters(), set_to_none)

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule (children before parents) and on ``self``.

        Typical use is custom initialization.

        Example:
            >>> from chainrule import nn
            >>> seen = []
            >>> outer = nn.Module()
            >>> outer.inner = nn.Module()
            >>> _ = outer.apply(lambda m: seen.append(m._get_name()))
            >>> len(seen)
            2
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def share_memory(self) -> Module:
        """No-op (chainrule tensors live in ordinary process memory); returns ``self``."""
        return self

    # ------------------------------------------------------------------ conversion
    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> Module:
        """Apply ``fn`` to every parameter, gradient and buffer. Parameters keep their
        identity (their array is replaced), so optimizers holding them stay valid."""
        if recurse:
            for module in self.children():
                module._apply(fn)
        prev = STATE.enabled
        STATE.enabled = False
        try:
            for param in self._parameters.values():
                if param is None:
                    continue
                new = fn(param)
                if new is not param:
                    param._data = new._data
                if param.grad is not None:
                    g = fn(param.grad)
                    if g is not param.grad:
                        param.grad._data = g._data
            for key, buf in self._buffers.items():
                if buf is not None:
                    self._buffers[key] = fn(buf)
        finally:
            STATE.enabled = prev
        return self

    def to(self, *args, **kwargs) -> Module:
        """Move and/or cast parameters and buffers in place; returns ``self``.

        Accepts ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)`` and the
        keywords ``device``, ``dtype``, ``non_blocking``, ``memory_format``. Only floating
        point parameters and buffers change dtype; the device must be the CPU.

        Example:
            >>> import chainrule as cr
            >>> from chainrule import nn
            >>> m = nn.Module()
            >>> m.w = nn.Parameter(cr.zeros(2))
            >>> m.to(cr.float64).w.dtype
            chainrule.float64
        """
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (_dtype.dtype, np.dtype, type)):
                dtype = a
            elif isinstance(a, (str, device)):
                dev = a
            elif isinstance(a, bool) or a is None:  # non_blocking / copy positional flags
                continue
            else:
                raise TypeError(f"to() received an invalid argument of type {_typename(a)}")
        if dev is not None:
            device(dev)  # raises for anything but the CPU
        if dtype is None:
            return self
        target = _dtype.as_dtype(dtype)
        if not target.is_floating_point:
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but "
                            f"got desired dtype={target}")
        return self._apply(lambda t: t.to(target) if t._data.dtype.kind == "f" else t)

    def float(self) -> Module:
        """Cast floating point parameters and buffers to ``float32``."""
        return self.to(_dtype.float32)

    def double(self) -> Module:
        """Cast floating point parameters and buffers to ``float64``."""
        return self.to(_dtype.float64)

    def half(self) -> Module:
        """Cast floating point parameters and buffers to ``float16``."""
        return self.to(_dtype.float16)

    def bfloat16(self) -> Module:
        """Not available: raises ``TypeError`` (NumPy has no bfloat16)."""
        raise TypeError("chainrule has no bfloat16 dtype (NumPy lacks one); use half() or "
                        "float()")

    def type(self, dst_type) -> Module:
        """Cast all parameters and buffers (integer ones too) to ``dst_type``."""
        target = _dtype.as_dtype(dst_type)
        return self._apply(lambda t: t.to(target))

    def cpu(self) -> Module:
        """Return ``self``: chainrule computes on the CPU."""
        return self

    def cuda(self, device=None) -> Module:
        """Not available: raises ``RuntimeError`` (chainrule computes on the CPU)."""
        raise RuntimeError("chainrule runs on the CPU; CUDA is not available")

    def to_empty(self, *, device=None, recurse: bool = True) -> Module:
        """Give every parameter and buffer fresh uninitialized storage of the same shape."""
        return self._apply(lambda t: Tensor._wrap(np.empty_like(t._data)), recurse=recurse)

    # ------------------------------------------------------------------ state_dict
    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        """Add this module's own parameters and persistent buffers (not its children's) to
        ``destination``; subclasses override it to store more or differently."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + "_extra_state"] = self.get_extra_state()

    def state_dict(self, *args, destination=None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Any]:
        """All parameters and persistent buffers, keyed by dotted name.

        Returns an ``OrderedDict`` with PyTorch's keys (``"encoder.0.weight"``...); each
        module contributes its own entries before its children's. Values are detached tensors
        sharing memory with the module (``keep_vars=True`` gives the Parameters themselves).

        Args:
            destination: a dict to fill and return instead of a new ``OrderedDict``.
            prefix: prepended to every key.
            keep_vars: keep the tensors attached (the Parameter objects).

        Example:
            >>> import chainrule as cr
            >>> from chainrule import nn
            >>> outer = nn.Module()
            >>> outer.inner = nn.Module()
            >>> outer.inner.weight = nn.Parameter(cr.zeros(1))
            >>> list(outer.state_dict())
            ['inner.weight']
        """
        if args:  # PyTorch's deprecated positional form (destination, prefix, keep_vars)
            if len(args) > 3:
                raise TypeError("state_dict() takes at most 3 positional arguments")
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        local_metadata = {"version": self._version}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            result = hook(self, destination, prefix, local_metadata)
            if result is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict,
                              strict: bool, missing_keys: list[str],
                              unexpected_keys: list[str], error_msgs: list[str]) -> None:
        """Read this module's own entries (not its children's) from ``state_dict``.

        Records absent keys in ``missing_keys``, keys under ``prefix`` that name nothing in
        this module in ``unexpected_keys`` and shape or type problems in ``error_msgs``.
        Writes go through a queue that ``load_state_dict`` applies only when everything
        checked out. Subclasses override it (e.g. to fill in keys that old checkpoints lack,
        using ``local_metadata["version"]``) and then call ``super()``.
        """
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs)
        persistent = {k: v for k, v in self._buffers.items()
                      if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in itertools.chain(self._parameters.items(),
                                                        persistent.items()) if v is not None}
        assign = bool(local_metadata.get("assign_to_params_buffers", False))
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            arr = _as_array(value)
            if arr is None:
                error_msgs.append(
                    f'While copying the parameter named "{key}", expected Tensor or Tensor-like '
                    f"object from checkpoint but received {type(value)}")
                continue
            if param._data.ndim == 0 and arr.ndim == 1 and arr.shape[0] == 1:
                arr = arr[0]  # checkpoints from before 0-dim tensors existed
            if arr.shape != param._data.shape:
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {Size(arr.shape)} "
                    f"from checkpoint, the shape in current model is {param.shape}.")
                continue
            if assign:
                _defer(functools.partial(self._assign_entry, name, param, value, arr))
            else:
                _defer(functools.partial(_copy_into, param, arr))
        extra_key = prefix + "_extra_state"
        if type(self).set_extra_state is not Module.set_extra_state:
            if extra_key in state_dict:
                _defer(functools.partial(self.set_extra_state, state_dict[extra_key]))
            elif strict:
                missing_keys.append(extra_key)
        if strict:
            for key in state_dict:
                if not key.startswith(prefix) or key == extra_key:
                    continue
                head, dot, _ = key[len(prefix):].partition(".")
                if (head not in self._modules) if dot else (head not in local_state):
                    unexpected_keys.append(key)

    def _assign_entry(self, name: str, old: Tensor, value, arr: np.ndarray) -> None:
        # load_state_dict(assign=True): the module takes the checkpoint's tensor itself.
        new = value if isinstance(value, Tensor) else Tensor._wrap(np.array(arr))
        if name in self._parameters:
            if isinstance(new, Parameter):
                new.requires_grad_(old.requires_grad)
            else:
                new = Parameter(new, requires_grad=old.requires_grad)
            self._parameters[name] = new
        else:
            self._buffers[name] = new

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this module and its children.

        Everything is checked first: with ``strict=True`` any missing or unexpected key, and
        in any case a shape mismatch or a non-tensor value, raises a ``RuntimeError`` that
        lists all the problems, and then nothing has been modified. (When post-hooks are
        registered, they run after the values are in and may edit the key lists, so the
        strict check on the keys comes after them, as in PyTorch.) Values are copied in place
        into the existing tensors (so optimizers holding the parameters stay valid) and cast
        to their dtype. The values may be chainrule tensors, NumPy arrays or torch tensors.

        Args:
            state_dict: the mapping, e.g. from :meth:`state_dict` or :func:`chainrule.load`.
            strict: require the keys to match this module's ``state_dict()`` keys exactly.
            assign: make the module hold the given tensors themselves instead of copying
                (parameters keep their ``requires_grad``).

        Returns:
            A named tuple ``(missing_keys, unexpected_keys)``.

        Example:
            >>> import chainrule as cr
            >>> from chainrule import nn
            >>> m = nn.Module()
            >>> m.w = nn.Parameter(cr.zeros(2))
            >>> m.load_state_dict({"w": cr.tensor([1.0, 2.0])})
            <All keys matched successfully>
            >>> m.w.detach()
            tensor([1., 2.])
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)  # pre-hooks may edit it; the caller's stays as is
        missing_keys: list[str] = []
        unexpected_keys: list[str] = []
        error_msgs: list[str] = []

        outer_queue = getattr(_LOADING, "queue", None)
        _LOADING.queue = queue = []
        try:
            stack: list[tuple[Module, str, dict]] = [(self, "", state_dict)]
            while stack:
                module, prefix, local_sd = stack.pop()
                local_metadata = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
                if assign:
                    local_metadata["assign_to_params_buffers"] = True
                module._load_from_state_dict(local_sd, prefix, local_metadata, True,
                                             missing_keys, unexpected_keys, error_msgs)
                children = []
                for name, child in module._modules.items():
                    if child is not None:
                        child_prefix = prefix + name + "."
                        child_sd = {k: v for k, v in local_sd.items()
                                    if k.startswith(child_prefix)}
                        children.append((child, child_prefix, child_sd))
                stack.extend(reversed(children))
        finally:
            _LOADING.queue = outer_queue

        # Post-hooks run after the values are in, children before parents, and may edit the
        # key lists (e.g. clear keys that a newer version of the model no longer has) before
        # the strict check, as in PyTorch. Without post-hooks the strict check comes first,
        # so that a failing load modifies nothing.
        post_hooks = [(m, h) for m in self._post_order()
                      for h in m._load_state_dict_post_hooks.values()]
        if error_msgs or (strict and not post_hooks and (missing_keys or unexpected_keys)):
            self._raise_load_errors(strict, missing_keys, unexpected_keys, error_msgs)
        for write in queue:
            write()
        result = _IncompatibleKeys(missing_keys, unexpected_keys)
        for module, hook in post_hooks:
            if hook(module, result) is not None:
                raise RuntimeError("load_state_dict post-hook must return None")
        if strict and (missing_keys or unexpected_keys):
            self._raise_load_errors(strict, missing_keys, unexpected_keys, [])
        return result

    def _raise_load_errors(self, strict: bool, missing_keys: list[str],
                           unexpected_keys: list[str], error_msgs: list[str]) -> None:
        msgs = list(error_msgs)
        if strict:
            if unexpected_keys:
                msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected_keys)))
            if missing_keys:
                msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing_keys)))
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            self._get_name(), "\n\t".join(msgs)))

    def _post_order(self) -> list[Module]:
        """This module and its descendants, each after its children (no recursion)."""
        order: list[Module] = []
        stack: list[tuple[Module, bool]] = [(self, False)]
        while stack:
            module, expanded = stack.pop()
            if expanded:
                order.append(module)
                continue
            stack.append((module, True))
            stack.extend((c, False) for c in reversed(module._modules.values()) if c is not None)
        return order

    # ------------------------------------------------------------------ printing
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr line (its settings,
        e.g. ``in_features=3, out_features=4, bias=True``); empty by default."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): {_addindent(repr(module), 2)}"
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"


_HOOK_DICTS = ("_backward_pre_hooks", "_backward_hooks", "_forward_hooks", "_forward_pre_hooks",
               "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks",
               "_load_state_dict_post_hooks")


def _remove_from(name: str, *tables) -> None:
    for t in tables:
        if name in t:
            if isinstance(t, set):
                t.discard(name)
            else:
                del t[name]


def _unwrap_buffer(buf: Buffer) -> Tensor:
    # The ``Buffer`` class only marks an assignment; the module stores a plain tensor.
    plain = Tensor._wrap(buf._data)
    plain._rg = buf._rg
    return plain


def _copy_into(target: Tensor, arr: np.ndarray) -> None:
    # In place, so that every holder of ``target`` (an optimizer, a tied module) sees it.
    data = target._data
    if data.flags.writeable:
        np.copyto(data, arr, casting="unsafe")
    else:
        target._data = np.array(arr, dtype=data.dtype)
    target._version += 1
