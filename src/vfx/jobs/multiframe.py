"""What the jobs over many frames share (background, masks, composite, montage).

The frame source (:func:`frame_source`: a video's keyframes or chosen frames, or a folder),
its stream with progress (:func:`stream_frames`, :func:`feed`), the engines and colours they
accept, the output guards (:func:`guard_single`, :func:`guard_folder`: never an input, never
the input folder), the writer of one image made from many frames (:func:`write_single`) and
the time and place of those frames (:class:`Exposures`, the span tags).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vfx.errors import ImageReadError, OutputError, ParameterError, VfxError
from vfx.io.exif import ImageTags
from vfx.io.files import prepare_output_dir
from vfx.io.images import format_for, write_image
from vfx.io.sources import FrameSource, Still, open_source
from vfx.io.table import TABLE_NAME
from vfx.ops.stack import (
    StreamingEstimate,
)
from vfx.params import PARAMS
from vfx.types import FrameChoice
from vfx.workers import available_cores

if TYPE_CHECKING:
    from vfx.tagging.tagger import FrameTagger


log = logging.getLogger("vfx")


ENGINES = ("numpy", "magick")
MAX_PIXELS: int = PARAMS["max_pixels"].default
MASK_METHODS = ("difference", "mog2", "knn", "person", "chroma")
#: The mask methods that need no background: each frame is masked on its own.
FIGURE_METHODS = ("person", "chroma")
Progress = Callable[[int, "int | None"], None]


_NAMED_COLOURS = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
}


def parse_colour(text: str) -> tuple[int, int, int] | None:
    """``black``, ``white``, ``#rrggbb``, ``r,g,b`` or ``transparent`` (``None``).

    >>> parse_colour("#ff8000"), parse_colour("10,20,30"), parse_colour("transparent")
    ((255, 128, 0), (10, 20, 30), None)
    """
    t = text.strip().lower()
    if t == "transparent":
        return None
    if t in _NAMED_COLOURS:
        return _NAMED_COLOURS[t]
    if re.fullmatch(r"#[0-9a-f]{6}", t):
        return (int(t[1:3], 16), int(t[3:5], 16), int(t[5:7], 16))
    parts = t.split(",")
    if len(parts) == 3 and all(p.strip().isdigit() and int(p) <= 255 for p in parts):
        return (int(parts[0]), int(parts[1]), int(parts[2]))
    raise ParameterError(
        f"colour must be black, white, transparent, #rrggbb or r,g,b (0-255), got {text!r}"
    )


class FigureMask:
    """The figure of one frame by a method that needs no background (:data:`FIGURE_METHODS`):
    ``float32 (H, W)`` in ``[0, 1]``, 1 on the figure.

    ``person`` is the person segmentation of MediaPipe's BlazePose model (one person; certain
    below 0.25 and above 0.75, a soft edge between, so the model's faint haze far from the
    body does not tint a clean figure). ``chroma`` keys out a coloured screen: ``key`` is
    ``auto`` (the median colour of the frame's border, :meth:`key_of`) or a colour, with
    ``tolerance`` and ``softness`` as in :func:`vfx.ops.subtraction.chroma_mask`.

    One caller at a time: the person model is not shared between threads.
    """

    def __init__(
        self,
        method: str,
        *,
        key: str = "auto",
        tolerance: float = PARAMS["tolerance"].default,
        softness: float = PARAMS["softness"].default,
        folder: Path | None = None,
    ) -> None:
        if method not in FIGURE_METHODS:
            raise ParameterError(f"figure masks are {' or '.join(FIGURE_METHODS)}, got {method!r}")
        from vfx.params import check

        check("tolerance", tolerance)
        check("softness", softness)
        self.method = method
        self.tolerance, self.softness = tolerance, softness
        self._key = None if key == "auto" else parse_colour(key)
        if key != "auto" and self._key is None:
            raise ParameterError("key must be auto or a colour, not transparent")
        self._person = None
        if method == "person":
            from vfx.jobs.trackers import BodyTracker

            self._person = BodyTracker(smooth=False, folder=folder)

    def key_of(self, image: np.ndarray) -> tuple[float, float, float]:
        """The screen's colour in the image's own scale (chroma)."""
        from vfx.ops.subtraction import border_colour

        if self._key is None:
            return border_colour(image)
        scale = 1.0 if image.dtype == np.uint8 else np.iinfo(image.dtype).max / 255.0
        return tuple(c * scale for c in self._key)  # type: ignore[return-value]

    def __call__(
        self, image: np.ndarray, key: tuple[float, float, float] | None = None
    ) -> np.ndarray:
        """The figure of ``image`` (RGB); ``key`` is the chroma key when already known."""
        if self._person is None:
            from vfx.ops.subtraction import chroma_mask

            key = self.key_of(image) if key is None else key
            return chroma_mask(image, key, tolerance=self.tolerance, softness=self.softness)
        from vfx.ops.dtypes import to_uint8

        found = self._person.person_mask(image if image.dtype == np.uint8 else to_uint8(image))
        if found is None:
            return np.zeros(image.shape[:2], np.float32)
        return np.clip((found - np.float32(0.25)) * np.float32(2.0), 0.0, 1.0)


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "magick":
        from vfx.io.magick import check_available

        check_available()


def frame_source(
    input: str | Path | FrameSource, frames: FrameChoice, max_pixels: int
) -> FrameSource:
    if isinstance(input, FrameSource):
        return input
    return open_source(input, frames=frames, max_pixels=max_pixels)


def stream_frames(
    stills: Iterable[Still],
    total: int,
    progress: Progress | None,
    exposures: Exposures | None = None,
) -> Iterable[Still]:
    if progress:
        progress(0, total)
    for done, still in enumerate(stills, 1):
        if exposures is not None:
            exposures.observe(still)
        yield still
        if progress:
            progress(done, total)


def feed(
    source: FrameSource,
    estimate: StreamingEstimate | object,
    progress: Progress | None,
    exposures: Exposures | None = None,
    *,
    figure: FigureMask | None = None,
) -> None:
    """Every frame of ``source`` into ``estimate``; with ``figure``, each frame's figure
    (a little grown, so its soft edge goes too) is given as the pixels to leave out."""
    update = estimate.update  # type: ignore[attr-defined]
    try:
        # Each frame is decoded for this stream alone, so the estimate may keep it.
        for still in stream_frames(source, source.count, progress, exposures):
            if figure is None:
                update(still.image, copy=False)
            else:
                update(still.image, copy=False, exclude=_grown(figure(still.image) > 0))
    except ValueError as exc:
        raise ImageReadError(str(exc), path=source.path) from exc


def _grown(mask: np.ndarray, pixels: int = 6) -> np.ndarray:
    """``mask`` grown by ``pixels`` on every side."""
    import cv2

    side = 2 * pixels + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


@dataclass
class Composite:
    """What a background or composite job wrote."""

    path: Path
    frames: int
    shape: tuple[int, ...]
    dtype: str

    def _repr_html_(self) -> str:
        """The picture, in a notebook."""
        from vfx.io.display import PICTURE_WIDTH, gallery_html

        size = "x".join(str(n) for n in self.shape[1::-1])
        return gallery_html(
            f"{self.path.name} ({size}, {self.dtype}, from {self.frames} frames)",
            [(self.path, "")],
            width=PICTURE_WIDTH,
        )


def guard_single(out: str | Path, source: FrameSource, overwrite: bool) -> None:
    """Refuse, before any work, an output file that would replace an input or an existing
    file the user did not ask to replace.

    An input (a frame of the folder, its frames.csv, the video) is never replaced, with or
    without ``overwrite``. An image written into a folder of frames that has no frames.csv
    would be taken for a frame by the next run over that folder, so that is refused too.
    """
    out = Path(out)
    target = out.resolve()
    inputs = {p.resolve() for p in source._files} | {source.path.resolve()}
    if source.kind == "folder":
        inputs.add((source.path / TABLE_NAME).resolve())
    if target in inputs:
        raise OutputError(
            "the output would replace an input of this job; write it elsewhere", path=out
        )
    if (
        source.kind == "folder"
        and target.parent == source.path.resolve()
        and not (source.path / TABLE_NAME).is_file()
    ):
        raise OutputError(
            "the output would land among the input frames (a folder without frames.csv), "
            "where the next run would take it for a frame; write it elsewhere",
            path=out,
        )
    if out.exists() and not overwrite:
        raise OutputError(
            "already exists; pass overwrite=True (--overwrite) to replace it", path=out
        )


def guard_folder(out: Path, source: FrameSource) -> None:
    """Refuse writing a job's frames.csv and images into the folder it reads its frames from."""
    if source.kind == "folder" and out.resolve() == source.path.resolve():
        raise OutputError(
            "the output folder is the input folder: its frames.csv (times, GPS) would be "
            "replaced and a re-run would take the outputs for frames; choose another -o",
            path=out,
        )


def write_single(
    path: str | Path,
    image: np.ndarray,
    quality: int = 95,
    exposures: Exposures | None = None,
    threads: int | None = None,
) -> Path:
    """Write one image made from many frames, tagged with their span when it is known; its
    strips compress on ``threads`` threads (default: the process's cores)."""
    path = Path(path)
    fmt = format_for(path)
    if path.parent != Path("") and not path.parent.is_dir():
        prepare_output_dir(path.parent)
    if fmt == "jpg" and image.dtype == np.uint16:
        log.warning("%s: JPEG keeps 8 bits; use .tiff or .png to keep all 16", path)
    tags = exposures.span(image.shape[1], image.shape[0]) if exposures else None
    # Nothing else runs now: the strips compress on every core.
    write_image(path, image, quality=quality, tags=tags, threads=threads or available_cores())
    return path


class Exposures:
    """The time and place of a job's frames, from the metadata stage.

    A video's frames are tagged by :class:`vfx.tagging.tagger.FrameTagger` (made on first use); a
    folder's images by their ``frames.csv`` rows. ``tags(still)`` gives one frame's tags (for
    its mask and clean figure); ``observe`` records the frames that went into one image, and
    ``span`` gives that image's tags (:func:`vfx.tagging.rows.span_tags`). Thread-safe.
    """

    def __init__(self, source: FrameSource, what: str) -> None:
        self.source = source
        self.what = what
        self._tagger: FrameTagger | None = None
        self._tagger_made = False
        self._lock = threading.Lock()
        self._first: Still | None = None
        self._last: Still | None = None
        self.count = 0

    def _frame_tagger(self) -> FrameTagger | None:
        if not self._tagger_made:
            self._tagger_made = True
            if self.source.kind == "video":
                from vfx.tagging.settings import MetadataOptions
                from vfx.tagging.tagger import FrameTagger

                try:
                    self._tagger = FrameTagger.for_video(self.source.path, MetadataOptions())
                except VfxError as exc:
                    log.warning("%s; the %s get no time or GPS tags", exc, self.what)
        return self._tagger

    def tags(self, still: Still) -> ImageTags | None:
        """The frame's time, place and source, or None when nothing is known."""
        h, w = still.image.shape[:2]
        if still.row:
            from vfx.tagging.rows import tags_from_row

            return tags_from_row(still.row, w, h)
        with self._lock:
            tagger = self._frame_tagger()
            if tagger is not None and still.time is not None and still.index is not None:
                return tagger.tags(still.time, still.index, w, h)[0]
        return None

    def observe(self, still: Still) -> None:
        """Count a frame that goes into the image; keep the first and the last."""
        # Keep the frame's shape, not its pixels.
        light = replace(still, image=np.broadcast_to(still.image.dtype.type(0), still.image.shape))
        with self._lock:
            if self._first is None:
                self._first = light
            self._last = light
            self.count += 1

    def span(self, width: int, height: int) -> ImageTags | None:
        """The tags of the image made from the observed frames."""
        if self._first is None or self._last is None:
            return None
        from vfx.tagging.rows import span_tags

        first, last = self.tags(self._first), self.tags(self._last)
        if first is None or last is None:
            first = last = ImageTags()
        t0, t1 = self._first.time, self._last.time
        return span_tags(
            first,
            last,
            self.count,
            width,
            height,
            first_time_s=float(t0) if t0 is not None else None,
            last_time_s=float(t1) if t1 is not None else None,
        )
