"""Write EXIF, GPS and XMP tags straight into encoded TIFF, PNG and JPEG bytes.

Running exiftool once per image would cost more than encoding the image itself, so vfx writes
the tags it needs while the image is still in memory:

* TIFF: a new first IFD (the old entries plus ``Make``, ``Model``, ``XMP`` and pointers to an
  Exif IFD and a GPS IFD) is appended after the image data and the header is pointed at it; the
  image data stays where it was written.
* JPEG: an ``APP1`` Exif segment and an ``APP1`` XMP segment after the JFIF header.
* PNG: an ``eXIf`` chunk and an ``iTXt`` chunk named ``XML:com.adobe.xmp`` before the image data.

Tags follow EXIF 2.32 (``DateTimeOriginal`` with ``SubSecTimeOriginal`` and
``OffsetTimeOriginal``; GPS rationals in degrees, minutes, seconds) and XMP. The tests read every
tag back with exiftool.
"""

from __future__ import annotations

import logging
import math
import struct
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from vfx.errors import OutputError
from vfx.io.tiff import ASCII, BYTE, LONG, RATIONAL, SHORT, UNDEFINED, ifd_bytes, ifd_entries

__all__ = ["XMP_NAMESPACES", "ImageTags", "embed_tags", "exif_block", "xmp_packet"]

XMP_NAMESPACES = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "GPano": "http://ns.google.com/photos/1.0/panorama/",
    "vfx": "https://vfx.readthedocs.io/ns/1.0/",
}

log = logging.getLogger("vfx")

# XML character data: html.escape(quote=False) without loading html.entities (1 ms at start-up);
# characters XML 1.0 cannot hold at all (C0 controls but tab, newline and CR; lone surrogates;
# U+FFFE/U+FFFF) become U+FFFD, so the packet stays well-formed whatever a file name holds.
_XML_MAP: dict[str | int, str] = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    **{c: "\ufffd" for c in range(32) if c not in (9, 10, 13)},
    0xFFFE: "\ufffd",
    0xFFFF: "\ufffd",
}
_XML_TEXT = str.maketrans(_XML_MAP)

# TIFF field types


@dataclass
class ImageTags:
    """The tags vfx writes into an output image; ``None`` fields are left out.

    ``datetime_original`` is an aware datetime; it is written in its own offset (vfx passes
    UTC, so ``OffsetTimeOriginal`` is ``+00:00``). ``speed`` is in metres per second (written
    as km/h, ``GPSSpeedRef`` K); ``heading`` and ``track`` are degrees from true north.
    """

    datetime_original: datetime | None = None
    make: str | None = None
    model: str | None = None
    lat: float | None = None
    lon: float | None = None
    alt: float | None = None
    speed: float | None = None
    track: float | None = None
    heading: float | None = None
    gps_time: datetime | None = None
    dop: float | None = None
    width: int | None = None
    height: int | None = None
    xmp: dict[str, dict[str, object]] = field(default_factory=dict)
    #: What ``alt`` is measured from: ``"EGM96"`` (mean sea level by the EGM96 geoid),
    #: ``"ellipsoid"`` (WGS 84, as GPS receivers give it), ``"sea level"`` or ``None``
    #: (unknown). Recorded in XMP (``vfx:AltitudeDatum``).
    alt_datum: str | None = None

    def sanitized(self) -> tuple[ImageTags, list[str]]:
        """A copy without the values no tag can hold, and the names of those dropped.

        Dropped: a latitude or longitude that is not finite or out of range (both go, with
        everything that belongs to the position), and a non-finite altitude, heading or
        track, or a non-finite or negative speed or DOP.
        """
        dropped: list[str] = []
        changes: dict[str, object] = {}
        lat, lon = self.lat, self.lon
        if (lat is None) != (lon is None) or (
            lat is not None
            and lon is not None
            and not (_finite(lat) and _finite(lon) and abs(lat) <= 90 and abs(lon) <= 180)
        ):
            dropped += [n for n in ("lat", "lon") if getattr(self, n) is not None]
            changes.update(lat=None, lon=None, alt=None, speed=None, dop=None, gps_time=None)
        for name in ("alt", "track", "heading", "speed", "dop"):
            value = getattr(self, name)
            if name in changes or value is None:
                continue
            if not _finite(value) or (name in ("speed", "dop") and value < 0):
                dropped.append(name)
                changes[name] = None
        return (replace(self, **changes) if changes else self), dropped  # type: ignore[arg-type]

    @property
    def empty(self) -> bool:
        return self.exif_empty and not self.xmp

    @property
    def exif_empty(self) -> bool:
        return (
            self.datetime_original is None
            and self.make is None
            and self.model is None
            and self.lat is None
        )


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _rational(value: float, denominator: int = 1_000_000) -> tuple[int, int]:
    """A non-negative value as an unsigned rational rounded to ``1/denominator``."""
    if not _finite(value) or value < 0:
        raise OutputError(f"cannot write {value!r} as an unsigned rational")
    return round(value * denominator), denominator


#: GPS positions are written to a millionth of an arc-second (3 cm / 1e6): exact to the last
#: digit any receiver gives.
_MICRO_ARCSEC = 3600 * 1_000_000


def _dms(value: float) -> list[tuple[int, int]]:
    """Degrees, minutes and seconds of ``abs(value)``, rounded once to a micro-arc-second and
    carried with divmod, so 10.99999999999 is 11 0' 0", never 10 59' 60"."""
    total = round(abs(value) * _MICRO_ARCSEC)
    degrees, rest = divmod(total, _MICRO_ARCSEC)
    minutes, micro = divmod(rest, 60 * 1_000_000)
    return [(degrees, 1), (minutes, 1), (micro, 1_000_000)]


def round_to_ms(when: datetime) -> datetime:
    """``when`` rounded (half up) to the millisecond, carrying into seconds, minutes, days.

    Every time tag of an image is written from this one instant, so ``DateTimeOriginal`` with
    ``SubSecTimeOriginal`` and ``GPSDateStamp`` with ``GPSTimeStamp`` never disagree.
    """
    ms = (when.microsecond + 500) // 1000
    return when.replace(microsecond=0) + timedelta(milliseconds=ms)


def _ascii_field(text: str) -> bytes:
    """Text for an ASCII-typed tag: printable 7-bit characters only (others become ``?``),
    NUL-terminated. EXIF's ASCII type holds no UTF-8."""
    clean = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)
    return clean.encode("ascii") + b"\x00"


def _ascii(text: str) -> bytes:
    return _ascii_field(text)


def _exif_entries(tags: ImageTags, container: str) -> dict[int, tuple[int, object]]:
    out: dict[int, tuple[int, object]] = {
        36864: (UNDEFINED, b"0232"),
        40960: (UNDEFINED, b"0100"),  # FlashpixVersion
        40961: (SHORT, [1]),  # ColorSpace sRGB
    }
    if container == "jpeg":
        out[37121] = (UNDEFINED, bytes([1, 2, 3, 0]))  # ComponentsConfiguration YCbCr
    # PixelXDimension/PixelYDimension belong to compressed images only: a TIFF's own
    # ImageWidth/ImageLength say it (exiftool -validate: "not allowed in TIFF").
    if tags.width and tags.height and container != "tiff":
        out[40962] = (LONG, [tags.width])
        out[40963] = (LONG, [tags.height])
    if tags.datetime_original is not None:
        dt = round_to_ms(tags.datetime_original)
        out[36867] = (ASCII, _ascii(dt.strftime("%Y:%m:%d %H:%M:%S")))
        out[37521] = (ASCII, _ascii(f"{dt.microsecond // 1000:03d}"))
        offset = dt.utcoffset()
        if offset is not None:
            minutes = int(offset.total_seconds() // 60)
            sign = "+" if minutes >= 0 else "-"
            hh, mm = divmod(abs(minutes), 60)
            out[36881] = (ASCII, _ascii(f"{sign}{hh:02d}:{mm:02d}"))
    return out


def _gps_entries(tags: ImageTags) -> dict[int, tuple[int, object]]:
    assert tags.lat is not None and tags.lon is not None
    out: dict[int, tuple[int, object]] = {
        0: (BYTE, bytes([2, 3, 0, 0])),
        1: (ASCII, b"N\x00" if tags.lat >= 0 else b"S\x00"),
        2: (RATIONAL, _dms(tags.lat)),
        3: (ASCII, b"E\x00" if tags.lon >= 0 else b"W\x00"),
        4: (RATIONAL, _dms(tags.lon)),
        18: (ASCII, b"WGS-84\x00"),  # GPSMapDatum: what GPS positions are given in
        # GPSProcessingMethod (required in TIFF): character code, then the name
        27: (UNDEFINED, b"ASCII\x00\x00\x00GPS"),
    }
    if tags.alt is not None:
        out[5] = (BYTE, bytes([0 if tags.alt >= 0 else 1]))
        out[6] = (RATIONAL, [_rational(abs(tags.alt), 1000)])
    if tags.gps_time is not None:
        t = round_to_ms(tags.gps_time.astimezone(UTC))
        ms = t.second * 1000 + t.microsecond // 1000
        out[7] = (RATIONAL, [(t.hour, 1), (t.minute, 1), (ms, 1000)])
        out[29] = (ASCII, _ascii(t.strftime("%Y:%m:%d")))
    if tags.dop is not None:
        out[11] = (RATIONAL, [_rational(tags.dop, 100)])
    if tags.speed is not None:
        out[12] = (ASCII, b"K\x00")
        out[13] = (RATIONAL, [_rational(tags.speed * 3.6, 1000)])
    if tags.track is not None:
        out[14] = (ASCII, b"T\x00")
        out[15] = (RATIONAL, [_rational(tags.track % 360, 100)])
    if tags.heading is not None:
        out[16] = (ASCII, b"T\x00")
        out[17] = (RATIONAL, [_rational(tags.heading % 360, 100)])
    return out


def _has_exif(tags: ImageTags) -> bool:
    return tags.datetime_original is not None


def _has_gps(tags: ImageTags) -> bool:
    return tags.lat is not None and tags.lon is not None


def _pointers(tags: ImageTags, exif_at: int, gps_at: int, bo: str) -> list:  # type: ignore[type-arg]
    out = []
    if _has_exif(tags):
        out.append((34665, LONG, 1, struct.pack(bo + "I", exif_at)))
    if _has_gps(tags):
        out.append((34853, LONG, 1, struct.pack(bo + "I", gps_at)))
    return out


def _sub_ifds(tags: ImageTags, at: int, bo: str, container: str) -> tuple[bytes, int, int]:
    """The Exif and GPS IFDs placed at ``at``; returns their bytes and offsets."""
    blob = bytearray()
    exif_at = gps_at = 0
    if _has_exif(tags):
        exif_at = at
        blob += ifd_bytes(ifd_entries(_exif_entries(tags, container), bo), exif_at, bo)
    if _has_gps(tags):
        gps_at = at + len(blob)
        blob += ifd_bytes(ifd_entries(_gps_entries(tags), bo), gps_at, bo)
    return bytes(blob), exif_at, gps_at


def _ifd0_entries(tags: ImageTags, bo: str, xmp: bytes | None) -> dict[int, tuple[int, object]]:
    entries: dict[int, tuple[int, object]] = {}
    if tags.make:
        entries[271] = (ASCII, _ascii(tags.make))
    if tags.model:
        entries[272] = (ASCII, _ascii(tags.model))
    if xmp:
        entries[700] = (BYTE, xmp)
    return entries


def exif_block(tags: ImageTags, *, jpeg: bool = False) -> bytes:
    """A standalone big-endian EXIF block (TIFF header, IFD0, Exif IFD, GPS IFD).

    This is the payload of a JPEG ``APP1`` Exif segment (after ``Exif\\0\\0``) and of a PNG
    ``eXIf`` chunk.
    """
    bo = ">"
    ifd0 = _ifd0_entries(tags, bo, None)
    if jpeg:
        ifd0[282] = ifd0[283] = (RATIONAL, [(72, 1)])  # X/YResolution
        ifd0[296] = (SHORT, [2])  # ResolutionUnit inches
        ifd0[531] = (SHORT, [1])  # YCbCrPositioning centred
    base = ifd_entries(ifd0, bo)
    # Pointer values are inline, so the IFD's size does not depend on them.
    ifd0_size = len(ifd_bytes(base + _pointers(tags, 0, 0, bo), 8, bo))
    subs, exif_at, gps_at = _sub_ifds(tags, 8 + ifd0_size, bo, "jpeg" if jpeg else "png")
    block = ifd_bytes(base + _pointers(tags, exif_at, gps_at, bo), 8, bo)
    return b"MM\x00\x2a" + struct.pack(">I", 8) + block + subs


def xmp_packet(props: dict[str, dict[str, object]]) -> bytes:
    """An XMP packet holding ``{prefix: {name: value}}`` simple properties.

    Prefixes must be in :data:`XMP_NAMESPACES`; values are written as text.
    """
    lines = ['<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>']
    lines.append('<x:xmpmeta xmlns:x="adobe:ns:meta/">')
    lines.append('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">')
    ns = " ".join(f'xmlns:{p}="{XMP_NAMESPACES[p]}"' for p in props)
    lines.append(f'<rdf:Description rdf:about="" {ns}>')
    for prefix, values in props.items():
        for name, value in values.items():
            if value is None:
                continue
            text = _xmp_text(value).translate(_XML_TEXT)
            text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
            lines.append(f"<{prefix}:{name}>{text}</{prefix}:{name}>")
    lines.append("</rdf:Description>")
    lines.append("</rdf:RDF>")
    lines.append("</x:xmpmeta>")
    lines.append('<?xpacket end="w"?>')
    return "\n".join(lines).encode("utf-8")


def _xmp_text(value: object) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


# -- containers ------------------------------------------------------------------------------
def _embed_tiff(data: bytes, tags: ImageTags, xmp: bytes | None) -> bytes:
    if data[:4] == b"II*\x00":
        bo = "<"
    elif data[:4] == b"MM\x00*":
        bo = ">"
    else:
        raise OutputError("cannot tag this TIFF (BigTIFF or not a TIFF)")
    first = struct.unpack_from(bo + "I", data, 4)[0]
    count = struct.unpack_from(bo + "H", data, first)[0]
    old: dict[int, tuple[int, int, bytes]] = {}
    for i in range(count):
        tag, kind, n, raw = struct.unpack_from(bo + "HHI4s", data, first + 2 + 12 * i)
        old[tag] = (kind, n, raw)
    next_ifd = struct.unpack_from(bo + "I", data, first + 2 + 12 * count)[0]
    out = bytearray(data)
    if len(out) % 2:
        out += b"\x00"
    ifd0 = _ifd0_entries(tags, bo, xmp)
    if 282 not in old or 283 not in old:  # X/YResolution are required in a TIFF
        ifd0[282] = ifd0[283] = (RATIONAL, [(72, 1)])
        ifd0[296] = (SHORT, [2])  # ResolutionUnit inches
    new = ifd_entries(ifd0, bo)
    replaced = {t for t, _, _, _ in new} | {34665, 34853}
    # Old entries keep their four value bytes: an inline value or an offset into the image
    # data, which stays where it is.
    kept = [(t, k, n, raw) for t, (k, n, raw) in old.items() if t not in replaced]
    at = len(out)
    ifd0_size = len(ifd_bytes(kept + new + _pointers(tags, 0, 0, bo), at, bo, next_ifd))
    subs, exif_at, gps_at = _sub_ifds(tags, at + ifd0_size, bo, "tiff")
    block = ifd_bytes(kept + new + _pointers(tags, exif_at, gps_at, bo), at, bo, next_ifd)
    out += block + subs
    struct.pack_into(bo + "I", out, 4, at)
    return bytes(out)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _embed_png(data: bytes, tags: ImageTags, xmp: bytes | None) -> bytes:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise OutputError("cannot tag this PNG (bad signature)")
    # Insert before the first IDAT chunk.
    pos = 8
    while pos + 8 <= len(data):
        length = struct.unpack_from(">I", data, pos)[0]
        if data[pos + 4 : pos + 8] == b"IDAT":
            break
        pos += 12 + length
    chunks = b""
    if not tags.exif_empty:
        chunks += _png_chunk(b"eXIf", exif_block(tags))
    if xmp:
        chunks += _png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp)
    return data[:pos] + chunks + data[pos:]


def _embed_jpeg(data: bytes, tags: ImageTags, xmp: bytes | None) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise OutputError("cannot tag this JPEG (no SOI marker)")
    pos = 2
    # Keep a JFIF APP0 first, as decoders expect.
    if data[2:4] == b"\xff\xe0":
        pos = 4 + struct.unpack_from(">H", data, 4)[0]
    segments = b""
    if not tags.exif_empty:
        body = b"Exif\x00\x00" + exif_block(tags, jpeg=True)
        segments += b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    if xmp:
        body = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
        if len(body) + 2 > 0xFFFF:
            raise OutputError("XMP packet too large for a JPEG segment")
        segments += b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    return data[:pos] + segments + data[pos:]


def embed_tags(data: bytes, fmt: str, tags: ImageTags) -> bytes:
    """``data`` (an encoded ``tiff``, ``png`` or ``jpg`` image) with ``tags`` written in.

    Values no tag can hold (see :meth:`ImageTags.sanitized`) are left out, and any failure to
    pack a value is an :class:`~vfx.errors.OutputError`, never a crash in the middle of a run.
    """
    tags, dropped = tags.sanitized()
    if dropped:
        log.debug("tags left out (not finite or out of range): %s", ", ".join(dropped))
    if tags.empty:
        return data
    if tags.alt is not None and tags.alt_datum:
        vfx_xmp = {**tags.xmp.get("vfx", {}), "AltitudeDatum": tags.alt_datum}
        tags = replace(tags, xmp={**tags.xmp, "vfx": vfx_xmp})
    try:
        xmp = xmp_packet(tags.xmp) if tags.xmp else None
        if fmt == "tiff":
            return _embed_tiff(data, tags, xmp)
        if fmt == "png":
            return _embed_png(data, tags, xmp)
        if fmt == "jpg":
            return _embed_jpeg(data, tags, xmp)
    except (struct.error, OverflowError, ValueError) as exc:
        raise OutputError(f"cannot write the image's tags: {exc}") from exc
    raise ValueError(f"cannot tag format {fmt!r}")
