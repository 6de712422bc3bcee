"""A clip whose motion is known: textured squares that bounce between two walls."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

WIDTH, HEIGHT = 360, 200
RATE = 25
SPEED = 6.0  # pixels per frame
#: The squares' directions (degrees from rightwards, y down): adjacent directogram bins, as
#: real motion spreads over several (the impact envelope's 5x5 median drops a lone bin),
#: down-right and back up-left, away from the +-180 degree edge of the directogram.
ANGLES = (39.0, 42.0, 45.0, 48.0, 51.0)
LEG = 20  # frames between bounces


def _texture(seed: int, size: int = 24) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cells = rng.integers(0, 2, (size // 4, size // 4)).astype(np.uint8) * 200 + 30
    return cv2.resize(cells, (size, size), interpolation=cv2.INTER_NEAREST)


def bounce_frames(legs: int = 6) -> tuple[list[np.ndarray], list[int]]:
    """RGB frames of five squares moving at ``SPEED`` along ``ANGLES``, reversing every
    ``LEG`` frames; and the frames at which they reverse (the first frame of each new leg)."""
    textures = [_texture(i) for i in range(len(ANGLES))]
    frames, bounces = [], []
    offset = 0.0
    direction = 1.0
    for n in range(legs * LEG + 1):
        if n and n % LEG == 0 and n < legs * LEG:
            direction = -direction
            bounces.append(n + 1)  # frame n+1 is the first to have moved the other way
        canvas = np.full((HEIGHT, WIDTH), 128, np.uint8)
        for k, (angle, tex) in enumerate(zip(ANGLES, textures, strict=True)):
            a = np.radians(angle)
            x = 20 + 50 * k + offset * np.cos(a)
            y = 20 + offset * np.sin(a)
            m = np.float32([[1, 0, x], [0, 1, y]])
            patch = cv2.warpAffine(
                tex,
                m,
                (WIDTH, HEIGHT),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=0,
            )
            mask = cv2.warpAffine(
                np.full_like(tex, 255), m, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR, borderValue=0
            )
            alpha = mask.astype(np.float32) / 255
            canvas = (canvas * (1 - alpha) + patch * alpha).astype(np.uint8)
        frames.append(np.repeat(canvas[..., None], 3, axis=2))
        offset += direction * SPEED
    return frames, bounces


def write_clip(path: Path, frames: list[np.ndarray], *, codec: str = "libx264") -> Path:
    """The frames as a near-lossless clip at 25 frames/s."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=Fraction(RATE))
        stream.width, stream.height = WIDTH, HEIGHT
        stream.pix_fmt = "yuv420p" if codec == "libx264" else "yuvj420p"
        if codec == "libx264":
            stream.options = {"crf": "0", "bf": "2", "g": "12"}
        for image in frames:
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
