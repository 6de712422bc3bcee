"""Opening media files with libavformat: names FFmpeg cannot misread, clear errors, stream facts.

Shared by the reader (:mod:`vfx.io.video.reader`) and the writer (:mod:`vfx.io.video.writer`).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import replace
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from vfx.errors import TelemetryError, VideoOpenError
from vfx.io.mp4 import list_tracks
from vfx.types import StreamInfo
from vfx.workers import available_cores

log = logging.getLogger("vfx")

#: Refuse to decode frames larger than this many pixels (guards against absurd declared sizes).
DEFAULT_MAX_PIXELS = 16384 * 16384

# Suffixes of still-image files, to say "an image, not a video" instead of a vague decode error.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif"})


#: Insta360 cameras end every recording with a trailer whose last 32 bytes are this ASCII text.
INSTA360_MAGIC = b"8db42d694ccc418790edff439fe026bf"
#: What vfx says of an unstitched dual-fisheye recording (``vfx info``, warnings).
DUAL_FISHEYE = "dual-fisheye 360 (Insta360, unstitched): stitch to equirectangular first"


def is_dual_fisheye(path: Path) -> bool:
    """Whether ``path`` is an unstitched dual-fisheye recording: an Insta360 ``.insv`` (by
    its name, or by the trailer Insta360 cameras append to their files). Its frames are two
    fisheye circles, never an equirectangular panorama."""
    if Path(path).suffix.lower() == ".insv":
        return True
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() < len(INSTA360_MAGIC):
                return False
            fh.seek(-len(INSTA360_MAGIC), os.SEEK_END)
            return fh.read() == INSTA360_MAGIC
    except OSError:
        return False


def ffmpeg_url(path: Path) -> str:
    """``path`` as FFmpeg must be given it to read it as a local file, whatever its name.

    FFmpeg reads the part of a name before a colon as a protocol (``2019-11-18T23:45:15.mp4``
    gives "Protocol not found"); the explicit ``file:`` protocol and an absolute path leave no
    part of the name to be taken for anything else (colon, leading ``-``, spaces, newlines).
    """
    return "file:" + str(Path(path).absolute())


def _check_path(path: Path) -> None:
    if not path.exists():
        raise VideoOpenError("no such file", path=path)
    if path.is_dir():
        raise VideoOpenError("is a folder, not a video file", path=path)
    if not path.is_file():
        # A FIFO, a socket or a device (/dev/zero): vfx reads files it can seek in, twice.
        raise VideoOpenError("is not a regular file (a pipe or a device)", path=path)
    if path.stat().st_size == 0:
        raise VideoOpenError("file is empty (0 bytes)", path=path)


#: FFmpeg's log level is process-wide: opens in several threads (a thread pool, an in-process
#: Dask worker) take turns to raise and restore it, or one would "restore" another's raised
#: level and leave FFmpeg logging every decoding error for good.
_LOG_LEVEL_LOCK = threading.Lock()


def open_container(path: Path) -> Any:
    _check_path(path)
    with _LOG_LEVEL_LOCK:
        level = av.logging.get_level()
        try:
            # Capture FFmpeg's own error line (it names the problem) instead of printing it.
            if level is None:
                av.logging.set_level(av.logging.ERROR)
            with av.logging.Capture(local=True):
                container = av.open(ffmpeg_url(path), mode="r")
        except PermissionError as exc:
            raise VideoOpenError("permission denied", path=path) from exc
        except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise VideoOpenError(f"not a readable video ({ffmpeg_reason(exc)})", path=path) from exc
        finally:
            av.logging.set_level(level)
    name = str(container.format.name)
    if name == "image2" or name.endswith("_pipe"):
        container.close()
        raise VideoOpenError(
            f"is a still image ({name.removesuffix('_pipe')}), not a video; commands that take "
            "images read a folder of them",
            path=path,
        )
    return container


def ffmpeg_reason(exc: BaseException) -> str:
    # PyAV puts FFmpeg's own last log line (e.g. "Picture size 60000x60000 is invalid") in the
    # fourth argument; it says more than the errno text ("Device or resource busy").
    args = getattr(exc, "args", ())
    if len(args) >= 4 and isinstance(args[3], tuple) and len(args[3]) >= 3 and args[3][2]:
        return " ".join(str(args[3][2]).split())[:120]
    text = getattr(exc, "strerror", None) or str(exc)
    text = text.split(":", 1)[0] if "Errno" in text else text
    return " ".join(text.split())[:120] or type(exc).__name__


def bit_depth(pix_fmt: str | None) -> int:
    if not pix_fmt:
        return 8
    try:
        return max(c.bits for c in av.VideoFormat(pix_fmt).components)
    except (ValueError, av.FFmpegError):
        return 8


def creation_time(metadata: dict[str, str]) -> datetime | None:
    raw = metadata.get("creation_time")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


def normalise_rotation(angle: float | int | None) -> int:
    if not angle:
        return 0
    return round(float(angle) / 90.0) * 90 % 360


def stream_info(s: Any) -> StreamInfo:
    cc = s.codec_context
    meta = dict(s.metadata)
    duration = float(s.duration * s.time_base) if s.duration is not None and s.time_base else None
    handler = meta.get("handler_name")
    if handler:
        handler = "".join(ch for ch in handler if ch.isprintable()).strip() or None
    return StreamInfo(
        index=int(s.index),
        type=str(s.type),
        codec=cc.name if cc is not None else None,
        tag=None,
        handler=handler,
        time_base=Fraction(s.time_base) if s.time_base else None,
        duration_s=duration,
        frames=int(s.frames) if s.frames else None,
        language=meta.get("language"),
    )


def with_sample_entries(path: Path, streams: tuple[StreamInfo, ...]) -> tuple[StreamInfo, ...]:
    """Fill in each stream's sample-entry tag (``gpmd``, ``camm``, ...) from the MP4 boxes.

    libavformat does not expose the tags of data tracks; the box walker reads them. Files that are
    not MP4/QuickTime keep ``tag=None``.
    """
    try:
        tracks = list_tracks(path)
    except TelemetryError as exc:
        log.debug("%s", exc)
        return streams
    if len(tracks) != len(streams):
        return streams
    return tuple(
        replace(
            s,
            tag=t.sample_entry,
            handler=s.handler or t.handler_name or None,
            type=s.type if s.type != "data" else _DATA_KINDS.get(t.handler_type, "data"),
        )
        for s, t in zip(streams, tracks, strict=True)
    )


_DATA_KINDS = {"meta": "data", "tmcd": "timecode", "text": "data", "sbtl": "subtitle"}


def per_megapixel(width: int, height: int) -> int:
    """One codec thread per megapixel of frame, at least one and at most one per core."""
    return min(available_cores(), max(1, round(width * height / 1e6)))
