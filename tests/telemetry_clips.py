"""Clips with known telemetry (the fixtures in conftest.py build them once per session)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from clips import make_clip
from mp4build import add_track, camm_packet, gps5_payload

#: UTC time of the synthetic GPS clip's first instant.
T0 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
#: Latitude step per GPS point (10 points per second): about 1.11 m, so 11.1 m/s northwards.
STEP = 1e-5


def gps_lat(t: float) -> float:
    """The synthetic track's latitude at video time ``t``."""
    return 45.0 + STEP * t * 10


def make_plain_clip(clipdir: Path) -> Path:
    """2.44 s, 25 fps, keyframe every 12 frames; no telemetry."""
    return make_clip(clipdir / "plain.mp4", frames=61, gop=12).path


def make_gps_clip(plain_clip: Path, clipdir: Path) -> Path:
    """``plain_clip`` plus a GPMF track: 3 one-second samples of 10 GPS5 points each, moving
    north at 11.1 m/s from 45 N 7 E at 100 m; GPSU stamps T0, T0+1, T0+2 except the first,
    which is 30 s stale (as real cameras write it)."""
    samples = []
    for k in range(3):
        points = [(gps_lat(k + i / 10), 7.0, 100.0, 11.1, 11.1) for i in range(10)]
        stamp = T0 + timedelta(seconds=k) if k else T0 - timedelta(seconds=30)
        samples.append(gps5_payload(points, stamp))
    return add_track(
        plain_clip, clipdir / "gps.mp4", entry="gpmd", samples=samples, durations=[1000] * 3
    )


def make_camm_clip(plain_clip: Path, clipdir: Path) -> Path:
    """``plain_clip`` plus a CAMM track at 25 Hz: orientation turning about z by 0.01 rad per
    sample (type 0) and a full GPS fix per sample (type 6) from 45 N 7 E moving east."""
    gps_epoch_t0 = T0.timestamp() - 315964800.0 + 18  # GPS time runs 18 s ahead of UTC
    samples = []
    for i in range(61):
        samples.append(camm_packet(0, 0.0, 0.0, 0.01 * i))
        samples.append(
            camm_packet(
                6,
                gps_epoch_t0 + i / 25,
                3,
                45.0,
                7.0 + 1e-5 * i,
                50.0,
                3.0,
                5.0,
                20.0,
                0.0,
                0.0,
                0.5,
            )
        )
    # one packet per sample: orientation and GPS alternate, two samples per frame time
    return add_track(
        plain_clip,
        clipdir / "camm.mp4",
        entry="camm",
        samples=samples,
        durations=[0, 1200] * 61,
        timescale=30000,
    )
