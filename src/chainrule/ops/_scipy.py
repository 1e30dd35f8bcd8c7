"""SciPy's compiled special functions, when SciPy is installed, imported on first use.

SciPy is optional (it comes with the ``data`` and ``examples`` extras). Importing
``scipy.special`` takes ~0.25 s, about half of what ``import chainrule`` took with it, so it
waits until an op needs one of its functions (``erf`` for GELU, ``expit`` for sigmoid).

Example:
    >>> from chainrule.ops._scipy import special
    >>> special("erf") is None or float(special("erf")(0.0)) == 0.0
    True
"""

from __future__ import annotations

import functools

__all__ = ["special"]


@functools.cache
def special(name: str):
    """``scipy.special.<name>``, or None when SciPy is not installed."""
    try:
        import scipy.special
    except ImportError:
        return None
    return getattr(scipy.special, name)
