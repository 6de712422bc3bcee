"""Benchmark: ``vfx run`` with ``--jobs 1`` and ``--jobs 2``.

Rows, each the median of ``--repeat`` runs with the two settings taking turns:

* 8 generated clips (1280x720, 20 s) through ``keyframe-display``: the speed-up of
  ``--jobs 2`` over ``--jobs 1`` (one video per process). On this 2-core machine the ceiling
  is 2x less what ``--jobs 1`` already runs in parallel (its decoder and writer threads): the
  bench prints how many cores ``--jobs 1`` keeps busy (CPU time over wall time) and the
  ceiling that leaves.
* one long clip (1280x720, 120 s): ``--jobs 2`` must be no slower than ``--jobs 1`` (with one
  input, both run it in the command's own process: the same work).

Run: .venv/bin/python bench/recipes.py [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
from pathlib import Path

from common import VFX, WORK, fresh, make_clip, run


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(inputs: Path, jobs: int) -> tuple[float, float]:
    """Wall and CPU seconds of one ``vfx run`` (the CPU of every process it started)."""
    out = fresh(WORK / f"recipe_out_{jobs}")
    before = _children_cpu()
    r = run(
        [
            VFX,
            "run",
            "keyframe-display",
            str(inputs),
            "-o",
            str(out),
            "--jobs",
            str(jobs),
            "--quiet",
        ]
    )
    return r.seconds, _children_cpu() - before


def compare(inputs: Path, repeat: int) -> dict[int, tuple[float, float]]:
    walls: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeat):
        for jobs in (1, 2):
            wall, cpu = timed(inputs, jobs)
            walls[jobs].append(wall)
            cpus[jobs].append(cpu)
    return {j: (statistics.median(walls[j]), statistics.median(cpus[j])) for j in (1, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    clip = make_clip(WORK / "recipe_720p_20s.mp4", width=1280, height=720, seconds=20, fps=30)
    folder = fresh(WORK / "recipe_inputs")
    for i in range(8):
        shutil.copy(clip, folder / f"clip{i}.mp4")
    batch = compare(folder, args.repeat)
    for jobs, (wall, cpu) in batch.items():
        print(
            f"--jobs {jobs}: {wall:.2f} s for 8 clips (1280x720, 20 s, keyframe-display), "
            f"{cpu:.1f} s of CPU ({cpu / wall:.2f} cores busy)"
        )
    busy = batch[1][1] / batch[1][0]
    print(
        f"speed-up --jobs 2 over --jobs 1: {batch[1][0] / batch[2][0]:.2f}x "
        f"(target 1.8x; ceiling with --jobs 1 keeping {busy:.2f} cores busy: {2 / busy:.2f}x)"
    )
    wall2, cpu2 = batch[2]
    print(
        f"--jobs 2 against the machine (issue 37): {cpu2 / wall2:.2f} of 2 cores busy (target "
        f">= 1.85); wall / (CPU / 2) = {wall2 / (cpu2 / 2):.3f} (target <= 1.1)"
    )
    long_clip = make_clip(
        WORK / "recipe_720p_120s.mp4", width=1280, height=720, seconds=120, fps=30
    )
    one = fresh(WORK / "recipe_one_input")
    shutil.copy(long_clip, one / "long.mp4")
    single = compare(one, args.repeat)
    print(
        f"one 120 s clip: --jobs 1 {single[1][0]:.2f} s, --jobs 2 {single[2][0]:.2f} s "
        f"(--jobs 2 / --jobs 1: {single[2][0] / single[1][0]:.2f}, target <= 1.0; with one "
        "input both run it in the command's own process, so a difference is the host's noise)"
    )


if __name__ == "__main__":
    main()
