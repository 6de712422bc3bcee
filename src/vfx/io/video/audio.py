"""A video's sound: its first audio stream decoded to mono ``float32``, placed on the video's
own time axis.

The samples come in chunks as they decode (never the whole track in memory). Where the sound
starts is read from the audio stream's own timestamps: ``offset_s`` is the time of its first
sample on the video's clock (the video stream's start is 0, as for every frame time in vfx),
so a track that starts half a second after the picture has ``offset_s == 0.5``.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from vfx.errors import DecodeError
from vfx.io.video.containers import ffmpeg_reason, open_container

__all__ = ["AudioTrack", "open_audio"]


class AudioTrack:
    """The first audio stream of an open file (see :func:`open_audio`)."""

    def __init__(
        self, path: Path, container: Any, stream: Any, origin_s: float, rate: int | None = None
    ):
        self.path = path
        self._container = container
        self.stream = stream
        #: The track's own sample rate.
        self.native_rate = int(stream.codec_context.sample_rate or stream.rate)
        #: The rate the samples come at (resampled by FFmpeg's swresample when it differs).
        self.sample_rate = int(rate) if rate else self.native_rate
        self.channels = int(stream.codec_context.channels or 1)
        self._origin_s = origin_s
        self.offset_s: float | None = None  # known once the first samples decode

    def __enter__(self) -> AudioTrack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._container.close()

    def chunks(self) -> Iterator[np.ndarray]:
        """The samples, mono (the mean of the channels, as librosa loads them), ``float32``
        in -1..1, in decoded chunks; sets :attr:`offset_s` from the first one's timestamp."""
        resampler = av.AudioResampler(
            format="fltp", rate=self.sample_rate if self.sample_rate != self.native_rate else None
        )
        try:
            for packet in self._container.demux(self.stream):
                for frame in packet.decode():
                    if self.offset_s is None:
                        self.offset_s = self._start_of(frame)
                    for out in resampler.resample(frame):
                        yield _mono(out)
            for out in resampler.resample(None):
                yield _mono(out)
        except av.FFmpegError as exc:
            raise DecodeError(
                f"audio could not be decoded ({ffmpeg_reason(exc)})", path=self.path
            ) from exc
        if self.offset_s is None:
            self.offset_s = self._start_of(None)

    def _start_of(self, frame: Any) -> float:
        pts, base = (frame.pts, frame.time_base) if frame is not None else (None, None)
        if pts is None:
            pts, base = self.stream.start_time, self.stream.time_base
        seconds = float(Fraction(pts) * base) if pts is not None and base is not None else 0.0
        return seconds - self._origin_s


def _mono(frame: Any) -> np.ndarray:
    planes = frame.to_ndarray()  # (channels, samples) for planar float
    if planes.ndim == 1 or planes.shape[0] == 1:
        return np.ascontiguousarray(planes.reshape(-1), dtype=np.float32)
    return planes.mean(axis=0, dtype=np.float32)


def open_audio(
    path: str | Path, *, origin_s: float = 0.0, sample_rate: int | None = None
) -> AudioTrack | None:
    """The first audio stream of ``path`` ready to decode, or None when it has none.

    ``origin_s`` is the container time (seconds) the caller's clock counts from; for a video
    that is its video stream's start. ``sample_rate`` resamples (None: the track's own).
    """
    path = Path(path)
    container = open_container(path)
    streams = [s for s in container.streams if s.type == "audio"]
    if not streams or not (streams[0].codec_context.sample_rate or streams[0].rate):
        container.close()
        return None
    stream = streams[0]
    stream.thread_type = "AUTO"
    return AudioTrack(path, container, stream, origin_s, sample_rate)
