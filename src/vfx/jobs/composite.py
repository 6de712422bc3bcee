"""The multi-exposure image of all frames (the "keyframe display")."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from vfx.errors import ImageReadError, ParameterError
from vfx.io.images import (
    format_for,
)
from vfx.jobs.background import _combine, _load_background
from vfx.jobs.multiframe import (
    MAX_PIXELS,
    Composite,
    Exposures,
    Progress,
    check_engine,
    feed,
    frame_source,
    guard_single,
    write_single,
)
from vfx.ops.exposure import COMPOSITE_MODES, ForegroundComposite
from vfx.params import check
from vfx.types import KEYFRAMES, FrameChoice

__all__ = ["make_composite"]

log = logging.getLogger("vfx")


def make_composite(
    input: str | Path,
    out: str | Path,
    *,
    mode: str = "darken",
    frames: FrameChoice = KEYFRAMES,
    background: str | Path | np.ndarray = "auto",
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
    background (mask options as in :func:`make_masks`), optionally fading older exposures.
    Memory stays flat in the number of frames. An existing ``out`` is replaced only with
    ``overwrite``, and never when it is one of the inputs.
    """
    if mode not in COMPOSITE_MODES:
        raise ParameterError(
            f"composite mode must be one of {', '.join(COMPOSITE_MODES)}, got {mode!r}"
        )
    check("fade", fade)
    format_for(out)
    check_engine(engine)
    source = frame_source(input, frames, max_pixels)
    guard_single(out, source, overwrite)
    exposures = Exposures(source, "composite")
    if mode == "foreground":
        if engine == "magick":
            raise ParameterError("the foreground composite is computed by the numpy engine")
        bg = _load_background(background, source, sample=sample, engine=engine, progress=None)
        estimate = _CheckedForeground(
            bg,
            "the background array" if isinstance(background, np.ndarray) else str(background),
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
    """A foreground composite whose size errors name the background."""

    def __init__(self, background: np.ndarray, label: str, **kwargs: float) -> None:
        super().__init__(background, **kwargs)  # type: ignore[arg-type]
        self.label = label

    def update(self, frame: np.ndarray, *, copy: bool = True) -> None:
        if frame.shape != self.background.shape:
            bh, bw = self.background.shape[:2]
            raise ImageReadError(
                f"background is {bw}x{bh} but the frames are {frame.shape[1]}x{frame.shape[0]}",
                path=self.label,
            )
        super().update(frame, copy=copy)
