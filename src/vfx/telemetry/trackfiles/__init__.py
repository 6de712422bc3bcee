"""``read_track``: any GPS track file vfx reads, by its suffix or, failing that, its content.

=========== ======================================= =========================
format      suffixes                                reader (in this package)
=========== ======================================= =========================
GPX         ``.gpx``                                :func:`.gpx.read_gpx`
NMEA 0183   ``.nmea``, ``.nma``, ``.log``, ``.txt`` :func:`.nmea.read_nmea`
Garmin FIT  ``.fit``                                :func:`.fit.read_fit`
KML / KMZ   ``.kml``, ``.kmz``                      :func:`.kml.read_kml`
CSV         ``.csv``                                :func:`.csv.read_csv_track`
=========== ======================================= =========================

What the readers share (bounded reading, XML refusal, rows to a track) is in
:mod:`~vfx.telemetry.trackfiles.common`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from vfx.errors import TelemetryError
from vfx.telemetry.track import GpsTrack

__all__ = ["TRACK_FORMATS", "read_track", "track_format"]

#: Format name by suffix.
TRACK_FORMATS = {
    ".gpx": "gpx",
    ".nmea": "nmea",
    ".nma": "nmea",
    ".log": "nmea",
    ".txt": "nmea",
    ".fit": "fit",
    ".kml": "kml",
    ".kmz": "kml",
    ".csv": "csv",
}


def track_format(path: str | Path) -> str:
    """The format of a track file: from its suffix, else from its first bytes."""
    path = Path(path)
    fmt = TRACK_FORMATS.get(path.suffix.lower())
    if fmt is not None:
        return fmt
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise TelemetryError(f"cannot read track: {exc.strerror or exc}", path=path) from exc
    if head[8:12] == b".FIT":
        return "fit"
    if head[:2] == b"PK" or b"<kml" in head:
        return "kml"
    if b"<gpx" in head:
        return "gpx"
    if head.lstrip()[:1] == b"$":
        return "nmea"
    if b"," in head.split(b"\n", 1)[0]:
        return "csv"
    raise TelemetryError("not a track file vfx reads (GPX, NMEA, FIT, KML/KMZ or CSV)", path=path)


def _reader(fmt: str) -> Callable[[Path], GpsTrack]:
    if fmt == "gpx":
        from vfx.telemetry.trackfiles.gpx import read_gpx

        return read_gpx
    if fmt == "nmea":
        from vfx.telemetry.trackfiles.nmea import read_nmea

        return read_nmea
    if fmt == "fit":
        from vfx.telemetry.trackfiles.fit import read_fit

        return read_fit
    if fmt == "kml":
        from vfx.telemetry.trackfiles.kml import read_kml

        return read_kml
    from vfx.telemetry.trackfiles.csv import read_csv_track

    return read_csv_track


def read_track(path: str | Path) -> GpsTrack:
    """The GPS track in ``path`` (GPX, NMEA 0183, FIT, KML/KMZ or CSV), on the UTC axis.

    Raises
    ------
    TelemetryError
        When the file is missing, of no known format, hostile or without timed points; the
        message names the file and the problem.
    """
    path = Path(path)
    if not path.is_file():
        raise TelemetryError("no such track file", path=path)
    return _reader(track_format(path))(path)
