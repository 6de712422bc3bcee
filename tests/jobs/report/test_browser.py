"""Report pages in a real browser: headless Chromium (Debian's package) loads them offline.

Skipped, with the reason, where Chromium or the Playwright client is absent; ``make test``
installs both on Debian.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, media
from vfx.jobs.report import make_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian package chromium; make test installs it)")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def _load(browser, page_path: Path) -> dict:
    """Open the page; what it logged, what it fetched, its markers and a screenshot."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_path.absolute().as_uri())
    page.wait_for_load_state("load")
    # scroll through so that every lazy thumbnail loads too
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(300)
    markers = page.locator("svg.map circle.frame")
    count = markers.count()
    shown = ""
    if count:
        markers.first.click()
        shown = page.locator("#map-info img").get_attribute("alt") or ""
    shot = page.screenshot(full_page=False)
    page.close()
    import cv2

    pixels = cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_GRAYSCALE)
    return {"errors": errors, "requests": requests, "markers": count, "shown": shown,
            "contrast": float(pixels.std())}  # fmt: skip


def _geotagged(page_path: Path) -> int:
    import json
    import re

    text = page_path.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="frame-data">(.*?)</script>', text, re.S).group(1))
    assert data
    return text.count('<circle class="frame')


def test_sample_clip_report_in_chromium(browser, tmp_path: Path) -> None:
    page = make_report([ROOT / "samples" / "dance.mp4"], tmp_path / "r").main
    seen = _load(browser, page)
    assert seen["errors"] == []
    assert all(u.startswith("file://") for u in seen["requests"]), seen["requests"]
    assert seen["markers"] == 0  # no GPS in the sample: no map
    assert seen["contrast"] > 10, "blank screenshot"


@pytest.mark.media
def test_gopro_clip_report_in_chromium(browser, tmp_path: Path) -> None:
    page = make_report([media("gopro-hero7.mp4")], tmp_path / "r").main
    seen = _load(browser, page)
    assert seen["errors"] == []
    assert all(u.startswith("file://") for u in seen["requests"]), seen["requests"]
    assert seen["markers"] == _geotagged(page) == 34  # 36 keyframes, 2 after the track ends
    assert seen["shown"].startswith("keyframe 0 at 0.000 s")
    assert seen["contrast"] > 10, "blank screenshot"
