"""``vfx trails``: a video with motion trails."""

from pathlib import Path
from typing import Annotated

import typer

from vfx.cli.options import End, Json, MaxPixels, Quiet, Start, Stride, Video, time_window
from vfx.cli.output import echo_json, say
from vfx.cli.progress import progress_bar, wants_progress
from vfx.params import PARAMS


def trails(
    video: Video,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Output video (.mp4; default ./<stem>_trails.mp4)."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the output video if it exists.")
    ] = False,
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            metavar="decay|mean",
            help="decay: bright things leave trails that fade by --decay per frame (FFmpeg's "
            "lagfun); mean: each frame is the mean of the last --frames (FFmpeg's tmix).",
        ),
    ] = "decay",
    decay: Annotated[
        float,
        typer.Option("--decay", min=0.0, max=1.0, help="decay: the trail kept per frame."),
    ] = 0.95,
    frames: Annotated[
        int, typer.Option("--frames", min=1, max=1000, help="mean: frames averaged.")
    ] = 8,
    dark: Annotated[
        bool,
        typer.Option("--dark", help="decay: trails of dark things (a dark figure on light)."),
    ] = False,
    start: Start = None,
    end: End = None,
    stride: Stride = PARAMS["every_n"].default,
    quiet: Quiet = False,
    json: Json = False,
    max_pixels: MaxPixels = PARAMS["max_pixels"].default,
) -> None:
    """A video in which moving things leave trails (a sliding mean or a fading maximum)."""
    from vfx.jobs.trails import make_trails

    window = time_window(start, end)
    with progress_bar(video.name, enabled=wants_progress(quiet, json)) as progress:
        result = make_trails(
            video,
            output,
            mode=mode,
            decay=decay,
            frames=frames,
            dark=dark,
            start_s=window[0],
            end_s=window[1],
            stride=stride,
            overwrite=overwrite,
            max_pixels=max_pixels,
            progress=progress,
        )
    if json:
        echo_json({"video": str(video), "path": str(result.path), "frames": result.frames})
    elif not quiet:
        say(f"{video.name}: trails ({mode}, {result.frames} frames) -> {result.path}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(trails)


__all__ = ["register", "trails"]
