"""The geometry between a frame and BlazePose's landmark model, as MediaPipe's pose graph does
it: the rotated square region of interest from the detector's key points
(``AlignmentPointsRectsCalculator`` then ``RectTransformationCalculator``), the affine map of
that region onto the model's input, the landmarks' decoding, and their projection back onto
the frame (``LandmarkProjectionCalculator``). Pure functions; coordinates in pixels, ``y`` down.

A rotation is in radians and turns the region clockwise on screen (``y`` points down), as
MediaPipe's ``NormalizedRect.rotation`` does: 0 for an upright body.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "HAND_ROI_LANDMARKS",
    "LANDMARK_INPUT",
    "Roi",
    "cut_region",
    "decode_landmarks",
    "frame_roi",
    "normalize_radians",
    "project_landmarks",
    "refine_with_heatmap",
    "region_to_frame",
    "roi_from_box",
    "roi_from_hand",
    "roi_from_keypoints",
    "roi_to_input",
    "rotate_world",
]

#: The landmark model's input side, in pixels (``pose_landmark_full.tflite``: 256x256x3).
LANDMARK_INPUT = 256


@dataclass(frozen=True)
class Roi:
    """A square region of a frame: centre ``(x, y)`` and side ``size`` in pixels, turned by
    ``rotation`` radians."""

    x: float
    y: float
    size: float
    rotation: float

    def matrix(self) -> np.ndarray:
        """The 2x2 rotation that turns the region's axes into the frame's."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        return np.array([[c, -s], [s, c]])


def normalize_radians(angle: float) -> float:
    """``angle`` in ``[-pi, pi)``.

    >>> round(normalize_radians(3 * math.pi / 2), 6)
    -1.570796
    """
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def roi_from_keypoints(
    centre: tuple[float, float],
    toward: tuple[float, float],
    *,
    target_angle: float = math.pi / 2,
    scale: float = 1.25,
) -> Roi:
    """The region around a body from two detector key points (pixels): ``centre`` (the hips'
    centre) and ``toward`` (a point whose distance gives the body's size and whose direction
    gives its rotation). The side is twice that distance, times ``scale``; the rotation turns
    the direction from ``centre`` to ``toward`` to ``target_angle`` (up, for BlazePose)."""
    x0, y0 = centre
    x1, y1 = toward
    size = 2.0 * math.hypot(x1 - x0, y1 - y0) * scale
    rotation = normalize_radians(target_angle - math.atan2(-(y1 - y0), x1 - x0))
    return Roi(x0, y0, size, rotation)


def roi_to_input(roi: Roi, side: int = LANDMARK_INPUT) -> np.ndarray:
    """The 2x3 affine map from the model's input pixels ``(0..side)`` to frame pixels: give
    it to ``cv2.warpAffine`` with ``WARP_INVERSE_MAP`` to cut the region out upright."""
    r = roi.matrix() * (roi.size / side)
    offset = np.array([roi.x, roi.y]) - r @ np.array([side / 2, side / 2])
    return np.hstack([r, offset[:, None]])


def cut_region(image: np.ndarray, roi: Roi, side: int, *, border: int) -> np.ndarray:
    """The region ``roi`` of ``image`` (``uint8``, ``(H, W)`` or ``(H, W, C)``) cut out upright
    at ``side`` x ``side`` pixels, bilinear, exactly as MediaPipe 0.10.21's CPU
    ``ImageToTensorCalculator`` cuts it: ``cv::warpPerspective`` from the region's corners,
    in the OpenCV 3.4 MediaPipe is built with, which rounds each sampling point to 1/32 pixel
    before interpolating. OpenCV 4.11 and later sample at the exact point; the one-level
    differences that makes in a few percent of the pixels move the hand model's presence
    score by up to 0.02, enough to tip hands near the 0.5 threshold the other way.
    ``border`` is OpenCV's border mode for the parts outside the frame (zeros with
    ``BORDER_CONSTANT``).
    """
    import cv2

    corners = cv2.boxPoints(((roi.x, roi.y), (roi.size, roi.size), math.degrees(roi.rotation)))
    square = np.array([[0, side], [0, 0], [side, 0], [side, side]], dtype=np.float32)
    m = np.linalg.inv(cv2.getPerspectiveTransform(corners, square))  # output pixel -> frame
    u = np.arange(side, dtype=np.float64)
    scale = 32.0 / (m[2, 0] * u + (m[2, 1] * u + m[2, 2])[:, None])  # 1/32 pixel steps
    far = 32.0 * 32767  # sampling points beyond OpenCV's 16-bit maps are clamped to them
    xy = np.empty((side, side, 2), dtype=np.int32)
    for axis in (0, 1):
        at = (m[axis, 0] * u + (m[axis, 1] * u + m[axis, 2])[:, None]) * scale
        xy[..., axis] = np.clip(np.rint(at, out=at), -far, far, out=at)
    whole = (xy >> 5).astype(np.int16)
    fraction = ((xy[..., 1] & 31) << 5 | (xy[..., 0] & 31)).astype(np.uint16)
    return cv2.remap(image, whole, fraction, cv2.INTER_LINEAR, borderMode=border, borderValue=0)


def decode_landmarks(raw: np.ndarray, count: int = 33, side: int = LANDMARK_INPUT) -> np.ndarray:
    """``(count, 5)``: x and y in ``[0, 1]`` of the model's input, z in the same scale, and the
    visibility and presence as probabilities, from the model's first output (5 values per
    landmark, the first ``count`` of its 39 landmarks being the body's)."""
    values = np.asarray(raw, dtype=np.float64).reshape(-1, 5)[:count]
    out = values.copy()
    out[:, :3] /= side
    out[:, 3:] = np.exp(-np.logaddexp(0.0, -values[:, 3:]))  # sigmoid, without overflow
    return out


def project_landmarks(points: np.ndarray, roi: Roi) -> np.ndarray:
    """Landmarks ``(N, 3)`` in the region's unit square (x, y from its top left, z in its
    scale) as frame pixels (z in pixels of the region's size)."""
    p = np.asarray(points, dtype=np.float64)
    xy = (p[:, :2] - 0.5) @ roi.matrix().T * roi.size + np.array([roi.x, roi.y])
    return np.column_stack([xy, p[:, 2] * roi.size])


def frame_roi(width: int, height: int) -> Roi:
    """The whole frame as a square region (its long side), centred: what a detector's
    letterboxed input shows (``ImageToTensorCalculator`` with ``keep_aspect_ratio``)."""
    return Roi(width / 2, height / 2, float(max(width, height)), 0.0)


def refine_with_heatmap(
    points: np.ndarray, heatmap: np.ndarray, *, kernel: int = 7, min_confidence: float = 0.5
) -> np.ndarray:
    """Landmark ``x, y`` (unit square of the model's input, ``(N, >=2)``) moved to the
    confidence-weighted mean of the heatmap around them, as MediaPipe's
    ``RefineLandmarksFromHeatmapCalculator`` does: a ``kernel`` square window (cut at the
    heatmap's edges), confidence the sigmoid of the heatmap ``(H, W, N)``, a landmark moved only
    when the window's largest confidence reaches ``min_confidence``; one outside the heatmap
    stays. Returns a new array."""
    hm = np.asarray(heatmap, dtype=np.float64)
    if hm.ndim == 4:
        hm = hm[0]
    h, w, n = hm.shape
    out = np.array(points, dtype=np.float64)
    # C's float-to-int conversion truncates toward zero, as the calculator's does.
    col = np.trunc(out[:n, 0] * w).astype(np.int64)
    row = np.trunc(out[:n, 1] * h).astype(np.int64)
    inside = (col >= 0) & (col < w) & (row >= 0) & (row < h)
    step = np.arange(kernel) - (kernel - 1) // 2
    rows = row[:, None] + step  # (n, k)
    cols = col[:, None] + step
    valid = ((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]
    values = hm[
        np.clip(rows, 0, h - 1)[:, :, None],
        np.clip(cols, 0, w - 1)[:, None, :],
        np.arange(n)[:, None, None],
    ]
    confidence = np.where(valid, np.exp(-np.logaddexp(0.0, -values)), 0.0)
    total = confidence.sum(axis=(1, 2))
    best = confidence.max(axis=(1, 2))
    moved = inside & (best >= min_confidence) & (total > 0)
    safe = np.where(total > 0, total, 1.0)
    x = (confidence * cols[:, None, :]).sum(axis=(1, 2)) / w / safe
    y = (confidence * rows[:, :, None]).sum(axis=(1, 2)) / h / safe
    out[:n, 0] = np.where(moved, x, out[:n, 0])
    out[:n, 1] = np.where(moved, y, out[:n, 1])
    return out


def rotate_world(world: np.ndarray, roi: Roi) -> np.ndarray:
    """World landmarks ``(N, 3)`` (metres) turned by the region's rotation about the vertical
    axis of the picture, as ``WorldLandmarkProjectionCalculator`` does (x and y only)."""
    p = np.array(world, dtype=np.float64)
    p[:, :2] = p[:, :2] @ roi.matrix().T
    return p


def roi_from_box(
    centre: tuple[float, float],
    width: float,
    height: float,
    rotation: float,
    *,
    scale: float,
    shift_x: float = 0.0,
    shift_y: float = 0.0,
) -> Roi:
    """A box (pixels) turned by ``rotation``, shifted by ``shift_x`` of its width and
    ``shift_y`` of its height along its own axes, squared on its long side and scaled, as
    MediaPipe's ``RectTransformationCalculator`` (``square_long``) does."""
    c, s = math.cos(rotation), math.sin(rotation)
    dx, dy = width * shift_x, height * shift_y
    x = centre[0] + (c * dx - s * dy)
    y = centre[1] + (s * dx + c * dy)
    return Roi(x, y, max(width, height) * scale, rotation)


#: The hand landmarks that give the region for the next frame (``HandLandmarksToRectCalculator``
#: takes this subset of the 21: the wrist, the thumb's first three joints and each finger's
#: first two).
HAND_ROI_LANDMARKS = (0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18)


def roi_from_hand(points: np.ndarray, *, scale: float = 2.0, shift_y: float = -0.1) -> Roi:
    """The region for the next frame from a hand's 21 landmarks (pixels, ``(21, >=2)``), as
    MediaPipe's ``HandLandmarksToRectCalculator`` then ``RectTransformationCalculator`` do: of
    :data:`HAND_ROI_LANDMARKS`, the rotation from the wrist toward the mean of the index and
    ring knuckles' midpoint and the middle knuckle, the extent along that rotation, then
    shifted, squared and scaled."""
    p = np.asarray(points, dtype=np.float64)[:, :2]
    x0, y0 = p[0]
    x1, y1 = ((p[5] + p[13]) / 2 + p[9]) / 2
    rotation = normalize_radians(math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0))
    q = p[list(HAND_ROI_LANDMARKS)]
    centre = (q.max(axis=0) + q.min(axis=0)) / 2
    c, s = math.cos(-rotation), math.sin(-rotation)
    turned = (q - centre) @ np.array([[c, -s], [s, c]]).T
    lo, hi = turned.min(axis=0), turned.max(axis=0)
    middle = (lo + hi) / 2
    c, s = math.cos(rotation), math.sin(rotation)
    box = (c * middle[0] - s * middle[1] + centre[0], s * middle[0] + c * middle[1] + centre[1])
    width, height = hi - lo
    return roi_from_box(box, width, height, rotation, scale=scale, shift_y=shift_y)


def region_to_frame(
    values: np.ndarray, roi: Roi, width: int, height: int, *, fill: float = 0.0
) -> np.ndarray:
    """A model's square output over the region ``roi`` (``(S, S)`` float, e.g. segmentation
    logits) laid back onto a ``width`` x ``height`` frame, bilinear; ``fill`` outside the
    region."""
    import cv2

    v = np.asarray(values, dtype=np.float32)
    side = v.shape[0]
    return cv2.warpAffine(
        v, roi_to_input(roi, side), (width, height), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=float(fill),
    )  # fmt: skip
