"""Optimizers (``chainrule.optim.SGD``, ``Adam``...) and learning-rate schedulers
(``chainrule.optim.lr_scheduler``), with PyTorch's names, defaults and update rules."""

from chainrule.optim import lr_scheduler
from chainrule.optim.adagrad import Adagrad
from chainrule.optim.adam import Adam, AdamW
from chainrule.optim.adamax import Adamax
from chainrule.optim.nadam import NAdam
from chainrule.optim.optimizer import Optimizer
from chainrule.optim.rmsprop import RMSprop
from chainrule.optim.sgd import SGD

__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam",
    "lr_scheduler",
]
