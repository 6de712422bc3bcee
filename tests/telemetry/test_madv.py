"""The Mi Sphere madv box, on files built with known matrices (no public sample exists)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from mp4build import add_udta, box
from vfx.errors import TelemetryError
from vfx.io.mp4 import Mp4File
from vfx.telemetry.madv import read_madv
from vfx.telemetry.read import read_telemetry


def _rz(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])


def _madv(matrices: list[np.ndarray], skip: int, padding: int = 3) -> bytes:
    records = b"".join(struct.pack("<9f", *m.reshape(-1)) for m in matrices)
    tlyd = box("tlyd", records + b"\x00" * 36 * padding)
    fltr = box("fltr", struct.pack("<I", skip))
    return box("madv", tlyd + fltr + box("gpsx", b"raw-gps") + box("cutl", b"\x01\x02"))


def test_rotation_per_frame_after_leading_frames(plain_clip: Path, tmp_path: Path) -> None:
    matrices = [_rz(5 * i) for i in range(20)]
    out = add_udta(plain_clip, tmp_path / "m.mp4", _madv(matrices, skip=4))
    with Mp4File(out) as mp4:
        reading = read_madv(mp4)
    assert reading is not None
    assert reading.matrices.shape == (20, 3, 3)  # stops at the first all-zero record
    assert reading.first_frame == 4
    assert reading.raw == {"fltr": struct.pack("<I", 4), "gpsx": b"raw-gps", "cutl": b"\x01\x02"}

    tel = read_telemetry(out)
    assert "madv" in tel.sources
    o = tel.orientation
    assert o is not None and len(o) == 16  # frames 4..19
    assert o.time_s[0] == pytest.approx(4 / 25)
    yaw = o.euler_deg(o.time_s)[:, 0]
    np.testing.assert_allclose(yaw, 5 * np.arange(4, 20), atol=1e-4)
    assert tel.raw["madv/gpsx"] == b"raw-gps"


def test_no_madv_box(plain_clip: Path) -> None:
    with Mp4File(plain_clip) as mp4:
        assert read_madv(mp4) is None


def test_short_fltr_is_an_error(plain_clip: Path, tmp_path: Path) -> None:
    bad = box(
        "madv", box("tlyd", struct.pack("<9f", *np.eye(3).reshape(-1))) + box("fltr", b"\x01")
    )
    out = add_udta(plain_clip, tmp_path / "bad.mp4", bad)
    with Mp4File(out) as mp4, pytest.raises(TelemetryError, match="fltr"):
        read_madv(mp4)
