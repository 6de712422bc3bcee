"""``vfx select`` through the CLI: every option, checked by its effect."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from clips import write_lossless
from selection_clips import EVENTS, H, W, _event, pool_onnx
from vfx.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def events_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    static = np.full((H, W, 3), 90, np.uint8)
    frames = [_event(EVENTS[i]) if i in EVENTS else static for i in range(120)]
    return write_lossless(tmp_path_factory.mktemp("cli_sel") / "events.mp4", frames, fps=10)


def _select(clip: Path, out: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["select", str(clip), "-o", str(out), "--json", *args])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_seed_chooses_the_random_frames(events_clip: Path, tmp_path: Path) -> None:
    a = _select(
        events_clip, tmp_path / "a", "-n", "6", "-m", "random", "--seed", "7", "--no-dedupe"
    )
    b = _select(
        events_clip, tmp_path / "b", "-n", "6", "-m", "random", "--seed", "7", "--no-dedupe"
    )
    c = _select(
        events_clip, tmp_path / "c", "-n", "6", "-m", "random", "--seed", "8", "--no-dedupe"
    )
    pick = [x["chosen"]["frame_indices"] for x in (a, b, c)]
    assert pick[0] == pick[1] != pick[2]


def test_dedupe_and_no_dedupe(events_clip: Path, tmp_path: Path) -> None:
    on = _select(events_clip, tmp_path / "on", "-n", "4")
    off = _select(events_clip, tmp_path / "off", "-n", "4", "--no-dedupe")
    assert on["duplicates_removed"] == 107 + 4 * 2 and off["duplicates_removed"] == 0


def test_compare_reports_uniform_and_random(events_clip: Path, tmp_path: Path) -> None:
    plain = _select(events_clip, tmp_path / "p", "-n", "4")
    compared = _select(events_clip, tmp_path / "c", "-n", "4", "--compare")
    assert plain["compared"] == []
    assert [r["method"] for r in compared["compared"]] == ["uniform", "random"]
    text = runner.invoke(
        app, ["select", str(events_clip), "-n", "4", "-o", str(tmp_path / "t"), "--compare"]
    )
    assert text.exit_code == 0 and "uniform" in text.stdout and "random" in text.stdout


def test_model_input_size_mean_and_std(events_clip: Path, tmp_path: Path) -> None:
    path = pool_onnx(tmp_path / "pool.onnx")
    base = ["-n", "4", "--model", str(path), "--input-size", "32"]
    a = _select(events_clip, tmp_path / "a", *base)
    assert a["embedder"] == "onnx pool.onnx"
    # the normalisation reaches the model: another mean/std gives other embedding distances
    b = _select(events_clip, tmp_path / "b", *base, "--mean", "0.9,0.1,0.5", "--std", "0.1,0.9,0.3")
    assert a["chosen"]["distances"] != b["chosen"]["distances"]
    # the input size reaches the model: a finer grid of pooled cells, other distances
    c = _select(events_clip, tmp_path / "c", "-n", "4", "--model", str(path), "--input-size", "64")
    assert c["chosen"]["distances"] != a["chosen"]["distances"]
    bad = runner.invoke(app, ["select", str(events_clip), "-n", "4", "--mean", "0.5,0.5"])
    assert bad.exit_code == 1 and "mean" in bad.output


def test_select_tags_its_frames_with_the_metadata_options(gps_clip: Path, tmp_path: Path) -> None:
    """select writes tagged frames as vfx frames does, so it takes the same metadata options."""
    from vfx.io.table import read_frame_table

    out = tmp_path / "sel"
    args = ["-n", "3", "-o", str(out), "--offset", "3600", "--no-dedupe", "--camera-make", "Acme"]
    result = runner.invoke(app, ["select", str(gps_clip), *args])
    assert result.exit_code == 0, result.output
    rows = read_frame_table(out)
    assert len(rows) == 3 and all(r["datetime_utc"].startswith("2024-05-01T11:00") for r in rows)
    bare = runner.invoke(
        app, ["select", str(gps_clip), "-n", "3", "-o", str(tmp_path / "b"), "--no-metadata"]
    )
    assert bare.exit_code == 0
    assert all(not r.get("datetime_utc") for r in read_frame_table(tmp_path / "b"))
