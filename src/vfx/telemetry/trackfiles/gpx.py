"""Read GPX tracks (gpxpy), safely, into a :class:`~vfx.telemetry.track.GpsTrack`."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from vfx.errors import TelemetryError
from vfx.telemetry.track import GpsTrack
from vfx.telemetry.trackfiles.common import (
    MAX_TRACK_BYTES,
    read_limited,
    refuse_entities,
    track_from_rows,
)

__all__ = ["MAX_GPX_BYTES", "read_gpx"]

MAX_GPX_BYTES = MAX_TRACK_BYTES
_NAN = float("nan")


def read_gpx(path: str | Path) -> GpsTrack:
    """Every track and route point of a GPX file, ordered by time (waypoints are no track).

    Points need a time to be placed against a video; points without one are dropped and
    counted in the error when none remain. Documents declaring a DOCTYPE or entities are
    refused before parsing (no entity expansion, no external references).

    Raises
    ------
    TelemetryError
        When the file is missing, too large, not GPX, declares entities, or has no timed points.
    """
    path = Path(path)
    data = read_limited(path, "GPX")
    refuse_entities(data, path, "GPX")
    import gpxpy
    import gpxpy.gpx

    try:
        gpx = gpxpy.parse(data.decode("utf-8-sig", "replace"))
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise TelemetryError(f"not a readable GPX file ({reason})", path=path) from exc
    points = [p for t in gpx.tracks for s in t.segments for p in s.points]
    points += [p for r in gpx.routes for p in r.points]
    untimed = sum(p.time is None for p in points)
    rows = [
        (
            (p.time if p.time.tzinfo else p.time.replace(tzinfo=UTC)).timestamp(),
            p.latitude,
            p.longitude,
            _NAN if p.elevation is None else p.elevation,
            _NAN if p.speed is None else p.speed,
        )
        for p in points
        if p.time is not None
    ]
    return track_from_rows(
        rows,
        source="gpx",
        path=path,
        what="GPX",
        skipped=f"{untimed} points without a time" if untimed else "",
    )
