"""The metadata stage's command-line options (``--time-source``, ``--track``, ``--heading``,
``--camera-make``, ...), written once for every command that tags frames, and the
:class:`~vfx.tagging.settings.MetadataOptions` they build."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vfx.cli.options import options_group, ranged

if TYPE_CHECKING:
    from vfx.tagging.settings import MetadataOptions
from vfx.params import PARAMS

__all__ = [
    "CameraAngle",
    "DropDuplicates",
    "Heading",
    "HeadingOpt",
    "Make",
    "MaxGap",
    "MaxSequence",
    "MinAngle",
    "MinDistance",
    "Model",
    "NoMetadata",
    "Offset",
    "RequireGps",
    "SplitDistance",
    "SplitTime",
    "StartTime",
    "TimeSource",
    "TimeSourceOpt",
    "Track",
    "metadata_options",
    "with_metadata_options",
]


class TimeSource(StrEnum):
    auto = "auto"
    gps = "gps"
    creation = "creation"
    manual = "manual"


TimeSourceOpt = Annotated[
    TimeSource,
    typer.Option(
        "--time-source",
        help="Where UTC comes from: auto (GPS, else the creation time), gps, creation, "
        "or manual (with --start-time).",
        rich_help_panel="Metadata",
    ),
]


StartTime = Annotated[
    str | None,
    typer.Option(
        "--start-time",
        help="UTC time of the video's start, ISO 8601 (2024-05-01T10:00:00Z).",
        rich_help_panel="Metadata",
        show_default=False,
    ),
]


Offset = Annotated[
    float,
    typer.Option(
        "--offset",
        help="Seconds added to the clock.",
        metavar="SECONDS",
        rich_help_panel="Metadata",
    ),
]


Track = Annotated[
    Path | None,
    typer.Option(
        "--track",
        "--gpx",
        help="Take positions from this track file, matched by UTC time: GPX, NMEA 0183, "
        "Garmin FIT, KML/KMZ or CSV (exiftool -csv).",
        metavar="FILE",
        rich_help_panel="Metadata",
        show_default=False,
    ),
]


MaxGap = Annotated[
    float,
    typer.Option(
        "--max-gap",
        min=0,
        help="Frames further than SECONDS from any track point get no position.",
        metavar="SECONDS",
        rich_help_panel="Metadata",
    ),
]


MinDistance = ranged(
    "min_distance_m",
    "--min-distance",
    kind=float,
    help="A frame within METRES of the previous kept one, and pointing within --min-angle "
    "of it, is a duplicate (flagged in frames.csv; 0: no check). mapillary_tools' default.",
    metavar="METRES",
    rich_help_panel="Mapping",
)


MinAngle = ranged(
    "min_angle_deg",
    "--min-angle",
    kind=float,
    help="Duplicates also point within DEG of the previous kept frame.",
    metavar="DEG",
    rich_help_panel="Mapping",
)


DropDuplicates = Annotated[
    bool,
    typer.Option(
        "--drop-duplicates",
        help="Do not write duplicates at all (default: write them and flag them).",
        rich_help_panel="Mapping",
    ),
]


RequireGps = Annotated[
    bool,
    typer.Option(
        "--require-gps",
        help="Write only frames that get a GPS position (an upload needs one on every image).",
        rich_help_panel="Mapping",
    ),
]


CameraAngle = ranged(
    "camera_angle_deg",
    "--camera-angle",
    kind=float,
    help="Camera direction relative to travel: +90 a right-facing camera, 180 a rear one.",
    metavar="DEG",
    rich_help_panel="Mapping",
)


class Heading(StrEnum):
    track = "track"
    next = "next"
    none = "none"


HeadingOpt = Annotated[
    Heading,
    typer.Option(
        "--heading",
        help="Camera direction (GPSImgDirection, GPano pose heading): track (course over "
        "ground), next (towards the next image) or none (no direction tags).",
        rich_help_panel="Mapping",
    ),
]


SplitTime = ranged(
    "split_time_s",
    "--split-time",
    kind=float,
    help="Start a new sequence after more than SECONDS between frames.",
    metavar="SECONDS",
    rich_help_panel="Mapping",
)


SplitDistance = ranged(
    "split_distance_m",
    "--split-distance",
    kind=float,
    help="Start a new sequence after more than METRES between frames.",
    metavar="METRES",
    rich_help_panel="Mapping",
)


MaxSequence = ranged(
    "max_sequence",
    "--max-sequence",
    help="Start a new sequence after N images.",
    metavar="N",
    rich_help_panel="Mapping",
)


NoMetadata = Annotated[
    bool,
    typer.Option(
        "--no-metadata",
        help="Write images without time, GPS or XMP tags.",
        rich_help_panel="Metadata",
    ),
]


Make = Annotated[
    str | None,
    typer.Option(
        "--camera-make",
        help="Camera make to write, over what the file says.",
        metavar="TEXT",
        rich_help_panel="Metadata",
    ),
]


Model = Annotated[
    str | None,
    typer.Option(
        "--camera-model",
        help="Camera model to write, over what the file says.",
        metavar="TEXT",
        rich_help_panel="Metadata",
    ),
]


#: The metadata stage's options, written once: (parameter, annotated type, default).
_METADATA_PARAMS: tuple[tuple[str, Any, Any], ...] = (
    ("time_source", TimeSourceOpt, TimeSource.auto),
    ("start_time", StartTime, None),
    ("offset", Offset, 0.0),
    ("track", Track, None),
    ("max_gap", MaxGap, PARAMS["max_gap_s"].default),
    ("min_distance", MinDistance, PARAMS["min_distance_m"].default),
    ("min_angle", MinAngle, PARAMS["min_angle_deg"].default),
    ("drop_duplicates", DropDuplicates, False),
    ("require_gps", RequireGps, False),
    ("camera_angle", CameraAngle, PARAMS["camera_angle_deg"].default),
    ("heading", HeadingOpt, Heading.track),
    ("split_time", SplitTime, PARAMS["split_time_s"].default),
    ("split_distance", SplitDistance, PARAMS["split_distance_m"].default),
    ("max_sequence", MaxSequence, PARAMS["max_sequence"].default),
    ("camera_make", Make, None),
    ("camera_model", Model, None),
    ("no_metadata", NoMetadata, False),
)


def with_metadata_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command that tags frames the metadata options (``--time-source``, ``--gpx``,
    ``--camera-make``, ... in their own help panel), written once here: the command takes one
    ``metadata: MetadataOptions`` parameter and receives them built and checked."""
    return options_group("metadata", _METADATA_PARAMS, metadata_options)(command)


def metadata_options(
    *,
    no_metadata: bool,
    time_source: TimeSource,
    start_time: str | None,
    offset: float,
    track: Path | None,
    max_gap: float,
    min_distance: float = PARAMS["min_distance_m"].default,
    min_angle: float = PARAMS["min_angle_deg"].default,
    drop_duplicates: bool = False,
    require_gps: bool = False,
    camera_angle: float = 0.0,
    heading: Heading = Heading.track,
    split_time: float = PARAMS["split_time_s"].default,
    split_distance: float = PARAMS["split_distance_m"].default,
    max_sequence: int = PARAMS["max_sequence"].default,
    camera_make: str | None = None,
    camera_model: str | None = None,
) -> MetadataOptions:
    """The metadata stage's options from the shared CLI options; one sequence chain for
    the inputs of the command."""
    from vfx.errors import ParameterError
    from vfx.tagging.rows import parse_start_time
    from vfx.tagging.settings import MetadataOptions, SequenceChain

    if track is not None and not track.is_file():
        raise ParameterError(f"{track}: no such track file")
    return MetadataOptions(
        enabled=not no_metadata,
        time_source=time_source.value,
        start_time=parse_start_time(start_time) if start_time else None,
        offset_s=offset,
        track=track,
        max_gap_s=max_gap,
        min_distance_m=min_distance,
        min_angle_deg=min_angle,
        drop_duplicates=drop_duplicates,
        require_position=require_gps,
        camera_angle_deg=camera_angle,
        heading=heading.value,
        split_time_s=split_time,
        split_distance_m=split_distance,
        max_sequence=max_sequence,
        make=camera_make,
        model=camera_model,
        chain=SequenceChain(),
    )
