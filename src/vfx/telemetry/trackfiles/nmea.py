"""Read NMEA 0183 logs (pynmea2) into a :class:`~vfx.telemetry.track.GpsTrack`.

Positions come from ``RMC`` (date, time, position, speed) and ``GGA`` (time, position, fix
quality, HDOP, altitude) sentences of any talker (GP, GN, GL, ...). ``GGA`` carries no date:
it takes the date of the last ``RMC`` or ``ZDA`` before it (the first one after it for a log
that opens with ``GGA``), rolling over at midnight. Sentences with a bad checksum, and lines
that are no sentence at all, are skipped and counted.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from vfx.errors import TelemetryError
from vfx.telemetry.track import GpsTrack
from vfx.telemetry.trackfiles.common import read_limited, track_from_rows

log = logging.getLogger("vfx")

__all__ = ["read_nmea"]

_KNOT = 1852 / 3600
#: Longer lines are no NMEA sentence (the standard allows 82 characters; some loggers more).
_MAX_LINE = 200


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


class _Undated(Exception):
    """A fix with a time but no date (GGA without RMC or ZDA)."""


def _add_fix(
    fixes: dict[float, list[float]], last_tod: dict[date, float], msg: Any, day: date | None
) -> None:
    """Fold one RMC or GGA sentence into ``fixes`` (by time); other sentences are ignored."""
    kind = msg.sentence_type  # type: ignore[attr-defined]
    if kind not in ("RMC", "GGA"):
        return
    tod = getattr(msg, "timestamp", None)
    if tod is None:
        return
    if day is None:
        raise _Undated
    seconds = tod.hour * 3600 + tod.minute * 60 + tod.second + tod.microsecond / 1e6
    # GGA after midnight still carries the evening's RMC date: roll it over.
    if kind == "GGA" and last_tod.get(day, -1.0) - seconds > 12 * 3600:
        day = day + timedelta(days=1)
    last_tod[day] = max(last_tod.get(day, -1.0), seconds)
    utc = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() + seconds
    lat, lon = _float(getattr(msg, "latitude", None)), _float(getattr(msg, "longitude", None))
    if not getattr(msg, "lat", "") or not getattr(msg, "lon", ""):
        lat = lon = math.nan
    row = fixes.setdefault(round(utc, 3), [utc, lat, lon, math.nan, math.nan, -1.0, math.nan])
    if math.isfinite(lat) and math.isfinite(lon):
        row[1], row[2] = lat, lon
    if kind == "RMC":
        row[4] = _float(msg.spd_over_grnd) * _KNOT  # type: ignore[attr-defined]
        if msg.status != "A":  # type: ignore[attr-defined]
            row[5] = 0.0
    else:
        quality = _float(msg.gps_qual)  # type: ignore[attr-defined]
        row[3] = _float(msg.altitude)  # type: ignore[attr-defined]
        row[6] = _float(msg.horizontal_dil)  # type: ignore[attr-defined]
        if math.isfinite(quality):
            row[5] = 0.0 if quality == 0 else 3.0


def read_nmea(path: str | Path) -> GpsTrack:
    """The fixes of an NMEA 0183 log, one per time, ordered by time.

    Raises
    ------
    TelemetryError
        When the file is unreadable or too large, or holds no dated fix (a log of ``GGA``
        sentences alone has times but no dates).
    """
    import pynmea2

    path = Path(path)
    text = read_limited(path, "NMEA").decode("ascii", "replace")
    bad = 0
    parsed: list[object] = []
    numbers: list[int] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        start = line.find("$")
        if start < 0 or len(line) > _MAX_LINE:
            bad += bool(line)
            continue
        try:
            parsed.append(pynmea2.parse(line[start:], check=True))
            numbers.append(number)
        except (pynmea2.ParseError, ValueError, TypeError, AttributeError):
            bad += 1
    # The date in force at each sentence: the last RMC/ZDA date before it, else the first after.
    dates: list[date | None] = []
    current: date | None = None
    for msg in parsed:
        stamp = getattr(msg, "datestamp", None)
        if isinstance(stamp, date) and msg.sentence_type in ("RMC", "ZDA"):  # type: ignore[attr-defined]
            current = stamp
        dates.append(current)
    first = next((d for d in dates if d is not None), None)
    fixes: dict[float, list[float]] = {}
    last_tod: dict[date, float] = {}
    undated = 0
    unreadable: list[int] = []
    for msg, day, number in zip(parsed, dates, numbers, strict=True):
        try:
            _add_fix(fixes, last_tod, msg, day or first)
        except _Undated:
            undated += 1
        except (ValueError, TypeError, AttributeError, OverflowError):
            # a field pynmea2 parses only when asked (latitude 'ab12.345', time '996199')
            unreadable.append(number)
    if unreadable:
        log.warning(
            "%s: %d sentences with unreadable fields skipped (line %s%s)",
            path,
            len(unreadable),
            unreadable[0],
            " and others" if len(unreadable) > 1 else "",
        )
    skipped = []
    if bad:
        skipped.append(f"{bad} lines not a valid sentence")
    if undated:
        skipped.append(f"{undated} fixes without a date: GGA needs RMC or ZDA sentences")
    if not fixes and not undated and not parsed:
        raise TelemetryError("not an NMEA 0183 log (no $..RMC or $..GGA sentence)", path=path)
    return track_from_rows(
        (tuple(r) for r in fixes.values()),
        source="nmea",
        path=path,
        what="NMEA",
        skipped="; ".join(skipped),
    )
