"""``vfx motion``: motion video, motiongrams, videograms, average image, motion history and the
quantity-of-motion table, all from one decoding pass.

The pictures are those of the Musical Gestures Toolbox (``MgVideo.motion()``, ``.motiongrams()``,
``.videograms()``, ``.average()``, ``.history()``), computed correctly: the average is over every
decoded frame, and the threshold applies to the frame difference. Memory does not grow with the
video's length except for the motiongrams' one row or column per frame, which is bounded by
``max_profile`` (see :class:`~vfx.ops.motiongram.Profiles`).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from vfx.errors import DecodeError, ParameterError
from vfx.io.exif import ImageTags
from vfx.io.figures import MAX_CELLS
from vfx.io.files import prepare_output_dir, write_text
from vfx.io.images import write_image
from vfx.io.plot import Plotter
from vfx.io.table import format_seconds
from vfx.io.video.audio import open_audio
from vfx.io.video.containers import DEFAULT_MAX_PIXELS
from vfx.io.video.panorama import PanoramaOptions, open_video
from vfx.io.video.writer import VideoWriter
from vfx.jobs.recording import note_files
from vfx.jobs.sound import ANALYSIS_RATE, Sound, measure_sound, write_sound
from vfx.ops.dtypes import to_uint8
from vfx.ops.motiongram import (
    MotionHistory,
    Profiles,
    batch_stats,
    extent_from_sums,
    motion_image,
    profile_sums,
    stretch_lines,
)
from vfx.ops.sampling import ranks_between
from vfx.ops.similarity import motion_features, self_similarity
from vfx.ops.stack import Mean
from vfx.params import PARAMS, check, check_outputs
from vfx.tagging.rows import span_tags
from vfx.tagging.settings import MetadataOptions
from vfx.tagging.tagger import FrameTagger
from vfx.workers import OrderedWorker, available_cores, in_background

__all__ = ["MOTION_OUTPUTS", "MotionResult", "analyse_motion"]

log = logging.getLogger("vfx")

#: What ``vfx motion`` can write; all by default.
MOTION_OUTPUTS = (
    "video", "motiongrams", "videograms", "average", "history", "qom", "audio", "ssm"
)  # fmt: skip
#: How a videogram takes each frame's line: the mean across the frame, or the one row and
#: column through a slit (a slit-scan, photo-finish picture).
VIDEOGRAM_MODES = ("mean", "slit")

QOM_COLUMNS = (
    "frame_index",
    "time_s",
    "qom",
    "centroid_x",
    "centroid_y",
    "bbox_x0",
    "bbox_y0",
    "bbox_x1",
    "bbox_y1",
)

_DESCRIPTIONS = {
    "time-x": "time runs left to right, one column per frame; each column is the mean of "
    "each row of the {what} image (a vertical profile)",
    "time-y": "time runs top to bottom, one row per frame; each row is the mean of each "
    "column of the {what} image (a horizontal profile)",
}
_SLIT_DESCRIPTIONS = {
    "time-x": "time runs left to right, one column per frame; each column is the frame's "
    "column {x} (a slit-scan)",
    "time-y": "time runs top to bottom, one row per frame; each row is the frame's row {y} "
    "(a slit-scan)",
}


@dataclass
class MotionResult:
    """What :func:`analyse_motion` wrote, by output name."""

    video: Path
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    frames: int = 0
    motion_frames: int = 0
    profile_factor: int = 1
    mean_qom: float = 0.0

    def _repr_html_(self) -> str:
        """Its pictures and figures, in a notebook."""
        from vfx.io.display import files_html

        facts = [("frames", str(self.frames)), ("folder", str(self.out_dir))]
        return files_html(f"vfx motion: {self.video.name}", self.files, CAPTIONS, facts)


def _to_uint16(image: np.ndarray, *, normalize: bool, stretch: bool) -> np.ndarray:
    """A 0-255 float picture as ``uint16``, scaled by its maximum (normalize) or with its 1st
    to 99th percentiles stretched to full range (stretch), else by full scale.

    Works on one float32 copy, in place, so a long motiongram costs about three times its
    ``uint16`` size at the peak.
    """
    if stretch:
        lo, hi = (float(v) for v in np.percentile(image, [1, 99]))
        img = np.subtract(image, np.float32(lo), dtype=np.float32)
        img *= np.float32(65535.0 / (hi - lo) if hi > lo else 0.0)
    else:
        top = float(image.max()) if normalize else 255.0
        img = np.multiply(image, np.float32(65535.0 / top if top > 0 else 0.0), dtype=np.float32)
    # Round half up, and clip: adding 0.5 first and truncating is the same in one pass less.
    img += np.float32(0.5)
    np.clip(img, 0, 65535.5, out=img)
    return img.astype(np.uint16)


def _check_options(outputs: Iterable[str], stride: int, median: int, decay: float) -> set[str]:
    wanted = check_outputs(outputs, MOTION_OUTPUTS)
    check("every_n", stride)
    check("median", median)
    if median > 1 and median % 2 == 0:
        raise ParameterError(f"median must be 0 or an odd kernel size, got {median}")
    check("history_decay", decay)
    return wanted


def analyse_motion(
    video: str | Path,
    out_dir: str | Path | None = None,
    *,
    outputs: Iterable[str] = MOTION_OUTPUTS,
    start_s: float = 0.0,
    end_s: float | None = None,
    stride: int = PARAMS["every_n"].default,
    threshold: float = PARAMS["threshold"].default,
    binary: bool = False,
    color: bool = False,
    median: int = PARAMS["median"].default,
    normalize: bool = True,
    stretch: bool = False,
    raw: bool = False,
    videogram: str = "mean",
    slit_x: int | None = None,
    slit_y: int | None = None,
    history_decay: float = PARAMS["history_decay"].default,
    history_video: bool = False,
    max_profile: int = PARAMS["max_profile"].default,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    metadata: MetadataOptions | None = None,
    panorama: PanoramaOptions | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    plotter: Plotter | None = None,
) -> MotionResult:
    """Decode ``video`` once and write the motion pictures asked for in ``outputs``.

    Files (``<stem>`` is the video's stem) in ``out_dir`` (default ``./<stem>_motion``):

    * ``video``: ``<stem>_motion.mp4``, the motion images (H.264, yuv420p);
    * ``motiongrams``: ``<stem>_motiongram_time-x.png`` (time left to right, one column per
      frame: the mean of each row) and ``<stem>_motiongram_time-y.png`` (time top to bottom,
      one row per frame: the mean of each column);
    * ``videograms``: the same over the frames, in colour, ``<stem>_videogram_time-x.png``
      and ``_time-y.png`` (``videogram="slit"``: the frame's own column ``slit_x`` and row
      ``slit_y`` instead of the means, ``<stem>_slitscan_time-x.png`` and ``_time-y.png``);
    * ``average``: ``<stem>_average.png``, the exact mean of every decoded frame (16-bit);
    * ``history``: ``<stem>_history.png`` (and ``<stem>_history.mp4`` with
      ``history_video``), the decaying motion history;
    * ``qom``: ``<stem>_qom.csv`` (per frame: time, quantity of motion, normalised centroid
      and bounding box of motion) and ``<stem>_qom.png``, its plot;
    * ``audio`` (when the video has sound): ``<stem>_audio.csv`` (per motion frame: onset
      strength, RMS, spectral centroid), ``<stem>_waveform.png``, ``<stem>_spectrogram.png``,
      ``<stem>_tempogram.png`` (see :mod:`vfx.jobs.sound`), and with motiongrams and qom,
      ``<stem>_motion_sound.png``: motiongram, quantity of motion and spectrogram on one
      time axis;
    * ``ssm``: ``<stem>_ssm.png``, self-similarity matrices of the two motiongrams (and of the
      mel spectrogram when there is sound), the toolbox's ``ssm``.

    Parameters
    ----------
    start_s, end_s
        Time range (``end_s`` exclusive).
    stride
        Use every N-th frame of the range (motion is between consecutive used frames).
    threshold, binary, median
        The motion image (see :func:`vfx.ops.motiongram.motion_image`).
    color
        Motion and motiongrams in colour (per RGB channel) instead of grey. Grey is the
        video's own luma, full range (FFmpeg's ``gray``), read without colour conversion.
    normalize, stretch, raw
        Motiongrams and the history are scaled by their maximum (``normalize``, default);
        videograms have each frame's line stretched to full range per channel (FFmpeg's
        ``normalize``, as the Musical Gestures Toolbox draws them). ``stretch`` instead
        stretches every picture's 1st to 99th percentiles to full range; ``raw`` scales
        nothing (16-bit pictures of the measured values, for measurement).
    videogram, slit_x, slit_y
        ``"mean"`` (each frame's mean rows and columns) or ``"slit"`` (the frame's column
        ``slit_x`` and row ``slit_y``, default the middle ones).
    history_decay
        Fraction of the motion history kept per frame.
    max_profile
        Longest motiongram/videogram, in frames, before the time axis is halved.

    Raises
    ------
    DecodeError
        When fewer than 2 frames decode in the range.
    VideoOpenError
        For files without a video stream (audio only, images).
    OutputError
        When the output folder cannot be written.
    """
    wanted = _check_options(outputs, stride, median, history_decay)
    check("threshold", threshold)
    check("max_profile", max_profile)
    if videogram not in VIDEOGRAM_MODES:
        raise ParameterError(
            f"videogram must be one of {', '.join(VIDEOGRAM_MODES)}: {videogram!r}"
        )
    if videogram != "slit" and (slit_x is not None or slit_y is not None):
        raise ParameterError(
            "a slit position takes effect with the slit videogram only (--videogram slit)"
        )
    video = Path(video)
    # FFmpeg's own decoding threads. Beside the output thread (the videos, the history), one
    # per megapixel: one below 1080p, where more would only add synchronisation beside the
    # encoder's thread; two at 1080p, where they decode the 60 s bench clip for --only
    # motiongrams,qom in 5.2 s against 6.9 s with one. Without it, one per core.
    threads = None if wanted & {"video", "history"} else available_cores()
    with open_video(video, max_pixels=max_pixels, threads=threads, panorama=panorama) as reader:
        times = reader.index.times_s()
        ranks = ranks_between(times, start_s, end_s)[::stride]
        if ranks.size < 2:
            raise DecodeError(
                f"motion needs at least 2 frames; {ranks.size} in the chosen range", path=video
            )
        slit = None
        if videogram == "slit":
            slit = _slit(reader.width, reader.height, slit_x, slit_y, video)
        out = prepare_output_dir(out_dir or Path.cwd() / f"{video.stem}_motion")
        fps = reader.stream.average_rate or reader.stream.guessed_rate or Fraction(25)
        # The telemetry is read on a thread while the frames decode (for a file vfx does not
        # parse itself, exiftool's start alone takes a tenth of a second); a track file named
        # in the options is read before the pass, so that a bad one stops the run at once.
        tagger = in_background(FrameTagger.for_reader, reader, metadata, name="vfx-tags")
        if metadata is not None and metadata.track is not None:
            tagger.result()
        job = _MotionJob(
            video,
            out,
            wanted,
            fps=Fraction(fps) / stride,
            color=color,
            threshold=threshold,
            binary=binary,
            median=median,
            history_decay=history_decay,
            history_video=history_video,
            max_profile=max_profile,
            slit=slit,
            origin_s=float(reader.index.start * reader.index.time_base),
        )
        # Grey motion reads the luma the decoder gives (no colour conversion at all) and
        # converts to RGB too only when the average or the videograms (in colour) need it;
        # videograms and the average alone read no luma.
        in_colour = "average" in wanted or "videograms" in wanted
        colour_only = color or not job.measures_motion
        pixels = "rgb" if colour_only else ("both" if in_colour else "grey")
        # This thread decodes and computes; the writer's thread converts and encodes. Two busy
        # threads for two cores: a third decoding ahead (prefetch) made the pass 15-20 %
        # slower, through oversubscribed cores and GIL hand-offs.
        if wanted == {"audio"}:
            # The sound table's rows are the frames' times, which the packet index knows:
            # no frame is decoded.
            for rank in ranks.tolist():
                job.add_time(rank, reader.index.time_of(rank))
            result = job.finish(
                tagger.result(), plotter, normalize=normalize, stretch=stretch, raw=raw
            )
            _note(result, options={"outputs": ["audio"]}, start_s=start_s, end_s=end_s)
            return result
        # OpenCV's thread pool is the process's, so the library leaves it as the caller set
        # it; the vfx command runs this pass with one OpenCV thread (vfx.cli.process: its pool
        # on top of these two threads cost 25 % in contention).
        try:
            for frame in reader.frames(ranks=ranks.tolist(), pixels=pixels):
                if pixels == "grey":
                    job.add(None, frame.image, frame.index, frame.time)
                else:
                    job.add(frame.image, frame.grey, frame.index, frame.time)
                if progress:
                    progress(job.frames, int(ranks.size))
            tags = tagger.result()
        except BaseException:
            job.abort()
            raise
        if job.frames < 2:
            job.abort()
            raise DecodeError(f"only {job.frames} frame(s) could be decoded", path=video)
        result = job.finish(
            tags, plotter, normalize=normalize and not raw, stretch=stretch and not raw, raw=raw
        )
    options = {"threshold": threshold, "color": color, "stride": stride, "raw": raw,
               "videogram": videogram}  # fmt: skip
    _note(result, options=options, start_s=start_s, end_s=end_s)
    return result


#: What each output of a motion pass is, for the folder's contents list (vfx.json).
CAPTIONS = {
    "video": ("Motion video: each frame's difference from the previous one", "video"),
    "history_video": ("Motion history video", "video"),
    "motiongram_time-x": ("Motiongram, time left to right", "picture"),
    "motiongram_time-y": ("Motiongram, time top to bottom", "picture"),
    "videogram_time-x": ("Videogram, time left to right", "picture"),
    "videogram_time-y": ("Videogram, time top to bottom", "picture"),
    "slitscan_time-x": ("Slit-scan, time left to right", "picture"),
    "slitscan_time-y": ("Slit-scan, time top to bottom", "picture"),
    "average": ("Average of every frame", "picture"),
    "history": ("Motion history", "picture"),
    "qom": ("Quantity of motion, its centroid and extent, per frame", "table"),
    "qom_plot": ("Quantity of motion", "figure"),
    "audio": ("Sound per motion frame: onset strength, RMS, spectral centroid", "table"),
    "waveform": ("Waveform", "figure"),
    "spectrogram": ("Mel spectrogram", "figure"),
    "tempogram": ("Tempogram", "figure"),
    "motion_sound": ("Motion and sound on one time axis", "figure"),
    "ssm": ("Self-similarity of motion (and sound)", "figure"),
}


def _note(result: MotionResult, **kwargs: object) -> None:
    note_files("motion", result.files, CAPTIONS, source=result.video.name, **kwargs)  # type: ignore[arg-type]


def _slit(width: int, height: int, x: int | None, y: int | None, video: Path) -> tuple[int, int]:
    """The slit's column and row (default the middle ones), checked against the frame."""
    x = width // 2 if x is None else x
    y = height // 2 if y is None else y
    if not (0 <= x < width and 0 <= y < height):
        raise ParameterError(
            f"{video.name}: the slit ({x}, {y}) is outside the {width}x{height} frame"
        )
    return x, y


class _MotionJob:
    """The per-frame state of one motion pass; writes the outputs at :meth:`finish`."""

    def __init__(
        self,
        video: Path,
        out: Path,
        wanted: set[str],
        *,
        fps: Fraction,
        color: bool,
        threshold: float,
        binary: bool,
        median: int,
        history_decay: float,
        history_video: bool,
        max_profile: int,
        slit: tuple[int, int] | None = None,
        origin_s: float = 0.0,
    ):
        self.video, self.out, self.wanted, self.color = video, out, wanted, color
        self.slit = slit
        self.motion_options = {"threshold": threshold, "binary": binary, "median": median}
        self.stem = video.stem
        self.result = MotionResult(video=video, out_dir=out)
        self.motiongram = (
            Profiles(max_profile, name="motiongram") if wanted & {"motiongrams", "ssm"} else None
        )
        self.videogram = Profiles(max_profile, name="videogram") if "videograms" in wanted else None
        self.average = Mean() if "average" in wanted else None
        self.history = MotionHistory(history_decay) if "history" in wanted else None
        # The motion history and the videos are made on one output thread, in frame order,
        # while this thread decodes and computes the next frames: the two threads then carry
        # about equal work (on the motion benchmark: decoding, conversions, the average, the
        # profiles and the motion image here; the history, colour conversion and x264 there).
        self.writer = (
            VideoWriter(out / f"{self.stem}_motion.mp4", fps=fps, background=False)
            if "video" in wanted
            else None
        )
        self.history_writer = (
            VideoWriter(out / f"{self.stem}_history.mp4", fps=fps, background=False)
            if history_video and "history" in wanted
            else None
        )
        self._output = (
            OrderedWorker("vfx-output")
            if self.writer is not None or self.history is not None
            else None
        )
        # The table's frames are also the sound table's rows.
        self.qom = _QomTable() if wanted & {"qom", "audio"} else None
        # The sound is decoded and measured on a thread of its own during the pass, on the core
        # time the pass leaves (mostly outside the GIL: FFmpeg, the FFTs, the matrix products).
        # The track is opened here, on the pass's thread (see measure_sound).
        self._stopped = threading.Event()
        track = (
            open_audio(video, origin_s=origin_s, sample_rate=ANALYSIS_RATE)
            if "audio" in wanted
            else None
        )
        self._sound = (
            in_background(measure_sound, track, stop=self._stopped.is_set, name="vfx-sound")
            if track is not None
            else None
        )
        self.previous: np.ndarray | None = None
        # Videograms and the average alone need no motion images.
        self.measures_motion = bool(
            wanted & {"video", "motiongrams", "history", "qom", "ssm", "audio"}
        )
        self._motiongram_x: np.ndarray | None = None
        self._ssm_features: dict[str, np.ndarray] = {}
        self.frames = 0
        self.first_time: Fraction | None = None
        self.first_index = 0
        self.last_time: Fraction | None = None
        self.last_index = 0

    def _place(self, index: int, time: Fraction) -> bool:
        """Note a frame's index and time; True for the pass's first frame."""
        first = self.first_time is None
        if first:
            self.first_time, self.first_index = time, index
        self.last_time, self.last_index = time, index
        return first

    def add_time(self, index: int, time: Fraction) -> None:
        """One frame known by its time alone (a pass that needs no pixels)."""
        if not self._place(index, time) and self.qom is not None:
            self.qom.add_time(index, time)
        self.frames += 1

    def add(
        self, rgb: np.ndarray | None, grey: np.ndarray | None, index: int, time: Fraction
    ) -> None:
        """One frame: its RGB image and/or its luma (what the motion pass was set to read)."""
        self._place(index, time)
        if rgb is not None and rgb.dtype != np.uint8:
            rgb = to_uint8(rgb)
        if grey is not None and grey.dtype != np.uint8:
            grey = to_uint8(grey)
        if self.average is not None and rgb is not None:
            self.average.update(rgb)
        if self.videogram is not None:
            picture = rgb if rgb is not None else grey
            assert picture is not None
            if self.slit is None:
                self.videogram.update(picture)
            else:
                x, y = self.slit
                self.videogram.add_lines(picture[y], picture[:, x])
        self.frames += 1
        if not self.measures_motion:
            return
        current = rgb if self.color else grey
        assert current is not None
        previous, self.previous = self.previous, current
        if previous is None:
            return
        motion = motion_image(previous, current, **self.motion_options)
        self.result.motion_frames += 1
        extent = None
        if self.writer is not None or self.motiongram is not None or self.qom is not None:
            # One pair of exact row and column sums serves the motiongram, the stats and the
            # writer, which converts only the part of the picture that has motion.
            sums = profile_sums(motion)
            extent = extent_from_sums(*sums) if self.writer is not None else None
            if self.motiongram is not None:
                self.motiongram.add_sums(*sums)
            if self.qom is not None:
                self.qom.add(index, time, *sums)
        if self._output is not None:
            # ``motion`` is a new array for every frame, which nothing here changes.
            self._output.submit(self._emit, motion, extent)

    def _emit(self, motion: np.ndarray, extent: tuple[int, int, int, int] | None) -> None:
        """On the output thread: the motion history and the videos, one frame."""
        if self.history is not None:
            hist = self.history.update(motion)
            if self.history_writer is not None:
                self.history_writer.write(np.clip(hist + 0.5, 0, 255).astype(np.uint8), copy=False)
        if self.writer is not None:
            self.writer.write(motion, copy=False, extent=extent)

    def abort(self) -> None:
        self._stopped.set()  # the sound's thread stops at its next chunk
        if self._output is not None:
            self._output.cancel()
        for writer in (self.writer, self.history_writer):
            if writer is not None:
                writer.abort()

    def _tags(self, tagger: FrameTagger | None, image: np.ndarray, description: str) -> ImageTags:
        if tagger is None:
            return ImageTags(xmp={"dc": {"description": description}})
        assert self.first_time is not None and self.last_time is not None
        h, w = image.shape[:2]
        # Made from every frame: the span of times, no single place (see span_tags).
        first, _ = tagger.tags(self.first_time, self.first_index, w, h)
        last, _ = tagger.tags(self.last_time, self.last_index, w, h)
        tags = span_tags(
            first,
            last,
            self.frames,
            w,
            h,
            first_time_s=float(self.first_time),
            last_time_s=float(self.last_time),
        )
        tags.xmp.setdefault("dc", {})["description"] = description
        return tags

    def _still(
        self,
        stills: ThreadPoolExecutor,
        name: str,
        image: np.ndarray,
        tagger: FrameTagger | None,
        what: str,
    ) -> Future[None]:
        path = self.out / f"{self.stem}_{name}.png"
        self.result.files[name] = path
        return stills.submit(write_image, path, image, tags=self._tags(tagger, image, what))

    def finish(
        self,
        tagger: FrameTagger | None,
        plotter: Plotter | None,
        *,
        normalize: bool,
        stretch: bool,
        raw: bool = False,
    ) -> MotionResult:
        try:
            if self._output is not None:
                self._output.drain()
            for writer, key in ((self.writer, "video"), (self.history_writer, "history_video")):
                if writer is not None:
                    writer.close()
                    self.result.files[key] = writer.path
        except BaseException:
            self.abort()
            raise
        plotter = plotter or Plotter()
        stats = self.qom.stats() if self.qom and self.qom.measured else None
        if self.qom and stats is not None and "qom" in self.wanted:
            self._write_qom(self.qom, stats, plotter)
            self.result.mean_qom = float(np.mean(stats["qom"]))
        sound = self._sound.result() if self._sound is not None else None  # waits for it
        # The sound's figures go to the plotting helper first, so it draws them while this
        # thread makes the stills; the stills are compressed on two threads (zlib runs without
        # the GIL) while the plotting helper (or this thread) draws.
        if sound is not None and self.qom is not None:
            self._write_sound(sound, self.qom, plotter)
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="vfx-still") as stills:
            pending = self._stills(stills, tagger, normalize=normalize, stretch=stretch, raw=raw)
            try:
                if sound is not None and self.qom is not None:
                    self._write_motion_sound(sound, self.qom, stats, plotter)
                if self._ssm_features:
                    self._write_ssm(sound, plotter)
                plotter.wait()
                for future in pending:
                    future.result()
            except BaseException:
                for future in pending:
                    future.cancel()
                raise
        self.result.frames = self.frames
        return self.result

    def _write_sound(self, sound: Sound, qom: _QomTable, plotter: Plotter) -> None:
        """The sound table and figures."""
        assert self.first_time is not None
        self.result.files.update(
            write_sound(
                self.out,
                self.stem,
                self.video.name,
                sound,
                qom.index,
                qom.time,
                self.first_time,
                plotter,
            )
        )

    def _write_motion_sound(
        self,
        sound: Sound,
        qom: _QomTable,
        stats: dict[str, np.ndarray] | None,
        plotter: Plotter,
    ) -> None:
        """The motion-and-sound figure (after the stills, which make its motiongram)."""
        assert self.first_time is not None
        name = self.video.name
        if self._motiongram_x is None or stats is None:
            return
        path = self.out / f"{self.stem}_motion_sound.png"
        times = np.array([float(t) for t in qom.time])
        plotter.figure(
            "motion_sound",
            path,
            self._motiongram_x,
            (float(self.first_time), float(qom.time[-1])),
            times,
            stats["qom"],
            sound.mel_db,
            sound.span,
            sound.spectrum.sample_rate,
            title=f"Motion and sound of {name}",
        )
        self.result.files["motion_sound"] = path

    def _write_ssm(self, sound: Sound | None, plotter: Plotter) -> None:
        """The self-similarity matrices of the motiongrams (and of the sound), at most
        :data:`~vfx.io.figures.MAX_CELLS` a side (averaged over blocks), as the figure draws
        them."""
        assert self.first_time is not None and self.last_time is not None
        span = (float(self.first_time), float(self.last_time))
        panels = []
        for axis, features in self._ssm_features.items():
            matrix, factor = self_similarity(features, most=MAX_CELLS)
            title = f"motion, {axis} motiongram"
            if factor > 1:
                title += f" (cells of {factor} frames)"
            panels.append((title, matrix, *span))
        if sound is not None:
            # The mel spectrogram's dB above its floor (the top 80 dB), one column per frame.
            matrix, _ = self_similarity(sound.mel_db + np.float32(80.0), most=MAX_CELLS)
            panels.append(("sound, mel spectrogram", matrix, *sound.span))
        path = self.out / f"{self.stem}_ssm.png"
        plotter.figure("ssm", path, panels, title=f"Self-similarity of {self.video.name}")
        self.result.files["ssm"] = path

    def _stills(
        self,
        stills: ThreadPoolExecutor,
        tagger: FrameTagger | None,
        *,
        normalize: bool,
        stretch: bool,
        raw: bool,
    ) -> list[Future[None]]:
        pending = []
        for name, profiles in (("motiongram", self.motiongram), ("videogram", self.videogram)):
            if profiles is None:
                continue
            time_x, time_y = profiles.result()
            self.result.profile_factor = max(self.result.profile_factor, profiles.factor)
            slit = name == "videogram" and self.slit is not None
            for axis, picture in (("time-x", time_x), ("time-y", time_y)):
                if name == "videogram" and not (raw or stretch):
                    scaled = stretch_lines(picture, time_axis=1 if axis == "time-x" else 0)
                else:
                    scaled = _to_uint16(
                        picture, normalize=normalize and name == "motiongram", stretch=stretch
                    )
                if name == "motiongram":
                    if axis == "time-x":
                        self._motiongram_x = scaled
                    if "ssm" in self.wanted:
                        # One column per frame: time-x as it is, time-y turned.
                        frames_along_x = picture if axis == "time-x" else np.swapaxes(picture, 0, 1)
                        self._ssm_features[axis] = motion_features(frames_along_x)
                    if "motiongrams" not in self.wanted:
                        continue
                if slit:
                    assert self.slit is not None
                    what = _SLIT_DESCRIPTIONS[axis].format(x=self.slit[0], y=self.slit[1])
                    key = f"slitscan_{axis}"
                else:
                    what = _DESCRIPTIONS[axis].format(
                        what="motion" if name == "motiongram" else "video"
                    )
                    key = f"{name}_{axis}"
                description = f"{name.capitalize()} of {self.video.name}: {what}"
                if profiles.factor > 1:
                    description += f" (each line averages {profiles.factor} frames)"
                pending.append(self._still(stills, key, scaled, tagger, description))
        if self.average is not None:
            pending.append(
                self._still(
                    stills,
                    "average",
                    self.average.result(),
                    tagger,
                    f"Average of all {self.frames} decoded frames of {self.video.name}",
                )
            )
        if self.history is not None:
            pending.append(
                self._still(
                    stills,
                    "history",
                    _to_uint16(self.history.result(), normalize=normalize, stretch=stretch),
                    tagger,
                    f"Motion history of {self.video.name} (decay {self.history.decay:g} per frame)",
                )
            )
        return pending

    def _write_qom(self, qom: _QomTable, stats: dict[str, np.ndarray], plotter: Plotter) -> None:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(QOM_COLUMNS)
        columns = [stats[k].tolist() for k in QOM_COLUMNS[2:]]
        for index, time, *values in zip(qom.index, qom.time, *columns, strict=True):
            cells = ("" if math.isnan(v) else f"{v:.10g}" for v in values)
            writer.writerow((index, format_seconds(time), *cells))
        path = self.out / f"{self.stem}_qom.csv"
        write_text(path, buf.getvalue())
        self.result.files["qom"] = path
        plot = self.out / f"{self.stem}_qom.png"
        times = [float(t) for t in qom.time]
        plotter.draw(plot, times, columns[0], self.video.name)  # collected by finish()
        self.result.files["qom_plot"] = plot


class _QomTable:
    """Per motion frame: index, time and statistics (:func:`vfx.ops.motiongram.batch_stats`).

    The statistics are computed a block of frames at a time from the frames' row and column
    sums, and formatted once, at the end. Memory: one block of sums, plus nine numbers a frame.
    """

    BLOCK = 256

    def __init__(self) -> None:
        self.index: list[int] = []
        self.time: list[Fraction] = []
        self._sums: list[tuple[np.ndarray, np.ndarray]] = []
        self._blocks: list[dict[str, np.ndarray]] = []

    def __len__(self) -> int:
        return len(self.index)

    @property
    def measured(self) -> bool:
        """Whether the frames' motion was measured (not only their times)."""
        return bool(self._blocks or self._sums)

    def add_time(self, index: int, time: Fraction) -> None:
        """A frame's row, its motion unmeasured (a pass for the sound table alone)."""
        self.index.append(index)
        self.time.append(time)

    def add(self, index: int, time: Fraction, columns: np.ndarray, rows: np.ndarray) -> None:
        self.add_time(index, time)
        self._sums.append((columns, rows))
        if len(self._sums) == self.BLOCK:
            self._flush()

    def _flush(self) -> None:
        if self._sums:
            columns, rows = zip(*self._sums, strict=True)
            self._blocks.append(batch_stats(np.stack(columns), np.stack(rows)))
            self._sums.clear()

    def stats(self) -> dict[str, np.ndarray]:
        """Every frame's statistics, by name (arrays in frame order)."""
        self._flush()
        return {k: np.concatenate([b[k] for b in self._blocks]) for k in self._blocks[0]}
