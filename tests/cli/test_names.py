"""File names FFmpeg would misread: every command opens a local file as a file.

FFmpeg takes the part of a name before a colon as a protocol (``2019-11-18T23:45:15.mp4`` gave
"Protocol not found"), and a name starting with ``-`` looks like an option to a command line.
Each test copies the session's plain clip under such a name.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vfx.cli import app
from vfx.io.table import read_frame_table

runner = CliRunner()

NAMES = [
    os.fsdecode(b"caf\xe9.mp4"),  # a Latin-1 byte: not UTF-8, reaches Python as a surrogate
    "2019-11-18T23:45:15.mp4",
    "co:lon.mp4",
    "-leading dash.mp4",
    "new\nline.mp4",
    "café ü 日本.mp4",
    "file:looks like a protocol.mp4",
]


@pytest.fixture(
    params=NAMES, ids=["latin1", "iso-time", "colon", "dash", "newline", "unicode", "file"]
)
def odd_clip(request: pytest.FixtureRequest, plain_clip: Path, tmp_path: Path) -> Path:
    path = tmp_path / "in" / request.param
    path.parent.mkdir()
    shutil.copyfile(plain_clip, path)
    return path


def vfx(*args: object) -> object:
    return runner.invoke(app, [str(a) for a in args])


def test_keyframes_and_frames_read_odd_names(odd_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "kf"
    result = vfx("keyframes", odd_clip, "-o", out)
    assert result.exit_code == 0, result.output
    rows = read_frame_table(out)
    assert len(rows) == 6 and {r["source"] for r in rows} == {odd_clip.name}
    assert all((out / r["file"]).is_file() for r in rows)
    result = vfx("frames", odd_clip, "--every", "1", "-o", tmp_path / "fr")
    assert result.exit_code == 0, result.output
    assert len(read_frame_table(tmp_path / "fr")) == 3


def test_info_motion_and_run_read_odd_names(odd_clip: Path, tmp_path: Path) -> None:
    result = vfx("info", odd_clip, "--json")
    assert result.exit_code == 0, result.output
    assert '"frames": 61' in result.stdout
    result = vfx("motion", odd_clip, "-o", tmp_path / "motion", "--quiet")
    assert result.exit_code == 0, result.output
    assert any((tmp_path / "motion").glob("*.mp4"))
    result = vfx("run", "keyframe-display", odd_clip.parent, "-o", tmp_path / "run", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "1 done" in result.stdout
