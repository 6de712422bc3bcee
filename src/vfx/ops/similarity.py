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

__all__ = ["motion_features", "pool_columns", "self_similarity"]


def motion_features(profile: np.ndarray) -> np.ndarray:
    """The features the toolbox compares, from a motiongram's mean values (0-255 scale, grey
    ``(D, N)`` or colour ``(D, N, 3)``, RGB): rounded to whole levels (it keeps its motiongram
    as 8-bit), stretched so its smallest value is 0 and its largest 255, histogram-equalised
    (colour: its HSV value), made grey, and scaled to 0-1 (``float32``).

    The grey takes BT.601's weights the way the toolbox applies them in effect: its frames
    come from FFmpeg as BGR and are converted as if RGB, so blue weighs 0.299 and red 0.114.
    On a clip whose motion is mostly blue or red it matters: dancer.avi's self-similarity
    correlates with the toolbox's at r 0.993 so, at 0.939 with the weights the other way.

    >>> motion_features(np.array([[0.2, 1.6], [3.0, 3.4]])).tolist()
    [[0.0, 0.3333333432674408], [1.0, 1.0]]
    >>> float(motion_features(np.array([[[0.0, 0, 0]], [[255, 0, 0]], [[0, 0, 255]]]))[1, 0])
    0.11372549086809158
    """
    levels = np.rint(np.asarray(profile, dtype=np.float64))
    low, high = float(levels.min()), float(levels.max())
    scale = 255.0 / (high - low) if high > low else 0.0
    img = ((levels - low) * scale).astype(np.uint8)  # truncated, as the toolbox does
    if img.ndim == 3:
        hsv = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGB2HSV)
        hsv[..., 2] = cv2.equalizeHist(np.ascontiguousarray(hsv[..., 2]))
        # BGR2GRAY on RGB: the toolbox's RGB2GRAY on its BGR.
        img = cv2.cvtColor(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB), cv2.COLOR_BGR2GRAY)
    else:
        img = cv2.equalizeHist(np.ascontiguousarray(img))
    return img.astype(np.float32) / np.float32(255.0)


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


def self_similarity(
    features: np.ndarray, *, threshold: float = 0.001, most: int | None = None
) -> tuple[np.ndarray, int]:
    """The self-similarity of a ``(D, N)`` non-negative feature sequence: each column scaled
    by its largest value (those below ``threshold`` left alone), then every pair of columns'
    dot product (``librosa.util.normalize(norm=inf)`` then ``X.T @ X``).

    With ``most``, a matrix with more than ``most`` rows is returned averaged over blocks of
    ``factor`` by ``factor`` cells (the full matrix is computed a band of rows at a time,
    never held whole; sequences over ``4 * most`` long are first averaged over neighbouring
    columns). Returns the matrix and ``factor`` (1 when it is whole).

    >>> f = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]])
    >>> m, factor = self_similarity(f); m.tolist(), factor
    ([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 1.0]], 1)
    >>> self_similarity(f, most=2)[0].tolist()
    [[0.5, 0.5], [0.5, 1.0]]
    """
    x = np.asarray(features, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"features must be (D, N), got shape {x.shape}")
    first = 1
    if most is not None and x.shape[1] > 4 * most:
        x, first = pool_columns(x, 4 * most)
    top = np.abs(x).max(axis=0, keepdims=True)
    x = np.where(top >= threshold, x / np.where(top >= threshold, top, 1), x)
    n = x.shape[1]
    if most is None or n <= most:
        return x.T @ x, first
    factor = math.ceil(n / most)
    starts = np.arange(0, n, factor)
    counts = np.diff(np.append(starts, n)).astype(np.float32)
    out = np.empty((starts.size, starts.size), np.float32)
    band = factor * max(1, 64 // factor)  # whole blocks of rows at a time
    for top_row in range(0, n, band):
        rows = x[:, top_row : top_row + band].T @ x  # (band, n)
        local = np.arange(0, rows.shape[0], factor)
        summed = np.add.reduceat(np.add.reduceat(rows, local, axis=0), starts, axis=1)
        first_block = top_row // factor
        out[first_block : first_block + local.size] = summed
    out /= counts[:, None] * counts[None, :]
    return out, first * factor
