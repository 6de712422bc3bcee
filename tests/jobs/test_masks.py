"""``vfx mask --method person|chroma``: MediaPipe's person segmentation on MGT's dancer, who
never leaves the frame (no background estimate can work), and a chroma key on a clip built
here."""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from clips import write_lossless
from conftest import media
from vfx.cli import app
from vfx.io.images import read_image

runner = CliRunner()


def _figure(image: np.ndarray) -> np.ndarray:
    """The dancer: pixels far from the blue screen (a plain rule, independent of vfx)."""
    r, g, b = (image[..., c].astype(int) for c in range(3))
    return ~((b > r + 40) & (b > g + 20))


@pytest.mark.media
def test_person_masks_find_the_dancer_who_never_leaves(tmp_path: Path) -> None:
    clip = media("mgt-dancer.avi")
    out = tmp_path / "masks"
    result = runner.invoke(
        app, ["mask", str(clip), "--method", "person", "--every", "12", "-o", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    masks = sorted(glob.glob(str(out / "*_mask.png")))
    assert len(masks) >= 5
    import av

    frames = {}
    with av.open(str(clip)) as container:
        for frame in container.decode(video=0):
            frames[round(float(frame.time) * 1000)] = frame.to_ndarray(format="rgb24")
    ious = []
    for row in (out / "frames.csv").read_text().splitlines()[1:]:
        cells = row.split(",")
        image = frames[round(float(cells[3]) * 1000)]
        mask = read_image(out / next(c for c in cells if c.endswith("_mask.png"))) > 127
        truth = _figure(image)
        ious.append((mask & truth).sum() / (mask | truth).sum())
    # MediaPipe's own solution (static mode) measures 0.867 mean, 0.834 worst under this rule
    assert np.mean(ious) >= 0.85 and min(ious) >= 0.82, ious


def test_a_chroma_key_separates_a_green_screen(tmp_path: Path) -> None:
    import cv2

    frames = []
    for k in range(3):
        image = np.zeros((64, 96, 3), np.uint8)
        image[...] = (30, 190, 70)
        cv2.rectangle(image, (20 + 10 * k, 16), (44 + 10 * k, 48), (200, 190, 180), -1)
        frames.append(image)
    clip = write_lossless(tmp_path / "green.mp4", frames)
    out = tmp_path / "masks"
    result = runner.invoke(
        app, ["mask", str(clip), "--method", "chroma", "--all", "-o", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    for k, path in enumerate(sorted(out.glob("*_mask.png"))):
        mask = read_image(path) > 127
        expected = np.zeros_like(mask)
        expected[16:49, 20 + 10 * k : 45 + 10 * k] = True
        assert np.array_equal(mask, expected)
    bad = runner.invoke(app, ["mask", str(clip), "--method", "chroma", "--key", "teal"])
    assert bad.exit_code == 1 and "teal" in bad.output


@pytest.mark.media
def test_a_bowing_dancer_still_gets_a_mask() -> None:
    """Frame 1344 of dancer.avi: the body bends far from upright, so the landmark model's
    presence score is under 0.5 in the detector's region (0.25) and over it in the region
    its own landmarks give (0.80). Only the last look may decide that nobody is there."""
    import av

    from vfx.jobs.trackers import BodyTracker

    with av.open(str(media("mgt-dancer.avi"))) as container:
        image = next(
            f.to_ndarray(format="rgb24") for i, f in enumerate(container.decode(video=0))
            if i == 1344
        )  # fmt: skip
    found = BodyTracker(smooth=False).person_mask(image)
    assert found is not None
    mask, truth = found > 0.5, _figure(image)
    assert (mask & truth).sum() / (mask | truth).sum() >= 0.85
