"""``vfx.ops.similarity``: the toolbox's features and matrices, on hand-computed cases (the
comparison with the toolbox's own matrix is in tests/jobs/test_motion.py)."""

from __future__ import annotations

import numpy as np
import pytest

from vfx.ops.similarity import motion_features, pool_columns, self_similarity


def test_colour_features_weigh_blue_as_the_toolbox_does() -> None:
    # One red and one blue moment in a motiongram of nothing else: both are the brightest
    # value (HSV value 255) before the grey, which gives blue 0.299 and red 0.114.
    profile = np.zeros((2, 3, 3))
    profile[0, 1] = (255, 0, 0)
    profile[0, 2] = (0, 0, 255)
    features = motion_features(profile)
    assert features[0, 1] == pytest.approx(29 / 255)
    assert features[0, 2] == pytest.approx(76 / 255)
    assert features[1].tolist() == [0, 0, 0]


def test_grey_features_are_rounded_stretched_and_equalised() -> None:
    # Means 0.4 and 0.6 are whole levels 0 and 1 apart, which the stretch makes 0 and 255.
    features = motion_features(np.array([[0.4, 0.6], [0.4, 0.4]]))
    assert features.tolist() == [[0.0, 1.0], [0.0, 0.0]]


def test_matrix_compares_columns_scaled_by_their_largest_value() -> None:
    features = np.array([[2.0, 0.0, 1.0, 0.0], [0.0, 3.0, 1.0, 0.0]])
    matrix, factor = self_similarity(features)
    assert factor == 1
    # columns scaled to [1,0], [0,1], [1,1]; the empty one is left as it is
    expected = np.array([[1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 2, 0], [0, 0, 0, 0]], np.float32)
    np.testing.assert_array_equal(matrix, expected)


def test_large_matrix_is_averaged_over_blocks_without_being_held_whole() -> None:
    rng = np.random.default_rng(3)
    features = rng.random((5, 300)).astype(np.float32)
    whole, _ = self_similarity(features)
    pooled, factor = self_similarity(features, most=100)
    assert factor == 3 and pooled.shape == (100, 100)
    expected = whole.reshape(100, 3, 100, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(pooled, expected, rtol=1e-5)
    assert pool_columns(features, 300)[1] == 1
