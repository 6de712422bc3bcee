"""The background image: the empty scene behind the moving figure."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from vfx.errors import ImageReadError, ParameterError
from vfx.io.images import (
    format_for,
    read_image,
)
from vfx.io.sources import FrameSource, Still
from vfx.jobs.multiframe import (
    MAX_PIXELS,
    Composite,
    Exposures,
    Progress,
    check_engine,
    feed,
    frame_source,
    guard_single,
    stream_frames,
    write_single,
)
from vfx.ops.stack import (
    BACKGROUND_METHODS,
    Darken,
    FirstFrame,
    Lighten,
    Mean,
    Median,
    StreamingEstimate,
)
from vfx.params import check
from vfx.types import KEYFRAMES, FrameChoice

__all__ = ["estimate_background", "make_background"]

log = logging.getLogger("vfx")


def estimate_background(
    input: str | Path | FrameSource,
    *,
    method: str = "auto",
    frames: FrameChoice = KEYFRAMES,
    sample: int = 31,
    engine: str = "numpy",
    max_pixels: int = MAX_PIXELS,
    progress: Progress | None = None,
) -> np.ndarray:
    """The empty scene behind the moving figure.

    Parameters
    ----------
    method
        ``first``: the first frame; ``mean``: the exact mean (``uint16`` for 8-bit input);
        ``median``: per-pixel median of every frame (memory grows with the frame count; use
        ``auto`` for long inputs); ``lighten``/``darken``: per-channel maximum/minimum, as
        ImageMagick's ``-compose lighten|darken -flatten``; ``auto``: median of at most
        ``sample`` frames spread evenly over the input, a robust estimate in bounded memory.
    """
    _check_estimate(method, sample, engine)
    return _estimate(
        frame_source(input, frames, max_pixels), method, sample, engine, progress, None
    )


def _check_estimate(method: str, sample: int, engine: str) -> None:
    if method not in BACKGROUND_METHODS:
        raise ParameterError(
            f"background method must be one of {', '.join(BACKGROUND_METHODS)}, got {method!r}"
        )
    check("sample", sample)
    check_engine(engine)


#: The numpy engine: each method's streaming estimate, given the number of frames.
_NUMPY: dict[str, Callable[[int], StreamingEstimate]] = {
    "first": lambda _: FirstFrame(),
    "mean": lambda _: Mean(),
    "lighten": lambda _: Lighten(),
    "darken": lambda _: Darken(),
    "median": lambda count: Median(max_frames=max(count, 1)),
    "auto": lambda count: Median(max_frames=max(count, 1)),
}


def _magick_flatten(
    method: str, source: FrameSource, progress: Progress | None, exposures: Exposures | None
) -> np.ndarray:
    from vfx.io.magick import MagickFlatten

    flat = MagickFlatten(method)
    feed(source, flat, progress, exposures)
    return flat.result(copy=False)


def _magick_evaluate(
    operator: str, source: FrameSource, progress: Progress | None, exposures: Exposures | None
) -> np.ndarray:
    from vfx.io.magick import magick_evaluate

    frames = (s.image for s in stream_frames(source, source.count, progress, exposures))
    return magick_evaluate(frames, operator)


#: The magick engine: ImageMagick's -flatten or -evaluate-sequence for each method (the first
#: frame needs neither, so it is read as the numpy engine reads it).
_MAGICK: dict[str, Callable[[FrameSource, Progress | None, Exposures | None], np.ndarray]] = {
    "lighten": partial(_magick_flatten, "lighten"),
    "darken": partial(_magick_flatten, "darken"),
    "mean": partial(_magick_evaluate, "mean"),
    "median": partial(_magick_evaluate, "median"),
    "auto": partial(_magick_evaluate, "median"),
}


def _estimate(
    source: FrameSource,
    method: str,
    sample: int,
    engine: str,
    progress: Progress | None,
    exposures: Exposures | None,
) -> np.ndarray:
    """:func:`estimate_background` on a source, recording the frames used in ``exposures``."""
    if method == "first":
        source = source.subset([0])
    elif method == "auto":
        source = source.spread(sample)
    return _combine(source, method, engine, progress, exposures)


def _combine(
    source: FrameSource,
    method: str,
    engine: str,
    progress: Progress | None,
    exposures: Exposures | None,
) -> np.ndarray:
    """Every frame of ``source`` combined by ``method`` with ``engine``, from the tables."""
    if engine == "magick" and method in _MAGICK:
        return _MAGICK[method](source, progress, exposures)
    estimate = _NUMPY[method](source.count)
    feed(source, estimate, progress, exposures)
    return estimate.result(copy=False)


def make_background(
    input: str | Path,
    out: str | Path,
    *,
    method: str = "auto",
    frames: FrameChoice = KEYFRAMES,
    sample: int = 31,
    engine: str = "numpy",
    max_pixels: int = MAX_PIXELS,
    progress: Progress | None = None,
    overwrite: bool = False,
    threads: int | None = None,
) -> Composite:
    """Estimate the background (see :func:`estimate_background`) and write it to ``out``
    (compressed on ``threads`` threads, default the process's cores).

    The image is tagged with the span of the frames it was estimated from (see
    :func:`vfx.tagging.rows.span_tags`). An existing ``out`` is replaced only with
    ``overwrite``, and never when it is one of the inputs.
    """
    format_for(out)
    _check_estimate(method, sample, engine)
    source = frame_source(input, frames, max_pixels)
    guard_single(out, source, overwrite)
    exposures = Exposures(source, "background")
    image = _estimate(source, method, sample, engine, progress, exposures)
    path = write_single(out, image, exposures=exposures, threads=threads)
    return Composite(path, exposures.count, image.shape, str(image.dtype))


def _load_background(
    spec: str | Path | np.ndarray,
    source: FrameSource,
    *,
    sample: int,
    engine: str,
    progress: Progress | None,
) -> np.ndarray:
    if isinstance(spec, np.ndarray):
        return spec
    text = str(spec)
    if text in ("first", "auto", "mean", "median", "lighten", "darken"):
        return estimate_background(
            source, method=text, sample=sample, engine=engine, progress=progress
        )
    path = Path(text)
    if not path.is_file():
        raise ImageReadError(
            "background must be first, auto or an image file; no such file", path=path
        )
    image = read_image(path)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3])


def _check_background(background: np.ndarray, still: Still, bg_label: str) -> None:
    if background.shape != still.image.shape:
        bh, bw = background.shape[:2]
        fh, fw = still.image.shape[:2]
        raise ImageReadError(f"background is {bw}x{bh} but the frames are {fw}x{fh}", path=bg_label)
    if background.dtype != still.image.dtype:
        raise ImageReadError(
            f"background is {background.dtype} but the frames are {still.image.dtype}",
            path=bg_label,
        )
