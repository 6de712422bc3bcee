"""Motion images, profiles, motion history and statistics on tiny arrays."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from vfx.ops.motiongram import (
    MotionHistory,
    Profiles,
    batch_stats,
    motion_image,
    motion_stats,
    profile_sums,
    stats_from_sums,
    threshold_level,
)


def test_threshold_applies_to_the_difference_not_the_frame() -> None:
    bright = np.full((2, 2), 250, np.uint8)
    brighter = bright.copy()
    brighter[0, 0] = 255  # a difference of 5: below 5 % of full scale (12.75)
    brighter[1, 1] = 200  # a difference of 50
    m = motion_image(bright, brighter, threshold=0.05)
    assert m.tolist() == [[0, 0], [0, 50]]
    assert motion_image(bright, brighter, threshold=0.05, binary=True).tolist() == [
        [0, 0],
        [0, 255],
    ]
    assert threshold_level(0.05) == 13 and threshold_level(0) == 0


def test_median_removes_single_pixel_noise() -> None:
    a = np.zeros((9, 9), np.uint8)
    b = a.copy()
    b[4, 4] = 255  # one hot pixel
    b[0:5, 6:9] = 255  # a real moving block
    m = motion_image(a, b, threshold=0.0, median=3)
    assert m[4, 4] == 0 and m[2, 7] == 255


def test_stats_by_hand() -> None:
    m = np.zeros((10, 20), np.uint8)
    m[2:4, 5:9] = 255  # 8 pixels
    s = motion_stats(m)
    assert s["qom"] == pytest.approx(8 / 200)
    assert s["centroid_x"] == pytest.approx((6.5 + 0.5) / 20)
    assert s["centroid_y"] == pytest.approx((2.5 + 0.5) / 10)
    assert (s["bbox_x0"], s["bbox_y0"], s["bbox_x1"], s["bbox_y1"]) == (0.25, 0.2, 0.45, 0.4)
    empty = motion_stats(np.zeros((4, 4), np.uint8))
    assert empty["qom"] == 0 and np.isnan(empty["centroid_x"])


def test_profiles_axes() -> None:
    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    p = Profiles()
    p.update(img)
    p.update(img * 2)
    time_x, time_y = p.result()
    assert time_x.shape == (3, 2) and time_y.shape == (2, 4)
    np.testing.assert_allclose(time_x[:, 0], img.mean(axis=1))
    np.testing.assert_allclose(time_y[1], (img * 2).mean(axis=0))


def test_colour_profiles() -> None:
    img = np.random.default_rng(0).integers(0, 255, (5, 7, 3), dtype=np.uint8)
    p = Profiles()
    p.update(img)
    time_x, time_y = p.result()
    assert time_x.shape == (5, 1, 3) and time_y.shape == (1, 7, 3)
    np.testing.assert_allclose(time_x[:, 0], img.mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(time_y[0], img.mean(axis=0), rtol=1e-6)


def test_profiles_stay_bounded(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="vfx")
    p = Profiles(max_length=8)
    for v in range(21):
        p.update(np.full((2, 2), v, np.uint8))
    _, time_y = p.result()
    assert p.factor == 4 and time_y.shape[0] <= 8
    # each line averages `factor` consecutive frames: 0..3 -> 1.5, 4..7 -> 5.5, ...
    assert time_y[:, 0].tolist()[:3] == [1.5, 5.5, 9.5]
    assert any("averaging neighbouring frames" in r.getMessage() for r in caplog.records)


def test_profiles_of_many_frames_are_each_frames_means() -> None:
    """Past a block of frames (their sums become means a block at a time), and with float
    frames in between, every profile is still its own frame's mean, in order."""
    rng = np.random.default_rng(2)
    frames = rng.integers(0, 256, (Profiles.BLOCK * 2 + 5, 4, 6), dtype=np.uint8)
    p = Profiles()
    for i, frame in enumerate(frames):
        p.update(frame.astype(np.float32) if i == Profiles.BLOCK + 3 else frame)
    assert p.count == len(frames)
    time_x, time_y = p.result()
    assert time_x.shape == (4, len(frames)) and time_y.shape == (len(frames), 6)
    np.testing.assert_allclose(time_x, frames.mean(axis=2).T, rtol=1e-6)
    np.testing.assert_allclose(time_y, frames.mean(axis=1), rtol=1e-6)


def test_motion_history_decays() -> None:
    h = MotionHistory(decay=0.5)
    first = np.array([[200, 0]], np.uint8)
    h.update(first)
    out = h.update(np.array([[0, 80]], np.uint8))
    assert out.tolist() == [[100.0, 80.0]]
    with pytest.raises(ValueError):
        MotionHistory(decay=1.5)


def test_profile_sums_are_exact_integer_sums() -> None:
    img = np.random.default_rng(1).integers(0, 256, (6, 9, 3), dtype=np.uint8)
    columns, rows = profile_sums(img)
    assert columns.shape == (9, 3) and rows.shape == (6, 3)
    np.testing.assert_array_equal(columns, img.sum(axis=0, dtype=np.int64))
    np.testing.assert_array_equal(rows, img.sum(axis=1, dtype=np.int64))
    grey_columns, grey_rows = profile_sums(img[..., 0])
    np.testing.assert_array_equal(grey_columns[:, 0], img[..., 0].sum(axis=0))
    np.testing.assert_array_equal(grey_rows[:, 0], img[..., 0].sum(axis=1))


def test_colour_stats_weight_by_luma_and_box_any_channel() -> None:
    m = np.zeros((4, 10, 3), np.uint8)
    m[1, 2] = (255, 0, 0)  # red: luma weight 0.299
    m[2, 7] = (0, 0, 255)  # blue: luma weight 0.114
    m[3, 9, 2] = 1  # faint blue motion: inside the box, almost no weight
    s = motion_stats(m)
    weights = {(1, 2): 0.299 * 255, (2, 7): 0.114 * 255, (3, 9): 0.114}
    total = sum(weights.values())
    cx = sum(w * (x + 0.5) for (_, x), w in weights.items()) / total / 10
    cy = sum(w * (y + 0.5) for (y, _), w in weights.items()) / total / 4
    assert s["centroid_x"] == pytest.approx(cx) and s["centroid_y"] == pytest.approx(cy)
    assert s["qom"] == pytest.approx((255 + 255 + 1) / (4 * 10 * 3 * 255))
    assert (s["bbox_x0"], s["bbox_y0"], s["bbox_x1"], s["bbox_y1"]) == (0.2, 0.25, 1.0, 1.0)
    assert stats_from_sums(*profile_sums(m)) == s


@pytest.mark.parametrize("channels", [1, 3])
def test_batch_stats_equal_the_stats_of_each_image(channels: int) -> None:
    rng = np.random.default_rng(7)
    images = [np.zeros((5, 8, 3), np.uint8)]  # no motion: NaN centroid and box
    for _ in range(4):
        img = np.zeros((5, 8, 3), np.uint8)
        y, x = rng.integers(0, 4), rng.integers(0, 7)
        img[y : y + 2, x : x + 2] = rng.integers(1, 256, (2, 2, 3))
        images.append(img)
    if channels == 1:
        images = [img[..., 0] for img in images]
    sums = [profile_sums(img) for img in images]
    batch = batch_stats(np.stack([c for c, _ in sums]), np.stack([r for _, r in sums]))
    for i, img in enumerate(images):
        single = motion_stats(img)
        for key, value in single.items():
            assert batch[key][i] == pytest.approx(value, rel=1e-12, nan_ok=True), (i, key)
    assert np.isnan(batch["centroid_x"][0]) and batch["qom"][0] == 0.0
    assert not np.isnan(batch["bbox_x1"][1:]).any()
