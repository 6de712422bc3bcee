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
        heading=123.4,
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
    assert t["GPS:GPSImgDirection"] == pytest.approx(123.4) and t["GPS:GPSTrackRef"] == "T"
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
