"""Options shared by several commands, written once as ``Annotated`` aliases."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vfx.params import PARAMS


class ImageFormat(StrEnum):
    tiff = "tiff"
    png = "png"
    jpg = "jpg"


Videos = Annotated[
    list[Path],
    typer.Argument(help="Video files.", show_default=False, metavar="VIDEO..."),
]
Video = Annotated[Path, typer.Argument(help="Video file.", show_default=False)]
OutDir = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Output folder.", show_default=False),
]
Format = Annotated[
    ImageFormat,
    typer.Option("--format", "-f", help="Image format: lossless tiff or png, or jpg."),
]
Quality = Annotated[
    int,
    typer.Option(
        "--quality",
        "-q",
        min=int(PARAMS["quality"].low or 1),
        max=int(PARAMS["quality"].high or 100),
        help=PARAMS["quality"].help,
    ),
]
Overwrite = Annotated[
    bool, typer.Option("--overwrite", help="Rewrite images that exist instead of skipping them.")
]
Quiet = Annotated[bool, typer.Option("--quiet", help="No progress bar and no summary.")]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
MaxPixels = Annotated[
    int,
    typer.Option("--max-pixels", min=1, help=PARAMS["max_pixels"].help),
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
Gpx = Annotated[
    Path | None,
    typer.Option(
        "--gpx",
        help="Take positions from this GPX track (matched by UTC time).",
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
MinDistance = Annotated[
    float,
    typer.Option(
        "--min-distance",
        min=0,
        help="Flag frames closer than METRES to the previous one as duplicates in frames.csv.",
        metavar="METRES",
        rich_help_panel="Metadata",
    ),
]
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
    typer.Option("--make", help="Camera make to write, over what the file says.", metavar="TEXT"),
]
Model = Annotated[
    str | None,
    typer.Option("--model", help="Camera model to write, over what the file says.", metavar="TEXT"),
]
