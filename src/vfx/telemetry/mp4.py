"""A bounded MP4/QuickTime box walker.

Reads only box headers and the few small boxes it is asked for; never the media data. Every size
is checked against its parent, nesting depth is limited, and any violation raises
:class:`~vfx.errors.TelemetryError` naming the file, so hostile files cannot make it loop,
recurse without end, or read past the end of the file.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from vfx.errors import TelemetryError

__all__ = ["MAX_DEPTH", "Box", "TrackSummary", "iter_boxes", "list_tracks", "read_payload"]

#: Deepest nesting the walker follows; real files stay below 10.
MAX_DEPTH = 32
#: Largest box payload read into memory by :func:`read_payload` (sample tables of long videos
#: stay far below this).
MAX_PAYLOAD = 256 * 1024 * 1024

# Boxes whose payload is a plain list of child boxes.
CONTAINERS = frozenset(
    {"moov", "trak", "mdia", "minf", "stbl", "udta", "edts", "dinf", "mvex", "moof", "traf"}
)


@dataclass(frozen=True)
class Box:
    """One box: its four-character type and where it lies in the file."""

    type: str
    offset: int
    size: int
    header_size: int

    @property
    def payload_offset(self) -> int:
        return self.offset + self.header_size

    @property
    def payload_size(self) -> int:
        return self.size - self.header_size

    @property
    def end(self) -> int:
        return self.offset + self.size


def _fourcc(raw: bytes) -> str:
    return raw.decode("latin-1")


def iter_boxes(
    f: BinaryIO, start: int, end: int, *, path: str | Path = "<stream>", depth: int = 0
) -> Iterator[Box]:
    """Yield the boxes lying one after another in ``[start, end)`` of ``f``.

    Raises
    ------
    TelemetryError
        When a size is smaller than its header, runs past ``end``, or ``depth`` exceeds
        :data:`MAX_DEPTH`.
    """
    if depth > MAX_DEPTH:
        raise TelemetryError(f"box tree nested deeper than {MAX_DEPTH} levels", path=path)
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        head = f.read(8)
        if len(head) < 8:
            raise TelemetryError(f"box header at byte {pos} is cut short", path=path)
        size, kind = struct.unpack(">I4s", head)
        header = 8
        if size == 1:
            large = f.read(8)
            if len(large) < 8:
                raise TelemetryError(f"64-bit box size at byte {pos} is cut short", path=path)
            size = struct.unpack(">Q", large)[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            raise TelemetryError(
                f"box '{_fourcc(kind)}' at byte {pos} has size {size}, below its header",
                path=path,
            )
        if pos + size > end:
            raise TelemetryError(
                f"box '{_fourcc(kind)}' at byte {pos} runs {pos + size - end} bytes "
                "past its parent",
                path=path,
            )
        yield Box(_fourcc(kind), pos, size, header)
        pos += size


def children(f: BinaryIO, box: Box, *, path: str | Path, depth: int) -> Iterator[Box]:
    """Child boxes of a container box; ``meta`` is handled in both ISO and QuickTime forms."""
    start = box.payload_offset
    if box.type == "meta":
        # ISO 'meta' is a full box (4 bytes version/flags); QuickTime's is a plain container.
        f.seek(start + 4)
        if f.read(4) != b"hdlr":
            start += 4
    return iter_boxes(f, start, box.end, path=path, depth=depth)


def read_payload(f: BinaryIO, box: Box, *, path: str | Path, limit: int = MAX_PAYLOAD) -> bytes:
    """The payload bytes of a box, refusing payloads larger than ``limit``."""
    if box.payload_size > limit:
        raise TelemetryError(
            f"box '{box.type}' payload of {box.payload_size} bytes exceeds {limit}", path=path
        )
    f.seek(box.payload_offset)
    data = f.read(box.payload_size)
    if len(data) < box.payload_size:
        raise TelemetryError(f"box '{box.type}' at byte {box.offset} is cut short", path=path)
    return data


def find(f: BinaryIO, parent: Box, kinds: str, *, path: str | Path, depth: int = 1) -> Box | None:
    """First descendant along a slash-separated path of box types, e.g. ``"mdia/hdlr"``."""
    box: Box | None = parent
    for level, kind in enumerate(kinds.split("/")):
        assert box is not None
        box = next(
            (b for b in children(f, box, path=path, depth=depth + level) if b.type == kind), None
        )
        if box is None:
            return None
    return box


@dataclass(frozen=True)
class TrackSummary:
    """What a track is, from its headers: enough to tell telemetry tracks apart."""

    track_id: int
    handler_type: str
    handler_name: str
    sample_entry: str | None
    timescale: int
    duration: int
    sample_count: int
    box: Box


def _parse_hdlr(data: bytes) -> tuple[str, str]:
    if len(data) < 24:
        return "", ""
    handler_type = _fourcc(data[8:12])
    name = data[24:]
    # ISO: NUL-terminated UTF-8; QuickTime: a Pascal string (length byte first).
    if name and name[0] == len(name) - 1:
        name = name[1:]
    text = name.split(b"\x00", 1)[0].decode("utf-8", "replace").strip()
    return handler_type, "".join(ch for ch in text if ch.isprintable()).strip()


def _parse_tkhd(data: bytes) -> int:
    if len(data) < 4:
        return 0
    version = data[0]
    at = 20 if version == 1 else 12
    return struct.unpack_from(">I", data, at)[0] if len(data) >= at + 4 else 0


def _parse_mdhd(data: bytes) -> tuple[int, int]:
    if len(data) < 4:
        return 0, 0
    if data[0] == 1 and len(data) >= 32:
        timescale, duration = struct.unpack_from(">IQ", data, 20)
        return timescale, duration
    if len(data) >= 20:
        timescale, duration = struct.unpack_from(">II", data, 12)
        return timescale, duration
    return 0, 0


def _parse_stsd_entry(data: bytes) -> str | None:
    # version/flags (4), entry_count (4), then the first entry: size (4), format (4)
    if len(data) < 16 or struct.unpack_from(">I", data, 4)[0] == 0:
        return None
    return _fourcc(data[12:16])


def _moov(f: BinaryIO, size: int, path: str | Path) -> Box:
    for box in iter_boxes(f, 0, size, path=path):
        if box.type == "moov":
            return box
    raise TelemetryError("no 'moov' box: not an MP4/QuickTime file or cut short", path=path)


def list_tracks(path: str | Path) -> list[TrackSummary]:
    """Summaries of every track in an MP4/QuickTime file, in file order."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            size = f.seek(0, 2)
            moov = _moov(f, size, path)
            tracks = []
            for trak in children(f, moov, path=path, depth=1):
                if trak.type != "trak":
                    continue
                tracks.append(_summarise(f, trak, path))
            return tracks
    except OSError as exc:
        raise TelemetryError(f"cannot read: {exc.strerror or exc}", path=path) from exc


def _small(f: BinaryIO, box: Box | None, path: str | Path) -> bytes:
    return read_payload(f, box, path=path, limit=1 << 20) if box is not None else b""


def _summarise(f: BinaryIO, trak: Box, path: str | Path) -> TrackSummary:
    track_id = _parse_tkhd(_small(f, find(f, trak, "tkhd", path=path), path))
    handler_type, handler_name = _parse_hdlr(_small(f, find(f, trak, "mdia/hdlr", path=path), path))
    timescale, duration = _parse_mdhd(_small(f, find(f, trak, "mdia/mdhd", path=path), path))
    stbl = find(f, trak, "mdia/minf/stbl", path=path)
    entry = None
    count = 0
    if stbl is not None:
        stsd = find(f, stbl, "stsd", path=path, depth=4)
        if stsd is not None:
            entry = _parse_stsd_entry(read_payload(f, stsd, path=path, limit=1 << 20)[:16])
        stsz = find(f, stbl, "stsz", path=path, depth=4) or find(
            f, stbl, "stz2", path=path, depth=4
        )
        if stsz is not None and stsz.payload_size >= 12:
            f.seek(stsz.payload_offset + 8)
            count = struct.unpack(">I", f.read(4))[0]
    return TrackSummary(
        track_id, handler_type, handler_name, entry, timescale, duration, count, trak
    )
