"""Vanishing and exploding gradients in a 20-layer network, and the standard remedies.

Backpropagation multiplies one Jacobian per layer. Through a sigmoid layer that factor is at
most 0.25 times the weight scale, so after 20 layers the gradient reaching the first layer is
many orders of magnitude smaller than at the last: the early layers do not learn. Three
networks of 20 linear layers are compared at initialization, on the same batch, with
:class:`chainrule.diagnostics.GradientMonitor` measuring each layer's gradient norm:

1. sigmoid activations, PyTorch's default initialization: the gradient vanishes;
2. ReLU activations with He (Kaiming) initialization, which keeps the signal's variance
   constant from layer to layer: the gradient keeps its size;
3. a residual network with LayerNorm (``h <- h + Linear(relu(LayerNorm(h)))``): the skip
   connections give the gradient a path around every layer.

The other failure, exploding gradients, is staged with a ReLU network whose weights are 1.2
times too large; ``clip_grad_norm_`` (rescale, direction kept) and ``clip_grad_value_``
(clamp each entry, direction changed) bound the update, and a few SGD steps show training
blow up without clipping and proceed with it.
"""

from __future__ import annotations

import math
import os

import numpy as np

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.diagnostics import GradientMonitor
from chainrule.examples import write_metrics

NAME = "vanishing-gradients"
DESCRIPTION = "20 layers: sigmoid vs ReLU+He vs residual+LayerNorm gradient norms; clipping"
ORDER = 4

DEPTH = 20  # linear layers in each network
LR = 0.05  # for the clipping demo: diverges without clipping
EXPLODING_GAIN = 1.2  # He init x 1.2 per layer: about 1.2^20 = 38 times too large a signal


def sigmoid_mlp(n_in: int, width: int, n_out: int, depth: int = DEPTH) -> nn.Sequential:
    """``depth`` Linear layers with sigmoids between them, default initialization."""
    sizes = [n_in] + [width] * (depth - 1) + [n_out]
    layers = []
    for i in range(depth):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < depth - 1:
            layers.append(nn.Sigmoid())
    return nn.Sequential(*layers)


def relu_he_mlp(n_in: int, width: int, n_out: int, depth: int = DEPTH,
                gain: float = 1.0) -> nn.Sequential:
    """``depth`` Linear layers with ReLUs, He-initialized (``kaiming_normal_``), zero biases;
    ``gain`` > 1 scales the weights up to make the gradients explode."""
    sizes = [n_in] + [width] * (depth - 1) + [n_out]
    layers = []
    for i in range(depth):
        linear = nn.Linear(sizes[i], sizes[i + 1])
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        nn.init.zeros_(linear.bias)
        if gain != 1.0:
            with cr.no_grad():
                linear.weight.mul_(gain)
        layers.append(linear)
        if i < depth - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    """Pre-norm residual block ``h + Linear(relu(LayerNorm(h)))``."""

    def __init__(self, width: int):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.fc = nn.Linear(width, width)

    def forward(self, h):
        return h + self.fc(F.relu(self.norm(h)))


class ResidualMLP(nn.Module):
    """stem Linear, ``depth - 2`` residual blocks (one Linear each), head Linear."""

    def __init__(self, n_in: int, width: int, n_out: int, depth: int = DEPTH):
        super().__init__()
        self.stem = nn.Linear(n_in, width)
        self.blocks = nn.Sequential(*[ResidualBlock(width) for _ in range(depth - 2)])
        self.head = nn.Linear(width, n_out)

    def forward(self, x):
        return self.head(F.relu(self.blocks(self.stem(x))))


def _linear_names(model) -> list[str]:
    return [name for name, m in model.named_modules() if isinstance(m, nn.Linear)]


def layer_gradient_norms(model, x, y, flagged: list | None = None) -> list[float]:
    """One backward pass on ``(x, y)``; the gradient norm of each Linear layer, first to
    last, as :class:`GradientMonitor` measures it. The numbers (from 1) of the layers the
    monitor flags as vanishing are appended to ``flagged`` when given."""
    monitor = GradientMonitor(model)
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    monitor.record()
    latest = monitor.latest()
    names = _linear_names(model)
    if flagged is not None:
        vanishing = set(monitor.vanishing_layers())
        flagged.extend(i + 1 for i, name in enumerate(names) if name in vanishing)
    return [latest[name] for name in names]


def _grads(model) -> np.ndarray:
    return np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])


def _clipping_demo(x, y, seed, steps, lr):
    """Gradients of an exploding ReLU net, clipped by norm and by value; short training runs."""
    cr.manual_seed(seed)
    net = relu_he_mlp(x.shape[1], 64, 10, gain=EXPLODING_GAIN)
    state = {k: v.clone() for k, v in net.state_dict().items()}
    model_params = list(net.parameters())
    raw = layer_gradient_norms(net, x, y)
    g_raw = _grads(net)
    total_before = float(nn.utils.clip_grad_norm_(model_params, max_norm=1.0))
    by_norm_layers = [float(np.linalg.norm(np.concatenate(
        [p.grad.numpy().ravel() for p in m.parameters()])))
        for m in (dict(net.named_modules())[n] for n in _linear_names(net))]
    g_norm = _grads(net)
    layer_gradient_norms(net, x, y)  # fresh gradients for the value clipping
    nn.utils.clip_grad_value_(model_params, clip_value=0.01)
    g_value = _grads(net)
    by_value_layers = [float(np.linalg.norm(np.concatenate(
        [p.grad.numpy().ravel() for p in m.parameters()])))
        for m in (dict(net.named_modules())[n] for n in _linear_names(net))]

    def cosine(a, b):
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    runs = {}
    for mode in ("none", "norm", "value"):
        net.load_state_dict(state)
        opt = cr.optim.SGD(net.parameters(), lr=lr)
        losses = []
        with np.errstate(over="ignore", invalid="ignore"):  # the unclipped run overflows
            for _ in range(steps):
                opt.zero_grad()
                loss = F.cross_entropy(net(x), y)
                losses.append(float(loss.item()))
                if not math.isfinite(losses[-1]):
                    break
                loss.backward()
                if mode == "norm":
                    nn.utils.clip_grad_norm_(net.parameters(), max_norm=1.0)
                elif mode == "value":
                    nn.utils.clip_grad_value_(net.parameters(), clip_value=0.01)
                opt.step()
        runs[mode] = losses
    return {
        "raw_layers": raw, "by_norm_layers": by_norm_layers, "by_value_layers": by_value_layers,
        "total_norm_before": total_before,
        "total_norm_after_norm_clip": float(np.linalg.norm(g_norm)),
        "max_abs_after_value_clip": float(np.max(np.abs(g_value))),
        "cosine_norm_clip": cosine(g_raw, g_norm), "cosine_value_clip": cosine(g_raw, g_value),
        "runs": runs,
    }


def _plot(path, norms, clip):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(15, 4.6))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    for (label, values), marker in zip(norms.items(), "os^"):
        ax1.plot(range(1, len(values) + 1), values, "-" + marker, ms=4, label=label)
    ax1.set_yscale("log")
    ax1.set_xlabel("layer (1 = next to the input)")
    ax1.set_ylabel("gradient 2-norm of the layer")
    ax1.set_title(f"{DEPTH}-layer networks at initialization")
    ax1.set_xticks(range(1, DEPTH + 1, 2))
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=8)
    layers = range(1, len(clip["raw_layers"]) + 1)
    ax2.plot(layers, clip["raw_layers"], "-o", ms=4, color="C3", label="raw (exploding)")
    ax2.plot(layers, clip["by_norm_layers"], "-s", ms=4, color="C0",
             label="clip_grad_norm_(max_norm=1)")
    ax2.plot(layers, clip["by_value_layers"], "-^", ms=4, color="C2",
             label="clip_grad_value_(clip_value=0.01)")
    ax2.set_yscale("log")
    ax2.set_xlabel("layer")
    ax2.set_ylabel("gradient 2-norm of the layer")
    ax2.set_title(f"ReLU net, He init x{EXPLODING_GAIN}: clipping")
    ax2.set_xticks(range(1, DEPTH + 1, 2))
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    for (mode, losses), color in zip(clip["runs"].items(), ("C3", "C0", "C2")):
        shown = [v if math.isfinite(v) else np.nan for v in losses]
        label = {"none": "no clipping", "norm": "clip by norm", "value": "clip by value"}[mode]
        if len(losses) and not math.isfinite(losses[-1]):
            label += f" (not finite at step {len(losses) - 1})"
        ax3.plot(range(len(shown)), shown, "-o", ms=3, color=color, label=label)
    ax3.set_yscale("log")
    ax3.set_xlabel("SGD step")
    ax3.set_ylabel("training loss")
    ax3.set_title("Training the exploding net")
    ax3.grid(alpha=0.3)
    ax3.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def main(args) -> dict:
    """Compare per-layer gradient norms of three 20-layer networks; demonstrate clipping.

    Args:
        args: ``seed`` (weights and the random batch), ``quick`` (fewer training steps in the
            clipping demo), ``epochs`` (those steps; default 30, 10 with ``quick``),
            ``out`` (``gradient_norms.png``, ``metrics.json``); ``data`` unused.
    """
    os.makedirs(args.out, exist_ok=True)
    cr.manual_seed(args.seed)
    n_in, width, n_out, batch = 32, 64, 10, 128
    x = cr.randn(batch, n_in)
    y = cr.randint(0, n_out, (batch,))
    builders = {
        "sigmoid, default init": lambda: sigmoid_mlp(n_in, width, n_out),
        "ReLU, He init": lambda: relu_he_mlp(n_in, width, n_out),
        "residual + LayerNorm": lambda: ResidualMLP(n_in, width, n_out),
    }
    keys = {"sigmoid, default init": "sigmoid", "ReLU, He init": "relu_he",
            "residual + LayerNorm": "residual_layernorm"}
    norms, flagged = {}, {}
    for label, build in builders.items():
        cr.manual_seed(args.seed + 1)
        flagged[label] = []
        norms[label] = layer_gradient_norms(build(), x, y, flagged[label])
    print(f"Gradient norm of each of the {DEPTH} linear layers at initialization "
          "(one batch, cross-entropy):\n")
    print("  layer " + "".join(f"{label:>24}" for label in norms))
    for i in range(DEPTH):
        print(f"  {i + 1:>5} " + "".join(f"{values[i]:>24.3e}" for values in norms.values()))
    ratios = {keys[label]: values[0] / values[-1] for label, values in norms.items()}
    print("\nlayers GradientMonitor flags as vanishing (norm below 1e-6):")
    for label, layers in flagged.items():
        print(f"  {label:<24} {', '.join(map(str, layers)) or 'none'}")
    print("\nfirst-layer / last-layer gradient norm:")
    for label in norms:
        r = ratios[keys[label]]
        print(f"  {label:<24} {r:.3e}   (10^{math.log10(r):+.1f})")

    steps = args.epochs or (10 if args.quick else 30)
    clip = _clipping_demo(x, y, args.seed + 2, steps=steps, lr=LR)
    print(f"\nExploding gradients: a {DEPTH}-layer ReLU net with He init times {EXPLODING_GAIN}")
    print(f"  total gradient norm:                   {clip['total_norm_before']:.3e}")
    print(f"  after clip_grad_norm_(max_norm=1):     {clip['total_norm_after_norm_clip']:.4f}"
          f"   cosine with the raw gradient {clip['cosine_norm_clip']:.6f} (direction kept)")
    print(f"  after clip_grad_value_(0.01): max |g| {clip['max_abs_after_value_clip']:.4f}"
          f"   cosine with the raw gradient {clip['cosine_value_clip']:.4f} (direction changed)")
    print(f"  {steps} SGD steps (lr {LR}), training loss from {clip['runs']['norm'][0]:.4g} to:")
    final = {}
    for mode, losses in clip["runs"].items():
        final[mode] = losses[-1] if losses else math.nan
        note = "" if math.isfinite(final[mode]) else f" (diverged at step {len(losses) - 1})"
        print(f"    clipping {mode:<6} {final[mode]:.4g}{note}")

    picture = _plot(os.path.join(args.out, "gradient_norms.png"), norms, clip)
    print(f"\npicture: {picture}")
    metrics = {
        "ratio_first_last": ratios,
        "log10_ratio_first_last": {k: math.log10(v) for k, v in ratios.items()},
        "layer_grad_norms": {keys[label]: values for label, values in norms.items()},
        "vanishing_layers_flagged": {keys[label]: layers for label, layers in flagged.items()},
        "sigmoid_vanishes": ratios["sigmoid"] < 1e-3,
        "relu_he_order_one": 0.1 <= ratios["relu_he"] <= 10,
        "residual_order_one": 0.1 <= ratios["residual_layernorm"] <= 10,
        "clip_total_norm_before": clip["total_norm_before"],
        "clip_total_norm_after_norm_clip": clip["total_norm_after_norm_clip"],
        "clip_max_abs_after_value_clip": clip["max_abs_after_value_clip"],
        "clip_norm_keeps_direction": clip["cosine_norm_clip"] > 1 - 1e-6,
        "clip_steps": steps,
        "final_loss": {k: (v if math.isfinite(v) else None) for k, v in final.items()},
        "diverges_without_clipping": not math.isfinite(final["none"]),
        "finite_with_norm_clipping": math.isfinite(final["norm"]),
        "norm_clipping_decreases_loss": bool(final["norm"] < clip["runs"]["norm"][0]),
    }
    write_metrics(args.out, metrics)
    return metrics
