"""Ops that rearrange or assemble tensors: roll, rot90, diagonals, repeat_interleave,
meshgrid, the atleast_/stack/split families."""

from __future__ import annotations

__all__: list[str] = []

# Names bound as Tensor methods (``x.name(...)``) and, with a trailing underscore, as
# in-place methods (``x.name_(...)``), by ``chainrule.ops._methods``.
TENSOR_METHODS = ""
INPLACE_METHODS = ""
