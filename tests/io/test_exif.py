"""Tags written into TIFF, PNG and JPEG bytes, read back by exiftool; pixels untouched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from conftest import exif
from vfx.io.exif import ImageTags, embed_tags
from vfx.io.images import encode_image, read_image, write_image

pytestmark = pytest.mark.tools

WHEN = datetime(2019, 5, 6, 18, 15, 7, 395000, tzinfo=UTC)


def _tags() -> ImageTags:
    return ImageTags(
        datetime_original=WHEN,
        make="GoPro",
        model="HERO7 Black",
        lat=33.1268403,
        lon=-117.3274043,
        alt=-19.468,
        speed=1.61,
        track=123.4,
        heading=271.25,
        gps_time=WHEN,
        width=40,
        height=30,
        xmp={
            "dc": {"source": "dance & co.mp4"},
            "vfx": {"FrameIndex": 7, "FrameTime": "0.280000"},
            "GPano": {"ProjectionType": "equirectangular", "FullPanoWidthPixels": 40},
        },
    )


@pytest.mark.parametrize("fmt", ["tiff", "png", "jpg"])
def test_tags_read_back(tmp_path: Path, fmt: str) -> None:
    image = np.random.default_rng(1).integers(0, 255, (30, 40, 3), dtype=np.uint8)
    path = tmp_path / f"t.{fmt}"
    write_image(path, image, tags=_tags())
    t = exif(path)
    assert t["ExifIFD:DateTimeOriginal"] == "2019:05:06 18:15:07"
    assert str(t["ExifIFD:SubSecTimeOriginal"]) == "395"
    assert t["ExifIFD:OffsetTimeOriginal"] == "+00:00"
    assert t["Composite:GPSLatitude"] == pytest.approx(33.1268403, abs=1e-7)
    assert t["Composite:GPSLongitude"] == pytest.approx(-117.3274043, abs=1e-7)
    assert t["Composite:GPSAltitude"] == pytest.approx(-19.468, abs=1e-3)
    assert t["GPS:GPSSpeed"] == pytest.approx(1.61 * 3.6, abs=1e-3) and t["GPS:GPSSpeedRef"] == "K"
    # two different values, so that swapped tags cannot pass
    assert t["GPS:GPSTrack"] == pytest.approx(123.4) and t["GPS:GPSTrackRef"] == "T"
    assert t["GPS:GPSImgDirection"] == pytest.approx(271.25) and t["GPS:GPSImgDirectionRef"] == "T"
    assert t["Composite:GPSDateTime"] == "2019:05:06 18:15:07.395Z"
    assert t["IFD0:Make"] == "GoPro" and t["IFD0:Model"] == "HERO7 Black"
    assert t["XMP-dc:Source"] == "dance & co.mp4"
    assert t["XMP-vfx:FrameIndex"] == 7
    assert t["XMP-GPano:ProjectionType"] == "equirectangular"
    if fmt != "jpg":
        assert np.array_equal(read_image(path), image)


def test_tiff_stays_valid_for_other_readers(tmp_path: Path) -> None:
    image = np.arange(30 * 40 * 3, dtype=np.uint16).reshape(30, 40, 3)
    data = embed_tags(encode_image(image, "tiff"), "tiff", _tags())
    path = tmp_path / "t.tiff"
    path.write_bytes(data)
    assert np.array_equal(read_image(path), image)
    t = exif(path, "-validate", "-warning")
    # exiftool only notes the non-baseline compression (deflate) and optional tags
    warnings = [w for w in str(t.get("ExifTool:Warning", "")).split("\n") if w]
    assert not any("offset" in w.lower() or "bad" in w.lower() for w in warnings), warnings


def test_southern_western_and_local_offset(tmp_path: Path) -> None:
    local = datetime(2024, 1, 2, 3, 4, 5, 60000, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))
    tags = ImageTags(datetime_original=local, lat=-33.5, lon=-70.25, alt=5.0)
    path = tmp_path / "s.png"
    write_image(path, np.zeros((4, 4, 3), np.uint8), tags=tags)
    t = exif(path)
    assert (
        t["ExifIFD:OffsetTimeOriginal"] == "-03:30"
        and str(t["ExifIFD:SubSecTimeOriginal"]) == "060"
    )
    assert t["Composite:GPSLatitude"] == pytest.approx(-33.5) and t["GPS:GPSLatitudeRef"] == "S"
    assert t["Composite:GPSLongitude"] == pytest.approx(-70.25)


def test_no_tags_leaves_bytes_alone() -> None:
    data = encode_image(np.zeros((4, 4, 3), np.uint8), "png")
    assert embed_tags(data, "png", ImageTags()) == data


def _full_tags() -> ImageTags:
    tags = _tags()
    tags.alt_datum = "ellipsoid"
    tags.dop = 1.5
    return tags


@pytest.mark.parametrize("fmt", ["tiff", "png", "jpg"])
def test_exiftool_validates_every_format_with_full_tags(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"v.{fmt}"
    write_image(path, np.zeros((30, 40, 3), np.uint8), tags=_full_tags())
    t = exif(path, "-validate", "-warning")
    warnings = [w for w in str(t.get("ExifTool:Warning", "")).split("\n") if w]
    if fmt == "tiff":  # deflate is not baseline TIFF: the one note accepted
        warnings = [w for w in warnings if "IFD0 tag 0x0103 Compression" not in w]
    assert warnings == [], warnings
    t = exif(path)
    assert t["GPS:GPSMapDatum"] == "WGS-84" and t["XMP-vfx:AltitudeDatum"] == "ellipsoid"


def _exif_bytes(path: Path) -> bytes:
    """The EXIF block of an image as piexif takes it: a TIFF or JPEG file, or a PNG's eXIf."""
    data = path.read_bytes()
    if path.suffix != ".png":
        return data
    at = data.index(b"eXIf") - 4
    length = int.from_bytes(data[at : at + 4], "big")
    return data[at + 8 : at + 8 + length]


@pytest.mark.parametrize("fmt", ["tiff", "png", "jpg"])
def test_piexif_and_pillow_read_and_redump(tmp_path: Path, fmt: str) -> None:
    """mapillary_tools edits tags with piexif: load, change, dump, insert."""
    piexif = pytest.importorskip("piexif")
    from PIL import Image

    path = tmp_path / f"p.{fmt}"
    write_image(path, np.zeros((30, 40, 3), np.uint8), tags=_full_tags())
    loaded = piexif.load(_exif_bytes(path))
    gps = loaded["GPS"]
    assert gps[piexif.GPSIFD.GPSLatitudeRef] == b"N" and gps[piexif.GPSIFD.GPSLongitudeRef] == b"W"
    assert loaded["Exif"][piexif.ExifIFD.DateTimeOriginal] == b"2019:05:06 18:15:07"
    loaded["0th"][piexif.ImageIFD.Artist] = b"mapper"
    dumped = piexif.dump(loaded)
    assert piexif.load(dumped)["0th"][piexif.ImageIFD.Artist] == b"mapper"
    if fmt == "jpg":
        out = tmp_path / "edited.jpg"
        piexif.insert(dumped, str(path), str(out))
        assert exif(out)["IFD0:Artist"] == "mapper"
    with Image.open(path) as im:
        pil = im.getexif()
        assert pil[0x010F] == "GoPro"  # Make
        assert pil.get_ifd(0x8825)[2] == (33.0, 7.0, pytest.approx(36.62508, abs=1e-5))


def _gps(tmp_path: Path, name: str, **values: object) -> dict[str, object]:
    path = tmp_path / f"{name}.png"
    write_image(path, np.zeros((4, 4, 3), np.uint8), tags=ImageTags(**values))  # type: ignore[arg-type]
    return exif(path)


def test_seconds_of_a_minute_never_reach_60(tmp_path: Path) -> None:
    # 12:59:59.9997 rounds to 13:00:00.000: every time tag from the one rounded instant
    when = datetime(2024, 12, 31, 23, 59, 59, 999700, tzinfo=UTC)
    t = _gps(tmp_path, "t", datetime_original=when, gps_time=when, lat=1.0, lon=1.0)
    assert t["ExifIFD:DateTimeOriginal"] == "2025:01:01 00:00:00"
    assert str(t["ExifIFD:SubSecTimeOriginal"]) == "000"
    assert t["GPS:GPSDateStamp"] == "2025:01:01" and t["GPS:GPSTimeStamp"] == "00:00:00"
    # SubSec and GPS time agree on the same millisecond (0.123456 s -> .123 both)
    when = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
    t = _gps(tmp_path, "u", datetime_original=when, gps_time=when, lat=1.0, lon=1.0)
    assert str(t["ExifIFD:SubSecTimeOriginal"]) == "123"
    assert t["Composite:GPSDateTime"] == "2024:05:01 10:00:00.123Z"


def test_arc_seconds_never_reach_60(tmp_path: Path) -> None:
    from vfx.io.exif import _dms

    assert _dms(10.99999999999) == [(11, 1), (0, 1), (0, 1_000_000)]
    assert _dms(45 + 59 / 60 + 59.9999999 / 3600) == [(46, 1), (0, 1), (0, 1_000_000)]
    assert _dms(-0.5) == [(0, 1), (30, 1), (0, 1_000_000)]
    t = _gps(tmp_path, "d", lat=10.99999999999, lon=-(59 / 60 + 59.9999 / 3600))
    assert t["GPS:GPSLatitude"] == pytest.approx(11.0, abs=1e-9)
    assert t["Composite:GPSLongitude"] == pytest.approx(-(59 / 60 + 59.9999 / 3600), abs=1e-9)


def test_bad_readings_are_left_out_never_a_crash(tmp_path: Path) -> None:
    t = _gps(tmp_path, "n", lat=45.0, lon=7.0, alt=float("nan"), speed=-1.0, dop=-2.0)
    assert t["Composite:GPSLatitude"] == pytest.approx(45.0)
    assert "GPS:GPSAltitude" not in t and "GPS:GPSSpeed" not in t and "GPS:GPSDOP" not in t
    t = _gps(tmp_path, "m", lat=float("nan"), lon=7.0, alt=3.0, make="X")
    assert "GPS:GPSLatitude" not in t and "GPS:GPSAltitude" not in t and t["IFD0:Make"] == "X"
    t = _gps(tmp_path, "o", lat=91.0, lon=7.0, heading=float("inf"), make="X")
    assert "GPS:GPSLatitude" not in t
    tags, dropped = ImageTags(lat=45.0, lon=7.0, speed=-3.0, track=float("nan")).sanitized()
    assert sorted(dropped) == ["speed", "track"] and tags.speed is None and tags.lat == 45.0


def test_a_jpeg_xmp_packet_over_64_kb_is_a_clear_error(tmp_path: Path) -> None:
    from vfx.errors import OutputError

    big = ImageTags(xmp={"dc": {"description": "x" * 70_000}})
    with pytest.raises(OutputError, match="XMP packet too large for a JPEG segment"):
        write_image(tmp_path / "big.jpg", np.zeros((4, 4, 3), np.uint8), tags=big)
    assert not (tmp_path / "big.jpg").exists()


@pytest.mark.parametrize("fmt", ["tiff", "png", "jpg"])
def test_any_text_gives_valid_tags(tmp_path: Path, fmt: str) -> None:
    """Names, GPX fields and recipe strings reach the tags: whatever their characters
    (controls, surrogates from non-UTF-8 file names, non-ASCII), the XMP stays well-formed and
    exiftool reads every tag without an error."""
    import xml.etree.ElementTree as ET

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from vfx.io.exif import xmp_packet

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(text=st.text(min_size=1, max_size=40))
    def check(text: str) -> None:
        tags = ImageTags(
            make=text,
            model=text[::-1],
            datetime_original=WHEN,
            xmp={"dc": {"source": text}, "vfx": {"SourceVideo": text + "\udce9"}},
        )
        ET.fromstring(xmp_packet(tags.xmp).decode("utf-8").split("?>", 1)[1].rsplit("<?", 1)[0])
        path = tmp_path / f"t.{fmt}"
        write_image(path, np.zeros((4, 4, 3), np.uint8), tags=tags)
        t = exif(path)
        assert "ExifTool:Error" not in t and "ExifTool:Warning" not in t, t
        assert isinstance(t.get("IFD0:Make", ""), str | int | float)
        assert "XMP-dc:Source" in t or not text.strip()

    check()
