"""Google CAMM: the camera motion metadata track (``camm`` sample entry).

Each sample holds packets of a 2-byte reserved field, a 2-byte type and a little-endian
payload whose size the type fixes (Street View's "Camera Motion Metadata Spec"):

====  ======================================================================  =====
type  payload                                                                 bytes
====  ======================================================================  =====
0     angle_axis float[3] (radians; camera to world)                          12
1     pixel_exposure_time int32 ns, rolling_shutter_skew_time int32 ns         8
2     gyro float[3] rad/s                                                     12
3     acceleration float[3] m/s2                                              12
4     position float[3] m                                                     12
5     latitude, longitude, altitude double                                    24
6     time_gps_epoch double, gps_fix_type int32, latitude, longitude double,  56
      altitude, horizontal/vertical accuracy, velocity east/north/up,
      speed accuracy float
7     magnetic_field float[3] microtesla                                      12
====  ======================================================================  =====

The GPS epoch time of type 6 counts from 1980-01-06 without leap seconds; vfx converts it to
UTC with the leap-second table below.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vfx.errors import TelemetryError
from vfx.telemetry.mp4 import Sample
from vfx.telemetry.track import Clock, GpsTrack, Orientation, Series, axis_angle_to_quaternion

__all__ = ["CammReading", "gps_to_utc", "read_camm"]

_LAYOUT = {
    0: "<3f",
    1: "<2i",
    2: "<3f",
    3: "<3f",
    4: "<3f",
    5: "<3d",
    6: "<di2d7f",
    7: "<3f",
}
_GPS_EPOCH_POSIX = 315964800.0  # 1980-01-06T00:00:00Z
# (GPS seconds at which the offset starts, GPS - UTC in seconds)
_LEAPS = (
    (46828800, 1),
    (78364801, 2),
    (109900802, 3),
    (173059203, 4),
    (252028804, 5),
    (315187205, 6),
    (346723206, 7),
    (393984007, 8),
    (425520008, 9),
    (457056009, 10),
    (504489610, 11),
    (551750411, 12),
    (599184012, 13),
    (820108813, 14),
    (914803214, 15),
    (1025136015, 16),
    (1119744016, 17),
    (1167264017, 18),
)


def gps_to_utc(gps_s: float) -> float:
    """Seconds since the GPS epoch to POSIX UTC seconds (leap seconds removed)."""
    leap = 0
    for start, value in _LEAPS:
        if gps_s >= start:
            leap = value
    return gps_s + _GPS_EPOCH_POSIX - leap


@dataclass
class CammReading:
    gps: GpsTrack | None = None
    clock: Clock | None = None
    orientation: Orientation | None = None
    series: dict[str, Series] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)


def read_camm(payloads: Iterable[tuple[Sample, bytes]], *, path: str | Path) -> CammReading:
    """Decode every packet of a CAMM track; each packet takes its sample's time."""
    rows: dict[int, list[tuple[float, tuple]]] = {k: [] for k in _LAYOUT}  # type: ignore[type-arg]
    for sample, data in payloads:
        pos = 0
        while pos + 4 <= len(data):
            kind = struct.unpack_from("<H", data, pos + 2)[0]
            layout = _LAYOUT.get(kind)
            if layout is None:
                raise TelemetryError(
                    f"CAMM sample {sample.index} has unknown packet type {kind}", path=path
                )
            size = struct.calcsize(layout)
            if pos + 4 + size > len(data):
                raise TelemetryError(
                    f"CAMM sample {sample.index}: type {kind} packet is cut short", path=path
                )
            rows[kind].append((sample.time_s, struct.unpack_from(layout, data, pos + 4)))
            pos += 4 + size
    out = CammReading(counts={k: len(v) for k, v in rows.items() if v})

    def series(kind: int) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.array([t for t, _ in rows[kind]], dtype=np.float64),
            np.array([v for _, v in rows[kind]], dtype=np.float64),
        )

    if rows[0]:
        t, v = series(0)
        out.orientation = Orientation(t, axis_angle_to_quaternion(v), "camm 0", "camera to world")
    for kind, name, unit in ((2, "gyro", "rad/s"), (3, "accel", "m/s2"), (4, "position", "m")):
        if rows[kind]:
            t, v = series(kind)
            out.series[name] = Series(name, unit, t, v, ("x", "y", "z"))
    if rows[7]:
        t, v = series(7)
        out.series["magnetometer"] = Series("magnetometer", "uT", t, v, ("x", "y", "z"))
    if rows[1]:
        t, v = series(1)
        out.series["exposure"] = Series(
            "exposure", "ns", t, v, ("pixel_exposure_time", "rolling_shutter_skew_time")
        )
    if rows[6]:
        t, v = series(6)
        utc = np.array([gps_to_utc(x) for x in v[:, 0]])
        fix = v[:, 1].astype(np.int64)
        speed = np.hypot(v[:, 7], v[:, 8])
        good = (fix >= 2) & (v[:, 0] > 0)
        out.gps = GpsTrack.from_columns(
            time_s=t,
            utc_s=np.where(good, utc, np.nan),
            lat=v[:, 2],
            lon=v[:, 3],
            alt=v[:, 4],
            speed=speed,
            fix=fix,
            accuracy_m=v[:, 5],
            source="camm 6",
        )
        if good.any():
            out.clock = Clock(
                float(np.median((utc - t)[good])), "gps", f"median of {int(good.sum())} CAMM fixes"
            )
    elif rows[5]:
        t, v = series(5)
        out.gps = GpsTrack.from_columns(
            time_s=t, lat=v[:, 0], lon=v[:, 1], alt=v[:, 2], source="camm 5"
        )
    return out
