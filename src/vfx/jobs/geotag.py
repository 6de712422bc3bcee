"""Telemetry export and geotagging of images already on disk.

``export_telemetry_file`` writes a video's track as GPX, GeoJSON, CSV or JSON.
``geotag_folder`` places images (any tool's JPEG, PNG or TIFF with a ``DateTimeOriginal``) on
a GPX track by their time, like ``exiftool -geotag`` but with sub-second times, a maximum gap
instead of a silent nearest fix, and the quality checks of the metadata stage.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from vfx.errors import OutputError, ParameterError, TelemetryError
from vfx.io.files import (
    discard,
    prepare_output_dir,
    publish,
    stage_copy,
    write_bytes,
    write_text,
    zipped,
)
from vfx.io.images import looks_complete
from vfx.io.sources import IMAGE_SUFFIXES, natural_key
from vfx.io.table import read_frame_table, write_frame_table
from vfx.telemetry.export import EXPORT_FORMATS, export_telemetry
from vfx.telemetry.read import read_telemetry
from vfx.telemetry.track import Telemetry
from vfx.telemetry.trackfiles import read_track

__all__ = ["GeotagResult", "export_telemetry_file", "geotag_folder"]

log = logging.getLogger("vfx")

_SUFFIX_FORMAT = {
    ".gpx": "gpx",
    ".geojson": "geojson",
    ".kml": "kml",
    ".kmz": "kmz",
    ".json": "json",
    ".csv": "csv",
}


#: The formats that are a GPS track.
_TRACK_FORMATS = ("gpx", "geojson", "kml", "kmz")


def export_telemetry_file(
    video: str | Path, output: str | Path | None = None, *, fmt: str | None = None
) -> tuple[Path, Telemetry]:
    """Write ``video``'s telemetry to ``output`` (default ``<stem>.<fmt>`` beside the cwd).

    The format comes from ``fmt`` or else from the output's suffix (``.gpx``, ``.geojson``,
    ``.kml``, ``.kmz``, ``.csv``, ``.json``); GPX when neither says.

    Raises
    ------
    OutputError
        When the format is guessed from an output suffix that is not one of those, or the
        suffix names another format than ``fmt`` (nothing is written).
    TelemetryError
        When the video carries no GPS track and the format needs one (GPX, GeoJSON, KML), or
        no telemetry at all.
    """
    video = Path(video)
    if fmt is not None and fmt not in EXPORT_FORMATS:
        raise ParameterError(f"format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    suffix = Path(output).suffix.lower() if output else ""
    named = _SUFFIX_FORMAT.get(suffix)
    if fmt is None:
        if suffix and named is None:
            raise OutputError(
                f"vfx does not write {suffix} files; name the output .gpx, .geojson, .kml, "
                ".kmz, .csv or .json, or give --format",
                path=output,
            )
        fmt = named or "gpx"
    elif named is not None and named != fmt and {fmt, named} != {"json", "geojson"}:
        raise OutputError(f"the name says {named} but --format says {fmt}", path=output)
    telemetry = read_telemetry(video)
    if telemetry.gps is None and fmt in _TRACK_FORMATS:
        found = ", ".join(telemetry.sources) or "no telemetry"
        raise TelemetryError(f"no GPS track in the video ({found}); try --format csv", path=video)
    if telemetry.gps is not None and fmt in _TRACK_FORMATS:
        flags = telemetry.gps.quality()
        if not (flags == "").any():
            counts = Counter(str(f) for f in flags)
            why = ", ".join(f"{n} {flag.replace('_', ' ')}" for flag, n in sorted(counts.items()))
            raise TelemetryError(
                f"no usable GPS point in the track of {len(flags)} ({why}); nothing written",
                path=video,
            )
    if telemetry.empty and fmt in ("csv", "json"):
        raise TelemetryError("no telemetry found (GPMF, CAMM, madv or exiftool)", path=video)
    out = Path(output) if output else Path.cwd() / f"{video.stem}.{fmt}"
    prepare_output_dir(out.parent)
    text = export_telemetry(telemetry, fmt)
    if fmt == "kmz":
        write_bytes(out, zipped("doc.kml", text.encode()))
    else:
        write_text(out, text)
    return out, telemetry


@dataclass
class GeotagResult:
    """What :func:`geotag_folder` did, file by file."""

    tagged: list[Path] = field(default_factory=list)
    no_position: list[Path] = field(default_factory=list)
    no_time: list[Path] = field(default_factory=list)
    out_dir: Path | None = None


def _image_times(paths: list[Path]) -> dict[Path, float]:
    """UTC POSIX seconds of each image from DateTimeOriginal, SubSec and OffsetTimeOriginal.

    Images without a time zone are read as UTC (vfx writes UTC; give ``offset_s`` for a camera
    clock in local time).
    """
    from vfx.io.exiftool import exiftool
    from vfx.telemetry.embedded import parse_exif_datetime

    records = exiftool().read_json(
        paths,
        "-DateTimeOriginal",
        "-SubSecTimeOriginal",
        "-OffsetTimeOriginal",
    )
    out: dict[Path, float] = {}
    for path, rec in zip(paths, records, strict=True):
        base = rec.get("DateTimeOriginal")
        if not base:
            continue
        sub = str(rec.get("SubSecTimeOriginal", "")).strip()
        zone = str(rec.get("OffsetTimeOriginal", "")).strip()
        text = f"{base}.{sub}" if sub.isdigit() else str(base)
        dt = parse_exif_datetime(text + zone)
        if dt is not None:
            out[path] = dt.timestamp()
    return out


#: How close (degrees) a copy's position must be to the planned one to count as already tagged.
_SAME_POSITION_DEG = 1e-6


class _Planned(NamedTuple):
    """One image to tag: where it is, where the tagged image goes, its tags and position."""

    source: Path
    dest: Path
    tags: dict[str, object]
    lat: float
    lon: float


def _already_tagged(plan: list[_Planned]) -> set[Path]:
    """Destinations of ``plan`` that already hold a whole image with the planned position.

    An earlier ``geotag -o`` that was stopped published some copies (each one whole, by a
    rename); a second run skips them.
    """
    from vfx.io.exiftool import exiftool

    there = [p for p in plan if p.dest.is_file() and looks_complete(p.dest)]
    if not there:
        return set()
    records = exiftool().read_json([p.dest for p in there], "-n", "-GPSLatitude", "-GPSLongitude")
    done: set[Path] = set()
    for planned, rec in zip(there, records, strict=True):
        try:
            lat, lon = float(rec["GPSLatitude"]), float(rec["GPSLongitude"])
        except (KeyError, TypeError, ValueError):
            continue
        near = abs(lat - planned.lat) <= _SAME_POSITION_DEG
        if near and abs(lon - planned.lon) <= _SAME_POSITION_DEG:
            done.add(planned.dest)
    return done


def _target(folder: Path, out_dir: str | Path | None) -> Path | None:
    """The folder tagged copies go to (``None``: in place), checked before anything is written."""
    if out_dir is None:
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(
                "folder is not writable; give -o FOLDER for tagged copies", path=folder
            )
        return None
    out = Path(out_dir)
    if out.is_dir() and out.resolve() == folder.resolve():
        raise ParameterError(
            f"{out}: the output folder is the input folder; leave out -o to tag in place"
        )
    return prepare_output_dir(out)


def geotag_folder(
    folder: str | Path,
    track: str | Path,
    *,
    offset_s: float = 0.0,
    max_gap_s: float = 5.0,
    out_dir: str | Path | None = None,
) -> GeotagResult:
    """Write GPS tags into every image of ``folder`` from the track at the image's time.

    ``track`` is any file :func:`vfx.telemetry.trackfiles.read_track` reads (GPX, NMEA 0183, FIT,
    KML/KMZ, CSV).

    Each image's UTC time (``DateTimeOriginal`` + ``SubSecTimeOriginal``, in
    ``OffsetTimeOriginal``'s zone, plus ``offset_s``) is looked up on the track: position and
    altitude interpolated linearly, heading circularly. Images further than ``max_gap_s`` from
    every usable track point are left untagged and reported. With ``out_dir`` tagged copies go
    there; otherwise the images are updated in place. A ``frames.csv`` in the folder gets the
    positions too.

    Every image is tagged in a private copy first (exiftool never sees the image's own name);
    only when all of them are tagged are they published, each by a rename. So a file exiftool
    cannot write (a truncated JPEG) stops the run with its name and exiftool's reason before
    any image is changed, and a stopped run leaves every image either as it was or whole and
    tagged. With ``out_dir``, copies an earlier run already made are skipped.

    Raises
    ------
    ParameterError
        When ``folder`` holds no images or ``out_dir`` is ``folder``.
    OutputError
        When the images or the output folder cannot be written.
    MetadataError
        When exiftool cannot tag an image (the message names it and gives exiftool's reason).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(f"{folder}: not a folder")
    points = read_track(track)
    usable = points.select(points.quality() == "")
    if not len(usable):
        raise TelemetryError("no usable points in the track", path=track)
    interp = usable.interpolator("utc_s")
    images = sorted(
        (
            p
            for p in folder.iterdir()
            if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file() and not p.name.startswith(".")
        ),
        key=lambda p: natural_key(p.name),
    )
    if not images:
        raise ParameterError(f"{folder}: no JPEG, PNG or TIFF images to geotag")
    target = _target(folder, out_dir)
    result = GeotagResult(out_dir=target)
    times = _image_times(images)
    plan: list[_Planned] = []
    positions: dict[str, dict[str, str]] = {}
    for path in images:
        if path not in times:
            result.no_time.append(path)
            continue
        fix = interp.at(times[path] + offset_s, max_gap_s=max_gap_s)
        lat, lon = float(fix["lat"][0]), float(fix["lon"][0])
        if not (np.isfinite(lat) and np.isfinite(lon)):
            result.no_position.append(path)
            continue
        tags: dict[str, object] = {
            "GPSLatitude": f"{lat:.8f}",
            "GPSLatitudeRef": "N" if lat >= 0 else "S",
            "GPSLongitude": f"{lon:.8f}",
            "GPSLongitudeRef": "E" if lon >= 0 else "W",
        }
        alt = float(fix["alt"][0])
        if np.isfinite(alt):
            tags.update(GPSAltitude=f"{abs(alt):.3f}", GPSAltitudeRef=0 if alt >= 0 else 1)
        heading = float(fix["heading"][0])
        if np.isfinite(heading):
            tags.update(GPSTrack=f"{heading:.2f}", GPSTrackRef="T")
        plan.append(_Planned(path, (target / path.name) if target else path, tags, lat, lon))
        positions[path.name] = {
            "lat": f"{lat:.7f}",
            "lon": f"{lon:.7f}",
            "alt": f"{alt:.3f}" if np.isfinite(alt) else "",
            "heading": f"{heading:.2f}" if np.isfinite(heading) else "",
            "gps_gap_s": f"{float(fix['gap_s'][0]):.3f}",
        }
    _tag_and_publish(plan, skip=_already_tagged(plan) if target else set())
    result.tagged = [p.source for p in plan]
    if result.no_time:
        log.warning(
            "%s: %d images have no DateTimeOriginal and were not tagged",
            folder,
            len(result.no_time),
        )
    if result.no_position:
        log.warning(
            "%s: %d images are more than %g s from the track and got no position",
            folder,
            len(result.no_position),
            max_gap_s,
        )
    _update_table(folder, target, positions)
    return result


def _tag_and_publish(plan: list[_Planned], *, skip: set[Path]) -> None:
    """Tag a copy of each planned image beside its destination, then publish them all."""
    from vfx.io.exiftool import exiftool, tag_copy

    tool = exiftool()
    staged: list[
        tuple[Path, Path, Path]
    ] = []  # (temporary beside destination, destination, source)
    try:
        for source, dest, tags, _, _ in plan:
            if dest in skip:
                continue
            work = tag_copy(source, tags, tool=tool)
            try:
                staged.append((stage_copy(work, dest), dest, source))
            finally:
                work.unlink(missing_ok=True)
        for tmp, dest, source in staged:
            mode = source.stat().st_mode if dest == source else None
            publish(tmp, dest)
            if mode is not None:  # an image tagged in place keeps its permissions
                with contextlib.suppress(OSError):
                    os.chmod(dest, stat.S_IMODE(mode))
    finally:
        for tmp, _, _ in staged:
            discard(tmp)


def _update_table(folder: Path, target: Path | None, positions: dict[str, dict[str, str]]) -> None:
    rows = read_frame_table(folder)
    if not rows or not positions:
        return
    for row in rows:
        if row.get("file") in positions:
            row.update(positions[str(row["file"])])
    write_frame_table(target or folder, rows)
