"""chainrule.datasets: IDX parsing, MNIST files and download, IMDB layout, synthetic text,
digits. Every file used here is written by the test itself."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import os
import threading

import numpy as np
import pytest

import chainrule as cr
from chainrule.datasets import (
    IMDB,
    MNIST,
    build_vocab,
    digits,
    encode,
    pad_sequences,
    read_idx,
    synthetic_sentiment,
    tokenize,
    train_test_split,
    write_idx,
)

# --------------------------------------------------------------------------- IDX / MNIST


def _mnist_arrays(n, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    return images, labels


def _write_mnist(root, n_train=12, n_test=5, gz=False):
    ext = ".gz" if gz else ""
    train, test = _mnist_arrays(n_train, 0), _mnist_arrays(n_test, 1)
    write_idx(os.path.join(root, "train-images-idx3-ubyte" + ext), train[0])
    write_idx(os.path.join(root, "train-labels-idx1-ubyte" + ext), train[1])
    write_idx(os.path.join(root, "t10k-images-idx3-ubyte" + ext), test[0])
    write_idx(os.path.join(root, "t10k-labels-idx1-ubyte" + ext), test[1])
    return train, test


def _idx_bytes_by_hand(array: np.ndarray) -> bytes:
    """The IDX encoding written out independently of write_idx (uint8 data only)."""
    header = bytes([0, 0, 0x08, array.ndim])
    for d in array.shape:
        header += int(d).to_bytes(4, "big")
    return header + array.astype(np.uint8).tobytes()


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_parses_hand_written_files(tmp_path, gz):
    images, labels = _mnist_arrays(7)
    for name, arr in (("img-idx3-ubyte", images), ("lab-idx1-ubyte", labels)):
        data = _idx_bytes_by_hand(arr)
        path = tmp_path / (name + (".gz" if gz else ""))
        path.write_bytes(gzip.compress(data) if gz else data)
        out = read_idx(path)
        assert out.shape == arr.shape and out.dtype == np.uint8
        np.testing.assert_array_equal(out, arr)


def test_read_idx_other_dtypes_roundtrip(tmp_path):
    for arr in (np.arange(6, dtype=np.int32).reshape(2, 3) - 3,
                np.linspace(-1, 1, 8, dtype=np.float32), np.arange(4, dtype=np.int16)):
        path = tmp_path / "x.idx"
        write_idx(path, arr)
        np.testing.assert_array_equal(read_idx(path), arr)
        # Stored big-endian, as the format requires.
        assert path.read_bytes()[4:8] == int(arr.shape[0]).to_bytes(4, "big")


@pytest.mark.parametrize("payload,match", [
    (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "two zero bytes"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "type code"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x02", "truncated"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x05", "3 data bytes|1 data bytes"),
])
def test_read_idx_rejects_malformed_files(tmp_path, payload, match):
    path = tmp_path / "bad-idx"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match=match):
        read_idx(path)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_plain_and_gzip(tmp_path, gz):
    (train_x, train_y), (test_x, test_y) = _write_mnist(tmp_path, gz=gz)
    ds = MNIST(tmp_path, train=True)
    assert len(ds) == 12 and ds.data.dtype == cr.uint8 and ds.targets.dtype == cr.int64
    np.testing.assert_array_equal(ds.data.numpy(), train_x)
    np.testing.assert_array_equal(ds.targets.numpy(), train_y)
    image, label = ds[3]
    assert tuple(image.shape) == (1, 28, 28) and image.dtype == cr.float32
    np.testing.assert_allclose(image.numpy()[0], train_x[3] / 255.0, rtol=1e-6)
    assert label == int(train_y[3])
    X, y = MNIST(tmp_path, train=False).tensors()
    assert tuple(X.shape) == (5, 1, 28, 28) and float(X.max()) <= 1.0
    np.testing.assert_array_equal(y.numpy(), test_y)


def test_mnist_torchvision_layout_and_transform(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    _write_mnist(raw, gz=True)
    ds = MNIST(tmp_path, train=True, transform=lambda t: t * 2, target_transform=str)
    image, label = ds[0]
    assert float(image.max()) > 1.0 and isinstance(label, str)


def test_mnist_missing_files_error_names_files_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        MNIST(tmp_path / "nowhere", train=True)
    message = str(info.value)
    assert "train-images-idx3-ubyte" in message and "train-labels-idx1-ubyte" in message
    assert str(tmp_path / "nowhere") in message and "download=True" in message


def test_mnist_rejects_mismatched_labels(tmp_path):
    _write_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="expected 12 labels"):
        MNIST(tmp_path)


# --------------------------------------------------------------------------- download


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_root(tmp_path):
    """A directory served over HTTP on 127.0.0.1; yields (directory, base URL)."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _served_mnist_class(served, urls, corrupt_md5=None):
    _write_mnist(served, gz=True)
    resources = []
    for name in sorted(os.listdir(served)):
        md5 = hashlib.md5((served / name).read_bytes()).hexdigest()
        resources.append((name, "0" * 32 if name == corrupt_md5 else md5))

    class LocalMNIST(MNIST):
        mirrors = urls
        timeout = 10.0

    LocalMNIST.resources = resources
    return LocalMNIST


def test_mnist_download_verifies_checksums(http_root, tmp_path):
    served, url = http_root
    cls = _served_mnist_class(served, ["http://127.0.0.1:9/unreachable/", url])
    root = tmp_path / "data"
    ds = cls(root, train=True, download=True)  # the first mirror fails, the second serves
    assert len(ds) == 12
    assert sorted(os.listdir(root)) == sorted(os.listdir(served))
    for name in os.listdir(root):
        assert (root / name).read_bytes() == (served / name).read_bytes()
    assert len(cls(root, train=False, download=True)) == 5  # already there: nothing fetched


def test_mnist_download_bad_checksum_leaves_no_file(http_root, tmp_path):
    served, url = http_root
    bad = "train-labels-idx1-ubyte.gz"
    cls = _served_mnist_class(served, [url], corrupt_md5=bad)
    root = tmp_path / "data"
    with pytest.raises(RuntimeError, match="MD5 mismatch") as info:
        cls(root, train=True, download=True)
    assert bad in str(info.value)
    left = os.listdir(root)
    assert bad not in left and not [f for f in left if f.endswith(".part")]


# --------------------------------------------------------------------------- IMDB


def _write_imdb(root):
    reviews = {
        ("train", "pos"): ["A great movie.<br /><br />Great acting!", "Great fun, great cast"],
        ("train", "neg"): ["A dull movie. Dull, dull, DULL.", "Not great; boring"],
        ("test", "pos"): ["great great movie", "an unseen word"],
        ("test", "neg"): ["boring and dull"],
    }
    for (split, sub), texts in reviews.items():
        folder = root / "aclImdb" / split / sub
        folder.mkdir(parents=True)
        for i, text in enumerate(texts):
            (folder / f"{i}_5.txt").write_text(text)
        (folder / "notes.md").write_text("ignored: not a .txt review")


def test_tokenize_lowercases_and_strips_breaks():
    assert tokenize("Good<br />BAD<br/>it's  OK!") == ["good", "bad", "it's", "ok"]


def test_build_vocab_orders_by_frequency_then_alphabet_and_caps():
    tokens = [["b", "c", "c"], ["a", "c", "b"], ["d"]]
    assert build_vocab(tokens) == ["c", "b", "a", "d"]
    assert build_vocab(tokens, num_words=5) == ["c", "b"]  # ids 3 and 4 stay below 5


def test_imdb_layout_vocab_and_padding(tmp_path):
    _write_imdb(tmp_path)
    train = IMDB(tmp_path, "train", maxlen=6)
    # counts on the training split: great 5, dull 4, a 2, movie 2, then ones alphabetically
    assert train.vocab[:4] == ["great", "dull", "a", "movie"]
    assert train.word_index["great"] == 3 and train.num_tokens == len(train.vocab) + 3
    assert train.targets.tolist() == [1, 1, 0, 0]
    assert tuple(train.data.shape) == (4, 6)
    first = train.data[0].tolist()  # "a great movie great acting" -> start + 5 words
    assert first == [1, 5, 3, 6, 3, train.word_index["acting"]]
    assert train.decode(train.data[0]).startswith("<start> a great movie")

    capped = IMDB(tmp_path / "aclImdb", "train", num_words=5, maxlen=4, padding="post",
                  truncating="post")
    assert capped.vocab == ["great", "dull"]
    assert capped.data[2].tolist() == [1, 2, 4, 2]  # a -> oov, dull -> 4, movie -> oov

    test = IMDB(tmp_path, "test", maxlen=4, vocab=train.vocab)
    assert test.targets.tolist() == [1, 1, 0]
    assert test.data[1].tolist() == [1, 2, 2, 2]  # "an unseen word": all out of vocabulary
    assert test.data[2].tolist()[-1] == train.word_index["dull"]
    assert IMDB(tmp_path, "test", maxlen=4).vocab == train.vocab  # built from train


def test_imdb_missing_folder_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="aclImdb"):
        IMDB(tmp_path)


def test_pad_sequences_like_keras():
    seqs = [[1, 2, 3, 4], [5], [], [6, 7]]
    assert pad_sequences(seqs, maxlen=3).tolist() == [[2, 3, 4], [0, 0, 5], [0, 0, 0],
                                                       [0, 6, 7]]
    assert pad_sequences(seqs, maxlen=3, padding="post", truncating="post",
                         value=-1).tolist() == [[1, 2, 3], [5, -1, -1], [-1, -1, -1],
                                                [6, 7, -1]]
    assert pad_sequences(seqs).shape == (4, 4)
    with pytest.raises(ValueError):
        pad_sequences(seqs, padding="middle")


def test_encode_maps_unknown_words_to_oov():
    assert [a.tolist() for a in encode([["x", "b"], []], ["a", "b"], start_char=False)] == \
        [[2, 4], []]


# --------------------------------------------------------------------------- synthetic text


def test_synthetic_corpus_is_deterministic_and_order_dependent():
    a, b = synthetic_sentiment(n=500, seed=3), synthetic_sentiment(n=500, seed=3)
    np.testing.assert_array_equal(a.sequences, b.sequences)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(synthetic_sentiment(n=500, seed=4).sequences, a.sequences)
    assert a.sequences.dtype == np.int64 and set(np.unique(a.labels)) == {0, 1}
    # Pre-padded: zeros only before the words.
    lengths = (a.sequences != 0).sum(axis=1)
    np.testing.assert_array_equal(lengths, a.lengths)
    width = a.sequences.shape[1]
    assert (a.sequences[np.arange(width) < (width - lengths)[:, None]] == 0).all()
    # Labels follow the rules: check them on the text.
    for i in range(60):
        words = a.decode(i).split()
        last = words[words.index("but") + 1:] if "but" in words else words
        adjective = next(w for w in reversed(last) if w in a.vocab[2:18])
        positive = a.vocab.index(adjective) < 10
        negated = any(n in last for n in ("not", "hardly", "never"))
        assert a.labels[i] == int(positive != negated), a.decode(i)


def test_synthetic_corpus_defeats_bag_of_words():
    # The same multiset of words occurs with both labels (order decides): a sentence and
    # its clauses swapped around "but" have opposite labels.
    c = synthetic_sentiment(n=2000, seed=0)
    assert c.contrast.mean() > 0.2 and c.negated.mean() > 0.3
    counts = np.zeros((len(c), c.num_tokens), np.int64)
    np.add.at(counts, (np.repeat(np.arange(len(c)), c.sequences.shape[1]),
                       c.sequences.ravel()), 1)
    from sklearn.linear_model import LogisticRegression

    half = len(c) // 2
    clf = LogisticRegression(max_iter=2000).fit(counts[:half], c.labels[:half])
    assert clf.score(counts[half:], c.labels[half:]) < 0.9


# --------------------------------------------------------------------------- digits


def test_digits_shapes_dtypes_and_range():
    X, y = digits()
    assert tuple(X.shape) == (1797, 1, 8, 8) and X.dtype == cr.float32
    assert y.dtype == cr.int64 and sorted(set(y.tolist())) == list(range(10))
    assert float(X.min()) == 0.0 and float(X.max()) == 1.0
    Xn, yn = digits(return_tensors=False)
    assert isinstance(Xn, np.ndarray) and Xn.dtype == np.float32 and yn.dtype == np.int64


def test_train_test_split_is_stratified_and_deterministic():
    X, y = digits()
    parts = train_test_split(X, y, test_size=0.2, seed=0)
    again = train_test_split(X, y, test_size=0.2, seed=0)
    for p, q in zip(parts, again):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    X_tr, X_te, y_tr, y_te = parts
    assert len(X_tr) + len(X_te) == 1797 and len(X_te) == round(0.2 * 1797)
    full = np.bincount(y.numpy()) / 1797
    np.testing.assert_allclose(np.bincount(y_te.numpy()) / len(y_te), full, atol=0.01)
    # Disjoint and complete: every image lands in exactly one part.
    rows = np.concatenate([X_tr.numpy(), X_te.numpy()]).reshape(1797, -1)
    assert len(np.unique(rows, axis=0)) == len(np.unique(X.numpy().reshape(1797, -1), axis=0))
    other = train_test_split(X, y, test_size=0.2, seed=1)[3]
    assert not np.array_equal(other.numpy(), y_te.numpy())
    with pytest.raises(ValueError):
        train_test_split(X, y, test_size=0.0)
