"""GoPro MAX ``.360`` files read as equirectangular video: two EAC streams, one panorama each.

:func:`open_video` is how the commands open a video: a plain
:class:`~vfx.io.video.reader.VideoReader`, or for a GoPro MAX recording (two video streams of an EAC
layout, see :mod:`vfx.ops.eac`) a :class:`PanoramaReader`, which decodes both streams side by side,
pairs their frames by presentation time and turns each pair into one panorama. Frame indices, times
and keyframes are the first stream's, so frames.csv, seeking and the metadata stage work as for any
video.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from vfx.errors import ParameterError, VideoOpenError
from vfx.io.video.containers import DEFAULT_MAX_PIXELS
from vfx.io.video.prefetch import prefetch
from vfx.io.video.reader import VideoReader
from vfx.ops.eac import EacLayout, EquirectMaps, build_maps, to_equirect
from vfx.types import Frame

__all__ = ["PROJECTIONS", "PanoramaOptions", "PanoramaReader", "open_video"]

log = logging.getLogger("vfx")

#: How a multi-stream 360 recording is delivered: one equirectangular panorama per frame, or
#: the raw strips of the streams side by side.
PROJECTIONS = ("equirectangular", "eac")


@dataclass(frozen=True)
class PanoramaOptions:
    """How GoPro MAX recordings are read (other videos ignore these).

    ``projection``: ``equirectangular`` (default) or ``eac`` (the two strips side by side, as
    recorded); ``width``: the panorama's width (even; default the layout's natural width, 5376
    for 5.6K and 2944 for 3K); ``supersample``: samples per pixel and axis (antialiasing when
    the panorama is smaller than the strips).
    """

    projection: str = "equirectangular"
    width: int | None = None
    supersample: int = 1

    def __post_init__(self) -> None:
        if self.projection not in PROJECTIONS:
            raise ParameterError(
                f"projection must be one of {', '.join(PROJECTIONS)}, got {self.projection!r}"
            )
        if self.width is not None and (self.width < 8 or self.width % 2):
            raise ParameterError(f"panorama width must be even and >= 8, got {self.width}")
        if not 1 <= self.supersample <= 4:
            raise ParameterError(f"supersample must be 1 to 4, got {self.supersample}")


#: Bump when the maps' meaning changes, so that older cached maps are not read.
_MAPS_VERSION = 2


def _cache_dir() -> Path:
    """Where built maps are kept between runs: ``$VFX_CACHE_DIR``, else the XDG cache."""
    explicit = os.environ.get("VFX_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vfx"


@lru_cache(maxsize=4)
def _maps(layout: EacLayout, width: int | None, supersample: int) -> EquirectMaps:
    """The maps of a layout and size: built once per process (1.5 s at 5.6K on 2 cores) and
    kept on disk, as max2sphere keeps its lookup table, so the next run loads them instead."""
    width = width or layout.natural_width
    name = f"eac-v{_MAPS_VERSION}-{layout.width}x{layout.height}-{width}-{supersample}.npz"
    path = _cache_dir() / name
    try:
        with np.load(path) as z:
            fields = {k: z[k] for k in z.files}
        return EquirectMaps(
            layout,
            width,
            width // 2,
            supersample,
            (fields["primary0"], fields["primary1"]),
            fields["blend_at"],
            fields["face"],
        )
    except (OSError, KeyError, ValueError) as exc:
        if path.exists():
            log.debug("%s: cached maps not read (%s); building them", path, exc)
    maps = build_maps(layout, width, supersample=supersample)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            np.savez(
                f,
                primary0=maps.primary[0],
                primary1=maps.primary[1],
                blend_at=maps.blend_at,
                face=maps.face,
            )
        os.replace(tmp, path)
    except OSError as exc:  # a read-only home, a full disk: the maps still work, uncached
        log.debug("%s: maps not cached (%s)", path, exc)
        with contextlib.suppress(OSError):
            tmp.unlink()
    return maps


def open_video(
    path: str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    threads: int | None = 0,
    panorama: PanoramaOptions | None = None,
) -> VideoReader:
    """Open ``path`` for reading frames: a :class:`PanoramaReader` for a GoPro MAX recording,
    else a :class:`~vfx.io.video.reader.VideoReader`."""
    reader = VideoReader(path, max_pixels=max_pixels, threads=threads)
    layout = reader.eac_layout
    if layout is None:
        return reader
    reader.close()
    return PanoramaReader(
        path, layout, panorama or PanoramaOptions(), max_pixels=max_pixels, threads=threads
    )


class PanoramaReader(VideoReader):
    """A GoPro MAX recording read as one video of panoramas (or of strip pairs).

    The first video stream is this reader's own (index, times, keyframes); the second is read
    by a reader of its own, frame for frame at the same presentation times. ``width`` and
    ``height`` are the delivered frames' size; :meth:`info` describes the file as it is.
    """

    def __init__(
        self,
        path: str | Path,
        layout: EacLayout,
        options: PanoramaOptions,
        *,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        threads: int | None = 0,
    ):
        super().__init__(path, max_pixels=max_pixels, threads=threads)
        try:
            self._second = VideoReader(path, max_pixels=max_pixels, threads=threads, stream=1)
        except BaseException:
            self.close()
            raise
        if self._second.rotation != self.rotation:
            self.close()
            raise VideoOpenError(
                f"stream 5 is turned {self._second.rotation}° and stream 0 "
                f"{self.rotation}°: not the two strips of one GoPro MAX recording",
                path=self.path,
            )
        self.layout, self.options = layout, options
        self.strip_size = (self.width, self.height)
        if options.projection == "eac":
            self.width, self.height = 2 * layout.width, layout.height
        else:
            self.width = options.width or layout.natural_width
            self.height = self.width // 2
        if self.width * self.height > max_pixels:
            self.close()
            raise VideoOpenError(
                f"a panorama of {self.width}x{self.height} exceeds the limit of {max_pixels} "
                "pixels (give a smaller --width, or raise --max-pixels)",
                path=self.path,
            )

    @property
    def projection(self) -> str:
        """``equirectangular`` or ``eac``: what the delivered frames are."""
        return self.options.projection

    def close(self) -> None:
        super().close()
        second = getattr(self, "_second", None)
        if second is not None:
            second.close()

    def frames(
        self,
        *,
        keyframes: bool = False,
        ranks: Iterable[int] | None = None,
        pixels: str = "rgb",
    ) -> Iterator[Frame]:
        """Pairs of frames at the same times, as panoramas; see :meth:`VideoReader.frames`.

        Keyframes are the first stream's; the second stream's frame at the same time is
        decoded from its own keyframe when the streams' keyframes differ.
        """
        idx = self.index
        if keyframes:
            wanted = idx.key_ranks.tolist()
            if ranks is not None:
                only = {int(r) for r in ranks}
                wanted = [r for r in wanted if r in only]
        elif ranks is not None:
            wanted = sorted({int(r) for r in ranks})
        else:
            wanted = None
        # The second stream's frame at each wanted frame's time (its nearest by time).
        times0 = idx.times_s()
        times5 = self._second.index.times_s()
        pick = np.arange(times0.size) if wanted is None else np.asarray(wanted, dtype=np.int64)
        pick = pick[(pick >= 0) & (pick < times0.size)]
        if times5.size == 0 or pick.size == 0:
            return
        at = np.clip(np.searchsorted(times5, times0[pick]), 1, times5.size - 1)
        nearer = np.abs(times5[at - 1] - times0[pick]) <= np.abs(times5[at] - times0[pick])
        partner = np.where(nearer, at - 1, at) if times5.size > 1 else np.zeros_like(pick)
        # A partner more than half a frame away is another moment (the second stream ended
        # early, or lost frames): no panorama is stitched from two times.
        step = float(np.median(np.diff(times0))) if times0.size > 1 else math.inf
        apart = np.abs(times5[partner] - times0[pick]) > step / 2
        if apart.any():
            log.warning(
                "%s: stream 5 has no frame at the time of %d of the %d frames asked for "
                "(from %.3f s; it ends at %.3f s): no panoramas there",
                self.path,
                int(apart.sum()),
                pick.size,
                float(times0[pick[apart][0]]),
                float(times5[-1]),
            )
            pick, partner = pick[~apart], partner[~apart]
            if pick.size == 0:
                return
        partner_of = dict(zip(pick.tolist(), partner.tolist(), strict=True))
        first = super().frames(ranks=None if wanted is None else pick.tolist(), pixels=pixels)
        second = self._second.frames(ranks=sorted(set(partner.tolist())), pixels=pixels)
        # Each stream decodes on its own thread; the pairs are converted here meanwhile.
        first, second = prefetch(first, depth=2), prefetch(second, depth=2)
        try:
            yield from self._pairs(first, second, partner_of)
        finally:
            first.close()
            second.close()

    def _pairs(
        self,
        first: Iterator[Frame],
        second: Iterator[Frame],
        partner_of: dict[int, int],
    ) -> Iterator[Frame]:
        held: Frame | None = None
        for a in first:
            want = partner_of.get(a.index)
            if want is None:
                continue
            while held is None or held.index < want:
                held = next(second, None)
                if held is None:
                    log.warning("%s: stream 5 ends before frame %d", self.path, a.index)
                    return
            if held.index != want:
                log.warning("%s: no frame of stream 5 at frame %d's time", self.path, a.index)
                continue
            yield self._combine(a, held)

    def _combine(self, a: Frame, b: Frame) -> Frame:
        # ``grey`` is set only when both pictures were asked for (pixels="both").
        grey = None if a.grey is None or b.grey is None else self._convert(a.grey, b.grey)
        return replace(a, image=self._convert(a.image, b.image), grey=grey)

    def _convert(self, strip0: np.ndarray, strip5: np.ndarray) -> np.ndarray:
        if self.options.projection == "eac":
            return np.ascontiguousarray(np.concatenate((strip0, strip5), axis=1))
        maps = _maps(self.layout, self.options.width, self.options.supersample)
        return to_equirect(strip0, strip5, maps)
