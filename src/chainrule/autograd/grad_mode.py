"""Switches for graph recording: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``. Each works as a context manager and as a decorator."""

from __future__ import annotations

import functools


class _State:
    __slots__ = ("enabled",)

    def __init__(self):
        self.enabled = True


# Read on every op (``STATE.enabled``): a slotted attribute is the cheapest global flag.
STATE = _State()


def is_grad_enabled() -> bool:
    """Whether ops currently record a graph for tensors that require grad."""
    return STATE.enabled


class _GradMode:
    _mode = True

    def __enter__(self):
        self._prev = STATE.enabled
        STATE.enabled = self._mode

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = STATE.enabled
            STATE.enabled = self._mode
            try:
                return fn(*args, **kwargs)
            finally:
                STATE.enabled = prev

        return wrapper


class no_grad(_GradMode):
    """Disable graph recording inside the block or decorated function.

    Example:
        >>> import chainrule as cr
        >>> x = cr.ones(2, requires_grad=True)
        >>> with cr.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    _mode = False


class enable_grad(_GradMode):
    """Re-enable graph recording inside a ``no_grad`` block."""

    _mode = True


class inference_mode(_GradMode):
    """Like ``no_grad``: no graph is recorded (``inference_mode(False)`` is a no-op switch)."""

    def __init__(self, mode: bool = True):
        self._mode = not mode


class set_grad_enabled(_GradMode):
    """Set graph recording on or off; takes effect at once, and as a context manager
    restores the previous setting on exit."""

    def __init__(self, mode: bool):
        self._prev = STATE.enabled
        self._mode = bool(mode)
        STATE.enabled = self._mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        return False

    def __call__(self, fn):
        STATE.enabled = self._prev  # as a decorator it changes nothing until called
        return super().__call__(fn)
