"""Progress reporting for :func:`chainrule.train.fit`.

``progress`` may be:

- ``True`` / ``"auto"``: a tqdm bar per epoch (live loss and metrics in its postfix) when
  ``sys.stderr`` is a terminal and tqdm is installed; otherwise one plain summary line per
  epoch on stdout (logs and CI output stay readable, with no carriage-return noise);
- ``"bar"``: the tqdm bar even when stderr is not a terminal;
- ``"plain"``: the one-line-per-epoch summary;
- ``False`` / ``None``: nothing at all.
"""

from __future__ import annotations

import sys
from typing import Any


def _fmt(logs: dict[str, Any]) -> dict[str, str]:
    return {k: f"{v:.4g}" for k, v in logs.items() if isinstance(v, (int, float))}


def resolve_mode(progress: bool | str | None) -> str:
    """The effective mode: ``"bar"``, ``"plain"`` or ``"off"``.

    Example:
        >>> resolve_mode(False), resolve_mode("plain")
        ('off', 'plain')
    """
    if progress is None or progress is False:
        return "off"
    if progress in ("bar", "plain"):
        if progress == "bar" and not _has_tqdm():
            return "plain"
        return progress
    if progress is True or progress == "auto":
        isatty = getattr(sys.stderr, "isatty", None)
        tty = bool(isatty and isatty())
        return "bar" if tty and _has_tqdm() else "plain"
    raise ValueError(f"progress must be True, False, 'auto', 'bar' or 'plain', got {progress!r}")


def _has_tqdm() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


class Progress:
    """Shows training progress in the chosen mode (see the module docstring).

    Example:
        >>> p = Progress("plain")
        >>> p.epoch_begin(0, 2, total=3)
        >>> p.epoch_end(0, 2, {"loss": 0.25, "accuracy": 0.9}, seconds=0.5)
        epoch 1/2  loss 0.25  accuracy 0.9  (0.5s)
    """

    def __init__(self, progress: bool | str | None = True) -> None:
        self.mode = resolve_mode(progress)
        self._bar = None

    def epoch_begin(self, epoch: int, epochs: int, total: int | None) -> None:
        if self.mode == "bar":
            from tqdm import tqdm

            width = len(str(epochs))
            self._bar = tqdm(total=total, desc=f"epoch {epoch + 1:>{width}}/{epochs}",
                             unit="batch", leave=True, dynamic_ncols=True, file=sys.stderr)

    def batch_end(self, logs: dict[str, Any]) -> None:
        if self._bar is not None:
            self._bar.set_postfix(_fmt(logs), refresh=False)
            self._bar.update(1)

    def epoch_end(self, epoch: int, epochs: int, logs: dict[str, Any], seconds: float) -> None:
        if self._bar is not None:
            shown = {k: v for k, v in logs.items() if k not in ("lr", "epoch_time")}
            self._bar.set_postfix(_fmt(shown), refresh=False)
            self._bar.close()
            self._bar = None
        elif self.mode == "plain":
            parts = [f"{k} {v}" for k, v in _fmt(logs).items() if k not in ("epoch_time",)]
            print(f"epoch {epoch + 1}/{epochs}  " + "  ".join(parts) + f"  ({seconds:.1f}s)",
                  flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
