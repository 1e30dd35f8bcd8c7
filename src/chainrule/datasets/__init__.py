"""Datasets: the embedded 8x8 ``digits``, ``MNIST`` from IDX files, ``IMDB`` reviews and a
synthetic sentiment corpus that runs offline.

Example:
    >>> from chainrule.datasets import digits, train_test_split
    >>> X, y = digits()
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    >>> len(X_train), len(X_test)
    (1438, 359)
"""

from chainrule.datasets.digits import digits, train_test_split
from chainrule.datasets.imdb import IMDB, build_vocab, encode, pad_sequences, tokenize
from chainrule.datasets.mnist import MNIST, read_idx, write_idx
from chainrule.datasets.synthetic_text import SyntheticSentiment, synthetic_sentiment

__all__ = [
    "digits", "train_test_split", "MNIST", "read_idx", "write_idx", "IMDB", "tokenize",
    "build_vocab", "encode", "pad_sequences", "synthetic_sentiment", "SyntheticSentiment",
]
