"""Street-level mapping: frames by distance, sequences, camera direction, duplicates."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from clips import make_clip
from conftest import exif, media
from rides import GEOD, T0, make_ride, speed_at, travelled
from vfx.cli import app
from vfx.io.table import read_frame_table
from vfx.tagging.sequences import (
    SequenceCarry,
    bearings_to_next,
    distance_times,
    flag_duplicates,
    geodesic,
    split_sequences,
)

_runner = CliRunner()


def run(args: list[str]):
    return _runner.invoke(app, args)


@pytest.fixture(scope="module")
def ride(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_ride(tmp_path_factory.mktemp("ride") / "ride.mp4")


def _positions(rows: list[dict[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([float(r["lat"]) for r in rows]),
        np.array([float(r["lon"]) for r in rows]),
    )


# -- distance ------------------------------------------------------------------------------------
def test_distance_times_on_a_track_with_speed_changes_and_stops() -> None:
    t = np.arange(0.0, 20.0, 0.1)
    lat, lon = np.array([travelled(x) for x in t]).T
    # GPS wander of up to 2 m around the parked camera: no distance travelled
    rng = np.random.default_rng(1)
    parked = (t > 6.05) & (t < 12.0)
    lat = lat + parked * rng.uniform(-2, 2, t.size) / 111_000
    speed = np.array([speed_at(x) for x in t])
    times = distance_times(t, lat, lon, 3.0, speed=speed)
    assert not np.any((times > 6.05) & (times < 12.0)), "frames while standing"
    assert np.all(np.diff(times) > 0)
    here = np.array([travelled(x) for x in times])
    spacing, _ = geodesic(here[:-1, 0], here[:-1, 1], here[1:, 0], here[1:, 1])
    moving = (times[1:] < 6.0) | (times[:-1] > 12.0)
    assert spacing[moving] == pytest.approx(3.0, rel=0.05)
    assert times.size == 1 + (18 // 3) + (16 // 3)  # 18 m, then 16 m
    # a maximum interval adds frames while moving slowly, never while standing
    capped = distance_times(t, lat, lon, 3.0, speed=speed, max_interval_s=1.0)
    assert np.all(np.diff(capped[capped > 12]) <= 1.0 + 1e-9)
    assert not np.any((capped > 6.05) & (capped < 12.0))


def test_frames_by_distance_end_to_end(ride: Path, tmp_path: Path) -> None:
    result = run(["frames", str(ride), "--distance", "5", "-o", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    rows = read_frame_table(tmp_path)
    times = np.array([float(r["time_s"]) for r in rows])
    assert not np.any((times > 6.1) & (times < 12.0)), "frames while standing"
    lat, lon = _positions(rows)
    spacing, _ = geodesic(lat[:-1], lon[:-1], lat[1:], lon[1:])
    moving = (times[1:] < 6.0) | (times[:-1] > 12.0)
    # the frame on screen when 5 m is reached is at most one frame (0.12 m) early
    assert spacing[moving] == pytest.approx(5.0, rel=0.05)
    assert len(rows) == 1 + 3 + 3  # 18 m then 16 m
    # the time of each frame is the frame on screen when the distance was reached
    assert all(r["gps_flag"] == "" for r in rows)


def test_distance_with_start_end_and_every(ride: Path, tmp_path: Path) -> None:
    args = ["frames", str(ride), "--distance", "5", "--every", "1", "--start", "12"]
    result = run([*args, "--end", "18", "-o", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    times = np.array([float(r["time_s"]) for r in read_frame_table(tmp_path)])
    assert times.min() >= 12.0 and times.max() < 18.0
    assert np.diff(times).max() <= 1.0 + 0.04  # 2 m/s: the interval, not the 5 m, decides


def test_distance_without_gps_is_one_line(plain_clip: Path, tmp_path: Path) -> None:
    result = run(["frames", str(plain_clip), "--distance", "3", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "plain.mp4" in result.stderr and "--distance needs GPS positions" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.media
def test_distance_on_the_hero7_clip(tmp_path: Path) -> None:
    clip = media("gopro-hero7.mp4")
    result = run(["frames", str(clip), "--distance", "3", "-o", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    rows = read_frame_table(tmp_path)
    lat, lon = _positions(rows)
    spacing, _ = geodesic(lat[:-1], lon[:-1], lat[1:], lon[1:])
    assert len(rows) >= 5
    assert spacing == pytest.approx(3.0, rel=0.05)


# -- sequences -----------------------------------------------------------------------------------
def test_sequences_split_on_time_distance_and_size() -> None:
    t = np.array([0.0, 1, 2, 100, 101, 102, 103, 104, 105])
    lat = np.array([45.0, 45.00001, 45.00002, 45.00003, 45.00004, 45.1, 45.10001, 45.10002, 45.1])
    lon = np.full(t.size, 7.0)
    seq, continues = split_sequences(
        t, lat, lon, split_time_s=60, split_distance_m=100, max_sequence=3
    )
    assert seq.tolist() == [0, 0, 0, 1, 1, 2, 2, 2, 3]  # time gap, 11 km jump, size 3
    assert not continues
    carry = SequenceCarry("abc", -5.0, 45.0, 7.0, 1)
    seq, continues = split_sequences(
        t[:3], lat[:3], lon[:3], split_time_s=60, split_distance_m=100, max_sequence=3, carry=carry
    )
    assert continues and seq.tolist() == [0, 0, 1]  # the carried sequence held one already


def _chapter(tmp: Path, name: str, t0: datetime, start_s: float, seconds: int = 4) -> Path:
    return make_ride(
        tmp / name, seconds=seconds, t0=t0, where=lambda t: travelled(min(t + start_s, 6.0))
    )


def test_sequence_goes_on_across_chapters_and_breaks_on_a_gap(tmp_path: Path) -> None:
    first = _chapter(tmp_path, "GX010001.mp4", T0, 0.0)
    second = _chapter(tmp_path, "GX020001.mp4", T0 + timedelta(seconds=4), 4.0, seconds=2)
    later = _chapter(tmp_path, "GX030001.mp4", T0 + timedelta(seconds=600), 0.0, seconds=2)
    out = tmp_path / "o"
    args = ["frames", str(first), str(second), str(later), "--every", "1", "-f", "jpg"]
    result = run([*args, "-o", str(out), "--quiet", "--min-distance", "0"])
    assert result.exit_code == 0, result.output
    rows = read_frame_table(out)
    by_source = {s: {r["sequence"] for r in rows if r["source"] == s} for s in
                 ("GX010001.mp4", "GX020001.mp4", "GX030001.mp4")}  # fmt: skip
    assert all(len(ids) == 1 for ids in by_source.values())
    assert by_source["GX010001.mp4"] == by_source["GX020001.mp4"]
    assert by_source["GX030001.mp4"] != by_source["GX010001.mp4"]
    image = out / rows[0]["file"]
    assert exif(image)["XMP-vfx:Sequence"] == rows[0]["sequence"]
    # stable: the same run again gives the same ids
    again = tmp_path / "again"
    assert run([*args, "-o", str(again), "--quiet", "--min-distance", "0"]).exit_code == 0
    assert [r["sequence"] for r in read_frame_table(again)] == [r["sequence"] for r in rows]


def test_max_sequence_splits_one_input(ride: Path, tmp_path: Path) -> None:
    args = ["frames", str(ride), "--every", "1", "--max-sequence", "4", "--json"]
    result = run([*args, "-o", str(tmp_path), "--min-distance", "0"])
    assert result.exit_code == 0, result.output
    ids = [r["sequence"] for r in read_frame_table(tmp_path)]
    assert len(ids) == 20
    assert [ids.count(i) for i in dict.fromkeys(ids)] == [4, 4, 4, 4, 4]


# -- direction -----------------------------------------------------------------------------------
def test_camera_angle_writes_direction_apart_from_track(ride: Path, tmp_path: Path) -> None:
    args = ["frames", str(ride), "--at", "2,15", "-f", "jpg", "--camera-angle", "90"]
    assert run([*args, "-o", str(tmp_path), "--quiet"]).exit_code == 0
    north, east = read_frame_table(tmp_path)
    assert float(north["course"]) == pytest.approx(0.0, abs=0.5) or float(
        north["course"]
    ) == pytest.approx(360.0, abs=0.5)
    assert float(north["heading"]) == pytest.approx(90.0, abs=0.5)
    tags = exif(tmp_path / east["file"])
    assert tags["GPS:GPSTrack"] == pytest.approx(90.0, abs=0.5)
    assert tags["GPS:GPSImgDirection"] == pytest.approx(180.0, abs=0.5)


def test_heading_next_and_none(ride: Path, tmp_path: Path) -> None:
    base = ["frames", str(ride), "--at", "13,15,17", "-f", "jpg", "--quiet"]
    assert run([*base, "--heading", "next", "-o", str(tmp_path / "n")]).exit_code == 0
    rows = read_frame_table(tmp_path / "n")
    lat, lon = _positions(rows)
    _, towards = geodesic(lat[:-1], lon[:-1], lat[1:], lon[1:])
    heading = [float(r["heading"]) for r in rows]
    assert heading[:2] == pytest.approx(towards.tolist(), abs=0.01)
    assert heading[2] == pytest.approx(heading[1], abs=0.01)  # the last keeps the one before
    assert run([*base, "--heading", "none", "-o", str(tmp_path / "x")]).exit_code == 0
    row = read_frame_table(tmp_path / "x")[0]
    tags = exif(tmp_path / "x" / row["file"])
    assert "GPS:GPSImgDirection" not in tags and "GPS:GPSTrack" not in tags
    assert row["heading"] == "" and float(row["course"]) == pytest.approx(90.0, abs=0.5)


def test_bearings_to_next_skip_frames_in_the_same_place() -> None:
    lat = np.array([45.0, 45.0, 45.001, np.nan, 45.002])
    lon = np.full(5, 7.0)
    out = bearings_to_next(lat, lon, np.zeros(5, dtype=int))
    assert out[0] == pytest.approx(0.0) and out[1] == pytest.approx(0.0)
    assert math.isnan(out[3]) and out[4] == pytest.approx(0.0)


# -- duplicates ----------------------------------------------------------------------------------
def test_duplicates_need_distance_and_angle() -> None:
    lat = np.array([45.0, 45.0, 45.0, 45.0])
    lon = np.full(4, 7.0)
    direction = np.array([10.0, 12.0, 40.0, np.nan])
    dup = flag_duplicates(
        lat, lon, direction, np.zeros(4, dtype=int), min_distance_m=0.5, min_angle_deg=5
    )
    assert dup.tolist() == [False, True, False, True]  # 30 degrees apart is another view


def test_duplicates_flagged_or_dropped_and_counted(ride: Path, tmp_path: Path) -> None:
    base = ["frames", str(ride), "--every", "0.5", "--min-distance", "0.5", "--json"]
    result = run([*base, "-o", str(tmp_path / "f")])
    assert result.exit_code == 0, result.output
    rows = read_frame_table(tmp_path / "f")
    flagged = [float(r["time_s"]) for r in rows if r["gps_flag"] == "duplicate"]
    # standing from 6 s to 12 s (frames 0.5 s apart are 1.0 m apart at 2 m/s, 1.5 m at 3)
    assert len(flagged) >= 8 and all(6.0 < t <= 12.0 for t in flagged)
    import json

    assert json.loads(result.stdout)["metadata"]["duplicates"] == len(flagged)
    result = run([*base, "--drop-duplicates", "-o", str(tmp_path / "d")])
    dropped = read_frame_table(tmp_path / "d")
    assert len(dropped) == len(rows) - len(flagged)
    assert not any(r["gps_flag"] == "duplicate" for r in dropped)
    assert json.loads(result.stdout)["metadata"]["dropped_duplicates"] == len(flagged)


def test_distance_on_an_external_track_by_utc(tmp_path: Path) -> None:
    """A video without GPS, its positions from a FIT file matched by UTC (manual start time):
    frames every 4 m along the track, at 2 m/s every 2 s."""
    from trackfiles import write_fit

    clip = make_clip(tmp_path / "plain.mp4", frames=250, gop=25).path  # 10 s at 25 fps
    points = [(T0 + timedelta(seconds=i), *travelled_north(2.0 * i), 100.0, 2.0)
              for i in range(12)]  # fmt: skip
    track = write_fit(tmp_path / "ride.fit", points)
    clock = ["--time-source", "manual", "--start-time", T0.isoformat()]
    args = ["frames", str(clip), "--distance", "4", "--track", str(track), *clock]
    result = run([*args, "-o", str(tmp_path / "o"), "--quiet"])
    assert result.exit_code == 0, result.output
    times = [float(r["time_s"]) for r in read_frame_table(tmp_path / "o")]
    assert times == pytest.approx([0.0, 2.0, 4.0, 6.0, 8.0], abs=0.041)  # one frame at 25 fps


def travelled_north(metres: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(7.0, 45.0, 0.0, metres)
    return lat, lon


def test_distance_times_never_closer_than_a_frame() -> None:
    """A distance or a maximum interval finer than the frames gives each frame at most once
    (``--distance 1e-9`` ran for ever: a time per nanometre)."""
    t = np.arange(0.0, 20.0, 0.1)
    lat, lon = np.array([travelled(x) for x in t]).T
    speed = np.array([speed_at(x) for x in t])
    frame = 1 / 25
    for metres, every in ((1e-9, None), (5.0, 1e-9), (1e-9, 1e-9)):
        times = distance_times(t, lat, lon, metres, speed=speed, max_interval_s=every,
                               min_interval_s=frame)  # fmt: skip
        assert times.size <= 20 * 25 + 1
        assert (np.diff(times) >= frame - 1e-9).all()
    # distances coarser than the frames are not touched by the bound
    coarse = distance_times(t, lat, lon, 3.0, speed=speed)
    assert np.array_equal(
        coarse, distance_times(t, lat, lon, 3.0, speed=speed, min_interval_s=frame)
    )


@pytest.mark.parametrize("args", [["--distance", "1e-9"], ["--distance", "5", "--every", "1e-9"]])
def test_frames_by_a_distance_finer_than_the_frames_end(
    ride: Path, tmp_path: Path, args: list[str]
) -> None:
    import subprocess
    import sys

    out = tmp_path / "d"
    cmd = [sys.executable, "-m", "vfx", "frames", str(ride), *args, "-f", "jpg", "-o", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = read_frame_table(out)
    assert 0 < len(rows) <= 25 * 20  # at most every frame of the 20 s ride, once
    assert len({r["frame_index"] for r in rows}) == len(rows)
