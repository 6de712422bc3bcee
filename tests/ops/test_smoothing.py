"""``vfx.ops.smoothing``: the One Euro filter against its published equations, step by step."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vfx.ops.smoothing import OneEuroFilter


def _alpha(cutoff: float, frequency: float) -> float:
    return 1 / (1 + (1 / (2 * math.pi * cutoff)) / (1 / frequency))


def test_two_steps_by_hand() -> None:
    f = OneEuroFilter(min_cutoff=1.0, beta=0.5, derivate_cutoff=1.0, frequency=30.0)
    assert f(0.0, np.array([10.0]))[0] == 10.0  # the first value passes as it is
    # second value at 1/30 s: speed (20 - 10) * 30 = 300, low-passed from 0 with
    # alpha(1 Hz); cutoff 1 + 0.5 |speed|; the value low-passed with alpha(cutoff)
    speed = _alpha(1.0, 30.0) * 300.0
    expected = 10.0 + _alpha(1.0 + 0.5 * speed, 30.0) * (20.0 - 10.0)
    assert f(1 / 30, np.array([20.0]))[0] == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(18.4962, abs=1e-4)


def test_the_rate_follows_the_times_and_the_scale_weighs_the_speed() -> None:
    a = OneEuroFilter(min_cutoff=2.0, beta=1.0, frequency=30.0)
    b = OneEuroFilter(min_cutoff=2.0, beta=1.0, frequency=30.0)
    a(0.0, np.array([0.0, 5.0]))
    b(0.0, np.array([0.0, 5.0]))
    got = a(0.1, np.array([1.0, 5.0]), value_scale=0.5)  # 10 Hz from the times
    speed = _alpha(1.0, 10.0) * (1.0 * 0.5 * 10.0)
    assert got[0] == pytest.approx(_alpha(2.0 + speed, 10.0) * 1.0, rel=1e-12)
    assert got[1] == 5.0  # a still value stays
    assert b(0.1, np.array([1.0, 5.0]))[0] > got[0]  # a larger scale: faster, less smoothing


def test_a_time_not_after_the_last_returns_the_values() -> None:
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    f(1.0, np.array([1.0]))
    assert f(1.0, np.array([5.0]))[0] == 5.0 and f(0.5, np.array([7.0]))[0] == 7.0
    with pytest.raises(ValueError, match="min_cutoff"):
        OneEuroFilter(min_cutoff=0.0, beta=1.0)
