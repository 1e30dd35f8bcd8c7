"""chainrule.save / chainrule.load: safetensors round trips, interchange with
safetensors.torch, nested checkpoints, atomic writes, no code execution."""

from __future__ import annotations

import io
import math
import os
import pathlib
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _state_dict():
    return OrderedDict([
        ("layer.weight", cr.randn(3, 2)),
        ("layer.bias", cr.zeros(3)),
        ("bn.running_var", cr.ones(3, dtype=cr.float64)),
        ("bn.num_batches_tracked", cr.tensor(5)),
        ("emb.half", cr.ones(2, dtype=cr.float16)),
        ("mask", cr.tensor([True, False])),
        ("bytes", cr.tensor([1, 2], dtype=cr.uint8)),
    ])


def _same(a, b):
    assert isinstance(b, cr.Tensor)
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a._data, b._data)


def test_state_dict_round_trip_keeps_keys_order_dtypes_shapes(tmp_path):
    sd = _state_dict()
    path = tmp_path / "model.safetensors"
    cr.save(sd, path)
    loaded = cr.load(path)
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(sd)
    for k in sd:
        _same(sd[k], loaded[k])
    assert loaded["bn.num_batches_tracked"].shape == ()
    loaded["layer.bias"].add_(1.0)  # loaded tensors own writable memory
    assert sd["layer.bias"].tolist() == [0.0, 0.0, 0.0]
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]  # no temp file left


def test_torch_safetensors_file_loads_into_chainrule(torch, tmp_path):
    from safetensors.torch import save_file

    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    path = str(tmp_path / "torch.safetensors")
    save_file(tmodel.state_dict(), path)
    loaded = cr.load(path)
    assert sorted(loaded) == sorted(tmodel.state_dict())
    for k, v in tmodel.state_dict().items():
        np.testing.assert_array_equal(loaded[k]._data, v.numpy())
        assert loaded[k].shape == tuple(v.shape)

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(cr.zeros(4, 3))
            self.bias = nn.Parameter(cr.zeros(4))

    h = Holder()
    h.load_state_dict({k[2:]: v for k, v in loaded.items() if k.startswith("0.")})
    np.testing.assert_array_equal(h.weight._data, tmodel[0].weight.detach().numpy())


def test_chainrule_file_loads_with_safetensors_torch(torch, tmp_path):
    from safetensors.torch import load_file

    sd = _state_dict()
    path = tmp_path / "ours.safetensors"
    cr.save(sd, path)
    theirs = load_file(str(path))
    assert sorted(theirs) == sorted(sd)
    for k, v in sd.items():
        np.testing.assert_array_equal(theirs[k].numpy(), v._data)
        assert tuple(theirs[k].shape) == tuple(v.shape)
    # ...and torch can load it into a module
    m = torch.nn.Linear(2, 3)
    m.load_state_dict({"weight": theirs["layer.weight"], "bias": theirs["layer.bias"]})


def test_nested_checkpoint_round_trip(tmp_path):
    sd = _state_dict()
    shared = cr.ones(2)
    ckpt = {
        "epoch": 7,
        "model": sd,
        "optimizer": {"state": {0: {"step": cr.tensor(3.0), "exp_avg": cr.ones(3, 2)}, 1: {}},
                      "param_groups": [{"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8,
                                        "amsgrad": False, "params": [0, 1], "name": None}]},
        "history": [0.5, float("inf"), float("nan"), -float("inf")],
        "misc": {"a": shared, "b": shared, (1, "x"): "tuple key", 2.5: "float key",
                 "$odd": "dollar key", "dtype": cr.float64, "arr": np.arange(3)},
        "note": "ok",
    }
    path = tmp_path / "ckpt.safetensors"
    cr.save(ckpt, path)
    got = cr.load(path)
    assert got["epoch"] == 7 and got["note"] == "ok"
    assert list(got["model"]) == list(sd) and isinstance(got["model"], OrderedDict)
    for k in sd:
        _same(sd[k], got["model"][k])
    state = got["optimizer"]["state"]
    assert list(state) == [0, 1] and state[1] == {}
    _same(ckpt["optimizer"]["state"][0]["step"], state[0]["step"])
    assert got["optimizer"]["param_groups"] == ckpt["optimizer"]["param_groups"]
    h = got["history"]
    assert h[0] == 0.5 and h[1] == math.inf and math.isnan(h[2]) and h[3] == -math.inf
    misc = got["misc"]
    assert misc["a"] is misc["b"]  # a tensor saved twice is stored once and shared
    assert misc[(1, "x")] == "tuple key" and misc[2.5] == "float key"
    assert misc["$odd"] == "dollar key" and misc["dtype"] is cr.float64
    np.testing.assert_array_equal(misc["arr"], np.arange(3))


def test_optimizer_resumes_identically(tmp_path):
    def make():
        cr.manual_seed(0)
        w = nn.Parameter(cr.randn(3, 2))
        return w, cr.optim.Adam([w], lr=0.1)

    def step(w, opt):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()

    w1, opt1 = make()
    for _ in range(3):
        step(w1, opt1)
    path = tmp_path / "resume.safetensors"
    cr.save({"w": w1.detach(), "opt": opt1.state_dict(), "epoch": 3}, path)
    step(w1, opt1)

    ckpt = cr.load(path)
    w2, opt2 = make()
    with cr.no_grad():
        w2.copy_(ckpt["w"])
    opt2.load_state_dict(ckpt["opt"])
    step(w2, opt2)
    np.testing.assert_allclose(w2._data, w1._data, rtol=1e-6)


def test_single_tensor_parameters_and_file_objects(tmp_path):
    p = nn.Parameter(cr.arange(4.0))
    buf = io.BytesIO()
    cr.save(p, buf)
    buf.seek(0)
    back = cr.load(buf)
    assert isinstance(back, nn.Parameter) and back.requires_grad
    assert back.tolist() == [0.0, 1.0, 2.0, 3.0]
    with open(tmp_path / "t.safetensors", "wb") as f:
        cr.save([cr.tensor(1.0), (cr.zeros(1), None, True)], f)
    with open(tmp_path / "t.safetensors", "rb") as f:
        got = cr.load(f, map_location="cpu", weights_only=True)
    assert got[0].item() == 1.0 and got[1][1:] == (None, True)
    assert cr.load(str(tmp_path / "t.safetensors"))[0].shape == ()
    cr.save({}, tmp_path / "empty.safetensors")
    assert cr.load(pathlib.Path(tmp_path / "empty.safetensors")) == {}
    with pytest.raises(RuntimeError):
        cr.load(tmp_path / "t.safetensors", map_location="cuda:0")


def test_flat_dict_keeps_parameter_and_requires_grad_flags():
    frozen = nn.Parameter(cr.ones(2), requires_grad=False)
    tracked = cr.ones(2, requires_grad=True)
    buf = io.BytesIO()
    cr.save({"frozen": frozen, "tracked": tracked, "plain": cr.zeros(1)}, buf)
    buf.seek(0)
    back = cr.load(buf)
    assert isinstance(back["frozen"], nn.Parameter) and not back["frozen"].requires_grad
    assert not isinstance(back["tracked"], nn.Parameter) and back["tracked"].requires_grad
    assert not back["plain"].requires_grad


def test_failed_save_leaves_existing_file_untouched(tmp_path):
    path = tmp_path / "keep.safetensors"
    cr.save({"w": cr.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="cannot store an object of type object"):
        cr.save({"w": cr.zeros(2), "bad": object()}, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.safetensors"]


def test_interrupted_write_leaves_existing_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "keep.safetensors"
    cr.save({"w": cr.ones(2)}, path)
    before = path.read_bytes()

    def fail(*args):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk gone"):
        cr.save({"w": cr.zeros(2)}, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.safetensors"]


def test_bfloat16_is_widened_to_float32_with_a_warning(torch, tmp_path):
    from safetensors.torch import save_file

    t = torch.tensor([[1.5, -2.25], [3e38, 1e-3]], dtype=torch.bfloat16)
    save_file({"w": t, "i": torch.tensor([1, 2])}, str(tmp_path / "bf.safetensors"))
    with pytest.warns(UserWarning, match="bfloat16"):
        got = cr.load(tmp_path / "bf.safetensors")
    assert got["w"].dtype == cr.float32
    np.testing.assert_array_equal(got["w"]._data, t.float().numpy())
    assert got["i"].tolist() == [1, 2]


def test_loading_never_unpickles(tmp_path):
    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(Exception):  # noqa: B017 - any error will do, as long as nothing ran
        cr.load(path)
    assert not (tmp_path / "pwned").exists()
    with pytest.raises(TypeError, match="not pickled"):
        pickle.dumps(cr.ones(1))
