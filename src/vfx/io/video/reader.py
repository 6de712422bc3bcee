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

import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from vfx.errors import DecodeError, VideoOpenError
from vfx.io.video.containers import (
    DEFAULT_MAX_PIXELS,
    DUAL_FISHEYE,
    IMAGE_SUFFIXES,
    bit_depth,
    creation_time,
    ffmpeg_reason,
    ffmpeg_url,
    is_dual_fisheye,
    normalise_rotation,
    open_container,
    per_megapixel,
    stream_info,
    with_sample_entries,
)
from vfx.io.video.packets import PacketIndex
from vfx.ops.eac import EacLayout, layout_for
from vfx.types import Frame, MotionVectors, VideoInfo

__all__ = ["VideoReader", "iter_frames", "probe"]

log = logging.getLogger("vfx")


# Containers whose packets carry no presentation time of their own.
_NO_PTS_FORMATS = frozenset({"avi"})
_PICT_TYPES = {int(t): t.name for t in av.video.frame.PictureType}
#: FFmpeg's AVMotionVector, as PyAV hands it over (for frames that carry none).
_MV_DTYPE = np.dtype(
    {
        "names": ["source", "w", "h", "src_x", "src_y", "dst_x", "dst_y", "flags",
                  "motion_x", "motion_y", "motion_scale"],
        "formats": ["<i4", "u1", "u1", "<i2", "<i2", "<i2", "<i2", "<u8", "<i4", "<i4", "<u2"],
        "offsets": [0, 4, 5, 6, 8, 10, 12, 16, 24, 28, 32],
        "itemsize": 40,
    }
)  # fmt: skip
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


def _luma_to_full_range(luma: np.ndarray) -> np.ndarray:
    """``_VIDEO_TO_FULL_RANGE`` applied to 8-bit luma, as a new array.

    OpenCV's scaled sum rounds ``(y - 16) * 255 / 219`` to the nearest integer and saturates,
    which is the table for every one of the 256 values (no value falls on a half), at twice
    the speed of the table lookup, which OpenCV does not vectorise.
    """
    return cv2.addWeighted(luma, 255 / 219, luma, 0.0, -16 * 255 / 219)


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
    stream
        Which video stream to read, counted among the video streams (0: the first).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        threads: int | None = 0,
        stream: int = 0,
    ):
        self.path = Path(path)
        self._container = open_container(self.path)
        self._video_n = stream
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
            what = "an image" if self.path.suffix.lower() in IMAGE_SUFFIXES else "a video"
            raise VideoOpenError(
                f"no video stream (found: {', '.join(kinds)}); expected {what}", path=self.path
            )
        if self._video_n >= len(c.streams.video):
            raise VideoOpenError(
                f"has {len(c.streams.video)} video stream(s), no video stream {self._video_n}",
                path=self.path,
            )
        self.stream = c.streams.video[self._video_n]
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
        self.bit_depth = bit_depth(cc.pix_fmt)
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
    def eac_layout(self) -> EacLayout | None:
        """The GoPro MAX layout when the file holds its two EAC streams, else None."""
        video = self._container.streams.video
        if len(video) < 2:
            return None
        sizes = {(s.codec_context.width, s.codec_context.height) for s in video[:2]}
        return layout_for(*sizes.pop()) if len(sizes) == 1 else None

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
                stream = probe_container.streams.video[self._video_n]
                for frame in probe_container.decode(stream):
                    return normalise_rotation(frame.rotation)
        except (av.FFmpegError, IndexError):
            return 0
        return 0

    def _scan(self) -> PacketIndex:
        pts: list[int] = []
        dts: list[int] = []
        keys: list[int] = []
        seek_ts: list[int] = []
        c = self._container
        try:
            c.seek(0)
        except av.FFmpegError as exc:  # a damaged index (an stsz of 2^31 samples): EPERM
            raise DecodeError(
                f"cannot read packets ({ffmpeg_reason(exc)}; the file's index is damaged)",
                path=self.path,
            ) from exc
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
                    # The keyframe's presentation time: demuxers that index by it (MP4 with
                    # an edit list) land a whole GOP early on its decoding time. One that
                    # lands late is caught after the seek (see _frames_ranks).
                    seek_ts.append(p)
        except av.FFmpegError as exc:
            if not pts:
                raise DecodeError(
                    f"cannot read packets ({ffmpeg_reason(exc)})", path=self.path
                ) from exc
            log.warning(
                "%s: packet index stops early at packet %d (%s)",
                self.path,
                len(pts),
                ffmpeg_reason(exc),
            )
        finally:
            with contextlib.suppress(av.FFmpegError):
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
        streams = with_sample_entries(self.path, tuple(stream_info(s) for s in c.streams))
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
            creation_time=creation_time(dict(c.metadata))
            or creation_time(dict(self.stream.metadata)),
            streams=streams,
            telemetry=telemetry,
            layout=_describe_layout(self.eac_layout)
            or (DUAL_FISHEYE if is_dual_fisheye(self.path) else None),
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
            wanted = sorted(set(int(r) for r in ranks))
            count = self.index.frame_count
            if len(wanted) == count and wanted[0] == 0 and wanted[-1] == count - 1:
                # Every frame: decoded straight through, with no seek and nothing skipped.
                yield from self._frames_all(convert)
            elif wanted and np.isin(wanted, self.index.key_ranks).all():
                # Every wanted frame is a keyframe (a sampling step that matches the GOP, a
                # .360 pair at stream 0's keyframes): only keyframe packets need decoding.
                yield from self._frames_keyonly(set(wanted), convert)
            else:
                yield from self._frames_ranks(wanted, convert)

    def motion_vectors(self) -> Iterator[MotionVectors]:
        """The encoder's motion vectors of every frame, in display order, without converting
        any pixels: libavcodec's ``export_mvs`` (H.264, MPEG-4 Part 2, H.263, MPEG-1/2;
        FFmpeg's HEVC decoder exports none). An intra frame has an empty record array.

        Must be the reader's first decoding (the option is set when the decoder opens).
        """
        self.index  # noqa: B018 - the demux pass must run before decoding starts
        cc = self.stream.codec_context
        cc.options = {**cc.options, "flags2": "+export_mvs"}
        # Frame threads hand the vectors of one picture to another now and then (two runs
        # differ); slice threads split each picture and export what it was decoded with.
        cc.thread_type = "SLICE"
        empty = np.zeros(0, dtype=_MV_DTYPE)
        for rank, avf in self._decoded_from(None):
            side = avf.side_data.get("MOTION_VECTORS")
            vectors = side.to_ndarray() if side is not None else empty
            yield MotionVectors(
                index=rank,
                time=self.index.time_of(min(rank, self.index.frame_count - 1)),
                pict_type=_PICT_TYPES.get(int(avf.pict_type), "?"),
                vectors=vectors,
                rotation=normalise_rotation(avf.rotation),
            )

    def _grey(self, avf: Any) -> np.ndarray:
        """The frame's luma, full range: the 8-bit luma plane itself when there is one."""
        name = avf.format.name
        if name in _LUMA_PLANE_FORMATS:
            plane = avf.planes[0]
            luma = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
            luma = luma[: avf.height, : avf.width]
            full = name.startswith("yuvj") or int(avf.color_range) == 2  # 2: JPEG (full) range
            return luma.copy() if full else _luma_to_full_range(luma)
        return self._reformatter.reformat(
            avf, format=self._grey_format, threads=self._convert_threads
        ).to_ndarray()

    def _to_frame(self, avf: Any, rank: int, pixels: str = "rgb") -> Frame:
        idx = self.index
        rank = min(rank, idx.frame_count - 1)
        rot = normalise_rotation(avf.rotation)

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

    @property
    def _counts_frames(self) -> bool:
        """True where a decoded frame's rank cannot come from its timestamp: an AVI stream
        that reorders frames (B-frames in H.264) hands out frames in display order carrying
        their packets' guessed timestamps, which are decode slots. There, frames are counted
        from the keyframe decoding starts at, and every frame is decoded."""
        return self.uses_dts_times and bool(self.stream.codec_context.has_b_frames)

    def _rank(self, avf: Any, previous: int) -> int:
        if avf.pts is None or (previous >= 0 and self._counts_frames):
            return previous + 1
        rank = self.index.rank_of(int(avf.pts))
        idx = self.index
        # Frames that share a timestamp come out in display order: the second takes the next
        # rank of that timestamp instead of the first one's (which would lose it).
        if rank <= previous < idx.frame_count - 1 and int(idx.pts[previous + 1]) == int(avf.pts):
            return previous + 1
        return rank

    def _decode(self, packets: Iterable[Any], wanted: set[int] | None = None) -> Iterator[Any]:
        """Decode packets, skipping ones the decoder rejects (counted and logged).

        With ``wanted`` (display ranks), a packet whose frame is not wanted is decoded with
        ``skip_frame`` NONREF: a picture no other picture refers to (most B-frames) is then
        not decoded at all, while every reference picture still is. The setting is switched
        per packet (FFmpeg hands it to the frame threads with each packet).
        """
        errors = 0
        cc = self.stream.codec_context
        skipping = False
        if self._counts_frames:
            wanted = None  # a frame left undecoded would put every later count off
        rank_of = self.index.rank_of
        for packet in packets:
            if wanted is not None:
                skip = packet.pts is not None and rank_of(int(packet.pts)) not in wanted
                if skip != skipping:
                    cc.skip_frame = "NONREF" if skip else "DEFAULT"
                    skipping = skip
            try:
                yield from self.stream.decode(packet)
            except av.FFmpegError as exc:
                errors += 1
                log.debug(
                    "%s: skipped a corrupt packet at pts %s (%s)",
                    self.path,
                    packet.pts,
                    ffmpeg_reason(exc),
                )
        if skipping:
            cc.skip_frame = "DEFAULT"
        try:
            yield from self.stream.decode(None)
        except av.FFmpegError as exc:
            errors += 1
            log.warning("%s: decoder flush failed (%s)", self.path, ffmpeg_reason(exc))
        if errors:
            log.warning("%s: %d packet(s) could not be decoded and were skipped", self.path, errors)

    def _demux(self) -> Iterator[Any]:
        try:
            for packet in self._container.demux(self.stream):
                if packet.size:
                    yield packet
        except av.FFmpegError as exc:
            log.warning("%s: stream cut short (%s)", self.path, ffmpeg_reason(exc))

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
                    ffmpeg_reason(exc),
                )
                decoded = []
            cc.flush_buffers()
            for avf in decoded[:1]:  # a keyframe decoded alone is that one picture
                yield convert(avf, rank)
        if errors:
            log.warning(
                "%s: %d keyframe(s) could not be decoded and were skipped", self.path, errors
            )

    def _decoded_from(
        self, seek_ts: int | None, wanted: set[int] | None = None
    ) -> Iterator[tuple[int, Any]]:
        """``(rank, av_frame)`` for every frame decoded after seeking to ``seek_ts`` (only
        the reference frames and the ``wanted`` ones, when given)."""
        if seek_ts is None:
            self._container.seek(0)
        else:
            self._container.seek(int(seek_ts), stream=self.stream, backward=True)
        previous = -1
        cc = self.stream.codec_context
        try:
            decoded = self._decode(self._demux(), wanted)
            for avf in decoded:
                previous = self._rank(avf, previous)
                yield previous, avf
        finally:
            cc.skip_frame = "DEFAULT"  # a generator left early (a seek) skips nothing after

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

        def seek_point(rank: int, back: int = 0) -> int | None:
            """Where to seek for ``rank``: its keyframe's, or ``back`` keyframes earlier."""
            k = int(np.searchsorted(idx.key_ranks, rank, side="right")) - 1 - back
            return int(idx.key_seek[k]) if k >= 0 else None

        back = 0
        wanted_set = set(pending)
        seek_ts = seek_point(pending[0]) if pending else None
        while pending:
            jumped = False
            first = True
            for rank, avf in self._decoded_from(seek_ts, wanted_set):
                if first and rank > pending[0] and seek_ts is not None:
                    # The demuxer landed after the target: seek one keyframe earlier.
                    back += 1
                    log.debug("%s: seek overshot frame %d", self.path, pending[0])
                    seek_ts, jumped = seek_point(pending[0], back), True
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
                    seek_ts, jumped = seek_point(pending[0], back), True
                    break
            if not jumped:
                for rank in pending:
                    log.debug("%s: frame %d was not found in the stream", self.path, rank)
                return


def _describe_layout(layout: EacLayout | None) -> str | None:
    if layout is None:
        return None
    return f"GoPro MAX 360 ({layout.name}), EAC in 2 streams"


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
