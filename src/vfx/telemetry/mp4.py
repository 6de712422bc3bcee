"""The MP4/QuickTime box walker, kept importable here: it lives in :mod:`vfx.io.mp4` (all file
IO is in :mod:`vfx.io`, and ``io`` imports nothing from ``telemetry``)."""

from vfx.io.mp4 import (
    MAX_DEPTH,
    Box,
    MovieHeader,
    Mp4File,
    Sample,
    SampleTable,
    TrackSummary,
    iter_boxes,
    list_tracks,
    read_payload,
)

__all__ = [
    "MAX_DEPTH",
    "Box",
    "MovieHeader",
    "Mp4File",
    "Sample",
    "SampleTable",
    "TrackSummary",
    "iter_boxes",
    "list_tracks",
    "read_payload",
]
