"""RAdam, Adadelta, Rprop, ASGD, LBFGS and swa_utils against torch.optim: parameters after
every step, state and its dicts (ours round-tripped, torch's loaded), argument checks."""

import copy
import inspect

import numpy as np
import pytest

import chainrule as cr
import chainrule.optim as optim
from chainrule.optim import swa_utils
from chainrule.tensor import Tensor

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

SHAPES = [(3, 4), (5,), (2, 3, 2)]
NAMES = ["RAdam", "Adadelta", "Rprop", "ASGD"]


def _arrays(seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def _groups(params, group_opts):
    if group_opts is None:
        return list(params)
    return [dict(group_opts[0], params=list(params[:2])),
            dict(group_opts[1], params=list(params[2:]))]


def _feed(ours, theirs, rng, dtype, skip=None):
    """The same gradient (a noisy quadratic bowl at the current values) on both sides."""
    for i, (pc, pt) in enumerate(zip(ours, theirs)):
        if i == skip:
            continue
        g = (0.5 * pc._data + rng.standard_normal(pc.shape)).astype(dtype)
        pc.grad = Tensor._wrap(g.copy())
        if pt is not None:
            pt.grad = torch.tensor(g)


def _close(ours, theirs, dtype, name=""):
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)
    if name == "ASGD" and dtype == np.float64:
        # torch keeps ASGD's eta and mu as float32 scalars even for float64 params;
        # chainrule keeps Python floats, so the two agree to ~1e-8
        tol = dict(rtol=1e-6, atol=1e-8)
    for pc, pt in zip(ours, theirs):
        np.testing.assert_allclose(pc._data, pt.detach().numpy(), **tol)


def _run_pair(name, kwargs, steps=8, group_opts=None, skip=None, dtype=np.float32):
    arrays = _arrays(dtype=dtype)
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    opt_c = getattr(optim, name)(_groups(ours, group_opts), **kwargs)
    opt_t = getattr(torch.optim, name)(_groups(theirs, group_opts), **kwargs)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        _feed(ours, theirs, rng, dtype, skip)
        opt_c.step()
        opt_t.step()
        _close(ours, theirs, dtype, name)
        if name == "ASGD":  # the averaged iterate too
            _close([opt_c.state[p]["ax"] for p in ours if p in opt_c.state],
                   [opt_t.state[p]["ax"] for p in theirs if p in opt_t.state], dtype, name)
    return ours, theirs, opt_c, opt_t


CASES = [
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6)),  # rectified from step 5 on
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.95), maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, maximize=True, weight_decay=0.05)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.08))),
    ("Rprop", dict(lr=0.05, maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=3)),  # averaging from step 4 on
    ("ASGD", dict(lr=0.05, t0=0, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=2, maximize=True)),
]


@needs_torch
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_matches_torch(name, kwargs):
    _run_pair(name, kwargs)


@needs_torch
@pytest.mark.parametrize("name", NAMES)
def test_param_groups_and_float64_match_torch(name):
    groups = [{"lr": 0.02}, {"lr": 0.005}]
    if name != "Rprop":
        groups[1]["weight_decay"] = 0.1
    _run_pair(name, {"lr": 0.01}, steps=6, group_opts=groups)
    ours, _, opt, _ = _run_pair(name, {"lr": 0.01}, steps=6, dtype=np.float64)
    for state in opt.state.values():
        for v in state.values():
            if isinstance(v, Tensor):
                assert v._data.dtype == np.float64


@needs_torch
@pytest.mark.parametrize("name", NAMES)
def test_state_keys_match_torch_and_skip_params_without_grad(name):
    ours, _, opt_c, opt_t = _run_pair(name, {"lr": 0.01}, steps=3, skip=1)
    np.testing.assert_array_equal(ours[1]._data, _arrays()[1])
    assert ours[1] not in opt_c.state
    sc, st = opt_c.state_dict(), opt_t.state_dict()
    assert {k: sorted(v) for k, v in sc["state"].items()} == \
        {k: sorted(v) for k, v in st["state"].items()}
    for gc, gt in zip(sc["param_groups"], st["param_groups"]):
        assert gc["params"] == gt["params"]
        for key in gc:
            assert gc[key] == gt[key], key


@pytest.mark.parametrize("name,kwargs", [
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.9))),
    ("Adadelta", dict(lr=0.5)),
    ("Rprop", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=2)),
])
def test_state_dict_round_trip(name, kwargs):
    """Save after 3 steps, load into a fresh optimizer over copies, continue both: equal."""
    params_a = [cr.tensor(a, requires_grad=True) for a in _arrays()]
    opt_a = getattr(optim, name)(_groups(params_a, [{}, {"lr": 0.03}]), **kwargs)
    rng = np.random.default_rng(2)
    for _ in range(3):
        _feed(params_a, [None] * 3, rng, np.float32)
        opt_a.step()
    saved = copy.deepcopy(opt_a.state_dict())
    for st in saved["state"].values():
        assert all(isinstance(v, (Tensor, int, float)) for v in st.values())
    params_b = [cr.tensor(p._data, requires_grad=True) for p in params_a]
    opt_b = getattr(optim, name)(_groups(params_b, [{}, {}]), **kwargs)
    opt_b.load_state_dict(saved)
    assert opt_b.param_groups[1]["lr"] == 0.03
    for _ in range(3):
        state = rng.bit_generator.state
        _feed(params_a, [None] * 3, rng, np.float32)
        rng.bit_generator.state = state
        _feed(params_b, [None] * 3, rng, np.float32)
        opt_a.step()
        opt_b.step()
    for pa, pb in zip(params_a, params_b):
        np.testing.assert_array_equal(pa._data, pb._data)


@needs_torch
@pytest.mark.parametrize("name,kwargs", [
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.9))),
    ("Adadelta", dict(lr=0.5)),
    ("Rprop", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=2)),
])
def test_load_torch_state_dict(name, kwargs):
    arrays = _arrays()
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
    assert isinstance(opt_c.state[ours[0]]["step"], int)
    if name == "ASGD":
        assert isinstance(opt_c.state[ours[0]]["eta"], float)
    for _ in range(4):
        _feed(ours, theirs, rng, np.float32)
        opt_c.step()
        opt_t.step()
        _close(ours, theirs, np.float32)


def _torch_error(make):
    try:
        make()
    except Exception as exc:  # noqa: BLE001  (the oracle's exception, whatever it is)
        return exc
    raise AssertionError("torch accepted the arguments")


@needs_torch
@pytest.mark.parametrize("name,kwargs", [
    ("RAdam", dict(lr=-1e-3)),
    ("RAdam", dict(eps=-1.0)),
    ("RAdam", dict(betas=(1.0, 0.999))),
    ("RAdam", dict(betas=(0.9, -0.1))),
    ("RAdam", dict(weight_decay=-0.1)),
    ("Adadelta", dict(lr=-1.0)),
    ("Adadelta", dict(rho=1.5)),
    ("Adadelta", dict(rho=-0.1)),
    ("Adadelta", dict(eps=-1.0)),
    ("Adadelta", dict(weight_decay=-1.0)),
    ("Rprop", dict(lr=-0.1)),
    ("Rprop", dict(etas=(1.0, 1.2))),
    ("Rprop", dict(etas=(0.5, 0.9))),
    ("Rprop", dict(etas=(0.0, 1.2))),
    ("ASGD", dict(lr=-0.1)),
    ("ASGD", dict(weight_decay=-0.1)),
    ("LBFGS", dict(lr=-1.0)),
])
def test_argument_validation_as_torch(name, kwargs):
    expected = _torch_error(lambda: getattr(torch.optim, name)(
        [torch.zeros(2, requires_grad=True)], **kwargs))
    with pytest.raises(type(expected)) as info:
        getattr(optim, name)([cr.zeros(2, requires_grad=True)], **kwargs)
    assert str(info.value) == str(expected)


@needs_torch
@pytest.mark.parametrize("name", NAMES + ["LBFGS"])
def test_signature_and_defaults_match_torch(name):
    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    assert list(ours) == list(theirs)
    for arg, param in theirs.items():
        assert ours[arg].kind == param.kind, (name, arg)
        if param.default is not inspect.Parameter.empty:
            assert ours[arg].default == param.default, (name, arg)


@pytest.mark.parametrize("name", NAMES)
def test_torch_only_flags(name):
    a = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(NotImplementedError):
        getattr(optim, name)([a], differentiable=True)
    getattr(optim, name)([a], foreach=False, capturable=False)  # accepted, ignored


def test_rprop_without_torch():
    # hand-computed: steps of lr, then lr * 1.2 while the sign holds, a skipped move after
    # the sign flips, then the halved step size
    w = cr.tensor([0.0], requires_grad=True)
    opt = optim.Rprop([w], lr=0.1)
    trace = []
    for g in [1.0, 1.0, -1.0, -1.0]:
        w.grad = cr.tensor([g])
        opt.step()
        trace.append(round(w.item(), 6))
    assert trace == [-0.1, -0.22, -0.22, -0.16]
    assert opt.state[w]["step_size"].item() == pytest.approx(0.06)


# ---------------------------------------------------------------------- LBFGS
def _rosenbrock(lib, x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


_LSQ_A = np.arange(24, dtype=np.float64).reshape(6, 4) % 7 - 3.0 + np.eye(6, 4) * 5.0
_LSQ_B = np.linspace(-1.0, 2.0, 6)


def _least_squares(lib, x):
    dt = x.detach().numpy().dtype
    return ((lib.tensor(_LSQ_A.astype(dt)) @ x - lib.tensor(_LSQ_B.astype(dt))) ** 2).sum()


def _lbfgs_trace(lib, problem, x0, kwargs, steps):
    x = lib.tensor(x0.copy(), requires_grad=True)
    opt = lib.optim.LBFGS([x], **kwargs)

    def closure():
        opt.zero_grad()
        loss = problem(lib, x)
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        loss = opt.step(closure)
        x_now = x.detach().numpy()
        state = opt.state[x]
        out.append((loss.item(), x_now.copy(), state["func_evals"], state["n_iter"]))
    return out, opt, x


LBFGS_CASES = [
    ("rosenbrock", dict()),
    ("rosenbrock", dict(line_search_fn="strong_wolfe")),
    ("rosenbrock", dict(lr=0.5, history_size=3, max_iter=7, line_search_fn="strong_wolfe")),
    ("rosenbrock", dict(lr=1e-3, history_size=2, max_iter=5, max_eval=8)),
    ("least_squares", dict()),
    ("least_squares", dict(line_search_fn="strong_wolfe", tolerance_change=1e-12)),
    ("least_squares", dict(lr=0.1, history_size=2, max_iter=4)),
]


def _compare_lbfgs(problem, kwargs, dtype, steps, tol):
    fn = _rosenbrock if problem == "rosenbrock" else _least_squares
    x0 = (np.array([-1.2, 1.0, -0.5, 0.8]) if problem == "rosenbrock"
          else np.array([0.5, -0.3, 0.2, 0.1])).astype(dtype)
    ours, _, _ = _lbfgs_trace(cr, fn, x0, kwargs, steps)
    theirs, _, _ = _lbfgs_trace(torch, fn, x0, kwargs, steps)
    for (lc, xc, ec, nc), (lt, xt, et, nt) in zip(ours, theirs):
        if dtype == np.float64:  # (float32: rounding near the optimum may end a step
            assert (ec, nc) == (et, nt)  # an evaluation sooner or later)
        np.testing.assert_allclose(lc, lt, **tol)
        np.testing.assert_allclose(xc, xt, **tol)
        assert xc.dtype == dtype


@needs_torch
@pytest.mark.parametrize("problem,kwargs", LBFGS_CASES,
                         ids=[f"{p}-{i}" for i, (p, _) in enumerate(LBFGS_CASES)])
def test_lbfgs_matches_torch(problem, kwargs):
    _compare_lbfgs(problem, kwargs, np.float64, 3, dict(rtol=1e-7, atol=1e-9))


LBFGS_CASES_32 = [
    ("rosenbrock", dict(max_iter=8)),
    ("rosenbrock", dict(max_iter=8, line_search_fn="strong_wolfe")),
    ("least_squares", dict()),
    ("least_squares", dict(history_size=2, line_search_fn="strong_wolfe")),
]


@needs_torch
@pytest.mark.parametrize("problem,kwargs", LBFGS_CASES_32,
                         ids=[f"{p}-{i}" for i, (p, _) in enumerate(LBFGS_CASES_32)])
def test_lbfgs_matches_torch_float32(problem, kwargs):
    # The same algorithm in float32 scalars; the loss and gradient differ from torch's in
    # the last bits (summation order), which Rosenbrock's curved valley amplifies over
    # many iterations: fewer iterations there.
    _compare_lbfgs(problem, kwargs, np.float32, 2, dict(rtol=1e-4, atol=1e-5))


def test_lbfgs_solves_least_squares():
    x0 = np.zeros(4)
    kwargs = dict(line_search_fn="strong_wolfe", tolerance_change=1e-15, max_iter=50)
    ours, _, _ = _lbfgs_trace(cr, _least_squares, x0, kwargs, 2)
    solution = np.linalg.lstsq(_LSQ_A, _LSQ_B, rcond=None)[0]
    np.testing.assert_allclose(ours[-1][1], solution, atol=1e-6)


@needs_torch
@pytest.mark.parametrize("kwargs", [dict(history_size=3, max_iter=4),
                                    dict(history_size=3, max_iter=4,
                                         line_search_fn="strong_wolfe")])
def test_lbfgs_state_dict(kwargs):
    """torch's LBFGS state (tensors, 0-d tensors, lists) loads into ours and the run
    continues as torch's; ours round-trips through a deep copy."""
    x0 = np.array([-1.2, 1.0, -0.5, 0.8])
    _, opt_t, xt = _lbfgs_trace(torch, _rosenbrock, x0, kwargs, steps=2)
    xc = cr.tensor(xt.detach().numpy().copy(), requires_grad=True)
    opt_c = optim.LBFGS([xc], **kwargs)
    opt_c.load_state_dict(opt_t.state_dict())
    state = opt_c.state[xc]
    assert isinstance(state["d"], Tensor) and isinstance(state["old_dirs"][0], Tensor)
    assert state["n_iter"] == opt_t.state[xt]["n_iter"]
    opt_c2 = optim.LBFGS([cr.tensor(xc._data.copy(), requires_grad=True)], **kwargs)
    x2 = opt_c2.param_groups[0]["params"][0]
    opt_c2.load_state_dict(copy.deepcopy(opt_c.state_dict()))

    def closure_for(lib, opt, x):
        def closure():
            opt.zero_grad()
            loss = _rosenbrock(lib, x)
            loss.backward()
            return loss
        return closure

    for _ in range(2):
        opt_t.step(closure_for(torch, opt_t, xt))
        opt_c.step(closure_for(cr, opt_c, xc))
        opt_c2.step(closure_for(cr, opt_c2, x2))
        np.testing.assert_allclose(xc._data, xt.detach().numpy(), rtol=1e-7, atol=1e-9)
        np.testing.assert_array_equal(x2._data, xc._data)
    sc, st = opt_c.state_dict(), opt_t.state_dict()
    assert sorted(sc["state"][0]) == sorted(st["state"][0])
    assert sc["param_groups"][0] == st["param_groups"][0]


def test_lbfgs_errors_and_early_exit():
    a = cr.tensor([1.0], requires_grad=True)
    b = cr.tensor([2.0], requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = optim.LBFGS([a], line_search_fn="backtracking")
    with pytest.raises(TypeError):
        opt.step()
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(lambda: (a * a).sum())
    assert a.item() == 1.0 and not opt.state  # nothing ran
    assert optim.LBFGS([a], max_iter=8).defaults["max_eval"] == 10

    # already optimal: the closure runs once and nothing moves
    opt = optim.LBFGS([a])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (a - 1.0).pow(2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 0.0
    assert len(calls) == 1 and a.item() == 1.0


# ---------------------------------------------------------------------- swa_utils
def _models():
    """The same small model (linear, batch norm, linear) in chainrule and torch."""
    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))

    mc, mt = build(cr), build(torch)
    for pc, pt in zip(mc.parameters(), mt.parameters()):
        pc._data[...] = pt.detach().numpy()
    return mc, mt


def _perturb(mc, mt, rng):
    """New random weights in both models and one training-mode forward (moves the
    batch-norm buffers)."""
    for pc, pt in zip(mc.parameters(), mt.parameters()):
        v = rng.standard_normal(pc.shape).astype(np.float32)
        pc._data[...] = v
        with torch.no_grad():
            pt.copy_(torch.tensor(v))
    x = rng.standard_normal((5, 3)).astype(np.float32)
    mc.train()
    mt.train()
    mc(cr.tensor(x))
    mt(torch.tensor(x))


def _compare_modules(mc, mt, tol=1e-6):
    for (nc, vc), (nt, vt) in zip(mc.state_dict().items(), mt.state_dict().items()):
        assert nc == nt
        np.testing.assert_allclose(np.asarray(vc._data), vt.detach().numpy(), rtol=tol,
                                   atol=tol, err_msg=nc)


AVERAGING = {
    "swa": lambda m: dict(),
    "swa_buffers": lambda m: dict(use_buffers=True),
    "ema_fn": lambda m: dict(avg_fn=m.get_ema_avg_fn(0.9)),
    "ema_multi": lambda m: dict(multi_avg_fn=m.get_ema_multi_avg_fn(0.6)),
    "swa_fn": lambda m: dict(avg_fn=m.get_swa_avg_fn()),
    # (not with use_buffers: torch's in-place running mean fails on the int64 batch count)
    "swa_multi": lambda m: dict(multi_avg_fn=m.get_swa_multi_avg_fn()),
    "ema_multi_buffers": lambda m: dict(multi_avg_fn=m.get_ema_multi_avg_fn(0.3),
                                        use_buffers=True),
}


@needs_torch
@pytest.mark.parametrize("key", sorted(AVERAGING))
def test_averaged_model_matches_torch(key):
    mc, mt = _models()
    avg_c = swa_utils.AveragedModel(mc, **AVERAGING[key](swa_utils))
    avg_t = torch.optim.swa_utils.AveragedModel(mt, **AVERAGING[key](torch.optim.swa_utils))
    rng = np.random.default_rng(0)
    for _ in range(4):
        _perturb(mc, mt, rng)
        avg_c.update_parameters(mc)
        avg_t.update_parameters(mt)
        _compare_modules(avg_c, avg_t)
    assert int(avg_c.n_averaged) == 4 and avg_c.n_averaged._data.dtype == np.int64
    # the averaged model is a copy: the source's weights are untouched by averaging
    assert not np.shares_memory(avg_c.module[0].weight._data, mc[0].weight._data)

    loader = [rng.standard_normal((6, 3)).astype(np.float32) for _ in range(3)]
    avg_c.eval()
    avg_t.eval()
    swa_utils.update_bn([[cr.tensor(x), 0] for x in loader], avg_c)
    torch.optim.swa_utils.update_bn([[torch.tensor(x), 0] for x in loader], avg_t)
    _compare_modules(avg_c, avg_t, tol=2e-5)
    assert not avg_c.training and avg_c.module[1].momentum == 0.1
    x = rng.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(avg_c(cr.tensor(x))._data,
                               avg_t(torch.tensor(x)).detach().numpy(), rtol=2e-5, atol=2e-5)


def test_averaged_model_without_torch():
    model = cr.nn.Linear(2, 1)
    swa = swa_utils.AveragedModel(model)
    values = [1.0, 2.0, 6.0]
    for v in values:
        with cr.no_grad():
            model.weight.fill_(v)
        swa.update_parameters(model)
    assert swa.module.weight.tolist() == [[3.0, 3.0]]
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    for make in (swa_utils.get_ema_avg_fn, swa_utils.get_ema_multi_avg_fn):
        with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided"):
            make(1.5)
    swa_utils.update_bn([cr.ones(2, 2)], model)  # no batch norm: nothing to do


@needs_torch
@pytest.mark.parametrize("kwargs", [
    dict(swa_lr=0.05), dict(swa_lr=[0.05, 0.01], anneal_epochs=4, anneal_strategy="linear"),
    dict(swa_lr=0.2, anneal_epochs=0), dict(swa_lr=0.03, anneal_epochs=1),
])
def test_swalr_matches_torch(kwargs):
    def trace(lib):
        groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in (0.1, 0.5)]
        opt = lib.optim.SGD(groups, lr=0.1)
        sched = lib.optim.swa_utils.SWALR(opt, **kwargs)
        out = list(sched.get_last_lr())
        for _ in range(14):
            opt.step()
            sched.step()
            out += sched.get_last_lr()
        return out, sched

    (ours, sched_c), (theirs, sched_t) = trace(cr), trace(torch)
    assert ours == pytest.approx(theirs, rel=1e-12)
    saved = sched_c.state_dict()
    assert "anneal_func" not in saved and "optimizer" not in saved
    sched_c.load_state_dict(copy.deepcopy(saved))
    assert sched_c.anneal_func(0.5) == sched_t.anneal_func(0.5)


@needs_torch
@pytest.mark.parametrize("kwargs", [dict(swa_lr=0.1, anneal_strategy="exp"),
                                    dict(swa_lr=0.1, anneal_epochs=-1),
                                    dict(swa_lr=0.1, anneal_epochs=2.5),
                                    dict(swa_lr=[0.1, 0.2, 0.3])])
def test_swalr_validation_as_torch(kwargs):
    expected = _torch_error(lambda: torch.optim.swa_utils.SWALR(
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), **kwargs))
    opt = optim.SGD([cr.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(type(expected)) as info:
        swa_utils.SWALR(opt, **kwargs)
    assert str(info.value) == str(expected)
    assert "swa_lr" not in opt.param_groups[0]  # checked before anything changed
