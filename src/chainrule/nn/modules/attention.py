"""``MultiheadAttention`` with PyTorch's parameters, masks and return values."""

from __future__ import annotations

import numpy as np

from chainrule import _dtype
from chainrule.nn import init
from chainrule.nn.functional.attention import multi_head_attention_forward
from chainrule.nn.modules.linear import NonDynamicallyQuantizableLinear
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter
from chainrule.tensor import Tensor

__all__ = ["MultiheadAttention"]


def _empty(shape, dtype):
    dt = _dtype.as_dtype(dtype).np if dtype is not None else _dtype.get_default_dtype().np
    return Parameter(Tensor._wrap(np.empty(shape, dt)))


class MultiheadAttention(Module):
    """Attention over ``num_heads`` subspaces: ``concat(head_1..head_h) W_o^T + b_o`` with
    ``head_i = softmax(Q_i K_i^T / sqrt(d) + mask) V_i``.

    Parameters (PyTorch's names): ``in_proj_weight`` ``(3E, E)`` and ``in_proj_bias`` ``(3E,)``
    (the q, k, v projections stacked), or ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight``
    when ``kdim``/``vdim`` differ from ``embed_dim``; ``out_proj`` (a ``Linear(E, E)``); and
    ``bias_k``, ``bias_v`` ``(1, 1, E)`` with ``add_bias_kv``.

    Args:
        embed_dim: model width ``E``.
        num_heads: parallel heads; ``E`` must be divisible by it.
        dropout: dropout probability on the attention weights (training only).
        bias: learn the input and output projection biases.
        add_bias_kv: append learned biases to the key and value sequences.
        add_zero_attn: append a zero position to the key and value sequences.
        kdim, vdim: feature sizes of key and value (default ``embed_dim``).
        batch_first: inputs and output are ``(N, L, E)`` instead of ``(L, N, E)``.

    Shape:
        query ``(L, N, E)``, key ``(S, N, kdim)``, value ``(S, N, vdim)`` (batch first if
        ``batch_first``), or unbatched ``(L, E)``, ``(S, kdim)``, ``(S, vdim)``;
        key_padding_mask ``(N, S)`` or ``(S,)``, True (or ``-inf``) = ignore that key;
        attn_mask ``(L, S)`` or ``(N * num_heads, L, S)``, True (or ``-inf``) = not allowed;
        returns attn_output shaped like query and attn_weights ``(N, L, S)`` averaged over heads,
        ``(N, num_heads, L, S)`` with ``average_attn_weights=False`` (no N when unbatched), or
        None when ``need_weights=False``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule import nn
        >>> mha = nn.MultiheadAttention(16, 4, batch_first=True)
        >>> x = cr.randn(2, 5, 16)
        >>> out, weights = mha(x, x, x)
        >>> tuple(out.shape), tuple(weights.shape)
        ((2, 5, 16), (2, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None,
                 dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = _empty((embed_dim, embed_dim), dtype)
            self.k_proj_weight = _empty((embed_dim, self.kdim), dtype)
            self.v_proj_weight = _empty((embed_dim, self.vdim), dtype)
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = _empty((3 * embed_dim, embed_dim), dtype)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = _empty((3 * embed_dim,), dtype)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        dtype=dtype)
        if add_bias_kv:
            self.bias_k = _empty((1, 1, embed_dim), dtype)
            self.bias_v = _empty((1, 1, embed_dim), dtype)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        # PyTorch's scheme: Xavier-uniform projections, zero biases, Xavier-normal bias_k/v;
        # out_proj.weight keeps Linear's own initialisation.
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        """Returns ``(attn_output, attn_weights)``; see the class docstring for shapes.

        ``is_causal`` is a hint that ``attn_mask`` is the causal mask (it must be given).
        """
        batched = query.ndim == 3
        if self.batch_first and batched:
            # Keep self-attention recognisable (q is k is v) across the transposes.
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights
