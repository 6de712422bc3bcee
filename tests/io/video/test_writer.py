"""The video writer: its YUV conversion, and what it encodes."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
import pytest

from vfx.io.video.writer import VideoWriter, to_i420
from vfx.ops.motiongram import extent_from_sums, motion_image, profile_sums


def _swscale_i420(image: np.ndarray) -> np.ndarray:
    fmt = "gray" if image.ndim == 2 else "rgb24"
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format=fmt)
    return frame.reformat(format="yuv420p").to_ndarray()


def test_grey_is_ffmpegs_conversion_and_colour_luma_within_one_level() -> None:
    rng = np.random.default_rng(1)
    grey = rng.integers(0, 256, (6, 8), dtype=np.uint8)
    assert np.array_equal(to_i420(grey), _swscale_i420(grey))
    rgb = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    luma = to_i420(rgb)[:6].astype(int) - _swscale_i420(rgb)[:6]
    assert np.abs(luma).max() <= 1


@pytest.mark.parametrize("channels", [1, 3])
def test_converting_only_the_extent_gives_the_same_picture(channels: int) -> None:
    """A motion image is black outside its extent: converting only the extent (widened to
    even bounds) is the whole conversion, for odd and even bounds, an empty picture and one
    with motion up to its edges."""
    rng = np.random.default_rng(7)
    h, w = 36, 50
    shape = (h, w) if channels == 1 else (h, w, channels)
    cases = [(0, 0, 0, 0), (3, 5, 4, 6), (10, 7, 31, 22), (0, 0, w, h), (1, 1, w, h), (0, 9, 5, h)]
    for x0, y0, x1, y1 in cases:
        image = np.zeros(shape, np.uint8)
        image[y0:y1, x0:x1] = rng.integers(1, 256, image[y0:y1, x0:x1].shape, dtype=np.uint8)
        extent = extent_from_sums(*profile_sums(image))
        if x1 > x0:
            assert extent == (x0, y0, x1, y1)
        assert np.array_equal(to_i420(image, extent), to_i420(image)), (x0, y0, x1, y1)


def _decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="yuv420p") for f in container.decode(video=0)]


def test_a_motion_video_with_extents_is_the_same_video(tmp_path: Path) -> None:
    """Odd-sized motion images (padded by their last column and row) written with their
    extents decode to exactly the video written without them."""
    rng = np.random.default_rng(5)
    frames = rng.integers(0, 256, (6, 45, 63, 3), dtype=np.uint8)
    frames[:, :, :20] = 0  # still on the left: motion reaches only the right and bottom edges
    paths = {}
    for name, with_extent in (("plain", False), ("extent", True)):
        paths[name] = tmp_path / f"{name}.mp4"
        with VideoWriter(paths[name], fps=Fraction(25)) as out:
            for previous, current in pairwise(frames):
                motion = motion_image(previous, current, threshold=0.2)
                extent = extent_from_sums(*profile_sums(motion)) if with_extent else None
                assert extent is None or extent[2:] == (63, 45)
                out.write(motion, extent=extent)
    plain, cropped = _decoded(paths["plain"]), _decoded(paths["extent"])
    assert len(plain) == len(cropped) == 5
    assert all(np.array_equal(a, b) for a, b in zip(plain, cropped, strict=True))


@pytest.mark.parametrize("threads", [1, 2])
def test_x264_runs_on_the_threads_asked_for(tmp_path: Path, threads: int) -> None:
    """x264 records its settings in the stream (its SEI message): one thread by default
    (the encoder runs beside a busy decoding thread), more only when asked."""
    path = tmp_path / "out.mp4"
    options = {} if threads == 1 else {"threads": threads}
    with VideoWriter(path, fps=Fraction(25), **options) as out:
        for value in range(0, 250, 50):
            out.write(np.full((480, 640), value, np.uint8))
    data = path.read_bytes()
    assert b"x264 - core" in data
    assert f" threads={threads} ".encode() in data


def test_asking_for_no_encoder_thread_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="threads must be at least 1"):
        VideoWriter(tmp_path / "out.mp4", fps=Fraction(25), threads=0)
