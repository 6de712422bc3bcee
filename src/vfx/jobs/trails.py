"""Motion trails: a video whose every frame keeps a fading memory of the earlier ones.

Two rules, FFmpeg's two filters for the effect, computed in RGB on the decoded frames:

* ``decay``: each pixel is ``max(frame, previous output * decay)``, so bright things leave
  trails that fade by ``decay`` per frame (FFmpeg's ``lagfun``); ``dark`` trails dark things
  instead (the same on the inverted picture), for a dark figure on a light ground;
* ``mean``: each frame is the mean of the last ``frames`` frames (FFmpeg's ``tmix``).

One decoding pass; memory is one frame (``decay``) or ``frames`` frames (``mean``), whatever
the video's length. The output is H.264 (yuv420p, constant quantiser 18) at the used frames'
rate, written beside and renamed, so an interruption leaves no partial file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from vfx.errors import DecodeError, OutputError, ParameterError
from vfx.io.files import prepare_output_dir
from vfx.io.video.containers import DEFAULT_MAX_PIXELS
from vfx.io.video.panorama import open_video
from vfx.io.video.writer import VideoWriter
from vfx.jobs.recording import note_outputs
from vfx.ops.exposure import DecayTrail, MeanTrail
from vfx.ops.sampling import ranks_between

__all__ = ["TRAIL_MODES", "Trails", "make_trails"]

TRAIL_MODES = ("decay", "mean")


@dataclass
class Trails:
    """What :func:`make_trails` wrote."""

    video: Path
    path: Path
    frames: int

    def _repr_html_(self) -> str:
        """A player, in a notebook."""
        from vfx.io.display import Shown

        return Shown(self.path)._repr_html_()


def make_trails(
    video: str | Path,
    out: str | Path | None = None,
    *,
    mode: str = "decay",
    decay: float = 0.95,
    frames: int = 8,
    dark: bool = False,
    start_s: float = 0.0,
    end_s: float | None = None,
    stride: int = 1,
    overwrite: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: Callable[[int, int | None], None] | None = None,
) -> Trails:
    """Write the trails video of ``video`` (default ``./<stem>_trails.mp4``).

    ``mode`` is ``decay`` (``decay`` kept per frame, ``dark`` for dark things) or ``mean``
    (of the last ``frames`` frames); ``start_s``/``end_s`` and ``stride`` choose the frames
    as ``vfx motion`` does. An existing ``out`` is replaced only with ``overwrite``.
    """
    if mode not in TRAIL_MODES:
        raise ParameterError(f"trails mode must be one of {', '.join(TRAIL_MODES)}, got {mode!r}")
    if not 0.0 <= decay <= 1.0:
        raise ParameterError(f"decay must be between 0 and 1, got {decay}")
    if not 1 <= frames <= 1000:
        raise ParameterError(f"frames must be between 1 and 1000, got {frames}")
    if dark and mode != "decay":
        raise ParameterError("dark trails are for the decay mode")
    if stride < 1:
        raise ParameterError(f"stride must be at least 1, got {stride}")
    video = Path(video)
    trail = DecayTrail(decay, dark=dark) if mode == "decay" else MeanTrail(frames)
    with open_video(video, max_pixels=max_pixels) as reader:
        ranks = ranks_between(reader.index.times_s(), start_s, end_s)[::stride]
        if ranks.size == 0:
            raise DecodeError("no frames in the chosen range", path=video)
        path = Path(out) if out is not None else Path.cwd() / f"{video.stem}_trails.mp4"
        _guard(path, video, overwrite)
        fps = reader.stream.average_rate or reader.stream.guessed_rate or Fraction(25)
        writer = VideoWriter(path, fps=Fraction(fps) / stride)
        try:
            for frame in reader.frames(ranks=ranks.tolist()):
                writer.write(trail.update(frame.image), copy=False)
                if progress:
                    progress(writer.frames, int(ranks.size))
            if writer.frames == 0:
                raise DecodeError("no frame could be decoded", path=video)
            writer.close()
        except BaseException:
            writer.abort()
            raise
    what = (
        f"Trails: each frame the mean of the last {frames}"
        if mode == "mean"
        else f"Trails: {'dark' if dark else 'bright'} things fade by {decay:g} a frame"
    )
    note_outputs(
        "trails", [(path, what, "video")], source=video.name, start_s=start_s, end_s=end_s,
        options={"mode": mode, "decay": decay, "frames": frames, "dark": dark, "stride": stride},
    )  # fmt: skip
    return Trails(video, path, writer.frames)


def _guard(path: Path, video: Path, overwrite: bool) -> None:
    """Refuse, before decoding, an output that is the input, is not an MP4 or exists
    unasked; make its folder."""
    if path.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        raise OutputError("the trails video is written as MP4: name it .mp4", path=path)
    if path.resolve() == video.resolve():
        raise OutputError("the output would replace the input video", path=path)
    if path.exists() and not overwrite:
        raise OutputError("exists; pass overwrite=True (--overwrite) to replace it", path=path)
    prepare_output_dir(path.parent)
