"""``vfx.jobs.trackers``: the hand tracker against MediaPipe's own ``mp.solutions.hands``
(values recorded once by ``bench/pose_oracle.py --hands`` and committed in tests/data), on
MGT's pianist, whose hands are small, side-on and often near the model's threshold."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest

from conftest import ROOT, media
from vfx.jobs.trackers import HandTracker

FRAMES = 150


def match_hands(found: dict[int, list], oracle: dict) -> tuple[float, np.ndarray, float]:
    """Agreement on which frames have a hand; the landmark distances (fraction of the
    diagonal) of each oracle hand to the nearest hand found, for pairs within 5 % of the
    diagonal on average (the same hand); and the share of those pairs that name the same
    side (MediaPipe's labels are mirrored: its "Left" is the person's right)."""
    diagonal = float(np.hypot(oracle["width"], oracle["height"]))
    agree, distances, same_side, pairs = 0, [], 0, 0
    for key, expected in oracle["frames"].items():
        if int(key) not in found:
            continue
        ours = found[int(key)]
        agree += bool(ours) == bool(expected)
        for hand in expected:
            xy = np.array(hand["xy"])
            if not ours:
                continue
            best = min(ours, key=lambda h: np.linalg.norm(h.landmarks[:, :2] - xy, axis=1).mean())
            d = np.linalg.norm(best.landmarks[:, :2] - xy, axis=1) / diagonal
            if d.mean() < 0.05:
                distances.extend(d)
                pairs += 1
                same_side += best.side == {"Left": "right", "Right": "left"}[hand["label"]]
    compared = sum(1 for k in oracle["frames"] if int(k) in found)
    return agree / compared, np.array(distances), same_side / max(pairs, 1)


@pytest.mark.media
def test_hands_agree_with_mediapipe_on_the_pianist() -> None:
    oracle = json.loads((ROOT / "tests" / "data" / "hands_oracle_pianist.json").read_text())
    tracker = HandTracker()
    found = {}
    with av.open(str(media("mgt-pianist-20s.avi"))) as container:
        for k, frame in enumerate(container.decode(video=0)):
            if k == FRAMES:
                break
            found[k] = tracker(frame.to_ndarray(format="rgb24"), float(frame.time))
    agreement, d, sides = match_hands(found, oracle)
    assert agreement >= 0.95
    assert d.size >= 21 * 20
    assert d.mean() <= 0.01 and np.percentile(d, 95) <= 0.03
    assert sides >= 0.9
