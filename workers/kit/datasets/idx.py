"""The IDX file format of MNIST and Fashion-MNIST, read with nothing but struct and numpy.

An IDX file is a header, then the values in row-major order: two zero bytes, a byte naming the
value type, a byte giving the number of dimensions, then each dimension as a big-endian
uint32. The published files are gzipped.
"""

import gzip
import struct
from pathlib import Path

import numpy as np

# Type byte -> numpy dtype; multi-byte values are big-endian.
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IdxFormatError(ValueError):
    """The bytes are not a well-formed IDX file."""


def parse_idx(raw: bytes) -> np.ndarray:
    """The array stored in an (uncompressed) IDX file."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise IdxFormatError("missing the IDX magic number (two zero bytes)")
    type_code, ndim = raw[2], raw[3]
    if type_code not in IDX_TYPES:
        raise IdxFormatError(f"unknown IDX value type 0x{type_code:02x}")
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise IdxFormatError("the header is cut short")
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    dtype = IDX_TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header_size != expected:
        raise IdxFormatError(
            f"shape {shape} needs {expected} bytes of values, the file has {len(raw) - header_size}"
        )
    values = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))  # native byte order, and a writable copy


def read_idx_gz(path: Path) -> np.ndarray:
    return parse_idx(gzip.decompress(path.read_bytes()))
