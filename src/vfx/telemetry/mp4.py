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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from vfx.errors import TelemetryError

__all__ = [
    "MAX_DEPTH",
    "Box",
    "MovieHeader",
    "Mp4File",
    "Sample",
    "TrackSummary",
    "iter_boxes",
    "list_tracks",
    "read_payload",
]

#: Deepest nesting the walker follows; real files stay below 10.
MAX_DEPTH = 32
#: Largest box payload read into memory by :func:`read_payload` (sample tables of long videos
#: stay far below this).
MAX_PAYLOAD = 256 * 1024 * 1024

# Boxes whose payload is a plain list of child boxes.
CONTAINERS = frozenset(
    {"moov", "trak", "mdia", "minf", "stbl", "udta", "edts", "dinf", "mvex", "moof", "traf"}
)
#: Most entries accepted in one sample table (a day of 60 fps video is 5.2 million samples).
MAX_ENTRIES = 50_000_000
_MAC_EPOCH = datetime(1904, 1, 1, tzinfo=UTC)


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
    with Mp4File(path) as mp4:
        return mp4.tracks


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


# -- sample tables ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    """One sample of a track: where its bytes are and when it plays.

    ``time_s`` and ``duration_s`` are on the movie's timeline (the track's edit list applied),
    the timeline on which video frame times are measured.
    """

    index: int
    offset: int
    size: int
    time_s: float
    duration_s: float
    composition_s: float = 0.0

    @property
    def presentation_s(self) -> float:
        """Presentation time on the movie timeline (decode time plus the ``ctts`` offset)."""
        return self.time_s + self.composition_s


@dataclass(frozen=True)
class MovieHeader:
    """What ``mvhd`` says: the movie timescale, duration and creation time (as written)."""

    timescale: int
    duration: int
    creation_time: datetime | None


def _table(data: bytes, fmt: str, header: int, what: str, path: str | Path) -> list[tuple]:  # type: ignore[type-arg]
    """Entries of a full box holding ``count`` records of struct ``fmt`` after ``header`` bytes."""
    if len(data) < header:
        raise TelemetryError(f"'{what}' box is cut short", path=path)
    count = struct.unpack_from(">I", data, header - 4)[0]
    size = struct.calcsize(fmt)
    if count > MAX_ENTRIES or header + count * size > len(data):
        raise TelemetryError(
            f"'{what}' box claims {count} entries but holds {(len(data) - header) // size}",
            path=path,
        )
    return list(struct.iter_unpack(fmt, data[header : header + count * size]))


def _sample_sizes(data: bytes, kind: str, path: str | Path) -> list[int]:
    if kind == "stsz":
        if len(data) < 12:
            raise TelemetryError("'stsz' box is cut short", path=path)
        fixed, count = struct.unpack_from(">II", data, 4)
        if fixed:
            if count > MAX_ENTRIES:
                raise TelemetryError(f"'stsz' box claims {count} samples", path=path)
            return [fixed] * count
        return [e[0] for e in _table(data, ">I", 12, "stsz", path)]
    # stz2: compact sizes of 4, 8 or 16 bits
    if len(data) < 12:
        raise TelemetryError("'stz2' box is cut short", path=path)
    field_size = data[7]
    count = struct.unpack_from(">I", data, 8)[0]
    body = data[12:]
    if field_size not in (4, 8, 16) or count > MAX_ENTRIES or len(body) * 8 < count * field_size:
        raise TelemetryError("'stz2' box is malformed", path=path)
    if field_size == 16:
        return [e[0] for e in struct.iter_unpack(">H", body[: 2 * count])]
    if field_size == 8:
        return list(body[:count])
    return [(body[i // 2] >> (4 if i % 2 == 0 else 0)) & 0xF for i in range(count)]


def _edit_shift(data: bytes, movie_scale: int, track_scale: int, path: str | Path) -> float:
    """Seconds to add to a track's media times to put them on the movie timeline.

    Leading empty edits delay the track; the first real edit's media time is where it starts.
    Later edits (rarely used by cameras) are not modelled.
    """
    if len(data) < 8:
        raise TelemetryError("'elst' box is cut short", path=path)
    version = data[0]
    fmt = ">QqI" if version == 1 else ">IiI"
    delay = 0
    for duration, media_time, _rate in _table(data, fmt, 8, "elst", path):
        if media_time == -1:
            delay += duration
            continue
        return (delay / movie_scale if movie_scale else 0.0) - (
            media_time / track_scale if track_scale else 0.0
        )
    return delay / movie_scale if movie_scale else 0.0


def _parse_mvhd(data: bytes) -> MovieHeader:
    if len(data) >= 32 and data[0] == 1:
        created, _, timescale, duration = struct.unpack_from(">QQIQ", data, 4)
    elif len(data) >= 20:
        created, _, timescale, duration = struct.unpack_from(">IIII", data, 4)
    else:
        return MovieHeader(0, 0, None)
    when = _MAC_EPOCH + timedelta(seconds=created) if created else None
    return MovieHeader(timescale, duration, when)


class Mp4File:
    """An open MP4/QuickTime file read through the bounded walker.

    Use as a context manager. Only headers and the boxes asked for are read.

    Examples
    --------
    >>> with Mp4File("clip.mp4") as mp4:  # doctest: +SKIP
    ...     gpmd = next(t for t in mp4.tracks if t.sample_entry == "gpmd")
    ...     samples = mp4.samples(gpmd)
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self._f: BinaryIO = self.path.open("rb")
        except OSError as exc:
            raise TelemetryError(f"cannot read: {exc.strerror or exc}", path=self.path) from exc
        try:
            self.size = self._f.seek(0, 2)
            self.moov = _moov(self._f, self.size, self.path)
            mvhd = find(self._f, self.moov, "mvhd", path=self.path)
            self.header = _parse_mvhd(_small(self._f, mvhd, self.path))
            self.tracks = [
                _summarise(self._f, trak, self.path)
                for trak in children(self._f, self.moov, path=self.path, depth=1)
                if trak.type == "trak"
            ]
        except OSError as exc:
            self._f.close()
            raise TelemetryError(f"cannot read: {exc.strerror or exc}", path=self.path) from exc
        except BaseException:
            self._f.close()
            raise

    def close(self) -> None:
        self._f.close()

    def looks_plain(self) -> bool:
        """True when the file holds nothing but ordinary video, audio and timecode.

        Plain files need no exiftool fallback: there is nowhere for telemetry to hide. Extra
        tracks, unknown top-level boxes or bytes after the last box (Insta360 and others append
        trailers) make a file not plain.
        """
        if any(t.handler_type not in ("vide", "soun", "tmcd", "hint") for t in self.tracks):
            return False
        plain = {"ftyp", "moov", "mdat", "free", "skip", "wide", "pdin"}
        try:
            end = 0
            for box in iter_boxes(self._f, 0, self.size, path=self.path):
                if box.type not in plain:
                    return False
                end = box.end
        except TelemetryError:
            return False
        return end == self.size

    def __enter__(self) -> Mp4File:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def find(self, parent: Box, kinds: str) -> Box | None:
        """First descendant of ``parent`` along a path of box types, e.g. ``"udta/madv"``."""
        return find(self._f, parent, kinds, path=self.path)

    def children(self, box: Box, depth: int = 2) -> Iterator[Box]:
        return children(self._f, box, path=self.path, depth=depth)

    def boxes(self, start: int, end: int, depth: int = 2) -> Iterator[Box]:
        """Boxes lying in a byte range (child boxes after a sample entry's fixed fields)."""
        return iter_boxes(self._f, start, end, path=self.path, depth=depth)

    def payload(self, box: Box, limit: int = MAX_PAYLOAD) -> bytes:
        return read_payload(self._f, box, path=self.path, limit=limit)

    def read(self, offset: int, size: int) -> bytes:
        """``size`` bytes at ``offset``; a range past the end of the file is an error."""
        if offset < 0 or size < 0 or offset + size > self.size:
            raise TelemetryError(
                f"sample at byte {offset} ({size} bytes) lies past the end of the file",
                path=self.path,
            )
        self._f.seek(offset)
        return self._f.read(size)

    def sample_entry(self, track: TrackSummary) -> bytes:
        """The payload of the track's first sample entry (after its 8-byte header)."""
        stsd = self.find(track.box, "mdia/minf/stbl/stsd")
        if stsd is None:
            return b""
        data = self.payload(stsd, limit=1 << 20)
        if len(data) < 16:
            return b""
        size = struct.unpack_from(">I", data, 8)[0]
        return data[16 : 8 + size] if 8 <= size <= len(data) - 8 else b""

    def samples(self, track: TrackSummary) -> list[Sample]:
        """Every sample of ``track`` with its file offset, size and movie time.

        Reads ``stts``, ``stsc``, ``stsz``/``stz2``, ``stco``/``co64`` and the edit list. Tables
        that disagree with each other or point outside the file raise
        :class:`~vfx.errors.TelemetryError`.
        """
        path = self.path
        stbl = self.find(track.box, "mdia/minf/stbl")
        if stbl is None:
            return []
        boxes = {b.type: b for b in self.children(stbl, depth=5)}
        sizes_box = boxes.get("stsz") or boxes.get("stz2")
        offsets_box = boxes.get("stco") or boxes.get("co64")
        if sizes_box is None or offsets_box is None or "stsc" not in boxes or "stts" not in boxes:
            raise TelemetryError(f"track {track.track_id} has no complete sample table", path=path)
        sizes = _sample_sizes(self.payload(sizes_box), sizes_box.type, path)
        chunk_fmt = ">Q" if offsets_box.type == "co64" else ">I"
        chunks = [e[0] for e in _table(self.payload(offsets_box), chunk_fmt, 8, "stco", path)]
        stsc = _table(self.payload(boxes["stsc"]), ">III", 8, "stsc", path)
        stts = _table(self.payload(boxes["stts"]), ">II", 8, "stts", path)
        scale = track.timescale or 1
        shift = 0.0
        elst = self.find(track.box, "edts/elst")
        if elst is not None:
            shift = _edit_shift(self.payload(elst), self.header.timescale, scale, path)

        # Sample offsets: walk the chunks, each holding the run length its stsc entry says.
        offsets: list[int] = []
        n = len(sizes)
        for i, (first, per_chunk, _desc) in enumerate(stsc):
            last = stsc[i + 1][0] - 1 if i + 1 < len(stsc) else len(chunks)
            if first < 1 or last > len(chunks) or (per_chunk == 0 and first <= last):
                raise TelemetryError(f"track {track.track_id}: bad 'stsc' entry", path=path)
            for chunk in range(first - 1, last):
                pos = chunks[chunk]
                for _ in range(per_chunk):
                    if len(offsets) == n:
                        break
                    offsets.append(pos)
                    pos += sizes[len(offsets) - 1]
                if len(offsets) == n:
                    break
        if len(offsets) != n:
            raise TelemetryError(
                f"track {track.track_id}: chunks hold {len(offsets)} of {n} samples", path=path
            )
        times: list[tuple[int, int]] = []
        t = 0
        for count, delta in stts:
            if len(times) + count > n:
                count = n - len(times)
            for _ in range(count):
                times.append((t, delta))
                t += delta
        if len(times) < n:
            raise TelemetryError(
                f"track {track.track_id}: 'stts' times {len(times)} of {n} samples", path=path
            )
        composition = [0] * n
        if "ctts" in boxes:
            ctts = _table(self.payload(boxes["ctts"]), ">Ii", 8, "ctts", path)
            i = 0
            for count, delta in ctts:
                for _ in range(min(count, n - i)):
                    composition[i] = delta
                    i += 1
        out = []
        for i in range(n):
            if offsets[i] + sizes[i] > self.size:
                raise TelemetryError(
                    f"track {track.track_id}: sample {i} lies past the end of the file", path=path
                )
            start, delta = times[i]
            out.append(
                Sample(
                    i,
                    offsets[i],
                    sizes[i],
                    start / scale + shift,
                    delta / scale,
                    composition[i] / scale,
                )
            )
        return out

    def iter_sample_data(
        self, track: TrackSummary, limit: int = 64 * 1024 * 1024
    ) -> Iterator[tuple[Sample, bytes]]:
        """Each sample of ``track`` with its bytes (one sample in memory at a time)."""
        for sample in self.samples(track):
            if sample.size > limit:
                raise TelemetryError(
                    f"track {track.track_id}: sample {sample.index} of {sample.size} bytes "
                    f"exceeds {limit}",
                    path=self.path,
                )
            yield sample, self.read(sample.offset, sample.size)
