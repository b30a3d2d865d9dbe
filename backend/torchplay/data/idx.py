"""The IDX file format of MNIST and Fashion-MNIST, read and written with numpy alone.

An IDX file is: two zero bytes, a type code byte, the number of dimensions `d`, then `d`
big-endian uint32 sizes, then the values in row-major order, big-endian.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

# Type code → big-endian numpy dtype, as in the format's description on LeCun's page.
_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in _DTYPES.items()}

GZIP_MAGIC = b"\x1f\x8b"


class IdxError(ValueError):
    """The bytes are not a well-formed IDX file."""


def parse_idx(data: bytes) -> np.ndarray:
    """The array an IDX file holds, in native byte order (and writable)."""
    if len(data) < 4 or data[0:2] != b"\x00\x00":
        raise IdxError("not an IDX file: it must start with two zero bytes")
    code, ndim = data[2], data[3]
    if code not in _DTYPES:
        raise IdxError(f"unknown IDX type code 0x{code:02x}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxError(f"IDX header names {ndim} dimensions but the file ends first")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = _DTYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise IdxError(f"IDX shape {shape} needs {expected} bytes, the file has {len(data)}")
    values = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


def write_idx(array: np.ndarray) -> bytes:
    """The IDX bytes of `array` (the inverse of `parse_idx`)."""
    dtype = array.dtype.newbyteorder("=")
    if dtype not in _CODES:
        raise IdxError(f"IDX cannot store {array.dtype}")
    header = struct.pack(f">BBBB{array.ndim}I", 0, 0, _CODES[dtype], array.ndim, *array.shape)
    return header + np.ascontiguousarray(array, dtype=_DTYPES[_CODES[dtype]]).tobytes()


def decompress(data: bytes) -> bytes:
    """The IDX bytes of a file that may be gzip-compressed (the mirrors serve `.gz`)."""
    if data[:2] != GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise IdxError(f"damaged gzip data: {error}") from error


def read_idx(path: Path) -> np.ndarray:
    """Parse an IDX file, gzip-compressed or not."""
    return parse_idx(decompress(path.read_bytes()))
