"""An image file with new pixels and every other byte of its metadata kept.

Blurring faces must change pixels and nothing else: the EXIF time, the GPS position, the XMP
(GPano for panoramas), the ICC profile, whatever exiftool or a camera wrote. Decoding and
encoding again through an image library drops them; :func:`replace_pixels` instead swaps only
the pixel data inside the original file's own structure:

- JPEG: the original's application segments (APP0-APP15: JFIF, EXIF, XMP, ICC, Photoshop, ...)
  and comments, in their order, followed by the new image's tables and scan, encoded at the
  original's quality (estimated from its luminance quantization table) and chroma
  subsampling. An EXIF thumbnail is re-made from the new pixels at its size, in its place.
  An MPF index and the images appended after the end marker it points to (a camera's preview)
  are dropped: they are old pixels.
- PNG: every ancillary chunk of the original (eXIf, iTXt XMP, iCCP, tEXt, pHYs, ...), before
  or after the image data as it was; the new image's header and data.
- TIFF (strips, uncompressed, deflate, LZW or PackBits, with or without the horizontal
  predictor: every TIFF vfx writes and the usual others): the new strips, compressed as the
  old ones were, written over them (they fit: a blurred image compresses better; a strip that
  does not is moved to the end of the file and its old bytes zeroed). Every directory, tag
  and value stays where it was; only the strip offsets and byte counts may change. An EXIF
  thumbnail is re-made as for JPEG.

Whatever cannot be done that way (a tiled or planar TIFF, a palette PNG) is an
:class:`~vfx.errors.ImageReadError` naming the file: vfx never writes an image whose tags it
could not keep.
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np

from vfx.errors import ImageReadError

__all__ = ["jpeg_quality", "replace_pixels"]

#: The IJG (libjpeg) luminance quantization table at quality 50, in zig-zag order as DQT
#: stores it.
_LUMA = np.array(
    [16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35,
     37, 29, 40, 58, 51, 61, 60, 57, 51, 56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109,
     81, 87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99],
    dtype=np.float64,
)  # fmt: skip


def _ijg_table(quality: int) -> np.ndarray:
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    return np.clip(np.floor((_LUMA * scale + 50) / 100), 1, 255)


def jpeg_quality(table: np.ndarray) -> int:
    """The IJG quality (1-100) whose luminance table is nearest ``table`` (64 values, zig-zag
    order); 95 for a table of another family is as near as any.

    >>> jpeg_quality(_ijg_table(87))
    87
    """
    table = np.asarray(table, dtype=np.float64).reshape(-1)
    errors = [
        np.abs(np.log(_ijg_table(q)) - np.log(np.maximum(table, 1))).sum() for q in range(1, 101)
    ]
    return int(np.argmin(errors)) + 1


# --- JPEG -------------------------------------------------------------------------------------


def _jpeg_segments(data: bytes, path: Path) -> tuple[list[tuple[int, bytes]], int]:
    """The marker segments before the first scan ``[(marker, whole segment bytes)]`` and the
    offset of the scan's SOS marker."""
    if data[:2] != b"\xff\xd8":
        raise ImageReadError("not a JPEG (no SOI marker)", path=path)
    out, pos = [], 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ImageReadError(f"JPEG marker expected at byte {pos}", path=path)
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:
            return out, pos
        (length,) = struct.unpack_from(">H", data, pos + 2)
        out.append((marker, data[pos : pos + 2 + length]))
        pos += 2 + length
    raise ImageReadError("JPEG without image data (no SOS marker)", path=path)


def _jpeg_settings(segments: list[tuple[int, bytes]]) -> tuple[int, int | None]:
    """The original's quality and OpenCV's sampling-factor code (None: leave the default)."""
    quality = 95
    for marker, seg in segments:
        if marker == 0xDB:
            body, at = seg[4:], 0
            while at < len(body):
                precision, ident = body[at] >> 4, body[at] & 15
                size = 128 if precision else 64
                values = np.frombuffer(body[at + 1 : at + 1 + size], ">u2" if precision else "u1")
                if ident == 0:
                    quality = jpeg_quality(values)
                at += 1 + size
    sampling = None
    for marker, seg in segments:
        if marker in (0xC0, 0xC1, 0xC2) and len(seg) >= 13 and seg[9] >= 3:
            factor = seg[11]
            h, v = factor >> 4, factor & 15
            codes = {
                (1, 1): "IMWRITE_JPEG_SAMPLING_FACTOR_444",
                (2, 1): "IMWRITE_JPEG_SAMPLING_FACTOR_422",
                (2, 2): "IMWRITE_JPEG_SAMPLING_FACTOR_420",
                (1, 2): "IMWRITE_JPEG_SAMPLING_FACTOR_440",
                (4, 1): "IMWRITE_JPEG_SAMPLING_FACTOR_411",
            }
            name = codes.get((h, v))
            sampling = getattr(cv2, name, None) if name else None
    return quality, sampling


def _encode_jpeg(image: np.ndarray, quality: int, sampling: int | None) -> bytes:
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    if sampling is not None and hasattr(cv2, "IMWRITE_JPEG_SAMPLING_FACTOR"):
        params += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, sampling]
    if image.ndim == 3:
        image = cv2.cvtColor(image[:, :, :3], cv2.COLOR_RGB2BGR)
    ok, out = cv2.imencode(".jpg", image, params)
    if not ok:
        raise ValueError("OpenCV could not encode the JPEG")
    return bytes(out.tobytes())


def _replace_jpeg(data: bytes, image: np.ndarray, path: Path) -> bytes:
    segments, _ = _jpeg_segments(data, path)
    quality, sampling = _jpeg_settings(segments)
    fresh = _encode_jpeg(image, quality, sampling)
    new_segments, scan = _jpeg_segments(fresh, path)
    kept = []
    for marker, seg in segments:
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            if marker == 0xE2 and seg[4:8] == b"MPF\x00":
                continue  # the index of appended preview images, dropped with them
            if marker == 0xE1 and seg[4:10] == b"Exif\x00\x00":
                seg = seg[:10] + _with_thumbnail(seg[10:], image)
            kept.append(seg)
    tables = [seg for marker, seg in new_segments if not (0xE0 <= marker <= 0xEF or marker == 0xFE)]
    end = fresh.rfind(b"\xff\xd9")
    return b"".join([b"\xff\xd8", *kept, *tables, fresh[scan : end + 2]])


# --- EXIF thumbnails ----------------------------------------------------------------------------


def _ifd_values(tiff: bytes, at: int, bo: str) -> tuple[dict[int, tuple[int, int, int]], int]:
    """A directory's ``{tag: (type, count, value offset or inline value)}`` and next offset."""
    (count,) = struct.unpack_from(bo + "H", tiff, at)
    entries = {}
    for i in range(count):
        tag, kind, n = struct.unpack_from(bo + "HHI", tiff, at + 2 + 12 * i)
        value_at = at + 2 + 12 * i + 8
        entries[tag] = (kind, n, value_at)
    (following,) = struct.unpack_from(bo + "I", tiff, at + 2 + 12 * count)
    return entries, following


def _integer(tiff: bytes, bo: str, kind: int, value_at: int) -> int:
    return struct.unpack_from(bo + ("H" if kind == 3 else "I"), tiff, value_at)[0]


def _with_thumbnail(tiff: bytes, image: np.ndarray, base: int = 0) -> bytes:
    """EXIF (a TIFF structure starting at ``base`` of ``tiff``) whose IFD1 JPEG thumbnail, if
    any, shows ``image`` instead, at the same size and in the same bytes (padded: no offset or
    length changes)."""
    try:
        head = tiff[base : base + 8]
        bo = "<" if head[:2] == b"II" else ">"
        (first,) = struct.unpack_from(bo + "I", head, 4)
        _, second = _ifd_values(tiff, base + first, bo)
        if second == 0:
            return tiff
        entries, _ = _ifd_values(tiff, base + second, bo)
        if 513 not in entries or 514 not in entries:
            return tiff
        start = base + _integer(tiff, bo, entries[513][0], entries[513][2])
        length = _integer(tiff, bo, entries[514][0], entries[514][2])
    except struct.error:
        return tiff
    old = np.frombuffer(tiff[start : start + length], np.uint8)
    thumb = cv2.imdecode(old, cv2.IMREAD_UNCHANGED) if old.size else None
    if thumb is None:
        return tiff
    h, w = thumb.shape[:2]
    small = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    if small.dtype != np.uint8:
        small = (small >> 8).astype(np.uint8)
    for quality in (90, 75, 60, 45, 30, 15, 5):
        made = _encode_jpeg(small, quality, None)
        if len(made) <= length:
            break
    else:  # cannot fit: a flat grey of that size always does
        made = _encode_jpeg(np.full_like(small, 128), 5, None)[:length]
    out = bytearray(tiff)
    out[start : start + length] = made + bytes(length - len(made))
    return bytes(out)


# --- PNG ----------------------------------------------------------------------------------------

_PNG = b"\x89PNG\r\n\x1a\n"
#: Chunks that describe the pixel format of the old image, kept only if it is unchanged.
_FORMAT_CHUNKS = {b"tRNS", b"bKGD", b"sBIT", b"hIST", b"sPLT"}


def _png_chunks(data: bytes, path: Path) -> list[tuple[bytes, bytes]]:
    if data[:8] != _PNG:
        raise ImageReadError("not a PNG (no signature)", path=path)
    out, pos = [], 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kind = data[pos + 4 : pos + 8]
        out.append((kind, data[pos : pos + 12 + length]))
        pos += 12 + length
        if kind == b"IEND":
            break
    return out


def _replace_png(data: bytes, image: np.ndarray, path: Path) -> bytes:
    old = _png_chunks(data, path)
    bgr = image if image.ndim == 2 else cv2.cvtColor(
        image, cv2.COLOR_RGB2BGR if image.shape[2] == 3 else cv2.COLOR_RGBA2BGRA
    )  # fmt: skip
    ok, encoded = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise ImageReadError("OpenCV could not encode the PNG", path=path)
    new = _png_chunks(bytes(encoded.tobytes()), path)
    old_header = next(seg for kind, seg in old if kind == b"IHDR")
    new_header = next(seg for kind, seg in new if kind == b"IHDR")
    if old_header[16:18] != new_header[16:18] and any(k == b"PLTE" for k, _ in old):
        raise ImageReadError("cannot keep the tags of a palette PNG", path=path)
    same_format = old_header[16:18] == new_header[16:18]
    data_chunks = [seg for kind, seg in new if kind == b"IDAT"]
    before, after, seen_data = [], [], False
    for kind, seg in old:
        if kind == b"IDAT":
            seen_data = True
        elif kind[:1].islower() and (same_format or kind not in _FORMAT_CHUNKS):
            (after if seen_data else before).append(seg)
    end = next(seg for kind, seg in new if kind == b"IEND")
    return b"".join([_PNG, new_header, *before, *data_chunks, *after, end])


# --- TIFF ---------------------------------------------------------------------------------------

_NONE, _LZW, _DEFLATE, _OLD_DEFLATE, _PACKBITS = 1, 5, 8, 32946, 32773


def _replace_tiff(data: bytes, image: np.ndarray, path: Path) -> bytes:
    import imagecodecs

    bo = "<" if data[:2] == b"II" else ">"
    (first,) = struct.unpack_from(bo + "I", data, 4)
    entries, _ = _ifd_values(data, first, bo)

    def values(tag: int, default: list[int] | None = None) -> list[int]:
        if tag not in entries:
            if default is None:
                raise ImageReadError(f"TIFF without tag {tag}", path=path)
            return default
        kind, n, value_at = entries[tag]
        code = {3: "H", 4: "I"}.get(kind)
        if code is None:
            raise ImageReadError(f"TIFF tag {tag} of unexpected type {kind}", path=path)
        at = (
            value_at
            if n * struct.calcsize(code) <= 4
            else struct.unpack_from(bo + "I", data, value_at)[0]
        )
        return list(struct.unpack_from(f"{bo}{n}{code}", data, at))

    if 322 in entries or values(284, [1])[0] != 1:
        raise ImageReadError("cannot keep the tags of a tiled or planar TIFF", path=path)
    compression, predictor = values(259, [_NONE])[0], values(317, [1])[0]
    schemes = (_NONE, _LZW, _DEFLATE, _OLD_DEFLATE, _PACKBITS)
    if compression not in schemes or predictor not in (1, 2):
        raise ImageReadError(
            f"cannot keep the tags of a TIFF compressed with scheme {compression}", path=path
        )
    offsets, counts = values(273), values(279)
    width, height = values(256)[0], values(257)[0]
    samples = values(277, [1])[0]
    if image.shape[:2] != (height, width) or (image.shape[2] if image.ndim == 3 else 1) != samples:
        raise ImageReadError(
            f"new pixels {image.shape} do not fit this {width}x{height}x{samples} TIFF", path=path
        )
    rows = values(278, [height])[0]
    dtype = np.dtype(image.dtype).newbyteorder(bo)
    pixels = np.ascontiguousarray(image, dtype)
    out = bytearray(data)
    new_offsets, new_counts = list(offsets), list(counts)
    for i, (at, size) in enumerate(zip(offsets, counts, strict=True)):
        strip = pixels[i * rows : (i + 1) * rows]
        if predictor == 2:
            diff = np.empty_like(strip)
            diff[:, 0] = strip[:, 0]
            np.subtract(strip[:, 1:], strip[:, :-1], out=diff[:, 1:])
            strip = diff
        raw = strip.tobytes()
        if compression in (_DEFLATE, _OLD_DEFLATE):
            encoded = bytes(imagecodecs.deflate_encode(raw, level=6))
        elif compression == _LZW:
            encoded = bytes(imagecodecs.lzw_encode(raw))
        elif compression == _PACKBITS:
            encoded = bytes(imagecodecs.packbits_encode(raw))
        else:
            encoded = raw
        out[at : at + size] = bytes(size)  # the old pixels go, whatever happens next
        if len(encoded) <= size:
            out[at : at + len(encoded)] = encoded
        else:
            if len(out) % 2:
                out += b"\x00"
            new_offsets[i] = len(out)
            out += encoded
        new_counts[i] = len(encoded)
    for tag, new in ((273, new_offsets), (279, new_counts)):
        kind, n, value_at = entries[tag]
        code = "H" if kind == 3 else "I"
        if max(new) >= 1 << (8 * struct.calcsize(code)):
            raise ImageReadError("TIFF too large to rewrite in place", path=path)
        at = (
            value_at
            if n * struct.calcsize(code) <= 4
            else struct.unpack_from(bo + "I", data, value_at)[0]
        )
        struct.pack_into(f"{bo}{n}{code}", out, at, *new)
    return _with_thumbnail(bytes(out), image)


def replace_pixels(data: bytes, image: np.ndarray, *, path: str | Path = "<image>") -> bytes:
    """The image file ``data`` (JPEG, PNG or TIFF) with ``image`` as its pixels and every tag
    kept (see the module's notes for what is kept how).

    ``image`` must have the shape and sample type the file decodes to (:func:`read_image` of
    it). ``path`` names the file in errors.

    Raises
    ------
    ImageReadError
        For a file whose tags cannot be kept while its pixels change.
    """
    path = Path(path)
    if data[:2] == b"\xff\xd8":
        if image.dtype != np.uint8:
            raise ImageReadError("a JPEG holds 8-bit pixels only", path=path)
        return _replace_jpeg(data, image, path)
    if data[:8] == _PNG:
        return _replace_png(data, image, path)
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        try:
            return _replace_tiff(data, image, path)
        except struct.error as exc:
            raise ImageReadError(f"TIFF directory cut short ({exc})", path=path) from exc
    raise ImageReadError("not a JPEG, PNG or TIFF file", path=path)
