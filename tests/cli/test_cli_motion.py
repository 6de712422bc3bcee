"""``vfx motion`` through CliRunner: outputs, options, errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from clips import ClipSpec
from vfx.cli import app

runner = CliRunner()


def vfx(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_motion_all_outputs_by_name(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    result = vfx("motion", ntsc_clip.path, "-o", tmp_path, "--history-video")
    assert result.exit_code == 0, result.output
    stem = ntsc_clip.path.stem
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {
        f"{stem}_motion.mp4",
        f"{stem}_motiongram_time-x.png",
        f"{stem}_motiongram_time-y.png",
        f"{stem}_videogram_time-x.png",
        f"{stem}_videogram_time-y.png",
        f"{stem}_average.png",
        f"{stem}_history.png",
        f"{stem}_history.mp4",
        f"{stem}_qom.csv",
        f"{stem}_qom.png",
        f"{stem}_ssm.png",
        "vfx.json",
    }
    assert f"{ntsc_clip.frames} frames" in result.stdout


def test_motion_only_json_and_options(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    result = vfx(
        "motion",
        ntsc_clip.path,
        "-o",
        tmp_path,
        "--only",
        "qom,motiongrams",
        "--json",
        "--stride",
        "2",
        "--start",
        "0.5",
        "--end",
        "2",
        "--threshold",
        "0.1",
        "--binary",
        "--color",
        "--median",
        "3",
        "--stretch",
        "--no-normalize",
        "--history-decay",
        "0.5",
        "--max-profile",
        "100",
        "--no-metadata",
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert set(record["files"]) == {"motiongram_time-x", "motiongram_time-y", "qom", "qom_plot"}
    assert record["frames"] == 18  # frames 12..47 (0.5 s to 2 s at 23.976 fps), every 2nd


def test_motion_errors_are_one_line(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    result = vfx("motion", ntsc_clip.path, "-o", tmp_path, "--only", "sparkles")
    assert result.exit_code == 1 and "outputs must be among" in result.stderr
    result = vfx("motion", ntsc_clip.path, "-o", tmp_path, "--start", "9")
    assert result.exit_code == 1 and "at least 2 frames" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not any(tmp_path.iterdir())


def test_normalize_scales_the_motiongram_to_full_range(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    from vfx.io.images import read_image

    name = f"{ntsc_clip.path.stem}_motiongram_time-x.png"
    for flag in ("--normalize", "--no-normalize"):
        result = vfx("motion", ntsc_clip.path, "-o", tmp_path / flag, "--only", "motiongrams", flag)
        assert result.exit_code == 0, result.output
    on = read_image(tmp_path / "--normalize" / name)
    off = read_image(tmp_path / "--no-normalize" / name)
    assert int(on.max()) == 65535  # scaled by its maximum
    assert int(off.max()) < int(on.max())  # full scale: faint motion stays faint


def test_the_old_every_frame_count_still_works_with_a_warning(
    ntsc_clip: ClipSpec, tmp_path: Path
) -> None:
    """--every meant a frame count in motion and select and seconds in frames; --stride N is
    the frame count now, and --every N keeps working for a release, with a warning."""
    new = vfx(
        "motion", ntsc_clip.path, "-o", tmp_path / "a", "--only", "qom", "--stride", "3", "--json"
    )
    old = vfx(
        "motion", ntsc_clip.path, "-o", tmp_path / "b", "--only", "qom", "--every", "3", "--json"
    )
    assert new.exit_code == old.exit_code == 0, old.output
    assert json.loads(new.stdout)["frames"] == json.loads(old.stdout)["frames"] == 21
    assert (
        "deprecated" in old.stderr and "--stride" in old.stderr and "deprecated" not in new.stderr
    )
    shown = runner.invoke(app, ["motion", "--help"], env={"COLUMNS": "200"}).stdout
    assert not any(line.strip("│ ").startswith("--every") for line in shown.splitlines())


def test_trails_writes_its_video_and_refuses_in_one_line(
    ntsc_clip: ClipSpec, tmp_path: Path
) -> None:
    out = tmp_path / "t.mp4"
    result = vfx("trails", ntsc_clip.path, "-o", out, "--mode", "mean", "--frames", "4", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["frames"] == ntsc_clip.frames and Path(record["path"]) == out
    result = vfx("trails", ntsc_clip.path, "-o", out)
    assert result.exit_code == 1 and "--overwrite" in result.stderr
    assert result.stderr.count("\n") == 1
    result = vfx("trails", ntsc_clip.path, "-o", tmp_path / "d.mp4", "--dark", "--mode", "mean")
    assert result.exit_code == 1 and "decay mode" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.mp4", "vfx.json"]


def test_motion_slit_options_are_checked(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    result = vfx("motion", ntsc_clip.path, "-o", tmp_path, "--slit-x", "3")
    assert result.exit_code == 1 and "--videogram slit" in result.stderr
    result = vfx("motion", ntsc_clip.path, "-o", tmp_path, "--videogram", "slot")
    assert result.exit_code == 1 and "videogram must be one of mean, slit" in result.stderr
    assert not any(tmp_path.iterdir())
