"""A GAN that learns a 1-D Gaussian, N(4, 1.5^2), from samples alone.

Two small MLPs play against each other. The discriminator D sees a batch of numbers and
outputs, for each, the logit of "this came from the data"; it is trained with binary
cross-entropy to tell real samples (label 1) from generated ones (label 0). The generator G
turns noise z ~ N(0, I) into a number; it is trained to make D say "real" about its output
(the non-saturating loss -log D(G(z)), whose gradient does not vanish while D is winning).
The gradient G receives flows *through* D: backpropagation across both networks.

One addition keeps the generator from collapsing onto a narrow spike (a common failure in
which the mean is right but the spread is not): besides each sample, D is shown the standard
deviation of the batch it came from (the "minibatch standard deviation" feature), so a
generator whose spread is wrong is easy to catch. Training runs until the mean and standard
deviation of 10,000 generated samples are within half the target tolerance of (4, 1.5),
checked every 50 steps; the result is then measured again on 10,000 fresh samples.
"""

from __future__ import annotations

import os

import numpy as np

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.examples import write_metrics
from chainrule.viz import plot_gan_histograms

NAME = "gan"
DESCRIPTION = "a generator and a discriminator trained adversarially to produce N(4, 1.5^2)"
ORDER = 11

MEAN, STD = 4.0, 1.5
Z_DIM, HIDDEN, BATCH = 4, 32, 256
CHECK_EVERY, N_EVAL = 50, 10_000


def mlp(n_in: int, n_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, HIDDEN), nn.LeakyReLU(0.2),
                         nn.Linear(HIDDEN, HIDDEN), nn.LeakyReLU(0.2),
                         nn.Linear(HIDDEN, n_out))


class Discriminator(nn.Module):
    """Logit of "real" for each sample, given the sample and its batch's spread."""

    def __init__(self):
        super().__init__()
        self.net = mlp(2, 1)

    def forward(self, x):
        spread = ((x - x.mean()) ** 2).mean().add(1e-8).sqrt()
        return self.net(cr.cat([x, spread.expand_as(x)], dim=1))


def real_samples(n: int) -> cr.Tensor:
    return cr.randn(n, 1) * STD + MEAN


def _plot_progress(path, log, target):
    from matplotlib.figure import Figure

    steps = [s for s, _, _ in log]
    fig = Figure(figsize=(8, 3.8))
    ax = fig.subplots()
    ax.plot(steps, [m for _, m, _ in log], "-o", ms=3, label="mean of generated samples")
    ax.plot(steps, [s for _, _, s in log], "-s", ms=3, label="std of generated samples")
    for value, color in ((MEAN, "C0"), (STD, "C1")):
        ax.axhspan(value - target, value + target, color=color, alpha=0.15)
        ax.axhline(value, color=color, ls="--", lw=1)
    ax.set_xlabel("adversarial step")
    ax.set_title(f"Generator statistics on {N_EVAL:,} samples (bands: target +/- {target:g})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def main(args) -> dict:
    """Train the GAN until it matches N(4, 1.5^2), then measure and plot.

    Args:
        args: ``epochs`` (the most adversarial steps, in hundreds; default 50, i.e. 5,000
            steps, 8 with ``quick``), ``seed``, ``quick`` (smaller budget and a looser stated
            target, 0.5 instead of 0.2), ``out`` (``gan_histogram.png``, ``gan_progress.png``,
            ``metrics.json``); ``data`` unused.
    """
    os.makedirs(args.out, exist_ok=True)
    target = 0.5 if args.quick else 0.2
    max_steps = 100 * (args.epochs or (8 if args.quick else 50))
    cr.manual_seed(args.seed)
    G, D = mlp(Z_DIM, 1), Discriminator()
    opt_g = cr.optim.Adam(G.parameters(), lr=5e-4, betas=(0.5, 0.999))
    opt_d = cr.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    ones, zeros = cr.ones(BATCH, 1), cr.zeros(BATCH, 1)
    z_eval = cr.randn(N_EVAL, Z_DIM)
    with cr.no_grad():
        before = G(z_eval).numpy().ravel()
    print(f"Target N({MEAN:g}, {STD:g}^2); generator {Z_DIM}-{HIDDEN}-{HIDDEN}-1, "
          f"discriminator (x, batch std)-{HIDDEN}-{HIDDEN}-1, batch {BATCH}")
    print(f"training until |mean - {MEAN:g}| and |std - {STD:g}| < {target / 2:g} on "
          f"{N_EVAL:,} samples (at most {max_steps} steps)\n")
    print(f"  {'step':>5} {'D loss':>7} {'G loss':>7} {'mean':>6} {'std':>6}")
    log, step, matched = [], 0, False
    while step < max_steps:
        step += 1
        # 1) discriminator: real -> 1, generated -> 0 (generated detached: G is not updated)
        fake = G(cr.randn(BATCH, Z_DIM))
        opt_d.zero_grad()
        loss_d = (F.binary_cross_entropy_with_logits(D(real_samples(BATCH)), ones)
                  + F.binary_cross_entropy_with_logits(D(fake.detach()), zeros))
        loss_d.backward()
        opt_d.step()
        # 2) generator: make D call the generated samples real; gradients flow through D
        opt_g.zero_grad()
        loss_g = F.binary_cross_entropy_with_logits(D(fake), ones)
        loss_g.backward()
        opt_g.step()
        if step % CHECK_EVERY == 0:
            with cr.no_grad():
                s = G(z_eval).numpy()
            log.append((step, float(s.mean()), float(s.std())))
            if step % (4 * CHECK_EVERY) == 0 or step == CHECK_EVERY:
                print(f"  {step:>5} {loss_d.item():>7.4f} {loss_g.item():>7.4f} "
                      f"{log[-1][1]:>6.3f} {log[-1][2]:>6.3f}")
            if abs(log[-1][1] - MEAN) < target / 2 and abs(log[-1][2] - STD) < target / 2:
                matched = True
                print(f"  {step:>5} {loss_d.item():>7.4f} {loss_g.item():>7.4f} "
                      f"{log[-1][1]:>6.3f} {log[-1][2]:>6.3f}   <- within {target / 2:g}: stop")
                break

    with cr.no_grad():  # a fresh measurement, on noise the stopping rule never saw
        generated = G(cr.randn(N_EVAL, Z_DIM)).numpy().ravel()
    real = real_samples(N_EVAL).numpy().ravel()
    mean, std = float(generated.mean()), float(generated.std())
    ok = abs(mean - MEAN) <= target and abs(std - STD) <= target
    print(f"\nafter {step} steps, on {N_EVAL:,} fresh samples: mean {mean:.3f} "
          f"(target {MEAN:g}), std {std:.3f} (target {STD:g})")
    print(f"within {target:g} of the target in mean and std: {'yes' if ok else 'NO'}")
    hist = plot_gan_histograms(real, {"generator at step 0": before,
                                      f"generator at step {step}": generated},
                               os.path.join(args.out, "gan_histogram.png"),
                               target=(MEAN, STD))
    progress = _plot_progress(os.path.join(args.out, "gan_progress.png"), log, target)
    print(f"pictures: {hist}, {progress}")
    metrics = {
        "steps": step,
        "stopped_on_target": matched,
        "target_tolerance": target,
        "generated_mean": mean,
        "generated_std": std,
        "mean_error": abs(mean - MEAN),
        "std_error": abs(std - STD),
        "real_mean": float(real.mean()),
        "real_std": float(real.std()),
        "matches_target": ok,
        "initial_mean": float(np.mean(before)),
        "initial_std": float(np.std(before)),
    }
    write_metrics(args.out, metrics)
    return metrics
