"""Read Garmin FIT activity files (fitdecode) into a :class:`~vfx.telemetry.track.GpsTrack`.

Every ``record`` message with a timestamp and a position becomes a point: positions are
semicircles (degrees = semicircles x 180 / 2^31), altitude and speed the ``enhanced_`` fields
when present. The file's CRCs are checked: a cut or altered file is refused, not half read.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

from vfx.errors import TelemetryError
from vfx.telemetry.track import GpsTrack
from vfx.telemetry.trackfiles.common import read_limited, track_from_rows

__all__ = ["read_fit"]

_SEMICIRCLE = 180.0 / 2**31


def _number(fields: dict[str, object], *names: str) -> float:
    for name in names:
        value = fields.get(name)
        if isinstance(value, int | float) and math.isfinite(value):
            return float(value)
    return math.nan


def read_fit(path: str | Path) -> GpsTrack:
    """The positioned ``record`` messages of a FIT file, ordered by time.

    Raises
    ------
    TelemetryError
        When the file is unreadable, too large, not FIT, fails its CRC, or has no positions.
    """
    import io

    import fitdecode

    path = Path(path)
    data = read_limited(path, "FIT")
    rows = []
    unplaced = 0
    try:
        with fitdecode.FitReader(
            io.BytesIO(data),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.RAISE,
        ) as fit:
            for frame in fit:
                if not isinstance(frame, fitdecode.FitDataMessage) or frame.name != "record":
                    continue
                fields = {f.name: f.value for f in frame.fields}
                when = fields.get("timestamp")
                lat, lon = fields.get("position_lat"), fields.get("position_long")
                # a timestamp below 0x10000000 is a device's own clock, not UTC: fitdecode
                # leaves it a number, and it places nothing
                if not isinstance(when, datetime) or not (
                    isinstance(lat, int) and isinstance(lon, int)
                ):
                    unplaced += 1
                    continue
                when = when if when.tzinfo else when.replace(tzinfo=UTC)  # type: ignore[union-attr]
                rows.append(
                    (
                        when.timestamp(),  # type: ignore[union-attr]
                        lat * _SEMICIRCLE,
                        lon * _SEMICIRCLE,
                        _number(fields, "enhanced_altitude", "altitude"),
                        _number(fields, "enhanced_speed", "speed"),
                    )
                )
    except fitdecode.FitError as exc:
        reason = " ".join(str(exc).split())[:200]
        raise TelemetryError(f"not a readable FIT file ({reason})", path=path) from exc
    return track_from_rows(
        rows,
        source="fit",
        path=path,
        what="FIT",
        skipped=f"{unplaced} records without a time or position" if unplaced else "",
    )
