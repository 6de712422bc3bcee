"""Difference masks: ImageMagick's kernel and chain, on frames with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from images import textured, with_square
from vfx.ops.subtraction import (
    apply_mask,
    blur_kernel,
    difference_mask,
    gaussian_blur,
    mask_to_uint8,
    threshold,
)


def test_kernel_is_imagemagicks() -> None:
    k = blur_kernel(3.0)
    # ImageMagick 6 Q16 blurs an impulse with -blur 0x3 into these 16-bit values.
    expected = [3, 11, 35, 100, 255, 583, 1194, 2189, 3594, 5286, 6963, 8214, 8679]
    assert np.round(k[:13] * 65535).astype(int).tolist() == expected
    assert k.size == 25 and k.sum() == pytest.approx(1.0)
    assert np.allclose(k, k[::-1])
    assert blur_kernel(1.0).size == 9
    assert blur_kernel(3.0, radius=2).size == 5


def test_mask_covers_the_square_and_nothing_beyond_the_blur() -> None:
    bg = textured()
    frame = with_square(bg, 40, 60)  # rows 40-79, columns 60-99
    mask = difference_mask(frame, bg)
    assert mask[48:72, 68:92].min() > 0.99  # the square, away from its blurred edge
    reach = blur_kernel(3.0).size  # two blurs of half-width 12 each
    yy, xx = np.mgrid[: mask.shape[0], : mask.shape[1]]
    far = (yy < 40 - reach) | (yy >= 80 + reach) | (xx < 60 - reach) | (xx >= 100 + reach)
    assert mask[far].max() == 0.0
    assert 0.8 * 1600 < mask.sum() < 1.3 * 1600


def test_identical_frames_have_an_empty_mask() -> None:
    bg = textured()
    assert difference_mask(bg, bg).max() == 0.0


def test_threshold_is_on_intensity_above_the_level() -> None:
    bg = np.zeros((8, 8, 3), np.uint8)
    frame = bg.copy()
    frame[:, :4] = (0, 0, 150)  # blue: luma 10.8 of 255, under 5% (12.75)
    frame[:, 4:] = (0, 18, 0)  # green: luma 12.87, just over 5%
    m = difference_mask(frame, bg, blur1=0, blur2=0)
    assert m[:, :4].max() == 0.0 and m[:, 4:].min() == 1.0


def test_sixteen_bit_frames_work_in_the_same_units() -> None:
    bg = textured()
    frame = with_square(bg, 50, 70)
    m8 = difference_mask(frame, bg)
    m16 = difference_mask(frame.astype(np.uint16) * 257, bg.astype(np.uint16) * 257)
    assert np.array_equal(m8, m16)


def test_blur_rounds_each_pass_and_keeps_range() -> None:
    values = threshold(np.eye(30, dtype=np.float32) * 65535, 0.5)
    out = gaussian_blur(values, 2.0)
    assert out.min() >= 0 and out.max() <= 65535
    assert np.array_equal(out, np.floor(out))


def test_apply_mask_backgrounds() -> None:
    frame = np.full((4, 4, 3), 200, np.uint8)
    mask = np.zeros((4, 4), np.float32)
    mask[:2] = 1.0
    black = apply_mask(frame, mask)
    assert black[:2].min() == 200 and black[2:].max() == 0
    white = apply_mask(frame, mask, background=(255, 255, 255))
    assert white[2:].min() == 255
    rgba = apply_mask(frame, mask, background=None)
    assert rgba.shape == (4, 4, 4) and rgba[:2, :, 3].min() == 255 and rgba[2:, :, 3].max() == 0
    assert np.array_equal(rgba[..., :3], frame)


def test_mask_to_uint8_rounds_like_imagemagick() -> None:
    assert mask_to_uint8(np.array([0.0, 0.5, 1.0, 1 / 255])).tolist() == [0, 128, 255, 1]


def test_inputs_are_not_modified_and_shapes_are_checked() -> None:
    bg = textured()
    frame = with_square(bg, 10, 10)
    before = frame.copy(), bg.copy()
    difference_mask(frame, bg)
    assert np.array_equal(frame, before[0]) and np.array_equal(bg, before[1])
    with pytest.raises(ValueError, match="differs"):
        difference_mask(frame[:10], bg)
    with pytest.raises(ValueError, match="threshold"):
        threshold(bg[..., 0].astype(np.float32), 1.5)


def noisy_pair(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """A textured background and a frame with a figure and scattered coding-like noise."""
    rng = np.random.default_rng(seed)
    bg = textured(150, 210, seed)
    frame = with_square(bg, 30, 50, size=50)
    noise = rng.integers(-30, 31, bg.shape) * (rng.random(bg.shape[:2]) < 0.05)[..., None]
    return np.clip(frame.astype(int) + noise, 0, 255).astype(np.uint8), bg


def test_uint8_mask_is_the_float_mask_scaled_as_imagemagick_does() -> None:
    frame, bg = noisy_pair()
    m = difference_mask(frame, bg)
    m8 = difference_mask(frame, bg, dtype=np.uint8)
    assert m8.dtype == np.uint8
    assert np.count_nonzero((m8 > 0) & (m8 < 255)) > 0  # the blurred edge has grey levels
    assert np.array_equal(m8, mask_to_uint8(m))
    assert difference_mask(bg, bg, dtype=np.uint8).max() == 0
    with pytest.raises(ValueError, match="dtype"):
        difference_mask(frame, bg, dtype=np.uint16)


def test_apply_mask_takes_uint8_masks_and_blends_only_inside_the_mask() -> None:
    frame, bg = noisy_pair()
    m8 = difference_mask(frame, bg, dtype=np.uint8)
    weights = m8.astype(np.float32) / np.float32(255)
    for background in ((0, 0, 0), (255, 255, 255), (10, 200, 30), None):
        assert np.array_equal(
            apply_mask(frame, m8, background=background),
            apply_mask(frame, weights, background=background),
        )
    black = apply_mask(frame, m8)
    # The blend is frame x mask / 255 rounded, computed by hand for every pixel.
    expected = np.floor(frame * (m8[..., None] / 255.0) + 0.5).astype(np.uint8)
    assert np.array_equal(black, expected)
    empty = apply_mask(frame, np.zeros(frame.shape[:2], np.uint8), background=(9, 8, 7))
    assert (empty == np.array([9, 8, 7], np.uint8)).all()


def _green_screen() -> tuple[np.ndarray, np.ndarray]:
    """A green screen with a known figure: a grey-and-red disc of radius 20, drawn with
    anti-aliased edges, on slightly uneven green (shadows change brightness, not chroma)."""
    import cv2

    h, w = 80, 100
    yy = np.linspace(0.8, 1.0, h)[:, None, None]
    image = (np.array([20, 180, 60], np.float64) * yy * np.ones((h, w, 1))).astype(np.uint8)
    figure = np.zeros((h, w), np.uint8)
    cv2.circle(figure, (50, 40), 20, 255, -1, cv2.LINE_AA)
    alpha = figure[..., None] / 255.0
    body = np.array([150, 60, 60], np.float64)
    image = (image * (1 - alpha) + body * alpha).round().astype(np.uint8)
    return image, figure


def test_a_chroma_key_gives_the_known_figure_within_a_pixel() -> None:
    from vfx.ops.subtraction import border_colour, chroma_mask

    image, figure = _green_screen()
    key = border_colour(image)
    mask = chroma_mask(image, key) > 0.5
    yy, xx = np.mgrid[: image.shape[0], : image.shape[1]]
    r = np.hypot(xx - 50, yy - 40)
    assert mask[r < 19].all() and not mask[r > 21].any()  # within a pixel of the edge
    assert (figure > 127)[r < 19].all()


def test_spill_is_taken_off_the_keys_channel_only() -> None:
    from vfx.ops.subtraction import suppress_spill

    pixels = np.array([[[100, 160, 90], [200, 50, 40]]], np.uint8)
    out = suppress_spill(pixels, (20.0, 180.0, 60.0))
    assert out.tolist() == [[[100, 100, 90], [200, 50, 40]]]
