"""``repr`` of tensors, close to PyTorch's layout."""

from __future__ import annotations

import numpy as np


def _float_formatter(a: np.ndarray):
    """PyTorch's float layout: integral values as ``1.``, else 4 decimals, scientific when
    the magnitudes span too much; every element padded to the same width."""
    finite = np.abs(a[np.isfinite(a)].astype(np.float64))
    if finite.size == 0:
        fmt = "{:.4f}".format
    elif np.all(finite == np.round(finite)):
        nonzero = finite[finite != 0]
        ratio = finite.max() / nonzero.min() if nonzero.size else 0.0
        if finite.max() > 1e8 or ratio > 1000.0:
            fmt = "{:.4e}".format
        else:
            def fmt(v):
                return f"{v:.0f}." if np.isfinite(v) else f"{v}"
    else:
        nonzero = finite[finite != 0]
        lo = nonzero.min() if nonzero.size else 0.0
        hi = finite.max()
        sci = hi > 1e8 or (nonzero.size and (hi / lo > 1000.0 or lo < 1e-4))
        fmt = ("{:.4e}" if sci else "{:.4f}").format
    values = a.reshape(-1)
    if values.size > 1000:  # only the shown edge items matter for the width
        values = np.concatenate([values[:3], values[-3:]])
    width = max((len(fmt(float(v))) for v in values if np.isfinite(v)), default=0)
    return lambda v: fmt(float(v)).rjust(width)


def format_tensor(t) -> str:
    a = t._data
    opts = dict(separator=", ", threshold=1000, edgeitems=3, max_line_width=80)
    if a.dtype.kind == "f":
        body = np.array2string(a, formatter={"float_kind": _float_formatter(a)},
                               prefix="tensor(", **opts)
    elif a.dtype == np.bool_ and a.size and a.all():
        # NumPy pads every bool to the width of "False"; PyTorch pads to the widest shown.
        body = np.array2string(a, formatter={"bool": lambda v: "True"}, prefix="tensor(",
                               **opts)
    else:
        body = np.array2string(a, prefix="tensor(", **opts)
    body = body.replace(", ...,", ",  ...,")  # PyTorch puts two spaces before the ellipsis
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
