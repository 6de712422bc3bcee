"""Benchmark: ``vfx motion``'s colour videograms, slit-scans, self-similarity and sound, and
``vfx trails``, against the tools they replace, on the Musical Gestures Toolbox's own clips.

Clips: ``dancer.avi`` (518x496, 25 fps, 63 s, MP3 sound) and ``pianist.avi`` (640x480, 30 fps,
97 s, MP3 sound), from the musicalgestures wheel (bench/_work, never committed).

Against MGT 1.32 (its own venv, bench/_work/mgt-venv; bench/pictures_oracle.py runs its calls,
each on a fresh ``MgVideo``), medians of alternating runs:

* colour videograms (``videograms()``) against ``vfx motion --only videograms``: correlation of
  the two pictures (target r >= 0.95) and speed (target >= 10x);
* slit-scans (``videograms(mode='slit')``) against ``--videogram slit``: the share of values
  within 1 level (target: all) and speed;
* the motiongram self-similarity (``ssm(features='motiongrams')``, its time-along-x matrix)
  against ``--only ssm`` (vfx's matrix recomputed by the library from the motiongram vfx
  wrote, the same function the command draws): correlation (target 0.95) and speed;
* the machine's own limit for the pictures made from frames: decoding the clip with
  ``ffmpeg -threads 1 -f null`` (the fastest any tool can read every frame);
* sound: MGT's ``audio.spectrogram()`` mel power and ``audio.tempogram()`` onset strength and
  tempogram (their figures' data) against vfx's (``vfx.jobs.sound.analyse_sound``, what
  ``--only audio`` draws and tables): correlations (target 0.95; the spectrogram in dB) and
  speed of ``--only audio`` (all three figures and the table) against each MGT call.

Against FFmpeg (same run): ``vfx trails`` (``decay`` and ``mean``) against ``ffmpeg -vf lagfun``
and ``-vf tmix`` writing the same H.264 (ultrafast, qp 18): speed (target: at least as fast)
and, on the same decoded RGB frames piped to FFmpeg, the largest difference of the two rules'
pictures (target: 1 level; tmix's first frames are left out: FFmpeg darkens them by the frames
it has not yet seen).

Run: .venv/bin/python bench/pictures.py [--repeat N] [--clip dancer|pianist]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
from common import VFX, WORK, fresh, mgt_example, oracle_venv, run


def _rgb(path: Path) -> np.ndarray:
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return image


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    import cv2

    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.shape[:2] != b.shape[:2]:
        b = cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA)
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def _aligned_corr(ours: np.ndarray, theirs: np.ndarray) -> tuple[float, int]:
    """The correlation of two self-similarity matrices, MGT's shifted by the number of
    leading frames (0-8) that aligns them best: FFmpeg's command line, which MGT decodes
    with, adds frames to AVI files at their start (a constant-rate output filling the
    stream's timestamp gaps), so its frame k is not vfx's frame k."""
    best = (-1.0, 0)
    n = ours.shape[0]
    for shift in range(9):
        t = min(n, theirs.shape[0] - shift)
        a = ours[:t, :t].astype(np.float64).ravel()
        b = theirs[shift : shift + t, shift : shift + t].astype(np.float64).ravel()
        best = max(best, (float(np.corrcoef(a, b)[0, 1]), shift))
    return best


def _vfx_motion(clip: Path, out: Path, *extra: str) -> float:
    return run([VFX, "motion", str(clip), "-o", str(fresh(out)), "--quiet", *extra]).seconds


def _oracle(python: Path, clip: Path, work: Path, audio: bool) -> dict[str, np.ndarray]:
    out = work / "oracle.npz"
    cmd = [str(python), str(Path(__file__).with_name("pictures_oracle.py")), str(clip),
           str(work / "mgt"), str(out)] + ([] if audio else ["--no-audio"])  # fmt: skip
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with np.load(out) as data:
        return {k: data[k] for k in data.files}


def _pictures(clip: Path, repeat: int) -> None:
    from vfx.jobs.sound import analyse_sound
    from vfx.ops.similarity import motion_features, self_similarity
    from vfx.ops.spectral import power_to_db, tempogram

    python = oracle_venv("mgt-venv", "musicalgestures==1.32")
    work = fresh(WORK / f"pictures_{clip.stem}")
    vfx_runs: dict[str, list[float]] = {k: [] for k in ("videograms", "slit", "ssm", "audio")}
    mgt_runs: dict[str, list[float]] = {}
    oracle: dict[str, np.ndarray] = {}
    for _ in range(repeat):
        vfx_runs["videograms"].append(_vfx_motion(clip, work / "v", "--only", "videograms"))
        vfx_runs["slit"].append(
            _vfx_motion(clip, work / "s", "--only", "videograms", "--videogram", "slit")
        )
        vfx_runs["ssm"].append(_vfx_motion(clip, work / "m", "--only", "ssm", "--color"))
        vfx_runs["audio"].append(_vfx_motion(clip, work / "a", "--only", "audio"))
        if python is not None:
            oracle = _oracle(python, clip, work, audio=True)
            for key in ("videograms_s", "slit_s", "ssm_s", "spectrogram_s", "tempogram_s"):
                mgt_runs.setdefault(key, []).append(float(oracle[key]))
    vfx_s = {k: statistics.median(v) for k, v in vfx_runs.items()}
    limit = statistics.median(
        run(["ffmpeg", "-v", "error", "-threads", "1", "-i", str(clip), "-an", "-f", "null",
             "-"]).seconds
        for _ in range(repeat)
    )  # fmt: skip
    seconds = ", ".join(
        f"{k} {v:.2f} ({' '.join(f'{t:.1f}' for t in vfx_runs[k])})" for k, v in vfx_s.items()
    )
    print(
        f"\n{clip.name}: vfx seconds (median of {repeat}): {seconds}; the machine's limit, "
        f"decoding it (ffmpeg -f null, one thread): {limit:.2f} s"
    )
    if python is None:
        print("MGT: skipped (no venv)")
        return
    mgt_s = {k: statistics.median(v) for k, v in mgt_runs.items()}
    stem = clip.stem

    def row(name: str, measure: str, ours: float, theirs: float) -> None:
        print(f"  {name:<34} {measure:<28} vfx {ours:6.2f} s  MGT {theirs:6.2f} s  "
              f"x{theirs / ours:5.1f}")  # fmt: skip

    r = [
        _corr(_rgb(work / "v" / f"{stem}_videogram_{axis}.png"), _rgb(Path(str(oracle[key]))))
        for axis, key in (("time-x", "videogram_time_x"), ("time-y", "videogram_time_y"))
    ]
    row("colour videograms", f"r {r[0]:.3f} / {r[1]:.3f}", vfx_s["videograms"],
        mgt_s["videograms_s"])  # fmt: skip
    close = []
    for axis, key in (("time-x", "slit_time_x"), ("time-y", "slit_time_y")):
        ours = _rgb(work / "s" / f"{stem}_slitscan_{axis}.png").astype(int)
        theirs = _rgb(Path(str(oracle[key]))).astype(int)
        n = min(ours.shape[0], theirs.shape[0]), min(ours.shape[1], theirs.shape[1])
        diff = np.abs(ours[: n[0], : n[1]] - theirs[: n[0], : n[1]])
        close.append(f"{(diff <= 1).mean():.4f} (max {diff.max()})")
    row("slit-scans", "within 1: " + " / ".join(close)[:26], vfx_s["slit"], mgt_s["slit_s"])
    print(f"    slit-scans within 1 level, time-x / time-y: {' / '.join(close)}")
    # The motiongram's own values (--raw), in colour as MGT's: the SSM's features are made
    # from them as the command makes them.
    _vfx_motion(clip, work / "g", "--only", "motiongrams", "--raw", "--color")
    picture = _rgb(work / "g" / f"{stem}_motiongram_time-x.png").astype(np.float64) / 257
    ours_ssm, _ = self_similarity(motion_features(picture))
    r_ssm, shift = _aligned_corr(ours_ssm, oracle["ssm"])
    row("motiongram SSM (--color)", f"r {r_ssm:.3f} (MGT +{shift} frames)", vfx_s["ssm"],
        mgt_s["ssm_s"])  # fmt: skip
    sound = analyse_sound(clip)
    assert sound is not None
    mel = sound.spectrum.mel_power
    theirs_mel = oracle["mel_power"]
    n = min(mel.shape[1], theirs_mel.shape[1])
    r_mel = _corr(power_to_db(mel[:, :n], ref=float(mel.max())),
                  power_to_db(theirs_mel[:, :n], ref=float(theirs_mel.max())))  # fmt: skip
    n = min(sound.onset.size, oracle["onset"].size)
    r_onset = _corr(sound.onset[:n], oracle["onset"][:n])
    r_tempo = _corr(tempogram(sound.onset)[:, :n], oracle["tempogram"][:, :n])
    row("mel spectrogram (dB)", f"r {r_mel:.3f}", vfx_s["audio"], mgt_s["spectrogram_s"])
    row("onset strength, tempogram", f"r {r_onset:.3f} / {r_tempo:.3f}", vfx_s["audio"],
        mgt_s["tempogram_s"])  # fmt: skip


def _decoded_rgb(clip: Path, count: int = 600) -> tuple[np.ndarray, int, int]:
    """The first ``count`` frames of ``clip`` as vfx decodes them (RGB), and their size."""
    from vfx.io.video.reader import VideoReader

    with VideoReader(clip) as reader:
        frames = [f.image for f in reader.frames(ranks=range(min(count, reader.index.frame_count)))]
    h, w = frames[0].shape[:2]
    return np.stack(frames), w, h


def _ffmpeg_rule(frames: np.ndarray, w: int, h: int, vf: str) -> np.ndarray:
    """FFmpeg's filter ``vf`` over the same RGB frames (piped raw, filtered in planar RGB)."""
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
         "-i", "-", "-vf", f"format=gbrp,{vf},format=rgb24", "-f", "rawvideo", "-"],
        input=frames.tobytes(), capture_output=True, check=True,
    )  # fmt: skip
    return np.frombuffer(done.stdout, np.uint8).reshape(-1, h, w, 3)


def _trails(clip: Path, repeat: int) -> None:
    from vfx.ops.exposure import DecayTrail, MeanTrail

    work = fresh(WORK / f"trails_{clip.stem}")
    cases = {
        "decay 0.95 (lagfun)": (["--mode", "decay", "--decay", "0.95"], "lagfun=decay=0.95"),
        "mean of 8 (tmix)": (["--mode", "mean", "--frames", "8"], "tmix=frames=8"),
    }
    frames, w, h = _decoded_rgb(clip)
    print(f"\n{clip.name}: trails (rules compared on the first {len(frames)} frames)")
    for name, (options, vf) in cases.items():
        ours_t, theirs_t = [], []
        for _ in range(repeat):
            out = work / "vfx.mp4"
            ours_t.append(run([VFX, "trails", str(clip), "-o", str(out), "--overwrite",
                               "--quiet", *options]).seconds)  # fmt: skip
            encode = ["-an", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "18",
                      "-pix_fmt", "yuv420p", str(work / "ffmpeg.mp4")]  # fmt: skip
            theirs_t.append(
                run(["ffmpeg", "-v", "error", "-y", "-i", str(clip), "-vf", vf, *encode]).seconds
            )
        trail = DecayTrail(0.95) if "lagfun" in vf else MeanTrail(8)
        ours = np.stack([trail.update(f) for f in frames])
        theirs = _ffmpeg_rule(frames, w, h, vf)
        skip = 0 if "lagfun" in vf else 7
        diff = np.abs(ours[skip:].astype(int) - theirs[skip:].astype(int))
        o, t = statistics.median(ours_t), statistics.median(theirs_t)
        print(f"  {name:<22} largest difference {diff.max()} level(s), "
              f"{(diff <= 1).mean():.5f} within 1; vfx {o:.2f} s, ffmpeg {t:.2f} s, "
              f"x{t / o:.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clip", choices=("dancer", "pianist"), action="append")
    args = parser.parse_args()
    for name in args.clip or ["dancer", "pianist"]:
        clip = mgt_example(f"{name}.avi")
        _pictures(clip, args.repeat)
        _trails(clip, args.repeat)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
