"""Crafted inputs shared by the tests and ``bench/hostile.py``: a file name that is exiftool
options, a short GPX track, a PNG header that claims what it likes."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

#: Two fixes ten seconds apart, from 2024-05-01T10:00:00Z, near 10 N 20 E.
SHORT_GPX = (
    '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
    '<trkpt lat="10" lon="20"><time>2024-05-01T10:00:00Z</time></trkpt>'
    '<trkpt lat="10.001" lon="20.001"><time>2024-05-01T10:00:10Z</time></trkpt>'
    "</trkseg></trk></gpx>"
)


def exiftool_option_name(marker: Path) -> str:
    """A file name that, split at its line breaks, is exiftool's ``-if`` running ``touch``.

    A name cannot hold ``/``, so the marker's absolute path is spelt with Perl's ``chr(47)``.
    """
    spelt = ".chr(47).".join(f"q{{{part}}}" for part in str(marker).split("/"))
    return f"x\n-if\nsystem(q{{touch }}.{spelt}) or 1\ny.jpg"


def png_header(path: Path, width: int, height: int, depth: int, colour: int) -> Path:
    """A PNG whose IHDR says ``width`` x ``height`` at ``depth`` bits of ``colour`` type, with
    a CRC-correct header and an empty image stream (nothing to decode before the check)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path
