"""GPMF: KLV parsing, scaling, GPS5/GPS9, the robust UTC anchor; real payloads."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from conftest import MEDIA
from mp4build import gps5_payload, klv, nest
from vfx.errors import TelemetryError
from vfx.io.mp4 import Sample
from vfx.telemetry.gpmf import parse_gpsu, parse_klv, read_gpmf, values


def _one(payload: bytes, duration: float = 1.0, start: float = 0.0):
    return read_gpmf([(Sample(0, 0, len(payload), start, duration), payload)], path="x.mp4")


def test_klv_nesting_and_padding() -> None:
    data = nest(
        "DEVC", klv("DVNM", "c", 1, 3, b"abc"), nest("STRM", klv("TSMP", "L", 4, 1, b"\0\0\0\7"))
    )
    (devc,) = parse_klv(data)
    assert devc.key == "DEVC" and [c.key for c in devc.children] == ["DVNM", "STRM"]
    assert devc.children[0].text() == "abc"
    assert values(devc.children[1].children[0]).tolist() == [[7.0]]


def test_scal_per_field_and_fixed_point() -> None:
    entry = parse_klv(klv("TEST", "s", 4, 2, struct.pack(">4h", 10, 200, -30, 400)))[0]
    assert values(entry, scale=[10, 100]).tolist() == [[1.0, 2.0], [-3.0, 4.0]]
    q = parse_klv(klv("QQQQ", "q", 4, 1, struct.pack(">I", 3 * 65536 + 32768)))[0]
    assert values(q).tolist() == [[3.5]]


def test_gps5_points_get_their_own_times_and_units() -> None:
    pts = [(45.0 + i * 1e-5, 7.0, 100.0 + i, 2.0, 2.5) for i in range(10)]
    reading = _one(gps5_payload(pts, datetime(2024, 5, 1, 10, 0, 0, 500000, tzinfo=UTC)), 1.0, 2.0)
    gps = reading.gps
    assert gps is not None and len(gps) == 10
    np.testing.assert_allclose(gps.time_s, 2.0 + np.arange(10) / 10)
    np.testing.assert_allclose(gps.lat, [p[0] for p in pts], atol=1e-7)
    np.testing.assert_allclose(gps.alt, 100 + np.arange(10), atol=1e-3)
    assert gps.fix.tolist() == [3] * 10 and gps.dop[0] == pytest.approx(1.5)
    # UTC of point i = GPSU + i * 0.1 s (the stamp belongs to the sample's start)
    t0 = datetime(2024, 5, 1, 10, 0, 0, 500000, tzinfo=UTC).timestamp()
    np.testing.assert_allclose(gps.utc_s, t0 + np.arange(10) / 10, atol=1e-6)
    assert len(set(gps.utc_s)) == 10


@pytest.mark.parametrize(("kind", "size"), [("d", 4), ("\0", 4)])
def test_an_unreadable_gps_fix_or_dop_is_unknown_not_fatal(kind: str, size: int) -> None:
    # A camera's GPSF/GPSP with a type that does not fit (found by the fuzz test): the
    # positions and the clock stay, the fix and DOP become unknown, and a note says why.
    stamp = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    good = gps5_payload([(45.0, 7.0, 1.0, 1.0, 1.0)] * 4, stamp)
    bad = good.replace(
        klv("GPSF", "L", 4, 1, struct.pack(">I", 3)), klv("GPSF", kind, size, 1, b"\0\0\0\3")
    )
    bad = bad.replace(
        klv("GPSP", "S", 2, 1, struct.pack(">H", 150)), klv("GPSP", kind, size, 1, b"\0\0\0\0")
    )
    assert bad != good
    reading = _one(bad)
    gps = reading.gps
    assert gps is not None and len(gps) == 4 and gps.lat[0] == pytest.approx(45.0)
    assert gps.fix.tolist() == [-1] * 4 and np.isnan(gps.dop).all()
    assert reading.clock is not None and reading.clock.offset_s == pytest.approx(stamp.timestamp())
    assert any("GPSF" in n for n in reading.notes) and any("GPSP" in n for n in reading.notes)


def test_stale_first_gpsu_does_not_shift_the_clock() -> None:
    t0 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    payloads = []
    for k in range(5):
        stamp = t0 + timedelta(seconds=k) if k else t0 - timedelta(hours=1)
        data = gps5_payload([(45.0, 7.0, 0.0, 0.0, 0.0)] * 4, stamp)
        payloads.append((Sample(k, 0, len(data), float(k), 1.0), data))
    reading = read_gpmf(payloads, path="x.mp4")
    assert reading.clock is not None
    assert reading.clock.offset_s == pytest.approx(t0.timestamp())
    assert any("disagree" in n for n in reading.notes)


def test_gps9_gives_per_point_utc() -> None:
    scal = (10_000_000, 10_000_000, 1000, 1000, 100, 1, 1000, 100, 1)
    day = (datetime(2024, 5, 1, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC)).days
    rows = b""
    for i in range(3):
        vals = (45.0, 7.0, 10.0, 1.0, 1.0, day, 36000.0 + i * 0.1, 1.2, 3)
        rows += struct.pack(">7i2H", *(round(v * s) for v, s in zip(vals, scal, strict=True)))
    payload = nest(
        "DEVC",
        nest(
            "STRM",
            klv("TYPE", "c", 1, 9, b"lllllllSS"),
            klv("SCAL", "l", 4, 9, struct.pack(">9i", *scal)),
            klv("GPS9", "?", 32, 3, rows),
        ),
    )
    gps = _one(payload).gps
    assert gps is not None and gps.source == "gpmf GPS9"
    expected = datetime(2024, 5, 1, 10, 0, tzinfo=UTC).timestamp() + np.arange(3) / 10
    np.testing.assert_allclose(gps.utc_s, expected, atol=1e-3)
    assert gps.fix.tolist() == [3, 3, 3]


def test_gpsu_parsing() -> None:
    assert parse_gpsu("190506181507.395") == datetime(2019, 5, 6, 18, 15, 7, 395000, tzinfo=UTC)


@pytest.mark.parametrize(
    "data",
    [
        b"DEVC\x00\x04\x00\x10" + b"\x00" * 8,  # claims 64 bytes, holds 8
        b"GPS5l\x14\x00\x02" + b"\x00" * 20,  # two 20-byte records, one present
        b"\xff\xfe\x00\x01c\x01\x00\x01a\x00\x00\x00",  # key is not ASCII
    ],
)
def test_malformed_payloads_raise_the_projects_error(data: bytes) -> None:
    with pytest.raises(TelemetryError):
        parse_klv(data, path="bad.mp4")


def test_type_that_does_not_fit_its_record_is_an_error() -> None:
    payload = nest(
        "DEVC", nest("STRM", klv("TYPE", "c", 1, 2, b"ll"), klv("GPS9", "?", 12, 1, b"\0" * 12))
    )
    with pytest.raises(TelemetryError, match="GPS9"):
        _one(payload)


RAW = {
    "hero5.raw": ("Camera", 18),
    "hero6.raw": ("Hero6 Black", 17),
    "hero6+ble.raw": ("Hero6 Black", 18),
    "Fusion.raw": ("Fusion", 19),
    "karma.raw": ("Camera", 4),  # the drone's GLPI positions
}


@pytest.mark.media
@pytest.mark.parametrize("name", sorted(RAW))
def test_real_raw_payloads(name: str) -> None:
    path = MEDIA / "gpmf" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    device, points = RAW[name]
    reading = _one(path.read_bytes())
    assert reading.device == device
    assert (len(reading.gps) if reading.gps is not None else None) == points
    accel = reading.series["accel"]
    # the accelerometer sees gravity: about 9.8 m/s2 in magnitude, on average
    assert np.linalg.norm(accel.values, axis=1).mean() == pytest.approx(9.8, abs=1.5)
    if reading.gps is not None:
        assert np.all(np.abs(reading.gps.lat) <= 90)


@pytest.mark.media
@pytest.mark.tools
def test_karma_positions_read_natively_match_exiftool_fix_by_fix() -> None:
    """GoPro Karma: GPS only in the drone's GLPI stream, each fix with its own time.

    exiftool (an independent reader) stamps each GLPI fix with a GPSDateTime from the
    controller's SYST clock; vfx must give the same fixes at the same UTC times, with no
    exiftool run of its own.
    """
    import subprocess

    from vfx.telemetry.embedded import parse_exif_datetime
    from vfx.telemetry.read import read_telemetry

    path = MEDIA / "gopro-karma.mp4"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    text = subprocess.run(
        ["exiftool", "-ee", "-n", "-s", "-GPSDateTime", "-GPSLatitude", "-GPSLongitude", path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cols: dict[str, list[str]] = {}
    for line in text.splitlines():
        tag, _, value = line.partition(":")
        cols.setdefault(tag.strip(), []).append(value.strip())
    when = [parse_exif_datetime(v).timestamp() for v in cols["GPSDateTime"]]  # type: ignore[union-attr]
    tel = read_telemetry(path)
    assert tel.sources == ["gpmf"] and tel.gps is not None and tel.gps.source == "gpmf GLPI"
    assert len(tel.gps) == len(when) == 47
    assert tel.gps.lat == pytest.approx([float(v) for v in cols["GPSLatitude"]], abs=1e-7)
    assert tel.gps.lon == pytest.approx([float(v) for v in cols["GPSLongitude"]], abs=1e-7)
    # the same UTC for each fix, within the 1 ms of SYST's UNIX clock
    assert tel.gps.utc_s == pytest.approx(when, abs=2e-3)
    assert np.diff(tel.gps.time_s) == pytest.approx(np.diff(when), abs=2e-3)
    assert tel.make == "GoPro" and tel.model == "HERO5 Black"  # udta FIRM HD5.02
    assert "attitude" in tel.series
