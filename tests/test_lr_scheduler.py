"""Learning-rate schedulers against torch.optim.lr_scheduler, step by step."""

import copy
import math
import warnings

import pytest

import chainrule as cr
import chainrule.optim as optim
from chainrule.optim import lr_scheduler as ls


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _opt(lib, name="SGD", lrs=(0.1, 0.02)):
    """An optimizer of ``lib`` (chainrule or torch) with one param group per lr."""
    mod = lib.optim
    groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    kwargs = {"momentum": 0.9} if name == "SGD" else {}
    return getattr(mod, name)(groups, lr=lrs[0], **kwargs)


def _trace(lib, make, steps, name="SGD", metrics=None, lrs=(0.1, 0.02)):
    """Learning rates (and momentum / beta1) after construction and after each step."""
    opt = _opt(lib, name, lrs)
    sched = make(lib.optim.lr_scheduler, opt)
    out = []

    def record():
        row = [g["lr"] for g in opt.param_groups]
        if "momentum" in opt.defaults:
            row += [g["momentum"] for g in opt.param_groups]
        if "betas" in opt.defaults:
            row += [g["betas"][0] for g in opt.param_groups]
        out.append(row)

    record()
    for i in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
            assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        else:
            sched.step(metrics[i])
        record()
    return out


def _compare(torch, make, steps=25, name="SGD", metrics=None, lrs=(0.1, 0.02)):
    ours = _trace(cr, make, steps, name, metrics, lrs)
    theirs = _trace(torch, make, steps, name, metrics, lrs)
    assert len(ours) == len(theirs)
    for t, (a, b) in enumerate(zip(ours, theirs)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"step {t}: {a} vs {b}"


SCHEDULES = {
    "step": lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    "multistep": lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "exponential": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "cosine": lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "cosine_zero_min": lambda m, o: m.CosineAnnealingLR(o, T_max=10),
    "lambda": lambda m, o: m.LambdaLR(o, lambda t: 0.95**t),
    "lambda_list": lambda m, o: m.LambdaLR(o, [lambda t: 1 / (t + 1), lambda t: 1 + t % 3]),
    "linear": lambda m, o: m.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=6),
    "linear_default": lambda m, o: m.LinearLR(o),
    "linear_decay": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1,
                                            total_iters=10),
    "onecycle": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=30),
    "onecycle_linear": lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=30,
                                                 anneal_strategy="linear", pct_start=0.25),
    "onecycle_three_phase": lambda m, o: m.OneCycleLR(o, max_lr=0.3, epochs=3,
                                                      steps_per_epoch=10, three_phase=True),
    "onecycle_no_momentum": lambda m, o: m.OneCycleLR(o, max_lr=0.3, total_steps=30,
                                                      cycle_momentum=False, div_factor=10.0,
                                                      final_div_factor=100.0),
    "sequential": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.ExponentialLR(o, gamma=0.8)],
        milestones=[5]),
    "sequential3": lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, gamma=0.5), m.StepLR(o, step_size=2, gamma=0.1),
            m.CosineAnnealingLR(o, T_max=6)], milestones=[4, 11]),
}


@pytest.mark.parametrize("key", sorted(SCHEDULES))
def test_matches_torch(torch, key):
    _compare(torch, SCHEDULES[key], steps=30)


@pytest.mark.parametrize("key", ["onecycle", "onecycle_three_phase", "onecycle_linear"])
def test_onecycle_cycles_adam_betas(torch, key):
    _compare(torch, SCHEDULES[key], steps=30, name="Adam")


def test_chained_schedulers_compose(torch):
    """Two recursive schedulers on one optimizer multiply their effects, as in torch."""

    def trace(lib):
        opt = _opt(lib)
        first = lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
        second = lib.optim.lr_scheduler.MultiStepLR(opt, milestones=[3, 6], gamma=0.5)
        out = []
        for _ in range(10):
            opt.step()
            first.step()
            second.step()
            out += [g["lr"] for g in opt.param_groups]
        return out

    assert trace(cr) == pytest.approx(trace(torch), rel=1e-12)


PLATEAU = {
    "min_rel": (dict(patience=2, factor=0.5), None),
    "min_abs_cooldown": (dict(patience=1, factor=0.3, threshold=0.05, threshold_mode="abs",
                              cooldown=2), None),
    "max_rel": (dict(mode="max", patience=1, factor=0.5, threshold=0.01), None),
    "max_abs_min_lr": (dict(mode="max", patience=0, factor=0.2, threshold_mode="abs",
                            min_lr=[0.005, 0.001]), None),
    "min_lr_eps": (dict(patience=0, factor=0.5, min_lr=0.01, eps=1e-3), None),
}
METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.8, 0.81, 0.82, 0.83, 0.84, 0.7, 0.7, 0.71, 0.72,
           0.73, 0.74, 0.5, 0.55, 0.6, 0.65, 0.66, 0.67, 0.4, 0.41, 0.42]


@pytest.mark.parametrize("key", sorted(PLATEAU))
def test_reduce_on_plateau_matches_torch(torch, key):
    kwargs, _ = PLATEAU[key]
    metrics = METRICS if kwargs.get("mode", "min") == "min" else [-m for m in METRICS]
    _compare(torch, lambda m, o: m.ReduceLROnPlateau(o, **kwargs), steps=len(metrics),
             metrics=metrics)


def test_reduce_on_plateau_state_dict():
    opt = _opt(cr)
    sched = ls.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    for v in METRICS[:6]:
        sched.step(v)
    saved = copy.deepcopy(sched.state_dict())
    assert "optimizer" not in saved
    opt2 = _opt(cr, lrs=[g["lr"] for g in opt.param_groups])
    sched2 = ls.ReduceLROnPlateau(opt2)
    sched2.load_state_dict(saved)
    for v in METRICS[6:]:
        sched.step(v)
        sched2.step(v)
        assert sched.get_last_lr() == sched2.get_last_lr()
    assert sched.best == sched2.best and sched.num_bad_epochs == sched2.num_bad_epochs


@pytest.mark.parametrize("key", ["step", "multistep", "cosine", "lambda", "linear", "onecycle",
                                 "sequential"])
def test_state_dict_round_trip(key):
    make = SCHEDULES[key]
    opt = _opt(cr)
    sched = make(ls, opt)
    for _ in range(7):
        opt.step()
        sched.step()
    saved = copy.deepcopy(sched.state_dict())
    opt_saved = copy.deepcopy(opt.state_dict())
    assert "optimizer" not in saved

    opt2 = _opt(cr)
    sched2 = make(ls, opt2)
    sched2.load_state_dict(saved)
    opt2.load_state_dict(opt_saved)
    assert sched2.last_epoch == sched.last_epoch
    for _ in range(10):
        opt.step()
        opt2.step()
        sched.step()
        sched2.step()
        assert sched2.get_last_lr() == pytest.approx(sched.get_last_lr(), rel=1e-12)


def test_lambda_state_dict_keeps_callable_objects_only():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, t):
            return self.rate**t

    opt = _opt(cr)
    sched = ls.LambdaLR(opt, [Decay(), lambda t: 1.0])
    saved = sched.state_dict()
    assert saved["lr_lambdas"] == [{"rate": 0.5}, None]
    sched.lr_lambdas[0].rate = 0.1
    sched.load_state_dict(saved)
    assert sched.lr_lambdas[0].rate == 0.5


def test_base_lrs_and_last_epoch():
    opt = _opt(cr)
    sched = ls.StepLR(opt, step_size=2)
    assert sched.base_lrs == [0.1, 0.02]
    assert sched.last_epoch == 0
    assert all(g["initial_lr"] == g["lr"] for g in opt.param_groups)
    opt.step()
    sched.step()
    assert sched.last_epoch == 1


def test_resume_with_last_epoch(torch):
    """Building a scheduler with last_epoch >= 0 keeps the current rates (no extra step),
    then continues like torch."""

    def trace(lib):
        opt = _opt(lib)
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
            g["lr"] = g["lr"] * 0.9**5
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9, last_epoch=5)
        out = list(sched.get_last_lr())
        for _ in range(5):
            opt.step()
            sched.step()
            out += sched.get_last_lr()
        return out

    assert trace(cr) == pytest.approx(trace(torch), rel=1e-12)
    opt = _opt(cr)
    with pytest.raises(KeyError, match="initial_lr"):
        ls.StepLR(opt, step_size=2, last_epoch=3)


def test_step_with_epoch_uses_closed_form():
    opt = _opt(cr)
    sched = ls.CosineAnnealingLR(opt, T_max=10, eta_min=0.0)
    opt.step()
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(5)
    assert sched.get_last_lr()[0] == pytest.approx(0.05)
    assert sched.last_epoch == 5


@pytest.mark.parametrize("key", ["step", "multistep", "exponential", "cosine", "linear"])
def test_closed_form_matches_torch(torch, key):
    def trace(lib):
        opt = _opt(lib)
        sched = SCHEDULES[key](lib.optim.lr_scheduler, opt)
        out = []
        for epoch in [3, 7, 2, 12, 6]:
            opt.step()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sched.step(epoch)
            out += sched.get_last_lr()
        return out

    assert trace(cr) == pytest.approx(trace(torch), rel=1e-12)


def test_warns_when_stepped_before_optimizer():
    opt = _opt(cr)
    sched = ls.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before optimizer.step"):
        sched.step()
    opt = _opt(cr)
    sched = ls.StepLR(opt, step_size=2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_onecycle_past_total_steps_raises():
    opt = _opt(cr)
    sched = ls.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        sched.step()


def test_onecycle_endpoints():
    opt = _opt(cr, lrs=(0.1,))
    sched = ls.OneCycleLR(opt, max_lr=1.0, total_steps=10, div_factor=10.0,
                          final_div_factor=100.0)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(9):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    assert lrs[0] == pytest.approx(0.1)
    assert max(lrs) == pytest.approx(1.0)
    assert lrs[-1] == pytest.approx(0.1 / 100.0)
    assert math.isclose(opt.param_groups[0]["momentum"], 0.95)


@pytest.mark.parametrize("make,exc,message", [
    (lambda o: ls.LinearLR(o, start_factor=0), ValueError, "Starting multiplicative factor"),
    (lambda o: ls.LinearLR(o, start_factor=1.5), ValueError, "Starting multiplicative factor"),
    (lambda o: ls.LinearLR(o, end_factor=-0.1), ValueError, "Ending multiplicative factor"),
    (lambda o: ls.OneCycleLR(o, max_lr=0.1), ValueError, "You must define either total_steps"),
    (lambda o: ls.OneCycleLR(o, max_lr=0.1, total_steps=0), ValueError,
     "Expected positive integer total_steps"),
    (lambda o: ls.OneCycleLR(o, max_lr=0.1, epochs=2, steps_per_epoch=-1), ValueError,
     "Expected positive integer steps_per_epoch"),
    (lambda o: ls.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1.5), ValueError,
     "pct_start"),
    (lambda o: ls.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="exp"),
     ValueError, "anneal_strategy must be one of"),
    (lambda o: ls.OneCycleLR(o, max_lr=[0.1, 0.2, 0.3], total_steps=10), ValueError,
     "max_lr must have the same length"),
    (lambda o: ls.LambdaLR(o, [lambda t: 1.0]), ValueError, "Expected 2 lr_lambdas"),
    (lambda o: ls.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0"),
    (lambda o: ls.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode avg is unknown"),
    (lambda o: ls.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError,
     "threshold mode pct is unknown"),
    (lambda o: ls.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs"),
    (lambda o: ls.SequentialLR(o, [], milestones=[]), ValueError, "at least one scheduler"),
    (lambda o: ls.SequentialLR(o, [ls.StepLR(o, 2), ls.StepLR(o, 3)], milestones=[]),
     ValueError, "one more than the number of milestone"),
    (lambda o: ls.SequentialLR(o, [ls.StepLR(o, 2), ls.ReduceLROnPlateau(o)], milestones=[2]),
     ValueError, "does not support `ReduceLROnPlateau`"),
    (lambda o: ls.SequentialLR(o, [ls.StepLR(_opt(cr), 2)], milestones=[]), ValueError,
     "same optimizer"),
    (lambda o: ls.StepLR("not an optimizer", 2), TypeError, "is not an Optimizer"),
])
def test_validation(make, exc, message):
    with pytest.raises(exc, match=message):
        make(_opt(cr))


def test_onecycle_needs_momentum():
    opt = optim.Adagrad([cr.zeros(2, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="optimizer must support momentum"):
        ls.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    ls.OneCycleLR(opt, max_lr=0.1, total_steps=10, cycle_momentum=False)
