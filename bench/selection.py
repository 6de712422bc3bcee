"""Benchmark: ``vfx select`` memory and speed as the video grows.

Generates 1080p clips of 60 s and 240 s (30 fps) and runs ``vfx select -n 50 --compare`` on
each. Only the embeddings (128 floats per candidate) stay in memory, so peak memory should be
about the same for both; prints peak RSS, the ratio, and candidates embedded per second.
Also prints the report's distances on the longer clip (coreset against uniform and random).

Run: .venv/bin/python bench/selection.py
"""

from __future__ import annotations

import json

from common import VFX, WORK, fresh, make_clip, run


def main() -> None:
    results = {}
    for seconds in (60, 240):
        clip = make_clip(WORK / f"kf_1080p_{seconds}s.mp4", seconds=seconds)
        out = fresh(WORK / "select_out")
        r = run([VFX, "select", str(clip), "-n", "50", "-o", str(out), "--compare", "--quiet"])
        report = json.loads((out / "selection.json").read_text())
        results[seconds] = (r, report)
        rate = report["candidates"] / r.seconds
        print(
            f"{seconds:>4} s clip: {report['candidates']} candidates, {r.seconds:.1f} s "
            f"({rate:.0f} candidates/s including writing 50 TIFFs), peak RSS {r.peak_rss_mb:.0f} MB"
        )
    short, long = results[60][0], results[240][0]
    print(f"peak RSS ratio 240 s / 60 s: {long.peak_rss_mb / short.peak_rss_mb:.2f} (flat = 1.0)")
    report = results[240][1]
    for sel in [report["chosen"], *report["compared"]]:
        d = sel["distances"]
        print(
            f"  {sel['method']:>8}: min pairwise {d['min']:.3f}, mean {d['mean']:.3f}, "
            f"p10 {d['p10']:.3f}, nearest-neighbour mean {d['nn_mean']:.3f}"
        )


if __name__ == "__main__":
    main()
