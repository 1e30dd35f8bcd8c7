"""Callbacks: code that :func:`chainrule.train.fit` calls at fixed points of training.

The order of calls in one run::

    on_train_begin(logs)
      on_epoch_begin(epoch, logs)
        on_batch_begin(step, logs)
          (forward, loss, backward)
          on_after_backward(model)     # gradients are in p.grad; the optimizer has not run
        on_batch_end(step, logs)       # logs: loss, size, epoch, global_step (+ metrics)
      (validation, scheduler step)
      on_epoch_end(epoch, logs)        # logs: loss, metrics, val_*, lr, epoch_time
    on_train_end(logs)

Before training, ``fit`` calls ``set_trainer(trainer)``; ``self.trainer`` then gives the
model, optimizer, scheduler, history, current ``epoch``/``global_step``, and
``trainer.stop_training``, which a callback sets to end training after the current epoch.

The epoch's row is already in ``trainer.history`` when ``on_epoch_end`` runs (so a
checkpoint written then includes it); a callback that adds values to the logs records
them with ``trainer.history.update_last(values)``. Callbacks need not subclass
:class:`Callback`: fit calls the hooks an object has and skips the rest.
"""

from __future__ import annotations

import copy
import csv
import math
import os
import warnings
from typing import Any


class Callback:
    """Base class: override the hooks you need (all default to doing nothing).

    Example:
        >>> class CountBatches(Callback):
        ...     def on_train_begin(self, logs=None):
        ...         self.n = 0
        ...     def on_batch_end(self, step, logs=None):
        ...         self.n += 1
    """

    trainer: Any = None

    def set_trainer(self, trainer) -> None:
        self.trainer = trainer

    def on_train_begin(self, logs: dict | None = None) -> None: ...

    def on_train_end(self, logs: dict | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_batch_begin(self, step: int, logs: dict | None = None) -> None: ...

    def on_batch_end(self, step: int, logs: dict | None = None) -> None: ...

    def on_after_backward(self, model) -> None: ...


class CallbackList(Callback):
    """Calls each hook on every callback in order.

    Callbacks need not subclass :class:`Callback`: any object works, and a hook it lacks
    is skipped (so ``chainrule.diagnostics.GradientMonitor`` plugs in as is). Before
    training each gets ``set_trainer(trainer)`` if it has one, else ``set_model(model)``.
    """

    _HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
              "on_batch_begin", "on_batch_end", "on_after_backward")

    def __init__(self, callbacks=()) -> None:
        if isinstance(callbacks, Callback) or hasattr(callbacks, "on_epoch_end"):
            callbacks = [callbacks]
        self.callbacks = list(callbacks)
        self._bound = {hook: [f for f in (getattr(cb, hook, None) for cb in self.callbacks)
                              if callable(f)] for hook in self._HOOKS}

    def set_trainer(self, trainer) -> None:
        self.trainer = trainer
        for cb in self.callbacks:
            if callable(getattr(cb, "set_trainer", None)):
                cb.set_trainer(trainer)
            elif callable(getattr(cb, "set_model", None)):
                cb.set_model(trainer.model)

    def on_train_begin(self, logs=None):
        for f in self._bound["on_train_begin"]:
            f(logs)

    def on_train_end(self, logs=None):
        for f in self._bound["on_train_end"]:
            f(logs)

    def on_epoch_begin(self, epoch, logs=None):
        for f in self._bound["on_epoch_begin"]:
            f(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        for f in self._bound["on_epoch_end"]:
            f(epoch, logs)

    def on_batch_begin(self, step, logs=None):
        for f in self._bound["on_batch_begin"]:
            f(step, logs)

    def on_batch_end(self, step, logs=None):
        for f in self._bound["on_batch_end"]:
            f(step, logs)

    def on_after_backward(self, model):
        for f in self._bound["on_after_backward"]:
            f(model)


def _resolve_mode(mode: str, monitor: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        # Losses and errors go down; accuracies and other scores go up.
        lower_is_better = "loss" in monitor or "error" in monitor or monitor.endswith("mae")
        return "min" if lower_is_better else "max"
    return mode


class _Monitor:
    """Tracks the best value of one logged quantity."""

    def __init__(self, monitor: str, mode: str, min_delta: float = 0.0) -> None:
        self.monitor = monitor
        self.mode = _resolve_mode(mode, monitor)
        self.min_delta = abs(min_delta)
        self.best = math.inf if self.mode == "min" else -math.inf
        self._warned = False

    def value(self, logs: dict | None, owner: str) -> float | None:
        value = (logs or {}).get(self.monitor)
        if value is None:
            if not self._warned:
                warnings.warn(f"{owner}: the monitored quantity {self.monitor!r} is not in the "
                              f"logs (available: {sorted(logs or {})}); pass validation data "
                              f"or choose another monitor", stacklevel=3)
                self._warned = True
            return None
        return float(value)

    def improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving.

    Args:
        monitor: the logged quantity to watch (default ``"val_loss"``).
        patience: number of epochs without improvement after which training stops
            (0 and 1 both stop at the first epoch that does not improve).
        min_delta: smallest change that counts as an improvement.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (min for losses/errors, max otherwise).
        restore_best_weights: at the end of training, load the weights of the best epoch.

    Attributes:
        stopped_epoch: the epoch after which training stopped (``None`` if it did not).
        best_epoch: the epoch with the best monitored value.

    Example:
        >>> es = EarlyStopping(monitor="val_loss", patience=2)
        >>> es.monitor, es.patience
        ('val_loss', 2)
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = False) -> None:
        if patience < 0:
            raise ValueError(f"patience must be >= 0, got {patience}")
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = min_delta
        self.mode = mode
        self.restore_best_weights = restore_best_weights
        self._tracker = _Monitor(monitor, mode, min_delta)

    def on_train_begin(self, logs=None):
        self._tracker = _Monitor(self.monitor, self.mode, self.min_delta)
        self.wait = 0
        self.stopped_epoch = None
        self.best_epoch = None
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        value = self._tracker.value(logs, "EarlyStopping")
        if value is None:
            return
        if self._tracker.improved(value):
            self._tracker.best = value
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = copy.deepcopy(self.trainer.model.state_dict())
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    @property
    def best(self) -> float:
        return self._tracker.best

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.trainer.model.load_state_dict(self.best_weights)


class ModelCheckpoint(Callback):
    """Save a checkpoint at the end of each epoch (or only when the monitored value
    improves), with :func:`chainrule.save`: an atomic safetensors file.

    The checkpoint holds the model's and optimizer's state dicts, the scheduler's (if
    any), the number of completed epochs, the history so far and the random-generator
    states; ``fit(..., resume_from=path)`` continues from it exactly.

    Args:
        path: file to write; may contain ``{epoch}`` (1-based) and logged keys, e.g.
            ``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``.
        monitor: the quantity that decides "best" (default ``"val_loss"``).
        save_best_only: write only when ``monitor`` improves on the best so far.
        mode: ``"min"``, ``"max"`` or ``"auto"``.

    Attributes:
        last_path: the last file written (``None`` before the first save).

    Example:
        >>> ckpt = ModelCheckpoint("best.safetensors", monitor="val_accuracy",
        ...                        save_best_only=True)
        >>> ckpt.monitor, ckpt._tracker.mode
        ('val_accuracy', 'max')
    """

    def __init__(self, path, monitor: str = "val_loss", save_best_only: bool = False,
                 mode: str = "auto") -> None:
        self.path = os.fspath(path)
        self.monitor = monitor
        self.save_best_only = save_best_only
        self.mode = mode
        self._tracker = _Monitor(monitor, mode)
        self.last_path = None

    @property
    def best(self) -> float:
        return self._tracker.best

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            value = self._tracker.value(logs, "ModelCheckpoint")
            if value is None or not self._tracker.improved(value):
                return
            self._tracker.best = value
        path = self.path.format(epoch=epoch + 1, **logs)
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        from chainrule.train.loop import save_checkpoint

        save_checkpoint(path, self.trainer)
        self.last_path = path


class LearningRateMonitor(Callback):
    """Record the learning rate of every parameter group, per epoch or per step.

    Adds ``lr-group0``, ``lr-group1``... (the rates used during the epoch; for ``"step"``,
    during its last step) to the epoch logs and to the History, and keeps every value read
    in ``self.lrs``: one list per group. (``fit`` itself logs ``lr``, the first group's
    rate during each epoch.)

    Args:
        logging_interval: ``"epoch"`` (one value per epoch) or ``"step"`` (the value used
            by each optimizer step).

    Example:
        >>> LearningRateMonitor("step").logging_interval
        'step'
    """

    def __init__(self, logging_interval: str = "epoch") -> None:
        if logging_interval not in ("epoch", "step"):
            raise ValueError(f"logging_interval must be 'epoch' or 'step', got "
                             f"{logging_interval!r}")
        self.logging_interval = logging_interval
        self.lrs: list[list[float]] = []
        self._current: list[float] = []

    def _read(self) -> None:
        groups = self.trainer.optimizer.param_groups
        self._current = [float(g["lr"]) for g in groups]
        if not self.lrs:
            self.lrs = [[] for _ in groups]
        for column, value in zip(self.lrs, self._current):
            column.append(value)

    def on_train_begin(self, logs=None):
        self.lrs = []

    def on_epoch_begin(self, epoch, logs=None):
        if self.logging_interval == "epoch":
            self._read()

    def on_batch_begin(self, step, logs=None):
        if self.logging_interval == "step":
            self._read()

    def on_epoch_end(self, epoch, logs=None):
        values = {f"lr-group{i}": v for i, v in enumerate(self._current)}
        if logs is not None:
            logs.update(values)
        self.trainer.history.update_last(values)


class CSVLogger(Callback):
    """Write one CSV row per epoch: ``epoch`` (0-based) and every logged value.

    The columns are fixed by the first epoch's logs. The file is flushed after every row,
    so it can be watched while training runs.

    Args:
        path: the CSV file.
        separator: field separator (default ``","``).
        append: add to an existing file (when resuming) instead of overwriting it.

    Example:
        >>> CSVLogger("log.csv").separator
        ','
    """

    def __init__(self, path, separator: str = ",", append: bool = False) -> None:
        self.path = os.fspath(path)
        self.separator = separator
        self.append = append
        self._file = None
        self._writer = None
        self._keys: list[str] | None = None

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.path) and os.path.getsize(self.path) > 0
        self._keys = None
        if exists:
            with open(self.path, newline="") as f:
                header = next(csv.reader(f, delimiter=self.separator), None)
            self._keys = header[1:] if header else None
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        self._file = open(self.path, "a" if self.append else "w", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._file, delimiter=self.separator)
        self._header_written = exists

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._keys is None:
            self._keys = list(logs)
        if not self._header_written:
            self._writer.writerow(["epoch", *self._keys])
            self._header_written = True
        self._writer.writerow([epoch, *("" if logs.get(k) is None else logs[k]
                                        for k in self._keys)])
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None
