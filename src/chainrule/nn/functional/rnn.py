"""Recurrent layers as fused primitives: one primitive per layer and direction.

Why fused: unrolled into elementary ops, an LSTM over ``T`` steps records some 20 ``T`` graph
nodes and pays Python and graph overhead on each. Here a layer-direction is one primitive:

* forward: the input projection of *all* time steps is one GEMM (``x.reshape(T*B, I)`` times
  ``W_ih^T``; in the feature-major LSTM and GRU its transpose, with the biases brought in by a
  column of ones on ``x``); only the recurrence itself loops over time, doing one hidden GEMM
  and a few vectorized NumPy ops per step;
* backward (backpropagation through time, derived below for each cell) loops over time in
  reverse doing one GEMM and a few ops per step; the gradients of ``W_ih``, ``W_hh``, the
  biases and the input are then one GEMM (or one sum) each over all steps at once.

Gate order and equations are PyTorch's (LSTM ``i, f, g, o``; GRU ``r, z, n`` with the reset gate
applied to ``W_hn h + b_hn``), so weights and checkpoints carry over unchanged.

Each primitive returns one packed array: the hidden states of every step, time-major, plus the
final cell state for the LSTM; the public functions slice ``output``, ``h_n``, ``c_n`` from it.

Second derivatives: the backward passes are hand-written NumPy (``numpy_rule``), so under
``create_graph=True`` the first derivative is correct but is a constant of the graph:
differentiating it again (Hessian, double backward) through a fused recurrent layer or cell
raises an error that says so, rather than silently giving zeros.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.grad_mode import STATE
from chainrule.autograd.primitive import primitive
from chainrule.nn.functional.misc import dropout as dropout_fn
from chainrule.ops import rules as R
from chainrule.ops.shape import cat, stack
from chainrule.tensor import Tensor

__all__ = [
    "rnn_tanh_layer", "rnn_relu_layer", "lstm_layer", "gru_layer",
    "rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell",
    "rnn_tanh", "rnn_relu", "lstm", "gru",
]

_wrap = Tensor._wrap


# --------------------------------------------------------------------------- shared pieces
class _Tape:
    """What a recorded layer call keeps for its backward pass (passed as a parameter).

    ``acts``: the activations saved by the forward, dropped once a backward has used them (a
    second backward through a retained graph recomputes them by re-running the forward).
    The backward computes the gradients of all inputs in one sweep; the engine asks for them
    one input at a time, so they are kept (keyed by the incoming gradient array) until each
    input that needs one has collected it.
    """

    __slots__ = ("acts", "needs", "g", "grads", "left")

    def __init__(self, needs):
        self.acts = None
        self.needs = needs
        self.g = None
        self.grads = None
        self.left = 0


class _Scratch:
    """A small pool of large work arrays, reused from one layer call to the next.

    The big per-call arrays (the gate activations and their gradients, ``(T, B, 4H)``, and the
    saved cell states) would otherwise be fresh allocations each training step: glibc hands
    blocks this large back to the OS when they are freed, and first-touching the fresh pages
    again costs about as much as the LSTM's arithmetic on them (measured: filling a fresh
    3 MB array is ~20x slower than refilling a reused one). Only arrays nothing outside this
    module can see are pooled: activations kept on a tape go back once the backward has read
    them (or, without a tape, when the forward ends); the returned outputs and gradients are
    never pooled. At most ``MAX_BYTES`` are kept, and only arrays of ``MIN_BYTES`` or more.
    """

    MIN_BYTES = 1 << 16
    MAX_BYTES = 1 << 26

    def __init__(self):
        self.free = {}
        self.bytes = 0

    def take(self, shape, dtype):
        """An uninitialized array of this shape and dtype."""
        stack = self.free.get((shape, np.dtype(dtype)))
        if stack:
            try:
                a = stack.pop()
            except IndexError:  # another thread took the last one meanwhile
                return np.empty(shape, dtype)
            self.bytes -= a.nbytes
            return a
        return np.empty(shape, dtype)

    def give(self, *arrays):
        """Return arrays obtained from :meth:`take` (nothing may use them afterwards)."""
        for a in arrays:
            if a is None or a.nbytes < self.MIN_BYTES or a.base is not None:
                continue
            if self.bytes + a.nbytes > self.MAX_BYTES:
                self.free.clear()
                self.bytes = 0
                if a.nbytes > self.MAX_BYTES:
                    continue
            self.free.setdefault((a.shape, a.dtype), []).append(a)
            self.bytes += a.nbytes


_scratch = _Scratch()


def _time_steps(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _prev_index(t, T, reverse):
    """The step whose state step ``t`` started from (None: the initial state)."""
    if reverse:
        return t + 1 if t < T - 1 else None
    return t - 1 if t > 0 else None


def _input_projection(x, w_ih_t, bias):
    """All time steps' input projections in one GEMM: (T, B, I) -> (T, B, G).

    ``w_ih_t`` is ``W_ih^T`` (I, G); a C-contiguous one makes this GEMM ~20% faster than the
    transposed view of ``W_ih`` (OpenBLAS packs it more cheaply).
    """
    T, B, I = x.shape
    # (explicit sizes, not -1, throughout this module: they also hold for an empty batch)
    out = np.matmul(x.reshape(T * B, I), w_ih_t).reshape(T, B, w_ih_t.shape[1])
    out += bias
    return out


def _inputs_with_ones(x):
    """``x`` (T, B, I) copied into a pooled (T, B, I + 1) array whose last column is ones.

    With the biases as the last column of the input weights, the feature-major layers' one
    projection GEMM adds them too (no pass over its (G, T, B) result), and their backward's
    ``dA @ [x | 1]`` gives ``[dW_ih | db]`` in one product. The batch_first input is a
    transposed view that had to be copied for the GEMMs anyway.
    """
    T, B, I = x.shape
    xo = _scratch.take((T, B, I + 1), x.dtype)
    np.copyto(xo[..., :I], x)
    xo[..., I] = 1
    return xo


def _input_weights(w_ih, bias, sigmoid_rows):
    """``[W_ih | b]`` (G, I + 1), the weights that go with :func:`_inputs_with_ones`, with the
    first ``sigmoid_rows`` rows halved: sigmoid(a) = (1 + tanh(a / 2)) / 2, so after one tanh
    over all gates ``* 0.5 + 0.5`` finishes the sigmoid ones (halving is exact)."""
    w = np.concatenate((w_ih, bias[:, None]), axis=1)
    w[:sigmoid_rows] *= 0.5
    return w


def _weight_grads(dA, x, h0, hs, w_ih, needs, reverse):
    """The batch-major Elman RNN's gradients that are sums over time, one GEMM (or one sum)
    each over all steps.

    ``dA``: gradient of the pre-activations (T, B, H); ``hs``: the hidden states (T, B, H),
    of which step ``t`` read the previous one (``h0`` for the first step). Returns
    ``dx, dW_ih, dW_hh, db_ih, db_hh`` (None where not needed).
    """
    T, B, G = dA.shape
    fa = dA.reshape(T * B, G)
    nx, nwi, nwh, nbi, nbh = needs
    dx = np.matmul(fa, w_ih).reshape(x.shape) if nx else None
    dwi = np.matmul(fa.T, x.reshape(T * B, x.shape[-1])) if nwi else None
    dwh = None
    if nwh:
        # sum_t dA_t^T h_{t-1}: the previous states are ``hs`` shifted by one step (no copy)
        # plus ``h0`` for the first step.
        first, rest, prev = (T - 1, dA[:-1], hs[1:]) if reverse else (0, dA[1:], hs[:-1])
        dwh = np.matmul(dA[first].T, h0)
        if T > 1:
            n = (T - 1) * B
            dwh += np.matmul(rest.reshape(n, G).T, prev.reshape(n, hs.shape[-1]))
    db = fa.sum(0) if nbi or nbh else None
    return dx, dwi, dwh, db if nbi else None, (db.copy() if nbi else db) if nbh else None


def _hidden_weight_grad(dH, h0, hs, reverse):
    """``sum_t dH_t h_{t-1}^T`` for the feature-major layers: ``dH`` (G, T, B) are the
    hidden-side gate gradients, ``hs`` (T, B, H) the hidden states; step t read the previous
    one, ``h0`` for the first step. The previous states are ``hs`` shifted by one step (no
    copy): one GEMM over all steps but the first, plus one for it."""
    G, T, _ = dH.shape
    first, rest, prev = (T - 1, dH[:, :-1], hs[1:]) if reverse else (0, dH[:, 1:], hs[:-1])
    dwh = np.matmul(dH[:, first], h0)
    if T > 1:
        n = (T - 1) * hs.shape[1]
        dwh += np.matmul(rest.reshape(G, n), prev.reshape(n, hs.shape[-1]))
    return dwh


# --------------------------------------------------------------------------- Elman RNN
# h_t = act(a_t),  a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh,  act = tanh or relu.
#
# Batch-major, unlike the LSTM and GRU: the per-step GEMM here is only H x H, for which the
# feature-major product gains ~1 us per step (B=32, H=128), less than the transposes to and
# from the public layout cost; measured 10-20% slower fwd+bwd, so it stays as it is.
def _rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, *, reverse, relu, tape):
    one_step = x.ndim == 2
    x = x[None] if one_step else x
    T, B, _ = x.shape
    xp = _input_projection(x, np.ascontiguousarray(w_ih.T), b_ih + b_hh)
    out = xp  # each step's pre-activation is overwritten by its hidden state, in place
    w_t = np.ascontiguousarray(w_hh.T)
    hw = np.empty((B, w_hh.shape[0]), x.dtype)
    h = h0
    for t in _time_steps(T, reverse):
        a = out[t]
        a += np.matmul(h, w_t, out=hw)
        if relu:
            np.maximum(a, 0, out=a)
        else:
            np.tanh(a, out=a)
        h = a
    if tape is not None:
        tape.acts = ()  # the backward reads only the output
    return out[0] if one_step else out


def _rnn_backward(g, out, acts, args, needs, *, reverse, relu):
    # With dh_t the total gradient reaching h_t (from the output at t and from step t+1):
    #   da_t = dh_t * act'(a_t)   (tanh' = 1 - h_t^2; relu' = [h_t > 0], 0 at the kink)
    #   dh_{t-1} += W_hh^T da_t   (the carry to the previous step)
    # and dW_ih = sum_t da_t x_t^T, dW_hh = sum_t da_t h_{t-1}^T, db = sum_t da_t,
    # dx_t = W_ih^T da_t.
    x, h0, w_ih, w_hh = args[:4]
    one_step = x.ndim == 2
    if one_step:
        x, out, g = x[None], out[None], g[None]
    T = x.shape[0]
    deriv = (out > 0).astype(out.dtype) if relu else 1 - out * out  # all steps at once
    dA = np.empty_like(out)
    dh = np.empty_like(out[0])
    carry = np.zeros_like(out[0])
    for t in _time_steps(T, not reverse):
        np.add(g[t], carry, out=dh)
        np.multiply(dh, deriv[t], out=dA[t])
        np.matmul(dA[t], w_hh, out=carry)
    dh0 = carry if needs[1] else None
    dx, dwi, dwh, dbi, dbh = _weight_grads(dA, x, h0, out, w_ih, needs[:1] + needs[2:],
                                           reverse)
    if one_step and dx is not None:
        dx = dx[0]
    return dx, dh0, dwi, dwh, dbi, dbh


# --------------------------------------------------------------------------- LSTM
# i, f, o = sigmoid(.), g = tanh(.) of the gate blocks of W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
# c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t).
#
# Layout: feature-major. Inside the layer every per-step array is (features, batch): the
# gates of step t are a (4H, B) block, the states (H, B). The per-step GEMM is then
# W_hh (4H, H) @ h (H, B), whose long side (4H rows) is the one OpenBLAS splits between its
# threads: measured ~1.6x faster at two threads than the batch-major h (B, H) @ W_hh^T
# (4.2 MFLOP: 25 vs 40 us), and each gate is a contiguous row block, so the elementwise work
# runs on contiguous memory. Gates are kept in the order f, o, i, g (PyTorch's is i, f, g, o):
# the three sigmoid gates form one block and i, g are neighbours, so that one reversed view
# pairs them in the backward. The public layout (T, B, H) is restored once at the end.
_LSTM_ORDER = (1, 3, 0, 2)  # internal block k holds PyTorch's gate block _LSTM_ORDER[k]


def _lstm_rows(H):
    """Row indices that put PyTorch's gate blocks into the internal order."""
    return np.concatenate([np.arange(k * H, (k + 1) * H) for k in _LSTM_ORDER])


def _lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, *, reverse, tape):
    one_step = x.ndim == 2
    x = x[None] if one_step else x
    T, B, _ = x.shape
    H = w_hh.shape[1]
    S = 3 * H  # rows of the sigmoid gates f, o, i
    dt = x.dtype
    rows = _lstm_rows(H)
    xo = _inputs_with_ones(x)
    # sigmoid(a) = (1 + tanh(a / 2)) / 2: with the sigmoid gates' rows of the weights and bias
    # halved (exact in floating point), one tanh call per step serves all four gates, and
    # ``* 0.5 + 0.5`` on the sigmoid block finishes them.
    w_i = _input_weights(w_ih[rows], (b_ih + b_hh)[rows], S)
    w_h = w_hh[rows]
    w_h[:S] *= 0.5
    # All steps' input projections (and biases) in one GEMM, (4H, I+1) @ (I+1, T*B): step t's
    # are the (4H, B) block xp[:, t] (strided; read once per step).
    xp = _scratch.take((4 * H, T, B), dt)
    np.matmul(w_i, xo.reshape(T * B, xo.shape[-1]).T, out=xp.reshape(4 * H, T * B))
    acts = _scratch.take((T, 4 * H, B), dt)  # the gate activations, step by step
    cs = _scratch.take((T, H, B), dt)
    tcs = _scratch.take((T, H, B), dt)
    hs = _scratch.take((T, H, B), dt)
    ig = np.empty((H, B), dt)
    h, c = h0.T, c0.T
    for t in _time_steps(T, reverse):
        a = np.matmul(w_h, h, out=acts[t])
        a += xp[:, t]
        np.tanh(a, out=a)
        s = a[:S]
        s *= 0.5
        s += 0.5
        c_new = np.multiply(a[:H], c, out=cs[t])
        c_new += np.multiply(a[2 * H:S], a[S:], out=ig)
        tc = np.tanh(c_new, out=tcs[t])
        h = np.multiply(a[H:2 * H], tc, out=hs[t])
        c = c_new
    out = np.empty((T + 1, B, H), dt)  # h_0 .. h_{T-1}, then c_T
    np.copyto(out[:T], hs.transpose(0, 2, 1))
    np.copyto(out[T], c.T)
    _scratch.give(xp)
    if tape is not None:
        tape.acts = (acts, cs, tcs, hs, xo)  # xo also serves the backward's dW_ih GEMM
    else:
        _scratch.give(acts, cs, tcs, hs, xo)
    return out


def _lstm_backward(g, out, acts, args, needs, *, reverse):
    # Per step, with dh = dL/dh_t (output gradient + carry from step t+1) and dc the carry
    # dL/dc_t from step t+1 (dL/dc_T from c_n for the last step):
    #   dc   += dh * o * (1 - tanh(c_t)^2)              h_t = o tanh(c_t)
    #   da_i  = dc * g * i (1 - i)                      c_t = f c_{t-1} + i g
    #   da_f  = dc * c_{t-1} * f (1 - f)
    #   da_g  = dc * i * (1 - g^2)
    #   da_o  = dh * tanh(c_t) * o (1 - o)
    #   carry: dc_{t-1} = dc * f,   dh_{t-1} = W_hh^T da  (da = the four gates' da)
    # Step by step on (H, B) / (4H, B) blocks that sit in cache, into preallocated buffers:
    # measured faster than precomputing the factors for all steps at once (those
    # whole-sequence passes are memory-bound). The weight gradients are then one GEMM each.
    x, h0, c0, w_ih, w_hh = args[:5]
    gates, cs, tcs, hs, xo = acts
    one_step = x.ndim == 2
    if one_step:
        x = x[None]
    T, B, _ = x.shape
    H = w_hh.shape[1]
    G, S = 4 * H, 3 * H
    dt = x.dtype
    rows = _lstm_rows(H)
    w_h_t = np.ascontiguousarray(w_hh[rows].T)  # (H, 4H); contiguous: the faster GEMM
    # dA[:, t] is step t's (4H, B) gradient of the gate pre-activations: laid out (4H, T, B) so
    # that all steps together are one (4H, T*B) matrix for the weight-gradient GEMMs.
    dA = _scratch.take((G, T, B), dt)
    dh = np.empty((H, B), dt)
    dc = np.empty((H, B), dt)
    k = np.empty((H, B), dt)
    D = np.empty((G, B), dt)  # each gate's activation derivative
    row = np.empty((G, B), dt)
    row4 = row.reshape(4, H, B)
    dh_carry = np.zeros((H, B), dt)
    dc_carry = np.ascontiguousarray(g[T].T)
    steps = _time_steps(T, not reverse)
    for t in steps:
        a = gates[t]
        tc = tcs[t]
        p = _prev_index(t, T, reverse)
        c_prev = c0.T if p is None else cs[p]
        np.add(g[t].T, dh_carry, out=dh)
        np.multiply(hs[t], tc, out=k)  # o (1 - tanh(c)^2) = o - h tanh(c)
        np.subtract(a[H:2 * H], k, out=k)
        np.multiply(dh, k, out=dc)
        dc += dc_carry
        np.multiply(a, a, out=D)
        np.subtract(a[:S], D[:S], out=D[:S])  # s (1 - s) for f, o, i
        np.subtract(1, D[S:], out=D[S:])  # 1 - g^2
        np.multiply(dc, c_prev, out=row4[0])  # f
        np.multiply(dh, tc, out=row4[1])  # o
        np.multiply(dc, a.reshape(4, H, B)[3:1:-1], out=row4[2:])  # i <- dc g, g <- dc i
        da = np.multiply(row, D, out=dA[:, t])
        np.multiply(dc, a[:H], out=dc_carry)
        if t != steps[-1] or needs[1]:  # the last carry is only dh_0's gradient
            np.matmul(w_h_t, da, out=dh_carry)
    dx, dwi, dwh, dbi, dbh = _lstm_weight_grads(dA, xo, h0, out[:T], w_ih, rows, needs,
                                                reverse)
    _scratch.give(dA, gates, cs, tcs, hs, xo)  # the caller drops ``acts`` after this call
    if one_step and dx is not None:
        dx = dx[0]
    return (dx, np.ascontiguousarray(dh_carry.T) if needs[1] else None,
            np.ascontiguousarray(dc_carry.T) if needs[2] else None, dwi, dwh, dbi, dbh)


def _lstm_weight_grads(dA, xo, h0, hs, w_ih, rows, needs, reverse):
    """``dx, dW_ih, dW_hh, db_ih, db_hh`` from the (4H, T, B) gate gradients, one GEMM each.

    ``xo``: the inputs with a column of ones, (T, B, I + 1), so that one GEMM gives
    ``[dW_ih | db]``. ``hs``: the hidden states (T, B, H); step t read the previous one
    (``h0`` for the first). Gradients of the weights come out in the internal gate order and
    are put back into PyTorch's by ``inv``.
    """
    G, T, B = dA.shape
    I = xo.shape[-1] - 1
    flat = dA.reshape(G, T * B)
    inv = np.argsort(rows)
    nx, _, _, nwi, nwh, nbi, nbh = needs
    dx = np.matmul(flat.T, w_ih[rows]).reshape(T, B, I) if nx else None
    dwb = (np.matmul(flat, xo.reshape(T * B, I + 1))[inv] if nwi or nbi or nbh
           else None)
    dwi = np.ascontiguousarray(dwb[:, :I]) if nwi else None
    dbi = dwb[:, I].copy() if nbi else None
    dbh = dwb[:, I].copy() if nbh else None
    dwh = _hidden_weight_grad(dA, h0, hs, reverse)[inv] if nwh else None
    return dx, dwi, dwh, dbi, dbh


# --------------------------------------------------------------------------- GRU
# r, z = sigmoid(W_i{r,z} x_t + b_i{r,z} + W_h{r,z} h_{t-1} + b_h{r,z})
# n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn)),  h_t = (1 - z) * n + z * h_{t-1}.
#
# Layout: feature-major, as the LSTM's (see there for why): per step the gates are a (3H, B)
# block, the states (H, B), and the per-step GEMM is W_hh (3H, H) @ h (H, B). The gates keep
# PyTorch's order r, z, n: the two sigmoid gates already form one block. The backward orders
# its gate gradients differently (see there). The public layout (T, B, H) is restored once at
# the end.
def _gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, *, reverse, tape):
    one_step = x.ndim == 2
    x = x[None] if one_step else x
    T, B, _ = x.shape
    H = w_hh.shape[1]
    S = 2 * H  # rows of the sigmoid gates r, z
    dt = x.dtype
    xo = _inputs_with_ones(x)
    # sigmoid(a) = (1 + tanh(a / 2)) / 2, as for the LSTM: the r, z rows of the weights and
    # bias are halved (exact) and ``* 0.5 + 0.5`` finishes them. The hidden-side biases of r
    # and z join the input projection; b_hn must stay inside r * (W_hn h + b_hn).
    bias = b_ih.copy()
    bias[:S] += b_hh[:S]
    w_i = _input_weights(w_ih, bias, S)
    w_h = w_hh.copy()
    w_h[:S] *= 0.5
    b_hn = b_hh[S:, None]
    # All steps' input projections (and biases) in one GEMM, (3H, I+1) @ (I+1, T*B): step t's
    # are the (3H, B) block xp[:, t] (strided; read once per step).
    xp = _scratch.take((3 * H, T, B), dt)
    np.matmul(w_i, xo.reshape(T * B, xo.shape[-1]).T, out=xp.reshape(3 * H, T * B))
    acts = _scratch.take((T, 3 * H, B), dt)  # the gates r, z, n, step by step
    hns = _scratch.take((T, H, B), dt)  # W_hn h_{t-1} + b_hn, kept for the backward
    hs = _scratch.take((T, H, B), dt)
    hw = np.empty((3 * H, B), dt)
    h = h0.T
    for t in _time_steps(T, reverse):
        a = acts[t]
        np.matmul(w_h, h, out=hw)
        s = np.add(hw[:S], xp[:S, t], out=a[:S])
        np.tanh(s, out=s)
        s *= 0.5
        s += 0.5
        hn = np.add(hw[S:], b_hn, out=hns[t])
        n = np.multiply(a[:H], hn, out=a[S:])
        n += xp[S:, t]
        np.tanh(n, out=n)
        h_new = np.subtract(h, n, out=hs[t])
        h_new *= a[H:S]
        h_new += n
        h = h_new
    out = np.empty((T, B, H), dt)
    np.copyto(out, hs.transpose(0, 2, 1))
    _scratch.give(xp)
    if tape is not None:
        tape.acts = (acts, hns, hs, xo)  # xo also serves the backward's dW_ih GEMM
    else:
        _scratch.give(acts, hns, hs, xo)
    return out[0] if one_step else out


def _gru_backward(g, out, acts, args, needs, *, reverse):
    # With dh = dL/dh_t (output gradient + carry) and hn = W_hn h_{t-1} + b_hn:
    #   da_n = dh * (1 - z) * (1 - n^2)        pre-activation of n (input side: W_in x + b_in)
    #   da_r = da_n * hn * r (1 - r)
    #   da_z = dh * (h_{t-1} - n) * z (1 - z)
    #   d hn = da_n * r                          (hidden side of the n gate, and b_hn)
    #   carry: dh_{t-1} = dh * z + W_hh^T [da_r, da_z, d hn]
    # Input-side gate gradients are [da_r, da_z, da_n], hidden-side ones [da_r, da_z, d hn].
    # Both sides live in one (4H, T, B) array dA with rows [d hn, da_r, da_z, da_n]: each side
    # is a contiguous row block (hidden side rows :3H, input side rows H:), so neither is
    # copied, and da_r, da_z are computed once and finished by one call (times r (1 - r),
    # z (1 - z)). dh (1 - z) is dh - dh z, and dh z is the direct part of the carry.
    # Step by step on (H, B) blocks into preallocated buffers, as for the LSTM. A step's rows
    # are built in a contiguous (4H, B) block that the carry GEMM reads, then copied into
    # dA[:, t] in one call: elementwise calls writing straight into the strided dA[:, t] cost
    # about twice as much (measured, B=32, H=128: 30 vs 14 us per step).
    x, h0, w_ih, w_hh = args[:4]
    gates, hns, hs, xo = acts
    one_step = x.ndim == 2
    if one_step:
        x, out, g = x[None], out[None], g[None]
    T, B, _ = x.shape
    H = w_hh.shape[1]
    S = 2 * H
    dt = x.dtype
    # W_hh^T with its columns in the hidden side's row order (hn, r, z); contiguous: faster GEMM
    w_h_t = np.ascontiguousarray(np.concatenate((w_hh[S:], w_hh[:S])).T)
    dA = _scratch.take((4 * H, T, B), dt)
    dh = np.empty((H, B), dt)
    dz = np.empty((H, B), dt)
    u = np.empty((H, B), dt)
    D = np.empty((3 * H, B), dt)  # each gate's activation derivative
    da = np.empty((4 * H, B), dt)  # the step's rows of dA, built here (contiguous), then copied
    carry = np.zeros((H, B), dt)
    steps = _time_steps(T, not reverse)
    for t in steps:
        a = gates[t]
        n = a[S:]
        p = _prev_index(t, T, reverse)
        h_prev = h0.T if p is None else hs[p]
        np.add(g[t].T, carry, out=dh)
        np.multiply(a, a, out=D)
        np.subtract(a[:S], D[:S], out=D[:S])  # r (1 - r), z (1 - z)
        np.subtract(1, D[S:], out=D[S:])  # 1 - n^2
        np.multiply(dh, a[H:S], out=dz)  # dh z
        np.subtract(dh, dz, out=u)  # dh (1 - z)
        dan = np.multiply(u, D[S:], out=da[3 * H:])
        np.multiply(dan, hns[t], out=da[H:S])
        np.subtract(h_prev, n, out=da[S:3 * H])
        da[S:3 * H] *= dh
        da[H:3 * H] *= D[:S]
        np.multiply(dan, a[:H], out=da[:H])
        np.copyto(dA[:, t], da)
        if t != steps[-1] or needs[1]:  # the last carry is only dh_0's gradient
            np.matmul(w_h_t, da[:3 * H], out=carry)
            carry += dz
    dx, dwi, dwh, dbi, dbh = _gru_weight_grads(dA, xo, h0, out, w_ih, needs, reverse)
    _scratch.give(dA, gates, hns, hs, xo)  # the caller drops ``acts`` after this call
    if one_step and dx is not None:
        dx = dx[0]
    return dx, np.ascontiguousarray(carry.T) if needs[1] else None, dwi, dwh, dbi, dbh


def _gru_weight_grads(dA, xo, h0, hs, w_ih, needs, reverse):
    """``dx, dW_ih, dW_hh, db_ih, db_hh`` from the (4H, T, B) gate gradients, one GEMM each.

    Rows of ``dA``: ``d hn, da_r, da_z, da_n``. The input side (rows ``H:``) is already in
    PyTorch's order r, z, n; the hidden side (rows ``:3H``: hn, r, z) is put back into it.
    ``xo``: the inputs with a column of ones (T, B, I + 1), so that one GEMM gives
    ``[dW_ih | db_ih]``. ``hs``: the hidden states (T, B, H); step t read the previous one
    (``h0`` for the first).
    """
    G, T, B = dA.shape
    H = G // 4
    I = xo.shape[-1] - 1
    flat = dA.reshape(G, T * B)
    fx = flat[H:]
    nx, _, nwi, nwh, nbi, nbh = needs
    dx = np.matmul(fx.T, w_ih).reshape(T, B, I) if nx else None
    dwb = (np.matmul(fx, xo.reshape(T * B, I + 1)) if nwi or nbi or nbh  # r, z, n
           else None)
    dwi = np.ascontiguousarray(dwb[:, :I]) if nwi else None
    dbi = dwb[:, I].copy() if nbi else None
    dwh = None
    if nwh:
        dwh = _hidden_weight_grad(dA[:3 * H], h0, hs, reverse)
        dwh = np.concatenate((dwh[H:], dwh[:H]))
    # b_hr, b_hz enter where b_ir, b_iz do; b_hn inside r * (W_hn h + b_hn): its rows of dA
    dbh = (np.concatenate((dwb[:2 * H, I], np.matmul(flat[:H], np.ones(T * B, dA.dtype))))
           if nbh else None)
    return dx, dwi, dwh, dbi, dbh


# --------------------------------------------------------------------------- primitives
def _fused(forward, backward, n_inputs, name):
    """A primitive whose rules share one backward sweep (see :class:`_Tape`)."""

    def rule_for(index):
        def rule(g, out, *args, tape, **params):
            if tape.g is not g:
                acts = tape.acts
                if acts is None:  # used by an earlier backward (retain_graph): recompute
                    again = _Tape(tape.needs)
                    forward(*args, tape=again, **params)
                    acts = again.acts
                tape.acts = None
                tape.grads = backward(g, out, acts, args, tape.needs, **params)
                tape.g = g
                tape.left = sum(tape.needs)
            grad = tape.grads[index]
            tape.left -= 1
            if tape.left <= 0:
                tape.g = tape.grads = None
            return grad

        rule.__name__ = f"{name}_rule_{index}"
        return R.numpy_rule(rule)

    prim = primitive(forward, name=name)
    prim.defvjp(*[rule_for(k) for k in range(n_inputs)], saves_inputs=True, saves_out=True)
    return prim


_rnn_layer = _fused(_rnn_forward, _rnn_backward, 6, "rnn_layer")
_lstm_layer = _fused(_lstm_forward, _lstm_backward, 7, "lstm_layer")
_gru_layer = _fused(_gru_forward, _gru_backward, 6, "gru_layer")


def _call(prim, inputs, **params):
    """Run a fused layer primitive, with a tape only when a graph will be recorded."""
    needs = tuple(t._rg for t in inputs)
    tape = _Tape(needs) if STATE.enabled and any(needs) else None
    return prim(*inputs, tape=tape, **params)


# --------------------------------------------------------------------------- validation
def _check_layer(op, input, hx, cx, weight_ih, weight_hh, bias_ih, bias_hh, gates, one_step):
    """Shapes and dtypes of one layer's arguments; returns the (possibly created) tensors."""
    want = 2 if one_step else 3
    if input.ndim != want:
        layout = "(batch, input_size)" if one_step else "(seq_len, batch, input_size)"
        raise RuntimeError(f"{op}: expected a {want}-D input {layout}, got shape "
                           f"{list(input.shape)}")
    if not one_step and input.shape[0] == 0:
        raise RuntimeError(f"{op}: the input sequence is empty (shape {list(input.shape)})")
    if weight_hh.ndim != 2 or weight_ih.ndim != 2:
        raise RuntimeError(f"{op}: weights must be 2-D, got weight_ih {list(weight_ih.shape)} "
                           f"and weight_hh {list(weight_hh.shape)}")
    H = weight_hh.shape[1]
    B, I = input.shape[-2], input.shape[-1]
    expected = {"weight_ih": (gates * H, I), "weight_hh": (gates * H, H)}
    for nm, w in (("weight_ih", weight_ih), ("weight_hh", weight_hh)):
        if tuple(w.shape) != expected[nm]:
            raise RuntimeError(f"{op}: {nm} has shape {list(w.shape)}, expected "
                               f"{list(expected[nm])} (input_size {I}, hidden_size {H}, "
                               f"{gates} gate{'s' if gates > 1 else ''})")
    dt = input._data.dtype
    if dt.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype}")
    zeros = None
    out = []
    for nm, t, shape in (("hx", hx, (B, H)), ("cx", cx, (B, H)),
                         ("bias_ih", bias_ih, (gates * H,)), ("bias_hh", bias_hh, (gates * H,))):
        if t is False:  # no cell state (not an LSTM)
            out.append(None)
            continue
        if t is None:
            if zeros is None or zeros._data.shape != shape:
                zeros = _wrap(np.zeros(shape, dt))
            out.append(zeros)
            continue
        if tuple(t.shape) != shape:
            raise RuntimeError(f"{op}: {nm} has shape {list(t.shape)}, expected {list(shape)}")
        out.append(t)
    for nm, t in (("weight_ih", weight_ih), ("weight_hh", weight_hh), ("hx", out[0]),
                  ("cx", out[1]), ("bias_ih", out[2]), ("bias_hh", out[3])):
        if t is not None and t._data.dtype != dt:
            raise RuntimeError(f"{op}: expected {nm} to have the input's dtype {input.dtype}, "
                               f"got {t.dtype}")
    return out


# --------------------------------------------------------------------------- layers
def _layer(kind, input, hx, cx, weight_ih, weight_hh, bias_ih, bias_hh, reverse, one_step):
    gates = {"lstm": 4, "gru": 3}.get(kind, 1)
    op = f"{kind}_{'cell' if one_step else 'layer'}"
    h0, c0, b_ih, b_hh = _check_layer(op, input, hx, cx if kind == "lstm" else False,
                                      weight_ih, weight_hh, bias_ih, bias_hh, gates, one_step)
    if kind == "lstm":
        return _call(_lstm_layer, (input, h0, c0, weight_ih, weight_hh, b_ih, b_hh),
                     reverse=reverse)
    if kind == "gru":
        return _call(_gru_layer, (input, h0, weight_ih, weight_hh, b_ih, b_hh), reverse=reverse)
    return _call(_rnn_layer, (input, h0, weight_ih, weight_hh, b_ih, b_hh), reverse=reverse,
                 relu=kind == "rnn_relu")


def lstm_layer(input, hx, cx, weight_ih, weight_hh, bias_ih=None, bias_hh=None, *,
               reverse=False):
    """One LSTM layer in one direction over a whole (time-major) sequence, fused.

    Args:
        input: the sequence, time-major.
        hx, cx: initial hidden and cell states, or ``None`` for zeros.
        weight_ih, weight_hh, bias_ih, bias_hh: PyTorch's ``weight_ih_l0`` etc. (gate order
            ``i, f, g, o``); biases may be ``None``.
        reverse: run from the last step to the first (the backward direction of a
            bidirectional layer); ``output[t]`` is still the state after reading ``input[t]``.

    Shape:
        input ``(T, B, I)``; hx, cx ``(B, H)``; weight_ih ``(4H, I)``; weight_hh ``(4H, H)``;
        returns output ``(T, B, H)``, h_n ``(B, H)``, c_n ``(B, H)``.

    No second derivative through this op (its backward is hand-written NumPy).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.functional import lstm_layer
        >>> x = cr.randn(5, 2, 3)
        >>> w_ih, w_hh = cr.randn(16, 3), cr.randn(16, 4)
        >>> out, h, c = lstm_layer(x, None, None, w_ih, w_hh)
        >>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
        ((5, 2, 4), (2, 4), (2, 4))
    """
    packed = _layer("lstm", input, hx, cx, weight_ih, weight_hh, bias_ih, bias_hh, reverse,
                    False)
    T = input.shape[0]
    return packed[:T], packed[0 if reverse else T - 1], packed[T]


def gru_layer(input, hx, weight_ih, weight_hh, bias_ih=None, bias_hh=None, *, reverse=False):
    """One GRU layer in one direction over a whole (time-major) sequence, fused.

    Args:
        input: the sequence, time-major.
        hx: initial hidden state, or ``None`` for zeros.
        weight_ih, weight_hh, bias_ih, bias_hh: PyTorch's layout, gate order ``r, z, n``.
        reverse: run from the last step to the first.

    Shape:
        input ``(T, B, I)``; hx ``(B, H)``; weight_ih ``(3H, I)``; weight_hh ``(3H, H)``;
        returns output ``(T, B, H)`` and h_n ``(B, H)``.

    No second derivative through this op (its backward is hand-written NumPy).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.functional import gru_layer
        >>> out, h = gru_layer(cr.randn(5, 2, 3), None, cr.randn(12, 3), cr.randn(12, 4))
        >>> tuple(out.shape), tuple(h.shape)
        ((5, 2, 4), (2, 4))
    """
    out = _layer("gru", input, hx, None, weight_ih, weight_hh, bias_ih, bias_hh, reverse, False)
    return out, out[0 if reverse else input.shape[0] - 1]


def _rnn_layer_fn(kind):
    def layer(input, hx, weight_ih, weight_hh, bias_ih=None, bias_hh=None, *, reverse=False):
        out = _layer(kind, input, hx, None, weight_ih, weight_hh, bias_ih, bias_hh, reverse,
                     False)
        return out, out[0 if reverse else input.shape[0] - 1]

    act = kind.split("_")[1]
    layer.__name__ = f"{kind}_layer"
    layer.__doc__ = f"""One Elman RNN layer with ``{act}`` in one direction, fused.

    ``h_t = {act}(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh)``.

    Args:
        input: the sequence, time-major.
        hx: initial hidden state, or ``None`` for zeros.
        weight_ih, weight_hh, bias_ih, bias_hh: PyTorch's layout; biases may be ``None``.
        reverse: run from the last step to the first.

    Shape:
        input ``(T, B, I)``; hx ``(B, H)``; weight_ih ``(H, I)``; weight_hh ``(H, H)``;
        returns output ``(T, B, H)`` and h_n ``(B, H)``.

    No second derivative through this op (its backward is hand-written NumPy).
    """
    return layer


rnn_tanh_layer = _rnn_layer_fn("rnn_tanh")
rnn_relu_layer = _rnn_layer_fn("rnn_relu")
_LAYERS = {"gru": gru_layer, "rnn_tanh": rnn_tanh_layer, "rnn_relu": rnn_relu_layer}


# --------------------------------------------------------------------------- cells
def _cell_input(op, input, hx):
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{op}: Expected input to be 1D or 2D, got {input.ndim}D instead")
    unbatched = input.ndim == 1
    if unbatched:
        input = input.unsqueeze(0)
        hx = tuple(None if h is None else h.unsqueeze(0) for h in hx)
    return input, hx, unbatched


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step (``torch.lstm_cell``): returns ``(h', c')``.

    Args:
        input: the step's input.
        hx: ``(h, c)``, or ``None`` for zeros.
        w_ih, w_hh, b_ih, b_hh: as for :func:`lstm_layer`.

    Shape:
        input ``(B, I)`` or ``(I,)``; h, c ``(B, H)`` or ``(H,)``; returns two of the latter.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.functional import lstm_cell
        >>> h, c = lstm_cell(cr.randn(2, 3), None, cr.randn(16, 3), cr.randn(16, 4))
        >>> tuple(h.shape), tuple(c.shape)
        ((2, 4), (2, 4))
    """
    hx = (None, None) if hx is None else tuple(hx)
    input, (h, c), unbatched = _cell_input("lstm_cell", input, hx)
    packed = _layer("lstm", input, h, c, w_ih, w_hh, b_ih, b_hh, False, True)
    if unbatched:
        return packed[0, 0], packed[1, 0]
    return packed[0], packed[1]


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step (``torch.gru_cell``): returns ``h'``.

    Shape:
        input ``(B, I)`` or ``(I,)``; hx ``(B, H)``, ``(H,)`` or ``None``; returns like hx.
    """
    input, (h,), unbatched = _cell_input("gru_cell", input, (hx,))
    out = _layer("gru", input, h, None, w_ih, w_hh, b_ih, b_hh, False, True)
    return out[0] if unbatched else out


def _rnn_cell_fn(kind):
    def cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
        input, (h,), unbatched = _cell_input(f"{kind}_cell", input, (hx,))
        out = _layer(kind, input, h, None, w_ih, w_hh, b_ih, b_hh, False, True)
        return out[0] if unbatched else out

    cell.__name__ = f"{kind}_cell"
    cell.__doc__ = f"""One Elman RNN step with ``{kind.split('_')[1]}`` (``torch.{kind}_cell``).

    Shape:
        input ``(B, I)`` or ``(I,)``; hx ``(B, H)``, ``(H,)`` or ``None``; returns like hx.
    """
    return cell


rnn_tanh_cell = _rnn_cell_fn("rnn_tanh")
rnn_relu_cell = _rnn_cell_fn("rnn_relu")


# --------------------------------------------------------------------------- stacks
def _stack(kind, input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
           batch_first):
    """Layers and directions over a batched sequence; returns output, h_n (and c_n)."""
    lstm = kind == "lstm"
    dirs = 2 if bidirectional else 1
    per = 4 if has_biases else 2
    if len(params) != num_layers * dirs * per:
        raise RuntimeError(f"{kind}: expected {num_layers * dirs * per} weights for "
                           f"{num_layers} layer(s) x {dirs} direction(s), got {len(params)}")
    x = input.transpose(0, 1) if batch_first else input
    if lstm:
        h0, c0 = (None, None) if hx is None else hx
    else:
        h0, c0 = hx, None
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            w = params[k * per:(k + 1) * per]
            b_ih, b_hh = (w[2], w[3]) if has_biases else (None, None)
            h = None if h0 is None else h0[k]
            if lstm:
                out, hn, cn = lstm_layer(x, h, None if c0 is None else c0[k], w[0], w[1], b_ih,
                                         b_hh, reverse=d == 1)
                cs.append(cn)
            else:
                out, hn = _LAYERS[kind](x, h, w[0], w[1], b_ih, b_hh, reverse=d == 1)
            outs.append(out)
            hs.append(hn)
        x = outs[0] if dirs == 1 else cat(outs, -1)
        if dropout and train and layer < num_layers - 1:
            x = dropout_fn(x, dropout, training=True)
    output = x.transpose(0, 1) if batch_first else x
    h_n = _stack0(hs)
    if lstm:
        return output, h_n, _stack0(cs)
    return output, h_n


def _stack0(states):
    return states[0].unsqueeze(0) if len(states) == 1 else stack(states, 0)


def lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """A multi-layer LSTM over a batched sequence, as ``torch.lstm`` (used by ``nn.LSTM``).

    Args:
        input: the sequence, ``(T, B, I)``, or ``(B, T, I)`` with ``batch_first``.
        hx: ``(h_0, c_0)``, each ``(num_layers * num_directions, B, H)``, or ``None``.
        params: per layer and direction (forward then reverse), ``w_ih, w_hh[, b_ih, b_hh]``.
        has_biases, num_layers, dropout, train, bidirectional, batch_first: as ``nn.LSTM``;
            dropout applies to every layer's output but the last, when ``train``.

    Returns:
        ``(output, h_n, c_n)``.
    """
    return _stack("lstm", input, hx, params, has_biases, num_layers, dropout, train,
                  bidirectional, batch_first)


def gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """A multi-layer GRU, as ``torch.gru``: returns ``(output, h_n)``; see :func:`lstm`."""
    return _stack("gru", input, hx, params, has_biases, num_layers, dropout, train,
                  bidirectional, batch_first)


def rnn_tanh(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """A multi-layer tanh RNN, as ``torch.rnn_tanh``: returns ``(output, h_n)``."""
    return _stack("rnn_tanh", input, hx, params, has_biases, num_layers, dropout, train,
                  bidirectional, batch_first)


def rnn_relu(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """A multi-layer ReLU RNN, as ``torch.rnn_relu``: returns ``(output, h_n)``."""
    return _stack("rnn_relu", input, hx, params, has_biases, num_layers, dropout, train,
                  bidirectional, batch_first)
