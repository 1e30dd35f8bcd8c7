"""The Tensor: a NumPy array plus what autograd needs to send gradients back to it.

Operators and methods forward to the functions of ``chainrule.ops`` (bound at the end of this
module); the derivative of each op lives next to its forward there.
"""

from __future__ import annotations

import numpy as np

from chainrule import _dtype
from chainrule.autograd.grad_mode import STATE
from chainrule.autograd.primitive import _bind_tensor


class device:
    """The device a tensor lives on; chainrule computes on the CPU."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        type = str(type).split(":")[0]
        if type != "cpu":
            raise RuntimeError(f"chainrule runs on the CPU; device {type!r} is not available")
        self.type = "cpu"
        self.index = index

    def __eq__(self, other):
        return str(other).split(":")[0] == "cpu" if isinstance(other, (str, device)) else False

    def __hash__(self):
        return hash("cpu")

    def __str__(self):
        return "cpu"

    def __repr__(self):
        return "device(type='cpu')"


CPU = device("cpu")


class Tensor:
    """An n-dimensional array that records the ops applied to it for reverse-mode autograd.

    Create tensors with :func:`chainrule.tensor`, :func:`chainrule.zeros` and friends.

    Example:
        >>> import chainrule as cr
        >>> x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([2., 4., 6.])
    """

    __slots__ = ("_data", "_rg", "grad", "grad_fn", "_version", "_hooks", "_retains_grad",
                 "_name", "__weakref__")
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, data=None, *, dtype=None, requires_grad=False):
        # ``chainrule.Tensor(data)`` as in PyTorch: a float tensor (default dtype).
        if data is None:
            data = []
        arr = np.array(data._data if isinstance(data, Tensor) else data,
                       dtype=_dtype.as_dtype(dtype).np if dtype is not None
                       else _dtype.get_default_dtype().np)
        self._init_fields(arr, requires_grad)

    def _init_fields(self, arr: np.ndarray, requires_grad: bool = False) -> None:
        """Set every slot of a new leaf tensor (for constructors of Tensor and subclasses)."""
        self._data = arr
        self._rg = False
        self.grad = None
        self.grad_fn = None
        self._version = 0
        self._hooks = None
        self._retains_grad = False
        self._name = None
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _wrap(data: np.ndarray) -> Tensor:
        """A tensor around ``data`` (no copy, no checks): the hot-path constructor. It sets
        the slots itself rather than through ``_init_fields``: one call less per op."""
        t = _new(Tensor)
        t._data = data
        t._rg = False
        t.grad = None
        t.grad_fn = None
        t._version = 0
        t._hooks = None
        t._retains_grad = False
        t._name = None
        return t

    # ------------------------------------------------------------------ attributes
    @property
    def data(self) -> Tensor:
        """The same values, detached from the graph (shares memory, like PyTorch's)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether autograd records ops on this leaf tensor; returns ``self``."""
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients "
                f"(got {self.dtype})")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        self._rg = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_ops.normalize_dim(dim, self._data.ndim, "size")]

    def dim(self) -> int:
        return self._data.ndim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype._FROM_NP[self._data.dtype]

    @property
    def device(self) -> device:
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def name(self):
        return self._name

    # ------------------------------------------------------------------ conversion
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying NumPy array (shares memory)."""
        if self._rg and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def detach(self) -> Tensor:
        """A tensor sharing this one's values, cut off from the graph."""
        return Tensor._wrap(self._data)

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._rg = False
        return self

    def contiguous(self, memory_format=None) -> Tensor:
        """``self`` if its values are laid out in row-major order, else a copy that is (and
        stays in the graph)."""
        if self._data.flags.c_contiguous:
            return self
        from chainrule.ops import clone

        return clone(self)

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the values are laid out in row-major order (a transpose is not)."""
        return bool(self._data.flags.c_contiguous)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args, **kwargs):
        raise RuntimeError("chainrule runs on the CPU; CUDA is not available")

    def to(self, *args, **kwargs) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(other)``: a converted tensor, or ``self``."""
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (_dtype.dtype, np.dtype, type)):
                dtype = a
            elif isinstance(a, (str, device)):
                device(a)
        if "device" in kwargs and kwargs["device"] is not None:
            device(kwargs["device"])
        if dtype is None:
            return self
        return _ops.to_dtype(self, dtype, copy=kwargs.get("copy", False))

    def type(self, dtype=None):
        if dtype is None:
            return f"chainrule.{_TYPE_NAMES.get(self._data.dtype.name, 'Tensor')}"
        return self.to(dtype)

    def float(self) -> Tensor:
        return _ops.to_dtype(self, _dtype.float32)

    def double(self) -> Tensor:
        return _ops.to_dtype(self, _dtype.float64)

    def half(self) -> Tensor:
        return _ops.to_dtype(self, _dtype.float16)

    def long(self) -> Tensor:
        return _ops.to_dtype(self, _dtype.int64)

    def int(self) -> Tensor:
        return _ops.to_dtype(self, _dtype.int32)

    def bool(self) -> Tensor:
        return _ops.to_dtype(self, _dtype.bool_)

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor w.r.t. graph leaves into their ``.grad``.

        Args:
            gradient: gradient of some scalar w.r.t. this tensor; may be omitted for a
                one-element tensor (then it is 1).
            retain_graph: keep the graph's saved values for another backward; defaults to
                ``create_graph``.
            create_graph: record the backward pass itself, for higher-order derivatives.
            inputs: accumulate only into these tensors.
        """
        from chainrule.autograd import functional_api

        functional_api.backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is None:
            if not self._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        import weakref

        ref = weakref.ref(self)

        def keep(g):
            t = ref()
            if t is not None:
                # A copy: the array flowing on may be shared with other gradients.
                g = Tensor._wrap(g._data.copy()) if not STATE.enabled else g
                t.grad = g if t.grad is None else t.grad + g

        keep.retains = ref  # lets an in-place op move this hook to the tensor's new grad_fn
        self.grad_fn.register_hook(keep)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook):
        """Call ``hook(grad)`` with this tensor's gradient during backward; a returned
        tensor replaces the gradient. Returns a handle with ``remove()``."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn.register_hook(hook)
        from chainrule.autograd.engine import _Handle

        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _Handle(self._hooks, hook)

    # ------------------------------------------------------------------ printing
    def __repr__(self) -> str:
        return _ops.format_tensor(self)

    def __str__(self) -> str:
        return self.__repr__()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(_ops.unbind(self, 0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous "
                f"(shape {list(self._data.shape)})")
        return bool(self._data.reshape(()))

    def __format__(self, spec: str) -> str:
        if self._data.size == 1 and self._data.ndim == 0:
            return format(self._data.item(), spec)
        return format(self.__repr__(), spec)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()))

    def __hash__(self) -> int:
        return id(self)

    def __reduce_ex__(self, protocol):
        raise TypeError(
            "chainrule tensors are not pickled; use chainrule.save (safetensors) instead")

    def __deepcopy__(self, memo):
        t = Tensor._wrap(self._data.copy())
        t._rg = self._rg
        if self.grad is not None:
            t.grad = Tensor._wrap(self.grad._data.copy())
        memo[id(self)] = t
        return t


class Size(tuple):
    """The shape of a tensor: a tuple of ints, as ``torch.Size``."""

    __slots__ = ()

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"chainrule.Size([{', '.join(str(s) for s in self)}])"

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "bool": "BoolTensor"}

_new = object.__new__
_bind_tensor(Tensor._wrap)

from chainrule import ops as _ops  # noqa: E402  (ops needs Tensor; Tensor methods need ops)

_ops.bind_tensor_methods(Tensor)
