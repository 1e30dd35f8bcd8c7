"""chainrule.viz plots: each writes a real, non-blank PNG and returns its path."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import viz
from chainrule.train import History

pytest.importorskip("matplotlib")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def check_png(path, min_bytes=5_000):
    from matplotlib.image import imread

    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == PNG_MAGIC, path
    assert len(data) >= min_bytes, f"{path}: only {len(data)} bytes"
    pixels = imread(path)
    assert pixels.ndim == 3 and min(pixels.shape[:2]) >= 200
    assert pixels[..., :3].std() > 0.05, "the image is (nearly) blank"


def test_training_curves_from_history_and_dicts(tmp_path):
    h = History()
    for epoch, (loss, acc) in enumerate([(1.0, 0.5), (0.6, 0.7), (0.4, 0.8)]):
        h.append(epoch, {"loss": loss, "accuracy": acc, "val_loss": loss + 0.1,
                         "val_accuracy": acc - 0.05, "lr": 0.1, "epoch_time": 0.2})
    for i, history in enumerate((h, h.to_dict(), dict(h.history))):
        path = tmp_path / f"curves{i}.png"
        assert viz.plot_training_curves(history, path) == str(path)
        check_png(path)
    with pytest.raises(TypeError):
        viz.plot_training_curves([1, 2, 3], tmp_path / "bad.png")


def test_activations_and_losses(tmp_path):
    check_png(viz.plot_activations(tmp_path / "act.png"))
    check_png(viz.plot_losses(tmp_path / "losses.png"))


def test_activation_derivatives_come_from_autograd():
    from chainrule.viz.plots import _activation_table, _autograd_curve

    x = np.linspace(-3, 3, 61)
    table = _activation_table()
    _, d_sigmoid = _autograd_curve(table["sigmoid"], x)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(d_sigmoid, s * (1 - s), rtol=1e-12, atol=1e-15)
    _, d_relu = _autograd_curve(table["ReLU"], x)
    np.testing.assert_array_equal(d_relu, (x > 0).astype(float))


def test_gradient_descent_1d(tmp_path):
    path = viz.plot_gradient_descent_1d(lambda x: (x - 1) ** 2 + 0.5, 3.0,
                                        [0.05, 0.4, 0.95, 1.1], tmp_path / "gd.png", steps=15)
    check_png(path)


def test_optimizer_paths_and_plot(tmp_path):
    paths = viz.optimizer_paths("quadratic")
    assert set(paths) == {"SGD", "SGD + momentum", "RMSprop", "Adam"}
    for pts in paths.values():
        assert pts.shape == (151, 2)
        assert np.linalg.norm(pts[-1]) < 0.2  # all reach the minimum at the origin
    check_png(viz.plot_optimizer_paths(tmp_path / "q.png", "quadratic", paths=paths))
    check_png(viz.plot_optimizer_paths(tmp_path / "r.png", "rosenbrock", steps=100))
    custom = {"f": lambda x, y: x ** 2 + y ** 2, "start": (1.0, 1.0), "xlim": (-1.5, 1.5),
              "ylim": (-1.5, 1.5)}
    sgd = {"SGD": lambda params: cr.optim.SGD(params, lr=0.1)}
    out = viz.optimizer_paths(custom, sgd, steps=3)
    np.testing.assert_allclose(out["SGD"][-1], [0.8 ** 3] * 2)  # x <- x - 0.1 * 2x
    with pytest.raises(ValueError, match="unknown surface"):
        viz.optimizer_paths("himmelblau")


def test_regularization(tmp_path):
    rng = np.random.default_rng(0)
    runs = {"none": {"loss": [1.0, 0.3, 0.1], "val_loss": [1.0, 0.9, 1.2],
                     "weights": rng.normal(size=500)},
            "L1": {"epoch": [5, 10, 15], "loss": [1.0, 0.5, 0.4], "val_loss": [1.0, 0.7, 0.6],
                   "weights": np.where(rng.uniform(size=500) < 0.9, 0.0, 1.0)}}
    check_png(viz.plot_regularization(runs, tmp_path / "reg.png"))
    h = History()
    h.append(0, {"loss": 1.0, "val_loss": 1.1})
    h.append(1, {"loss": 0.5, "val_loss": 0.8})
    check_png(viz.plot_regularization({"a": h, "b": h}, tmp_path / "reg2.png"))


def test_conv_filters_and_feature_maps(tmp_path):
    rng = np.random.default_rng(0)
    check_png(viz.plot_conv_filters(cr.tensor(rng.normal(size=(16, 1, 3, 3))),
                                    tmp_path / "f1.png"), min_bytes=3_000)
    check_png(viz.plot_conv_filters(rng.normal(size=(8, 3, 5, 5)), tmp_path / "f3.png"),
              min_bytes=3_000)
    check_png(viz.plot_feature_maps(rng.uniform(size=(2, 12, 8, 8)), tmp_path / "maps.png"),
              min_bytes=3_000)
    with pytest.raises(ValueError, match="out, in, kH, kW"):
        viz.plot_conv_filters(np.zeros((3, 3)), tmp_path / "bad.png")


def test_hidden_states(tmp_path):
    h = np.tanh(np.random.default_rng(0).normal(size=(12, 2, 16)))
    words = "this movie was not good at all but the acting was fine".split()
    check_png(viz.plot_hidden_states(h, tmp_path / "h.png", tokens=words))
    check_png(viz.plot_hidden_states(cr.tensor(h[:, 0]), tmp_path / "h2.png"))


def test_gan_histograms(tmp_path):
    rng = np.random.default_rng(0)
    real = rng.normal(4, 1.5, 2000)
    check_png(viz.plot_gan_histograms(real, rng.normal(3.8, 1.2, 2000), tmp_path / "g.png",
                                      target=(4, 1.5)))
    check_png(viz.plot_gan_histograms(real, {"step 0": rng.normal(0, 0.1, 500),
                                             "step 900": cr.tensor(rng.normal(4, 1.4, 500))},
                                      tmp_path / "g2.png"))


def test_confusion_matrix(tmp_path):
    cm = np.diag([50, 40, 45]) + np.array([[0, 2, 1], [3, 0, 0], [0, 1, 0]])
    check_png(viz.plot_confusion_matrix(cm, tmp_path / "cm.png", labels=["a", "b", "c"]))
    check_png(viz.plot_confusion_matrix(cm, tmp_path / "cmn.png", normalize=True))
    with pytest.raises(ValueError, match="labels"):
        viz.plot_confusion_matrix(cm, tmp_path / "bad.png", labels=["a"])
