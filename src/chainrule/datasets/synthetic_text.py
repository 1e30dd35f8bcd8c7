"""A seeded synthetic sentiment corpus whose labels depend on word order.

Every sentence is built from slots: an optional opener, then a clause
``determiner noun verb [negator] [intensifier] adjective``, optionally preceded by a
contrasting clause and ``but``, then an optional closer::

    honestly the plot was not very good            -> negative
    the acting seems hardly bad                    -> positive
    the film was great but the ending felt dull    -> negative
    this script is not awful but the cast was bad  -> negative

The label is the sentiment of the *last* clause: the adjective's polarity, flipped by a
negator (``not``, ``hardly``, ``never``) in front of it. In a ``but`` sentence the first
clause always has the opposite sentiment, so the same bag of words occurs with both
labels and a model has to read the order: a bag-of-words classifier stays well below
what a recurrent network reaches.

Generation is vectorized: one array of slot choices per slot, then the present slots of
each row are packed to the right (pre-padding, so a recurrent network's final state sits
right after the last word).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chainrule.tensor import Tensor

POSITIVE = ["good", "great", "excellent", "wonderful", "superb", "lovely", "brilliant",
            "enjoyable"]
NEGATIVE = ["bad", "awful", "terrible", "boring", "dreadful", "poor", "dull", "horrible"]
NEGATORS = ["not", "hardly", "never"]
INTENSIFIERS = ["very", "really", "extremely", "quite", "truly"]
DETERMINERS = ["the", "this", "that"]
NOUNS = ["movie", "film", "plot", "acting", "story", "ending", "cast", "soundtrack", "script",
         "director"]
VERBS = ["is", "was", "seems", "felt", "looks"]
OPENERS = ["honestly", "overall", "frankly", "well", "basically", "actually"]
CLOSERS = ["today", "indeed", "again", "throughout", "somehow", "mostly"]

VOCAB = ["<pad>", "but", *POSITIVE, *NEGATIVE, *NEGATORS, *INTENSIFIERS, *DETERMINERS, *NOUNS,
         *VERBS, *OPENERS, *CLOSERS]
"""The vocabulary: ``VOCAB[i]`` is the word with id ``i``; id 0 is padding."""

_ID = {w: i for i, w in enumerate(VOCAB)}


def _ids(words: list[str]) -> np.ndarray:
    return np.array([_ID[w] for w in words], dtype=np.int64)


@dataclass
class SyntheticSentiment:
    """The corpus: ``sequences`` ``(N, maxlen)`` int64 ids (pre-padded with 0),
    ``lengths`` ``(N,)``, ``labels`` ``(N,)`` (1 = positive), ``vocab`` (id -> word),
    ``negated`` and ``contrast`` flags ``(N,)`` describing each sentence."""

    sequences: np.ndarray
    lengths: np.ndarray
    labels: np.ndarray
    vocab: list[str]
    negated: np.ndarray
    contrast: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_tokens(self) -> int:
        return len(self.vocab)

    def decode(self, index: int) -> str:
        """Sentence ``index`` as text."""
        row = self.sequences[index]
        return " ".join(self.vocab[i] for i in row[row != 0])

    def tensors(self) -> tuple[Tensor, Tensor]:
        """``(sequences, labels)`` as chainrule tensors."""
        return Tensor._wrap(self.sequences), Tensor._wrap(self.labels)


def synthetic_sentiment(n: int = 4000, seed: int = 0, negation: float = 0.5,
                        contrast: float = 0.35, intensifier: float = 0.35,
                        filler: float = 0.3) -> SyntheticSentiment:
    """Generate ``n`` labelled sentences (see the module docstring for the grammar).

    Args:
        n: number of sentences.
        seed: the seed; the same seed gives the same corpus.
        negation: probability that a clause's adjective is negated.
        contrast: probability of a ``<clause> but <clause>`` sentence.
        intensifier: probability of an intensifier before the adjective.
        filler: probability of an opener, and separately of a closer.

    Example:
        >>> c = synthetic_sentiment(n=6, seed=1)
        >>> c.sequences.shape[0], c.labels.dtype, c.vocab[0]
        (6, dtype('int64'), '<pad>')
        >>> bool((synthetic_sentiment(n=6, seed=1).sequences == c.sequences).all())
        True
    """
    rng = np.random.default_rng(seed)

    def pick(words, size=n):
        return _ids(words)[rng.integers(0, len(words), size)]

    def clause(label):
        """Slots of one clause whose sentiment is ``label``, and whether it is negated."""
        negated = rng.random(n) < negation
        positive_word = label.astype(bool) ^ negated
        adjective = np.where(positive_word, pick(POSITIVE), pick(NEGATIVE))
        slots = [pick(DETERMINERS), pick(NOUNS), pick(VERBS), pick(NEGATORS),
                 pick(INTENSIFIERS), adjective]
        present = [np.ones(n, bool)] * 3 + [negated, rng.random(n) < intensifier,
                                            np.ones(n, bool)]
        return slots, present, negated

    labels = rng.integers(0, 2, n).astype(np.int64)
    has_contrast = rng.random(n) < contrast
    first, first_present, _ = clause(1 - labels)
    last, last_present, negated = clause(labels)
    first_present = [p & has_contrast for p in first_present]

    columns = [pick(OPENERS), *first, np.full(n, _ID["but"]), *last, pick(CLOSERS)]
    present = [rng.random(n) < filler, *first_present, has_contrast, *last_present,
               rng.random(n) < filler]
    tokens = np.stack(columns, axis=1)
    mask = np.stack(present, axis=1)

    # Pack each row's present tokens to the right, keeping their order: sorting the mask
    # (stable) moves absent slots first; absent slots become padding.
    order = np.argsort(mask, axis=1, kind="stable")
    packed = np.take_along_axis(tokens, order, axis=1)
    packed[~np.take_along_axis(mask, order, axis=1)] = 0
    lengths = mask.sum(axis=1)
    width = int(lengths.max())
    return SyntheticSentiment(sequences=np.ascontiguousarray(packed[:, -width:]),
                              lengths=lengths.astype(np.int64), labels=labels,
                              vocab=list(VOCAB), negated=negated, contrast=has_contrast)
