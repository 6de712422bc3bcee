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
    violations = _axe(page)
    page.close()
    import cv2

    pixels = cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_GRAYSCALE)
    return {"errors": errors, "requests": requests, "markers": count, "shown": shown,
            "contrast": float(pixels.std()), "axe": violations}  # fmt: skip


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
    assert seen["axe"] == []


def _studio(root: Path) -> Path:
    """A dance researcher's folder from the sample clip (no GPS): keyframes, the keyframe
    display, a selection, motion pictures, and a picture made by hand."""
    from vfx.io.images import write_image
    from vfx.jobs.composite import make_composite
    from vfx.jobs.motion import analyse_motion
    from vfx.jobs.select import select_frames
    from vfx.jobs.stills import extract_keyframes

    clip = ROOT / "samples" / "dance.mp4"
    folder = root / "dance"
    extract_keyframes(clip, folder / "keys", fmt="png")
    make_composite(folder / "keys", folder / "keys" / "display.png")
    select_frames(clip, 6, folder / "chosen", fmt="png")
    analyse_motion(clip, folder / "motion", end_s=6, outputs=("motiongrams", "qom", "average"))
    write_image(folder / "by_hand.png", np.zeros((40, 60, 3), np.uint8))
    return folder


def _axe(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical accessibility violations of an open page."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="no axe-core")
    found = axe.Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in found if v["impact"] in ("serious", "critical")]


def test_a_dance_studio_page_in_chromium(browser, tmp_path: Path) -> None:
    import re

    from vfx.io.contents import read_contents

    folder = _studio(tmp_path)
    page_path = make_report([folder]).main
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_path.as_uri())
    page.wait_for_load_state("load")
    text = page_path.read_text(encoding="utf-8")
    # every picture and frame vfx wrote appears exactly once, with its command's caption
    for sub in ("keys", "chosen", "motion"):
        for entry in read_contents(folder / sub) or []:
            if not entry.file.endswith(".png"):
                continue
            links = re.findall(rf'href="[^"]*{sub}/{re.escape(entry.file)}"', text)
            assert len(links) == 1, entry.file
            if entry.kind in ("picture", "figure"):
                assert f"vfx {entry.command}" in text
    for grid in (
        "Keyframes of dance.mp4 (24) · vfx keyframes · keys/",
        "Selected frames of dance.mp4 (6) · vfx select · chosen/",
    ):
        assert grid in text  # fmt: skip
    for sub in ("keys", "chosen"):  # each folder's frames, each once
        for image in (folder / sub).glob("dance_*.png"):
            assert len(re.findall(rf'href="[^"]*{sub}/{image.name}"', text)) == 1, image
    assert page.locator("#selection").count() == 1
    assert page.locator("#other").inner_text().count("by_hand.png") == 1
    body = page.locator("main").inner_text()
    for word in ("position", "sequence", "GPS", "Track", "map"):
        assert word not in body, word
    # the headline picture above the first frame grid
    headline = page.locator("#pictures img").first.bounding_box()
    first_grid = page.locator("#frames").bounding_box()
    assert headline is not None and first_grid is not None and headline["y"] < first_grid["y"]
    # the lightbox: opens on a frame, steps with the arrow keys, closes with Escape
    page.locator("#frames a.shows").nth(1).click()
    viewer = page.locator("dialog.lightbox")
    assert viewer.evaluate("d => d.open")
    first = viewer.locator("img").get_attribute("src")
    page.keyboard.press("ArrowRight")
    assert viewer.locator("img").get_attribute("src") != first
    page.keyboard.press("Escape")
    assert not viewer.evaluate("d => d.open")
    assert _axe(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    page.close()
    assert errors == []
    assert all(u.startswith(("file://", "data:")) for u in requests), requests


def test_a_batch_index_in_chromium(browser, tmp_path: Path) -> None:
    from vfx.recipe.runner import run_recipe

    run_recipe("keyframe-display", [ROOT / "samples" / "dance.mp4"], tmp_path / "runs")
    index = make_report([tmp_path / "runs"], tmp_path / "report").main
    assert index.name == "index.html"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(index.as_uri())
    page.wait_for_load_state("load")
    cards = page.locator("ul.index li")
    assert cards.count() >= 1 and cards.first.locator("img").count() == 1
    assert "done" in page.locator("#batch").inner_text()
    assert _axe(page) == []
    page.close()
    assert errors == []
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
