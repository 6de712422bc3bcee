"""A video's clocks: which one dates its frames (:func:`choose_clock`), and the container's
creation time against the GPS time of the same video (:func:`check_creation_time`: GoPro
writes its local clock there), for ``vfx info``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from vfx.errors import MetadataError, TelemetryError
from vfx.tagging.settings import MetadataOptions
from vfx.telemetry.track import Clock, Telemetry, utc_datetime

__all__ = [
    "DISAGREEMENT_S",
    "ClockCheck",
    "check_creation_time",
    "choose_clock",
    "signed_duration",
]

log = logging.getLogger("vfx")

#: Creation time and GPS time further apart than this are reported.
DISAGREEMENT_S = 5.0


@dataclass(frozen=True)
class ClockCheck:
    """The container's creation time against the GPS clock of the same video."""

    gps_start: datetime
    creation_minus_gps_s: float

    @property
    def creation_is_utc(self) -> bool:
        """False when they differ by more than :data:`DISAGREEMENT_S`: the creation time is
        then the camera's own clock (often local time), not UTC."""
        return abs(self.creation_minus_gps_s) <= DISAGREEMENT_S

    def describe(self) -> str:
        if self.creation_is_utc:
            return "agrees with GPS time"
        return (
            f"camera clock, not UTC: {signed_duration(self.creation_minus_gps_s)} from GPS time "
            f"{self.gps_start.strftime('%Y-%m-%d %H:%M:%S')} UTC"
        )


def check_creation_time(video: str | Path, created: datetime | None) -> ClockCheck | None:
    """Compare ``created`` (the container's creation time) with the video's GPS clock;
    ``None`` when either is missing or the telemetry cannot be read."""
    from vfx.telemetry.read import read_telemetry

    if created is None:
        return None
    try:
        telemetry = read_telemetry(video, fallback=False)
    except TelemetryError:
        return None
    if telemetry.clock is None or telemetry.clock.source != "gps":
        return None
    return ClockCheck(
        utc_datetime(telemetry.clock.offset_s),
        created.timestamp() - telemetry.clock.offset_s,
    )


def signed_duration(seconds: float) -> str:
    """``+7 h 01 min 39.4 s``: a clock difference as a person reads it."""
    sign = "-" if seconds < 0 else "+"
    s = abs(seconds)
    hours, rem = divmod(s, 3600)
    minutes, secs = divmod(rem, 60)
    return f"{sign}{int(hours)} h {int(minutes):02d} min {secs:04.1f} s"


def choose_clock(
    telemetry: Telemetry, options: MetadataOptions, video: Path
) -> tuple[Clock | None, str | None]:
    """The clock that dates ``video``'s frames (``utc = time + offset``), and a warning when
    the creation time disagrees with the GPS time by more than :data:`DISAGREEMENT_S`.

    ``manual`` (a start time) wins; ``gps`` and ``creation`` take that clock or fail;
    ``auto`` takes GPS time, else the creation time, else none. ``options.offset_s`` is
    added to whichever is chosen.

    Raises
    ------
    MetadataError
        When the chosen source is not in the video.
    """
    gps, created = telemetry.clock, telemetry.creation_utc
    warning = None
    clock: Clock | None
    if options.time_source == "manual" or (options.start_time is not None):
        assert options.start_time is not None
        clock = Clock(options.start_time.timestamp(), "manual", "--start-time")
    elif options.time_source == "gps":
        if gps is None:
            raise MetadataError("no GPS time in the telemetry (--time-source gps)", path=video)
        clock = gps
    elif options.time_source == "creation":
        if created is None:
            raise MetadataError("the video has no creation time", path=video)
        clock = Clock(created.timestamp(), "creation", "container creation time")
    elif gps is not None:
        clock = gps
        if created is not None:
            gap = created.timestamp() - gps.offset_s
            if abs(gap) > DISAGREEMENT_S:
                gps_start = utc_datetime(gps.offset_s).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
                warning = (
                    f"creation time {created.strftime('%Y-%m-%d %H:%M:%S')} disagrees with "
                    f"GPS time {gps_start} UTC by {signed_duration(gap)}; using GPS time"
                )
    elif created is not None:
        clock = Clock(created.timestamp(), "creation", "container creation time")
        log.info(
            "%s: no GPS time; using the creation time, which cameras often write in local "
            "time (check it, or give --offset)",
            video,
        )
    else:
        clock = None
        log.info("%s: no GPS or creation time: images get no DateTimeOriginal", video)
    if clock is not None and options.offset_s:
        clock = Clock(clock.offset_s + options.offset_s, clock.source, clock.detail + " + offset")
    return clock, warning
