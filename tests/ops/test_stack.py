"""Streaming background estimates and composites on frames with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from images import textured, with_square
from vfx.ops.dtypes import float_to_image
from vfx.ops.exposure import ForegroundComposite
from vfx.ops.stack import Darken, FirstFrame, Lighten, Mean, Median, median_by_intensity


def frames_with_moving_square(n: int = 7) -> tuple[np.ndarray, list[np.ndarray]]:
    bg = textured()
    return bg, [with_square(bg, 40, 5 + 50 * (i % 3), size=40) for i in range(n)]


def feed(estimate, frames):  # type: ignore[no-untyped-def]
    for f in frames:
        estimate.update(f)
    return estimate.result()


def test_mean_is_exact_for_a_count_that_is_not_a_power_of_two() -> None:
    frames = [np.full((2, 2, 3), v, np.uint8) for v in (0, 10, 255)]  # mean 88.333...
    mean = Mean()
    result = feed(mean, frames)
    assert result.dtype == np.uint16
    assert result[0, 0, 0] == round(265 / 3 * 257)
    assert mean.mean()[0, 0, 0] == pytest.approx(265 / 3)


def test_median_rejects_the_moving_figure() -> None:
    bg, frames = frames_with_moving_square()
    assert np.array_equal(feed(Median(), frames), bg)


def test_lighten_and_darken_are_max_and_min() -> None:
    bg, frames = frames_with_moving_square(3)
    assert np.array_equal(feed(Lighten(), frames), np.maximum.reduce(frames))
    assert np.array_equal(feed(Darken(), frames), np.minimum.reduce(frames))
    # The lighten "background" keeps the bright parts of the figure: not an empty scene.
    assert not np.array_equal(feed(Lighten(), frames), bg)


@pytest.mark.parametrize("estimate", [Darken, Lighten, FirstFrame, Median])
def test_frames_are_kept_apart_unless_handed_over(estimate: type) -> None:
    _, frames = frames_with_moving_square(3)
    originals = [f.copy() for f in frames]
    expected = feed(estimate(), frames)
    # By default the caller's frames and the result are the caller's own.
    est = estimate()
    for frame in frames:
        est.update(frame)
    result = est.result()
    assert all(np.array_equal(f, o) for f, o in zip(frames, originals, strict=True))
    result[:] = 7
    assert np.array_equal(est.result(), expected)
    # Handed over (copy=False), the answer is the same, and the buffer kept is a frame's own.
    est = estimate()
    given = [f.copy() for f in frames]
    for frame in given:
        est.update(frame, copy=False)
    mine = est.result(copy=False)
    assert np.array_equal(mine, expected)
    if estimate is not Median:  # its result is a new array chosen from the kept frames
        assert np.shares_memory(mine, given[0]) and mine is est.result(copy=False)


def test_a_read_only_frame_handed_over_is_never_written() -> None:
    _, frames = frames_with_moving_square(3)
    first = frames[0].copy()
    first.flags.writeable = False
    est = Darken()
    for frame in [first, *frames[1:]]:
        est.update(frame, copy=False)
    assert np.array_equal(first, frames[0])
    assert np.array_equal(est.result(), np.minimum.reduce(frames))


def test_first_frame_and_errors() -> None:
    _, frames = frames_with_moving_square(3)
    assert np.array_equal(feed(FirstFrame(), frames), frames[0])
    with pytest.raises(ValueError, match="no frames"):
        Mean().result()
    est = Lighten()
    est.update(frames[0])
    with pytest.raises(ValueError, match="differs"):
        est.update(frames[0][:10])
    with pytest.raises(ValueError, match="at most"):
        m = Median(max_frames=1)
        m.update(frames[0])
        m.update(frames[1])


def test_median_keeps_whole_pixels_ordered_by_intensity() -> None:
    # Intensities 2.1, 143.0, 6.5 and 35.8: the lower median is the blue pixel (6.5).
    stack = np.array([[[10, 0, 0]], [[0, 200, 0]], [[0, 0, 90]], [[0, 50, 0]]], np.uint8)
    assert median_by_intensity(stack[:, None]).tolist() == [[[0, 0, 90]]]


def test_median_in_bands_of_rows_is_the_median_of_the_whole() -> None:
    """Tall frames are taken a band of rows at a time; the bands' seams change nothing."""
    from vfx.ops.stack import _median_band

    rng = np.random.default_rng(4)
    stack = rng.integers(0, 256, (5, 150, 2000, 3), dtype=np.uint8)
    stack[:, 60:70] = stack[:, 60:70, :, :1]  # grey rows across a seam: ties in intensity
    assert np.array_equal(median_by_intensity(stack), _median_band(stack))


def test_float_to_image_dtype_rule() -> None:
    assert float_to_image(np.array([1.5]), np.uint8, fractional=True).dtype == np.uint16
    assert float_to_image(np.array([1.5]), np.uint8, fractional=False).tolist() == [2]
    assert float_to_image(np.array([70000.0]), np.uint16, fractional=True).tolist() == [65535]


def test_foreground_composite_shows_every_exposure_on_the_background() -> None:
    bg, frames = frames_with_moving_square(3)
    comp = ForegroundComposite(bg)
    result = feed(comp, frames)
    for i in range(3):
        x = 5 + 50 * i
        inner = result[50:70, x + 10 : x + 30].astype(int)
        assert np.abs(inner - (250, 30, 30)).max() <= 2
    assert np.array_equal(result[:10], bg[:10])  # far from the figures: the empty scene


def test_foreground_fade_dims_older_exposures() -> None:
    bg, frames = frames_with_moving_square(3)
    result = feed(ForegroundComposite(bg, fade=0.5), frames)
    newest = result[50:70, 115:135].astype(int)
    oldest = result[50:70, 15:35].astype(int)
    red = np.array([250, 30, 30])
    assert np.abs(newest - red).max() <= 2
    assert np.abs(oldest - red).mean() > 20  # blended halfway back twice
    with pytest.raises(ValueError, match="fade"):
        ForegroundComposite(bg, fade=1.0)


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_mean_is_exact_across_its_16_bit_blocks(layout: str) -> None:
    """8-bit frames are summed in uint16 blocks of 257 frames: over several blocks (and a
    part block) the mean is exactly the float64 mean of all frames, even for all-255 frames,
    which fill a block to its last value. Frames that are views with padded rows (as decoded
    frames are) sum the same way."""

    rng = np.random.default_rng(3)
    frames = rng.integers(0, 256, (600, 7, 5, 3), dtype=np.uint8)
    frames[:300] = 255
    padded = np.zeros((600, 7, 8, 3), np.uint8)
    padded[:, :, :5] = frames
    mean = Mean()
    for i, frame in enumerate(frames):
        mean.update(frame if layout == "contiguous" else padded[i, :, :5])
    np.testing.assert_array_equal(mean.mean(), frames.astype(np.float64).sum(axis=0) / 600)
    mean.update(frames[0])  # goes on after a read
    np.testing.assert_array_equal(
        mean.mean(), (frames.astype(np.float64).sum(axis=0) + frames[0]) / 601
    )


def _median_by_hand(stack: np.ndarray, exclude: np.ndarray) -> np.ndarray:
    """ImageMagick's lower median by intensity, pixel by pixel, over the pixels kept (all of
    them where none is), written out plainly."""
    n, h, w = stack.shape[:3]
    out = np.empty(stack.shape[1:], stack.dtype)
    for y in range(h):
        for x in range(w):
            kept = [i for i in range(n) if not exclude[i, y, x]] or list(range(n))
            q = stack[kept, y, x].astype(np.float64) * 257.0
            keys = np.floor(0.212656 * q[:, 0] + 0.715158 * q[:, 1] + 0.072186 * q[:, 2])
            order = sorted(range(len(kept)), key=lambda k: (-keys[k], k))
            out[y, x] = stack[kept[order[len(kept) // 2]], y, x]
    return out


def test_median_leaves_out_the_pixels_it_is_told_to() -> None:
    rng = np.random.default_rng(8)
    stack = rng.integers(0, 256, (7, 12, 9, 3), dtype=np.uint8)
    stack[:, 3] = stack[:, 3, :, :1]  # grey pixels: ties in intensity
    exclude = rng.random((7, 12, 9)) < 0.6
    exclude[:, 0, 0] = True  # left out of every frame: the median of all
    assert np.array_equal(median_by_intensity(stack, exclude), _median_by_hand(stack, exclude))


def test_a_figure_left_out_of_every_frame_leaves_the_scene() -> None:
    """A grey square stands still in every frame and a red one moves: told where both are,
    the median is the green scene everywhere (the still square's spot filled from around)."""
    scene = np.zeros((60, 90, 3), np.uint8)
    scene[...] = (30, 190, 70)
    median = Median(max_frames=5)
    for i in range(5):
        frame = scene.copy()
        figure = np.zeros((60, 90), bool)
        figure[20:40, 10:25] = True  # never leaves
        figure[10:30, 30 + 10 * i : 45 + 10 * i] = True
        frame[figure] = (200, 40, 40)
        frame[20:40, 10:25] = (120, 120, 120)
        median.update(frame, exclude=figure)
    assert np.array_equal(median.result(), scene)
