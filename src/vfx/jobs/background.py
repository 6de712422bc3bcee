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
    FIGURE_METHODS,
    MAX_PIXELS,
    Composite,
    Exposures,
    FigureMask,
    Progress,
    check_engine,
    feed,
    frame_source,
    guard_single,
    stream_frames,
    write_single,
)
from vfx.jobs.recording import note_outputs
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

__all__ = ["estimate_background", "make_background", "person_share"]

log = logging.getLogger("vfx")

#: A background estimate more than this share of which is a person draws a warning.
PERSON_WARNING_SHARE = 0.02
#: What each command's warning suggests instead.
MASK_HINT = "use vfx mask --method person or --method chroma"
COMPOSITE_HINT = "use vfx composite --mask person or --mask chroma"
BACKGROUND_HINT = "vfx background --exclude person leaves the person out"
#: The background methods that can leave a known figure out (the medians).
EXCLUDING_METHODS = ("auto", "median")


def estimate_background(
    input: str | Path | FrameSource,
    *,
    method: str = "auto",
    frames: FrameChoice = KEYFRAMES,
    sample: int = 31,
    engine: str = "numpy",
    max_pixels: int = MAX_PIXELS,
    progress: Progress | None = None,
    exclude: str | FigureMask | None = None,
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
    exclude
        ``person`` or ``chroma`` (or a :class:`~vfx.jobs.multiframe.FigureMask`): the medians
        (``auto``, ``median``) leave each frame's figure out, so a figure that never leaves
        the frame is still taken out of the scene wherever it moved at least once.
    """
    figure = _check_estimate(method, sample, engine, exclude)
    return _estimate(
        frame_source(input, frames, max_pixels), method, sample, engine, progress, None, figure
    )


def _check_estimate(
    method: str, sample: int, engine: str, exclude: str | FigureMask | None = None
) -> FigureMask | None:
    """Check a background's options; the figure mask ``exclude`` names, if any."""
    if method not in BACKGROUND_METHODS:
        raise ParameterError(
            f"background method must be one of {', '.join(BACKGROUND_METHODS)}, got {method!r}"
        )
    check("sample", sample)
    check_engine(engine)
    if exclude is None or isinstance(exclude, FigureMask):
        figure = exclude
    elif exclude in FIGURE_METHODS:
        figure = FigureMask(exclude)
    else:
        raise ParameterError(f"exclude must be one of {', '.join(FIGURE_METHODS)}, got {exclude!r}")
    if figure is not None and (method not in EXCLUDING_METHODS or engine != "numpy"):
        raise ParameterError(
            "leaving the figure out needs a median background (auto or median) and the numpy "
            f"engine, not {method} with {engine}"
        )
    return figure


def person_share(image: np.ndarray, *, folder: Path | None = None) -> float | None:
    """The share of ``image``'s pixels that MediaPipe's person segmentation calls a person
    (0 when it finds nobody), or None when the pose models are not installed.

    >>> person_share(np.zeros((64, 64, 3), np.uint8))  # doctest: +SKIP
    0.0
    """
    from vfx.errors import ModelError, ToolNotFoundError

    try:
        person = FigureMask("person", folder=folder)
    except (ModelError, ToolNotFoundError) as exc:
        log.debug("no person check: %s", exc)
        return None
    rgb = np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image[..., :3]
    # the figure mask is above one half exactly where the model's probability is
    return float((person(np.ascontiguousarray(rgb)) > 0.5).mean())


def _warn_if_person(image: np.ndarray, label: object, hint: str) -> None:
    """One warning line when the background estimate ``image`` still holds a person."""
    share = person_share(image)
    if share is not None and share > PERSON_WARNING_SHARE:
        log.warning(
            "%s: the background estimate still holds a person (%.0f %% of the picture), so "
            "masks against it come out hollow; %s",
            label,
            100 * share,
            hint,
        )


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
    figure: FigureMask | None = None,
) -> np.ndarray:
    """:func:`estimate_background` on a source, recording the frames used in ``exposures``;
    the median leaves out what ``figure`` masks."""
    if method == "first":
        source = source.subset([0])
    elif method == "auto":
        source = source.spread(sample)
    if figure is not None:
        estimate = Median(max_frames=max(source.count, 1))
        feed(source, estimate, progress, exposures, figure=figure)
        return estimate.result(copy=False)
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
    exclude: str | FigureMask | None = None,
) -> Composite:
    """Estimate the background (see :func:`estimate_background`) and write it to ``out``
    (compressed on ``threads`` threads, default the process's cores).

    The image is tagged with the span of the frames it was estimated from (see
    :func:`vfx.tagging.rows.span_tags`). An existing ``out`` is replaced only with
    ``overwrite``, and never when it is one of the inputs. Without ``exclude``, a warning
    says so when the estimate still holds a person (:func:`person_share` over 2 %).
    """
    format_for(out)
    figure = _check_estimate(method, sample, engine, exclude)
    source = frame_source(input, frames, max_pixels)
    guard_single(out, source, overwrite)
    exposures = Exposures(source, "background")
    image = _estimate(source, method, sample, engine, progress, exposures, figure)
    if figure is None:
        _warn_if_person(image, source.path, BACKGROUND_HINT)
    path = write_single(out, image, exposures=exposures, threads=threads)
    left_out = f", each frame's figure ({figure.method}) left out" if figure is not None else ""
    note_outputs(
        "background",
        [(path, f"Background: the {method} estimate from {exposures.count} frames{left_out}",
          "picture")],
        options={"method": method, "frames": str(frames), "sample": sample, "engine": engine,
                 "exclude": figure.method if figure is not None else None},
        source=source.path.name, start_s=frames.start_s, end_s=frames.end_s,
    )  # fmt: skip
    return Composite(path, exposures.count, image.shape, str(image.dtype))


def _load_background(
    spec: str | Path | np.ndarray,
    source: FrameSource,
    *,
    sample: int,
    engine: str,
    progress: Progress | None,
    hint: str,
    figure: FigureMask | None = None,
    warn: bool = True,
) -> np.ndarray:
    """The background ``spec`` names: an array, an estimate method or an image file.

    An estimate by a median leaves out what ``figure`` masks; without it (and with ``warn``),
    an estimate that still holds a person draws a warning that suggests ``hint``.
    """
    if isinstance(spec, np.ndarray):
        return spec
    text = str(spec)
    if text in BACKGROUND_METHODS:
        excluding = figure if text in EXCLUDING_METHODS and engine == "numpy" else None
        image = estimate_background(
            source, method=text, sample=sample, engine=engine, progress=progress, exclude=excluding
        )
        if figure is None and warn:
            _warn_if_person(image, source.path, hint)
        return image
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
