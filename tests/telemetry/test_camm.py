"""CAMM: every packet type, GPS epoch time to UTC, the real VR180 clip."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from conftest import media
from mp4build import camm_packet
from telemetry_clips import T0
from vfx.errors import TelemetryError
from vfx.io.mp4 import Sample
from vfx.telemetry.camm import gps_to_utc, read_camm
from vfx.telemetry.read import read_telemetry


def _read(packets: list[bytes]):
    items = [(Sample(i, 0, len(p), i * 0.1, 0.1), p) for i, p in enumerate(packets)]
    return read_camm(items, path="x.mp4")


def test_all_packet_types() -> None:
    r = _read(
        [
            camm_packet(0, 0.0, 0.0, np.pi / 2),
            camm_packet(1, 1000, 20),
            camm_packet(2, 0.1, 0.2, 0.3),
            camm_packet(3, 0.0, 0.0, 9.81),
            camm_packet(4, 1.0, 2.0, 3.0),
            camm_packet(5, 45.0, 7.0, 100.0),
            camm_packet(7, 20.0, 0.0, -40.0),
        ]
    )
    assert r.counts == {0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 7: 1}
    assert r.orientation is not None
    euler = r.orientation.euler_deg(np.array([0.0]))[0].tolist()
    assert euler == pytest.approx([90.0, 0.0, 0.0], abs=1e-4)  # yaw, pitch, roll
    assert r.series["gyro"].values[0].tolist() == pytest.approx([0.1, 0.2, 0.3])
    assert r.series["accel"].time_s.tolist() == [pytest.approx(0.3)]
    assert r.series["exposure"].values.tolist() == [[1000, 20]]
    assert r.series["magnetometer"].unit == "uT"
    assert r.gps is not None and r.gps.source == "camm 5" and r.gps.lat.tolist() == [45.0]


def test_type6_epoch_time_becomes_utc() -> None:
    gps_s = datetime(2024, 5, 1, 10, 0, tzinfo=UTC).timestamp() - 315964800.0 + 18
    r = _read([camm_packet(6, gps_s, 3, 45.0, 7.0, 50.0, 3.0, 5.0, 3.0, 4.0, 0.0, 0.5)])
    assert r.gps is not None
    assert r.gps.utc_s[0] == pytest.approx(datetime(2024, 5, 1, 10, 0, tzinfo=UTC).timestamp())
    assert r.gps.speed[0] == pytest.approx(5.0)  # hypot(3, 4) m/s
    assert r.gps.accuracy_m[0] == pytest.approx(3.0)


def test_leap_seconds() -> None:
    assert gps_to_utc(0) == 315964800.0
    assert gps_to_utc(1167264017 + 100) == 315964800.0 + 1167264017 + 100 - 18


def test_unknown_type_and_short_packet_are_errors() -> None:
    with pytest.raises(TelemetryError, match="unknown packet type 9"):
        _read([b"\x00\x00\x09\x00" + b"\x00" * 12])
    with pytest.raises(TelemetryError, match="cut short"):
        _read([camm_packet(5, 1.0, 2.0, 3.0)[:-4]])


def test_synthetic_camm_clip(camm_clip: Path) -> None:
    tel = read_telemetry(camm_clip)
    assert tel.sources == ["camm"]
    assert tel.orientation is not None and len(tel.orientation) == 61
    assert tel.gps is not None and len(tel.gps) == 61
    assert tel.clock is not None and tel.clock.offset_s == pytest.approx(T0.timestamp(), abs=1e-3)


@pytest.mark.media
def test_real_camm_orientation_per_frame() -> None:
    tel = read_telemetry(media("camm-orientation.mp4"))
    assert tel.sources == ["camm"]
    o = tel.orientation
    assert o is not None and len(o) == 149  # one type-0 sample per video frame
    np.testing.assert_allclose(np.diff(o.time_s)[:-1], 1001 / 30000, rtol=1e-6)
    assert np.allclose(np.linalg.norm(o.quaternions, axis=1), 1.0)
    euler = o.euler_deg(o.time_s)
    assert np.all(np.abs(euler) < 30)  # a hand-held camera, level within a few degrees
    assert tel.projection is not None and tel.projection.type == "equirectangular"
    assert tel.projection.stereo == "top-bottom"


def test_two_million_samples_are_read_whole(plain_clip: Path, tmp_path: Path) -> None:
    """A long CAMM recording (33 min at 1 kHz): every sample, with its own time and value.

    Sample tables are expanded and packets decoded with numpy; read sample by sample in
    Python this took more than 180 s (bench/telemetry.py times it).
    """
    import struct

    from mp4build import add_track

    n = 2_000_000
    k = np.arange(n)
    gyro = np.stack([k * 1e-6, -k * 1e-6, np.full(n, 0.5)], axis=1).astype("<f4")
    head = struct.pack("<HH", 0, 2)
    clip = add_track(
        plain_clip,
        tmp_path / "long.mp4",
        entry="camm",
        samples=[head + row.tobytes() for row in gyro],
        durations=[1] * n,
        timescale=1000,
    )
    series = read_telemetry(clip).series["gyro"]
    assert len(series) == n
    assert series.time_s[[0, 1, 123_457, n - 1]] == pytest.approx(
        [0.0, 0.001, 123.457, (n - 1) / 1000]
    )
    assert np.array_equal(series.values, gyro.astype(np.float64))
