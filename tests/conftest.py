"""Shared fixtures: synthetic clips made once per session, the real media folder, log checks."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from clips import ClipSpec, make_clip
from telemetry_clips import make_camm_clip, make_gps_clip, make_plain_clip

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "dance.mp4"
MEDIA = ROOT.parent / "shared" / "media"


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Built 360 maps go to a folder of the session's, never the user's cache."""
    import os

    old = os.environ.get("VFX_CACHE_DIR")
    os.environ["VFX_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        del os.environ["VFX_CACHE_DIR"]
    else:
        os.environ["VFX_CACHE_DIR"] = old


#: Every input file the suite reads, with its SHA-256 when first seen; checked at the end.
_INPUTS: dict[Path, str] = {}


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def watch(path: Path) -> Path:
    """Register an input whose bytes must be the same at the end of the session."""
    if path.is_file() and path not in _INPUTS:
        _INPUTS[path] = _sha256(path)
    return path


@pytest.fixture(scope="session", autouse=True)
def _inputs_unchanged() -> Iterator[None]:
    """No command in the suite may modify an input: the bundled sample, the real media, and
    every session clip are hashed when first used and again after the last test."""
    watch(SAMPLE)
    if MEDIA.is_dir():
        for path in sorted(MEDIA.rglob("*")):
            watch(path)
    yield
    changed = [str(p) for p, digest in _INPUTS.items() if not p.is_file() or _sha256(p) != digest]
    assert changed == [], f"inputs modified by the suite: {changed}"


def media(name: str) -> Path:
    """A real camera file from ../shared/media, or skip the test when it is absent."""
    path = MEDIA / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(autouse=True)
def _no_logged_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test during which vfx logged an error."""
    caplog.set_level(logging.WARNING, logger="vfx")
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, f"vfx logged errors: {[r.getMessage() for r in errors]}"


@pytest.fixture(scope="session")
def clipdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def ntsc_clip(clipdir: Path) -> ClipSpec:
    """H.264 at 24000/1001 fps with 2 B-frames, keyframe every 12 frames, 61 frames."""
    return _watched(make_clip(clipdir / "ntsc bframes.mp4", rate=Fraction(24000, 1001), gop=12))


@pytest.fixture(scope="session")
def avi_clip(clipdir: Path) -> ClipSpec:
    """MPEG-4 part 2 in AVI at 25 fps with 2 B-frames, keyframe every 12 frames, 61 frames."""
    return _watched(make_clip(clipdir / "bframes.avi", codec="mpeg4", gop=12))


@pytest.fixture(scope="session")
def avi_h264_clip(clipdir: Path) -> ClipSpec:
    """H.264 in AVI at 25 fps with 3 B-frames, keyframe every 12 frames, 61 frames: the
    decoder hands frames out in display order carrying their packets' guessed (decode-slot)
    timestamps, which are out of order."""
    return _watched(make_clip(clipdir / "bframes_h264.avi", gop=12, bframes=3))


@pytest.fixture(scope="session")
def tenbit_clip(clipdir: Path) -> ClipSpec:
    """10-bit 4:2:0 H.264, 25 frames, keyframe every 10."""
    return _watched(make_clip(clipdir / "tenbit.mp4", frames=25, gop=10, pix_fmt="yuv420p10le"))


@pytest.fixture(scope="session")
def rotated_clip(clipdir: Path) -> ClipSpec:
    """H.264 with a display matrix rotating by 90 degrees, 13 frames."""
    return _watched(make_clip(clipdir / "rotated.mp4", frames=13, gop=6, rotation=90))


@pytest.fixture(scope="session")
def vfr_clip(clipdir: Path) -> ClipSpec:
    """Variable frame rate: 30 frames with irregular pts in a 1/1000 time base, no B-frames."""
    pts = [0]
    for i in range(1, 30):
        pts.append(pts[-1] + (33 if i % 3 else 71))
    spec = make_clip(
        clipdir / "vfr.mp4", frames=30, gop=10, bframes=0, pts=pts, time_base=Fraction(1, 1000)
    )
    return _watched(spec)


def _watched(spec: ClipSpec) -> ClipSpec:
    watch(spec.path)
    return spec


def exif(path: Path, *args: str) -> dict[str, object]:
    """Tags of an image as exiftool reads them (``-G1 -n``): ``{"GPS:GPSLatitude": 45.0, ...}``.

    Skips the test when exiftool is not installed.
    """
    import json
    import shutil
    import subprocess

    exe = shutil.which("exiftool")
    if exe is None:
        pytest.skip("exiftool is not installed")
    out = subprocess.run(
        [exe, "-j", "-n", "-G1", "-a", *args, str(path.absolute())],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out)[0])


@pytest.fixture(scope="session")
def plain_clip(clipdir: Path) -> Path:
    """2.44 s at 25 fps, a keyframe every 12 frames, no telemetry."""
    return watch(make_plain_clip(clipdir))


@pytest.fixture(scope="session")
def gps_clip(plain_clip: Path, clipdir: Path) -> Path:
    """``plain_clip`` plus a GPMF GPS5 track (see telemetry_clips.make_gps_clip)."""
    return watch(make_gps_clip(plain_clip, clipdir))


@pytest.fixture(scope="session")
def camm_clip(plain_clip: Path, clipdir: Path) -> Path:
    """``plain_clip`` plus a CAMM orientation and GPS track (telemetry_clips.make_camm_clip)."""
    return watch(make_camm_clip(plain_clip, clipdir))


def default_sigint() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Give a child the default Ctrl-C: a shell's background job (``make test &``) starts with
    SIGINT ignored, and Python in a child that inherits that never raises KeyboardInterrupt."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: list[str], **kwargs: Any) -> subprocess.Popen[str]:
    """The ``vfx`` command (``args``) as a child process with the default Ctrl-C, its output
    piped as text, for the tests that send it signals."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("vfx")), *args],
        text=True,
        preexec_fn=default_sigint,
        **kwargs,
    )
