"""Synthetic test clips written with PyAV, with known keyframes, rates and contents.

Every frame carries its own index as a bar code (``BITS`` vertical bars, white = 1), so a test
can read an extracted image back and check that the file named for frame ``i`` really shows
frame ``i``. Lossy coding does not disturb the bars (each is 16 px wide, pure black or white).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

BITS = 10
BAR = 16
WIDTH, HEIGHT = BITS * BAR, 96


@dataclass(frozen=True)
class ClipSpec:
    """How a clip was made: what a test may assert about it."""

    path: Path
    frames: int
    rate: Fraction
    gop: int
    keyframes: tuple[int, ...]


def barcode(index: int, *, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """An RGB frame showing ``index`` as bars, with a red corner marker at top-left."""
    img = np.full((height, width, 3), 40, np.uint8)
    for b in range(BITS):
        if (index >> b) & 1:
            img[16:, b * BAR : (b + 1) * BAR] = 255
    img[:16, :16] = (255, 0, 0)  # orientation marker
    img[:16, 16:] = (index * 7) % 200  # a changing strip so that every frame differs
    return img


def read_barcode(image: np.ndarray) -> int:
    """The index shown by a frame made with :func:`barcode` (8- or 16-bit)."""
    img = image.astype(np.float64)
    if image.dtype == np.uint16:
        img /= 257.0
    row = img[HEIGHT * 2 // 3]
    return sum(1 << b for b in range(BITS) if row[b * BAR + BAR // 2].mean() > 128)


def make_clip(
    path: Path,
    *,
    frames: int = 61,
    rate: Fraction = Fraction(25),
    gop: int = 12,
    codec: str = "libx264",
    bframes: int = 2,
    pix_fmt: str = "yuv420p",
    rotation: int | None = None,
    pts: list[int] | None = None,
    time_base: Fraction | None = None,
) -> ClipSpec:
    """Write a bar-coded clip with a keyframe every ``gop`` frames (forced, no scene cuts).

    ``pts`` with ``time_base`` gives each frame an explicit timestamp (variable frame rate).
    """
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, pix_fmt
        stream.codec_context.gop_size = gop
        if time_base is not None:
            stream.codec_context.time_base = time_base
            stream.time_base = time_base
        if codec == "libx264":
            stream.options = {
                "bf": str(bframes),
                "g": str(gop),
                "keyint_min": str(gop),
                "sc_threshold": "0",
                "crf": "18",
                "threads": "1",
            }
        elif codec == "mpeg4":
            stream.options = {"bf": str(bframes), "g": str(gop), "qscale": "3"}
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(barcode(i), format="rgb24")
            if pts is not None:
                frame.pts = pts[i]
                frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    keys = tuple(range(0, frames, gop))
    return ClipSpec(path=path, frames=frames, rate=rate, gop=gop, keyframes=keys)


def write_lossless(
    path: Path,
    frames: list[np.ndarray],
    fps: int = 10,
    *,
    rotation: int | None = None,
    gop: int | None = None,
) -> Path:
    """Write RGB ``uint8`` frames as lossless H.264 (libx264rgb, crf 0, no B-frames), so every
    decoded pixel is known exactly; ``rotation`` sets the stream's display rotation, ``gop``
    puts a keyframe every that many frames (and nowhere else)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264rgb", rate=Fraction(fps))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "rgb24"
        stream.options = {"crf": "0", "preset": "ultrafast", "bf": "0"}
        if gop is not None:
            stream.options |= {"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0"}
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def write_with_sound(
    path: Path,
    frames: list[np.ndarray],
    samples: np.ndarray,
    *,
    fps: int = 25,
    sample_rate: int = 16000,
    audio_start_s: float = 0.0,
) -> Path:
    """Write RGB ``uint8`` frames (lossless FFV1, from time 0) and mono ``float32`` samples
    (PCM, its first sample at ``audio_start_s`` on the same clock) into a Matroska file, so
    every pixel, every sample and where the sound starts are known exactly."""
    with av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream("ffv1", rate=Fraction(fps))
        video.height, video.width = frames[0].shape[:2]
        video.pix_fmt = "bgr0"
        audio = out.add_stream("pcm_s16le", rate=sample_rate, layout="mono")
        audio.time_base = Fraction(1, sample_rate)
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="bgr0")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        pcm = np.round(np.clip(samples, -1, 1) * 32767).astype(np.int16)
        first = round(audio_start_s * sample_rate)
        for start in range(0, pcm.size, 1024):
            chunk = pcm[start : start + 1024][None, :]
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
            frame.sample_rate = sample_rate
            frame.pts = first + start
            frame.time_base = Fraction(1, sample_rate)
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)
    return path
