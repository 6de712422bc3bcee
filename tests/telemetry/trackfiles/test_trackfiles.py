"""Every track format vfx reads gives the same track; hostile files are refused in one line."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from trackfiles import (
    nmea_sentence,
    sample_points,
    write_exiftool_csv,
    write_fit,
    write_gpx,
    write_kml,
    write_nmea,
)
from vfx.errors import TelemetryError
from vfx.telemetry.trackfiles import common as trackfile
from vfx.telemetry.trackfiles import read_track, track_format

WRITERS = {
    "gpx": (write_gpx, "t.gpx", {}),
    "nmea": (write_nmea, "t.nmea", {}),
    "fit": (write_fit, "t.fit", {}),
    "kml": (write_kml, "t.kml", {}),
    "kmz": (write_kml, "t.kmz", {"kmz": True}),
    "csv": (write_exiftool_csv, "t.csv", {}),
    "csv-printed": (write_exiftool_csv, "p.csv", {"printed": True}),
}


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_every_format_gives_the_written_track(tmp_path: Path, kind: str) -> None:
    write, name, kwargs = WRITERS[kind]
    points = sample_points()
    track = read_track(write(tmp_path / name, points, **kwargs))
    assert len(track) == len(points)
    # crossing midnight UTC: NMEA's GGA and RMC dates and FIT's epoch both hold
    want_utc = [p[0].timestamp() for p in points]
    assert track.utc_s == pytest.approx(want_utc, abs=1e-3)
    # NMEA writes ddmm.mmmm (1e-4 minutes = 0.2 m); the others write the value itself
    tol = 2e-6 if kind in ("nmea", "csv-printed") else 1e-7
    assert track.lat == pytest.approx([p[1] for p in points], abs=tol)
    assert track.lon == pytest.approx([p[2] for p in points], abs=tol)
    assert track.alt == pytest.approx([p[3] for p in points], abs=0.2)
    if kind in ("nmea", "fit", "csv", "csv-printed"):
        assert track.speed == pytest.approx([p[4] for p in points], abs=1e-3)
    assert track.source.endswith(name)


def test_format_from_content_when_the_suffix_says_nothing(tmp_path: Path) -> None:
    points = sample_points()
    for kind in ("gpx", "nmea", "fit", "kml"):
        write, _, kwargs = WRITERS[kind]
        path = write(tmp_path / f"track_{kind}.dat", points, **kwargs)
        assert track_format(path) == kind
        assert len(read_track(path)) == len(points)


def test_nmea_southern_western_and_gga_only(tmp_path: Path) -> None:
    points = [(p[0], -p[1], -p[2], p[3], p[4]) for p in sample_points()]
    track = read_track(write_nmea(tmp_path / "sw.nmea", points))
    assert track.lat == pytest.approx([p[1] for p in points], abs=2e-6)
    assert track.lon == pytest.approx([p[2] for p in points], abs=2e-6)
    with pytest.raises(TelemetryError, match="without a date: GGA needs RMC or ZDA"):
        read_track(write_nmea(tmp_path / "gga.nmea", sample_points(), gga_only=True))


def test_nmea_bad_checksums_are_skipped_not_trusted(tmp_path: Path) -> None:
    path = write_nmea(tmp_path / "t.nmea", sample_points())
    lines = path.read_text().splitlines()
    lines[0] = lines[0].replace("45", "46", 1)  # the checksum no longer matches
    path.write_text("\n".join(lines))
    track = read_track(path)
    assert np.all(track.lat < 45.01)


def _entity_bomb(tag: str) -> str:
    return (
        '<?xml version="1.0"?><!DOCTYPE k [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f"<{tag}>&b;</{tag}>"
    )


def _truncated_fit(path: Path) -> Path:
    data = write_fit(path, sample_points()).read_bytes()
    path.write_bytes(data[:-7])
    return path


def _altered_fit(path: Path) -> Path:
    data = bytearray(write_fit(path, sample_points()).read_bytes())
    data[30] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _late_doctype(tag: str, encoding: str = "utf-8") -> Callable[[Path], object]:
    """70 kB of comment before a DOCTYPE whose entity would put every point at latitude 12.5
    (a check of the first bytes let it through)."""

    def write(path: Path) -> None:
        text = (
            f'<?xml version="1.0" encoding="{encoding}"?><!--{"x" * 70_000}-->'
            f'<!DOCTYPE {tag} [<!ENTITY lat "12.5">]>'
        )
        if tag == "gpx":
            text += (
                '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
                '<trkpt lat="&lat;" lon="1"><time>2024-05-01T10:00:00Z</time></trkpt>'
                '<trkpt lat="&lat;" lon="1.001"><time>2024-05-01T10:00:01Z</time></trkpt>'
                "</trkseg></trk></gpx>"
            )
        else:
            text += (
                '<kml xmlns="http://www.opengis.net/kml/2.2" '
                'xmlns:gx="http://www.google.com/kml/ext/2.2"><Document><Placemark><gx:Track>'
                "<when>2024-05-01T10:00:00Z</when><when>2024-05-01T10:00:01Z</when>"
                "<gx:coord>1 &lat; 0</gx:coord><gx:coord>1.001 &lat; 0</gx:coord>"
                "</gx:Track></Placemark></Document></kml>"
            )
        path.write_bytes(text.encode(encoding))

    return write


HOSTILE = {
    "gpx late doctype": ("t.gpx", _late_doctype("gpx"), "DOCTYPE"),
    "kml late doctype": ("t.kml", _late_doctype("kml"), "DOCTYPE"),
    "kml utf-16 doctype": ("t.kml", _late_doctype("kml", "utf-16"), "DOCTYPE"),
    "gpx entities": ("t.gpx", lambda p: p.write_text(_entity_bomb("gpx")), "DOCTYPE"),
    "kml entities": ("t.kml", lambda p: p.write_text(_entity_bomb("kml")), "DOCTYPE"),
    "nmea binary": ("t.nmea", lambda p: p.write_bytes(bytes(range(256)) * 40), "not an NMEA"),
    "fit cut": ("t.fit", _truncated_fit, "not a readable FIT"),
    "fit altered": ("t.fit", _altered_fit, "not a readable FIT"),
    "csv no columns": ("t.csv", lambda p: p.write_text("a,b\n1,2\n"), "needs a time column"),
    "csv huge field": (
        "t.csv",
        lambda p: p.write_text("time,lat,lon\n" + '"' + "9" * 200_000 + '",1,2\n'),
        "not a readable CSV",
    ),
    "kmz not zip": ("t.kmz", lambda p: p.write_bytes(b"PK\x03\x04garbage"), "KML"),
    "unknown": ("t.bin", lambda p: p.write_bytes(b"\x00\x01\x02"), "not a track file"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_track_files_are_refused_in_one_line(tmp_path: Path, case: str) -> None:
    name, make, reason = HOSTILE[case]
    path = tmp_path / name
    make(path)
    with pytest.raises(TelemetryError, match=reason) as info:
        read_track(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_a_kmz_bomb_under_the_size_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    """200 MiB of ``<a/>`` packed into about 200 kB took 4.9 GB and 46 s before "no timed
    track points"; a document unpacking to 100 times its packed size is refused at once."""
    bomb = tmp_path / "bomb.kmz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("doc.kml", "<kml>" + "<a/>" * (50 * 1024 * 1024) + "</kml>")
    assert bomb.stat().st_size < 400_000
    with pytest.raises(TelemetryError, match=r"unpacks to \d+ bytes from \d+, more than allowed"):
        read_track(bomb)


def test_oversized_files_and_kmz_bombs_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trackfile, "MAX_TRACK_BYTES", 10_000)
    from vfx.telemetry.trackfiles import kml

    monkeypatch.setattr(kml, "MAX_TRACK_BYTES", 10_000)
    big = write_nmea(tmp_path / "big.nmea", sample_points(200))
    with pytest.raises(TelemetryError, match="larger than"):
        read_track(big)
    bomb = tmp_path / "bomb.kmz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", "<kml>" + " " * 1_000_000 + "</kml>")
    assert bomb.stat().st_size < 10_000
    with pytest.raises(TelemetryError, match="unpacks to"):
        read_track(bomb)


def test_one_bad_row_costs_that_row_not_the_track(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An NMEA latitude 'ab12.345' or time '996199', a CSV latitude '.', a FIT timestamp below
    0x10000000 (a device's own clock): each killed the whole track with an internal error."""
    good = write_nmea(tmp_path / "g.nmea", sample_points(4)).read_text().splitlines()
    bad = [
        nmea_sentence("GPRMC,000000.50,A,ab12.345,N,00700.000,E,1.0,0.0,020524,,,A"),
        nmea_sentence("GPRMC,996199,A,4500.100,N,00700.000,E,1.0,0.0,020524,,,A"),
    ]
    nmea = tmp_path / "mixed.nmea"
    nmea.write_text("\n".join(good[:4] + bad + good[4:]) + "\n")
    assert len(read_track(nmea)) == 4
    assert "mixed.nmea: 2 sentences with unreadable fields skipped (line 5" in caplog.text

    csv = write_exiftool_csv(tmp_path / "t.csv", sample_points(3))
    lines = csv.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    cells[header.index(next(h for h in header if "Latitude" in h and "Ref" not in h))] = "."
    lines[2] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n")
    assert len(read_track(csv)) == 2
    assert "t.csv: 1 rows with an unreadable position skipped (line 3)" in caplog.text

    from trackfiles import _FIT_EPOCH

    points = sample_points(3)
    points[1] = (_FIT_EPOCH + timedelta(seconds=100), *points[1][1:])
    assert len(read_track(write_fit(tmp_path / "t.fit", points))) == 2


def test_an_encrypted_or_unknown_method_kmz_is_one_line(tmp_path: Path) -> None:
    """zipfile raises RuntimeError for an encrypted member and NotImplementedError for a
    compression method it lacks (method 6, 'implode'): each was an internal error."""
    plain = tmp_path / "plain.kmz"
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_STORED) as z:
        z.writestr("doc.kml", "<kml></kml>")
    data = bytearray(plain.read_bytes())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    encrypted, imploded = bytearray(data), bytearray(data)
    for at in (local + 6, central + 8):  # general purpose flags: bit 0, encrypted
        encrypted[at] |= 1
    for at in (local + 8, central + 10):  # compression method 6
        imploded[at : at + 2] = (6).to_bytes(2, "little")
    for name, content in (("enc.kmz", encrypted), ("imp.kmz", imploded)):
        path = tmp_path / name
        path.write_bytes(bytes(content))
        with pytest.raises(TelemetryError, match="not a readable KMZ file") as info:
            read_track(path)
        assert str(path) in str(info.value) and "\n" not in str(info.value)
