"""Recurrent layers and cells against PyTorch with copied weights (values and every gradient),
and the fused layer primitives against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from chainrule.nn import functional as F

torch = pytest.importorskip("torch")

T, B, I, H = 5, 3, 4, 6


def _copy_from_torch(cm, tm):
    """Load torch's parameters into the chainrule module by name (through load_state_dict)."""
    state = {k: cr.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    cm.load_state_dict(state)


def _close(a, b, tol=1e-10):
    a = a.detach().numpy() if isinstance(a, cr.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _make(mode, **kw):
    if mode.startswith("RNN"):
        nl = "relu" if mode == "RNN_RELU" else "tanh"
        return (nn.RNN(I, H, nonlinearity=nl, dtype=cr.float64, **kw),
                torch.nn.RNN(I, H, nonlinearity=nl, dtype=torch.float64, **kw))
    cls = {"LSTM": (nn.LSTM, torch.nn.LSTM), "GRU": (nn.GRU, torch.nn.GRU)}[mode]
    return cls[0](I, H, dtype=cr.float64, **kw), cls[1](I, H, dtype=torch.float64, **kw)


MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]
CONFIGS = [
    dict(),
    dict(num_layers=2, bidirectional=True),
    dict(num_layers=2, batch_first=True, state=True),
    dict(bidirectional=True, batch_first=True, state=True),
    dict(num_layers=2, bidirectional=True, unbatched=True, state=True),
    dict(num_layers=2, bias=False, state=True),
    dict(batch_first=True, unbatched=True),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(sorted(c)) or "default")
def test_layer_matches_torch(mode, cfg):
    cfg = dict(cfg)
    unbatched = cfg.pop("unbatched", False)
    state = cfg.pop("state", False)
    cm, tm = _make(mode, **cfg)
    _copy_from_torch(cm, tm)
    rng = np.random.default_rng(0)
    D = 2 if cfg.get("bidirectional") else 1
    L = cfg.get("num_layers", 1)
    if unbatched:
        xs, hs = (T, I), (L * D, H)
    else:
        xs = (B, T, I) if cfg.get("batch_first") else (T, B, I)
        hs = (L * D, B, H)
    arrays = [rng.standard_normal(xs)]
    if state:
        arrays += [rng.standard_normal(hs) * 0.5 for _ in range(2 if mode == "LSTM" else 1)]
    cx = [cr.tensor(a, requires_grad=True) for a in arrays]
    tx = [torch.tensor(a, requires_grad=True) for a in arrays]

    def call(m, xs_):
        if not state:
            return m(xs_[0])
        return m(xs_[0], tuple(xs_[1:]) if mode == "LSTM" else xs_[1])

    co, th = call(cm, cx), call(tm, tx)
    c_outs = [co[0]] + (list(co[1]) if mode == "LSTM" else [co[1]])
    t_outs = [th[0]] + (list(th[1]) if mode == "LSTM" else [th[1]])
    c_loss, t_loss = 0, 0
    for k, (a, b) in enumerate(zip(c_outs, t_outs)):
        _close(a, b)
        w = np.random.default_rng(k + 1).standard_normal(tuple(b.shape))
        c_loss = c_loss + (a * cr.tensor(w)).sum()
        t_loss = t_loss + (b * torch.tensor(w)).sum()
    c_loss.backward()
    t_loss.backward()
    for a, b in zip(cx, tx):
        _close(a.grad, b.grad)
    c_params = dict(cm.named_parameters())
    for name, p in tm.named_parameters():
        _close(c_params[name].grad, p.grad)


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
@pytest.mark.parametrize("unbatched", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_cells_match_torch(mode, unbatched, with_state):
    kinds = {"RNN_TANH": (nn.RNNCell, torch.nn.RNNCell, {}),
             "RNN_RELU": (nn.RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu"}),
             "LSTM": (nn.LSTMCell, torch.nn.LSTMCell, {}),
             "GRU": (nn.GRUCell, torch.nn.GRUCell, {})}
    c_cls, t_cls, kw = kinds[mode]
    cm = c_cls(I, H, bias=not with_state, dtype=cr.float64, **kw)
    tm = t_cls(I, H, bias=not with_state, dtype=torch.float64, **kw)
    _copy_from_torch(cm, tm)
    rng = np.random.default_rng(3)
    lead = () if unbatched else (B,)
    arrays = [rng.standard_normal(lead + (I,))]
    if with_state:
        arrays += [rng.standard_normal(lead + (H,)) for _ in range(2 if mode == "LSTM" else 1)]
    cx = [cr.tensor(a, requires_grad=True) for a in arrays]
    tx = [torch.tensor(a, requires_grad=True) for a in arrays]
    if mode == "LSTM":
        co = cm(cx[0], tuple(cx[1:]) if with_state else None)
        to = tm(tx[0], tuple(tx[1:]) if with_state else None)
    else:
        co = (cm(cx[0], cx[1] if with_state else None),)
        to = (tm(tx[0], tx[1] if with_state else None),)
    c_loss = t_loss = 0
    for k, (a, b) in enumerate(zip(co, to)):
        _close(a, b)
        w = np.random.default_rng(k).standard_normal(tuple(b.shape))
        c_loss = c_loss + (a * cr.tensor(w)).sum()
        t_loss = t_loss + (b * torch.tensor(w)).sum()
    c_loss.backward()
    t_loss.backward()
    for a, b in zip(cx, tx):
        _close(a.grad, b.grad)
    c_params = dict(cm.named_parameters())
    for name, p in tm.named_parameters():
        _close(c_params[name].grad, p.grad)


# ------------------------------------------------------------------ fused primitives
def _rand(*shape, seed, scale=1.0):
    a = np.random.default_rng(seed).standard_normal(shape) * scale
    return cr.tensor(a, dtype=cr.float64, requires_grad=True)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
@pytest.mark.parametrize("reverse", [False, True])
def test_fused_layer_gradcheck(kind, reverse):
    gates = {"lstm": 4, "gru": 3}.get(kind, 1)
    t, b, i, h = 3, 2, 2, 2
    x = _rand(t, b, i, seed=0)
    h0 = _rand(b, h, seed=1)
    c0 = _rand(b, h, seed=2)
    w_ih = _rand(gates * h, i, seed=3, scale=0.7)
    w_hh = _rand(gates * h, h, seed=4, scale=0.7)
    b_ih = _rand(gates * h, seed=5)
    b_hh = _rand(gates * h, seed=6)
    if kind == "lstm":
        fn = lambda *a: F.lstm_layer(*a, reverse=reverse)  # noqa: E731
        inputs = (x, h0, c0, w_ih, w_hh, b_ih, b_hh)
    else:
        layer = getattr(F, f"{kind}_layer")
        fn = lambda *a: layer(*a, reverse=reverse)  # noqa: E731
        inputs = (x, h0, w_ih, w_hh, b_ih, b_hh)
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh"])
def test_fused_cell_gradcheck(kind):
    gates = {"lstm": 4, "gru": 3}.get(kind, 1)
    x, h0, c0 = _rand(2, 3, seed=0), _rand(2, 2, seed=1), _rand(2, 2, seed=2)
    w = (_rand(gates * 2, 3, seed=3), _rand(gates * 2, 2, seed=4), _rand(gates * 2, seed=5),
         _rand(gates * 2, seed=6))
    if kind == "lstm":
        assert gradcheck(lambda x, h, c, *w: F.lstm_cell(x, (h, c), *w), (x, h0, c0) + w,
                         atol=1e-7, rtol=1e-5)
    else:
        cell = getattr(F, f"{kind}_cell")
        assert gradcheck(cell, (x, h0) + w, atol=1e-7, rtol=1e-5)


def test_retain_graph_second_backward_recomputes():
    torch.manual_seed(0)
    cm, tm = _make("LSTM", num_layers=2)
    _copy_from_torch(cm, tm)
    x = cr.tensor(np.random.default_rng(0).standard_normal((T, B, I)), requires_grad=True)
    out, (h, c) = cm(x)
    loss = out.sum() + c.sum()
    loss.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    loss.backward()
    _close(x.grad, 2 * first, tol=1e-12)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_reused_work_arrays_do_not_leak_between_calls(mode):
    # Sizes large enough for the layers' pooled work arrays (see rnn._Scratch): two graphs
    # alive at once, backwards in either order, a retained graph, a no-grad call in between,
    # and batch_first input (a transposed view); every gradient must match torch's.
    from chainrule.nn.functional import rnn as rnn_mod

    Tn, Bn, In, Hn = 24, 16, 20, 40
    cm = (nn.LSTM if mode == "LSTM" else nn.GRU)(In, Hn, batch_first=True, dtype=cr.float64)
    tm = getattr(torch.nn, mode)(In, Hn, batch_first=True, dtype=torch.float64)
    _copy_from_torch(cm, tm)
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((Bn, Tn, In)) for _ in range(3)]
    assert Tn * Bn * 3 * Hn * 8 >= rnn_mod._Scratch.MIN_BYTES

    def run(lib, m, x):
        xt = lib.tensor(x, requires_grad=True)
        out = m(xt)[0]
        loss = (out * out).sum() + out[:, -1].sum()
        return xt, loss

    for order in ([0, 1], [1, 0]):
        got, want = {}, {}
        c = [run(cr, cm, xs[k]) for k in range(2)]
        with cr.no_grad():
            cm(cr.tensor(xs[2]))
        for k in order:
            cm.zero_grad()
            c[k][1].backward(retain_graph=k == 0)
            if k == 0:
                cm.zero_grad()
                c[k][0].grad = None
                c[k][1].backward()
            got[k] = [c[k][0].grad] + [p.grad for p in cm.parameters()]
        for k in range(2):
            tm.zero_grad()
            xt, loss = run(torch, tm, xs[k])
            loss.backward()
            want[k] = [xt.grad] + [p.grad for p in tm.parameters()]
        for k in range(2):
            for a, b in zip(got[k], want[k]):
                _close(a, b, 1e-9)


def test_frozen_weights_and_no_grad():
    cm = nn.GRU(I, H, dtype=cr.float64)
    cm.weight_hh_l0.requires_grad_(False)
    x = cr.randn(T, B, I, dtype=cr.float64)
    out, h = cm(x)
    out.sum().backward()
    assert cm.weight_hh_l0.grad is None and cm.weight_ih_l0.grad is not None
    with cr.no_grad():
        out2, _ = cm(x)
    assert out2.grad_fn is None
    _close(out2, out.detach().numpy(), tol=0)


def test_create_graph_gives_first_derivative_as_constant():
    cm = nn.RNN(I, H, dtype=cr.float64)
    x = cr.randn(T, B, I, dtype=cr.float64, requires_grad=True)
    (g,) = cr.autograd.grad(cm(x)[0].sum(), x, create_graph=True)
    (ref,) = cr.autograd.grad(cm(x)[0].sum(), x)
    _close(g, ref.numpy(), tol=1e-12)


def test_float32_default_dtype():
    cm, tm = nn.LSTM(I, H, batch_first=True), torch.nn.LSTM(I, H, batch_first=True)
    _copy_from_torch(cm, tm)
    x = np.random.default_rng(0).standard_normal((B, T, I)).astype(np.float32)
    out, (h, c) = cm(cr.tensor(x))
    assert out.dtype == cr.float32 and h.dtype == cr.float32
    np.testing.assert_allclose(out.detach().numpy(), tm(torch.tensor(x))[0].detach().numpy(),
                               atol=1e-5)


def test_dropout_between_layers():
    cm, tm = _make("LSTM", num_layers=3, dropout=0.5)
    _copy_from_torch(cm, tm)
    x = np.random.default_rng(0).standard_normal((T, B, I))
    cm.eval()
    tm.eval()
    _close(cm(cr.tensor(x))[0], tm(torch.tensor(x))[0])
    cm.train()
    train_out = cm(cr.tensor(x))[0]
    assert np.isfinite(train_out.detach().numpy()).all()
    assert not np.allclose(train_out.detach().numpy(), tm(torch.tensor(x))[0].detach().numpy())


# ------------------------------------------------------------------ module surface
def test_parameter_names_shapes_and_state_dict_keys():
    for kw in (dict(num_layers=2, bidirectional=True), dict(bias=False)):
        for mode in MODES:
            cm, tm = _make(mode, **kw)
            assert list(cm.state_dict()) == list(tm.state_dict())
            for (cn, cp), (tn, tp) in zip(cm.named_parameters(), tm.named_parameters()):
                assert cn == tn and tuple(cp.shape) == tuple(tp.shape)
    cell = nn.LSTMCell(I, H, bias=False)
    assert cell.bias_ih is None and list(cell.state_dict()) == ["weight_ih", "weight_hh"]


def test_repr_matches_torch():
    cases = [("LSTM", dict(batch_first=True)), ("GRU", dict(num_layers=2, dropout=0.25)),
             ("RNN_RELU", dict(bidirectional=True, bias=False))]
    for mode, kw in cases:
        cm, tm = _make(mode, **kw)
        assert repr(cm) == repr(tm)
    assert repr(nn.LSTM(64, 128, batch_first=True)) == "LSTM(64, 128, batch_first=True)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == repr(
        torch.nn.RNNCell(3, 4, nonlinearity="relu"))
    assert repr(nn.GRUCell(3, 4, bias=False)) == repr(torch.nn.GRUCell(3, 4, bias=False))
    for p in (1, 0.1234567):  # dropout printed as the float it is, as PyTorch
        assert repr(nn.GRU(3, 4, 2, dropout=p)) == repr(torch.nn.GRU(3, 4, 2, dropout=p))


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_empty_batch_matches_torch(mode):
    cm, tm = _make(mode, num_layers=2, bidirectional=True)
    _copy_from_torch(cm, tm)
    x, tx = cr.zeros(T, 0, I, dtype=cr.float64, requires_grad=True), torch.zeros(
        T, 0, I, dtype=torch.float64, requires_grad=True)
    (out, state), (tout, tstate) = cm(x), tm(tx)
    assert out.shape == tuple(tout.shape)
    h, th = (state[0], tstate[0]) if mode == "LSTM" else (state, tstate)
    (out.sum() + h.sum()).backward()
    (tout.sum() + th.sum()).backward()
    assert x.grad.shape == tuple(tx.grad.shape)
    for (_, p), (_, tp) in zip(cm.named_parameters(), tm.named_parameters()):
        _close(p.grad, tp.grad)
    cell = {"LSTM": nn.LSTMCell, "GRU": nn.GRUCell, "RNN_TANH": nn.RNNCell}[mode](I, H)
    h1 = cell(cr.zeros(0, I))
    assert (h1[0] if mode == "LSTM" else h1).shape == (0, H)


def test_init_is_uniform_in_bound():
    m = nn.LSTM(10, 25, num_layers=2)
    bound = 1 / 5
    values = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    assert values.std() > bound / 3  # spread out, not constant


def test_errors():
    m = nn.LSTM(I, H, num_layers=2)
    with pytest.raises(RuntimeError, match="input_size"):
        m(cr.randn(T, B, I + 1))
    with pytest.raises(ValueError, match="2D or 3D"):
        m(cr.randn(1, T, B, I))
    with pytest.raises(RuntimeError, match="Expected hidden"):
        m(cr.randn(T, B, I), (cr.zeros(1, B, H), cr.zeros(1, B, H)))
    with pytest.raises(RuntimeError, match="3-D"):
        m(cr.randn(T, B, I), (cr.zeros(2, H), cr.zeros(2, H)))
    with pytest.raises(RuntimeError, match="should also be 2-D"):
        nn.GRU(I, H)(cr.randn(T, I), cr.zeros(1, 1, H))
    with pytest.raises(TypeError, match="PackedSequence"):
        m(object())
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(I, H, proj_size=2)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(I, H, nonlinearity="gelu")
    with pytest.raises(ValueError, match="input_size must be greater than zero"):
        nn.LSTM(0, H)
    with pytest.raises(ValueError, match="dropout"):
        nn.GRU(I, H, dropout=1.5)
    with pytest.warns(UserWarning, match="dropout"):
        nn.GRU(I, H, dropout=0.5)
    with pytest.raises(RuntimeError, match="inconsistent input_size"):
        nn.GRUCell(I, H)(cr.randn(B, I + 1))
    with pytest.raises(RuntimeError, match="dtype"):
        F.gru_layer(cr.randn(T, B, I), None, cr.randn(3 * H, I, dtype=cr.float64),
                    cr.randn(3 * H, H, dtype=cr.float64))
