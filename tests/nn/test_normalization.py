"""Batch, layer, group, instance and local response normalization: values and gradients
(input, weight, bias) against PyTorch in training and eval mode, running statistics and
``num_batches_tracked`` after training steps (momentum and cumulative averages), state_dict
layout, finite-difference first- and second-order checks, and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(5)
DTYPES = [(cr.float64, torch.float64, 1e-10), (cr.float32, torch.float32, 2e-4)]


def compare(cfn, tfn, shapes, consts=()):
    """Outputs and gradients of every input, plus the final values of ``consts`` (running
    statistics, updated in place), of ``cfn`` against ``tfn``."""
    arrays = [RNG.standard_normal(s) for s in shapes]
    for cdt, tdt, tol in DTYPES:
        ours = [cr.tensor(a, dtype=cdt, requires_grad=True) for a in arrays]
        theirs = [torch.tensor(a, dtype=tdt, requires_grad=True) for a in arrays]
        cc = [cr.tensor(c, dtype=cdt) for c in consts]
        tc = [torch.tensor(c, dtype=tdt) for c in consts]
        y, ty = cfn(*ours, *cc), tfn(*theirs, *tc)
        assert y.dtype == cdt
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        g = RNG.standard_normal(tuple(ty.shape))
        y.backward(cr.tensor(g, dtype=cdt))
        ty.backward(torch.tensor(g, dtype=tdt))
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert a.grad.dtype == cdt
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=tol, atol=tol,
                                       err_msg=f"gradient of input {i}")
        for a, b in zip(cc, tc):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=tol, atol=tol)


STATS = (np.linspace(-1, 1, 3), np.linspace(0.5, 2, 3))  # running mean, running var


# The last three are empty (no sample, or no position): an empty output, zero weight and
# bias gradients, and running statistics left as they were.
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (4, 3, 2, 3), (0, 3), (0, 3, 2, 2),
                                   (2, 3, 0)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch(shape, training):
    def ours(x, w, b, rm, rv):
        return F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3, eps=1e-3)

    def theirs(x, w, b, rm, rv):
        return TF.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3, eps=1e-3)

    compare(ours, theirs, [shape, (3,), (3,)], STATS)


def test_batch_norm_without_affine_or_running_stats():
    compare(lambda x: F.batch_norm(x, None, None, training=True),
            lambda x: TF.batch_norm(x, None, None, training=True), [(5, 3, 4)])
    compare(lambda x, b: F.batch_norm(x, None, None, None, b, training=True),
            lambda x, b: TF.batch_norm(x, None, None, None, b, training=True), [(5, 3), (3,)])


@pytest.mark.parametrize("shape,norm", [((2, 3, 4, 5), (4, 5)), ((4, 6), (6,)), ((3, 5), 5)])
def test_layer_norm_matches_torch(shape, norm):
    ns = (norm,) if isinstance(norm, int) else norm
    compare(lambda x, w, b: F.layer_norm(x, norm, w, b, 1e-4),
            lambda x, w, b: TF.layer_norm(x, ns, w, b, 1e-4), [shape, ns, ns])
    compare(lambda x: F.layer_norm(x, norm), lambda x: TF.layer_norm(x, ns), [shape])


@pytest.mark.parametrize("shape,groups", [((3, 4, 3, 2), 2), ((3, 6, 5), 3), ((2, 4), 1),
                                          ((2, 4, 3), 4), ((0, 4, 3), 2)])
def test_group_norm_matches_torch(shape, groups):
    c = shape[1]
    compare(lambda x, w, b: F.group_norm(x, groups, w, b),
            lambda x, w, b: TF.group_norm(x, groups, w, b), [shape, (c,), (c,)])


def test_instance_norm_matches_torch():
    stats = (np.linspace(-1, 1, 4), np.linspace(0.5, 2, 4))
    compare(lambda x, w, b, rm, rv: F.instance_norm(x, rm, rv, w, b, momentum=0.2),
            lambda x, w, b, rm, rv: TF.instance_norm(x, rm, rv, w, b, momentum=0.2),
            [(3, 4, 3, 2), (4,), (4,)], stats)
    compare(lambda x: F.instance_norm(x), lambda x: TF.instance_norm(x), [(2, 3, 5)])


@pytest.mark.parametrize("size,shape", [(3, (2, 5, 3, 2)), (4, (2, 5, 3)), (1, (1, 3, 2, 2)),
                                        (2, (0, 4, 3)), (3, (0, 5, 3, 2)), (2, (2, 0, 3))])
def test_local_response_norm_matches_torch(size, shape):
    compare(lambda x: F.local_response_norm(x, size, 0.1, 0.5, 2.0),
            lambda x: TF.local_response_norm(x, size, 0.1, 0.5, 2.0), [shape])


@pytest.mark.parametrize("fn,shapes", [
    (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(4, 3, 2), (3,), (3,)]),
    (lambda x, w, b: F.batch_norm(x, cr.tensor([0.1, -0.2, 0.3], dtype=cr.float64),
                                  cr.tensor([1.5, 0.5, 2.0], dtype=cr.float64), w, b),
     [(4, 3, 2), (3,), (3,)]),
    (lambda x, w, b: F.layer_norm(x, (3, 2), w, b), [(2, 3, 2), (3, 2), (3, 2)]),
    (lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    (lambda x: F.instance_norm(x), [(2, 2, 4)]),
    (lambda x: F.local_response_norm(x, 3), [(2, 4, 3)]),
], ids=["batch-train", "batch-eval", "layer", "group", "instance", "lrn"])
def test_gradcheck_first_and_second_order(fn, shapes):
    inputs = [cr.tensor(RNG.standard_normal(s), requires_grad=True) for s in shapes]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


# ----------------------------------------------------------------------- modules
def _run_steps(ours, theirs, shape, steps, train=True):
    ours.train(train)
    theirs.train(train)
    for _ in range(steps):
        a = RNG.standard_normal(shape) * 2 + 1
        x, tx = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = ours(x), theirs(tx)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-10)
        g = RNG.standard_normal(shape)
        y.backward(cr.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-10)
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=1e-9)
    theirs_state = theirs.state_dict()
    ours_state = ours.state_dict()
    assert list(ours_state) == list(theirs_state)
    for k, v in ours_state.items():
        assert v.dtype == getattr(cr, str(theirs_state[k].dtype).split(".")[1]), k
        np.testing.assert_allclose(v.numpy(), theirs_state[k].numpy(), atol=1e-12, err_msg=k)


@pytest.mark.parametrize("cls,args,kwargs,shape", [
    ("BatchNorm2d", (3,), {}, (4, 3, 2, 2)),
    ("BatchNorm2d", (3,), {"momentum": None}, (4, 3, 2, 2)),  # cumulative average
    ("BatchNorm1d", (3,), {"affine": False, "eps": 1e-3}, (5, 3)),
    ("BatchNorm1d", (3,), {"momentum": 0.5}, (5, 3, 4)),
    ("BatchNorm1d", (3,), {"track_running_stats": False}, (5, 3, 4)),
    ("BatchNorm2d", (3,), {"bias": False}, (4, 3, 2, 2)),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 4, 3)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 5)),
    ("LayerNorm", ((3, 4),), {}, (2, 5, 3, 4)),
    ("LayerNorm", (4,), {"bias": False, "eps": 1e-3}, (3, 4)),
    ("LayerNorm", (4,), {"elementwise_affine": False}, (3, 4)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (2, 4), {"affine": False}, (3, 4, 2, 2)),
    ("GroupNorm", (2, 4), {"bias": False}, (3, 4, 2, 2)),
    ("LocalResponseNorm", (2,), {}, (2, 5, 3, 3)),
    # empty batches: running statistics kept, num_batches_tracked counted (as PyTorch)
    ("BatchNorm2d", (3,), {}, (0, 3, 2, 2)),
    ("BatchNorm1d", (3,), {"momentum": None}, (0, 3)),
    ("GroupNorm", (2, 4), {}, (0, 4, 3)),
    ("LocalResponseNorm", (2,), {}, (0, 4, 3)),
])
def test_layers_match_torch_train_then_eval(cls, args, kwargs, shape):
    ours = getattr(nn, cls)(*args, **kwargs).double()
    theirs = getattr(torch.nn, cls)(*args, **kwargs).double()
    assert repr(ours) == repr(theirs)
    with torch.no_grad(), cr.no_grad():  # non-trivial affine parameters, the same in both
        for p, tp in zip(ours.parameters(), theirs.parameters()):
            v = RNG.uniform(0.5, 1.5, tuple(p.shape))
            p.copy_(cr.tensor(v))
            tp.copy_(torch.tensor(v))
    _run_steps(ours, theirs, shape, 3, train=True)
    _run_steps(ours, theirs, shape, 1, train=False)


def test_batch_norm_buffers():
    m = nn.BatchNorm2d(3)
    assert [n for n, _ in m.named_buffers()] == ["running_mean", "running_var",
                                                 "num_batches_tracked"]
    assert m.num_batches_tracked.dtype == cr.int64 and m.num_batches_tracked.ndim == 0
    assert m.running_mean.dtype == cr.float32
    m(cr.randn(4, 3, 2, 2))
    m(cr.randn(4, 3, 2, 2))
    assert int(m.num_batches_tracked) == 2
    m.eval()
    m(cr.randn(4, 3, 2, 2))
    assert int(m.num_batches_tracked) == 2
    m.reset_running_stats()
    assert int(m.num_batches_tracked) == 0 and float(m.running_var.sum()) == 3.0
    x = cr.randn(4, 3, 2, 2, requires_grad=True)
    m.train()(x).sum().backward()
    assert m.running_mean.grad is None and not m.running_mean.requires_grad


def test_batch_norm_empty_batch_between_batches():
    # An empty batch changes no running statistic (its mean would be NaN), as PyTorch's.
    ours, theirs = nn.BatchNorm2d(3).double(), torch.nn.BatchNorm2d(3).double()
    _run_steps(ours, theirs, (4, 3, 2, 2), 2)
    _run_steps(ours, theirs, (0, 3, 2, 2), 1)
    _run_steps(ours, theirs, (4, 3, 2, 2), 1)
    assert int(ours.num_batches_tracked) == 4


def test_batch_norm_loads_old_state_dict_without_count():
    m = nn.BatchNorm1d(2)
    state = {k: v for k, v in m.state_dict().items() if k != "num_batches_tracked"}
    m.load_state_dict(state)  # version-1 checkpoints lack the counter: not an error
    assert int(m.num_batches_tracked) == 0


def test_float32_stays_float32():
    x = cr.randn(4, 3, 2, 2, requires_grad=True)
    for y in (nn.BatchNorm2d(3)(x), nn.GroupNorm(3, 3)(x), nn.LayerNorm(2)(x)):
        assert y._data.dtype == np.float32
        y.sum().backward()
        assert x.grad._data.dtype == np.float32


@pytest.mark.parametrize("call,exc,match", [
    (lambda: nn.BatchNorm2d(3)(cr.randn(3, 2, 2)), ValueError, "expected 4D input"),
    (lambda: nn.BatchNorm1d(3)(cr.randn(2, 3, 2, 2)), ValueError, "expected 2D or 3D"),
    (lambda: nn.BatchNorm1d(3)(cr.randn(1, 3)), ValueError, "more than 1 value per channel"),
    (lambda: F.batch_norm(cr.randn(2, 3), cr.zeros(2), cr.ones(2)), RuntimeError,
     "running_mean should contain 3 elements"),
    (lambda: F.layer_norm(cr.randn(2, 3), (4,)), RuntimeError, "normalized_shape"),
    (lambda: F.group_norm(cr.randn(2, 3, 4), 2), RuntimeError, "divisible by num_groups"),
    (lambda: nn.GroupNorm(2, 3), ValueError, "divisible"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("call", [
    # running statistics: both or neither, and both in evaluation mode
    lambda N, F, L: F.batch_norm(L.randn(4, 3), None, None, training=False),
    lambda N, F, L: F.batch_norm(L.randn(1, 3), None, None, training=False),
    lambda N, F, L: F.batch_norm(L.randn(4, 3), L.zeros(3), None, training=False),
    lambda N, F, L: F.batch_norm(L.randn(4, 3), None, L.ones(3), training=False),
    lambda N, F, L: F.batch_norm(L.randn(4, 3), L.zeros(3), None, training=True),
    lambda N, F, L: F.batch_norm(L.randn(4, 3), None, L.ones(3), training=True),
    lambda N, F, L: F.instance_norm(L.randn(2, 3, 4), L.zeros(3), None),
    # one value to normalize
    lambda N, F, L: N.InstanceNorm1d(3)(L.randn(2, 3, 1)),
    lambda N, F, L: N.InstanceNorm1d(3)(L.randn(3, 1)),
    lambda N, F, L: N.InstanceNorm2d(3)(L.randn(2, 3, 1, 1)),
    lambda N, F, L: F.instance_norm(L.randn(2, 3, 1, 1)),
    lambda N, F, L: N.GroupNorm(3, 3)(L.randn(1, 3)),
    lambda N, F, L: N.GroupNorm(3, 3)(L.randn(1, 3, 1)),
    # sizes
    lambda N, F, L: N.InstanceNorm2d(3, track_running_stats=True)(L.randn(2, 4, 3, 3)),
    lambda N, F, L: N.InstanceNorm2d(3, track_running_stats=True).eval()(L.randn(2, 4, 3, 3)),
    lambda N, F, L: F.instance_norm(L.randn(2, 4, 3), weight=L.ones(3)),
    lambda N, F, L: N.LocalResponseNorm(0)(L.randn(2, 4, 3)),
])
@pytest.mark.filterwarnings("ignore:input's size at dim=1 does not match num_features")
def test_errors_as_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch.nn, TF, torch)
    with pytest.raises(Exception) as ours:
        call(nn, F, cr)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)


@pytest.mark.parametrize("call", [
    lambda N, F, L: N.InstanceNorm1d(3)(L.randn(2, 3, 2)),  # two positions are enough
    lambda N, F, L: N.InstanceNorm1d(3, track_running_stats=True).eval()(L.randn(2, 3, 1)),
    lambda N, F, L: F.instance_norm(L.randn(2, 3, 1), L.zeros(3), L.ones(3),
                                    use_input_stats=False),
    lambda N, F, L: N.GroupNorm(3, 3)(L.randn(2, 3)),
    lambda N, F, L: N.GroupNorm(3, 3)(L.randn(1, 3, 2)),
    lambda N, F, L: F.batch_norm(L.randn(1, 3), L.zeros(3), L.ones(3), training=False),
])
def test_edge_cases_torch_accepts(call):
    # Next to the checks above: what they must not reject.
    assert tuple(call(nn, F, cr).shape) == tuple(call(torch.nn, TF, torch).shape)


def test_rejected_input_leaves_running_statistics():
    m = nn.InstanceNorm2d(3, track_running_stats=True)
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        m(cr.randn(2, 4, 3, 3))
    rm, rv = cr.zeros(3), cr.ones(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(cr.randn(1, 3), rm, rv, training=True)
    for m_rm, m_rv in ((m.running_mean, m.running_var), (rm, rv)):
        assert m_rm.tolist() == [0.0] * 3 and m_rv.tolist() == [1.0] * 3
