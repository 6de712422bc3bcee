"""Sound on the motion time axis (``vfx motion``'s ``audio`` output, :mod:`vfx.jobs.sound`):
synthetic clips whose tone and moving square start at known times, with the sound starting on
time or late."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from clips import write_lossless, write_with_sound
from vfx.io.images import read_image
from vfx.jobs.motion import analyse_motion

FPS, RATE = 20, 44100
# Between frames 39 (1.95 s) and 40 (2.00 s): the square is first seen at 40. Sound is
# analysed at 22050 Hz, where onset strength peaks 17-35 ms after a sound starts (hops of
# 512 samples, 23 ms): still by 2.00 s.
EVENT_S = 1.962
SECONDS = 4


def _frames() -> list[np.ndarray]:
    frames = []
    for k in range(SECONDS * FPS):
        img = np.zeros((48, 64, 3), np.uint8)
        x = 8 if k / FPS < EVENT_S else 40  # the square jumps when the tone starts
        img[16:32, x : x + 16] = 255
        frames.append(img)
    return frames


def _tone(start_s: float, seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (0.5 * np.sin(2 * np.pi * 440 * t) * (t >= start_s)).astype(np.float32)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def _peak_time(rows: list[dict[str, str]], column: str) -> float:
    values = [float(r[column]) if r[column] else 0.0 for r in rows]
    return float(rows[int(np.argmax(values))]["time_s"])


def test_onset_and_motion_peak_at_the_same_frame(tmp_path: Path) -> None:
    clip = write_with_sound(
        tmp_path / "sync.mkv", _frames(), _tone(EVENT_S, SECONDS), sample_rate=RATE, fps=FPS
    )
    result = analyse_motion(clip, tmp_path / "o", outputs=("qom", "audio"))
    qom, sound = _rows(result.files["qom"]), _rows(result.files["audio"])
    assert [r["frame_index"] for r in qom] == [r["frame_index"] for r in sound]
    assert _peak_time(qom, "qom") == pytest.approx(2.0)
    assert _peak_time(sound, "onset_strength") == pytest.approx(2.0)
    # the tone's level and pitch, before and after it starts
    after = [r for r in sound if float(r["time_s"]) > 2.2]
    before = [r for r in sound if float(r["time_s"]) < 1.8]
    assert float(after[5]["rms"]) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)
    assert float(before[5]["rms"]) < 1e-3
    assert float(after[5]["spectral_centroid_hz"]) == pytest.approx(440, rel=0.1)


def test_sound_that_starts_late_is_placed_late(tmp_path: Path) -> None:
    """The same samples (a tone 1.462 s into them), once from time 0 and once from 0.5 s: the
    onset moves 0.5 s later on the video's clock."""
    samples = _tone(EVENT_S - 0.5, SECONDS - 0.5)
    on_time = write_with_sound(
        tmp_path / "early.mkv", _frames(), samples, sample_rate=RATE, fps=FPS
    )
    late = write_with_sound(
        tmp_path / "late.mkv", _frames(), samples, sample_rate=RATE, fps=FPS, audio_start_s=0.5
    )
    early_rows = _rows(analyse_motion(on_time, tmp_path / "a", outputs=("audio",)).files["audio"])
    late_rows = _rows(analyse_motion(late, tmp_path / "b", outputs=("audio",)).files["audio"])
    assert _peak_time(early_rows, "onset_strength") == pytest.approx(1.5)
    assert _peak_time(late_rows, "onset_strength") == pytest.approx(2.0)
    # before the sound starts there is no sound to measure
    assert all(r["rms"] == "" for r in late_rows if float(r["time_s"]) < 0.45)


def test_sound_figures(tmp_path: Path) -> None:
    clip = write_with_sound(
        tmp_path / "sync.mkv", _frames(), _tone(EVENT_S, SECONDS), sample_rate=RATE, fps=FPS
    )
    result = analyse_motion(clip, tmp_path / "o")
    for key in ("waveform", "spectrogram", "tempogram", "motion_sound", "ssm"):
        picture = read_image(result.files[key])
        assert picture.ndim == 3 and picture.shape[1] >= 800, key
        assert picture.std() > 10, key  # a drawn figure, not a blank page


def test_a_video_without_sound_gets_no_sound_outputs(tmp_path: Path) -> None:
    frames = _frames()[:20]
    clip = write_lossless(tmp_path / "mute.mp4", frames, fps=FPS)
    result = analyse_motion(clip, tmp_path / "o")
    names = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert not any(n.endswith(("_audio.csv", "_waveform.png", "_motion_sound.png")) for n in names)
    assert "audio" not in result.files and "ssm" in result.files
