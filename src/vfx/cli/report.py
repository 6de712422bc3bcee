"""``vfx report``: one HTML page per video with everything vfx knows and made of it."""

from pathlib import Path
from typing import Annotated

import typer

from vfx.cli.options import Json, OutDir, Quiet
from vfx.cli.output import echo_json, say, shown
from vfx.cli.progress import progress_bar, wants_progress


def report(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Videos, or output folders vfx wrote.", show_default=False, metavar="INPUT..."
        ),
    ],
    output: OutDir = None,
    tiles: Annotated[
        str | None,
        typer.Option(
            "--tiles",
            help="Draw the map over web map tiles from this URL template "
            "(https://.../{z}/{x}/{y}.png); without it the page fetches nothing.",
            metavar="URL",
            show_default=False,
        ),
    ] = None,
    quiet: Quiet = False,
    json: Json = False,
) -> None:
    """Write one HTML page per video: its facts and clocks, the telemetry found, the frames
    as a contact sheet, the pictures vfx made, the GPS track as a map with every frame on it,
    and speed, altitude, motion and sensor plots over time.

    INPUT is a video (its keyframes are shown) or a folder vfx wrote (frames.csv, motion
    pictures, _qom.csv, selection.json, telemetry exports, run.json). One input gives
    report.html (in the folder itself, or ./<stem>_report for a video); several give a page
    each and an index.html (default ./report). Pages open offline: thumbnails lie beside
    them, full images are linked.
    """
    from vfx.jobs.report import make_report

    with progress_bar("report", enabled=wants_progress(quiet, json)) as progress:
        result = make_report(inputs, output, tiles=tiles, progress=progress)
    if json:
        echo_json({"main": str(result.main), "pages": [str(p) for p in result.pages]})
    elif not quiet:
        say(f"report: {shown(str(result.main))} ({len(result.pages)} pages)")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(report)


__all__ = ["register", "report"]
