"""``vfx keyframes`` and ``vfx frames`` through Typer's CliRunner: every option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clips import ClipSpec
from vfx.cli import app
from vfx.io.images import read_image
from vfx.io.table import read_frame_table

runner = CliRunner()


def vfx(*args: object) -> object:
    return runner.invoke(app, [str(a) for a in args])


def test_keyframes_default_output(
    ntsc_clip: ClipSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = vfx("keyframes", ntsc_clip.path)
    assert result.exit_code == 0, result.output
    out = tmp_path / "ntsc bframes_keyframes"
    assert len(list(out.glob("*.tiff"))) == 6
    assert "6 keyframes" in result.stdout and "6 written" in result.stdout


@pytest.mark.parametrize(("fmt", "suffix"), [("tiff", ".tiff"), ("png", ".png"), ("jpg", ".jpg")])
def test_keyframes_format(ntsc_clip: ClipSpec, tmp_path: Path, fmt: str, suffix: str) -> None:
    result = vfx("keyframes", ntsc_clip.path, "-o", tmp_path, "--format", fmt)
    assert result.exit_code == 0, result.output
    listed = {"frames.csv", "vfx.json"}  # the frames' table, and what the folder holds
    assert {p.suffix for p in tmp_path.iterdir() if p.name not in listed} == {suffix}


def test_keyframes_quality(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    assert (
        vfx("keyframes", ntsc_clip.path, "-o", tmp_path / "lo", "-f", "jpg", "-q", "5").exit_code
        == 0
    )
    assert (
        vfx(
            "keyframes", ntsc_clip.path, "-o", tmp_path / "hi", "-f", "jpg", "--quality", "100"
        ).exit_code
        == 0
    )
    size = lambda d: sum(p.stat().st_size for p in d.glob("*.jpg"))  # noqa: E731
    assert size(tmp_path / "lo") < size(tmp_path / "hi")
    bad = vfx("keyframes", ntsc_clip.path, "-o", tmp_path / "x", "-q", "0")
    assert bad.exit_code == 2


def test_keyframes_overwrite_and_skip(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    vfx("keyframes", ntsc_clip.path, "-o", tmp_path)
    again = vfx("keyframes", ntsc_clip.path, "-o", tmp_path)
    assert "0 written, 6 already there" in again.stdout
    forced = vfx("keyframes", ntsc_clip.path, "-o", tmp_path, "--overwrite")
    assert "6 written, 0 already there" in forced.stdout


def test_keyframes_json(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    result = vfx("keyframes", ntsc_clip.path, "-o", tmp_path, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["status"] == "done" and data["written"] == 6
    assert [f["frame_index"] for f in data["frames"]] == [0, 12, 24, 36, 48, 60]


def test_keyframes_quiet_prints_nothing(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    result = vfx("keyframes", ntsc_clip.path, "-o", tmp_path, "--quiet")
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""


def test_keyframes_max_pixels(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    result = vfx("keyframes", ntsc_clip.path, "-o", tmp_path / "o", "--max-pixels", "100")
    assert result.exit_code == 1
    assert "exceeds the limit" in result.stderr
    assert not (tmp_path / "o").exists()


def test_keyframes_several_videos_one_failing(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video")
    result = vfx("keyframes", bad, ntsc_clip.path, "-o", tmp_path / "o", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [d["status"] for d in data] == ["failed", "done"]
    assert result.stderr.count("\n") == 1 and "bad.mp4" in result.stderr


@pytest.mark.parametrize(
    ("args", "indices"),
    [
        (["--every", "0.5"], [0, 11, 23, 35, 47, 59]),
        (["--fps", "1"], [0, 23, 47]),
        (["--at", "0.5,1.5015"], [11, 36]),
        (["--at", "0:01.5015"], [36]),
        (["--all", "--start", "2", "--end", "2.3"], [48, 49, 50, 51, 52, 53, 54, 55]),
        (["--every", "1", "--start", "1", "--end", "2.1"], [23, 47]),
    ],
)
def test_frames_options(
    ntsc_clip: ClipSpec, tmp_path: Path, args: list[str], indices: list[int]
) -> None:
    result = vfx("frames", ntsc_clip.path, "-o", tmp_path, *args)
    assert result.exit_code == 0, result.output
    assert [int(r["frame_index"]) for r in read_frame_table(tmp_path)] == indices


def test_frames_format_quality_overwrite_quiet_json(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    result = vfx(
        "frames", ntsc_clip.path, "-o", tmp_path, "--every", "1", "-f", "jpg", "-q", "70", "--quiet"
    )
    assert result.exit_code == 0 and result.stdout == ""
    assert len(list(tmp_path.glob("*.jpg"))) == 3
    again = vfx(
        "frames",
        ntsc_clip.path,
        "-o",
        tmp_path,
        "--every",
        "1",
        "-f",
        "jpg",
        "--overwrite",
        "--json",
    )
    assert json.loads(again.stdout)["written"] == 3


def test_frames_max_pixels(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    result = vfx("frames", ntsc_clip.path, "-o", tmp_path, "--all", "--max-pixels", "10")
    assert result.exit_code == 1 and "exceeds" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--every", "1", "--fps", "2"],
        ["--every", "0"],
        ["--at", "x"],
        ["--every", "1", "--start", "5", "--end", "1"],
    ],
)
def test_frames_bad_choices_are_one_line_errors(
    ntsc_clip: ClipSpec, tmp_path: Path, args: list[str]
) -> None:
    result = vfx("frames", ntsc_clip.path, "-o", tmp_path / "o", *args)
    assert result.exit_code == 1
    assert result.stderr.startswith("vfx: error:") and result.stderr.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_disk_full_is_a_one_line_error_and_leaves_no_temp_files(
    ntsc_clip: ClipSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import vfx.io.files as files

    def full(src: str, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full)
    result = vfx("keyframes", ntsc_clip.path, "-o", tmp_path)
    assert result.exit_code == 1
    assert "disk full" in result.stderr and result.stderr.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert not list(tmp_path.glob("*.tiff"))


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from vfx.cli.progress import progress_bar, wants_progress

    assert not wants_progress(quiet=False, json=False)  # CliRunner/pytest stderr is no tty
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert wants_progress(quiet=False, json=False)
    assert not wants_progress(quiet=True, json=False)
    assert not wants_progress(quiet=False, json=True)
    with progress_bar("clip.mp4", enabled=True) as update:
        update(1, 3)
        update(3, 3)


def test_disk_full_midway_keeps_the_frames_already_written(
    ntsc_clip: ClipSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    import vfx.io.files as files

    real = os.replace
    calls = {"n": 0}

    def fills_up(src: str, dst: object) -> None:
        calls["n"] += 1
        if calls["n"] > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", fills_up)
    result = vfx("keyframes", ntsc_clip.path, "-o", tmp_path)
    assert result.exit_code == 1 and "disk full" in result.stderr
    kept = sorted(tmp_path.glob("*.tiff"))
    assert len(kept) == 2
    for path in kept:
        assert read_image(path).shape[:2] == (96, 160)  # complete, not truncated
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_read_only_output_folder(
    ntsc_clip: ClipSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import tempfile

    def read_only(*args: object, **kwargs: object) -> object:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    result = vfx("keyframes", ntsc_clip.path, "-o", tmp_path)
    assert result.exit_code == 1
    assert "read-only" in result.stderr and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_min_distance_flags_frames_that_barely_moved(gps_clip: Path, tmp_path: Path) -> None:
    """The synthetic ride moves 11.1 m/s; keyframes are 0.48 s (5.3 m) apart: with 10 m, every
    other one is within reach of the last kept one and is flagged, never dropped."""
    result = runner.invoke(app, ["keyframes", str(gps_clip), "-o", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert [r["gps_flag"] for r in read_frame_table(tmp_path / "a")] == [""] * 6
    args = ["keyframes", str(gps_clip), "-o", str(tmp_path / "b"), "--min-distance", "10"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    flags = [r["gps_flag"] for r in read_frame_table(tmp_path / "b")]
    assert flags == ["", "duplicate", "", "duplicate", "", "duplicate"]
    assert len(list((tmp_path / "b").glob("*.tiff"))) == 6


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--distance", "0"], "--distance must be > 0"),
        (["--every", "0"], "--every must be > 0"),
        (["--distance", "5", "--every", "-1"], "--every must be > 0"),
    ],
)
def test_range_errors_name_the_option(plain_clip: Path, tmp_path: Path, args, words) -> None:
    """The library's parameter (``distance_m``) is the command line's option (``--distance``)."""
    result = runner.invoke(app, ["frames", str(plain_clip), *args, "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and words in result.stderr, result.stderr
    assert "distance_m" not in result.stderr and "every_s" not in result.stderr
