"""What turns a single-shot detector's raw output into detections, as MediaPipe's graphs do it:
SSD anchors (``SsdAnchorsCalculator``), box and key-point decoding against them
(``TensorsToDetectionsCalculator``) and weighted non-maximum suppression
(``NonMaxSuppressionCalculator``, ``WEIGHTED``). Pure functions over numpy arrays.

Coordinates are relative to the model's input square (0 to 1). Boxes are
``(xmin, ymin, xmax, ymax)``; key points ``(x, y)`` pairs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "FACE_CHECKER",
    "FACE_DETECTOR",
    "PALM_DETECTOR",
    "POSE_DETECTOR",
    "DetectorSpec",
    "anchors",
    "decode",
    "iou",
    "weighted_nms",
]


@dataclass(frozen=True)
class DetectorSpec:
    """A detector's anchors and decoding, with the option names of MediaPipe's calculators."""

    input_size: int
    strides: tuple[int, ...]
    min_scale: float
    max_scale: float
    num_keypoints: int
    #: ``reverse_output_order``: x before y, width before height
    xy_order: bool = True
    anchor_offset: float = 0.5
    aspect_ratios: tuple[float, ...] = (1.0,)
    interpolated_scale_aspect_ratio: float = 1.0
    fixed_anchor_size: bool = True
    score_clipping: float = 100.0
    min_score: float = 0.5
    min_suppression: float = 0.3


#: BlazePose's person detector (``pose_detection_cpu.pbtxt`` of MediaPipe 0.10): 2254 anchors
#: on a 224 pixel square, a box and 4 key points (hip centre, a point that with it gives the
#: body's size and rotation, the face centre and a point above the head).
POSE_DETECTOR = DetectorSpec(
    input_size=224,
    strides=(8, 16, 32, 32, 32),
    min_scale=0.1484375,
    max_scale=0.75,
    num_keypoints=4,
)

#: MediaPipe's palm detector (``palm_detection_cpu.pbtxt``): 2016 anchors on a 192 pixel
#: square, a box and 7 key points (0 the wrist's centre, 2 the middle finger's knuckle).
PALM_DETECTOR = DetectorSpec(
    input_size=192,
    strides=(8, 16, 16, 16),
    min_scale=0.1484375,
    max_scale=0.75,
    num_keypoints=7,
)


#: MediaPipe's full-range face detector (``face_detection_full_range.pbtxt``, the sparse model):
#: one layer of 48 x 48 anchors on a 192 pixel square, a box and 6 key points (the eyes, the
#: nose tip, the mouth's centre, the ear tragions), scores from 0.6.
FACE_DETECTOR = DetectorSpec(
    input_size=192,
    strides=(4,),
    min_scale=0.1484375,
    max_scale=0.75,
    num_keypoints=6,
    interpolated_scale_aspect_ratio=0.0,
    min_score=0.6,
)


#: MediaPipe's short-range face detector (``face_detection_short_range.pbtxt``): 896 anchors on
#: a 128 pixel square. vfx runs it on a candidate face cut out at two and a half times its size,
#: as a second opinion.
FACE_CHECKER = DetectorSpec(
    input_size=128,
    strides=(8, 16, 16, 16),
    min_scale=0.1484375,
    max_scale=0.75,
    num_keypoints=6,
    min_score=0.05,
)


def _scale(spec: DetectorSpec, index: int) -> float:
    n = len(spec.strides)
    if n == 1:
        return (spec.min_scale + spec.max_scale) * 0.5
    return spec.min_scale + (spec.max_scale - spec.min_scale) * index / (n - 1.0)


def anchors(spec: DetectorSpec) -> np.ndarray:
    """The anchors ``(x_center, y_center, w, h)``, ``float32 (N, 4)``, in the detector's order.

    Layers of one stride are merged, their anchors interleaved per cell (as the calculator
    does); each layer has one anchor per aspect ratio, plus one of the interpolated scale.

    >>> anchors(POSE_DETECTOR).shape
    (2254, 4)
    """
    out: list[tuple[float, float, float, float]] = []
    layer = 0
    n = len(spec.strides)
    while layer < n:
        sizes: list[tuple[float, float]] = []
        last = layer
        while last < n and spec.strides[last] == spec.strides[layer]:
            scale = _scale(spec, last)
            for ratio in spec.aspect_ratios:
                sizes.append((scale * math.sqrt(ratio), scale / math.sqrt(ratio)))
            if spec.interpolated_scale_aspect_ratio > 0:
                following = 1.0 if last == n - 1 else _scale(spec, last + 1)
                ratio = spec.interpolated_scale_aspect_ratio
                both = math.sqrt(scale * following)
                sizes.append((both * math.sqrt(ratio), both / math.sqrt(ratio)))
            last += 1
        cells = math.ceil(spec.input_size / spec.strides[layer])
        for y in range(cells):
            for x in range(cells):
                for w, h in sizes:
                    cx = (x + spec.anchor_offset) / cells
                    cy = (y + spec.anchor_offset) / cells
                    out.append((cx, cy, 1.0, 1.0) if spec.fixed_anchor_size else (cx, cy, w, h))
        layer = last
    return np.asarray(out, dtype=np.float32)


def decode(
    raw: np.ndarray, raw_scores: np.ndarray, anchor: np.ndarray, spec: DetectorSpec
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes ``(N, 4)``, key points ``(N, K, 2)`` and scores ``(N,)`` of the anchors whose
    score reaches ``spec.min_score``.

    ``raw`` is the detector's ``(1, N, 4 + 2K)`` (or ``(N, 4 + 2K)``) regression output,
    ``raw_scores`` its ``(1, N, 1)`` logits. A box's centre and each key point are offsets
    from the anchor's centre in input pixels, scaled by the anchor's size; scores are the
    sigmoid of the logits clipped to ``±score_clipping``.
    """
    size = float(spec.input_size)
    values = np.asarray(raw, dtype=np.float64).reshape(anchor.shape[0], -1)
    logits = np.asarray(raw_scores, dtype=np.float64).reshape(-1)
    logits = np.clip(logits, -spec.score_clipping, spec.score_clipping)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = scores >= spec.min_score
    values, a, scores = values[keep], anchor[keep].astype(np.float64), scores[keep]
    order = (0, 1, 2, 3) if spec.xy_order else (1, 0, 3, 2)
    cx = values[:, order[0]] / size * a[:, 2] + a[:, 0]
    cy = values[:, order[1]] / size * a[:, 3] + a[:, 1]
    w = values[:, order[2]] / size * a[:, 2]
    h = values[:, order[3]] / size * a[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    k = spec.num_keypoints
    points = values[:, 4 : 4 + 2 * k].reshape(-1, k, 2)
    if not spec.xy_order:
        points = points[:, :, ::-1]
    points = points / size * a[:, None, 2:4] + a[:, None, 0:2]
    return boxes, points, scores


def iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Intersection over union of ``box`` ``(4,)`` with each of ``others`` ``(M, 4)``; 0 where
    they do not overlap."""
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    union = area + areas - inter
    return np.where((inter > 0) & (union > 0), inter / np.where(union > 0, union, 1), 0.0)


def weighted_nms(
    boxes: np.ndarray, points: np.ndarray, scores: np.ndarray, threshold: float
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """MediaPipe's weighted non-maximum suppression, best first.

    The best remaining detection and every remaining one overlapping it by more than
    ``threshold`` (IoU, itself included) become one detection: box corners and key points
    averaged with the scores as weights, the best one's score kept.
    """
    order = np.argsort(-scores, kind="stable")
    out: list[tuple[np.ndarray, np.ndarray, float]] = []
    while order.size:
        best = order[0]
        overlap = iou(boxes[best], boxes[order]) > threshold
        overlap[0] = True  # the best box is its own candidate, even when it has no area
        group, order = order[overlap], order[~overlap]
        weights = scores[group][:, None]
        total = float(weights.sum())
        box = (boxes[group] * weights).sum(axis=0) / total
        pts = (points[group] * weights[:, :, None]).sum(axis=0) / total
        out.append((box, pts, float(scores[best])))
    return out
