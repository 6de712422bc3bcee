"""``vfx telemetry`` and ``vfx geotag``: camera telemetry out, GPS tags in."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vfx.cli.options import Json, Quiet, Video
from vfx.cli.output import echo_json, say
from vfx.params import PARAMS


class TrackFormat(StrEnum):
    gpx = "gpx"
    geojson = "geojson"
    kml = "kml"
    kmz = "kmz"
    csv = "csv"
    json = "json"


def telemetry(
    video: Video,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Output file (default ./<stem>.<format>).",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        TrackFormat | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="gpx, geojson, kml, kmz, csv or json (default: from the output's suffix, "
            "else gpx).",
            show_default=False,
        ),
    ] = None,
    quiet: Quiet = False,
    json: Json = False,
) -> None:
    """Export the camera's telemetry: the GPS track, every point with its own UTC time.

    Reads GoPro GPMF (GPS5/GPS9, ACCL, GYRO, CORI), Google CAMM (types 0-7) and the Mi
    Sphere madv box directly, and other cameras through exiftool. CSV and JSON also hold
    the orientation samples; JSON adds the clock, projection and sensor summaries.
    """
    from vfx.jobs.geotag import export_telemetry_file

    out, tel = export_telemetry_file(video, output, fmt=fmt.value if fmt else None)
    points = len(tel.gps) if tel.gps is not None else 0
    orientation = len(tel.orientation) if tel.orientation is not None else 0
    if json:
        record = {
            "video": str(video),
            "output": str(out),
            "sources": tel.sources,
            "gps_points": points,
            "orientation_samples": orientation,
        }
        echo_json(record)
    elif not quiet:
        say(
            f"{video.name}: {points} GPS points, {orientation} orientation samples "
            f"({', '.join(tel.sources) or 'none'}) -> {out}"
        )


def geotag(
    folder: Annotated[
        Path, typer.Argument(help="Folder of images.", show_default=False, metavar="FOLDER")
    ],
    track: Annotated[
        Path,
        typer.Option(
            "--track",
            "--gpx",
            help="Track to take positions from: GPX, NMEA 0183, Garmin FIT, KML/KMZ or CSV.",
            metavar="FILE",
            show_default=False,
        ),
    ],
    offset: Annotated[
        float,
        typer.Option("--offset", help="Seconds added to the images' times.", metavar="SECONDS"),
    ] = 0.0,
    max_gap: Annotated[
        float,
        typer.Option(
            "--max-gap",
            min=0,
            metavar="SECONDS",
            help="Images further than SECONDS from any track point get no position.",
        ),
    ] = PARAMS["max_gap_s"].default,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write tagged copies here instead of updating the images.",
            show_default=False,
        ),
    ] = None,
    quiet: Quiet = False,
    json: Json = False,
) -> None:
    """Geotag images already on disk from a track file, by their DateTimeOriginal.

    Sub-second times (SubSecTimeOriginal) and the time zone (OffsetTimeOriginal; none
    means UTC) are honoured. Images more than --max-gap seconds from the track are left
    untagged and counted, never given the nearest fix.
    """
    from vfx.jobs.geotag import geotag_folder

    result = geotag_folder(folder, track, offset_s=offset, max_gap_s=max_gap, out_dir=output)
    if json:
        record = {
            "folder": str(folder),
            "tagged": [str(p) for p in result.tagged],
            "no_position": [str(p) for p in result.no_position],
            "no_time": [str(p) for p in result.no_time],
        }
        echo_json(record)
    elif not quiet:
        say(
            f"{folder}: {len(result.tagged)} images geotagged, "
            f"{len(result.no_position)} too far from the track, "
            f"{len(result.no_time)} without a time"
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(telemetry)
    app.command()(geotag)


__all__ = ["geotag", "register", "telemetry"]
