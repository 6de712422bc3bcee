"""``vfx info``: what a video holds, without decoding it."""

from typing import TYPE_CHECKING

import typer

from vfx.cli.options import Json, MaxPixels, Video
from vfx.cli.output import echo_json, shown
from vfx.params import PARAMS

if TYPE_CHECKING:
    from rich.console import Console

    from vfx.tagging.clock import ClockCheck
    from vfx.types import VideoInfo


def render(
    info: "VideoInfo",
    console: "Console",
    clock: "ClockCheck | None" = None,
    mode: str | None = None,
) -> None:
    from rich.table import Table

    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    rows = [(k, shown(v) if k == "file" else v) for k, v in info.fact_rows()]
    if mode is not None:
        rows.append(("camera mode", mode))
    if clock is not None:
        rows.append(("creation clock", clock.describe()))
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)
    streams = Table(title="streams", title_justify="left")
    for col in ("#", "type", "codec", "tag", "handler", "duration"):
        streams.add_column(col)
    for s in info.streams:
        streams.add_row(
            str(s.index),
            s.type,
            s.codec or "-",
            s.tag or "-",
            s.handler or "-",
            f"{s.duration_s:.3f} s" if s.duration_s is not None else "-",
        )
    console.print(streams)
    if info.telemetry:
        names = ", ".join(
            f"#{s.index} {s.tag or '?'} ({s.handler or 'no handler name'})" for s in info.telemetry
        )
        console.print(f"[bold]telemetry tracks[/bold]: {names}")
    else:
        console.print("[bold]telemetry tracks[/bold]: none")


def info(
    video: Video,
    json: Json = False,
    max_pixels: MaxPixels = PARAMS["max_pixels"].default,
) -> None:
    """Streams, codec, size, exact fps, duration, frame counts, rotation and telemetry.

    Frame and keyframe counts come from the packet index (no decoding); the creation time
    (checked against the GPS clock, which shows when it is the camera's local clock) and
    the telemetry tracks (gpmd, camm, ...) are listed too.
    """
    from vfx.io.video.reader import probe

    result = probe(video, max_pixels=max_pixels)
    clock = mode = None
    if result.telemetry:
        from vfx.errors import TelemetryError
        from vfx.tagging.clock import check_creation_time
        from vfx.telemetry.read import read_telemetry
        from vfx.telemetry.spherical import flat_mode

        clock = check_creation_time(video, result.creation_time)
        try:
            telemetry = read_telemetry(video, fallback=False)
            mode = flat_mode(telemetry.model, telemetry.projection, result.layout)
        except TelemetryError:
            pass
    if json:
        record = result.to_dict()
        if mode is not None:
            record["camera_mode"] = mode
        if clock is not None:
            record["creation_time_is_utc"] = clock.creation_is_utc
            record["gps_start_utc"] = clock.gps_start.isoformat()
            record["creation_minus_gps_s"] = round(clock.creation_minus_gps_s, 3)
        echo_json(record)
    else:
        from rich.console import Console

        render(result, Console(highlight=False, soft_wrap=True), clock, mode)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(info)


__all__ = ["info", "register"]
