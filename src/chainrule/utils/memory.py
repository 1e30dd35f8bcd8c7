"""Keep freed array memory in the process for the next training step (glibc's malloc).

A training step allocates the same large arrays every time (activations, gradients, im2col
columns) and frees them at its end. With glibc's default settings, blocks of this size are
handed back to the operating system when freed and faulted in again, page by page, on the
next step: measured ~930 page faults and ~5 ms of a 14 ms LSTM training step on the
project's benchmark machine, and ~2000 faults per round for eight 1 MiB arrays allocated and
freed in a loop.

glibc raises its thresholds by itself once the program frees a large enough block (the
"dynamic mmap threshold"), up to 32 MiB for ``mmap`` and 64 MiB for trimming the heap; a
process that frees one 32 MiB array early gets this behaviour by accident. chainrule sets
those same values on import, so every process gets it from the first step: freed blocks up
to 64 MiB stay in the process for reuse instead of being returned at once.

It is a process-wide setting of the C library. It is skipped where it does not apply (not
Linux with glibc) and where the user has chosen: ``MALLOC_MMAP_THRESHOLD_``,
``MALLOC_TRIM_THRESHOLD_`` or a ``glibc.malloc`` tunable in ``GLIBC_TUNABLES`` in the
environment, or ``CHAINRULE_KEEP_FREED_MEMORY=0``.

Example:
    >>> from chainrule.utils import memory
    >>> memory.keep_freed_memory() in (True, False)  # False off glibc or when opted out
    True
"""

from __future__ import annotations

import ctypes
import os
import platform

__all__ = ["keep_freed_memory", "MMAP_THRESHOLD", "TRIM_THRESHOLD"]

MMAP_THRESHOLD = 32 << 20  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # the ratio glibc's dynamic adjustment keeps

_M_TRIM_THRESHOLD = -1  # mallopt parameter numbers, from glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


def _opted_out(environ) -> bool:
    if environ.get("CHAINRULE_KEEP_FREED_MEMORY", "1").strip().lower() in ("0", "false", "no"):
        return True
    if any(name in environ for name in _USER_SETTINGS):
        return True
    return "glibc.malloc." in environ.get("GLIBC_TUNABLES", "")


def keep_freed_memory(environ=None) -> bool:
    """Set glibc's mmap and trim thresholds to 32 and 64 MiB (see the module docstring).

    Returns True if the setting was applied, False where it does not apply or the
    environment (``environ``, default ``os.environ``) opts out. Called once by
    ``import chainrule``; calling it again is harmless.
    """
    environ = os.environ if environ is None else environ
    if _opted_out(environ) or platform.system() != "Linux":
        return False
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success; setting the mmap threshold also switches off glibc's
    # dynamic adjustment, which is why both values are given.
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
