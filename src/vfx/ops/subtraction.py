"""Foreground masks by background subtraction, matching ImageMagick 6 (Q16) to the level.

The reference chain users run today is::

    convert background.tiff frame.tiff -compose difference -composite \\
        -threshold 5% -blur 0x3 -threshold 20% -blur 0x3 mask.tiff
    convert frame.tiff mask.tiff -compose multiply -flatten clean.jpg

:func:`difference_mask` computes the same thing on arrays:

- ``difference``: per-channel ``|frame - background|``.
- ``-threshold``: on the pixel intensity (Rec. 709 luma, ImageMagick's default
  ``0.212656 R + 0.715158 G + 0.072186 B``); above the level becomes white.
- ``-blur 0xS``: ImageMagick's Gaussian kernel (width from ``GetOptimalKernelWidth1D``,
  3x super-sampled, normalised), applied horizontally then vertically with edge replication,
  the result rounded to 16 bits after each pass as ImageMagick stores it.

Dtype rule: inputs are ``uint8`` or ``uint16`` RGB; values are handled in ImageMagick's 16-bit
quantum (``uint8`` scaled by 257). Masks are returned as ``float32`` in ``[0, 1]``.

OpenCV is imported inside the functions that use it, so that importing this module (as the
composites and backgrounds do) does not load it.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = [
    "LUMA",
    "QUANTUM",
    "apply_mask",
    "blur_kernel",
    "border_colour",
    "chroma_mask",
    "difference",
    "difference_mask",
    "gaussian_blur",
    "intensity",
    "mask_to_uint8",
    "suppress_spill",
    "threshold",
]

#: ImageMagick Q16's largest sample value.
QUANTUM = 65535.0
#: Rec. 709 luma weights ImageMagick 6 uses for a pixel's intensity.
LUMA = (0.212656, 0.715158, 0.072186)


def _quantum_scale(dtype: np.dtype) -> float:
    if dtype == np.uint8:
        return 257.0
    if dtype == np.uint16:
        return 1.0
    raise ValueError(f"image dtype must be uint8 or uint16, got {dtype}")


def _check_pair(frame: np.ndarray, background: np.ndarray) -> None:
    if frame.shape != background.shape:
        raise ValueError(
            f"frame shape {frame.shape} differs from background shape {background.shape}"
        )
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"images must be RGB (H, W, 3), got shape {frame.shape}")


def _optimal_width(sigma: float, radius: float) -> int:
    """ImageMagick's ``GetOptimalKernelWidth1D`` for a 16-bit quantum."""
    if radius > 1e-12:
        return int(2 * math.ceil(radius) + 1)
    gamma = abs(sigma)
    if gamma <= 1e-12:
        return 3
    alpha = 1.0 / (2.0 * gamma * gamma)
    beta = 1.0 / (math.sqrt(2.0 * math.pi) * gamma)
    width = 5
    while True:
        j = (width - 1) // 2
        normalize = sum(math.exp(-(i * i) * alpha) * beta for i in range(-j, j + 1))
        value = math.exp(-(j * j) * alpha) * beta / normalize
        if value < 1.0 / QUANTUM or value < 1e-12:
            break
        width += 2
    return width - 2


@lru_cache(maxsize=32)
def blur_kernel(sigma: float, radius: float = 0.0) -> np.ndarray:
    """ImageMagick 6's normalised 1-D Gaussian ``blur:RADIUSxSIGMA`` kernel.

    >>> k = blur_kernel(3.0)
    >>> k.size, round(float(k.sum()), 6)
    (25, 1.0)
    """
    if sigma < 0 or radius < 0:
        raise ValueError(f"sigma and radius must be >= 0, got sigma={sigma}, radius={radius}")
    width = _optimal_width(sigma, radius)
    kernel = np.zeros(width, dtype=np.float64)
    if sigma <= 1e-12:
        kernel[width // 2] = 1.0
        return kernel
    rank = 3  # ImageMagick's super-sampling factor ("KernelRank")
    v = (width * rank - 1) // 2
    s = sigma * rank
    alpha = 1.0 / (2.0 * s * s)
    beta = 1.0 / (math.sqrt(2.0 * math.pi) * s)
    for u in range(-v, v + 1):
        kernel[(u + v) // rank] += math.exp(-(u * u) * alpha) * beta
    kernel /= kernel.sum()
    kernel.setflags(write=False)
    return kernel


def difference(frame: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Per-channel absolute difference in ImageMagick's 16-bit quantum, as ``float32``."""
    import cv2

    _check_pair(frame, background)
    scale = _quantum_scale(frame.dtype)
    diff = cv2.absdiff(frame, background).astype(np.float32)
    return diff * np.float32(scale) if scale != 1.0 else diff


#: Rows handled at a time by the first stage, so its float temporaries stay in the cache.
_BAND = 64


def _thresholded_difference(frame: np.ndarray, background: np.ndarray, level: float) -> np.ndarray:
    """``threshold(intensity(difference(frame, background)), level)``, a band of rows at a time."""
    import cv2

    _check_pair(frame, background)
    weights = np.asarray([LUMA], np.float32) * np.float32(_quantum_scale(frame.dtype))
    out = np.empty(frame.shape[:2], np.float32)
    for y in range(0, frame.shape[0], _BAND):
        rows = slice(y, y + _BAND)
        diff = cv2.absdiff(frame[rows], background[rows]).astype(np.float32)
        threshold(cv2.transform(diff, weights), level, out=out[rows])
    return out


def intensity(image: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of an RGB image (same units as the input), as ``float32``."""
    import cv2

    weights = np.asarray([LUMA], np.float32)
    return cv2.transform(np.ascontiguousarray(image, dtype=np.float32), weights)


def threshold(values: np.ndarray, level: float, *, out: np.ndarray | None = None) -> np.ndarray:
    """``-threshold``: ``QUANTUM`` where ``values > level * QUANTUM``, else 0 (``float32``).

    ``out``, a C-contiguous ``float32`` array of the same shape, receives the result.
    """
    import cv2

    if not 0.0 <= level <= 1.0:
        raise ValueError(f"threshold level must be in [0, 1], got {level}")
    src = np.ascontiguousarray(values, dtype=np.float32)
    _, result = cv2.threshold(src, level * QUANTUM, QUANTUM, cv2.THRESH_BINARY, out)
    return result


def gaussian_blur(values: np.ndarray, sigma: float, *, radius: float = 0.0) -> np.ndarray:
    """``-blur RADIUSxSIGMA`` on a 2-D quantum image: separable, edges replicated, each pass
    rounded to 16 bits as ImageMagick Q16 stores it."""
    import cv2

    if sigma == 0 and radius == 0:
        return values.astype(np.float32, copy=True)
    kernel = blur_kernel(float(sigma), float(radius)).astype(np.float32)
    one = np.ones(1, np.float32)
    # delta=0.5 then floor: ImageMagick's round-half-up, without a temporary array.
    h = cv2.sepFilter2D(
        np.asarray(values, np.float32),
        cv2.CV_32F,
        kernel,
        one,
        delta=0.5,
        borderType=cv2.BORDER_REPLICATE,
    )
    np.floor(h, out=h)
    v = cv2.sepFilter2D(h, cv2.CV_32F, one, kernel, delta=0.5, borderType=cv2.BORDER_REPLICATE)
    np.floor(v, out=v)
    return np.clip(v, 0, QUANTUM, out=v)


def difference_mask(
    frame: np.ndarray,
    background: np.ndarray,
    *,
    threshold1: float = 0.05,
    blur1: float = 3.0,
    threshold2: float = 0.20,
    blur2: float = 3.0,
    dtype: type = np.float32,
) -> np.ndarray:
    """Foreground mask of ``frame`` against ``background``, as ImageMagick's chain computes it.

    Parameters
    ----------
    frame, background
        RGB images of one shape and dtype (``uint8`` or ``uint16``).
    threshold1, blur1, threshold2, blur2
        The chain's numbers: ``-threshold {threshold1*100}% -blur 0x{blur1}
        -threshold {threshold2*100}% -blur 0x{blur2}``; a blur of 0 skips that blur.
    dtype
        ``np.float32`` for a mask in ``[0, 1]``; ``np.uint8`` for the 8-bit mask ImageMagick
        writes (the same as :func:`mask_to_uint8` of the float mask, computed only where the
        mask can be non-zero).

    Returns
    -------
    numpy.ndarray
        ``(H, W)`` of ``dtype``: 1 (or 255) where the frame differs from the background.

    Examples
    --------
    >>> bg = np.zeros((40, 40, 3), np.uint8)
    >>> fr = bg.copy(); fr[10:30, 10:30] = 200
    >>> m = difference_mask(fr, bg)
    >>> round(float(m[20, 20]), 3), float(m[0, 0])  # 16-bit steps: 0.99997 is full on
    (1.0, 0.0)
    """
    import cv2

    if frame.dtype != background.dtype:
        raise ValueError(f"frame dtype {frame.dtype} differs from background {background.dtype}")
    if dtype not in (np.float32, np.uint8):
        raise ValueError(f"mask dtype must be float32 or uint8, got {dtype}")
    first = _thresholded_difference(frame, background, threshold1)
    out = np.zeros(first.shape, dtype)
    box = _support(first, _reach(blur1) + _reach(blur2))
    if box is None:
        return out
    # Outside the changed pixels' bounding box, grown by both blur radii, every value is 0:
    # blurring only the crop gives the same result (its edges are zeros, which the edge
    # replication copies, or the frame's own edges) at a fraction of the cost.
    rows, cols = box
    mask = gaussian_blur(first[rows, cols], blur1)
    mask = threshold(mask, threshold2)
    mask = gaussian_blur(mask, blur2)
    if dtype == np.uint8:
        # Every value is a whole 16-bit level q, and q / 257 is never half-way between two
        # integers, so rounding it is exactly ImageMagick's ScaleQuantumToChar.
        out[rows, cols] = cv2.convertScaleAbs(mask, alpha=1.0 / 257.0)
    else:
        out[rows, cols] = mask * np.float32(1.0 / QUANTUM)
    return out


def _reach(sigma: float) -> int:
    """How far one ``-blur 0xSIGMA`` spreads a pixel."""
    return blur_kernel(float(sigma)).size // 2 if sigma else 0


def _support(values: np.ndarray, margin: int) -> tuple[slice, slice] | None:
    """The bounding box of the non-zero values grown by ``margin``, or None if all are 0."""
    rows = np.flatnonzero(values.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(values[rows[0] : rows[-1] + 1].any(axis=0))
    h, w = values.shape
    return (
        slice(max(0, rows[0] - margin), min(h, rows[-1] + 1 + margin)),
        slice(max(0, cols[0] - margin), min(w, cols[-1] + 1 + margin)),
    )


def mask_to_uint8(mask: np.ndarray) -> np.ndarray:
    """A ``[0, 1]`` mask as ``uint8``, rounded as ImageMagick scales 16-bit to 8-bit."""
    q = np.floor(np.clip(mask, 0.0, 1.0) * QUANTUM + 0.5).astype(np.uint32)
    return (((q + 128) - ((q + 128) >> 8)) >> 8).astype(np.uint8)


def _weights(mask: np.ndarray) -> np.ndarray:
    """A float or ``uint8`` mask as ``float32`` weights in ``[0, 1]``."""
    if mask.dtype == np.uint8:
        return mask.astype(np.float32) / np.float32(255.0)
    return np.clip(mask, 0.0, 1.0).astype(np.float32)


def apply_mask(
    frame: np.ndarray,
    mask: np.ndarray,
    *,
    background: tuple[int, int, int] | None = (0, 0, 0),
) -> np.ndarray:
    """The clean foreground: ``frame`` where the mask is set, ``background`` where it is 0.

    ``mask`` is ``float`` in ``[0, 1]`` or ``uint8`` (255 is fully set, as written to disk).
    With a black background this is ImageMagick's ``-compose multiply`` of frame and mask.
    ``background=None`` returns RGBA with the mask as alpha. The dtype of ``frame`` is kept
    and the blend is rounded to the nearest level; ImageMagick's ``-compose multiply
    -flatten`` truncates instead, so its result can be one level lower. Only the bounding box
    of the mask is blended; outside it the result is ``background``.
    """
    import cv2

    if mask.shape != frame.shape[:2]:
        raise ValueError(f"mask shape {mask.shape} does not match frame {frame.shape[:2]}")
    _quantum_scale(frame.dtype)  # checks the dtype
    top = float(np.iinfo(frame.dtype).max)
    if background is None:
        alpha = np.floor(_weights(mask) * np.float32(top) + 0.5).astype(frame.dtype)
        return np.ascontiguousarray(np.dstack([frame, alpha]))
    colour = np.round(np.asarray(background, np.float64) * top / 255.0).astype(frame.dtype)
    if colour.any():
        # Filled a row at a time: broadcasting a 3-vector over the frame is far slower.
        out = np.empty_like(frame)
        out[:] = np.broadcast_to(colour, frame.shape[1:]).copy()
    else:
        out = np.zeros_like(frame)
    box = _support(mask, 0)
    if box is None:
        return out
    f, w = frame[box], _weights(mask[box])
    if tuple(background) == (0, 0, 0):
        # ImageMagick's multiply: frame x mask, rounded to the nearest level.
        depth = cv2.CV_8U if frame.dtype == np.uint8 else cv2.CV_16U
        out[box] = cv2.multiply(f, cv2.merge([w, w, w]), dtype=depth)
    else:
        out[box] = cv2.blendLinear(f, out[box], w, np.float32(1.0) - w)
    return out


def _chroma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 Cb and Cr of RGB values (any dtype, last axis 3), in ``[-0.5, 0.5]``."""
    x = np.asarray(rgb, dtype=np.float32)
    if np.issubdtype(np.asarray(rgb).dtype, np.integer):
        x = x / np.float32(np.iinfo(np.asarray(rgb).dtype).max)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b
    return np.stack([cb, cr], axis=-1)


def border_colour(image: np.ndarray, width: int = 8) -> tuple[float, float, float]:
    """The median colour of the picture's outer ``width`` pixels, in the image's own scale:
    the key colour of a blue or green screen that fills the frame's edges.

    >>> img = np.zeros((40, 40, 3), np.uint8); img[...] = (0, 200, 0); img[15:25, 15:25] = 255
    >>> border_colour(img)
    (0.0, 200.0, 0.0)
    """
    w = max(1, min(width, image.shape[0] // 2, image.shape[1] // 2))
    edge = np.concatenate(
        [image[:w].reshape(-1, 3), image[-w:].reshape(-1, 3),
         image[w:-w, :w].reshape(-1, 3), image[w:-w, -w:].reshape(-1, 3)]
    )  # fmt: skip
    return tuple(float(v) for v in np.median(edge, axis=0))  # type: ignore[return-value]


def chroma_mask(
    image: np.ndarray,
    key: tuple[float, float, float],
    *,
    tolerance: float = 0.12,
    softness: float = 0.08,
) -> np.ndarray:
    """The foreground of a picture shot before a coloured screen: ``float32 (H, W)`` in
    ``[0, 1]``, 0 where a pixel's chroma (BT.601 Cb, Cr: brightness ignored, so shadows on
    the screen stay screen) lies within ``tolerance`` of the ``key`` colour's, 1 beyond
    ``tolerance + softness``, a linear ramp between (soft edges). ``key`` is in the image's
    own scale (0-255 for ``uint8``)."""
    if tolerance < 0 or softness < 0:
        raise ValueError("tolerance and softness must be >= 0")
    ref = np.asarray(key, dtype=np.float64).reshape(1, 1, 3).astype(image.dtype)
    distance = np.linalg.norm(_chroma(image) - _chroma(ref)[0, 0], axis=-1)
    if softness == 0:
        return (distance > tolerance).astype(np.float32)
    return np.clip((distance - tolerance) / np.float32(softness), 0, 1).astype(np.float32)


def suppress_spill(image: np.ndarray, key: tuple[float, float, float]) -> np.ndarray:
    """The screen's colour cast taken off a figure: the key's strongest channel (blue for a
    blue screen) limited to the larger of the two others, pixel by pixel. A new array."""
    channel = int(np.argmax(key))
    others = [c for c in range(3) if c != channel]
    out = np.array(image, copy=True)
    limit = np.maximum(out[..., others[0]], out[..., others[1]])
    np.minimum(out[..., channel], limit, out=out[..., channel])
    return out
