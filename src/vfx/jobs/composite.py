"""The multi-exposure image of all frames (the "keyframe display")."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from vfx.errors import ImageReadError, ParameterError
from vfx.io.images import (
    format_for,
)
from vfx.jobs.background import COMPOSITE_HINT, _combine, _load_background
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
    write_single,
)
from vfx.ops.exposure import COMPOSITE_MODES, ForegroundComposite
from vfx.params import PARAMS, check
from vfx.types import KEYFRAMES, FrameChoice

__all__ = ["COMPOSITE_MASKS", "make_composite"]

#: How the foreground composite finds each frame's figure.
COMPOSITE_MASKS = ("difference", *FIGURE_METHODS)

log = logging.getLogger("vfx")


def make_composite(
    input: str | Path,
    out: str | Path,
    *,
    mode: str = "darken",
    frames: FrameChoice = KEYFRAMES,
    background: str | Path | np.ndarray = "auto",
    mask: str = "difference",
    key: str = "auto",
    tolerance: float = PARAMS["tolerance"].default,
    softness: float = PARAMS["softness"].default,
    fade: float = 0.0,
    threshold1: float = 0.05,
    blur1: float = 3.0,
    threshold2: float = 0.20,
    blur2: float = 3.0,
    sample: int = 31,
    engine: str = "numpy",
    quality: int = 95,
    max_pixels: int = MAX_PIXELS,
    progress: Progress | None = None,
    overwrite: bool = False,
    threads: int | None = None,
) -> Composite:
    """The multi-exposure image of all frames ("keyframe display"); written on ``threads``
    threads (default: the process's cores).

    ``darken`` is ``convert ... -background white -compose darken -flatten`` (good for a dark
    figure on a light scene), ``lighten`` the same on black with ``lighten``, ``mean`` the
    average (``uint16``), and ``foreground`` pastes each frame's masked figure over the
    background, optionally fading older exposures. Its ``mask`` is ``difference`` (against
    ``background``, with the mask chain of :func:`vfx.jobs.masks.make_masks`), ``person`` or
    ``chroma`` (each frame on its own, ``key``, ``tolerance`` and ``softness`` as there; a
    median ``background`` then leaves every frame's figure out, so a figure that never leaves
    the frame is not in the scene behind it). Memory stays flat in the number of frames. An
    existing ``out`` is replaced only with ``overwrite``, and never when it is one of the
    inputs.
    """
    if mode not in COMPOSITE_MODES:
        raise ParameterError(
            f"composite mode must be one of {', '.join(COMPOSITE_MODES)}, got {mode!r}"
        )
    check("fade", fade)
    if mask not in COMPOSITE_MASKS:
        raise ParameterError(
            f"composite mask must be one of {', '.join(COMPOSITE_MASKS)}, got {mask!r}"
        )
    if mask != "difference" and mode != "foreground":
        raise ParameterError(f"a {mask} mask is for the foreground mode, not {mode}")
    format_for(out)
    check_engine(engine)
    source = frame_source(input, frames, max_pixels)
    guard_single(out, source, overwrite)
    exposures = Exposures(source, "composite")
    if mode == "foreground":
        if engine == "magick":
            raise ParameterError("the foreground composite is computed by the numpy engine")
        figure = None
        if mask in FIGURE_METHODS:
            figure = FigureMask(mask, key=key, tolerance=tolerance, softness=softness)
        bg = _load_background(
            background,
            source,
            sample=sample,
            engine=engine,
            progress=None,
            hint=COMPOSITE_HINT,
            figure=figure,
        )
        estimate = _CheckedForeground(
            bg,
            "the background array" if isinstance(background, np.ndarray) else str(background),
            figure=figure,
            fade=fade,
            threshold1=threshold1,
            blur1=blur1,
            threshold2=threshold2,
            blur2=blur2,
        )
        feed(source, estimate, progress, exposures)
        image = estimate.result(copy=False)
    else:
        # darken, lighten and mean combine every frame as the background methods of the same
        # name do, with either engine.
        image = _combine(source, mode, engine, progress, exposures)
    path = write_single(out, image, quality, exposures, threads)
    return Composite(path, source.count, image.shape, str(image.dtype))


class _CheckedForeground(ForegroundComposite):
    """A foreground composite whose size errors name the background, with each frame's
    figure from ``figure`` when given (else the mask chain)."""

    def __init__(
        self, background: np.ndarray, label: str, figure: FigureMask | None, **kwargs: float
    ) -> None:
        super().__init__(background, **kwargs)  # type: ignore[arg-type]
        self.label = label
        self.figure = figure

    def update(self, frame: np.ndarray, *, copy: bool = True) -> None:
        if frame.shape != self.background.shape:
            bh, bw = self.background.shape[:2]
            raise ImageReadError(
                f"background is {bw}x{bh} but the frames are {frame.shape[1]}x{frame.shape[0]}",
                path=self.label,
            )
        mask = None if self.figure is None else self.figure(frame)
        super().update(frame, copy=copy, mask=mask)
