"""A corpus of bad inputs, generated (never committed): what each file is and how it was made.

``build_corpus(folder)`` writes every case and returns ``{name: path}``. Cases:

* ``zero.mp4``: zero bytes. ``text.mp4``: a text file named .mp4.
* ``cut_in_moov.mp4``: a fast-start MP4 (moov first) cut in the middle of its moov.
* ``cut_in_mdat.mp4``: the same MP4 cut in the middle of its media data (moov intact).
* ``corrupt.mp4``: 400 random bytes written over the middle of the media data.
* ``audio.m4a``: audio only. ``photo.png``: a still image where a video is expected.
* ``huge.y4m``: a raw video declaring 60000x60000 frames.
* ``damaged_stsz.mp4``: the good MP4 whose video ``stsz`` claims 2^31 - 1 samples of
  0xFFFFFFF0 bytes (FFmpeg then refuses to seek: "Operation not permitted").
* ``-odd name é.mp4``: a good clip whose name has spaces, non-ASCII and a leading dash.

``build_hostile_telemetry(folder, clip)`` adds crafted telemetry to a good clip:

* ``claims.mp4``: a gpmd track whose fixed-size ``stsz`` claims 49,999,999 samples of 100
  bytes in a file of a few KB (it took 9.7 GB before the sample tables were bounded).
* ``overlap.mp4``: 400 gpmd samples of 30 KB that all point at one payload (hundreds of MB
  and a minute before).

``image_claiming(path, width, height)`` writes a small PNG or TIFF whose header claims a
huge image (a 12 KB TIFF took 4.6 GB, a small PNG 5.2 GB, before sizes were checked first).
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from mp4build import _top_level, add_track, gps5_payload


def _good(path: Path, faststart: bool = True) -> Path:
    options = {"movflags": "faststart"} if faststart else {}
    rng = np.random.default_rng(5)
    with av.open(str(path), "w", options=options) as out:
        stream = out.add_stream("libx264", rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        stream.options = {"g": "10", "bf": "2", "crf": "18"}
        for i in range(50):
            img = rng.integers(0, 60, (96, 160, 3), dtype=np.uint8)
            img[:, (3 * i) % 150 : (3 * i) % 150 + 10] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _boxes(data: bytes) -> dict[str, tuple[int, int]]:
    out, pos = {}, 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        out[kind.decode("latin-1")] = (pos, size)
        pos += size
    return out


def build_corpus(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    good = _good(folder / "good.mp4")
    data = good.read_bytes()
    boxes = _boxes(data)
    moov_at, moov_size = boxes["moov"]
    mdat_at, mdat_size = boxes["mdat"]
    cases: dict[str, bytes] = {
        "zero.mp4": b"",
        "text.mp4": b"this is a text file, not a video\n" * 3,
        "cut_in_moov.mp4": data[: moov_at + moov_size // 2],
        "cut_in_mdat.mp4": data[: mdat_at + mdat_size // 2],
        "huge.y4m": b"YUV4MPEG2 W60000 H60000 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + bytes(64),
    }
    corrupt = bytearray(data)
    middle = mdat_at + mdat_size // 2
    corrupt[middle : middle + 400] = (
        np.random.default_rng(9).integers(0, 256, 400, np.uint8).tobytes()
    )
    cases["corrupt.mp4"] = bytes(corrupt)
    stsz = bytearray(data)
    at = stsz.find(b"stsz")
    struct.pack_into(">II", stsz, at + 8, 0xFFFFFFF0, 0x7FFFFFFF)
    cases["damaged_stsz.mp4"] = bytes(stsz)
    paths = {"good.mp4": good}
    for name, content in cases.items():
        (folder / name).write_bytes(content)
        paths[name] = folder / name
    audio = folder / "audio.m4a"
    with av.open(str(audio), "w") as out:
        stream = out.add_stream("aac", rate=8000)
        for i in range(4):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = 8000, i * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
    paths["audio.m4a"] = audio
    photo = folder / "photo.png"
    cv2.imwrite(str(photo), np.zeros((20, 30, 3), np.uint8))
    paths["photo.png"] = photo
    odd = folder / "-odd name é.mp4"
    odd.write_bytes(data)
    paths["odd"] = odd
    return paths


def _patch_last(data: bytearray, kind: bytes, values: list[int], at: int = 8) -> None:
    """Overwrite 32-bit fields of the last ``kind`` box inside moov, from byte ``at`` of it."""
    (_, moov_at, moov_size) = next(b for b in _top_level(bytes(data)) if b[0] == "moov")
    pos = bytes(data).rfind(kind, moov_at, moov_at + moov_size) - 4
    for i, v in enumerate(values):
        struct.pack_into(">I", data, pos + at + 4 * i, v)


def build_hostile_telemetry(folder: Path, clip: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    claims = add_track(
        clip,
        folder / "claims.mp4",
        entry="gpmd",
        samples=[gps5_payload([(45.0, 7.0, 1.0, 1.0, 1.0)], None)],
        durations=[1000],
    )
    data = bytearray(claims.read_bytes())
    _patch_last(data, b"stsz", [100, 49_999_999], at=12)  # sample_size, sample_count
    claims.write_bytes(bytes(data))
    payload = gps5_payload([(45.0, 7.0, 1.0, 1.0, 1.0)] * 1500, None)  # about 30 KB
    n = 400
    overlap = add_track(
        clip,
        folder / "overlap.mp4",
        entry="gpmd",
        samples=[payload] + [b"\0" * 8] * (n - 1),
        durations=[1000] * n,
    )
    data = bytearray(overlap.read_bytes())
    _patch_last(data, b"stsz", [0, n] + [len(payload)] * n, at=12)
    first = struct.unpack_from(">I", data, bytes(data).rfind(b"stco") + 12)[0]
    _patch_last(data, b"stco", [n] + [first] * n, at=12)
    overlap.write_bytes(bytes(data))
    assert n * len(payload) > len(data)
    return {"claims": claims, "overlap": overlap}


def _png_claiming(path: Path, width: int, height: int) -> Path:
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\0" * 4096)  # far too little for the claimed size
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
    return path


def _tiff_claiming(path: Path, width: int, height: int) -> Path:
    import numpy as np

    from vfx.io.images import write_image

    write_image(path, np.zeros((8, 8, 3), np.uint8))
    data = bytearray(path.read_bytes())
    first = struct.unpack_from("<I", data, 4)[0] if data[:2] == b"II" else None
    assert first is not None
    count = struct.unpack_from("<H", data, first)[0]
    for i in range(count):
        at = first + 2 + 12 * i
        tag = struct.unpack_from("<H", data, at)[0]
        if tag in (256, 257):
            value = width if tag == 256 else height
            struct.pack_into("<HHII", data, at, tag, 4, 1, value)  # LONG
    path.write_bytes(bytes(data))
    return path


def image_claiming(path: Path, width: int, height: int) -> Path:
    """A PNG or TIFF (by suffix) whose header claims ``width`` x ``height``."""
    if path.suffix == ".png":
        return _png_claiming(path, width, height)
    return _tiff_claiming(path, width, height)
