"""Open, probe and decode videos with PyAV.

The one place that talks to libav*. Frames leave this module as :class:`vfx.types.Frame` in the
colour contract (RGB, ``uint8`` or ``uint16``, rotation applied, C-contiguous).

Frame indices and times come from a *packet index*: one demux pass over the video stream that
reads packet headers without decoding. A frame's index is the rank of its pts among all packets'
pts (display order), and its time is exact: ``(pts - start) * time_base`` as a Fraction. Containers
that store no presentation times (AVI) get libavformat's guessed pts, which are shifted by the
decoder delay when the stream has B-frames; for those the time of the frame at display rank ``r``
is the ``r``-th smallest decode timestamp, which in AVI is the frame's slot.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import av
import av.video.reformatter
import cv2
import numpy as np

from vfx.errors import DecodeError, OutputError, TelemetryError, VideoOpenError
from vfx.io.images import discard, publish, temp_beside
from vfx.io.mp4 import list_tracks
from vfx.types import Frame, StreamInfo, VideoInfo

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "PacketIndex",
    "VideoReader",
    "iter_frames",
    "prefetch",
    "probe",
]

log = logging.getLogger("vfx")

#: Refuse to decode frames larger than this many pixels (guards against absurd declared sizes).
DEFAULT_MAX_PIXELS = 16384 * 16384

# Containers whose packets carry no presentation time of their own.
_NO_PTS_FORMATS = frozenset({"avi"})
_PICT_TYPES = {int(t): t.name for t in av.video.frame.PictureType}
#: How :meth:`VideoReader.frames` delivers pictures: RGB, grey (luma), or both.
PIXELS = ("rgb", "grey", "both")

#: 8-bit YUV layouts whose first plane is the luma: grey frames are read from it directly.
_LUMA_PLANE_FORMATS = frozenset(
    {
        "yuv420p",
        "yuvj420p",
        "yuv422p",
        "yuvj422p",
        "yuv444p",
        "yuvj444p",
        "yuv440p",
        "yuvj440p",
        "yuv411p",
        "yuv410p",
        "nv12",
        "nv21",
    }
)
#: Video-range luma (16-235) to full range, rounded as FFmpeg's swscale does for "gray".
_VIDEO_TO_FULL_RANGE = np.clip(np.round((np.arange(256) - 16) * 255 / 219), 0, 255).astype(np.uint8)

# Suffixes of still-image files, to say "an image, not a video" instead of a vague decode error.
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif"})


@dataclass(frozen=True)
class PacketIndex:
    """Timestamps of every video packet, in display order; built without decoding.

    Attributes
    ----------
    pts
        Sorted presentation timestamps as the decoder reports them (``int64``), one per frame.
    out_pts
        The exact presentation timestamp written for the frame at each display rank.
    key_ranks
        Display ranks of the keyframe packets, ascending.
    key_seek
        For each entry of ``key_ranks``, a timestamp to seek to that lands at or before it.
    start
        Timestamp of time zero (the stream's start).
    packet_ranks
        The display rank of each packet, in file order (empty and edit-list-discarded packets
        not counted): frames sharing a timestamp each keep their own rank.
    """

    pts: np.ndarray
    out_pts: np.ndarray
    key_ranks: np.ndarray
    key_seek: np.ndarray
    start: int
    time_base: Fraction
    packet_ranks: np.ndarray | None = None

    @property
    def frame_count(self) -> int:
        return int(self.pts.size)

    def rank_of(self, pts: int) -> int:
        """Display rank of a decoded frame's pts (nearest rank at or after it)."""
        return int(np.searchsorted(self.pts, pts))

    def time_of(self, rank: int) -> Fraction:
        """Exact presentation time in seconds of the frame at ``rank``."""
        return (int(self.out_pts[rank]) - self.start) * self.time_base

    def times_s(self) -> np.ndarray:
        """Presentation times of all frames in seconds (float64, for planning only)."""
        return (self.out_pts - self.start).astype(np.float64) * float(self.time_base)


def ffmpeg_url(path: Path) -> str:
    """``path`` as FFmpeg must be given it to read it as a local file, whatever its name.

    FFmpeg reads the part of a name before a colon as a protocol (``2019-11-18T23:45:15.mp4``
    gives "Protocol not found"); the explicit ``file:`` protocol and an absolute path leave no
    part of the name to be taken for anything else (colon, leading ``-``, spaces, newlines).
    """
    return "file:" + str(Path(path).absolute())


def _check_path(path: Path) -> None:
    if not path.exists():
        raise VideoOpenError("no such file", path=path)
    if path.is_dir():
        raise VideoOpenError("is a folder, not a video file", path=path)
    if not path.is_file():
        # A FIFO, a socket or a device (/dev/zero): vfx reads files it can seek in, twice.
        raise VideoOpenError("is not a regular file (a pipe or a device)", path=path)
    if path.stat().st_size == 0:
        raise VideoOpenError("file is empty (0 bytes)", path=path)


#: FFmpeg's log level is process-wide: opens in several threads (a thread pool, an in-process
#: Dask worker) take turns to raise and restore it, or one would "restore" another's raised
#: level and leave FFmpeg logging every decoding error for good.
_LOG_LEVEL_LOCK = threading.Lock()


def _open_container(path: Path) -> Any:
    _check_path(path)
    with _LOG_LEVEL_LOCK:
        level = av.logging.get_level()
        try:
            # Capture FFmpeg's own error line (it names the problem) instead of printing it.
            if level is None:
                av.logging.set_level(av.logging.ERROR)
            with av.logging.Capture(local=True):
                container = av.open(ffmpeg_url(path), mode="r")
        except PermissionError as exc:
            raise VideoOpenError("permission denied", path=path) from exc
        except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise VideoOpenError(f"not a readable video ({_reason(exc)})", path=path) from exc
        finally:
            av.logging.set_level(level)
    name = str(container.format.name)
    if name == "image2" or name.endswith("_pipe"):
        container.close()
        raise VideoOpenError(
            f"is a still image ({name.removesuffix('_pipe')}), not a video; commands that take "
            "images read a folder of them",
            path=path,
        )
    return container


def _reason(exc: BaseException) -> str:
    # PyAV puts FFmpeg's own last log line (e.g. "Picture size 60000x60000 is invalid") in the
    # fourth argument; it says more than the errno text ("Device or resource busy").
    args = getattr(exc, "args", ())
    if len(args) >= 4 and isinstance(args[3], tuple) and len(args[3]) >= 3 and args[3][2]:
        return " ".join(str(args[3][2]).split())[:120]
    text = getattr(exc, "strerror", None) or str(exc)
    text = text.split(":", 1)[0] if "Errno" in text else text
    return " ".join(text.split())[:120] or type(exc).__name__


def _bit_depth(pix_fmt: str | None) -> int:
    if not pix_fmt:
        return 8
    try:
        return max(c.bits for c in av.VideoFormat(pix_fmt).components)
    except (ValueError, av.FFmpegError):
        return 8


def _creation_time(metadata: dict[str, str]) -> datetime | None:
    raw = metadata.get("creation_time")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


class VideoReader:
    """An open video file: its properties, its packet index and its frames.

    Use as a context manager; frames stream from :meth:`frames`, which never holds more than
    the decoder's own look-ahead in memory.

    Parameters
    ----------
    path
        The video file. It is opened read-only.
    max_pixels
        Refuse videos whose frames have more pixels than this.
    threads
        Decoder threads; 0 lets FFmpeg choose; ``None``: one per megapixel of frame (for
        pipelines whose other stages keep the cores busy: FFmpeg's frame threads cost a third
        more CPU on small frames).
    """

    def __init__(
        self, path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS, threads: int | None = 0
    ):
        self.path = Path(path)
        self._container = _open_container(self.path)
        try:
            self._setup(max_pixels, threads)
        except BaseException:
            self._container.close()
            raise
        self._index: PacketIndex | None = None
        self._rotation: int | None = None

    def _setup(self, max_pixels: int, threads: int | None) -> None:
        c = self._container
        if not c.streams.video:
            kinds = sorted({s.type for s in c.streams}) or ["no streams"]
            what = "an image" if self.path.suffix.lower() in _IMAGE_SUFFIXES else "a video"
            raise VideoOpenError(
                f"no video stream (found: {', '.join(kinds)}); expected {what}", path=self.path
            )
        self.stream = c.streams.video[0]
        cc = self.stream.codec_context
        width, height = int(cc.width or 0), int(cc.height or 0)
        if width <= 0 or height <= 0:
            raise VideoOpenError("video stream has no frame size", path=self.path)
        if width * height > max_pixels:
            raise VideoOpenError(
                f"frame size {width}x{height} exceeds the limit of {max_pixels} pixels "
                "(raise --max-pixels to allow it)",
                path=self.path,
            )
        if self.stream.time_base is None:
            raise VideoOpenError("video stream has no time base", path=self.path)
        cc.thread_type = "AUTO"
        cc.thread_count = per_megapixel(width, height) if threads is None else threads
        self.width, self.height = width, height
        self.time_base = Fraction(self.stream.time_base)
        self.bit_depth = _bit_depth(cc.pix_fmt)
        self._rgb_format = "rgb48le" if self.bit_depth > 8 else "rgb24"
        self._grey_format = "gray16le" if self.bit_depth > 8 else "gray"
        # One converter for the reader's life: PyAV's to_ndarray(format=...) builds a new
        # swscale context for every frame, which costs more than the conversion itself.
        self._reformatter = av.video.reformatter.VideoReformatter()
        # swscale's automatic threading starts a thread per core and splits every frame
        # between them; on small frames the hand-offs cost more than the conversion.
        self._convert_threads = per_megapixel(width, height)

    # -- context management -------------------------------------------------------------------
    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- properties -----------------------------------------------------------------------------
    @property
    def format_name(self) -> str:
        return str(self._container.format.name)

    @property
    def uses_dts_times(self) -> bool:
        """True for containers (AVI) whose pts are guessed, where times come from dts."""
        return bool(set(self.format_name.split(",")) & _NO_PTS_FORMATS)

    @property
    def index(self) -> PacketIndex:
        """The packet index (built on first use by one demux pass, no decoding)."""
        if self._index is None:
            self._index = self._scan()
        return self._index

    @property
    def rotation(self) -> int:
        """Counter-clockwise rotation, in degrees, that displays the frames upright."""
        if self._rotation is None:
            self._rotation = self._probe_rotation()
        return self._rotation

    def _probe_rotation(self) -> int:
        # The display matrix lives in the stream's side data; PyAV exposes it on decoded frames.
        # A second container decodes the one frame, so that this reader's decoder stays closed
        # until frames() chooses its threading.
        try:
            with av.open(ffmpeg_url(self.path), mode="r") as probe_container:
                stream = probe_container.streams.video[0]
                for frame in probe_container.decode(stream):
                    return _normalise_rotation(frame.rotation)
        except (av.FFmpegError, IndexError):
            return 0
        return 0

    def _scan(self) -> PacketIndex:
        pts: list[int] = []
        dts: list[int] = []
        keys: list[int] = []
        seek_ts: list[int] = []
        c = self._container
        c.seek(0)
        no_pts = self.uses_dts_times
        empty = 0  # index entries without data (AVI's dropped-frame or B-frame delay entries)
        # Packets the container's edit list leaves out (a clip cut with ffmpeg -ss ... -c copy
        # keeps the GOP before the cut, flagged "discard"): the decoder needs them as
        # references but never outputs their pictures, so they are no frames of the video.
        discarded = 0
        try:
            for packet in c.demux(self.stream):
                if packet.size == 0:
                    empty += 1
                    continue
                if packet.is_discard:
                    discarded += 1
                    continue
                p = packet.pts if packet.pts is not None else packet.dts
                if p is None:
                    p = (pts[-1] + 1) if pts else 0
                d = packet.dts if packet.dts is not None else p
                pts.append(p)
                dts.append(d)
                if packet.is_keyframe:
                    keys.append(len(pts) - 1)  # the packet's position, not its pts
                    seek_ts.append(min(p, d))
        except av.FFmpegError as exc:
            if not pts:
                raise DecodeError(f"cannot read packets ({_reason(exc)})", path=self.path) from exc
            log.warning(
                "%s: packet index stops early at packet %d (%s)", self.path, len(pts), _reason(exc)
            )
        finally:
            c.seek(0)
        if not pts:
            raise DecodeError("video stream has no packets", path=self.path)
        declared = int(self.stream.frames or 0)
        # An index that counts its empty entries among the frames is complete all the same.
        if declared > len(pts) + empty + discarded:
            log.warning(
                "%s: file is cut short: %d of the %d frames it declares are present",
                self.path,
                len(pts),
                declared,
            )
        pts_arr = np.asarray(pts, dtype=np.int64)
        order = np.argsort(pts_arr, kind="stable")
        sorted_pts = pts_arr[order]
        out = np.sort(np.asarray(dts, dtype=np.int64)) if no_pts else sorted_pts
        # A packet's display rank is its place in pts order (stable, so that frames sharing a
        # timestamp keep their file order and each keeps its own rank).
        rank_of_packet = np.empty_like(order)
        rank_of_packet[order] = np.arange(order.size)
        key_ranks = rank_of_packet[np.asarray(keys, dtype=np.int64)]
        korder = np.argsort(key_ranks, kind="stable")
        start = self.stream.start_time
        if start is None or no_pts:
            start = int(out[0]) if no_pts else 0
        return PacketIndex(
            pts=sorted_pts,
            out_pts=out,
            key_ranks=key_ranks[korder],
            key_seek=np.asarray(seek_ts, dtype=np.int64)[korder],
            start=int(min(start, int(out[0]))),
            time_base=self.time_base,
            packet_ranks=rank_of_packet,
        )

    def info(self) -> VideoInfo:
        """Standard properties of the file (packet index, no decoding beyond one frame)."""
        c = self._container
        idx = self.index
        streams = _with_sample_entries(self.path, tuple(_stream_info(s) for s in c.streams))
        telemetry = tuple(s for s in streams if s.type not in ("video", "audio", "subtitle"))
        keys = idx.key_ranks.size
        mean_gop = None
        if keys > 1:
            first, last = idx.time_of(int(idx.key_ranks[0])), idx.time_of(int(idx.key_ranks[-1]))
            mean_gop = float(last - first) / (keys - 1)
        duration = None
        if c.duration is not None:
            duration = c.duration / av.time_base
        elif self.stream.duration is not None:
            duration = float(self.stream.duration * self.time_base)
        rate = self.stream.average_rate or self.stream.guessed_rate
        return VideoInfo(
            path=self.path,
            format=self.format_name,
            duration_s=duration,
            width=self.width,
            height=self.height,
            codec=self.stream.codec_context.name,
            pix_fmt=self.stream.codec_context.pix_fmt,
            bit_depth=self.bit_depth,
            fps=Fraction(rate) if rate else None,
            time_base=self.time_base,
            frame_count=idx.frame_count,
            keyframe_count=int(keys),
            mean_keyframe_interval_s=mean_gop,
            rotation=self.rotation,
            creation_time=_creation_time(dict(c.metadata))
            or _creation_time(dict(self.stream.metadata)),
            streams=streams,
            telemetry=telemetry,
        )

    # -- frames ---------------------------------------------------------------------------------
    def frames(
        self,
        *,
        keyframes: bool = False,
        ranks: Iterable[int] | None = None,
        pixels: str = "rgb",
    ) -> Iterator[Frame]:
        """Decode frames in display order.

        Parameters
        ----------
        keyframes
            Decode only the keyframe packets; non-key packets never reach the decoder.
        ranks
            Only these display ranks (frame indices); the reader seeks past stretches it does not
            need. With ``keyframes``, only the keyframes among them. ``None``: all frames (or all
            keyframes).
        pixels
            ``rgb``: ``Frame.image`` is RGB; ``grey``: ``Frame.image`` is the luma ``(H, W)``,
            full range (FFmpeg's ``gray`` conversion; read straight from the luma plane of 8-bit
            YUV); ``both``: RGB in ``image`` and the luma in ``grey``.
        """
        if pixels not in PIXELS:
            raise ValueError(f"pixels must be one of {', '.join(PIXELS)}, got {pixels!r}")
        self.index  # noqa: B018 - the demux pass must run before decoding starts
        convert = partial(self._to_frame, pixels=pixels)
        if keyframes:
            only = None if ranks is None else set(int(r) for r in ranks)
            yield from self._frames_keyonly(only, convert)
        elif ranks is None:
            yield from self._frames_all(convert)
        else:
            yield from self._frames_ranks(sorted(set(int(r) for r in ranks)), convert)

    def _grey(self, avf: Any) -> np.ndarray:
        """The frame's luma, full range: the 8-bit luma plane itself when there is one."""
        name = avf.format.name
        if name in _LUMA_PLANE_FORMATS:
            plane = avf.planes[0]
            luma = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
            luma = luma[: avf.height, : avf.width]
            full = name.startswith("yuvj") or int(avf.color_range) == 2  # 2: JPEG (full) range
            return luma.copy() if full else cv2.LUT(luma, _VIDEO_TO_FULL_RANGE)
        return self._reformatter.reformat(
            avf, format=self._grey_format, threads=self._convert_threads
        ).to_ndarray()

    def _to_frame(self, avf: Any, rank: int, pixels: str = "rgb") -> Frame:
        idx = self.index
        rank = min(rank, idx.frame_count - 1)
        rot = _normalise_rotation(avf.rotation)

        def upright(image: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(np.rot90(image, k=rot // 90) if rot else image)

        grey = upright(self._grey(avf)) if pixels != "rgb" else None
        if pixels == "grey":
            assert grey is not None
            image = grey
        else:
            rgb = self._reformatter.reformat(
                avf, format=self._rgb_format, threads=self._convert_threads
            )
            image = upright(rgb.to_ndarray())
        return Frame(
            image=image,
            grey=grey if pixels == "both" else None,
            index=rank,
            pts=int(idx.out_pts[rank]),
            time_base=self.time_base,
            time=idx.time_of(rank),
            key_frame=bool(avf.key_frame),
            pict_type=_PICT_TYPES.get(int(avf.pict_type), "?"),
        )

    def _rank(self, avf: Any, previous: int) -> int:
        if avf.pts is None:
            return previous + 1
        rank = self.index.rank_of(int(avf.pts))
        idx = self.index
        # Frames that share a timestamp come out in display order: the second takes the next
        # rank of that timestamp instead of the first one's (which would lose it).
        if rank <= previous < idx.frame_count - 1 and int(idx.pts[previous + 1]) == int(avf.pts):
            return previous + 1
        return rank

    def _decode(self, packets: Iterable[Any]) -> Iterator[Any]:
        """Decode packets, skipping ones the decoder rejects (counted and logged)."""
        errors = 0
        for packet in packets:
            try:
                yield from self.stream.decode(packet)
            except av.FFmpegError as exc:
                errors += 1
                log.debug(
                    "%s: skipped a corrupt packet at pts %s (%s)",
                    self.path,
                    packet.pts,
                    _reason(exc),
                )
        try:
            yield from self.stream.decode(None)
        except av.FFmpegError as exc:
            errors += 1
            log.warning("%s: decoder flush failed (%s)", self.path, _reason(exc))
        if errors:
            log.warning("%s: %d packet(s) could not be decoded and were skipped", self.path, errors)

    def _demux(self) -> Iterator[Any]:
        try:
            for packet in self._container.demux(self.stream):
                if packet.size:
                    yield packet
        except av.FFmpegError as exc:
            log.warning("%s: stream cut short (%s)", self.path, _reason(exc))

    def _frames_keyonly(
        self, only: set[int] | None, convert: Callable[[Any, int], Frame]
    ) -> Iterator[Frame]:
        idx = self.index
        keyset = set(int(r) for r in idx.key_ranks)
        if only is not None:
            keyset &= only
        if not keyset:
            return

        def packet_rank(position: int, packet: Any) -> int:
            ranks = idx.packet_ranks
            if ranks is not None and position < ranks.size:
                return int(ranks[position])
            return idx.rank_of(int(packet.pts)) if packet.pts is not None else -1

        # Each keyframe is decoded on its own and the decoder drained after it. Feeding only key
        # packets to a running decoder (or all packets with skip_frame, as ffmpeg's
        # -skip_frame nokey does) loses keyframes that are not IDR pictures: their picture order
        # counts make the decoder's reorder buffer hold or drop them (a real CAMM clip gives 3
        # of its 5 keyframes that way, all stamped with one pts).
        cc = self.stream.codec_context
        # Frame threading only adds latency when every frame is decoded alone; slices do help.
        # The threading can only be chosen before the decoder first opens.
        if not cc.is_open:
            cc.thread_type = "SLICE"
        self._container.seek(0)
        errors = 0
        position = -1  # the packet's place among the index's packets (as _scan counted them)
        for packet in self._demux():
            if packet.is_discard:
                continue
            position += 1
            if not packet.is_keyframe:
                continue
            rank = packet_rank(position, packet)
            if rank not in keyset:
                continue
            try:
                decoded = [*self.stream.decode(packet), *self.stream.decode(None)]
            except av.FFmpegError as exc:
                errors += 1
                log.debug(
                    "%s: skipped a corrupt keyframe at pts %s (%s)",
                    self.path,
                    packet.pts,
                    _reason(exc),
                )
                decoded = []
            cc.flush_buffers()
            for avf in decoded[:1]:  # a keyframe decoded alone is that one picture
                yield convert(avf, rank)
        if errors:
            log.warning(
                "%s: %d keyframe(s) could not be decoded and were skipped", self.path, errors
            )

    def _decoded_from(self, seek_ts: int | None) -> Iterator[tuple[int, Any]]:
        """``(rank, av_frame)`` for every frame decoded after seeking to ``seek_ts``."""
        if seek_ts is None:
            self._container.seek(0)
        else:
            self._container.seek(int(seek_ts), stream=self.stream, backward=True)
        previous = -1
        for avf in self._decode(self._demux()):
            previous = self._rank(avf, previous)
            yield previous, avf

    def _frames_all(self, convert: Callable[[Any, int], Frame]) -> Iterator[Frame]:
        for rank, avf in self._decoded_from(None):
            yield convert(avf, rank)

    def _frames_ranks(
        self, wanted: list[int], convert: Callable[[Any, int], Frame]
    ) -> Iterator[Frame]:
        idx = self.index
        pending = deque(r for r in wanted if 0 <= r < idx.frame_count)

        def key_rank(rank: int) -> int:
            k = int(np.searchsorted(idx.key_ranks, rank, side="right")) - 1
            return int(idx.key_ranks[k]) if k >= 0 else -1

        def seek_point(rank: int) -> int | None:
            k = int(np.searchsorted(idx.key_ranks, rank, side="right")) - 1
            return int(idx.key_seek[k]) if k >= 0 else None

        seek_ts = seek_point(pending[0]) if pending else None
        while pending:
            jumped = False
            first = True
            for rank, avf in self._decoded_from(seek_ts):
                if first and rank > pending[0] and seek_ts is not None:
                    # The demuxer landed after the target: decode from the start instead.
                    log.debug("%s: seek overshot frame %d", self.path, pending[0])
                    seek_ts, jumped = None, True
                    break
                first = False
                while pending and pending[0] < rank:
                    log.debug(
                        "%s: frame %d was not found in the stream", self.path, pending.popleft()
                    )
                if not pending:
                    return
                if rank != pending[0]:
                    continue
                yield convert(avf, rank)
                pending.popleft()
                # Seek when the next wanted frame's keyframe lies past the frames still ahead.
                if pending and key_rank(pending[0]) > rank + 1:
                    seek_ts, jumped = seek_point(pending[0]), True
                    break
            if not jumped:
                for rank in pending:
                    log.debug("%s: frame %d was not found in the stream", self.path, rank)
                return


def _normalise_rotation(angle: float | int | None) -> int:
    if not angle:
        return 0
    return round(float(angle) / 90.0) * 90 % 360


def _stream_info(s: Any) -> StreamInfo:
    cc = s.codec_context
    meta = dict(s.metadata)
    duration = float(s.duration * s.time_base) if s.duration is not None and s.time_base else None
    handler = meta.get("handler_name")
    if handler:
        handler = "".join(ch for ch in handler if ch.isprintable()).strip() or None
    return StreamInfo(
        index=int(s.index),
        type=str(s.type),
        codec=cc.name if cc is not None else None,
        tag=None,
        handler=handler,
        time_base=Fraction(s.time_base) if s.time_base else None,
        duration_s=duration,
        frames=int(s.frames) if s.frames else None,
        language=meta.get("language"),
    )


def _with_sample_entries(path: Path, streams: tuple[StreamInfo, ...]) -> tuple[StreamInfo, ...]:
    """Fill in each stream's sample-entry tag (``gpmd``, ``camm``, ...) from the MP4 boxes.

    libavformat does not expose the tags of data tracks; the box walker reads them. Files that are
    not MP4/QuickTime keep ``tag=None``.
    """
    try:
        tracks = list_tracks(path)
    except TelemetryError as exc:
        log.debug("%s", exc)
        return streams
    if len(tracks) != len(streams):
        return streams
    return tuple(
        replace(
            s,
            tag=t.sample_entry,
            handler=s.handler or t.handler_name or None,
            type=s.type if s.type != "data" else _DATA_KINDS.get(t.handler_type, "data"),
        )
        for s, t in zip(streams, tracks, strict=True)
    )


_DATA_KINDS = {"meta": "data", "tmcd": "timecode", "text": "data", "sbtl": "subtitle"}


def probe(path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> VideoInfo:
    """Standard properties of a video without decoding it.

    Examples
    --------
    >>> info = probe("samples/dance.mp4")  # doctest: +SKIP
    >>> info.fps, info.keyframe_count  # doctest: +SKIP
    (Fraction(25, 1), 24)
    """
    with VideoReader(path, max_pixels=max_pixels) as reader:
        return reader.info()


def iter_frames(
    path: str | Path,
    *,
    keyframes: bool = False,
    ranks: Iterable[int] | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Iterator[Frame]:
    """Stream frames from a video; the generator owns the open container.

    See :meth:`VideoReader.frames` for the arguments.
    """
    with VideoReader(path, max_pixels=max_pixels) as reader:
        yield from reader.frames(keyframes=keyframes, ranks=ranks)


def per_megapixel(width: int, height: int) -> int:
    """One codec thread per megapixel of frame, at least one and at most one per core."""
    return min(os.cpu_count() or 1, max(1, round(width * height / 1e6)))


#: Full-range grey to video-range luma (16-235), rounded as FFmpeg's swscale does.
_FULL_TO_VIDEO_RANGE = np.floor(16 + np.arange(256) * 219 / 255 + 0.5).astype(np.uint8)


def to_i420(image: np.ndarray) -> np.ndarray:
    """A ``uint8`` grey or RGB image (even width and height) as planar YUV 4:2:0, video range.

    The layout is the one ``av.VideoFrame.from_ndarray(..., format="yuv420p")`` takes:
    ``(H * 3 / 2, W)``, the luma then the two quarter-size chroma planes. Grey is exactly
    FFmpeg's own conversion (luma scaled to 16-235, neutral chroma). RGB is BT.601, video
    range, like FFmpeg's default (luma within one level), with each chroma sample the mean of
    its 2x2 block; swscale filters chroma over a slightly wider window, so at sharp colour
    edges the two differ by a few levels. About half swscale's cost.
    """
    h, w = image.shape[:2]
    if image.ndim == 2:
        out = np.empty((h * 3 // 2, w), np.uint8)
        cv2.LUT(image, _FULL_TO_VIDEO_RANGE, dst=out[:h])
        out[h:] = 128
        return out
    # The luma of OpenCV's I420; its chroma takes one pixel of four, so the chroma is
    # recomputed from the 2x2 means (the conversion is linear) and scaled to video range.
    out = cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420)
    means = cv2.resize(image, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    _, cr, cb = cv2.split(cv2.cvtColor(means, cv2.COLOR_RGB2YCrCb))
    chroma = out[h:].reshape(2, -1)
    for plane, values in ((chroma[0], cb), (chroma[1], cr)):
        cv2.convertScaleAbs(values, plane.reshape(values.shape), 224 / 255, 128 * 31 / 255)
    return out


class VideoWriter:
    """Encode ``uint8`` frames (grey or RGB) to a video file, atomically.

    Frames go to a temporary file beside ``path`` that is renamed over it by :meth:`close`;
    on an error (or Ctrl-C) inside the ``with`` block the temporary file is removed. Odd
    frame sizes are padded by one edge pixel, since 4:2:0 needs even sizes. x264 encodes at
    the constant quantizer ``qp``, or at the constant rate factor ``crf`` when one is given.

    Examples
    --------
    >>> with VideoWriter("motion.mp4", fps=Fraction(25)) as out:  # doctest: +SKIP
    ...     out.write(grey_uint8_frame)
    """

    def __init__(
        self,
        path: str | Path,
        *,
        fps: Fraction,
        codec: str = "libx264",
        pix_fmt: str = "yuv420p",
        qp: int = 18,
        crf: int | None = None,
        preset: str = "ultrafast",
    ):
        self.path = Path(path)
        self.fps = Fraction(fps).limit_denominator(100000)
        self.codec, self.pix_fmt = codec, pix_fmt
        # A constant quantizer: x264's constant rate factor analyses every frame's complexity
        # first, a quarter of its encoding time at this preset (measured on motion images:
        # 0.85 against 0.65 s for 1800 frames at 500x500; qp 18 gives 56.6 dB PSNR there).
        rate = {"crf": str(crf)} if crf is not None else {"qp": str(qp)}
        self._options = {**rate, "preset": preset} if codec == "libx264" else {}
        self._tmp = temp_beside(self.path)
        self._container: Any = None
        self._stream: Any = None
        self.frames = 0
        # Encoding runs on one worker thread (PyAV releases the GIL while x264 works), so the
        # caller computes the next frame meanwhile. Up to four frames wait, which absorbs x264's
        # frame-to-frame jitter (against two: the 60 s motion benchmark 3-6 % faster).
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vfx-encode")
        self._reformatter = av.video.reformatter.VideoReformatter()
        self._pending: deque[Future[None]] = deque()

    def _open(self, width: int, height: int) -> None:
        self._container = av.open(ffmpeg_url(self._tmp), "w", format="mp4")
        stream = self._container.add_stream(self.codec, rate=self.fps)
        stream.width, stream.height, stream.pix_fmt = width, height, self.pix_fmt
        options = dict(self._options)
        if self.codec == "libx264":
            # x264's frame threads cost CPU in synchronisation (0.75 against 0.52 ms a frame at
            # 500x500); the encoder already runs beside the decoder and the caller, so it gets
            # one thread per megapixel, which keeps pace with them.
            options["threads"] = str(per_megapixel(width, height))
        stream.options = options
        stream.codec_context.thread_type = "AUTO"
        self._stream = stream

    def write(self, image: np.ndarray, *, copy: bool = True) -> None:
        """Append one frame: ``uint8`` grey ``(H, W)`` or RGB ``(H, W, 3)``.

        The frame is converted and encoded on the writer's thread while the caller goes on.
        With ``copy=False`` the writer reads ``image`` itself, later: the caller must not
        change it afterwards (for a fresh array per frame, this saves a copy).
        """
        if image.dtype != np.uint8:
            raise ValueError(f"VideoWriter takes uint8 frames, got {image.dtype}")
        h, w = image.shape[:2]
        if h % 2 or w % 2:
            pad = ((0, h % 2), (0, w % 2)) + (((0, 0),) if image.ndim == 3 else ())
            image = np.pad(image, pad, mode="edge")
        elif copy:
            image = image.copy()
        if self._stream is None:
            self._open(image.shape[1], image.shape[0])
        while len(self._pending) >= 4:
            self._settle()
        self._pending.append(self._pool.submit(self._encode, image, self.frames))
        self.frames += 1

    def _settle(self) -> None:
        """Wait for the oldest frame's encoding; the encoder's refusal is an OutputError."""
        try:
            self._pending.popleft().result()
        except av.FFmpegError as exc:
            w, h = self._stream.width, self._stream.height
            raise OutputError(
                f"{self.codec} cannot encode this {w}x{h} video ({_reason(exc)})", path=self.path
            ) from exc

    def _encode(self, image: np.ndarray, pts: int) -> None:
        # Runs on the writer's thread: the conversion (OpenCV) and x264 both release the GIL.
        if self.pix_fmt == "yuv420p":
            frame = av.VideoFrame.from_numpy_buffer(to_i420(image), format="yuv420p")
        else:
            fmt = "gray" if image.ndim == 2 else "rgb24"
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format=fmt)
            # One converter for the whole video (PyAV would make one per frame).
            frame = self._reformatter.reformat(frame, format=self.pix_fmt, threads=1)
        frame.pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        """Flush the encoder and move the file to its final name."""
        if self._container is None:
            self.abort()
            raise ValueError(f"{self.path}: no frames were written")
        while self._pending:
            self._settle()
        self._pool.shutdown()
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        self._container = None
        publish(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the partial file."""
        for future in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True)
        self._pending.clear()
        if self._container is not None:
            try:
                self._container.close()
            except av.FFmpegError:
                log.debug("%s: closing the partial video failed", self.path)
            self._container = None
        discard(self._tmp)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def prefetch(items: Iterator[Frame], depth: int = 4) -> Iterator[Frame]:
    """Run a frame generator on a background thread, ``depth`` frames ahead.

    Decoding and colour conversion release the GIL, so the caller's work on one frame overlaps
    the decoding of the next ones. Exceptions from the generator are raised in the caller; if
    the caller stops early (or is interrupted), the thread is stopped and the generator closed.
    """
    import queue

    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for frame in items:
                if not put(("frame", frame)):
                    return
            put(("done", None))
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(("error", exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=run, name="vfx-decode", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "frame":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        thread.join()
