"""chainrule.train: fit/evaluate/predict, History, callbacks, checkpoints and resume."""

from __future__ import annotations

import csv
import json
import math
import os

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.train import (
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LearningRateMonitor,
    ModelCheckpoint,
    accuracy,
    evaluate,
    fit,
    get_loss,
    get_metric,
    load_checkpoint,
    mean_absolute_error,
    predict,
    top_k_accuracy,
)
from chainrule.utils.data import DataLoader, TensorDataset


def blobs(n=240, seed=0, classes=3):
    """Well separated Gaussian blobs in 2-D (float32) with int64 labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    angle = 2 * np.pi * y / classes
    centers = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 2.0
    X = centers + rng.normal(0, 0.5, (n, 2))
    return X.astype(np.float32), y.astype(np.int64)


def mlp(seed=0, dropout=0.0, out=3):
    cr.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, out))


def weights(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


class Sabotage(Callback):
    """Zero every weight at the start of the given epochs (makes later epochs worse)."""

    def __init__(self, epochs):
        self.epochs = set(epochs)

    def on_epoch_begin(self, epoch, logs=None):
        if epoch in self.epochs:
            with cr.no_grad():
                for p in self.trainer.model.parameters():
                    p.mul_(0.0)


# --------------------------------------------------------------------------- fit


def test_fit_reaches_stated_accuracy_with_fixed_seed():
    X, y = blobs()
    model = mlp()
    history = fit(model, (X[:180], y[:180]), loss="cross_entropy",
                  optimizer=cr.optim.Adam(model.parameters(), lr=0.05), epochs=15,
                  batch_size=16, val_data=(X[180:], y[180:]), seed=0, progress=False)
    assert history["accuracy"][-1] >= 0.95
    assert history["val_accuracy"][-1] >= 0.95
    assert history["loss"][-1] < history["loss"][0]


def test_fit_is_deterministic_under_a_seed():
    X, y = blobs()
    runs = []
    for _ in range(2):
        model = mlp(dropout=0.3)
        h = fit(model, (X, y), loss="cross_entropy",
                optimizer=cr.optim.SGD(model.parameters(), lr=0.1), epochs=3, batch_size=32,
                seed=7, progress=False)
        runs.append((weights(model), h["loss"]))
    assert runs[0][1] == runs[1][1]
    for k in runs[0][0]:
        np.testing.assert_array_equal(runs[0][0][k], runs[1][0][k])


def test_history_contents_and_plot(tmp_path):
    X, y = blobs()
    model = mlp()
    history = fit(model, (X, y), loss="cross_entropy",
                  optimizer=cr.optim.SGD(model.parameters(), lr=0.1), epochs=3,
                  batch_size=64, validation_split=0.25,
                  metrics=("accuracy", "top2_accuracy"), seed=0, progress=False)
    assert isinstance(history, History) and len(history) == 3 and history.epoch == [0, 1, 2]
    expected = {"loss", "accuracy", "top2_accuracy", "val_loss", "val_accuracy",
                "val_top2_accuracy", "lr", "epoch_time"}
    assert set(history.history) == expected
    for key in expected:
        assert len(history[key]) == 3 and all(math.isfinite(v) for v in history[key])
    assert history["lr"] == [0.1] * 3 and all(t > 0 for t in history["epoch_time"])
    assert all(t >= a for t, a in zip(history["top2_accuracy"], history["accuracy"]))
    d = json.loads(json.dumps(history.to_dict()))
    assert History.from_dict(d).history == history.history
    # validation_split holds out the *last* quarter, as Keras does.
    val = evaluate(model, (X[180:], y[180:]), loss="cross_entropy")
    assert val["loss"] == pytest.approx(history["val_loss"][-1], rel=1e-6)
    png = tmp_path / "curves.png"
    history.plot(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fit_accepts_dataset_and_dataloader():
    X, y = blobs()
    ds = TensorDataset(cr.from_numpy(X), cr.from_numpy(y))
    for data in (ds, DataLoader(ds, batch_size=32, shuffle=True,
                                generator=cr.Generator().manual_seed(0))):
        model = mlp()
        h = fit(model, data, loss="cross_entropy",
                optimizer=cr.optim.Adam(model.parameters(), lr=0.05), epochs=5,
                val_data=ds, progress=False, seed=0)
        assert h["val_accuracy"][-1] > 0.9


def test_metric_values_are_sample_weighted():
    # 10 samples in batches of 4, 4, 2: the epoch accuracy is the mean over samples.
    X = cr.zeros(10, 2)
    y = cr.tensor([0] * 7 + [1] * 3)
    model = nn.Linear(2, 2)
    with cr.no_grad():
        model.weight.zero_()
        model.bias.copy_(cr.tensor([1.0, 0.0]))
    h = fit(model, (X, y), loss="cross_entropy", optimizer=cr.optim.SGD(model.parameters(),
                                                                        lr=0.0),
            epochs=1, batch_size=4, shuffle=False, progress=False)
    assert h["accuracy"][0] == pytest.approx(0.7)


def test_binary_losses_by_name_and_clipping():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    model = nn.Linear(2, 1)
    norms = []

    class GradNorm(Callback):
        def on_after_backward(self, model):
            norms.append(float(cr.cat([p.grad.reshape(-1) for p in model.parameters()])
                               .norm()))

    h = fit(model, (X, y), loss="bce_with_logits",
            optimizer=cr.optim.SGD(model.parameters(), lr=0.5), epochs=5, batch_size=20,
            clip_grad_norm=0.05, callbacks=[GradNorm()], seed=0, progress=False)
    assert h["accuracy"][-1] > 0.9 and len(norms) == 50
    # on_after_backward sees the raw gradients; clipping happens after it.
    assert max(norms) > 0.05
    assert float(model.weight.grad.norm()) <= 0.05 + 1e-6


def test_reduce_lr_on_plateau_gets_validation_loss():
    X, y = blobs()
    model = mlp()
    opt = cr.optim.SGD(model.parameters(), lr=0.1)
    sched = cr.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    h = fit(model, (X, y), loss="cross_entropy", optimizer=opt, epochs=3,
            val_data=(X[:50], y[:50]), scheduler=sched, progress=False)
    assert sched.best == pytest.approx(min(h["val_loss"]))
    assert sched.best != pytest.approx(min(h["loss"]))


def test_step_scheduler_changes_lr_per_epoch():
    X, y = blobs()
    model = mlp()
    opt = cr.optim.SGD(model.parameters(), lr=0.1)
    sched = cr.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = fit(model, (X, y), loss="cross_entropy", optimizer=opt, epochs=3, scheduler=sched,
            progress=False)
    assert h["lr"] == pytest.approx([0.1, 0.05, 0.025])


def test_unknown_names_fail_clearly():
    with pytest.raises(ValueError, match="unknown loss 'nope'"):
        get_loss("nope")
    with pytest.raises(ValueError, match="unknown metric"):
        get_metric("nope")


# --------------------------------------------------------------------------- callbacks


def test_early_stopping_stops_and_restores_best_weights():
    X, y = blobs()
    model = mlp()
    es = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    h = fit(model, (X, y), loss="cross_entropy",
            optimizer=cr.optim.SGD(model.parameters(), lr=0.05), epochs=20,
            val_data=(X[:60], y[:60]), callbacks=[es, Sabotage(range(3, 20))], seed=0,
            progress=False)
    # Epochs 0-2 improve, 3 and 4 are worse (weights zeroed): 2 bad epochs, stop after 4.
    assert len(h) == 5 and es.stopped_epoch == 4 and es.best_epoch == 2
    val = evaluate(model, (X[:60], y[:60]), loss="cross_entropy")
    assert val["loss"] == pytest.approx(h["val_loss"][2], rel=1e-6)


def test_early_stopping_warns_without_monitored_value():
    X, y = blobs(60)
    model = mlp()
    with pytest.warns(UserWarning, match="val_loss"):
        h = fit(model, (X, y), loss="cross_entropy",
                optimizer=cr.optim.SGD(model.parameters(), lr=0.1), epochs=2,
                callbacks=[EarlyStopping()], progress=False)
    assert len(h) == 2


def test_model_checkpoint_best_only_writes_atomically(tmp_path, monkeypatch):
    import chainrule.serialization as ser

    X, y = blobs()
    model = mlp()
    path = tmp_path / "ckpt" / "best.safetensors"
    ckpt = ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    replaced = []
    real_replace = ser.os.replace

    def recording_replace(src, dst):
        # The new file is complete before it takes the final name.
        assert os.path.dirname(os.fspath(src)) == os.path.dirname(os.fspath(dst))
        assert load_checkpoint(src)["epoch"] >= 1
        replaced.append(os.fspath(dst))
        real_replace(src, dst)

    monkeypatch.setattr(ser.os, "replace", recording_replace)
    contents = []

    class Snapshot(Callback):
        def on_epoch_end(self, epoch, logs=None):
            contents.append(path.read_bytes() if path.exists() else None)

    h = fit(model, (X, y), loss="cross_entropy",
            optimizer=cr.optim.SGD(model.parameters(), lr=0.05), epochs=5,
            val_data=(X[:60], y[:60]), callbacks=[ckpt, Snapshot(), Sabotage([3, 4])], seed=0,
            progress=False)
    best = int(np.argmin(h["val_loss"]))
    assert best == 2 and replaced == [str(path)] * 3  # written at epochs 0, 1, 2 only
    assert contents[3] == contents[2] and contents[4] == contents[2]
    assert os.listdir(path.parent) == ["best.safetensors"]  # no temporary files left
    state = load_checkpoint(path)
    assert state["epoch"] == 3 and ckpt.best == pytest.approx(h["val_loss"][2])
    fresh = mlp(seed=5)
    fresh.load_state_dict(state["model"])
    loss = evaluate(fresh, (X[:60], y[:60]), loss="cross_entropy")["loss"]
    assert loss == pytest.approx(h["val_loss"][2], rel=1e-6)
    assert History.from_dict(json.loads(state["history"])).epoch == [0, 1, 2]


def test_model_checkpoint_path_template(tmp_path):
    X, y = blobs(60)
    model = mlp()
    ckpt = ModelCheckpoint(str(tmp_path / "e{epoch:02d}-{loss:.2f}.safetensors"))
    fit(model, (X, y), loss="cross_entropy", optimizer=cr.optim.SGD(model.parameters(), lr=0.1),
        epochs=2, callbacks=[ckpt], progress=False)
    names = sorted(os.listdir(tmp_path))
    assert [n[:4] for n in names] == ["e01-", "e02-"] and ckpt.last_path.endswith(names[1])


@pytest.mark.parametrize("with_scheduler", [None, "step", "plateau"])
def test_resume_gives_identical_weights(tmp_path, with_scheduler):
    X, y = blobs(200)

    def run(epochs, resume_from=None, callbacks=(), init_seed=0):
        model = mlp(seed=init_seed, dropout=0.25)  # dropout consumes the global generator
        opt = cr.optim.Adam(model.parameters(), lr=0.01)
        sched = {"step": lambda: cr.optim.lr_scheduler.StepLR(opt, 1, 0.7),
                 "plateau": lambda: cr.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0),
                 None: lambda: None}[with_scheduler]()
        h = fit(model, (X, y), loss="cross_entropy", optimizer=opt, epochs=epochs,
                batch_size=16, validation_split=0.2, scheduler=sched, seed=3,
                callbacks=callbacks, resume_from=resume_from, progress=False)
        return model, h

    full_model, full_hist = run(5)
    path = tmp_path / "last.safetensors"
    run(2, callbacks=[ModelCheckpoint(path)])
    # A differently initialised model and fresh optimizer: everything comes from the file.
    resumed_model, resumed_hist = run(5, resume_from=path, init_seed=99)
    for k, v in weights(full_model).items():
        np.testing.assert_array_equal(weights(resumed_model)[k], v, err_msg=k)
    assert resumed_hist.epoch == [0, 1, 2, 3, 4]
    assert resumed_hist["loss"] == full_hist["loss"]
    assert resumed_hist["lr"] == full_hist["lr"]


def test_csv_logger(tmp_path):
    X, y = blobs(80)
    model = mlp()
    path = tmp_path / "log.csv"
    fit(model, (X, y), loss="cross_entropy", optimizer=cr.optim.SGD(model.parameters(), lr=0.1),
        epochs=3, validation_split=0.25, callbacks=[CSVLogger(path)], progress=False)
    rows = list(csv.DictReader(path.open()))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr"} <= set(rows[0])
    assert all(float(r["loss"]) > 0 for r in rows)
    fit(model, (X, y), loss="cross_entropy", optimizer=cr.optim.SGD(model.parameters(), lr=0.1),
        epochs=1, validation_split=0.25, callbacks=[CSVLogger(path, append=True)],
        progress=False)
    assert len(list(csv.DictReader(path.open()))) == 4


def test_learning_rate_monitor_per_step_and_groups():
    X, y = blobs(64)
    model = mlp()
    opt = cr.optim.SGD([{"params": model[0].parameters()},
                        {"params": model[3].parameters(), "lr": 0.01}], lr=0.1)
    sched = cr.optim.lr_scheduler.StepLR(opt, 1, 0.5)
    monitor = LearningRateMonitor("step")
    h = fit(model, (X, y), loss="cross_entropy", optimizer=opt, epochs=2, batch_size=32,
            scheduler=sched, callbacks=[monitor], progress=False)
    assert monitor.lrs == [[0.1, 0.1, 0.05, 0.05], [0.01, 0.01, 0.005, 0.005]]
    assert h["lr-group0"] == pytest.approx([0.1, 0.05]) == h["lr"]
    assert h["lr-group1"] == pytest.approx([0.01, 0.005])


def test_gradient_monitor_plugs_in():
    from chainrule.diagnostics import GradientMonitor

    X, y = blobs(64)
    model = mlp()
    monitor = GradientMonitor(verbose=False)
    fit(model, (X, y), loss="cross_entropy", optimizer=cr.optim.SGD(model.parameters(), lr=0.1),
        epochs=2, batch_size=32, callbacks=[monitor], progress=False)
    assert monitor.model is model and len(monitor.steps) == 4


# --------------------------------------------------------------------------- progress


def test_progress_false_prints_nothing(capfd):
    X, y = blobs(64)
    model = mlp()
    fit(model, (X, y), loss="cross_entropy", optimizer=cr.optim.SGD(model.parameters(), lr=0.1),
        epochs=2, validation_split=0.25, progress=False)
    evaluate(model, (X, y))
    predict(model, X)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_progress_not_a_tty_prints_one_line_per_epoch(capfd):
    X, y = blobs(64)
    model = mlp()
    fit(model, (X, y), loss="cross_entropy", optimizer=cr.optim.SGD(model.parameters(), lr=0.1),
        epochs=3, progress=True)  # pytest's captured stderr is not a terminal
    out, err = capfd.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3") and "loss" in lines[0]
    assert "\r" not in err


def test_progress_bar_when_forced(capfd):
    X, y = blobs(64)
    model = mlp()
    fit(model, (X, y), loss="cross_entropy", optimizer=cr.optim.SGD(model.parameters(), lr=0.1),
        epochs=2, batch_size=16, progress="bar")
    out, err = capfd.readouterr()
    assert "epoch 2/2" in err and "4/4" in err and "loss=" in err


# --------------------------------------------------------------------------- evaluate, predict


def test_evaluate_and_predict_use_eval_mode_and_no_grad():
    X, y = blobs(50)
    model = mlp(dropout=0.9)
    model.train()
    a = predict(model, X, batch_size=7)
    b = predict(model, cr.from_numpy(X), batch_size=50)
    assert tuple(a.shape) == (50, 3) and not a.requires_grad and a.grad_fn is None
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)  # no dropout: deterministic
    assert model.training  # mode restored
    r = evaluate(model, (X, y), loss="cross_entropy", metrics=("accuracy", "top3_acc"))
    assert set(r) == {"loss", "accuracy", "top3_acc"} and r["top3_acc"] == 1.0
    ds = TensorDataset(cr.from_numpy(X))
    np.testing.assert_allclose(predict(model, ds, batch_size=16).numpy(), a.numpy(), rtol=1e-6)


# --------------------------------------------------------------------------- metrics


def test_metrics():
    logits = cr.tensor([[2.0, 1.0, 0.0], [0.0, 0.5, 3.0], [1.0, 0.0, 0.9]])
    y = cr.tensor([0, 1, 2])
    assert accuracy(logits, y) == pytest.approx(1 / 3)
    assert top_k_accuracy(logits, y, k=2) == pytest.approx(1.0)
    assert top_k_accuracy(logits, y, k=1) == pytest.approx(1 / 3)
    # binary: logits (threshold 0) and probabilities (threshold 0.5), (N, 1) or (N,)
    assert accuracy(cr.tensor([[-2.0], [3.0], [0.2]]), cr.tensor([0, 1, 0])) == \
        pytest.approx(2 / 3)
    assert accuracy(cr.tensor([0.1, 0.7, 0.4]), cr.tensor([0.0, 1.0, 1.0])) == \
        pytest.approx(2 / 3)
    # one-hot targets
    assert accuracy(logits, cr.tensor([[1.0, 0, 0], [0, 0, 1.0], [0, 1.0, 0]])) == \
        pytest.approx(2 / 3)
    assert mean_absolute_error(cr.tensor([1.0, 2.0]), cr.tensor([2.0, 2.0])) == 0.5
    assert get_metric("mae")[1] is mean_absolute_error
    with pytest.raises(ValueError, match="cannot match"):
        accuracy(cr.zeros(4, 1, 3), cr.zeros(5))
