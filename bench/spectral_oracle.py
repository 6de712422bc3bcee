"""Record librosa's numbers for the spectral tests (tests/ops/test_spectral.py).

Runs inside MGT's virtual environment (bench/_work/mgt-venv, which carries librosa); it never
imports vfx. The signal is made from its formula here and in the test: 1.5 s at 22050 Hz of
a 440 Hz tone in bursts, noise from 0.6 s and a 1500 Hz tone from 1 s. Writes the values the
test compares, a few of each kind, to tests/data/librosa_spectral.json.

Run: bench/_work/mgt-venv/bin/python bench/spectral_oracle.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RATE = 22050


def signal() -> np.ndarray:
    t = np.arange(int(1.5 * RATE)) / RATE
    noise = np.sin(12345.678 * t**2)  # deterministic, broadband
    y = 0.5 * np.sin(2 * np.pi * 440 * t) * ((t % 0.3) < 0.1)
    y += 0.1 * noise * (t > 0.6) + 0.3 * np.sin(2 * np.pi * 1500 * t) * (t > 1.0)
    return y.astype(np.float32)


def main() -> None:
    import librosa

    y = signal()
    mel = librosa.feature.melspectrogram(y=y, sr=RATE, n_fft=2048, hop_length=512)
    onset = librosa.onset.onset_strength(y=y, sr=RATE, hop_length=512)
    tempo = librosa.feature.tempogram(onset_envelope=onset, sr=RATE, hop_length=512)
    rms = librosa.feature.rms(y=y, frame_length=2048, hop_length=512)[0]
    centroid = librosa.feature.spectral_centroid(y=y, sr=RATE, n_fft=2048, hop_length=512)[0]
    record = {
        "librosa": librosa.__version__,
        "frames": int(mel.shape[1]),
        "mel_bands_0_20_60_127": mel[[0, 20, 60, 127]].tolist(),
        "onset": onset.tolist(),
        "tempogram_column_40_lags_0_32": tempo[:33, 40].tolist(),
        "rms": rms.tolist(),
        "centroid_hz": centroid.tolist(),
    }
    out = Path(__file__).resolve().parents[1] / "tests" / "data" / "librosa_spectral.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
