"""ConstantLR, MultiplicativeLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR and
ChainedScheduler against torch.optim.lr_scheduler: rates (and momenta) step by step over
their cycles, epochs passed to step(), state dicts, argument checks."""

import copy
import warnings

import pytest

import chainrule as cr
from chainrule.optim import lr_scheduler as ls

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _opt(lib, name="SGD", lrs=(0.1, 0.02)):
    """An optimizer of ``lib`` (chainrule or torch) with one param group per rate."""
    groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    kwargs = {"momentum": 0.9} if name == "SGD" else {}
    return getattr(lib.optim, name)(groups, lr=lrs[0], **kwargs)


def _row(opt):
    row = [g["lr"] for g in opt.param_groups]
    if "momentum" in opt.defaults:
        row += [g["momentum"] for g in opt.param_groups]
    if "betas" in opt.defaults:
        row += [g["betas"][0] for g in opt.param_groups]
    return row


def _trace(lib, make, steps, name="SGD", epochs=None):
    """Rates and momenta after construction and after each step (``step(epoch)`` with the
    given epochs, if any)."""
    opt = _opt(lib, name)
    sched = make(lib.optim.lr_scheduler, opt)
    out = [_row(opt)]
    for i in range(steps if epochs is None else len(epochs)):
        opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the deprecated step(epoch)
            sched.step() if epochs is None else sched.step(epochs[i])
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        out.append(_row(opt))
    return out


def _compare(make, steps=40, name="SGD", epochs=None):
    ours = _trace(cr, make, steps, name, epochs)
    theirs = _trace(torch, make, steps, name, epochs)
    assert len(ours) == len(theirs)
    for t, (a, b) in enumerate(zip(ours, theirs)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"step {t}: {a} vs {b}"


class Halving:
    """A callable object (its state is saved by state_dict, unlike a lambda's)."""

    def __init__(self):
        self.base = 0.5

    def __call__(self, x):
        return self.base ** (x - 1)


SCHEDULES = {
    "constant": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=4),
    "constant_default": lambda m, o: m.ConstantLR(o),
    "multiplicative": lambda m, o: m.MultiplicativeLR(o, lambda t: 0.95),
    "multiplicative_list": lambda m, o: m.MultiplicativeLR(
        o, [lambda t: 0.9, lambda t: 1 + 0.01 * (t % 4)]),
    "polynomial": lambda m, o: m.PolynomialLR(o, total_iters=8, power=2.0),
    "polynomial_default": lambda m, o: m.PolynomialLR(o),
    "warm_restarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5),
    "warm_restarts_mult": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2,
                                                                     eta_min=0.001),
    "cyclic": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "cyclic_triangular2": lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.001],
                                                  max_lr=[0.1, 0.05], step_size_up=3,
                                                  step_size_down=5, mode="triangular2"),
    "cyclic_exp_range": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                mode="exp_range", gamma=0.95,
                                                base_momentum=0.7, max_momentum=0.95),
    "cyclic_scale_fn_cycle": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=2,
                                                     scale_fn=lambda c: 1.0 / c),
    "cyclic_scale_fn_iterations": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=3,
                                                          scale_fn=Halving(),
                                                          scale_mode="iterations"),
    "cyclic_no_momentum": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=5,
                                                  step_size_down=2, cycle_momentum=False),
    "chained": lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.1, total_iters=3),
                                                m.ExponentialLR(o, gamma=0.9)]),
    "chained3": lambda m, o: m.ChainedScheduler(
        [m.CosineAnnealingLR(o, T_max=6), m.MultiplicativeLR(o, lambda t: 0.99),
         m.StepLR(o, step_size=4, gamma=0.5)], optimizer=o),
}


@needs_torch
@pytest.mark.parametrize("key", sorted(SCHEDULES))
def test_matches_torch(key):
    _compare(SCHEDULES[key], steps=40)


@needs_torch
@pytest.mark.parametrize("key", ["cyclic", "cyclic_exp_range", "cyclic_triangular2"])
def test_cyclic_cycles_adam_beta1(key):
    _compare(SCHEDULES[key], steps=30, name="Adam")


@needs_torch
@pytest.mark.parametrize("key,epochs", [
    ("constant", [3, 7, 2, 12, 4, 0]),
    ("polynomial", [3, 7, 2, 12, 6, 0]),
    # fractional epochs (batch by batch within an epoch), jumps back and forth
    ("warm_restarts", [0.25, 0.5, 1.75, 4.99, 5.0, 7.5, 12, 3, 26]),
    ("warm_restarts_mult", [0.5, 2.9, 3.0, 5.5, 8.99, 9.0, 21.0, 21.5, 44.0, 1.0]),
])
def test_step_with_epoch_matches_torch(key, epochs):
    _compare(SCHEDULES[key], epochs=epochs)


@needs_torch
@pytest.mark.parametrize("t_mult", [1, 2])
def test_warm_restarts_per_batch_and_interleaved(t_mult):
    """step(epoch + i / iters) within epochs, then a jump and plain steps after it."""
    def trace(lib):
        opt = _opt(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=t_mult)
        out = []
        for epoch in range(8):
            for i in range(4):
                opt.step()
                sched.step(epoch + i / 4)
                out += sched.get_last_lr()
        sched.step(26)
        for _ in range(5):
            sched.step()
            out += sched.get_last_lr() + [sched.last_epoch, sched.T_cur, sched.T_i]
        return out

    assert trace(cr) == pytest.approx(trace(torch), rel=1e-12, abs=1e-15)


@needs_torch
def test_resume_with_last_epoch():
    def trace(lib):
        opt = _opt(lib)
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
        m = lib.optim.lr_scheduler
        out = []
        for make in (lambda: m.PolynomialLR(opt, total_iters=10, last_epoch=3),
                     lambda: m.CosineAnnealingWarmRestarts(opt, T_0=4, last_epoch=2),
                     lambda: m.MultiplicativeLR(opt, lambda t: 0.9, last_epoch=4)):
            sched = make()
            out += sched.get_last_lr()
            for _ in range(6):
                opt.step()
                sched.step()
                out += sched.get_last_lr()
        return out

    assert trace(cr) == pytest.approx(trace(torch), rel=1e-12)


@pytest.mark.parametrize("key", sorted(SCHEDULES))
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
    assert sched2.get_last_lr() == sched.get_last_lr()
    for _ in range(12):
        opt.step()
        opt2.step()
        sched.step()
        sched2.step()
        assert sched2.get_last_lr() == pytest.approx(sched.get_last_lr(), rel=1e-12)
        assert _row(opt2) == pytest.approx(_row(opt), rel=1e-12)


def test_cyclic_state_dict_keeps_callable_objects_only():
    opt = _opt(cr)
    scale = Halving()
    sched = ls.CyclicLR(opt, 0.01, 0.1, step_size_up=3, scale_fn=scale,
                        scale_mode="iterations")
    saved = sched.state_dict()
    assert saved["_scale_fn_custom"] == {"base": 0.5}
    scale.base = 0.1
    sched.load_state_dict(saved)
    assert scale.base == 0.5 and sched.scale_mode == "iterations"
    plain = ls.CyclicLR(_opt(cr), 0.01, 0.1, scale_fn=lambda x: 1.0)
    assert plain.state_dict()["_scale_fn_custom"] is None
    # a built-in mode fixes the scale mode, whatever was asked for
    assert ls.CyclicLR(_opt(cr), 0.01, 0.1, mode="exp_range",
                       scale_mode="cycle").scale_mode == "iterations"


def test_chained_get_last_lr_and_inner_state():
    opt = _opt(cr)
    first = ls.ConstantLR(opt, factor=0.5, total_iters=2)
    second = ls.ExponentialLR(opt, gamma=0.5)
    sched = ls.ChainedScheduler([first, second])
    assert sched.get_last_lr() == [0.05, 0.01]
    opt.step()
    sched.step()
    assert first.last_epoch == second.last_epoch == 1
    saved = sched.state_dict()
    assert [s["last_epoch"] for s in saved["_schedulers"]] == [1, 1]


def test_hand_computed_sequences():
    # no torch needed: values worked out by hand
    opt = _opt(cr, lrs=(1.0,))
    sched = ls.PolynomialLR(opt, total_iters=2, power=2.0)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(3):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    assert lrs == pytest.approx([1.0, 0.25, 0.0, 0.0])
    opt = _opt(cr, lrs=(1.0,))
    sched = ls.CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=1, mode="triangular2",
                        base_momentum=0.5, max_momentum=0.9)
    lrs, moms = [], []
    for _ in range(6):
        lrs.append(sched.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()
    assert lrs == pytest.approx([0.0, 1.0, 0.0, 0.5, 0.0, 0.25])
    assert moms == pytest.approx([0.9, 0.5, 0.9, 0.7, 0.9, 0.8])


def _torch_error(make):
    try:
        make()
    except Exception as exc:  # noqa: BLE001  (the oracle's exception, whatever it is)
        return exc
    raise AssertionError("torch accepted the arguments")


VALIDATION = {
    "constant_factor": lambda m, o: m.ConstantLR(o, factor=1.5),
    "constant_negative": lambda m, o: m.ConstantLR(o, factor=-0.1),
    "multiplicative_count": lambda m, o: m.MultiplicativeLR(o, [lambda t: 1.0]),
    "multiplicative_callable": lambda m, o: m.MultiplicativeLR(o, 0.5),
    "warm_t0_zero": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0),
    "warm_t0_float": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2.5),
    "warm_tmult": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    "warm_tmult_float": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5),
    "warm_eta_min": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"),
    "warm_negative_epoch": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2).step(-1),
    "cyclic_mode": lambda m, o: m.CyclicLR(o, 0.01, 0.1, mode="sawtooth"),
    "cyclic_base_lr_count": lambda m, o: m.CyclicLR(o, [0.01], 0.1),
    "cyclic_max_lr_count": lambda m, o: m.CyclicLR(o, 0.01, [0.1, 0.2, 0.3]),
    "cyclic_momentum_count": lambda m, o: m.CyclicLR(o, 0.01, 0.1, base_momentum=[0.8]),
    "cyclic_not_optimizer": lambda m, o: m.CyclicLR("sgd", 0.01, 0.1),
    "chained_empty": lambda m, o: m.ChainedScheduler([]),
    "chained_plateau": lambda m, o: m.ChainedScheduler([m.StepLR(o, 2),
                                                        m.ReduceLROnPlateau(o)]),
    "chained_not_scheduler": lambda m, o: m.ChainedScheduler([m.StepLR(o, 2), object()]),
}


@needs_torch
@pytest.mark.parametrize("key", sorted(VALIDATION))
def test_validation_as_torch(key):
    expected = _torch_error(lambda: VALIDATION[key](torch.optim.lr_scheduler, _opt(torch)))
    with pytest.raises(type(expected)) as info:
        VALIDATION[key](ls, _opt(cr))
    assert str(info.value) == str(expected)


def test_validation_without_torch():
    opt = _opt(cr)
    with pytest.raises(ValueError, match="same optimizer"):
        ls.ChainedScheduler([ls.StepLR(opt, 2), ls.StepLR(_opt(cr), 2)])
    adagrad = cr.optim.Adagrad([cr.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        ls.CyclicLR(adagrad, 0.01, 0.1)
    assert adagrad.param_groups[0]["lr"] == 0.1  # checked before the rates were set
    ls.CyclicLR(adagrad, 0.01, 0.1, cycle_momentum=False)
    assert adagrad.param_groups[0]["lr"] == 0.01
