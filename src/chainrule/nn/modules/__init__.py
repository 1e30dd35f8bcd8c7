"""Layers, one file per family."""

# ruff: noqa: F401, F403
from chainrule.nn.modules.activation import *
from chainrule.nn.modules.attention import *
from chainrule.nn.modules.container import *
from chainrule.nn.modules.conv import *
from chainrule.nn.modules.distance import *
from chainrule.nn.modules.dropout import *
from chainrule.nn.modules.flatten import *
from chainrule.nn.modules.fold import *
from chainrule.nn.modules.linear import *
from chainrule.nn.modules.loss import *
from chainrule.nn.modules.module import *
from chainrule.nn.modules.normalization import *
from chainrule.nn.modules.padding import *
from chainrule.nn.modules.pooling import *
from chainrule.nn.modules.rnn import *
from chainrule.nn.modules.sampling import *
from chainrule.nn.modules.sparse import *
from chainrule.nn.modules.transformer import *
