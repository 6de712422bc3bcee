"""GoPro MAX-like ``.360`` files for tests: two EAC video streams and a GPMF GPS track.

A real ``.360`` holds two HEVC streams (0 and 5) of the same strip size, audio, timecode and
GPMF. These files keep what vfx reads: two video streams of a MAX strip size, in that order,
and a ``gpmd`` track. Streams carry flat grey levels that say which frame they are
(:func:`level0`, :func:`level5`), or real strips when given.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from mp4build import add_track, gps5_payload

#: The 3K layout's strip (one stream's frame).
STRIP_3K = (2272, 736)
#: UTC time of the first GPS fix.
T0 = datetime(2024, 6, 1, 9, 0, 0, tzinfo=UTC)


def level0(k: int) -> int:
    """The grey level of stream 0's frame ``k``."""
    return 20 + 10 * k


def level5(k: int) -> int:
    """The grey level of stream 5's frame ``k`` (never equal to a stream-0 level)."""
    return 25 + 10 * k


def make_max_clip(
    path: Path,
    *,
    frames: int = 20,
    fps: int = 10,
    gop0: int = 5,
    gop5: int = 7,
    strips: tuple[np.ndarray, np.ndarray] | None = None,
    size: tuple[int, int] = STRIP_3K,
    gps: bool = True,
    frames5: int | None = None,
    rotation5: int | None = None,
) -> Path:
    """Write a two-stream clip; stream 0 has a keyframe every ``gop0`` frames, stream 5 every
    ``gop5``. Frame ``k`` is flat grey at :func:`level0`/:func:`level5`, or ``strips`` (RGB
    ``uint8``) for every frame. With ``gps``, a GPMF track moves north at about 11 m/s from
    46 N 8 E in one-second samples of 10 fixes stamped from :data:`T0`. ``frames5`` cuts
    stream 5 short (a damaged recording); ``rotation5`` gives it a display rotation."""
    raw = path.with_name(path.stem + "_raw.mp4")
    width, height = size
    with av.open(str(raw), "w", format="mp4") as container:
        streams = []
        for gop in (gop0, gop5):
            s = container.add_stream("libx264", rate=Fraction(fps))
            s.width, s.height, s.pix_fmt = width, height, "yuv420p"
            s.options = {
                "g": str(gop),
                "keyint_min": str(gop),
                "sc_threshold": "0",
                "bf": "0",
                "crf": "8" if strips is not None else "18",
                "preset": "ultrafast",
                "threads": "2",
            }
            if rotation5 is not None and gop == gop5 and len(streams) == 1:
                s.set_display_rotation(rotation5)
            streams.append(s)
        for k in range(frames):
            for n, s in enumerate(streams):
                if n == 1 and frames5 is not None and k >= frames5:
                    continue
                if strips is not None:
                    image = strips[n]
                else:
                    level = level0(k) if n == 0 else level5(k)
                    image = np.full((height, width, 3), level, np.uint8)
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                frame.pts = k
                frame.time_base = Fraction(1, fps)
                for packet in s.encode(frame):
                    container.mux(packet)
        for s in streams:
            for packet in s.encode():
                container.mux(packet)
    if not gps:
        raw.rename(path)
        return path
    seconds = -(-frames // fps)
    samples = []
    for sec in range(seconds):
        points = [(46.0 + 1e-5 * (sec * 10 + i), 8.0, 500.0, 11.1, 11.1) for i in range(10)]
        samples.append(gps5_payload(points, T0 + timedelta(seconds=sec)))
    add_track(raw, path, entry="gpmd", samples=samples, durations=[1000] * seconds)
    raw.unlink()
    return path
