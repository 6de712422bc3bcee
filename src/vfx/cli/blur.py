"""``vfx blur``: faces blurred in a folder of images, every tag kept."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vfx.cli.options import Json, Overwrite, Quiet, ranged
from vfx.cli.output import echo_json, say
from vfx.cli.progress import progress_bar, wants_progress
from vfx.errors import ParameterError
from vfx.params import PARAMS


class BlurMode(StrEnum):
    blur = "blur"
    pixelate = "pixelate"
    fill = "fill"


class Projection(StrEnum):
    auto = "auto"
    flat = "flat"
    equirectangular = "equirectangular"


Score = ranged("face_score", "--score", kind=float, help=PARAMS["face_score"].help)
Strength = ranged("blur_strength", "--strength", kind=float, help=PARAMS["blur_strength"].help)
Margin = ranged("face_margin", "--margin", kind=float, help=PARAMS["face_margin"].help)


def blur(
    folder: Annotated[
        Path,
        typer.Argument(
            help="A folder of images (JPEG, PNG, TIFF), e.g. from vfx frames.",
            show_default=False,
            metavar="FOLDER",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Folder for the blurred copies.", show_default=False),
    ] = None,
    in_place: Annotated[
        bool, typer.Option("--in-place", help="Replace the images themselves (no copies).")
    ] = False,
    mode: Annotated[
        BlurMode,
        typer.Option(
            "--mode", help="blur (a wide box blur), pixelate (blocks) or fill (flat colour)."
        ),
    ] = BlurMode.blur,
    strength: Strength = PARAMS["blur_strength"].default,
    margin: Margin = PARAMS["face_margin"].default,
    score: Score = PARAMS["face_score"].default,
    projection: Annotated[
        Projection,
        typer.Option(
            "--projection",
            help="auto (equirectangular when 2:1 and tagged so), flat or equirectangular.",
            metavar="KIND",
        ),
    ] = Projection.auto,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
    json: Json = False,
) -> None:
    """Blur the faces in a folder of images and keep every tag.

    Faces are found by MediaPipe's full-range face detector (offline, from vfx models
    install) on a pyramid of overlapping squares, so distant faces of a dozen pixels are
    found; in equirectangular panoramas on 22 perspective views that see the whole sphere
    (faces near the poles and across the seam included). Only pixels change: EXIF, GPS,
    XMP (GPano), ICC and every other tag stay as they were, and frames.csv gets a faces
    column. Each image is written whole, then renamed into place: an interrupted run never
    leaves an unblurred image where a blurred one was asked for. Licence plates are not
    blurred (no offline plate model exists).
    """
    from vfx.jobs.blur import FaceOptions, blur_images

    if output is None and not in_place:
        raise ParameterError("give -o FOLDER for blurred copies, or --in-place")
    if output is not None and in_place:
        raise ParameterError("give either -o FOLDER or --in-place, not both")
    options = FaceOptions(score=score, mode=mode.value, strength=strength, margin=margin)
    panorama = {"auto": None, "flat": False, "equirectangular": True}[projection.value]
    with progress_bar(folder.name, enabled=wants_progress(quiet, json)) as progress:
        result = blur_images(
            folder,
            output,
            options=options,
            in_place=in_place,
            overwrite=overwrite,
            panorama=panorama,
            progress=progress,
        )
    if json:
        echo_json(
            {
                "folder": str(folder),
                "out_dir": str(result.out_dir),
                "images": result.images,
                "faces": result.total,
                "files": {str(k): v for k, v in result.faces.items()},
            }
        )
    elif not quiet:
        with_faces = sum(1 for n in result.faces.values() if n)
        say(
            f"{folder.name}: {result.total} faces blurred in {with_faces} of {result.images} "
            f"images -> {result.out_dir}"
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(blur)


__all__ = ["blur", "register"]
