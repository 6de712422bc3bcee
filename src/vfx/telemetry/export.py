"""Telemetry as GPX, GeoJSON, CSV and JSON text.

* GPX 1.1 (through gpxpy): one track, one segment, every usable point with its own UTC time,
  elevation (above mean sea level, as GPX defines it: EGM96 where the receiver gives
  ellipsoidal heights and the geoid grid is installed) and speed; GPS tools, JOSM and
  ``exiftool -geotag`` read it.
* GeoJSON (RFC 7946): a LineString of the track and one Point feature per fix with its time,
  video time, altitude, speed, fix, precision and quality flag as properties.
* KML 2.2: the track as a LineString and one timestamped Point per usable fix (speed,
  heading and video time as data), heights above sea level where known (``absolute``), on
  the ground otherwise; Google Earth, QGIS and GDAL's KML and LIBKML drivers read it. KMZ is
  the same document zipped as ``doc.kml`` (by the caller).
* CSV: one row per sample; ``kind`` says ``gps`` or ``orientation`` (quaternion and yaw, pitch,
  roll), so pandas can split it with one ``groupby``.
* JSON: everything above plus sensor series summaries and the clock.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np

from vfx.telemetry.geoid import Geoid, find_geoid, track_heights
from vfx.telemetry.orientation import quaternion_to_euler_deg
from vfx.telemetry.track import GpsTrack, Telemetry, utc_datetime

__all__ = ["EXPORT_FORMATS", "export_telemetry"]

EXPORT_FORMATS = ("gpx", "geojson", "kml", "kmz", "csv", "json")


def _num(value: float, digits: int) -> float | None:
    return round(float(value), digits) if np.isfinite(value) else None


def _iso(utc_s: float) -> str | None:
    if not np.isfinite(utc_s):
        return None
    return utc_datetime(utc_s).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _gps_rows(track: GpsTrack, flags: np.ndarray, geoid: Geoid | None) -> list[dict[str, Any]]:
    heading = track.headings()
    alt, datum, ellipsoidal = track_heights(track, geoid)
    rows = []
    for i in range(len(track)):
        rows.append(
            {
                "kind": "gps",
                "time_s": _num(track.time_s[i], 6),
                "datetime_utc": _iso(track.utc_s[i]),
                "lat": _num(track.lat[i], 8),
                "lon": _num(track.lon[i], 8),
                "alt": _num(alt[i], 3),
                "alt_datum": datum if np.isfinite(alt[i]) else None,
                "alt_ellipsoid": _num(ellipsoidal[i], 3),
                "speed": _num(track.speed[i], 3),
                "heading": _num(heading[i], 2),
                "fix": int(track.fix[i]) if track.fix[i] >= 0 else None,
                "dop": _num(track.dop[i], 2),
                "accuracy_m": _num(track.accuracy_m[i], 2),
                "flag": str(flags[i]),
            }
        )
    return rows


def _orientation_rows(telemetry: Telemetry) -> list[dict[str, Any]]:
    o = telemetry.orientation
    if o is None:
        return []
    euler = quaternion_to_euler_deg(o.quaternions)
    rows = []
    for i in range(len(o)):
        utc = telemetry.clock.utc_s(o.time_s[i]) if telemetry.clock else np.nan
        w, x, y, z = o.quaternions[i]
        rows.append(
            {
                "kind": "orientation",
                "time_s": _num(o.time_s[i], 6),
                "datetime_utc": _iso(float(utc)),
                "qw": _num(w, 7),
                "qx": _num(x, 7),
                "qy": _num(y, 7),
                "qz": _num(z, 7),
                "yaw": _num(euler[i, 0], 3),
                "pitch": _num(euler[i, 1], 3),
                "roll": _num(euler[i, 2], 3),
            }
        )
    return rows


def _gpx(telemetry: Telemetry, track: GpsTrack, flags: np.ndarray, geoid: Geoid | None) -> str:
    import gpxpy.gpx

    alt = track_heights(track, geoid)[0]
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "vfx"
    gtrack = gpxpy.gpx.GPXTrack(name=telemetry.path.name)
    gtrack.source = track.source
    segment = gpxpy.gpx.GPXTrackSegment()
    for i in range(len(track)):
        if flags[i] or not np.isfinite(track.utc_s[i]):
            continue
        point = gpxpy.gpx.GPXTrackPoint(
            latitude=round(float(track.lat[i]), 8),
            longitude=round(float(track.lon[i]), 8),
            elevation=_num(alt[i], 3),
            time=utc_datetime(float(track.utc_s[i])),
            speed=_num(track.speed[i], 3),
        )
        if np.isfinite(track.dop[i]):
            point.horizontal_dilution = round(float(track.dop[i]), 2)
        segment.points.append(point)
    gtrack.segments.append(segment)
    gpx.tracks.append(gtrack)
    return str(gpx.to_xml(version="1.1"))


def _kml(telemetry: Telemetry, rows: list[dict[str, Any]]) -> str:
    from xml.sax.saxutils import escape

    good = [r for r in rows if not r["flag"]]
    datum = next((r["alt_datum"] for r in good if r.get("alt_datum")), None)
    absolute = datum in ("EGM96", "sea level")
    mode = "<altitudeMode>absolute</altitudeMode>" if absolute else ""

    def coords(r: dict[str, Any]) -> str:
        alt = r["alt"] if absolute and r["alt"] is not None else 0
        return f"{r['lon']},{r['lat']},{alt}"

    name = escape(telemetry.path.name)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2">',
        "<Document>",
        f"<name>{name}</name>",
        f"<Placemark><name>{name} track</name><LineString>{mode}<coordinates>",
        " ".join(coords(r) for r in good),
        "</coordinates></LineString></Placemark>",
        "<Folder><name>points</name>",
    ]
    for i, r in enumerate(good):
        data = "".join(
            f'<Data name="{key}"><value>{r[key]}</value></Data>'
            for key in ("time_s", "alt", "alt_datum", "speed", "heading")
            if r.get(key) is not None
        )
        when = (
            f"<TimeStamp><when>{r['datetime_utc']}</when></TimeStamp>" if r["datetime_utc"] else ""
        )
        out.append(
            f"<Placemark><name>{i}</name>{when}<ExtendedData>{data}</ExtendedData>"
            f"<Point>{mode}<coordinates>{coords(r)}</coordinates></Point></Placemark>"
        )
    out += ["</Folder>", "</Document>", "</kml>", ""]
    return "\n".join(out)


def _geojson(telemetry: Telemetry, rows: list[dict[str, Any]]) -> str:
    good = [r for r in rows if not r["flag"]]
    features: list[dict[str, Any]] = []
    if len(good) >= 2:
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [_coords(r) for r in good],
                },
                "properties": {"name": telemetry.path.name, "points": len(good)},
            }
        )
    for r in rows:
        props = {k: v for k, v in r.items() if k not in ("kind", "lat", "lon")}
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": _coords(r)},
                "properties": props,
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1) + "\n"


def _coords(row: dict[str, Any]) -> list[float]:
    coords = [row["lon"], row["lat"]]
    if row.get("alt") is not None:
        coords.append(row["alt"])
    return coords


def _csv(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns or ["kind"], lineterminator="\n", restval="")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def _json(telemetry: Telemetry, gps_rows: list[dict[str, Any]], ori: list[dict[str, Any]]) -> str:
    doc = {
        "video": telemetry.path.name,
        "sources": telemetry.sources,
        "make": telemetry.make,
        "model": telemetry.model,
        "creation_time": telemetry.creation_utc.isoformat() if telemetry.creation_utc else None,
        "clock": None
        if telemetry.clock is None
        else {
            "source": telemetry.clock.source,
            "detail": telemetry.clock.detail,
            "utc_at_video_start": _iso(telemetry.clock.offset_s),
        },
        "projection": None if telemetry.projection is None else vars(telemetry.projection),
        "gps_source": telemetry.gps.source if telemetry.gps is not None else None,
        "gps": gps_rows,
        "orientation": ori,
        "series": {
            name: {
                "unit": s.unit,
                "columns": list(s.columns),
                "samples": len(s),
                "rate_hz": _num(len(s) / (s.time_s[-1] - s.time_s[0]), 3)
                if len(s) > 1 and s.time_s[-1] > s.time_s[0]
                else None,
            }
            for name, s in telemetry.series.items()
        },
        "raw": {name: len(data) for name, data in telemetry.raw.items()},
        "notes": telemetry.notes,
    }
    return json.dumps(doc, indent=1) + "\n"


def export_telemetry(telemetry: Telemetry, fmt: str, *, geoid: Geoid | None = None) -> str:
    """The telemetry as text in ``fmt`` (one of :data:`EXPORT_FORMATS`).

    GPX, GeoJSON and KML need a GPS track; CSV and JSON also carry orientation samples.
    ``kmz`` gives the KML text (a KMZ is it zipped as ``doc.kml``).
    Ellipsoidal heights are written above sea level with ``geoid`` (default: the EGM96 grid
    when installed, :func:`vfx.telemetry.geoid.find_geoid`).
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    geoid = geoid if geoid is not None else find_geoid()
    track = telemetry.gps
    flags = track.quality() if track is not None else np.zeros(0, dtype=object)
    rows = _gps_rows(track, flags, geoid) if track is not None else []
    if fmt == "gpx":
        assert track is not None
        return _gpx(telemetry, track, flags, geoid)
    if fmt == "geojson":
        return _geojson(telemetry, rows)
    if fmt in ("kml", "kmz"):
        return _kml(telemetry, rows)
    ori = _orientation_rows(telemetry)
    if fmt == "csv":
        return _csv(rows + ori)
    return _json(telemetry, rows, ori)
