"""Foreground masks and clean figures, one per frame."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vfx.errors import ParameterError
from vfx.io.files import prepare_output_dir
from vfx.io.images import looks_complete, write_image
from vfx.io.sources import Still
from vfx.io.table import format_seconds, write_frame_table
from vfx.jobs.background import MASK_HINT, _check_background, _load_background
from vfx.jobs.multiframe import (
    FIGURE_METHODS,
    MASK_METHODS,
    MAX_PIXELS,
    Exposures,
    FigureMask,
    Progress,
    check_engine,
    frame_source,
    guard_folder,
    parse_colour,
)
from vfx.jobs.recording import note_outputs
from vfx.ops.dtypes import to_uint8
from vfx.ops.subtraction import (
    apply_mask,
    difference_mask,
    mask_to_uint8,
    suppress_spill,
)
from vfx.params import PARAMS, check
from vfx.types import KEYFRAMES, FrameChoice

__all__ = ["MaskSet", "make_masks"]

log = logging.getLogger("vfx")


@dataclass
class MaskSet:
    """What :func:`make_masks` wrote."""

    out_dir: Path
    masks: list[Path] = field(default_factory=list)
    cleans: list[Path] = field(default_factory=list)
    skipped: int = 0
    table: Path | None = None

    def _repr_html_(self) -> str:
        """The first masks beside their clean figures, in a notebook."""
        from vfx.io.display import STRIP_MAX, gallery_html

        pairs = [(p, p.stem) for pair in zip(self.masks, self.cleans, strict=False)
                 for p in pair][:STRIP_MAX]  # fmt: skip
        return gallery_html(f"{len(self.masks)} masks in {self.out_dir}", pairs)


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
    frames: FrameChoice = KEYFRAMES,
    threshold1: float = 0.05,
    blur1: float = 3.0,
    threshold2: float = 0.20,
    blur2: float = 3.0,
    history: int = 500,
    key: str = "auto",
    tolerance: float = PARAMS["tolerance"].default,
    softness: float = PARAMS["softness"].default,
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
    with ImageMagick's chain (see :func:`vfx.ops.subtraction.difference_mask`). ``mog2`` and ``knn``
    run OpenCV's background subtractors over every frame in order (``history`` frames) and keep
    the masks of the selected frames. ``person`` is the person-segmentation output of
    MediaPipe's BlazePose model (for a figure that never leaves the frame, where no background
    estimate can work; one person), each frame on its own. ``chroma`` keys out a coloured
    screen: ``key`` is ``auto`` (the median colour of the frame's border) or a colour, and
    pixels whose chroma lies within ``tolerance`` of it are background, with a ramp of
    ``softness`` for soft edges (see :func:`vfx.ops.subtraction.chroma_mask`); its clean
    figures have the screen's colour cast taken off. Clean images show the frame where the
    mask is set and ``clean_background`` elsewhere (``transparent`` writes RGBA).

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
        ("tolerance", tolerance),
        ("softness", softness),
    ):
        check(name, value)
    colour = parse_colour(clean_background)
    figure_mask = (
        FigureMask(method, key=key, tolerance=tolerance, softness=softness)
        if method in FIGURE_METHODS
        else None
    )
    check_engine(engine)
    if method != "difference" and engine == "magick":
        raise ParameterError("the magick engine only computes difference masks")
    source = frame_source(input, frames, max_pixels)
    guard_folder(Path(out_dir or Path.cwd() / f"{source.label}_masks"), source)
    out = prepare_output_dir(out_dir or Path.cwd() / f"{source.label}_masks")
    clean_fmt = "png" if colour is None and fmt == "jpg" else fmt
    mask_fmt = "png" if fmt == "jpg" else fmt
    result = MaskSet(out)
    rows: list[dict[str, object]] = []

    bg: np.ndarray | None = None
    subtractor = None
    person = method == "person"
    if figure_mask is not None:
        stills = source
    elif method == "difference":
        bg = _load_background(
            background, source, sample=sample, engine=engine, progress=None, hint=MASK_HINT
        )
        bg_label = str(background) if not isinstance(background, np.ndarray) else "background"
        stills: Iterable[Still] = source
    else:
        subtractor = _subtractor(method, history)
        stills = source.iter_all()

    def mask_of(still: Still, key: tuple[float, float, float] | None = None) -> np.ndarray:
        """The frame's 8-bit mask (255 is foreground); ``key`` is the chroma method's."""
        if figure_mask is not None:
            return mask_to_uint8(figure_mask(still.image, key))
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

    exposures = Exposures(source, "masks")

    def task(still: Still, mask: np.ndarray | None) -> tuple[np.ndarray, bool]:
        """Mask a frame (unless given) and write its pair (unless complete); returns the mask."""
        key = figure_mask.key_of(still.image) if method == "chroma" else None  # type: ignore[union-attr]
        if mask is None:
            mask = mask_of(still, key)
        mask_path, clean_path = paths(still)
        if looks_complete(mask_path) and looks_complete(clean_path) and not overwrite:
            return mask, False
        tags = exposures.tags(still)
        write_image(mask_path, mask, tags=tags)
        figure = still.image if key is None else suppress_spill(still.image, key)
        write_image(
            clean_path,
            apply_mask(figure, mask, background=colour),
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
                # and the person model runs on this thread only (one interpreter, one caller).
                mask = mask_of(still) if subtractor is not None or person else None
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
    note_outputs(
        "mask",
        [*((p, f"Mask of {p.stem.removesuffix('_mask')} ({method})", "mask")
           for p in result.masks),
         *((p, f"Clean figure of {p.stem.removesuffix('_clean')} ({method})", "mask")
           for p in result.cleans),
         (result.table, f"Masks of {len(rows)} frames ({method}) and their foreground share",
          "table")],
        options={"method": method, "background": background if isinstance(background, str)
                 else "array", "frames": str(frames)},
        source=source.path.name, start_s=frames.start_s, end_s=frames.end_s,
    )  # fmt: skip
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
