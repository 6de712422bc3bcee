"""Read CSV tracks (exiftool's ``-csv`` output, vfx's own exports) into a
:class:`~vfx.telemetry.track.GpsTrack`.

Columns are found by name, case-insensitively: the time in ``GPSDateTime``,
``DateTimeOriginal``, ``datetime_utc``, ``time`` or ``timestamp``; the position in
``GPSLatitude``/``GPSLongitude`` or ``lat``/``lon``; optionally ``GPSAltitude``/``alt``/``ele``
and the speed (``speed`` in m/s, ``GPSSpeed`` in the unit of ``GPSSpeedRef``, km/h when absent,
as exiftool writes it). Values may be plain numbers (``exiftool -n``) or exiftool's printed form
(``33 deg 7' 36.63" N``, ``12.3 m``); a ``GPSLatitudeRef`` of S or ``GPSLongitudeRef`` of W
makes an unsigned value negative. Times without a zone are UTC, as GPS times are.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from datetime import UTC, datetime
from pathlib import Path

from vfx.errors import TelemetryError
from vfx.telemetry.track import GpsTrack
from vfx.telemetry.trackfiles.common import read_limited, track_from_rows

log = logging.getLogger("vfx")

__all__ = ["read_csv_track"]

_TIME = ("gpsdatetime", "datetimeoriginal", "datetime_utc", "datetime", "time", "timestamp", "utc")
_LAT = ("gpslatitude", "lat", "latitude")
_LON = ("gpslongitude", "lon", "lng", "longitude")
_ALT = ("gpsaltitude", "alt", "altitude", "ele", "elevation")
_SPEED_UNITS = {"K": 1 / 3.6, "M": 1609.344 / 3600, "N": 1852 / 3600}
_DMS = re.compile(
    r"^\s*(-?[\d.]+)\s*(?:deg|°)?\s*(?:([\d.]+)\s*'\s*)?(?:([\d.]+)\s*\"\s*)?([NSEW])?\s*$", re.I
)


def _column(header: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((header[n] for n in names if n in header), None)


def _angle(text: str) -> float:
    """``12.5``, ``-12.5`` or ``12 deg 30' 0.00" S`` as signed degrees (NaN if neither)."""
    text = (text or "").strip()
    try:
        return float(text)
    except ValueError:
        pass
    m = _DMS.match(text)
    if not m:
        return math.nan
    try:  # "." and "1.2.3" match the pattern but are no numbers
        value = float(m[1]) + float(m[2] or 0) / 60 + float(m[3] or 0) / 3600
    except ValueError:
        return math.nan
    return -value if (m[4] or "").upper() in ("S", "W") else value


def _number(text: str | None) -> float:
    try:
        return float((text or "").split()[0])
    except (ValueError, IndexError):
        return math.nan


def _time(text: str | None) -> float:
    text = (text or "").strip()
    if not text:
        return math.nan
    if re.match(r"^\d{4}:\d\d:\d\d", text):  # EXIF's 2019:05:06 18:15:07.362Z
        text = text[:10].replace(":", "-") + "T" + text[11:]
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return math.nan
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def read_csv_track(path: str | Path) -> GpsTrack:
    """The timed positions of a CSV file, ordered by time.

    Raises
    ------
    TelemetryError
        When the file is unreadable or too large, lacks a time or position column, or has no
        row with both.
    """
    path = Path(path)
    text = read_limited(path, "CSV").decode("utf-8-sig", "replace")
    try:
        reader = csv.DictReader(io.StringIO(text))
        fields = reader.fieldnames or []
    except csv.Error as exc:
        raise TelemetryError(f"not a readable CSV file ({exc})", path=path) from exc
    header = {f.strip().lower(): f for f in fields if f}
    when, lat, lon = (_column(header, n) for n in (_TIME, _LAT, _LON))
    if when is None or lat is None or lon is None:
        raise TelemetryError(
            "CSV needs a time column (GPSDateTime, datetime_utc, time) and GPSLatitude/"
            f"GPSLongitude or lat/lon; it has {', '.join(fields[:8]) or 'no header'}",
            path=path,
        )
    alt = _column(header, _ALT)
    lat_ref, lon_ref = header.get("gpslatituderef"), header.get("gpslongituderef")
    mps, kmh, speed_ref = header.get("speed"), header.get("gpsspeed"), header.get("gpsspeedref")
    rows = []
    skipped = 0
    unreadable: list[int] = []
    try:
        for number, row in enumerate(reader, 2):  # line 1 is the header
            y, x = _angle(row.get(lat) or ""), _angle(row.get(lon) or "")
            given = (row.get(lat) or "").strip() and (row.get(lon) or "").strip()
            if given and not (math.isfinite(y) and math.isfinite(x)):
                unreadable.append(number)
            if lat_ref and (row.get(lat_ref) or "").strip().upper().startswith("S"):
                y = -abs(y)
            if lon_ref and (row.get(lon_ref) or "").strip().upper().startswith("W"):
                x = -abs(x)
            speed = _number(row.get(mps)) if mps else math.nan
            if kmh and not math.isfinite(speed):
                unit = (row.get(speed_ref) or "K").strip()[:1].upper() if speed_ref else "K"
                speed = _number(row.get(kmh)) * _SPEED_UNITS.get(unit, 1 / 3.6)
            t = _time(row.get(when))
            skipped += not math.isfinite(t)
            rows.append((t, y, x, _number(row.get(alt)) if alt else math.nan, speed))
    except csv.Error as exc:
        raise TelemetryError(f"not a readable CSV file ({exc})", path=path) from exc
    if unreadable:
        log.warning(
            "%s: %d rows with an unreadable position skipped (line %d%s)",
            path,
            len(unreadable),
            unreadable[0],
            " and others" if len(unreadable) > 1 else "",
        )
    return track_from_rows(
        rows,
        source="csv",
        path=path,
        what="CSV",
        skipped=f"{skipped} rows without a readable time" if skipped else "",
    )
