"""The dtype rule: a dtype implies its value range; convert only with these helpers.

``uint8`` is ``[0, 255]``, ``uint16`` is ``[0, 65535]``; float results are in the *source*
scale until written, and fractional results are written as ``uint16``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["float_to_image", "max_value", "to_uint8"]


def max_value(dtype: np.dtype | type) -> int:
    """Largest sample value of an integer image dtype (255 or 65535)."""
    dt = np.dtype(dtype)
    if dt not in (np.uint8, np.uint16):
        raise ValueError(f"image dtype must be uint8 or uint16, got {dt}")
    return int(np.iinfo(dt).max)


def float_to_image(
    values: np.ndarray, source_dtype: np.dtype | type, *, fractional: bool
) -> np.ndarray:
    """Turn a float image in the scale of ``source_dtype`` into an integer image.

    With ``fractional`` (a mean, say) an 8-bit source becomes ``uint16`` (scaled by 257) so the
    fraction is kept; otherwise the source dtype is kept. Values are rounded and clipped.

    >>> float_to_image(np.array([[0.5, 255.0]]), np.uint8, fractional=True)
    array([[  129, 65535]], dtype=uint16)
    >>> float_to_image(np.float64(254.6), np.uint8, fractional=False)
    array(255, dtype=uint8)
    """
    src = np.dtype(source_dtype)
    top = max_value(src)
    # The same operations in one temporary array, in place (asarray: a 0-d input's result
    # would be a scalar, which cannot be written into).
    if fractional and src == np.uint8:
        out = np.asarray(np.multiply(values, 257.0))
        out += 0.5
        top = 65535
        dtype = np.dtype(np.uint16)
    else:
        out = np.asarray(np.add(values, 0.5))
        dtype = src
    np.floor(out, out=out)
    np.clip(out, 0, top, out=out)
    return out.astype(dtype)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """An image as ``uint8``: ``uint8`` as it is (no copy), ``uint16`` by its high byte.

    The high byte (``v >> 8``) is what 8-bit consumers of a 16-bit frame show (FFmpeg's and
    ImageMagick's depth reduction by truncation), used where a pass reads 8 bits only.

    >>> to_uint8(np.array([[0, 255, 256, 65535]], np.uint16))
    array([[  0,   0,   1, 255]], dtype=uint8)
    """
    if image.dtype == np.uint8:
        return image
    if image.dtype != np.uint16:
        raise ValueError(f"image dtype must be uint8 or uint16, got {image.dtype}")
    return (image >> 8).astype(np.uint8)
