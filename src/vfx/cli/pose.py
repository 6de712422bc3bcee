"""``vfx pose``: the body (and hands) of the person in a video, offline."""

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
    Video,
    comma_list,
    only_option,
    time_window,
)
from vfx.cli.output import echo_json, say
from vfx.cli.progress import progress_bar, wants_progress
from vfx.params import PARAMS

_OUTPUTS = "csv, video, trails, speed"
Only = only_option(_OUTPUTS)


def pose(
    video: Video,
    output: OutDir = None,
    only: Only = None,
    hands: Annotated[
        bool,
        typer.Option("--hands", help="Also track up to two hands (21 landmarks each)."),
    ] = False,
    start: Start = None,
    end: End = None,
    stride: Stride = PARAMS["every_n"].default,
    joints: Annotated[
        str | None,
        typer.Option(
            "--joints",
            help="Comma-separated joints whose paths the trails picture draws "
            "(default: nose, wrists, ankles; names as in the CSV header).",
            metavar="LIST",
            show_default=False,
        ),
    ] = None,
    no_smoothing: Annotated[
        bool,
        typer.Option("--no-smoothing", help="Raw landmarks per frame (no One Euro filter)."),
    ] = False,
    quiet: Quiet = False,
    json: Json = False,
    max_pixels: MaxPixels = PARAMS["max_pixels"].default,
) -> None:
    """Body landmarks of the one person in a video, as data, a skeleton video and pictures.

    MediaPipe's BlazePose (33 landmarks) and, with --hands, MediaPipe Hands, run offline
    from the models `vfx models install` put in place. One person: the most prominent,
    tracked from frame to frame as MediaPipe does. Outputs go to ./<stem>_pose (or -o DIR):

    - <stem>_pose.csv: per frame, time and every landmark's x, y (pixels), z, visibility
    and presence, and world coordinates (metres); empty where nobody is found;
    - <stem>_pose.mp4: the video with the skeleton (the person's left in orange, right in
    blue, faded where a joint is hidden);
    - <stem>_pose_trails.png: the paths of --joints over the average frame, coloured by time;
    - <stem>_pose_speed.csv and .png: speed of every joint and body part, pixels/s and m/s.
    """
    from vfx.jobs.pose import POSE_OUTPUTS, TRAIL_JOINTS, write_pose

    outputs = comma_list(only, POSE_OUTPUTS)
    chosen = comma_list(joints, TRAIL_JOINTS)
    window = time_window(start, end)
    with progress_bar(video.name, enabled=wants_progress(quiet, json)) as progress:
        result = write_pose(
            video,
            output,
            outputs=outputs,
            start_s=window[0],
            end_s=window[1],
            stride=stride,
            hands=hands,
            smooth=not no_smoothing,
            joints=chosen,
            max_pixels=max_pixels,
            progress=progress,
        )
    if json:
        echo_json(
            {
                "video": str(video),
                "out_dir": str(result.out_dir),
                "frames": result.frames,
                "found": result.found,
                "hands_found": result.hands_found,
                "files": {k: str(v) for k, v in result.files.items()},
            }
        )
    elif not quiet:
        names = ", ".join(Path(p).name for p in result.files.values())
        say(
            f"{video.name}: a person in {result.found} of {result.frames} frames "
            f"-> {result.out_dir}: {names}"
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(pose)


__all__ = ["pose", "register"]
