"""Background images, foreground masks, multi-exposure composites and contact sheets.

Each job takes a video (keyframes by default) or a folder of images, streams its frames
through the pure operations of :mod:`vfx.ops` (the ``numpy`` engine) or through ImageMagick
(the ``magick`` engine), and writes its outputs atomically.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vfx.errors import ImageReadError, OutputError, ParameterError, VfxError
from vfx.io.exif import ImageTags
from vfx.io.images import (
    format_for,
    looks_complete,
    prepare_output_dir,
    read_image,
    write_image,
)
from vfx.io.sources import FrameSource, Still, open_source
from vfx.io.table import TABLE_NAME, format_seconds, write_frame_table
from vfx.ops.background import (
    BACKGROUND_METHODS,
    Darken,
    FirstFrame,
    Lighten,
    Mean,
    Median,
    StreamingEstimate,
)
from vfx.ops.composite import COMPOSITE_MODES, ForegroundComposite
from vfx.ops.dtypes import to_uint8
from vfx.ops.masks import apply_mask, difference_mask, mask_to_uint8
from vfx.params import PARAMS, check

if TYPE_CHECKING:
    from vfx.metadata import FrameTagger

__all__ = [
    "ENGINES",
    "MASK_METHODS",
    "Composite",
    "MaskSet",
    "estimate_background",
    "make_background",
    "make_composite",
    "make_masks",
    "make_montage",
    "parse_colour",
]

log = logging.getLogger("vfx")

ENGINES = ("numpy", "magick")
MAX_PIXELS: int = PARAMS["max_pixels"].default
MASK_METHODS = ("difference", "mog2", "knn")
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


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "magick":
        from vfx.io.magick import check_available

        check_available()


def _source(input: str | Path | FrameSource, frames: str, max_pixels: int) -> FrameSource:
    if isinstance(input, FrameSource):
        return input
    return open_source(input, frames=frames, max_pixels=max_pixels)


def _stream(
    stills: Iterable[Still],
    total: int,
    progress: Progress | None,
    exposures: _Exposures | None = None,
) -> Iterable[Still]:
    if progress:
        progress(0, total)
    for done, still in enumerate(stills, 1):
        if exposures is not None:
            exposures.observe(still)
        yield still
        if progress:
            progress(done, total)


def _feed(
    source: FrameSource,
    estimate: StreamingEstimate | object,
    progress: Progress | None,
    exposures: _Exposures | None = None,
) -> None:
    update = estimate.update  # type: ignore[attr-defined]
    try:
        # Each frame is decoded for this stream alone, so the estimate may keep it.
        for still in _stream(source, source.count, progress, exposures):
            update(still.image, copy=False)
    except ValueError as exc:
        raise ImageReadError(str(exc), path=source.path) from exc


def estimate_background(
    input: str | Path | FrameSource,
    *,
    method: str = "auto",
    frames: str = "keyframes",
    sample: int = 31,
    engine: str = "numpy",
    max_pixels: int = MAX_PIXELS,
    progress: Progress | None = None,
) -> np.ndarray:
    """The empty scene behind the moving figure.

    Parameters
    ----------
    method
        ``first``: the first frame; ``mean``: the exact mean (``uint16`` for 8-bit input);
        ``median``: per-pixel median of every frame (memory grows with the frame count; use
        ``auto`` for long inputs); ``lighten``/``darken``: per-channel maximum/minimum, as
        ImageMagick's ``-compose lighten|darken -flatten``; ``auto``: median of at most
        ``sample`` frames spread evenly over the input, a robust estimate in bounded memory.
    """
    _check_estimate(method, sample, engine)
    return _estimate(_source(input, frames, max_pixels), method, sample, engine, progress, None)


def _check_estimate(method: str, sample: int, engine: str) -> None:
    if method not in BACKGROUND_METHODS:
        raise ParameterError(
            f"background method must be one of {', '.join(BACKGROUND_METHODS)}, got {method!r}"
        )
    check("sample", sample)
    _check_engine(engine)


def _estimate(
    source: FrameSource,
    method: str,
    sample: int,
    engine: str,
    progress: Progress | None,
    exposures: _Exposures | None,
) -> np.ndarray:
    """:func:`estimate_background` on a source, recording the frames used in ``exposures``."""
    if method == "first":
        source = source.subset([0])
    elif method == "auto":
        source = source.spread(sample)
    if engine == "magick":
        from vfx.io.magick import MagickFlatten, magick_evaluate

        if method in ("lighten", "darken"):
            flat = MagickFlatten(method)
            _feed(source, flat, progress, exposures)
            return flat.result(copy=False)
        if method in ("mean", "median", "auto"):
            operator = "mean" if method == "mean" else "median"
            return magick_evaluate(
                (s.image for s in _stream(source, source.count, progress, exposures)), operator
            )
    estimate: StreamingEstimate
    if method == "first":
        estimate = FirstFrame()
    elif method == "mean":
        estimate = Mean()
    elif method == "lighten":
        estimate = Lighten()
    elif method == "darken":
        estimate = Darken()
    else:
        estimate = Median(max_frames=max(source.count, 1))
    _feed(source, estimate, progress, exposures)
    return estimate.result(copy=False)


@dataclass
class Composite:
    """What a background or composite job wrote."""

    path: Path
    frames: int
    shape: tuple[int, ...]
    dtype: str


def _guard_single(out: str | Path, source: FrameSource, overwrite: bool) -> None:
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
        raise OutputError("already exists; pass --overwrite to replace it", path=out)


def _guard_folder(out: Path, source: FrameSource) -> None:
    """Refuse writing a job's frames.csv and images into the folder it reads its frames from."""
    if source.kind == "folder" and out.resolve() == source.path.resolve():
        raise OutputError(
            "the output folder is the input folder: its frames.csv (times, GPS) would be "
            "replaced and a re-run would take the outputs for frames; choose another -o",
            path=out,
        )


def _write_single(
    path: str | Path, image: np.ndarray, quality: int = 95, exposures: _Exposures | None = None
) -> Path:
    """Write one image made from many frames, tagged with their span when it is known."""
    path = Path(path)
    fmt = format_for(path)
    if path.parent != Path("") and not path.parent.is_dir():
        prepare_output_dir(path.parent)
    if fmt == "jpg" and image.dtype == np.uint16:
        log.warning("%s: JPEG keeps 8 bits; use .tiff or .png to keep all 16", path)
    tags = exposures.span(image.shape[1], image.shape[0]) if exposures else None
    # Nothing else runs now: the strips compress on every core.
    write_image(path, image, quality=quality, tags=tags, threads=os.cpu_count() or 1)
    return path


def make_background(
    input: str | Path,
    out: str | Path,
    *,
    method: str = "auto",
    frames: str = "keyframes",
    sample: int = 31,
    engine: str = "numpy",
    max_pixels: int = MAX_PIXELS,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> Composite:
    """Estimate the background (see :func:`estimate_background`) and write it to ``out``.

    The image is tagged with the span of the frames it was estimated from (see
    :func:`vfx.tags.span_tags`). An existing ``out`` is replaced only with ``overwrite``, and
    never when it is one of the inputs.
    """
    format_for(out)
    _check_estimate(method, sample, engine)
    source = _source(input, frames, max_pixels)
    _guard_single(out, source, overwrite)
    exposures = _Exposures(source, "background")
    image = _estimate(source, method, sample, engine, progress, exposures)
    path = _write_single(out, image, exposures=exposures)
    return Composite(path, exposures.count, image.shape, str(image.dtype))


def _load_background(
    spec: str | Path | np.ndarray,
    source: FrameSource,
    *,
    sample: int,
    engine: str,
    progress: Progress | None,
) -> np.ndarray:
    if isinstance(spec, np.ndarray):
        return spec
    text = str(spec)
    if text in ("first", "auto", "mean", "median", "lighten", "darken"):
        return estimate_background(
            source, method=text, sample=sample, engine=engine, progress=progress
        )
    path = Path(text)
    if not path.is_file():
        raise ImageReadError(
            "background must be first, auto or an image file; no such file", path=path
        )
    image = read_image(path)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3])


def _check_background(background: np.ndarray, still: Still, bg_label: str) -> None:
    if background.shape != still.image.shape:
        bh, bw = background.shape[:2]
        fh, fw = still.image.shape[:2]
        raise ImageReadError(f"background is {bw}x{bh} but the frames are {fw}x{fh}", path=bg_label)
    if background.dtype != still.image.dtype:
        raise ImageReadError(
            f"background is {background.dtype} but the frames are {still.image.dtype}",
            path=bg_label,
        )


@dataclass
class MaskSet:
    """What :func:`make_masks` wrote."""

    out_dir: Path
    masks: list[Path] = field(default_factory=list)
    cleans: list[Path] = field(default_factory=list)
    skipped: int = 0
    table: Path | None = None


class _Exposures:
    """The time and place of a job's frames, from the metadata stage.

    A video's frames are tagged by :class:`vfx.metadata.FrameTagger` (made on first use); a
    folder's images by their ``frames.csv`` rows. ``tags(still)`` gives one frame's tags (for
    its mask and clean figure); ``observe`` records the frames that went into one image, and
    ``span`` gives that image's tags (:func:`vfx.tags.span_tags`). Thread-safe.
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
                from vfx.metadata import FrameTagger, MetadataOptions

                try:
                    self._tagger = FrameTagger.for_video(self.source.path, MetadataOptions())
                except VfxError as exc:
                    log.warning("%s; the %s get no time or GPS tags", exc, self.what)
        return self._tagger

    def tags(self, still: Still) -> ImageTags | None:
        """The frame's time, place and source, or None when nothing is known."""
        h, w = still.image.shape[:2]
        if still.row:
            from vfx.tags import tags_from_row

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
        from vfx.tags import span_tags

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


def _subtractor(method: str, history: int) -> object:
    import cv2

    if method == "mog2":
        return cv2.createBackgroundSubtractorMOG2(history=history, detectShadows=False)
    return cv2.createBackgroundSubtractorKNN(history=history, detectShadows=False)


def make_masks(
    input: str | Path,
    out_dir: str | Path | None = None,
    *,
    background: str | Path | np.ndarray = "auto",
    method: str = "difference",
    frames: str = "keyframes",
    threshold1: float = 0.05,
    blur1: float = 3.0,
    threshold2: float = 0.20,
    blur2: float = 3.0,
    history: int = 500,
    clean_background: str = "black",
    fmt: str = "png",
    quality: int = 95,
    sample: int = 31,
    engine: str = "numpy",
    overwrite: bool = False,
    max_pixels: int = MAX_PIXELS,
    progress: Progress | None = None,
) -> MaskSet:
    """A foreground mask and a clean foreground image for every frame.

    ``difference`` (default) subtracts ``background`` (``first``, ``auto`` or an image file)
    with ImageMagick's chain (see :func:`vfx.ops.masks.difference_mask`). ``mog2`` and ``knn``
    run OpenCV's background subtractors over every frame in order (``history`` frames) and keep
    the masks of the selected frames. Clean images show the frame where the mask is set and
    ``clean_background`` elsewhere (``transparent`` writes RGBA).

    Files: ``<name>_mask.png`` (8-bit grey; ``fmt`` when that is lossless) and
    ``<name>_clean.<fmt>``, plus ``frames.csv``. Complete pairs are skipped on a re-run unless
    ``overwrite``.
    """
    if method not in MASK_METHODS:
        raise ParameterError(
            f"mask method must be one of {', '.join(MASK_METHODS)}, got {method!r}"
        )
    for name, value in (
        ("threshold", threshold1),
        ("threshold2", threshold2),
        ("blur", blur1),
        ("blur2", blur2),
        ("history", history),
        ("quality", quality),
    ):
        check(name, value)
    colour = parse_colour(clean_background)
    _check_engine(engine)
    if method != "difference" and engine == "magick":
        raise ParameterError("the magick engine only computes difference masks")
    source = _source(input, frames, max_pixels)
    _guard_folder(Path(out_dir or Path.cwd() / f"{source.label}_masks"), source)
    out = prepare_output_dir(out_dir or Path.cwd() / f"{source.label}_masks")
    clean_fmt = "png" if colour is None and fmt == "jpg" else fmt
    mask_fmt = "png" if fmt == "jpg" else fmt
    result = MaskSet(out)
    rows: list[dict[str, object]] = []

    bg: np.ndarray | None = None
    subtractor = None
    if method == "difference":
        bg = _load_background(background, source, sample=sample, engine=engine, progress=None)
        bg_label = str(background) if not isinstance(background, np.ndarray) else "background"
        stills: Iterable[Still] = source
    else:
        subtractor = _subtractor(method, history)
        stills = source.iter_all()

    def mask_of(still: Still) -> np.ndarray:
        """The frame's 8-bit mask (255 is foreground)."""
        if subtractor is not None:
            import cv2

            image = still.image if still.image.dtype == np.uint8 else to_uint8(still.image)
            raw = subtractor.apply(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))  # type: ignore[attr-defined]
            return np.where(raw > 127, np.uint8(255), np.uint8(0))
        assert bg is not None
        _check_background(bg, still, bg_label)
        if engine == "magick":
            from vfx.io.magick import magick_difference_mask

            m = magick_difference_mask(
                still.image,
                bg,
                threshold1=threshold1,
                blur1=blur1,
                threshold2=threshold2,
                blur2=blur2,
            )
            return mask_to_uint8(m.astype(np.float32) / np.float32(np.iinfo(m.dtype).max))
        return difference_mask(
            still.image,
            bg,
            threshold1=threshold1,
            blur1=blur1,
            threshold2=threshold2,
            blur2=blur2,
            dtype=np.uint8,
        )

    exposures = _Exposures(source, "masks")

    def task(still: Still, mask: np.ndarray | None) -> tuple[np.ndarray, bool]:
        """Mask a frame (unless given) and write its pair (unless complete); returns the mask."""
        if mask is None:
            mask = mask_of(still)
        mask_path, clean_path = paths(still)
        if looks_complete(mask_path) and looks_complete(clean_path) and not overwrite:
            return mask, False
        tags = exposures.tags(still)
        write_image(mask_path, mask, tags=tags)
        write_image(
            clean_path,
            apply_mask(still.image, mask, background=colour),
            quality=quality,
            tags=tags,
        )
        return mask, True

    def paths(still: Still) -> tuple[Path, Path]:
        return out / f"{still.name}_mask.{mask_fmt}", out / f"{still.name}_clean.{clean_fmt}"

    def settle(entry: tuple[Still, Future[tuple[np.ndarray, bool]]]) -> None:
        still, future = entry
        mask, written = future.result()
        mask_path, clean_path = paths(still)
        if written:
            result.masks.append(mask_path)
            result.cleans.append(clean_path)
        else:
            result.skipped += 1
        rows.append(_mask_row(still, clean_path.name, mask_path.name, float(mask.mean()) / 255))
        if progress:
            progress(len(rows), source.count)

    # Frames are independent for the difference method: mask and write them on two threads
    # while the next frames are read. The subtractors are sequential: only writing is pooled.
    if progress:
        progress(0, source.count)
    pending: deque[tuple[Still, Future[tuple[np.ndarray, bool]]]] = deque()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="vfx-mask") as pool:
        try:
            for still in stills:
                # A subtractor must see every frame, in order, selected or not.
                mask = mask_of(still) if subtractor is not None else None
                if not still.selected:
                    continue
                pending.append((still, pool.submit(task, still, mask)))
                while len(pending) > 4:
                    settle(pending.popleft())
            while pending:
                settle(pending.popleft())
        except KeyboardInterrupt:
            log.warning(
                "%s: interrupted after %d of %d frames; a re-run keeps the complete pairs",
                source.path,
                len(rows),
                source.count,
            )
            raise
        finally:
            for _, future in pending:
                future.cancel()
    result.table = write_frame_table(out, rows, source=None)
    return result


def _mask_row(still: Still, clean: str, mask: str, coverage: float) -> dict[str, object]:
    h, w = still.image.shape[:2]
    return {
        "file": clean,
        "frame_index": still.index if still.index is not None else "",
        "pts": still.pts if still.pts is not None else "",
        "time_s": format_seconds(still.time) if still.time is not None else "",
        "time_base": str(still.time_base) if still.time_base is not None else "",
        "source": still.source,
        "width": w,
        "height": h,
        "mask": mask,
        "foreground_fraction": f"{coverage:.6f}",
    }


def make_composite(
    input: str | Path,
    out: str | Path,
    *,
    mode: str = "darken",
    frames: str = "keyframes",
    background: str | Path | np.ndarray = "auto",
    fade: float = 0.0,
    threshold1: float = 0.05,
    blur1: float = 3.0,
    threshold2: float = 0.20,
    blur2: float = 3.0,
    sample: int = 31,
    engine: str = "numpy",
    quality: int = 95,
    max_pixels: int = MAX_PIXELS,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> Composite:
    """The multi-exposure image of all frames ("keyframe display").

    ``darken`` is ``convert ... -background white -compose darken -flatten`` (good for a dark
    figure on a light scene), ``lighten`` the same on black with ``lighten``, ``mean`` the
    average (``uint16``), and ``foreground`` pastes each frame's masked figure over the
    background (mask options as in :func:`make_masks`), optionally fading older exposures.
    Memory stays flat in the number of frames. An existing ``out`` is replaced only with
    ``overwrite``, and never when it is one of the inputs.
    """
    if mode not in COMPOSITE_MODES:
        raise ParameterError(
            f"composite mode must be one of {', '.join(COMPOSITE_MODES)}, got {mode!r}"
        )
    check("fade", fade)
    format_for(out)
    _check_engine(engine)
    source = _source(input, frames, max_pixels)
    _guard_single(out, source, overwrite)
    exposures = _Exposures(source, "composite")
    estimate: object
    if mode in ("darken", "lighten"):
        if engine == "magick":
            from vfx.io.magick import MagickFlatten

            estimate = MagickFlatten(mode)
        else:
            estimate = Darken() if mode == "darken" else Lighten()
    elif mode == "mean":
        if engine == "magick":
            from vfx.io.magick import magick_evaluate

            image = magick_evaluate(
                (s.image for s in _stream(source, source.count, progress, exposures)), "mean"
            )
            path = _write_single(out, image, quality, exposures)
            return Composite(path, source.count, image.shape, str(image.dtype))
        estimate = Mean()
    else:
        if engine == "magick":
            raise ParameterError("the foreground composite is computed by the numpy engine")
        bg = _load_background(background, source, sample=sample, engine=engine, progress=None)
        estimate = _CheckedForeground(
            bg,
            "the background array" if isinstance(background, np.ndarray) else str(background),
            fade=fade,
            threshold1=threshold1,
            blur1=blur1,
            threshold2=threshold2,
            blur2=blur2,
        )
    _feed(source, estimate, progress, exposures)
    image = estimate.result(copy=False)  # type: ignore[attr-defined]
    path = _write_single(out, image, quality, exposures)
    return Composite(path, source.count, image.shape, str(image.dtype))


class _CheckedForeground(ForegroundComposite):
    """A foreground composite whose size errors name the background."""

    def __init__(self, background: np.ndarray, label: str, **kwargs: float) -> None:
        super().__init__(background, **kwargs)  # type: ignore[arg-type]
        self.label = label

    def update(self, frame: np.ndarray, *, copy: bool = True) -> None:
        if frame.shape != self.background.shape:
            bh, bw = self.background.shape[:2]
            raise ImageReadError(
                f"background is {bw}x{bh} but the frames are {frame.shape[1]}x{frame.shape[0]}",
                path=self.label,
            )
        super().update(frame, copy=copy)


def make_montage(
    input: str | Path,
    out: str | Path,
    *,
    frames: str = "keyframes",
    columns: int = 6,
    tile_width: int = 320,
    font_size: float = 14,
    max_pixels: int = MAX_PIXELS,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> Composite:
    """A contact sheet of the frames via ImageMagick, each labelled with what is known of it.

    A label has the frame's name, its time in the video, and from the metadata stage its UTC
    time and position (``frames.csv`` rows for a folder). The sheet is tagged with the span of
    its frames (see :func:`vfx.tags.span_tags`).
    """
    check("columns", columns)
    check("tile_width", tile_width)
    check("font_size", font_size)
    out = Path(out)
    format_for(out)
    from vfx.io.magick import montage

    source = _source(input, frames, max_pixels)
    _guard_single(out, source, overwrite)
    if out.parent != Path("") and not out.parent.is_dir():
        prepare_output_dir(out.parent)
    exposures = _Exposures(source, "contact sheet")

    def labelled() -> Iterable[tuple[np.ndarray, str]]:
        for still in _stream(source, source.count, progress, exposures):
            yield still.image, _label(still, exposures.tags(still))

    try:
        width, height = montage(
            labelled(),
            out,
            columns=columns,
            tile_width=tile_width,
            font_size=font_size,
            tags=exposures.span,
        )
    except ValueError as exc:
        raise ImageReadError(str(exc), path=source.path) from exc
    except OSError as exc:
        raise OutputError(f"cannot write ({exc})", path=out) from exc
    return Composite(out, source.count, (height, width, 3), "uint8")


def _label(still: Still, tags: ImageTags | None) -> str:
    """A contact-sheet label: name, time in the video, UTC time and position when known."""
    lines = [still.name]
    if still.time is not None:
        lines.append(f"{float(still.time):.3f} s")
    if tags is not None and tags.datetime_original is not None:
        lines.append(tags.datetime_original.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))
    if tags is not None and tags.lat is not None and tags.lon is not None:
        lines.append(f"{tags.lat:.5f}, {tags.lon:.5f}")
    return "\n".join(lines)
