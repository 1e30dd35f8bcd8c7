"""``TransformerEncoderLayer``, ``TransformerEncoder``, ``TransformerDecoderLayer``,
``TransformerDecoder`` and ``Transformer``: PyTorch's post-norm / pre-norm blocks, with its
submodule names (so state_dicts load either way).

Differences from PyTorch, on purpose: there is no "fast path" (nested tensors, fused kernels)
so ``enable_nested_tensor`` is accepted and ignored; in evaluation mode PyTorch's fast path
returns zeros at padded positions of ``src_key_padding_mask``, while chainrule computes them
like every other position (non-padded positions are identical).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from chainrule import _dtype
from chainrule.nn import init
from chainrule.nn.functional import activation as _act
from chainrule.nn.modules.attention import MultiheadAttention
from chainrule.nn.modules.container import ModuleList
from chainrule.nn.modules.dropout import Dropout
from chainrule.nn.modules.linear import Linear
from chainrule.nn.modules.module import Module
from chainrule.nn.modules.normalization import LayerNorm
from chainrule.tensor import Tensor

__all__ = ["TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
           "TransformerDecoder", "Transformer"]


def _activation_fn(activation):
    if activation == "relu":
        return _act.relu
    if activation == "gelu":
        return _act.gelu
    if isinstance(activation, str) or not callable(activation):
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    return activation


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward network, each with a residual connection and
    LayerNorm.

    Post-norm (default): ``x = norm1(x + SA(x)); x = norm2(x + FF(x))``.
    Pre-norm (``norm_first=True``): ``x = x + SA(norm1(x)); x = x + FF(norm2(x))``.
    ``SA`` is :class:`MultiheadAttention` followed by dropout; ``FF(x) =
    dropout(linear2(dropout(activation(linear1(x)))))``.

    Args:
        d_model: model width.
        nhead: attention heads.
        dim_feedforward: hidden width of the feed-forward network.
        dropout: dropout probability (attention weights, feed-forward, residual branches).
        activation: ``"relu"``, ``"gelu"`` or a callable.
        layer_norm_eps: LayerNorm epsilon.
        batch_first: inputs are ``(N, S, E)`` instead of ``(S, N, E)``.
        norm_first: pre-norm instead of post-norm.
        bias: learn biases in the linear layers and LayerNorms.

    Shape:
        src ``(S, N, E)`` (``(N, S, E)`` with batch_first) or unbatched ``(S, E)``; the output
        has the same shape.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32,
        ...                                    batch_first=True)
        >>> tuple(layer(cr.randn(2, 7, 16)).shape)
        (2, 7, 16)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation_relu_or_gelu = {"relu": 1, "gelu": 2}.get(
            activation if isinstance(activation, str) else "", 0)
        self.activation = _activation_fn(activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal: bool = False):
        """Returns the encoded sequence, shaped like ``src``.

        Args:
            src: the input sequence.
            src_mask: attention mask ``(S, S)`` or ``(N * nhead, S, S)`` (True or ``-inf`` =
                not allowed).
            src_key_padding_mask: ``(N, S)``, True (or ``-inf``) = padding.
            is_causal: hint that ``src_mask`` is the causal mask.
        """
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer``, then an optional ``norm``.

    Args:
        encoder_layer: the layer to copy (its parameters are copied, not shared).
        num_layers: number of layers.
        norm: an optional final normalisation module.
        enable_nested_tensor, mask_check: accepted for PyTorch compatibility; ignored.

    Shape:
        as :class:`TransformerEncoderLayer`.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32)
        >>> encoder = nn.TransformerEncoder(layer, num_layers=2)
        >>> tuple(encoder(cr.randn(7, 2, 16)).shape)
        (7, 2, 16)
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal: bool | None = None):
        """Run every layer in turn with the same masks; returns a tensor shaped like ``src``.

        ``is_causal``: hint that ``mask`` is the causal mask (None: not assumed).
        """
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                        is_causal=bool(is_causal))
        if self.norm is not None:
            out = self.norm(out)
        return out


# --------------------------------------------------------------------------- decoder
def _square_subsequent_mask(sz: int, dtype=None) -> Tensor:
    dt = _dtype.as_dtype(dtype).np if dtype is not None else _dtype.get_default_dtype().np
    return Tensor._wrap(np.triu(np.full((sz, sz), -np.inf, dt), 1))


def _detect_is_causal_mask(mask, is_causal, size):
    """PyTorch's rule: an explicit hint is kept; with none, the hint is whether ``mask`` equals
    the ``size x size`` causal float mask."""
    if is_causal is not None or mask is None:
        return bool(is_causal)
    sz = size if size is not None else mask.shape[-2]
    m = mask._data
    ref = np.triu(np.full((sz, sz), -np.inf, m.dtype if m.dtype.kind == "f" else np.float64), 1)
    return m.shape == ref.shape and bool((m == ref).all())


def _seq_len(x, batch_first):
    if x.ndim == 2:
        return x.shape[0]
    return x.shape[1 if batch_first else 0]


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder's output ("memory") and a feed-forward
    network, each with a residual connection and LayerNorm.

    Post-norm (default): ``x = norm1(x + SA(x)); x = norm2(x + MHA(x, mem));
    x = norm3(x + FF(x))``. Pre-norm (``norm_first=True``): ``x = x + SA(norm1(x));
    x = x + MHA(norm2(x), mem); x = x + FF(norm3(x))``. Each block ends in dropout
    (``dropout1..3``); ``FF(x) = linear2(dropout(activation(linear1(x))))``.

    Args:
        d_model: model width.
        nhead: attention heads.
        dim_feedforward: hidden width of the feed-forward network.
        dropout: dropout probability.
        activation: ``"relu"``, ``"gelu"`` or a callable (default relu).
        layer_norm_eps: LayerNorm epsilon.
        batch_first: inputs are ``(N, T, E)`` instead of ``(T, N, E)``.
        norm_first: pre-norm instead of post-norm.
        bias: learn biases in the linear layers and LayerNorms.

    Shape:
        tgt ``(T, N, E)`` (``(N, T, E)`` with batch_first) or unbatched ``(T, E)``; memory
        likewise with its own length ``S``; the output is shaped like tgt.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> layer = nn.TransformerDecoderLayer(16, 4, dim_feedforward=32, batch_first=True)
        >>> tuple(layer(cr.randn(2, 5, 16), cr.randn(2, 7, 16)).shape)
        (2, 5, 16)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = _act.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                            batch_first=batch_first, bias=bias, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                                 batch_first=batch_first, bias=bias, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation_fn(activation)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False):
        """Returns the decoded sequence, shaped like ``tgt``.

        Args:
            tgt: the target sequence.
            memory: the encoder's output.
            tgt_mask: self-attention mask ``(T, T)`` or ``(N * nhead, T, T)``.
            memory_mask: attention mask over memory, ``(T, S)`` or ``(N * nhead, T, S)``.
            tgt_key_padding_mask: ``(N, T)``, True (or ``-inf``) = padding.
            memory_key_padding_mask: ``(N, S)``.
            tgt_is_causal, memory_is_causal: hints that the masks are causal (the mask must
                then be given).
        """
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


class TransformerDecoder(Module):
    """A stack of ``num_layers`` deep copies of ``decoder_layer``, then an optional ``norm``.

    Args:
        decoder_layer: the layer to copy (its parameters are copied, not shared).
        num_layers: number of layers.
        norm: an optional final normalisation module.

    Shape:
        as :class:`TransformerDecoderLayer`.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> layer = nn.TransformerDecoderLayer(16, 4, dim_feedforward=32)
        >>> decoder = nn.TransformerDecoder(layer, num_layers=2)
        >>> tuple(decoder(cr.randn(5, 2, 16), cr.randn(7, 2, 16)).shape)
        (5, 2, 16)
    """

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False):
        """Run every layer in turn with the same masks; returns a tensor shaped like ``tgt``.

        ``tgt_is_causal`` None (default): detected (whether ``tgt_mask`` is the causal float
        mask); the other arguments are those of :meth:`TransformerDecoderLayer.forward`.
        """
        out = tgt
        seq_len = _seq_len(tgt, self.layers[0].self_attn.batch_first) if len(self.layers) \
            else None
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, seq_len)
        for layer in self.layers:
            out = layer(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                        tgt_key_padding_mask=tgt_key_padding_mask,
                        memory_key_padding_mask=memory_key_padding_mask,
                        tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            out = self.norm(out)
        return out


class Transformer(Module):
    """The encoder-decoder Transformer of "Attention Is All You Need", as PyTorch's:
    ``encoder`` (a :class:`TransformerEncoder` of ``num_encoder_layers`` with a final
    LayerNorm) and ``decoder`` (a :class:`TransformerDecoder` likewise). Every parameter with
    more than one dimension is re-initialised with Xavier-uniform.

    Args:
        d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
            norm_first, bias: as :class:`TransformerEncoderLayer` (defaults 512, 8, 2048, 0.1,
            relu, 1e-5, False, False, True).
        num_encoder_layers, num_decoder_layers: stack depths (default 6 each).
        custom_encoder, custom_decoder: modules used instead of the default stacks.

    Shape:
        src ``(S, N, E)``, tgt ``(T, N, E)`` (batch first with ``batch_first``; or unbatched
        ``(S, E)``, ``(T, E)``); the output is shaped like tgt.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> model = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=1,
        ...                        num_decoder_layers=1, dim_feedforward=32)
        >>> mask = nn.Transformer.generate_square_subsequent_mask(5)
        >>> tuple(model(cr.randn(7, 2, 16), cr.randn(5, 2, 16), tgt_mask=mask).shape)
        (5, 2, 16)
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = _act.relu,
                 custom_encoder=None, custom_decoder=None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, dtype=dtype)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, dtype=dtype)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal: bool | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False):
        """Encode ``src``, then decode ``tgt`` attending to the encoding; returns a tensor
        shaped like ``tgt``.

        Masks and hints are those of :meth:`TransformerEncoder.forward` (``src_*``) and
        :meth:`TransformerDecoder.forward` (``tgt_*``, ``memory_*``).
        """
        batched = src.ndim == 3
        if batched and src.shape[0 if self.batch_first else 1] != \
                tgt.shape[0 if self.batch_first else 1]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
        """The ``sz x sz`` causal mask: ``-inf`` above the diagonal, 0 elsewhere.

        Example:
            >>> import chainrule as cr
            >>> cr.nn.Transformer.generate_square_subsequent_mask(3)
            tensor([[0., -inf, -inf],
                    [0., 0., -inf],
                    [0., 0., 0.]])
        """
        return _square_subsequent_mask(sz, dtype)

    def _reset_parameters(self) -> None:
        """Xavier-uniform for every parameter with more than one dimension."""
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)
