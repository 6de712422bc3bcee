"""Telemetry through exiftool ``-ee``, for the many cameras vfx has no reader of its own for.

exiftool splits a video's timed metadata into documents (``Doc1``, ``Doc2``, ...), one per
metadata sample, each with ``SampleTime`` and ``SampleDuration`` and any number of GPS points.
A document with one ``GPSDateTime`` per point gives each point its own time; otherwise points
are spread over their sample and the first stamp is an anchor. The clock is the median of the
anchors over documents, like GPMF's GPSU. Some cameras (Insta360) give stamps but no sample
times: the container's creation time then places them on the video.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from vfx.io.exiftool import read_embedded_docs
from vfx.telemetry.track import Clock, GpsTrack

__all__ = ["ExiftoolTrack", "parse_exif_datetime", "read_exiftool_track"]

_SPEED_TO_MS = {"K": 1 / 3.6, "M": 0.44704, "N": 0.514444}


def parse_exif_datetime(text: str) -> datetime | None:
    """``YYYY:MM:DD HH:MM:SS[.fff][Z|+hh:mm]`` as an aware datetime (UTC when no zone)."""
    text = text.strip().replace("Z", "+00:00")
    if len(text) < 19:
        return None
    date = text[:10].replace(":", "-")
    try:
        dt = datetime.fromisoformat(f"{date}T{text[11:]}")
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _float(value: str) -> float:
    try:
        return float(value.split()[0])
    except (ValueError, IndexError):
        return float("nan")


@dataclass
class ExiftoolTrack:
    """What exiftool's embedded documents gave: the track (``None`` without usable points),
    its UTC clock, the file's main tags and notes on what was skipped and why."""

    track: GpsTrack | None
    clock: Clock | None
    main: dict[str, str]
    notes: list[str] = field(default_factory=list)


@dataclass
class _Doc:
    """One embedded document's GPS points (times on the video, or only UTC stamps)."""

    start: float
    time_s: np.ndarray
    utc_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    speed: np.ndarray


def _parse_doc(tags: list[tuple[str, str]]) -> _Doc | None:
    values: dict[str, list[str]] = {}
    for tag, value in tags:
        values.setdefault(tag, []).append(value)
    lats, lons = values.get("GPSLatitude", []), values.get("GPSLongitude", [])
    n = min(len(lats), len(lons))
    if n == 0:
        return None
    start = _float(values.get("SampleTime", ["nan"])[0])
    duration = _float(values.get("SampleDuration", ["0"])[0])
    duration = duration if np.isfinite(duration) and duration >= 0 else 0.0
    stamps = [parse_exif_datetime(v) for v in values.get("GPSDateTime", [])]
    utc = np.full(n, np.nan)
    if len(stamps) == n and all(stamps):
        # One stamp per fix (GoPro Karma's GLPI, 4 fixes 0.25 s apart): each keeps its own.
        utc = np.array([st.timestamp() for st in stamps if st is not None])
        time_s = start + (utc - utc[0])
    else:
        # Fixes spread over their sample; a lone stamp anchors the first one.
        time_s = start + np.arange(n) * (duration / n)
        if stamps and stamps[0] is not None:
            utc[0] = stamps[0].timestamp()
    refs = values.get("GPSSpeedRef", [])
    factor = _SPEED_TO_MS.get(refs[0][:1].upper(), float("nan")) if refs else float("nan")

    def column(name: str, scale: float = 1.0) -> np.ndarray:
        raw = values.get(name, [])
        return np.array([_float(raw[i]) * scale if i < len(raw) else np.nan for i in range(n)])

    return _Doc(
        start,
        time_s,
        utc,
        np.array([_float(v) for v in lats[:n]]),
        np.array([_float(v) for v in lons[:n]]),
        column("GPSAltitude"),
        column("GPSSpeed", factor),
    )


def read_exiftool_track(path: Path, *, creation_utc: datetime | None = None) -> ExiftoolTrack:
    """The GPS track exiftool finds in ``path``, its UTC clock, and the main tags.

    Never returns a NaN or infinite time, clock or position: fixes at exactly (0, 0) or
    without finite coordinates are dropped ("no GPS"), and a document whose fixes cannot be
    placed on the video (no ``SampleTime`` and no UTC stamp that a clock could place) is
    skipped. The clock is the median over documents of ``GPSDateTime - SampleTime``; when
    the documents carry UTC stamps but no sample times (Insta360), ``creation_utc`` (the
    container's creation time) places them, with a note saying so.
    """
    main, raw_docs = read_embedded_docs(path)
    notes: list[str] = []
    docs = [d for d in (_parse_doc(tags) for tags in raw_docs.values()) if d is not None]
    anchors = [
        float(d.utc_s[0] - d.start)
        for d in docs
        if np.isfinite(d.start) and np.isfinite(d.utc_s[0])
    ]
    clock = None
    if anchors:
        clock = Clock(statistics.median(anchors), "gps", "exiftool GPSDateTime")
    elif any(np.isfinite(d.utc_s).all() for d in docs) and creation_utc is not None:
        clock = Clock(creation_utc.timestamp(), "creation", "container creation time")
        notes.append(
            "exiftool's GPS documents have UTC times but no sample times; placed on the video "
            "by its creation time (check it, or give --offset)"
        )
    kept: list[_Doc] = []
    skipped = 0
    for d in docs:
        if not np.isfinite(d.start):
            if clock is None or not np.isfinite(d.utc_s).all():
                skipped += 1
                continue
            d.time_s = d.utc_s - clock.offset_s  # UTC stamps placed by the clock
        if clock is not None and clock.source == "gps":
            d.utc_s = np.where(np.isfinite(d.utc_s), d.utc_s, d.time_s + clock.offset_s)
        kept.append(d)
    if skipped:
        notes.append(
            f"{skipped} of {len(docs)} exiftool GPS documents have no usable time and were skipped"
        )
    if not kept:
        return ExiftoolTrack(None, clock, main, notes)
    cols = {
        name: np.concatenate([getattr(d, name) for d in kept])
        for name in ("time_s", "utc_s", "lat", "lon", "alt", "speed")
    }
    fixed = (
        np.isfinite(cols["lat"])
        & np.isfinite(cols["lon"])
        & np.isfinite(cols["time_s"])
        & ~((cols["lat"] == 0) & (cols["lon"] == 0))
    )
    if not fixed.all():
        lost = int((~fixed).sum())
        notes.append(
            f"{lost} of {fixed.size} exiftool GPS fixes are at 0,0 or unreadable (no GPS fix)"
        )
    if not fixed.any():
        return ExiftoolTrack(None, clock, main, notes)
    track = GpsTrack.from_columns(
        **{name: col[fixed] for name, col in cols.items()}, source="exiftool"
    )
    return ExiftoolTrack(track, clock, main, notes)
