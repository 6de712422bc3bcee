"""The TIFF files vfx writes, and a first look at the ones it reads, without tifffile.

Importing tifffile takes 16-20 ms, a tenth of a composite of 24 keyframes, and vfx needs little
of it: its own TIFFs are one layout (RGB, RGBA or grey, 8 or 16 bits, deflate with the
horizontal predictor, 64 rows a strip), and deciding whether libtiff can decode a file
needs a dozen tags of its first directory. :func:`encode_tiff` writes that layout (the
directory first, then the strips); :func:`plain_layout` reads those tags. Other TIFFs are
left to tifffile, imported only then.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

__all__ = [
    "ASCII",
    "BYTE",
    "LONG",
    "RATIONAL",
    "ROWS_PER_STRIP",
    "SHORT",
    "UNDEFINED",
    "TiffLayout",
    "encode_tiff",
    "ifd_bytes",
    "ifd_entries",
    "plain_layout",
]

#: Rows in each strip of the TIFFs vfx writes.
ROWS_PER_STRIP = 64

#: TIFF field types.
BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED = 1, 2, 3, 4, 5, 7
_INTEGER = {SHORT: "H", LONG: "I"}

_DEFLATE = 8  # Adobe's code; 32946 is the old PKZIP one
_LZW, _PACKBITS, _NONE, _OLD_DEFLATE = 5, 32773, 1, 32946


def ifd_entries(
    entries: dict[int, tuple[int, object]], bo: str
) -> list[tuple[int, int, int, bytes]]:
    """``{tag: (type, value)}`` as :func:`ifd_bytes` entries; SHORT, LONG and RATIONAL values
    are sequences (of ``(numerator, denominator)`` for RATIONAL), others bytes."""
    out = []
    for tag, (kind, value) in entries.items():
        if kind == RATIONAL:
            pairs = list(value)  # type: ignore[call-overload]
            data, count = b"".join(struct.pack(bo + "II", n, d) for n, d in pairs), len(pairs)
        elif kind in _INTEGER:
            vals = list(value)  # type: ignore[call-overload]
            data, count = struct.pack(bo + _INTEGER[kind] * len(vals), *vals), len(vals)
        else:
            data = bytes(value)  # type: ignore[call-overload]
            count = len(data)
        out.append((tag, kind, count, data))
    return out


def ifd_bytes(
    entries: Sequence[tuple[int, int, int, bytes]], at: int, bo: str, next_ifd: int = 0
) -> bytes:
    """Serialise an IFD placed at file offset ``at``: ``(tag, type, count, value bytes)``.

    Values longer than 4 bytes follow the IFD, word-aligned.
    """
    entries = sorted(entries)
    head = 2 + 12 * len(entries) + 4
    extra = bytearray()
    table = bytearray(struct.pack(bo + "H", len(entries)))
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            table += struct.pack(bo + "HHI", tag, kind, count) + value.ljust(4, b"\x00")
        else:
            if (at + head + len(extra)) % 2:
                extra += b"\x00"
            table += struct.pack(bo + "HHII", tag, kind, count, at + head + len(extra))
            extra += value
    table += struct.pack(bo + "I", next_ifd)
    out = bytes(table + extra)
    return out + (b"\x00" if len(out) % 2 else b"")


def encode_tiff(image: np.ndarray, *, level: int = 1, threads: int = 1) -> bytes:
    """``image`` (grey ``(H, W)``, RGB or RGBA, ``uint8`` or ``uint16``) as a little-endian
    TIFF: deflate at ``level`` with the horizontal predictor, :data:`ROWS_PER_STRIP` rows a
    strip, compressed on ``threads`` threads.

    The predictor's differences are one vectorised subtraction per strip; the strips are
    deflated by libdeflate (imagecodecs), as tifffile would, into the same bytes.
    """
    import imagecodecs

    if image.dtype not in (np.uint8, np.uint16) or image.ndim not in (2, 3):
        raise ValueError(f"cannot write a {image.dtype} array of shape {image.shape} as TIFF")
    samples = 1 if image.ndim == 2 else image.shape[2]
    if samples not in (1, 3, 4):
        raise ValueError(f"image must have 1, 3 or 4 channels, got {samples}")
    image = np.ascontiguousarray(image, image.dtype.newbyteorder("<"))
    height, width = image.shape[:2]

    def strip(top: int) -> bytes:
        rows = image[top : top + ROWS_PER_STRIP]
        diff = np.empty_like(rows)
        diff[:, 0] = rows[:, 0]
        np.subtract(rows[:, 1:], rows[:, :-1], out=diff[:, 1:])  # wraps, as TIFF wants
        return bytes(imagecodecs.deflate_encode(diff, level=level))

    tops = range(0, height, ROWS_PER_STRIP)
    if threads > 1 and len(tops) > 1:
        with ThreadPoolExecutor(min(threads, len(tops)), thread_name_prefix="vfx-tiff") as pool:
            strips = list(pool.map(strip, tops))
    else:
        strips = [strip(top) for top in tops]

    bits = image.dtype.itemsize * 8
    entries: dict[int, tuple[int, object]] = {
        256: (LONG, [width]),
        257: (LONG, [height]),
        258: (SHORT, [bits] * samples),
        259: (SHORT, [_DEFLATE]),
        262: (SHORT, [1 if samples == 1 else 2]),  # grey (black is 0) or RGB
        273: (LONG, [0] * len(strips)),  # strip offsets, set below
        277: (SHORT, [samples]),
        278: (LONG, [ROWS_PER_STRIP]),
        279: (LONG, [len(s) for s in strips]),
        284: (SHORT, [1]),  # samples of a pixel together
        317: (SHORT, [2]),  # horizontal differencing
        339: (SHORT, [1] * samples),  # unsigned integers
    }
    if samples == 4:
        entries[338] = (SHORT, [2])  # unassociated alpha
    size = len(ifd_bytes(ifd_entries(entries, "<"), 8, "<"))
    offsets, at = [], 8 + size
    for s in strips:
        offsets.append(at)
        at += len(s)
    entries[273] = (LONG, offsets)
    ifd = ifd_bytes(ifd_entries(entries, "<"), 8, "<")
    assert len(ifd) == size
    return b"".join([b"II*\x00", struct.pack("<I", 8), ifd, *strips])


@dataclass(frozen=True)
class TiffLayout:
    """The first image of a TIFF: its array shape and sample type."""

    shape: tuple[int, ...]
    dtype: np.dtype


def _first_directory(fh: BinaryIO) -> tuple[str, int, bytes] | None:
    """A classic TIFF's byte order, first directory offset and its entries (12 bytes each);
    None for a file that is not a classic TIFF or whose directory is cut short."""
    fh.seek(0)
    head = fh.read(8)
    if head[:4] == b"II*\x00":
        bo = "<"
    elif head[:4] == b"MM\x00*":
        bo = ">"
    else:
        return None
    (first,) = struct.unpack(bo + "I", head[4:])
    table = _directory_at(fh, bo, first)
    return None if table is None else (bo, first, table)


def _directory_at(fh: BinaryIO, bo: str, at: int) -> bytes | None:
    """The entries (12 bytes each) of the directory at byte ``at``; None when cut short."""
    fh.seek(at)
    raw = fh.read(2)
    if len(raw) < 2:
        return None
    (count,) = struct.unpack(bo + "H", raw)
    table = fh.read(12 * count)
    return table if len(table) == 12 * count else None


def plain_layout(fh: BinaryIO) -> TiffLayout | None:
    """The first image's layout when libtiff decodes it into the samples as stored (grey or
    RGB(A), 8 or 16 bits, no compression, LZW, deflate or PackBits, pixels interleaved); None
    for any other TIFF, or for a file that is not a classic TIFF.
    """
    found = _first_directory(fh)
    if found is None:
        return None
    bo, _, table = found
    tags: dict[int, tuple[int, ...]] = {}
    for i in range(len(table) // 12):
        tag, kind, n, value = struct.unpack_from(bo + "HHI4s", table, 12 * i)
        if kind not in _INTEGER or n == 0 or n > 8:
            continue  # none of the tags read below
        values = _integers(fh, bo, kind, n, value)
        if values is None:
            return None
        tags[tag] = values
    return _layout(tags)


def _integers(fh: BinaryIO, bo: str, kind: int, n: int, value: bytes) -> tuple[int, ...] | None:
    """An integer entry's ``n`` values: inline in its 4 value bytes, or at the offset they
    hold; None when the file ends first."""
    code = _INTEGER[kind]
    size = n * struct.calcsize(code)
    if size > 4:
        fh.seek(struct.unpack(bo + "I", value)[0])
        value = fh.read(size)
        if len(value) < size:
            return None
    return struct.unpack_from(f"{bo}{n}{code}", value)


def first_layout(fh: BinaryIO) -> tuple[int, int, int, int] | None:
    """``(width, height, samples per pixel, bits per sample)`` of a classic TIFF's first
    image, from its directory alone (samples and bits 1 where their tags are missing)."""
    found = _first_directory(fh)
    if found is None:
        return None
    bo, _, table = found
    dims: dict[int, int] = {}
    spp, bps = 1, 1
    for i in range(len(table) // 12):
        tag, kind, n, value = struct.unpack_from(bo + "HHI4s", table, 12 * i)
        if kind not in _INTEGER or n < 1:
            continue
        if tag in (256, 257):
            dims[tag] = struct.unpack_from(bo + _INTEGER[kind], value)[0]
        elif tag == 277:
            spp = struct.unpack_from(bo + _INTEGER[kind], value)[0]
        elif tag == 258:
            size = struct.calcsize(_INTEGER[kind])
            if n * size <= 4:
                bps = struct.unpack_from(bo + _INTEGER[kind], value)[0]
            else:  # the values lie elsewhere: the first one is enough
                fh.seek(struct.unpack_from(bo + "I", value)[0])
                raw = fh.read(size)
                if len(raw) == size:
                    bps = struct.unpack_from(bo + _INTEGER[kind], raw)[0]
    if len(dims) != 2:
        return None
    return dims[256], dims[257], spp, bps


def data_end(fh: BinaryIO) -> int | None:
    """Where the first image of a classic TIFF ends: the furthest byte its directory, the
    Exif and GPS directories it points to, their values and the strips (or tiles) reach;
    None when the header or a directory cannot be read. A file shorter than this is cut
    short."""
    fh.seek(0)
    head = fh.read(8)
    if head[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    bo = "<" if head[:2] == b"II" else ">"
    arrays: dict[int, tuple[int, ...]] = {}

    def directory_end(at: int, depth: int) -> int | None:
        table = _directory_at(fh, bo, at)
        if table is None:
            return None
        count = len(table) // 12
        end = at + 2 + 12 * count + 4
        for i in range(count):
            tag, kind, n, value = struct.unpack_from(bo + "HHI4s", table, 12 * i)
            width = _FIELD_SIZE.get(kind, 1)
            if n * width > 4:  # stored elsewhere: that block must be there too
                end = max(end, struct.unpack(bo + "I", value)[0] + n * width)
            if tag in (34665, 34853) and n == 1 and depth == 0:  # Exif, GPS directories
                sub = directory_end(struct.unpack(bo + "I", value)[0], depth + 1)
                if sub is None:
                    return None
                end = max(end, sub)
            if depth == 0 and tag in (273, 279, 324, 325) and kind in _INTEGER and n <= 1 << 20:
                values = _integers(fh, bo, kind, n, value)
                if values is None:
                    return None
                arrays[tag] = values
        return end

    end = directory_end(struct.unpack(bo + "I", head[4:])[0], 0)
    if end is None:
        return None
    for offsets, counts in ((273, 279), (324, 325)):
        if offsets in arrays and counts in arrays:
            for at, size in zip(arrays[offsets], arrays[counts], strict=False):
                end = max(end, at + size)
    return end


_FIELD_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8}


def _layout(tags: dict[int, tuple[int, ...]]) -> TiffLayout | None:
    def one(tag: int, default: int | None = None) -> int | None:
        return tags[tag][0] if tag in tags else default

    width, height = one(256), one(257)
    samples = one(277, 1)
    bits = tags.get(258, (1,))
    compression, predictor = one(259, _NONE), one(317, 1)
    plain = (
        width
        and height
        and samples in (1, 3, 4)
        and len(set(bits)) == 1
        and bits[0] in (8, 16)
        and compression in (_NONE, _LZW, _DEFLATE, _OLD_DEFLATE, _PACKBITS)
        and one(262) in (0, 1, 2)  # grey (either polarity) or RGB
        # libtiff undoes the predictor with LZW and deflate only, as the TIFF spec has it
        and (predictor == 1 or (predictor == 2 and compression in (_LZW, _DEFLATE, _OLD_DEFLATE)))
        and one(284, 1) == 1
        and one(266, 1) == 1
        and one(32997, 1) == 1  # SGI's ImageDepth
        and set(tags.get(339, (1,))) == {1}
    )
    if not plain:
        return None
    assert width is not None and height is not None
    shape = (height, width) if samples == 1 else (height, width, samples)
    return TiffLayout(shape, np.dtype(np.uint8 if bits[0] == 8 else np.uint16))
