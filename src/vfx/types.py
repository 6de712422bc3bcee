"""Plain data types shared across vfx: frames, stream and video properties."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import numpy as np

__all__ = [
    "KEYFRAMES",
    "Frame",
    "FrameChoice",
    "MotionVectors",
    "StreamInfo",
    "VideoInfo",
    "jsonable",
]


@dataclass(frozen=True)
class FrameChoice:
    """Which frames of a video a job reads: its keyframes, all of them, or the frame on
    screen every ``every_s`` seconds, between ``start_s`` and ``end_s`` (exclusive) as
    ``vfx frames`` takes them. Built once (by the CLI, the recipe loader or a caller) and
    checked when it is made.

    >>> FrameChoice.every(0.5)
    FrameChoice(kind='every', every_s=0.5, start_s=0.0, end_s=None)
    >>> str(FrameChoice.parse("every:2"))
    'every:2'
    """

    kind: str = "keyframes"
    every_s: float | None = None
    start_s: float = 0.0
    end_s: float | None = None

    KINDS = ("keyframes", "all", "every")

    def __post_init__(self) -> None:
        import math

        from vfx.errors import ParameterError

        if self.kind not in self.KINDS:
            raise ParameterError(
                f"frames must be keyframes, all or every:SECONDS, got {self.kind!r}"
            )
        if self.kind == "every":
            s = self.every_s
            if not (isinstance(s, int | float) and math.isfinite(s) and s > 0):
                raise ParameterError(f"every_s must be a number of seconds > 0, got {s!r}")
        elif self.every_s is not None:
            raise ParameterError(f"every_s goes with kind 'every', not {self.kind!r}")
        if not (math.isfinite(self.start_s) and self.start_s >= 0):
            raise ParameterError(f"start must be a time >= 0 s, got {self.start_s!r}")
        if self.end_s is not None and not (math.isfinite(self.end_s) and self.end_s > self.start_s):
            raise ParameterError(f"end ({self.end_s} s) must be after start ({self.start_s} s)")

    def window(self, start_s: float = 0.0, end_s: float | None = None) -> FrameChoice:
        """The same choice between ``start_s`` and ``end_s``."""
        from dataclasses import replace

        return replace(self, start_s=float(start_s), end_s=None if end_s is None else float(end_s))

    @classmethod
    def keyframes(cls) -> FrameChoice:
        return cls("keyframes")

    @classmethod
    def all(cls) -> FrameChoice:
        return cls("all")

    @classmethod
    def every(cls, seconds: float) -> FrameChoice:
        return cls("every", float(seconds))

    @classmethod
    def parse(cls, text: str) -> FrameChoice:
        """The written form a recipe file (and the older ``--frames``) uses: ``keyframes``,
        ``all`` or ``every:SECONDS``."""
        import re

        from vfx.errors import ParameterError

        spec = text.strip().lower() if isinstance(text, str) else ""
        if spec in ("keyframes", "all"):
            return cls(spec)
        match = re.fullmatch(r"every:(\d+(?:\.\d*)?|\.\d+)", spec)
        if match and float(match.group(1)) > 0:
            return cls.every(float(match.group(1)))
        raise ParameterError(f"frames must be keyframes, all or every:SECONDS, got {text!r}")

    def __str__(self) -> str:
        if self.kind != "every":
            return self.kind
        return f"every:{self.every_s!r}".removesuffix(".0")


#: The frame choice jobs take by default: the video's keyframes.
KEYFRAMES = FrameChoice()


def jsonable(value: object) -> object:
    """``value`` with Fractions, datetimes, Paths and tuples turned into JSON-friendly types.

    Fractions become strings (``"30000/1001"``) so that no precision is lost.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded video frame in vfx's colour contract.

    ``image`` is RGB, C-contiguous, ``uint8 (H, W, 3)`` or ``uint16`` for sources with more than
    8 bits per sample, with the container's rotation already applied; when frames are read as
    grey (``VideoReader.frames(pixels="grey")``), it is the full-range luma ``(H, W)``.
    ``grey`` holds that luma beside the RGB image when both were asked for, else ``None``.

    ``index`` is the frame's position in display order (0 = first displayed frame), ``pts`` its
    presentation timestamp in units of ``time_base``, and ``time`` the exact presentation time in
    seconds relative to the stream start, ``(pts - start_pts) * time_base``.
    """

    image: np.ndarray
    index: int
    pts: int
    time_base: Fraction
    time: Fraction
    key_frame: bool
    pict_type: str
    grey: np.ndarray | None = None

    @property
    def time_s(self) -> float:
        """The presentation time in seconds as a float (use ``time`` for exact arithmetic)."""
        return float(self.time)

    def __repr__(self) -> str:
        # the shape, never the pixels (``vfx.show(frame)`` shows the picture)
        image = f"{self.image.dtype} {tuple(self.image.shape)}"
        kind = f", {self.pict_type}" + (" key" if self.key_frame else "")
        return f"Frame(index={self.index}, time={self.time_s:.6g} s{kind}, image={image})"


@dataclass(frozen=True, eq=False)
class MotionVectors:
    """The motion vectors an encoder stored for one frame (FFmpeg's ``AVMotionVector``
    records as a structured array: ``source``, ``w``, ``h``, ``src_x``, ``src_y``, ``dst_x``,
    ``dst_y``, ``flags``, ``motion_x``, ``motion_y``, ``motion_scale``), in the coded
    picture's orientation (before the container's ``rotation``, in degrees counter-clockwise,
    is applied). ``index`` and ``time`` as in :class:`Frame`."""

    index: int
    time: Fraction
    pict_type: str
    vectors: np.ndarray
    rotation: int = 0

    @property
    def time_s(self) -> float:
        return float(self.time)


@dataclass(frozen=True)
class StreamInfo:
    """One stream of a container, as listed by ``vfx info``."""

    index: int
    type: str
    codec: str | None
    tag: str | None
    handler: str | None
    time_base: Fraction | None
    duration_s: float | None
    frames: int | None
    language: str | None = None


@dataclass(frozen=True)
class VideoInfo:
    """Standard properties of a video file, read from the container and its packet index.

    Nothing here needs decoding: frame and keyframe counts come from the packet index.
    """

    path: Path
    format: str
    duration_s: float | None
    width: int
    height: int
    codec: str
    pix_fmt: str | None
    bit_depth: int
    fps: Fraction | None
    time_base: Fraction
    frame_count: int
    keyframe_count: int
    mean_keyframe_interval_s: float | None
    rotation: int
    creation_time: datetime | None
    streams: tuple[StreamInfo, ...] = field(default_factory=tuple)
    telemetry: tuple[StreamInfo, ...] = field(default_factory=tuple)
    #: A layout of several streams that make one picture (``GoPro MAX 360 (5.6K), EAC in 2
    #: streams``), else None; the size above is then one stream's.
    layout: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly dict of every field (exact fractions as strings)."""
        d = jsonable(asdict(self))
        assert isinstance(d, dict)
        d["display_width"], d["display_height"] = self.display_size
        return d

    def fact_rows(self) -> list[tuple[str, str]]:
        """What ``vfx info`` and ``vfx report`` show, as (name, value) rows."""
        w, h = self.display_size
        fps = "unknown"
        if self.fps is not None:
            fps = str(self.fps)
            if self.fps.denominator != 1:
                fps += f" ({float(self.fps):.3f})"
        layout = self.layout or ""
        if "EAC in 2 streams" in layout:
            layout += "; stills are equirectangular"
        gop = self.mean_keyframe_interval_s
        return [
            ("file", str(self.path)),
            ("container", self.format),
            ("duration", f"{self.duration_s:.3f} s" if self.duration_s is not None else "unknown"),
            (
                "video",
                f"{self.codec}, {self.width}x{self.height}, {self.pix_fmt}, {self.bit_depth}-bit",
            ),
            ("displayed as", f"{w}x{h} (rotation {self.rotation}°)"),
            *([("layout", layout)] if layout else []),
            ("fps", fps),
            ("time base", str(self.time_base)),
            ("frames", str(self.frame_count)),
            ("keyframes", str(self.keyframe_count)),
            ("keyframe interval", f"{gop:.3f} s (mean)" if gop is not None else "n/a"),
            ("created", self.creation_time.isoformat() if self.creation_time else "unknown"),
        ]

    @property
    def display_size(self) -> tuple[int, int]:
        """``(width, height)`` after the rotation is applied."""
        if self.rotation % 180:
            return self.height, self.width
        return self.width, self.height
