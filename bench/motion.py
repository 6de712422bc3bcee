"""Benchmark: ``vfx motion`` against the Musical Gestures Toolbox's ``MgVideo(path).motion()``.

Generates a 500x500, 60 s, 30 fps clip (moving shapes on a textured backdrop), then times
``vfx motion --color`` (every output: motion video, motiongrams, videograms, average, history,
quantity of motion) and, when ``musicalgestures`` is installed (``pip install
musicalgestures``; it is not a vfx dependency), ``MgVideo(path).motion()`` (motion video,
motiongrams, quantity-of-motion table and plot). Prints the wall-time ratio (target: vfx at
least 10x faster) and the correlation between the two time-along-x motiongrams after resizing
them to the same shape. Also prints vfx's peak memory on the 60 s clip and a 240 s one, since
memory should not grow with the video's length apart from the motiongrams.

Run: .venv/bin/python bench/motion.py
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import sys
from pathlib import Path

from common import VFX, WORK, best_of, fresh, make_clip, run


def correlation(a_path: Path, b_path: Path) -> float:
    import cv2
    import numpy as np

    a = cv2.imread(str(a_path), cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH).astype(np.float64)
    b = cv2.imread(str(b_path), cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH).astype(np.float64)
    b = cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA)
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    clip = make_clip(WORK / "motion_500_60s.mp4", width=500, height=500, seconds=60, fps=30)
    long_clip = make_clip(WORK / "motion_500_240s.mp4", width=500, height=500, seconds=240, fps=30)

    def vfx_run(path: Path = clip, extra: list[str] | None = None):  # type: ignore[no-untyped-def]
        out = fresh(WORK / "motion_vfx")
        cmd = [VFX, "motion", str(path), "-o", str(out), "--color", "--quiet", *(extra or [])]
        return run(cmd)

    vfx_t = best_of(args.repeat, vfx_run)
    long_t = best_of(1, lambda: vfx_run(long_clip))
    print("clip: 500x500, 60 s, 30 fps (1800 frames)")
    print(f"vfx motion --color, all outputs:              {vfx_t.seconds:.2f} s")
    print(
        f"vfx peak RSS (all outputs) 60 s {vfx_t.peak_rss_mb:.0f} MB, 240 s "
        f"{long_t.peak_rss_mb:.0f} MB (ratio {long_t.peak_rss_mb / vfx_t.peak_rss_mb:.2f}; "
        "the motiongrams and videograms grow by one line per frame)"
    )
    same_only = ["--only", "video,motiongrams,qom"]
    if importlib.util.find_spec("musicalgestures") is None:
        same_t = best_of(args.repeat, lambda: vfx_run(clip, same_only))
        print(f"vfx motion --color, video+motiongrams+qom:    {same_t.seconds:.2f} s")
        print("musicalgestures is not installed: no ratio (pip install musicalgestures)")
        return
    work = fresh(WORK / "motion_mgt")
    shutil.copy(clip, work / clip.name)
    code = "import sys, musicalgestures as mg; mg.MgVideo(sys.argv[1]).motion()"

    def mgt_run():  # type: ignore[no-untyped-def]
        for p in work.iterdir():
            if p.name != clip.name:
                p.unlink()
        return run([sys.executable, "-c", code, str(work / clip.name)], cwd=work)

    # The two tools take turns, so that a burst of load on the shared machine hits both.
    same_runs, mgt_runs = [], []
    for _ in range(args.repeat):
        same_runs.append(vfx_run(clip, same_only).seconds)
        mgt_runs.append(mgt_run().seconds)
    same_s, mgt_s = statistics.median(same_runs), statistics.median(mgt_runs)
    vfx_run(clip)
    vfx_mg = WORK / "motion_vfx" / f"{clip.stem}_motiongram_time-x.png"
    mgt_mg = work / f"{clip.stem}_mgh.png"
    print(f"vfx motion --color, video+motiongrams+qom:    {same_s:.2f} s")
    print(f"MgVideo(path).motion() (video+motiongrams+qom): {mgt_s:.2f} s")
    pairs = ", ".join(f"{m / v:.1f}x" for v, m in zip(same_runs, mgt_runs, strict=True))
    print(
        f"speed-up, same outputs: {mgt_s / same_s:.1f}x (run by run: {pairs}); "
        f"vfx with all outputs: {mgt_s / vfx_t.seconds:.1f}x (target >= 10x)"
    )
    print(f"motiongram correlation (time along x): {correlation(vfx_mg, mgt_mg):.3f}")


if __name__ == "__main__":
    main()
