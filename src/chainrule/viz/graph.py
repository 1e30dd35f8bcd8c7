"""``draw_graph``: the computational graph behind a tensor, drawn with graphviz."""

from __future__ import annotations

import numpy as np

from chainrule.autograd.engine import Node


def _short(a: np.ndarray) -> str:
    if a.size <= 4:
        return np.array2string(a.reshape(-1) if a.ndim > 1 else a, precision=3,
                               separator=", ")
    return f"|.|={float(np.linalg.norm(a.astype(np.float64))):.3g}"


def draw_graph(tensor, params=None, path=None, format: str = "svg",  # noqa: A002
               show_values: bool = True):
    """Draw the graph of ops that produced ``tensor``.

    Ops appear as boxes (PyTorch-style names such as ``MulBackward``, with their output
    shape); leaves that require grad as ellipses with their name, shape, value and, after
    ``backward()``, their gradient. Arrows follow the forward data flow; gradients flow
    against them.

    Args:
        tensor: the output whose history to draw.
        params: optional ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) to
            label leaves.
        path: if given, the DOT text is written to ``path + ".dot"`` and, when the graphviz
            ``dot`` program is installed, rendered to ``path + "." + format``.
        format: ``"svg"`` or ``"png"`` for the rendered file.
        show_values: print small values and gradients in the leaf labels.

    Returns:
        A ``graphviz.Digraph``; its ``.source`` is the DOT text.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.viz import draw_graph
        >>> x = cr.tensor(2.0, requires_grad=True)
        >>> dot = draw_graph((x * x).sin(), {"x": x})
        >>> "SinBackward" in dot.source and "MulBackward" in dot.source
        True
    """
    import graphviz

    names = {id(t): n for n, t in (params or {}).items()}
    dot = graphviz.Digraph("chainrule", graph_attr={"rankdir": "BT", "fontsize": "10"},
                           node_attr={"fontsize": "10", "fontname": "Helvetica"})
    out_id = "output"
    label = f"output\n{tuple(tensor.shape)}"
    if show_values:
        label += f"\n{_short(tensor._data)}"
    dot.node(out_id, label, shape="ellipse", style="filled", fillcolor="#d9ead3")
    root = tensor.grad_fn
    if root is None:
        return _finish(dot, path, format)
    seen = {}
    count = 0

    def node_id(n):
        nonlocal count
        if n not in seen:
            count += 1
            seen[n] = f"op{count}"
            shape = tuple(n.shape) if n.shape is not None else ()
            dot.node(seen[n], f"{n.name()}\n{shape}", shape="box", style="filled",
                     fillcolor="#fff2cc")
        return seen[n]

    leaf_ids = {}

    def leaf_id(t):
        key = id(t)
        if key not in leaf_ids:
            leaf_ids[key] = f"leaf{len(leaf_ids) + 1}"
            text = names.get(key) or t._name or f"x{len(leaf_ids)}"
            text += f"\n{tuple(t.shape)}"
            if show_values:
                text += f"\nvalue {_short(t._data)}"
                if t.grad is not None:
                    text += f"\ngrad {_short(t.grad._data)}"
            dot.node(leaf_ids[key], text, shape="ellipse", style="filled",
                     fillcolor="#cfe2f3")
        return leaf_ids[key]

    dot.edge(node_id(root), out_id)
    stack, visited = [root], {root}
    while stack:
        n = stack.pop()
        me = node_id(n)
        for e in n.edges or ():
            if e is None:
                continue
            if e.__class__ is Node:
                dot.edge(node_id(e), me)
                if e not in visited:
                    visited.add(e)
                    stack.append(e)
            elif e._rg:
                dot.edge(leaf_id(e), me)
    return _finish(dot, path, format)


def _finish(dot, path, format):  # noqa: A002
    if path is not None:
        import graphviz

        path = str(path)
        with open(path + ".dot", "w") as f:
            f.write(dot.source)
        try:
            image = dot.pipe(format=format)
        except graphviz.ExecutableNotFound:
            return dot  # the DOT text is written; rendering needs the graphviz `dot` program
        with open(path + "." + format, "wb") as f:
            f.write(image)
    return dot
