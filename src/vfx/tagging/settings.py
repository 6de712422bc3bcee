"""What the metadata stage is asked to do: :class:`MetadataOptions`, built once by the CLI or
the recipe loader and checked when it is made, and the :class:`SequenceChain` that carries a
street-level sequence from one input of a run to the next."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from vfx.errors import ParameterError
from vfx.params import check
from vfx.tagging.sequences import (
    HEADING_MODES,
    SequenceCarry,
)

__all__ = [
    "TIME_SOURCES",
    "MetadataOptions",
    "SequenceChain",
]


TIME_SOURCES = ("auto", "gps", "creation", "manual")


@dataclass
class SequenceChain:
    """Where the last sequence of the previous input ended, shared by the inputs of one run
    (``vfx frames GX01*.MP4``: a ride split over chapters goes on as one sequence when the
    gap allows). The CLI makes one per command; the library's default is none."""

    carry: SequenceCarry | None = None


@dataclass(frozen=True)
class MetadataOptions:
    """Choices for the metadata stage (the CLI's ``--time-source``, ``--track``, ... options).

    Attributes
    ----------
    enabled
        False writes images without any tags (``--no-metadata``).
    time_source
        ``auto`` (GPS, else the creation time), ``gps``, ``creation`` or ``manual``
        (``start_time`` is the UTC time of the video's first instant).
    offset_s
        Seconds added to the chosen clock (for a camera clock known to be off).
    track
        An external track file (GPX, NMEA, FIT, KML/KMZ, CSV) used for positions instead of
        the embedded one; ``gpx`` is the older name of the same.
    max_gap_s
        Frames further than this from every track point get no position.
    min_distance_m, min_angle_deg
        A frame within ``min_distance_m`` of the previous kept frame of its sequence and
        within ``min_angle_deg`` of its direction is a duplicate, as mapillary_tools judges
        (its defaults, 0.1 m and 5 degrees); 0 m disables the check.
    drop_duplicates
        Do not write duplicates at all (by default they are written and flagged
        ``duplicate`` in frames.csv).
    require_position
        Write only frames that get a position (a mapping upload needs one on every image).
    camera_angle_deg
        Added to the direction of travel for the camera's direction (a side camera +90,
        a rear one 180).
    heading
        Where the camera direction (``GPSImgDirection``) comes from: ``track`` (course over
        ground), ``next`` (towards the next image) or ``none``.
    split_time_s, split_distance_m, max_sequence
        A new sequence starts after a longer time or distance between frames, or when a
        sequence holds that many images (mapillary_tools' 60 s, 100 m, 1000).
    make, model
        The camera's Make and Model, over what the file says (``--camera-make``,
        ``--camera-model``).
    chain
        Carries sequences from one input to the next (see :class:`SequenceChain`).
    """

    enabled: bool = True
    time_source: str = "auto"
    start_time: datetime | None = None
    offset_s: float = 0.0
    track: Path | None = None
    max_gap_s: float = 5.0
    min_distance_m: float = 0.1
    min_angle_deg: float = 5.0
    drop_duplicates: bool = False
    require_position: bool = False
    camera_angle_deg: float = 0.0
    heading: str = "track"
    split_time_s: float = 60.0
    split_distance_m: float = 100.0
    max_sequence: int = 1000
    max_dop: float = 5.0
    max_speed: float = 100.0
    make: str | None = None
    model: str | None = None
    gpx: Path | None = None
    chain: SequenceChain | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.gpx is not None:
            if self.track is not None and Path(self.track) != Path(self.gpx):
                raise ParameterError("give one of --track and --gpx")
            object.__setattr__(self, "track", Path(self.gpx))
        if self.time_source not in TIME_SOURCES:
            raise ParameterError(
                f"time source must be one of {', '.join(TIME_SOURCES)}, got {self.time_source!r}"
            )
        if self.time_source == "manual" and self.start_time is None:
            raise ParameterError("--time-source manual needs --start-time")
        if self.start_time is not None and self.time_source not in ("manual", "auto"):
            raise ParameterError("--start-time goes with --time-source manual")
        if self.heading not in HEADING_MODES:
            raise ParameterError(
                f"heading must be one of {', '.join(HEADING_MODES)}, got {self.heading!r}"
            )
        # the ranges of vfx.params, as the CLI and the recipe loader check them
        for name in (
            "max_gap_s",
            "min_distance_m",
            "min_angle_deg",
            "max_dop",
            "max_speed",
            "split_time_s",
            "split_distance_m",
            "offset_s",
            "camera_angle_deg",
        ):
            check(name, float(getattr(self, name)))
        if not isinstance(self.max_sequence, int):
            raise ParameterError(f"max_sequence must be a whole number, got {self.max_sequence}")
        check("max_sequence", self.max_sequence)
