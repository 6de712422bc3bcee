"""Hostile telemetry and absurd options: bounded memory and time, one line, never a crash.

Each case runs the real ``vfx`` command in a child process under a 2 GB address-space limit
and a time limit. Before the fixes these files took 9.7 GB (a fixed-size ``stsz`` claiming
50 million samples in a 35 KB file), hundreds of MB and a minute (GPMF samples that all
point at one payload), or were killed at 24 GB (``--fps 1e9``).
"""

from __future__ import annotations

import resource
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from mp4build import _top_level, add_track, gps5_payload

VFX = str(Path(sys.executable).with_name("vfx"))
LIMIT = 2 * 1024**3


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _vfx(*args: object, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VFX, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limited,
    )


def _patch_last(data: bytearray, kind: bytes, values: list[int], at: int = 8) -> None:
    """Overwrite 32-bit fields of the last ``kind`` box inside moov, from byte ``at`` of it."""
    (_, moov_at, moov_size) = next(b for b in _top_level(bytes(data)) if b[0] == "moov")
    pos = bytes(data).rfind(kind, moov_at, moov_at + moov_size) - 4
    for i, v in enumerate(values):
        struct.pack_into(">I", data, pos + at + 4 * i, v)


def test_a_fixed_size_sample_table_claiming_millions(plain_clip: Path, tmp_path: Path) -> None:
    path = add_track(
        plain_clip,
        tmp_path / "claims.mp4",
        entry="gpmd",
        samples=[gps5_payload([(45.0, 7.0, 1.0, 1.0, 1.0)], None)],
        durations=[1000],
    )
    data = bytearray(path.read_bytes())
    _patch_last(data, b"stsz", [100, 49_999_999], at=12)  # sample_size, sample_count
    path.write_bytes(bytes(data))
    done = _vfx("keyframes", path, "-o", tmp_path / "out")
    assert done.returncode == 0, done.stderr  # the frames are fine; the telemetry is refused
    assert "more than the file holds" in done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert len(list((tmp_path / "out").glob("*.tiff"))) == 6


def test_samples_that_all_point_at_one_payload(plain_clip: Path, tmp_path: Path) -> None:
    payload = gps5_payload([(45.0, 7.0, 1.0, 1.0, 1.0)] * 1500, None)  # about 30 KB
    n = 400
    path = add_track(
        plain_clip,
        tmp_path / "overlap.mp4",
        entry="gpmd",
        samples=[payload] + [b"\0" * 8] * (n - 1),
        durations=[1000] * n,
    )
    data = bytearray(path.read_bytes())
    _patch_last(data, b"stsz", [0, n] + [len(payload)] * n, at=12)
    first = struct.unpack_from(">I", data, bytes(data).rfind(b"stco") + 12)[0]
    _patch_last(data, b"stco", [n] + [first] * n, at=12)
    path.write_bytes(bytes(data))
    assert n * len(payload) > len(data)
    done = _vfx("telemetry", path, "-o", tmp_path / "t.json", timeout=30)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "they overlap" in done.stderr


@pytest.mark.parametrize("option", [["--fps", "1e9"], ["--every", "0.000000001"]])
def test_sampling_faster_than_any_frame_takes_each_frame_once(
    plain_clip: Path, tmp_path: Path, option: list[str]
) -> None:
    out = tmp_path / "out"
    done = _vfx("frames", plain_clip, *option, "-f", "png", "-o", out, "--no-metadata")
    assert done.returncode == 0, done.stderr
    assert len(list(out.glob("*.png"))) == 61


def _png_claiming(path: Path, width: int, height: int) -> Path:
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\0" * 4096)  # far too little for the claimed size
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
    return path


def _tiff_claiming(path: Path, width: int, height: int) -> Path:
    import numpy as np

    from vfx.io.images import write_image

    write_image(path, np.zeros((8, 8, 3), np.uint8))
    data = bytearray(path.read_bytes())
    first = struct.unpack_from("<I", data, 4)[0] if data[:2] == b"II" else None
    assert first is not None
    count = struct.unpack_from("<H", data, first)[0]
    for i in range(count):
        at = first + 2 + 12 * i
        tag = struct.unpack_from("<H", data, at)[0]
        if tag in (256, 257):
            value = width if tag == 256 else height
            struct.pack_into("<HHII", data, at, tag, 4, 1, value)  # LONG
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("kind", ["png", "tiff"])
@pytest.mark.parametrize("command", ["composite", "background", "mask", "montage"])
def test_an_image_claiming_gigapixels_is_refused_before_decoding(
    tmp_path: Path, kind: str, command: str
) -> None:
    import numpy as np

    from vfx.io.images import write_image

    folder = tmp_path / "frames"
    folder.mkdir()
    write_image(folder / f"a.{kind}", np.zeros((8, 8, 3), np.uint8))
    maker = _png_claiming if kind == "png" else _tiff_claiming
    bomb = maker(folder / f"b.{kind}", 60_000, 60_000)
    assert bomb.stat().st_size < 20_000
    out = ["-o", str(tmp_path / ("out" if command == "mask" else "out.png"))]
    extra = ["--background", "first"] if command == "mask" else []
    done = _vfx(command, folder, *out, *extra, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "60000x60000" in done.stderr and "above the limit" in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "MemoryError" not in done.stderr
