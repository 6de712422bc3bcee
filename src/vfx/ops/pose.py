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
    "LANDMARK_INPUT",
    "Roi",
    "decode_landmarks",
    "normalize_radians",
    "project_landmarks",
    "roi_from_keypoints",
    "roi_to_input",
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
