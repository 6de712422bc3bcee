"""The frame descriptor and the selection functions on small arrays."""

from __future__ import annotations

import numpy as np
import pytest

from vfx.ops.coreset import coreset, describe, distance_report, random_choice, uniform


def test_descriptor_is_unit_and_stable() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 255, (72, 128, 3), dtype=np.uint8)
    ea, eb = describe(a), describe(a.copy())
    assert ea.shape == (128,) and np.linalg.norm(ea) == pytest.approx(1.0, abs=1e-6)
    assert np.array_equal(ea, eb)
    # a 16-bit frame describes like its 8-bit version
    assert np.allclose(describe(a.astype(np.uint16) * 257), ea, atol=1e-6)


def test_descriptor_separates_different_scenes() -> None:
    grey = np.full((72, 128, 3), 100, np.uint8)
    similar = grey.copy()
    similar[30:34, 60:64] = 110  # a small change
    red = grey.copy()
    red[:, :64] = (220, 20, 20)
    d_small = np.linalg.norm(describe(grey) - describe(similar))
    d_large = np.linalg.norm(describe(grey) - describe(red))
    assert d_small < 0.2 < d_large <= 2.0


def test_coreset_picks_spread_points() -> None:
    # three tight clusters of 20 points and one outlier
    rng = np.random.default_rng(0)
    centres = np.eye(4)[:3]
    pts = np.concatenate([c + rng.normal(0, 0.01, (20, 4)) for c in centres] + [[[0, 0, 0, 1.0]]])
    picks = coreset(pts, 4)
    assert 60 in picks  # the outlier
    assert sorted(int(p) // 20 for p in picks if p < 60) == [0, 1, 2]  # one per cluster
    assert np.array_equal(picks, coreset(pts, 4))  # deterministic


def test_uniform_random_and_small_counts() -> None:
    assert uniform(100, 5).tolist() == [0, 25, 50, 74, 99]
    assert uniform(3, 10).tolist() == [0, 1, 2]
    r1, r2 = random_choice(50, 7, seed=5), random_choice(50, 7, seed=5)
    assert np.array_equal(r1, r2) and len(set(r1.tolist())) == 7
    assert not np.array_equal(r1, random_choice(50, 7, seed=6))


def test_distance_report() -> None:
    e = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    d = distance_report(e)
    assert d["min"] == pytest.approx(np.sqrt(2)) and d["max"] == pytest.approx(2.0)
    assert d["nn_min"] == pytest.approx(np.sqrt(2))
    assert distance_report(e[:1])["mean"] is None
