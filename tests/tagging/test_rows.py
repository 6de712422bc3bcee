"""Tags of images derived from frames: from ``frames.csv`` rows, and spans of many frames."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vfx.errors import ParameterError
from vfx.io.exif import ImageTags
from vfx.tagging.rows import parse_start_time, span_tags, tags_from_row

ROW = {
    "file": "dance_000050.tiff",
    "source": "dance.mp4",
    "frame_index": "50",
    "time_s": "2.000000",
    "datetime_utc": "2024-05-01T10:00:02.000Z",
    "lat": "48.8583700",
    "lon": "2.2944810",
    "alt": "35.5",
    "speed": "1.25",
    "heading": "270.0",
}


def test_parse_start_time_reads_zones_and_assumes_utc() -> None:
    assert parse_start_time("2024-06-01T12:00:00+02:00") == datetime(2024, 6, 1, 10, tzinfo=UTC)
    assert parse_start_time("2024-06-01T10:00:00") == datetime(2024, 6, 1, 10, tzinfo=UTC)
    with pytest.raises(ParameterError, match="ISO 8601"):
        parse_start_time("yesterday")


def test_a_row_gives_time_place_and_source() -> None:
    tags = tags_from_row(ROW, 1920, 1080)
    assert tags.datetime_original == datetime(2024, 5, 1, 10, 0, 2, tzinfo=UTC)
    assert tags.gps_time == tags.datetime_original
    assert (tags.lat, tags.lon, tags.alt, tags.speed) == (48.85837, 2.294481, 35.5, 1.25)
    assert tags.heading == tags.track == 270.0
    assert (tags.width, tags.height) == (1920, 1080)
    assert tags.xmp == {
        "dc": {"source": "dance.mp4"},
        "vfx": {"SourceVideo": "dance.mp4", "FrameIndex": "50", "FrameTime": "2.000000"},
    }


def test_a_row_without_a_full_position_gives_none() -> None:
    # A latitude without a longitude (or "nan", as frames.csv writes a missing fix) is no place.
    for row in ({**ROW, "lon": ""}, {**ROW, "lat": "nan"}, {**ROW, "lon": "east"}):
        tags = tags_from_row(row, 8, 8)
        assert tags.lat is None and tags.lon is None and tags.alt is None
    assert tags_from_row({**ROW, "datetime_utc": "soon"}, 8, 8).datetime_original is None
    assert tags_from_row({}, 8, 8).empty


def test_a_span_has_no_single_time_or_place_and_keeps_both_times() -> None:
    first = tags_from_row(ROW, 8, 8)
    last = tags_from_row({**ROW, "datetime_utc": "2024-05-01T10:00:09.5Z", "lat": "1"}, 8, 8)
    tags = span_tags(first, last, 4, 640, 360, first_time_s=2.0, last_time_s=9.5)
    assert first.lat is not None and first.datetime_original is not None
    assert tags.datetime_original is None and tags.gps_time is None
    assert (tags.lat, tags.lon, tags.alt, tags.heading) == (None, None, None, None)
    assert (tags.width, tags.height) == (640, 360)
    assert tags.xmp == {
        "vfx": {
            "ExposureCount": 4,
            "FirstExposure": "2024-05-01T10:00:02.000Z",
            "LastExposure": "2024-05-01T10:00:09.500Z",
            "FirstFrameTime": "2.000000",
            "LastFrameTime": "9.500000",
            "SourceVideo": "dance.mp4",
        },
        "dc": {"source": "dance.mp4"},
    }


def test_a_span_of_untagged_frames_has_only_its_count() -> None:
    tags = span_tags(ImageTags(), ImageTags(), 24, 8, 8)
    assert tags.exif_empty
    assert tags.xmp == {"vfx": {"ExposureCount": 24}}


def test_a_span_of_one_frame_keeps_its_time_and_place() -> None:
    first = tags_from_row(ROW, 8, 8)
    tags = span_tags(first, first, 1, 640, 360, first_time_s=2.0, last_time_s=2.0)
    assert tags.datetime_original == first.datetime_original
    assert (tags.lat, tags.lon) == (first.lat, first.lon)
    assert tags.xmp["vfx"]["ExposureCount"] == 1
