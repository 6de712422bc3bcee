"""Benchmark: ``vfx frames --every S`` against ffmpeg's fps filter, on H.264 and HEVC.

Rows: the 1080p, 60 s H.264 bench clip (30 fps, keyframe every 2 s, 2 B-frames) and a
generated 4K HEVC clip, each with ``--every 1`` and ``--every 0.5``, to JPEG and to TIFF.
The reference is ``ffmpeg -i CLIP -vf fps=1/S -q:v 2 %04d.jpg`` (for TIFF,
``-pix_fmt rgb24 -compression_algo deflate %04d.tiff``, the same lossless deflate TIFF as
vfx's). Runs alternate vfx and ffmpeg; medians of ``--repeat``; printed as vfx time / ffmpeg
time. Targets: <= 1.0 on every row, <= 0.8 on the H.264 rows.

Same frames: ffmpeg's fps filter takes, for each output time, the input frame nearest to it;
vfx takes the frame on screen at the time. On these clips every sampling time falls exactly
on a frame (1 s = 30 frames, 0.5 s = 15), so both must choose the same frames: the bench
checks it, comparing vfx's frames.csv with the frame times ffmpeg's ``showinfo`` reports.
It also prints decoding speed (frames per second) against ``ffmpeg -f null`` on each clip,
and vfx's peak memory on the 1080p clip at 30 s and 60 s (flat in clip length).

Run: .venv/bin/python bench/frames.py [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import statistics
import subprocess
from pathlib import Path

from common import VFX, WORK, fresh, make_clip, run


def ffmpeg_cmd(clip: Path, every: float, fmt: str, out: Path) -> list[str]:
    rate = f"fps=1/{every:g}" if every != 1 else "fps=1"
    tail = ["-q:v", "2"] if fmt == "jpg" else ["-pix_fmt", "rgb24", "-compression_algo", "deflate"]
    return ["ffmpeg", "-v", "error", "-y", "-i", str(clip), "-vf", rate, *tail,
            str(out / f"%04d.{fmt}")]  # fmt: skip


def vfx_cmd(clip: Path, every: float, fmt: str, out: Path) -> list[str]:
    return [VFX, "frames", str(clip), "--every", f"{every:g}", "-f", fmt, "-o", str(out),
            "--quiet", "--overwrite"]  # fmt: skip


def same_frames(clip: Path, every: float, out: Path) -> bool:
    """Whether ffmpeg's fps filter chose the frames vfx wrote (by presentation time)."""
    rate = f"fps=1/{every:g}" if every != 1 else "fps=1"
    done = subprocess.run(
        ["ffmpeg", "-v", "info", "-i", str(clip), "-vf", f"{rate},showinfo", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    # showinfo prints the output frame's time; the fps filter keeps the input frame's pixels,
    # whose own time is the same on these clips (every output time is a frame time).
    theirs = [round(float(t), 3) for t in re.findall(r"pts_time:([\d.]+)", done.stderr)]
    with (out / "frames.csv").open() as fh:
        ours = [round(float(r["time_s"]), 3) for r in csv.DictReader(fh)]
    return theirs == ours


def decode_fps(clip: Path, frames: int) -> tuple[float, float, float]:
    """Frames per second decoded: ffmpeg -f null; vfx's reader giving every frame's luma
    (read from the decoded plane, no conversion) and every frame as RGB."""
    ff = run(["ffmpeg", "-v", "error", "-i", str(clip), "-f", "null", "-"]).seconds
    speeds = []
    for pixels in ("grey", "rgb"):
        code = (
            "import sys; from vfx.io.video.reader import VideoReader\n"
            "with VideoReader(sys.argv[1]) as r:\n"
            f"    for f in r.frames(pixels={pixels!r}): pass\n"
        )
        speeds.append(frames / run([str(Path(VFX).with_name("python")), "-c", code,
                                    str(clip)]).seconds)  # fmt: skip
    return frames / ff, speeds[0], speeds[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--uhd-seconds", type=float, default=10)
    args = ap.parse_args()
    if shutil.which("ffmpeg") is None:
        raise SystemExit("ffmpeg is not installed")
    h264 = make_clip(WORK / "kf_1080p_60s.mp4")
    clips = {"1080p H.264 60 s": (h264, 60 * 30)}
    try:
        uhd = make_clip(WORK / f"hevc_4k_{args.uhd_seconds:g}s.mp4", width=3840, height=2160,
                        seconds=args.uhd_seconds, codec="libx265")  # fmt: skip
        clips["4K HEVC"] = (uhd, round(args.uhd_seconds * 30))
    except subprocess.CalledProcessError:
        print("4K HEVC: skipped (no libx265 encoder in this PyAV)")
    out_v, out_f = WORK / "frames_vfx", WORK / "frames_ffmpeg"
    print(f"{'clip':18} {'every':>5} {'fmt':>4} {'vfx s':>7} {'ffmpeg s':>8} {'ratio':>6}  same")
    for name, (clip, _) in clips.items():
        for every in (1.0, 0.5):
            for fmt in ("jpg", "tiff"):
                ours, theirs = [], []
                for _ in range(args.repeat):
                    fresh(out_v)
                    ours.append(run(vfx_cmd(clip, every, fmt, out_v)).seconds)
                    fresh(out_f)
                    theirs.append(run(ffmpeg_cmd(clip, every, fmt, out_f)).seconds)
                v, f = statistics.median(ours), statistics.median(theirs)
                same = "yes" if same_frames(clip, every, out_v) else "NO"
                print(f"{name:18} {every:5g} {fmt:>4} {v:7.2f} {f:8.2f} {v / f:6.2f}  {same}")
    for name, (clip, frames) in clips.items():
        ff, grey, rgb = decode_fps(clip, frames)
        print(f"decode {name}: ffmpeg -f null {ff:.0f} fps; vfx reader {grey:.0f} fps "
              f"({grey / ff:.2f}) decoded, {rgb:.0f} fps ({rgb / ff:.2f}) as RGB")  # fmt: skip
    short = make_clip(WORK / "kf_1080p_30s.mp4", seconds=30)
    for clip in (short, h264):
        fresh(out_v)
        peak = run(vfx_cmd(clip, 1.0, "jpg", out_v)).peak_rss_mb
        print(f"peak memory, {clip.name}: {peak:.0f} MB")


if __name__ == "__main__":
    main()
