"""Training made visible: :func:`fit`, :func:`evaluate`, :func:`predict`, callbacks,
metrics, progress bars and the :class:`History` of a run.

Example:
    >>> import chainrule as cr
    >>> from chainrule.train import EarlyStopping, fit
    >>> X = cr.randn(128, 2, generator=cr.Generator().manual_seed(1))
    >>> y = (X.sum(dim=1) > 0).long()
    >>> model = cr.nn.Sequential(cr.nn.Linear(2, 8), cr.nn.ReLU(), cr.nn.Linear(8, 2))
    >>> opt = cr.optim.Adam(model.parameters(), lr=0.05)
    >>> history = fit(model, (X, y), loss="cross_entropy", optimizer=opt, epochs=10,
    ...               validation_split=0.25, callbacks=[EarlyStopping(patience=3)],
    ...               seed=0, progress=False)
    >>> history["val_accuracy"][-1] > 0.85
    True
"""

from chainrule.train.callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    LearningRateMonitor,
    ModelCheckpoint,
)
from chainrule.train.history import History
from chainrule.train.loop import (
    Trainer,
    evaluate,
    fit,
    get_loss,
    load_checkpoint,
    predict,
    save_checkpoint,
)
from chainrule.train.metrics import (
    METRICS,
    accuracy,
    get_metric,
    mean_absolute_error,
    register_metric,
    top_k_accuracy,
)
from chainrule.train.progress import Progress

__all__ = [
    "fit", "evaluate", "predict", "get_loss", "History", "Trainer", "save_checkpoint",
    "load_checkpoint", "Callback", "CallbackList", "EarlyStopping", "ModelCheckpoint",
    "LearningRateMonitor", "CSVLogger", "METRICS", "accuracy", "top_k_accuracy",
    "mean_absolute_error", "get_metric", "register_metric", "Progress",
]
