"""Benchmark: ``vfx motion`` against the Musical Gestures Toolbox's ``MgVideo(path).motion()``.

The clip is MGT's own example, ``dancer.avi`` (518x496, 25 fps, 63 s, MPEG-4 Part 2), taken
from the musicalgestures wheel on PyPI (downloaded into bench/_work, never committed). MGT runs
from a virtual environment of its own (bench/_work/mgt-venv, made on the first run: its
dependencies never touch vfx's). Rows, each the median of ``--repeat`` runs with the tools
taking turns:

* ``vfx motion dancer.avi``: every default output (motion video, two motiongrams, two
  videograms, average, history, quantity of motion CSV and plot). Target: 12x MGT.
* ``vfx motion dancer.avi --color --only video,motiongrams,qom``: the outputs MGT writes (its
  motion video is in colour). Target: 15x MGT.

Also prints the correlation of the two time-along-x motiongrams, and vfx's peak memory.

Run: .venv/bin/python bench/motion.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from common import VFX, WORK, fresh, mgt_example, oracle_venv, run


def dancer() -> Path:
    """MGT's dancer.avi, from its wheel."""
    return mgt_example("dancer.avi")


def mgt_python() -> Path | None:
    """The Python of MGT's own environment, made once; None with a note when it cannot be."""
    return oracle_venv("mgt-venv", "musicalgestures")


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
    clip = dancer()
    python = mgt_python()
    work = fresh(WORK / "motion_mgt")
    (work / clip.name).write_bytes(clip.read_bytes())
    rows = {
        "all default outputs": [],
        "MGT's outputs (--color --only video,motiongrams,qom)": [
            "--color", "--only", "video,motiongrams,qom"],
    }  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in rows}
    peaks: list[float] = []
    mgt: list[float] = []
    code = "import sys, musicalgestures as mg; mg.MgVideo(sys.argv[1]).motion()"
    for _ in range(args.repeat):
        for name, extra in rows.items():
            out = fresh(WORK / "motion_vfx")
            r = run([VFX, "motion", str(clip), "-o", str(out), "--quiet", *extra])
            times[name].append(r.seconds)
            peaks.append(r.peak_rss_mb)
        if python is not None:
            for p in work.iterdir():
                if p.name != clip.name:
                    p.unlink()
            mgt.append(run([str(python), "-c", code, str(work / clip.name)], cwd=work).seconds)
    print(f"clip: {clip.name} (518x496, 25 fps, 1571 frames)")
    m = statistics.median(mgt) if mgt else None
    if m is not None:
        print(f"MgVideo(path).motion(): {m:.2f} s (runs {', '.join(f'{t:.1f}' for t in mgt)})")
    for name, ts in times.items():
        v = statistics.median(ts)
        ratio = f"{m / v:.1f}x" if m else "n/a"
        print(f"vfx motion, {name}: {v:.2f} s -> {ratio} "
              f"(runs {', '.join(f'{t:.2f}' for t in ts)})")  # fmt: skip
    print(f"vfx peak memory: {max(peaks):.0f} MB")
    if mgt:
        out = fresh(WORK / "motion_vfx")
        run([VFX, "motion", str(clip), "-o", str(out), "--quiet", "--color"])
        score = correlation(out / "dancer_motiongram_time-x.png", work / "dancer_mgh.png")
        print(f"motiongram correlation (time along x): {score:.3f}")
    print("targets: 12x with all default outputs, 15x with MGT's outputs")


if __name__ == "__main__":
    main()
