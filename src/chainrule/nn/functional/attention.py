"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

Both are composites of matmul, softmax and elementwise ops, so their gradients (and higher
derivatives) come from those ops' rules. Masks are turned into additive float masks
(0 where attending, ``-inf`` where not) once, as NumPy constants, before they touch the graph.

The two mask conventions are PyTorch's and they are opposite:

* ``scaled_dot_product_attention``: a boolean ``attn_mask`` is True where attention **is
  allowed**;
* ``multi_head_attention_forward`` / ``nn.MultiheadAttention``: boolean ``attn_mask`` and
  ``key_padding_mask`` are True where attention is **not allowed**.

A query row with every key masked: ``scaled_dot_product_attention`` gives zeros there (PyTorch's
"safe softmax"); attention weights computed for ``need_weights=True`` are NaN there, as
PyTorch's are.
"""

from __future__ import annotations

import math

import numpy as np

from chainrule import ops
from chainrule.nn.functional.activation import softmax
from chainrule.nn.functional.linear import linear
from chainrule.nn.functional.misc import dropout
from chainrule.tensor import Tensor

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_wrap = Tensor._wrap


def _additive(mask, dtype, allow_when_true, name):
    """A boolean mask as an additive float array (0 where attending, -inf where not); None
    for a float mask, which is added as it is."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:
        keep = m if allow_when_true else ~m
        return np.where(keep, 0.0, -np.inf).astype(dtype)
    if m.dtype.kind != "f":
        raise RuntimeError(f"only bool and floating types of {name} are supported, got "
                           f"{m.dtype}")
    return None


def _add_mask(scores, mask, allow_when_true, name):
    if mask is None:
        return scores
    const = _additive(mask, scores._data.dtype, allow_when_true, name)
    if const is not None:
        return scores + _wrap(const)
    if not isinstance(mask, Tensor):
        mask = _wrap(np.asarray(mask, scores._data.dtype))
    return scores + mask.to(scores.dtype)


def _safe_softmax(scores):
    # Rows where every score is -inf would be 0/0 = NaN; PyTorch's SDPA gives 0 there. They get
    # finite scores (so no NaN reaches the softmax's backward) and zero weights afterwards.
    dead = np.isneginf(scores._data).all(-1, keepdims=True)
    if not dead.any():
        return softmax(scores, -1)
    live = _wrap(~dead)
    w = softmax(ops.where(live, scores, _wrap(np.zeros((), scores._data.dtype))), -1)
    return w * live.to(w.dtype)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """``softmax(Q K^T * scale + mask) V``, with PyTorch's arguments and mask conventions.

    Args:
        query, key, value: the attention inputs.
        attn_mask: boolean (True = this query may attend to this key) or float (added to the
            scores); broadcast to ``(..., L, S)``.
        dropout_p: dropout probability on the attention weights (applied whenever > 0; pass
            0 outside training, as with PyTorch).
        is_causal: mask out keys after the query (top-left aligned ``L x S`` lower triangle);
            ``attn_mask`` must then be None.
        scale: the score scale; default ``1 / sqrt(E)``.
        enable_gqa: grouped-query attention: ``key``/``value`` have ``Hq / Hkv`` times fewer
            heads (dim -3) than ``query``, each shared by consecutive query heads.

    Shape:
        query ``(..., L, E)``, key ``(..., S, E)``, value ``(..., S, Ev)`` -> ``(..., L, Ev)``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.functional import scaled_dot_product_attention
        >>> q = k = v = cr.randn(2, 4, 5, 8)
        >>> tuple(scaled_dot_product_attention(q, k, v, is_causal=True).shape)
        (2, 4, 5, 8)
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(f"scaled_dot_product_attention: query, key and value must be at "
                           f"least 2-D, got shapes {list(query.shape)}, {list(key.shape)}, "
                           f"{list(value.shape)}")
    L, E = query.shape[-2], query.shape[-1]
    S = key.shape[-2]
    if key.shape[-1] != E or value.shape[-2] != S:
        raise RuntimeError(f"scaled_dot_product_attention: incompatible shapes: query "
                           f"{list(query.shape)}, key {list(key.shape)}, value "
                           f"{list(value.shape)} (need key (..., S, E) with E = "
                           f"query.size(-1), value (..., S, Ev))")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        hq, hk = query.shape[-3], key.shape[-3]
        if hq % hk or value.shape[-3] != hk:
            raise RuntimeError(f"scaled_dot_product_attention: with enable_gqa, the number of "
                               f"query heads ({hq}) must be a multiple of the key/value heads "
                               f"({hk}, {value.shape[-3]})")
        key, value = _repeat_heads(key, hq // hk), _repeat_heads(value, hq // hk)
    scale = 1.0 / math.sqrt(E) if scale is None else float(scale)
    scores = ops.matmul(query, key.transpose(-2, -1)) * scale
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: explicit attn_mask should not be "
                               "set when is_causal=True")
        attn_mask = np.tril(np.ones((L, S), dtype=bool))
    scores = _add_mask(scores, attn_mask, True, "attn_mask")
    attn = _safe_softmax(scores)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, training=True)
    return ops.matmul(attn, value)


def _repeat_heads(x, n):
    # (..., Hk, S, E) -> (..., Hk * n, S, E), each head repeated n times in a row
    # (repeat_interleave along the head dimension).
    shape = tuple(x.shape)
    y = x.unsqueeze(-3).expand(shape[:-2] + (n,) + shape[-2:])
    return y.reshape(shape[:-3] + (shape[-3] * n,) + shape[-2:])


def _zeros(shape, like):
    return _wrap(np.zeros(shape, like._data.dtype))


def _pad_last(mask):
    """One more key position that every query may attend to (0 in an additive mask)."""
    if mask is None:
        return None
    return ops.cat([mask, _zeros(tuple(mask.shape[:-1]) + (1,), mask)], -1)


def _as_float_mask(mask, dtype, name):
    """MHA's boolean masks (True = masked) as additive float tensors."""
    if mask is None:
        return None
    const = _additive(mask, dtype, False, name)
    if const is not None:
        return _wrap(const)
    if isinstance(mask, Tensor):
        if mask._data.dtype != dtype:  # (it would promote the scores, as PyTorch refuses)
            raise RuntimeError(f"multi_head_attention_forward: expected {name} to be bool or "
                               f"of the query's dtype {np.dtype(dtype).name}, got {mask.dtype}")
        return mask
    return _wrap(np.asarray(mask, dtype))


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention as ``torch.nn.functional.multi_head_attention_forward``.

    Args:
        query, key, value: sequence-first inputs.
        embed_dim_to_check: the expected embedding size ``E``.
        num_heads: number of heads (``E`` must be divisible by it).
        in_proj_weight, in_proj_bias: the packed ``(3E, E)`` projection of q, k, v (or
            ``use_separate_proj_weight`` with ``q_proj_weight``, ``k_proj_weight``,
            ``v_proj_weight`` for keys/values of other sizes).
        bias_k, bias_v: ``(1, 1, E)`` biases appended to the key/value sequences, or None.
        add_zero_attn: append a zero key/value position.
        dropout_p: dropout on the attention weights (only when ``training``).
        out_proj_weight, out_proj_bias: the output projection.
        key_padding_mask: ``(N, S)``; boolean True = ignore this key, or float, added.
        need_weights: also return the attention weights.
        attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``; boolean True = not allowed, or
            float, added.
        static_k, static_v: precomputed ``(N * num_heads, S, E / num_heads)`` keys/values.
        average_attn_weights: average the returned weights over heads.
        is_causal: a hint that ``attn_mask`` is the causal mask (``attn_mask`` is required).

    Shape:
        query ``(L, N, E)`` or ``(L, E)``; key/value ``(S, N, E_k)`` / ``(S, N, E_v)`` or
        unbatched; output ``(L, N, E)`` (or ``(L, E)``); weights ``(N, L, S)`` or
        ``(N, num_heads, L, S)`` (without the ``N`` for unbatched input), or None.
    """
    batched = query.ndim == 3
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise RuntimeError(f"multi_head_attention_forward: query, key and value must all be "
                           f"3-D (batched) or 2-D (unbatched), got shapes "
                           f"{list(query.shape)}, {list(key.shape)}, {list(value.shape)}")
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2]:
        raise AssertionError(f"key shape {list(key.shape)} does not match value shape "
                             f"{list(value.shape)}")
    dt = query._data.dtype
    key_padding_mask = _as_float_mask(key_padding_mask, dt, "key_padding_mask")
    attn_mask = _as_float_mask(attn_mask, dt, "attn_mask")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        # PyTorch then trusts the hint and lets SDPA build the causal mask itself.
        attn_mask = None
    else:
        is_causal = False

    # ---- input projections
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise RuntimeError("use_separate_proj_weight is False but in_proj_weight is None")
        if query is key and key is value:
            qkv = linear(query, in_proj_weight, in_proj_bias)
            q, k, v = ops.chunk(qkv, 3, -1)
        else:
            w_q, w_k, w_v = ops.chunk(in_proj_weight, 3, 0)
            b_q = b_k = b_v = None
            if in_proj_bias is not None:
                b_q, b_k, b_v = ops.chunk(in_proj_bias, 3, 0)
            q = linear(query, w_q, b_q)
            k = linear(key, w_k, b_k)
            v = linear(value, w_v, b_v)
    else:
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = ops.chunk(in_proj_bias, 3, 0)
        q = linear(query, q_proj_weight, b_q)
        k = linear(key, k_proj_weight, b_k)
        v = linear(value, v_proj_weight, b_v)

    # ---- masks to (1 or N * heads, L, S)
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {list(attn_mask.shape)}, "
                                   f"but should be {[tgt_len, src_len]}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            want = (bsz * num_heads, tgt_len, src_len)
            if tuple(attn_mask.shape) != want:
                raise RuntimeError(f"The shape of the 3D attn_mask is {list(attn_mask.shape)}, "
                                   f"but should be {list(want)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key/value.")
        k = ops.cat([k, bias_k.expand(1, bsz, embed_dim)], 0)
        v = ops.cat([v, bias_v.expand(1, bsz, embed_dim)], 0)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    elif (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k and bias_v must both be given or both be None")

    # ---- heads: (L, N, E) -> (N * heads, L, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None
         else static_k)
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None
         else static_v)
    if add_zero_attn:
        k = ops.cat([k, _zeros((bsz * num_heads, 1, head_dim), k)], 1)
        v = ops.cat([v, _zeros((bsz * num_heads, 1, head_dim), v)], 1)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[1]

    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but "
                                 f"got {tuple(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0

    if need_weights:
        scores = ops.matmul(q * (1.0 / math.sqrt(head_dim)), k.transpose(1, 2))
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = softmax(scores, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p, training=True)
        out = ops.matmul(weights, v)  # (N * heads, L, head_dim)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        attn_mask = (attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1
                     else attn_mask.reshape(bsz, num_heads, -1, src_len))
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not batched:
        out = out.squeeze(1)
    return out, None
