"""``vfx pose``: the body (and, when asked, the hands) of the one person in a video, tracked
offline with MediaPipe's models, as data, a skeleton video and pictures.

:func:`track_poses` streams one :class:`PoseFrame` per frame read (a generator: memory does not
grow with the video); :func:`write_pose` makes the files from one decoding pass:

* ``csv``: ``<stem>_pose.csv``, per frame: index, time, and for every landmark x and y in
  pixels, z, visibility and presence, plus the world coordinates in metres; with hands, each
  hand's 21 landmarks and its certainty. A frame where nobody is found is a row of empty values.
* ``video``: ``<stem>_pose.mp4``, the video with the skeleton drawn (H.264, the source's size
  and frame rate, one frame per frame read).
* ``trails``: ``<stem>_pose_trails.png``, the paths of chosen joints over the average frame,
  coloured by time, with a colour bar.
* ``speed``: ``<stem>_pose_speed.csv`` and ``.png``, the speed of every joint and body part
  in pixels/s and m/s (world coordinates: relative to the hips' centre), between consecutive
  frames read, at the later frame's time, as ``vfx motion`` stamps its quantity of motion.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from vfx.errors import DecodeError, ParameterError
from vfx.io.files import prepare_output_dir
from vfx.io.plot import draw_series, draw_trails
from vfx.io.table import CsvStream, format_seconds
from vfx.io.video.containers import DEFAULT_MAX_PIXELS
from vfx.io.video.panorama import open_video
from vfx.io.video.reader import VideoReader
from vfx.io.video.writer import VideoWriter
from vfx.jobs.recording import note_files
from vfx.jobs.trackers import Body, BodyTracker, Hand, HandTracker
from vfx.ops.dtypes import to_uint8
from vfx.ops.sampling import ranks_between
from vfx.ops.skeleton import BODY_LANDMARKS, BODY_PARTS, HAND_LANDMARKS, draw_skeleton, speeds
from vfx.ops.stack import Mean
from vfx.params import check, check_outputs
from vfx.workers import available_cores

__all__ = [
    "POSE_OUTPUTS",
    "TRAIL_JOINTS",
    "PoseFrame",
    "PoseResult",
    "pose_columns",
    "speed_columns",
    "track_poses",
    "write_pose",
]

log = logging.getLogger("vfx")

#: What ``vfx pose`` can write; all by default.
POSE_OUTPUTS = ("csv", "video", "trails", "speed")
#: The joints whose paths the trails picture draws by default.
TRAIL_JOINTS = ("nose", "left_wrist", "right_wrist", "left_ankle", "right_ankle")
_SIDES = ("left", "right")


@dataclass(frozen=True)
class PoseFrame:
    """One frame read: its index and exact time, the body (None where nobody was found) and
    the hands found (only when hands were asked for)."""

    index: int
    time: Fraction
    body: Body | None
    hands: tuple[Hand, ...] = ()

    def hand(self, side: str) -> Hand | None:
        """The person's ``side`` (``"left"``/``"right"``) hand, the surest if two claim it."""
        found = [h for h in self.hands if h.side == side]
        return max(found, key=lambda h: h.score) if found else None


@dataclass
class PoseResult:
    """What :func:`write_pose` wrote, by output name, and how often a person was found."""

    video: Path
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    frames: int = 0
    found: int = 0
    hands_found: int = 0

    def _repr_html_(self) -> str:
        """Its pictures and figures, in a notebook."""
        from vfx.io.display import files_html

        facts = [("frames", str(self.frames)), ("a person found in", str(self.found))]
        return files_html(f"vfx pose: {self.video.name}", self.files, CAPTIONS, facts)


def pose_columns(hands: bool = False) -> list[str]:
    """The header of ``<stem>_pose.csv``."""
    cols = ["frame_index", "time_s", "score"]
    for name in BODY_LANDMARKS:
        cols += [f"{name}_x_px", f"{name}_y_px", f"{name}_z", f"{name}_visibility",
                 f"{name}_presence"]  # fmt: skip
    for name in BODY_LANDMARKS:
        cols += [f"{name}_x_m", f"{name}_y_m", f"{name}_z_m"]
    if hands:
        for side in _SIDES:
            cols.append(f"{side}_hand_score")
            for name in HAND_LANDMARKS:
                cols += [f"{side}_hand_{name}_x_px", f"{side}_hand_{name}_y_px",
                         f"{side}_hand_{name}_z"]  # fmt: skip
    return cols


def speed_columns() -> list[str]:
    """The header of ``<stem>_pose_speed.csv``."""
    cols = ["frame_index", "time_s"]
    cols += [f"{part}_px_s" for part in BODY_PARTS] + [f"{part}_m_s" for part in BODY_PARTS]
    cols += [f"{name}_px_s" for name in BODY_LANDMARKS]
    cols += [f"{name}_m_s" for name in BODY_LANDMARKS]
    return cols


def _number(value: float, digits: int) -> str:
    return "" if not np.isfinite(value) else f"{value:.{digits}f}"


def _pose_row(frame: PoseFrame, hands: bool) -> list[str]:
    row = [str(frame.index), format_seconds(frame.time)]
    body = frame.body
    if body is None:
        row += [""] * (1 + 33 * 8)
    else:
        row.append(_number(body.score, 4))
        for mark in body.landmarks:
            row += [_number(mark[0], 2), _number(mark[1], 2), _number(mark[2], 2),
                    _number(mark[3], 4), _number(mark[4], 4)]  # fmt: skip
        for point in body.world:
            row += [_number(v, 4) for v in point]
    if hands:
        for side in _SIDES:
            hand = frame.hand(side)
            if hand is None:
                row += [""] * (1 + 21 * 3)
            else:
                row.append(_number(hand.score, 4))
                for mark in hand.landmarks:
                    row += [_number(mark[0], 2), _number(mark[1], 2), _number(mark[2], 2)]
    return row


def _check_options(outputs: Iterable[str], stride: int, joints: Iterable[str]) -> set[str]:
    wanted = check_outputs(outputs, POSE_OUTPUTS)
    check("every_n", stride)
    bad = [j for j in joints if j not in BODY_LANDMARKS]
    if bad:
        raise ParameterError(
            f"unknown joint {bad[0]!r}; joints are BlazePose's: {', '.join(BODY_LANDMARKS)}"
        )
    return wanted


def _trackers(
    hands: bool, smooth: bool, threads: int | None
) -> tuple[BodyTracker, HandTracker | None]:
    """The trackers, their models loaded (a missing model fails here, before any output)."""
    threads = threads or available_cores()
    body = BodyTracker(threads=threads, smooth=smooth)
    return body, HandTracker(threads=threads) if hands else None


def _tracked(
    reader: VideoReader,
    ranks: np.ndarray,
    trackers: tuple[BodyTracker, HandTracker | None],
) -> Iterator[tuple[np.ndarray, PoseFrame]]:
    """Each frame of ``ranks`` as 8-bit RGB, with its pose."""
    body, hand = trackers
    for frame in reader.frames(ranks=ranks.tolist()):
        image = frame.image if frame.image.dtype == np.uint8 else to_uint8(frame.image)
        found = body(image, frame.time_s)
        found_hands = tuple(hand(image, frame.time_s)) if hand is not None else ()
        yield image, PoseFrame(frame.index, frame.time, found, found_hands)


def track_poses(
    video: str | Path,
    *,
    start_s: float = 0.0,
    end_s: float | None = None,
    stride: int = 1,
    hands: bool = False,
    smooth: bool = True,
    threads: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Iterator[PoseFrame]:
    """The pose of every ``stride``-th frame of ``video`` between ``start_s`` and ``end_s``
    (exclusive), in order, one :class:`PoseFrame` at a time.

    ``threads`` is the models' thread count (default: the cores this process may use).
    ``smooth=False`` skips MediaPipe's One Euro
    smoothing between frames. The video's rotation is applied before tracking, so landmarks
    are in the upright picture's pixels.

    Raises
    ------
    ModelError
        When a model file is missing or damaged (``vfx models install`` installs them).
    """
    check("every_n", stride)
    trackers = _trackers(hands, smooth, threads)
    with open_video(video, max_pixels=max_pixels, threads=None) as reader:
        ranks = ranks_between(reader.index.times_s(), start_s, end_s)[::stride]
        for _, found in _tracked(reader, ranks, trackers):
            yield found


def write_pose(
    video: str | Path,
    out_dir: str | Path | None = None,
    *,
    outputs: Iterable[str] = POSE_OUTPUTS,
    start_s: float = 0.0,
    end_s: float | None = None,
    stride: int = 1,
    hands: bool = False,
    smooth: bool = True,
    joints: Iterable[str] = TRAIL_JOINTS,
    threads: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: Callable[[int, int | None], None] | None = None,
) -> PoseResult:
    """Track the person in ``video`` and write the ``outputs`` into ``out_dir`` (default
    ``./<stem>_pose``); see the module's description for each file.

    Parameters
    ----------
    start_s, end_s
        Time range (``end_s`` exclusive).
    stride
        Read every N-th frame of the range (the skeleton video then plays at the rate of
        the frames read).
    hands
        Also track up to two hands (MediaPipe Hands); their columns join the CSV.
    joints
        The joints the trails picture follows (BlazePose's names).
    threads
        The models' thread count (default: the cores this process may use; two model
        threads track 1.4 times as fast as one on a two-core machine).

    Raises
    ------
    DecodeError
        When no frame decodes in the range.
    ModelError
        When a model file is missing or damaged.
    """
    joints = tuple(joints)
    wanted = _check_options(outputs, stride, joints)
    video = Path(video)
    trackers = _trackers(hands, smooth, threads)
    with open_video(video, max_pixels=max_pixels, threads=None) as reader:
        ranks = ranks_between(reader.index.times_s(), start_s, end_s)[::stride]
        if ranks.size == 0:
            raise DecodeError("no frame in the chosen time range", path=video)
        out = prepare_output_dir(out_dir or Path.cwd() / f"{video.stem}_pose")
        fps = reader.stream.average_rate or reader.stream.guessed_rate or Fraction(25)
        tracked = _tracked(reader, ranks, trackers)
        job = _PoseJob(video, out, wanted, fps=Fraction(fps) / stride, hands=hands, joints=joints)
        try:
            for image, found in tracked:
                job.add(image, found)
                if progress:
                    progress(job.result.frames, int(ranks.size))
            if job.result.frames == 0:
                raise DecodeError("no frame could be decoded", path=video)
            job.finish()
        except BaseException:
            job.abort()
            raise
    if job.result.found == 0:
        log.warning("%s: no person found in %d frames", video, job.result.frames)
    note_files(
        "pose", job.result.files, CAPTIONS, source=video.name, start_s=start_s, end_s=end_s,
        options={"hands": hands, "stride": stride, "joints": list(joints)},
    )  # fmt: skip
    return job.result


#: What each output of ``vfx pose`` is, for the folder's contents list (vfx.json).
CAPTIONS = {
    "csv": ("Body (and hand) landmarks per frame, in pixels and metres", "table"),
    "video": ("The video with the skeleton drawn", "video"),
    "trails": ("Paths of the chosen joints, coloured by time", "picture"),
    "speed": ("Speed of each body part per frame", "table"),
    "speed_plot": ("Speed of each body part", "figure"),
}


class _PoseJob:
    """The outputs of one pose pass, fed frame by frame; published by :meth:`finish`."""

    def __init__(
        self,
        video: Path,
        out: Path,
        wanted: set[str],
        *,
        fps: Fraction,
        hands: bool,
        joints: tuple[str, ...],
    ):
        self.video, self.out, self.wanted, self.hands = video, out, wanted, hands
        stem = video.stem
        self.paths = {
            "csv": out / f"{stem}_pose.csv",
            "video": out / f"{stem}_pose.mp4",
            "trails": out / f"{stem}_pose_trails.png",
            "speed": out / f"{stem}_pose_speed.csv",
            "speed_plot": out / f"{stem}_pose_speed.png",
        }
        self.result = PoseResult(video=video, out_dir=out)
        self._tables = {
            name: CsvStream(self.paths[name], header)
            for name, header in (("csv", pose_columns(hands)), ("speed", speed_columns()))
            if name in wanted
        }
        self.writer = VideoWriter(self.paths["video"], fps=fps) if "video" in wanted else None
        self.average = Mean() if "trails" in wanted else None
        self.joints = [BODY_LANDMARKS.index(j) for j in joints]
        self.joint_names = joints
        self.trail_t: list[float] = []
        self.trail_xy: list[np.ndarray] = []
        self.previous: PoseFrame | None = None
        self.part_t: list[float] = []
        self.part_speed: dict[str, list[float]] = {part: [] for part in BODY_PARTS}

    def add(self, image: np.ndarray, found: PoseFrame) -> None:
        """One frame read (8-bit RGB) and its pose."""
        self.result.frames += 1
        self.result.found += found.body is not None
        self.result.hands_found += len(found.hands)
        if "csv" in self._tables:
            self._tables["csv"].row(_pose_row(found, self.hands))
        if self.average is not None:
            self.average.update(image)
        if "trails" in self.wanted:
            self.trail_t.append(float(found.time))
            body = found.body
            self.trail_xy.append(
                body.landmarks[self.joints, :2]
                if body is not None
                else np.full((len(self.joints), 2), np.nan)
            )
        if self.writer is not None:
            marks = found.body.landmarks if found.body is not None else None
            hands = [(h.side, h.landmarks) for h in found.hands]
            self.writer.write(draw_skeleton(image.copy(), marks, hands), copy=False)
        if "speed" in self.wanted:
            if self.previous is not None:
                self._speed(self.previous, found)
            self.previous = found

    def _speed(self, before: PoseFrame, after: PoseFrame) -> None:
        seconds = float(after.time - before.time)
        if before.body is not None and after.body is not None:
            px = speeds(before.body.landmarks[:, :2], after.body.landmarks[:, :2], seconds)
            m = speeds(before.body.world, after.body.world, seconds)
        else:
            px = m = np.full(len(BODY_LANDMARKS), np.nan)
        parts_px = [float(np.mean(px[list(ix)])) for ix in BODY_PARTS.values()]
        parts_m = [float(np.mean(m[list(ix)])) for ix in BODY_PARTS.values()]
        row = [str(after.index), format_seconds(after.time)]
        row += [_number(v, 2) for v in parts_px] + [_number(v, 4) for v in parts_m]
        row += [_number(v, 2) for v in px] + [_number(v, 4) for v in m]
        self._tables["speed"].row(row)
        self.part_t.append(float(after.time))
        for part, value in zip(BODY_PARTS, parts_px, strict=True):
            self.part_speed[part].append(value)

    def finish(self) -> None:
        for name, table in self._tables.items():
            self.result.files[name] = table.close()
        self._tables = {}
        if self.writer is not None:
            self.writer.close()
            self.result.files["video"] = self.paths["video"]
        title = self.video.name
        if self.average is not None:
            background = to_uint8(self.average.result())
            draw_trails(
                self.paths["trails"], background, np.array(self.trail_t),
                np.array(self.trail_xy).reshape(-1, len(self.joints), 2), self.joint_names,
                title=f"{title}: paths of {', '.join(self.joint_names)}",
            )  # fmt: skip
            self.result.files["trails"] = self.paths["trails"]
        if "speed" in self.wanted:
            draw_series(
                self.paths["speed_plot"], self.part_t, self.part_speed,
                ylabel="speed (pixels/s)", title=f"{title}: speed of the body's parts",
            )  # fmt: skip
            self.result.files["speed_plot"] = self.paths["speed_plot"]

    def abort(self) -> None:
        for table in self._tables.values():
            table.abort()
        self._tables = {}
        if self.writer is not None:
            self.writer.abort()
