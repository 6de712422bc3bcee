"""``vfx flow``: optical flow in one decoding pass, one flow computation per frame pair, shared
by every output.

:func:`flow_pairs` streams one :class:`FlowPair` per pair of consecutive frames read (a
generator: memory does not grow with the video); :func:`write_flow` makes the files:

* ``video``: ``<stem>_flow.mp4``, the flow as colour (hue the direction, brightness the
  magnitude, MGT's colours) at the source's size and rate, one frame per frame read (the
  first, which has no predecessor, is black), so it lines up with the source;
* ``sparse``: ``<stem>_flow_sparse.mp4``, feature points followed with Lucas-Kanade, with
  their tails, over the video (only when asked for);
* ``directogram``: ``<stem>_directogram.csv`` (per pair: the later frame's index and time,
  then the flow's magnitude summed per direction bin, in source pixels) and
  ``<stem>_directogram.png`` (time x direction);
* ``impacts``: ``<stem>_impacts.csv`` (per pair: the impact envelope, and 1 where an impact
  is detected) and ``<stem>_impacts.png``;
* ``picture``: ``<stem>_flow.png``, where the clip moved and which way
  (:class:`vfx.ops.opticalflow.FlowAccumulator`).

Every pair is stamped with the later frame's index and time, as ``vfx motion`` stamps its
quantity of motion, so the two tables line up row for row.

Two methods: ``farneback`` (the default), MGT's dense flow on its filtered frames, computed
for several pairs at once on a bounded pool of threads fed in order by the decoder; and
``codec``, the motion vectors the encoder stored in the stream (H.264, MPEG-4 Part 2 and
other MPEG-style codecs): block motion at decoding speed, not true flow.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from pathlib import Path

import cv2
import numpy as np

from vfx.errors import DecodeError, ParameterError
from vfx.io.files import prepare_output_dir
from vfx.io.images import write_image
from vfx.io.plot import Plotter
from vfx.io.sources import open_source
from vfx.io.table import CsvStream, format_seconds, read_frame_table
from vfx.io.video.containers import DEFAULT_MAX_PIXELS
from vfx.io.video.panorama import open_video
from vfx.io.video.prefetch import prefetch
from vfx.io.video.reader import VideoReader
from vfx.io.video.writer import VideoWriter
from vfx.jobs.recording import note_files
from vfx.ops.dtypes import to_uint8
from vfx.ops.opticalflow import (
    DIRECTIONS,
    FARNEBACK,
    FeatureTracks,
    FlowAccumulator,
    block_flow,
    dense_flow,
    detect_impacts,
    direction_centres,
    directogram,
    flow_colour,
    impact_envelope,
    prepare,
    rotate_field,
)
from vfx.ops.sampling import ranks_between
from vfx.params import check, check_outputs
from vfx.types import MotionVectors
from vfx.workers import available_cores, ordered_map

__all__ = [
    "FLOW_METHODS",
    "FLOW_OUTPUTS",
    "FlowPair",
    "FlowResult",
    "directogram_columns",
    "flow_pairs",
    "write_flow",
]

log = logging.getLogger("vfx")

#: What ``vfx flow`` can write.
FLOW_OUTPUTS = ("video", "sparse", "directogram", "impacts", "picture")
#: What each method writes unless told otherwise: the sparse video only when asked for, and
#: the flow picture by default only from the codec's vectors (Farnebäck's flow on MGT's
#: filtered frames moves wherever a flat area's noise flips the threshold, which fills the
#: picture of a still background).
DEFAULT_OUTPUTS = {
    "farneback": ("video", "directogram", "impacts"),
    "codec": ("directogram", "impacts", "picture"),
}
#: How the flow is found.
FLOW_METHODS = ("farneback", "codec")
#: Codecs whose decoder in libavcodec exports the motion vectors (``export_mvs``).
VECTOR_CODECS = frozenset(
    {"h264", "mpeg4", "h263", "h263p", "mpeg1video", "mpeg2video", "msmpeg4v2", "msmpeg4v3",
     "wmv1", "wmv2", "flv1"}
)  # fmt: skip
#: The cell of a codec's flow field, in pixels (a macroblock).
BLOCK = 16


@dataclass(frozen=True, eq=False)
class FlowPair:
    """The flow between two consecutive frames read, stamped with the later frame's
    ``index`` and ``time``.

    ``flow`` is ``(H, W, 2)`` float32, each pixel's displacement ``(dx, dy)`` in pixels of
    the frame it was computed on (``scale`` times the source's size; with the codec method,
    one cell per 16x16 block, in source pixels). ``directogram`` is the flow's magnitude
    summed per direction bin (:func:`vfx.ops.opticalflow.direction_centres`), in source pixels over
    the source's area, so that it does not depend on ``scale``.
    """

    index: int
    time: Fraction
    flow: np.ndarray
    directogram: np.ndarray

    @property
    def time_s(self) -> float:
        return float(self.time)


@dataclass
class FlowResult:
    """What :func:`write_flow` wrote, by output name, and what it found."""

    video: Path
    out_dir: Path
    method: str
    files: dict[str, Path] = field(default_factory=dict)
    pairs: int = 0
    impacts: list[float] = field(default_factory=list)

    def _repr_html_(self) -> str:
        """Its pictures and figures, in a notebook."""
        from vfx.io.display import files_html

        facts = [("frame pairs", str(self.pairs)), ("impacts", str(len(self.impacts)))]
        return files_html(f"vfx flow: {self.video.name}", self.files, CAPTIONS, facts)


def directogram_columns(bins: int = DIRECTIONS) -> list[str]:
    """The header of ``<stem>_directogram.csv``: index, time, then one column per direction
    bin, named by its centre in degrees (``deg_-178.2`` ... ``deg_178.2``)."""
    return ["frame_index", "time_s"] + [f"deg_{c:.1f}" for c in direction_centres(bins)]


def _check_options(outputs: Iterable[str], method: str, stride: int, scale: float) -> set[str]:
    wanted = check_outputs(outputs, FLOW_OUTPUTS)
    if method not in FLOW_METHODS:
        raise ParameterError(f"method must be one of {', '.join(FLOW_METHODS)}, got {method!r}")
    check("every_n", stride)
    check("flow_scale", scale)
    if method == "codec" and "sparse" in wanted:
        raise ParameterError(
            "the sparse video needs the pictures: use method='farneback' (--method farneback)"
        )
    if method == "codec" and scale != 1.0:
        raise ParameterError("--scale applies to --method farneback only")
    return wanted


# -- Farnebäck ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Step:
    """One frame read, made ready for the flow, with the frame before it."""

    index: int
    time: Fraction
    before: np.ndarray | None
    after: np.ndarray
    grey: np.ndarray
    rgb: np.ndarray


def _steps(frames: Iterable[tuple[int, Fraction, np.ndarray]], scale: float) -> Iterator[_Step]:
    """Each frame read, its grey made from RGB as OpenCV makes it (MGT's grey: the luma
    plane differs by a level or two, which the adaptive threshold turns into a different
    binary picture, and MGT's directogram then correlates at 0.67 instead of 1.0)."""
    before = None
    for index, time, image in frames:
        rgb = image if image.dtype == np.uint8 else to_uint8(image)
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        after = prepare(grey, scale=scale)
        yield _Step(index, time, before, after, grey, rgb)
        before = after


def _video_frames(
    reader: VideoReader, ranks: np.ndarray
) -> Iterator[tuple[int, Fraction, np.ndarray]]:
    for frame in reader.frames(ranks=ranks.tolist()):
        yield frame.index, frame.time, frame.image


def _compute(
    step: _Step, *, scale: float, colour: tuple[int, int] | None
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """On a pool thread: the flow of one pair, its directogram and, when asked, its colour
    picture at ``colour`` (width, height)."""
    if step.before is None:
        return None, None, None
    flow = dense_flow(step.before, step.after, FARNEBACK)
    hist = directogram(flow, weight=1.0 / scale**3)
    picture = None
    if colour is not None:
        picture = flow_colour(flow, floor=scale)
        if picture.shape[1::-1] != colour:
            picture = cv2.resize(picture, colour, interpolation=cv2.INTER_LINEAR)
    return flow, hist, picture


def _farneback(
    frames: Iterable[tuple[int, Fraction, np.ndarray]],
    size: tuple[int, int],
    *,
    scale: float,
    threads: int,
    colour: bool,
) -> Iterator[tuple[_Step, FlowPair | None, np.ndarray | None]]:
    """Each frame read, with the pair it ends (None for the first) and its colour picture
    at ``size``; the flow of several pairs computed at once on ``threads`` threads."""
    call = partial(_compute, scale=scale, colour=size if colour else None)
    results = ordered_map(
        call, _steps(frames, scale), threads=threads, ahead=2 * threads, name="vfx-flow"
    )
    for step, (flow, hist, picture) in results:
        pair = None
        if flow is not None and hist is not None:
            pair = FlowPair(step.index, step.time, flow, hist)
        yield step, pair, picture


def _upright_size(reader: VideoReader) -> tuple[int, int]:
    return (reader.height, reader.width) if reader.rotation % 180 else (reader.width, reader.height)


@dataclass
class _Input:
    """What a flow pass reads: frames as ``(index, time, RGB)``, how many, at what rate and
    size, the name its outputs take (the video's stem, the folder's name), and for a video
    its reader and the ranks of the frames read (None for a folder of images)."""

    frames: Iterator[tuple[int, Fraction, np.ndarray]]
    count: int
    fps: Fraction
    size: tuple[int, int]
    label: str
    reader: VideoReader | None = None
    ranks: np.ndarray | None = None


#: The rate assumed for a folder of images whose frames.csv gives no times.
FOLDER_RATE = Fraction(25)


def _folder_input(
    folder: Path, *, start_s: float, end_s: float | None, stride: int, max_pixels: int
) -> _Input:
    """A folder of images as frames: their ``frames.csv`` index and time where it has them
    (the rate is the median step between times), else their position at 25 per second."""
    source = open_source(folder, max_pixels=max_pixels)
    times = sorted(Fraction(r["time_s"]) for r in read_frame_table(folder) if r.get("time_s"))
    steps = np.diff(np.array([float(t) for t in times]))
    steps = steps[steps > 0]
    fps = FOLDER_RATE
    if steps.size:
        fps = Fraction(1 / float(np.median(steps))).limit_denominator(1001)

    def frames() -> Iterator[tuple[int, Fraction, np.ndarray]]:
        kept = 0
        for position, still in enumerate(source):
            time = still.time if still.time is not None else position / FOLDER_RATE
            if time < start_s or (end_s is not None and time >= end_s):
                continue
            if kept % stride == 0:
                yield still.index if still.index is not None else position, time, still.image
            kept += 1

    stream = frames()
    first = next(stream, None)
    if first is None:
        raise DecodeError("no image in the chosen time range", path=folder)
    h, w = first[2].shape[:2]
    return _Input(
        itertools.chain([first], stream), source.count // stride, fps / stride, (w, h),
        source.label,
    )  # fmt: skip


@contextmanager
def _open_input(
    path: Path,
    *,
    start_s: float,
    end_s: float | None,
    stride: int,
    max_pixels: int,
    method: str,
) -> Iterator[_Input]:
    """A video, or a folder of images (in ``frames.csv`` order, with its times when it has
    them, else at 25 per second). The codec method's decoding is all its work and gets as
    many threads as FFmpeg chooses (slice threads: see ``VideoReader.motion_vectors``);
    Farnebäck's pool keeps the cores busy, so its decoder gets one thread per megapixel."""
    if path.is_dir():
        yield _folder_input(path, start_s=start_s, end_s=end_s, stride=stride,
                            max_pixels=max_pixels)  # fmt: skip
        return
    threads = 0 if method == "codec" else None
    with open_video(path, max_pixels=max_pixels, threads=threads) as reader:
        ranks = ranks_between(reader.index.times_s(), start_s, end_s)[::stride]
        fps = reader.stream.average_rate or reader.stream.guessed_rate or Fraction(25)
        yield _Input(
            _video_frames(reader, ranks), int(ranks.size), Fraction(fps) / stride,
            _upright_size(reader), path.stem, reader, ranks,
        )  # fmt: skip


# -- codec motion vectors ----------------------------------------------------------------------


def _codec_reader(source: _Input, video: Path) -> tuple[VideoReader, np.ndarray]:
    """The video's reader, checked to carry motion vectors (``--method codec``), and the
    ranks of the frames to read."""
    reader, ranks = source.reader, source.ranks
    if reader is None or ranks is None:
        raise ParameterError(f"{video}: --method codec reads a video's stream, not images")
    codec = reader.stream.codec_context.name
    if codec not in VECTOR_CODECS:
        raise ParameterError(
            f"{video}: {codec} streams carry no motion vectors FFmpeg can export "
            "(the codec method reads H.264, MPEG-4 Part 2 and MPEG-1/2); use method='farneback' "
            "(--method farneback)"
        )
    return reader, ranks


def _anchored(records: Iterable[MotionVectors]) -> Iterator[tuple[MotionVectors, int, int]]:
    """Each frame's vectors with the frames to the nearest anchor (I or P picture) before and
    after it, in display order; B pictures wait for the anchor that follows them."""
    previous_anchor: int | None = None
    waiting: list[MotionVectors] = []
    for record in records:
        if record.pict_type == "B":
            waiting.append(record)
            continue
        for b in waiting:
            before = b.index - previous_anchor if previous_anchor is not None else 1
            yield b, max(before, 1), max(record.index - b.index, 1)
        waiting.clear()
        before = record.index - previous_anchor if previous_anchor is not None else 1
        yield record, max(before, 1), 1
        previous_anchor = record.index
    for b in waiting:
        before = b.index - previous_anchor if previous_anchor is not None else 1
        yield b, max(before, 1), 1


def _codec(reader: VideoReader, ranks: np.ndarray) -> Iterator[tuple[FlowPair, bool]]:
    """Each frame read as a pair: its block flow field from the encoder's vectors (per frame:
    divided by the frames to the reference), and whether the frame carried any. A frame
    without vectors (an intra frame) repeats the previous frame's field, so that the
    envelope does not jump at every keyframe."""
    wanted = set(ranks.tolist())
    previous: np.ndarray | None = None
    previous_hist = np.zeros(DIRECTIONS)
    # Every frame's vectors are read (the anchors' places are needed), the wanted ones kept;
    # the decoder runs ahead on its own thread while this one turns vectors into fields.
    for record, past, future in _anchored(prefetch(reader.motion_vectors(), depth=8)):
        if record.index not in wanted:
            continue
        carried = len(record.vectors) > 0
        if carried or previous is None:
            grid, area = block_flow(
                record.vectors, reader.width, reader.height, block=BLOCK, past=past,
                future=future,
            )  # fmt: skip
            grid = rotate_field(grid, record.rotation)
            area = np.rot90(area, k=record.rotation // 90) if record.rotation else area
            weight = np.minimum(area, float(BLOCK * BLOCK))
            previous_hist = directogram(grid, weight=np.ascontiguousarray(weight))
            previous = grid
        yield FlowPair(record.index, record.time, previous, previous_hist), carried


# -- the streaming call ------------------------------------------------------------------------


def flow_pairs(
    video: str | Path,
    *,
    method: str = "farneback",
    start_s: float = 0.0,
    end_s: float | None = None,
    stride: int = 1,
    scale: float = 1.0,
    threads: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Iterator[FlowPair]:
    """The flow between each pair of consecutive frames read (every ``stride``-th frame
    between ``start_s`` and ``end_s``, exclusive), in order, one :class:`FlowPair` at a time.

    ``method="farneback"`` computes MGT's dense flow at ``scale`` times the source's size on
    ``threads`` threads (default: the cores this process may use); ``"codec"`` reads the
    encoder's motion vectors (one pair per frame read after the first, block motion).

    Raises
    ------
    ParameterError
        For a codec without motion vectors with ``method="codec"``, or a bad option.
    """
    _check_options(("directogram",), method, stride, scale)
    video = Path(video)
    opened = _open_input(
        video, start_s=start_s, end_s=end_s, stride=stride, max_pixels=max_pixels, method=method
    )
    with opened as source:
        if method == "codec":
            for n, (pair, _) in enumerate(_codec(*_codec_reader(source, video))):
                if n:
                    yield pair
            return
        steps = _farneback(
            source.frames, source.size, scale=scale, threads=threads or available_cores(),
            colour=False,
        )  # fmt: skip
        for _, pair, _ in steps:
            if pair is not None:
                yield pair


def write_flow(
    video: str | Path,
    out_dir: str | Path | None = None,
    *,
    outputs: Iterable[str] | None = None,
    method: str = "farneback",
    start_s: float = 0.0,
    end_s: float | None = None,
    stride: int = 1,
    scale: float = 1.0,
    threads: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: Callable[[int, int | None], None] | None = None,
    plotter: Plotter | None = None,
) -> FlowResult:
    """Compute the flow of ``video`` once and write the ``outputs`` into ``out_dir`` (default
    ``./<stem>_flow``); see the module's description for each file. ``video`` is a video
    file or a folder of images (``frames.csv`` order and times, else 25 per second).
    ``outputs`` default: :data:`DEFAULT_OUTPUTS` of the method.

    Parameters
    ----------
    method
        ``farneback`` (MGT's dense optical flow) or ``codec`` (the stream's motion vectors).
    start_s, end_s
        Time range (``end_s`` exclusive).
    stride
        Read every N-th frame of the range; the flow is between consecutive frames read.
    scale
        Compute the flow at this fraction of the source's size (``farneback``: 0.5 is about
        four times as fast).
    threads
        Threads computing the flow (default: the cores this process may use).
    plotter
        Draws the figures (a started :class:`~vfx.io.plot.Plotter` draws them in its helper
        process, with matplotlib loaded while the frames decode); default: drawn here.

    Raises
    ------
    DecodeError
        When fewer than 2 frames decode in the range.
    ParameterError
        For a codec without motion vectors with ``method="codec"``, or a bad option.
    """
    if outputs is None:
        outputs = DEFAULT_OUTPUTS.get(method, ())
    wanted = _check_options(outputs, method, stride, scale)
    video = Path(video)
    opened = _open_input(
        video, start_s=start_s, end_s=end_s, stride=stride, max_pixels=max_pixels, method=method
    )
    with opened as source:
        codec = _codec_reader(source, video) if method == "codec" else None
        if source.count < 2:
            raise DecodeError(
                f"flow needs at least 2 frames; {source.count} in the chosen range", path=video
            )
        out = prepare_output_dir(out_dir or Path.cwd() / f"{source.label}_flow")
        job = _FlowJob(video, out, wanted, method=method, source=source)
        try:
            if codec is not None:
                carried = 0
                for pair, has in _codec(*codec):
                    carried += has
                    job.add_codec(pair)
                    if progress:
                        progress(job.frames, source.count)
                if not carried:
                    log.warning("%s: no frame carries motion vectors (all intra?)", video)
            else:
                steps = _farneback(
                    source.frames, source.size, scale=scale,
                    threads=threads or available_cores(), colour="video" in wanted,
                )  # fmt: skip
                for step, pair, picture in steps:
                    job.add(step, pair, picture)
                    if progress:
                        progress(job.frames, source.count)
            if job.frames < 2:
                raise DecodeError(f"only {job.frames} frame(s) could be decoded", path=video)
            job.finish(plotter or Plotter())
        except BaseException:
            job.abort()
            raise
    note_files(
        "flow", job.result.files, CAPTIONS, source=video.name, start_s=start_s, end_s=end_s,
        options={"method": method, "stride": stride, "scale": scale},
    )  # fmt: skip
    return job.result


#: What each output of ``vfx flow`` is, for the folder's contents list (vfx.json).
CAPTIONS = {
    "video": ("Optical flow as colour: hue the direction, brightness the speed", "video"),
    "sparse": ("Tracked points and their motion", "video"),
    "directogram": ("Directogram: motion per direction, per frame", "table"),
    "directogram_plot": ("Directogram", "figure"),
    "impacts": ("Impact envelope and impacts per frame", "table"),
    "impacts_plot": ("Impacts", "figure"),
    "picture": ("Where the clip moved and which way", "picture"),
}


class _FlowJob:
    """The outputs of one flow pass, fed frame by frame; published by :meth:`finish`."""

    def __init__(
        self,
        video: Path,
        out: Path,
        wanted: set[str],
        *,
        method: str,
        source: _Input,
    ):
        self.video, self.out, self.wanted = video, out, wanted
        self.fps, self.size = source.fps, source.size
        stem = source.label
        self.paths = {
            "video": out / f"{stem}_flow.mp4",
            "sparse": out / f"{stem}_flow_sparse.mp4",
            "directogram": out / f"{stem}_directogram.csv",
            "directogram_plot": out / f"{stem}_directogram.png",
            "impacts": out / f"{stem}_impacts.csv",
            "impacts_plot": out / f"{stem}_impacts.png",
            "picture": out / f"{stem}_flow.png",
        }
        self.result = FlowResult(video=video, out_dir=out, method=method)
        self.writers = {
            name: VideoWriter(self.paths[name], fps=self.fps)
            for name in ("video", "sparse")
            if name in wanted
        }
        self.table = (
            CsvStream(self.paths["directogram"], directogram_columns())
            if "directogram" in wanted
            else None
        )
        self.tracks = FeatureTracks() if "sparse" in wanted else None
        self.picture = FlowAccumulator() if "picture" in wanted else None
        self.frames = 0
        self.index: list[int] = []
        self.time: list[Fraction] = []
        self.directograms: list[np.ndarray] = []

    def _pair(self, pair: FlowPair) -> None:
        self.result.pairs += 1
        self.index.append(pair.index)
        self.time.append(pair.time)
        self.directograms.append(pair.directogram.astype(np.float32))
        if self.table is not None:
            cells = [f"{v:.6g}" for v in pair.directogram]
            self.table.row([str(pair.index), format_seconds(pair.time), *cells])
        if self.picture is not None:
            self.picture.add(pair.flow)

    def _still(self) -> np.ndarray:
        """The flow video's frame where there is no flow (the first frame): black."""
        return np.zeros((self.size[1], self.size[0], 3), np.uint8)

    def add(self, step: _Step, pair: FlowPair | None, picture: np.ndarray | None) -> None:
        """One frame read (Farnebäck): the pair it ends (None for the first) and its colour
        picture."""
        self.frames += 1
        if pair is not None:
            self._pair(pair)
        if "video" in self.writers:
            self.writers["video"].write(picture if picture is not None else self._still(),
                                        copy=False)  # fmt: skip
        if self.tracks is not None:
            self.tracks.update(step.grey)
            self.writers["sparse"].write(self.tracks.draw(step.rgb.copy()), copy=False)

    def add_codec(self, pair: FlowPair) -> None:
        """One frame read (codec): its block field; the first frame's is not a pair."""
        self.frames += 1
        if self.frames > 1:
            self._pair(pair)
        if "video" in self.writers:
            picture = (
                self._still()
                if self.frames == 1
                else cv2.resize(flow_colour(pair.flow), self.size, interpolation=cv2.INTER_NEAREST)
            )
            self.writers["video"].write(picture, copy=False)

    def finish(self, plotter: Plotter) -> None:
        if self.table is not None:
            self.result.files["directogram"] = self.table.close()
            self.table = None
        for name, writer in self.writers.items():
            writer.close()
            self.result.files[name] = self.paths[name]
        self.writers = {}
        title = self.video.name
        t = np.array([float(v) for v in self.time])
        data = np.array(self.directograms, dtype=np.float64).reshape(-1, DIRECTIONS)
        if "directogram" in self.wanted:
            plotter.figure(
                "directogram", self.paths["directogram_plot"], t, direction_centres(), data,
                title=f"{title}: directogram",
            )  # fmt: skip
            self.result.files["directogram_plot"] = self.paths["directogram_plot"]
        if "impacts" in self.wanted:
            envelope = impact_envelope(data)
            found = detect_impacts(envelope, float(self.fps))
            self.result.impacts = [float(t[i]) for i in found]
            table = CsvStream(
                self.paths["impacts"], ["frame_index", "time_s", "envelope", "impact"]
            )
            try:
                marks = np.zeros(len(envelope), np.int8)
                marks[found] = 1
                for i in range(len(envelope)):
                    table.row([str(self.index[i]), format_seconds(self.time[i]),
                               f"{envelope[i]:.6f}", str(int(marks[i]))])  # fmt: skip
            except BaseException:
                table.abort()
                raise
            self.result.files["impacts"] = table.close()
            plotter.figure(
                "impacts", self.paths["impacts_plot"], t, envelope, t[found],
                title=f"{title}: impact envelope",
            )  # fmt: skip
            self.result.files["impacts_plot"] = self.paths["impacts_plot"]
        if self.picture is not None:
            picture = self.picture.result()
            if picture.shape[1::-1] != self.size:
                picture = cv2.resize(picture, self.size, interpolation=cv2.INTER_NEAREST)
            write_image(self.paths["picture"], picture)
            self.result.files["picture"] = self.paths["picture"]
        plotter.wait()

    def abort(self) -> None:
        if self.table is not None:
            self.table.abort()
            self.table = None
        for writer in self.writers.values():
            writer.abort()
        self.writers = {}
