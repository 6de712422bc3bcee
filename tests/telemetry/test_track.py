"""Track maths: interpolation, circular heading, gaps, quality flags, rotations."""

from __future__ import annotations

import numpy as np
import pytest

from vfx.telemetry.orientation import (
    axis_angle_to_quaternion,
    matrix_to_quaternion,
    quaternion_to_euler_deg,
)
from vfx.telemetry.track import GpsTrack, bearing_deg, distance_m


def _track(**cols: object) -> GpsTrack:
    return GpsTrack.from_columns(**cols)  # type: ignore[arg-type]


def test_distance_and_bearing() -> None:
    # one degree of latitude is about 111.2 km; due east is 90 degrees
    assert float(distance_m(45.0, 7.0, 46.0, 7.0)) == pytest.approx(111_195, rel=1e-3)
    assert float(bearing_deg(0.0, 0.0, 0.0, 1.0)) == pytest.approx(90.0)
    assert float(bearing_deg(0.0, 0.0, -1.0, 0.0)) == pytest.approx(180.0)


def test_linear_position_between_points() -> None:
    tr = _track(time_s=[0.0, 1.0, 2.0], lat=[45.0, 45.001, 45.002], lon=[7.0] * 3, alt=[10, 20, 40])
    fix = tr.at(np.array([0.25, 1.5]))
    np.testing.assert_allclose(fix["lat"], [45.00025, 45.0015])
    np.testing.assert_allclose(fix["alt"], [12.5, 30.0])
    np.testing.assert_allclose(fix["heading"], [0.0, 0.0], atol=1e-6)
    # no speed in the source: derived from the positions (111 m/s)
    assert fix["speed"][0] == pytest.approx(111.2, rel=1e-2)


def test_heading_interpolates_across_north() -> None:
    # heading 350 at t=0 and 10 at t=2 (a left-to-right turn through north): halfway is 0, not 180
    lat = [45.0, 45.0 + 1e-4 * np.cos(np.radians(350)), 45.0 + 2e-4]
    tr = _track(time_s=[0.0, 1.0, 2.0], lat=lat, lon=[7.0, 7.0, 7.0])
    tr.lon = np.array([7.0, 7.0 - 1e-4 * np.sin(np.radians(10)) / np.cos(np.radians(45)), 7.0])
    h = tr.headings()
    a, b = h[0], h[1]
    assert a > 340 and b < 20  # the two ends of the first interval straddle north
    fix = tr.at(np.array([0.5]))
    expected = (a + ((b - a + 180) % 360 - 180) * 0.5) % 360
    assert fix["heading"][0] == pytest.approx(expected)
    assert min(fix["heading"][0], 360 - fix["heading"][0]) < 20


def test_gap_gives_no_position_never_the_nearest_fix() -> None:
    tr = _track(time_s=[0.0, 1.0, 20.0, 21.0], lat=[45.0, 45.0, 46.0, 46.0], lon=[7.0] * 4)
    fix = tr.at(np.array([0.5, 10.0, 15.5, 25.0, -3.0]), max_gap_s=5.0)
    assert np.isfinite(fix["lat"][0]) and fix["flag"][0] == ""
    assert np.isnan(fix["lat"][1]) and fix["flag"][1] == "gap"  # 9 s from the nearest point
    assert fix["lat"][2] == pytest.approx(45.0 + 14.5 / 19) and fix["flag"][2] == ""  # 4.5 s
    # Outside the track's span --max-gap does not apply: 4 s past the end is 4 sample
    # intervals (1 s) away, so no position, whatever --max-gap allows.
    assert np.isnan(fix["lat"][3]) and fix["flag"][3] == "after_track"
    assert np.isnan(fix["lat"][4]) and fix["flag"][4] == "before_track"


def test_positions_outside_the_track_only_within_one_sample_interval() -> None:
    # 10 Hz fixes from 1.0 to 2.0 s: a frame 0.08 s outside takes the end point, 0.2 s not.
    t = np.linspace(1.0, 2.0, 11)
    tr = _track(time_s=t, lat=45.0 + t / 1000, lon=[7.0] * 11)
    fix = tr.at(np.array([0.92, 0.8, 2.08, 2.2]), max_gap_s=5.0)
    assert fix["lat"][0] == pytest.approx(45.001) and fix["flag"][0] == ""
    assert np.isnan(fix["lat"][1]) and fix["flag"][1] == "before_track"
    assert fix["lat"][2] == pytest.approx(45.002) and fix["flag"][2] == ""
    assert np.isnan(fix["lat"][3]) and fix["flag"][3] == "after_track"


def test_quality_flags() -> None:
    tr = _track(
        time_s=[0, 1, 2, 3, 4, 5],
        lat=[45.0, 45.00001, 0.0, 45.00002, 46.0, 45.00003],
        lon=[7.0, 7.0, 0.0, 7.0, 7.0, 7.0],
        fix=[3, 0, 3, 3, 3, 3],
        dop=[1.0, 1.0, 1.0, 9.0, 1.0, 1.0],
    )
    assert tr.quality().tolist() == [
        "",
        "no_fix",
        "no_fix",  # exactly 0,0: a receiver without a fix, not a place
        "poor_precision",
        "impossible_speed",
        "",
    ]
    assert len(tr.usable()) == 2
    bad = _track(time_s=[0, 1], lat=[np.nan, 95.0], lon=[7.0, 7.0])
    assert bad.quality().tolist() == ["invalid", "invalid"]


def test_rotations_agree() -> None:
    q = axis_angle_to_quaternion(np.array([[0.0, 0.0, np.pi / 2]]))
    m = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(matrix_to_quaternion(m), q, atol=1e-12)
    np.testing.assert_allclose(quaternion_to_euler_deg(q), [[90.0, 0.0, 0.0]], atol=1e-9)
