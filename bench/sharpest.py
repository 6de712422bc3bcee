"""Benchmark: ``vfx frames --sharpest`` against plain sampling.

* Real clips of ``../shared/media`` (the GoPro HERO7 walk and the Karma drone): ``--every 0.5``
  and, on the HERO7 clip, ``--distance 3``, each plain and with ``--sharpest 0.2``. Printed:
  the mean sharpness of the written frames (variance of the Laplacian of the luma, as vfx
  measures it), the gain (target: at least 20 % above plain sampling), the spacing of the
  distance frames against ``--distance`` (target: within 5 % of it plus what the camera moves
  in the window) and the time of each run (median of 3 alternating runs).
* A synthetic clip whose every other frame is a blurred copy: the same measures.

Run: .venv/bin/python bench/sharpest.py
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
from common import WORK, fresh

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT.parent / "shared" / "media"


def mean_sharpness(folder: Path) -> float:
    import cv2

    from vfx.io.images import read_image
    from vfx.ops.sampling import sharpness

    values = []
    for path in sorted(folder.glob("*.jpg")) + sorted(folder.glob("*.tiff")):
        rgb = read_image(path)
        values.append(
            sharpness(cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2GRAY))
        )
    return float(np.mean(values))


def timed(clip: Path, out: Path, **options: object) -> float:
    from vfx.jobs.stills import extract_frames

    fresh(out).rmdir()
    start = time.perf_counter()
    extract_frames(clip, out, fmt="jpg", quality=95, **options)  # type: ignore[arg-type]
    return time.perf_counter() - start


def compare(label: str, clip: Path, work: Path, **options: object) -> None:
    plain, sharp = work / f"{label}_plain", work / f"{label}_sharp"
    seconds: dict[str, list[float]] = {"plain": [], "sharp": []}
    for _ in range(3):
        seconds["plain"].append(timed(clip, plain, **options))
        seconds["sharp"].append(timed(clip, sharp, sharpest_s=0.2, **options))
    a, b = mean_sharpness(plain), mean_sharpness(sharp)
    tp, ts = statistics.median(seconds["plain"]), statistics.median(seconds["sharp"])
    line = (
        f"{label}: {len(list(plain.glob('*.jpg')))} frames; mean sharpness plain {a:.1f}, "
        f"--sharpest 0.2 {b:.1f}: {100 * (b / a - 1):+.1f} % (target >= +20 %); "
        f"time {tp:.2f} s plain, {ts:.2f} s sharpest ({ts / tp:.2f}x)"
    )
    print(line)
    if "distance_m" in options:
        spacing(sharp, float(options["distance_m"]))  # type: ignore[arg-type]


def spacing(folder: Path, metres: float) -> None:
    from vfx.io.table import read_frame_table
    from vfx.telemetry.track import distance_m

    rows = [r for r in read_frame_table(folder) if r["lat"]]
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    speed = np.array([float(r["speed"] or 0) for r in rows])
    gaps = distance_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    allowed = 0.05 * metres + 2 * 0.2 * np.maximum(speed[:-1], speed[1:])
    within = np.abs(gaps - metres) <= allowed
    print(
        f"  spacing with --sharpest 0.2: median {np.median(gaps):.2f} m, range "
        f"{gaps.min():.2f}-{gaps.max():.2f} m for --distance {metres:g}; "
        f"{int(within.sum())} of {len(gaps)} within 5 % plus the window's travel"
    )


def synthetic(work: Path) -> Path:
    import sys

    import cv2

    sys.path.insert(0, str(ROOT / "tests"))
    from clips import write_lossless

    rng = np.random.default_rng(5)
    texture = rng.integers(0, 256, (720, 2600, 3), dtype=np.uint8)
    texture = cv2.GaussianBlur(texture, (0, 0), 1.2)
    frames = []
    for i in range(250):
        image = np.ascontiguousarray(np.roll(texture, 5 * i, axis=1)[:, :1280])
        frames.append(cv2.GaussianBlur(image, (0, 0), 2.5) if i % 2 == 0 else image)
    return write_lossless(work / "shaky.mp4", frames, fps=25)


def main() -> None:
    work = fresh(WORK / "sharpest")
    hero7, karma = MEDIA / "gopro-hero7.mp4", MEDIA / "gopro-karma.mp4"
    if hero7.is_file():
        compare("gopro-hero7 --every 0.5", hero7, work, every_s=0.5)
        compare("gopro-hero7 --distance 3", hero7, work, distance_m=3.0)
    if karma.is_file():
        compare("gopro-karma --every 0.5", karma, work, every_s=0.5)
    compare("synthetic, every other frame blurred, --every 0.4", synthetic(work), work, every_s=0.4)


if __name__ == "__main__":
    main()
