"""Xiaomi Mi Sphere / MADV: the ``madv`` box in ``moov/udta``.

``madv`` holds child boxes with big-endian headers (size, type) and little-endian payloads:

* ``tlyd``: one 3x3 row-major float32 rotation matrix (36 bytes) per video frame, up to the
  first all-zero record (the rest of the box is padding);
* ``fltr``: a little-endian uint32, the number of leading frames that have no gyro data (their
  records are placeholders and are not reported);
* ``gpsx``, ``cutl``, ``lutz`` and any others: kept as raw bytes for the dump.

No public sample file exists; the tests build files with known matrices.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from vfx.errors import TelemetryError
from vfx.io.mp4 import Mp4File

__all__ = ["MadvReading", "read_madv"]

_RECORD = 36


@dataclass
class MadvReading:
    """Per-frame rotation matrices and the raw children of a ``madv`` box."""

    matrices: np.ndarray  # (N, 3, 3) float64, frame i of the video at row i
    first_frame: int  # frames before this one have no gyro data (fltr)
    raw: dict[str, bytes] = field(default_factory=dict)


def read_madv(mp4: Mp4File) -> MadvReading | None:
    """The ``madv`` box of an open file, or ``None`` when there is none."""
    box = mp4.find(mp4.moov, "udta/madv")
    if box is None:
        return None
    raw: dict[str, bytes] = {}
    for child in mp4.children(box, depth=3):
        if child.type in raw:
            continue
        raw[child.type] = mp4.payload(child)
    data = raw.pop("tlyd", b"")
    records = []
    for pos in range(0, len(data) - _RECORD + 1, _RECORD):
        chunk = data[pos : pos + _RECORD]
        if chunk == b"\x00" * _RECORD:
            break
        records.append(struct.unpack("<9f", chunk))
    matrices = np.asarray(records, dtype=np.float64).reshape(-1, 3, 3)
    if not np.isfinite(matrices).all():
        raise TelemetryError("madv 'tlyd' holds non-finite rotation values", path=mp4.path)
    first = 0
    fltr = raw.get("fltr")
    if fltr is not None:
        if len(fltr) < 4:
            raise TelemetryError("madv 'fltr' box is cut short", path=mp4.path)
        first = struct.unpack_from("<I", fltr)[0]
    return MadvReading(matrices=matrices, first_frame=min(first, len(matrices)), raw=raw)
