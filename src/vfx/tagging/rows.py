"""The tags of images derived from frames, without the telemetry readers.

:func:`tags_from_row` gives a frame's tags from its ``frames.csv`` row (images made from a
folder of extracted frames carry the frame's UTC time, position and source on, without reading
the video again), and :func:`span_tags` the tags of one image made from many frames (a
composite, background or contact sheet: no single time or place); :func:`gpano_tags` the
360 tags of a still, and ``GPS_COLUMNS`` the columns the metadata stage adds to frames.csv.
Kept apart from :mod:`vfx.tagging.tagger` so that the effects, which need only these, do not
load the telemetry readers (5 ms of a composite's start).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from vfx.errors import ParameterError
from vfx.io.exif import ImageTags

if TYPE_CHECKING:
    from vfx.telemetry.orientation import Orientation
    from vfx.telemetry.track import Projection

__all__ = [
    "GPS_COLUMNS",
    "ORIENTATION_COLUMNS",
    "finite_number",
    "gpano_tags",
    "parse_start_time",
    "span_tags",
    "tags_from_row",
]


def parse_start_time(text: str) -> datetime:
    """An ISO 8601 time (``2019-05-06T18:15:07.4Z``, ``...+02:00``); no zone means UTC."""
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ParameterError(
            f"start time {text!r} is not ISO 8601 (e.g. 2024-05-01T10:00:00Z)"
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def finite_number(text: object) -> float | None:
    """A table cell as a finite float, or ``None`` (empty, not a number, NaN, infinite)."""
    try:
        value = float(str(text))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _number(row: dict[str, str], key: str) -> float | None:
    return finite_number(row.get(key) or "nan")


def tags_from_row(row: dict[str, str], width: int, height: int) -> ImageTags:
    """The tags of an image derived from a frame, from that frame's ``frames.csv`` row.

    Masks and clean figures made from a folder of extracted frames carry the frame's UTC time,
    position and source on, without reading the video again.
    """
    tags = ImageTags(width=width, height=height)
    when = row.get("datetime_utc")
    if when:
        try:
            tags.datetime_original = parse_start_time(when)
        except ParameterError:
            tags.datetime_original = None
    tags.lat, tags.lon = _number(row, "lat"), _number(row, "lon")
    if tags.lat is None or tags.lon is None:
        tags.lat = tags.lon = None
    else:
        tags.alt, tags.speed = _number(row, "alt"), _number(row, "speed")
        tags.alt_datum = (row.get("alt_datum") or None) if tags.alt is not None else None
        tags.track = tags.heading = _number(row, "heading")
        tags.gps_time = tags.datetime_original
    vfx_xmp: dict[str, object] = {}
    if row.get("source"):
        vfx_xmp["SourceVideo"] = row["source"]
    if row.get("frame_index"):
        vfx_xmp["FrameIndex"] = row["frame_index"]
    if row.get("time_s"):
        vfx_xmp["FrameTime"] = row["time_s"]
    if vfx_xmp:
        tags.xmp = {"dc": {"source": row.get("source", "")}, "vfx": vfx_xmp}
    return tags


def _iso_utc(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def span_tags(
    first: ImageTags,
    last: ImageTags,
    count: int,
    width: int,
    height: int,
    *,
    first_time_s: float | None = None,
    last_time_s: float | None = None,
) -> ImageTags:
    """The tags of one image made from ``count`` frames (a composite, background or sheet).

    ``first`` and ``last`` are the tags of the first and last frame used. An image made from
    many frames is no photograph of one place or instant: it carries no EXIF GPS and no
    ``DateTimeOriginal`` (mapillary_tools and photo maps would otherwise take a contact sheet
    for a street photo at the first frame's position). XMP keeps the whole span:
    ``vfx:FirstExposure`` and ``vfx:LastExposure`` (UTC, ISO 8601), ``vfx:ExposureCount``,
    the frames' times in the video (``vfx:FirstFrameTime``, ``vfx:LastFrameTime``, seconds)
    and the source. An image made from one frame keeps that frame's time and place.
    """
    one = count == 1 and first.datetime_original == last.datetime_original
    tags = ImageTags(make=first.make, model=first.model, width=width, height=height)
    if one:
        tags = replace(first, width=width, height=height, xmp={})
    span: dict[str, object] = {"ExposureCount": count}
    if first.datetime_original is not None:
        span["FirstExposure"] = _iso_utc(first.datetime_original)
    if last.datetime_original is not None:
        span["LastExposure"] = _iso_utc(last.datetime_original)
    if first_time_s is not None:
        span["FirstFrameTime"] = f"{first_time_s:.6f}"
    if last_time_s is not None:
        span["LastFrameTime"] = f"{last_time_s:.6f}"
    first_vfx = first.xmp.get("vfx", {})
    for key in ("SourceVideo", "TimeSource"):
        if key in first_vfx:
            span[key] = first_vfx[key]
    tags.xmp = {"vfx": span}
    source = first.xmp.get("dc", {}).get("source")
    if source:
        tags.xmp["dc"] = {"source": source}
    return tags


#: Columns the stage adds to frames.csv (orientation columns only when known).
GPS_COLUMNS = (
    "datetime_utc",
    "lat",
    "lon",
    "alt",
    "alt_datum",
    "alt_ellipsoid",
    "speed",
    "heading",
    "course",
    "gps_gap_s",
    "gps_flag",
    "sequence",
)


ORIENTATION_COLUMNS = ("yaw", "pitch", "roll")


def gpano_tags(
    projection: Projection,
    orientation: Orientation | None,
    width: int,
    heading: float | None,
    pose: dict[str, object],
) -> dict[str, object]:
    """The XMP-GPano tags of a ``width``-pixel still of an equirectangular video.

    Sizes scale from the video's ``projection`` to the still. The pose heading is the camera
    direction (course over ground plus the camera angle): no reader gives an orientation
    referenced to north (GoPro's CORI turns relative to the first frame, and the CAMM spec
    leaves its world frame to the application). Pitch and roll (from ``pose``) are written
    only when the ``orientation`` is against the world.
    """
    p = projection
    scale = width / p.crop_width if p.crop_width else 1.0
    gpano: dict[str, object] = {
        "UsePanoramaViewer": True,
        "ProjectionType": "equirectangular",
        "FullPanoWidthPixels": round(p.full_width * scale),
        "FullPanoHeightPixels": round(p.full_height * scale),
        "CroppedAreaImageWidthPixels": round(p.crop_width * scale),
        "CroppedAreaImageHeightPixels": round(p.crop_height * scale),
        "CroppedAreaLeftPixels": round(p.crop_left * scale),
        "CroppedAreaTopPixels": round(p.crop_top * scale),
    }
    if heading is not None:
        gpano["PoseHeadingDegrees"] = round(heading, 2)
    if orientation is not None and orientation.frame == "camera to world" and "Pitch" in pose:
        gpano["PosePitchDegrees"] = pose["Pitch"]
        gpano["PoseRollDegrees"] = pose["Roll"]
    return gpano
