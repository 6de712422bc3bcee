"""``vfx.ops.skeleton``: the names and bones, drawing, and speeds."""

from __future__ import annotations

import numpy as np
import pytest

from vfx.ops.skeleton import (
    BODY_BONES,
    BODY_LANDMARKS,
    BODY_PARTS,
    HAND_BONES,
    HAND_LANDMARKS,
    LEFT,
    RIGHT,
    draw_skeleton,
    speeds,
)


def test_the_tables_are_mediapipes() -> None:
    assert len(BODY_LANDMARKS) == 33 and len(set(BODY_LANDMARKS)) == 33
    assert len(BODY_BONES) == 35 and len(HAND_LANDMARKS) == 21 and len(HAND_BONES) == 21
    assert all(0 <= a < 33 and 0 <= b < 33 for a, b in BODY_BONES)
    assert BODY_LANDMARKS[15] == "left_wrist" and BODY_LANDMARKS[28] == "right_ankle"
    assert sorted(i for ix in BODY_PARTS.values() for i in ix) == list(range(33))


def test_left_and_right_are_drawn_in_their_colours() -> None:
    image = np.zeros((200, 200, 3), np.uint8)
    body = np.zeros((33, 4))
    body[:, :2] = (100, 100)
    body[:, 3] = 1.0
    body[11, :2], body[13, :2] = (60, 40), (60, 160)  # left shoulder to left elbow
    body[12, :2], body[14, :2] = (140, 40), (140, 160)  # right shoulder to right elbow
    draw_skeleton(image, body, thickness=3)
    assert tuple(image[100, 60]) == LEFT and tuple(image[100, 140]) == RIGHT
    faded = body.copy()
    faded[[11, 13], 3] = 0.0  # hidden: drawn toward grey
    dim = draw_skeleton(np.zeros_like(image), faded, thickness=3)
    assert dim[100, 60].max() < max(LEFT) * 0.5


def test_speeds_by_hand() -> None:
    before = np.array([[0.0, 0.0], [1.0, 1.0], [np.nan, 0.0]])
    after = np.array([[3.0, 4.0], [1.0, 1.0], [0.0, 0.0]])
    out = speeds(before, after, 0.04)
    assert out[0] == pytest.approx(125.0) and out[1] == 0.0 and np.isnan(out[2])
    assert np.isnan(speeds(before, after, 0.0)).all()
