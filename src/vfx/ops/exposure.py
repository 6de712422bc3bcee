"""Multi-exposure ("keyframe display") composites as streaming classes."""

from __future__ import annotations

import numpy as np

from vfx.ops.dtypes import float_to_image
from vfx.ops.stack import StreamingEstimate
from vfx.ops.subtraction import difference_mask

__all__ = [
    "COLORMAPS",
    "COMPOSITE_MODES",
    "DecayTrail",
    "ForegroundComposite",
    "MeanTrail",
    "time_colours",
]

#: ``foreground`` pastes each frame's figure over the background; ``chrono`` does the same
#: with each figure tinted by its time (a chronophotograph).
COMPOSITE_MODES = ("foreground", "chrono", "darken", "lighten", "mean")

#: Colour maps for times (OpenCV's ``COLORMAP_<NAME>``).
COLORMAPS = ("turbo", "viridis", "plasma", "inferno", "magma", "cool", "rainbow")


def time_colours(count: int, colormap: str = "turbo") -> np.ndarray:
    """``(count, 3)`` RGB ``uint8`` colours, evenly spaced along ``colormap`` from its start
    (the first frame) to its end (the last).

    >>> time_colours(3, "viridis").tolist()
    [[68, 1, 84], [33, 145, 140], [253, 231, 37]]
    """
    if colormap not in COLORMAPS:
        raise ValueError(f"colormap must be one of {', '.join(COLORMAPS)}, got {colormap!r}")
    import cv2  # not at import: a composite that never tints need not load OpenCV

    ramp = np.arange(256, dtype=np.uint8)[:, None]
    code = getattr(cv2, f"COLORMAP_{colormap.upper()}")
    table = cv2.cvtColor(cv2.applyColorMap(ramp, code), cv2.COLOR_BGR2RGB)[:, 0]
    levels = np.zeros(1, int) if count <= 1 else np.round(np.linspace(0, 255, count)).astype(int)
    return table[levels]


class ForegroundComposite(StreamingEstimate):
    """Paste each frame's masked figure over the background, newest on top.

    Parameters
    ----------
    background
        The empty scene (same shape and dtype as the frames).
    fade
        In ``[0, 1)``: before each new exposure, older exposures are blended towards the
        background by this fraction, so they fade geometrically with age (0 = no fading).
    threshold1, blur1, threshold2, blur2
        The mask chain of :func:`vfx.ops.subtraction.difference_mask`.
    """

    def __init__(
        self,
        background: np.ndarray,
        *,
        fade: float = 0.0,
        threshold1: float = 0.05,
        blur1: float = 3.0,
        threshold2: float = 0.20,
        blur2: float = 3.0,
    ) -> None:
        if not 0.0 <= fade < 1.0:
            raise ValueError(f"fade must be in [0, 1), got {fade}")
        self.background = background
        self.fade = fade
        self._mask_args = dict(
            threshold1=threshold1, blur1=blur1, threshold2=threshold2, blur2=blur2
        )
        self._bg = background.astype(np.float32)
        self._canvas = self._bg.copy()

    def update(
        self,
        frame: np.ndarray,
        *,
        copy: bool = True,
        mask: np.ndarray | None = None,
        tint: np.ndarray | None = None,
        tint_strength: float = 0.6,
    ) -> None:
        """Paste the figure of ``frame``: where ``mask`` (``float32 (H, W)`` in ``[0, 1]``)
        says, else where the frame differs from the background (the mask chain). With
        ``tint`` (a colour in the frame's scale), the figure is first blended towards it by
        ``tint_strength`` and pasted whole inside the mask's half-way line."""
        self._check(frame)
        if frame.shape != self.background.shape:
            raise ValueError(
                f"frame shape {frame.shape} differs from background {self.background.shape}"
            )
        if mask is None:
            mask = difference_mask(frame, self.background, **self._mask_args)
        elif mask.shape != frame.shape[:2]:
            raise ValueError(f"mask shape {mask.shape} differs from the frame {frame.shape[:2]}")
        if tint is not None:
            # A tinted figure would show its mask's soft edge as a coloured glow: it is pasted
            # inside the mask's half-way line only.
            mask = mask > 0.5
        mask = mask.astype(np.float32, copy=False)[..., None]
        if self.fade:
            self._canvas += (self._bg - self._canvas) * np.float32(self.fade)
        # canvas += (frame - canvas) * mask, in one temporary (the same float32 operations in
        # the same order, so the same result; a third less time at 720p).
        step = frame.astype(np.float32)
        if tint is not None:
            step += (np.asarray(tint, np.float32) - step) * np.float32(tint_strength)
        np.subtract(step, self._canvas, out=step)
        np.multiply(step, mask, out=step)
        self._canvas += step

    def result(self, *, copy: bool = True) -> np.ndarray:
        self._require()
        return float_to_image(self._canvas, self.background.dtype, fractional=False)


class DecayTrail:
    """Trails of bright things: each output pixel is ``max(frame, previous output * decay)``,
    kept in float and rounded to the nearest level on output (FFmpeg's ``lagfun``). With
    ``dark``, trails of dark things instead (the same on the inverted picture).

    >>> t = DecayTrail(0.9)
    >>> [int(t.update(np.full((1, 1), v, np.uint8))[0, 0]) for v in (200, 0, 0)]
    [200, 180, 162]
    """

    def __init__(self, decay: float = 0.95, *, dark: bool = False):
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f"decay must be between 0 and 1, got {decay}")
        self.decay, self.dark = np.float32(decay), dark
        self._old: np.ndarray | None = None

    def update(self, frame: np.ndarray) -> np.ndarray:
        """The trail image after ``frame`` (``uint8``, any shape)."""
        if frame.dtype != np.uint8:
            raise ValueError(f"trails take uint8 frames, got {frame.dtype}")
        level = 255 - frame if self.dark else frame
        if self._old is None or self._old.shape != frame.shape:
            self._old = level.astype(np.float32)
        else:
            self._old *= self.decay
            np.maximum(self._old, level, out=self._old)
        out = np.rint(self._old).astype(np.uint8)
        return 255 - out if self.dark else out


class MeanTrail:
    """Each output is the mean of the last ``frames`` frames (fewer at the start), rounded
    to the nearest level: FFmpeg's ``tmix`` with equal weights, whose first outputs are
    darkened by the frames it has not yet seen (here they are the mean of the ones it has).

    >>> t = MeanTrail(3)
    >>> [int(t.update(np.full((1, 1), v, np.uint8))[0, 0]) for v in (0, 30, 60, 90)]
    [0, 15, 30, 60]
    """

    def __init__(self, frames: int = 8):
        if frames < 1:
            raise ValueError(f"frames must be at least 1, got {frames}")
        self.frames = frames
        self._ring: list[np.ndarray] = []
        self._sum: np.ndarray | None = None

    def update(self, frame: np.ndarray) -> np.ndarray:
        """The mean image after ``frame`` (``uint8``, any shape)."""
        if frame.dtype != np.uint8:
            raise ValueError(f"trails take uint8 frames, got {frame.dtype}")
        if self._sum is None or self._sum.shape != frame.shape:
            self._ring, self._sum = [], np.zeros(frame.shape, np.uint32)
        self._ring.append(frame)
        self._sum += frame
        if len(self._ring) > self.frames:
            self._sum -= self._ring.pop(0)
        n = len(self._ring)
        return ((self._sum + n // 2) // n).astype(np.uint8)
