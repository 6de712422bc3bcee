"""What every track-file reader shares: bounded reading, XML refusal, rows to a track.

The readers of this package (``gpx``, ``nmea``, ``fit``, ``kml``, ``csv``) each turn one format into
the same :class:`~vfx.telemetry.track.GpsTrack` on the UTC axis, and refuse hostile input with one
line: files over :data:`MAX_TRACK_BYTES`, XML that declares a DOCTYPE or entities, archives that
unpack to more than that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from vfx.errors import TelemetryError
from vfx.telemetry.track import GpsTrack

__all__ = ["MAX_TRACK_BYTES", "read_limited", "refuse_entities", "track_from_rows"]

#: Track files larger than this are refused (a year of 1 Hz points is about 100 MB of GPX).
MAX_TRACK_BYTES = 512 * 1024 * 1024


def read_limited(path: Path, what: str, max_bytes: int | None = None) -> bytes:
    """The bytes of ``path``, refused when larger than ``max_bytes`` (default
    :data:`MAX_TRACK_BYTES`) or unreadable."""
    max_bytes = MAX_TRACK_BYTES if max_bytes is None else max_bytes
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise TelemetryError(
                f"{what} file of {size} bytes is larger than the {max_bytes} allowed", path=path
            )
        return path.read_bytes()
    except OSError as exc:
        raise TelemetryError(f"cannot read {what}: {exc.strerror or exc}", path=path) from exc


class _Declared(Exception):
    """Raised from expat's handlers: the document declares a DOCTYPE or an entity."""


def refuse_entities(data: bytes, path: Path, what: str) -> None:
    """Refuse XML that declares a DOCTYPE or entities, wherever the declaration stands (after
    70 kB of comments, in UTF-16): no entity expansion (billion laughs), no external
    references, whatever the parser that reads the track would do with them.

    expat reads the whole document in its own encoding and stops at the first declaration,
    before any entity is defined or expanded; a document expat cannot parse is left to the
    track's own parser to report.
    """
    from xml.parsers import expat

    def declared(*_: object) -> None:
        raise _Declared

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = declared
    parser.EntityDeclHandler = declared
    parser.UnparsedEntityDeclHandler = declared
    parser.ExternalEntityRefHandler = declared  # type: ignore[assignment]
    try:
        parser.Parse(data, True)
    except _Declared:
        raise TelemetryError(
            f"{what} declares a DOCTYPE or XML entities; refused", path=path
        ) from None
    except expat.ExpatError:
        pass


def track_from_rows(
    rows: Iterable[tuple[float, ...]],
    *,
    source: str,
    path: Path,
    what: str,
    skipped: str = "",
) -> GpsTrack:
    """A track from ``(utc_s, lat, lon[, alt, speed, fix, dop])`` rows (NaN, or -1 for the
    fix, where unknown), sorted by time and named ``"<source> <file name>"``; rows without a
    finite time or a position in range are left out. Raises when none remain, saying what was
    ``skipped``."""
    pad = (math.nan, math.nan, -1.0, math.nan)
    good = [
        tuple(r) + pad[len(r) - 3 :]
        for r in rows
        if math.isfinite(r[0]) and math.isfinite(r[1]) and math.isfinite(r[2])
        if abs(r[1]) <= 90 and abs(r[2]) <= 180
    ]
    if not good:
        detail = f" ({skipped})" if skipped else ""
        raise TelemetryError(f"{what} has no timed track points{detail}", path=path)
    arr = np.array(sorted(good, key=lambda r: r[0]), dtype=np.float64)
    return GpsTrack.from_columns(
        utc_s=arr[:, 0],
        lat=arr[:, 1],
        lon=arr[:, 2],
        alt=arr[:, 3],
        speed=arr[:, 4],
        fix=arr[:, 5].astype(np.int64),
        dop=arr[:, 6],
        source=f"{source} {path.name}",
    )
