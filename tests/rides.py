"""A synthetic ride: a clip with a GPMF GPS track along a known path (moving, a stop, a turn)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pyproj import Geod

from clips import make_clip
from mp4build import add_track, gps5_payload

GEOD = Geod(ellps="WGS84")

T0 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
#: (until second, speed m/s, bearing degrees): moving, a stop, moving again, turning east.
PROFILE = [(6.0, 3.0, 0.0), (12.0, 0.0, 0.0), (20.0, 2.0, 90.0)]


def travelled(t: float) -> tuple[float, float]:
    """Latitude and longitude at time ``t`` of the PROFILE ride from 45 N 7 E."""
    lat, lon, start = 45.0, 7.0, 0.0
    for until, speed, bearing in PROFILE:
        span = min(t, until) - start
        if span <= 0:
            break
        if speed:
            lon, lat, _ = GEOD.fwd(lon, lat, bearing, speed * span)
        start = until
    return lat, lon


def speed_at(t: float) -> float:
    return next((s for until, s, _ in PROFILE if t < until), PROFILE[-1][1])


def make_ride(
    path: Path,
    *,
    seconds: int = 20,
    t0: datetime = T0,
    where: Callable[[float], tuple[float, float]] = travelled,
) -> Path:
    """A 25 fps clip of ``seconds`` with a GPMF track at 10 Hz along ``where``, UTC from ``t0``."""
    plain = make_clip(path.with_suffix(".plain.mp4"), frames=25 * seconds, gop=25).path
    samples = []
    for k in range(seconds):
        points = [
            (*where(k + i / 10), 100.0, speed_at(k + i / 10), speed_at(k + i / 10))
            for i in range(10)
        ]
        samples.append(gps5_payload(points, t0 + timedelta(seconds=k)))
    return add_track(plain, path, entry="gpmd", samples=samples, durations=[1000] * seconds)
