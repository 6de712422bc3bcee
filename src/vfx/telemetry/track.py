"""Telemetry as data: GPS tracks and their interpolation at a time, clocks, projections, and
the :class:`Telemetry` a reader returns (orientation and sensor series are in
:mod:`vfx.telemetry.orientation`).

Every reader (GPMF, CAMM, madv, exiftool, GPX) produces these types, so the metadata stage and
the exporters never care where the numbers came from. Times are on two axes:

* ``time_s``: seconds on the video's movie timeline (the axis frame times are measured on),
  ``NaN`` for points that have no place in the video (an external GPX);
* ``utc_s``: UTC as POSIX seconds (float, sub-second), ``NaN`` where unknown.

Angles are degrees; distances metres; speeds metres per second.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from vfx.telemetry.orientation import Orientation, Series

__all__ = [
    "Clock",
    "GpsTrack",
    "Projection",
    "Telemetry",
    "TrackInterpolator",
    "bearing_deg",
    "distance_m",
    "utc_datetime",
]

EARTH_RADIUS_M = 6_371_008.8


def utc_datetime(utc_s: float) -> datetime:
    """POSIX seconds as an aware UTC datetime (microsecond precision)."""
    return datetime.fromtimestamp(round(utc_s, 6), tz=UTC)


def distance_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle (haversine) distance in metres between points given in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def bearing_deg(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Initial bearing from point 1 to point 2, degrees clockwise from true north in [0, 360)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    y = np.sin(dl) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arctan2(y, x)) % 360.0


def _column(values: object, n: int, dtype: type = np.float64, fill: float = np.nan) -> np.ndarray:
    if values is None:
        return np.full(n, fill, dtype=dtype)
    arr = np.asarray(values, dtype=dtype)
    if arr.shape != (n,):
        raise ValueError(f"expected {n} values, got shape {arr.shape}")
    return arr


@dataclass
class GpsTrack:
    """GPS fixes as columns of equal length (``NaN`` or ``-1`` where a field is unknown).

    ``fix`` is 0 (no fix), 2 (2D) or 3 (3D), ``-1`` when the source does not say. ``dop`` is the
    dilution of precision; ``accuracy_m`` a horizontal accuracy in metres.
    """

    time_s: np.ndarray
    utc_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    speed: np.ndarray
    fix: np.ndarray
    dop: np.ndarray
    accuracy_m: np.ndarray
    source: str = ""

    @classmethod
    def from_columns(
        cls,
        *,
        lat: object,
        lon: object,
        time_s: object = None,
        utc_s: object = None,
        alt: object = None,
        speed: object = None,
        fix: object = None,
        dop: object = None,
        accuracy_m: object = None,
        source: str = "",
    ) -> GpsTrack:
        lat_arr = np.asarray(lat, dtype=np.float64).reshape(-1)
        n = lat_arr.size
        return cls(
            time_s=_column(time_s, n),
            utc_s=_column(utc_s, n),
            lat=lat_arr,
            lon=_column(lon, n),
            alt=_column(alt, n),
            speed=_column(speed, n),
            fix=_column(fix, n, np.int64, -1),
            dop=_column(dop, n),
            accuracy_m=_column(accuracy_m, n),
            source=source,
        )

    def __len__(self) -> int:
        return int(self.lat.size)

    def select(self, keep: np.ndarray) -> GpsTrack:
        """The points where ``keep`` is true."""
        columns = {f.name: getattr(self, f.name)[keep] for f in fields(self) if f.name != "source"}
        return GpsTrack(**columns, source=self.source)

    # -- quality ---------------------------------------------------------------------------------
    def quality(
        self, *, max_dop: float = 5.0, max_accuracy_m: float = 25.0, max_speed: float = 100.0
    ) -> np.ndarray:
        """Per-point quality flag: ``""`` (good) or why the point is not used for interpolation.

        ``no_fix`` (the receiver said no fix or a fix below 2D, or wrote exactly 0,0),
        ``poor_precision`` (DOP above ``max_dop`` or accuracy worse than ``max_accuracy_m``),
        ``invalid`` (coordinates not finite or out of range), ``impossible_speed`` (reaching
        it from the previous good point needs more than ``max_speed`` m/s).
        """
        n = len(self)
        flags = np.full(n, "", dtype=object)
        bad_coord = (
            ~np.isfinite(self.lat)
            | ~np.isfinite(self.lon)
            | (np.abs(self.lat) > 90)
            | (np.abs(self.lon) > 180)
        )
        flags[bad_coord] = "invalid"
        # Exactly 0,0 is what receivers write before their first fix: no GPS, not a place.
        zero = (self.lat == 0) & (self.lon == 0) & (flags == "")
        no_fix = ((self.fix >= 0) & (self.fix < 2) & (flags == "")) | zero
        flags[no_fix] = "no_fix"
        poor = ((self.dop > max_dop) | (self.accuracy_m > max_accuracy_m)) & (flags == "")
        flags[poor] = "poor_precision"
        axis = self.time_s if np.isfinite(self.time_s).any() else self.utc_s
        last = -1
        for i in range(n):
            if flags[i]:
                continue
            if last >= 0 and np.isfinite(axis[i]) and np.isfinite(axis[last]):
                dt = axis[i] - axis[last]
                d = float(distance_m(self.lat[last], self.lon[last], self.lat[i], self.lon[i]))
                if (dt <= 0 and d > 1.0) or (dt > 0 and d / dt > max_speed):
                    flags[i] = "impossible_speed"
                    continue
            last = i
        return flags

    def usable(self, **limits: float) -> GpsTrack:
        """The points whose quality flag is good (see :meth:`quality`)."""
        return self.select(self.quality(**limits) == "")

    def headings(self, *, min_move_m: float = 1.0, max_window_s: float = 5.0) -> np.ndarray:
        """Course over ground at each point, degrees from true north.

        The bearing between neighbours taken symmetrically around the point, widening the
        window (1, 2, 4, ... points each side) until they are ``min_move_m`` apart; GPS jitter
        over a few centimetres gives no direction. ``NaN`` where even a window of
        ``max_window_s`` does not move that far (standing still).
        """
        n = len(self)
        out = np.full(n, np.nan)
        if n < 2:
            return out
        axis = self.time_s if np.isfinite(self.time_s).all() else self.utc_s
        idx = np.arange(n)
        width = 1
        while width < n and np.isnan(out).any():
            a = np.clip(idx - width, 0, n - 1)
            b = np.clip(idx + width, 0, n - 1)
            moved = distance_m(self.lat[a], self.lon[a], self.lat[b], self.lon[b])
            span = axis[b] - axis[a]
            ok = np.isnan(out) & (moved >= min_move_m)
            if np.isfinite(axis).all():
                ok &= span <= 2 * max_window_s
            out[ok] = bearing_deg(self.lat[a], self.lon[a], self.lat[b], self.lon[b])[ok]
            if np.isfinite(axis).all() and np.all(span > 2 * max_window_s):
                break
            width *= 2
        return out

    # -- interpolation --------------------------------------------------------------------------
    def at(self, times: np.ndarray, *, axis: str = "time_s", max_gap_s: float = 5.0) -> dict:
        """Position, altitude, speed and heading at each of ``times`` on ``axis``.

        A shortcut for ``self.interpolator(axis).at(times, max_gap_s=max_gap_s)``; build the
        interpolator once when asking many times.
        """
        return self.interpolator(axis).at(times, max_gap_s=max_gap_s)

    def interpolator(self, axis: str = "time_s") -> TrackInterpolator:
        """An interpolator over this track's points on ``axis`` (``time_s`` or ``utc_s``)."""
        return TrackInterpolator(self, axis)


class TrackInterpolator:
    """Interpolates a track at given times; sorting and headings are computed once.

    Linear interpolation for position, altitude and speed between the two points around a
    time; circular interpolation for heading (along the shorter arc). Inside the track's span,
    a time more than ``max_gap_s`` from the nearest point gets ``NaN`` everywhere (never a
    silent nearest fix). Outside the span a time takes the end point only within one sample
    interval of it (the median spacing of the points): held any longer, a moving camera's
    last position would be tens of metres wrong.
    """

    def __init__(self, track: GpsTrack, axis: str = "time_s"):
        if axis not in ("time_s", "utc_s"):
            raise ValueError(f"axis must be 'time_s' or 'utc_s', got {axis!r}")
        key = getattr(track, axis)
        ok = np.isfinite(key)
        order = np.argsort(key[ok], kind="stable")
        sub = track.select(ok).select(order)
        self.key = key[ok][order]
        self.cols = {"lat": sub.lat, "lon": sub.lon, "alt": sub.alt, "speed": sub.speed}
        if np.isnan(sub.speed).all() and self.key.size > 1:
            self.cols["speed"] = _derived_speed(self.key, sub.lat, sub.lon)
        self.heading = sub.headings()
        steps = np.diff(self.key)
        steps = steps[steps > 0]
        #: How far past either end of the track a time still takes the end point.
        self.interval_s = float(np.median(steps)) if steps.size else 0.0

    def at(self, times: np.ndarray | float, *, max_gap_s: float = 5.0) -> dict[str, np.ndarray]:
        """Arrays ``lat``, ``lon``, ``alt``, ``speed``, ``heading``, ``gap_s`` (seconds
        to the nearest point) and ``flag`` at each time.

        ``flag`` is ``""`` where a position was given, else why not: ``before_track`` or
        ``after_track`` (more than one sample interval outside the track's span) or ``gap``
        (inside the span, more than ``max_gap_s`` from the nearest point).
        """
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        k = self.key
        out = {name: np.full(t.shape, np.nan) for name in ("lat", "lon", "alt", "speed")}
        out["heading"] = np.full(t.shape, np.nan)
        out["gap_s"] = np.full(t.shape, np.inf)
        out["flag"] = np.full(t.shape, "gap", dtype=object)
        if k.size == 0:
            return out
        right = np.clip(np.searchsorted(k, t, side="left"), 0, k.size - 1)
        left = np.clip(right - 1, 0, k.size - 1)
        left = np.where(k[right] == t, right, left)
        gap = np.minimum(np.abs(t - k[left]), np.abs(k[right] - t))
        span = k[right] - k[left]
        frac = np.where(span > 0, (t - k[left]) / np.where(span > 0, span, 1.0), 0.0)
        frac = np.clip(frac, 0.0, 1.0)
        before = t < k[0] - self.interval_s
        after = t > k[-1] + self.interval_s
        outside_span = (t < k[0]) | (t > k[-1])
        inside = np.where(outside_span, ~before & ~after, gap <= max_gap_s)
        out["flag"] = np.where(
            before, "before_track", np.where(after, "after_track", np.where(inside, "", "gap"))
        ).astype(object)
        for name, col in self.cols.items():
            v = col[left] + (col[right] - col[left]) * frac
            out[name] = np.where(inside, v, np.nan)
        h = _circular_lerp(self.heading[left], self.heading[right], frac)
        out["heading"] = np.where(inside, h, np.nan)
        out["gap_s"] = gap
        return out


def _derived_speed(k: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    d = distance_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    dt = np.diff(k)
    seg = np.where(dt > 0, d / np.where(dt > 0, dt, 1.0), np.nan)
    return np.r_[seg[0], (seg[:-1] + seg[1:]) / 2, seg[-1]] if seg.size > 1 else np.r_[seg, seg]


def _circular_lerp(a: np.ndarray, b: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Interpolate angles in degrees along the shorter arc; ``NaN`` ends take the other end."""
    a = np.where(np.isnan(a), b, a)
    b = np.where(np.isnan(b), a, b)
    delta = (b - a + 180.0) % 360.0 - 180.0
    return (a + delta * frac) % 360.0


@dataclass(frozen=True)
class Clock:
    """How video time maps to UTC: ``utc_s = time_s + offset_s``.

    ``source`` is ``"gps"``, ``"creation"`` or ``"manual"``; ``detail`` says where the anchor
    came from, for the log and the JSON outputs.
    """

    offset_s: float
    source: str
    detail: str = ""

    def utc_s(self, time_s: float | np.ndarray) -> float | np.ndarray:
        return np.asarray(time_s, dtype=np.float64) + self.offset_s


@dataclass(frozen=True)
class Projection:
    """Spherical (360 or 180) video geometry, as the GPano XMP namespace describes it."""

    type: str  # "equirectangular" (others are reported but not written as GPano)
    full_width: int
    full_height: int
    crop_left: int
    crop_top: int
    crop_width: int
    crop_height: int
    stereo: str = "mono"
    source: str = ""


@dataclass
class Telemetry:
    """Everything read from one video's telemetry, whatever the camera.

    Attributes
    ----------
    gps
        The GPS track (``None`` when the video carries none).
    clock
        The GPS clock (``utc_s = time_s + offset_s``) when the telemetry carries UTC time.
    orientation
        Per-frame or per-sample camera orientation, when known.
    series
        Other sensor series by name (``accel``, ``gyro``, ``gravity``, ``magnetometer``, ...).
    raw
        Undecoded blocks kept for the dump (the madv ``gpsx``, ``cutl``, ``lutz`` children).
    """

    path: Path
    sources: list[str] = field(default_factory=list)
    gps: GpsTrack | None = None
    clock: Clock | None = None
    orientation: Orientation | None = None
    series: dict[str, Series] = field(default_factory=dict)
    make: str | None = None
    model: str | None = None
    creation_utc: datetime | None = None
    projection: Projection | None = None
    raw: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.gps is None and self.orientation is None and not self.series
