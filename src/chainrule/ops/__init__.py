"""Every tensor op: primitives (forward + derivative rule side by side) and the composites
built on them. Grouped by kind: ``elementwise``, ``reduction``, ``shape``, ``indexing``,
``linalg``, ``creation``. ``bind_tensor_methods`` exposes them as Tensor methods/operators."""

# ruff: noqa: F401, F403, E402
from chainrule.ops import elementwise as _ew
from chainrule.ops._format import format_tensor
from chainrule.ops._methods import bind_tensor_methods
from chainrule.ops.creation import *
from chainrule.ops.cumulative import *
from chainrule.ops.decompositions import *
from chainrule.ops.elementwise import *
from chainrule.ops.elementwise import abs, pow, round
from chainrule.ops.index_write import *
from chainrule.ops.indexing import *
from chainrule.ops.layout import *
from chainrule.ops.linalg import *
from chainrule.ops.math_functions import *
from chainrule.ops.order_stats import *
from chainrule.ops.products import *
from chainrule.ops.reduction import *
from chainrule.ops.reduction import all, any, max, min, sum
from chainrule.ops.shape import *
from chainrule.ops.shape import normalize_dim
