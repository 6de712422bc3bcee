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

import numpy as np

from vfx.errors import TelemetryError

__all__ = [
    "MAX_DEPTH",
    "Box",
    "MovieHeader",
    "Mp4File",
    "Sample",
    "SampleTable",
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
class SampleTable:
    """All samples of a track as columns (``int64`` offsets and sizes, ``float64`` seconds)."""

    offset: np.ndarray
    size: np.ndarray
    time_s: np.ndarray
    duration_s: np.ndarray
    composition_s: np.ndarray

    @classmethod
    def empty(cls) -> SampleTable:
        i, f = np.zeros(0, np.int64), np.zeros(0)
        return cls(i, i, f, f, f)

    def __len__(self) -> int:
        return int(self.size.size)

    @property
    def presentation_s(self) -> np.ndarray:
        return self.time_s + self.composition_s

    def samples(self) -> Iterator[Sample]:
        """The rows as :class:`Sample` objects, one at a time."""
        columns = (self.offset, self.size, self.time_s, self.duration_s, self.composition_s)
        for i, row in enumerate(zip(*(c.tolist() for c in columns), strict=True)):
            yield Sample(i, *row)


@dataclass(frozen=True)
class MovieHeader:
    """What ``mvhd`` says: the movie timescale, duration and creation time (as written)."""

    timescale: int
    duration: int
    creation_time: datetime | None


def _table(data: bytes, dtype: str, header: int, what: str, path: str | Path) -> np.ndarray:
    """Entries of a full box holding ``count`` records of numpy ``dtype`` after ``header`` bytes.

    A structured big-endian array read straight from the box bytes (no per-entry Python), so a
    table of millions of entries costs milliseconds.
    """
    if len(data) < header:
        raise TelemetryError(f"'{what}' box is cut short", path=path)
    count = struct.unpack_from(">I", data, header - 4)[0]
    size = np.dtype(dtype).itemsize
    if count > MAX_ENTRIES or header + count * size > len(data):
        raise TelemetryError(
            f"'{what}' box claims {count} entries but holds {(len(data) - header) // size}",
            path=path,
        )
    return np.frombuffer(data, dtype=dtype, count=count, offset=header)


def _sample_sizes(data: bytes, kind: str, path: str | Path, file_size: int) -> np.ndarray:
    if kind == "stsz":
        if len(data) < 12:
            raise TelemetryError("'stsz' box is cut short", path=path)
        fixed, count = struct.unpack_from(">II", data, 4)
        if fixed:
            if count > MAX_ENTRIES or fixed * count > file_size:
                raise TelemetryError(
                    f"'stsz' box claims {count} samples of {fixed} bytes, more than the file holds",
                    path=path,
                )
            return np.full(count, fixed, dtype=np.int64)
        return _table(data, ">u4", 12, "stsz", path).astype(np.int64)
    # stz2: compact sizes of 4, 8 or 16 bits
    if len(data) < 12:
        raise TelemetryError("'stz2' box is cut short", path=path)
    field_size = data[7]
    count = struct.unpack_from(">I", data, 8)[0]
    body = np.frombuffer(data, dtype=np.uint8, offset=12)
    if field_size not in (4, 8, 16) or count > MAX_ENTRIES or body.size * 8 < count * field_size:
        raise TelemetryError("'stz2' box is malformed", path=path)
    if field_size == 16:
        return np.frombuffer(data, dtype=">u2", count=count, offset=12).astype(np.int64)
    if field_size == 8:
        return body[:count].astype(np.int64)
    nibbles = np.stack([body >> 4, body & 0xF], axis=1).reshape(-1)
    return nibbles[:count].astype(np.int64)


def _runs(counts: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """``values[i]`` repeated ``counts[i]`` times, cut or checked to ``n`` entries in all."""
    counts = counts.astype(np.int64)
    total = np.cumsum(counts)
    if total.size and total[-1] > n:  # a table longer than the samples: cut its last runs
        counts = np.clip(n - (total - counts), 0, counts)
    return np.repeat(values, counts)


def _edit_shift(data: bytes, movie_scale: int, track_scale: int, path: str | Path) -> float:
    """Seconds to add to a track's media times to put them on the movie timeline.

    Leading empty edits delay the track; the first real edit's media time is where it starts.
    Later edits (rarely used by cameras) are not modelled.
    """
    if len(data) < 8:
        raise TelemetryError("'elst' box is cut short", path=path)
    version = data[0]
    fmt = ">u8,>i8,>u4" if version == 1 else ">u4,>i4,>u4"
    delay = 0
    for duration, media_time, _rate in _table(data, fmt, 8, "elst", path).tolist():
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
        """Every sample of ``track`` as a :class:`Sample` (see :meth:`sample_table`)."""
        return list(self.sample_table(track).samples())

    def sample_table(self, track: TrackSummary) -> SampleTable:
        """Every sample of ``track`` with its file offset, size and movie time, as arrays.

        Reads ``stts``, ``stsc``, ``stsz``/``stz2``, ``stco``/``co64``, ``ctts`` and the edit
        list, expanded with numpy (a track of millions of samples takes milliseconds). Tables
        that disagree with each other or point outside the file raise
        :class:`~vfx.errors.TelemetryError`.
        """
        path = self.path
        stbl = self.find(track.box, "mdia/minf/stbl")
        if stbl is None:
            return SampleTable.empty()
        boxes = {b.type: b for b in self.children(stbl, depth=5)}
        sizes_box = boxes.get("stsz") or boxes.get("stz2")
        offsets_box = boxes.get("stco") or boxes.get("co64")
        if sizes_box is None or offsets_box is None or "stsc" not in boxes or "stts" not in boxes:
            raise TelemetryError(f"track {track.track_id} has no complete sample table", path=path)
        sizes = _sample_sizes(self.payload(sizes_box), sizes_box.type, path, self.size)
        n = sizes.size
        chunk_fmt = ">u8" if offsets_box.type == "co64" else ">u4"
        chunks = _table(self.payload(offsets_box), chunk_fmt, 8, "stco", path).astype(np.int64)
        stsc = _table(self.payload(boxes["stsc"]), ">u4,>u4,>u4", 8, "stsc", path)
        stts = _table(self.payload(boxes["stts"]), ">u4,>u4", 8, "stts", path)
        scale = track.timescale or 1
        shift = 0.0
        elst = self.find(track.box, "edts/elst")
        if elst is not None:
            shift = _edit_shift(self.payload(elst), self.header.timescale, scale, path)

        # Samples per chunk: each stsc entry's run length from its first chunk to the next's.
        first = stsc["f0"].astype(np.int64)
        per_chunk = stsc["f1"].astype(np.int64)
        last = np.r_[first[1:] - 1, chunks.size] if first.size else first
        if first.size and (
            np.any(first < 1)
            or np.any(last > chunks.size)
            or np.any(last < first - 1)
            or np.any((per_chunk == 0) & (first <= last))
        ):
            raise TelemetryError(f"track {track.track_id}: bad 'stsc' entry", path=path)
        chunk_runs = np.repeat(per_chunk, np.maximum(last - first + 1, 0))
        held = int(chunk_runs.sum())
        if held < n:
            raise TelemetryError(
                f"track {track.track_id}: chunks hold {held} of {n} samples", path=path
            )
        # Offsets: each chunk's start plus the sizes of the samples before it in the chunk.
        chunk_of = np.repeat(np.arange(chunk_runs.size), chunk_runs)[:n]
        ends = np.cumsum(sizes)
        starts = ends - sizes
        first_in_chunk = np.r_[0, np.cumsum(chunk_runs)[:-1]] if chunk_runs.size else chunk_runs
        offsets = chunks[chunk_of] + starts - starts[np.minimum(first_in_chunk[chunk_of], n - 1)]
        if n and np.any(offsets + sizes > self.size):
            bad = int(np.argmax(offsets + sizes > self.size))
            raise TelemetryError(
                f"track {track.track_id}: sample {bad} lies past the end of the file", path=path
            )
        deltas = _runs(stts["f0"], stts["f1"].astype(np.int64), n)
        if deltas.size < n:
            raise TelemetryError(
                f"track {track.track_id}: 'stts' times {deltas.size} of {n} samples", path=path
            )
        decode = np.cumsum(deltas) - deltas
        composition = np.zeros(n, dtype=np.int64)
        if "ctts" in boxes:
            ctts = _table(self.payload(boxes["ctts"]), ">u4,>i4", 8, "ctts", path)
            runs = _runs(ctts["f0"], ctts["f1"].astype(np.int64), n)
            composition[: runs.size] = runs
        return SampleTable(
            offset=offsets,
            size=sizes,
            time_s=decode / scale + shift,
            duration_s=deltas / scale,
            composition_s=composition / scale,
        )

    def iter_sample_data(
        self, track: TrackSummary, limit: int = 64 * 1024 * 1024
    ) -> Iterator[tuple[Sample, bytes]]:
        """Each sample of ``track`` with its bytes (one sample in memory at a time)."""
        table = self.sample_table(track)
        self._check_total(track, table)
        too_big = np.flatnonzero(table.size > limit)
        if too_big.size:
            i = int(too_big[0])
            raise TelemetryError(
                f"track {track.track_id}: sample {i} of {int(table.size[i])} bytes exceeds {limit}",
                path=self.path,
            )
        for sample in table.samples():
            yield sample, self.read(sample.offset, sample.size)

    def _check_total(self, track: TrackSummary, table: SampleTable) -> int:
        """The track's sample bytes in all; more than the file holds means samples overlap
        (a crafted table pointing every sample at one payload), refused before any is read."""
        total = int(table.size.sum())
        if total > self.size:
            raise TelemetryError(
                f"track {track.track_id}: its {len(table)} samples add up to {total} bytes, "
                f"more than the file's {self.size}: they overlap",
                path=self.path,
            )
        return total

    def sample_bytes(
        self, track: TrackSummary, limit: int = 512 * 1024 * 1024
    ) -> tuple[SampleTable, bytearray, np.ndarray]:
        """All of a track's sample bytes at once: the table, the bytes laid end to end, and
        where each sample starts in them.

        Samples that follow each other in the file are read with one read, so a track of
        millions of small samples (CAMM at 1 kHz) costs a few reads, not one per sample.
        Refuses tracks whose samples add up to more than ``limit`` bytes.
        """
        table = self.sample_table(track)
        total = self._check_total(track, table)
        if total > limit:
            raise TelemetryError(
                f"track {track.track_id}: {total} bytes of samples exceed {limit}", path=self.path
            )
        starts = np.cumsum(table.size) - table.size
        if not len(table):
            return table, bytearray(), starts
        # Runs of samples lying back to back in the file: one read each.
        breaks = np.flatnonzero(table.offset[1:] != table.offset[:-1] + table.size[:-1]) + 1
        first = np.r_[0, breaks]
        last = np.r_[breaks, len(table)] - 1
        buf = bytearray(total)
        for a, b in zip(first.tolist(), last.tolist(), strict=True):
            size = int(table.offset[b] + table.size[b] - table.offset[a])
            pos = int(starts[a])
            buf[pos : pos + size] = self.read(int(table.offset[a]), size)
        return table, buf, starts
