"""Options shared by several commands, written once as ``Annotated`` aliases."""

from __future__ import annotations

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
