"""The chain rule on one composite function: d/dx sin(x^2) at x = pi/4.

With u = x^2 and y = sin(u), the chain rule says

    dy/dx = dy/du * du/dx = cos(u) * 2x = cos(x^2) * 2x.

The engine does exactly this: the forward pass records the two ops, ``backward()`` walks them
from the output to the input multiplying each op's local derivative into the upstream
gradient. ``explain`` prints every step of that walk; the result must equal the closed form
to 1e-12 in float64 (a central finite difference is shown as a third, approximate witness).
"""

from __future__ import annotations

import math
import os

import numpy as np

import chainrule as cr
from chainrule.diagnostics import explain
from chainrule.examples import write_metrics

NAME = "chain-rule"
DESCRIPTION = "d/dx sin(x^2) at x = pi/4 through the engine, step by step, vs cos(x^2)*2x"
ORDER = 1

TOLERANCE = 1e-12


def f(x):
    """sin(x^2), on a chainrule tensor or a NumPy array."""
    return (x ** 2).sin() if isinstance(x, cr.Tensor) else np.sin(x ** 2)


def closed_form(x: float) -> float:
    """The derivative worked out by hand with the chain rule."""
    return math.cos(x ** 2) * 2 * x


def _plot(path: str, x0: float, grad: float) -> str:
    from matplotlib.figure import Figure

    xs = np.linspace(-2.2, 2.2, 441)
    t = cr.tensor(xs, dtype=cr.float64, requires_grad=True)
    f(t).sum().backward()  # every f(x_i) depends only on x_i: the gradient is f'(x_i)
    fig = Figure(figsize=(9.5, 4.2))
    ax = fig.subplots()
    ax.plot(xs, f(xs), lw=2, label="f(x) = sin(x^2)")
    ax.plot(xs, t.grad.numpy(), "--", lw=1.6, label="f'(x) from autograd")
    ax.plot(xs, np.cos(xs ** 2) * 2 * xs, ":", color="black", lw=1,
            label="cos(x^2)*2x (by hand)")
    tangent = f(x0) + grad * (xs - x0)
    near = np.abs(xs - x0) < 0.6
    ax.plot(xs[near], tangent[near], color="C3", lw=2, label=f"tangent at pi/4, slope {grad:.4f}")
    ax.plot([x0], [f(x0)], "o", color="C3")
    ax.set_ylim(-4.2, 4.2)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xlabel("x")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title("sin(x^2) and its derivative")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def main(args) -> dict:
    """Differentiate sin(x^2) at pi/4 through the engine and check it against the closed form.

    Args:
        args: has ``out`` (directory for ``function.png``, ``graph.dot``/``graph.png`` and
            ``metrics.json``); ``epochs``, ``seed``, ``quick`` and ``data`` are not used
            (there is nothing random or slow here).
    """
    os.makedirs(args.out, exist_ok=True)
    x0 = math.pi / 4
    print("The chain rule on y = sin(u), u = x^2, at x = pi/4:")
    print("  dy/dx = dy/du * du/dx = cos(x^2) * 2x\n")
    x = cr.tensor(x0, dtype=cr.float64, requires_grad=True)
    y = f(x)
    steps = explain(y, {"x": x})
    y.backward()
    engine = float(x.grad.item())
    by_hand = closed_form(x0)
    h = 1e-6
    finite = (math.sin((x0 + h) ** 2) - math.sin((x0 - h) ** 2)) / (2 * h)
    diff = abs(engine - by_hand)
    print("\n(x^2 is recorded as mul(x, x): x feeds both inputs, so it gets two "
          "contributions, which the engine adds.)")
    print(f"\nengine (backward):      {engine:.17g}")
    print(f"by hand cos(x^2)*2x:    {by_hand:.17g}")
    print(f"finite difference:      {finite:.17g}   (h = {h:g}, approximate)")
    ok = diff <= TOLERANCE
    print(f"|engine - by hand| = {diff:.3g}  ->  {'OK' if ok else 'MISMATCH'} "
          f"(tolerance {TOLERANCE:g})")

    picture = _plot(os.path.join(args.out, "function.png"), x0, engine)
    graph_file = None
    try:
        import graphviz

        from chainrule.viz import draw_graph

        dot = draw_graph(y, {"x": x})  # drawn after backward: the leaf shows its gradient
        graph_file = os.path.join(args.out, "graph.dot")
        with open(graph_file, "w") as fh:
            fh.write(dot.source)
        try:
            png = dot.pipe(format="png")
        except graphviz.ExecutableNotFound:
            print("(graphviz's `dot` program is not installed: the graph is saved as DOT text)")
        else:
            graph_file = os.path.join(args.out, "graph.png")
            with open(graph_file, "wb") as fh:
                fh.write(png)
        print(f"graph of the computation: {graph_file}")
    except ImportError:
        print("(install graphviz to draw the graph: pip install graphviz)")
    print(f"picture: {picture}")

    metrics = {
        "x": x0,
        "engine_grad": engine,
        "closed_form": by_hand,
        "finite_difference": finite,
        "abs_diff": diff,
        "matches": ok,
        "explain_matches_backward": float(steps["x"]) == engine,
        "graph_file": graph_file,
    }
    write_metrics(args.out, metrics)
    return metrics
