"""Skip connections: the gradient reaching a shared input is the sum over the paths.

A residual block computes ``h = z + F(z)``: the input ``z`` reaches ``h`` along two paths,
the identity (the skip) and the branch ``F``. The multivariable chain rule says the gradient
arriving at ``z`` is the sum of what each path delivers:

    dL/dz = dL/dh * (d skip/dz + dF/dz) = dL/dh  +  dL/dh * F'(z).

The example measures each path separately with ``chainrule.autograd.grad`` (the other path's
input is ``detach()``-ed, so no gradient flows along it), and checks that the two add up to
the total gradient, and that the skip path passes ``dL/dh`` through unchanged. It then shows
why this matters: through a deep stack of plain tanh layers the input gradient shrinks layer
by layer, through the same stack with skips it does not.
"""

from __future__ import annotations

import os

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.examples import write_metrics

NAME = "skip-connections"
DESCRIPTION = "a residual block: the gradient at the shared input is the sum over both paths"
ORDER = 3

TOLERANCE = 1e-12
PATHS = ("both", "skip", "branch")


class ResidualBlock(nn.Module):
    """``h = z + F(z)`` with ``F = Linear -> tanh -> Linear``.

    ``forward(z, through=...)`` can cut one of the two paths for the gradient (the values
    are the same): ``"skip"`` detaches the branch's input, ``"branch"`` the skip's.
    """

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden, dtype=cr.float64)
        self.fc2 = nn.Linear(hidden, dim, dtype=cr.float64)

    def branch(self, z):
        return self.fc2(cr.tanh(self.fc1(z)))

    def forward(self, z, through: str = "both"):
        if through not in PATHS:
            raise ValueError(f"through must be one of {PATHS}, got {through!r}")
        skip_in = z if through in ("both", "skip") else z.detach()
        branch_in = z if through in ("both", "branch") else z.detach()
        return skip_in + self.branch(branch_in)


class SkipNet(nn.Module):
    """stem -> residual block -> head: the stem's output ``z`` is the shared input."""

    def __init__(self, n_in: int = 4, dim: int = 8, hidden: int = 16):
        super().__init__()
        self.stem = nn.Linear(n_in, dim, dtype=cr.float64)
        self.block = ResidualBlock(dim, hidden)
        self.head = nn.Linear(dim, 1, dtype=cr.float64)

    def forward(self, x, through: str = "both", return_z: bool = False):
        z = cr.tanh(self.stem(x))
        out = self.head(cr.relu(self.block(z, through)))
        return (out, z) if return_z else out


def _depth_norms(depths, width, seed, batch):
    """Input-gradient norm through a stack of plain vs residual tanh layers, per depth."""
    result = {"plain": [], "residual": []}
    for kind in result:
        for depth in depths:
            cr.manual_seed(seed)
            layers = [nn.Linear(width, width, dtype=cr.float64) for _ in range(depth)]
            x = cr.randn(batch, width, dtype=cr.float64, requires_grad=True)
            z = x
            for layer in layers:
                z = z + cr.tanh(layer(z)) if kind == "residual" else cr.tanh(layer(z))
            (g,) = cr.autograd.grad(z.sum(), x)
            result[kind].append(float(np.linalg.norm(g.numpy()) / np.sqrt(batch)))
    return result


def _plot(path, parts, depths, norms):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4.4))
    ax1, ax2 = fig.subplots(1, 2)
    skip, branch, total = parts["skip"], parts["branch"], parts["both"]
    idx = np.arange(len(total))
    w = 0.27
    ax1.bar(idx - w, skip, w, label="via the skip (identity)")
    ax1.bar(idx, branch, w, label="via the branch F")
    ax1.bar(idx + w, total, w, label="total (both paths)", color="black", alpha=0.75)
    ax1.plot(idx + w, skip + branch, "o", mfc="none", mec="C3", ms=9,
             label="skip + branch")
    ax1.axhline(0, color="grey", lw=0.6)
    ax1.set_xticks(idx)
    ax1.set_xticklabels([f"z[{i}]" for i in idx])
    ax1.set_ylabel("dL/dz (first sample)")
    ax1.set_title("Gradient at the shared input z of h = z + F(z)")
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3, axis="y")
    ax2.plot(depths, norms["plain"], "-o", label="plain: z <- tanh(W z + b)")
    ax2.plot(depths, norms["residual"], "-s", label="residual: z <- z + tanh(W z + b)")
    ax2.set_xscale("log", base=2)
    ax2.set_yscale("log")
    ax2.set_xlabel("number of layers")
    ax2.set_ylabel("|dL/dx| at the input (per sample)")
    ax2.set_title("Why skips help: gradient reaching the input")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def main(args) -> dict:
    """Split the gradient at a residual block's input into its two paths and add them up.

    Args:
        args: ``seed`` (weights and data), ``quick`` (shallower depth sweep), ``out``
            (``skip_connections.png``, ``metrics.json``); ``epochs`` and ``data`` unused.
    """
    os.makedirs(args.out, exist_ok=True)
    cr.manual_seed(args.seed)
    model = SkipNet()
    x = cr.randn(16, 4, dtype=cr.float64)
    target = cr.randn(16, 1, dtype=cr.float64)

    def loss_through(path):
        out, z = model(x, path, return_z=True)
        return ((out - target) ** 2).mean(), z

    # dL/dz along each path, each from its own graph (same values, one path cut).
    grads, param_grads = {}, {}
    for path in PATHS:
        loss, z = loss_through(path)
        gz, gw = cr.autograd.grad(loss, [z, model.stem.weight])
        grads[path], param_grads[path] = gz.numpy(), gw.numpy()
    # The upstream gradient dL/dh, which the identity path should hand on unchanged.
    z = cr.tanh(model.stem(x))
    h = model.block(z)
    loss = ((model.head(cr.relu(h)) - target) ** 2).mean()
    (upstream,) = cr.autograd.grad(loss, h)

    diff = float(np.max(np.abs(grads["skip"] + grads["branch"] - grads["both"])))
    diff_w = float(np.max(np.abs(param_grads["skip"] + param_grads["branch"]
                                 - param_grads["both"])))
    skip_diff = float(np.max(np.abs(grads["skip"] - upstream.numpy())))
    print("Residual block h = z + F(z); z = tanh(stem(x)) feeds both paths.\n")
    print("dL/dz for the first sample, path by path (from chainrule.autograd.grad):")
    def fmt(a):
        return " ".join(f"{v:+.5f}" for v in a)

    for path, label in (("skip", "skip path"), ("branch", "branch F"), ("both", "total")):
        print(f"  {label:>11}: {fmt(grads[path][0])}")
    print(f"  {'skip+branch':>11}: {fmt((grads['skip'] + grads['branch'])[0])}")
    print(f"\nmax |skip + branch - total| at z:              {diff:.3e}")
    print(f"max |skip + branch - total| at stem.weight:    {diff_w:.3e}  "
          "(the split carries on to everything before z)")
    print(f"max |skip-path gradient - dL/dh|:              {skip_diff:.3e}  "
          "(the identity passes the gradient on unchanged)")
    sums_ok = diff <= TOLERANCE and diff_w <= TOLERANCE
    print(f"sum over paths equals the total: {'OK' if sums_ok else 'MISMATCH'} "
          f"(tolerance {TOLERANCE:g})")

    depths = [1, 2, 4, 8, 16] if args.quick else [1, 2, 4, 8, 16, 32, 64]
    norms = _depth_norms(depths, width=32, seed=args.seed, batch=64)
    print("\ngradient norm reaching the input of a stack of tanh layers (default init):")
    print(f"  {'layers':>6}  {'plain':>10}  {'residual':>10}")
    for d, p, r in zip(depths, norms["plain"], norms["residual"]):
        print(f"  {d:>6}  {p:>10.3e}  {r:>10.3e}")
    picture = _plot(os.path.join(args.out, "skip_connections.png"),
                    {k: v[0] for k, v in grads.items()}, depths, norms)
    print(f"picture: {picture}")
    metrics = {
        "max_abs_diff": diff,
        "max_abs_diff_stem_weight": diff_w,
        "sum_matches": sums_ok,
        "skip_passes_upstream_unchanged": skip_diff <= TOLERANCE,
        "norm_total": float(np.linalg.norm(grads["both"])),
        "norm_skip": float(np.linalg.norm(grads["skip"])),
        "norm_branch": float(np.linalg.norm(grads["branch"])),
        "depths": depths,
        "input_grad_norm_plain": norms["plain"],
        "input_grad_norm_residual": norms["residual"],
        "residual_keeps_gradient": norms["residual"][-1] > 10 * norms["plain"][-1],
    }
    write_metrics(args.out, metrics)
    return metrics
