"""Inputs that share a name: camera file names repeat on every card (GX010001.MP4)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clips import ClipSpec
from vfx.cli import app
from vfx.io.naming import input_names
from vfx.io.table import read_frame_table

runner = CliRunner()


def test_names_are_plain_unless_shared() -> None:
    names = input_names(
        [
            Path("/c/day1/GX010001.MP4"),
            Path("/c/day2/GX010001.MP4"),
            Path("/c/x/clip.mp4"),
            Path("/c/x/clip.mov"),
            Path("/c/solo.mp4"),
            Path("/d/same/GX010001.MP4"),
        ]
    )
    assert [(n.stem, n.source) for n in names] == [
        ("day1_GX010001", "day1/GX010001.MP4"),
        ("day2_GX010001", "day2/GX010001.MP4"),
        ("clip_mp4", "clip.mp4"),
        ("clip_mov", "clip.mov"),
        ("solo", "solo.mp4"),
        ("same_GX010001", "same/GX010001.MP4"),
    ]
    # case-insensitive file systems: Clip and clip are one name
    assert (
        len({n.stem.casefold() for n in input_names([Path("/a/Clip.mp4"), Path("/b/clip.mp4")])})
        == 2
    )


@pytest.fixture
def twins(plain_clip: Path, ntsc_clip: ClipSpec, tmp_path: Path) -> tuple[Path, Path]:
    """Two different videos, both called clip.mp4, in folders a/ and b/."""
    a, b = tmp_path / "a" / "clip.mp4", tmp_path / "b" / "clip.mp4"
    a.parent.mkdir()
    b.parent.mkdir()
    shutil.copyfile(plain_clip, a)
    shutil.copyfile(ntsc_clip.path, b)
    return a, b


def _images(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.suffix == ".tiff")


def test_one_command_gives_each_input_its_own_names(
    twins: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b = twins
    out = tmp_path / "out"
    result = runner.invoke(app, ["keyframes", str(a), str(b), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_frame_table(out)
    assert {r["source"] for r in rows} == {"a/clip.mp4", "b/clip.mp4"}
    assert len(rows) == 12 and len(_images(out)) == 12  # 6 keyframes each, none lost
    assert all(r["file"].startswith(("a_clip_", "b_clip_")) for r in rows)
    # A re-run finds each input's own images there, and only those.
    result = runner.invoke(app, ["keyframes", str(a), str(b), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [(r["written"], r["skipped"]) for r in records] == [(0, 6), (0, 6)]


def test_another_file_of_the_same_name_is_never_already_there(
    twins: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b = twins
    out = tmp_path / "out"
    assert runner.invoke(app, ["keyframes", str(a), "-o", str(out)]).exit_code == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    result = runner.invoke(app, ["keyframes", str(b), "-o", str(out)])
    assert result.exit_code == 1
    assert "lists frames of another video named clip.mp4" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before  # nothing touched
    result = runner.invoke(app, ["keyframes", str(b), "-o", str(out), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert {r["source_id"] for r in read_frame_table(out)} == {
        f"{b.stat().st_size}:{b.stat().st_mtime_ns}"
    }


def test_a_changed_source_is_extracted_again(plain_clip: Path, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    shutil.copyfile(plain_clip, clip)
    out = tmp_path / "out"
    assert runner.invoke(app, ["keyframes", str(clip), "-o", str(out)]).exit_code == 0
    os.utime(clip, ns=(0, clip.stat().st_mtime_ns + 10**9))  # the file was replaced
    result = runner.invoke(app, ["keyframes", str(clip), "-o", str(out), "--overwrite", "--json"])
    assert json.loads(result.stdout)["written"] == 6
    # and without --overwrite an image frames.csv does not list is written again
    (out / "frames.csv").unlink()
    result = runner.invoke(app, ["keyframes", str(clip), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["written"] == 6


def test_a_run_keeps_inputs_of_one_name_apart(twins: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = twins
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["run", "keyframe-display", str(a), str(b), "-o", str(out), "-j", "1"]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "run.json").read_text())
    entries = manifest["recipes"]["keyframe-display"]["inputs"]
    assert {e["status"] for e in entries.values()} == {"done"} and len(entries) == 2
    outputs = [set(e["outputs"]) for e in entries.values()]
    assert outputs[0].isdisjoint(outputs[1]) and all(Path(p).exists() for o in outputs for p in o)
    assert {p.name for p in out.iterdir() if p.is_dir()} == {
        "a_clip_keyframe-display",
        "b_clip_keyframe-display",
    }


def test_a_table_from_before_source_id_is_redone_not_refused(
    plain_clip: Path, tmp_path: Path
) -> None:
    """frames.csv written by an earlier vfx has no source_id: its images are written again
    from this file, and the folder is not taken for another video's."""
    import csv

    out = tmp_path / "out"
    assert runner.invoke(app, ["keyframes", str(plain_clip), "-o", str(out)]).exit_code == 0
    table = out / "frames.csv"
    with table.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row.pop("source_id")
    with table.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(app, ["keyframes", str(plain_clip), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["written"] == 6
    assert all(r["source_id"] for r in read_frame_table(out))
