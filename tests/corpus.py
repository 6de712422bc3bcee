"""A corpus of bad inputs, generated (never committed): what each file is and how it was made.

``build_corpus(folder)`` writes every case and returns ``{name: path}``. Cases:

* ``zero.mp4``: zero bytes. ``text.mp4``: a text file named .mp4.
* ``cut_in_moov.mp4``: a fast-start MP4 (moov first) cut in the middle of its moov.
* ``cut_in_mdat.mp4``: the same MP4 cut in the middle of its media data (moov intact).
* ``corrupt.mp4``: 400 random bytes written over the middle of the media data.
* ``audio.m4a``: audio only. ``photo.png``: a still image where a video is expected.
* ``huge.y4m``: a raw video declaring 60000x60000 frames.
* ``-odd name é.mp4``: a good clip whose name has spaces, non-ASCII and a leading dash.
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


def _good(path: Path, faststart: bool = True) -> Path:
    options = {"movflags": "faststart"} if faststart else {}
    rng = np.random.default_rng(5)
    with av.open(str(path), "w", options=options) as out:
        stream = out.add_stream("libx264", rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        stream.options = {"g": "10", "bf": "2", "crf": "18"}
        for i in range(50):
            img = rng.integers(0, 60, (96, 160, 3), dtype=np.uint8)
            img[:, (3 * i) % 150 : (3 * i) % 150 + 10] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _boxes(data: bytes) -> dict[str, tuple[int, int]]:
    out, pos = {}, 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        out[kind.decode("latin-1")] = (pos, size)
        pos += size
    return out


def build_corpus(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    good = _good(folder / "good.mp4")
    data = good.read_bytes()
    boxes = _boxes(data)
    moov_at, moov_size = boxes["moov"]
    mdat_at, mdat_size = boxes["mdat"]
    cases: dict[str, bytes] = {
        "zero.mp4": b"",
        "text.mp4": b"this is a text file, not a video\n" * 3,
        "cut_in_moov.mp4": data[: moov_at + moov_size // 2],
        "cut_in_mdat.mp4": data[: mdat_at + mdat_size // 2],
        "huge.y4m": b"YUV4MPEG2 W60000 H60000 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + bytes(64),
    }
    corrupt = bytearray(data)
    middle = mdat_at + mdat_size // 2
    corrupt[middle : middle + 400] = (
        np.random.default_rng(9).integers(0, 256, 400, np.uint8).tobytes()
    )
    cases["corrupt.mp4"] = bytes(corrupt)
    paths = {"good.mp4": good}
    for name, content in cases.items():
        (folder / name).write_bytes(content)
        paths[name] = folder / name
    audio = folder / "audio.m4a"
    with av.open(str(audio), "w") as out:
        stream = out.add_stream("aac", rate=8000)
        for i in range(4):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = 8000, i * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
    paths["audio.m4a"] = audio
    photo = folder / "photo.png"
    cv2.imwrite(str(photo), np.zeros((20, 30, 3), np.uint8))
    paths["photo.png"] = photo
    odd = folder / "-odd name é.mp4"
    odd.write_bytes(data)
    paths["odd"] = odd
    return paths
