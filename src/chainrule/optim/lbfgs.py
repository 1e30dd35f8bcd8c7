"""L-BFGS: a limited-memory quasi-Newton method, with an optional strong-Wolfe line search.

All parameters are treated as one flat vector (their concatenation). Scalars derived from
that vector (dot products, step lengths, the curvature pairs' ``1 / y.s``) are NumPy scalars
of the parameters' dtype, so that float32 problems round as PyTorch's 0-d float32 tensors
do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from copy import deepcopy

import numpy as np

from chainrule.autograd.grad_mode import enable_grad
from chainrule.optim.optimizer import Optimizer, _as_array, _check_nonnegative
from chainrule.tensor import Tensor

# State entries holding the direction / gradient vectors (Tensors in the state, arrays
# while stepping), alone or in lists.
_VECTOR_KEYS = ("d", "prev_flat_grad")
_VECTOR_LIST_KEYS = ("old_dirs", "old_stps")


def _cubic_minimizer(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic through ``(x1, f1)`` and ``(x2, f2)`` with slopes ``g1``,
    ``g2``, clamped to ``bounds`` (default: the interval between the two points); the
    middle of the bounds when the cubic has no real minimizer."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    # With d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2) and d2 = sqrt(d1^2 - g1 g2), the
    # minimizer measured from the right end point xr (slope gr) toward the left xl is
    # xr - (xr - xl) (gr + d2 - d1) / (gr - gl + 2 d2).
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1**2 - g1 * g2
    if not disc >= 0:  # no real minimizer (or NaN)
        return (lo + hi) / 2.0
    d2 = np.sqrt(disc)
    if x1 <= x2:
        pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(pos, lo), hi)


def _strong_wolfe(evaluate: Callable, t, d: np.ndarray, f: float, g: np.ndarray, gtd,
                  c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                  max_ls: int = 25):
    """Line search along ``d`` from the current point (loss ``f``, gradient ``g``,
    directional derivative ``gtd``) for a step satisfying the strong Wolfe conditions,
    starting from step ``t``. ``evaluate(t)`` returns ``(loss, flat_grad)`` at
    ``x + t d``. Returns ``(loss, flat_grad, t, evaluations)`` of the accepted step.

    First a bracketing phase widens the step (cubic extrapolation) until an interval is
    known to hold an acceptable step; then a zoom phase shrinks the interval by cubic
    interpolation, moving a trial that falls too close to an end point inward.
    """
    d_norm = np.abs(d).max()
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = g_new.dot(d)

    # each bracket end: [step, loss, gradient, directional derivative]
    prev = [0, f, g.copy(), gtd]
    done = False
    ls_iter = 0
    bracket = None
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= prev[1]):
            bracket = [prev, [t, f_new, g_new.copy(), gtd_new]]  # sufficient decrease fails
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket = [[t, f_new, g_new, gtd_new]]  # both conditions hold
            done = True
            break
        if gtd_new >= 0:
            bracket = [prev, [t, f_new, g_new.copy(), gtd_new]]  # slope turned upward
            break
        # extrapolate: a cubic step, at least 1% past t and at most 10 t
        t_next = _cubic_minimizer(prev[0], prev[1], prev[3], t, f_new, gtd_new,
                                  bounds=(t + 0.01 * (t - prev[0]), t * 10))
        prev = [t, f_new, g_new.copy(), gtd_new]
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

    if ls_iter >= max_ls:  # out of evaluations while bracketing
        bracket = [[0, f, g, None], [t, f_new, g_new, None]]

    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    stuck = False  # the previous trial was also pushed in from an end point
    while not done and ls_iter < max_ls:
        a, b = bracket[0][0], bracket[1][0]
        if abs(b - a) * d_norm < tolerance_change:
            break
        t = _cubic_minimizer(a, bracket[0][1], bracket[0][3], b, bracket[1][1],
                             bracket[1][3])
        top, bottom = max(a, b), min(a, b)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            if stuck or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                stuck = False
            else:
                stuck = True
        else:
            stuck = False

        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

        if f_new > f + c1 * t * gtd or f_new >= bracket[low][1]:
            # no sufficient decrease, or not below the low end: t becomes the high end
            bracket[high] = [t, f_new, g_new.copy(), gtd_new]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]  # the old low end becomes the high end
            bracket[low] = [t, f_new, g_new.copy(), gtd_new]

    t, f_new, g_new, _ = bracket[low]
    return f_new, g_new, t, evals


class LBFGS(Optimizer):
    r"""L-BFGS, as ``torch.optim.LBFGS`` (Nocedal, 1980; after Schmidt's minFunc).

    Each ``step(closure)`` runs up to ``max_iter`` quasi-Newton iterations on the
    concatenation :math:`x` of all parameters, calling ``closure`` (which must zero the
    gradients, compute the loss, call ``backward()`` and return the loss) whenever it needs
    the loss and gradient :math:`g`. The direction :math:`d = -H g` applies the inverse
    Hessian estimate :math:`H` built by the two-loop recursion from the last
    ``history_size`` pairs :math:`s = x_{k+1} - x_k`, :math:`y = g_{k+1} - g_k` (a pair is
    kept only when :math:`y^\top s > 10^{-10}`), with initial scaling
    :math:`y^\top s / y^\top y`. The first direction is :math:`-g` with step
    :math:`\gamma \min(1, 1 / \lVert g \rVert_1)`; later steps start from :math:`\gamma`.
    Without a line search the step is taken as is; with ``line_search_fn="strong_wolfe"``
    it is searched for by bracketing and cubic interpolation until the strong Wolfe
    conditions (:math:`c_1 = 10^{-4}`, :math:`c_2 = 0.9`) hold.

    A step stops early when :math:`\max|g| \le` ``tolerance_grad``, when the directional
    derivative :math:`g^\top d > -` ``tolerance_change``, when the move
    :math:`\max|t\,d|` or the loss change falls to ``tolerance_change``, or when
    ``max_eval`` closure evaluations are spent. The quasi-Newton memory is kept across
    steps in the state of the first parameter (entries ``d``, ``t``, ``old_dirs``,
    ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``, ``al``,
    ``func_evals``, ``n_iter``, named as in PyTorch so its state dicts load).

    Only one parameter group is supported. Memory use is about ``history_size + 1`` times
    the parameters' size.

    Args:
        params: tensors to optimize (one group).
        lr: step length multiplier (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: closure evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient entry is at most this (1e-7).
        tolerance_change: stop when the loss or the parameters change less (1e-9).
        history_size: number of curvature pairs kept (default 100).
        line_search_fn: ``None`` (fixed step) or ``"strong_wolfe"``.

    Example:
        >>> import chainrule as cr
        >>> w = cr.tensor([0.0, 0.0], requires_grad=True)
        >>> target = cr.tensor([1.0, -3.0])
        >>> opt = cr.optim.LBFGS([w], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = ((w - target) ** 2).sum()
        ...     loss.backward()
        ...     return loss
        >>> loss = opt.step(closure)
        >>> [round(x, 4) for x in w.tolist()]
        [1.0, -3.0]
    """

    def __init__(self, params: Iterable, lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        _check_nonnegative(lr=lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    # ------------------------------------------------------------------ flat vectors
    def _gather_flat_grad(self) -> np.ndarray:
        """The gradients of all parameters as one new vector (zeros where there is none)."""
        return np.concatenate([np.zeros(p._data.size, p._data.dtype) if p.grad is None
                               else p.grad._data.reshape(-1) for p in self._params])

    def _add_grad(self, t, d: np.ndarray) -> None:
        """``x += t * d`` on the parameters, in place."""
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data += (t * d[offset:offset + n]).reshape(p._data.shape)
            p._version += 1
            offset += n

    def _set_params(self, values: list[np.ndarray]) -> None:
        for p, v in zip(self._params, values):
            np.copyto(p._data, v)
            p._version += 1

    # ------------------------------------------------------------------ step
    def step(self, closure: Callable):  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` is required. Returns the
        loss of the first ``closure()`` call (before the parameters moved)."""
        if len(self.param_groups) != 1:
            raise AssertionError(
                f"Expected exactly one param_group, but got {len(self.param_groups)}")
        group = self.param_groups[0]
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")
        lr = float(group["lr"])
        max_iter = group["max_iter"]
        max_eval = group["max_eval"]
        tolerance_grad = group["tolerance_grad"]
        tolerance_change = group["tolerance_change"]
        history_size = group["history_size"]
        self._opt_called = True

        def evaluate():
            with enable_grad():
                return closure()

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = evaluate()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d = _unwrap(state.get("d"))
        t = state.get("t")
        old_dirs = [_unwrap(v) for v in state.get("old_dirs") or []]
        old_stps = [_unwrap(v) for v in state.get("old_stps") or []]
        ro = state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad = _unwrap(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # ---- direction
            if state["n_iter"] == 1:
                d = np.negative(flat_grad)
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only under positive curvature
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                # two-loop recursion: d = -H g
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                q = np.negative(flat_grad)
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q -= al[i] * old_dirs[i]
                d = q * h_diag
                for i in range(len(old_dirs)):
                    beta = old_dirs[i].dot(d) * ro[i]
                    d += (al[i] - beta) * old_stps[i]

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                np.copyto(prev_flat_grad, flat_grad)
            prev_loss = loss

            # ---- step length
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction (any more)
                break

            ls_evals = 0
            if group["line_search_fn"] is not None:
                x_init = [p._data.copy() for p in self._params]

                def along(step, _x=x_init, _d=d):
                    # loss and gradient at x_init + step * d, parameters restored after
                    self._add_grad(step, _d)
                    f_step = float(evaluate())
                    g_step = self._gather_flat_grad()
                    self._set_params(_x)
                    return f_step, g_step

                loss, flat_grad, t, ls_evals = _strong_wolfe(
                    along, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    # re-evaluate (not after the last iteration: the next step will)
                    loss = float(evaluate())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_evals = 1
            current_evals += ls_evals
            state["func_evals"] += ls_evals

            # ---- stopping tests
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = _wrap(d)
        state["t"] = t
        state["old_dirs"] = [_wrap(v) for v in old_dirs]
        state["old_stps"] = [_wrap(v) for v in old_stps]
        state["ro"] = ro
        state["H_diag"] = h_diag
        state["prev_flat_grad"] = _wrap(prev_flat_grad)
        state["prev_loss"] = prev_loss
        return orig_loss

    # ------------------------------------------------------------------ state_dict
    def _load_value(self, param: Tensor, key: str, value):
        # Vectors become Tensors of the parameter's dtype; 0-d values (PyTorch keeps ``t``,
        # ``ro``, ``H_diag``, ``al`` as 0-d tensors) NumPy scalars of that dtype.
        if isinstance(value, (list, tuple)):
            return type(value)(self._load_value(param, key, v) for v in value)
        arr = _as_array(value)
        if arr is None:
            return deepcopy(value)
        if arr.ndim == 0:
            if arr.dtype.kind == "f":
                return param._data.dtype.type(arr)
            return arr.item()
        return super()._load_value(param, key, value)


def _unwrap(value):
    return value._data if isinstance(value, Tensor) else value


def _wrap(value):
    return Tensor._wrap(value) if isinstance(value, np.ndarray) else value
