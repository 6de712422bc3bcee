"""``vfx.jobs.motion`` on synthetic clips with known motion (lossless RGB H.264, so every pixel is
known): a square moving at a known speed, a static clip, frames of known values."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import av
import numpy as np
import pytest

from clips import write_lossless
from vfx.errors import DecodeError, OutputError, VideoOpenError
from vfx.io.images import read_image
from vfx.jobs.motion import analyse_motion

W, H, SIDE, SPEED = 64, 48, 10, 4  # a 10 px square moving 4 px per frame


def _square(k: int) -> np.ndarray:
    img = np.zeros((H, W, 3), np.uint8)
    x = SPEED * k
    img[20 : 20 + SIDE, x : x + SIDE] = 255
    return img


@pytest.fixture(scope="module")
def square_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lossless(
        tmp_path_factory.mktemp("m") / "square.mp4", [_square(k) for k in range(12)]
    )


def _qom_rows(result) -> list[dict[str, str]]:
    with result.files["qom"].open() as fh:
        return list(csv.DictReader(fh))


def test_square_quantity_of_motion_and_centroid(square_clip: Path, tmp_path: Path) -> None:
    result = analyse_motion(square_clip, tmp_path, threshold=0.05)
    rows = _qom_rows(result)
    assert len(rows) == 11 and result.frames == 12
    for k, row in enumerate(rows, start=1):
        # two 4 x 10 strips change: where the square left, and where it arrived
        assert float(row["qom"]) == pytest.approx(2 * SPEED * SIDE / (W * H), abs=1e-6)
        left = np.arange(SPEED * (k - 1), SPEED * k)
        right = left + SIDE
        cx = (np.r_[left, right].mean() + 0.5) / W
        assert float(row["centroid_x"]) == pytest.approx(cx, abs=1e-6)
        assert float(row["centroid_y"]) == pytest.approx((20 + (SIDE - 1) / 2 + 0.5) / H, abs=1e-6)
        assert float(row["bbox_x0"]) == pytest.approx(SPEED * (k - 1) / W)
        assert float(row["bbox_x1"]) == pytest.approx((SPEED * k + SIDE) / W)
        assert float(row["time_s"]) == pytest.approx(k / 10)


def test_quantity_of_motion_plot_draws_the_curve(square_clip: Path, tmp_path: Path) -> None:
    result = analyse_motion(square_clip, tmp_path, outputs=["qom"])
    plot = read_image(result.files["qom_plot"])
    assert plot.shape == (260, 800, 4) and (plot[..., 3] == 255).all()
    # the curve's colour (#1f4e79), drawn over most of the width: the QoM is constant
    curve = np.all(np.abs(plot[..., :3].astype(int) - (0x1F, 0x4E, 0x79)) < 40, axis=2)
    columns = np.flatnonzero(curve.any(axis=0))
    assert columns.size > 500
    rows = np.flatnonzero(curve.any(axis=1))
    assert rows.max() - rows.min() < 10  # a flat line


def test_square_motiongram_trace_slope(square_clip: Path, tmp_path: Path) -> None:
    result = analyse_motion(square_clip, tmp_path, outputs=["motiongrams"])
    time_y = read_image(result.files["motiongram_time-y"])  # one row per frame
    time_x = read_image(result.files["motiongram_time-x"])  # one column per frame
    assert time_y.shape == (11, W) and time_x.shape == (H, 11)
    first = [int(np.flatnonzero(row)[0]) for row in time_y]
    assert np.diff(first).tolist() == [SPEED] * 10  # the trace moves 4 px per frame
    # vertically, motion always covers rows 20..29
    assert set(np.flatnonzero(time_x[:, 3])) == set(range(20, 20 + SIDE))
    assert time_y.dtype == np.uint16 and time_y.max() == 65535  # normalised to white


def test_static_clip_has_zero_motion(tmp_path: Path) -> None:
    clip = write_lossless(tmp_path / "static.mp4", [_square(3)] * 6)
    result = analyse_motion(clip, tmp_path / "o", history_video=True)
    assert all(float(r["qom"]) == 0 for r in _qom_rows(result))
    assert result.mean_qom == 0
    assert read_image(result.files["motiongram_time-x"]).max() == 0
    assert read_image(result.files["history"]).max() == 0
    with av.open(str(result.files["video"])) as c:
        frames = [f.to_ndarray(format="gray") for f in c.decode(video=0)]
    assert len(frames) == 5 and max(int(f.max()) for f in frames) <= 2  # black, up to coding noise


@pytest.mark.parametrize("n", [7, 8, 13])
def test_average_is_exact_for_any_count(tmp_path: Path, n: int) -> None:
    values = [(11 * i + 3) % 251 for i in range(n)]
    frames = [np.full((16, 16, 3), v, np.uint8) for v in values]
    clip = write_lossless(tmp_path / f"avg{n}.mp4", frames)
    result = analyse_motion(clip, tmp_path / "o", outputs=["average"])
    average = read_image(result.files["average"])
    assert average.dtype == np.uint16
    expected = np.floor(np.mean(values) * 257 + 0.5)
    assert np.all(average == expected)


def test_stride_and_range(square_clip: Path, tmp_path: Path) -> None:
    result = analyse_motion(
        square_clip, tmp_path, outputs=["qom"], stride=2, start_s=0.2, end_s=1.0
    )
    rows = _qom_rows(result)
    assert [r["frame_index"] for r in rows] == ["4", "6", "8"]  # frames 2, 4, 6, 8 used
    assert float(rows[0]["qom"]) == pytest.approx(2 * 2 * SPEED * SIDE / (W * H))


def test_colour_and_binary(square_clip: Path, tmp_path: Path) -> None:
    result = analyse_motion(square_clip, tmp_path, outputs=["motiongrams"], color=True, binary=True)
    assert read_image(result.files["motiongram_time-y"]).shape == (11, W, 3)


def test_motion_video_frames(square_clip: Path, tmp_path: Path) -> None:
    result = analyse_motion(square_clip, tmp_path, outputs=["video"])
    with av.open(str(result.files["video"])) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        frames = [f.to_ndarray(format="gray") for f in c.decode(stream)]
    assert len(frames) == 11
    moving = frames[4] > 128
    assert moving[25, 4 * 4 + 1] and moving[25, 4 * 5 + SIDE - 1] and not moving[5, 5]


def test_stills_carry_description_and_source(square_clip: Path, tmp_path: Path) -> None:
    from conftest import exif

    result = analyse_motion(square_clip, tmp_path, outputs=["motiongrams"])
    tags = exif(result.files["motiongram_time-x"])
    assert "time runs left to right" in str(tags["XMP-dc:Description"])
    assert tags["XMP-vfx:SourceVideo"] == "square.mp4"


def test_fewer_than_two_frames(tmp_path: Path) -> None:
    clip = write_lossless(tmp_path / "one.mp4", [_square(0)])
    with pytest.raises(DecodeError, match="at least 2 frames") as info:
        analyse_motion(clip, tmp_path / "o")
    assert str(clip) in str(info.value)
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_audio_only_file(tmp_path: Path) -> None:
    path = tmp_path / "tone.m4a"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=8000)
        samples = np.zeros((1, 1024), np.float32)
        for i in range(4):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 8000, i * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
    with pytest.raises(VideoOpenError, match="no video stream"):
        analyse_motion(path, tmp_path / "o")


def test_unwritable_output(square_clip: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError) as info:
        analyse_motion(square_clip, blocker / "sub")
    assert str(blocker / "sub") in str(info.value)
    assert blocker.read_text() == "x" and sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_grey_motion_is_the_luma_difference_whatever_is_asked(
    plain_clip: Path, tmp_path: Path
) -> None:
    """Grey motion reads the decoder's luma; asking for the (colour) average as well must not
    change it, and it equals the thresholded difference of FFmpeg's grey frames."""
    from vfx.io.video.reader import VideoReader
    from vfx.ops.motiongram import motion_image, motion_stats

    alone = analyse_motion(plain_clip, tmp_path / "a", outputs=("qom",))
    with_avg = analyse_motion(plain_clip, tmp_path / "b", outputs=("qom", "average"))
    a = alone.files["qom"].read_text()
    assert a == with_avg.files["qom"].read_text()
    with VideoReader(plain_clip) as reader:
        frames = [av_frame.to_ndarray(format="gray") for av_frame in _decode_all(plain_clip)]
        assert len(frames) == reader.index.frame_count
    expected = [motion_stats(motion_image(p, c))["qom"] for p, c in itertools.pairwise(frames)]
    rows = list(csv.DictReader(a.splitlines()))
    assert [float(r["qom"]) for r in rows] == pytest.approx(expected, abs=1e-9)


def _decode_all(path: Path) -> list:
    with av.open(str(path)) as container:
        return list(container.decode(video=0))


def test_slit_scan_is_the_moving_line_path(tmp_path: Path) -> None:
    """A horizontal line moving down 2 px a frame: the slit-scan's column t is frame t's
    column through the slit, white at the line's row 2t and black elsewhere."""
    frames = []
    for k in range(20):
        img = np.full((H, W, 3), 40, np.uint8)
        img[2 * k] = (250, 120, 60)
        frames.append(img)
    clip = write_lossless(tmp_path / "line.mp4", frames)
    result = analyse_motion(
        clip, tmp_path / "o", outputs=("videograms",), videogram="slit", slit_x=30, slit_y=10
    )
    time_x = read_image(result.files["slitscan_time-x"])
    assert time_x.shape == (H, 20, 3) and time_x.dtype == np.uint8
    expected = np.zeros((H, 20, 3), np.uint8)
    expected[2 * np.arange(20), np.arange(20)] = 255  # each channel stretched on its own
    assert np.array_equal(time_x, expected)
    # the row through the slit is the line's only when the line is there (frame 5)
    time_y = read_image(result.files["slitscan_time-y"])
    assert time_y.shape == (20, W, 3)
    assert time_y[5].min() == 0 and np.all(time_y[5] == 0)  # a flat line becomes 0
    raw = analyse_motion(
        clip, tmp_path / "r", outputs=("videograms",), videogram="slit", slit_x=30, raw=True
    )
    raw_x = read_image(raw.files["slitscan_time-x"])
    assert raw_x.dtype == np.uint16
    assert tuple(raw_x[10, 5] // 257) == (250, 120, 60) and tuple(raw_x[11, 5] // 257) == (40,) * 3


def test_videograms_are_colour_lines_stretched_like_the_toolbox(tmp_path: Path) -> None:
    """Low-contrast frames: each videogram line is stretched to 0-255 in every channel; with
    --raw the means are kept."""
    rng = np.random.default_rng(3)
    frames = [(100 + rng.integers(0, 20, (H, W, 3))).astype(np.uint8) for _ in range(6)]
    clip = write_lossless(tmp_path / "dull.mp4", frames)
    result = analyse_motion(clip, tmp_path / "o", outputs=("videograms",))
    time_x = read_image(result.files["videogram_time-x"])
    assert time_x.shape == (H, 6, 3)
    assert np.all(time_x.min(axis=0) == 0) and np.all(time_x.max(axis=0) == 255)
    means = np.stack([f.mean(axis=1) for f in frames], axis=1)  # (H, 6, 3)
    rounded = np.rint(means)
    low, high = rounded.min(axis=0), rounded.max(axis=0)
    expected = ((rounded - low) * (255.0 / (high - low)) + 0.5).astype(np.uint8)
    assert np.abs(time_x.astype(int) - expected).max() <= 1
    raw = analyse_motion(clip, tmp_path / "r", outputs=("videograms",), raw=True)
    raw_x = read_image(raw.files["videogram_time-x"]).astype(np.float64) / 257
    assert np.abs(raw_x - means).max() < 0.01


def test_slit_outside_the_frame_is_refused(square_clip: Path, tmp_path: Path) -> None:
    from vfx.errors import ParameterError

    with pytest.raises(ParameterError, match="outside the 64x48 frame"):
        analyse_motion(square_clip, tmp_path / "o", videogram="slit", slit_x=64)
    assert not (tmp_path / "o").exists()


def _aligned(ours: np.ndarray, theirs: np.ndarray, shift: int) -> tuple[np.ndarray, np.ndarray]:
    n = min(ours.shape[0], theirs.shape[0] - shift)
    return ours[:n, :n], theirs[shift : shift + n, shift : shift + n]


def test_self_similarity_agrees_with_the_toolbox(tmp_path: Path) -> None:
    """The motiongram SSM of coloured squares against MGT 1.32's own matrix of the same
    pixels (recorded by bench/ssm_oracle.py). MGT's rows start two frames earlier: a row of
    zeros it puts first, and FFmpeg's ``tblend``, whose first output compares the first
    frame with itself. The toolbox's grey gives blue BT.601's red weight (its frames are BGR,
    converted as if RGB); with the weights the other way round r is 0.87."""
    from squares import FPS, frames
    from vfx.ops.similarity import motion_features, self_similarity

    record = json.loads((Path(__file__).parents[1] / "data" / "mgt_ssm_squares.json").read_text())
    theirs = np.asarray(record["ssm"])
    clip = write_lossless(tmp_path / "squares.mp4", frames(), fps=FPS)
    result = analyse_motion(clip, tmp_path / "out", outputs=["motiongrams"], raw=True, color=True)
    # The raw motiongram: each frame's mean of every row, on 16 bits (0-65535 for 0-255).
    picture = read_image(result.files["motiongram_time-x"]).astype(np.float64) / 257
    ours, _ = self_similarity(motion_features(picture))
    assert ours.shape == (len(frames()) - 1,) * 2
    a, b = _aligned(ours, theirs, 2)
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] >= 0.98
    # the moving squares' own cells agree closely (MGT's floor of FFmpeg's converted black
    # only lifts the cells of frames without motion)
    moving = slice(4, 40)
    assert np.abs(a[moving, moving] - b[moving, moving]).mean() < 0.6
