"""MNIST from the standard IDX files, with optional download and MD5 verification.

The IDX format (LeCun et al.): two zero bytes, a type code (0x08 unsigned byte, 0x09
signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions,
then each dimension as a big-endian uint32, then the data in big-endian C order.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.error
import urllib.request

import numpy as np

from chainrule.tensor import Tensor
from chainrule.utils.data import Dataset

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (plain, or gzip when the name ends in ``.gz``) into an array.

    Raises:
        ValueError: when the header is malformed or the data size does not match it.

    Example:
        >>> import os, tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "t-idx1-ubyte")
        ...     with open(path, "wb") as f:
        ...         _ = f.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
        ...     read_idx(path).tolist()
        [7, 8, 9]
    """
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise ValueError(f"{path}: cannot read IDX data ({e})") from e
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (the magic number must start with two "
                         f"zero bytes; got {raw[:4].hex() or 'an empty file'})")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{path}: unknown IDX data type code 0x{code:02x}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({ndim} dimensions announced)")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[code])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"{path}: header announces shape {dims} ({expected} data bytes) but "
                         f"the file holds {len(raw) - header} data bytes")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return data.astype(dtype.newbyteorder("="))


def write_idx(path, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzip when ``path`` ends in ``.gz``): the inverse of
    :func:`read_idx`, handy for tests and for converting data.

    Example:
        >>> import os, tempfile, numpy as np
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "x-idx3-ubyte.gz")
        ...     write_idx(path, np.arange(8, dtype=np.uint8).reshape(2, 2, 2))
        ...     read_idx(path).shape
        (2, 2, 2)
    """
    array = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in _IDX_TYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise ValueError(f"IDX cannot store dtype {array.dtype}")
    big = _IDX_TYPES[codes[native]]
    header = bytes([0, 0, codes[native], array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    payload = header + np.ascontiguousarray(array, dtype=big).tobytes()
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(payload)


def _md5(path: str) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class MNIST(Dataset):
    """The MNIST handwritten digits (60,000 training and 10,000 test images, 28x28).

    Looks in ``root`` (and in ``root/MNIST/raw``, torchvision's layout) for the four IDX
    files, plain or gzipped: ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``.

    Args:
        root: the directory holding the files (created when downloading).
        train: the training split (else the test split).
        download: fetch missing files from :attr:`mirrors` into ``root``; each file's MD5
            must match :attr:`resources`, and a file is only moved into place (atomically)
            once verified.
        transform: applied to each image tensor in ``__getitem__``.
        target_transform: applied to each label.

    Attributes:
        data: uint8 tensor ``(N, 28, 28)``; targets: int64 tensor ``(N,)``.

    ``ds[i]`` is ``(image, label)`` with ``image`` float32 ``(1, 28, 28)`` in [0, 1] (before
    ``transform``) and ``label`` an int. :meth:`tensors` gives the whole split at once,
    which is what :func:`chainrule.train.fit` wants.

    Example (not run: needs the files)::

        train = MNIST("data/mnist", train=True, download=True)
        X, y = train.tensors()          # (60000, 1, 28, 28) float32, (60000,) int64
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = [f"{d} - {name}" for d, name in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])]
    timeout = 30.0

    def __init__(self, root, train: bool = True, download: bool = False, transform=None,
                 target_transform=None) -> None:
        self.root = os.fspath(os.path.expanduser(root))
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        if download:
            self.download()
        images_path, labels_path = self._locate()
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.ndim != 3:
            raise ValueError(f"{images_path}: expected images of shape (N, rows, cols), got "
                             f"{images.shape}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise ValueError(f"{labels_path}: expected {len(images)} labels for the images in "
                             f"{images_path}, got shape {labels.shape}")
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            raise ValueError(f"{labels_path}: labels must lie in 0..9")
        self.data = Tensor._wrap(np.ascontiguousarray(images.astype(np.uint8, copy=False)))
        self.targets = Tensor._wrap(labels.astype(np.int64))

    @property
    def _prefix(self) -> str:
        return "train" if self.train else "t10k"

    @classmethod
    def required_files(cls, train: bool | None = None) -> list[str]:
        """The file names looked for (without ``.gz``); both splits when ``train`` is None."""
        prefixes = ["train", "t10k"] if train is None else ["train" if train else "t10k"]
        return [f"{p}-{kind}" for p in prefixes
                for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")]

    def _search_dirs(self) -> list[str]:
        return [self.root, os.path.join(self.root, "MNIST", "raw")]

    def _locate(self) -> tuple[str, str]:
        found = []
        for name in self.required_files(self.train):
            candidates = [os.path.join(d, name + ext) for d in self._search_dirs()
                          for ext in ("", ".gz")]
            hit = next((c for c in candidates if os.path.isfile(c)), None)
            if hit is None:
                raise FileNotFoundError(self._missing_message())
            found.append(hit)
        return found[0], found[1]

    def _missing_message(self) -> str:
        names = ", ".join(self.required_files(self.train))
        return (f"MNIST {'training' if self.train else 'test'} files not found in "
                f"{os.path.abspath(self.root)} (also looked in "
                f"{os.path.join(self.root, 'MNIST', 'raw')}). Expected: {names} "
                f"(each plain or with .gz). Pass download=True to fetch them from "
                f"{self.mirrors[0]}, or copy them there.")

    def download(self) -> None:
        """Fetch every file of :attr:`resources` not already present and verified."""
        os.makedirs(self.root, exist_ok=True)
        for filename, md5 in self.resources:
            target = os.path.join(self.root, filename)
            if os.path.isfile(target) and _md5(target) == md5:
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    self._fetch(mirror.rstrip("/") + "/" + filename, target, md5)
                    break
                except (OSError, ValueError, urllib.error.URLError) as e:
                    errors.append(f"{mirror}: {e}")
            else:
                raise RuntimeError(f"could not download {filename} into {self.root}:\n  "
                                   + "\n  ".join(errors))

    def _fetch(self, url: str, target: str, md5: str) -> None:
        # Stream into a temporary file beside the target, check the digest, then rename:
        # a reader never sees a partial or corrupt file under the final name.
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".",
                                   suffix=".part", dir=os.path.dirname(target))
        try:
            h = hashlib.md5()
            with os.fdopen(fd, "wb") as out, \
                    urllib.request.urlopen(url, timeout=self.timeout) as response:
                for chunk in iter(lambda: response.read(1 << 16), b""):
                    h.update(chunk)
                    out.write(chunk)
            if h.hexdigest() != md5:
                raise ValueError(f"MD5 mismatch for {url}: expected {md5}, got "
                                 f"{h.hexdigest()}")
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index):
        image = Tensor._wrap(self.data._data[index][None].astype(np.float32) / np.float32(255))
        target = int(self.targets._data[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def tensors(self) -> tuple[Tensor, Tensor]:
        """The whole split: images float32 ``(N, 1, 28, 28)`` in [0, 1], labels int64."""
        images = self.data._data[:, None].astype(np.float32) / np.float32(255)
        return Tensor._wrap(images), self.targets

    def __repr__(self) -> str:
        return (f"MNIST(split={'train' if self.train else 'test'}, samples={len(self)}, "
                f"root={self.root!r})")
