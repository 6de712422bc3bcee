"""Benchmark: ``vfx run`` over 8 generated clips with ``--jobs 1`` and ``--jobs 2``.

Prints both wall times and the speed-up (one video per process; on this 2-core machine the
ceiling is 2x, less what the decoder's own threads already use).

Run: .venv/bin/python bench/recipes.py
"""

from __future__ import annotations

import shutil

from common import VFX, WORK, fresh, make_clip, run


def main() -> None:
    clip = make_clip(WORK / "recipe_720p_20s.mp4", width=1280, height=720, seconds=20, fps=30)
    folder = fresh(WORK / "recipe_inputs")
    for i in range(8):
        shutil.copy(clip, folder / f"clip{i}.mp4")
    times = {}
    for jobs in (1, 2):
        out = fresh(WORK / f"recipe_out_{jobs}")
        r = run(
            [
                VFX,
                "run",
                "keyframe-display",
                str(folder),
                "-o",
                str(out),
                "--jobs",
                str(jobs),
                "--quiet",
            ]
        )
        times[jobs] = r.seconds
        print(f"--jobs {jobs}: {r.seconds:.1f} s for 8 clips (1280x720, 20 s, keyframe-display)")
    print(f"speed-up --jobs 2 over --jobs 1: {times[1] / times[2]:.2f}x")


if __name__ == "__main__":
    main()
