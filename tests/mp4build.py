"""Build MP4 boxes with known telemetry, for the telemetry and metadata tests.

``add_track`` takes an MP4 whose ``moov`` comes after its media data (as PyAV writes it) and
appends a timed-metadata track (``gpmd``, ``camm``, ...) with the given samples: the new
``trak`` goes into ``moov`` and the sample bytes into a new ``mdat`` after it. ``add_udta``
adds a box (``madv``) to ``moov/udta``. The GPMF and CAMM payload helpers write the formats
byte by byte as their specifications say.
"""

from __future__ import annotations

import struct
from datetime import datetime
from pathlib import Path


def box(kind: str, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind.encode("latin-1") + payload


def full_box(kind: str, payload: bytes, version: int = 0, flags: int = 0) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def _top_level(data: bytes) -> list[tuple[str, int, int]]:
    out, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        if size == 1:
            size = struct.unpack_from(">Q", data, pos + 8)[0]
        out.append((kind.decode("latin-1"), pos, size))
        pos += size
    return out


def _trak(
    track_id: int,
    handler: str,
    entry: str,
    timescale: int,
    sizes: list[int],
    durations: list[int],
    chunk_offsets: list[int],
    *,
    co64: bool,
    entry_payload: bytes = b"",
    elst: tuple[int, int] | None = None,
) -> bytes:
    duration = sum(durations)
    tkhd = full_box(
        "tkhd",
        struct.pack(">IIIII", 0, 0, track_id, 0, duration)
        + b"\x00" * 8
        + struct.pack(">hhhh", 0, 0, 0, 0)
        + struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
        + struct.pack(">II", 0, 0),
        flags=3,
    )
    mdhd = full_box("mdhd", struct.pack(">IIIIHH", 0, 0, timescale, duration, 0x55C4, 0))
    hdlr = full_box(
        "hdlr", struct.pack(">I4s", 0, handler.encode()) + b"\x00" * 12 + b"vfx test\x00"
    )
    stsd = full_box(
        "stsd",
        struct.pack(">I", 1) + box(entry, b"\x00" * 6 + struct.pack(">H", 1) + entry_payload),
    )
    runs: list[list[int]] = []
    for d in durations:
        if runs and runs[-1][1] == d:
            runs[-1][0] += 1
        else:
            runs.append([1, d])
    stts = full_box(
        "stts", struct.pack(">I", len(runs)) + b"".join(struct.pack(">II", *r) for r in runs)
    )
    stsc = full_box("stsc", struct.pack(">I", 1) + struct.pack(">III", 1, 1, 1))
    stsz = full_box(
        "stsz", struct.pack(">II", 0, len(sizes)) + b"".join(struct.pack(">I", s) for s in sizes)
    )
    if co64:
        stco = full_box(
            "co64",
            struct.pack(">I", len(chunk_offsets))
            + b"".join(struct.pack(">Q", o) for o in chunk_offsets),
        )
    else:
        stco = full_box(
            "stco",
            struct.pack(">I", len(chunk_offsets))
            + b"".join(struct.pack(">I", o) for o in chunk_offsets),
        )
    stbl = box("stbl", stsd + stts + stsc + stsz + stco)
    minf = box(
        "minf",
        box("nmhd", b"\x00" * 4)
        + box("dinf", full_box("dref", struct.pack(">I", 1) + full_box("url ", b"", flags=1)))
        + stbl,
    )
    mdia = box("mdia", mdhd + hdlr + minf)
    edts = b""
    if elst is not None:
        edts = box(
            "edts",
            full_box("elst", struct.pack(">I", 1) + struct.pack(">IiI", elst[0], elst[1], 0x10000)),
        )
    return box("trak", tkhd + edts + mdia)


def add_track(
    src: Path,
    dst: Path,
    *,
    entry: str,
    samples: list[bytes],
    durations: list[int],
    timescale: int = 1000,
    handler: str = "meta",
    co64: bool = False,
    entry_payload: bytes = b"",
    elst: tuple[int, int] | None = None,
) -> Path:
    """Copy ``src`` to ``dst`` with one more track holding ``samples`` (one per chunk)."""
    data = src.read_bytes()
    boxes = _top_level(data)
    kinds = [k for k, _, _ in boxes]
    if kinds[-1] != "moov":
        raise ValueError(f"{src}: moov must be the last box, got {kinds}")
    _, moov_at, moov_size = boxes[-1]
    moov = data[moov_at : moov_at + moov_size]
    ids = _track_ids(moov)
    new_id = max(ids) + 1

    def build(offsets: list[int]) -> bytes:
        trak = _trak(
            new_id,
            handler,
            entry,
            timescale,
            [len(s) for s in samples],
            durations,
            offsets,
            co64=co64,
            entry_payload=entry_payload,
            elst=elst,
        )
        body = _bump_next_track_id(moov[8:], new_id + 1) + trak
        return box("moov", body)

    new_moov = build([0] * len(samples))
    mdat_at = moov_at + len(new_moov)
    offsets, pos = [], mdat_at + 8
    for s in samples:
        offsets.append(pos)
        pos += len(s)
    new_moov = build(offsets)
    dst.write_bytes(data[:moov_at] + new_moov + box("mdat", b"".join(samples)))
    return dst


def _children(payload: bytes) -> list[tuple[str, int, int]]:
    return _top_level(payload)


def _track_ids(moov: bytes) -> list[int]:
    ids = []
    for kind, at, size in _children(moov[8:]):
        if kind == "trak":
            trak = moov[8 + at : 8 + at + size]
            for k2, a2, _ in _children(trak[8:]):
                if k2 == "tkhd":
                    ids.append(struct.unpack_from(">I", trak, 8 + a2 + 8 + 4 + 8)[0])
    return ids


def _bump_next_track_id(body: bytes, next_id: int) -> bytes:
    out = bytearray(body)
    for kind, at, _ in _children(bytes(body)):
        if kind == "mvhd":
            version = out[at + 8]
            pos = at + 8 + 4 + (28 if version == 1 else 16) + 76
            struct.pack_into(">I", out, pos, next_id)
    return bytes(out)


def add_udta(src: Path, dst: Path, child: bytes) -> Path:
    """Copy ``src`` to ``dst`` with ``child`` appended to ``moov/udta`` (created if absent)."""
    data = src.read_bytes()
    boxes = _top_level(data)
    _, moov_at, moov_size = boxes[-1]
    moov = data[moov_at : moov_at + moov_size]
    parts = []
    found = False
    for kind, at, size in _children(moov[8:]):
        chunk = moov[8 + at : 8 + at + size]
        if kind == "udta":
            chunk = box("udta", chunk[8:] + child)
            found = True
        parts.append(chunk)
    if not found:
        parts.append(box("udta", child))
    dst.write_bytes(data[:moov_at] + box("moov", b"".join(parts)) + data[moov_at + moov_size :])
    return dst


def add_to_moov(src: Path, dst: Path, child: bytes) -> Path:
    """Copy ``src`` to ``dst`` with ``child`` appended to ``moov`` itself."""
    data = src.read_bytes()
    _, moov_at, moov_size = _top_level(data)[-1]
    moov = data[moov_at : moov_at + moov_size]
    dst.write_bytes(data[:moov_at] + box("moov", moov[8:] + child) + data[moov_at + moov_size :])
    return dst


def set_creation_time(path: Path, when: datetime) -> Path:
    """Write ``when`` (UTC) as the creation time in ``moov/mvhd`` (version 0), in place."""
    data = bytearray(path.read_bytes())
    at = data.find(b"mvhd")
    if at < 0 or data[at + 4] != 0:
        raise ValueError(f"{path}: no version-0 mvhd")
    seconds = int((when - datetime(1904, 1, 1, tzinfo=when.tzinfo)).total_seconds())
    struct.pack_into(">I", data, at + 8, seconds)
    path.write_bytes(bytes(data))
    return path


def quicktime_keys(items: dict[str, str]) -> bytes:
    """A QuickTime ``meta`` box (``hdlr`` mdta, ``keys``, ``ilst``) holding UTF-8 ``items``, as
    Android phones write ``com.android.manufacturer`` and ``com.android.model``."""
    hdlr = full_box("hdlr", struct.pack(">I4s", 0, b"mdta") + b"\x00" * 12 + b"\x00")
    names = list(items)
    keys = full_box(
        "keys",
        struct.pack(">I", len(names))
        + b"".join(struct.pack(">I", 8 + len(n.encode())) + b"mdta" + n.encode() for n in names),
    )
    ilst = box(
        "ilst",
        b"".join(
            struct.pack(">I", 8 + 16 + len(v.encode()))
            + struct.pack(">I", i + 1)
            + box("data", struct.pack(">II", 1, 0) + v.encode())
            for i, v in enumerate(items.values())
        ),
    )
    return box("meta", hdlr + keys + ilst)


# -- GPMF ---------------------------------------------------------------------------------------
def klv(key: str, kind: str, size: int, repeat: int, data: bytes) -> bytes:
    """One GPMF entry, padded to 4 bytes."""
    assert len(data) == size * repeat, (key, len(data), size, repeat)
    pad = (-len(data)) % 4
    return (
        key.encode()
        + kind.encode("latin-1")
        + bytes([size])
        + struct.pack(">H", repeat)
        + data
        + b"\x00" * pad
    )


def nest(key: str, *children: bytes) -> bytes:
    body = b"".join(children)
    return key.encode() + b"\x00\x04" + struct.pack(">H", len(body) // 4) + body


def gps5_payload(
    points: list[tuple[float, float, float, float, float]],
    gpsu: datetime | None,
    fix: int = 3,
    dop: float = 1.5,
    device: bytes = b"TestCam!",
) -> bytes:
    """A GPMF sample with one GPS5 stream: lat, lon, alt, 2D speed, 3D speed per point;
    ``device`` is the camera's name (``DVNM``)."""
    scal = (10_000_000, 10_000_000, 1000, 1000, 100)
    body = b"".join(
        struct.pack(">5i", *(round(v * s) for v, s in zip(p, scal, strict=True))) for p in points
    )
    entries = [
        klv("STNM", "c", 1, 4, b"GPS5"),
        klv("GPSF", "L", 4, 1, struct.pack(">I", fix)),
    ]
    if gpsu is not None:
        entries.append(klv("GPSU", "U", 16, 1, gpsu.strftime("%y%m%d%H%M%S.%f")[:16].encode()))
    entries += [
        klv("GPSP", "S", 2, 1, struct.pack(">H", round(dop * 100))),
        klv("SCAL", "l", 4, 5, struct.pack(">5i", *scal)),
        klv("GPS5", "l", 20, len(points), body),
    ]
    return nest("DEVC", klv("DVNM", "c", 1, len(device), device), nest("STRM", *entries))


# -- CAMM ---------------------------------------------------------------------------------------
def camm_packet(kind: int, *values: float) -> bytes:
    layout = {0: "<3f", 1: "<2i", 2: "<3f", 3: "<3f", 4: "<3f", 5: "<3d", 6: "<di2d7f", 7: "<3f"}[
        kind
    ]
    return struct.pack("<HH", 0, kind) + struct.pack(layout, *values)


def add_to_video_trak(src: Path, dst: Path, child: bytes) -> Path:
    """Copy ``src`` to ``dst`` with ``child`` appended to the first ``trak`` (e.g. a
    spherical-video v1 ``uuid`` box)."""
    data = src.read_bytes()
    _, moov_at, moov_size = _top_level(data)[-1]
    moov = data[moov_at : moov_at + moov_size]
    parts, done = [], False
    for kind, at, size in _children(moov[8:]):
        chunk = moov[8 + at : 8 + at + size]
        if kind == "trak" and not done:
            chunk = box("trak", chunk[8:] + child)
            done = True
        parts.append(chunk)
    dst.write_bytes(data[:moov_at] + box("moov", b"".join(parts)) + data[moov_at + moov_size :])
    return dst


SPHERICAL_V1_UUID = bytes.fromhex("ffcc8263f8554a938814587a02521fdd")


def spherical_v1(width: int, height: int) -> bytes:
    """A spherical video v1 ``uuid`` box declaring a full mono equirectangular frame."""
    xml = (
        '<?xml version="1.0"?><rdf:SphericalVideo '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:GSpherical="http://ns.google.com/videos/1.0/spherical/">'
        "<GSpherical:Spherical>true</GSpherical:Spherical>"
        "<GSpherical:Stitched>true</GSpherical:Stitched>"
        "<GSpherical:ProjectionType>equirectangular</GSpherical:ProjectionType>"
        f"<GSpherical:FullPanoWidthPixels>{width}</GSpherical:FullPanoWidthPixels>"
        f"<GSpherical:FullPanoHeightPixels>{height}</GSpherical:FullPanoHeightPixels>"
        "</rdf:SphericalVideo>"
    )
    return box("uuid", SPHERICAL_V1_UUID + xml.encode())
