"""``repr`` of tensors, close to PyTorch's layout."""

from __future__ import annotations

import numpy as np


def format_tensor(t) -> str:
    a = t._data
    opts = dict(precision=4, separator=", ", threshold=1000, edgeitems=3, max_line_width=80)
    if a.dtype.kind == "f":
        finite = a[np.isfinite(a)]
        ints = finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8
        if ints:
            body = np.array2string(a, formatter={"float_kind": lambda v: _int_float(v)},
                                   prefix="tensor(", **opts)
        else:
            body = np.array2string(a, prefix="tensor(", **opts)
    else:
        body = np.array2string(a, prefix="tensor(", **opts)
        if a.dtype == np.bool_:
            body = body.replace("True", "True").replace("False", "False")
    extras = []
    default = {"float32", "int64", "bool"}
    if a.dtype.name not in default:
        extras.append(f"dtype=chainrule.{a.dtype.name}")
    if a.size == 0 and a.shape != (0,):
        extras.append(f"size={tuple(a.shape)}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._rg:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"


def _int_float(v) -> str:
    if not np.isfinite(v):
        return str(v)
    return f"{v:.0f}."
