"""Matrix functions and decompositions (inv, det, solve, cholesky, qr, svd, eigh, ...)
with their derivative rules."""

from __future__ import annotations

__all__: list[str] = []

# Names bound as Tensor methods (``x.name(...)``) and, with a trailing underscore, as
# in-place methods (``x.name_(...)``), by ``chainrule.ops._methods``.
TENSOR_METHODS = ""
INPLACE_METHODS = ""
