"""``vfx.ops.spectral`` against librosa's numbers for one signal (recorded once by
bench/spectral_oracle.py in MGT's environment, tests/data/librosa_spectral.json), and
hand-computed cases."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import ROOT
from vfx.ops.spectral import Spectrum, per_interval, power_to_db, tempogram

RATE = 22050
RECORD = json.loads((ROOT / "tests" / "data" / "librosa_spectral.json").read_text())


def _signal() -> np.ndarray:
    """The recorded signal, from the same formula as bench/spectral_oracle.py."""
    t = np.arange(int(1.5 * RATE)) / RATE
    noise = np.sin(12345.678 * t**2)
    y = 0.5 * np.sin(2 * np.pi * 440 * t) * ((t % 0.3) < 0.1)
    y += 0.1 * noise * (t > 0.6) + 0.3 * np.sin(2 * np.pi * 1500 * t) * (t > 1.0)
    return y.astype(np.float32)


@pytest.fixture(scope="module")
def measured():
    spectrum = Spectrum(RATE)
    y = _signal()
    for start in range(0, y.size, 1000):  # chunks of a decoder's size, not one array
        spectrum.update(y[start : start + 1000])
    return spectrum.result()


def _close(ours: np.ndarray, theirs: list, rel: float = 1e-4) -> None:
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= rel * np.abs(theirs).max()


def test_frames_and_mel_spectrogram_are_librosas(measured) -> None:
    assert measured.frames == RECORD["frames"] == 1 + _signal().size // 512
    _close(measured.mel_power[[0, 20, 60, 127]], RECORD["mel_bands_0_20_60_127"])


def test_onset_strength_and_tempogram_are_librosas(measured) -> None:
    onset = measured.onset()
    _close(onset, RECORD["onset"])
    _close(tempogram(onset)[:33, 40], RECORD["tempogram_column_40_lags_0_32"])
    # a column asked for alone is the same column
    alone = tempogram(onset, columns=np.array([40]))
    assert np.allclose(alone[:, 0], tempogram(onset)[:, 40])


def test_rms_and_centroid_are_librosas(measured) -> None:
    _close(measured.rms, RECORD["rms"])
    _close(measured.centroid_hz, RECORD["centroid_hz"])


def test_extremes_per_hop() -> None:
    spectrum = Spectrum(RATE)
    y = np.zeros(2048, np.float32)
    y[600] = 0.9
    y[1500] = -0.4
    spectrum.update(y)
    result = spectrum.result()
    assert result.high.size == result.frames == 5
    assert result.high.tolist()[:2] == [0.0, pytest.approx(0.9)]
    assert result.low[2] == pytest.approx(-0.4)


def test_power_to_db_floors() -> None:
    db = power_to_db(np.array([100.0, 1.0, 1e-20]), ref=100.0, top_db=None)
    assert db.tolist() == pytest.approx([0.0, -20.0, -120.0])  # floored at 1e-10
    assert power_to_db(np.array([1.0, 1e-12]))[1] == pytest.approx(-80.0)


def test_per_interval_covers_each_video_frame() -> None:
    t = np.arange(10) * 0.1
    values = np.arange(10.0)
    edges = np.array([-1.0, 0.15, 0.35, 0.36, 5.0, 6.0])
    mean = per_interval(t, values, edges)
    assert mean[0] == pytest.approx(0.5)  # frames 0, 1
    assert mean[1] == pytest.approx(2.5)  # frames 2, 3
    assert mean[2] == pytest.approx(4.0)  # empty: the frame nearest 0.36 (0.4)
    assert mean[3] == pytest.approx(6.5)  # frames 4 to 9
    assert np.isnan(mean[4])  # after the sound
    rms = per_interval(t, np.array([3.0, 4.0] + [0.0] * 8), np.array([-0.05, 0.15]), how="rms")
    assert rms[0] == pytest.approx(np.sqrt(12.5))
