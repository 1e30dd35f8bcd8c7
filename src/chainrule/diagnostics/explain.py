"""``explain``: the chain rule on a small graph, printed step by step.

For every recorded op, from the output back to the inputs, it prints the upstream gradient
(d output / d op-result), the op's local derivative with respect to each input, and their
product, which is that input's share of the gradient. The totals it ends with are computed by
the same derivative rules that ``backward()`` uses, so they match it exactly.
"""

from __future__ import annotations

import sys

import numpy as np

from chainrule.autograd.engine import Node, _topological_order, sum_to_shape

# The local derivative of each primitive, per input, as a formula in its inputs x, y and its
# result "out". Ops missing here are still explained numerically.
FORMULAS = {
    "add": ("1", "1"), "sub": ("1", "-1"), "mul": ("{y}", "{x}"),
    "div": ("1/{y}", "-{x}/{y}^2"), "pow": ("{y}*{x}^({y}-1)", "{x}^{y}*log({x})"),
    "pow_scalar": ("{p}*{x}^({p}-1)",), "neg": ("-1",), "exp": ("exp({x})",),
    "log": ("1/{x}",), "log1p": ("1/(1+{x})",), "expm1": ("exp({x})",),
    "sqrt": ("1/(2*sqrt({x}))",), "rsqrt": ("-1/2*{x}^(-3/2)",), "reciprocal": ("-1/{x}^2",),
    "abs": ("sign({x})",), "sin": ("cos({x})",), "cos": ("-sin({x})",),
    "tan": ("1+tan({x})^2",), "tanh": ("1-tanh({x})^2",),
    "sigmoid": ("sigmoid({x})*(1-sigmoid({x}))",), "relu": ("1 if {x}>0 else 0",),
    "erf": ("2/sqrt(pi)*exp(-{x}^2)",), "maximum": ("1 if {x}>{y}", "1 if {y}>{x}"),
    "minimum": ("1 if {x}<{y}", "1 if {y}<{x}"), "sum": ("1",), "mean": ("1/n",),
    "clamp": ("1 inside [min, max] else 0",),
}


def _fmt(a) -> str:
    a = np.asarray(a)
    if a.size == 1:
        return f"{a.reshape(()).item():.6g}"
    return np.array2string(a, precision=4, separator=", ", threshold=12)


def explain(output, inputs=None, file=None) -> dict:
    """Print the chain rule, node by node, for the graph behind ``output``; return the
    gradient of ``output`` with respect to every leaf that requires grad.

    Args:
        output: a one-element tensor whose graph is intact (call ``explain`` before
            ``backward()``, or after ``backward(retain_graph=True)``).
        inputs: optional ``{name: tensor}`` to label the leaves (otherwise x0, x1, ...).
        file: where to print (default: standard output).

    Returns:
        ``{name: gradient array}`` for every leaf that requires grad; these equal the
        ``.grad`` that ``output.backward()`` produces.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.diagnostics import explain
        >>> x = cr.tensor(2.0, dtype=cr.float64, requires_grad=True)
        >>> grads = explain((x * x).sin(), {"x": x}, file=open("/dev/null", "w"))
        >>> round(float(grads["x"]), 6)  # cos(x^2) * 2x
        -2.614574
    """
    out_file = file or sys.stdout
    if output.grad_fn is None:
        raise RuntimeError("explain(): output has no graph (does it require grad?)")
    if output._data.size != 1:
        raise RuntimeError(f"explain(): output must have one element, got shape "
                           f"{list(output._data.shape)}")
    order = _topological_order([output.grad_fn])
    for node in order:
        if node.inputs is None:
            raise RuntimeError("explain(): the graph was freed by backward(); call explain() "
                               "before backward(), or use backward(retain_graph=True)")

    names = {}
    for name, t in (inputs or {}).items():
        names[id(t)] = name
    leaf_count = 0
    node_names = {}
    forward = list(reversed(order))
    for i, node in enumerate(forward):
        node_names[node] = f"v{i + 1}"
    node_names[output.grad_fn] = "out"

    def label(edge, tensor):
        nonlocal leaf_count
        if edge.__class__ is Node:
            return node_names[edge]
        key = id(tensor)
        if key not in names:
            names[key] = tensor._name or (f"x{leaf_count}" if tensor._rg else
                                          f"c{leaf_count}")
            leaf_count += 1
        return names[key]

    p = lambda *a: print(*a, file=out_file)  # noqa: E731
    p("Forward pass (each recorded op and its value):")
    for node in forward:
        args = ", ".join(label(e, t) for e, t in zip(node.edges, node.inputs))
        extra = "".join(f", {k}={v}" for k, v in node.params.items()
                        if k in ("exponent", "axis", "base"))
        p(f"  {node_names[node]} = {node.prim.name}({args}{extra}) = {_fmt(node.out)}")

    p("")
    p("Backward pass (chain rule: gradient = upstream gradient x local derivative):")
    p("  d out/d out = 1")
    pending = {output.grad_fn: np.ones(output._data.shape, output._data.dtype)}
    leaf_grads = {}
    for node in order:
        g = pending.pop(node, None)
        if g is None:
            continue
        args = [t._data for t in node.inputs]
        me = node_names[node]
        formulas = FORMULAS.get(node.prim.name, ())
        for i, (e, t) in enumerate(zip(node.edges, node.inputs)):
            if not node.needs[i]:
                continue
            rule = node.prim.vjps[i]
            contribution = rule(g, node.out, *args, **node.params)
            if contribution is None:
                continue
            contribution = np.asarray(contribution)
            if contribution.shape != t._data.shape:
                contribution = sum_to_shape(contribution, t._data.shape)
            contribution = contribution.astype(t._data.dtype, copy=False)
            who = label(e, t)
            formula = formulas[i] if i < len(formulas) else None
            if formula:
                operands = [label(ee, tt) for ee, tt in zip(node.edges, node.inputs)]
                formula = formula.format(x=operands[0], y=operands[-1],
                                         p=node.params.get("exponent", "p"))
            if g.size == 1 and contribution.size == 1 and g.reshape(()).item() != 0:
                local = contribution.reshape(()).item() / g.reshape(()).item()
                ftxt = f" [{formula}]" if formula else ""
                p(f"  d out/d {who} += (d out/d {me}) x (d {me}/d {who}) = {_fmt(g)} x "
                  f"{local:.6g}{ftxt} = {_fmt(contribution)}")
            else:
                p(f"  d out/d {who} += vjp of {node.prim.name} with upstream {_fmt(g)} = "
                  f"{_fmt(contribution)}")
            if e.__class__ is Node:
                pending[e] = pending[e] + contribution if e in pending else contribution
            else:
                key = id(t)
                prev = leaf_grads.get(key)
                leaf_grads[key] = (t, contribution if prev is None else prev[1] + contribution)
    p("")
    p("Gradients of the output with respect to the inputs:")
    result = {}
    for key, (_, grad) in leaf_grads.items():
        name = names[key]
        result[name] = grad
        p(f"  d out/d {name} = {_fmt(grad)}")
    return result
