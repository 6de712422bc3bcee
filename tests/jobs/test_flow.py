"""vfx flow on clips whose motion is known, and what users check of its files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import cv2
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from clips import make_clip
from flow_clips import RATE, bounce_frames, write_clip
from vfx.cli import app
from vfx.errors import ParameterError
from vfx.jobs.flow import directogram_columns, flow_pairs, write_flow
from vfx.ops.opticalflow import direction_centres


@pytest.fixture(scope="module")
def bounce(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    frames, bounces = bounce_frames()
    path = write_clip(tmp_path_factory.mktemp("flow") / "bounce.mp4", frames)
    return path, bounces


@pytest.fixture(scope="module")
def written(bounce: tuple[Path, list[int]], tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("flow_out")
    result = write_flow(
        bounce[0], out, outputs=("video", "directogram", "impacts", "picture", "sparse")
    )
    return result, out


def test_directogram_points_the_way_the_squares_move(written) -> None:
    result, out = written
    table = pd.read_csv(out / "bounce_directogram.csv")
    assert list(table.columns) == directogram_columns()
    assert len(table) == result.pairs == 6 * 20
    centres = direction_centres()
    # Frames 2-19 move down-right (45 degrees), 22-39 back up-left (-135 degrees).
    assert abs(centres[np.argmax(table.iloc[5, 2:].to_numpy())] - 45) < 8
    assert abs(centres[np.argmax(table.iloc[30, 2:].to_numpy())] + 135) < 8
    assert table["frame_index"].tolist() == list(range(1, 121))
    np.testing.assert_allclose(table["time_s"], np.arange(1, 121) / RATE, atol=1e-6)


def test_each_bounce_is_an_impact_within_a_frame(written, bounce) -> None:
    _, out = written
    _, bounces = bounce
    table = pd.read_csv(out / "bounce_impacts.csv")
    found = set(table.loc[table["impact"] == 1, "frame_index"])
    for b in bounces[:-1]:  # the last bounce is too near the end to be searched (as MGT)
        assert found & {b, b + 1}, f"no impact at the bounce of frame {b}"
    strong = table.loc[(table["envelope"] >= 0.5) & (table["frame_index"] > 5), "frame_index"]
    assert all(any(0 <= f - b <= 2 for b in bounces) for f in strong)


def test_flow_video_has_the_source_s_frames_and_direction_colours(written, bounce) -> None:
    result, out = written
    with av.open(str(out / "bounce_flow.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        size = (container.streams.video[0].width, container.streams.video[0].height)
    assert len(frames) == 121 and size == (360, 200)
    assert frames[0].max() < 16  # the first frame has no predecessor: black
    # Frame 10 moves down-right (hue 45 degrees: orange), frame 30 up-left (hue 225: blue).
    for index, hue in ((10, 45), (30, 225)):
        hsv = cv2.cvtColor(frames[index], cv2.COLOR_RGB2HSV_FULL)
        bright = hsv[..., 2] > 128
        assert bright.sum() > 500
        measured = np.median(hsv[..., 0][bright]) * 360 / 256
        assert abs(measured - hue) < 20
    assert (out / "bounce_flow_sparse.mp4").stat().st_size > 0
    assert "picture" in result.files


def test_folder_of_images_and_video_agree(bounce, tmp_path: Path) -> None:
    runner = CliRunner()
    stills = tmp_path / "stills"
    done = runner.invoke(
        app, ["frames", str(bounce[0]), "--all", "-f", "png", "-o", str(stills), "--quiet"]
    )
    assert done.exit_code == 0, done.output
    a = write_flow(bounce[0], tmp_path / "a", outputs=("directogram", "impacts"))
    b = write_flow(stills, tmp_path / "b", outputs=("directogram", "impacts"))
    assert a.impacts == b.impacts
    da = pd.read_csv(a.files["directogram"])
    db = pd.read_csv(b.files["directogram"])
    pd.testing.assert_frame_equal(da, db)


def test_streamed_pairs_are_the_written_directogram(bounce, written) -> None:
    _, out = written
    table = pd.read_csv(out / "bounce_directogram.csv")
    pairs = list(flow_pairs(bounce[0], end_s=1.0))
    assert [p.index for p in pairs] == list(range(1, 25))
    np.testing.assert_allclose(
        np.array([p.directogram for p in pairs]), table.iloc[:24, 2:].to_numpy(), rtol=1e-5
    )


def test_half_scale_keeps_the_directions(bounce, written, tmp_path: Path) -> None:
    _, out = written
    full = pd.read_csv(out / "bounce_directogram.csv").iloc[:, 2:].to_numpy()
    half = write_flow(bounce[0], tmp_path, outputs=("directogram",), scale=0.5)
    small = pd.read_csv(half.files["directogram"]).iloc[:, 2:].to_numpy()
    assert np.corrcoef(full.ravel(), small.ravel())[0, 1] > 0.95  # 0.88 thresholding at half size
    centres = direction_centres()
    assert abs(centres[np.argmax(small[5])] - 45) < 8


def test_codec_vectors_do_not_depend_on_the_decoder_threads(tmp_path: Path) -> None:
    """The encoder's vectors of every frame are the same whatever the decoder's threads.
    FFmpeg's frame threads attach some other vectors to a B picture now and then (on this
    clip 4 of 10 two-thread decodes differed from the one-thread decode, before the reader
    chose slice threads): ten decodes miss that with a chance of 0.6 % or less."""
    from vfx.io.video.reader import VideoReader

    clip = tmp_path / "testsrc2.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=320x240:rate=25:duration=8", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", "-bf", "3", str(clip)], check=True)  # fmt: skip

    def vectors(threads: int) -> list:
        with VideoReader(clip, threads=threads) as reader:
            return [(r.index, r.pict_type, r.vectors.tolist()) for r in reader.motion_vectors()]

    alone = vectors(1)
    assert sum(p == "B" for _, p, _ in alone) > 50 and all(v for _, p, v in alone if p == "B")
    for _ in range(10):
        assert vectors(2) == alone


def test_codec_vectors_give_the_direction_at_decoding_speed(bounce, tmp_path: Path) -> None:
    result = write_flow(bounce[0], tmp_path, method="codec")
    assert set(result.files) == {
        "directogram", "directogram_plot", "impacts", "impacts_plot", "picture"
    }  # fmt: skip
    table = pd.read_csv(result.files["directogram"])
    centres = direction_centres()
    moving = table.iloc[5:15, 2:].to_numpy().sum(axis=0)
    assert abs(centres[np.argmax(moving)] - 45) < 12


def test_codec_without_vectors_is_refused_in_one_line(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "intra.mkv", codec="ffv1", frames=8, bframes=0).path
    with pytest.raises(ParameterError, match="ffv1 streams carry no motion vectors"):
        write_flow(clip, tmp_path / "out", method="codec")
    done = CliRunner().invoke(app, ["flow", str(clip), "--method", "codec", "-o",
                                    str(tmp_path / "cli")])  # fmt: skip
    assert done.exit_code == 1
    assert len(done.output.strip().splitlines()) == 1
    assert "intra.mkv" in done.output
    assert not (tmp_path / "cli").exists()


@pytest.mark.skipif(shutil.which("magick") is None and shutil.which("identify") is None,
                    reason="ImageMagick missing")  # fmt: skip
def test_pictures_are_pngs_imagemagick_reads(written) -> None:
    result, _ = written
    identify = ["magick", "identify"] if shutil.which("magick") else ["identify"]
    for key in ("directogram_plot", "impacts_plot", "picture"):
        done = subprocess.run([*identify, str(result.files[key])], capture_output=True, text=True)
        assert done.returncode == 0 and " PNG " in done.stdout, done.stderr
