"""vfx's results as they show themselves in a notebook (Jupyter's ``_repr_html_``): pictures
as small embedded PNGs, a strip of thumbnails for a folder of frames, a video as a player,
a table as its first rows. :func:`show` does the same for any file vfx wrote.

Everything is embedded (``data:`` URLs), so a saved notebook keeps its pictures; nothing is
fetched. Pictures in any format vfx writes are shown, TIFF and 16-bit too (a browser shows
neither).
"""

from __future__ import annotations

import base64
import csv
import html
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from vfx.errors import VfxError
from vfx.io.images import encode_image, read_image
from vfx.ops.dtypes import to_uint8

__all__ = [
    "Shown",
    "ShownPicture",
    "files_html",
    "gallery_html",
    "picture_uri",
    "seconds_caption",
    "show",
]

#: Width of a picture shown alone, and of each thumbnail in a strip (pixels).
PICTURE_WIDTH = 640
THUMB_WIDTH = 160
#: Thumbnails a strip shows at most (then "and N more").
STRIP_MAX = 12

_PICTURES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"}
_VIDEOS = {".mp4", ".m4v", ".mov"}


def _png(image: np.ndarray, width: int) -> bytes:
    """``image`` scaled to at most ``width`` pixels wide, as 8-bit PNG bytes (16 bits by
    their high byte, as every 8-bit view of vfx's pictures shows them)."""
    import cv2

    if image.dtype not in (np.uint8, np.uint16):
        image = np.clip(image, 0, 255).astype(np.uint8)
    image = to_uint8(image)
    h, w = image.shape[:2]
    if w > width:
        image = cv2.resize(
            image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA
        )
    return encode_image(image, "png")


def picture_uri(picture: str | Path | np.ndarray, width: int = PICTURE_WIDTH) -> str:
    """A ``data:image/png`` URL of a picture file (any format vfx reads) or array."""
    image = read_image(picture) if not isinstance(picture, np.ndarray) else picture
    return "data:image/png;base64," + base64.b64encode(_png(image, width)).decode("ascii")


def _figure(path: Path, caption: str, width: int) -> str:
    try:
        uri = picture_uri(path, width)
    except VfxError as exc:
        reason = f"{html.escape(path.name)}: {html.escape(exc.message)}"
        return f"<figure><figcaption>{reason}</figcaption></figure>"
    return (
        f'<figure style="margin:4px;display:inline-block;vertical-align:top;max-width:{width}px">'
        f'<img src="{uri}" alt="{html.escape(caption or path.name)}" style="max-width:100%">'
        f'<figcaption style="font-size:11px">{html.escape(caption or path.name)}</figcaption>'
        "</figure>"
    )


def gallery_html(
    title: str, items: Sequence[tuple[Path, str]], *, width: int = THUMB_WIDTH,
    facts: Iterable[tuple[str, str]] = (),
) -> str:  # fmt: skip
    """A titled block: a few facts, then pictures (``(path, caption)``), at most
    :data:`STRIP_MAX` of them, each ``width`` pixels wide."""
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:8px'>{html.escape(k)}</th>"
        f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
        for k, v in facts
    )
    shown = [_figure(p, c, width) for p, c in items[:STRIP_MAX]]
    more = len(items) - STRIP_MAX
    tail = f"<p>and {more} more</p>" if more > 0 else ""
    table = f"<table>{rows}</table>" if rows else ""
    return (
        f"<div><strong>{html.escape(title)}</strong>{table}<div>{''.join(shown)}</div>{tail}</div>"
    )


def seconds_caption(value: object) -> str:
    """A frame's time as a caption: ``"12.345 s"`` (``""`` when unknown).

    >>> seconds_caption("1.500000000"), seconds_caption(None)
    ('1.500 s', '')
    """
    try:
        return f"{float(value):.3f} s"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""


def _table_html(path: Path, rows: int = 8) -> str:
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        lines = [row for _, row in zip(range(rows + 1), reader, strict=False)]
    if not lines:
        return f"<p>{html.escape(path.name)}: empty</p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in lines[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in lines[1:]
    )
    return (
        f"<div><strong>{html.escape(path.name)}</strong> (first {len(lines) - 1} rows)"
        f"<table><tr>{head}</tr>{body}</table></div>"
    )


def _video_html(path: Path) -> str:
    """A player for the video (its file, beside the notebook), with its first frame shown
    even where the player cannot read the file."""
    from vfx.io.video.reader import VideoReader

    poster = ""
    try:
        with VideoReader(path) as reader:
            first = next(iter(reader.frames()), None)
        if first is not None:
            poster = f' poster="{picture_uri(first.image, PICTURE_WIDTH)}"'
    except VfxError:
        pass
    src = html.escape(path.as_posix())
    return (
        f'<div><strong>{html.escape(path.name)}</strong><br><video controls width="{PICTURE_WIDTH}"'
        f'{poster} src="{src}"></video></div>'
    )


class Shown:
    """A file as a notebook shows it (see :func:`show`)."""

    def __init__(self, path: str | Path, caption: str = ""):
        self.path = Path(path)
        self.caption = caption

    def __repr__(self) -> str:
        return f"Shown({str(self.path)!r})"

    def _repr_html_(self) -> str:
        path = self.path
        suffix = path.suffix.lower()
        if path.is_dir():
            pictures = sorted(p for p in path.iterdir() if p.suffix.lower() in _PICTURES)
            return gallery_html(f"{path.name}/ ({len(pictures)} pictures)",
                                [(p, p.name) for p in pictures])  # fmt: skip
        if suffix in _PICTURES:
            return gallery_html(self.caption or path.name, [(path, "")], width=PICTURE_WIDTH)
        if suffix in _VIDEOS:
            return _video_html(path)
        if suffix == ".csv":
            return _table_html(path)
        return f"<p>{html.escape(str(path))}</p>"


class ShownPicture:
    """A picture array (or a :class:`vfx.types.Frame`) as a notebook shows it."""

    def __init__(self, image: np.ndarray, caption: str = ""):
        self.image, self.caption = image, caption

    def __repr__(self) -> str:
        return f"ShownPicture({self.image.dtype} {tuple(self.image.shape)})"

    def _repr_html_(self) -> str:
        text = html.escape(self.caption)
        return (
            f'<figure><img src="{picture_uri(self.image)}" alt="{text or "picture"}">'
            f"<figcaption>{text}</figcaption></figure>"
        )


def show(output: object, caption: str = "") -> object:
    """Something a notebook shows: a file or folder vfx wrote (a picture in any format, a
    video, a CSV table, a folder of frames), a decoded frame or picture array, or a result
    (which shows itself already).

    >>> show("motion/dance_qom.csv")  # doctest: +SKIP
    """
    if hasattr(output, "_repr_html_"):
        return output
    if isinstance(output, (str, Path)):
        return Shown(output, caption)
    if isinstance(output, np.ndarray):
        return ShownPicture(output, caption)
    image = getattr(output, "image", None)
    if isinstance(image, np.ndarray):  # a Frame
        index, time_s = getattr(output, "index", "?"), getattr(output, "time_s", float("nan"))
        return ShownPicture(image, caption or f"frame {index} at {time_s:.6g} s")
    raise TypeError(f"show takes a path, a picture or a vfx result, not {type(output).__name__}")


def files_html(
    title: str,
    files: dict[str, Path],
    captions: dict[str, tuple[str, str]],
    facts: Iterable[tuple[str, str]] = (),
) -> str:
    """A job's outputs by name (``captions[name]`` is ``(what, kind)``): its pictures and
    figures shown, its other files listed by what they are."""
    shown, listed = [], list(facts)
    for name, path in files.items():
        what, kind = captions.get(name, (name, "data"))
        if kind in ("picture", "figure") and path.suffix.lower() in _PICTURES:
            shown.append((path, what))
        else:
            listed.append((what, path.name))
    return gallery_html(title, shown, width=320, facts=listed)
