"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their single-step cells.

Parameter names, shapes, gate order, initialisation and the shapes of inputs and outputs are
PyTorch's, so ``state_dict`` checkpoints carry over. Each layer and direction runs as one
fused primitive (``chainrule.nn.functional.rnn``): one GEMM projects every time step's input,
then only the recurrence loops over time, forward and backward.

``RNN``, ``LSTM`` and ``GRU`` also take a packed batch (``PackedSequence``, see
``chainrule.nn.utils.rnn``) and then return a packed output, with ``h_n`` (and ``c_n``) holding
each sequence's state after its own last step (``chainrule.nn.functional.packed_rnn``).

Not covered: ``proj_size > 0`` for the LSTM.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from chainrule import _dtype
from chainrule.autograd.grad_mode import no_grad
from chainrule.nn.functional import packed_rnn as _P
from chainrule.nn.functional import rnn as _F
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter
from chainrule.nn.utils.rnn import PackedSequence
from chainrule.ops.indexing import index_select
from chainrule.tensor import Tensor

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _empty(shape, dtype):
    dt = _dtype.as_dtype(dtype).np if dtype is not None else _dtype.get_default_dtype().np
    return Parameter(Tensor._wrap(np.empty(shape, dt)))


def _uniform_init(module, hidden_size):
    # U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias, as PyTorch.
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    with no_grad():
        for p in module.parameters():
            p.uniform_(-bound, bound)


def _reject_packed(input, name):
    if isinstance(input, PackedSequence):
        raise TypeError(f"{name}: a cell takes one step of a batch, not a PackedSequence "
                        f"(run the sequence through RNN, LSTM or GRU instead)")
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor or a PackedSequence input, got "
                        f"{type(input).__name__}")


def _permute(states, indices):
    """Reorder the batch (dim 1) of ``states``, or of each of a tuple of them."""
    if indices is None or states is None:
        return states
    if isinstance(states, tuple):
        return tuple(index_select(s, 1, indices) for s in states)
    return index_select(states, 1, indices)


class RNNBase(Module):
    """The shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU`.

    Registers, for each layer ``k`` and direction (``_reverse`` for the backward one),
    ``weight_ih_l{k}`` ``(G*H, I_k)``, ``weight_hh_l{k}`` ``(G*H, H)`` and, with ``bias``,
    ``bias_ih_l{k}``, ``bias_hh_l{k}`` ``(G*H,)``, where ``G`` is the number of gates (4 for the
    LSTM, 3 for the GRU, 1 for the Elman RNN) and ``I_k`` is ``input_size`` for the first layer
    and ``num_directions * H`` after it.

    Args:
        mode: ``"LSTM"``, ``"GRU"``, ``"RNN_TANH"`` or ``"RNN_RELU"``.
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: see
            :class:`LSTM`.
        proj_size: must be 0 (LSTM projections are not supported).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        for name, v in (("input_size", input_size), ("hidden_size", hidden_size),
                        ("num_layers", num_layers)):
            if not isinstance(v, int) or isinstance(v, bool):
                raise TypeError(f"{name} should be of type int, got: {type(v).__name__}")
            if v <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size:
            raise NotImplementedError("LSTM with proj_size > 0 is not supported by chainrule")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        num_directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * num_directions
            for direction in range(num_directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, _empty(shape, dtype))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        _uniform_init(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """Accepted for PyTorch compatibility (a cuDNN memory layout); does nothing."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters grouped per layer and direction, as PyTorch's ``all_weights``."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------------ forward helpers
    def _prepare(self, input, name):
        """Check the input and give it a batch dimension if it has none: ``(input, batched)``."""
        _reject_packed(input, name)
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        batched = input.ndim == 3
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        if not batched:
            input = input.unsqueeze(1 if not self.batch_first else 0)
        return input, batched

    def _check_hidden(self, h, batch, batched, what):
        want = (self.num_layers * (2 if self.bidirectional else 1), batch, self.hidden_size)
        if batched and h.ndim != 3 or not batched and h.ndim != 2:
            return False
        got = tuple(h.shape) if batched else (h.shape[0], 1, h.shape[1])
        if got != want:
            raise RuntimeError(f"Expected {what} size {want}, got {list(h.shape)}")
        return True

    def _run(self, input, hx):
        kind = {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "rnn_tanh",
                "RNN_RELU": "rnn_relu"}[self.mode]
        return getattr(_F, kind)(input, hx, self._flat_weights, self.bias, self.num_layers,
                                 self.dropout, self.training, self.bidirectional,
                                 self.batch_first)

    def _forward_packed(self, input, hx):
        """A PackedSequence through the stack: ``(packed output, h_n[, c_n])``.

        ``hx`` (caller's batch order) is put into the packed (sorted) order for the run and
        the final states back into the caller's order, as PyTorch does.
        """
        name = type(self).__name__
        data, batch_sizes, sorted_indices, unsorted_indices = input
        if data.ndim != 2:
            raise RuntimeError(f"{name}: expected the packed data to be 2-D (sum(batch_sizes), "
                               f"input_size), got shape {list(data.shape)}")
        if data.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {data.shape[-1]}")
        batch = int(batch_sizes._data[0]) if batch_sizes.numel() else 0
        states = hx if isinstance(hx, (tuple, list)) else (hx,)
        for k, h in enumerate(states):
            if h is not None and not self._check_hidden(h, batch, True,
                                                        f"hidden[{k}]" if len(states) > 1
                                                        else "hidden"):
                raise RuntimeError(f"{name}: for a PackedSequence input, the hidden state must "
                                   f"be 3-D (num_layers * num_directions, batch, hidden_size), "
                                   f"got {h.ndim}-D")
        kind = {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "rnn_tanh",
                "RNN_RELU": "rnn_relu"}[self.mode]
        hx = _permute(tuple(hx) if isinstance(hx, list) else hx, sorted_indices)
        out = getattr(_P, f"{kind}_packed")(data, batch_sizes, hx, self._flat_weights, self.bias,
                                            self.num_layers, self.dropout, self.training,
                                            self.bidirectional)
        packed = PackedSequence(out[0], batch_sizes, sorted_indices, unsorted_indices)
        return (packed,) + tuple(_permute(s, unsorted_indices) for s in out[1:])

    def _forward_single(self, input, hx):
        """Shared forward of RNN and GRU (one hidden-state tensor)."""
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        input, batched = self._prepare(input, name)
        batch = input.shape[0 if self.batch_first else 1]
        if hx is not None:
            if not self._check_hidden(hx, batch, batched, "hidden"):
                raise RuntimeError(
                    f"For {'batched 3-D' if batched else 'unbatched 2-D'} input, hx should "
                    f"also be {'3-D' if batched else '2-D'} but got {hx.ndim}-D tensor")
            if not batched:
                hx = hx.unsqueeze(1)
        output, h_n = self._run(input, hx)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            h_n = h_n.squeeze(1)
        return output, h_n


class RNN(RNNBase):
    """A multi-layer Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh)``.

    Args:
        input_size: features of the input ``x_t``.
        hidden_size: features of the hidden state ``h_t``.
        num_layers: stacked layers (each reads the previous one's output).
        nonlinearity: ``"tanh"`` or ``"relu"``.
        bias: learn ``b_ih`` and ``b_hh``.
        batch_first: input and output are ``(N, L, ...)`` instead of ``(L, N, ...)``.
        dropout: dropout on the output of every layer but the last, in training.
        bidirectional: also run each layer from the end; outputs are concatenated.

    Shape:
        input ``(L, N, H_in)``, ``(N, L, H_in)`` (batch_first) or unbatched ``(L, H_in)``;
        h_0 ``(D * num_layers, N, H)`` or ``(D * num_layers, H)``, default zeros;
        output ``(L, N, D * H)`` (or batch-first/unbatched likewise) and h_n like h_0,
        with ``D = 2`` if bidirectional else 1.
        The input may also be a ``PackedSequence`` (``chainrule.nn.utils.rnn``); the output
        is then one too, and h_n holds each sequence's state after its own last step
        (``batch_first`` does not apply).

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> rnn = nn.RNN(10, 20, num_layers=2)
        >>> output, h_n = rnn(cr.randn(5, 3, 10))
        >>> tuple(output.shape), tuple(h_n.shape)
        ((5, 3, 20), (2, 3, 20))
        >>> from chainrule.nn.utils.rnn import pack_sequence
        >>> packed = pack_sequence([cr.randn(4, 10), cr.randn(2, 10)])
        >>> output, h_n = rnn(packed)
        >>> tuple(output.data.shape), tuple(h_n.shape)
        ((6, 20), (2, 2, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        """Returns ``(output, h_n)``."""
        return self._forward_single(input, hx)


class GRU(RNNBase):
    """A multi-layer gated recurrent unit (PyTorch's equations and gate order ``r, z, n``).

    ``r = σ(W_ir x + b_ir + W_hr h + b_hr)``, ``z = σ(W_iz x + b_iz + W_hz h + b_hz)``,
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.

    Args, Shape: as :class:`RNN` (without ``nonlinearity``); the weights stack the three
    gates: ``weight_ih_l0`` is ``(3 * hidden_size, input_size)``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> gru = nn.GRU(10, 20, batch_first=True, bidirectional=True)
        >>> output, h_n = gru(cr.randn(3, 5, 10))
        >>> tuple(output.shape), tuple(h_n.shape)
        ((3, 5, 40), (2, 3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        """Returns ``(output, h_n)``."""
        return self._forward_single(input, hx)


class LSTM(RNNBase):
    """A multi-layer long short-term memory (PyTorch's equations and gate order ``i, f, g, o``).

    ``i, f, o = σ(.)``, ``g = tanh(.)`` of the gate blocks of ``W_ih x_t + b_ih + W_hh h + b_hh``;
    ``c' = f * c + i * g``, ``h' = o * tanh(c')``.

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as
            :class:`RNN`.
        proj_size: must be 0 (projections are not supported).

    Shape:
        input as :class:`RNN` (a ``PackedSequence`` too); ``(h_0, c_0)`` each
        ``(D * num_layers, N, H)`` (or without N), default zeros; returns
        ``output, (h_n, c_n)``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> lstm = nn.LSTM(64, 128, batch_first=True)
        >>> lstm
        LSTM(64, 128, batch_first=True)
        >>> output, (h_n, c_n) = lstm(cr.randn(4, 7, 64))
        >>> tuple(output.shape), tuple(h_n.shape), tuple(c_n.shape)
        ((4, 7, 128), (1, 4, 128), (1, 4, 128))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        """Returns ``(output, (h_n, c_n))``."""
        if isinstance(input, PackedSequence):
            if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
                raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0)")
            output, h_n, c_n = self._forward_packed(input, hx)
            return output, (h_n, c_n)
        input, batched = self._prepare(input, "LSTM")
        batch = input.shape[0 if self.batch_first else 1]
        if hx is not None:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0)")
            h0, c0 = hx
            ok = (self._check_hidden(h0, batch, batched, "hidden[0]")
                  and self._check_hidden(c0, batch, batched, "hidden[1]"))
            if not ok:
                raise RuntimeError(
                    f"For {'batched 3-D' if batched else 'unbatched 2-D'} input, hx and cx "
                    f"should also be {'3-D' if batched else '2-D'} but got ({h0.ndim}-D, "
                    f"{c0.ndim}-D) tensors")
            if not batched:
                h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
            hx = (h0, c0)
        output, h_n, c_n = self._run(input, hx)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            h_n, c_n = h_n.squeeze(1), c_n.squeeze(1)
        return output, (h_n, c_n)


# --------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Shared parameters of the cells: ``weight_ih`` ``(G*H, I)``, ``weight_hh`` ``(G*H, H)``,
    ``bias_ih``, ``bias_hh`` ``(G*H,)`` (None without ``bias``), ``G`` gates."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = _empty((num_chunks * hidden_size, input_size), dtype)
        self.weight_hh = _empty((num_chunks * hidden_size, hidden_size), dtype)
        if bias:
            self.bias_ih = _empty((num_chunks * hidden_size,), dtype)
            self.bias_hh = _empty((num_chunks * hidden_size,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        _uniform_init(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nl = getattr(self, "nonlinearity", "tanh")
        if nl != "tanh":
            s += f", nonlinearity={nl}"
        return s

    def _check(self, input, hx, name):
        _reject_packed(input, name)
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D "
                             f"instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        for h in hx:
            if h is None:
                continue
            if h.ndim != input.ndim:
                raise ValueError(f"{name}: Expected hidden to be {input.ndim}D (like the input), "
                                 f"got {h.ndim}D instead")
            if input.ndim == 2 and h.shape[0] != input.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden "
                                   f"batch size {h.shape[0]}")
            if h.shape[-1] != self.hidden_size:
                raise RuntimeError(f"hidden has inconsistent hidden_size: got {h.shape[-1]}, "
                                   f"expected {self.hidden_size}")


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Args:
        input_size, hidden_size: features of the input and of the hidden state.
        bias: learn ``bias_ih`` and ``bias_hh``.
        nonlinearity: ``"tanh"`` or ``"relu"``.

    Shape:
        input ``(N, H_in)`` or ``(H_in)``; hx ``(N, H)`` or ``(H)``, default zeros; returns h'
        shaped like hx.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> cell = nn.RNNCell(10, 20)
        >>> h = None
        >>> for x in cr.randn(6, 3, 10):
        ...     h = cell(x, h)
        >>> tuple(h.shape)
        (3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        self._check(input, (hx,), "RNNCell")
        fn = _F.rnn_tanh_cell if self.nonlinearity == "tanh" else _F.rnn_relu_cell
        return fn(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns ``(h', c')`` (equations as :class:`LSTM`).

    Shape:
        input ``(N, H_in)`` or ``(H_in)``; hx ``(h, c)``, each ``(N, H)`` or ``(H)``, default
        zeros; returns ``(h', c')`` shaped like them.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> cell = nn.LSTMCell(10, 20)
        >>> h, c = cell(cr.randn(3, 10))
        >>> tuple(h.shape), tuple(c.shape)
        ((3, 20), (3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        hx = (None, None) if hx is None else tuple(hx)
        self._check(input, hx, "LSTMCell")
        return _F.lstm_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                            self.bias_hh)


class GRUCell(RNNCellBase):
    """One GRU step: returns ``h'`` (equations as :class:`GRU`).

    Shape:
        input ``(N, H_in)`` or ``(H_in)``; hx ``(N, H)`` or ``(H)``, default zeros.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> cell = nn.GRUCell(10, 20)
        >>> tuple(cell(cr.randn(3, 10)).shape)
        (3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        self._check(input, (hx,), "GRUCell")
        return _F.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                           self.bias_hh)
