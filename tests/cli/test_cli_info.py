"""``vfx info`` and the error boundary shared by every command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from clips import ClipSpec
from conftest import SAMPLE
from vfx import __version__
from vfx.cli import app

runner = CliRunner()


def test_info_json_is_exact(ntsc_clip: ClipSpec) -> None:
    result = runner.invoke(app, ["info", str(ntsc_clip.path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["fps"] == "24000/1001"
    assert data["frame_count"] == 61 and data["keyframe_count"] == 6
    assert data["width"] == 160 and data["height"] == 96
    assert data["streams"][0]["tag"] == "avc1"
    assert data["telemetry"] == []


def test_info_text(rotated_clip: ClipSpec) -> None:
    result = runner.invoke(app, ["info", str(rotated_clip.path)])
    assert result.exit_code == 0
    assert "rotation 90" in result.stdout and "96x160" in result.stdout
    assert "keyframes" in result.stdout


def test_info_max_pixels() -> None:
    result = runner.invoke(app, ["info", str(SAMPLE), "--max-pixels", "5"])
    assert result.exit_code == 1 and "exceeds the limit" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"", "file is empty"), (b"garbage" * 50, "not a readable video")],
)
def test_errors_are_one_line_exit_1_no_traceback(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "in put.mp4"
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert str(path) in result.stderr and message in result.stderr
    assert "Traceback" not in result.output


def test_debug_env_lets_the_traceback_through(tmp_path: Path) -> None:
    result = runner.invoke(app, ["info", str(tmp_path / "missing.mp4")], env={"VFX_DEBUG": "1"})
    assert result.exit_code == 1
    assert result.exception is not None and "no such file" in str(result.exception)


def test_version_and_verbose() -> None:
    assert runner.invoke(app, ["--version"]).stdout.strip() == f"vfx {__version__}"
    result = runner.invoke(app, ["-v", "info", str(SAMPLE), "--json"])
    assert result.exit_code == 0


@pytest.mark.media
def test_info_says_when_the_creation_time_is_the_camera_clock() -> None:
    """The HERO7 writes its local time as CreateDate; the GPS clock shows it is 7 h off."""
    from conftest import media

    path = media("gopro-hero7.mp4")
    result = CliRunner().invoke(app, ["info", str(path), "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["creation_time_is_utc"] is False
    assert record["gps_start_utc"].startswith("2019-05-06T18:15:07")
    assert record["creation_minus_gps_s"] == pytest.approx(-25299.4, abs=0.5)
    text = CliRunner().invoke(app, ["info", str(path)], env={"COLUMNS": "120"}).stdout
    assert "camera clock, not UTC: -7 h 01 min" in text


def test_verbose_is_shown_as_a_flag() -> None:
    text = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "100"}).stdout
    line = next(line for line in text.splitlines() if "--verbose" in line)
    assert "<int>" not in line and "default" not in line and "takes no value" in line


@pytest.mark.parametrize(("device", "named"), [(b"GoPro Max", True), (b"HERO7 Black", False)])
def test_info_names_a_360_cameras_flat_mode(
    plain_clip: Path, tmp_path: Path, device: bytes, named: bool
) -> None:
    """A GoPro MAX in HERO mode records one flat 16:9 stream with no spherical metadata:
    info says so instead of staying silent (a HERO7's clip says nothing of the kind)."""
    from mp4build import add_track, gps5_payload
    from telemetry_clips import T0

    samples = [gps5_payload([(45.0, 7.0, 100.0, 1.0, 1.0)] * 10, T0, device=device)]
    clip = add_track(plain_clip, tmp_path / "cam.mp4", entry="gpmd", samples=samples,
                     durations=[1000])  # fmt: skip
    result = runner.invoke(app, ["info", str(clip)])
    assert result.exit_code == 0, result.output
    assert ("HERO mode, not 360" in result.output) is named
    record = json.loads(runner.invoke(app, ["info", str(clip), "--json"]).stdout)
    assert (record.get("camera_mode") == "flat: the GoPro Max's HERO mode, not 360") is named


def test_info_of_a_folder_says_what_vfx_made_in_it(tmp_path: Path) -> None:
    import json

    from clips import write_lossless
    from vfx.io.images import write_image

    frames = [np.full((32, 48, 3), 20 * k, np.uint8) for k in range(6)]
    clip = write_lossless(tmp_path / "c.mp4", frames)
    out = tmp_path / "out"
    assert (
        runner.invoke(app, ["frames", str(clip), "--all", "-f", "png", "-o", str(out)]).exit_code
        == 0
    )
    assert runner.invoke(app, ["composite", str(out), "-o", str(out / "d.png")]).exit_code == 0
    write_image(out / "mine.png", frames[0])
    result = runner.invoke(app, ["info", str(out), "--json"])
    assert result.exit_code == 0, result.output
    made = {o["file"]: o for o in json.loads(result.stdout)["outputs"]}
    assert set(made) == {"frames.csv", "d.png"}  # not the hand-made picture
    assert made["d.png"]["command"] == "composite" and made["frames.csv"]["command"] == "frames"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["info", str(empty)])
    assert result.exit_code == 1 and "no vfx.json" in result.stderr
