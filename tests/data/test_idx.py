import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from torchplay.data.idx import IdxError, decompress, parse_idx, read_idx, write_idx


def test_parse_hand_built_ubyte_file() -> None:
    data = b"\x00\x00\x08\x02" + struct.pack(">II", 2, 3) + bytes(range(6))
    array = parse_idx(data)
    assert array.dtype == np.uint8 and array.shape == (2, 3)
    assert array.tolist() == [[0, 1, 2], [3, 4, 5]]


def test_parse_big_endian_values() -> None:
    data = b"\x00\x00\x0b\x01" + struct.pack(">I", 2) + struct.pack(">hh", -2, 300)
    array = parse_idx(data)
    assert array.tolist() == [-2, 300]
    array[0] = 7  # native and writable
    assert array.dtype.isnative


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_write_then_parse_round_trip(dtype: type) -> None:
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    back = parse_idx(write_idx(array))
    assert back.dtype == dtype and np.array_equal(back, array)


def test_written_bytes_are_the_format() -> None:
    assert write_idx(np.array([1, 2], dtype=np.uint8)) == b"\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x00", "two zero bytes"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "type code"),
        (b"\x00\x00\x08\x02\x00\x00\x00\x01", "ends"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x03\x00\x00", "needs"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x01\x00\x00", "needs"),
    ],
)
def test_malformed_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(IdxError, match=message):
        parse_idx(data)


def test_int64_cannot_be_written() -> None:
    with pytest.raises(IdxError):
        write_idx(np.zeros(2, dtype=np.int64))


def test_read_compressed_and_plain_files(tmp_path: Path) -> None:
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    (tmp_path / "a-idx2-ubyte").write_bytes(write_idx(array))
    (tmp_path / "a-idx2-ubyte.gz").write_bytes(gzip.compress(write_idx(array)))
    assert np.array_equal(read_idx(tmp_path / "a-idx2-ubyte"), array)
    assert np.array_equal(read_idx(tmp_path / "a-idx2-ubyte.gz"), array)


def test_damaged_gzip_is_an_idx_error() -> None:
    with pytest.raises(IdxError, match="gzip"):
        payload = np.random.default_rng(0).bytes(1000)
        decompress(gzip.compress(payload)[:500])
