"""The contact sheet: frames in a grid, labelled with their names and times."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC
from pathlib import Path

import numpy as np

from vfx.errors import ImageReadError, OutputError
from vfx.io.exif import ImageTags
from vfx.io.files import prepare_output_dir
from vfx.io.images import format_for
from vfx.io.sources import Still
from vfx.jobs.multiframe import (
    MAX_PIXELS,
    Composite,
    Exposures,
    Progress,
    frame_source,
    guard_single,
    stream_frames,
)
from vfx.jobs.recording import note_outputs
from vfx.params import check
from vfx.types import KEYFRAMES, FrameChoice

__all__ = ["make_montage"]

log = logging.getLogger("vfx")


def make_montage(
    input: str | Path,
    out: str | Path,
    *,
    frames: FrameChoice = KEYFRAMES,
    columns: int = 6,
    tile_width: int = 320,
    font_size: float = 14,
    max_pixels: int = MAX_PIXELS,
    progress: Progress | None = None,
    overwrite: bool = False,
    threads: int | None = None,
) -> Composite:
    """A contact sheet of the frames via ImageMagick, each labelled with what is known of it.

    The tiles are reduced on ``threads`` threads (default: the process's cores).

    A label has the frame's name, its time in the video, and from the metadata stage its UTC
    time and position (``frames.csv`` rows for a folder). The sheet is tagged with the span of
    its frames (see :func:`vfx.tagging.rows.span_tags`).
    """
    check("columns", columns)
    check("tile_width", tile_width)
    check("font_size", font_size)
    out = Path(out)
    format_for(out)
    from vfx.io.magick import montage

    source = frame_source(input, frames, max_pixels)
    guard_single(out, source, overwrite)
    if out.parent != Path("") and not out.parent.is_dir():
        prepare_output_dir(out.parent)
    exposures = Exposures(source, "contact sheet")

    def labelled() -> Iterable[tuple[np.ndarray, str]]:
        for still in stream_frames(source, source.count, progress, exposures):
            yield still.image, _label(still, exposures.tags(still))

    try:
        width, height = montage(
            labelled(),
            out,
            columns=columns,
            tile_width=tile_width,
            font_size=font_size,
            tags=exposures.span,
            threads=threads,
        )
    except ValueError as exc:
        raise ImageReadError(str(exc), path=source.path) from exc
    except OSError as exc:
        raise OutputError(f"cannot write ({exc})", path=out) from exc
    note_outputs(
        "montage",
        [(out, f"Contact sheet of {source.count} frames, each labelled with its name and time",
          "picture")],
        options={"frames": str(frames), "columns": columns, "tile_width": tile_width},
        source=source.path.name, start_s=frames.start_s, end_s=frames.end_s,
    )  # fmt: skip
    return Composite(out, source.count, (height, width, 3), "uint8")


def _label(still: Still, tags: ImageTags | None) -> str:
    """A contact-sheet label: name, time in the video, UTC time and position when known."""
    lines = [still.name]
    if still.time is not None:
        lines.append(f"{float(still.time):.3f} s")
    if tags is not None and tags.datetime_original is not None:
        lines.append(tags.datetime_original.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))
    if tags is not None and tags.lat is not None and tags.lon is not None:
        lines.append(f"{tags.lat:.5f}, {tags.lon:.5f}")
    return "\n".join(lines)
