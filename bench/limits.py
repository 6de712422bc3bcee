"""Benchmark: each main command against the machine's own limit, decoding the same file.

For every command and clip, medians of ``--repeat`` alternating runs: the command's wall time
and CPU time (user + system, from ``wait4``), the time ``ffmpeg -threads 1 -i CLIP -f null -``
takes to decode the same file (the least any tool reading every frame needs on one core; the
other core is free for everything else), and the ratio of the two. Issue 37's targets: ``vfx
motion`` with every default output at most 1.5x, ``--only motiongrams,qom`` at most 1.15x.
Keyframe extraction decodes only keyframes, so its limit is ``-skip_frame nokey``.

Clips: MGT's ``dancer.avi`` and ``pianist.avi`` (from its wheel, bench/_work), and the 1080p
60 s bench clip (made once, bench/_work).

Run: .venv/bin/python bench/limits.py [--repeat N] [--clip dancer|pianist|1080p] [--command NAME]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from common import VFX, WORK, fresh, make_clip, mgt_example, run

#: name: (vfx arguments after the clip, whether the limit is keyframes-only decoding)
COMMANDS: dict[str, tuple[list[str], bool]] = {
    "motion (every default output)": (["motion"], False),
    "motion --only motiongrams,qom": (["motion", "--only", "motiongrams,qom"], False),
    "motion --only videograms": (["motion", "--only", "videograms"], False),
    "keyframes (TIFF)": (["keyframes"], True),
    "frames --every 1 (JPEG)": (["frames", "--every", "1", "-f", "jpg"], False),
    "pose": (["pose"], False),
    "flow": (["flow"], False),
    "trails": (["trails", "--overwrite"], False),
}
#: Commands that write one file instead of a folder.
_FILE_OUTPUT = {"trails"}


def _clips(chosen: list[str] | None) -> dict[str, Path]:
    clips = {
        "dancer": lambda: mgt_example("dancer.avi"),
        "pianist": lambda: mgt_example("pianist.avi"),
        "1080p": lambda: make_clip(WORK / "kf_1080p_60s.mp4"),  # the keyframes bench clip
    }
    return {name: make() for name, make in clips.items() if not chosen or name in chosen}


def _decode(clip: Path, keyframes: bool) -> float:
    skip = ["-skip_frame", "nokey"] if keyframes else []
    cmd = ["ffmpeg", "-v", "error", "-threads", "1", *skip, "-i", str(clip), "-an", "-f", "null",
           "-"]  # fmt: skip
    return run(cmd).seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clip", action="append", choices=("dancer", "pianist", "1080p"))
    parser.add_argument("--command", action="append", choices=list(COMMANDS))
    args = parser.parse_args()
    commands = {k: v for k, v in COMMANDS.items() if not args.command or k in args.command}
    print(f"{'clip':<10}{'command':<32}{'wall s':>8}{'cpu s':>8}{'limit s':>9}{'ratio':>7}"
          f"{'peak MB':>9}")  # fmt: skip
    for clip_name, clip in _clips(args.clip).items():
        for name, (arguments, keyframes) in commands.items():
            walls, cpus, limits, peaks = [], [], [], []
            for _ in range(args.repeat):
                out = fresh(WORK / "limits_out")
                target = out / "trails.mp4" if arguments[0] in _FILE_OUTPUT else out
                r = run([VFX, arguments[0], str(clip), *arguments[1:], "-o", str(target),
                         "--quiet"])  # fmt: skip
                walls.append(r.seconds)
                cpus.append(r.cpu_seconds)
                peaks.append(r.peak_rss_mb)
                limits.append(_decode(clip, keyframes))
            wall, limit = statistics.median(walls), statistics.median(limits)
            print(f"{clip_name:<10}{name:<32}{wall:8.2f}{statistics.median(cpus):8.2f}"
                  f"{limit:9.2f}{wall / limit:7.2f}{max(peaks):9.0f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
