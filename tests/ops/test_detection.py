"""``vfx.ops.detection``: MediaPipe's SSD anchors, box decoding and weighted NMS, checked
against values worked out by hand from its calculators' definitions, and BlazePose's
detector on a real dancer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vfx.ops.detection import POSE_DETECTOR, DetectorSpec, anchors, decode, iou, weighted_nms


def test_pose_anchors_by_hand() -> None:
    a = anchors(POSE_DETECTOR)
    # 28x28 cells of stride 8 and 14x14 of stride 16, two anchors each; the three stride-32
    # layers merged: 7x7 cells of six anchors
    assert a.shape == (28 * 28 * 2 + 14 * 14 * 2 + 7 * 7 * 6, 4) == (2254, 4)
    assert np.allclose(a[0], [0.5 / 28, 0.5 / 28, 1, 1]) and np.allclose(a[1], a[0])
    assert np.allclose(a[2], [1.5 / 28, 0.5 / 28, 1, 1])  # x runs fastest
    assert np.allclose(a[1568], [0.5 / 14, 0.5 / 14, 1, 1])  # the first of stride 16
    assert np.allclose(a[1960:1966, :2], [[0.5 / 7, 0.5 / 7]] * 6)  # six per stride-32 cell
    assert np.allclose(a[-1], [6.5 / 7, 6.5 / 7, 1, 1])


def test_anchor_sizes_when_not_fixed() -> None:
    spec = DetectorSpec(input_size=32, strides=(8, 16), min_scale=0.2, max_scale=0.8,
                        num_keypoints=0, fixed_anchor_size=False)  # fmt: skip
    a = anchors(spec)
    assert a.shape == (4 * 4 * 2 + 2 * 2 * 2, 4)
    # layer 0: scale 0.2 (aspect 1), and the geometric mean of 0.2 and the next scale, 0.8
    assert np.allclose(a[0, 2:], [0.2, 0.2]) and np.allclose(a[1, 2:], [0.4, 0.4])
    # the last layer's interpolated anchor uses 1.0 as the next scale: sqrt(0.8)
    assert np.allclose(a[-1, 2:], [math.sqrt(0.8)] * 2) and np.allclose(a[-2, 2:], [0.8, 0.8])


def test_decoding_by_hand() -> None:
    spec = POSE_DETECTOR
    a = anchors(spec)
    raw = np.zeros((1, a.shape[0], 12), np.float32)
    logits = np.full((1, a.shape[0], 1), -10.0, np.float32)
    i = 1600  # an anchor of stride 16: centre (a[i, 0], a[i, 1])
    # centre 22.4 px right and 11.2 px down of the anchor, 44.8 x 67.2 px; key points
    raw[0, i, :4] = (22.4, 11.2, 44.8, 67.2)
    raw[0, i, 4:] = (0, 0, 224, 0, 0, -22.4, 11.2, 11.2)
    logits[0, i] = 0.0  # sigmoid 0.5: kept (>= 0.5)
    logits[0, 7] = -0.01  # just under: dropped
    logits[0, 9] = 300.0  # clipped to 100 first: kept with a score of 1
    boxes, points, scores = decode(raw, logits, a, spec)
    assert scores.tolist() == [1.0, 0.5]
    cx, cy = a[i, 0] + 0.1, a[i, 1] + 0.05
    assert np.allclose(boxes[1], [cx - 0.1, cy - 0.15, cx + 0.1, cy + 0.15])
    assert np.allclose(points[1], a[i, :2] + np.array([[0, 0], [1, 0], [0, -0.1], [0.05, 0.05]]))
    assert np.allclose(boxes[0], [a[9, 0], a[9, 1], a[9, 0], a[9, 1]])  # all-zero offsets


def test_weighted_nms_by_hand() -> None:
    boxes = np.array([[0, 0, 1, 1], [0.1, 0, 1.1, 1], [5, 5, 6, 6], [0.95, 0, 1.95, 1]])
    points = np.array([[[0.5, 0.5]], [[0.8, 0.5]], [[5.5, 5.5]], [[1.5, 0.5]]])
    scores = np.array([0.9, 0.6, 0.7, 0.8])
    assert np.isclose(iou(boxes[0], boxes[1:2])[0], 0.9 / 1.1)
    out = weighted_nms(boxes, points, scores, 0.3)
    # the first box takes the second (IoU 0.82) but not the fourth (IoU 0.05/1.95)
    (box, pts, score), (box2, _, score2), (box3, _, score3) = out
    assert score == 0.9 and np.allclose(box, [0.04, 0, 1.04, 1])
    assert np.allclose(pts, [[(0.5 * 0.9 + 0.8 * 0.6) / 1.5, 0.5]])
    assert (score2, score3) == (0.8, 0.7)
    assert np.allclose(box2, boxes[3]) and np.allclose(box3, boxes[2])


@pytest.mark.media
def test_the_pose_detector_finds_the_dancer() -> None:
    """One person on a frame of MGT's dancer clip, inside the figure that a plain blue-screen
    rule finds, hips below the face."""
    from dancer import detect_dancer

    dancer = detect_dancer()
    assert len(dancer.detections) == 1
    box, points, score = dancer.detections[0]
    assert score > 0.9
    x0, y0, x1, y1 = dancer.figure()
    fig = (np.array([x0, y0, x1, y1]) + np.tile(dancer.offset, 2)) / dancer.side
    centre = (box[:2] + box[2:]) / 2
    assert fig[0] < centre[0] < fig[2] and fig[1] < centre[1] < fig[3]
    hips, face = points[0], points[2]
    assert fig[0] < hips[0] < fig[2] and hips[1] > face[1]


def test_palm_anchors_by_hand() -> None:
    """MediaPipe's palm detector: 24x24 cells of 2 anchors, then 12x12 cells of 6 (three layers
    of stride 16), fixed size, centred in their cells."""
    from vfx.ops.detection import PALM_DETECTOR

    a = anchors(PALM_DETECTOR)
    assert a.shape == (2016, 4)
    assert np.allclose(a[0], [0.5 / 24, 0.5 / 24, 1, 1]) and np.allclose(a[1], a[0])
    assert np.allclose(a[2 * 24 * 24], [0.5 / 12, 0.5 / 12, 1, 1])
    assert np.allclose(a[-1], [11.5 / 12, 11.5 / 12, 1, 1])
