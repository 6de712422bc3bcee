"""``vfx keyframes`` and ``vfx frames``: stills from videos, with exact times."""

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vfx.cli.metadata_options import with_metadata_options
from vfx.cli.options import (
    End,
    Json,
    OutDir,
    Quiet,
    Start,
    Videos,
    time_window,
    with_panorama_options,
    with_stills_options,
)
from vfx.cli.output import echo_json, say
from vfx.cli.progress import progress_bar, wants_progress
from vfx.errors import ParameterError, VfxError

if TYPE_CHECKING:
    from vfx.io.naming import InputName
    from vfx.io.video.panorama import PanoramaOptions
    from vfx.jobs.stills import Extraction
    from vfx.tagging.settings import MetadataOptions
from vfx.ops.sampling import parse_time

Job = Callable[["InputName", Callable[[int, int | None], None]], "Extraction"]


def _summary(result: "Extraction", what: str) -> str:
    line = (
        f"{result.video.name}: {len(result.rows)} {what} in {result.out_dir} "
        f"({len(result.written)} written, {len(result.skipped)} already there); "
        f"table {result.table.name if result.table else '-'}"
    )
    meta = result.metadata
    if meta is not None and (meta.time_source or meta.gps_source):
        line += f"; time from {meta.time_source or 'nowhere'}"
        if meta.gps_source:
            line += f", {meta.frames_with_position} of {meta.frames} with GPS ({meta.gps_source})"
        if meta.duplicates:
            done = "dropped" if meta.dropped_duplicates else "flagged"
            line += f", {meta.duplicates} duplicates {done}"
        if meta.dropped_without_position:
            line += f", {meta.dropped_without_position} without GPS not written"
        if meta.sequences > 1:
            line += f", {meta.sequences} sequences"
    return line


def _record(result: "Extraction") -> dict[str, object]:
    from vfx.types import jsonable

    return {
        "video": str(result.video),
        "status": "done",
        "out_dir": str(result.out_dir),
        "table": str(result.table) if result.table else None,
        "written": len(result.written),
        "skipped": len(result.skipped),
        "frames": result.rows,
        "metadata": jsonable(asdict(result.metadata)) if result.metadata else None,
    }


def run_each(videos: list[Path], job: Job, *, what: str, quiet: bool, json: bool) -> None:
    """Run ``job`` on each video; with several videos one failure does not stop the others.

    Videos that share a stem get distinct output names (:mod:`vfx.io.naming`).
    """
    from vfx.io.naming import input_names

    records: list[dict[str, object]] = []
    failed = 0
    show = wants_progress(quiet, json)
    for name in input_names(videos):
        video = name.path
        try:
            with progress_bar(video.name, enabled=show) as progress:
                result = job(name, progress)
        except VfxError as exc:
            if len(videos) == 1:
                raise
            failed += 1
            say(f"vfx: error: {' '.join(str(exc).split())}", err=True)
            records.append({"video": str(video), "status": "failed", "error": str(exc)})
            continue
        records.append(_record(result))
        if not quiet and not json:
            say(_summary(result, what))
    if json:
        echo_json(records if len(videos) > 1 else records[0])
    if failed:
        raise typer.Exit(1)


def _parse_at(text: str | None) -> list[float] | None:
    if text is None:
        return None
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise ParameterError("--at needs at least one time")
    return [parse_time(p) for p in parts]


#: ``--sharpest SECONDS`` of keyframes and frames.
Sharpest = Annotated[
    float | None,
    typer.Option(
        "--sharpest",
        help="Write the sharpest frame (variance of the Laplacian of its luma) within "
        "SECONDS of each chosen instant instead of the one on screen then; frames.csv "
        "records its sharpness and offset.",
        metavar="SECONDS",
        show_default=False,
    ),
]


@with_panorama_options
@with_stills_options
@with_metadata_options
def keyframes(
    videos: Videos,
    sharpest: Sharpest = None,
    output: OutDir = None,
    quiet: Quiet = False,
    json: Json = False,
    stills: dict[str, Any] | None = None,  # built by with_stills_options
    metadata: "MetadataOptions | None" = None,  # built by with_metadata_options
    panorama: "PanoramaOptions | None" = None,  # built by with_panorama_options
) -> None:
    """Decode only the keyframes (I-frames) and write each one losslessly.

    Images are RGB TIFF (deflate; 16-bit per channel for sources above 8 bits) named
    <stem>_<frame_index>.<ext> by display-order index, with frames.csv listing exact
    times. The default folder is ./<stem>_keyframes; complete images are skipped on a
    re-run unless --overwrite. Each image carries its UTC time, GPS position and heading
    (from GoPro GPMF, Google CAMM or what exiftool finds, or --gpx) and its source.
    """
    from vfx.jobs.stills import extract_keyframes

    run_each(
        videos,
        lambda name, progress: extract_keyframes(
            name.path,
            output,
            sharpest_s=sharpest,
            progress=progress,
            **(stills or {}),
            metadata=metadata,
            panorama=panorama,
            name=name,
        ),
        what="keyframes",
        quiet=quiet,
        json=json,
    )


@with_panorama_options
@with_stills_options
@with_metadata_options
def frames(
    videos: Videos,
    every: Annotated[
        float | None,
        typer.Option("--every", help="Take a frame every SECONDS.", metavar="SECONDS"),
    ] = None,
    fps: Annotated[
        float | None, typer.Option("--fps", help="Take F frames per second.", metavar="F")
    ] = None,
    all_frames: Annotated[bool, typer.Option("--all", help="Take every frame.")] = False,
    distance: Annotated[
        float | None,
        typer.Option(
            "--distance",
            help="Take a frame each time the camera has moved METRES along its GPS track "
            "(with --every SECONDS as the longest wait while moving slowly).",
            metavar="METRES",
            rich_help_panel="Mapping",
            show_default=False,
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Take frames at these times: T1,T2,... (seconds or [HH:]MM:SS.fff).",
            metavar="T1,T2,...",
        ),
    ] = None,
    sharpest: Sharpest = None,
    start: Start = None,
    end: End = None,
    output: OutDir = None,
    quiet: Quiet = False,
    json: Json = False,
    stills: dict[str, Any] | None = None,  # built by with_stills_options
    metadata: "MetadataOptions | None" = None,  # built by with_metadata_options
    panorama: "PanoramaOptions | None" = None,  # built by with_panorama_options
) -> None:
    """Take frames by time (--every SECONDS, --fps F, --all, --at T1,T2,...) or by distance
    travelled (--distance METRES).

    A time takes the frame on screen at that time. Stretches that are not needed are
    skipped by seeking. --distance measures along the GPS track (geodesic) and takes the
    frame on screen when the distance is reached; standing still gives no frames. The
    default folder is ./<stem>_frames.
    """
    chosen = sum([every is not None, fps is not None, all_frames, at is not None])
    if distance is not None:
        if fps is not None or all_frames or at is not None:
            raise ParameterError("--distance goes with --every (a maximum interval) only")
    elif chosen != 1:
        raise ParameterError(
            "choose frames with exactly one of --every, --fps, --all, --at, --distance"
        )
    start_s, end_s = time_window(start, end)
    at_s = _parse_at(at)
    stills = dict(stills or {})
    if distance is not None:
        # mapping: mapillary_tools zips and uploads JPEG only (it rewrites EXIF with piexif)
        stills.setdefault("fmt", "jpg")
    from vfx.jobs.stills import extract_frames

    run_each(
        videos,
        lambda name, progress: extract_frames(
            name.path,
            output,
            every_s=every,
            fps=fps,
            at_s=at_s,
            all_frames=all_frames,
            distance_m=distance,
            sharpest_s=sharpest,
            start_s=start_s,
            end_s=end_s,
            progress=progress,
            **stills,
            metadata=metadata,
            panorama=panorama,
            name=name,
        ),
        what="frames",
        quiet=quiet,
        json=json,
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(keyframes)
    app.command()(frames)


__all__ = ["frames", "keyframes", "register", "run_each"]
