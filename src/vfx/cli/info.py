"""``vfx info``: what a video holds, without decoding it."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vfx.cli.options import Json, MaxPixels
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


VideoOrFolder = Annotated[
    Path,
    typer.Argument(
        help="A video, or a folder vfx wrote (what it holds, from its vfx.json).",
        show_default=False,
        metavar="VIDEO|FOLDER",
    ),
]


def _folder(folder: Path, json: bool) -> None:
    """What a folder vfx wrote holds (and its subfolders, two levels down), from their
    contents lists."""
    from vfx.errors import VfxError
    from vfx.io.contents import CONTENTS_NAME, read_contents

    found = []
    for place in [folder, *sorted(p for p in folder.glob("*/") if p.is_dir()),
                  *sorted(p for p in folder.glob("*/*/") if p.is_dir())]:  # fmt: skip
        outputs = read_contents(place, keep_missing=False)
        if outputs is not None:
            found += [(place.relative_to(folder) / o.file, o) for o in outputs]
    if not found:
        raise VfxError(
            f"no {CONTENTS_NAME} here or below: not a folder vfx wrote (or an older vfx's)",
            path=folder,
        )
    if json:
        from dataclasses import asdict

        records = [asdict(o) | {"file": str(path)} for path, o in found]
        echo_json({"folder": str(folder), "outputs": records})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{shown(str(folder))}: {len(found)} files", title_justify="left")
    for col in ("file", "what", "kind", "made by"):
        table.add_column(col, overflow="fold")
    for path, o in found:
        table.add_row(shown(str(path)), o.what, o.kind, f"vfx {o.command}")
    Console(highlight=False, soft_wrap=True).print(table)


def info(
    video: VideoOrFolder,
    json: Json = False,
    max_pixels: MaxPixels = PARAMS["max_pixels"].default,
) -> None:
    """Streams, codec, size, exact fps, duration, frame counts, rotation and telemetry.

    Frame and keyframe counts come from the packet index (no decoding); the creation time
    (checked against the GPS clock, which shows when it is the camera's local clock) and
    the telemetry tracks (gpmd, camm, ...) are listed too. Given a folder vfx wrote, what
    each file in it is and which command made it.
    """
    from vfx.io.video.reader import probe

    if video.is_dir():
        _folder(video, json)
        return

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
