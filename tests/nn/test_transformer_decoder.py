"""The Transformer decoder and the full encoder-decoder ``Transformer`` against PyTorch in eval
mode with weights copied through the state_dict: outputs and the gradients of inputs and of
every parameter (float64), state_dict key names, printed forms, masks (float, bool, key
padding, causal hints), unbatched inputs and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F

try:
    import torch
except ImportError:  # the comparisons with torch skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
# torch's own notes about its fast paths (not taken here: gradients are recorded).
pytestmark = [pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")]
E, HEADS, T, S, N = 8, 2, 4, 5, 3


def _close(a, b, tol=1e-10):
    a = a.detach().numpy() if isinstance(a, cr.Tensor) else np.asarray(a)
    b = b.detach().numpy()
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _copy_from_torch(cm, tm):
    assert list(cm.state_dict()) == list(tm.state_dict())
    cm.load_state_dict({k: cr.tensor(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})


def _pair(shape, seed):
    a = np.random.default_rng(seed).standard_normal(shape)
    return cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _check(cm, tm, c_out, t_out, inputs):
    """Outputs, then (after one weighted-sum backward) input and parameter gradients."""
    _close(c_out, t_out)
    w = np.random.default_rng(99).standard_normal(tuple(t_out.shape))
    (c_out * cr.tensor(w)).sum().backward()
    (t_out * torch.tensor(w)).sum().backward()
    for c, t in inputs:
        _close(c.grad, t.grad)
    c_params = dict(cm.named_parameters())
    assert list(c_params) == [name for name, _ in tm.named_parameters()]
    for name, p in tm.named_parameters():
        _close(c_params[name].grad, p.grad)


def _masks(batch_first):
    causal = np.triu(np.full((T, T), -np.inf), 1)
    mem_mask = np.zeros((T, S), bool)
    mem_mask[0, 1] = True
    tgt_kpm = np.zeros((N, T), bool)
    tgt_kpm[1, -1] = True
    mem_kpm = np.zeros((N, S), bool)
    mem_kpm[2, :2] = True
    return causal, mem_mask, tgt_kpm, mem_kpm


@needs_torch
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_matches_torch(norm_first, activation, batch_first):
    kw = dict(dim_feedforward=16, dropout=0.1, activation=activation, batch_first=batch_first,
              norm_first=norm_first)
    cm = nn.TransformerDecoderLayer(E, HEADS, dtype=cr.float64, **kw).eval()
    tm = torch.nn.TransformerDecoderLayer(E, HEADS, dtype=torch.float64, **kw).eval()
    _copy_from_torch(cm, tm)
    tgt = _pair((N, T, E) if batch_first else (T, N, E), 1)
    mem = _pair((N, S, E) if batch_first else (S, N, E), 2)
    causal, mem_mask, tgt_kpm, mem_kpm = _masks(batch_first)
    co = cm(tgt[0], mem[0], tgt_mask=cr.tensor(causal), memory_mask=cr.tensor(mem_mask),
            tgt_key_padding_mask=cr.tensor(tgt_kpm), memory_key_padding_mask=cr.tensor(mem_kpm))
    to = tm(tgt[1], mem[1], tgt_mask=torch.tensor(causal), memory_mask=torch.tensor(mem_mask),
            tgt_key_padding_mask=torch.tensor(tgt_kpm),
            memory_key_padding_mask=torch.tensor(mem_kpm))
    _check(cm, tm, co, to, [tgt, mem])


@needs_torch
def test_decoder_layer_causal_hint_callable_activation_no_bias():
    kw = dict(dim_feedforward=16, dropout=0.0, bias=False)
    cm = nn.TransformerDecoderLayer(E, HEADS, activation=F.gelu, dtype=cr.float64, **kw)
    tm = torch.nn.TransformerDecoderLayer(E, HEADS, activation=torch.nn.functional.gelu,
                                          dtype=torch.float64, **kw)
    _copy_from_torch(cm, tm)
    tgt, mem = _pair((T, N, E), 3), _pair((S, N, E), 4)
    causal = np.triu(np.full((T, T), -np.inf), 1)
    co = cm(tgt[0], mem[0], tgt_mask=cr.tensor(causal), tgt_is_causal=True)
    to = tm(tgt[1], mem[1], tgt_mask=torch.tensor(causal), tgt_is_causal=True)
    _check(cm, tm, co, to, [tgt, mem])


@needs_torch
def test_decoder_layer_unbatched():
    cm = nn.TransformerDecoderLayer(E, HEADS, 16, dropout=0.0, dtype=cr.float64)
    tm = torch.nn.TransformerDecoderLayer(E, HEADS, 16, dropout=0.0, dtype=torch.float64)
    _copy_from_torch(cm, tm)
    tgt, mem = _pair((T, E), 5), _pair((S, E), 6)
    _check(cm, tm, cm(tgt[0], mem[0]), tm(tgt[1], mem[1]), [tgt, mem])


@needs_torch
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_stack_matches_torch(norm_first):
    kw = dict(dim_feedforward=16, dropout=0.0, norm_first=norm_first)
    cm = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, HEADS, dtype=cr.float64, **kw), 2,
                               norm=nn.LayerNorm(E, dtype=cr.float64))
    tm = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(E, HEADS, dtype=torch.float64, **kw), 2,
        norm=torch.nn.LayerNorm(E, dtype=torch.float64))
    assert repr(cm) == repr(tm)
    w0, w1 = cm.layers[0].linear1.weight, cm.layers[1].linear1.weight  # copies, not shared
    assert w0 is not w1 and np.array_equal(w0.detach().numpy(), w1.detach().numpy())
    _copy_from_torch(cm, tm)
    tgt, mem = _pair((T, N, E), 7), _pair((S, N, E), 8)
    causal = np.triu(np.full((T, T), -np.inf), 1)  # detected as causal (tgt_is_causal None)
    co = cm(tgt[0], mem[0], tgt_mask=cr.tensor(causal))
    to = tm(tgt[1], mem[1], tgt_mask=torch.tensor(causal))
    _check(cm, tm, co, to, [tgt, mem])


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_torch(batch_first, norm_first):
    kw = dict(d_model=E, nhead=HEADS, num_encoder_layers=2, num_decoder_layers=1,
              dim_feedforward=16, dropout=0.1, batch_first=batch_first, norm_first=norm_first)
    cm = nn.Transformer(**kw, dtype=cr.float64).eval()
    tm = torch.nn.Transformer(**kw, dtype=torch.float64).eval()
    assert repr(cm) == repr(tm)
    _copy_from_torch(cm, tm)
    src = _pair((N, S, E) if batch_first else (S, N, E), 9)
    tgt = _pair((N, T, E) if batch_first else (T, N, E), 10)
    _, mem_mask, tgt_kpm, mem_kpm = _masks(batch_first)
    src_kpm = mem_kpm
    c_mask = nn.Transformer.generate_square_subsequent_mask(T, dtype=cr.float64)
    t_mask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
    co = cm(src[0], tgt[0], tgt_mask=c_mask, memory_mask=cr.tensor(mem_mask),
            src_key_padding_mask=cr.tensor(src_kpm), tgt_key_padding_mask=cr.tensor(tgt_kpm),
            memory_key_padding_mask=cr.tensor(mem_kpm))
    to = tm(src[1], tgt[1], tgt_mask=t_mask, memory_mask=torch.tensor(mem_mask),
            src_key_padding_mask=torch.tensor(src_kpm), tgt_key_padding_mask=torch.tensor(tgt_kpm),
            memory_key_padding_mask=torch.tensor(mem_kpm))
    _check(cm, tm, co, to, [src, tgt])


@needs_torch
def test_transformer_state_dict_keys_and_init():
    kw = dict(d_model=16, nhead=4, num_encoder_layers=2, num_decoder_layers=2,
              dim_feedforward=32)
    cm, tm = nn.Transformer(**kw), torch.nn.Transformer(**kw)
    c_state, t_state = cm.state_dict(), tm.state_dict()
    assert list(c_state) == list(t_state)
    for k, v in t_state.items():
        assert tuple(c_state[k].shape) == tuple(v.shape), k
        assert c_state[k].dtype == cr.float32
    # Xavier-uniform for every matrix: |w| <= sqrt(6 / (fan_in + fan_out)).
    w = cm.decoder.layers[1].linear1.weight.detach().numpy()
    assert np.abs(w).max() <= np.sqrt(6 / (16 + 32)) and w.std() > 0.05
    assert cm.d_model == 16 and cm.nhead == 4 and cm.batch_first is False
    for bias in (False,):
        assert list(nn.Transformer(**kw, bias=bias).state_dict()) == \
            list(torch.nn.Transformer(**kw, bias=bias).state_dict())


@needs_torch
def test_generate_square_subsequent_mask_matches_torch():
    for dtype, tdtype in ((None, None), (cr.float64, torch.float64)):
        ours = nn.Transformer.generate_square_subsequent_mask(4, dtype=dtype)
        theirs = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=tdtype)
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_custom_encoder_and_decoder():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, HEADS, 16), 1)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, HEADS, 16), 1)
    model = nn.Transformer(E, HEADS, custom_encoder=enc, custom_decoder=dec).eval()
    assert model.encoder is enc and model.decoder is dec
    out = model(cr.randn(S, N, E), cr.randn(T, N, E))
    assert tuple(out.shape) == (T, N, E)


def test_decoder_layer_dropout_in_training_only():
    m = nn.TransformerDecoderLayer(E, HEADS, 16, dropout=0.5)
    tgt, mem = cr.randn(T, N, E), cr.randn(S, N, E)
    m.eval()
    a = m(tgt, mem).detach().numpy()
    np.testing.assert_array_equal(a, m(tgt, mem).detach().numpy())
    m.train()
    assert not np.allclose(a, m(tgt, mem).detach().numpy())


@needs_torch
@pytest.mark.parametrize("src_shape,tgt_shape,batch_first", [
    ((S, N, E), (T, N + 1, E), False), ((N, S, E), (N + 1, T, E), True),
    ((S, N, E), (T, N, E + 2), False),
])
def test_transformer_shape_errors_as_torch(src_shape, tgt_shape, batch_first):
    kw = dict(d_model=E, nhead=HEADS, num_encoder_layers=1, num_decoder_layers=1,
              dim_feedforward=16, batch_first=batch_first)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.Transformer(**kw)(torch.zeros(src_shape), torch.zeros(tgt_shape))
    with pytest.raises(RuntimeError) as ours:
        nn.Transformer(**kw)(cr.zeros(*src_shape), cr.zeros(*tgt_shape))
    assert str(ours.value) == str(theirs.value)


def test_decoder_layer_errors():
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerDecoderLayer(E, HEADS, activation="tanh")
    m = nn.TransformerDecoderLayer(E, HEADS, 16)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        m(cr.randn(T, N, E), cr.randn(S, N, E), tgt_is_causal=True)
