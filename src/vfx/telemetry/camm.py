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

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vfx.errors import TelemetryError
from vfx.io.mp4 import Sample
from vfx.telemetry.orientation import Orientation, Series, axis_angle_to_quaternion
from vfx.telemetry.track import Clock, GpsTrack

__all__ = ["CammReading", "decode_camm", "gps_to_utc", "read_camm"]

#: Each packet type's payload as a little-endian numpy record.
_LAYOUT = {
    0: np.dtype("<3f4"),
    1: np.dtype("<2i4"),
    2: np.dtype("<3f4"),
    3: np.dtype("<3f4"),
    4: np.dtype("<3f4"),
    5: np.dtype("<3f8"),
    6: np.dtype([("t", "<f8"), ("fix", "<i4"), ("ll", "<2f8"), ("f", "<7f4")]),
    7: np.dtype("<3f4"),
}
_SIZE = np.full(1 << 16, -1, dtype=np.int64)
for _kind, _dtype in _LAYOUT.items():
    _SIZE[_kind] = _dtype.itemsize
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


def gps_to_utc(gps_s: float | np.ndarray) -> float | np.ndarray:
    """Seconds since the GPS epoch to POSIX UTC seconds (leap seconds removed)."""
    starts = np.array([start for start, _ in _LEAPS], dtype=np.float64)
    leaps = np.array([0] + [value for _, value in _LEAPS], dtype=np.float64)
    leap = leaps[np.searchsorted(starts, gps_s, side="right")]
    utc = np.asarray(gps_s, dtype=np.float64) + _GPS_EPOCH_POSIX - leap
    return float(utc) if np.ndim(utc) == 0 else utc


@dataclass
class CammReading:
    gps: GpsTrack | None = None
    clock: Clock | None = None
    orientation: Orientation | None = None
    series: dict[str, Series] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)


def read_camm(payloads: Iterable[tuple[Sample, bytes]], *, path: str | Path) -> CammReading:
    """Decode every packet of a CAMM track given sample by sample (see :func:`decode_camm`)."""
    items = list(payloads)
    sizes = np.array([len(data) for _, data in items], dtype=np.int64)
    return decode_camm(
        b"".join(data for _, data in items),
        np.cumsum(sizes) - sizes,
        sizes,
        np.array([sample.time_s for sample, _ in items], dtype=np.float64),
        index=np.array([sample.index for sample, _ in items], dtype=np.int64),
        path=path,
    )


def decode_camm(
    data: bytes | bytearray,
    starts: np.ndarray,
    sizes: np.ndarray,
    times_s: np.ndarray,
    *,
    index: np.ndarray | None = None,
    path: str | Path,
) -> CammReading:
    """Decode every packet of a CAMM track whose samples lie end to end in ``data``.

    Sample ``i`` is ``data[starts[i] : starts[i] + sizes[i]]`` and plays at ``times_s[i]``;
    each packet takes its sample's time. The packets are found a round at a time over all
    samples at once (the first packet of every sample, then the second, ...), so a track of
    millions of samples is read with numpy, not packet by packet.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    index = np.arange(starts.size) if index is None else index
    pos = np.asarray(starts, dtype=np.int64).copy()
    end = pos + np.asarray(sizes, dtype=np.int64)
    found: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {k: [] for k in _LAYOUT}
    live = np.flatnonzero(pos + 4 <= end)
    while live.size:
        at = pos[live]
        kind = buf[at + 2].astype(np.int64) | (buf[at + 3].astype(np.int64) << 8)
        size = _SIZE[kind]
        unknown = np.flatnonzero(size < 0)
        if unknown.size:
            i = unknown[0]
            raise TelemetryError(
                f"CAMM sample {index[live[i]]} has unknown packet type {kind[i]}", path=path
            )
        short = np.flatnonzero(at + 4 + size > end[live])
        if short.size:
            i = short[0]
            raise TelemetryError(
                f"CAMM sample {index[live[i]]}: type {kind[i]} packet is cut short", path=path
            )
        for k in np.unique(kind).tolist():
            mine = kind == k
            found[k].append((live[mine], at[mine] + 4))
        pos[live] = at + 4 + size
        live = live[pos[live] + 4 <= end[live]]
    rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for k, parts in found.items():
        if not parts:
            continue
        sample = np.concatenate([p[0] for p in parts])
        offset = np.concatenate([p[1] for p in parts])
        order = np.argsort(sample, kind="stable")  # rounds back into file order
        sample, offset = sample[order], offset[order]
        width = _LAYOUT[k].itemsize
        raw = np.empty((offset.size, width), dtype=np.uint8)
        for j in range(width):  # a byte column at a time: no (n, width) index array
            raw[:, j] = buf[offset + j]
        rows[k] = (np.asarray(times_s, dtype=np.float64)[sample], raw)
    out = CammReading(counts={k: len(v[0]) for k, v in rows.items()})

    def series(kind: int) -> tuple[np.ndarray, np.ndarray]:
        t, raw = rows[kind]
        values = raw.view(_LAYOUT[kind].base).reshape(len(t), -1)
        return t, values.astype(np.float64)

    if 0 in rows:
        t, v = series(0)
        out.orientation = Orientation(t, axis_angle_to_quaternion(v), "camm 0", "camera to world")
    for code, name, unit in ((2, "gyro", "rad/s"), (3, "accel", "m/s2"), (4, "position", "m")):
        if code in rows:
            t, v = series(code)
            out.series[name] = Series(name, unit, t, v, ("x", "y", "z"))
    if 7 in rows:
        t, v = series(7)
        out.series["magnetometer"] = Series("magnetometer", "uT", t, v, ("x", "y", "z"))
    if 1 in rows:
        t, v = series(1)
        out.series["exposure"] = Series(
            "exposure", "ns", t, v, ("pixel_exposure_time", "rolling_shutter_skew_time")
        )
    if 6 in rows:
        t, raw = rows[6]
        rec = raw.view(_LAYOUT[6]).reshape(-1)
        gps_s = rec["t"].astype(np.float64)
        utc = np.asarray(gps_to_utc(gps_s))
        fix = rec["fix"].astype(np.int64)
        floats = rec["f"].astype(np.float64)  # altitude, accuracies, velocities, speed accuracy
        speed = np.hypot(floats[:, 3], floats[:, 4])
        good = (fix >= 2) & (gps_s > 0) & np.isfinite(utc)
        out.gps = GpsTrack.from_columns(
            time_s=t,
            utc_s=np.where(good, utc, np.nan),
            lat=rec["ll"][:, 0].astype(np.float64),
            lon=rec["ll"][:, 1].astype(np.float64),
            alt=floats[:, 0],
            speed=speed,
            fix=fix,
            accuracy_m=floats[:, 1],
            source="camm 6",
        )
        if good.any():
            out.clock = Clock(
                float(np.median((utc - t)[good])), "gps", f"median of {int(good.sum())} CAMM fixes"
            )
    elif 5 in rows:
        t, v = series(5)
        out.gps = GpsTrack.from_columns(
            time_s=t, lat=v[:, 0], lon=v[:, 1], alt=v[:, 2], source="camm 5"
        )
    return out
