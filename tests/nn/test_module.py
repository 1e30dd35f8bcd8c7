"""Module and containers: registration, traversal, state_dict save/load, hooks, conversions,
repr; compared with torch.nn where the behaviour is observable."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def make_classes(lib):
    """Small layers written the same way against chainrule or torch (same class names, so
    reprs and state_dict keys can be compared)."""

    class Affine(lib.nn.Module):
        def __init__(self, n_in, n_out, bias=True):
            super().__init__()
            self.n_in, self.n_out = n_in, n_out
            self.weight = lib.nn.Parameter(lib.ones(n_out, n_in))
            if bias:
                self.bias = lib.nn.Parameter(lib.zeros(n_out))
            else:
                self.register_parameter("bias", None)

        def forward(self, x):
            y = x @ self.weight.T
            return y if self.bias is None else y + self.bias

        def extra_repr(self):
            return f"n_in={self.n_in}, n_out={self.n_out}, bias={self.bias is not None}"

    class Act(lib.nn.Module):
        def forward(self, x):
            return x.relu()

    class Norm(lib.nn.Module):
        def __init__(self, n):
            super().__init__()
            self.scale = lib.nn.Parameter(lib.ones(n))
            self.register_buffer("running_mean", lib.zeros(n))
            self.register_buffer("count", lib.tensor(0))
            self.register_buffer("scratch", lib.zeros(n), persistent=False)

        def forward(self, x):
            return x * self.scale

        def extra_repr(self):
            return "two\nlines"

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("step", lib.tensor(0))
            self.body = lib.nn.Sequential(Affine(3, 4), Act(), Norm(4))
            self.blocks = lib.nn.ModuleList([Affine(4, 4) for _ in range(3)] + [Act()])
            self.heads = lib.nn.ModuleDict({"a": Affine(4, 2, bias=False), "b": Act()})
            self.plist = lib.nn.ParameterList([lib.zeros(2, 3), lib.zeros(1)])
            self.pdict = lib.nn.ParameterDict({"x": lib.nn.Parameter(lib.zeros(2))})
            self.register_module("missing", None)

        def forward(self, x):
            x = self.body(x)
            for block in self.blocks:
                x = block(x)
            return self.heads["a"](x)

    return Affine, Act, Norm, Net


Affine, Act, Norm, Net = make_classes(cr)


def copy_from_torch(model, tmodel):
    model.load_state_dict({k: v.detach().numpy() for k, v in tmodel.state_dict().items()})


# ---------------------------------------------------------------------------- registration
def test_assignment_registers_parameters_buffers_and_modules():
    m = Norm(3)
    assert set(m._parameters) == {"scale"}
    assert list(m._buffers) == ["running_mean", "count", "scratch"]
    assert m._non_persistent_buffers_set == {"scratch"}
    m.child = Act()
    assert m._modules["child"] is m.child
    assert "child" not in m.__dict__ and "scale" not in m.__dict__
    m.plain = 3
    assert m.__dict__["plain"] == 3


def test_reassignment_moves_between_tables_and_keeps_order():
    m = Norm(2)
    m.running_mean = cr.ones(2)  # a tensor assigned to a buffer name replaces the buffer
    assert list(m._buffers) == ["running_mean", "count", "scratch"]
    assert m.running_mean.tolist() == [1.0, 1.0]
    m.scale = None
    assert m._parameters["scale"] is None
    assert list(m.state_dict()) == ["running_mean", "count"]
    m.x = nn.Parameter(cr.zeros(1))
    with pytest.raises(TypeError, match="as parameter 'x'"):
        m.x = Act()  # as in torch: a parameter's name only takes a Parameter or None
    m.y = Act()
    m.y = nn.Parameter(cr.zeros(1))  # a parameter under a module's name replaces it
    assert "y" not in m._modules and "y" in m._parameters
    m.b = nn.Buffer(cr.zeros(2), persistent=False)
    assert "b" in m._buffers and "b" in m._non_persistent_buffers_set
    assert type(m.b) is cr.Tensor


def test_assignment_errors_match_torch_messages():
    m = Affine(2, 2)
    with pytest.raises(TypeError, match="cannot assign .* as parameter 'weight'"):
        m.weight = cr.zeros(2, 2)
    with pytest.raises(TypeError, match="as child module"):
        m.sub = Act()
        m.sub = 3
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", cr.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("weight", cr.zeros(1))
    with pytest.raises(KeyError, match="empty string"):
        m.register_parameter("", None)
    with pytest.raises(TypeError, match="buffer '.*'"):
        m.register_buffer("buf", np.zeros(2))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    x = cr.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        m.register_parameter("p", _non_leaf_param(x))


def _non_leaf_param(x):
    p = nn.Parameter(cr.zeros(2))
    p.grad_fn = (x * 2).grad_fn
    return p


def test_assigning_before_super_init_is_an_error():
    class Forgot(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(cr.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Forgot()


def test_missing_forward_and_unknown_attribute():
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match=r'Module \[Empty\] is missing the required'):
        Empty()(1)
    with pytest.raises(AttributeError, match="'Empty' object has no attribute 'nope'"):
        Empty().nope
    with pytest.raises(TypeError, match="unexpected keyword"):
        nn.Module(foo=1)


def test_delattr_and_dir():
    m = Norm(2)
    assert {"scale", "running_mean", "forward"} <= set(dir(m))
    del m.scale
    del m.running_mean
    assert "scale" not in m._parameters and "running_mean" not in m._buffers
    m.plain = 1
    del m.plain
    assert not hasattr(m, "plain")
    assert "0" not in dir(nn.Sequential(Act()))


# ---------------------------------------------------------------------------- traversal
def test_named_parameters_buffers_modules_and_dedup():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names[:2] == ["body.0.weight", "body.0.bias"]
    assert "heads.a.weight" in names and "heads.a.bias" not in names
    assert [n for n, _ in net.named_buffers()] == ["step", "body.2.running_mean",
                                                   "body.2.count", "body.2.scratch"]
    assert [n for n, _ in net.body.named_parameters(prefix="body")] == [
        "body.0.weight", "body.0.bias", "body.2.scale"]
    assert [n for n, _ in net.named_parameters(recurse=False)] == []
    assert [n for n, _ in net.named_children()] == ["body", "blocks", "heads", "plist",
                                                    "pdict"]
    mods = [n for n, _ in net.named_modules()]
    assert mods[:4] == ["", "body", "body.0", "body.1"]
    assert len(list(net.modules())) == len(mods)

    shared = Affine(2, 2)
    seq = nn.Sequential(shared, shared)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    assert [n for n, _ in seq.named_modules()] == ["", "0"]
    assert len(list(seq.named_modules(remove_duplicate=False))) == 3


def test_apply_visits_children_first():
    net = nn.Sequential(Act(), nn.Sequential(Act()))
    order = []
    assert net.apply(lambda m: order.append(type(m).__name__)) is net
    assert order == ["Act", "Act", "Sequential", "Sequential"]


def test_get_submodule_parameter_buffer():
    net = Net()
    assert net.get_submodule("body.0") is net.body[0]
    assert net.get_submodule("") is net
    assert net.get_parameter("body.0.weight") is net.body[0].weight
    assert net.get_buffer("body.2.count") is net.body[2].count
    with pytest.raises(AttributeError, match="Sequential has no attribute `9`"):
        net.get_submodule("body.9")
    with pytest.raises(AttributeError, match="is not an nn.Module"):
        net.get_submodule("body.0.weight")
    with pytest.raises(AttributeError, match="is not an nn.Parameter"):
        net.get_parameter("body.2.count")
    net.set_submodule("body.1", Affine(4, 4))
    assert isinstance(net.body[1], Affine)


# ---------------------------------------------------------------------------- modes, grads
def test_train_eval_recurse_through_overrides():
    calls = []

    class Frozen(nn.Module):
        def train(self, mode=True):
            calls.append(mode)
            return super().train(False)

    net = nn.Sequential(Act(), Frozen())
    net.eval()
    assert not net.training and not net[0].training
    net.train()
    assert net.training and net[0].training and not net[1].training
    assert calls == [False, True]
    with pytest.raises(ValueError):
        net.train("yes")


def test_requires_grad_and_zero_grad():
    m = Affine(2, 2)
    (m(cr.ones(1, 2)).sum()).backward()
    assert m.weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert m.weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    m.zero_grad()
    assert m.weight.grad is None
    assert m.requires_grad_(False) is m
    assert not m.weight.requires_grad


def test_to_casts_floats_in_place_and_keeps_parameter_identity():
    m = Norm(2)
    w = m.scale
    opt_view = [w]
    m.scale.grad = cr.ones(2)
    assert m.double() is m
    assert m.scale is w and opt_view[0].dtype == cr.float64
    assert m.scale.grad.dtype == cr.float64
    assert m.running_mean.dtype == cr.float64 and m.count.dtype == cr.int64
    m.to(cr.float16)
    assert m.scale.dtype == cr.float16
    m.float()
    assert m.scale.dtype == cr.float32 and m.scale.requires_grad
    m.to("cpu")
    m.to(cr.zeros(1, dtype=cr.float64))
    assert m.scale.dtype == cr.float64
    m.to(device="cpu", dtype=cr.float32)
    assert m.scale.dtype == cr.float32
    with pytest.raises(TypeError, match="floating point"):
        m.to(cr.int64)
    with pytest.raises(RuntimeError):
        m.to("cuda")
    assert m.cpu() is m and m.share_memory() is m


def test_deepcopy_gives_independent_parameters():
    net = Net()
    net.body[0].weight.grad = cr.ones(4, 3)
    twin = copy.deepcopy(net)
    assert twin.body[0].weight is not net.body[0].weight
    assert isinstance(twin.body[0].weight, nn.Parameter)
    assert list(twin.state_dict()) == list(net.state_dict())
    with cr.no_grad():
        twin.body[0].weight.mul_(2)
    assert net.body[0].weight.tolist()[0] == [1.0, 1.0, 1.0]
    # a parameter shared inside the original stays shared inside the copy
    shared = Affine(2, 2)
    seq = copy.deepcopy(nn.Sequential(shared, shared))
    assert seq[0].weight is seq[1].weight


# ---------------------------------------------------------------------------- repr
def test_repr_matches_torch(torch):
    ours = repr(Net())
    theirs = repr(make_classes(torch)[3]()).replace("torch.", "chainrule.")
    assert ours == theirs
    assert repr(nn.ModuleList()) == "ModuleList()"
    assert repr(nn.Sequential()) == "Sequential()"
    tl = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(2))])
    assert repr(nn.ParameterList([nn.Parameter(cr.zeros(2))])) == repr(tl).replace(
        "torch.", "chainrule.")


# ---------------------------------------------------------------------------- state_dict
def test_state_dict_keys_and_metadata_match_torch(torch):
    ours = Net().state_dict()
    theirs = make_classes(torch)[3]().state_dict()
    assert list(ours) == list(theirs)
    assert isinstance(ours, OrderedDict)
    assert dict(ours._metadata) == dict(theirs._metadata)


def test_state_dict_values_are_detached_views():
    m = Affine(2, 2)
    sd = m.state_dict()
    assert type(sd["weight"]) is cr.Tensor and not sd["weight"].requires_grad
    assert np.shares_memory(sd["weight"]._data, m.weight._data)
    assert m.state_dict(keep_vars=True)["weight"] is m.weight
    dest = {}
    assert m.state_dict(destination=dest, prefix="lin.") is dest
    assert list(dest) == ["lin.weight", "lin.bias"]


def test_load_state_dict_copies_in_place_with_cast():
    src, dst = Net(), Net()
    with cr.no_grad():
        for i, p in enumerate(src.parameters()):
            p.fill_(i + 1.0)
        src.body[2].count.fill_(7)
    weight = dst.body[0].weight
    sd = {k: v.double() if v.is_floating_point() else v for k, v in src.state_dict().items()}
    result = dst.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert dst.body[0].weight is weight and weight.dtype == cr.float32
    assert weight._version > 0
    for (k, a), b in zip(src.state_dict().items(), dst.state_dict().values()):
        assert a.tolist() == b.tolist(), k
    assert dst.body[2].count.item() == 7


def test_load_state_dict_error_lists_everything_and_changes_nothing(torch):
    ours, theirs = Net(), make_classes(torch)[3]()
    before = {k: v.clone() for k, v in ours.state_dict().items()}

    def broken(sd, zeros):
        sd = dict(sd)
        for k in sd:
            sd[k] = zeros(tuple(sd[k].shape))
        sd["body.0.weight"] = zeros(5, 5)
        del sd["step"]
        sd["extra"] = zeros(1)
        sd["body.0.foo"] = zeros(1)
        return sd

    with pytest.raises(RuntimeError) as ours_err:
        ours.load_state_dict(broken(ours.state_dict(), cr.zeros))
    with pytest.raises(RuntimeError) as theirs_err:
        theirs.load_state_dict(broken(theirs.state_dict(), torch.zeros))
    assert str(ours_err.value) == str(theirs_err.value).replace("torch.", "chainrule.")
    for k, v in ours.state_dict().items():
        assert v.tolist() == before[k].tolist(), k  # nothing was written


def test_load_state_dict_non_strict_and_non_tensor_value():
    m = Norm(2)
    res = m.load_state_dict({"scale": cr.full((2,), 3.0), "junk": cr.zeros(1)}, strict=False)
    assert res.missing_keys == ["running_mean", "count"]
    assert res.unexpected_keys == ["junk"]
    assert m.scale.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="expected Tensor or Tensor-like"):
        m.load_state_dict({"scale": [1.0, 2.0]}, strict=False)
    with pytest.raises(TypeError, match="dict-like"):
        m.load_state_dict([("scale", cr.zeros(2))])


def test_load_state_dict_accepts_torch_tensors_and_legacy_scalars(torch):
    ours = Affine(3, 2)
    tm = make_classes(torch)[0](3, 2)
    with torch.no_grad():
        tm.weight.copy_(torch.arange(6.0).reshape(2, 3))
    ours.load_state_dict(tm.state_dict())
    assert ours.weight.tolist() == tm.weight.tolist()
    n = Norm(1)
    n.load_state_dict({"scale": cr.ones(1), "running_mean": cr.ones(1), "count": cr.tensor([4])})
    assert n.count.shape == () and n.count.item() == 4


def test_load_state_dict_assign():
    m = Affine(2, 2)
    new_w = cr.full((2, 2), 5.0)
    m.load_state_dict({"weight": new_w, "bias": cr.zeros(2)}, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert np.shares_memory(m.weight._data, new_w._data)


def test_load_from_state_dict_override_and_hooks():
    class Counter(nn.Module):
        _version = 2

        def __init__(self):
            super().__init__()
            self.register_buffer("num_batches_tracked", cr.tensor(0))
            self.w = nn.Parameter(cr.zeros(1))

        def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing,
                                  unexpected, errors):
            version = local_metadata.get("version")
            key = prefix + "num_batches_tracked"
            if (version is None or version < 2) and key not in state_dict:
                state_dict[key] = cr.tensor(0)
            super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing,
                                          unexpected, errors)

    net = nn.Sequential(Counter())
    sd = {"0.w": cr.ones(1)}  # an "old" checkpoint: no metadata, no counter
    net.load_state_dict(sd)
    assert list(sd) == ["0.w"]  # the caller's dict is not modified
    new = net.state_dict()
    assert new._metadata["0"] == {"version": 2}
    del new["0.num_batches_tracked"]
    with pytest.raises(RuntimeError, match="Missing key"):
        net.load_state_dict(new)  # version 2 metadata: the key is really missing

    seen = []
    net[0].register_load_state_dict_pre_hook(
        lambda mod, sd, prefix, *rest: sd.pop(prefix + "old", None))
    net[0].register_load_state_dict_post_hook(lambda mod, keys: seen.append(mod.w.item()))
    net.load_state_dict({"0.w": cr.full((1,), 2.0), "0.num_batches_tracked": cr.tensor(1),
                         "0.old": cr.zeros(1)})
    assert seen == [2.0]
    pre = []
    net.register_state_dict_pre_hook(lambda mod, prefix, keep: pre.append(prefix))
    net.register_state_dict_post_hook(lambda mod, sd, prefix, meta: sd.pop("0.w") and None)
    assert list(net.state_dict()) == ["0.num_batches_tracked"] and pre == [""]


def test_load_post_hooks_edit_keys_before_the_strict_check():
    # as in PyTorch: post-hooks run children first, after the values are in, and what they
    # leave in the key lists decides the strict check
    m = nn.Linear(1, 1)
    m.register_load_state_dict_post_hook(lambda mod, keys: keys.unexpected_keys.clear())
    result = m.load_state_dict({**m.state_dict(), "old_key": cr.ones(1)})
    assert result.unexpected_keys == [] and result.missing_keys == []
    m = nn.Linear(1, 1)
    m.register_load_state_dict_post_hook(lambda mod, keys: keys.missing_keys.append("fake"))
    with pytest.raises(RuntimeError, match='Missing key.*"fake"'):
        m.load_state_dict(m.state_dict())
    order = []
    net = nn.Sequential(nn.Sequential(nn.Linear(1, 1)), nn.Linear(1, 1))
    for name, mod in net.named_modules():
        mod.register_load_state_dict_post_hook(
            lambda mod, keys, name=name: order.append(name or "root"))
    net.load_state_dict(net.state_dict())
    assert order == ["0.0", "0", "1", "root"]


def test_extra_state_round_trip():
    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.note = "a"

        def get_extra_state(self):
            return {"note": self.note}

        def set_extra_state(self, state):
            self.note = state["note"]

    m = WithExtra()
    m.note = "b"
    sd = m.state_dict()
    assert sd["_extra_state"] == {"note": "b"}
    other = WithExtra()
    other.load_state_dict(sd)
    assert other.note == "b"


# ---------------------------------------------------------------------------- hooks
def test_forward_hooks_modify_inputs_and_outputs():
    m = Affine(1, 1)
    order = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    h2 = m.register_forward_hook(lambda mod, args, out: order.append("second"))
    m.register_forward_hook(lambda mod, args, out: order.append("first"), prepend=True)
    h3 = m.register_forward_hook(lambda mod, args, out: out + 1)
    assert m(cr.ones(1, 1)).item() == 3.0
    assert order == ["first", "second"]
    for h in (h1, h2, h3):
        h.remove()
    assert m(cr.ones(1, 1)).item() == 1.0
    with m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] * 0,), kwargs),
                                     with_kwargs=True):
        assert m(cr.ones(1, 1)).item() == 0.0
    assert m(cr.ones(1, 1)).item() == 1.0


def test_forward_hook_with_kwargs_and_always_call():
    class Kw(nn.Module):
        def forward(self, x, *, scale=1.0):
            if scale < 0:
                raise ValueError("negative")
            return x * scale

    m = Kw()
    got = []
    m.register_forward_hook(lambda mod, args, kwargs, out: got.append(kwargs["scale"]),
                            with_kwargs=True, always_call=True)
    m(cr.ones(1), scale=2.0)
    with pytest.raises(ValueError):
        m(cr.ones(1), scale=-1.0)
    assert got == [2.0, -1.0]


def test_full_backward_hooks_match_torch(torch):
    def run(lib):
        class Mul(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = lib.nn.Parameter(lib.tensor([2.0, 3.0]))

            def forward(self, x, y):
                return x * self.w * y

        m = Mul()
        got = {}

        def pre(mod, go):
            got["pre"] = [g.tolist() for g in go]

        def full(mod, gi, go):
            got["full"] = ([g.tolist() for g in gi], [g.tolist() for g in go])

        m.register_full_backward_pre_hook(pre)
        m.register_full_backward_hook(full)
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10, gi[1]))
        x = lib.tensor([1.0, 1.0], requires_grad=True)
        y = lib.tensor([4.0, 5.0], requires_grad=True)
        (m(x, y) * lib.tensor([1.0, -1.0])).sum().backward()
        return got, x.grad.tolist(), y.grad.tolist(), m.w.grad.tolist()

    assert run(cr) == run(torch)


# ---------------------------------------------------------------------------- containers
def test_sequential_indexing_and_editing():
    a, b, c = Act(), Affine(2, 2), Act()
    seq = nn.Sequential(a, b, c)
    assert seq[0] is a and seq[-1] is c and len(seq) == 3
    assert list(seq) == [a, b, c]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub._modules) == ["1", "2"] and sub[0] is b
    with pytest.raises(IndexError):
        seq[3]
    seq[0] = Affine(2, 2)
    del seq[0]
    assert list(seq._modules) == ["0", "1"] and seq[0] is b
    seq.append(a).insert(0, c)
    assert list(seq) == [c, b, c, a]
    seq.extend([b])
    assert seq.pop(-1) is b and len(seq) == 4
    assert len(seq + nn.Sequential(a)) == 5
    named = nn.Sequential(OrderedDict([("first", a), ("second", b)]))
    assert list(named._modules) == ["first", "second"] and named[1] is b
    assert seq[1:3][1] is c
    x = cr.tensor([[1.0, -2.0]])
    assert nn.Sequential(Affine(2, 2), Act())(x).tolist() == [[0.0, 0.0]]


def test_module_list_and_dict():
    ml = nn.ModuleList([Act(), Act()])
    ml.append(Affine(1, 1))
    ml += [Act()]
    assert len(ml) == 4 and isinstance(ml[-2], Affine)
    ml.insert(0, Affine(2, 2))
    assert isinstance(ml[0], Affine) and list(ml._modules) == ["0", "1", "2", "3", "4"]
    del ml[1]
    assert list(ml._modules) == ["0", "1", "2", "3"]
    assert isinstance(ml[1:], nn.ModuleList) and len(ml[1:]) == 3
    assert [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias", "2.weight",
                                                     "2.bias"]
    with pytest.raises(TypeError):
        ml.extend(3)
    with pytest.raises(NotImplementedError):
        ml(1)

    md = nn.ModuleDict([("x", Act()), ("y", Affine(1, 1))])
    md["z"] = Act()
    assert list(md) == ["x", "y", "z"] and "y" in md and len(md) == 3
    assert isinstance(md.pop("y"), Affine) and list(md.keys()) == ["x", "z"]
    md.update({"w": Act()})
    assert [k for k, _ in md.items()] == ["x", "z", "w"]
    md.clear()
    assert len(md) == 0
    with pytest.raises(ValueError):
        md.update([("a", Act(), 1)])


def test_parameter_list_and_dict():
    pl = nn.ParameterList([cr.zeros(2), nn.Parameter(cr.ones(1))])
    assert all(isinstance(p, nn.Parameter) for p in pl)
    pl.append(cr.zeros(3))
    pl.extend([cr.zeros(4)])
    assert len(pl) == 4 and pl[-1].shape == (4,)
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2", "3"]
    pl[0] = cr.full((2,), 9.0)
    assert isinstance(pl[0], nn.Parameter) and pl[0].tolist() == [9.0, 9.0]
    assert len(pl[1:]) == 3

    pd = nn.ParameterDict({"a": cr.zeros(1)})
    pd["b"] = nn.Parameter(cr.ones(2))
    assert list(pd) == ["a", "b"] and isinstance(pd["a"], nn.Parameter)
    assert pd.get("c") is None and "b" in pd
    pd.update([("c", cr.zeros(3))])
    assert [k for k, _ in pd.named_parameters()] == ["a", "b", "c"]
    assert pd.pop("a").shape == (1,) and list(pd.keys()) == ["b", "c"]
    assert pd.popitem()[0] == "c"
    merged = pd | nn.ParameterDict({"d": cr.zeros(1)})
    assert list(merged) == ["b", "d"]
    with pytest.raises(TypeError):
        pd[1] = cr.zeros(1)


def test_container_state_dict_keys_match_torch(torch):
    def build(lib):
        Aff, A, _, _ = make_classes(lib)
        return lib.nn.Sequential(
            OrderedDict([("enc", lib.nn.ModuleList([Aff(2, 3), A(), Aff(3, 3)])),
                         ("heads", lib.nn.ModuleDict({"p": Aff(3, 1)}))]))

    assert list(build(cr).state_dict()) == list(build(torch).state_dict())


def test_real_layers_repr_state_dict_and_weights_carry_over(torch):
    needed = ("Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "Dropout", "BatchNorm1d")
    if not all(hasattr(nn, name) for name in needed):
        pytest.skip("layers not available yet")

    def build(lib):
        n = lib.nn
        return n.Sequential(n.Conv2d(1, 4, 3, padding=1), n.ReLU(), n.MaxPool2d(2), n.Flatten(),
                            n.Linear(64, 10), n.BatchNorm1d(10), n.Dropout(0.1))

    ours, theirs = build(cr), build(torch)
    assert repr(ours[:5]) == repr(theirs[:5])  # (BatchNorm's own repr is not compared here)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(ours(cr.tensor(x))._data,
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_global_forward_hooks():
    from chainrule.nn.modules.module import (
        register_module_forward_hook,
        register_module_forward_pre_hook,
    )

    seen = []
    h1 = register_module_forward_pre_hook(lambda m, args: seen.append(("pre", m._get_name())))
    h2 = register_module_forward_hook(lambda m, args, out: seen.append(("post", m._get_name())))
    try:
        nn.Sequential(Act())(cr.ones(1))
    finally:
        h1.remove()
        h2.remove()
    assert seen == [("pre", "Sequential"), ("pre", "Act"), ("post", "Act"),
                    ("post", "Sequential")]
    Act()(cr.ones(1))
    assert len(seen) == 4
