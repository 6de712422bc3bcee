"""Optical flow and its pictures: directions, directograms, impact envelopes, impacts."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vfx.ops.opticalflow import (
    DIRECTIONS,
    block_flow,
    dense_flow,
    detect_impacts,
    direction_centres,
    directogram,
    flow_colour,
    impact_envelope,
    prepare,
    rotate_field,
)


def _textured(seed: int = 0, size: tuple[int, int] = (120, 160)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cells = rng.integers(0, 256, (size[0] // 6, size[1] // 6)).astype(np.uint8)
    return cv2.GaussianBlur(cv2.resize(cells, size[::-1], interpolation=cv2.INTER_NEAREST),
                            (3, 3), 0)  # fmt: skip


@pytest.mark.parametrize(("dx", "dy", "degrees"), [(3, 0, 0.0), (0, 3, 90.0), (-2, -2, -135.0)])
def test_a_shifted_picture_flows_by_its_shift_into_its_direction_bin(
    dx: int, dy: int, degrees: float
) -> None:
    before = _textured()
    after = np.roll(before, (dy, dx), axis=(0, 1))
    flow = dense_flow(prepare(before), prepare(after))
    inner = flow[20:-20, 20:-20]
    assert np.median(inner[..., 0]) == pytest.approx(dx, abs=0.3)
    assert np.median(inner[..., 1]) == pytest.approx(dy, abs=0.3)
    hist = directogram(inner)
    assert direction_centres()[np.argmax(hist)] == pytest.approx(degrees, abs=3.7)


def test_a_smaller_flow_picture_is_thresholded_at_full_size_then_averaged_down() -> None:
    """At ``scale`` 0.5 each pixel is the share of white among the four full-size thresholded
    pixels it covers (0, 64, 128, 191 or 255), not a threshold of the smaller picture."""
    grey = _textured()
    full = prepare(grey)
    half = prepare(grey, scale=0.5)
    h, w = half.shape
    blocks = full[: 2 * h, : 2 * w].reshape(h, 2, w, 2).astype(np.float64).mean(axis=(1, 3))
    assert np.abs(half - blocks).max() <= 0.5 + 1e-9
    assert len(np.unique(half)) > 2  # grey levels, not a binary picture


def test_directogram_sums_magnitude_per_bin_like_mgt() -> None:
    flow = np.zeros((4, 5, 2), np.float32)
    flow[..., 0] = 1.0
    flow[..., 1] = 1.0  # 45 degrees, magnitude sqrt(2)
    flow[0, 0] = (-1.0, 0.0)  # 180 degrees: MGT's last bin
    hist = directogram(flow)
    assert hist.shape == (DIRECTIONS,)
    edges = np.linspace(-np.pi, np.pi, 100)
    assert hist[np.digitize(np.pi / 4, edges[:-1]) - 1] == pytest.approx(19 * np.sqrt(2))
    assert hist[-1] == pytest.approx(1.0)
    assert hist.sum() == pytest.approx(19 * np.sqrt(2) + 1)
    assert directogram(flow, weight=4.0).sum() == pytest.approx(4 * hist.sum())


def _mgt_envelope(d: np.ndarray) -> np.ndarray:
    """MGT's impact_envelope written out with a zero-padded 5x5 median, clipping (not
    zeroing) the values above the 98th percentile."""
    padded = np.pad(d, 2)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (5, 5))
    filtered = np.median(windows, axis=(2, 3))
    flux = np.zeros(d.shape)
    flux[1:] = (filtered - np.roll(filtered, 1, axis=0))[1:]
    flux[flux < 0] = 0
    env = flux.sum(axis=1)
    env = np.minimum(env, np.percentile(env, 98))
    return env / env.max()


def test_impact_envelope_matches_the_definition_written_out() -> None:
    d = np.random.default_rng(3).gamma(2.0, 50.0, (200, DIRECTIONS))
    np.testing.assert_allclose(impact_envelope(d), _mgt_envelope(d), rtol=1e-5, atol=1e-6)


def test_a_direction_switching_on_is_an_impact() -> None:
    d = np.zeros((60, DIRECTIONS))
    d[:, 10:20] = 1.0
    d[30:, 40:50] = 5.0  # motion starts in a new direction at pair 30
    env = impact_envelope(d)
    assert np.argmax(env) in (29, 30, 31)
    assert env.max() == pytest.approx(1.0)
    # Rows 1-2 rise from MGT's zero padding before the first pair; nothing else moves.
    assert env[3:28].max() == 0.0


def _mgt_impacts(env: np.ndarray, fps: float) -> list[int]:
    """MGT 1.32's impact_detection loop, as written there."""
    mean_d, max_d = int(0.1 / 2 * fps), int(0.15 / 2 * fps)
    top = env.max()
    found = []
    for i in range(max_d + 4, len(env) - max_d - 4):
        local_mean = (env[i - mean_d : i].mean() + env[i + 1 : i + 1 + mean_d].mean()) / 2
        local_max = max(env[i - max_d : i].max(), env[i + 1 : i + 1 + max_d].max())
        if env[i] > local_max and env[i] - local_mean > 0.1 * top:
            found.append(i)
    return found


@pytest.mark.parametrize("fps", [25.0, 30.0, 60.0])
def test_impacts_are_mgt_s_local_maxima(fps: float) -> None:
    env = np.random.default_rng(int(fps)).random(400) ** 3
    assert detect_impacts(env, fps).tolist() == _mgt_impacts(env, fps)


def test_too_low_a_rate_finds_no_impacts_rather_than_failing() -> None:
    assert detect_impacts(np.random.default_rng(0).random(50), 10.0).size == 0


def test_flow_colour_hue_is_direction_and_a_still_frame_is_dark() -> None:
    flow = np.zeros((2, 3, 2), np.float32)
    flow[0, 0] = (4, 0)  # rightwards: red
    flow[0, 1] = (-4, 0)  # leftwards: cyan
    flow[0, 2] = (0.1, 0)  # tiny: dark (the floor is 1 pixel)
    rgb = flow_colour(flow)
    assert tuple(rgb[0, 0]) == (255, 0, 0)
    assert rgb[0, 1, 0] == 0 and rgb[0, 1, 1] == rgb[0, 1, 2] == 255
    assert rgb[0, 2].max() < 32
    assert rgb[1].max() == 0


def _vectors(rows: list[tuple[int, int, int, int, int]]) -> np.ndarray:
    from vfx.io.video.reader import _MV_DTYPE

    v = np.zeros(len(rows), _MV_DTYPE)
    for k, (source, dst_x, dst_y, motion_x, motion_y) in enumerate(rows):
        v[k] = (source, 16, 16, dst_x + motion_x // 4, dst_y + motion_y // 4, dst_x, dst_y, 0,
                motion_x, motion_y, 4)  # fmt: skip
    return v


def test_codec_vectors_point_forwards_in_time_per_frame_of_distance() -> None:
    # A past reference two frames back, the block's pixels were 4 px to the left there
    # (motion_x -16 / scale 4): the content moved right 2 px per frame. A future reference:
    # they will be 3 px lower, 1 frame ahead.
    field, weight = block_flow(
        _vectors([(-1, 8, 8, -16, 0), (1, 24, 8, 0, 12)]), 32, 16, past=2, future=1
    )
    assert field.shape == (1, 2, 2)
    np.testing.assert_allclose(field[0, 0], (2.0, 0.0))
    np.testing.assert_allclose(field[0, 1], (0.0, 3.0))
    np.testing.assert_allclose(weight, [[256, 256]])


def test_rotating_a_field_turns_its_vectors_with_the_picture() -> None:
    field = np.zeros((2, 3, 2), np.float32)
    field[0, 2] = (1.0, 0.0)  # top right, moving right
    turned = rotate_field(field, 90)  # as np.rot90 turns the picture: top right -> top left
    assert turned.shape == (3, 2, 2)
    np.testing.assert_allclose(turned[0, 0], (0.0, -1.0))  # rightwards becomes upwards
    assert rotate_field(field, 0) is field
