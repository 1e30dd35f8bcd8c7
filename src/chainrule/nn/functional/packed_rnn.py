"""Recurrent layers over packed batches (``PackedSequence``), built on the fused layer
primitives of :mod:`chainrule.nn.functional.rnn`.

A packed batch is sorted by decreasing length, so the sequences still running at step ``t``
are always the first ``batch_sizes[t]``, and over a run of steps where ``batch_sizes`` stays
the same the packed rows are exactly a dense ``(steps, b, features)`` block. Each layer and
direction therefore runs as one fused layer call per such run ("length bucket"), at most one
per distinct length:

* forward direction: the runs in time order; a run starts from the first ``b`` rows of the
  previous run's final state, and the sequences that end with a run take that run's final
  state as their ``h_n`` (their state after their own last step);
* reverse direction: the runs from the last to the first; a run continues the state of the
  (shorter, later) sequences already running and starts the sequences whose last step lies
  in it from their initial state, so each sequence's reverse pass starts at its own last
  element. ``h_n`` is the final state of the first run (every sequence's step 0).

The outputs of the runs laid end to end are the packed output rows, so no padded tensor is
ever built, padded steps cost nothing, and gradients flow through the layer primitives and the
slices and concatenations that join them.

Cost, measured against one fused call on the padded batch (forward + backward, batch 32 x 50
steps, 64 -> 128 features, float32, one thread), LSTM and GRU, uni- and bidirectional:
0.9-1.0x with 4 distinct lengths (the skipped padding pays for the extra calls), 1.04-1.1x
with a single length, 1.3-1.45x with 24 and 1.5-1.65x with 32 distinct lengths (about 0.3 ms
per extra run for the LSTM); the tanh RNN, whose steps are cheapest, 1.0-1.3x and up to 2.1x.
Masking the state updates inside one padded call would cost the padded time or a little more
in every case, but needs masked variants of the fused kernels; running GRU/RNN directions as
one padded call each (valid outputs do not depend on later padding, and the reverse direction
is a forward pass over each sequence flipped within its length) measured 1.3x (GRU) in the
32-length case but cannot give the LSTM's ``c_n``, so one method serves all three. (PyTorch's
own CPU packed path measured 1.2-8x its padded one on the same batches.)
"""

from __future__ import annotations

import numpy as np

from chainrule.nn.functional.misc import dropout as dropout_fn
from chainrule.nn.functional.rnn import _LAYERS, lstm_layer
from chainrule.ops.shape import cat, stack
from chainrule.tensor import Tensor

__all__ = ["lstm_packed", "gru_packed", "rnn_tanh_packed", "rnn_relu_packed"]

_wrap = Tensor._wrap


def _runs(batch_sizes):
    """``(t0, t1, b)`` for each maximal run of steps ``t0 .. t1-1`` with ``b`` sequences."""
    T = batch_sizes.size
    change = np.flatnonzero(np.diff(batch_sizes)) + 1
    starts = np.concatenate(([0], change)).astype(int)
    ends = np.concatenate((change, [T])).astype(int)
    return [(int(a), int(e), int(batch_sizes[a])) for a, e in zip(starts, ends)]


def _direction(kind, data, offsets, runs, h0, c0, w, reverse):
    """One layer-direction over the packed rows: ``(output rows, h_n, c_n or None)``.

    ``h0``/``c0``: ``(B, H)`` initial states of the sorted batch (never None here).
    """
    lstm = kind == "lstm"
    w_ih, w_hh, b_ih, b_hh = w
    F = data.shape[-1]
    outs, h_fin, c_fin = [], [], []
    order = list(reversed(runs)) if reverse else runs
    h = c = None
    prev_b = 0
    for k, (t0, t1, b) in enumerate(order):
        x = data[int(offsets[t0]):int(offsets[t1])].reshape(t1 - t0, b, F)
        if reverse:
            # the sequences already running, then those whose last step is in this run
            h_in = h0[:b] if h is None else cat([h, h0[prev_b:b]], 0)
            c_in = (c0[:b] if c is None else cat([c, c0[prev_b:b]], 0)) if lstm else None
        else:
            h_in = h0 if h is None else h[:b]
            c_in = (c0 if c is None else c[:b]) if lstm else None
        if lstm:
            out, h, c = lstm_layer(x, h_in, c_in, w_ih, w_hh, b_ih, b_hh, reverse=reverse)
        else:
            out, h = _LAYERS[kind](x, h_in, w_ih, w_hh, b_ih, b_hh, reverse=reverse)
        outs.append(out.reshape((t1 - t0) * b, out.shape[-1]))
        if not reverse:  # the sequences that end here: rows next_b .. b of this run's state
            next_b = order[k + 1][2] if k + 1 < len(order) else 0
            h_fin.append(h if next_b == 0 else h[next_b:])
            if lstm:
                c_fin.append(c if next_b == 0 else c[next_b:])
        prev_b = b
    if reverse:
        outs.reverse()
        return _cat0(outs), h, c
    # sorted order: the longest sequences (lowest rows) finished last
    return _cat0(outs), _cat0(h_fin[::-1]), _cat0(c_fin[::-1]) if lstm else None


def _cat0(parts):
    return parts[0] if len(parts) == 1 else cat(parts, 0)


def _stack_packed(kind, data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
                  bidirectional):
    op = f"{kind}_packed"
    lstm = kind == "lstm"
    dirs = 2 if bidirectional else 1
    per = 4 if has_biases else 2
    if len(params) != num_layers * dirs * per:
        raise RuntimeError(f"{op}: expected {num_layers * dirs * per} weights for "
                           f"{num_layers} layer(s) x {dirs} direction(s), got {len(params)}")
    bs = batch_sizes._data if isinstance(batch_sizes, Tensor) else np.asarray(batch_sizes)
    if (bs.ndim != 1 or bs.size == 0 or bs.dtype.kind not in "iu" or (bs <= 0).any()
            or (np.diff(bs) > 0).any()):
        raise RuntimeError(f"{op}: batch_sizes must be a non-empty 1-D non-increasing sequence "
                           f"of positive integers, got {bs.tolist()}")
    if data.ndim != 2 or data.shape[0] != bs.sum():
        raise RuntimeError(f"{op}: expected packed data (sum(batch_sizes) = {int(bs.sum())}, "
                           f"input_size), got shape {list(data.shape)}")
    B = int(bs[0])
    H = params[1].shape[-1]
    runs = _runs(bs)
    offsets = np.concatenate(([0], np.cumsum(bs)))
    h0, c0 = ((None, None) if hx is None else hx) if lstm else (hx, None)
    zeros = None
    if h0 is None or (lstm and c0 is None):
        zeros = _wrap(np.zeros((num_layers * dirs, B, H), data._data.dtype))
    h0 = zeros if h0 is None else h0
    c0 = (zeros if c0 is None else c0) if lstm else None
    for nm, s in (("hx", h0), ("cx", c0)):
        if s is not None and tuple(s.shape) != (num_layers * dirs, B, H):
            raise RuntimeError(f"{op}: expected {nm} of shape {[num_layers * dirs, B, H]}, got "
                               f"{list(s.shape)}")
    x = data
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            w = params[k * per:(k + 1) * per]
            w = (w[0], w[1], w[2], w[3]) if has_biases else (w[0], w[1], None, None)
            out, hn, cn = _direction(kind, x, offsets, runs, h0[k], c0[k] if lstm else None, w,
                                     d == 1)
            outs.append(out)
            hs.append(hn)
            cs.append(cn)
        x = outs[0] if dirs == 1 else cat(outs, -1)
        if dropout and train and layer < num_layers - 1:
            x = dropout_fn(x, dropout, training=True)
    h_n = stack(hs, 0)
    return (x, h_n, stack(cs, 0)) if lstm else (x, h_n)


def lstm_packed(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
                bidirectional):
    """A multi-layer LSTM over a packed batch, as ``torch.lstm``'s packed form.

    Args:
        data: the packed rows ``(sum(batch_sizes), I)`` (a ``PackedSequence``'s ``data``).
        batch_sizes: the packed batch sizes (non-increasing, a list, array or int64 tensor).
        hx: ``(h_0, c_0)``, each ``(num_layers * num_directions, B, H)`` in the *sorted*
            batch order, or ``None`` for zeros.
        params, has_biases, num_layers, dropout, train, bidirectional: as
            :func:`chainrule.nn.functional.lstm`.

    Returns:
        ``(output rows, h_n, c_n)``: the output packed like ``data``; ``h_n`` and ``c_n`` hold
        each sequence's state after its own last step (sorted order).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.functional.packed_rnn import lstm_packed
        >>> w = [cr.randn(8, 3), cr.randn(8, 2)]  # hidden size 2
        >>> out, h, c = lstm_packed(cr.randn(5, 3), [2, 2, 1], None, w, False, 1, 0.0, False,
        ...                         False)
        >>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
        ((5, 2), (1, 2, 2), (1, 2, 2))
    """
    return _stack_packed("lstm", data, batch_sizes, hx, params, has_biases, num_layers, dropout,
                         train, bidirectional)


def gru_packed(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
               bidirectional):
    """A multi-layer GRU over a packed batch: ``(output rows, h_n)``; see :func:`lstm_packed`.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.functional.packed_rnn import gru_packed
        >>> out, h = gru_packed(cr.randn(3, 4), [2, 1], None, [cr.randn(6, 4), cr.randn(6, 2)],
        ...                     False, 1, 0.0, False, False)
        >>> tuple(out.shape), tuple(h.shape)
        ((3, 2), (1, 2, 2))
    """
    return _stack_packed("gru", data, batch_sizes, hx, params, has_biases, num_layers, dropout,
                         train, bidirectional)


def rnn_tanh_packed(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
                    bidirectional):
    """A multi-layer tanh RNN over a packed batch: ``(output rows, h_n)``; see
    :func:`lstm_packed`.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.functional.packed_rnn import rnn_tanh_packed
        >>> out, h = rnn_tanh_packed(cr.randn(3, 4), [2, 1], None,
        ...                          [cr.randn(2, 4), cr.randn(2, 2)], False, 1, 0.0, False, False)
        >>> tuple(out.shape), tuple(h.shape)
        ((3, 2), (1, 2, 2))
    """
    return _stack_packed("rnn_tanh", data, batch_sizes, hx, params, has_biases, num_layers,
                         dropout, train, bidirectional)


def rnn_relu_packed(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
                    bidirectional):
    """A multi-layer ReLU RNN over a packed batch: ``(output rows, h_n)``; see
    :func:`lstm_packed`.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.functional.packed_rnn import rnn_relu_packed
        >>> out, h = rnn_relu_packed(cr.randn(3, 4), [2, 1], None,
        ...                          [cr.randn(2, 4), cr.randn(2, 2)], False, 1, 0.0, False, False)
        >>> tuple(out.shape), tuple(h.shape)
        ((3, 2), (1, 2, 2))
    """
    return _stack_packed("rnn_relu", data, batch_sizes, hx, params, has_biases, num_layers,
                         dropout, train, bidirectional)
