"""The report reads what each folder holds from its contents list (``vfx.json``): every
picture vfx made is captioned with what it is and the command that made it, a file the user
made is listed as another file, and a folder whose list was deleted still reports, with a
warning."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from clips import write_lossless
from vfx.io.images import write_image
from vfx.jobs.background import make_background
from vfx.jobs.composite import make_composite
from vfx.jobs.montage import make_montage
from vfx.jobs.motion import analyse_motion
from vfx.jobs.report import make_report
from vfx.jobs.select import select_frames
from vfx.jobs.stills import extract_frames
from vfx.types import FrameChoice


def _frames() -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    wall = rng.integers(40, 90, (48, 64, 3), dtype=np.uint8)
    frames = []
    for k in range(12):
        image = wall.copy()
        image[16:32, 4 * k : 4 * k + 14] = (230, 200, 60)
        frames.append(image)
    return frames


@pytest.fixture
def studio(tmp_path: Path) -> Path:
    """A dancer's folder: frames, a keyframe display, a background, a contact sheet, motion
    pictures, and a picture the user made by hand (named as vfx names backgrounds)."""
    clip = write_lossless(tmp_path / "dance.mp4", _frames(), fps=10)
    folder = tmp_path / "dance_frames"
    extract_frames(clip, folder, all_frames=True, fmt="png")
    make_composite(folder, folder / "display.png", frames=FrameChoice.all())
    make_background(folder, folder / "empty_background.png", frames=FrameChoice.all())
    make_montage(folder, folder / "sheet.png", frames=FrameChoice.all())
    analyse_motion(clip, folder / "motion", outputs=("motiongrams", "qom"))
    write_image(folder / "my_background.png", np.zeros((48, 64, 3), np.uint8))
    return folder


def _sections(text: str) -> dict[str, str]:
    return dict(re.findall(r'<section id="([\w-]+)">(.*?)</section>', text, re.S))


def test_every_picture_has_its_commands_caption_and_a_hand_made_one_none(studio: Path) -> None:
    page = make_report([studio]).main.read_text(encoding="utf-8")
    sections = _sections(page)
    pictures = sections["pictures"]
    assert "Keyframe display" in pictures and "vfx composite" in pictures
    assert "Background: the auto estimate" in pictures and "vfx background" in pictures
    assert "Contact sheet of 12 frames" in pictures and "vfx montage" in pictures
    # the headline first: the composite, then the background, then the sheet
    assert pictures.index("display.png") < pictures.index("empty_background.png")
    assert pictures.index("empty_background.png") < pictures.index("sheet.png")
    assert "Motiongram, time left to right" in sections["motion"]
    assert "Quantity of motion" in sections["figures"]
    # the hand-made picture is no picture of vfx: listed as another file, uncaptioned
    assert "my_background.png" not in pictures and "my_background.png" in sections["other"]
    assert page.count("my_background.png") == 2  # its link and its name, nothing else
    # the frames are one grid, captioned by the command; every vfx image appears once
    assert sections["frames"].startswith(
        "<h2>Frames of dance.mp4 (12) · vfx frames · dance_frames/</h2>"
    )
    for name in ("display.png", "empty_background.png", "sheet.png"):
        assert len(re.findall(rf'href="(?:[^"]*/)?{re.escape(name)}"', page)) == 1
    # headline above the first frame grid; no mapping words without positions
    assert page.index('id="pictures"') < page.index('id="frames"')
    main = re.sub(r"<[^>]+>", " ", page.split("<main>", 1)[1].split("</main>", 1)[0])
    for word in ("position", "sequence", "GPS", "Track"):
        assert word not in main, word
    assert "warnings" not in sections


def test_a_folder_whose_list_was_deleted_still_reports_with_a_warning(studio: Path) -> None:
    (studio / "vfx.json").unlink()
    page = make_report([studio]).main.read_text(encoding="utf-8")
    sections = _sections(page)
    assert "no vfx.json" in sections["warnings"] and "guessed from their names" in page
    assert "display.png" in page and "sheet.png" in page  # still shown, by their names
    assert "Motiongram" in sections["motion"]  # the motion folder kept its list


def test_the_selection_appears_with_its_spread(tmp_path: Path) -> None:
    clip = write_lossless(tmp_path / "dance.mp4", _frames(), fps=10)
    select_frames(clip, 4, tmp_path / "chosen", fmt="png")
    page = make_report([tmp_path / "chosen"]).main.read_text(encoding="utf-8")
    selection = _sections(page)["selection"]
    assert "coreset" in selection and "4 frames of 12 candidates" in selection
    assert "Selected frames of dance.mp4 (4) · vfx select · chosen/" in page
