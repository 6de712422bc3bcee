"""Real camera clips from ../shared/media (skipped when the folder is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import media
from vfx.io.table import read_frame_table
from vfx.io.video.reader import probe
from vfx.jobs.stills import extract_keyframes

pytestmark = pytest.mark.media

# Keyframe counts as ffprobe reports them (packets flagged K).
KEYFRAMES = {"gopro-hero7.mp4": 36, "gopro-karma.mp4": 46, "camm-orientation.mp4": 5}


@pytest.mark.parametrize("name", sorted(KEYFRAMES))
def test_real_clip_keyframe_count(name: str, tmp_path: Path) -> None:
    path = media(name)
    info = probe(path)
    assert info.keyframe_count == KEYFRAMES[name]
    result = extract_keyframes(path, tmp_path)
    assert len(result.written) == KEYFRAMES[name]
    rows = read_frame_table(tmp_path)
    times = [float(r["time_s"]) for r in rows]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert all(r["pict_type"] == "I" for r in rows)


def test_gopro_info_lists_the_gpmf_track() -> None:
    info = probe(media("gopro-hero7.mp4"))
    tags = {s.tag for s in info.telemetry}
    assert "gpmd" in tags
    assert info.width == 848 and info.height == 480
    assert str(info.fps) == "30000/1001"


def test_camm_info_lists_the_camm_track() -> None:
    info = probe(media("camm-orientation.mp4"))
    assert [s.tag for s in info.telemetry] == ["camm"]
