"""``vfx flow``: optical flow, directograms and impacts of a video in one decoding pass."""

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from vfx.cli.options import (
    End,
    Json,
    MaxPixels,
    OutDir,
    Quiet,
    Start,
    Stride,
    comma_list,
    only_option,
    ranged,
    time_window,
)
from vfx.cli.output import echo_json, say
from vfx.cli.progress import progress_bar, wants_progress
from vfx.params import PARAMS

VideoOrFolder = Annotated[
    Path,
    typer.Argument(
        help="A video, or a folder of images in order (vfx frames --every with its "
        "frames.csv gives their times; else 25 per second).",
        show_default=False,
        metavar="INPUT",
    ),
]
_OUTPUTS = "video, directogram, impacts, picture, sparse"
Only = only_option(
    _OUTPUTS, default="video, directogram, impacts; with codec: directogram, impacts, picture"
)
ScaleOpt = ranged(
    "flow_scale",
    "--scale",
    kind=float,
    help="Compute the flow at this fraction of the size (0.5: about 4x as fast).",
)


def flow(
    video: VideoOrFolder,
    output: OutDir = None,
    only: Only = None,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="farneback: dense optical flow (MGT's). codec: the motion vectors the "
            "encoder stored (H.264, MPEG-4 Part 2, MPEG-1/2), at decoding speed; block "
            "motion chosen to compress the video, not true flow.",
            metavar="farneback|codec",
        ),
    ] = "farneback",
    sparse: Annotated[
        bool,
        typer.Option("--sparse", help="Also write the feature-point video (Lucas-Kanade)."),
    ] = False,
    scale: ScaleOpt = PARAMS["flow_scale"].default,
    start: Start = None,
    end: End = None,
    stride: Stride = PARAMS["every_n"].default,
    quiet: Quiet = False,
    json: Json = False,
    max_pixels: MaxPixels = PARAMS["max_pixels"].default,
) -> None:
    """Optical flow of a video, computed once per frame pair and shared by every output.

    The Musical Gestures Toolbox's flow, directogram and impacts (same filter, Farnebäck
    parameters and detection), from one pass on every core. Outputs go to ./<stem>_flow
    (or -o DIR):

    - <stem>_flow.mp4: the flow as colour (hue: direction, brightness: speed);
    - <stem>_directogram.csv and .png: motion per direction over time (0 degrees is
    rightwards, 90 downwards);
    - <stem>_impacts.csv and .png: the impact envelope and the impacts found in it, on
    the same time axis as vfx motion's quantity of motion;
    - <stem>_flow.png: where the clip moved, coloured by the prevailing direction
    (by default with --method codec);
    - <stem>_flow_sparse.mp4 with --sparse: feature points with their tails.
    """
    from vfx.cli import process
    from vfx.io.plot import Plotter
    from vfx.jobs.flow import DEFAULT_OUTPUTS, write_flow

    outputs = comma_list(only, DEFAULT_OUTPUTS.get(method, ()))
    if sparse and "sparse" not in outputs:
        outputs.append("sparse")
    window = time_window(start, end)
    # The figures' helper process is forked before the progress bar starts its thread, and
    # only by the vfx command itself (a program calling write_flow() is never forked).
    fork = bool({"directogram", "impacts"} & set(outputs)) and process.OWNS_PROCESS
    with (
        Plotter.start() if fork else nullcontext() as plotter,
        progress_bar(video.name, enabled=wants_progress(quiet, json)) as progress,
    ):
        result = write_flow(
            video,
            output,
            outputs=outputs,
            method=method,
            start_s=window[0],
            end_s=window[1],
            stride=stride,
            scale=scale,
            max_pixels=max_pixels,
            progress=progress,
            plotter=plotter,
        )
    if json:
        echo_json(
            {
                "video": str(video),
                "out_dir": str(result.out_dir),
                "method": result.method,
                "pairs": result.pairs,
                "impacts_s": [round(t, 6) for t in result.impacts],
                "files": {k: str(v) for k, v in result.files.items()},
            }
        )
    elif not quiet:
        names = ", ".join(Path(p).name for p in result.files.values())
        found = f", {len(result.impacts)} impacts" if "impacts" in result.files else ""
        say(f"{video.name}: {result.pairs} frame pairs{found} -> {result.out_dir}: {names}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(flow)


__all__ = ["flow", "register"]
