"""Padding and packing of variable-length batches (``chainrule.nn.utils.rnn``) and the
recurrent layers on packed input, against PyTorch: values, indices, dtypes, every gradient,
and the argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn.functional.packed_rnn import gru_packed, lstm_packed
from chainrule.nn.utils import rnn as R

try:
    import torch
    from torch.nn.utils import rnn as TR
except ImportError:  # pragma: no cover
    torch = TR = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

I, H = 3, 4


def _np(t):
    return t.detach().numpy()  # a chainrule or a torch tensor


def _close(a, b, tol=1e-10):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _same_packed(cp, tp, tol=1e-10):
    _close(cp.data, tp.data, tol)
    _close(cp.batch_sizes, tp.batch_sizes, 0)
    for a, b in ((cp.sorted_indices, tp.sorted_indices),
                 (cp.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            _close(a, b, 0)


def _pair(shape, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape)
    return cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def _backward_both(c_out, t_out, seed=1):
    g = np.random.default_rng(seed).standard_normal(tuple(t_out.shape))
    (c_out * cr.tensor(g)).sum().backward()
    (t_out * torch.tensor(g)).sum().backward()


# --------------------------------------------------------------------------- pad_sequence
@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, side):
    pairs = [_pair((n, 2), seed=n) for n in (3, 1, 4, 0)]
    c = R.pad_sequence([p[0] for p in pairs], batch_first, -1.5, side)
    t = TR.pad_sequence([p[1] for p in pairs], batch_first, -1.5, side)
    _close(c, t)
    _backward_both(c, t)
    for cp, tp in pairs:
        _close(cp.grad, tp.grad)


@needs_torch
def test_pad_sequence_dtypes_and_tensor_input():
    seqs = [np.array([1, 2, 3]), np.array([4.5])]
    for dts in ((np.int64, np.float64), (np.float32, np.int64)):
        c = R.pad_sequence([cr.tensor(s.astype(d)) for s, d in zip(seqs, dts)],
                           padding_value=2.5)
        t = TR.pad_sequence([torch.tensor(s.astype(d)) for s, d in zip(seqs, dts)],
                            padding_value=2.5)
        _close(c, t, 0)
    x = np.arange(24.0).reshape(2, 3, 4)
    for bf in (False, True):
        _close(R.pad_sequence(cr.tensor(x), bf), TR.pad_sequence(torch.tensor(x), bf), 0)
    # tuples of sequences, 1-D sequences
    _close(R.pad_sequence((cr.ones(2), cr.ones(1))), TR.pad_sequence((torch.ones(2),
                                                                      torch.ones(1))), 0)


def test_pad_sequence_errors():
    with pytest.raises(RuntimeError, match="empty list"):
        R.pad_sequence([])
    with pytest.raises(RuntimeError, match="padding_side"):
        R.pad_sequence([cr.ones(2)], padding_side="LEFT")
    with pytest.raises(RuntimeError, match="trailing shape"):
        R.pad_sequence([cr.ones(2, 3), cr.ones(3, 2)])
    with pytest.raises(RuntimeError, match="0-D"):
        R.pad_sequence([cr.ones(2), cr.tensor(1.0)])
    with pytest.raises(TypeError, match="element 1"):
        R.pad_sequence([cr.ones(2), [1.0]])
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        R.pad_sequence(cr.ones(3))


# --------------------------------------------------------------------------- packing
LENGTHS = {"sorted": [5, 4, 4, 2, 1], "unsorted": [2, 5, 1, 4, 4], "ties": [3, 3, 1, 3, 5]}


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("case", list(LENGTHS))
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_pad_roundtrip_matches_torch(batch_first, case, as_tensor):
    lengths = LENGTHS[case]
    cx, tx = _pair((5, 5, 2))
    enforce = case == "sorted"
    cl = cr.tensor(lengths, dtype=cr.int32) if as_tensor else lengths
    tl = torch.tensor(lengths, dtype=torch.int32) if as_tensor else lengths
    cp = R.pack_padded_sequence(cx, cl, batch_first, enforce)
    tp = TR.pack_padded_sequence(tx, tl, batch_first, enforce)
    assert isinstance(cp, R.PackedSequence)
    _same_packed(cp, tp)
    for total in (None, 7):
        c, cl_out = R.pad_packed_sequence(cp, batch_first, 0.5, total)
        t, tl_out = TR.pad_packed_sequence(tp, batch_first, 0.5, total)
        _close(c, t)
        _close(cl_out, tl_out, 0)
    _backward_both(c, t)
    _close(cx.grad, tx.grad)


@needs_torch
@pytest.mark.parametrize("enforce", [False, True])
def test_pack_sequence_and_unpack_match_torch(enforce):
    ns = (4, 3, 3, 1) if enforce else (1, 4, 3, 2)
    pairs = [_pair((n, 2), seed=n) for n in ns]
    cp = R.pack_sequence([p[0] for p in pairs], enforce)
    tp = TR.pack_sequence([p[1] for p in pairs], enforce)
    _same_packed(cp, tp)
    cs, ts = R.unpack_sequence(cp), TR.unpack_sequence(tp)
    assert len(cs) == len(ts)
    for a, b in zip(cs, ts):
        _close(a, b)
    _backward_both(cr.cat(cs), torch.cat(ts))
    for c, t in pairs:
        _close(c.grad, t.grad)


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence_matches_torch(batch_first):
    cx, tx = _pair((3, 4, 2) if batch_first else (4, 3, 2))
    lengths = [4, 1, 3]
    cs = R.unpad_sequence(cx, lengths, batch_first)
    # (torch's unpad_sequence transposes its argument in place: give it a copy)
    ts = TR.unpad_sequence(tx * 1, torch.tensor(lengths), batch_first)
    for a, b in zip(cs, ts):
        _close(a, b)
    _backward_both(cr.cat(cs), torch.cat(ts))
    _close(cx.grad, tx.grad)
    with pytest.raises(ValueError, match="2 lengths for a batch of 3"):
        R.unpad_sequence(cx, [1, 2], batch_first)


@needs_torch
def test_pack_integer_bool_and_1d_data():
    x = np.arange(12).reshape(4, 3)
    cp = R.pack_padded_sequence(cr.tensor(x), [4, 2, 1])
    tp = TR.pack_padded_sequence(torch.tensor(x), [4, 2, 1])
    _same_packed(cp, tp)
    assert not cp.data.requires_grad
    b = x % 2 == 0
    _same_packed(R.pack_padded_sequence(cr.tensor(b), [3, 3, 1]),
                 TR.pack_padded_sequence(torch.tensor(b), [3, 3, 1]))
    # float lengths are truncated, as torch.as_tensor(..., dtype=int64) does
    _same_packed(R.pack_padded_sequence(cr.tensor(x), cr.tensor([3.7, 2.0, 1.0])),
                 TR.pack_padded_sequence(torch.tensor(x), torch.tensor([3.7, 2.0, 1.0])))


def test_pack_errors():
    x = cr.randn(4, 3, 2)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        R.pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match="greater than 0"):
        R.pack_padded_sequence(x, [3, 0, 1], enforce_sorted=False)
    with pytest.raises(RuntimeError, match="greater than 0"):
        R.pack_padded_sequence(x, [3, 2, -1])
    with pytest.raises(RuntimeError, match="batch_size"):
        R.pack_padded_sequence(x, [3, 1])
    with pytest.raises(RuntimeError, match="1D"):
        R.pack_padded_sequence(x, cr.tensor([[3, 2, 1]]))
    with pytest.raises(IndexError, match="at least 2 dimensions"):
        R.pack_padded_sequence(cr.randn(4), [3])
    with pytest.raises(RuntimeError, match="Cannot pack empty"):
        R.pack_padded_sequence(cr.randn(4, 0, 2), [])
    # PyTorch reads past the input here; chainrule refuses
    with pytest.raises(RuntimeError, match="exceeds the input's 4 time steps"):
        R.pack_padded_sequence(x, [5, 3, 1])
    with pytest.raises(TypeError, match="Tensor input"):
        R.pack_padded_sequence([[1.0]], [1])
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        R.pack_sequence([cr.ones(2), cr.ones(3)])
    with pytest.raises(RuntimeError, match="greater than 0"):
        R.pack_sequence([cr.ones(3), cr.ones(0)])
    p = R.pack_padded_sequence(x, [3, 2, 2])
    with pytest.raises(ValueError, match="total_length=2"):
        R.pad_packed_sequence(p, total_length=2)
    with pytest.raises(TypeError, match="PackedSequence"):
        R.pad_packed_sequence(x)
    with pytest.raises(RuntimeError, match="do not describe"):
        R.pad_packed_sequence(R.PackedSequence(cr.ones(5), cr.tensor([2, 1])))


def test_pack_pad_hand_computed():
    # no torch: a small case by hand
    x = cr.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0], [6.0, 0.0, 0.0]])
    p = R.pack_padded_sequence(x, [2, 3, 1], batch_first=True, enforce_sorted=False)
    assert p.data.tolist() == [4.0, 1.0, 6.0, 5.0, 2.0, 7.0]
    assert p.batch_sizes.tolist() == [3, 2, 1]
    assert p.sorted_indices.tolist() == [1, 0, 2]
    assert p.unsorted_indices.tolist() == [1, 0, 2]
    padded, lengths = R.pad_packed_sequence(p, batch_first=True, padding_value=-1.0)
    assert padded.tolist() == [[1.0, 2.0, -1.0], [4.0, 5.0, 7.0], [6.0, -1.0, -1.0]]
    assert lengths.tolist() == [2, 3, 1] and lengths.dtype == cr.int64


# --------------------------------------------------------------------------- PackedSequence
def test_packed_sequence_object():
    p = R.PackedSequence(cr.ones(3), cr.tensor([2, 1]), cr.tensor([1, 0]))
    assert p.unsorted_indices.tolist() == [1, 0]
    data, batch_sizes, sorted_indices, unsorted_indices = p  # a namedtuple
    assert batch_sizes.dtype == cr.int64 and data.shape == (3,)
    assert repr(p).startswith("PackedSequence(data=tensor(")
    q = R.PackedSequence((cr.ones(3), [2, 1]))  # the (data, batch_sizes) form
    assert q.batch_sizes.tolist() == [2, 1] and q.sorted_indices is None
    with pytest.raises(AssertionError):
        R.PackedSequence(cr.ones(3))
    assert p.to(cr.float32) is p and p.cpu() is p and p.float() is p
    d = p.double()
    assert d.data.dtype == cr.float64 and d.batch_sizes is p.batch_sizes
    assert d.sorted_indices is p.sorted_indices
    for name, dt in (("half", cr.float16), ("long", cr.int64), ("int", cr.int32),
                     ("short", cr.int16), ("char", cr.int8), ("byte", cr.uint8)):
        assert getattr(p, name)().data.dtype == dt
    assert p.to(dtype=cr.float64).data.dtype == cr.float64
    assert not p.is_cuda and not p.is_pinned()
    with pytest.raises(RuntimeError, match="CUDA"):
        p.cuda()
    assert R.invert_permutation(None) is None
    assert R.invert_permutation(cr.tensor([2, 0, 1])).tolist() == [1, 2, 0]


def test_exports():
    assert nn.utils.rnn is R
    assert set(R.__all__) >= {"PackedSequence", "pad_sequence", "pack_padded_sequence",
                              "pad_packed_sequence", "pack_sequence", "unpack_sequence",
                              "unpad_sequence"}


# --------------------------------------------------------------------------- layers
def _make(mode, **kw):
    if mode.startswith("RNN"):
        nl = "relu" if mode == "RNN_RELU" else "tanh"
        return (nn.RNN(I, H, nonlinearity=nl, dtype=cr.float64, **kw),
                torch.nn.RNN(I, H, nonlinearity=nl, dtype=torch.float64, **kw))
    cls = {"LSTM": (nn.LSTM, torch.nn.LSTM), "GRU": (nn.GRU, torch.nn.GRU)}[mode]
    return cls[0](I, H, dtype=cr.float64, **kw), cls[1](I, H, dtype=torch.float64, **kw)


def _copy_from_torch(cm, tm):
    cm.load_state_dict({k: cr.tensor(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})


MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]
CONFIGS = [
    dict(),
    dict(enforce=True),
    dict(bidirectional=True),
    dict(num_layers=2, batch_first=True, state=True),
    dict(num_layers=2, bidirectional=True, state=True),
    dict(num_layers=2, bidirectional=True, batch_first=True, enforce=True, bias=False),
]


@needs_torch
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(sorted(c)) or "default")
def test_layer_on_packed_matches_torch(mode, cfg):
    cfg = dict(cfg)
    enforce = cfg.pop("enforce", False)
    state = cfg.pop("state", False)
    cm, tm = _make(mode, **cfg)
    _copy_from_torch(cm, tm)
    lengths = [6, 4, 4, 2, 1] if enforce else [2, 6, 1, 4, 4]
    B, T = len(lengths), 6
    cx, tx = _pair((B, T, I) if cfg.get("batch_first") else (T, B, I))
    cp = R.pack_padded_sequence(cx, lengths, cfg.get("batch_first", False), enforce)
    tp = TR.pack_padded_sequence(tx, lengths, cfg.get("batch_first", False), enforce)
    n = cfg.get("num_layers", 1) * (2 if cfg.get("bidirectional") else 1)
    lstm = mode == "LSTM"
    c_args, t_args, c_states, t_states = (), (), [], []
    if state:
        for k in range(2 if lstm else 1):
            c_s, t_s = _pair((n, B, H), seed=10 + k)
            c_states.append(c_s)
            t_states.append(t_s)
        c_args = (tuple(c_states),) if lstm else (c_states[0],)
        t_args = (tuple(t_states),) if lstm else (t_states[0],)
    c_out, c_h = cm(cp, *c_args)
    t_out, t_h = tm(tp, *t_args)
    assert isinstance(c_out, R.PackedSequence)
    _same_packed(c_out, t_out)
    c_fin = list(c_h) if lstm else [c_h]
    t_fin = list(t_h) if lstm else [t_h]
    for a, b in zip(c_fin, t_fin):
        _close(a, b)
    # one backward through the packed output (via the padded view) and the final states
    c_pad, _ = R.pad_packed_sequence(c_out, batch_first=True)
    t_pad, _ = TR.pad_packed_sequence(t_out, batch_first=True)
    _backward_both(cr.cat([c_pad.reshape(-1)] + [s.reshape(-1) for s in c_fin]),
                   torch.cat([t_pad.reshape(-1)] + [s.reshape(-1) for s in t_fin]))
    _close(cx.grad, tx.grad)
    for (c_name, cpar), (t_name, tpar) in zip(cm.named_parameters(), tm.named_parameters()):
        assert c_name == t_name
        _close(cpar.grad, tpar.grad)
    for a, b in zip(c_states, t_states):
        _close(a.grad, b.grad)


@needs_torch
def test_layer_on_packed_float32_and_no_grad():
    cm, tm = _make("LSTM", bidirectional=True)
    _copy_from_torch(cm, tm)
    cm, tm = cm.float(), tm.float()
    x = np.random.default_rng(0).standard_normal((4, 3, I)).astype(np.float32)
    seqs = [x[:4, 0], x[:1, 1], x[:3, 2]]
    cp = R.pack_sequence([cr.tensor(s) for s in seqs], enforce_sorted=False)
    tp = TR.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    with cr.no_grad():
        c_out, (c_h, c_c) = cm(cp)
    with torch.no_grad():
        t_out, (t_h, t_c) = tm(tp)
    assert not c_out.data.requires_grad
    _same_packed(c_out, t_out, 1e-5)
    _close(c_h, t_h, 1e-5)
    _close(c_c, t_c, 1e-5)


def test_final_state_is_state_after_each_sequences_last_step():
    # no torch: a packed run equals running each sequence on its own (batch of 1)
    gru = nn.GRU(I, H, bidirectional=True, dtype=cr.float64)
    seqs = [cr.randn(n, I, dtype=cr.float64) for n in (2, 5, 3)]
    out, h_n = gru(R.pack_sequence(seqs, enforce_sorted=False))
    outs = R.unpack_sequence(out)
    for k, s in enumerate(seqs):
        o1, h1 = gru(s.unsqueeze(1))
        np.testing.assert_allclose(outs[k].detach().numpy(), o1[:, 0].detach().numpy(),
                                   atol=1e-12)
        np.testing.assert_allclose(h_n[:, k].detach().numpy(), h1[:, 0].detach().numpy(),
                                   atol=1e-12)


def test_layer_on_packed_dropout_and_errors():
    m = nn.LSTM(I, H, num_layers=2, dropout=0.5)
    p = R.pack_sequence([cr.randn(3, I), cr.randn(2, I)])
    out, (h, c) = m(p)
    assert out.data.shape == (5, H) and h.shape == (2, 2, H)
    m.eval()
    a, b = m(p)[0].data, m(p)[0].data
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    with pytest.raises(RuntimeError, match="input_size"):
        m(R.pack_sequence([cr.randn(3, I + 1)]))
    with pytest.raises(RuntimeError, match="2-D"):
        m(R.PackedSequence(cr.randn(3, 2, I), cr.tensor([2, 1])))
    with pytest.raises(RuntimeError, match="Expected hidden"):
        m(p, (cr.zeros(2, 3, H), cr.zeros(2, 3, H)))
    with pytest.raises(RuntimeError, match="3-D"):
        m(p, (cr.zeros(2, H), cr.zeros(2, H)))
    with pytest.raises(RuntimeError, match="tuple"):
        m(p, cr.zeros(2, 2, H))
    with pytest.raises(RuntimeError, match="Expected hidden"):
        nn.GRU(I, H)(p, cr.zeros(1, 3, H))
    with pytest.raises(TypeError, match="PackedSequence"):
        nn.GRUCell(I, H)(p)
    with pytest.raises(RuntimeError, match="packed data"):
        gru_packed(cr.randn(4, I), [2, 1], None, [cr.randn(3 * H, I), cr.randn(3 * H, H)],
                   False, 1, 0.0, False, False)
    with pytest.raises(RuntimeError, match="non-increasing"):
        lstm_packed(cr.randn(3, I), [1, 2], None, [cr.randn(4 * H, I), cr.randn(4 * H, H)],
                    False, 1, 0.0, False, False)
    with pytest.raises(RuntimeError, match="expected 4 weights"):
        lstm_packed(cr.randn(3, I), [2, 1], None, [cr.randn(4 * H, I)], True, 1, 0.0, False,
                    False)
