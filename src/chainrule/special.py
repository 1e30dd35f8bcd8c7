"""``chainrule.special``: PyTorch's ``torch.special`` namespace (special functions).

Each name maps onto chainrule's own function (same values, derivatives and dtypes); the
derivative rules live in ``chainrule.ops.math_functions`` and ``chainrule.ops.elementwise``.

Example:
    >>> import chainrule as cr
    >>> cr.special.expit(cr.tensor([0.0]))
    tensor([0.5000])
"""

from __future__ import annotations

from chainrule.ops import elementwise as _ew
from chainrule.ops import math_functions as _mf
from chainrule.ops import reduction as _red

__all__ = [
    "expit", "logit", "erf", "erfc", "erfinv", "xlogy", "xlog1py", "gammaln", "digamma",
    "psi", "polygamma", "multigammaln", "log_softmax", "softmax", "logsumexp", "sinc", "entr",
    "ndtr", "log_ndtr", "ndtri", "i0", "i1", "exp2", "expm1", "log1p", "round",
]

logit = _mf.logit
erfc = _mf.erfc
erfinv = _mf.erfinv
xlogy = _mf.xlogy
xlog1py = _mf.xlog1py
digamma = psi = _mf.digamma
polygamma = _mf.polygamma
sinc = _mf.sinc
entr = _mf.entr
ndtr = _mf.ndtr
log_ndtr = _mf.log_ndtr
ndtri = _mf.ndtri
i0 = _mf.i0
i1 = _mf.i1
exp2 = _mf.exp2


def expit(input):
    """The logistic sigmoid ``1 / (1 + exp(-x))`` (:func:`chainrule.sigmoid`).

    Example:
        >>> import chainrule as cr
        >>> cr.special.expit(cr.tensor([0.0, 2.0]))
        tensor([0.5000, 0.8808])
    """
    return _ew.sigmoid(input)


def erf(input):
    """The error function (:func:`chainrule.erf`).

    Example:
        >>> import chainrule as cr
        >>> cr.special.erf(cr.tensor([0.0, 1.0]))
        tensor([0.0000, 0.8427])
    """
    return _ew.erf(input)


def expm1(input):
    """``exp(x) - 1``, precise for small ``x`` (:func:`chainrule.expm1`).

    Example:
        >>> import chainrule as cr
        >>> cr.special.expm1(cr.tensor([0.0, 1.0]))
        tensor([0.0000, 1.7183])
    """
    return _ew.expm1(input)


def log1p(input):
    """``log(1 + x)``, precise for small ``x`` (:func:`chainrule.log1p`).

    Example:
        >>> import chainrule as cr
        >>> cr.special.log1p(cr.tensor([0.0, 1.0]))
        tensor([0.0000, 0.6931])
    """
    return _ew.log1p(input)


def round(input, *, decimals=0):  # noqa: A001
    """Round half to even (:func:`chainrule.round`).

    Example:
        >>> import chainrule as cr
        >>> cr.special.round(cr.tensor([0.5, 1.5, 2.7]))
        tensor([0., 2., 3.])
    """
    return _ew.round(input, decimals=decimals)


def gammaln(input):
    """``log|Gamma(x)|`` (:func:`chainrule.lgamma`).

    Example:
        >>> import chainrule as cr
        >>> cr.special.gammaln(cr.tensor([1.0, 5.0]))
        tensor([0.0000, 3.1781])
    """
    return _mf.lgamma(input)


def multigammaln(input, p):
    """The log of the multivariate gamma function (:func:`chainrule.mvlgamma`).

    Example:
        >>> import chainrule as cr
        >>> cr.special.multigammaln(cr.tensor([2.5]), 2)
        tensor([0.8570])
    """
    return _mf.mvlgamma(input, p)


def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(x)))`` along ``dim``, without overflow (:func:`chainrule.logsumexp`).

    Example:
        >>> import chainrule as cr
        >>> cr.special.logsumexp(cr.tensor([[0.0, 0.0]]), 1)
        tensor([0.6931])
    """
    return _red.logsumexp(input, dim, keepdim)


def softmax(input, dim, *, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim`` (:func:`chainrule.nn.functional.softmax`).

    Example:
        >>> import chainrule as cr
        >>> cr.special.softmax(cr.tensor([0.0, 0.0]), 0)
        tensor([0.5000, 0.5000])
    """
    from chainrule.nn import functional

    return functional.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """``x - logsumexp(x)`` along ``dim`` (:func:`chainrule.nn.functional.log_softmax`).

    Example:
        >>> import chainrule as cr
        >>> cr.special.log_softmax(cr.tensor([0.0, 0.0]), 0)
        tensor([-0.6931, -0.6931])
    """
    from chainrule.nn import functional

    return functional.log_softmax(input, dim, dtype=dtype)
