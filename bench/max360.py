"""Benchmark: GoPro MAX EAC pairs to equirectangular, vfx against Trek View's max2sphere.

1. Per-frame conversion at 5.6K (4096x1344 strips to a 5376x2688 panorama) on the real track
   frames in ../shared/media/gopro-max-eac: max2sphere built from ../shared/tools/max2sphere
   (once as its Makefile builds it, without optimisation, and once with -O2) and timed on
   the pair with its lookup table already cached, against vfx's ``to_equirect`` with its maps
   built. Both figures are the conversion alone (max2sphere's own "Processing time" line),
   and the whole run per frame (read two JPEGs, convert, write one JPEG). Target: vfx at least
   20x faster (ratio max2sphere / vfx >= 20).
2. ``vfx frames X.360 --every 1`` on a generated two-stream 5.6K HEVC clip against ffmpeg
   decoding both streams (``ffmpeg -i X.360 -map 0:0 -map 0:1 -f null -``). Target: vfx time /
   ffmpeg time <= 1.0.

3. ``--memory 10,60``: ``vfx frames X.360 --every 1`` on generated clips of those lengths, its
   peak memory on each (issue 37: flat in clip length), one run each.

Medians of ``--repeat`` alternating runs. Skips a part with a note when its tool is missing.

Run: .venv/bin/python bench/max360.py [--repeat N] [--seconds S] [--memory 10,60]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

from common import VFX, WORK, fresh, run

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT / ".." / "shared" / "media" / "gopro-max-eac"
TOOL = ROOT / ".." / "shared" / "tools" / "max2sphere"


def build_max2sphere(cflags: str) -> Path | None:
    """max2sphere compiled in a scratch folder (never in shared/), or None with a note."""
    if not TOOL.is_dir() or shutil.which("gcc") is None:
        print(f"max2sphere: skipped ({TOOL} or gcc missing)")
        return None
    folder = fresh(WORK / f"max2sphere{cflags.replace(' ', '')}")
    for f in TOOL.iterdir():
        shutil.copy(f, folder)
    make = ["make", "-f", "Makefile-Linux"]
    if cflags:
        make.append(f"CFLAGS={cflags}")
    done = subprocess.run(make, cwd=folder, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"max2sphere: skipped (build failed, libjpeg-dev missing?)\n{done.stderr[-400:]}")
        return None
    return folder / "max2sphere"


def time_max2sphere(binary: Path, repeat: int) -> tuple[float, float]:
    """Median (conversion seconds, whole-run seconds) for the 5.6K pair."""
    work = fresh(WORK / f"m2s_run_{binary.parent.name}")
    for track in (0, 5):
        shutil.copy(MEDIA / f"5k6_track{track}_GS018421_1.jpg", work / f"track{track}_1.jpg")
    cmd = [str(binary), "-d", "-n", "1", "-m", "1", "-o", "out%d.jpg", "track%d_%d.jpg"]
    subprocess.run(cmd, cwd=work, capture_output=True, check=True)  # writes the lookup table
    conversion, whole = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=True)
        whole.append(time.perf_counter() - start)
        found = re.search(r"Processing time: ([0-9.eE+-]+) seconds", done.stderr)
        conversion.append(float(found.group(1)) if found else float("nan"))
    return statistics.median(conversion), statistics.median(whole)


def time_vfx(repeat: int) -> tuple[float, float, float]:
    """Median (conversion seconds, whole seconds per pair, map building seconds) in-process."""
    import cv2

    from vfx.ops.eac import build_maps, layout_for, to_equirect

    def read(name: str):  # type: ignore[no-untyped-def]
        return cv2.imread(str(MEDIA / name))

    start = time.perf_counter()
    maps = build_maps(layout_for(4096, 1344))
    built = time.perf_counter() - start
    conversion, whole = [], []
    out = fresh(WORK / "vfx_pano") / "pano.jpg"
    for _ in range(repeat):
        t0 = time.perf_counter()
        a, b = read("5k6_track0_GS018421_1.jpg"), read("5k6_track5_GS018421_1.jpg")
        t1 = time.perf_counter()
        pano = to_equirect(a, b, maps)
        t2 = time.perf_counter()
        cv2.imwrite(str(out), pano, [cv2.IMWRITE_JPEG_QUALITY, 100])
        t3 = time.perf_counter()
        conversion.append(t2 - t1)
        whole.append(t3 - t0)
    return statistics.median(conversion), statistics.median(whole), built


def make_360(path: Path, seconds: int) -> Path:
    """A two-stream 5.6K clip (4096x1344 per stream, 30 fps, keyframe every second), HEVC when
    libx265 is there, else H.264; moving texture so the encoders work as on real footage."""
    if path.exists():
        return path
    import av
    import numpy as np

    codec = "libx265" if "libx265" in av.codecs_available else "libx264"
    rng = np.random.default_rng(3)
    texture = rng.integers(0, 255, (1344 // 8, 4096 // 8, 3), np.uint8).repeat(8, 0).repeat(8, 1)
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), "w", format="mp4") as container:
        streams = []
        for _ in range(2):
            s = container.add_stream(codec, rate=Fraction(30))
            s.width, s.height, s.pix_fmt = 4096, 1344, "yuv420p"
            s.options = {"preset": "ultrafast", "g": "30", "crf": "28"}
            if codec == "libx265":
                s.options = {**s.options, "x265-params": "log-level=error:keyint=30"}
            streams.append(s)
        for k in range(seconds * 30):
            image = np.roll(texture, 4 * k, axis=1)
            for n, s in enumerate(streams):
                frame = av.VideoFrame.from_ndarray(image if n == 0 else image[::-1], format="rgb24")
                frame.pts = k
                frame.time_base = Fraction(1, 30)
                for packet in s.encode(frame):
                    container.mux(packet)
        for s in streams:
            for packet in s.encode():
                container.mux(packet)
    tmp.rename(path)
    return path


def memory(lengths: list[int]) -> None:
    """Peak memory of ``vfx frames --every 1`` on .360 clips of each length."""
    for seconds in lengths:
        clip = make_360(WORK / f"max_5k6_{seconds}s.360", seconds)
        out = fresh(WORK / "max360_memory")
        r = run([VFX, "frames", str(clip), "--every", "1", "-f", "jpg", "-o", str(out), "--quiet"])
        count = len(list(out.glob("*.jpg")))
        print(
            f"vfx frames --every 1 on a {seconds} s 5.6K .360: {count} panoramas, "
            f"{r.seconds:.1f} s, peak {r.peak_rss_mb:.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--memory", default="", help="clip lengths in seconds, e.g. 10,60")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    if args.memory:
        memory([int(s) for s in args.memory.split(",")])
        return
    if MEDIA.is_dir():
        conv, whole, built = time_vfx(args.repeat)
        print(f"vfx 5.6K pair: conversion {conv:.3f} s, whole {whole:.3f} s (maps {built:.2f} s)")
        for label, flags in (("as its Makefile builds it", ""), ("with -O2", "-O2 -m64")):
            binary = build_max2sphere(flags)
            if binary is None:
                continue
            m_conv, m_whole = time_max2sphere(binary, args.repeat)
            print(
                f"max2sphere ({label}): conversion {m_conv:.3f} s, whole {m_whole:.3f} s; "
                f"max2sphere/vfx = {m_conv / conv:.1f}x conversion, {m_whole / whole:.1f}x whole"
            )
    else:
        print(f"part 1 skipped: {MEDIA} not present")

    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        sys.exit("part 2 skipped: ffmpeg is not installed")
    clip = make_360(WORK / f"max_5k6_{args.seconds}s.360", args.seconds)
    vfx_times, ff_times, peak = [], [], 0.0
    for _ in range(args.repeat):
        out = fresh(WORK / "max360_frames")
        r = run([VFX, "frames", str(clip), "--every", "1", "-f", "jpg", "-o", str(out), "--quiet"])
        vfx_times.append(r.seconds)
        peak = max(peak, r.peak_rss_mb)
        null = [ffmpeg, "-v", "error", "-i", str(clip), "-map", "0:0", "-map", "0:1", "-f", "null"]
        ff_times.append(run([*null, "-"]).seconds)
    v, f = statistics.median(vfx_times), statistics.median(ff_times)
    print(
        f"vfx frames --every 1 on a {args.seconds} s 5.6K two-stream clip: {v:.2f} s "
        f"(peak {peak:.0f} MB); ffmpeg decoding both streams: {f:.2f} s; ratio {v / f:.2f}"
    )


if __name__ == "__main__":
    main()
