"""Extract stills from videos: keyframes, or frames sampled by time.

Frames stream from the decoder into a small pool of writer threads (compression runs outside
the GIL), so memory stays bounded by a few frames whatever the video length. Every image is
written atomically; ``frames.csv`` records what was written, and a re-run skips images that are
already complete.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from vfx.errors import DecodeError, MetadataError, OutputError, ParameterError
from vfx.io.exif import ImageTags
from vfx.io.files import prepare_output_dir
from vfx.io.images import IMAGE_FORMATS, looks_complete, write_image
from vfx.io.naming import InputName, source_id
from vfx.io.table import format_seconds, read_frame_table, write_frame_table
from vfx.io.video.containers import DEFAULT_MAX_PIXELS
from vfx.io.video.panorama import PanoramaOptions, open_video
from vfx.io.video.reader import VideoReader
from vfx.jobs.blur import FaceBlur, FaceOptions
from vfx.jobs.recording import note_outputs
from vfx.ops.sampling import (
    ranks_at,
    ranks_between,
    sharpest_ranks,
    sharpness,
    target_times,
    window_ranks,
)
from vfx.params import check
from vfx.tagging.sequences import distance_times
from vfx.tagging.settings import MetadataOptions
from vfx.tagging.tagger import FrameTagger, Summary
from vfx.types import Frame
from vfx.workers import available_cores

__all__ = [
    "Extraction",
    "Progress",
    "check_format",
    "extract_frames",
    "extract_keyframes",
    "prepare_output_dir",
    "write_frames",
]

log = logging.getLogger("vfx")

#: ``progress(done, total)``: called after each frame; ``total`` may be ``None`` if unknown.
Progress = Callable[[int, "int | None"], None]

_EQUI = "equirectangular"
#: How each command's frames are named in the contents list.
_FRAMES_WHAT = {"keyframes": "Keyframes", "frames": "Frames", "select": "Selected frames"}
_SUFFIX = {"tiff": "tiff", "png": "png", "jpg": "jpg"}


@dataclass
class Extraction:
    """What an extraction wrote."""

    video: Path
    out_dir: Path
    table: Path | None = None
    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    rows: list[dict[str, object]] = field(default_factory=list)
    metadata: Summary | None = None

    @property
    def files(self) -> list[Path]:
        """Every image of this extraction, written now or earlier, in frame order."""
        return [self.out_dir / str(r["file"]) for r in self.rows]

    def __repr__(self) -> str:
        return (
            f"Extraction({self.video.name!r}: {len(self.rows)} frames in {str(self.out_dir)!r}, "
            f"{len(self.written)} written, {len(self.skipped)} skipped)"
        )

    def _repr_html_(self) -> str:
        """A strip of its frames with their times, in a notebook."""
        from vfx.io.display import gallery_html
        from vfx.io.display import seconds_caption as _seconds

        items = [(self.out_dir / str(r["file"]), _seconds(r.get("time_s"))) for r in self.rows]
        facts = [("frames", str(len(self.rows))), ("folder", str(self.out_dir))]
        return gallery_html(f"Frames of {self.video.name}", items, facts=facts)


def _row(frame: Frame, name: str, source: str, identity: str) -> dict[str, object]:
    height, width = frame.image.shape[:2]
    return {
        "file": name,
        "frame_index": frame.index,
        "pts": frame.pts,
        "time_s": format_seconds(frame.time),
        "key_frame": "true" if frame.key_frame else "false",
        "pict_type": frame.pict_type,
        "time_base": str(frame.time_base),
        "source": source,
        "source_id": identity,
        "width": width,
        "height": height,
    }


def check_format(fmt: str, quality: int) -> None:
    """Refuse an unknown image format or a quality out of range (ParameterError)."""
    if fmt not in IMAGE_FORMATS:
        raise ParameterError(f"format must be one of {', '.join(IMAGE_FORMATS)}, got {fmt!r}")
    check("quality", quality)


def _image_name(stem: str, index: int, fmt: str) -> str:
    return f"{stem}_{index:06d}.{_SUFFIX[fmt]}"


def write_frames(
    reader: VideoReader,
    out_dir: Path,
    *,
    keyframes: bool,
    ranks: Iterable[int] | None,
    fmt: str,
    quality: int,
    overwrite: bool,
    progress: Progress | None,
    threads: int | None,
    tagger: FrameTagger | None = None,
    name: InputName | None = None,
    faces: FaceOptions | None = None,
    extra_columns: dict[int, dict[str, object]] | None = None,
    made_by: tuple[str, dict[str, object]] = ("frames", {}),
) -> Extraction:
    """Decode the chosen frames of an open reader and write them, with frames.csv.

    Shared by keyframe and timed extraction and by ``vfx select``: ``keyframes`` decodes only
    keyframe packets, else ``ranks`` lists the display indices to write (the reader seeks).
    ``name`` gives the stem and source the outputs are named by (:mod:`vfx.io.naming`; by default
    the video's own). With ``faces``, every image's faces are blurred before it is encoded
    (panoramas on perspective views) and frames.csv gets a ``faces`` column: no unblurred
    image is ever written. ``extra_columns`` adds columns to the rows of the frames it names (by
    display index). ``made_by`` (the command and its options) is recorded with frames.csv in
    the folder's contents list.
    """
    video = reader.path
    name = name or InputName(video, video.stem, video.name)
    stem, source, identity = name.stem, name.source, source_id(video)
    result = Extraction(video=video, out_dir=out_dir)
    idx = reader.index
    wanted = [int(r) for r in idx.key_ranks] if keyframes else [int(r) for r in (ranks or [])]
    if tagger is not None:
        # Places, directions, sequences and duplicates are decided for all frames at once
        # (a direction towards the next image needs the next image); frames the options
        # leave out (dropped duplicates, no position with require_position) are not decoded.
        wanted = tagger.plan(wanted, idx.times_s()[np.asarray(wanted, dtype=np.int64)])
    total = len(wanted)

    # Rows of a previous run whose images are complete need no decoding at all; only rows
    # made from this very file count (same source name, size and modification time).
    done_rows: dict[int, dict[str, object]] = {}
    table = [row for row in read_frame_table(out_dir) if row.get("source") == source]
    # A table written before frames.csv recorded source_id says nothing either way: its
    # images are written again (below), never taken as another file's.
    other = next((r for r in table if r.get("source_id") not in ("", None, identity)), None)
    if other is not None and not overwrite:
        raise OutputError(
            f"{out_dir / 'frames.csv'} lists frames of another video named {source} (a "
            "different file); write to another folder or pass overwrite=True (--overwrite)",
            path=video,
        )
    if not overwrite:
        for row in table:
            # only images known to come from this very file, and whole (0-byte, cut: redone)
            if row.get("source_id") == identity and looks_complete(out_dir / row["file"]):
                done_rows[int(row["frame_index"])] = dict(row)
    todo = [r for r in wanted if r not in done_rows]
    for r in wanted:
        if r in done_rows:
            result.skipped.append(out_dir / str(done_rows[r]["file"]))
    rows: dict[int, dict[str, object]] = {r: done_rows[r] for r in wanted if r in done_rows}

    done = len(rows)
    if progress:
        progress(done, total)
    threads = threads or min(4, available_cores())
    pending: deque[Future[None]] = deque()
    # Each image is recorded by the writer thread that completed it, not by this thread: a
    # Ctrl-C is raised here between any two statements, and could otherwise fall between an
    # image's completion and its record, leaving a complete image out of frames.csv.
    completed: dict[int, tuple[Path, dict[str, object]]] = {}

    blur = FaceBlur(faces) if faces is not None else None

    def write(
        path: Path, image: np.ndarray, tags: ImageTags | None, row: dict[str, object]
    ) -> None:
        if blur is not None:
            gpano = tags.xmp.get("GPano", {}) if tags is not None else {}
            image, row["faces"] = blur(image, panorama=gpano.get("ProjectionType") == _EQUI)
        write_image(path, image, fmt=fmt, quality=quality, tags=tags)
        completed[int(str(row["frame_index"]))] = (path, row)

    def settle_oldest() -> None:
        """Wait for the oldest write (raising its error) and count it."""
        nonlocal done
        pending[0].result()
        pending.popleft()
        done += 1
        if progress:
            progress(done, total)

    def finish(failing: bool) -> None:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        # Record whatever completed, also when interrupted, so a re-run resumes from here.
        # Derived afresh, not accumulated: when a Ctrl-C falls inside the call that ends a
        # run, the call that handles it gives the same.
        made = sorted(completed.items())
        result.written = [path for _, (path, _) in made]
        listed = rows | {index: row for index, (_, row) in made}
        result.rows = [listed[index] for index in sorted(listed)]
        if failing and not result.rows:
            return
        if tagger is not None:
            result.metadata = tagger.finish(result.rows)
        try:
            result.table = write_frame_table(out_dir, result.rows, source=source)
            if not failing:
                command, options = made_by
                what = _FRAMES_WHAT.get(command, "Frames")
                note_outputs(
                    command,
                    [(result.table, f"{what} of {source} ({len(result.rows)}), with their "
                      "times and tags", "table")],
                    options=options,
                    source=source,
                )  # fmt: skip
        except OutputError:
            if not failing:
                raise
            # The error being raised already says what went wrong (a full disk, say).
            log.debug("%s: could not update frames.csv", out_dir)

    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="vfx-write")
    try:
        if todo:
            frames = reader.frames(keyframes=keyframes, ranks=todo)
            for frame in frames:
                file_name = _image_name(stem, frame.index, fmt)
                path = out_dir / file_name
                entry = _row(frame, file_name, source, identity)
                entry.update((extra_columns or {}).get(frame.index, {}))
                tags = None
                if tagger is not None:
                    height, width = frame.image.shape[:2]
                    tags, columns = tagger.tags(frame.time, frame.index, width, height)
                    entry.update(columns)
                # An image of that name that frames.csv does not list as made from this file
                # is not known to be complete or ours: it is written again.
                pending.append(pool.submit(write, path, frame.image, tags, entry))
                while len(pending) > 2 * threads:
                    settle_oldest()
        while pending:
            settle_oldest()
        missing = len(wanted) - len(rows) - len(completed)
        if todo and missing == len(todo):
            raise DecodeError(f"none of the {len(todo)} frames could be decoded", path=video)
        if missing:
            log.warning("%s: %d of %d frames could not be decoded", video, missing, len(wanted))
        finish(failing=False)
    except KeyboardInterrupt:
        finish(failing=True)
        log.warning(
            "%s: interrupted after %d of %d frames; frames.csv lists them and a re-run resumes",
            video,
            len(result.rows),
            total,
        )
        raise
    except BaseException:
        finish(failing=True)
        raise
    return result


def extract_keyframes(
    video: str | Path,
    out_dir: str | Path | None = None,
    *,
    fmt: str = "tiff",
    quality: int = 95,
    overwrite: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: Progress | None = None,
    threads: int | None = None,
    metadata: MetadataOptions | None = None,
    panorama: PanoramaOptions | None = None,
    name: InputName | None = None,
    faces: FaceOptions | None = None,
    sharpest_s: float | None = None,
) -> Extraction:
    """Decode only the keyframes of ``video`` and write each one losslessly.

    Non-key packets never reach the decoder. Images are named ``<stem>_<frame_index:06d>.<fmt>``
    with the frame's index in display order, and ``frames.csv`` lists them with exact times.

    Parameters
    ----------
    video
        The video file (opened read-only).
    out_dir
        Output folder; default ``./<stem>_keyframes``.
    fmt
        ``"tiff"`` (RGB, deflate, 16-bit for >8-bit sources), ``"png"`` or ``"jpg"``.
    quality
        JPEG quality, 1-100.
    overwrite
        Rewrite images that already exist instead of skipping them.
    progress
        Called as ``progress(done, total)`` after each frame.
    metadata
        The metadata stage's options (time source, GPX, ...); by default every image is
        tagged with its UTC time, GPS position and source (see :mod:`vfx.tagging.tagger`).
        ``MetadataOptions(enabled=False)`` writes no tags.
    name
        The stem and source to name the outputs by, when several inputs share a stem
        (:func:`vfx.io.naming.input_names`); by default the video's own.
    faces
        Blur the faces of every image before it is written (:class:`vfx.jobs.blur.FaceOptions`);
        frames.csv then counts them in its ``faces`` column.
    sharpest_s
        Write, instead of each keyframe, the sharpest frame within that many seconds of it
        (as :func:`extract_frames`); the other frames of those windows are decoded then.
    """
    check_format(fmt, quality)
    check("sharpest_s", sharpest_s)
    video = Path(video)
    with open_video(video, max_pixels=max_pixels, panorama=panorama) as reader:
        tagger = FrameTagger.for_reader(reader, metadata)
        stem = name.stem if name else video.stem
        ranks, columns = None, None
        if sharpest_s:
            times = reader.index.times_s()
            keys = np.asarray(reader.index.key_ranks, dtype=np.int64)
            ranks, columns = _sharpest(reader, times, keys, sharpest_s)
        out = prepare_output_dir(out_dir or Path.cwd() / f"{stem}_keyframes")
        return write_frames(
            reader,
            out,
            keyframes=ranks is None,
            ranks=None if ranks is None else ranks.tolist(),
            extra_columns=columns,
            fmt=fmt,
            quality=quality,
            overwrite=overwrite,
            progress=progress,
            threads=threads,
            tagger=tagger,
            name=name,
            faces=faces,
            made_by=("keyframes", {"format": fmt, "sharpest_s": sharpest_s}),
        )


def extract_frames(
    video: str | Path,
    out_dir: str | Path | None = None,
    *,
    every_s: float | None = None,
    fps: float | None = None,
    at_s: Iterable[float] | None = None,
    all_frames: bool = False,
    distance_m: float | None = None,
    start_s: float = 0.0,
    end_s: float | None = None,
    fmt: str = "tiff",
    quality: int = 95,
    overwrite: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: Progress | None = None,
    threads: int | None = None,
    metadata: MetadataOptions | None = None,
    panorama: PanoramaOptions | None = None,
    name: InputName | None = None,
    faces: FaceOptions | None = None,
    sharpest_s: float | None = None,
) -> Extraction:
    """Write the frames of ``video`` chosen by time, or by distance travelled.

    Exactly one of ``every_s``, ``fps``, ``at_s`` or ``all_frames`` chooses the frames; a time
    ``t`` takes the frame on screen at ``t``. ``start_s``/``end_s`` bound the range (``end_s``
    exclusive). The reader seeks over stretches it does not need.

    ``distance_m`` takes a frame each time the camera has moved that many metres along its GPS track
    (:func:`vfx.tagging.sequences.distance_times`: geodesic, at the instant the distance is reached,
    the frame on screen then); ``every_s`` then caps the time between frames while moving. It needs
    a GPS track (embedded, or ``metadata.track``), and writes only frames with a position.

    ``sharpest_s`` writes, instead of each chosen frame, the sharpest frame within that many
    seconds of it (:func:`vfx.ops.sampling.sharpness`; only those windows are decoded first,
    on the luma), never one frame twice; frames.csv gets ``sharpness``, ``planned_time_s`` and
    ``offset_s``, and the time and GPS tags are the written frame's own.

    Other parameters are as in :func:`extract_keyframes`; the default folder is
    ``./<stem>_frames``.
    """
    check_format(fmt, quality)
    check("sharpest_s", sharpest_s)
    at_list = None if at_s is None else [float(t) for t in at_s]
    chosen = [every_s is not None, fps is not None, at_list is not None, all_frames]
    if distance_m is not None:
        check("distance_m", distance_m)
        if sum(chosen[1:]):
            raise ParameterError("--distance goes with --every (a maximum interval) only")
    elif sum(chosen) != 1:
        raise ParameterError("choose frames with exactly one of every, fps, at or all")
    check("every_s", every_s)
    check("fps", fps)
    check("start_s", start_s)
    check("end_s", end_s)
    if end_s is not None and end_s <= start_s:
        raise ParameterError(f"end ({end_s} s) must be after start ({start_s} s)")
    video = Path(video)
    if distance_m is not None:
        metadata = replace(metadata or MetadataOptions(), require_position=True)
        if not metadata.enabled:
            raise ParameterError("--distance needs the GPS track: drop --no-metadata")
    with open_video(video, max_pixels=max_pixels, panorama=panorama) as reader:
        times = reader.index.times_s()
        tagger = FrameTagger.for_reader(reader, metadata)
        if distance_m is not None:
            assert tagger is not None
            ranks = _distance_ranks(video, tagger, times, distance_m, every_s, start_s, end_s)
        else:
            ranks = _time_ranks(times, every_s, fps, at_list, all_frames, start_s, end_s)
        if ranks.size == 0:
            raise ParameterError(
                f"no frames between {start_s} s and {end_s if end_s is not None else 'the end'}"
                f" (the video ends at {float(times[-1]):.3f} s)"
            )
        columns = None
        if sharpest_s:
            ranks, columns = _sharpest(reader, times, np.asarray(ranks), sharpest_s)
        stem = name.stem if name else video.stem
        out = prepare_output_dir(out_dir or Path.cwd() / f"{stem}_frames")
        return write_frames(
            reader,
            out,
            keyframes=False,
            extra_columns=columns,
            ranks=np.asarray(ranks).tolist(),
            fmt=fmt,
            quality=quality,
            overwrite=overwrite,
            progress=progress,
            threads=threads,
            tagger=tagger,
            name=name,
            faces=faces,
            made_by=(
                "frames",
                {
                    "every_s": every_s,
                    "fps": fps,
                    "at_s": at_list,
                    "all": all_frames,
                    "distance_m": distance_m,
                    "start_s": start_s,
                    "end_s": end_s,
                    "format": fmt,
                    "sharpest_s": sharpest_s,
                },
            ),
        )


def _sharpest(
    reader: VideoReader, times: np.ndarray, planned: np.ndarray, window_s: float
) -> tuple[np.ndarray, dict[int, dict[str, object]]]:
    """The sharpest frame near each planned one, in display order, and their frames.csv
    columns; the windows are decoded once, as luma."""
    wanted = window_ranks(times, planned, window_s)
    scores = {f.index: sharpness(f.image) for f in reader.frames(ranks=wanted, pixels="grey")}
    chosen, kept = sharpest_ranks(times, planned, window_s, scores)
    columns: dict[int, dict[str, object]] = {
        int(c): {
            "sharpness": f"{scores[int(c)]:.3f}",
            "planned_time_s": format_seconds(float(times[p])),
            "offset_s": f"{float(times[c] - times[p]):+.6f}",
        }
        for c, p in zip(chosen.tolist(), kept.tolist(), strict=True)
    }
    return np.sort(chosen), columns


def _time_ranks(
    times: np.ndarray,
    every_s: float | None,
    fps: float | None,
    at_list: list[float] | None,
    all_frames: bool,
    start_s: float,
    end_s: float | None,
) -> np.ndarray:
    """The display indices of the frames chosen by time."""
    step = every_s if every_s is not None else (1.0 / fps if fps else None)
    gaps = np.diff(times)
    gaps = gaps[gaps > 0]
    if all_frames or (step is not None and gaps.size and step <= float(gaps.min())):
        # Sampling at least as fast as the video gives each frame once: every frame in
        # the range, without a target time per step (--fps 1e9 would make billions).
        return ranks_between(times, start_s, end_s)
    last = float(times[-1]) if times.size else 0.0
    stop = end_s if end_s is not None else last + 1e-6
    targets = target_times(every_s=every_s, fps=fps, at_s=at_list, start_s=start_s, end_s=stop)
    targets = targets[targets <= last + 1e-6] if at_list is None else targets
    return ranks_at(times, targets)


def _distance_ranks(
    video: Path,
    tagger: FrameTagger,
    times: np.ndarray,
    metres: float,
    every_s: float | None,
    start_s: float,
    end_s: float | None,
) -> np.ndarray:
    """The display indices of the frames on screen each time the camera has moved
    ``metres``; one line naming the file when there is no GPS track to measure on."""
    track = tagger.track_on_video_axis()
    if track is None:
        found = tagger.summary.gps_source
        why = f"no usable point in {found}" if found else "no GPS track in the video"
        raise MetadataError(
            f"--distance needs GPS positions: {why} (give one with --track FILE)", path=video
        )
    last = float(times[-1]) if times.size else 0.0
    targets = distance_times(
        track.time_s,
        track.lat,
        track.lon,
        metres,
        speed=track.speed,
        max_interval_s=every_s,
        min_interval_s=float(np.median(np.diff(times))) if times.size > 1 else 0.0,
        start_s=max(start_s, float(times[0]) if times.size else 0.0),
        end_s=min(end_s if end_s is not None else math.inf, last + 1e-6),
    )
    return ranks_at(times, targets)
