"""Neural-network building blocks with PyTorch's names: ``Module``, layers, losses,
``functional``, ``init`` and ``utils``."""

# ruff: noqa: F401, F403
from chainrule.nn import functional, init, utils
from chainrule.nn.modules import *
from chainrule.nn.parameter import Buffer, Parameter
