"""``vfx.ops.landmarks``: the region of interest, the crop's map, landmark decoding and projection,
against cases worked out by hand from MediaPipe's calculators."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vfx.ops.landmarks import (
    HAND_ROI_LANDMARKS,
    Roi,
    cut_region,
    decode_landmarks,
    frame_roi,
    normalize_radians,
    project_landmarks,
    refine_with_heatmap,
    roi_from_box,
    roi_from_hand,
    roi_from_keypoints,
    roi_to_input,
    rotate_world,
)


def test_an_upright_body_has_no_rotation() -> None:
    roi = roi_from_keypoints((100, 200), (100, 100))  # the scale point straight above the hips
    assert (roi.x, roi.y) == (100, 200)
    assert roi.size == pytest.approx(2 * 100 * 1.25) and roi.rotation == pytest.approx(0)


@pytest.mark.parametrize(
    ("toward", "rotation"),
    [((200, 200), math.pi / 2), ((0, 200), -math.pi / 2), ((100, 300), -math.pi)],
)
def test_a_turned_body_turns_its_region(toward: tuple[int, int], rotation: float) -> None:
    """Lying with the head to the right: the region turns a quarter clockwise on screen."""
    roi = roi_from_keypoints((100, 200), toward, scale=1.0)
    assert roi.size == pytest.approx(200) and roi.rotation == pytest.approx(rotation)
    # the region's "up" (its top middle) lies toward the scale point
    top = project_landmarks(np.array([[0.5, 0.0, 0.0]]), roi)[0]
    direction = np.subtract(toward, (100, 200)) / 100
    assert np.allclose(top[:2], np.array([100, 200]) + direction * 100)


def test_projection_by_hand() -> None:
    roi = Roi(x=50.0, y=80.0, size=40.0, rotation=math.pi / 2)
    points = np.array([[0.5, 0.5, 0.1], [1.0, 0.5, 0.0], [0.5, 0.0, -0.2]])
    out = project_landmarks(points, roi)
    # the centre stays; the region's right (+x) is the frame's down (+y) when turned pi/2
    assert np.allclose(out, [[50, 80, 4], [50, 100, 0], [70, 80, -8]])


def test_the_crop_map_sends_the_input_onto_the_region() -> None:
    roi = Roi(x=300.0, y=200.0, size=128.0, rotation=math.pi / 2)
    m = roi_to_input(roi, side=256)
    corners = np.array([[128, 128, 1], [256, 128, 1], [128, 0, 1]], dtype=float)
    assert np.allclose(corners @ m.T, [[300, 200], [300, 264], [364, 200]])
    # and agrees with the projection of the same points
    unit = corners[:, :2] / 256
    assert np.allclose(corners @ m.T, project_landmarks(np.column_stack([unit, [0, 0, 0]]),
                                                         roi)[:, :2])  # fmt: skip


@pytest.mark.parametrize("rotation", [0.0, math.pi / 2, -0.4])
def test_the_crop_samples_at_points_rounded_to_a_32nd_of_a_pixel(rotation: float) -> None:
    """On a ramp whose level is 6 x the column, MediaPipe's crop (OpenCV 3.4's
    ``warpPerspective``) gives 6 x the sampling point's column rounded to 1/32 pixel, then
    rounded half up; sampling at the exact point (OpenCV 4.11 and later) differs in places."""
    import cv2

    ramp = np.tile((6 * np.arange(42)).astype(np.uint8), (40, 1))
    image = np.dstack([ramp] * 3)
    roi, side = Roi(20.37, 19.81, 13.3, rotation), 97
    out = cut_region(image, roi, side, border=cv2.BORDER_REPLICATE)
    m = roi_to_input(roi, side)  # output pixel -> frame point, tested above
    u, v = np.meshgrid(np.arange(side), np.arange(side))
    column = m[0, 0] * u + m[0, 1] * v + m[0, 2]
    expected = np.floor(6 * np.rint(32 * column) / 32 + 0.5)
    assert np.array_equal(out[..., 0], expected) and np.array_equal(out[..., 2], expected)
    assert (np.rint(6 * column) != expected).sum() >= 5


def test_decoding_by_hand() -> None:
    raw = np.zeros(195, np.float32)
    raw[:5] = (128, 64, -25.6, 0.0, 2.0)
    raw[5 * 32 : 5 * 32 + 5] = (256, 256, 0, -1000, 1000)  # extreme logits: no overflow
    out = decode_landmarks(raw)
    assert out.shape == (33, 5)
    assert np.allclose(out[0], [0.5, 0.25, -0.1, 0.5, 1 / (1 + math.exp(-2))])
    assert np.allclose(out[32], [1, 1, 0, 0, 1])


def test_angles_wrap_into_one_turn() -> None:
    assert normalize_radians(math.pi) == pytest.approx(-math.pi)
    assert normalize_radians(-3 * math.pi / 2) == pytest.approx(math.pi / 2)
    assert normalize_radians(0.25) == pytest.approx(0.25)


@pytest.mark.media
def test_detector_region_and_landmarks_on_the_dancer() -> None:
    """The whole chain on a frame of MGT's dancer: BlazePose's detector, the region from its
    key points, the crop through the map, the landmark model, decoding and projection give a
    standing body inside the figure a blue-screen rule finds: nose above hips above ankles."""
    import cv2

    from dancer import detect_dancer
    from vfx.io.models import Model
    from vfx.ops.landmarks import LANDMARK_INPUT

    dancer = detect_dancer()
    image = dancer.image
    (_, points, _), *_ = dancer.detections
    keypoints = points * dancer.side - dancer.offset  # back from the padded square
    roi = roi_from_keypoints(tuple(keypoints[0]), tuple(keypoints[1]))
    crop = cut_region(image, roi, LANDMARK_INPUT, border=cv2.BORDER_REPLICATE)
    result = Model("pose_landmark_full").run((crop.astype(np.float32) / 255.0)[None])
    landmarks = decode_landmarks(next(v for v in result.values() if v.size == 195))
    body = project_landmarks(landmarks[:, :3], roi)
    nose, hips, ankles = body[0], body[[23, 24]].mean(axis=0), body[[27, 28]].mean(axis=0)
    assert nose[1] < hips[1] < ankles[1]
    assert landmarks[[0, 23, 24], 3].min() > 0.9  # visible
    x0, y0, x1, y1 = dancer.figure()
    for point in (nose, hips, ankles):
        assert x0 - 10 < point[0] < x1 + 10 and y0 - 10 < point[1] < y1 + 10


def test_heatmap_refinement_by_hand() -> None:
    """One landmark on a 8x8 heatmap: the window's confidence-weighted mean of the cells'
    indices over the side (the calculator's convention, no half-pixel shift); another whose
    window is not confident enough stays; one outside the heatmap stays."""
    hm = np.full((8, 8, 3), -20.0)  # sigmoid ~ 0 everywhere
    hm[2, 5, 0], hm[3, 5, 0] = 20.0, 0.0  # confidences 1 and 0.5 at (col 5, rows 2 and 3)
    hm[4, 4, 1] = -1.0  # best confidence 0.27 < 0.5: not moved
    points = np.array([[0.6, 0.3, 0.1], [0.5, 0.5, 0.0], [1.2, 0.5, 0.0]])
    out = refine_with_heatmap(points, hm, kernel=3)
    assert out[0, 0] == pytest.approx(5 / 8, abs=1e-6)
    assert out[0, 1] == pytest.approx((2 * 1 + 3 * 0.5) / 1.5 / 8, abs=1e-6)
    assert out[0, 2] == 0.1  # z untouched
    assert np.array_equal(out[1:], points[1:])


def test_a_box_region_shifts_along_its_own_axes() -> None:
    # turned a quarter clockwise, the box's "up" (negative y) is the frame's +x
    roi = roi_from_box((100, 100), 40, 20, math.pi / 2, scale=2.0, shift_y=-0.5)
    assert (roi.x, roi.y) == pytest.approx((110, 100))
    assert roi.size == pytest.approx(80) and roi.rotation == pytest.approx(math.pi / 2)


def test_the_hand_region_follows_the_hand() -> None:
    """An upright open hand (wrist at the bottom): no rotation, the region centred a little
    above the knuckles' box, twice its long side."""
    hand = np.zeros((21, 2))
    hand[0] = (50, 100)  # wrist
    for k, x in zip((1, 5, 9, 13, 17), (30, 40, 50, 60, 70), strict=True):
        hand[k : k + 4] = [(x, 80 - 10 * j) for j in range(4)]
    roi = roi_from_hand(hand)
    assert roi.rotation == pytest.approx(0, abs=1e-9)
    rows = hand[list(HAND_ROI_LANDMARKS)]
    height = rows[:, 1].max() - rows[:, 1].min()
    width = rows[:, 0].max() - rows[:, 0].min()
    assert roi.size == pytest.approx(2 * max(width, height))
    assert roi.x == pytest.approx(50) and roi.y == pytest.approx(
        (rows[:, 1].max() + rows[:, 1].min()) / 2 - 0.1 * height
    )


def test_world_landmarks_turn_with_the_region() -> None:
    world = np.array([[1.0, 0.0, 0.3]])
    out = rotate_world(world, Roi(0, 0, 1, math.pi / 2))
    assert np.allclose(out, [[0.0, 1.0, 0.3]])


def test_the_whole_frame_is_a_centred_square() -> None:
    assert frame_roi(640, 480) == Roi(320, 240, 640, 0.0)
