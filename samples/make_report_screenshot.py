"""Make the README's pictures of reports: docs/report_{dance,hero7,index}_{wide,phone}.jpg.

Run: .venv/bin/python samples/make_report_screenshot.py

Three reports, each rendered by headless Chromium through Playwright at 1280 and 390 pixels
wide and shrunk to a small JPEG (the top of the page):

* dance: a dance researcher's folder made from MGT's ``dancer.avi`` (bench/_work, from the
  musicalgestures wheel; ``samples/dance.mp4`` where it is absent): keyframes, the keyframe
  display, a selection, motion pictures with sound;
* hero7: the GoPro HERO7 clip in ../shared/media (keyframes, the GPS track on the map, plots);
* index: the batch index of ``vfx run keyframe-display`` over both.

Every input is given by a relative name from a temporary folder, so the pictures show no path
of the machine they were made on. Needs Chromium (Debian's package); says so and stops
without it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HERO7 = ROOT / ".." / "shared" / "media" / "gopro-hero7.mp4"
DANCER = ROOT / "bench" / "_work" / "dancer.avi"
DOCS = ROOT / "docs"


def _dance_folder(clip: Path) -> Path:
    from vfx.jobs.composite import make_composite
    from vfx.jobs.motion import analyse_motion
    from vfx.jobs.select import select_frames
    from vfx.jobs.stills import extract_keyframes

    folder = Path(f"{clip.stem}_studio")
    extract_keyframes(clip, folder / "keyframes", fmt="png")
    make_composite(folder / "keyframes", folder / "keyframes" / "keyframe_display.png")
    select_frames(clip, 12, folder / "selected", fmt="png")
    analyse_motion(clip, folder / "motion", outputs=("motiongrams", "videograms", "qom", "audio"))
    return folder


def _shoot(browser, page_path: Path, name: str, click_marker: bool = False) -> None:  # type: ignore[no-untyped-def]
    for width, kind, shown in ((1280, "wide", 640), (390, "phone", 260)):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(page_path.resolve().as_uri())
        page.wait_for_load_state("load")
        if click_marker and page.locator("svg.map circle.frame").count() > 12:
            page.locator("svg.map circle.frame").nth(12).click()
        shot = page.screenshot(full_page=True)
        page.close()
        image = cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_COLOR)
        top = image[: min(image.shape[0], 2 * width if kind == "wide" else 1800)]
        small = cv2.resize(top, (shown, round(top.shape[0] * shown / top.shape[1])),
                           interpolation=cv2.INTER_AREA)  # fmt: skip
        out = DOCS / f"report_{name}_{kind}.jpg"
        cv2.imwrite(str(out), small, [cv2.IMWRITE_JPEG_QUALITY, 80])
        print(f"{out} ({out.stat().st_size // 1024} KB)")


def main() -> int:
    from vfx.jobs.report import make_report
    from vfx.recipe.runner import run_recipe

    chromium = shutil.which("chromium")
    if chromium is None:
        print("needs /usr/bin/chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    dancer = DANCER if DANCER.is_file() else ROOT / "samples" / "dance.mp4"
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            shutil.copy(dancer, dancer.name)
            clips = [Path(dancer.name)]
            pages = {"dance": make_report([_dance_folder(Path(dancer.name))], Path("dance")).main}
            if HERO7.is_file():
                shutil.copy(HERO7, HERO7.name)
                clips.append(Path(HERO7.name))
                pages["hero7"] = make_report([Path(HERO7.name)], Path("hero7")).main
            run_recipe("keyframe-display", clips, Path("runs"))
            pages["index"] = make_report([Path("runs")], Path("index")).main
            pages = {k: v.resolve() for k, v in pages.items()}
        finally:
            os.chdir(here)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium,
                args=["--headless", "--no-sandbox", "--disable-gpu",
                      "--disable-background-networking"],
            )  # fmt: skip
            for name, page_path in pages.items():
                _shoot(browser, page_path, name, click_marker=name == "hero7")
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
