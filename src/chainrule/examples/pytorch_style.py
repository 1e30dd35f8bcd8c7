"""pytorch-style: a PyTorch script (nn.Module subclass, BCELoss, SGD with momentum,
clip_grad_norm_, no_grad) that runs unchanged on chainrule, except for its import line.

The script is ``chainrule/examples/_pytorch_style_script.py``; its first line is
``import chainrule as torch``. This example runs it as is, then, when PyTorch is
installed, runs the very same text with that line replaced by ``import torch``. Both
start from the same weights and see the same batches, so their losses agree to float32
rounding.
"""

from __future__ import annotations

import os
import time

NAME = "pytorch-style"
DESCRIPTION = "an unchanged PyTorch script (Module, BCELoss, SGD, clip_grad_norm_) on chainrule"
ORDER = 12

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_pytorch_style_script.py")
IMPORT_LINE = "import chainrule as torch"


def run_script(library: str = "chainrule", **kwargs) -> dict:
    """Execute the script with ``import LIBRARY as torch`` and return its ``main(**kwargs)``."""
    with open(SCRIPT) as f:
        source = f.read()
    if not source.startswith(IMPORT_LINE + "\n"):
        raise RuntimeError(f"{SCRIPT} must start with {IMPORT_LINE!r}")
    if library != "chainrule":
        source = source.replace(IMPORT_LINE, "import torch" if library == "torch"
                                else f"import {library} as torch", 1)
    namespace = {"__name__": "pytorch_style_script", "__file__": SCRIPT}
    exec(compile(source, SCRIPT, "exec"), namespace)  # noqa: S102 - our own file
    return namespace["main"](**kwargs)


def _torch_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def main(args) -> dict:
    from chainrule.examples._common import banner, prepare_out, pyplot, write_metrics

    out = prepare_out(args)
    epochs = args.epochs or (15 if args.quick else 40)
    banner(f"the script, first line {IMPORT_LINE!r}")
    t0 = time.perf_counter()
    ours = run_script("chainrule", epochs=epochs)
    ours_time = time.perf_counter() - t0
    print(f"chainrule: final loss {ours['final_loss']:.6f}, accuracy {ours['accuracy']:.2%} "
          f"({ours_time:.2f} s)")

    theirs, theirs_time = None, None
    if _torch_available():
        import torch

        banner("the same text with 'import torch'")
        # One thread: for a 16-unit network, thread start-up costs more than it saves.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            t0 = time.perf_counter()
            theirs = run_script("torch", epochs=epochs)
            theirs_time = time.perf_counter() - t0
        finally:
            torch.set_num_threads(threads)
        print(f"torch:     final loss {theirs['final_loss']:.6f}, accuracy "
              f"{theirs['accuracy']:.2%} ({theirs_time:.2f} s)")
    else:
        print("PyTorch is not installed: only the chainrule run is shown")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.plot(range(1, epochs + 1), ours["epoch_losses"], "-o", markersize=3, label="chainrule")
    if theirs:
        ax.plot(range(1, epochs + 1), theirs["epoch_losses"], "--", label="torch")
    ax.set_xlabel("epoch")
    ax.set_ylabel("BCE loss")
    ax.set_yscale("log")
    ax.set_title("one PyTorch-style script, two libraries")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    picture = os.path.join(out, "loss_chainrule_vs_torch.png")
    fig.savefig(picture, dpi=110)
    plt.close(fig)

    diff = abs(ours["final_loss"] - theirs["final_loss"]) if theirs else None
    banner("result")
    if theirs:
        print(f"final losses: chainrule {ours['final_loss']:.6f}, torch "
              f"{theirs['final_loss']:.6f} (difference {diff:.2e})")
    metrics = {"example": NAME, "quick": bool(args.quick), "epochs": epochs,
               "chainrule_final_loss": ours["final_loss"],
               "chainrule_accuracy": ours["accuracy"], "chainrule_time_s": ours_time,
               "torch_final_loss": theirs["final_loss"] if theirs else None,
               "torch_accuracy": theirs["accuracy"] if theirs else None,
               "torch_time_s": theirs_time, "final_loss_difference": diff,
               "pictures": [picture]}
    write_metrics(out, metrics)
    return metrics
