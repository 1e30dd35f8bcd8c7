"""The concept examples of the gallery (chain rule, XOR, skip connections, vanishing
gradients, optimizers, regularization, GAN), each run in --quick mode through the CLI; every
test checks the outcome the example states, from the metrics.json it writes."""

from __future__ import annotations

import contextlib
import json

import pytest

from chainrule.cli import main

pytest.importorskip("matplotlib")


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # These examples multiply small matrices (tens to hundreds of rows). On a busy 2-core
    # machine a multi-threaded BLAS spends far longer waking its threads than computing:
    # measured here, the regularization example ran 4-7x slower. One thread keeps the file
    # well under a minute; the results do not depend on it.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        limits = contextlib.nullcontext()
    else:
        limits = threadpool_limits(limits=1, user_api="blas")
    with limits:
        yield


def run_example(name, out, *extra):
    assert main(["run", name, "--quick", "--out", str(out), *extra]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    pictures = sorted(out.glob("*.png"))
    assert pictures, f"{name} wrote no picture"
    for picture in pictures:
        data = picture.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000, picture
    return metrics


def test_chain_rule(tmp_path, capsys):
    m = run_example("chain-rule", tmp_path)
    assert m["matches"] and m["abs_diff"] <= 1e-12 and m["explain_matches_backward"]
    assert m["engine_grad"] == pytest.approx(1.281306, abs=1e-6)  # cos(pi^2/16) * pi/2
    assert (tmp_path / "graph.dot").exists()
    assert "Backward pass" in capsys.readouterr().out  # explain() printed the steps


def test_xor(tmp_path):
    m = run_example("xor", tmp_path)
    assert m["all_correct"] and m["grads_match"] and m["max_grad_diff"] <= 1e-12
    assert m["gradient_checks"] >= 4


def test_skip_connections(tmp_path):
    m = run_example("skip-connections", tmp_path)
    assert m["sum_matches"] and m["max_abs_diff"] <= 1e-12
    assert m["skip_passes_upstream_unchanged"] and m["residual_keeps_gradient"]
    assert m["norm_branch"] > 0 and m["norm_skip"] > 0  # both paths really contribute


def test_vanishing_gradients(tmp_path):
    m = run_example("vanishing-gradients", tmp_path)
    assert m["sigmoid_vanishes"] and m["log10_ratio_first_last"]["sigmoid"] < -5
    assert m["relu_he_order_one"] and m["residual_order_one"]
    flagged = m["vanishing_layers_flagged"]  # by GradientMonitor, counted from the input
    assert 1 in flagged["sigmoid"] and not flagged["relu_he"] and not flagged["residual_layernorm"]
    assert m["clip_total_norm_after_norm_clip"] == pytest.approx(1.0, rel=1e-3)
    assert m["clip_max_abs_after_value_clip"] <= 0.01 + 1e-7
    assert m["clip_norm_keeps_direction"]
    assert m["diverges_without_clipping"] and m["finite_with_norm_clipping"]
    assert m["norm_clipping_decreases_loss"]


def test_optimizers(tmp_path):
    m = run_example("optimizers", tmp_path)
    assert set(m["final_loss"]) == {"SGD", "SGD + momentum", "RMSprop", "Adam"}
    assert m["all_finite"] and m["momentum_beats_sgd"] and m["adam_beats_sgd"]
    for values in m["surfaces"].values():
        assert set(values["final_value"]) == set(m["final_loss"])
    assert (tmp_path / "paths_rosenbrock.png").exists()


def test_regularization(tmp_path):
    m = run_example("regularization", tmp_path)
    assert m["unregularized_worse_than_some"]
    assert m["final_val_loss"]["none"] > min(m["final_val_loss"][k]
                                             for k in ("L1", "L2", "dropout"))
    # Overfitting, as staged: the plain model fits its training set better than it validates.
    assert m["final_train_loss"]["none"] < m["final_val_loss"]["none"]
    assert m["fraction_small_weights"]["L1"] > m["fraction_small_weights"]["none"]


def test_gan(tmp_path):
    m = run_example("gan", tmp_path)
    assert m["matches_target"] and m["target_tolerance"] == 0.5
    assert m["mean_error"] <= 0.5 and m["std_error"] <= 0.5


def test_gan_is_deterministic(tmp_path):
    a = run_example("gan", tmp_path / "a", "--seed", "3", "--epochs", "1")
    b = run_example("gan", tmp_path / "b", "--seed", "3", "--epochs", "1")
    assert a == b
