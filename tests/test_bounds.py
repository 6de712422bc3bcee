"""Hostile telemetry and absurd options: bounded memory and time, one line, never a crash.

Each case runs the real ``vfx`` command in a child process under a 2 GB address-space limit
and a time limit. Before the fixes these files took 9.7 GB (a fixed-size ``stsz`` claiming
50 million samples in a 35 KB file), hundreds of MB and a minute (GPMF samples that all
point at one payload), or were killed at 24 GB (``--fps 1e9``).
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import build_hostile_telemetry, image_claiming

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


def test_a_fixed_size_sample_table_claiming_millions(plain_clip: Path, tmp_path: Path) -> None:
    path = build_hostile_telemetry(tmp_path, plain_clip)["claims"]
    done = _vfx("keyframes", path, "-o", tmp_path / "out")
    assert done.returncode == 0, done.stderr  # the frames are fine; the telemetry is refused
    assert "more than the file holds" in done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert len(list((tmp_path / "out").glob("*.tiff"))) == 6


def test_samples_that_all_point_at_one_payload(plain_clip: Path, tmp_path: Path) -> None:
    path = build_hostile_telemetry(tmp_path, plain_clip)["overlap"]
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
    bomb = image_claiming(folder / f"b.{kind}", 60_000, 60_000)
    assert bomb.stat().st_size < 20_000
    out = ["-o", str(tmp_path / ("out" if command == "mask" else "out.png"))]
    extra = ["--background", "first"] if command == "mask" else []
    done = _vfx(command, folder, *out, *extra, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "60000x60000" in done.stderr and "above the limit" in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "MemoryError" not in done.stderr


VIDEO_COMMANDS = {
    "info": ["info"],
    "keyframes": ["keyframes", "-o", "{out}"],
    "frames": ["frames", "--every", "0.5", "-o", "{out}"],
    "telemetry": ["telemetry", "-o", "{out}/t.json"],
    "motion": ["motion", "-o", "{out}", "--quiet"],
    "select": ["select", "-n", "3", "-o", "{out}"],
    "composite": ["composite", "-o", "{out}/c.png"],
}


@pytest.fixture(scope="module")
def hostile(plain_clip: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The crafted telemetry files (tests/corpus.py), built once for the command matrix."""
    return build_hostile_telemetry(tmp_path_factory.mktemp("hostile"), plain_clip)


@pytest.mark.parametrize("case", ["claims", "overlap"])
@pytest.mark.parametrize("command", sorted(VIDEO_COMMANDS))
def test_every_command_on_hostile_telemetry(
    hostile: dict[str, Path], tmp_path: Path, case: str, command: str
) -> None:
    """Under a 2 GB limit and a minute: the frames are processed (the telemetry refused with a
    warning) or one line and exit 1; never a crash, the input unchanged, nothing written
    outside the output folder."""
    import hashlib

    video = hostile[case]
    before = hashlib.sha256(video.read_bytes()).hexdigest()
    around = sorted(p.name for p in video.parent.iterdir())
    out = tmp_path / "out"
    args = [a.replace("{out}", str(out)) for a in VIDEO_COMMANDS[command]]
    done = _vfx(args[0], video, *args[1:], timeout=60)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "MemoryError" not in done.stderr
    if done.returncode == 1:
        assert done.stderr.strip().count("\n") == 0, done.stderr
        assert str(video) in done.stderr
    elif command != "info":  # info lists the tracks without reading them
        assert "overlap" in done.stderr or "more than the file holds" in done.stderr
    assert hashlib.sha256(video.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in video.parent.iterdir()) == around
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["out"])
