"""Benchmark: what the metadata stage adds to ``vfx keyframes`` (target: at most 25 %).

Takes the 1080p, 60 s keyframes bench clip, adds a GoPro GPMF track to it (60 one-second
samples of 18 GPS5 points, built with the tests' MP4 builder, so the stage really reads
telemetry, interpolates and writes EXIF/GPS/XMP into every TIFF), then times
``vfx keyframes --no-metadata`` against ``vfx keyframes`` in alternation and prints the ratio.
Also times the real GoPro clip when ../shared/media is present.

Run: .venv/bin/python bench/metadata.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import VFX, WORK, fresh, make_clip, run

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from mp4build import add_track, gps5_payload  # noqa: E402


def gps_clip(src: Path) -> Path:
    out = src.with_name(src.stem + "_gps.mp4")
    if out.is_file():
        return out
    t0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    samples = []
    for k in range(60):
        points = [(45.0 + (k * 18 + i) * 1e-5, 7.0, 100.0, 10.0, 10.0) for i in range(18)]
        samples.append(gps5_payload(points, t0 + timedelta(seconds=k)))
    return add_track(src, out, entry="gpmd", samples=samples, durations=[1000] * 60)


def compare(clip: Path, repeat: int, label: str) -> float:
    with_meta, without = [], []
    for _ in range(repeat):  # alternate so that machine noise hits both alike
        out = fresh(WORK / "md_off")
        without.append(
            run([VFX, "keyframes", str(clip), "-o", str(out), "--quiet", "--no-metadata"])
        )
        out = fresh(WORK / "md_on")
        with_meta.append(run([VFX, "keyframes", str(clip), "-o", str(out), "--quiet"]))
    off = sorted(r.seconds for r in without)[len(without) // 2]
    on = sorted(r.seconds for r in with_meta)[len(with_meta) // 2]
    print(f"{label}: --no-metadata {off:.2f} s, with metadata {on:.2f} s: ratio {on / off:.3f}")
    return on / off


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    clip = gps_clip(make_clip(WORK / "kf_1080p_60s.mp4", seconds=60))
    ratio = compare(clip, args.repeat, "1080p 60 s bench clip with GPMF (30 keyframes)")
    real = ROOT.parent / "shared" / "media" / "gopro-hero7.mp4"
    if real.is_file():
        compare(real, args.repeat, "gopro-hero7.mp4 (36 keyframes, 848x480)")
    print(
        f"metadata stage overhead on the bench clip: {100 * (ratio - 1):+.1f} % (target <= +25 %)"
    )


if __name__ == "__main__":
    main()
