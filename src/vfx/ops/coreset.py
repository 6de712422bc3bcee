"""Choosing frames by how different they are: a compact frame descriptor and the selections.

The descriptor needs no download: a small grey thumbnail (layout), a colour histogram
(palette) and a histogram of gradient orientations on a 2x2 grid (texture and edges). The
histogram is normalised; the thumbnail and the edge energy keep a fixed scale, so that flat
frames with small differences stay close. The blocks are weighted, concatenated, projected
to :data:`EMBED_DIM` dimensions with a fixed random Gaussian matrix (Johnson-Lindenstrauss:
distances are kept up to a few percent) and L2-normalised, so distances between embeddings lie
in [0, 2].

Selections work on an ``(N, D)`` array of unit vectors:

* :func:`coreset`: greedy k-center (farthest-point) selection, which maximises the smallest
  distance between chosen frames;
* :func:`uniform`: every k-th candidate; :func:`random_choice`: a seeded random sample.
"""

from __future__ import annotations

import cv2
import numpy as np

from vfx.ops.dtypes import to_uint8

__all__ = [
    "EMBED_DIM",
    "coreset",
    "describe",
    "distance_report",
    "random_choice",
    "uniform",
]

EMBED_DIM = 128
_THUMB = (24, 16)  # width, height of the layout thumbnail
_WEIGHTS = {"thumb": 0.6, "colour": 0.25, "gradient": 0.15}
_RAW_DIM = _THUMB[0] * _THUMB[1] + 4 * 4 * 4 + 4 * 8
_PROJECTION = np.random.default_rng(20261121).standard_normal((_RAW_DIM, EMBED_DIM)).astype(
    np.float32
) / np.float32(np.sqrt(EMBED_DIM))


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def describe(image: np.ndarray) -> np.ndarray:
    """The ``EMBED_DIM`` unit-length descriptor of an RGB ``uint8`` (or ``uint16``) frame.

    Identical frames give identical descriptors; a uniform frame gives a valid unit vector.

    >>> e = describe(np.zeros((90, 160, 3), np.uint8)); e.shape, round(float(np.linalg.norm(e)), 6)
    ((128,), 1.0)
    """
    if image.dtype != np.uint8:
        image = to_uint8(image)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    small = cv2.resize(image, (96, 64), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    thumb = cv2.resize(grey, _THUMB, interpolation=cv2.INTER_AREA).astype(np.float32).ravel()
    # Layout relative to the mean brightness, on a fixed scale (not normalised per frame, so a
    # flat frame and one with a small spot stay close); a contrasty frame has a norm near 1.
    thumb = (thumb - thumb.mean()) / np.float32(255.0 * 0.25 * np.sqrt(thumb.size))
    colour = cv2.calcHist([small], [0, 1, 2], None, [4, 4, 4], [0, 256, 0, 256, 0, 256]).ravel()
    colour = _unit(np.sqrt(colour))
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    mag, ang = cv2.cartToPolar(gx, gy, angleInDegrees=True)
    bins = (ang % 180.0 / 22.5).astype(np.int32).clip(0, 7)
    grad = np.zeros((2, 2, 8), np.float32)
    h, w = grey.shape
    for i in range(2):
        for j in range(2):
            sl = (slice(i * h // 2, (i + 1) * h // 2), slice(j * w // 2, (j + 1) * w // 2))
            grad[i, j] = np.bincount(bins[sl].ravel(), weights=mag[sl].ravel(), minlength=8)
    # Edge energy per orientation and quadrant on a fixed scale (a flat frame has none).
    cell = (h // 2) * (w // 2)
    gradient = np.sqrt(grad.ravel() / np.float32(cell * 255.0))
    raw = np.concatenate(
        [
            thumb * np.sqrt(_WEIGHTS["thumb"]),
            colour * np.sqrt(_WEIGHTS["colour"]),
            gradient * np.sqrt(_WEIGHTS["gradient"]),
        ]
    ).astype(np.float32)
    return _unit(raw @ _PROJECTION)


def _check(embeddings: np.ndarray, n: int) -> None:
    if embeddings.ndim != 2:
        raise ValueError(f"embeddings must be (N, D), got shape {embeddings.shape}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")


def coreset(embeddings: np.ndarray, n: int) -> np.ndarray:
    """Indices of ``n`` rows chosen by greedy k-center (farthest-point) selection.

    Deterministic: the first pick is the row farthest from the mean embedding (ties: lowest
    index); each next pick is the row farthest from everything chosen so far. Returns the
    indices in ascending order (fewer than ``n`` when there are fewer rows).

    >>> pts = np.array([[0.0, 1.0], [0.0, 0.99], [1.0, 0.0], [-1.0, 0.0]])
    >>> coreset(pts, 3).tolist()
    [0, 2, 3]
    """
    _check(embeddings, n)
    count = embeddings.shape[0]
    if n >= count:
        return np.arange(count)
    e = embeddings.astype(np.float32)
    centre = e.mean(axis=0)
    first = int(np.argmax(np.linalg.norm(e - centre, axis=1)))
    chosen = [first]
    nearest = np.linalg.norm(e - e[first], axis=1)
    for _ in range(n - 1):
        pick = int(np.argmax(nearest))
        chosen.append(pick)
        np.minimum(nearest, np.linalg.norm(e - e[pick], axis=1), out=nearest)
    return np.sort(np.asarray(chosen))


def uniform(count: int, n: int) -> np.ndarray:
    """``n`` indices spread evenly over ``count`` candidates (first and last included).

    >>> uniform(10, 4).tolist()
    [0, 3, 6, 9]
    """
    if n >= count:
        return np.arange(count)
    if n == 1:
        return np.array([0])
    return np.unique(np.round(np.linspace(0, count - 1, n)).astype(np.int64))


def random_choice(count: int, n: int, seed: int = 0) -> np.ndarray:
    """``n`` distinct indices drawn with ``numpy.random.default_rng(seed)``, ascending."""
    if n >= count:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).choice(count, size=n, replace=False))


def distance_report(embeddings: np.ndarray) -> dict[str, float | None]:
    """Pairwise L2 distances within a selection: mean, min, max, 10th and 90th percentiles,
    and the mean and minimum nearest-neighbour distance (``None`` for fewer than 2 rows)."""
    keys = ("mean", "min", "max", "p10", "p90", "nn_mean", "nn_min")
    if embeddings.shape[0] < 2:
        return dict.fromkeys(keys)
    e = embeddings.astype(np.float64)
    sq = np.sum(e * e, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * e @ e.T, 0.0)
    d = np.sqrt(d2)
    iu = np.triu_indices(e.shape[0], k=1)
    pairs = d[iu]
    np.fill_diagonal(d, np.inf)
    nn = d.min(axis=1)
    return {
        "mean": float(pairs.mean()),
        "min": float(pairs.min()),
        "max": float(pairs.max()),
        "p10": float(np.percentile(pairs, 10)),
        "p90": float(np.percentile(pairs, 90)),
        "nn_mean": float(nn.mean()),
        "nn_min": float(nn.min()),
    }
