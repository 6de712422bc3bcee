"""The oracle for ``vfx motion``'s videograms, slit-scans, self-similarity and sound: the
Musical Gestures Toolbox's own calls, each on a fresh ``MgVideo`` as a user of the toolbox
runs them (so each pays its own decoding or loading).

Runs inside MGT's virtual environment (bench/_work/mgt-venv, made by ``bench/motion.py``);
it never imports vfx. Writes one ``.npz``: the file names of the videograms and slit-scans
MGT wrote, its time-along-x motiongram SSM (the matrix ``mg_ssm`` draws, captured from its
``slow_dot``), its mel power spectrogram, onset strength and tempogram (``raw`` figure data),
and the seconds each call took.

Run: MGT_VENV/bin/python bench/pictures_oracle.py VIDEO WORKDIR OUT.npz [--no-audio]
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np


def _fresh(video: Path, work: Path, name: str) -> Path:
    """A copy of the video in its own folder (MGT writes its outputs beside the video)."""
    folder = work / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    target = folder / video.name
    shutil.copy(video, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("video", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("out")
    parser.add_argument("--no-audio", action="store_true")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import musicalgestures as mg
    from musicalgestures import _ssm

    result: dict[str, object] = {}

    clip = _fresh(args.video, args.work, "videograms")
    start = time.perf_counter()
    grams = mg.MgVideo(str(clip)).videograms()
    result["videograms_s"] = time.perf_counter() - start
    result["videogram_time_y"], result["videogram_time_x"] = (g.filename for g in grams)

    clip = _fresh(args.video, args.work, "slit")
    start = time.perf_counter()
    grams = mg.MgVideo(str(clip)).videograms(mode="slit")
    result["slit_s"] = time.perf_counter() - start
    result["slit_time_y"], result["slit_time_x"] = (g.filename for g in grams)

    captured: list[np.ndarray] = []
    dot = _ssm.slow_dot

    def capture(x: np.ndarray, y: np.ndarray, length: int) -> np.ndarray:
        out = dot(x, y, length)
        captured.append(out)
        return out

    _ssm.slow_dot = capture
    clip = _fresh(args.video, args.work, "ssm")
    start = time.perf_counter()
    mg.MgVideo(str(clip)).ssm(features="motiongrams")
    result["ssm_s"] = time.perf_counter() - start
    # mg_ssm's second matrix is of its time-along-x motiongram (the first compares pixel
    # columns, not times: its features are the transposed picture).
    result["ssm"] = captured[1]

    if not args.no_audio:
        clip = _fresh(args.video, args.work, "spectrogram")
        start = time.perf_counter()
        spec = mg.MgVideo(str(clip)).audio.spectrogram(autoshow=False)
        result["spectrogram_s"] = time.perf_counter() - start
        result["mel_power"] = spec.data["S"]
        result["sample_rate"] = spec.data["sr"]
        clip = _fresh(args.video, args.work, "tempogram")
        start = time.perf_counter()
        tempo = mg.MgVideo(str(clip)).audio.tempogram(autoshow=False)
        result["tempogram_s"] = time.perf_counter() - start
        result["onset"] = tempo.data["onset_env"]
        result["tempogram"] = tempo.data["tempogram"]
    np.savez(args.out, **result)


if __name__ == "__main__":
    main()
