"""Choosing frames by time."""

from __future__ import annotations

import numpy as np
import pytest

from vfx.errors import ParameterError
from vfx.ops.sampling import parse_time, ranks_at, ranks_between, target_times


def test_parse_time_forms() -> None:
    assert parse_time("12") == 12
    assert parse_time("12.25") == 12.25
    assert parse_time("1:02.5") == 62.5
    assert parse_time("01:00:03") == 3603
    with pytest.raises(ParameterError, match="cannot read time"):
        parse_time("-1")
    with pytest.raises(ParameterError):
        parse_time("abc")


def test_every_runs_from_start_below_end() -> None:
    assert target_times(every_s=2.0, end_s=7.0).tolist() == [0, 2, 4, 6]
    assert target_times(every_s=2.0, start_s=1.0, end_s=7.0).tolist() == [1, 3, 5]
    assert target_times(fps=4, end_s=1.0).tolist() == [0, 0.25, 0.5, 0.75]


def test_at_keeps_times_inside_the_range() -> None:
    assert target_times(at_s=[5, 1, 9], start_s=0.5, end_s=6).tolist() == [1, 5]


def test_exactly_one_way_and_positive_step() -> None:
    with pytest.raises(ParameterError):
        target_times(every_s=1, fps=2, end_s=5)
    with pytest.raises(ParameterError):
        target_times(every_s=0, end_s=5)


def test_frame_on_screen_at_each_time() -> None:
    # 0.5 s lies after the last of 10 frames (0.3754 s): that last frame is still on screen.
    times = np.arange(10) * (1001 / 24000)
    assert ranks_at(times, np.array([0.0, 0.5])).tolist() == [0, 9]
    # 0.5 s lies between frame 11 (0.4588 s) and frame 12 (0.5005 s): frame 11 is on screen.
    times = np.arange(30) * (1001 / 24000)
    assert ranks_at(times, np.array([0.0, 0.5, 1001 / 24000 * 12])).tolist() == [0, 11, 12]


def test_each_frame_once_when_sampling_faster_than_the_video() -> None:
    times = np.arange(5) * 0.1
    assert ranks_at(times, np.arange(0, 0.5, 0.01)).tolist() == [0, 1, 2, 3, 4]


def test_ranks_between_is_half_open() -> None:
    times = np.arange(10) * 0.5
    assert ranks_between(times, 1.0, 3.0).tolist() == [2, 3, 4, 5]
    assert ranks_between(times, 4.0, None).tolist() == [8, 9]
