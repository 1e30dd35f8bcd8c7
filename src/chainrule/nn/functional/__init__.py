"""Functional forms of the layers and losses (``chainrule.nn.functional``, usually ``F``)."""

# ruff: noqa: F401, F403
from chainrule.nn.functional.activation import *
from chainrule.nn.functional.attention import *
from chainrule.nn.functional.conv import *
from chainrule.nn.functional.linear import *
from chainrule.nn.functional.loss import *
from chainrule.nn.functional.misc import *
from chainrule.nn.functional.normalization import *
from chainrule.nn.functional.pooling import *
from chainrule.nn.functional.rnn import *
from chainrule.nn.functional.sampling import *
from chainrule.nn.functional.sparse import *
