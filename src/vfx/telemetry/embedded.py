"""Telemetry through exiftool ``-ee``, for the many cameras vfx has no reader of its own for.

exiftool splits a video's timed metadata into documents (``Doc1``, ``Doc2``, ...), one per
metadata sample, each with ``SampleTime`` and ``SampleDuration`` and any number of GPS points.
Points get their own times by spreading them over their sample; a document's ``GPSDateTime``
stamps give UTC, per point when there is one per point, else as an anchor (the median over
documents, like GPMF's GPSU).
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from vfx.io.exiftool import read_embedded_docs
from vfx.telemetry.track import Clock, GpsTrack

__all__ = ["parse_exif_datetime", "read_exiftool_track"]

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


def read_exiftool_track(path: Path) -> tuple[GpsTrack | None, Clock | None, dict[str, str]]:
    """The GPS track exiftool finds in ``path``, its UTC clock, and the main tags."""
    main, docs = read_embedded_docs(path)
    rows: dict[str, list[float]] = {k: [] for k in ("t", "lat", "lon", "alt", "speed", "utc")}
    anchors: list[float] = []
    for tags in docs.values():
        values: dict[str, list[str]] = {}
        for tag, value in tags:
            values.setdefault(tag, []).append(value)
        lats, lons = values.get("GPSLatitude", []), values.get("GPSLongitude", [])
        n = min(len(lats), len(lons))
        if n == 0:
            continue
        start = _float(values.get("SampleTime", ["nan"])[0])
        duration = _float(values.get("SampleDuration", ["0"])[0])
        duration = duration if np.isfinite(duration) else 0.0
        times = start + np.arange(n) * (duration / n)
        alts = values.get("GPSAltitude", [])
        speeds = values.get("GPSSpeed", [])
        refs = values.get("GPSSpeedRef", [])
        factor = _SPEED_TO_MS.get(refs[0][:1].upper(), float("nan")) if refs else float("nan")
        stamps = [parse_exif_datetime(v) for v in values.get("GPSDateTime", [])]
        per_point = len(stamps) == n and all(stamps)
        for i in range(n):
            rows["t"].append(float(times[i]))
            rows["lat"].append(_float(lats[i]))
            rows["lon"].append(_float(lons[i]))
            rows["alt"].append(_float(alts[i]) if i < len(alts) else float("nan"))
            rows["speed"].append(_float(speeds[i]) * factor if i < len(speeds) else float("nan"))
            stamp = stamps[i] if per_point else None
            rows["utc"].append(stamp.timestamp() if stamp else float("nan"))
        if stamps and stamps[0] and np.isfinite(start):
            anchors.append(stamps[0].timestamp() - start)
    if not rows["lat"]:
        return None, None, main
    time_s = np.asarray(rows["t"])
    utc = np.asarray(rows["utc"])
    clock = None
    if np.isfinite(utc).any():
        good = np.isfinite(utc) & np.isfinite(time_s)
        clock = Clock(float(np.median(utc[good] - time_s[good])), "gps", "exiftool GPSDateTime")
    elif anchors:
        clock = Clock(statistics.median(anchors), "gps", "exiftool GPSDateTime (per sample)")
        utc = time_s + clock.offset_s
    track = GpsTrack.from_columns(
        time_s=time_s,
        utc_s=utc,
        lat=rows["lat"],
        lon=rows["lon"],
        alt=rows["alt"],
        speed=rows["speed"],
        source="exiftool",
    )
    return track, clock, main
