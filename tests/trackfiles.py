"""Track files in every format vfx reads, written by the tests from one list of points.

Each writer takes ``(utc datetime, lat, lon, alt, speed m/s)`` points, so a test can check that
every format gives back the same track.
"""

from __future__ import annotations

import csv
import struct
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

Point = tuple[datetime, float, float, float, float]

T0 = datetime(2024, 5, 1, 23, 59, 58, tzinfo=UTC)


def sample_points(n: int = 6) -> list[Point]:
    """``n`` points one second apart from T0 (crossing midnight UTC), moving north-east."""
    return [
        (T0 + timedelta(seconds=i), 45.0 + 1e-4 * i, 7.0 + 2e-4 * i, 100.0 + i, 5.0 + 0.5 * i)
        for i in range(n)
    ]


def nmea_sentence(body: str) -> str:
    """``$body*XX`` with the sentence's checksum."""
    check = 0
    for ch in body:
        check ^= ord(ch)
    return f"${body}*{check:02X}"


def _ddmm(value: float, width: int) -> str:
    degrees = int(abs(value))
    minutes = (abs(value) - degrees) * 60
    return f"{degrees:0{width}d}{minutes:07.4f}"


def write_nmea(path: Path, points: list[Point], *, gga_only: bool = False) -> Path:
    """RMC + GGA pairs per point (GGA first, as many receivers send them)."""
    lines = []
    for when, lat, lon, alt, speed in points:
        hms = when.strftime("%H%M%S") + f".{when.microsecond // 10000:02d}"
        ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
        la, lo = _ddmm(lat, 2), _ddmm(lon, 3)
        lines.append(
            nmea_sentence(f"GPGGA,{hms},{la},{ns},{lo},{ew},1,08,0.9,{alt:.1f},M,46.9,M,,")
        )
        if not gga_only:
            knots = speed / (1852 / 3600)
            date = when.strftime("%d%m%y")
            lines.append(
                nmea_sentence(f"GPRMC,{hms},A,{la},{ns},{lo},{ew},{knots:.3f},45.0,{date},,,A")
            )
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


_CRC_TABLE = (
    0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
    0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
)  # fmt: skip


def fit_crc(data: bytes, crc: int = 0) -> int:
    """The FIT SDK's CRC-16."""
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            tmp = _CRC_TABLE[crc & 0xF]
            crc = (crc >> 4) & 0x0FFF
            crc ^= tmp ^ _CRC_TABLE[nibble]
    return crc


_FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)


def write_fit(path: Path, points: list[Point]) -> Path:
    """A FIT file of ``record`` messages (timestamp, position in semicircles, enhanced
    altitude and speed), with header and file CRCs, as the FIT SDK lays it out."""
    fields = [(253, 4, 0x86), (0, 4, 0x85), (1, 4, 0x85), (78, 4, 0x86), (73, 4, 0x86)]
    body = bytes([0x40, 0, 0]) + struct.pack("<HB", 20, len(fields))
    body += b"".join(bytes(f) for f in fields)
    for when, lat, lon, alt, speed in points:
        body += bytes([0x00]) + struct.pack(
            "<IiiII",
            int((when - _FIT_EPOCH).total_seconds()),
            round(lat * 2**31 / 180),
            round(lon * 2**31 / 180),
            round((alt + 500) * 5),
            round(speed * 1000),
        )
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    header += struct.pack("<H", fit_crc(header))
    data = header + body
    path.write_bytes(data + struct.pack("<H", fit_crc(data)))
    return path


def write_kml(path: Path, points: list[Point], *, kmz: bool = False) -> Path:
    whens = "".join(f"<when>{p[0].isoformat().replace('+00:00', 'Z')}</when>" for p in points)
    coords = "".join(f"<gx:coord>{p[2]} {p[1]} {p[3]}</gx:coord>" for p in points)
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">'
        f"<Document><Placemark><gx:Track>{whens}{coords}</gx:Track></Placemark></Document></kml>"
    )
    if kmz:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("doc.kml", text)
    else:
        path.write_text(text)
    return path


def write_exiftool_csv(path: Path, points: list[Point], *, printed: bool = False) -> Path:
    """As ``exiftool -csv -n`` (numbers) or without ``-n`` (exiftool's printed values)."""
    rows = [["SourceFile", "GPSDateTime", "GPSLatitude", "GPSLongitude", "GPSAltitude",
             "GPSSpeed", "GPSSpeedRef"]]  # fmt: skip
    for i, (when, lat, lon, alt, speed) in enumerate(points):
        stamp = when.strftime("%Y:%m:%d %H:%M:%S") + f".{when.microsecond // 1000:03d}Z"
        kmh = f"{speed * 3.6:.4f}"
        if printed:
            row = [stamp, _printed(lat, "NS"), _printed(lon, "EW"), f"{alt} m", kmh, "km/h"]
        else:
            row = [stamp, str(lat), str(lon), str(alt), kmh, "K"]
        rows.append([f"img{i}.jpg", *row])
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _printed(value: float, refs: str) -> str:
    v = abs(value)
    d = int(v)
    m = int((v - d) * 60)
    s = (v - d - m / 60) * 3600
    return f"{d} deg {m}' {s:.5f}\" {refs[0] if value >= 0 else refs[1]}"


def write_gpx(path: Path, points: list[Point]) -> Path:
    pts = "".join(
        f'<trkpt lat="{lat}" lon="{lon}"><ele>{alt}</ele>'
        f"<time>{when.isoformat().replace('+00:00', 'Z')}</time></trkpt>"
        for when, lat, lon, alt, _ in points
    )
    path.write_text(
        '<?xml version="1.0"?><gpx version="1.1" creator="test" '
        f'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{pts}</trkseg></trk></gpx>'
    )
    return path
