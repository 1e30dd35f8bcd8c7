"""The training loop: :func:`fit`, :func:`evaluate`, :func:`predict`, and checkpoints.

One ``fit`` epoch is the loop everyone writes by hand::

    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()          # the chain rule, through the recorded graph
        optimizer.step()

plus metrics, validation, a scheduler step, callbacks and a progress bar around it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

import chainrule as cr
from chainrule.tensor import Tensor
from chainrule.train.callbacks import Callback, CallbackList
from chainrule.train.history import History
from chainrule.train.metrics import get_metric
from chainrule.train.progress import Progress
from chainrule.utils.data import DataLoader, Dataset, Subset, TensorDataset

CHECKPOINT_FORMAT = "chainrule.train.checkpoint/1"

# Losses by name, resolved lazily so that importing chainrule.train needs no nn at import.
_LOSS_NAMES = {
    "cross_entropy": "cross_entropy", "ce": "cross_entropy",
    "categorical_crossentropy": "cross_entropy", "sparse_categorical_crossentropy":
    "cross_entropy", "nll": "nll_loss", "nll_loss": "nll_loss",
    "mse": "mse_loss", "mse_loss": "mse_loss", "mean_squared_error": "mse_loss",
    "l1": "l1_loss", "l1_loss": "l1_loss", "mae": "l1_loss",
    "smooth_l1": "smooth_l1_loss", "smooth_l1_loss": "smooth_l1_loss",
    "huber": "huber_loss", "huber_loss": "huber_loss",
    "bce": "binary_cross_entropy", "binary_cross_entropy": "binary_cross_entropy",
    "bce_with_logits": "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits": "binary_cross_entropy_with_logits",
}
_ELEMENTWISE = {"mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                "binary_cross_entropy_with_logits"}


def get_loss(loss: str | Callable) -> Callable:
    """The loss function for a name (``"cross_entropy"``, ``"mse"``, ``"bce_with_logits"``,
    ``"bce"``, ``"nll"``, ``"l1"``, ``"smooth_l1"``, ``"huber"``) or the callable itself.

    Named element-wise losses (mse, l1, bce...) accept an output of shape ``(N, 1)`` with
    targets ``(N,)`` (the output is reshaped to the target's shape) and integer targets
    (cast to the output's dtype): conveniences that ``torch.nn.functional`` does not offer.

    Example:
        >>> import chainrule as cr
        >>> mse = get_loss("mse")
        >>> mse(cr.tensor([[1.0], [3.0]]), cr.tensor([1, 1])).item()
        2.0
    """
    if callable(loss):
        return loss
    if loss not in _LOSS_NAMES:
        raise ValueError(f"unknown loss {loss!r}; known: {sorted(_LOSS_NAMES)}")
    fname = _LOSS_NAMES[loss]
    fn = getattr(cr.nn.functional, fname)
    if fname not in _ELEMENTWISE:
        return fn

    def elementwise_loss(output, target):
        if output.shape != target.shape and output.numel() == target.numel():
            output = output.reshape(target.shape)
        if not target.is_floating_point():
            target = target.to(output.dtype)
        return fn(output, target)

    elementwise_loss.__name__ = fname
    return elementwise_loss


# --------------------------------------------------------------------------- data


def _to_tensor(x) -> Tensor:
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind == "f":  # NumPy's float64 default would promote the whole model
        arr = arr.astype(cr.get_default_dtype().np, copy=False)
    elif arr.dtype.kind in "iu":
        arr = arr.astype(np.int64, copy=False)
    return cr.from_numpy(np.ascontiguousarray(arr))


def _as_dataset(data) -> Dataset:
    if isinstance(data, (tuple, list)) and len(data) >= 2 and not isinstance(data, Dataset):
        tensors = [_to_tensor(d) for d in data]
        n = {len(t) for t in tensors}
        if len(n) != 1:
            raise ValueError(f"fit: inputs and targets differ in length: "
                             f"{[tuple(t.shape) for t in tensors]}")
        return TensorDataset(*tensors)
    if hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        return data
    raise TypeError(f"data must be an (X, y) tuple, a Dataset or a DataLoader, got "
                    f"{type(data).__name__}")


def _loader(data, batch_size: int, shuffle: bool, generator=None) -> DataLoader:
    if isinstance(data, DataLoader):
        return data
    return DataLoader(_as_dataset(data), batch_size=batch_size, shuffle=shuffle,
                      generator=generator)


def _split_validation(train_data, fraction: float):
    """The last ``fraction`` of the samples (in their given order) become validation data."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation_split must be in (0, 1), got {fraction}")
    if isinstance(train_data, DataLoader):
        raise ValueError("validation_split needs (X, y) or a Dataset, not a DataLoader; "
                         "pass val_data instead")
    ds = _as_dataset(train_data)
    n = len(ds)
    n_val = int(math.floor(n * fraction))
    if n_val == 0 or n_val == n:
        raise ValueError(f"validation_split={fraction} of {n} samples leaves an empty split")
    cut = n - n_val
    if isinstance(ds, TensorDataset):
        return (TensorDataset(*(t[:cut] for t in ds.tensors)),
                TensorDataset(*(t[cut:] for t in ds.tensors)))
    return Subset(ds, range(cut)), Subset(ds, range(cut, n))


def _unpack(batch) -> tuple[tuple, Any]:
    if isinstance(batch, (list, tuple)) and len(batch) >= 2:
        return tuple(batch[:-1]), batch[-1]
    raise ValueError("each batch must be a (inputs..., target) sequence; got "
                     f"{type(batch).__name__}")


def _inputs_only(batch) -> tuple:
    """Inputs of a batch that may or may not carry a target (the last entry)."""
    if not isinstance(batch, (list, tuple)):
        return (batch,)
    return tuple(batch[:-1]) if len(batch) >= 2 else tuple(batch)


def _batch_size_of(target) -> int:
    return int(target.shape[0]) if getattr(target, "ndim", 0) else 1


# --------------------------------------------------------------------------- trainer state


class Trainer:
    """What callbacks see through ``self.trainer`` while :func:`fit` runs.

    Attributes:
        model, optimizer, scheduler, history: the objects being trained and recorded.
        epochs: the total number of epochs; epoch: the current epoch (0-based).
        global_step: optimizer steps taken so far in this run.
        stop_training: set to True (e.g. by EarlyStopping) to stop after this epoch.
        generator: the generator that shuffles the training data (or None).
        train_loader: the training DataLoader.
    """

    def __init__(self, model, optimizer, scheduler, history, epochs, generator, train_loader):
        self.model = model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.history = history
        self.epochs = epochs
        self.epoch = 0
        self.global_step = 0
        self.stop_training = False
        self.generator = generator
        self.train_loader = train_loader

    def _generators(self) -> dict[str, Any]:
        gens = {"shuffle": self.generator}
        loader_gen = getattr(self.train_loader, "generator", None)
        if loader_gen is not None and loader_gen is not self.generator:
            gens["loader"] = loader_gen
        return {k: g for k, g in gens.items() if g is not None}

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue this run exactly (see :func:`save_checkpoint`)."""
        state: dict[str, Any] = {
            "format": CHECKPOINT_FORMAT,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "epoch": self.epoch + 1,
            "history": self.history.to_json(),
            "rng_state": cr.random.default_generator.get_state(),
        }
        for name, gen in self._generators().items():
            state[f"{name}_rng_state"] = gen.get_state()
        if self.scheduler is not None:
            state["scheduler"] = self.scheduler.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> int:
        """Restore from :meth:`state_dict`'s dict; returns the number of completed epochs."""
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        restored = History.from_dict(json.loads(_as_str(state["history"])))
        self.history.epoch, self.history.history = restored.epoch, restored.history
        cr.random.default_generator.set_state(state["rng_state"])
        for name, gen in self._generators().items():
            if f"{name}_rng_state" in state:
                gen.set_state(state[f"{name}_rng_state"])
        if self.scheduler is not None and "scheduler" in state:
            self.scheduler.load_state_dict(state["scheduler"])
        return int(_as_number(state["epoch"]))


def _as_str(value) -> str:
    if isinstance(value, Tensor):
        return bytes(value.numpy().astype(np.uint8)).decode()
    return str(value)


def _as_number(value):
    return value.item() if isinstance(value, Tensor) else value


def save_checkpoint(path, trainer: Trainer) -> None:
    """Write ``trainer``'s state with :func:`chainrule.save` (atomic safetensors).

    The file holds ``model`` and ``optimizer`` state dicts, ``epoch`` (epochs completed),
    ``history`` (JSON), the global generator's state ``rng_state``, the shuffling
    generator's ``shuffle_rng_state`` and, with a scheduler, its ``scheduler`` state dict.
    """
    cr.save(trainer.state_dict(), path)


def load_checkpoint(path) -> dict[str, Any]:
    """Read a checkpoint written by :class:`~chainrule.train.ModelCheckpoint`.

    Example (the model weights alone)::

        state = load_checkpoint("best.safetensors")
        model.load_state_dict(state["model"])
    """
    return cr.load(path)


# --------------------------------------------------------------------------- fit


def _shuffle_generator(seed: int | None):
    if seed is None:
        # Drawn from the global generator, so chainrule.manual_seed alone fixes the order.
        seed = int(cr.random.default_generator.np_rng.integers(2**62))
    else:
        seed = int(np.random.SeedSequence([int(seed), 1]).generate_state(1, np.uint64)[0] >> 2)
    return cr.Generator().manual_seed(seed)


def _run_metrics(metric_fns, output, target) -> dict[str, float]:
    return {name: fn(output, target) for name, fn in metric_fns}


def fit(model, train_data, *, loss: str | Callable, optimizer, epochs: int = 1,
        batch_size: int = 32, val_data=None, validation_split: float = 0.0,
        metrics: Sequence[str | Callable] = ("accuracy",), callbacks: Iterable[Callback] = (),
        scheduler=None, clip_grad_norm: float | None = None, seed: int | None = None,
        shuffle: bool = True, progress: bool | str = True, resume_from=None) -> History:
    """Train ``model`` and return its :class:`History`.

    Args:
        model: a ``chainrule.nn.Module`` called as ``model(*inputs)``.
        train_data: ``(X, y)`` tensors or arrays (NumPy floats are cast to the default
            dtype, integers to int64), a ``Dataset`` yielding ``(inputs..., target)``, or a
            ``DataLoader`` (used as given: its own batch size and shuffling).
        loss: ``loss(output, target) -> scalar tensor``, or a name (see :func:`get_loss`).
        optimizer: a ``chainrule.optim`` optimizer over the model's parameters.
        epochs: the total number of epochs (a resumed run continues up to it).
        batch_size: samples per step when ``train_data`` is not a DataLoader.
        val_data: validation data in any form ``train_data`` accepts.
        validation_split: else, this fraction of ``train_data`` (the last samples, taken
            before shuffling) is held out for validation.
        metrics: names (``"accuracy"``, ``"top5_accuracy"``, ``"mae"``...) or callables
            ``(output, target) -> float``, averaged over samples.
        callbacks: :class:`Callback` instances.
        scheduler: an LR scheduler stepped once per epoch; ``ReduceLROnPlateau`` is given
            the validation loss (the training loss without validation data).
        clip_grad_norm: clip the total gradient norm to this value before each step.
        seed: seeds ``chainrule.manual_seed`` (dropout, initialisation done inside fit)
            and the generator that shuffles the training data.
        shuffle: reshuffle the training samples every epoch.
        progress: ``True`` (bar on a terminal, else one line per epoch), ``False``
            (silent), ``"bar"`` or ``"plain"``; see :mod:`chainrule.train.progress`.
        resume_from: path of a :class:`ModelCheckpoint` file: restores the model,
            optimizer, scheduler, history and random states and continues from the epoch
            after it, so the result equals that of an uninterrupted run with the same seed.

    Returns:
        History: per-epoch ``loss``, metrics, ``val_*``, ``lr`` and ``epoch_time``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.train import fit
        >>> X = cr.randn(64, 2, generator=cr.Generator().manual_seed(0))
        >>> y = (X[:, 0] > 0).long()
        >>> model = cr.nn.Linear(2, 2)
        >>> opt = cr.optim.SGD(model.parameters(), lr=0.5)
        >>> h = fit(model, (X, y), loss="cross_entropy", optimizer=opt, epochs=5,
        ...         batch_size=16, seed=0, progress=False)
        >>> h["accuracy"][-1] > 0.9
        True
    """
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    if seed is not None:
        cr.manual_seed(seed)
    generator = None if isinstance(train_data, DataLoader) else _shuffle_generator(seed)
    if validation_split and val_data is None:
        train_data, val_data = _split_validation(train_data, validation_split)
    loader = _loader(train_data, batch_size, shuffle, generator)
    val_loader = None if val_data is None else _loader(val_data, max(batch_size, 256), False)
    loss_fn = get_loss(loss)
    metric_fns = [get_metric(m) for m in metrics]
    params = [p for p in model.parameters() if p.requires_grad]

    history = History()
    trainer = Trainer(model, optimizer, scheduler, history, epochs, generator, loader)
    start_epoch = 0
    if resume_from is not None:
        start_epoch = trainer.load_state_dict(load_checkpoint(resume_from))
    cbs = CallbackList(callbacks)
    cbs.set_trainer(trainer)
    bar = Progress(progress)
    try:
        n_batches = len(loader)
    except TypeError:
        n_batches = None

    cbs.on_train_begin({})
    try:
        for epoch in range(start_epoch, epochs):
            trainer.epoch = epoch
            cbs.on_epoch_begin(epoch, {})
            bar.epoch_begin(epoch, epochs, n_batches)
            lr = float(optimizer.param_groups[0]["lr"])
            logs = _train_epoch(trainer, loader, loss_fn, metric_fns, params, clip_grad_norm,
                                cbs, bar)
            if val_loader is not None:
                val = evaluate(model, val_loader, loss=loss_fn, metrics=metrics)
                logs.update({f"val_{k}": v for k, v in val.items()})
            logs["lr"] = lr
            if scheduler is not None:
                _step_scheduler(scheduler, logs)
            logs["epoch_time"] = time.perf_counter() - logs.pop("_start")
            history.append(epoch, logs)
            bar.epoch_end(epoch, epochs, logs, logs["epoch_time"])
            cbs.on_epoch_end(epoch, logs)
            if trainer.stop_training:
                break
    finally:
        bar.close()
    cbs.on_train_end(history.last())
    return history


def _train_epoch(trainer, loader, loss_fn, metric_fns, params, clip, cbs, bar) -> dict:
    model, optimizer = trainer.model, trainer.optimizer
    model.train()
    start = time.perf_counter()
    seen = 0
    total_loss = 0.0
    totals = {name: 0.0 for name, _ in metric_fns}
    for step, batch in enumerate(loader):
        inputs, target = _unpack(batch)
        cbs.on_batch_begin(step, {"epoch": trainer.epoch, "global_step": trainer.global_step})
        optimizer.zero_grad()
        output = model(*inputs)
        loss = loss_fn(output, target)
        loss.backward()
        cbs.on_after_backward(model)
        if clip is not None:
            cr.nn.utils.clip_grad_norm_(params, clip)
        optimizer.step()
        trainer.global_step += 1

        n = _batch_size_of(target)
        value = float(loss.item())
        batch_metrics = _run_metrics(metric_fns, output.detach(), target)
        seen += n
        total_loss += value * n
        for name, v in batch_metrics.items():
            totals[name] += v * n
        running = {"loss": total_loss / seen, **{k: t / seen for k, t in totals.items()}}
        bar.batch_end(running)
        cbs.on_batch_end(step, {"loss": value, "size": n, "epoch": trainer.epoch,
                                "global_step": trainer.global_step, **batch_metrics})
    if seen == 0:
        raise ValueError("fit: the training data produced no batches")
    return {"loss": total_loss / seen, **{k: t / seen for k, t in totals.items()},
            "_start": start}


def _step_scheduler(scheduler, logs) -> None:
    from chainrule.optim.lr_scheduler import ReduceLROnPlateau

    if isinstance(scheduler, ReduceLROnPlateau):
        scheduler.step(logs.get("val_loss", logs["loss"]))
    else:
        scheduler.step()


# --------------------------------------------------------------------------- evaluate / predict


def evaluate(model, data, *, loss: str | Callable | None = None,
             metrics: Sequence[str | Callable] = ("accuracy",), batch_size: int = 256
             ) -> dict[str, float]:
    """Loss and metrics of ``model`` on ``data``, in eval mode without gradients.

    Args:
        model: the model; its train/eval mode is restored afterwards.
        data: ``(X, y)``, a Dataset or a DataLoader.
        loss: a loss (callable or name) to report as ``"loss"``; omitted when ``None``.
        metrics: metric names or callables.
        batch_size: samples per forward pass.

    Returns:
        ``{"loss": ..., metric: ...}``, each the mean over all samples.

    Example:
        >>> import chainrule as cr
        >>> model = cr.nn.Linear(2, 2)
        >>> X, y = cr.randn(10, 2), cr.zeros(10, dtype=cr.int64)
        >>> sorted(evaluate(model, (X, y), loss="cross_entropy"))
        ['accuracy', 'loss']
    """
    loader = _loader(data, batch_size, False)
    loss_fn = None if loss is None else get_loss(loss)
    metric_fns = [get_metric(m) for m in metrics]
    was_training = model.training
    model.eval()
    seen = 0
    totals = dict.fromkeys(([] if loss_fn is None else ["loss"]) + [n for n, _ in metric_fns],
                           0.0)
    try:
        with cr.no_grad():
            for batch in loader:
                inputs, target = _unpack(batch)
                output = model(*inputs)
                n = _batch_size_of(target)
                seen += n
                if loss_fn is not None:
                    totals["loss"] += float(loss_fn(output, target).item()) * n
                for name, v in _run_metrics(metric_fns, output, target).items():
                    totals[name] += v * n
    finally:
        model.train(was_training)
    if seen == 0:
        raise ValueError("evaluate: the data produced no batches")
    return {k: v / seen for k, v in totals.items()}


def predict(model, X, batch_size: int = 256) -> Tensor:
    """The model's outputs for ``X``, concatenated along dim 0; eval mode, no gradients.

    ``X`` is a tensor or array of inputs, or a Dataset or DataLoader whose samples are
    ``(inputs..., target)`` (the last entry is dropped when there are two or more) or a
    lone input.

    Example:
        >>> import chainrule as cr
        >>> model = cr.nn.Linear(3, 2)
        >>> predict(model, cr.randn(10, 3), batch_size=4).shape
        chainrule.Size([10, 2])
    """
    if isinstance(X, DataLoader):
        loader, first = X, None
    elif isinstance(X, Dataset):
        loader, first = DataLoader(X, batch_size=batch_size), None
    else:
        loader, first = None, _to_tensor(X)
    was_training = model.training
    model.eval()
    outputs = []
    try:
        with cr.no_grad():
            if first is not None:
                for start in range(0, len(first), batch_size):
                    outputs.append(model(first[start:start + batch_size]))
            else:
                for batch in loader:
                    outputs.append(model(*_inputs_only(batch)))
    finally:
        model.train(was_training)
    if not outputs:
        raise ValueError("predict: no inputs")
    return cr.cat(outputs, 0)
