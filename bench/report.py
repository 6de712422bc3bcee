"""Benchmark: the report of a 1-hour video with 3,600 extracted frames opens in a few seconds.

Builds an output folder as ``vfx frames VIDEO --every 1`` would leave it after an hour of
riding (3,600 JPEG frames of 640x360 with times, positions, courses and sequences in
frames.csv), then times ``vfx report`` on it and the page's opening in headless Chromium:
the time to the load event, and to the first screen painted with the map drawn and its
3,600 markers clickable. Target: the page opens within a few seconds (under 5 s to load).
Skips the browser part with a note where Chromium or Playwright is missing.

With ``--against OTHER_TREE`` (a checkout of another vfx, e.g. ``git worktree add /tmp/before
HEAD~20``), the same folder is also reported by that tree's code (``python -m vfx`` with its
``src`` first on the path), the two taking turns, and the ratios printed (target: no more than
20 % slower).

Run: .venv/bin/python bench/report.py [--frames N] [--against OTHER_TREE]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from common import VFX, WORK, fresh, run


def build_folder(folder: Path, frames: int) -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (360, 640, 3), np.uint8)
    rows = []
    for k in range(frames):
        image = np.roll(base, k * 7, axis=1)
        cv2.putText(image, f"{k}", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        name = f"ride_{k * 30:06d}.jpg"
        cv2.imwrite(str(folder / name), image, [cv2.IMWRITE_JPEG_QUALITY, 85])
        t = float(k)
        rows.append({
            "file": name, "frame_index": k * 30, "time_s": f"{t:.9f}", "source": "ride.mp4",
            "width": 640, "height": 360,
            "datetime_utc": f"2024-05-01T{10 + k // 3600:02d}:{k // 60 % 60:02d}:{k % 60:02d}.000Z",
            "lat": f"{45 + 1e-4 * k:.7f}", "lon": f"{7 + 5e-5 * np.sin(k / 50):.7f}",
            "heading": "0.00", "course": "0.00", "gps_flag": "",
            "sequence": f"seq-{k // 1000}",
        })  # fmt: skip
    with (folder / "frames.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def open_in_chromium(page: Path, repeat: int) -> tuple[float, float] | None:
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print("browser: skipped (Chromium or Playwright missing)")
        return None
    loads, ready = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for _ in range(repeat):
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            tab.goto(page.as_uri(), wait_until="load")
            loads.append(time.perf_counter() - start)
            tab.locator("svg.map circle.frame").last.click()
            tab.locator("#map-info img").wait_for()
            ready.append(time.perf_counter() - start)
            tab.close()
        browser.close()
    return statistics.median(loads), statistics.median(ready)


def _report_with(tree: Path, folder: Path, out: Path) -> float:
    """Seconds for ``tree``'s vfx to report ``folder`` into ``out``."""
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    shutil.rmtree(out, ignore_errors=True)
    os.sync()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "vfx", "report", str(folder), "-o", str(out), "--quiet"],
                   env=env, check=True)  # fmt: skip
    return time.perf_counter() - start


def _against(other: Path, folder: Path, repeat: int) -> None:
    here = Path(__file__).resolve().parents[1]
    times: dict[str, list[float]] = {"this tree": [], "other tree": []}
    loads: dict[str, list[float]] = {"this tree": [], "other tree": []}
    for _ in range(repeat):
        for name, tree in (("this tree", here), ("other tree", other)):
            out = WORK / f"report_{name.replace(' ', '_')}"
            times[name].append(_report_with(tree, folder, out))
            timed = open_in_chromium(out / "report.html", 1)
            if timed is not None:
                loads[name].append(timed[0])
    for key, table in (("vfx report", times), ("chromium load event", loads)):
        if not table["this tree"] or not table["other tree"]:
            continue
        mine, theirs = statistics.median(table["this tree"]), statistics.median(table["other tree"])
        print(f"{key}: this tree {mine:.2f} s, {other.name} {theirs:.2f} s: "
              f"{mine / theirs:.2f}x (target at most 1.20x)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=3600)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--against", type=Path, help="another vfx checkout to compare with")
    args = ap.parse_args()
    folder = fresh(WORK / "report_ride")
    build_folder(folder, args.frames)
    if args.against is not None:
        _against(args.against, folder, args.repeat)
        return
    out = WORK / "report_out"
    made = run([VFX, "report", str(folder), "-o", str(out), "--quiet"])
    page = out / "report.html"
    thumbs = sum(f.stat().st_size for f in (out / "report_ride_files").iterdir())
    print(f"frames: {args.frames}")
    print(f"vfx report: {made.seconds:.1f} s, peak {made.peak_rss_mb:.0f} MB")
    print(f"page: {page.stat().st_size / 1e6:.2f} MB, thumbnails beside it {thumbs / 1e6:.1f} MB")
    timed = open_in_chromium(page, args.repeat)
    if timed is not None:
        load, ready = timed
        print(f"chromium: load event {load:.2f} s, map ready and a marker clicked {ready:.2f} s")
        print(f"target: load under 5 s -> {'met' if load < 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
