"""Benchmark: ``vfx pose`` against MediaPipe 0.10.21's own ``mp.solutions.pose`` and ``.hands``.

The oracle runs from a virtual environment of its own (bench/_work/mediapipe-venv, made on the
first run with ``pip install mediapipe==0.10.21``: its numpy<2 and protobuf<5 pins never touch
vfx's), through ``bench/pose_oracle.py``. Clips: MGT's ``dancer.avi`` (518x496, 25 fps, 63 s)
and ``pianist.avi`` (640x480, 30 fps), from the musicalgestures wheel (bench/_work).

Rows, each the median of ``--repeat`` runs with the tools taking turns, whole processes timed
(start-up, decoding and writing included in both):

* accuracy on each clip: frames where both find a person (agreement), and for landmarks
  visible (> 0.5) in both, the mean and 95th percentile distance as a share of the diagonal
  (targets: >= 98 %, <= 1 %, <= 3 %); hands on the pianist the same way, each of MediaPipe's
  hands paired with the nearest vfx hand within 5 % of the diagonal;
* speed: ``vfx pose --only csv`` against the oracle (target >= 1.2x), and ``vfx pose`` with
  every output (the time printed);
* memory: vfx's peak resident memory on the first 20 s against the whole dancer clip (flat).

Run: .venv/bin/python bench/pose.py [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
from pathlib import Path

import numpy as np
from common import VFX, WORK, Run, fresh, mgt_example, oracle_venv, run

ORACLE = Path(__file__).with_name("pose_oracle.py")
PIN = "mediapipe==0.10.21"


def oracle_python() -> Path | None:
    return oracle_venv("mediapipe-venv", PIN)


def vfx_landmarks(table: Path, hands: bool = False) -> list:
    """Per frame, the body ``(33, 3)`` (x, y, visibility) or None; with ``hands``, the list of
    ``(side, (21, 2))``."""
    out: list = []
    with table.open() as fh:
        for row in csv.DictReader(fh):
            if hands:
                found = []
                for side in ("left", "right"):
                    if row[f"{side}_hand_score"]:
                        names = [k[: -len("_x_px")] for k in row if k.startswith(f"{side}_hand_")
                                 and k.endswith("_x_px")]  # fmt: skip
                        xy = [[float(row[f"{n}_x_px"]), float(row[f"{n}_y_px"])] for n in names]
                        found.append((side, np.array(xy)))
                out.append(found)
                continue
            if not row["score"]:
                out.append(None)
                continue
            names = [k[: -len("_x_px")] for k in row if k.endswith("_x_px")]
            out.append(np.array([[float(row[f"{n}_x_px"]), float(row[f"{n}_y_px"]),
                                  float(row[f"{n}_visibility"])] for n in names]))  # fmt: skip
    return out


def body_accuracy(ours: list, oracle: dict) -> tuple[float, float, float]:
    diagonal = float(np.hypot(oracle["width"], oracle["height"]))
    frames = oracle["frames"]
    agree = sum((a is None) == (b is None) for a, b in zip(ours, frames, strict=False))
    d = []
    for a, b in zip(ours, frames, strict=False):
        if a is None or b is None:
            continue
        visible = (a[:, 2] > 0.5) & (np.array(b["visibility"]) > 0.5)
        d.extend(np.linalg.norm(a[visible, :2] - np.array(b["xy"])[visible], axis=1) / diagonal)
    return agree / len(frames), float(np.mean(d)), float(np.percentile(d, 95))


def hand_accuracy(ours: list, oracle: dict) -> tuple[float, float, float, int, int]:
    diagonal = float(np.hypot(oracle["width"], oracle["height"]))
    frames = oracle["frames"]
    agree = sum(bool(a) == bool(b) for a, b in zip(ours, frames, strict=False))
    d, paired, total = [], 0, 0
    for a, b in zip(ours, frames, strict=False):
        for hand in b:
            total += 1
            xy = np.array(hand["xy"])
            if not a:
                continue
            dist = min((np.linalg.norm(h - xy, axis=1) for _, h in a), key=np.mean) / diagonal
            if dist.mean() < 0.05:
                d.extend(dist)
                paired += 1
    return agree / len(frames), float(np.mean(d)), float(np.percentile(d, 95)), paired, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = oracle_python()
    if python is None:
        return
    clips = {"dancer": mgt_example("dancer.avi"), "pianist": mgt_example("pianist.avi")}
    work = fresh(WORK / "pose")
    for name, clip in clips.items():
        frames = int(
            subprocess.run(
                ["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0",
                 "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", str(clip)],
                capture_output=True, text=True, check=True,
            ).stdout.strip()
        )  # fmt: skip
        oracle_json = work / f"{name}-oracle.json"
        vfx_out = work / f"{name}-vfx"
        times: dict[str, list[Run]] = {"oracle": [], "vfx csv": []}
        for _ in range(args.repeat):
            times["oracle"].append(run([str(python), str(ORACLE), str(clip), str(oracle_json)]))
            times["vfx csv"].append(
                run([VFX, "pose", str(clip), "-o", str(vfx_out), "--only", "csv", "--quiet"])
            )
        oracle = json.loads(oracle_json.read_text())
        agree, mean, p95 = body_accuracy(vfx_landmarks(vfx_out / f"{clip.stem}_pose.csv"), oracle)
        t_oracle = statistics.median(r.seconds for r in times["oracle"])
        t_vfx = statistics.median(r.seconds for r in times["vfx csv"])
        every = run([VFX, "pose", str(clip), "-o", str(work / f"{name}-all"), "--quiet"])
        print(f"\n{name} ({frames} frames)")
        print(f"  person found on the same frames: {agree:.1%} (target >= 98 %)")
        print(f"  landmark distance, share of the diagonal: mean {mean:.2%} (<= 1 %), "
              f"p95 {p95:.2%} (<= 3 %)")  # fmt: skip
        print(f"  oracle {t_oracle:.2f} s ({frames / t_oracle:.1f} frames/s), "
              f"oracle's own loop {oracle['seconds']:.2f} s")  # fmt: skip
        print(f"  vfx pose --only csv {t_vfx:.2f} s ({frames / t_vfx:.1f} frames/s): "
              f"{t_oracle / t_vfx:.2f}x the oracle (target >= 1.2x)")  # fmt: skip
        print(f"  vfx pose, every output: {every.seconds:.2f} s ({frames / every.seconds:.1f} "
              f"frames/s), peak {every.peak_rss_mb:.0f} MB")  # fmt: skip
        if name == "pianist":
            hands_json = work / "pianist-hands-oracle.json"
            t_hands = run([str(python), str(ORACLE), str(clip), str(hands_json), "--hands"])
            t_vfx_hands = run([VFX, "pose", str(clip), "-o", str(work / "pianist-hands"),
                               "--only", "csv", "--hands", "--quiet"])  # fmt: skip
            ours = vfx_landmarks(work / "pianist-hands" / f"{clip.stem}_pose.csv", hands=True)
            oracle_hands = json.loads(hands_json.read_text())
            agree, mean, p95, paired, total = hand_accuracy(ours, oracle_hands)
            print(f"  hands found on the same frames: {agree:.1%}; {paired} of MediaPipe's "
                  f"{total} hands paired; distance mean {mean:.2%}, p95 {p95:.2%}")  # fmt: skip
            print(f"  hands: oracle (hands only) {t_hands.seconds:.2f} s, vfx pose --hands "
                  f"(body and hands) {t_vfx_hands.seconds:.2f} s")  # fmt: skip
    clip = clips["dancer"]
    short = run([VFX, "pose", str(clip), "-o", str(work / "m20"), "--only", "csv", "--end", "20",
                 "--quiet"])  # fmt: skip
    whole = run([VFX, "pose", str(clip), "-o", str(work / "m63"), "--only", "csv", "--quiet"])
    print(
        f"\npeak memory, vfx pose --only csv: first 20 s {short.peak_rss_mb:.0f} MB, whole "
        f"63 s {whole.peak_rss_mb:.0f} MB ({whole.peak_rss_mb / short.peak_rss_mb:.2f}x)"
    )


if __name__ == "__main__":
    main()
