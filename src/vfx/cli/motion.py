"""``vfx motion``: motion pictures of a video in one decoding pass."""

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vfx.cli.options import (
    End,
    Json,
    MaxPixels,
    OldEvery,
    OutDir,
    Quiet,
    Start,
    Stride,
    Video,
    comma_list,
    only_option,
    ranged,
    stride_from,
    time_window,
    with_panorama_options,
)
from vfx.cli.output import echo_json, say
from vfx.cli.progress import progress_bar, wants_progress
from vfx.params import PARAMS

if TYPE_CHECKING:
    from vfx.io.video.panorama import PanoramaOptions

_OUTPUTS = "video, motiongrams, videograms, average, history, qom, audio, ssm"
Only = only_option(_OUTPUTS)

ThresholdOpt = ranged(
    "threshold",
    "--threshold",
    kind=float,
    help="Frame differences below this fraction of full scale become 0.",
)
MedianOpt = ranged(
    "median", "--median", help="Median filter of this odd size on the difference (noise)."
)
HistoryDecayOpt = ranged(
    "history_decay", "--history-decay", kind=float, help="Motion history kept per frame."
)
MaxProfileOpt = ranged(
    "max_profile",
    "--max-profile",
    help="Longest motiongram in frames; longer ones average neighbouring frames.",
)


@with_panorama_options
def motion(
    video: Video,
    output: OutDir = None,
    only: Only = None,
    start: Start = None,
    end: End = None,
    stride: Stride = PARAMS["every_n"].default,
    every: OldEvery = None,
    threshold: ThresholdOpt = PARAMS["threshold"].default,
    binary: Annotated[
        bool, typer.Option("--binary", help="Motion is 0 or full scale (no grey levels).")
    ] = False,
    color: Annotated[
        bool,
        typer.Option(
            "--color",
            help="Motion video, motiongrams and history per RGB channel (default: grey, the "
            "video's luma). Videograms are always in colour.",
        ),
    ] = False,
    median: MedianOpt = PARAMS["median"].default,
    normalize: Annotated[
        bool,
        typer.Option(
            "--normalize/--no-normalize",
            help="Scale motiongrams and the history so their maximum is white.",
        ),
    ] = True,
    stretch: Annotated[
        bool,
        typer.Option(
            "--stretch",
            help="Stretch each picture's 1st-99th percentiles to full range (videograms: "
            "instead of each frame's line stretched on its own, the default).",
        ),
    ] = False,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="Scale no picture: 16-bit motiongrams, videograms and history of the "
            "measured values (0-255 full scale), for measurement.",
        ),
    ] = False,
    videogram: Annotated[
        str,
        typer.Option(
            "--videogram",
            metavar="mean|slit",
            help="Videogram lines: each frame's mean rows and columns, or its one column "
            "and row through a slit (a slit-scan picture).",
        ),
    ] = "mean",
    slit_x: Annotated[
        int | None,
        typer.Option("--slit-x", min=0, help="Slit-scan column (pixels; default the middle)."),
    ] = None,
    slit_y: Annotated[
        int | None,
        typer.Option("--slit-y", min=0, help="Slit-scan row (pixels; default the middle)."),
    ] = None,
    history_decay: HistoryDecayOpt = PARAMS["history_decay"].default,
    history_video: Annotated[
        bool, typer.Option("--history-video", help="Also write the history as a video.")
    ] = False,
    max_profile: MaxProfileOpt = PARAMS["max_profile"].default,
    no_metadata: Annotated[
        bool, typer.Option("--no-metadata", help="Write the stills without tags.")
    ] = False,
    quiet: Quiet = False,
    json: Json = False,
    max_pixels: MaxPixels = PARAMS["max_pixels"].default,
    panorama: "PanoramaOptions | None" = None,  # built by with_panorama_options
) -> None:
    """Motion video, motiongrams, videograms, average, history and QoM in one pass.

    Outputs go to ./<stem>_motion (or -o DIR): <stem>_motion.mp4;
    <stem>_motiongram_time-x.png, where time runs left to right (one column per frame,
    each the mean of every row: a vertical profile); <stem>_motiongram_time-y.png, where
    time runs top to bottom (one row per frame, each the mean of every column: a
    horizontal profile); the same as <stem>_videogram_* over the frames themselves;
    <stem>_average.png (exact mean of all frames, 16-bit); <stem>_history.png;
    <stem>_qom.csv and <stem>_qom.png (quantity of motion, centroid and bounding box per
    frame); with sound, <stem>_audio.csv (onset strength, RMS, spectral centroid per motion
    frame), the waveform, mel spectrogram and tempogram, and <stem>_motion_sound.png
    (motiongram, QoM and spectrogram on one time axis); <stem>_ssm.png (self-similarity).
    """
    from vfx.io.plot import Plotter
    from vfx.jobs.motion import MOTION_OUTPUTS, analyse_motion
    from vfx.tagging.settings import MetadataOptions

    outputs = comma_list(only, MOTION_OUTPUTS)
    from vfx.cli import process

    # The plot's helper process is forked before the progress bar starts its thread, and
    # only by the vfx command itself (a program calling run() is never forked).
    fork = bool({"qom", "audio", "ssm"} & set(outputs)) and process.OWNS_PROCESS
    window = time_window(start, end)
    with (
        Plotter.start() if fork else nullcontext() as plotter,
        process.opencv_threads(1) if process.OWNS_PROCESS else nullcontext(),
        progress_bar(video.name, enabled=wants_progress(quiet, json)) as progress,
    ):
        result = analyse_motion(
            video,
            output,
            outputs=outputs,
            start_s=window[0],
            end_s=window[1],
            stride=stride_from(stride, every),
            threshold=threshold,
            binary=binary,
            color=color,
            median=median,
            normalize=normalize,
            stretch=stretch,
            raw=raw,
            videogram=videogram,
            slit_x=slit_x,
            slit_y=slit_y,
            history_decay=history_decay,
            history_video=history_video,
            max_profile=max_profile,
            max_pixels=max_pixels,
            metadata=MetadataOptions(enabled=not no_metadata),
            panorama=panorama,
            progress=progress,
            plotter=plotter,
        )
    if json:
        record = {
            "video": str(video),
            "out_dir": str(result.out_dir),
            "frames": result.frames,
            "motion_frames": result.motion_frames,
            "mean_qom": result.mean_qom,
            "files": {k: str(v) for k, v in result.files.items()},
        }
        echo_json(record)
    elif not quiet:
        names = ", ".join(Path(p).name for p in result.files.values())
        say(f"{video.name}: {result.frames} frames -> {result.out_dir}: {names}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(motion)


__all__ = ["motion", "register"]
