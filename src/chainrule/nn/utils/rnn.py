"""Variable-length batches for the recurrent layers: padding and packing, as PyTorch's
``torch.nn.utils.rnn``.

A *padded* batch is one tensor ``(T, B, *)`` (or ``(B, T, *)`` with ``batch_first``) whose
sequence ``b`` fills its first ``lengths[b]`` steps; the rest is padding. A *packed* batch
(:class:`PackedSequence`) keeps only the valid steps, time-major: with the sequences sorted
by decreasing length, its ``data`` holds step 0 of every sequence, then step 1 of every
sequence at least two long, and so on; ``batch_sizes[t]`` counts the sequences still running
at step ``t``. ``sorted_indices[j]`` is the batch position (in the caller's order) of the
``j``-th longest sequence and ``unsorted_indices`` its inverse (both ``None`` when the batch
was already sorted).

Every conversion is one gather (``x[index]``) of the rows it keeps, with the index built in
NumPy from the lengths alone, so gradients flow back through it to the padded or listed
input (the gather's backward scatters them into zeros; padding gets none).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from chainrule import _dtype
from chainrule.ops.creation import full
from chainrule.ops.elementwise import to_dtype
from chainrule.ops.shape import cat
from chainrule.tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]

_wrap = Tensor._wrap


def _int64(a) -> Tensor:
    return _wrap(np.ascontiguousarray(a, dtype=np.int64))


def invert_permutation(permutation):
    """The inverse of a permutation of ``0 .. n-1`` (``None`` stays ``None``).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.utils.rnn import invert_permutation
        >>> invert_permutation(cr.tensor([2, 0, 1]))
        tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    p = permutation._data if isinstance(permutation, Tensor) else np.asarray(permutation)
    if p.ndim != 1 or p.dtype.kind not in "iu":
        raise RuntimeError(f"invert_permutation: expected a 1-D integer permutation, got "
                           f"shape {list(p.shape)} of dtype {p.dtype}")
    out = np.empty(p.shape, np.int64)
    out[p] = np.arange(p.size)
    return _int64(out)


_Fields = namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices",
                                        "unsorted_indices"])


class PackedSequence(_Fields):
    """A batch of variable-length sequences packed time-major (see the module's docstring).

    Fields: ``data`` ``(sum(batch_sizes), *)``; ``batch_sizes`` (int64, one per step, on the
    CPU); ``sorted_indices`` and ``unsorted_indices`` (int64 permutations of the batch, or
    ``None``). Build one with :func:`pack_padded_sequence` or :func:`pack_sequence` rather
    than by hand; ``unsorted_indices`` is derived from ``sorted_indices`` when not given.
    The recurrent layers (:class:`~chainrule.nn.RNN`, ``LSTM``, ``GRU``) accept one as input
    and then return one.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.utils.rnn import pack_sequence
        >>> p = pack_sequence([cr.tensor([1., 2., 3.]), cr.tensor([4.])])
        >>> p.data, p.batch_sizes
        (tensor([1., 4., 2., 3.]), tensor([2, 1, 1]))
        >>> p.double().data.dtype
        chainrule.float64
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), as PyTorch accepts
            if not isinstance(data, (list, tuple)) or len(data) != 2:
                raise AssertionError("PackedSequence: without batch_sizes, data must be a "
                                     "(data, batch_sizes) pair")
            data, batch_sizes = data
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = _int64(batch_sizes)
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """``data.to(*args, **kwargs)`` in a new PackedSequence (``self`` if unchanged)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, *args, **kwargs):
        return self.data.cuda(*args, **kwargs)  # raises: chainrule runs on the CPU

    def double(self):
        return self.to(_dtype.float64)

    def float(self):
        return self.to(_dtype.float32)

    def half(self):
        return self.to(_dtype.float16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def short(self):
        return self.to(_dtype.int16)

    def char(self):
        return self.to(_dtype.int8)

    def byte(self):
        return self.to(_dtype.uint8)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


# --------------------------------------------------------------------------- helpers
def _lengths(lengths, op) -> np.ndarray:
    """``lengths`` (a list or a 1-D tensor, of ints or floats) as a 1-D int64 array."""
    arr = lengths._data if isinstance(lengths, Tensor) else np.asarray(lengths)
    if arr.ndim != 1:
        raise RuntimeError(f"{op}: 'lengths' argument should be a 1D CPU int64 tensor (or a "
                           f"list of ints), but got {arr.ndim}D")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{op}: 'lengths' must hold numbers, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def _order(lengths, enforce_sorted, op):
    """Check the lengths; returns the sorting permutation (None when already sorted)."""
    if lengths.size == 0:
        raise RuntimeError(f"{op}: Cannot pack empty tensors.")
    if (lengths <= 0).any():
        raise RuntimeError(f"{op}: Length of all samples has to be greater than 0, but found "
                           f"an element in 'lengths' that is <= 0 (lengths {lengths.tolist()})")
    if enforce_sorted:
        if (np.diff(lengths) > 0).any():
            raise RuntimeError(
                f"{op}: `lengths` array must be sorted in decreasing order when "
                f"`enforce_sorted` is True (got {lengths.tolist()}). Pass enforce_sorted=False "
                f"to have the batch sorted here.")
        return None
    return np.argsort(-lengths, kind="stable")  # ties keep their order, as PyTorch's sort


def _packed_layout(sorted_lengths):
    """``batch_sizes`` and the (step, sorted batch position) of each packed row, in order."""
    steps = np.arange(sorted_lengths[0])
    batch_sizes = (sorted_lengths[None, :] > steps[:, None]).sum(1)
    t_idx, j_idx = np.nonzero(np.arange(sorted_lengths.size)[None, :] < batch_sizes[:, None])
    return batch_sizes, t_idx, j_idx


def _packed_info(sequence, op):
    """``(batch_sizes, row offset of each step, sorted lengths, unsorted_indices)``."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{op}: expected a PackedSequence, got {type(sequence).__name__}")
    bs = sequence.batch_sizes._data
    data = sequence.data
    if bs.ndim != 1 or bs.size == 0 or data.ndim < 1 or data.shape[0] != bs.sum():
        raise RuntimeError(f"{op}: batch_sizes {bs.tolist()} do not describe data of shape "
                           f"{list(data.shape)} (expected a non-empty 1-D batch_sizes summing "
                           f"to data.shape[0])")
    offsets = np.concatenate(([0], np.cumsum(bs)[:-1]))
    B = int(bs[0])
    lengths = (bs[None, :] > np.arange(B)[:, None]).sum(1)
    un = sequence.unsorted_indices
    un = np.arange(B) if un is None else un._data
    return bs, offsets, lengths, un


def _with_pad_row(data, padding_value):
    """``data`` with one more row (index ``data.shape[0]``) filled with ``padding_value``."""
    pad = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    return cat([data, pad], 0)


def _check_sequences(sequences, op):
    """The sequences as a list cast to the first one's dtype, and their lengths."""
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError(f"{op}: received an empty list of sequences")
    for i, s in enumerate(seqs):
        if not isinstance(s, Tensor):
            raise TypeError(f"{op}: expected Tensor as element {i} in argument 0, but got "
                            f"{type(s).__name__}")
        if s.ndim == 0:
            raise RuntimeError(f"{op}: each sequence needs at least one dimension (its "
                               f"length), but element {i} is 0-D")
        if s.shape[1:] != seqs[0].shape[1:]:
            raise RuntimeError(f"{op}: every sequence must have the same trailing shape, but "
                               f"element 0 has {list(seqs[0].shape)} and element {i} has "
                               f"{list(s.shape)}")
    dt = seqs[0].dtype
    seqs = [to_dtype(s, dt) for s in seqs]
    return seqs, np.array([s.shape[0] for s in seqs], np.int64)


# --------------------------------------------------------------------------- padded
def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of different lengths into one tensor, padding the short ones.

    Args:
        sequences: tensors ``(L_i, *)`` with equal trailing shapes (a tensor is taken as the
            sequence of its rows).
        batch_first: return ``(B, T, *)`` instead of ``(T, B, *)``, ``T = max L_i``.
        padding_value: the value of the padding (cast to the first sequence's dtype, which is
            the result's).
        padding_side: ``"right"`` (pad after each sequence) or ``"left"`` (before).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.utils.rnn import pad_sequence
        >>> pad_sequence([cr.tensor([1., 2., 3.]), cr.tensor([4.])], batch_first=True)
        tensor([[1., 2., 3.],
                [4., 0., 0.]])
    """
    op = "pad_sequence"
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"{op}: Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if isinstance(sequences, Tensor):  # rows of equal length: nothing to pad
        if sequences.ndim < 2:
            raise RuntimeError(f"{op}: a tensor of sequences needs at least 2 dimensions "
                               f"(batch, length), got shape {list(sequences.shape)}")
        return sequences.clone() if batch_first else sequences.transpose(0, 1).contiguous()
    seqs, lengths = _check_sequences(sequences, op)
    T = int(lengths.max())
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    pos = np.arange(T)[None, :]  # (B, T): which row of cat(seqs) goes where
    if padding_side == "right":
        valid, src = pos < lengths[:, None], starts[:, None] + pos
    else:
        shift = (T - lengths)[:, None]
        valid, src = pos >= shift, starts[:, None] + pos - shift
    index = np.where(valid, src, lengths.sum())  # the padding row comes last
    rows = _with_pad_row(cat(seqs, 0), padding_value)
    return rows[index if batch_first else index.T]


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of its sequences (the inverse of
    :func:`pad_sequence` with right padding).

    Args:
        padded_sequences: ``(T, B, *)``, or ``(B, T, *)`` with ``batch_first``.
        lengths: the ``B`` lengths (a list or a 1-D tensor).
        batch_first: the layout of ``padded_sequences``.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.utils.rnn import unpad_sequence
        >>> unpad_sequence(cr.tensor([[1., 2., 3.], [4., 0., 0.]]), [3, 1], batch_first=True)
        [tensor([1., 2., 3.]), tensor([4.])]
    """
    op = "unpad_sequence"
    lengths = _lengths(lengths, op)
    if padded_sequences.ndim < 2:
        raise RuntimeError(f"{op}: expected a padded batch of at least 2 dimensions, got "
                           f"shape {list(padded_sequences.shape)}")
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    if lengths.size != x.shape[0]:
        raise ValueError(f"{op}: got {lengths.size} lengths for a batch of {x.shape[0]} "
                         f"sequences")
    return [x[i, :int(n)] for i, n in enumerate(lengths)]


# --------------------------------------------------------------------------- packed
def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (keep only each sequence's first ``lengths[b]`` steps).

    Args:
        input: ``(T, B, *)``, or ``(B, T, *)`` with ``batch_first``.
        lengths: the ``B`` lengths (a list or a 1-D tensor), each in ``1 .. T``.
        batch_first: the layout of ``input``.
        enforce_sorted: require ``lengths`` in decreasing order (then ``sorted_indices`` is
            ``None``); with False the batch is sorted here (stably) and the permutation kept.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.utils.rnn import pack_padded_sequence
        >>> x = cr.tensor([[1., 2., 3.], [4., 5., 0.]])
        >>> p = pack_padded_sequence(x, [3, 2], batch_first=True)
        >>> p.data, p.batch_sizes
        (tensor([1., 4., 2., 5., 3.]), tensor([2, 2, 1]))
    """
    op = "pack_padded_sequence"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    lengths = _lengths(lengths, op)
    if input.ndim < 2:
        raise IndexError(f"{op}: expected an input of at least 2 dimensions (time and batch), "
                         f"got shape {list(input.shape)}")
    T, B = (input.shape[1], input.shape[0]) if batch_first else (input.shape[0], input.shape[1])
    if lengths.size != B:
        raise RuntimeError(f"{op}: Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.size} (batch_size={B})")
    order = _order(lengths, enforce_sorted, op)
    if lengths.max() > T:
        raise RuntimeError(f"{op}: a length of {int(lengths.max())} exceeds the input's "
                           f"{T} time steps")
    sorted_lengths = lengths if order is None else lengths[order]
    batch_sizes, t_idx, j_idx = _packed_layout(sorted_lengths)
    b_idx = j_idx if order is None else order[j_idx]
    data = input[(b_idx, t_idx) if batch_first else (t_idx, b_idx)]
    return PackedSequence(data, _int64(batch_sizes), None if order is None else _int64(order),
                          None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Unpack a :class:`PackedSequence` into a padded batch, in the caller's batch order.

    Args:
        sequence: the packed batch.
        batch_first: return ``(B, T, *)`` instead of ``(T, B, *)``.
        padding_value: the value of the padding.
        total_length: pad to this many steps instead of the longest sequence's length.

    Returns:
        ``(padded, lengths)``, ``lengths`` an int64 tensor of the ``B`` lengths.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.utils.rnn import pack_sequence, pad_packed_sequence
        >>> p = pack_sequence([cr.tensor([1.]), cr.tensor([2., 3.])], enforce_sorted=False)
        >>> pad_packed_sequence(p, batch_first=True, padding_value=-1)
        (tensor([[ 1., -1.],
                [ 2.,  3.]]), tensor([1, 2]))
    """
    op = "pad_packed_sequence"
    bs, offsets, sorted_lengths, un = _packed_info(sequence, op)
    T = bs.size
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"{op}: Expected total_length to be at least the length of the "
                             f"longest sequence in input, but got total_length={total_length} "
                             f"and max sequence length being {T}")
        T = int(total_length)
        offsets = np.concatenate((offsets, np.zeros(T - bs.size, np.int64)))
    data = sequence.data
    lengths = sorted_lengths[un]
    steps = np.arange(T)[:, None]
    index = np.where(steps < lengths[None, :], offsets[:, None] + un[None, :], data.shape[0])
    padded = _with_pad_row(data, padding_value)[index.T if batch_first else index]
    return padded, _int64(lengths)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences of different lengths (no padded tensor in between).

    Args:
        sequences: tensors ``(L_i, *)`` with equal trailing shapes; the result has the first
            one's dtype.
        enforce_sorted: require the lengths in decreasing order (see
            :func:`pack_padded_sequence`).

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.utils.rnn import pack_sequence
        >>> p = pack_sequence([cr.tensor([1.]), cr.tensor([2., 3.])], enforce_sorted=False)
        >>> p.data, p.sorted_indices
        (tensor([2., 1., 3.]), tensor([1, 0]))
    """
    op = "pack_sequence"
    seqs, lengths = _check_sequences(sequences, op)
    order = _order(lengths, enforce_sorted, op)
    sorted_lengths = lengths if order is None else lengths[order]
    batch_sizes, t_idx, j_idx = _packed_layout(sorted_lengths)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    rows = starts[j_idx if order is None else order[j_idx]] + t_idx
    return PackedSequence(cat(seqs, 0)[rows], _int64(batch_sizes),
                          None if order is None else _int64(order), None)


def unpack_sequence(packed_sequences):
    """Split a :class:`PackedSequence` into the list of its sequences, in the caller's order.

    Example:
        >>> import chainrule as cr
        >>> from chainrule.nn.utils.rnn import pack_sequence, unpack_sequence
        >>> p = pack_sequence([cr.tensor([1.]), cr.tensor([2., 3.])], enforce_sorted=False)
        >>> unpack_sequence(p)
        [tensor([1.]), tensor([2., 3.])]
    """
    _, offsets, sorted_lengths, un = _packed_info(packed_sequences, "unpack_sequence")
    data = packed_sequences.data
    return [data[offsets[:sorted_lengths[j]] + j] for j in un]
