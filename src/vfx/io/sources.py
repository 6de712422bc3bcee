"""Frame sources for the effect commands: a video, or a folder of images.

A source knows how many frames it has before any is decoded (the packet index, or the file
list) and streams them as :class:`Still`. Folders are ordered by ``frames.csv`` when present
(the output of ``vfx keyframes``), else by name with numbers compared as numbers.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from vfx.errors import ImageReadError, ParameterError, VideoOpenError
from vfx.io.images import read_image
from vfx.io.table import read_frame_table
from vfx.ops.sampling import ranks_at, ranks_between, target_times
from vfx.params import PARAMS
from vfx.types import KEYFRAMES, FrameChoice
from vfx.workers import ordered_map

__all__ = [
    "IMAGE_SUFFIXES",
    "FrameSource",
    "Still",
    "inside",
    "listed_file",
    "natural_key",
    "open_source",
]

IMAGE_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg")


@dataclass(frozen=True, eq=False)
class Still:
    """One frame of a source: an RGB image and what is known about where it came from."""

    image: np.ndarray
    name: str
    source: str
    index: int | None = None
    time: Fraction | None = None
    pts: int | None = None
    time_base: Fraction | None = None
    selected: bool = True
    row: dict[str, str] | None = None  # the image's frames.csv row (time, GPS, ...), if any


def natural_key(name: str) -> list[object]:
    """Sort key that orders ``frame_9`` before ``frame_10``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


@dataclass
class FrameSource:
    """Frames to process, from a video or a folder; iterate to stream them."""

    path: Path
    kind: str  # "video" or "folder"
    label: str  # a short name for outputs: the video's stem or the folder's name
    count: int
    _files: list[Path] = field(default_factory=list)
    _ranks: list[int] | None = None  # video frames to yield (None = keyframes)
    _keyframes: bool = False
    _max_pixels: int = PARAMS["max_pixels"].default
    _rows: dict[str, dict[str, str]] = field(default_factory=dict)

    def subset(self, positions: Sequence[int]) -> FrameSource:
        """The frames at these positions (0-based, ascending) of this source."""
        positions = sorted(set(int(p) for p in positions if 0 <= p < self.count))
        if self.kind == "folder":
            files = [self._files[p] for p in positions]
            return FrameSource(
                self.path, self.kind, self.label, len(files), files, _rows=self._rows
            )
        assert self._ranks is not None
        ranks = [self._ranks[p] for p in positions]
        return FrameSource(
            self.path,
            self.kind,
            self.label,
            len(ranks),
            _ranks=ranks,
            _keyframes=self._keyframes,
            _max_pixels=self._max_pixels,
        )

    def spread(self, n: int) -> FrameSource:
        """At most ``n`` frames spread evenly over the source (all when it has fewer)."""
        if self.count <= n:
            return self
        positions = np.unique(np.round(np.linspace(0, self.count - 1, n)).astype(int))
        return self.subset(positions.tolist())

    def __iter__(self) -> Iterator[Still]:
        if self.kind == "folder":
            yield from self._iter_folder()
        else:
            yield from self._iter_video(all_frames=False)

    def iter_all(self) -> Iterator[Still]:
        """Every frame of a video in order, with ``selected`` marking this source's frames.

        For a folder, the same as iterating.
        """
        if self.kind == "folder":
            yield from self._iter_folder()
        else:
            yield from self._iter_video(all_frames=True)

    def _read_ahead(self, depth: int = 3) -> Iterator[tuple[Path, np.ndarray]]:
        """Images of the folder in order, decoded by two threads a few files ahead, into
        memory the consumer has let go of (:class:`_Recycler`)."""
        recycler = _Recycler(keep=depth + 4)

        def read(path: Path) -> np.ndarray:
            return read_image(path, alloc=recycler, max_pixels=self._max_pixels)

        yield from ordered_map(read, self._files, threads=2, ahead=depth, name="vfx-read")

    def _iter_folder(self) -> Iterator[Still]:
        first: tuple[tuple[int, ...], np.dtype, Path] | None = None
        for position, (path, image) in enumerate(self._read_ahead()):
            if image.ndim == 2:
                image = np.repeat(image[..., None], 3, axis=2)
            elif image.shape[2] == 4:
                image = np.ascontiguousarray(image[..., :3])
            if first is None:
                first = (image.shape, image.dtype, path)
            elif image.shape != first[0] or image.dtype != first[1]:
                h, w = image.shape[:2]
                fh, fw = first[0][:2]
                raise ImageReadError(
                    f"is {w}x{h} {image.dtype}, but {first[2].name} is {fw}x{fh} {first[1]}; "
                    "all images must have one size",
                    path=path,
                )
            row = self._rows.get(path.name, {})
            yield Still(
                image=image,
                name=path.stem,
                source=row.get("source") or path.name,
                index=int(row["frame_index"]) if row.get("frame_index") else position,
                time=Fraction(row["time_s"]) if row.get("time_s") else None,
                pts=int(row["pts"]) if row.get("pts") else None,
                time_base=Fraction(row["time_base"]) if row.get("time_base") else None,
                row=row or None,
            )

    def _iter_video(self, *, all_frames: bool) -> Iterator[Still]:
        from vfx.io.video.panorama import open_video  # PyAV is only needed for video sources

        with open_video(self.path, max_pixels=self._max_pixels) as reader:
            wanted = set(self._ranks or [])
            if all_frames:
                frames = reader.frames()
            elif self._keyframes:
                frames = reader.frames(keyframes=True, ranks=self._ranks)
            else:
                frames = reader.frames(ranks=self._ranks)
            for f in frames:
                yield Still(
                    image=f.image,
                    name=f"{self.label}_{f.index:06d}",
                    source=self.path.name,
                    index=f.index,
                    time=f.time,
                    pts=f.pts,
                    time_base=f.time_base,
                    selected=f.index in wanted,
                )


class _Recycler:
    """Frame-sized arrays for the reading threads, each handed out again once nothing else
    holds it.

    Left to the allocator, most decoded frames land in fresh memory (the codec's and the
    file's smaller buffers take the place where the last frame was), which the kernel must
    clear first: for a composite of 24 keyframes at 1080p that was 22 frame-sized blocks and
    a seventh of the CPU time. An array is free again when this recycler's list holds the
    only reference to it; a consumer that keeps a frame, or any view of it, keeps it out of
    reuse. At most ``keep`` arrays are tracked; beyond that, frames are plain new arrays.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._arrays: list[np.ndarray] = []
        self._lock = threading.Lock()
        probe = [np.empty(0)]
        # What getrefcount reports for an array held by a list alone, measured the way the
        # arrays are checked below (the interpreter's own references vary by version).
        self._alone = sys.getrefcount(probe[0])

    def __call__(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        with self._lock:
            for i in range(len(self._arrays)):
                if sys.getrefcount(self._arrays[i]) == self._alone:
                    array = self._arrays[i]
                    if array.shape == shape and array.dtype == dtype:
                        return array
            array = np.empty(shape, dtype)
            if len(self._arrays) < self.keep:
                self._arrays.append(array)
            return array


def listed_file(folder: Path, name: str) -> Path:
    """``folder / name`` for a name a ``frames.csv`` in ``folder`` lists, which must be a file
    of that very folder: never a path that leads out of it (``../outside/secret.tiff``, an
    absolute path, a symlink pointing elsewhere). The effect commands and the report read
    tables through this one rule.

    Raises
    ------
    ImageReadError
        For a name that leads out of ``folder``.
    """
    path = folder / name
    if (
        Path(name).name != name
        or name in (".", "..")
        or "\x00" in name
        or ((path.is_symlink() or path.exists()) and path.resolve().parent != folder.resolve())
    ):
        raise ImageReadError(
            f"frames.csv lists {name!r}, which is not a file of this folder", path=folder
        )
    return path


def inside(root: Path, path: Path) -> bool:
    """Whether ``path``, with every symbolic link followed, lies in ``root`` (a folder)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return False


def _folder_source(folder: Path, max_pixels: int) -> FrameSource:
    files = [
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
    ]
    rows = {r["file"]: r for r in read_frame_table(folder) if r.get("file")}
    for name in rows:
        listed_file(folder, name)
    listed = [folder / name for name in rows if (folder / name).is_file()]
    ordered = listed or sorted(files, key=lambda p: natural_key(p.name))
    if not ordered:
        raise ImageReadError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in this folder", path=folder)
    return FrameSource(
        folder,
        "folder",
        folder.resolve().name or "images",
        len(ordered),
        ordered,
        _rows=rows,
        _max_pixels=max_pixels,
    )


def open_source(
    path: str | Path,
    *,
    frames: FrameChoice = KEYFRAMES,
    max_pixels: int = PARAMS["max_pixels"].default,
) -> FrameSource:
    """A video (frames chosen by ``frames``: its keyframes by default) or a folder.

    Raises
    ------
    ImageReadError
        For a folder with no images.
    VideoOpenError
        For a file that is not a readable video.
    """
    path = Path(path)
    if path.is_dir():
        if isinstance(frames, FrameChoice) and (frames.start_s or frames.end_s is not None):
            raise ParameterError(
                f"{path}: --start/--end choose the frames of a video, not of a folder"
            )
        return _folder_source(path, max_pixels)
    if not path.exists():
        raise VideoOpenError("no such file or folder", path=path)
    if not isinstance(frames, FrameChoice):
        raise ParameterError(
            f"frames must be a FrameChoice (keyframes, all or every SECONDS), got {frames!r}"
        )
    kind, seconds = frames.kind, frames.every_s
    start, end = frames.start_s, frames.end_s
    from vfx.io.video.panorama import open_video

    with open_video(path, max_pixels=max_pixels) as reader:
        idx = reader.index
        times = idx.times_s()
        inside = set(ranks_between(times, start, end).tolist())
        if kind == "keyframes":
            ranks = [int(r) for r in idx.key_ranks if int(r) in inside]
        elif kind == "all":
            ranks = sorted(inside)
        else:
            assert seconds is not None
            last = float(times[-1]) if times.size else 0.0
            stop = end if end is not None else last + 1e-6
            targets = target_times(every_s=seconds, start_s=start, end_s=stop)
            ranks = ranks_at(times, targets[targets <= last + 1e-6]).tolist()
    if (start or end is not None) and not ranks:
        raise ParameterError(
            f"no frames between {start:g} s and {'the end' if end is None else f'{end:g} s'}"
            f" (the video ends at {float(times[-1]) if times.size else 0.0:.3f} s)"
        )
    return FrameSource(
        path,
        "video",
        path.stem,
        len(ranks),
        _ranks=ranks,
        _keyframes=kind == "keyframes",
        _max_pixels=max_pixels,
    )
