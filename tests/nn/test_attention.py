"""Attention and the Transformer encoder against PyTorch with copied weights: outputs, weights
and the gradients of inputs and parameters, in float64."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

E, HEADS, L, S, N = 8, 2, 4, 5, 3


def _close(a, b, tol=1e-10):
    a = a.detach().numpy() if isinstance(a, cr.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _copy_from_torch(cm, tm):
    cm.load_state_dict({k: cr.tensor(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})


def _pair(array):
    return cr.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


def _backward_both(c_outs, t_outs, seed=0):
    """Weighted sums of the outputs (compared first), backward in both libraries."""
    c_loss = t_loss = 0
    for k, (a, b) in enumerate(zip(c_outs, t_outs)):
        if a is None:
            assert b is None
            continue
        _close(a, b)
        w = np.random.default_rng(seed + k).standard_normal(tuple(b.shape))
        c_loss = c_loss + (a * cr.tensor(w)).sum()
        t_loss = t_loss + (b * torch.tensor(w)).sum()
    c_loss.backward()
    t_loss.backward()


def _compare_param_grads(cm, tm):
    c_params = dict(cm.named_parameters())
    for name, p in tm.named_parameters():
        _close(c_params[name].grad, p.grad)


# ------------------------------------------------------------------ scaled_dot_product_attention
_RNG = np.random.default_rng(0)
_BOOL = _RNG.random((L, S)) > 0.4
_BOOL[1] = False  # a query that may attend to nothing: PyTorch's SDPA gives zeros there
SDPA_CASES = {
    "plain": {},
    "causal": {"is_causal": True},
    "bool_mask": {"attn_mask": _BOOL},
    "float_mask": {"attn_mask": _RNG.standard_normal((2, 1, L, S))},
    "scale": {"scale": 0.3},
}


@pytest.mark.parametrize("case", list(SDPA_CASES))
def test_sdpa_matches_torch(case):
    kw = SDPA_CASES[case]
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((2, 3, L, 6)), rng.standard_normal((2, 3, S, 6)),
              rng.standard_normal((2, 3, S, 7))]
    pairs = [_pair(a) for a in arrays]
    ckw = {k: cr.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    co = F.scaled_dot_product_attention(*[c for c, _ in pairs], **ckw)
    to = TF.scaled_dot_product_attention(*[t for _, t in pairs], **tkw)
    _backward_both([co], [to])
    for c, t in pairs:
        _close(c.grad, t.grad)


def test_sdpa_grouped_query_attention():
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((2, 4, L, 6)), rng.standard_normal((2, 2, S, 6)),
              rng.standard_normal((2, 2, S, 6))]
    pairs = [_pair(a) for a in arrays]
    co = F.scaled_dot_product_attention(*[c for c, _ in pairs], enable_gqa=True)
    to = TF.scaled_dot_product_attention(*[t for _, t in pairs], enable_gqa=True)
    _backward_both([co], [to])
    for c, t in pairs:
        _close(c.grad, t.grad)


def test_sdpa_errors():
    q = cr.randn(2, L, 6)
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=cr.ones(L, L, dtype=cr.bool),
                                       is_causal=True)
    with pytest.raises(RuntimeError, match="incompatible shapes"):
        F.scaled_dot_product_attention(q, cr.randn(2, L, 5), q)


# ------------------------------------------------------------------ MultiheadAttention
def _kpm():
    m = np.zeros((N, S), bool)
    m[0, -2:] = True
    m[2, 0] = True
    return m


MHA_CASES = {
    "self": dict(self_attn=True),
    "cross": dict(),
    "batch_first": dict(module=dict(batch_first=True)),
    "kdim_vdim": dict(module=dict(kdim=5, vdim=6)),
    "bias_kv_zero_attn": dict(module=dict(add_bias_kv=True, add_zero_attn=True),
                              kpm=True, bool_mask=True),
    "no_bias": dict(module=dict(bias=False)),
    "key_padding_mask": dict(kpm=True),
    "bool_attn_mask": dict(bool_mask=True, kpm=True),
    "float_attn_mask": dict(float_mask=True),
    "3d_attn_mask": dict(mask3d=True),
    "per_head_weights": dict(kpm=True, bool_mask=True, average=False),
    "float_kpm": dict(float_kpm=True),
    "no_weights": dict(kpm=True, bool_mask=True, need_weights=False),
    "causal_hint": dict(self_attn=True, causal=True, need_weights=False),
    "unbatched": dict(unbatched=True, kpm=True, bool_mask=True),
    "unbatched_no_weights": dict(unbatched=True, kpm=True, need_weights=False),
}


@pytest.mark.parametrize("case", list(MHA_CASES))
def test_multihead_attention_matches_torch(case):
    cfg = MHA_CASES[case]
    mod_kw = cfg.get("module", {})
    cm = nn.MultiheadAttention(E, HEADS, dtype=cr.float64, **mod_kw)
    tm = torch.nn.MultiheadAttention(E, HEADS, dtype=torch.float64, **mod_kw)
    _copy_from_torch(cm, tm)
    rng = np.random.default_rng(3)
    kdim, vdim = mod_kw.get("kdim", E), mod_kw.get("vdim", E)
    bf = mod_kw.get("batch_first", False)
    lay = (lambda n, d: (N, n, d)) if bf else (lambda n, d: (n, N, d))
    shapes = [lay(L, E), lay(S, kdim), lay(S, vdim)]
    if cfg.get("unbatched"):
        shapes = [(L, E), (S, kdim), (S, vdim)]
    if cfg.get("self_attn"):
        shapes = [shapes[0]]
    pairs = [_pair(rng.standard_normal(s)) for s in shapes]
    kw = {"need_weights": cfg.get("need_weights", True),
          "average_attn_weights": cfg.get("average", True)}
    src_len = S if not cfg.get("self_attn") else L
    masks = {}
    if cfg.get("kpm"):
        masks["key_padding_mask"] = _kpm()[0] if cfg.get("unbatched") else _kpm()
    if cfg.get("float_kpm"):
        masks["key_padding_mask"] = np.where(_kpm(), -np.inf, 0.0) + rng.standard_normal((N, S))
    if cfg.get("bool_mask"):
        masks["attn_mask"] = rng.random((L, src_len)) > 0.7
    if cfg.get("float_mask"):
        masks["attn_mask"] = rng.standard_normal((L, src_len))
    if cfg.get("mask3d"):
        masks["attn_mask"] = rng.standard_normal((N * HEADS, L, src_len))
    if cfg.get("causal"):
        masks["attn_mask"] = np.triu(np.ones((L, L), bool), 1)
        kw["is_causal"] = True
    c_in = [c for c, _ in pairs]
    t_in = [t for _, t in pairs]
    if len(c_in) == 1:
        c_in, t_in = c_in * 3, t_in * 3
    co = cm(*c_in, **kw, **{k: cr.tensor(v) for k, v in masks.items()})
    to = tm(*t_in, **kw, **{k: torch.tensor(v) for k, v in masks.items()})
    _backward_both(co, to)
    for c, t in pairs:
        _close(c.grad, t.grad)
    _compare_param_grads(cm, tm)


def test_multihead_attention_parameters_and_init():
    for kw in (dict(), dict(kdim=5, vdim=6, add_bias_kv=True), dict(bias=False)):
        cm, tm = nn.MultiheadAttention(E, HEADS, **kw), torch.nn.MultiheadAttention(E, HEADS, **kw)
        assert list(cm.state_dict()) == list(tm.state_dict())
        for (cn, cp), (tn, tp) in zip(cm.named_parameters(), tm.named_parameters()):
            assert cn == tn and tuple(cp.shape) == tuple(tp.shape)
    m = nn.MultiheadAttention(64, 4)
    bound = np.sqrt(6 / (64 + 3 * 64))  # Xavier-uniform over the (3E, E) in_proj_weight
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and w.std() > bound / 3
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(10, 3)


def test_multihead_attention_errors():
    m = nn.MultiheadAttention(E, HEADS)
    x = cr.randn(L, N, E)
    with pytest.raises(RuntimeError, match="is_causal"):
        m(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        m(x, x, x, attn_mask=cr.zeros(L + 1, L))
    for need_weights in (True, False):  # a float mask of another dtype is refused, as torch
        with pytest.raises(RuntimeError, match="attn_mask to be bool or of the query's dtype"):
            m(x, x, x, attn_mask=cr.zeros(L, L, dtype=cr.float64), need_weights=need_weights)
        with pytest.raises(RuntimeError, match="key_padding_mask to be bool"):
            m(x, x, x, key_padding_mask=cr.zeros(N, L, dtype=cr.float64),
              need_weights=need_weights)


def test_attention_modules_print_as_torch():
    assert str(nn.MultiheadAttention(E, HEADS)) == str(torch.nn.MultiheadAttention(E, HEADS))
    assert str(nn.TransformerEncoderLayer(8, 2)) == str(torch.nn.TransformerEncoderLayer(8, 2))


def test_multihead_attention_dropout_in_training_only():
    m = nn.MultiheadAttention(E, HEADS, dropout=0.5)
    x = cr.randn(L, N, E)
    m.eval()
    a = m(x, x, x)[0].detach().numpy()
    assert np.allclose(a, m(x, x, x)[0].detach().numpy())
    m.train()
    assert not np.allclose(a, m(x, x, x)[0].detach().numpy())


# ------------------------------------------------------------------ Transformer encoder
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_matches_torch(norm_first, activation, batch_first):
    kw = dict(dim_feedforward=16, dropout=0.1, activation=activation, batch_first=batch_first,
              norm_first=norm_first)
    cm = nn.TransformerEncoderLayer(E, HEADS, dtype=cr.float64, **kw).eval()
    tm = torch.nn.TransformerEncoderLayer(E, HEADS, dtype=torch.float64, **kw).eval()
    _copy_from_torch(cm, tm)
    shape = (N, L, E) if batch_first else (L, N, E)
    c, t = _pair(np.random.default_rng(4).standard_normal(shape))
    mask = np.triu(np.ones((L, L), bool), 1)
    kpm = np.zeros((N, L), bool)
    kpm[1, -1] = True
    co = cm(c, src_mask=cr.tensor(mask), src_key_padding_mask=cr.tensor(kpm))
    to = tm(t, src_mask=torch.tensor(mask), src_key_padding_mask=torch.tensor(kpm))
    _backward_both([co], [to])
    _close(c.grad, t.grad)
    _compare_param_grads(cm, tm)


def test_encoder_stack_matches_torch():
    kw = dict(dim_feedforward=16, dropout=0.0)
    c_layer = nn.TransformerEncoderLayer(E, HEADS, dtype=cr.float64, **kw)
    t_layer = torch.nn.TransformerEncoderLayer(E, HEADS, dtype=torch.float64, **kw)
    cm = nn.TransformerEncoder(c_layer, 2, norm=nn.LayerNorm(E, dtype=cr.float64),
                               enable_nested_tensor=False)
    tm = torch.nn.TransformerEncoder(t_layer, 2, norm=torch.nn.LayerNorm(E, dtype=torch.float64),
                                     enable_nested_tensor=False)
    assert list(cm.state_dict()) == list(tm.state_dict())
    # The layers are copies: distinct parameters, equal at first.
    w0, w1 = cm.layers[0].linear1.weight, cm.layers[1].linear1.weight
    assert w0 is not w1 and np.array_equal(w0.detach().numpy(), w1.detach().numpy())
    _copy_from_torch(cm, tm)
    c, t = _pair(np.random.default_rng(5).standard_normal((L, N, E)))
    mask = np.triu(np.full((L, L), -np.inf), 1)
    co = cm(c, mask=cr.tensor(mask))
    to = tm(t, mask=torch.tensor(mask))
    _backward_both([co], [to])
    _close(c.grad, t.grad)
    _compare_param_grads(cm, tm)


def test_encoder_layer_callable_activation_and_unbatched():
    cm = nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0, activation=F.gelu,
                                    dtype=cr.float64)
    tm = torch.nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0, activation=TF.gelu,
                                          dtype=torch.float64)
    _copy_from_torch(cm, tm)
    x = np.random.default_rng(6).standard_normal((L, E))
    _close(cm(cr.tensor(x)), tm(torch.tensor(x)))
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(E, HEADS, activation="tanh")
