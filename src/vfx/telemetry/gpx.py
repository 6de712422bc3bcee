"""Read GPX tracks (gpxpy), safely, into a :class:`~vfx.telemetry.track.GpsTrack`."""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path

import numpy as np

from vfx.errors import TelemetryError
from vfx.telemetry.track import GpsTrack

__all__ = ["MAX_GPX_BYTES", "read_gpx"]

#: GPX files larger than this are refused (a year of 1 Hz points is about 100 MB).
MAX_GPX_BYTES = 512 * 1024 * 1024
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def read_gpx(path: str | Path) -> GpsTrack:
    """Every track, route and waypoint-free point of a GPX file, ordered by time.

    Points need a time to be placed against a video; points without one are dropped and
    counted in the error when none remain. Documents declaring a DOCTYPE or entities are
    refused before parsing (no entity expansion, no external references).

    Raises
    ------
    TelemetryError
        When the file is missing, too large, not GPX, declares entities, or has no timed points.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_GPX_BYTES:
            raise TelemetryError(f"GPX file of {size} bytes is larger than allowed", path=path)
        data = path.read_bytes()
    except OSError as exc:
        raise TelemetryError(f"cannot read GPX: {exc.strerror or exc}", path=path) from exc
    if _DOCTYPE.search(data[:65536]):
        raise TelemetryError("GPX declares a DOCTYPE or XML entities; refused", path=path)
    import gpxpy
    import gpxpy.gpx

    try:
        gpx = gpxpy.parse(data.decode("utf-8-sig", "replace"))
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise TelemetryError(f"not a readable GPX file ({reason})", path=path) from exc
    rows = []
    untimed = 0
    points = [p for t in gpx.tracks for s in t.segments for p in s.points]
    points += [p for r in gpx.routes for p in r.points]
    for p in points:
        if p.time is None:
            untimed += 1
            continue
        when = p.time if p.time.tzinfo else p.time.replace(tzinfo=UTC)
        rows.append(
            (
                when.timestamp(),
                p.latitude,
                p.longitude,
                np.nan if p.elevation is None else p.elevation,
                np.nan if p.speed is None else p.speed,
            )
        )
    if not rows:
        detail = f" ({untimed} points without a time)" if untimed else ""
        raise TelemetryError(f"GPX has no timed track points{detail}", path=path)
    arr = np.array(sorted(rows), dtype=np.float64)
    return GpsTrack.from_columns(
        utc_s=arr[:, 0],
        lat=arr[:, 1],
        lon=arr[:, 2],
        alt=arr[:, 3],
        speed=arr[:, 4],
        source=f"gpx {path.name}",
    )
