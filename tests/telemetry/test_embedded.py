"""Telemetry through the exiftool fallback, with exiftool's documents given at its boundary.

The layouts are those exiftool prints for real cameras (``-ee -n -G3 -s``): an Insta360 clip's
GPS documents carry ``GPSDateTime`` but no ``SampleTime``; GoPro Karma's carry one
``GPSDateTime`` per fix, 0.25 s apart; a camera without a fix writes 0,0.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mp4build import add_track, set_creation_time
from vfx.cli import app
from vfx.io.table import read_frame_table
from vfx.telemetry import embedded
from vfx.telemetry.embedded import read_exiftool_track

Docs = dict[str, list[tuple[str, str]]]


def _fix(when: str, lat: float, lon: float) -> list[tuple[str, str]]:
    return [("GPSDateTime", when), ("GPSLatitude", str(lat)), ("GPSLongitude", str(lon))]


def _insta360_docs() -> Docs:
    """Two fixes a second for 3 s, UTC stamps only (no SampleTime)."""
    docs: Docs = {}
    for i in range(6):
        t = 0.5 * i
        docs[f"Doc{i + 1}"] = _fix(f"2024:05:01 10:00:{t:06.3f}Z", 45 + 1e-5 * i, 7.0)
    return docs


def _patch(monkeypatch: pytest.MonkeyPatch, main: dict[str, str], docs: Docs) -> None:
    monkeypatch.setattr(embedded, "read_embedded_docs", lambda path: (main, docs))


def test_stamps_without_sample_times_are_placed_by_the_creation_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _patch(monkeypatch, {"Make": "Insta360", "Model": "ONE X2"}, _insta360_docs())
    created = datetime(2024, 5, 1, 10, 0, 1, tzinfo=UTC)
    found = read_exiftool_track(Path("x.insv"), creation_utc=created)
    assert found.track is not None and len(found.track) == 6
    assert np.isfinite(found.track.time_s).all() and np.isfinite(found.track.utc_s).all()
    assert found.track.time_s.tolist() == pytest.approx([-1.0, -0.5, 0.0, 0.5, 1.0, 1.5])
    assert found.clock is not None and found.clock.source == "creation"
    assert any("creation time" in n for n in found.notes)
    # Without a creation time the documents cannot be placed: skipped, with a note, no NaN.
    found = read_exiftool_track(Path("x.insv"))
    assert found.track is None and found.clock is None
    assert any("6 of 6 exiftool GPS documents have no usable time" in n for n in found.notes)


def test_one_stamp_per_fix_keeps_each_fix_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # Karma's GLPI: 4 fixes 0.25 s apart in a 1.001 s sample; spreading would put them
    # 0.25025 s apart and the last 0.75 ms late per sample, growing over the document.
    docs: Docs = {}
    for k in range(3):
        fixes = [("SampleTime", str(1.001 * k)), ("SampleDuration", "1.001")]
        for i in range(4):
            s = 0.1 + k + 0.25 * i
            fixes += _fix(f"2017:04:17 19:27:{57 + s:09.6f}", 33 + 1e-5 * (4 * k + i), -117.0)
        docs[f"Doc{k + 1}"] = fixes
    _patch(monkeypatch, {}, docs)
    found = read_exiftool_track(Path("karma.mp4"))
    track = found.track
    assert track is not None and len(track) == 12
    assert np.diff(track.utc_s) == pytest.approx([0.25] * 11)
    # time and UTC advance together, fix by fix
    assert (track.utc_s - track.time_s) == pytest.approx([found.clock.offset_s] * 12, abs=2e-3)
    assert found.clock.source == "gps"


def test_fixes_at_zero_zero_are_no_gps(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = {
        "Doc1": [("SampleTime", "0"), ("SampleDuration", "1"), *_fix("x", 0, 0)],
        "Doc2": [("SampleTime", "1"), ("SampleDuration", "1"), *_fix("x", 0, 0)],
    }
    _patch(monkeypatch, {}, docs)
    found = read_exiftool_track(Path("x.mp4"))
    assert found.track is None
    assert any("2 of 2 exiftool GPS fixes are at 0,0" in n for n in found.notes)


@pytest.fixture
def unknown_track_clip(plain_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clip with a metadata track vfx has no reader for, so exiftool is asked."""
    monkeypatch.chdir(tmp_path)
    return add_track(
        plain_clip, tmp_path / "insta.mp4", entry="inst", samples=[b"\0" * 16], durations=[1000]
    )


@pytest.mark.parametrize("command", ["keyframes", "frames"])
def test_commands_complete_on_an_insta360_layout(
    unknown_track_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    _patch(monkeypatch, {"Make": "Insta360"}, _insta360_docs())
    extra = ["--every", "1"] if command == "frames" else []
    # No creation time: the stamps cannot be placed on the video; no position, no NaN.
    result = CliRunner().invoke(app, [command, str(unknown_track_clip), "-o", "a", *extra])
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output and "no usable time" in result.output
    assert all(r["lat"] == "" for r in read_frame_table("a"))
    # With one, they are: the clip starts at 10:00:01, so its frames lie on the track.
    set_creation_time(unknown_track_clip, datetime(2024, 5, 1, 10, 0, 1, tzinfo=UTC))
    result = CliRunner().invoke(app, [command, str(unknown_track_clip), "-o", "b", *extra])
    assert result.exit_code == 0, result.output
    rows = read_frame_table("b")
    assert rows[0]["datetime_utc"] == "2024-05-01T10:00:01.000Z"
    assert float(rows[0]["lat"]) == pytest.approx(45 + 2e-5)
    assert all(np.isfinite(float(r["lat"])) for r in rows if r["lat"])


def test_native_telemetry_never_asks_exiftool(
    gps_clip: Path, camm_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GPMF or CAMM track without GPS has none for exiftool to find either."""
    from vfx.telemetry.read import read_telemetry

    def boom(path: Path) -> object:
        raise AssertionError("exiftool was asked")

    monkeypatch.setattr(embedded, "read_embedded_docs", boom)
    for clip in (gps_clip, camm_clip):
        assert read_telemetry(clip).sources


@pytest.mark.tools
def test_the_exiftool_fallback_runs_under_a_time_limit(plain_clip: Path) -> None:
    """A long or crafted telemetry track must not hold a command for minutes: past its time
    limit exiftool is killed and the fallback reports it (one line, the command goes on)."""
    import shutil

    from vfx.errors import MetadataError
    from vfx.io.exiftool import read_embedded_docs

    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    main, _ = read_embedded_docs(plain_clip)
    assert main  # the real thing reads the file
    with pytest.raises(MetadataError, match=r"took more than 0\.001 s"):
        read_embedded_docs(plain_clip, timeout_s=0.001)
