"""Reading a long telemetry track: 2,000,000 CAMM samples (a 33-minute recording at 1 kHz).

Builds the clip (the session's sample clip plus a CAMM track of gyro packets, one per sample,
one sample per chunk, as phones write them), then times ``read_telemetry`` in a fresh process
and reads its peak memory. Target: <= 5 s and <= 500 MB. The figure before the sample tables
were expanded with numpy: still reading after 180 s.

    .venv/bin/python bench/telemetry.py [--samples N]
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from common import WORK, run

from mp4build import add_track

ROOT = Path(__file__).resolve().parents[1]


def build(samples: int) -> Path:
    out = WORK / f"camm_{samples}.mp4"
    if out.is_file():
        return out
    WORK.mkdir(parents=True, exist_ok=True)
    t = np.arange(samples) / 1000.0
    gyro = np.stack([np.sin(t), np.cos(t), 0.01 * t], axis=1).astype("<f4")
    head = struct.pack("<HH", 0, 2)
    packets = [head + row.tobytes() for row in gyro]
    return add_track(
        ROOT / "samples" / "dance.mp4",
        out,
        entry="camm",
        samples=packets,
        durations=[1] * samples,
        timescale=1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2_000_000)
    args = parser.parse_args()
    clip = build(args.samples)
    code = (
        "import sys; from vfx.telemetry.read import read_telemetry; "
        "t = read_telemetry(sys.argv[1]); g = t.series['gyro']; "
        "assert len(g) == int(sys.argv[2]), len(g); print(len(g))"
    )
    timed = [run([sys.executable, "-c", code, str(clip), str(args.samples)]) for _ in range(3)]
    best = min(timed, key=lambda r: r.seconds)
    print(f"{args.samples} CAMM samples ({clip.stat().st_size / 1e6:.0f} MB file)")
    print(f"read_telemetry: {best.seconds:.2f} s (best of 3), peak RSS {best.peak_rss_mb:.0f} MB")
    print(f"targets: <= 5 s ({best.seconds / 5:.2f} of it), <= 500 MB")


if __name__ == "__main__":
    main()
