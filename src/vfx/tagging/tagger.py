"""The metadata stage: when and where each output image was taken, written into the image.

A :class:`FrameTagger` is built once per video from its telemetry (or an external GPX) and a
time source, then asked for the tags of each frame by the frame's own time:

* UTC time: ``utc = frame time + clock offset``, the clock taken from GPS (GPMF ``GPSU``, CAMM
  epoch time, exiftool's ``GPSDateTime``), the container's creation time, or a start time the
  user gives; ``--offset`` shifts any of them.
* Position, altitude and speed interpolated linearly at the frame time, heading circularly,
  using only points that pass the quality checks; frames further than ``max_gap_s`` from any
  point get no position (and a warning), never a silent nearest fix.
* 360 video gets XMP-GPano; every image gets its source video and frame time in XMP.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import numpy as np

from vfx.errors import MetadataError, TelemetryError
from vfx.io.exif import ImageTags, round_to_ms
from vfx.io.naming import source_id
from vfx.tagging.clock import choose_clock
from vfx.tagging.plan import plan_frames
from vfx.tagging.rows import GPS_COLUMNS, gpano_tags
from vfx.tagging.sequences import (
    SequenceCarry,
    sequence_id,
)
from vfx.tagging.settings import MetadataOptions
from vfx.telemetry.geoid import ALT_DATUM, GRID_NAME, Geoid, find_geoid
from vfx.telemetry.track import (
    GpsTrack,
    Projection,
    Telemetry,
    TrackInterpolator,
    utc_datetime,
)

__all__ = [
    "FrameTagger",
    "Summary",
]

log = logging.getLogger("vfx")


def _fmt(value: float, digits: int) -> str:
    return "" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


@dataclass
class Summary:
    """What the stage did, for the log, ``--json`` and the tests."""

    time_source: str | None = None
    clock_detail: str = ""
    gps_source: str | None = None
    points: int = 0
    points_used: int = 0
    point_flags: dict[str, int] = field(default_factory=dict)
    frames: int = 0
    frames_with_position: int = 0
    frames_without_position: int = 0
    #: Why frames got no position: ``before_track``, ``after_track``, ``gap`` (counts).
    position_flags: dict[str, int] = field(default_factory=dict)
    #: Readings left out of the tags because no tag can hold them, by tag (counts).
    dropped_values: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    #: Duplicates and frames without a position left unwritten (``drop_duplicates``,
    #: ``require_position``).
    dropped_duplicates: int = 0
    dropped_without_position: int = 0
    #: Sequences the frames of this input fall into.
    sequences: int = 0
    warnings: list[str] = field(default_factory=list)


class FrameTagger:
    """Tags for each frame of one video; see the module docstring.

    Build it with :meth:`for_video`, then call :meth:`tags` per frame and :meth:`finish` on the
    rows at the end (duplicate flags and the summary).
    """

    def __init__(
        self,
        video: Path,
        telemetry: Telemetry,
        options: MetadataOptions,
        *,
        external: GpsTrack | None = None,
        video_start_s: float = 0.0,
    ):
        self.video = video
        self.telemetry = telemetry
        self.options = options
        self.video_start_s = video_start_s
        self.summary = Summary()
        self.clock, warning = choose_clock(telemetry, self.options, self.video)
        if warning:
            self._warn(warning)
        if self.clock is not None:
            self.summary.time_source = self.clock.source
            self.summary.clock_detail = self.clock.detail
        track = external if external is not None else telemetry.gps
        self.axis = "utc_s" if external is not None else "time_s"
        self._interp: TrackInterpolator | None = None
        self._usable: GpsTrack | None = None
        self._plan: dict[int, dict[str, object]] = {}
        self._alt_datum = "unknown"
        self._geoid: Geoid | None = None  # ellipsoidal heights to heights above sea level
        if track is not None and len(track):
            flags = track.quality(max_dop=options.max_dop, max_speed=options.max_speed)
            counts = Counter(f for f in flags if f)
            self.summary.gps_source = track.source
            self.summary.points = len(track)
            self.summary.points_used = int((flags == "").sum())
            self.summary.point_flags = dict(counts)
            if counts:
                detail = ", ".join(
                    f"{n} {why.replace('_', ' ')}" for why, n in sorted(counts.items())
                )
                if self.summary.points_used == 0:
                    self._warn(f"no usable GPS: none of {len(track)} fixes ({detail})")
                else:
                    self._warn(f"{len(track)} GPS points, not used for positions: {detail}")
            usable = track.select(flags == "")
            self._alt_datum = ALT_DATUM.get(track.source, "unknown")
            if self._alt_datum == "ellipsoid":
                self._geoid = find_geoid()
                if self._geoid is None:
                    self._warn(
                        f"no EGM96 geoid grid ({GRID_NAME}: apt-get install proj-data); "
                        "altitudes stay heights above the WGS 84 ellipsoid, not above sea level"
                    )
                else:
                    self._alt_datum = "EGM96"
            if self.axis == "utc_s" and self.clock is None:
                raise MetadataError(
                    "placing frames on an external track needs the video's UTC time; "
                    "give --start-time (and --time-source manual)",
                    path=video,
                )
            self._interp = usable.interpolator(self.axis)
            self._usable = usable
        self._projection = telemetry.projection
        if self._projection is not None and self._projection.type != "equirectangular":
            log.info("%s: %s projection: no GPano tags", video, self._projection.type)
            self._projection = None
        if self._projection is not None and self._projection.stereo != "mono":
            self._warn(
                f"stereo ({self._projection.stereo}) 360 video: GPano tags not written, "
                "since each image holds both eyes"
            )
            self._projection = None

    @classmethod
    def for_video(
        cls, video: str | Path, options: MetadataOptions, *, video_start_s: float = 0.0
    ) -> FrameTagger:
        """Read ``video``'s telemetry (and ``options.track``) and build the tagger."""
        from vfx.telemetry.read import read_telemetry
        from vfx.telemetry.trackfiles import read_track

        video = Path(video)
        try:
            telemetry = read_telemetry(video)
        except TelemetryError as exc:
            # The frames may still decode: tag what can be tagged and say why GPS is missing.
            log.warning("%s; images get no telemetry tags", exc)
            telemetry = Telemetry(path=video)
        external = read_track(options.track) if options.track is not None else None
        for note in telemetry.notes:
            log.warning("%s: %s", video, note)
        return cls(video, telemetry, options, external=external, video_start_s=video_start_s)

    @classmethod
    def for_reader(cls, reader: object, options: MetadataOptions | None) -> FrameTagger | None:
        """The tagger for an open :class:`~vfx.io.video.reader.VideoReader`, or ``None`` when
        ``options`` disable the stage (``None`` means the default options)."""
        options = options or MetadataOptions()
        if not options.enabled:
            return None
        idx = reader.index  # type: ignore[attr-defined]
        start = float(idx.start * idx.time_base)
        tagger = cls.for_video(reader.path, options, video_start_s=start)  # type: ignore[attr-defined]
        # A reader that makes panoramas of a multi-stream recording (GoPro MAX) knows their
        # projection; the file's own spherical metadata, if any, describes the streams.
        projection = getattr(reader, "projection", None)
        if projection == "equirectangular":
            width, height = reader.width, reader.height  # type: ignore[attr-defined]
            tagger._projection = Projection(
                "equirectangular", width, height, 0, 0, width, height, source="GoPro MAX EAC"
            )
        elif projection is not None:
            tagger._projection = None  # the raw strips are no panorama
        return tagger

    def _warn(self, message: str) -> None:
        self.summary.warnings.append(message)
        log.warning("%s: %s", self.video, message)

    # -- the plan: every frame's place, direction, sequence and duplicate flag -------------------
    def track_on_video_axis(self) -> GpsTrack | None:
        """The usable GPS points (quality checks passed), their ``time_s`` on the video
        stream's clock (the axis frame times are on), or ``None`` without a usable track."""
        track = self._usable
        if track is None or not len(track):
            return None
        if self.axis == "time_s":
            t = track.time_s - self.video_start_s
        else:
            assert self.clock is not None
            t = track.utc_s - self.clock.offset_s - self.video_start_s
        out = track.select(np.ones(len(track), dtype=bool))
        out.time_s = t
        return out

    def _fixes(self, times_s: np.ndarray) -> dict[str, np.ndarray]:
        """Position, course and gap at stream times (NaN and a flag where none)."""
        t = np.asarray(times_s, dtype=np.float64) + self.video_start_s
        if self._interp is None:
            nan = np.full(t.shape, np.nan)
            return {
                "lat": nan,
                "lon": nan,
                "alt": nan,
                "speed": nan,
                "heading": nan,
                "gap_s": nan,
                "flag": np.full(t.shape, "", dtype=object),
            }
        query = self.clock.utc_s(t) if self.axis == "utc_s" and self.clock else t
        return self._interp.at(np.asarray(query), max_gap_s=self.options.max_gap_s)

    def _utc(self, times_s: np.ndarray) -> np.ndarray | None:
        if self.clock is None:
            return None
        return np.asarray(self.clock.utc_s(np.asarray(times_s) + self.video_start_s))

    def plan(self, indices: list[int], times_s: np.ndarray) -> list[int]:
        """Decide, before any frame is decoded, where each frame is, which way the camera
        looks, which sequence it belongs to and whether it is a duplicate; returns the
        indices to write (all, unless duplicates are dropped or a position is required).

        ``times_s`` are the frames' times on the stream's clock, in the order of
        ``indices`` (ascending). :meth:`tags` then answers from the plan.
        """
        opts = self.options
        idx = np.asarray(indices, dtype=np.int64)
        times = np.asarray(times_s, dtype=np.float64)
        fix = self._fixes(times)
        lat, lon = fix["lat"], fix["lon"]
        placed = np.isfinite(lat) & np.isfinite(lon)
        course = fix["heading"]
        utc = self._utc(times)
        clock_axis = utc if utc is not None else times
        chain = opts.chain if utc is not None else None
        carry = chain.carry if chain is not None else None
        consider = placed if opts.require_position else np.ones(idx.size, dtype=bool)
        if opts.require_position:
            self.summary.dropped_without_position = int((~placed).sum())
        planned = plan_frames(clock_axis, lat, lon, course, consider, opts, carry)
        la, lo, seq, continues = planned.lat, planned.lon, planned.sequence, planned.continues
        direction, dup, kept, written = (
            planned.direction,
            planned.duplicate,
            planned.kept,
            planned.written,
        )
        self.summary.duplicates = int(dup.sum())
        if opts.drop_duplicates:
            self.summary.dropped_duplicates = int(dup.sum())
        ids: dict[int, str] = {}
        identity = source_id(self.video)
        for i in np.flatnonzero(written):
            number = int(seq[i])
            if number not in ids:
                if number == 0 and continues and carry is not None:
                    ids[number] = carry.sequence
                else:
                    ids[number] = sequence_id(identity, self.video.name, int(idx[i]))
        self.summary.sequences = len(ids)
        counted = np.flatnonzero(kept)
        if chain is not None and counted.size:
            last = int(counted[-1])
            in_last = int((seq[counted] == seq[last]).sum())
            if continues and seq[last] == 0 and carry is not None:
                in_last += carry.count
            positioned = [i for i in counted if placed[i]]
            where = positioned[-1] if positioned else last
            chain.carry = SequenceCarry(
                ids[int(seq[last])],
                float(clock_axis[last]),
                float(la[where]),
                float(lo[where]),
                in_last,
            )
        for i in np.flatnonzero(written):
            self._plan[int(idx[i])] = {
                **{k: v[i] for k, v in fix.items()},
                "course": course[i],
                "direction": direction[i],
                "duplicate": bool(dup[i]),
                "sequence": ids[int(seq[i])],
            }
        return [int(idx[i]) for i in np.flatnonzero(written)]

    # -- per frame -------------------------------------------------------------------------------
    def tags(
        self, time: Fraction, index: int, width: int, height: int
    ) -> tuple[ImageTags, dict[str, object]]:
        """The image tags and frames.csv columns for the frame at ``time`` (stream seconds)."""
        t = float(time) + self.video_start_s
        self.summary.frames += 1
        tags = ImageTags(
            make=self.options.make or self.telemetry.make,
            model=self.options.model or self.telemetry.model,
        )
        tags.width, tags.height = width, height
        columns: dict[str, object] = dict.fromkeys(GPS_COLUMNS, "")
        when = None
        if self.clock is not None:
            when = round_to_ms(utc_datetime(float(self.clock.utc_s(t))))
            tags.datetime_original = when
            columns["datetime_utc"] = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        planned = self._plan.get(index)
        if planned is None:  # a frame nobody planned: its own fix, the course as direction
            fix = {k: v[0] for k, v in self._fixes(np.array([float(time)])).items()}
            course = float(fix["heading"])
            direction = (
                (course + self.options.camera_angle_deg) % 360.0
                if self.options.heading == "track"
                else math.nan
            )
            planned = {**fix, "course": course, "direction": direction, "duplicate": False}
        if self._interp is not None:
            self._place(tags, columns, planned, when)
        if planned.get("sequence"):
            columns["sequence"] = planned["sequence"]
        xmp: dict[str, dict[str, object]] = {
            "dc": {"source": self.video.name},
            "vfx": {
                "SourceVideo": self.video.name,
                "FrameIndex": index,
                "FrameTime": f"{float(time):.6f}",
                "TimeSource": self.clock.source if self.clock else "none",
            },
        }
        if planned.get("sequence"):
            xmp["vfx"]["Sequence"] = planned["sequence"]
        if self.telemetry.orientation is not None and len(self.telemetry.orientation):
            yaw, pitch, roll = self.telemetry.orientation.euler_deg(np.array([t]))[0]
            columns.update(yaw=_fmt(yaw, 3), pitch=_fmt(pitch, 3), roll=_fmt(roll, 3))
            xmp["vfx"].update(
                OrientationSource=self.telemetry.orientation.source,
                OrientationFrame=self.telemetry.orientation.frame,
                Yaw=round(float(yaw), 3),
                Pitch=round(float(pitch), 3),
                Roll=round(float(roll), 3),
            )
        if self._projection is not None:
            xmp["GPano"] = gpano_tags(
                self._projection, self.telemetry.orientation, width, tags.heading, xmp["vfx"]
            )
        tags.xmp = xmp
        tags, dropped = tags.sanitized()
        for name in dropped:  # a negative speed or DOP, a non-finite reading: never written
            self.summary.dropped_values[name] = self.summary.dropped_values.get(name, 0) + 1
        return tags, columns

    def _place(
        self,
        tags: ImageTags,
        columns: dict[str, object],
        fix: dict[str, object],
        when: datetime | None,
    ) -> None:
        """Fill the position, direction and flag of one frame from its planned ``fix``."""
        lat, lon = float(fix["lat"]), float(fix["lon"])  # type: ignore[arg-type]
        columns["gps_gap_s"] = _fmt(float(fix["gap_s"]), 3)  # type: ignore[arg-type]
        if not (np.isfinite(lat) and np.isfinite(lon)):
            self.summary.frames_without_position += 1
            flag = str(fix["flag"]) or "no_position"
            self.summary.position_flags[flag] = self.summary.position_flags.get(flag, 0) + 1
            columns["gps_flag"] = flag
            return
        self.summary.frames_with_position += 1
        alt, speed = float(fix["alt"]), float(fix["speed"])  # type: ignore[arg-type]
        ellipsoidal = np.nan
        if self._geoid is not None and np.isfinite(alt):
            ellipsoidal, alt = alt, float(self._geoid.above_sea_level(lat, lon, alt)[0])
        course = float(fix["course"])  # type: ignore[arg-type]
        direction = float(fix["direction"])  # type: ignore[arg-type]
        tags.lat, tags.lon = lat, lon
        tags.alt = alt if np.isfinite(alt) else None
        tags.alt_datum = self._alt_datum if tags.alt is not None else None
        tags.speed = speed if np.isfinite(speed) else None
        if self.options.heading != "none":
            tags.track = course if np.isfinite(course) else None
        tags.heading = direction if np.isfinite(direction) else None
        tags.gps_time = when
        columns.update(
            lat=_fmt(lat, 7),
            lon=_fmt(lon, 7),
            alt=_fmt(alt, 3),
            alt_datum=self._alt_datum if np.isfinite(alt) else "",
            alt_ellipsoid=_fmt(ellipsoidal, 3),
            speed=_fmt(speed, 3),
            heading=_fmt(direction, 2),
            course=_fmt(course, 2),
        )
        if fix.get("duplicate"):
            columns["gps_flag"] = "duplicate"

    def finish(self, rows: list[dict[str, object]]) -> Summary:
        """Report frames without a position, readings left out and duplicates (flagged in
        the plan) in the summary and the log. ``rows`` are those written."""
        missing = self.summary.frames_without_position
        if missing:
            why = {
                "before_track": "before the GPS track starts",
                "after_track": "after the GPS track ends",
                "gap": f"more than {self.options.max_gap_s:g} s from any usable GPS point",
            }
            detail = "; ".join(
                f"{n} {why.get(flag, flag)}"
                for flag, n in sorted(self.summary.position_flags.items())
            )
            self._warn(f"{missing} of {self.summary.frames} frames got no position: {detail}")
        if self.summary.dropped_without_position:
            log.info(
                "%s: %d frames without a position not written (--require-gps)",
                self.video,
                self.summary.dropped_without_position,
            )
        if self.summary.dropped_values:
            detail = ", ".join(
                f"{n} {name}" for name, n in sorted(self.summary.dropped_values.items())
            )
            self._warn(f"readings not finite or out of range, left out of the tags: {detail}")
        if self.summary.duplicates:
            log.info(
                "%s: %d frames within %g m and %g degrees of the previous one (%s)",
                self.video,
                self.summary.duplicates,
                self.options.min_distance_m,
                self.options.min_angle_deg,
                "not written" if self.options.drop_duplicates else "flagged duplicate",
            )
        return self.summary
