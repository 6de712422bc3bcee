"""GoPro MAX ``.360`` recordings read as panoramas: pairing, keyframes, commands, tags."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

import conftest
from max360 import level0, level5, make_max_clip
from vfx.cli import app, run
from vfx.errors import VideoOpenError
from vfx.io.video.panorama import PanoramaOptions, PanoramaReader, open_video
from vfx.io.video.reader import VideoReader, probe
from vfx.jobs.stills import extract_frames, extract_keyframes
from vfx.ops.eac import build_maps, layout_for

MEDIA = conftest.MEDIA / "gopro-max-eac"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 frames at 10 fps; keyframes every 5 frames in stream 0, every 7 in stream 5."""
    return make_max_clip(tmp_path_factory.mktemp("max") / "GS010001.360")


def _front_back(pano: np.ndarray) -> tuple[int, int]:
    """The levels at the centre of the front face (stream 0) and of the back face (stream 5)."""
    h, w = pano.shape[:2]
    return int(pano[h // 2, w // 2].mean().round()), int(pano[h // 2, 2].mean().round())


def test_info_names_the_layout(clip: Path) -> None:
    info = probe(clip)
    assert info.layout == "GoPro MAX 360 (3K), EAC in 2 streams"
    assert (info.width, info.height) == (2272, 736)
    plain = make_max_clip(clip.with_name("plain.mp4"), frames=2, size=(640, 360), gps=False)
    assert probe(plain).layout is None
    assert type(open_video(plain)) is VideoReader


def test_frames_pair_the_streams_at_the_same_time(clip: Path) -> None:
    with open_video(clip) as reader:
        assert isinstance(reader, PanoramaReader)
        assert (reader.width, reader.height) == (2944, 1472)
        frames = list(reader.frames(ranks=[0, 3, 11, 19]))
    assert [f.index for f in frames] == [0, 3, 11, 19]
    for f in frames:
        assert f.image.shape == (1472, 2944, 3)
        front, back = _front_back(f.image)
        assert abs(front - level0(f.index)) <= 2 and abs(back - level5(f.index)) <= 2


def test_keyframes_are_the_first_streams_with_the_partner_decoded(clip: Path) -> None:
    """Stream 5's keyframes (0, 7, 14) differ from stream 0's (0, 5, 10, 15): the pair is taken
    at stream 0's keyframe times, stream 5's frame decoded from its own keyframe."""
    with open_video(clip) as reader:
        frames = list(reader.frames(keyframes=True))
    assert [f.index for f in frames] == [0, 5, 10, 15]
    for f in frames:
        front, back = _front_back(f.image)
        assert abs(front - level0(f.index)) <= 2 and abs(back - level5(f.index)) <= 2


def test_grey_frames_are_panoramas_too(clip: Path) -> None:
    with open_video(clip) as reader:
        (f,) = reader.frames(ranks=[4], pixels="grey")
    assert f.image.shape == (1472, 2944)
    assert abs(int(f.image[736, 1472]) - level0(4)) <= 2


def test_eac_projection_gives_the_strips_side_by_side(clip: Path) -> None:
    with open_video(clip, panorama=PanoramaOptions(projection="eac")) as reader:
        (f,) = reader.frames(ranks=[2])
    assert f.image.shape == (736, 4544, 3)
    assert abs(int(f.image[10, 10, 0]) - level0(2)) <= 2
    assert abs(int(f.image[10, 4000, 0]) - level5(2)) <= 2


def test_frames_command_writes_tagged_panoramas(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "pano"
    assert run(["frames", str(clip), "--every", "1", "-f", "jpg", "-o", str(out), "--quiet"]) == 0
    with (out / "frames.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["frame_index"] for r in rows] == ["0", "10"]
    assert all(r["lat"] for r in rows)
    tags = json.loads(
        subprocess.run(
            ["exiftool", "-j", "-n", "-G1", "-XMP-GPano:all", "-GPS:all", "-EXIF:all"]
            + [str(out / r["file"]) for r in rows],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    )
    for t, row in zip(tags, rows, strict=True):
        assert t["XMP-GPano:ProjectionType"] == "equirectangular"
        assert t["XMP-GPano:FullPanoWidthPixels"] == 2944
        assert t["XMP-GPano:FullPanoHeightPixels"] == 1472
        assert t["XMP-GPano:CroppedAreaImageWidthPixels"] == 2944
        assert t["XMP-GPano:UsePanoramaViewer"] is True
        assert t["GPS:GPSLatitude"] == pytest.approx(float(row["lat"]), abs=1e-7)
        assert t["ExifIFD:DateTimeOriginal"].startswith("2024:06:01 09:00:")
    image = cv2.imread(str(out / rows[1]["file"]))
    assert image.shape == (1472, 2944, 3)
    assert abs(_front_back(image)[0] - level0(10)) <= 3
    validate = subprocess.run(
        ["exiftool", "-validate", "-warning", "-a", str(out / rows[0]["file"])],
        capture_output=True,
        text=True,
    )
    assert "Warning" not in validate.stdout.replace("Warning = 0", "")


def test_width_and_eac_options_on_the_command_line(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "kf"
    args = ["keyframes", str(clip), "-o", str(out), "-f", "png", "--width", "1024", "--quiet"]
    assert run(args) == 0
    files = sorted(out.glob("*.png"))
    assert len(files) == 4
    assert cv2.imread(str(files[0])).shape == (512, 1024, 3)
    raw = tmp_path / "raw"
    assert (
        run(["frames", str(clip), "--at", "0.5", "-o", str(raw), "--projection", "eac", "--quiet"])
        == 0
    )
    (tiff,) = raw.glob("*.tiff")
    assert cv2.imread(str(tiff)).shape == (736, 4544, 3)
    gpano = subprocess.run(
        ["exiftool", "-s3", "-XMP-GPano:ProjectionType", str(tiff)], capture_output=True, text=True
    ).stdout
    assert gpano.strip() == ""  # two strips side by side are no panorama
    assert run(["frames", str(clip), "--all", "-o", str(raw), "--width", "1001"]) == 1


def test_select_and_motion_read_panoramas(clip: Path, tmp_path: Path) -> None:
    sel = tmp_path / "sel"
    args = [
        "select",
        str(clip),
        "-n",
        "3",
        "-o",
        str(sel),
        "--width",
        "512",
        "-f",
        "png",
        "--quiet",
    ]
    assert run(args) == 0
    assert {cv2.imread(str(p)).shape for p in sel.glob("*.png")} == {(256, 512, 3)}
    mot = tmp_path / "mot"
    assert (
        run(["motion", str(clip), "-o", str(mot), "--only", "average", "--width", "256", "--quiet"])
        == 0
    )
    (average,) = mot.glob("*_average.png")
    assert cv2.imread(str(average)).shape == (128, 256, 3)


def test_library_calls_take_the_options(clip: Path, tmp_path: Path) -> None:
    result = extract_keyframes(clip, tmp_path / "a", fmt="png", panorama=PanoramaOptions(width=64))
    assert len(result.written) == 4
    result = extract_frames(
        clip, tmp_path / "b", at_s=[1.85], fmt="png", panorama=PanoramaOptions(width=64)
    )
    assert [cv2.imread(str(p)).shape for p in result.written] == [(32, 64, 3)]


def test_a_real_max_frame_pair_through_the_video_path(tmp_path: Path) -> None:
    """The 3K track frames encoded as a two-stream clip and read by vfx frames: the panorama
    matches max2sphere's of the same frames (H.264 and JPEG both cost a little)."""
    if not MEDIA.is_dir():
        pytest.skip(f"{MEDIA} not present (shared test media)")

    def rgb(name: str) -> np.ndarray:
        return cv2.cvtColor(cv2.imread(str(MEDIA / name)), cv2.COLOR_BGR2RGB)

    strips = (rgb("3k_track0_GS018423_1.jpg"), rgb("3k_track5_GS018423_1.jpg"))
    reference = rgb("3k_STITCHED_GS018423_1.jpg")
    clip = make_max_clip(tmp_path / "real.360", frames=2, strips=strips)
    out = tmp_path / "out"
    assert (
        run(["frames", str(clip), "--at", "0", "-o", str(out), "--width", "2272", "--quiet"]) == 0
    )
    (tiff,) = out.glob("*.tiff")
    pano = cv2.cvtColor(cv2.imread(str(tiff)), cv2.COLOR_BGR2RGB)
    mse = np.mean((pano.astype(float) - reference) ** 2)
    assert 10 * np.log10(255**2 / mse) >= 30
    maps = build_maps(layout_for(2272, 736), 2272)
    assert maps.face.shape == pano.shape[:2]


def test_maps_are_kept_on_disk_and_a_bad_cache_is_rebuilt(tmp_path: Path, monkeypatch) -> None:
    from vfx.io.video import panorama

    monkeypatch.setenv("VFX_CACHE_DIR", str(tmp_path / "cache"))
    layout = layout_for(2272, 736)
    panorama._maps.cache_clear()
    built = panorama._maps(layout, 300, 1)
    (cached,) = (tmp_path / "cache").glob("eac-v*-2272x736-300-1.npz")
    panorama._maps.cache_clear()
    loaded = panorama._maps(layout, 300, 1)
    assert all(np.array_equal(x, y) for x, y in zip(built.primary, loaded.primary, strict=True))
    assert np.array_equal(built.blend_at, loaded.blend_at)
    assert np.array_equal(built.face, loaded.face) and (loaded.width, loaded.height) == (300, 150)
    cached.write_bytes(b"not a numpy file")
    panorama._maps.cache_clear()
    again = panorama._maps(layout, 300, 1)
    assert np.array_equal(again.primary[0], built.primary[0])
    assert not list((tmp_path / "cache").glob(".*.tmp"))
    panorama._maps.cache_clear()


def test_effects_read_panoramas(clip: Path, tmp_path: Path) -> None:
    """A composite of a .360 is made from its panoramas (keyframes by default)."""
    out = tmp_path / "composite.tiff"
    assert run(["composite", str(clip), "-o", str(out), "--mode", "lighten", "--quiet"]) == 0
    image = cv2.imread(str(out))
    assert image.shape == (1472, 2944, 3)
    # lighten keeps the brightest exposure: the last keyframe's levels, front and back.
    front, back = _front_back(image)
    assert abs(front - level0(15)) <= 2 and abs(back - level5(15)) <= 2


def test_a_second_stream_cut_short_gives_no_panorama_of_two_times(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Streams of 10 and 4 frames: frames 4-9 were stitched with stream 5's last frame, up to
    0.6 s apart, without a word. Now they are left out, with a warning naming the file."""
    clip = make_max_clip(tmp_path / "cut.360", frames=10, frames5=4, gps=False)
    with open_video(clip) as reader:
        got = [f.index for f in reader.frames()]
    assert got == [0, 1, 2, 3]
    assert "stream 5 has no frame at the time of 6 of the 10 frames" in caplog.text
    assert "cut.360" in caplog.text


def test_the_panorama_width_is_bounded_by_max_pixels(clip: Path) -> None:
    """--width 30000 took 6.3 GB, then an internal MemoryError; now one line before any work."""
    with pytest.raises(VideoOpenError, match=r"panorama of 30000x15000 exceeds the limit"):
        open_video(clip, panorama=PanoramaOptions(width=30000))
    with pytest.raises(VideoOpenError, match=r"raise --max-pixels"):
        open_video(clip, panorama=PanoramaOptions(width=2000), max_pixels=1_000_000)


def test_a_turned_second_stream_is_one_line_naming_the_file(tmp_path: Path) -> None:
    """Its strips came out transposed and the conversion failed with an error naming no file."""
    clip = make_max_clip(tmp_path / "turned.360", frames=2, gps=False, rotation5=90)
    result = CliRunner().invoke(app, ["frames", str(clip), "--all", "-o", str(tmp_path / "f")])
    assert result.exit_code == 1, result.output
    assert "turned.360" in result.stderr and "stream 5 is turned" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
