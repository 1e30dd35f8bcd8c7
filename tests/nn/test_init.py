"""nn.init: gains and fans against torch, the distributions' bounds and moments, exact fills,
orthogonality, seeding, in-place semantics."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import init


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


GAIN_CASES = [("linear", None), ("conv2d", None), ("conv_transpose3d", None), ("sigmoid", None),
              ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
              ("leaky_relu", math.sqrt(5)), ("leaky_relu", 0), ("selu", None)]


@pytest.mark.parametrize("name,param", GAIN_CASES)
def test_calculate_gain_matches_torch(torch, name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param))


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", [(3, 5), (8, 4, 3), (16, 3, 5, 5), (2, 3, 1, 2, 2)])
def test_fans_match_torch(torch, shape):
    ours = init._calculate_fan_in_and_fan_out(cr.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(cr.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(cr.empty(2, 2), mode="fan_avg")


# ---------------------------------------------------------------------------- distributions
def _bound_and_spread(t, bound):
    a = t._data
    assert np.abs(a).max() <= bound
    assert np.abs(a).max() > 0.98 * bound  # the samples reach (nearly) the bound
    assert a.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)


@pytest.mark.parametrize("mode,nonlinearity,a", [("fan_in", "leaky_relu", 0),
                                                 ("fan_in", "leaky_relu", math.sqrt(5)),
                                                 ("fan_out", "relu", 0)])
def test_kaiming_uniform_bound_is_torch_formula(mode, nonlinearity, a):
    w = cr.empty(200, 50, 3)
    init.kaiming_uniform_(w, a=a, mode=mode, nonlinearity=nonlinearity)
    fan = 50 * 3 if mode == "fan_in" else 200 * 3
    bound = init.calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    _bound_and_spread(w, bound)


def test_kaiming_normal_and_xavier_statistics():
    w = init.kaiming_normal_(cr.empty(400, 100), mode="fan_out", nonlinearity="relu")
    assert w._data.std() == pytest.approx(math.sqrt(2.0 / 400), rel=0.03)
    assert abs(w._data.mean()) < 0.01
    x = init.xavier_normal_(cr.empty(300, 200), gain=2.0)
    assert x._data.std() == pytest.approx(2.0 * math.sqrt(2.0 / 500), rel=0.03)
    u = init.xavier_uniform_(cr.empty(300, 200), gain=init.calculate_gain("tanh"))
    _bound_and_spread(u, 5 / 3 * math.sqrt(6.0 / 500))


def test_uniform_normal_constant():
    t = init.uniform_(cr.empty(10000), -2.0, 3.0)
    assert t._data.min() >= -2.0 and t._data.max() < 3.0
    assert t._data.mean() == pytest.approx(0.5, abs=0.05)
    n = init.normal_(cr.empty(10000), mean=1.0, std=0.5)
    assert n._data.mean() == pytest.approx(1.0, abs=0.03)
    assert n._data.std() == pytest.approx(0.5, rel=0.05)
    assert init.constant_(cr.empty(2, 2), 0.25).tolist() == [[0.25, 0.25], [0.25, 0.25]]
    assert init.ones_(cr.empty(3)).tolist() == [1.0, 1.0, 1.0]
    assert init.zeros_(cr.empty(2, dtype=cr.float64)).tolist() == [0.0, 0.0]


def _truncated_moments(mean, std, a, b):
    # Mean and std of N(mean, std^2) restricted to [a, b], from the closed form.
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    m = (pdf(alpha) - pdf(beta)) / z
    var = 1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - m * m
    return mean + std * m, std * math.sqrt(var)


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -0.04, 0.04),
                                          (1.0, 2.0, 0.0, 10.0), (0.0, 1.0, 2.5, 3.5)])
def test_trunc_normal_bounds_and_moments(mean, std, a, b):
    with warnings.catch_warnings():
        # torch's (and our) warning for a window far from the mean; the values stay right
        warnings.simplefilter("ignore")
        t = init.trunc_normal_(cr.empty(50000), mean=mean, std=std, a=a, b=b)
    data = t._data
    assert data.min() >= a and data.max() <= b
    exp_mean, exp_std = _truncated_moments(mean, std, a, b)
    assert data.mean() == pytest.approx(exp_mean, abs=0.02 * exp_std + 1e-12)
    assert data.std() == pytest.approx(exp_std, rel=0.03)


def test_eye_and_dirac_match_torch(torch):
    assert init.eye_(cr.empty(3, 5)).tolist() == torch.nn.init.eye_(torch.empty(3, 5)).tolist()
    for shape, groups in [((4, 2, 3), 1), ((6, 2, 3, 3), 2), ((2, 3, 1, 3, 3), 1)]:
        ours = init.dirac_(cr.empty(*shape), groups=groups)
        theirs = torch.nn.init.dirac_(torch.empty(*shape), groups=groups)
        assert ours.tolist() == theirs.tolist()
    with pytest.raises(ValueError):
        init.eye_(cr.empty(2, 2, 2))
    with pytest.raises(ValueError):
        init.dirac_(cr.empty(3, 3))


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3), (6, 2, 3, 3)])
def test_orthogonal(shape):
    w = init.orthogonal_(cr.empty(*shape), gain=2.0)
    m = w._data.reshape(shape[0], -1).astype(np.float64) / 2.0
    small = min(m.shape)
    gram = m @ m.T if m.shape[0] == small else m.T @ m
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(cr.empty(4))


def test_sparse():
    w = init.sparse_(cr.empty(10, 6), sparsity=0.3, std=0.1)
    zeros_per_column = (w._data == 0).sum(axis=0)
    assert (zeros_per_column == 3).all()


# ---------------------------------------------------------------------------- semantics
def test_seeding_and_generators_repeat_draws():
    cr.manual_seed(123)
    a = init.kaiming_uniform_(cr.empty(4, 4)).tolist()
    cr.manual_seed(123)
    b = init.kaiming_uniform_(cr.empty(4, 4)).tolist()
    assert a == b
    g1, g2 = cr.Generator().manual_seed(7), cr.Generator().manual_seed(7)
    for fn in (init.normal_, init.uniform_, init.xavier_normal_, init.orthogonal_,
               init.trunc_normal_):
        assert fn(cr.empty(3, 4), generator=g1).tolist() == fn(cr.empty(3, 4),
                                                                generator=g2).tolist()


def test_in_place_on_parameters_without_graph():
    p = nn.Parameter(cr.zeros(3, 4))
    version = p._version
    out = init.xavier_uniform_(p)
    assert out is p and p.grad_fn is None and p.requires_grad and p.is_leaf
    assert p._version > version
    q = nn.Parameter(cr.zeros(3, dtype=cr.float64))
    init.normal_(q)
    assert q.dtype == cr.float64
    h = init.uniform_(cr.empty(2, dtype=cr.float16), -1, 1)
    assert h.dtype == cr.float16
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(cr.empty(0, 3))
    with pytest.raises(TypeError):
        init.normal_(np.zeros(3))


# ---------------------------------------------------------------------------- regressions
def _tail_safe_moments(mean, std, a, b):
    # The closed form again, with the window's mass from erfc on the side where it is tiny,
    # so that windows many std out (where cdf(b) - cdf(a) cancels to 0) stay exact.
    alpha, beta = (a - mean) / std, (b - mean) / std
    sf = lambda x: 0.5 * math.erfc(x / math.sqrt(2))  # noqa: E731  (1 - cdf, no cancellation)
    pdf = lambda x: 0.0 if math.isinf(x) else math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    if alpha >= 0:
        z = sf(alpha) - sf(beta)
    elif beta <= 0:
        z = sf(-beta) - sf(-alpha)
    else:
        z = 1 - sf(beta) - sf(-alpha)
    xpdf = lambda x: 0.0 if math.isinf(x) else x * pdf(x)  # noqa: E731
    m = (pdf(alpha) - pdf(beta)) / z
    var = 1 + (xpdf(alpha) - xpdf(beta)) / z - m * m
    return mean + std * m, std * math.sqrt(var)


TAIL_WINDOWS = [(0.0, 1.0, -2.0, 2.0), (0.0, 1.0, 8.0, 9.0), (0.0, 1.0, 12.0, math.inf),
                (0.0, 1.0, -math.inf, -3.0), (10.0, 1.0, -1.0, 1.0), (-3.0, 0.5, 4.0, 4.5),
                (0.0, 1.0, 25.0, 25.5), (0.0, 1.0, -0.01, 0.01), (0.0, 1.0, 0.0, math.inf),
                (0.0, 1.0, 0.2, 2.0), (3.0, 2.0, -math.inf, math.inf), (0.0, 2.0, 1.0, 1.5)]


@pytest.mark.parametrize("mean,std,a,b", TAIL_WINDOWS)
def test_trunc_normal_is_exact_for_any_window(mean, std, a, b):
    cr.manual_seed(11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # the far-from-mean warning, kept from torch
        data = init.trunc_normal_(cr.empty(100000, dtype=cr.float64), mean, std, a, b)._data
    assert data.min() >= a and data.max() <= b
    exp_mean, exp_std = _tail_safe_moments(mean, std, a, b)
    # the sample mean's standard error is exp_std / sqrt(n): allow 5 of them
    assert abs(data.mean() - exp_mean) < 5 * exp_std / math.sqrt(data.size)
    assert data.std() == pytest.approx(exp_std, rel=0.02)
    assert np.unique(data).size > 0.9 * data.size       # a continuous spread, not a few values


def test_trunc_normal_far_tail_against_torch(torch):
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match="more than 2 std"):     # both warn, as torch
        ours = init.trunc_normal_(cr.empty(100000), mean=0.0, std=1.0, a=8.0, b=9.0).numpy()
    with pytest.warns(UserWarning, match="more than 2 std"):
        theirs = torch.nn.init.trunc_normal_(torch.empty(100000), mean=0.0, std=1.0, a=8.0,
                                             b=9.0).numpy()
    assert ours.mean() == pytest.approx(theirs.mean(), abs=0.005)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.05)
    assert np.unique(ours).size > 0.5 * np.unique(theirs).size


def test_trunc_normal_edge_arguments(torch):
    assert init.trunc_normal_(cr.empty(3), a=1.0, b=1.0).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(RuntimeError, match="a <= b"):
        init.trunc_normal_(cr.empty(3), a=1.0, b=-1.0)
    with pytest.raises(RuntimeError):
        torch.nn.init.trunc_normal_(torch.empty(3), a=1.0, b=-1.0)
    with pytest.raises(RuntimeError, match="mean is out of bounds"):
        init.trunc_normal_(cr.empty(3), mean=math.nan)
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(cr.empty(3), mean=10.0, a=-1.0, b=1.0)


def test_uniform_normal_argument_errors_match_torch(torch):
    for fn, args, match in [("uniform_", (2, 1), "from=2 > to=1"),
                            ("normal_", (0, -1), "std >= 0.0, but found std -1")]:
        with pytest.raises(RuntimeError, match=match):
            getattr(init, fn)(cr.empty(3), *args)
        with pytest.raises(RuntimeError, match=match):
            getattr(torch.nn.init, fn)(torch.empty(3), *args)
    with pytest.raises(RuntimeError, match="out of bounds"):
        init.uniform_(cr.empty(3), 0, math.inf)
    t = cr.full((3,), 7.0)
    with pytest.raises(RuntimeError):
        init.normal_(t, 0, math.nan)
    assert t.tolist() == [7.0, 7.0, 7.0]        # nothing written before the error
    assert init.uniform_(cr.empty(2), 1, 1).tolist() == [1.0, 1.0]
    assert init.normal_(cr.empty(2), 3, 0).tolist() == [3.0, 3.0]


@pytest.mark.parametrize("fn", ["uniform_", "normal_", "trunc_normal_", "xavier_uniform_",
                                "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
                                "orthogonal_"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_random_fills_reject_non_float_tensors_as_torch(torch, fn, dtype):
    with pytest.raises(NotImplementedError, match="not implemented for"):
        getattr(torch.nn.init, fn)(torch.zeros(3, 3, dtype=getattr(torch, dtype)))
    t = cr.zeros(3, 3, dtype=getattr(cr, dtype))
    with pytest.raises(NotImplementedError, match="not implemented for"):
        getattr(init, fn)(t)
    assert not t.numpy().any()
    # exact fills stay allowed, as in torch
    assert init.constant_(cr.zeros(2, dtype=getattr(cr, dtype)), 1).tolist() == \
        torch.nn.init.constant_(torch.zeros(2, dtype=getattr(torch, dtype)), 1).tolist()
