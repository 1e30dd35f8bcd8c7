"""``History``: what :func:`chainrule.train.fit` records, one entry per epoch."""

from __future__ import annotations

import json
from typing import Any


class History:
    """Per-epoch losses, metrics, learning rates and timings of a training run.

    ``history.history`` maps each key to a list with one value per epoch: ``"loss"`` and
    the metric names for training, ``"val_loss"``, ``"val_<metric>"`` for validation,
    ``"lr"`` (the first parameter group's learning rate during the epoch) and
    ``"epoch_time"`` (seconds). ``history.epoch`` lists the epoch numbers (from 0).

    Example:
        >>> h = History()
        >>> h.append(0, {"loss": 0.9, "val_loss": 1.0})
        >>> h.append(1, {"loss": 0.5, "val_loss": 0.7})
        >>> h["loss"], h.epoch, len(h)
        ([0.9, 0.5], [0, 1], 2)
        >>> History.from_dict(h.to_dict()).to_dict() == h.to_dict()
        True
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def append(self, epoch: int, logs: dict[str, Any]) -> None:
        """Record the values of one epoch; keys new this epoch are padded with ``None``
        for the epochs before."""
        self.epoch.append(int(epoch))
        n = len(self.epoch)
        for key, value in logs.items():
            column = self.history.setdefault(key, [None] * (n - 1))
            column.append(None if value is None else float(value))
        for column in self.history.values():
            if len(column) < n:
                column.append(None)

    def update_last(self, values: dict[str, Any]) -> None:
        """Add or overwrite values of the latest epoch (new keys get ``None`` before it)."""
        if not self.epoch:
            raise ValueError("History.update_last: no epoch recorded yet")
        n = len(self.epoch)
        for key, value in values.items():
            column = self.history.setdefault(key, [None] * n)
            column[-1] = None if value is None else float(value)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epoch)

    def __repr__(self) -> str:
        last = {k: v[-1] for k, v in self.history.items()} if self.epoch else {}
        return f"History(epochs={len(self)}, last={last})"

    def last(self) -> dict[str, float]:
        """The values of the latest epoch."""
        return {k: v[-1] for k, v in self.history.items()} if self.epoch else {}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{"epoch": [...], "history": {key: [...]}}``."""
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        h = cls()
        h.epoch = [int(e) for e in d.get("epoch", [])]
        h.history = {k: list(v) for k, v in d.get("history", {}).items()}
        return h

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def plot(self, path, title: str | None = None) -> str:
        """Save a PNG with the loss curves (train and validation) and one panel per metric.

        Uses matplotlib's Agg backend (no display needed). Returns the path written.
        """
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        # One panel per training metric (learning rates and timings are not curves of fit).
        metrics = [k for k in self.history if k not in ("loss", "epoch_time")
                   and not k.startswith(("val_", "lr"))]
        panels = ["loss", *metrics]
        fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.8), squeeze=False)
        epochs = [e + 1 for e in self.epoch]
        for ax, key in zip(axes[0], panels):
            for name, style in ((key, "-o"), ("val_" + key, "--s")):
                values = self.history.get(name)
                if values and any(v is not None for v in values):
                    points = [(e, v) for e, v in zip(epochs, values) if v is not None]
                    ax.plot(*zip(*points), style, markersize=3,
                            label="validation" if name.startswith("val_") else "train")
            ax.set_xlabel("epoch")
            ax.set_ylabel(key)
            ax.set_title(key)
            ax.grid(alpha=0.3)
            ax.legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return str(path)
