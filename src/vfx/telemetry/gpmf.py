"""GoPro GPMF: the KLV metadata format in the ``gpmd`` track of GoPro videos.

Each entry is a four-character key, a one-byte type, a one-byte structure size and a two-byte
repeat count (big-endian), then ``size * repeat`` bytes padded to a multiple of 4. Type 0 nests
more entries (``DEVC`` devices holding ``STRM`` streams). Inside a stream, ``SCAL``, ``TYPE``,
``GPSU``, ``GPSF``, ``GPSP``, ``UNIT``, ``ORIN`` and friends are "sticky": they describe the data
entries that follow them. Reference: https://github.com/gopro/gpmf-parser (README).

What vfx reads: GPS5 and GPS9 (with fix and precision), ``GPSU`` UTC stamps, ACCL, GYRO, GRAV,
MAGN, and the CORI/IORI orientation quaternions.
"""

from __future__ import annotations

import logging
import statistics
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from vfx.errors import TelemetryError
from vfx.io.mp4 import Sample
from vfx.telemetry.orientation import Orientation, Series
from vfx.telemetry.track import Clock, GpsTrack

__all__ = ["GpmfReading", "Klv", "parse_klv", "read_gpmf", "values"]

log = logging.getLogger("vfx")

MAX_DEPTH = 16
_SIMPLE = {
    "b": "b",
    "B": "B",
    "s": "h",
    "S": "H",
    "l": "i",
    "L": "I",
    "j": "q",
    "J": "Q",
    "f": "f",
    "d": "d",
    "q": "I",  # Q15.16 fixed point
    "Q": "Q",  # Q31.32 fixed point
}
_TEXT = {"c", "U", "F", "G"}
_STICKY = {"SCAL", "TYPE", "GPSU", "GPSF", "GPSP", "GPSA", "UNIT", "SIUN", "STNM", "ORIN", "ORIO"}


@dataclass(frozen=True)
class Klv:
    """One GPMF entry: a leaf with its raw bytes, or a nest with its children."""

    key: str
    type: str
    size: int
    repeat: int
    data: bytes = b""
    children: tuple[Klv, ...] = ()

    @property
    def nested(self) -> bool:
        return self.type == "\x00"

    def text(self) -> str:
        """A ``c``/``U``/``F`` entry as text, NULs stripped."""
        return self.data.split(b"\x00", 1)[0].decode("latin-1").strip()


def parse_klv(
    data: bytes, *, path: str | Path = "<gpmf>", depth: int = 0, start: int = 0
) -> list[Klv]:
    """Parse a GPMF payload into entries; raises TelemetryError on any malformed entry."""
    if depth > MAX_DEPTH:
        raise TelemetryError(f"GPMF nested deeper than {MAX_DEPTH} levels", path=path)
    out: list[Klv] = []
    pos = 0
    end = len(data)
    while pos + 8 <= end:
        key_raw, type_raw, size, repeat = struct.unpack_from(">4scBH", data, pos)
        if key_raw == b"\x00\x00\x00\x00":
            break  # padding at the end of a payload
        if not all(0x20 <= c < 0x7F for c in key_raw):
            raise TelemetryError(
                f"GPMF entry at byte {start + pos} has an invalid key {key_raw!r}", path=path
            )
        length = size * repeat
        body = pos + 8
        if body + length > end:
            raise TelemetryError(
                f"GPMF entry '{key_raw.decode()}' at byte {start + pos} runs past its parent",
                path=path,
            )
        key, kind = key_raw.decode("ascii"), type_raw.decode("latin-1")
        chunk = data[body : body + length]
        if kind == "\x00":
            kids = tuple(parse_klv(chunk, path=path, depth=depth + 1, start=start + body))
            out.append(Klv(key, kind, size, repeat, b"", kids))
        else:
            out.append(Klv(key, kind, size, repeat, chunk))
        pos = body + ((length + 3) & ~3)
    return out


def _struct_format(kind: str, size: int, type_def: str | None) -> tuple[str, int]:
    """A struct format for one record of ``size`` bytes, and the number of fields."""
    if kind == "?":
        if not type_def:
            raise ValueError("complex GPMF entry without a TYPE")
        fmt = "".join(_SIMPLE.get(c, "") for c in type_def)
        if len(fmt) != len(type_def) or struct.calcsize(">" + fmt) != size:
            raise ValueError(f"TYPE {type_def!r} does not fit a {size}-byte record")
        return ">" + fmt, len(fmt)
    code = _SIMPLE[kind]
    width = struct.calcsize(code)
    if size % width:
        raise ValueError(f"record of {size} bytes is not a whole number of '{kind}'")
    return ">" + code * (size // width), size // width


def values(
    klv: Klv, *, scale: Iterable[float] | None = None, type_def: str | None = None
) -> np.ndarray:
    """A numeric leaf as a float64 array of shape ``(repeat, fields)``, divided by ``SCAL``.

    ``SCAL`` holds one divisor for every field or one per field, as the GPMF spec says. Q15.16
    and Q31.32 fixed-point values are converted to real numbers.
    """
    fmt, fields = _struct_format(klv.type, klv.size, type_def)
    rows = np.array(list(struct.iter_unpack(fmt, klv.data)), dtype=np.float64)
    rows = rows.reshape(klv.repeat, fields)
    if klv.type == "q":
        rows /= 65536.0
    elif klv.type == "Q":
        rows /= 4294967296.0
    if scale is not None:
        div = np.asarray(list(scale), dtype=np.float64)
        if div.size not in (1, fields) or np.any(div == 0):
            raise ValueError(f"SCAL of {div.size} values for {fields} fields")
        rows = rows / (div if div.size == fields else div[0])
    return rows


def parse_gpsu(text: str) -> datetime:
    """``yymmddhhmmss.sss`` (UTC) to an aware datetime."""
    base = datetime.strptime(text[:12], "%y%m%d%H%M%S").replace(tzinfo=UTC)
    frac = text[12:]
    return base + timedelta(seconds=float(frac) if frac.strip(".") else 0.0)


@dataclass
class _Chunk:
    """One data entry of one stream within one sample, with its sticky context."""

    key: str
    values: np.ndarray
    time_s: float
    duration_s: float
    sticky: dict[str, Klv]


@dataclass
class GpmfReading:
    """What :func:`read_gpmf` found: tracks and series on the movie timeline."""

    device: str | None = None
    gps: GpsTrack | None = None
    clock: Clock | None = None
    orientation: Orientation | None = None
    series: dict[str, Series] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def model(self) -> str | None:
        """The camera model the first device (``DVNM``) names; HERO5 and older cameras
        call themselves just "Camera", which names no model."""
        return self.device if self.device and self.device != "Camera" else None


def _stream_chunks(
    entries: list[Klv], sample: Sample, path: str | Path, devices: list[str]
) -> list[_Chunk]:
    chunks = []
    for devc in entries:
        if devc.key != "DEVC" or not devc.nested:
            continue
        for item in devc.children:
            if item.key == "DVNM" and item.type == "c":
                devices.append(item.text())
            if item.key != "STRM" or not item.nested:
                continue
            sticky: dict[str, Klv] = {}
            for entry in item.children:
                if entry.key in _STICKY:
                    sticky[entry.key] = entry
                    continue
                if entry.key not in _WANTED or entry.nested or entry.repeat == 0:
                    continue
                scal = sticky.get("SCAL")
                type_def = sticky["TYPE"].text() if "TYPE" in sticky else None
                try:
                    scale = values(scal).reshape(-1) if scal is not None else None
                    vals = values(entry, scale=scale, type_def=type_def)
                except (ValueError, KeyError, struct.error) as exc:
                    raise TelemetryError(
                        f"GPMF {entry.key} in sample {sample.index}: {exc}", path=path
                    ) from exc
                chunks.append(
                    _Chunk(entry.key, vals, sample.time_s, sample.duration_s, dict(sticky))
                )
    return chunks


_WANTED = {
    "GPS5",
    "GPS9",
    "ACCL",
    "GYRO",
    "GRAV",
    "MAGN",
    "CORI",
    "IORI",
    # GoPro Karma's flight controller (MAVLink messages): position, attitude, system time.
    "GLPI",
    "ATTD",
    "SYST",
}
_SERIES = {
    "ACCL": ("accel", "m/s2", ("x", "y", "z")),
    "GYRO": ("gyro", "rad/s", ("x", "y", "z")),
    "GRAV": ("gravity", "g", ("x", "y", "z")),
    "MAGN": ("magnetometer", "uT", ("x", "y", "z")),
    "IORI": ("image_orientation", "", ("w", "x", "y", "z")),
}


def _spread(chunk: _Chunk) -> np.ndarray:
    """Times of the records of a chunk: spread evenly over its sample's duration."""
    n = chunk.values.shape[0]
    return chunk.time_s + np.arange(n) * (chunk.duration_s / n if n else 0.0)


def read_gpmf(payloads: Iterable[tuple[Sample, bytes]], *, path: str | Path) -> GpmfReading:
    """Decode every GPMF sample of a track into GPS, orientation and sensor series.

    Each record gets its own time by spreading a sample's records evenly over the sample's
    duration. The UTC anchor is the median over samples of ``GPSU - sample time`` (the first
    stamp is often stale), so one wrong stamp cannot shift the whole track.
    """
    devices: list[str] = []
    by_key: dict[str, list[_Chunk]] = {}
    for sample, data in payloads:
        entries = parse_klv(data, path=path, start=sample.offset)
        for chunk in _stream_chunks(entries, sample, path, devices):
            by_key.setdefault(chunk.key, []).append(chunk)
    out = GpmfReading(device=devices[0] if devices else None)
    _read_gps(by_key, out)
    for key, (name, unit, columns) in _SERIES.items():
        chunks = by_key.get(key, [])
        if chunks:
            width = len(columns)
            vals = np.concatenate(
                [c.values[:, :width] for c in chunks if c.values.shape[1] >= width]
            )
            times = np.concatenate([_spread(c) for c in chunks if c.values.shape[1] >= width])
            unit = _unit(chunks[0].sticky) or unit
            out.series[name] = Series(name, unit, times, vals, columns)
    cori = by_key.get("CORI", [])
    if cori:
        quats = np.concatenate([c.values[:, :4] for c in cori])
        norms = np.linalg.norm(quats, axis=1, keepdims=True)
        quats = quats / np.where(norms > 0, norms, 1)
        times = np.concatenate([_spread(c) for c in cori])
        out.orientation = Orientation(times, quats, "gpmf CORI", "relative to the first frame")
    return out


def _unit(sticky: dict[str, Klv]) -> str | None:
    unit = sticky.get("SIUN") or sticky.get("UNIT")
    return unit.text() if unit is not None and unit.size * unit.repeat <= 16 else None


def _read_gps(by_key: dict[str, list[_Chunk]], out: GpmfReading) -> None:
    if by_key.get("GPS9"):
        _read_gps9(by_key["GPS9"], out)
    elif by_key.get("GPS5"):
        _read_gps5(by_key["GPS5"], out)
    elif by_key.get("GLPI"):
        _read_glpi(by_key, out)


def _boot_anchor(chunks: list[_Chunk]) -> float:
    """Seconds to add to a flight controller's boot-clock time to place it on the movie
    timeline: the median over samples of the sample's time less its first record's."""
    return float(statistics.median(c.time_s - float(c.values[0, 0]) for c in chunks))


def _read_glpi(by_key: dict[str, list[_Chunk]], out: GpmfReading) -> None:
    """GoPro Karma: ``GLPI`` (MAVLink GLOBAL_POSITION_INT: boot time, lat, lon, alt, relative
    alt, vx, vy, vz, heading) stamped on the controller's boot clock, which ``SYST`` (boot
    time, UNIX time) ties to UTC. Each fix keeps its own time, as exiftool's GPSDateTime does,
    instead of being spread over its sample."""
    chunks = [c for c in by_key["GLPI"] if c.values.shape[1] >= 9 and len(c.values)]
    if not chunks:
        return
    vals = np.concatenate([c.values for c in chunks])
    boot = vals[:, 0]
    time_s = boot + _boot_anchor(chunks)
    utc = None
    syst = [c.values for c in by_key.get("SYST", []) if c.values.shape[1] >= 2]
    if syst:
        pairs = np.concatenate(syst)
        good = np.isfinite(pairs).all(axis=1) & (pairs[:, 1] > 0)
        if good.any():
            boot_to_utc = float(np.median(pairs[good, 1] - pairs[good, 0]))
            utc = boot + boot_to_utc
            out.clock = Clock(
                float(np.median(utc - time_s)),
                "gps",
                f"Karma system time (SYST) over {int(good.sum())} stamps",
            )
    out.gps = GpsTrack.from_columns(
        time_s=time_s,
        utc_s=utc,
        lat=vals[:, 1],
        lon=vals[:, 2],
        alt=vals[:, 3],
        speed=np.hypot(vals[:, 5], vals[:, 6]),
        source="gpmf GLPI",
    )
    attd = [c for c in by_key.get("ATTD", []) if c.values.shape[1] >= 4 and len(c.values)]
    if attd:
        att = np.concatenate([c.values for c in attd])
        out.series["attitude"] = Series(
            "attitude",
            "rad",
            att[:, 0] + _boot_anchor(attd),
            att[:, 1:4],
            ("roll", "pitch", "yaw"),
        )


def _first_value(klv: Klv | None, out: GpmfReading) -> float | None:
    """A sticky entry's first number (GPS fix, DOP); None, with a note, when it is unreadable."""
    if klv is None:
        return None
    try:
        return float(values(klv)[0, 0])
    except (ValueError, KeyError, IndexError, struct.error) as exc:
        note = f"unreadable GPMF {klv.key} ({exc}); taken as unknown"
        if note not in out.notes:
            out.notes.append(note)
        return None


def _read_gps5(chunks: list[_Chunk], out: GpmfReading) -> None:
    cols: dict[str, list[np.ndarray]] = {
        k: [] for k in ("t", "lat", "lon", "alt", "spd", "fix", "dop")
    }
    anchors: list[float] = []
    unfixed: list[float] = []
    for c in chunks:
        t = _spread(c)
        n = t.size
        cols["t"].append(t)
        cols["lat"].append(c.values[:, 0])
        cols["lon"].append(c.values[:, 1])
        cols["alt"].append(c.values[:, 2])
        cols["spd"].append(c.values[:, 3])
        fix = _first_value(c.sticky.get("GPSF"), out)
        dop = _first_value(c.sticky.get("GPSP"), out)
        cols["fix"].append(np.full(n, -1 if fix is None else int(fix)))
        cols["dop"].append(np.full(n, np.nan if dop is None else dop / 100.0))
        stamp = c.sticky.get("GPSU")
        if stamp is not None:
            try:
                anchor = parse_gpsu(stamp.text()).timestamp() - c.time_s
            except ValueError:
                out.notes.append(f"unreadable GPSU {stamp.text()!r}")
            else:
                locked = fix is None or fix >= 2
                (anchors if locked else unfixed).append(anchor)
    time_s = np.concatenate(cols["t"])
    if not anchors and unfixed:
        out.notes.append("GPS time taken from packets without a position fix")
    clock = out.clock = _robust_clock(anchors or unfixed, out)
    utc = time_s + clock.offset_s if clock else None
    out.gps = GpsTrack.from_columns(
        time_s=time_s,
        utc_s=utc,
        lat=np.concatenate(cols["lat"]),
        lon=np.concatenate(cols["lon"]),
        alt=np.concatenate(cols["alt"]),
        speed=np.concatenate(cols["spd"]),
        fix=np.concatenate(cols["fix"]),
        dop=np.concatenate(cols["dop"]),
        source="gpmf GPS5",
    )


def _read_gps9(chunks: list[_Chunk], out: GpmfReading) -> None:
    # GPS9: lat, lon, alt, 2D speed, 3D speed, days since 2000, seconds since midnight, DOP, fix
    vals = np.concatenate([c.values for c in chunks if c.values.shape[1] >= 9])
    time_s = np.concatenate([_spread(c) for c in chunks if c.values.shape[1] >= 9])
    epoch2000 = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
    utc = epoch2000 + vals[:, 5] * 86400.0 + vals[:, 6]
    fix = vals[:, 8].astype(np.int64)
    good = fix >= 2
    out.clock = _robust_clock(list((utc - time_s)[good]), out) if good.any() else None
    out.gps = GpsTrack.from_columns(
        time_s=time_s,
        utc_s=np.where(good, utc, np.nan),
        lat=vals[:, 0],
        lon=vals[:, 1],
        alt=vals[:, 2],
        speed=vals[:, 3],
        fix=fix,
        dop=vals[:, 7],
        source="gpmf GPS9",
    )


def _robust_clock(anchors: list[float], out: GpmfReading) -> Clock | None:
    if not anchors:
        return None
    offset = statistics.median(anchors)
    spread = max(abs(a - offset) for a in anchors)
    if spread > 2.0:
        out.notes.append(
            f"GPS time stamps disagree by up to {spread:.1f} s; using the median of "
            f"{len(anchors)} packets"
        )
    return Clock(offset, "gps", f"median of {len(anchors)} GPS time stamps")
