"""Optimizers (``chainrule.optim.SGD``, ``Adam``...), learning-rate schedulers
(``chainrule.optim.lr_scheduler``) and weight averaging (``chainrule.optim.swa_utils``),
with PyTorch's names, defaults and update rules."""

from chainrule.optim import lr_scheduler, swa_utils
from chainrule.optim.adadelta import Adadelta
from chainrule.optim.adagrad import Adagrad
from chainrule.optim.adam import Adam, AdamW
from chainrule.optim.adamax import Adamax
from chainrule.optim.asgd import ASGD
from chainrule.optim.lbfgs import LBFGS
from chainrule.optim.nadam import NAdam
from chainrule.optim.optimizer import Optimizer
from chainrule.optim.radam import RAdam
from chainrule.optim.rmsprop import RMSprop
from chainrule.optim.rprop import Rprop
from chainrule.optim.sgd import SGD

__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam",
    "Adadelta", "Rprop", "ASGD", "LBFGS", "lr_scheduler", "swa_utils",
]
