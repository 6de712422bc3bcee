"""Self-similarity matrices: how much each moment of a recording resembles every other.

The Musical Gestures Toolbox's ``ssm`` (after Müller's *Fundamentals of Music Processing*):
a feature sequence, one column per moment, each column scaled so its largest value is 1
(columns whose largest value is below ``threshold`` are left as they are), and the matrix of
every pair of columns' dot products. Repeated movements show as lines parallel to the
diagonal, sections as blocks.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

__all__ = ["equalized", "pool_columns", "self_similarity"]


def equalized(picture: np.ndarray) -> np.ndarray:
    """A motiongram's values histogram-equalised to 0-1 (``float32``), the features the
    toolbox compares: it equalises the picture's brightness (HSV value) before the SSM.

    ``picture`` is grey or colour, ``uint8`` or ``uint16`` (scaled to 8 bits first); colour
    is first made grey with BT.601 weights.
    """
    img = picture
    if img.dtype == np.uint16:
        img = ((img.astype(np.uint32) + 128) // 257).astype(np.uint8)
    elif img.dtype != np.uint8:
        raise ValueError(f"equalized takes uint8 or uint16 pictures, got {img.dtype}")
    if img.ndim == 3:
        img = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGB2GRAY)
    return cv2.equalizeHist(np.ascontiguousarray(img)).astype(np.float32) / np.float32(255.0)


def pool_columns(features: np.ndarray, most: int) -> tuple[np.ndarray, int]:
    """``features`` ``(D, N)`` with at most ``most`` columns: each run of ``factor``
    neighbouring columns averaged (the last run may be shorter). Returns the pooled array and
    ``factor`` (1 when nothing was pooled).

    >>> pool_columns(np.arange(10.0).reshape(1, 10), 4)
    (array([[1., 4., 7., 9.]], dtype=float32), 3)
    """
    n = features.shape[1]
    if most < 1:
        raise ValueError(f"most must be at least 1, got {most}")
    if n <= most:
        return features, 1
    factor = math.ceil(n / most)
    starts = np.arange(0, n, factor)
    sums = np.add.reduceat(features.astype(np.float64), starts, axis=1)
    counts = np.diff(np.append(starts, n))
    return (sums / counts).astype(np.float32), factor


def self_similarity(features: np.ndarray, *, threshold: float = 0.001) -> np.ndarray:
    """The ``(N, N)`` self-similarity of a ``(D, N)`` non-negative feature sequence: each
    column scaled by its largest value (those below ``threshold`` left alone), then every
    pair of columns' dot product (``librosa.util.normalize(norm=inf)`` then ``X.T @ X``).

    >>> f = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]])
    >>> self_similarity(f).tolist()
    [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 1.0]]
    """
    x = np.asarray(features, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"features must be (D, N), got shape {x.shape}")
    top = np.abs(x).max(axis=0, keepdims=True)
    x = np.where(top >= threshold, x / np.where(top >= threshold, top, 1), x)
    return x.T @ x
