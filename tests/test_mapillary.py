"""Acceptance by the real client: mapillary_tools 0.14 processes vfx's outputs.

``make test`` installs mapillary_tools in a virtual environment of its own (``.venv-mapillary``,
so its pins never touch vfx's) and points ``VFX_MAPILLARY_TOOLS`` at it; elsewhere the tests
look there and skip when it is absent. Every image must come out ready, and the capture time,
position, altitude and direction in mapillary_tools' description must be frames.csv's.
"""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT, media
from max360 import make_max_clip
from rides import make_ride
from vfx.cli import app
from vfx.io.table import read_frame_table

_runner = CliRunner()


def _tool() -> Path:
    path = Path(
        os.environ.get("VFX_MAPILLARY_TOOLS", ROOT / ".venv-mapillary" / "bin" / "mapillary_tools")
    )
    if not path.is_file():
        pytest.skip(f"mapillary_tools not installed at {path} (make test installs it)")
    return path


def _vfx(*args: object) -> None:
    result = _runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output


def _process(folder: Path, *extra: str) -> list[dict]:
    desc = folder.parent / f"{folder.name}_description.json"
    done = subprocess.run(
        [str(_tool()), "process", str(folder), "--desc_path", str(desc), "--num_processes", "0",
         *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    records = json.loads(desc.read_text()) if desc.is_file() else []
    assert records, done.stderr[-2000:]
    return records


def _capture_time(row: dict[str, str]) -> str:
    """frames.csv's ``2019-05-06T18:15:07.362Z`` as mapillary's ``2019_05_06_18_15_07_362``."""
    when = row["datetime_utc"].rstrip("Z")
    return when.replace("-", "_").replace("T", "_").replace(":", "_").replace(".", "_")


def _accepted(folder: Path, *extra: str) -> list[dict]:
    """Run ``process``, check every image is ready and matches frames.csv, then ``zip`` the
    JPEGs: mapillary_tools' zip and upload write the description into the image with piexif,
    which handles JPEG and WebP only, so a TIFF folder stops after ``process``."""
    rows = {r["file"]: r for r in read_frame_table(folder)}
    records = _process(folder, *extra)
    errors = [r for r in records if "error" in r]
    assert not errors, errors[:3]
    assert sorted(Path(r["filename"]).name for r in records) == sorted(rows)
    for rec in records:
        row = rows[Path(rec["filename"]).name]
        assert rec["MAPCaptureTime"] == _capture_time(row)
        assert rec["MAPLatitude"] == pytest.approx(float(row["lat"]), abs=1e-7)
        assert rec["MAPLongitude"] == pytest.approx(float(row["lon"]), abs=1e-7)
        if row["alt"]:
            assert rec["MAPAltitude"] == pytest.approx(float(row["alt"]), abs=1e-3)
        if row["heading"]:
            heading = rec["MAPCompassHeading"]["TrueHeading"]
            assert heading == pytest.approx(float(row["heading"]), abs=0.01)
    if any(Path(r["filename"]).suffix.lower() != ".jpg" for r in records):
        return records
    desc = folder.parent / f"{folder.name}_description.json"
    zips = folder.parent / f"{folder.name}_zip"
    done = subprocess.run(
        [str(_tool()), "zip", str(folder), str(zips), "--desc_path", str(desc)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    zipped = [n for z in zips.glob("*.zip") for n in zipfile.ZipFile(z).namelist()]
    assert len(zipped) == len(records)
    return records


CASES = {
    # no option at all: --distance writes JPEG, with a position on every frame
    "distance-default": ("frames", "--distance", "3"),
    "distance-tiff": ("frames", "--distance", "3", "-f", "tiff"),
    "every-jpg": ("frames", "--every", "1", "-f", "jpg", "--require-gps"),
    "keyframes-jpg": ("keyframes", "-f", "jpg", "--require-gps"),
    "keyframes-tiff": ("keyframes", "--require-gps"),
}


@pytest.mark.media
@pytest.mark.parametrize("case", sorted(CASES))
def test_hero7_outputs_are_ready_for_upload(case: str, tmp_path: Path) -> None:
    command, *options = CASES[case]
    out = tmp_path / case
    _vfx(command, media("gopro-hero7.mp4"), *options, "-o", out, "--quiet")
    records = _accepted(out)
    assert len(records) >= 5
    if case == "distance-default":  # so zip ran on every image
        assert {Path(r["filename"]).suffix for r in records} == {".jpg"}


@pytest.mark.media
def test_karma_drone_positions_are_accepted(tmp_path: Path) -> None:
    out = tmp_path / "karma"
    _vfx("frames", media("gopro-karma.mp4"), "--every", "1", "-f", "jpg", "--require-gps",
         "-o", out, "--quiet")  # fmt: skip
    assert len(_accepted(out)) >= 5


def test_duplicates_are_the_ones_vfx_flagged(tmp_path: Path) -> None:
    """A ride with a stop: mapillary_tools' own duplicate check finds exactly the frames vfx
    flagged (same distance and angle rule, same defaults)."""
    clip = make_ride(tmp_path / "ride.mp4")
    out = tmp_path / "ride"
    _vfx("frames", clip, "--every", "0.5", "-f", "jpg", "-o", out, "--quiet")
    rows = read_frame_table(out)
    flagged = {r["file"] for r in rows if r["gps_flag"] == "duplicate"}
    assert len(flagged) >= 8
    records = _process(out)
    theirs = {
        Path(r["filename"]).name
        for r in records
        if r.get("error", {}).get("type") == "MapillaryDuplicationError"
    }
    assert theirs == flagged
    others = [r for r in records if "error" in r and Path(r["filename"]).name not in flagged]
    assert not others, others[:3]
    # dropped instead of flagged: every image is ready
    dropped = tmp_path / "dropped"
    _vfx("frames", clip, "--every", "0.5", "-f", "jpg", "--drop-duplicates", "-o", dropped,
         "--quiet")  # fmt: skip
    assert len(_accepted(dropped)) == len(rows) - len(flagged)


def test_camera_angle_and_next_heading_reach_the_description(tmp_path: Path) -> None:
    clip = make_ride(tmp_path / "ride.mp4")
    for heading in ("track", "next"):
        out = tmp_path / heading
        _vfx("frames", clip, "--distance", "2", "-f", "jpg", "--camera-angle", "90",
             "--heading", heading, "-o", out, "--quiet")  # fmt: skip
        _accepted(out)


def test_max_360_panoramas_are_ready_for_upload(tmp_path: Path) -> None:
    clip = make_max_clip(tmp_path / "GS010001.360", frames=20)
    out = tmp_path / "pano"
    _vfx("frames", clip, "--every", "0.5", "-f", "jpg", "--width", "1024", "-o", out, "--quiet")
    assert len(_accepted(out)) == 4


@pytest.mark.media
def test_the_mapping_recipe_is_ready_for_upload(tmp_path: Path) -> None:
    """The built-in geotag-frames recipe writes JPEG and only frames with a position: every
    image it writes passes process and zip (the HERO7's GPS stops before its video does)."""
    _vfx("run", ROOT / "recipes" / "geotag-frames.toml", media("gopro-hero7.mp4"),
         "-o", tmp_path, "--quiet")  # fmt: skip
    frames = tmp_path / "gopro-hero7_geotag-frames" / "frames"
    rows = read_frame_table(frames)
    assert rows and all(r["lat"] for r in rows)
    assert len(_accepted(frames)) == len(rows)
