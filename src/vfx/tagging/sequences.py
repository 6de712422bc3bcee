"""Street-level mapping: frames by distance travelled, sequences, camera directions, duplicates.

Pure functions over arrays, as mapillary_tools defines these things, with geodesic distances
on the WGS 84 ellipsoid (pyproj's ``Geod``, Karney's algorithm) rather than a sphere:

* :func:`distance_times`: the times at which the camera has moved ``metres`` from the last
  frame taken, found exactly inside the GPS segment where it happens;
* :func:`split_sequences`: where a run of frames breaks (time gap, distance jump, size);
* :func:`flag_duplicates`: frames too close, in place and direction, to the previous kept one;
* :func:`bearings_to_next`: each frame's direction towards the next one (mapillary_tools'
  ``--interpolate_directions``).
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from vfx.errors import ParameterError

__all__ = [
    "HEADING_MODES",
    "SequenceCarry",
    "angle_diff_deg",
    "bearings_to_next",
    "distance_times",
    "flag_duplicates",
    "geodesic",
    "sequence_id",
    "split_sequences",
]

#: ``--heading``: course over ground from the track, towards the next image, or none.
HEADING_MODES = ("track", "next", "none")
#: Below this ground speed (m/s) the camera is taken as standing: GPS wander around a parked
#: camera is no distance travelled. Only where the track reports a speed.
STANDING_SPEED = 0.5
_NAMESPACE = uuid.UUID("6f1d3c1e-4b8a-5a0e-9d27-3c1f0e5b7a41")


@cache
def _geod() -> Any:
    from pyproj import Geod

    return Geod(ellps="WGS84")


def geodesic(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distance in metres and initial bearing in degrees [0, 360) between points (degrees),
    on the WGS 84 ellipsoid; arrays broadcast."""
    la1, lo1, la2, lo2 = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (lat1, lon1, lat2, lon2))
    )
    azimuth, _, dist = _geod().inv(lo1.ravel(), la1.ravel(), lo2.ravel(), la2.ravel())
    shape = la1.shape
    return (
        np.asarray(dist, dtype=np.float64).reshape(shape),
        np.mod(np.asarray(azimuth, dtype=np.float64), 360.0).reshape(shape),
    )


def angle_diff_deg(a: Any, b: Any) -> np.ndarray:
    """The smaller angle between two directions, degrees in [0, 180]."""
    d = np.abs((np.asarray(a, dtype=np.float64) - b) % 360.0)
    return np.minimum(d, 360.0 - d)


def _lerp(a: float, b: float, f: float) -> float:
    return a + (b - a) * f


def distance_times(
    time_s: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    metres: float,
    *,
    speed: np.ndarray | None = None,
    max_interval_s: float | None = None,
    min_interval_s: float = 0.0,
    start_s: float | None = None,
    end_s: float | None = None,
) -> np.ndarray:
    """Times at which to take a frame so that each is ``metres`` from the previous one.

    The first time is the track's first point in ``[start_s, end_s)``. From each time taken
    the camera's position is followed along the track, and the next time is the instant its
    geodesic distance from there reaches ``metres``: found inside the GPS segment where it
    happens (positions interpolated linearly in time), not rounded to a GPS point. Where the
    track gives a ground speed, an instant below :data:`STANDING_SPEED` is no movement (GPS
    wander around a parked camera). ``max_interval_s`` adds a time whenever that long has
    passed since the last one while the camera moves slowly. No two times are closer than
    ``min_interval_s`` (a video's frame duration: a distance or an interval finer than the
    frames gives each frame once, never a time per nanometre), so the count is bounded by the
    track's duration over it.

    >>> t = np.arange(0.0, 11.0)                    # 1 m/s due north for 10 s
    >>> lat = 45.0 + t * (1 / 111_132.0)
    >>> distance_times(t, lat, np.full(t.shape, 7.0), 3.0).round(2)
    array([0., 3., 6., 9.])
    """
    if not (metres > 0 and math.isfinite(metres)):
        raise ParameterError(f"distance must be > 0 metres, got {metres}")
    if max_interval_s is not None and not (max_interval_s > 0 and math.isfinite(max_interval_s)):
        raise ParameterError(f"maximum interval must be > 0 seconds, got {max_interval_s}")
    if not (min_interval_s >= 0 and math.isfinite(min_interval_s)):
        raise ParameterError(f"minimum interval must be >= 0 seconds, got {min_interval_s}")
    t = np.asarray(time_s, dtype=np.float64)
    keep = np.isfinite(t) & np.isfinite(lat) & np.isfinite(lon)
    if start_s is not None:
        keep &= t >= start_s
    if end_s is not None:
        keep &= t < end_s
    t, la, lo = t[keep], np.asarray(lat, dtype=np.float64)[keep], np.asarray(lon)[keep]
    v = None if speed is None else np.asarray(speed, dtype=np.float64)[keep]
    order = np.argsort(t, kind="stable")
    t, la, lo = t[order], la[order], lo[order]
    if v is not None:
        v = v[order]
    n = t.size
    if n == 0:
        return np.zeros(0)

    moving = np.ones(n, dtype=bool) if v is None else ~(np.isfinite(v) & (v < STANDING_SPEED))
    out = [float(t[0])]
    a_t, a_lat, a_lon = float(t[0]), float(la[0]), float(lo[0])
    i = 1
    chunk = 64
    while i < n:
        j = min(n, i + chunk)
        chunk = min(4096, chunk * 2)  # long stands are crossed in few steps
        d, _ = geodesic(a_lat, a_lon, la[i:j], lo[i:j])
        due = math.inf if max_interval_s is None else a_t + max_interval_s
        hits = np.flatnonzero(((d >= metres) & moving[i:j]) | (t[i:j] >= due))
        if hits.size == 0:
            i = j
            continue
        chunk = 64
        hit = int(hits[0])
        k = i + hit
        p_t, p_lat, p_lon = float(t[k - 1]), float(la[k - 1]), float(lo[k - 1])
        if k - 1 == 0 or p_t < a_t:
            p_t, p_lat, p_lon = a_t, a_lat, a_lon
        if t[k] >= due and not (d[hit] >= metres and moving[k]):
            # no crossing before the maximum interval: a frame at a_t + max_interval_s
            f = (due - p_t) / (t[k] - p_t) if t[k] > p_t else 1.0
            if not moving[k]:
                i = k + 1  # standing: no frame, and the interval starts again when moving
                a_t = float(t[k])
                continue
        else:
            d_prev = float(geodesic(a_lat, a_lon, p_lat, p_lon)[0])
            if d_prev >= metres:
                f = 0.0  # standing ended already beyond the distance: take the first move
                p_t, p_lat, p_lon = float(t[k]), float(la[k]), float(lo[k])
            else:
                lo_f, hi_f = 0.0, 1.0  # d(f) crosses metres in (0, 1]: bisect
                for _ in range(40):
                    mid = (lo_f + hi_f) / 2
                    dm = float(
                        geodesic(a_lat, a_lon, _lerp(p_lat, la[k], mid), _lerp(p_lon, lo[k], mid))[
                            0
                        ]
                    )
                    lo_f, hi_f = (mid, hi_f) if dm < metres else (lo_f, mid)
                f = hi_f
        a_t = _lerp(p_t, float(t[k]), f)
        a_lat, a_lon = _lerp(p_lat, float(la[k]), f), _lerp(p_lon, float(lo[k]), f)
        if a_t < out[-1] + min_interval_s:
            # sooner than the next frame: the time moves on to it, and the position with it
            a_t = out[-1] + min_interval_s
            k = int(np.searchsorted(t, a_t, side="right"))
            if k >= n:
                break
            g = (a_t - t[k - 1]) / (t[k] - t[k - 1]) if t[k] > t[k - 1] else 1.0
            a_lat = _lerp(float(la[k - 1]), float(la[k]), g)
            a_lon = _lerp(float(lo[k - 1]), float(lo[k]), g)
            out.append(a_t)
            i = k
            continue
        out.append(a_t)
        i = k if f < 1.0 else k + 1
    return np.asarray(out)


@dataclass
class SequenceCarry:
    """Where the last sequence of the previous input ended, so that the next input of the
    same run (a ride split over GoPro chapters) can go on with it."""

    sequence: str
    utc_s: float
    lat: float
    lon: float
    count: int


def sequence_id(source_id: str, source: str, frame_index: int) -> str:
    """A stable id for the sequence that starts at ``frame_index`` of a source: a UUID 5
    of the source's identity and that frame, the same on every run over the same file."""
    # uuid5 by hand: a file name may hold bytes that are no UTF-8 (surrogate escapes)
    name = f"{source}\x00{source_id}\x00{frame_index}".encode("utf-8", "surrogateescape")
    digest = hashlib.sha1(_NAMESPACE.bytes + name, usedforsecurity=False).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def split_sequences(
    utc_s: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    *,
    split_time_s: float,
    split_distance_m: float,
    max_sequence: int,
    counted: np.ndarray | None = None,
    carry: SequenceCarry | None = None,
) -> tuple[np.ndarray, bool]:
    """A sequence number per frame (0, 1, ...), and whether number 0 continues ``carry``.

    A new sequence starts where the time since the previous frame exceeds ``split_time_s``,
    where the distance from the previous frame with a position exceeds ``split_distance_m``,
    or where the sequence already holds ``max_sequence`` frames (only frames marked in
    ``counted`` count, and only they are compared: flagged duplicates ride along with the
    frame before them). Frames without a position break no distance.
    """
    n = utc_s.size
    seq = np.zeros(n, dtype=np.int64)
    counted = np.ones(n, dtype=bool) if counted is None else np.asarray(counted, dtype=bool)
    # Gaps to the previous counted frame (time) and to the previous counted frame with a
    # position (distance), computed at once; the loop below only decides.
    order = np.flatnonzero(counted)
    t = np.asarray(utc_s, dtype=np.float64)[order]
    placed = np.isfinite(lat[order]) & np.isfinite(lon[order])
    prev_t = np.r_[carry.utc_s if carry is not None else np.nan, t[:-1]]
    where = order[placed]
    plat = np.r_[carry.lat if carry is not None else np.nan, lat[where][:-1]]
    plon = np.r_[carry.lon if carry is not None else np.nan, lon[where][:-1]]
    jump = np.zeros(order.size)
    if where.size:
        d, _ = geodesic(plat, plon, lat[where], lon[where])
        jump[placed] = np.nan_to_num(d, nan=0.0)
    split = (jump > split_distance_m) | (np.nan_to_num(t - prev_t, nan=0.0) > split_time_s)
    number = 0
    count = carry.count if carry is not None else 0
    continues = carry is not None and order.size > 0
    for k in range(order.size):
        if split[k] or count >= max_sequence:
            if k:
                number += 1
            else:
                continues = False
            count = 0
        count += 1
        seq[order[k]] = number
    # frames that do not count ride along with the counted frame before them
    last = np.maximum.accumulate(np.where(counted, np.arange(n), -1))
    seq[~counted] = np.where(last[~counted] >= 0, seq[np.maximum(last[~counted], 0)], 0)
    return seq, continues


def flag_duplicates(
    lat: np.ndarray,
    lon: np.ndarray,
    direction: np.ndarray,
    sequence: np.ndarray,
    *,
    min_distance_m: float,
    min_angle_deg: float,
) -> np.ndarray:
    """True for each frame within ``min_distance_m`` of the previous kept frame of its sequence
    and, when both have a direction, within ``min_angle_deg`` of its direction (as
    mapillary_tools' duplicate check: a frame without a direction is judged by distance)."""
    n = lat.size
    dup = np.zeros(n, dtype=bool)
    if min_distance_m <= 0:
        return dup
    idx = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if idx.size < 2:
        return dup
    # distance and angle to the previous placed frame, at once; only after a duplicate is
    # the previous kept frame another one, and measured again
    near, _ = geodesic(lat[idx[:-1]], lon[idx[:-1]], lat[idx[1:]], lon[idx[1:]])
    last = int(idx[0])
    for k in range(1, idx.size):
        i = int(idx[k])
        if sequence[last] == sequence[i]:
            if last == idx[k - 1]:
                d = float(near[k - 1])
            else:
                d = float(geodesic(lat[last], lon[last], lat[i], lon[i])[0])
            if d <= min_distance_m:
                a, b = direction[last], direction[i]
                both = math.isfinite(a) and math.isfinite(b)
                if not both or float(angle_diff_deg(a, b)) <= min_angle_deg:
                    dup[i] = True
                    continue
        last = i
    return dup


def bearings_to_next(lat: np.ndarray, lon: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    """Each frame's bearing towards the next frame of its sequence that is somewhere else; the
    last frame keeps the direction of the one before (mapillary_tools' interpolation). NaN
    where there is no position or the sequence never moves."""
    n = lat.size
    out = np.full(n, np.nan)
    idx = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if idx.size < 2:
        return out
    near, towards = geodesic(lat[idx[:-1]], lon[idx[:-1]], lat[idx[1:]], lon[idx[1:]])
    same = sequence[idx[:-1]] == sequence[idx[1:]]
    for k in range(idx.size - 1):
        if not same[k]:
            continue
        if near[k] > 0.01:
            out[idx[k]] = towards[k]
            continue
        for m in range(k + 1, idx.size - 1):  # in the same place: look further on
            if not same[m]:
                break
            d, b = geodesic(lat[idx[k]], lon[idx[k]], lat[idx[m + 1]], lon[idx[m + 1]])
            if float(d) > 0.01:
                out[idx[k]] = float(b)
                break
    for k in range(1, idx.size):  # the tail of a sequence takes the direction before it
        i, h = int(idx[k]), int(idx[k - 1])
        if np.isnan(out[i]) and sequence[h] == sequence[i]:
            out[i] = out[h]
    return out
