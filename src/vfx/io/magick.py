"""The ImageMagick engine, through Wand (imported lazily, so vfx runs without ImageMagick).

Each function runs the operation users would run with ``convert``: the same compose
operators, ``-threshold`` and ``-blur``, and montage. Arrays go in and come out in vfx's colour
contract.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vfx.errors import OutputError, ToolNotFoundError
from vfx.ops.dtypes import to_uint8

if TYPE_CHECKING:
    from vfx.io.exif import ImageTags

__all__ = [
    "MagickFlatten",
    "check_available",
    "magick_difference_mask",
    "magick_evaluate",
    "montage",
    "wand_image",
]


def _magickwand_suffix() -> str | None:
    """The suffix of the MagickWand library the system's linker knows (``-6.Q16`` for
    ``libMagickWand-6.Q16.so.6``), from one ``ldconfig -p``; None when there is none."""
    import shutil
    import subprocess

    ldconfig = shutil.which("ldconfig") or next(
        (p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if Path(p).is_file()), None
    )
    if ldconfig is None:
        return None
    try:
        listing = subprocess.run(
            [ldconfig, "-p"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return _suffix_in_listing(listing)


def _suffix_in_listing(listing: str) -> str | None:
    """The MagickWand suffix Wand would choose among the libraries of an ``ldconfig -p``."""
    import re

    found = set(re.findall(r"^\s*libMagickWand([-.\w]*?)\.so", listing, re.MULTILINE))
    # Wand's own order of preference (wand.api.library_paths), so that the library chosen is
    # the one Wand would have found by itself.
    versions = ("", "-7", "-7.Q8", "-7.Q16", "-6", "-Q16", "-Q8", "-6.Q16")
    preferred = [v + o for v in versions for o in ("", "HDRI", "HDRI-2")]
    return next((s for s in preferred if s in found), min(found, default=None))


def wand_image() -> Any:
    """The ``wand.image`` module, or a clear error saying how to install ImageMagick.

    Wand looks for libMagickWand by trying two dozen names, each with a run of ``ldconfig``
    (0.3 s of every command that uses ImageMagick); unless the user has said where it is
    (``MAGICK_HOME`` or ``WAND_MAGICK_LIBRARY_SUFFIX``), the name is found first with one
    run, and Wand tries it first.
    """
    import os
    import sys

    if (
        "wand.api" not in sys.modules
        and sys.platform.startswith("linux")
        and not os.environ.get("MAGICK_HOME")
        and not os.environ.get("WAND_MAGICK_LIBRARY_SUFFIX")
    ):
        suffix = _magickwand_suffix()
        if suffix:
            os.environ["WAND_MAGICK_LIBRARY_SUFFIX"] = suffix
    try:
        import wand.image
    except ImportError as exc:  # Wand raises ImportError when libMagickWand is missing
        raise ToolNotFoundError(
            f"the ImageMagick engine needs Wand and libMagickWand ({exc})",
            hint="sudo apt-get install libmagickwand-dev; pip install wand",
        ) from exc
    return wand.image


def _to_wand(image: np.ndarray) -> Any:
    return wand_image().Image.from_array(np.ascontiguousarray(image))


def _from_wand(img: Any, dtype: np.dtype | type, channels: str = "RGB") -> np.ndarray:
    storage = "char" if np.dtype(dtype) == np.uint8 else "short"
    pixels = img.export_pixels(channel_map=channels, storage=storage)
    array = np.asarray(pixels, dtype=dtype).reshape(img.height, img.width, len(channels))
    return array[..., 0] if len(channels) == 1 else array


def magick_difference_mask(
    frame: np.ndarray,
    background: np.ndarray,
    *,
    threshold1: float = 0.05,
    blur1: float = 3.0,
    threshold2: float = 0.20,
    blur2: float = 3.0,
) -> np.ndarray:
    """``convert background frame -compose difference -composite -threshold ... -blur ...``.

    Returns the mask as ImageMagick leaves it, in the frames' dtype, shape ``(H, W)``.
    """
    with _to_wand(background) as canvas, _to_wand(frame) as top:
        canvas.composite(top, operator="difference")
        canvas.threshold(threshold1)
        if blur1:
            canvas.blur(0, blur1)
        canvas.threshold(threshold2)
        if blur2:
            canvas.blur(0, blur2)
        return _from_wand(canvas, frame.dtype, "R")


class MagickFlatten:
    """``convert frames... -background COLOUR -compose MODE -flatten``, one frame at a time.

    ``update`` and ``result`` take ``copy`` as the streaming estimates do; frames go to
    ImageMagick and its image comes back as a new array, so it changes nothing here.
    """

    def __init__(self, mode: str) -> None:
        if mode not in ("darken", "lighten"):
            raise ValueError(f"mode must be darken or lighten, got {mode!r}")
        self.mode = mode
        self._canvas: Any = None
        self._dtype: np.dtype | None = None
        self.count = 0

    def update(self, frame: np.ndarray, *, copy: bool = True) -> None:
        if self._canvas is None:
            colour = np.iinfo(frame.dtype).max if self.mode == "darken" else 0
            self._canvas = _to_wand(np.full_like(frame, colour))
            self._dtype = frame.dtype
        with _to_wand(frame) as top:
            self._canvas.composite(top, operator=self.mode)
        self.count += 1

    def result(self, *, copy: bool = True) -> np.ndarray:
        if self._canvas is None:
            raise ValueError("no frames were given")
        assert self._dtype is not None
        out = _from_wand(self._canvas, self._dtype)
        self._canvas.close()
        self._canvas = None
        return out


def magick_evaluate(frames: Iterable[np.ndarray], operator: str) -> np.ndarray:
    """``convert frames... -evaluate-sequence OPERATOR`` (``mean``, ``median``).

    ImageMagick needs the whole sequence in memory: callers pass a bounded sample.
    """
    image = wand_image().Image
    dtype = None
    with image() as seq:
        for frame in frames:
            dtype = frame.dtype
            with _to_wand(frame) as item:
                seq.image_add(item)
        if dtype is None:
            raise ValueError("no frames were given")
        with seq.evaluate_images(operator) as result:
            if operator == "mean" and dtype == np.uint8:
                result.depth = 16
                return _from_wand(result, np.uint16)
            return _from_wand(result, dtype)


def montage(
    images: Iterable[tuple[np.ndarray, str]],
    out: Path,
    *,
    columns: int = 6,
    tile_width: int = 320,
    font_size: float = 14,
    background: str = "white",
    tags: Callable[[int, int], ImageTags | None] | None = None,
    threads: int | None = None,
) -> tuple[int, int]:
    """A contact sheet through ImageMagick's montage; returns ``(width, height)``.

    Each image is reduced to ``tile_width`` before it is added (on ``threads`` threads,
    default the process's cores), so memory stays bounded by the thumbnails, and labelled
    with its text. ``tags(width, height)``, called once every image has been added, gives
    the tags written into the sheet.
    """
    wi = wand_image()
    from wand.color import Color
    from wand.font import Font

    count = 0
    tile_height = tile_width
    with wi.Image() as sheet, closing(_tiles(images, tile_width, threads)) as tiles:
        for item, label in tiles:
            with item:
                tile_height = item.height
                # ImageMagick takes UTF-8: a non-UTF-8 file name's bytes show as U+FFFD.
                item.metadata["label"] = label.encode("utf-8", "surrogateescape").decode(
                    "utf-8", "replace"
                )
                sheet.image_add(item)
            count += 1
        if count == 0:
            raise ValueError("no images were given")
        rows = -(-count // columns)
        sheet.background_color = Color(background)
        font_path = _default_font()
        font = Font(path=font_path, size=font_size, color=Color("black")) if font_path else None
        sheet.montage(
            font=font,
            tile=f"{min(columns, count)}x{rows}",
            thumbnail=f"{tile_width}x{tile_height}+4+4",
            mode="unframe",
        )
        # The tiles are 8-bit, but ImageMagick draws the sheet in 16-bit RGBA (its montage
        # command writes such a PNG too): read back as 8-bit RGB, the sheet is a quarter of
        # the size, and vfx's own writer encodes it (a 6x2 sheet of 320-pixel tiles: 0.95 s
        # in ImageMagick's PNG coder, 0.03 s here).
        try:
            sheet.depth = 8
            raw = sheet.make_blob(format="RGB")
        except Exception as exc:  # Wand raises its own exception family
            raise OutputError(f"ImageMagick could not make the montage ({exc})", path=out) from exc
        size = (sheet.width, sheet.height)
    from vfx.io.images import write_image

    pixels = np.frombuffer(raw, np.uint8).reshape(size[1], size[0], 3)
    write_image(out, pixels, tags=tags(*size) if tags else None)
    return size


def _tiles(
    images: Iterable[tuple[np.ndarray, str]], tile_width: int, threads: int | None = None
) -> Generator[tuple[Any, str], None, None]:
    """Each image reduced to ``tile_width`` by ImageMagick's resize (its default filter), with
    its label, in order.

    The reductions run on ``threads`` threads (default: the process's cores; Wand's calls
    release the GIL): the resize
    takes 22 ms for a 720p frame, most of a contact sheet's time. About two frames per thread
    are held at full size.
    """
    from vfx.workers import available_cores, ordered_map

    def reduce(image: tuple[np.ndarray, str]) -> Any:
        item = _to_wand(to_uint8(image[0]))
        try:
            item.resize(tile_width, max(1, round(item.height * tile_width / item.width)))
        except BaseException:
            item.close()
            raise
        return item

    threads = threads or available_cores()
    tiles = ordered_map(
        reduce, images, threads=threads, ahead=2 * threads, name="vfx-tile", discard=_close
    )
    with closing(tiles):
        for (_, label), item in tiles:
            yield item, label


def _close(item: Any) -> None:
    item.close()


def _default_font() -> str | None:
    for candidate in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
    ):
        if Path(candidate).is_file():
            return candidate
    return None


def check_available() -> None:
    """Raise :class:`ToolNotFoundError` unless Wand and ImageMagick can be loaded."""
    wand_image()
