"""The multi-exposure image of all frames (the "keyframe display")."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from vfx.errors import ImageReadError, ParameterError
from vfx.io.images import (
    format_for,
)
from vfx.jobs.background import (
    COMPOSITE_HINT,
    PERSON_WARNING_SHARE,
    _combine,
    _load_background,
    person_share,
)
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
from vfx.jobs.recording import note_outputs
from vfx.ops.exposure import COLORMAPS, COMPOSITE_MODES, ForegroundComposite, time_colours
from vfx.ops.subtraction import difference_mask
from vfx.params import PARAMS, check
from vfx.types import KEYFRAMES, FrameChoice

__all__ = ["COMPOSITE_MASKS", "make_composite"]

#: How the foreground composite finds each frame's figure; ``auto`` is ``difference``
#: unless the background estimate still holds a person, then ``person``.
COMPOSITE_MASKS = ("auto", "difference", *FIGURE_METHODS)
#: The modes that paste each frame's figure over the background.
_PASTING = ("foreground", "chrono")

log = logging.getLogger("vfx")


def make_composite(
    input: str | Path,
    out: str | Path,
    *,
    mode: str = "foreground",
    frames: FrameChoice = KEYFRAMES,
    background: str | Path | np.ndarray = "auto",
    mask: str = "auto",
    colormap: str = "turbo",
    tint: float = 0.6,
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

    ``foreground`` (the default) pastes each frame's masked figure over the background,
    optionally fading older exposures; ``chrono`` does the same with each figure blended by
    ``tint`` towards its time's colour on ``colormap`` (a chronophotograph: first frame at
    the colour map's start, last at its end). ``darken`` is ``convert ... -background white
    -compose darken -flatten`` (a dark figure on a light scene), ``lighten`` the same on
    black with ``lighten``, ``mean`` the average (``uint16``).

    The pasting modes' ``mask`` is ``difference`` (against ``background``, with the mask
    chain of :func:`vfx.jobs.masks.make_masks`), ``person`` or ``chroma`` (each frame on its
    own, ``key``, ``tolerance`` and ``softness`` as there; a median ``background`` then
    leaves every frame's figure out, so a figure that never leaves the frame is not in the
    scene behind it), or ``auto``: ``difference``, unless the estimated background still
    holds a person (the figure never left); then the person is left out of the background
    and each frame's figure is the person model's mask joined with the difference against
    that background (what else moves), said in one log line.

    Memory stays flat in the number of frames. An existing ``out`` is replaced only with
    ``overwrite``, and never when it is one of the inputs.
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
    if mask not in ("auto", "difference") and mode not in _PASTING:
        raise ParameterError(f"a {mask} mask is for the foreground and chrono modes, not {mode}")
    if colormap not in COLORMAPS:
        raise ParameterError(f"colormap must be one of {', '.join(COLORMAPS)}, got {colormap!r}")
    if not 0.0 <= tint <= 1.0:
        raise ParameterError(f"tint must be between 0 and 1, got {tint}")
    format_for(out)
    check_engine(engine)
    source = frame_source(input, frames, max_pixels)
    guard_single(out, source, overwrite)
    exposures = Exposures(source, "composite")
    if mode in _PASTING:
        if engine == "magick":
            raise ParameterError(f"the {mode} composite is computed by the numpy engine")
        figure, joined = None, False
        if mask in FIGURE_METHODS:
            figure = FigureMask(mask, key=key, tolerance=tolerance, softness=softness)
        load = dict(sample=sample, engine=engine, progress=None, hint=COMPOSITE_HINT)
        bg = _load_background(background, source, figure=figure, warn=mask != "auto", **load)
        if mask == "auto" and _holds_person(bg):
            log.info(
                "%s: the background still holds a person (the figure never leaves), so it is "
                "left out and each frame's figure is found by person segmentation as well "
                "(--mask person for the person alone)",
                source.path,
            )
            figure = FigureMask("person")
            bg = _load_background(background, source, figure=figure, **load)
            joined = True
        colours = time_colours(source.count, colormap) if mode == "chrono" else None
        estimate = _CheckedForeground(
            bg,
            "the background array" if isinstance(background, np.ndarray) else str(background),
            figure=figure,
            joined=joined,
            colours=colours,
            tint=tint,
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
    if mode == "foreground":
        what = f"Keyframe display: each of {source.count} frames' figure over the background"
    elif mode == "chrono":
        what = f"Chronophotograph: {source.count} figures tinted by their time ({colormap})"
    else:
        what = f"Composite ({mode}) of {source.count} frames"
    note_outputs(
        "composite",
        [(path, what, "picture")],
        options={"mode": mode, "mask": mask, "frames": str(frames), "fade": fade,
                 "colormap": colormap if mode == "chrono" else None},
        source=source.path.name, start_s=frames.start_s, end_s=frames.end_s,
    )  # fmt: skip
    return Composite(path, source.count, image.shape, str(image.dtype))


def _holds_person(background: np.ndarray) -> bool:
    """Whether the background estimate still holds a person (the models, when installed,
    find one over :data:`PERSON_WARNING_SHARE` of it)."""
    share = person_share(background)
    return share is not None and share > PERSON_WARNING_SHARE


class _CheckedForeground(ForegroundComposite):
    """A foreground composite whose size errors name the background, with each frame's
    figure from ``figure`` when given (joined with the mask chain's, with ``joined``; else
    the mask chain alone), and tinted frame by frame by ``colours`` when given."""

    def __init__(
        self,
        background: np.ndarray,
        label: str,
        figure: FigureMask | None,
        joined: bool = False,
        colours: np.ndarray | None = None,
        tint: float = 0.6,
        **kwargs: float,
    ) -> None:
        super().__init__(background, **kwargs)  # type: ignore[arg-type]
        self.label = label
        self.figure, self.joined = figure, joined
        self.colours, self.tint = colours, tint
        self._seen = 0

    def update(self, frame: np.ndarray, *, copy: bool = True) -> None:
        if frame.shape != self.background.shape:
            bh, bw = self.background.shape[:2]
            raise ImageReadError(
                f"background is {bw}x{bh} but the frames are {frame.shape[1]}x{frame.shape[0]}",
                path=self.label,
            )
        mask = None if self.figure is None else self.figure(frame)
        if mask is not None and self.joined:
            mask = np.maximum(mask, difference_mask(frame, self.background, **self._mask_args))
        colour = None
        if self.colours is not None:
            scale = np.iinfo(frame.dtype).max / 255 if frame.dtype.kind == "u" else 1 / 255
            colour = self.colours[min(self._seen, len(self.colours) - 1)] * np.float32(scale)
        self._seen += 1
        super().update(frame, copy=copy, mask=mask, tint=colour, tint_strength=self.tint)
