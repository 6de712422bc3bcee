"""``vfx background``, ``mask``, ``composite`` and ``montage`` through CliRunner: every option."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from clips import ClipSpec
from conftest import SAMPLE
from vfx.cli import app
from vfx.io.images import read_image, write_image
from vfx.io.table import read_frame_table
from vfx.jobs.stills import extract_keyframes

runner = CliRunner()

try:
    import wand.image  # noqa: F401

    HAVE_WAND = True
except ImportError:
    HAVE_WAND = False
needs_magick = pytest.mark.skipif(not HAVE_WAND, reason="Wand/ImageMagick not installed")


def vfx(*args: object) -> object:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def kf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every 4th keyframe of the sample (6 frames), as vfx keyframes writes them."""
    out = tmp_path_factory.mktemp("kf")
    extract_keyframes(SAMPLE, out)
    for i, path in enumerate(sorted(out.glob("*.tiff"))):
        if i % 4:
            path.unlink()
    return out


@pytest.mark.parametrize("method", ["first", "mean", "median", "lighten", "darken", "auto"])
def test_background_methods(kf: Path, tmp_path: Path, method: str) -> None:
    out = tmp_path / "bg.tiff"
    result = vfx("background", kf, "-o", out, "--method", method)
    assert result.exit_code == 0, result.output
    image = read_image(out)
    assert image.shape == (360, 640, 3)
    assert image.dtype == (np.uint16 if method == "mean" else np.uint8)


def test_background_input_defaults_to_the_current_folder(
    kf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(kf)
    result = vfx("background", "-o", tmp_path / "bg.png", "--json", "--sample", "3")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["frames"] == 3


def test_background_frames_engine_quiet(tmp_path: Path) -> None:
    args = [
        "background",
        SAMPLE,
        "-o",
        tmp_path / "bg.png",
        "--frames",
        "every:6",
        "-m",
        "darken",
        "--quiet",
        "--max-pixels",
        "1000000",
    ]
    result = vfx(*args)
    assert result.exit_code == 0 and result.stdout == ""
    if HAVE_WAND:
        magick = vfx(*args[:-5], "-m", "darken", "--engine", "magick", "-o", tmp_path / "bg2.png")
        assert magick.exit_code == 0, magick.output
        a, b = read_image(tmp_path / "bg.png"), read_image(tmp_path / "bg2.png")
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_mask_options(kf: Path, tmp_path: Path) -> None:
    out = tmp_path / "masks"
    result = vfx(
        "mask",
        kf,
        "-o",
        out,
        "--background",
        "first",
        "--threshold",
        "0.1",
        "--blur",
        "2",
        "--threshold2",
        "0.3",
        "--blur2",
        "1",
        "--clean-background",
        "white",
        "--format",
        "jpg",
        "--quality",
        "80",
        "--sample",
        "5",
    )
    assert result.exit_code == 0, result.output
    assert len(list(out.glob("*_mask.png"))) == 6
    assert len(list(out.glob("*_clean.jpg"))) == 6
    rows = read_frame_table(out)
    assert rows[0]["mask"].endswith("_mask.png") and rows[0]["time_s"] == "0.000000000"
    again = vfx("mask", kf, "-o", out, "--background", "first", "--format", "jpg", "--json")
    assert json.loads(again.stdout)["skipped"] == 6
    forced = vfx(
        "mask", kf, "-o", out, "--background", "first", "--format", "jpg", "--overwrite", "--quiet"
    )
    assert forced.exit_code == 0 and forced.stdout == ""


def test_mask_background_file_and_colours(kf: Path, tmp_path: Path) -> None:
    bg = tmp_path / "bg.png"
    assert vfx("background", kf, "-o", bg).exit_code == 0
    for colour in ("transparent", "#102030", "1,2,3", "black"):
        out = tmp_path / colour.replace("#", "").replace(",", "_")
        result = vfx("mask", kf, "-o", out, "-b", bg, "--clean-background", colour)
        assert result.exit_code == 0, result.output
    rgba = read_image(next((tmp_path / "transparent").glob("*_clean.png")))
    assert rgba.shape[2] == 4


@pytest.mark.parametrize("method", ["mog2", "knn"])
def test_mask_subtractors_over_a_video(tmp_path: Path, method: str) -> None:
    result = vfx(
        "mask",
        SAMPLE,
        "-o",
        tmp_path,
        "--method",
        method,
        "--frames",
        "every:8",
        "--history",
        "30",
        "--max-pixels",
        "1000000",
    )
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*_mask.png"))) == 3


@needs_magick
def test_mask_magick_engine(kf: Path, tmp_path: Path) -> None:
    a = vfx("mask", kf, "-o", tmp_path / "np", "-b", "first")
    b = vfx("mask", kf, "-o", tmp_path / "im", "-b", "first", "--engine", "magick")
    assert a.exit_code == 0 and b.exit_code == 0, b.output
    for pa in sorted((tmp_path / "np").glob("*_mask.png")):
        ours, theirs = read_image(pa).astype(int), read_image(tmp_path / "im" / pa.name)
        assert np.abs(ours - theirs).max() <= 1  # float32 here, doubles in ImageMagick


@pytest.mark.parametrize("mode", ["darken", "lighten", "mean", "foreground"])
def test_composite_modes(kf: Path, tmp_path: Path, mode: str) -> None:
    out = tmp_path / "c.png"
    result = vfx("composite", kf, "-o", out, "--mode", mode)
    assert result.exit_code == 0, result.output
    assert read_image(out).shape == (360, 640, 3)


def test_composite_foreground_options(kf: Path, tmp_path: Path) -> None:
    result = vfx(
        "composite",
        kf,
        "-o",
        tmp_path / "c.jpg",
        "--mode",
        "foreground",
        "--fade",
        "0.3",
        "--background",
        "auto",
        "--sample",
        "5",
        "--threshold",
        "0.06",
        "--blur",
        "2",
        "--threshold2",
        "0.25",
        "--blur2",
        "2",
        "--quality",
        "90",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["frames"] == 6
    video = vfx(
        "composite",
        SAMPLE,
        "-o",
        tmp_path / "v.png",
        "--frames",
        "every:4",
        "--engine",
        "numpy",
        "--quiet",
        "--max-pixels",
        "1000000",
    )
    assert video.exit_code == 0 and video.stdout == ""


@needs_magick
def test_montage_options(kf: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.png"
    result = vfx(
        "montage",
        kf,
        "-o",
        out,
        "--columns",
        "3",
        "--tile-width",
        "120",
        "--font-size",
        "10",
        "--json",
    )
    assert result.exit_code == 0, result.output
    sheet = read_image(out)
    assert 3 * 120 <= sheet.shape[1] < 3 * 120 + 40
    video = vfx(
        "montage",
        SAMPLE,
        "-o",
        tmp_path / "v.jpg",
        "--frames",
        "every:6",
        "-c",
        "2",
        "--quiet",
        "--max-pixels",
        "1000000",
    )
    assert video.exit_code == 0 and video.stdout == ""


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ("empty", ["composite"], "no images"),
        ("mixed", ["composite"], "b.png: is 8x9"),
        ("broken", ["mask", "-b", "first"], "b.png: not a readable image"),
        ("ok", ["mask", "-b", "BG"], "background is 4x4 but the frames are 8x8"),
        ("ok", ["mask", "--threshold", "3"], "threshold must be"),
        ("ok", ["mask", "--clean-background", "nope"], "colour must be"),
        ("ok", ["background", "-o", "x.gif"], "unknown image suffix"),
    ],
)
def test_errors_are_one_line(tmp_path: Path, setup: str, args: list[str], message: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    if setup != "empty":
        write_image(folder / "a.png", np.zeros((8, 8, 3), np.uint8))
        write_image(folder / "b.png", np.full((9 if setup == "mixed" else 8, 8, 3), 9, np.uint8))
    if setup == "broken":
        (folder / "b.png").write_text("x")
    write_image(tmp_path / "bg.png", np.zeros((4, 4, 3), np.uint8))
    args = [str(tmp_path / "bg.png") if a == "BG" else a for a in args]
    out_args = [] if "-o" in args else ["-o", str(tmp_path / "out" / "o.png")]
    if args[0] == "mask" and "-o" not in args:
        out_args = ["-o", str(tmp_path / "out")]
    result = vfx(args[0], folder, *args[1:], *out_args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("suffix", "codec"),
    [(".mkv", "libx264"), (".webm", "libvpx"), (".ts", "libx264"), (".avi", "mpeg4")],
)
def test_mask_on_other_containers_is_quiet(tmp_path: Path, suffix: str, codec: str) -> None:
    """No raw Python warning reaches the user (the suite turns warnings into errors)."""
    from fractions import Fraction

    import av
    import numpy as np

    path = tmp_path / f"clip{suffix}"
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(20):
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), i * 10, np.uint8), format="rgb24"
            )
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    result = runner.invoke(
        app, ["mask", str(path), "--background", "first", "-o", str(tmp_path / "m")]
    )
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output and "warning:" not in result.output
    assert list((tmp_path / "m").glob("*_mask.png"))


def test_effects_choose_frames_as_vfx_frames_does(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    """--every SECONDS and --all, as in vfx frames; the older --frames spelling gives the same."""

    def frames_used(*args: str) -> int:
        out = tmp_path / f"c{len(list(tmp_path.iterdir()))}.png"
        result = runner.invoke(
            app, ["composite", str(ntsc_clip.path), "-o", str(out), "--json", *args]
        )
        assert result.exit_code == 0, result.output
        return int(json.loads(result.stdout)["frames"])

    assert frames_used() == len(ntsc_clip.keyframes)
    assert frames_used("--all") == frames_used("--frames", "all") == ntsc_clip.frames
    assert frames_used("--every", "1") == frames_used("--frames", "every:1") == 3
    both = runner.invoke(app, ["composite", str(ntsc_clip.path), "--all", "--every", "1"])
    assert both.exit_code == 1 and "one of --every, --all" in both.output


@pytest.mark.parametrize("choice", [["--all"], ["--every", "0.3"], []])
def test_start_and_end_take_the_frames_that_frames_takes(tmp_path: Path, choice: list[str]) -> None:
    """--start/--end on background, mask, composite and montage read exactly the frames
    ``vfx frames`` writes for the same window (keyframes: those inside it)."""
    from clips import write_lossless

    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(40)]
    clip = write_lossless(tmp_path / "c.mp4", frames, fps=10)
    window = ["--start", "1.05", "--end", "00:02.5"]
    if choice:
        done = runner.invoke(
            app, ["frames", str(clip), *choice, *window, "-o", str(tmp_path / "f"), "--quiet"]
        )
        assert done.exit_code == 0, done.output
        expected = [int(r["frame_index"]) for r in read_frame_table(tmp_path / "f")]
    else:  # keyframes every 250 frames by default: none inside, so one keyframe clip
        expected = []
    out = tmp_path / "m"
    done = runner.invoke(app, ["mask", str(clip), *choice, *window, "-o", str(out), "--quiet"])
    if not expected:
        assert done.exit_code == 1 and "no frames between 1.05 s and 2.5 s" in done.stderr
        return
    assert done.exit_code == 0, done.output
    assert [int(r["frame_index"]) for r in read_frame_table(out)] == expected
    for command in ("background", "composite", "montage"):
        done = runner.invoke(
            app, [command, str(clip), *choice, *window, "-o", str(tmp_path / f"{command}.png"),
                  "--json"],
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        assert json.loads(done.stdout)["frames"] == len(expected), command
