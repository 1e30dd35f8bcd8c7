"""IMDB movie reviews from the standard ``aclImdb`` folder layout, tokenized and padded.

Layout (as unpacked from Stanford's ``aclImdb_v1.tar.gz``)::

    aclImdb/train/pos/*.txt   aclImdb/train/neg/*.txt
    aclImdb/test/pos/*.txt    aclImdb/test/neg/*.txt

Token ids reserve the lowest values, as Keras' ``imdb.load_data`` does:
``0`` = padding, ``1`` = start of a review, ``2`` = out of vocabulary; words get ids from
``3`` up in order of decreasing frequency on the *training* split (ties alphabetical).
"""

from __future__ import annotations

import os
import re

import numpy as np

from chainrule.tensor import Tensor
from chainrule.utils.data import Dataset

PAD, START, OOV = 0, 1, 2
INDEX_FROM = 3

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text: str) -> list[str]:
    """Lowercase, turn ``<br />`` tags into spaces, and split into words (letters and
    digits, keeping inner apostrophes: ``don't``).

    Example:
        >>> tokenize("Great film!<br /><br />I DIDN'T expect that.")
        ['great', 'film', 'i', "didn't", 'expect', 'that']
    """
    return _TOKEN.findall(_BREAK.sub(" ", text.lower()))


def build_vocab(token_lists: list[list[str]], num_words: int | None = None) -> list[str]:
    """Words by decreasing frequency (ties alphabetical); word ``vocab[i]`` gets id
    ``i + 3``. With ``num_words``, only words whose id is below ``num_words`` are kept.

    Example:
        >>> build_vocab([["a", "b", "b"], ["c", "b", "a"]])
        ['b', 'a', 'c']
    """
    flat = np.array([t for tokens in token_lists for t in tokens], dtype=object)
    if flat.size == 0:
        return []
    words, counts = np.unique(flat.astype(str), return_counts=True)  # sorted alphabetically
    order = np.argsort(-counts, kind="stable")
    vocab = words[order].tolist()
    if num_words is not None:
        vocab = vocab[: max(0, num_words - INDEX_FROM)]
    return vocab


def encode(token_lists: list[list[str]], vocab: list[str], start_char: bool = True
           ) -> list[np.ndarray]:
    """Token ids for each token list (unknown words -> ``OOV``), with ``START`` first.

    The lookup is one vectorized ``searchsorted`` over all tokens of all texts.

    Example:
        >>> [a.tolist() for a in encode([["b", "z", "a"]], ["b", "a"])]
        [[1, 3, 2, 4]]
    """
    lengths = np.array([len(t) for t in token_lists], dtype=np.int64)
    flat = np.array([t for tokens in token_lists for t in tokens], dtype=str)
    ids = np.full(flat.shape, OOV, dtype=np.int64)
    if vocab and flat.size:
        words = np.array(vocab, dtype=str)
        order = np.argsort(words)
        sorted_words = words[order]
        pos = np.clip(np.searchsorted(sorted_words, flat), 0, len(words) - 1)
        hit = sorted_words[pos] == flat
        ids[hit] = order[pos[hit]] + INDEX_FROM
    pieces = np.split(ids, np.cumsum(lengths)[:-1]) if len(lengths) else []
    if start_char:
        return [np.concatenate(([START], p)).astype(np.int64) for p in pieces]
    return pieces


def pad_sequences(sequences, maxlen: int | None = None, dtype="int64", padding: str = "pre",
                  truncating: str = "pre", value=0) -> np.ndarray:
    """Pad (or cut) sequences to one length, as ``keras.utils.pad_sequences`` does.

    Args:
        sequences: a list of lists or 1-D arrays of ids.
        maxlen: the output length (default: the longest sequence).
        dtype: the output dtype.
        padding: ``"pre"`` puts the padding before each sequence, ``"post"`` after.
        truncating: ``"pre"`` drops the beginning of longer sequences, ``"post"`` the end.
        value: the padding value.

    Returns:
        An array of shape ``(len(sequences), maxlen)``.

    Example:
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
        [[2, 3], [0, 4]]
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post", truncating="post").tolist()
        [[1, 2], [4, 0]]
    """
    if padding not in ("pre", "post") or truncating not in ("pre", "post"):
        raise ValueError(f"padding and truncating must be 'pre' or 'post', got "
                         f"{padding!r}, {truncating!r}")
    arrays = [np.asarray(s).reshape(-1) for s in sequences]
    lengths = np.array([a.size for a in arrays], dtype=np.int64)
    n = len(arrays)
    if maxlen is None:
        maxlen = int(lengths.max()) if n else 0
    out = np.full((n, maxlen), value, dtype=dtype)
    if n == 0 or maxlen == 0 or lengths.sum() == 0:
        return out
    flat = np.concatenate(arrays)
    row = np.repeat(np.arange(n), lengths)
    pos = np.arange(flat.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    kept = np.minimum(lengths, maxlen)
    first = lengths - kept if truncating == "pre" else np.zeros_like(lengths)
    keep = (pos >= first[row]) & (pos < first[row] + kept[row])
    col = pos - first[row]
    if padding == "pre":
        col = col + (maxlen - kept)[row]
    out[row[keep], col[keep]] = flat[keep]
    return out


def _read_split(base: str, split: str) -> tuple[list[str], np.ndarray]:
    texts, labels = [], []
    for label, sub in ((1, "pos"), (0, "neg")):
        folder = os.path.join(base, split, sub)
        names = sorted(f for f in os.listdir(folder) if f.endswith(".txt"))
        for name in names:
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                texts.append(f.read())
        labels.append(np.full(len(names), label, dtype=np.int64))
    return texts, np.concatenate(labels)


class IMDB(Dataset):
    """The Large Movie Review Dataset (binary sentiment), from the ``aclImdb`` folders.

    Args:
        root: the ``aclImdb`` directory or the directory that contains it.
        split: ``"train"`` or ``"test"``.
        num_words: keep only the ``num_words - 3`` most frequent training words (ids below
            ``num_words``); rarer words become ``OOV`` (2).
        maxlen: pad/truncate every review to this length (default: the longest review).
        padding, truncating: ``"pre"`` or ``"post"``, as in :func:`pad_sequences`
            (``"pre"`` keeps the end of a review next to an RNN's final state).
        start_char: begin each review with ``START`` (1).
        vocab: a vocabulary list to use (e.g. ``train_set.vocab`` for the test split);
            by default it is built from the training split (read for that purpose when
            ``split="test"``).

    Attributes:
        data: int64 tensor ``(N, maxlen)``; targets: int64 tensor ``(N,)`` (1 = positive).
        sequences: the unpadded id arrays; vocab: the words (``vocab[i]`` has id ``i + 3``);
        word_index: word -> id.

    Example:
        >>> import os, tempfile
        >>> tmp = tempfile.TemporaryDirectory()
        >>> for sub, text in [("pos", "A great film"), ("neg", "A dull film")]:
        ...     os.makedirs(os.path.join(tmp.name, "aclImdb", "train", sub))
        ...     with open(os.path.join(tmp.name, "aclImdb", "train", sub, "0_1.txt"), "w") as f:
        ...         _ = f.write(text)
        >>> ds = IMDB(tmp.name, maxlen=5)
        >>> tmp.cleanup()
        >>> ds.vocab, ds.data.tolist(), ds.targets.tolist()
        (['a', 'film', 'dull', 'great'], [[0, 1, 3, 6, 4], [0, 1, 3, 5, 4]], [1, 0])
    """

    def __init__(self, root, split: str = "train", num_words: int | None = None,
                 maxlen: int | None = None, padding: str = "pre", truncating: str = "pre",
                 start_char: bool = True, vocab: list[str] | None = None) -> None:
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        root = os.fspath(os.path.expanduser(root))
        base = root if os.path.isdir(os.path.join(root, split, "pos")) \
            else os.path.join(root, "aclImdb")
        missing = [os.path.join(base, split, s) for s in ("pos", "neg")
                   if not os.path.isdir(os.path.join(base, split, s))]
        if missing:
            raise FileNotFoundError(
                f"IMDB {split} split not found: missing {', '.join(missing)}. Expected the "
                f"aclImdb layout (aclImdb/{{train,test}}/{{pos,neg}}/*.txt) under {root}; "
                f"get it from https://ai.stanford.edu/~amaas/data/sentiment/")
        self.root, self.split = base, split
        texts, labels = _read_split(base, split)
        tokens = [tokenize(t) for t in texts]
        if vocab is None:
            train_tokens = tokens if split == "train" \
                else [tokenize(t) for t in _read_split(base, "train")[0]]
            vocab = build_vocab(train_tokens, num_words)
        elif num_words is not None:
            vocab = vocab[: max(0, num_words - INDEX_FROM)]
        self.vocab = list(vocab)
        self.word_index = {w: i + INDEX_FROM for i, w in enumerate(self.vocab)}
        self.sequences = encode(tokens, self.vocab, start_char)
        self.data = Tensor._wrap(pad_sequences(self.sequences, maxlen, padding=padding,
                                               truncating=truncating, value=PAD))
        self.targets = Tensor._wrap(labels)

    @property
    def num_tokens(self) -> int:
        """The embedding size a model needs: the largest id plus one."""
        return len(self.vocab) + INDEX_FROM

    def decode(self, ids) -> str:
        """The words of an id sequence (padding dropped, ``<start>``/``<oov>`` marked)."""
        names = ["<pad>", "<start>", "<oov>", *self.vocab]
        ids = ids.tolist() if hasattr(ids, "tolist") else list(ids)
        return " ".join(names[i] for i in ids if i != PAD)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index):
        return self.data[index], self.targets[index]

    def tensors(self) -> tuple[Tensor, Tensor]:
        """``(data, targets)``: the whole split, ready for :func:`chainrule.train.fit`."""
        return self.data, self.targets
