"""Make docs/report.jpg, the README's picture of a report.

Run: .venv/bin/python samples/make_report_screenshot.py

The report of the GoPro HERO7 clip in ../shared/media (keyframes, the GPS track on the map, the
plots), rendered by headless Chromium through Playwright and shrunk to a small JPEG.
Needs Chromium (Debian's package) and the shared media; says so and stops without them.
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
CLIP = ROOT / ".." / "shared" / "media" / "gopro-hero7.mp4"
OUT = ROOT / "docs" / "report.jpg"


def main() -> int:
    from vfx.jobs.report import make_report

    chromium = shutil.which("chromium")
    if chromium is None or not CLIP.is_file():
        print("needs /usr/bin/chromium and ../shared/media/gopro-hero7.mp4", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        # The page names the video as it was given: a copy beside the page, by a relative
        # name, so that the picture shows no path of the machine it was made on.
        shutil.copy(CLIP, Path(tmp) / CLIP.name)
        here = Path.cwd()
        os.chdir(tmp)
        try:
            page_path = make_report([Path(CLIP.name)], Path("report")).main.resolve()
        finally:
            os.chdir(here)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium,
                args=["--headless", "--no-sandbox", "--disable-gpu",
                      "--disable-background-networking"],
            )  # fmt: skip
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(page_path.as_uri())
            page.locator("svg.map circle.frame").nth(12).click()
            shot = page.screenshot(full_page=True)
            browser.close()
    image = cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_COLOR)
    top = image[: min(image.shape[0], 2600)]
    small = cv2.resize(top, (600, round(top.shape[0] * 600 / top.shape[1])), cv2.INTER_AREA)
    OUT.parent.mkdir(exist_ok=True)
    cv2.imwrite(str(OUT), small, [cv2.IMWRITE_JPEG_QUALITY, 80])
    print(f"{OUT} ({OUT.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
