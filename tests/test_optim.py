"""Optimizers: update rules against torch.optim step by step, options, param groups,
state_dict round trips, argument validation."""

import copy

import numpy as np
import pytest

import chainrule as cr
import chainrule.optim as optim
from chainrule.optim.optimizer import Optimizer, required
from chainrule.tensor import Tensor

SHAPES = [(3, 4), (5,), (2, 3, 2)]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _init_arrays(seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def _groups(params, group_opts):
    """Split params into groups: ``group_opts`` is None (one flat list) or a list of
    per-group option dicts (first group takes params[:2], second the rest)."""
    if group_opts is None:
        return list(params)
    return [dict(group_opts[0], params=list(params[:2])),
            dict(group_opts[1], params=list(params[2:]))]


def _run_pair(torch, name, kwargs, steps=6, group_opts=None, skip=None, dtype=np.float32):
    """Run chainrule's and torch's optimizer ``name`` side by side on identical params and
    identical gradients; compare params after every step. ``skip``: index of a parameter
    that never gets a gradient."""
    arrays = _init_arrays(dtype=dtype)
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    opt_c = getattr(optim, name)(_groups(ours, group_opts), **kwargs)
    opt_t = getattr(torch.optim, name)(_groups(theirs, group_opts), **kwargs)
    rng = np.random.default_rng(1)
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    if name == "NAdam" and dtype == np.float64:
        # torch keeps NAdam's running product mu_product in float32 even for float64
        # params; chainrule keeps it as a Python float, so the two agree to ~1e-7.
        tol = dict(rtol=1e-6, atol=1e-9)
    for _ in range(steps):
        for i, (pc, pt) in enumerate(zip(ours, theirs)):
            if i == skip:
                continue
            # gradient of a quadratic bowl plus noise, from the current (shared) values
            g = (0.5 * pc._data + rng.standard_normal(pc.shape)).astype(dtype)
            pc.grad = Tensor._wrap(g.copy())
            pt.grad = torch.tensor(g)
        opt_c.step()
        opt_t.step()
        for pc, pt in zip(ours, theirs):
            np.testing.assert_allclose(pc._data, pt.detach().numpy(), **tol)
    return ours, theirs, opt_c, opt_t


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.05, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, maximize=True, eps=1e-4)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, maximize=True, eps=1e-6)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01, betas=(0.85, 0.99))),
    ("NAdam", dict(lr=0.01, maximize=True)),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_matches_torch(torch, name, kwargs):
    _run_pair(torch, name, kwargs, steps=6)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax",
                                  "NAdam"])
def test_param_groups_match_torch(torch, name):
    extra = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    groups = [{"lr": 0.02}, {"lr": 0.005, "weight_decay": 0.1, **extra}]
    _run_pair(torch, name, {"lr": 0.01}, steps=5, group_opts=groups)


def test_adagrad_accumulator_starts_from_the_constructor_value(torch):
    # PyTorch fills every sum with the constructor's initial_accumulator_value, also for a
    # group that names its own
    groups = [{"initial_accumulator_value": 5.0}, {"lr": 0.05}]
    _, _, opt, _ = _run_pair(torch, "Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5},
                             steps=3, group_opts=groups)
    assert opt.param_groups[0]["initial_accumulator_value"] == 5.0


@pytest.mark.parametrize("name", ["SGD", "Adam", "NAdam"])
def test_float64_params(torch, name):
    kwargs = {"lr": 0.05, "momentum": 0.9} if name == "SGD" else {"lr": 0.05}
    ours, _, opt, _ = _run_pair(torch, name, kwargs, steps=5, dtype=np.float64)
    assert all(p._data.dtype == np.float64 for p in ours)
    for state in opt.state.values():
        for v in state.values():
            if isinstance(v, Tensor):
                assert v._data.dtype == np.float64


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Adamax", "NAdam"])
def test_params_without_grad_are_skipped(torch, name):
    kwargs = {"lr": 0.1, "momentum": 0.9} if name in ("SGD", "RMSprop") else {"lr": 0.1}
    ours, _, opt, _ = _run_pair(torch, name, kwargs, steps=3, skip=1)
    np.testing.assert_array_equal(ours[1]._data, _init_arrays()[1])
    if name != "Adagrad":  # Adagrad creates all state up front, as PyTorch does
        assert ours[1] not in opt.state


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adamax", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01)),
])
def test_state_dict_round_trip(name, kwargs):
    """Save after 3 steps, load into a fresh optimizer over copies of the params, continue
    both for 3 steps with the same gradients: identical results."""
    arrays = _init_arrays()
    params_a = [cr.tensor(a, requires_grad=True) for a in arrays]
    opt_a = getattr(optim, name)(_groups(params_a, [{}, {"lr": 0.03}]), **kwargs)
    rng = np.random.default_rng(2)

    def feed(params, grads):
        for p, g in zip(params, grads):
            p.grad = Tensor._wrap(g.copy())

    for _ in range(3):
        feed(params_a, [rng.standard_normal(s).astype(np.float32) for s in SHAPES])
        opt_a.step()
    saved = copy.deepcopy(opt_a.state_dict())
    assert set(saved) == {"state", "param_groups"}
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [2]]
    assert saved["param_groups"][1]["lr"] == 0.03
    for idx, st in saved["state"].items():
        assert isinstance(idx, int)
        assert all(isinstance(v, (Tensor, int, float)) for v in st.values())

    params_b = [cr.tensor(p._data, requires_grad=True) for p in params_a]
    opt_b = getattr(optim, name)(_groups(params_b, [{}, {}]), **kwargs)
    opt_b.load_state_dict(saved)
    assert opt_b.param_groups[1]["lr"] == 0.03
    assert opt_b.param_groups[0]["params"][0] is params_b[0]
    for _ in range(3):
        grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
        feed(params_a, grads)
        feed(params_b, grads)
        opt_a.step()
        opt_b.step()
    for pa, pb in zip(params_a, params_b):
        np.testing.assert_array_equal(pa._data, pb._data)
    # loading copied the buffers: the two optimizers do not share state
    sa, sb = opt_a.state[params_a[0]], opt_b.state[params_b[0]]
    for key, val in sa.items():
        if isinstance(val, Tensor):
            assert not np.shares_memory(val._data, sb[key]._data)


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1)),
    ("Adamax", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01)),
])
def test_load_torch_state_dict(torch, name, kwargs):
    """A torch optimizer's state_dict (tensor values) loads into ours and training
    continues identically."""
    arrays = _init_arrays()
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    opt_t = getattr(torch.optim, name)(theirs, **kwargs)
    rng = np.random.default_rng(3)
    for _ in range(3):
        for p in theirs:
            p.grad = torch.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
        opt_t.step()
    ours = [cr.tensor(p.detach().numpy(), requires_grad=True) for p in theirs]
    opt_c = getattr(optim, name)(ours, **kwargs)
    opt_c.load_state_dict(opt_t.state_dict())
    if "step" in opt_c.state[ours[0]]:
        assert isinstance(opt_c.state[ours[0]]["step"], (int, float))
    for _ in range(3):
        for pc, pt in zip(ours, theirs):
            g = rng.standard_normal(pc.shape).astype(np.float32)
            pc.grad = Tensor._wrap(g.copy())
            pt.grad = torch.tensor(g)
        opt_c.step()
        opt_t.step()
    for pc, pt in zip(ours, theirs):
        np.testing.assert_allclose(pc._data, pt.detach().numpy(), rtol=2e-5, atol=2e-6)


def test_state_dict_structure_matches_torch(torch):
    arrays = _init_arrays()
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    opt_c = optim.Adam(_groups(ours, [{}, {"lr": 0.1}]))
    opt_t = torch.optim.Adam(_groups(theirs, [{}, {"lr": 0.1}]))
    for pc, pt in zip(ours, theirs):
        pc.grad = Tensor._wrap(np.ones(pc.shape, np.float32))
        pt.grad = torch.ones(pt.shape)
    opt_c.step()
    opt_t.step()
    sc, st = opt_c.state_dict(), opt_t.state_dict()
    assert sc["state"].keys() == st["state"].keys()
    assert {k: sorted(v) for k, v in sc["state"].items()} == \
        {k: sorted(v) for k, v in st["state"].items()}
    for gc, gt in zip(sc["param_groups"], st["param_groups"]):
        assert gc["params"] == gt["params"]
        for key in ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"):
            assert gc[key] == gt[key]


def test_load_state_dict_mismatch_errors():
    p = [cr.tensor([1.0], requires_grad=True), cr.tensor([2.0], requires_grad=True)]
    sd = optim.SGD(p, lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [p[0]]}, {"params": [p[1]]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([p[0]], lr=0.1).load_state_dict(sd)


def test_closure_and_training_with_backward(torch):
    """A real loss through autograd; the closure is evaluated with grad enabled even
    under no_grad, and its loss is returned."""
    target = np.array([1.0, -2.0, 3.0], np.float32)
    w = cr.tensor([0.0, 0.0, 0.0], requires_grad=True)
    wt = torch.zeros(3, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    opt_t = torch.optim.Adam([wt], lr=0.1)
    tgt, tgt_t = cr.tensor(target), torch.tensor(target)

    def closure():
        opt.zero_grad()
        loss = ((w - tgt) ** 2).sum()
        loss.backward()
        return loss

    def closure_t():
        opt_t.zero_grad()
        loss = ((wt - tgt_t) ** 2).sum()
        loss.backward()
        return loss

    for _ in range(10):
        with cr.no_grad():
            loss = opt.step(closure)
        loss_t = opt_t.step(closure_t)
        assert loss.item() == pytest.approx(loss_t.item(), rel=1e-5)
    np.testing.assert_allclose(w._data, wt.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_zero_grad():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    w.grad = Tensor._wrap(np.array([3.0, 4.0], np.float32))
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None
    opt.step()  # no gradients: nothing happens
    assert w.tolist() == [1.0, 2.0]


def test_step_bumps_version_and_updates_in_place():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    data, version = w._data, w._version
    opt = optim.Adam([w], lr=0.1)
    w.grad = Tensor._wrap(np.array([1.0, 1.0], np.float32))
    opt.step()
    assert w._data is data
    assert w._version > version
    assert w.grad.tolist() == [1.0, 1.0]  # the gradient itself is not modified


def test_maximize_does_not_touch_grad():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.5, momentum=0.9, weight_decay=0.1, maximize=True)
    w.grad = Tensor._wrap(np.array([1.0, 1.0], np.float32))
    opt.step()
    assert w.grad.tolist() == [1.0, 1.0]


def test_lr_change_takes_effect():
    w = cr.tensor([1.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    opt.param_groups[0]["lr"] = 1.0
    w.grad = Tensor._wrap(np.array([0.5], np.float32))
    opt.step()
    assert w.item() == pytest.approx(0.5)


def test_add_param_group():
    a = cr.tensor([1.0], requires_grad=True)
    b = cr.tensor([2.0], requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["momentum"] == 0.9  # taken from the defaults
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([a])


def test_named_parameters_and_repr():
    a = cr.tensor([1.0], requires_grad=True)
    opt = optim.Adam([("weight", a)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight"]
    assert opt.param_groups[0]["params"] == [a]
    text = repr(opt)
    assert text.startswith("Adam (") and "lr: 0.1" in text and "Parameter Group 0" in text


def test_required_hyperparameter():
    a = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        Optimizer([a], {"lr": required})


def test_bad_params():
    a = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(a, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {a}}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([a * 2], lr=0.1)
    with pytest.raises(NotImplementedError):
        optim.Adam([a], differentiable=True)
    optim.Adam([a], foreach=False, fused=None, capturable=False)  # accepted, ignored


@pytest.mark.parametrize("cls,kwargs,message", [
    (optim.SGD, dict(lr=-1), "Invalid learning rate: -1"),
    (optim.SGD, dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    (optim.SGD, dict(lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    (optim.SGD, dict(lr=0.1, nesterov=True), "Nesterov momentum requires"),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires"),
    (optim.Adam, dict(lr=-0.01), "Invalid learning rate: -0.01"),
    (optim.Adam, dict(eps=-1e-8), "Invalid epsilon value"),
    (optim.Adam, dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (optim.Adam, dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (optim.Adam, dict(weight_decay=-0.1), "Invalid weight_decay value"),
    (optim.AdamW, dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1"),
    (optim.RMSprop, dict(lr=-1), "Invalid learning rate"),
    (optim.RMSprop, dict(alpha=-0.1), "Invalid alpha value: -0.1"),
    (optim.RMSprop, dict(momentum=-1), "Invalid momentum value"),
    (optim.RMSprop, dict(eps=-1), "Invalid epsilon value"),
    (optim.Adagrad, dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    (optim.Adagrad, dict(initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    (optim.Adagrad, dict(eps=-1), "Invalid epsilon value"),
    (optim.Adamax, dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0"),
    (optim.Adamax, dict(lr=-2), "Invalid learning rate: -2"),
    (optim.NAdam, dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
    (optim.NAdam, dict(weight_decay=-1), "Invalid weight_decay value"),
])
def test_argument_validation(cls, kwargs, message):
    a = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        cls([a], **kwargs)


def test_defaults_match_torch(torch):
    import inspect

    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam"]:
        ours = inspect.signature(getattr(optim, name)).parameters
        theirs = inspect.signature(getattr(torch.optim, name)).parameters
        for arg, param in theirs.items():
            if arg in ours and param.default is not inspect.Parameter.empty:
                assert ours[arg].default == param.default, (name, arg)
        assert set(theirs) <= set(ours), (name, set(theirs) - set(ours))
