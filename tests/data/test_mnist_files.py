import dataclasses
import gzip
import hashlib
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import torch

from torchplay.data import DatasetUnavailable, import_idx_dataset, load_dataset
from torchplay.data.idx import write_idx
from torchplay.data.mnist import (
    MNIST,
    ChecksumError,
    IdxFile,
    IdxSource,
    download,
    import_files,
    load,
    verify,
)

SHARED_MNIST = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "mnist"
NAMES = [file.name for file in MNIST.files]


def tiny_arrays() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [
        rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        np.array([0, 1, 2, 3, 9], dtype=np.uint8),
        rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        np.array([4, 5, 6], dtype=np.uint8),
    ]


def write_files(folder: Path, compress: bool = True) -> dict[str, bytes]:
    """The tiny set under its canonical names; returns each file's bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, array in zip(NAMES, tiny_arrays(), strict=True):
        data = write_idx(array)
        if compress:
            data = gzip.compress(data, mtime=0)
        else:
            name = name.removesuffix(".gz").replace("-idx", ".idx")  # LeCun's spelling
        (folder / name).write_bytes(data)
        written[name] = data
    return written


def tiny_source(mirrors: tuple[str, ...] = ()) -> IdxSource:
    """MNIST's shape and normalisation, with the digests of the tiny files' content."""
    files = [
        IdxFile(name, frozenset({hashlib.sha256(write_idx(array)).hexdigest()}))
        for name, array in zip(NAMES, tiny_arrays(), strict=True)
    ]
    return dataclasses.replace(
        MNIST,
        name="tiny",
        mirrors=mirrors,
        **dict(zip(["train_images", "train_labels", "test_images", "test_labels"], files, strict=True)),
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on a free port serving a folder: (base URL, folder)."""
    root = tmp_path / "mirror"
    root.mkdir()

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", root
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_verify_accepts_compressed_or_content_digest() -> None:
    content = write_idx(np.zeros(3, dtype=np.uint8))
    packed = gzip.compress(content, mtime=0)
    by_content = IdxFile("x.gz", frozenset({hashlib.sha256(content).hexdigest()}))
    by_archive = IdxFile("x.gz", frozenset({hashlib.sha256(packed).hexdigest()}))
    assert verify(packed, by_content) == content
    assert verify(gzip.compress(content, compresslevel=1), by_content) == content
    assert verify(packed, by_archive) == content
    with pytest.raises(ChecksumError, match=r"x\.gz"):
        verify(gzip.compress(content, compresslevel=1), by_archive)
    with pytest.raises(ChecksumError):
        verify(content + b"\x00", by_content)


def test_import_then_load_the_official_split(tmp_path: Path) -> None:
    write_files(tmp_path / "in")
    source = tiny_source()
    folder = import_files(source, tmp_path / "in", tmp_path / "data")
    assert folder == tmp_path / "data" / "datasets" / "tiny"
    assert sorted(p.name for p in folder.iterdir()) == sorted(NAMES)

    loaded = load(source, tmp_path / "data", test_fraction=0.3)
    train_images, train_labels, test_images, _ = tiny_arrays()
    assert loaded.x_train.shape == (5, 1, 28, 28) and loaded.x_train.dtype == torch.float32
    assert loaded.x_test.shape == (3, 1, 28, 28)
    assert loaded.y_train.tolist() == train_labels.tolist() and loaded.y_train.dtype == torch.int64
    expected = (train_images[:, None] / 255.0 - 0.1307) / 0.3081
    assert np.allclose(loaded.x_train.numpy(), expected, atol=1e-5)
    assert np.allclose(loaded.x_test.numpy(), (test_images[:, None] / 255 - 0.1307) / 0.3081, atol=1e-5)
    assert loaded.classes == [str(d) for d in range(10)]

    without_test = load(source, tmp_path / "data", test_fraction=0.0)
    assert without_test.x_test.shape == (0, 1, 28, 28) and without_test.y_test.shape == (0,)


def test_import_uncompressed_files_stores_gzip(tmp_path: Path) -> None:
    write_files(tmp_path / "in", compress=False)
    folder = import_files(tiny_source(), tmp_path / "in", tmp_path / "data")
    assert all((folder / name).read_bytes()[:2] == b"\x1f\x8b" for name in NAMES)
    assert load(tiny_source(), tmp_path / "data", 0.2).x_test.shape[0] == 3


def test_import_refuses_wrong_or_missing_files_and_writes_nothing(tmp_path: Path) -> None:
    written = write_files(tmp_path / "in")
    (tmp_path / "in" / NAMES[3]).write_bytes(written[NAMES[1]])  # test labels := train labels
    with pytest.raises(ChecksumError, match="t10k-labels"):
        import_files(tiny_source(), tmp_path / "in", tmp_path / "data")
    (tmp_path / "in" / NAMES[3]).unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels"):
        import_files(tiny_source(), tmp_path / "in", tmp_path / "data")
    assert not (tmp_path / "data").exists()


def test_import_idx_dataset_knows_only_its_datasets(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown dataset"):
        import_idx_dataset("cifar", tmp_path, tmp_path)


def test_download_fetches_verifies_and_caches(tmp_path: Path, server: tuple[str, Path]) -> None:
    url, root = server
    write_files(root)
    source = tiny_source(mirrors=(url,))
    folder = download(source, tmp_path / "data")
    assert sorted(p.name for p in folder.iterdir()) == sorted(NAMES)
    for name in NAMES:
        (root / name).unlink()  # the cache answers from now on
    assert load(source, tmp_path / "data", 0.2).x_train.shape == (5, 1, 28, 28)


def test_download_skips_a_mirror_with_wrong_bytes(tmp_path: Path, server: tuple[str, Path]) -> None:
    url, root = server
    write_files(root / "good")
    (root / "bad").mkdir()
    for name in NAMES:
        (root / "bad" / name).write_bytes(b"not the file")
    with pytest.raises(DatasetUnavailable, match="SHA-256"):
        download(tiny_source(mirrors=(url + "bad/",)), tmp_path / "data")
    assert not list((tmp_path / "data").rglob("*.gz"))
    download(tiny_source(mirrors=(url + "bad/", url + "good/")), tmp_path / "data")
    assert load(tiny_source(), tmp_path / "data", 0.2).x_test.shape == (3, 1, 28, 28)


def test_offline_download_says_how_to_fix_it(tmp_path: Path) -> None:
    source = tiny_source(mirrors=("http://127.0.0.1:9/",))  # the discard port: refused
    with pytest.raises(DatasetUnavailable) as error:
        load(source, tmp_path, 0.2)
    message = str(error.value)
    assert "http://127.0.0.1:9/train-images-idx3-ubyte.gz" in message
    assert "torchplay datasets import tiny DIR" in message
    assert "TORCHPLAY_DATA_DIR" in message


def test_damaged_cache_file_is_reported(tmp_path: Path) -> None:
    write_files(tmp_path / "in")
    folder = import_files(tiny_source(), tmp_path / "in", tmp_path / "data")
    (folder / NAMES[0]).write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x00"))
    with pytest.raises(DatasetUnavailable, match="damaged"):
        load(tiny_source(), tmp_path / "data", 0.2)


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="no shared MNIST copy here")
def test_real_mnist_imports_and_loads(tmp_path: Path) -> None:
    import_idx_dataset("mnist", SHARED_MNIST, tmp_path)
    loaded = load_dataset("mnist", {}, seed=0, test_fraction=0.2, data_dir=tmp_path)
    assert loaded.x_train.shape == (60000, 1, 28, 28) and loaded.x_test.shape == (10000, 1, 28, 28)
    assert loaded.y_train[:5].tolist() == [5, 0, 4, 1, 9]  # the well-known first labels
    assert abs(loaded.x_train.mean().item()) < 0.01 and abs(loaded.x_train.std().item() - 1) < 0.01
