"""``save`` and ``load``: checkpoints as safetensors files, never pickle.

A safetensors file is a JSON header (names, dtypes, shapes, offsets, plus a free-form
str-to-str ``__metadata__`` table) followed by the raw tensor bytes. Loading one parses JSON
and copies bytes, so it cannot run code, unlike a pickle.

How objects map onto the file:

- A flat dict of tensors with string keys (a model's ``state_dict``) is stored with its keys
  as the tensor names, so ``safetensors.torch.load_file`` reads it as a torch state_dict and
  files written by ``safetensors.torch.save_file`` load here as a dict of chainrule tensors.
- Anything else (a tensor; nested dicts, lists and tuples of tensors and plain values, such
  as an optimizer's ``state_dict`` or a training checkpoint) has its tensors stored under
  their path (``"state/0/exp_avg"``) and the surrounding structure, with the plain values,
  stored as JSON in the metadata under ``"chainrule"``.
"""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import warnings
from collections import OrderedDict
from typing import IO, Any

import numpy as np
import safetensors
import safetensors.numpy

from chainrule import _dtype
from chainrule.nn.parameter import Parameter
from chainrule.tensor import Tensor, device

__all__ = ["save", "load"]

_FORMAT_VERSION = "1"
_META_KEY = "chainrule"
_SCALARS = (str, int, float, bool, type(None))

# safetensors dtype codes that NumPy (and so chainrule) has.
_NP_TYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64,
             "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


# ---------------------------------------------------------------------------- encoding
class _Encoder:
    """Turns an object into (JSON-able structure, {name: array}).

    Tags in the structure: ``{"$tensor": name}`` (with ``"parameter"``/``"requires_grad"``
    flags when set), ``{"$ndarray": name}``, ``{"$tuple": [...]}``, ``{"$dict": [[k, v]...]}``
    for dicts whose keys are not all plain strings, ``{"$odict": [[k, v]...]}`` for
    OrderedDicts, ``{"$float": "inf"}`` for non-finite floats, ``{"$dtype": "float32"}``.
    """

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self.names_by_id: dict[int, str] = {}

    def _store(self, path: str, arr: np.ndarray, obj_id: int) -> str:
        # The same tensor object reached twice is stored once (so sharing survives a load).
        if obj_id in self.names_by_id:
            return self.names_by_id[obj_id]
        name = path or "tensor"
        base, k = name, 1
        while name in self.arrays:
            name = f"{base}#{k}"
            k += 1
        self.arrays[name] = _contiguous(arr)
        self.names_by_id[obj_id] = name
        return name

    def encode(self, obj: Any, path: str) -> Any:
        if isinstance(obj, Tensor):
            node: dict[str, Any] = {"$tensor": self._store(path, obj._data, id(obj))}
            if isinstance(obj, Parameter):
                node["parameter"] = True
            if obj._rg:
                node["requires_grad"] = True
            return node
        if isinstance(obj, np.ndarray):
            return {"$ndarray": self._store(path, obj, id(obj))}
        if isinstance(obj, np.generic):
            obj = obj.item()
        if isinstance(obj, float) and not math.isfinite(obj):
            return {"$float": repr(obj)}
        if isinstance(obj, _SCALARS):
            return obj
        if isinstance(obj, _dtype.dtype):
            return {"$dtype": obj.name}
        if isinstance(obj, tuple):
            return {"$tuple": [self.encode(v, _join(path, i)) for i, v in enumerate(obj)]}
        if isinstance(obj, list):
            return [self.encode(v, _join(path, i)) for i, v in enumerate(obj)]
        if isinstance(obj, dict):
            plain = all(isinstance(k, str) and not k.startswith("$") for k in obj)
            if plain and type(obj) is dict:
                return {k: self.encode(v, _join(path, k)) for k, v in obj.items()}
            pairs = [[self._key(k), self.encode(v, _join(path, k))] for k, v in obj.items()]
            return {"$odict" if isinstance(obj, OrderedDict) else "$dict": pairs}
        hint = ("; save its state_dict() instead" if hasattr(obj, "state_dict")
                and callable(obj.state_dict) else "")
        raise TypeError(
            f"chainrule.save cannot store an object of type {type(obj).__name__} (at "
            f"{path or 'the top level'!r}){hint}; it stores tensors, NumPy arrays, numbers, "
            "strings, bools, None, dtypes and dicts, lists and tuples of these")

    def _key(self, k: Any) -> Any:
        if isinstance(k, (str, int, float, bool, type(None))) or isinstance(k, tuple):
            return self.encode(k, "")
        raise TypeError(f"chainrule.save cannot store a dict key of type {type(k).__name__}")


def _contiguous(arr: np.ndarray) -> np.ndarray:
    # Not np.ascontiguousarray: it turns a 0-dim array into a 1-dim one.
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


def _join(path: str, key: Any) -> str:
    return f"{path}/{key}" if path else str(key)


def _is_flat_state_dict(obj: Any) -> bool:
    return (isinstance(obj, dict) and len(obj) > 0
            and all(isinstance(k, str) for k in obj)
            and all(isinstance(v, Tensor) for v in obj.values()))


def _serialize(obj: Any) -> bytes:
    if _is_flat_state_dict(obj):
        # Tensor names are the keys, as safetensors.torch expects. The structure is still
        # written, to restore the key order (the file orders tensors its own way), which
        # tensors are Parameters and which require gradients.
        arrays = {k: _contiguous(v._data) for k, v in obj.items()}
        structure = {"$state_dict": list(obj.keys()),
                     "ordered": isinstance(obj, OrderedDict),
                     "parameters": [k for k, v in obj.items() if isinstance(v, Parameter)],
                     "requires_grad": [k for k, v in obj.items() if v._rg]}
        metadata = {"format": "pt"}
    else:
        enc = _Encoder()
        structure = enc.encode(obj, "")
        arrays = enc.arrays
        metadata = {}
    metadata[_META_KEY] = json.dumps({"version": _FORMAT_VERSION, "object": structure},
                                     allow_nan=False)
    for name, arr in arrays.items():
        if arr.dtype.byteorder == ">":
            arrays[name] = arr.astype(arr.dtype.newbyteorder("<"))
    return safetensors.numpy.save(arrays, metadata=metadata)


# ---------------------------------------------------------------------------- saving
def save(obj: Any, f: str | os.PathLike | IO[bytes]) -> None:
    """Save ``obj`` to ``f`` in the safetensors format.

    ``obj`` may be a tensor, or a (nested) dict / list / tuple of tensors, NumPy arrays and
    plain values (numbers, strings, bools, None): a model's ``state_dict``, an optimizer's,
    or a checkpoint dict holding both and an epoch number. A flat dict of tensors is written
    exactly as ``safetensors.torch.save_file`` would (same tensor names), so other tools read
    it. A tensor that appears several times in ``obj`` is stored once unless ``obj`` is such
    a flat dict.

    Writing to a path is atomic: the bytes go to a temporary file in the same directory,
    which is flushed, synced to disk and then renamed over ``f``; on any error an existing
    file at ``f`` is left as it was.

    Args:
        obj: the object to save.
        f: a path (``str`` or ``os.PathLike``) or a binary file object open for writing.

    Example:
        >>> import os, tempfile
        >>> import chainrule as cr
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
        >>> cr.save({"epoch": 3, "weights": {"w": cr.ones(2)}}, path)
        >>> cr.load(path)["weights"]["w"]
        tensor([1., 1.])
    """
    data = _serialize(obj)  # fails before the destination is touched
    if hasattr(f, "write"):
        f.write(data)
        if hasattr(f, "flush"):
            f.flush()
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


def _fsync_dir(directory: str) -> None:
    # Makes the rename itself durable; not possible on every platform (Windows).
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------- loading
def _read_bytes(f) -> bytes:
    if hasattr(f, "read"):
        return f.read()
    with open(os.fspath(f), "rb") as fh:
        return fh.read()


def _read_header(data: bytes) -> dict[str, Any]:
    if len(data) < 8:
        raise ValueError("chainrule.load: not a safetensors file (shorter than its header)")
    (n,) = struct.unpack("<Q", data[:8])
    try:
        header = json.loads(data[8:8 + n])
    except (ValueError, UnicodeDecodeError):
        raise ValueError("chainrule.load: not a safetensors file (unreadable header)") from None
    return header


def _to_array(name: str, info: dict, shape: list[int], converted: list[str]) -> np.ndarray:
    code, raw = info["dtype"], info["data"]
    if code == "BF16":
        # bfloat16 is the top half of a float32: widen the bits (exact conversion).
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        converted.append(name)
        return bits.view(np.float32).reshape(shape)
    if code not in _NP_TYPES:
        raise TypeError(f"chainrule.load: tensor {name!r} has dtype {code}, which chainrule "
                        "cannot represent")
    arr = np.frombuffer(raw, dtype=np.dtype(_NP_TYPES[code]).newbyteorder("<"))
    return arr.astype(arr.dtype.newbyteorder("="), copy=True).reshape(shape)


def _decode(node: Any, tensors: dict[str, Tensor], arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(node, list):
        return [_decode(v, tensors, arrays) for v in node]
    if not isinstance(node, dict):
        return node
    if "$tensor" in node:
        return tensors[node["$tensor"]]
    if "$ndarray" in node:
        return arrays[node["$ndarray"]]
    if "$tuple" in node:
        return tuple(_decode(v, tensors, arrays) for v in node["$tuple"])
    if "$float" in node:
        return float(node["$float"])
    if "$dtype" in node:
        return _dtype.as_dtype(node["$dtype"])
    if "$dict" in node or "$odict" in node:
        pairs = node.get("$dict", node.get("$odict"))
        cls = OrderedDict if "$odict" in node else dict
        return cls((_hashable(_decode(k, tensors, arrays)), _decode(v, tensors, arrays))
                   for k, v in pairs)
    return {k: _decode(v, tensors, arrays) for k, v in node.items()}


def _hashable(key: Any) -> Any:
    return tuple(_hashable(k) for k in key) if isinstance(key, (list, tuple)) else key


def _make_tensors(arrays: dict[str, np.ndarray], flags: dict[str, dict]) -> dict[str, Tensor]:
    out = {}
    for name, arr in arrays.items():
        f = flags.get(name, {})
        if f.get("parameter"):
            t = Parameter(Tensor._wrap(arr), requires_grad=bool(f.get("requires_grad")))
        else:
            t = Tensor._wrap(arr)
            if f.get("requires_grad") and arr.dtype.kind == "f":
                t.requires_grad_(True)
        out[name] = t
    return out


def _tensor_flags(node: Any, flags: dict[str, dict]) -> None:
    # Collect the Parameter / requires_grad flags of every "$tensor" node.
    if isinstance(node, list):
        for v in node:
            _tensor_flags(v, flags)
    elif isinstance(node, dict):
        if "$tensor" in node:
            flags[node["$tensor"]] = node
            return
        for v in node.values():
            _tensor_flags(v, flags)


def load(f: str | os.PathLike | IO[bytes], map_location=None,
         weights_only: bool = True) -> Any:
    """Load an object written by :func:`save`, or any safetensors file.

    A file from another tool (e.g. ``safetensors.torch.save_file(model.state_dict(), p)``)
    loads as an ``OrderedDict`` of chainrule tensors, ready for ``load_state_dict``.
    ``bfloat16`` tensors, which NumPy cannot hold, are converted to ``float32`` (exactly) with
    a warning. Loading never runs code from the file.

    Args:
        f: a path or a binary file object open for reading.
        map_location: accepted for PyTorch compatibility; everything loads onto the CPU
            (a device other than the CPU raises).
        weights_only: accepted for PyTorch compatibility; loading is always restricted to
            tensors and plain values.

    Returns:
        The saved object with chainrule tensors (parameters come back as Parameters).
    """
    if isinstance(map_location, (str, device)):
        device(map_location)
    data = _read_bytes(f)
    header = _read_header(data)
    metadata = header.get("__metadata__") or {}
    converted: list[str] = []
    # Shapes come from the header: safetensors.deserialize reports a 0-dim tensor as [1].
    arrays = {name: _to_array(name, info, header[name]["shape"], converted)
              for name, info in safetensors.deserialize(data)}
    del data
    if converted:
        warnings.warn(f"chainrule.load: {len(converted)} bfloat16 tensor(s) (e.g. "
                      f"{converted[0]!r}) were converted to float32; chainrule has no "
                      "bfloat16 dtype", stacklevel=2)

    raw = metadata.get(_META_KEY)
    if raw is None:
        tensors = _make_tensors(arrays, {})
        return OrderedDict((k, tensors[k]) for k in sorted(tensors))
    spec = json.loads(raw)
    structure = spec["object"]
    if isinstance(structure, dict) and "$state_dict" in structure:
        params = set(structure.get("parameters", []))
        # (files written before the requires_grad list: every Parameter required gradients)
        grads = set(structure.get("requires_grad", params))
        tensors = _make_tensors(arrays, {k: {"parameter": k in params,
                                             "requires_grad": k in grads}
                                         for k in params | grads})
        keys = structure["$state_dict"]
        cls = OrderedDict if structure.get("ordered") else dict
        return cls((k, tensors[k]) for k in keys)
    flags: dict[str, dict] = {}
    _tensor_flags(structure, flags)
    tensor_names = set(flags)
    tensors = _make_tensors({k: v for k, v in arrays.items() if k in tensor_names}, flags)
    return _decode(structure, tensors, arrays)
