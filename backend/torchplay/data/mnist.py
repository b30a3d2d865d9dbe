"""MNIST and Fashion-MNIST: downloaded once from their mirrors, verified, cached, parsed.

The cache is `data_dir/datasets/<name>/` holding the four files under their canonical
`.gz` names. Files are checked by SHA-256 when they are downloaded or imported and again
the first time a process reads them, so a folder filled by hand is checked too.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from torchplay.data.base import DatasetUnavailable, LoadedDataset
from torchplay.data.idx import GZIP_MAGIC, IdxError, decompress, parse_idx
from torchplay.data.split import check_fraction, to_loaded

# The largest file, MNIST's training images, is 9.9 MB compressed and 47 MB uncompressed.
_MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024


class ChecksumError(ValueError):
    """A file's SHA-256 matches none of the known digests: damaged or not the right file."""


@dataclass(frozen=True)
class IdxFile:
    """One of the four files, with every SHA-256 digest it may have.

    A digest may be of the compressed file as the mirror serves it, or of the uncompressed
    IDX content: other gzip settings give other `.gz` bytes for the same content."""

    name: str  # canonical name in the cache, e.g. "train-images-idx3-ubyte.gz"
    sha256: frozenset[str]

    @property
    def uncompressed_names(self) -> tuple[str, ...]:
        """Names an uncompressed copy goes by: the canonical one and LeCun's dotted one."""
        stem = self.name.removesuffix(".gz")
        return stem, stem.replace("-idx", ".idx")


@dataclass(frozen=True)
class IdxSource:
    """An MNIST-like dataset: where to get it, how to check it, how to normalise it."""

    name: str
    title: str
    mirrors: tuple[str, ...]  # base URLs ending in "/", tried in order
    train_images: IdxFile
    train_labels: IdxFile
    test_images: IdxFile
    test_labels: IdxFile
    classes: tuple[str, ...]
    mean: float  # of the training pixels scaled to [0, 1]; inputs are (x - mean) / std
    std: float

    @property
    def files(self) -> tuple[IdxFile, IdxFile, IdxFile, IdxFile]:
        return self.train_images, self.train_labels, self.test_images, self.test_labels


def _file(name: str, *digests: str) -> IdxFile:
    return IdxFile(name, frozenset(digests))


MNIST = IdxSource(
    name="mnist",
    title="MNIST",
    mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    # Each: the mirrors' .gz digest, then the uncompressed content's.
    train_images=_file(
        "train-images-idx3-ubyte.gz",
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    train_labels=_file(
        "train-labels-idx1-ubyte.gz",
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    test_images=_file(
        "t10k-images-idx3-ubyte.gz",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    test_labels=_file(
        "t10k-labels-idx1-ubyte.gz",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
    classes=tuple(str(digit) for digit in range(10)),
    mean=0.1307,
    std=0.3081,
)

FASHION_MNIST = IdxSource(
    name="fashion-mnist",
    title="Fashion-MNIST",
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    # Only the mirror's .gz digests are published: a copy must be those very .gz files.
    train_images=_file(
        "train-images-idx3-ubyte.gz",
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    ),
    train_labels=_file(
        "train-labels-idx1-ubyte.gz",
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    ),
    test_images=_file(
        "t10k-images-idx3-ubyte.gz",
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    ),
    test_labels=_file(
        "t10k-labels-idx1-ubyte.gz",
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    ),
    classes=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    mean=0.2860,
    std=0.3530,
)

SOURCES: dict[str, IdxSource] = {source.name: source for source in (MNIST, FASHION_MNIST)}


def cache_dir(source: IdxSource, data_dir: Path) -> Path:
    return data_dir / "datasets" / source.name


def verify(data: bytes, file: IdxFile) -> bytes:
    """The uncompressed IDX bytes of `data` (compressed or not), if a digest matches."""
    if hashlib.sha256(data).hexdigest() in file.sha256:
        return decompress(data)
    content = decompress(data)
    if content is not data and hashlib.sha256(content).hexdigest() in file.sha256:
        return content
    raise ChecksumError(f"{file.name}: SHA-256 matches none of the known digests")


def _write_atomically(path: Path, data: bytes) -> None:
    # Two jobs may fetch the same file at once; each renames a whole file into place.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is for every user of the folder
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fetch(url: str, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        data = response.read(_MAX_DOWNLOAD_BYTES + 1)
    if len(data) > _MAX_DOWNLOAD_BYTES:
        raise ValueError(f"more than {_MAX_DOWNLOAD_BYTES} bytes")
    return data


def _how_to_fix(source: IdxSource, data_dir: Path) -> str:
    names = ", ".join(file.name for file in source.files)
    return (
        f"To use {source.title} without internet, put its four files ({names}) in a folder "
        f"and run `torchplay datasets import {source.name} DIR`, or set TORCHPLAY_DATA_DIR "
        f"to a data folder whose datasets/{source.name}/ holds them "
        f"(now looking in {cache_dir(source, data_dir)})."
    )


def download(source: IdxSource, data_dir: Path, timeout: float = 30.0) -> Path:
    """Fetch the files missing from the cache, trying each mirror; returns the cache folder.

    Raises `DatasetUnavailable` naming every failed attempt and how to get the files in."""
    folder = cache_dir(source, data_dir)
    for file in source.files:
        path = folder / file.name
        if path.exists():
            continue
        failures = []
        for mirror in source.mirrors:
            url = mirror + file.name
            try:
                data = _fetch(url, timeout)
                verify(data, file)
            except (OSError, ValueError) as error:  # URLError, timeouts, checksum, size
                failures.append(f"{url}: {getattr(error, 'reason', error)}")
                continue
            _write_atomically(path, data)
            break
        else:
            raise DatasetUnavailable(
                f"Could not download {source.title}: {'; '.join(failures)}. " + _how_to_fix(source, data_dir)
            )
    return folder


def import_files(source: IdxSource, source_dir: Path, data_dir: Path) -> Path:
    """Copy the four files from a local folder into the cache, verifying each.

    A file may be the canonical `.gz` or uncompressed (under its canonical or dotted name);
    uncompressed ones are stored gzip-compressed. Returns the cache folder."""
    found: list[tuple[IdxFile, bytes]] = []
    for file in source.files:
        candidates = [source_dir / name for name in (file.name, *file.uncompressed_names)]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            raise FileNotFoundError(
                f"{source_dir} has no {file.name} (nor an uncompressed {' or '.join(file.uncompressed_names)})"
            )
        data = path.read_bytes()
        try:
            verify(data, file)
        except ChecksumError:
            raise ChecksumError(
                f"{path} is not {source.title}'s {file.name}: its SHA-256 matches none of the known digests"
            ) from None
        found.append((file, data))
    _check_shapes(source, *(parse_idx(decompress(data)) for _file, data in found))
    folder = cache_dir(source, data_dir)
    for file, data in found:
        # mtime=0: the same content always compresses to the same bytes.
        packed = data if data[:2] == GZIP_MAGIC else gzip.compress(data, mtime=0)
        _write_atomically(folder / file.name, packed)
    return folder


def import_idx_dataset(name: str, source_dir: Path, data_dir: Path) -> Path:
    """`torchplay datasets import NAME DIR`: see `import_files`. ValueError for an unknown
    name, FileNotFoundError for a missing file, ChecksumError or IdxError for a wrong one."""
    if name not in SOURCES:
        raise ValueError(f"unknown dataset {name!r}; importable: {', '.join(SOURCES)}")
    return import_files(SOURCES[name], source_dir, data_dir)


def _check_shapes(
    source: IdxSource,
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
) -> None:
    for images, labels, split in (
        (train_images, train_labels, "training"),
        (test_images, test_labels, "test"),
    ):
        if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
            raise IdxError(f"{source.title} {split} images must be n × 28 × 28 bytes")
        if labels.shape != (len(images),):
            raise IdxError(f"{source.title} {split} labels must be one per image")
        if labels.size and labels.max() >= len(source.classes):
            raise IdxError(f"{source.title} {split} labels must be below {len(source.classes)}")


@functools.lru_cache(maxsize=8)
def _read_verified(path: Path, file: IdxFile, _mtime_ns: int, _size: int) -> np.ndarray:
    # Keyed by mtime and size so a replaced file is read (and checked) again.
    try:
        array = parse_idx(verify(path.read_bytes(), file))
    except ValueError as error:  # ChecksumError, IdxError
        raise DatasetUnavailable(f"{path} is damaged ({error}); delete it to download it again.") from error
    array.flags.writeable = False  # shared by every caller in this process
    return array


def read_arrays(
    source: IdxSource, data_dir: Path, timeout: float = 30.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train images, train labels, test images, test labels) as uint8 arrays, downloading
    whatever the cache lacks. Cached per process, so read-only."""
    folder = download(source, data_dir, timeout)
    arrays = []
    for file in source.files:
        stat = (folder / file.name).stat()
        arrays.append(_read_verified(folder / file.name, file, stat.st_mtime_ns, stat.st_size))
    train_images, train_labels, test_images, test_labels = arrays
    try:
        _check_shapes(source, train_images, train_labels, test_images, test_labels)
    except IdxError as error:
        raise DatasetUnavailable(str(error)) from error
    return train_images, train_labels, test_images, test_labels


def normalise(source: IdxSource, images: np.ndarray) -> np.ndarray:
    """uint8 images (n, 28, 28) → float32 model inputs (n, 1, 28, 28): (x/255 - mean) / std."""
    x = np.empty((len(images), 1, 28, 28), dtype=np.float32)
    # Written straight into float32, in place: no float64 temporaries of 60 000 images.
    np.multiply(images[:, None], np.float32(1 / (255 * source.std)), out=x)
    x -= np.float32(source.mean / source.std)
    return x


def load(source: IdxSource, data_dir: Path, test_fraction: float) -> LoadedDataset:
    """The official split, in the files' order: the 60 000 training images, and as test set
    the 10 000 test images whenever `test_fraction` > 0 (its value is otherwise ignored)
    or none when it is 0."""
    check_fraction(test_fraction)
    train_images, train_labels, test_images, test_labels = read_arrays(source, data_dir)
    if test_fraction == 0:
        test_images, test_labels = test_images[:0], test_labels[:0]
    return to_loaded(
        (normalise(source, train_images), train_labels),
        (normalise(source, test_images), test_labels),
        task="classification",
        classes=list(source.classes),
        extras={"normalization": {"mean": source.mean, "std": source.std}},
    )
