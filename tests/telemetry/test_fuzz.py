"""Every reader, fed truncated and random box trees, fails only with the project's error."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mp4build import box, gps5_payload, klv, nest
from vfx.errors import TelemetryError
from vfx.io.mp4 import Sample
from vfx.telemetry.gpmf import parse_klv, read_gpmf
from vfx.telemetry.read import read_telemetry

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _read(path: Path) -> None:
    try:
        read_telemetry(path, fallback=False)
    except TelemetryError as exc:
        assert str(path) in str(exc)


@SETTINGS
@given(cut=st.floats(0.0, 1.0), data=st.data())
def test_truncated_and_corrupted_files(gps_clip: Path, tmp_path: Path, cut: float, data) -> None:
    raw = bytearray(gps_clip.read_bytes())
    moov = raw.rfind(b"moov") - 4
    # corrupt a few bytes inside moov (where the tables are), then maybe truncate
    for _ in range(data.draw(st.integers(0, 6))):
        at = data.draw(st.integers(moov, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    raw = raw[: max(8, int(len(raw) * (0.5 + cut / 2)))]
    path = tmp_path / "fuzz.mp4"
    path.write_bytes(bytes(raw))
    _read(path)


@SETTINGS
@given(payload=st.binary(max_size=400))
def test_random_box_trees(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "random.mp4"
    path.write_bytes(box("ftyp", b"isom\0\0\0\0") + box("moov", payload))
    _read(path)


def _nested(depth: int) -> bytes:
    inner = b""
    for _ in range(depth):
        inner = box("trak", inner)
    return inner


def test_deep_nesting_and_sizes_past_the_end(tmp_path: Path) -> None:
    deep = tmp_path / "deep.mp4"
    deep.write_bytes(box("ftyp", b"isom") + box("moov", _nested(5000)))
    _read(deep)
    past = tmp_path / "past.mp4"
    past.write_bytes(box("ftyp", b"isom") + struct.pack(">I4s", 10_000_000, b"moov") + b"\0" * 64)
    _read(past)


@SETTINGS
@given(
    cut=st.integers(0, 400),
    flips=st.lists(st.tuples(st.integers(0, 399), st.integers(0, 255)), max_size=8),
)
def test_gpmf_payloads(cut: int, flips: list[tuple[int, int]]) -> None:
    good = bytearray(
        gps5_payload([(45.0, 7.0, 1.0, 1.0, 1.0)] * 10, None)
        + nest("DEVC", klv("DVNM", "c", 1, 1, b"x"))
    )
    for at, value in flips:
        good[at % len(good)] = value
    data = bytes(good[: len(good) - cut % len(good)])
    try:
        parse_klv(data, path="f.mp4")
        reading = read_gpmf([(Sample(0, 0, len(data), 0.0, 1.0), data)], path="f.mp4")
    except TelemetryError as exc:
        assert "f.mp4" in str(exc)  # the error names the file
        return
    # Whatever survives the damage is well-formed: equal columns, times inside the sample,
    # a finite clock, and only usable points free of a quality flag.
    if reading.gps is not None:
        n = len(reading.gps)
        assert all(len(getattr(reading.gps, c)) == n for c in ("time_s", "lon", "alt", "utc_s"))
        assert np.all((reading.gps.time_s >= 0) & (reading.gps.time_s < 1.0))
        good = reading.gps.quality() == ""
        assert np.isfinite(reading.gps.lat[good]).all() and np.isfinite(reading.gps.lon[good]).all()
    if reading.clock is not None:
        assert np.isfinite(reading.clock.offset_s)
