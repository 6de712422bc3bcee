"""Generate samples/dance.mp4, the bundled demo clip (run: python samples/make_sample.py).

A static backdrop (wall, floor, a window and a plant) with a figure that walks in, dances with
pauses, and leaves: 24 s at 25 fps, 640x360, H.264 (yuv420p) with a keyframe every 25 frames
(1 s) and B-frames. Everything is drawn with OpenCV from fixed numbers, so the clip is the
project's own and can be regenerated at any time.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

WIDTH, HEIGHT, FPS, SECONDS, GOP = 640, 360, 25, 24, 25


def backdrop() -> np.ndarray:
    img = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    wall = np.linspace(200, 150, HEIGHT)[:, None, None] * np.array([1.0, 0.93, 0.82])
    img[:] = wall.astype(np.uint8)
    floor_top = int(HEIGHT * 0.72)
    img[floor_top:] = np.linspace(120, 80, HEIGHT - floor_top)[:, None, None] * np.array(
        [0.75, 0.55, 0.4]
    )
    for x in range(0, WIDTH, 48):  # floor boards
        cv2.line(img, (x, floor_top), (x - 40, HEIGHT), (70, 50, 40), 1, cv2.LINE_AA)
    cv2.rectangle(img, (440, 50), (580, 170), (235, 240, 250), -1)  # window
    cv2.rectangle(img, (440, 50), (580, 170), (90, 80, 70), 4)
    cv2.line(img, (510, 50), (510, 170), (90, 80, 70), 3)
    cv2.rectangle(img, (60, 200), (100, 262), (120, 70, 50), -1)  # plant pot
    for a in range(-60, 61, 20):
        tip = (80 + int(50 * math.sin(math.radians(a))), 200 - int(60 * math.cos(math.radians(a))))
        cv2.line(img, (80, 200), tip, (40, 120, 50), 5, cv2.LINE_AA)
    return img


def figure_pose(t: float) -> tuple[float, float, float]:
    """Centre x, hip height bounce and arm phase of the figure at time t (s)."""
    if t < 4:  # walk in from the left
        x = -60 + (t / 4) * 300
    elif t < 8:  # dance in place
        x = 240 + 30 * math.sin((t - 4) * 2.0)
    elif t < 11:  # stand still
        x = 240
    elif t < 17:  # travel right and back with spins
        x = 240 + 120 * math.sin((t - 11) / 6 * math.pi)
    elif t < 19:  # stand still again
        x = 240
    else:  # leave to the right
        x = 240 + (t - 19) / 5 * 480
    still = 8 <= t < 11 or 17 <= t < 19
    bounce = 0.0 if still else 6 * math.sin(t * 6)
    arms = 0.0 if still else t * 4
    return x, bounce, arms


def draw(base: np.ndarray, t: float) -> np.ndarray:
    img = base.copy()
    x, bounce, arms = figure_pose(t)
    cx, hip = int(x), int(250 - bounce)
    colour = (200, 40, 60)  # RGB: a red dress
    cv2.ellipse(img, (cx, hip - 40), (22, 48), 0, 0, 360, colour, -1, cv2.LINE_AA)
    cv2.circle(img, (cx, hip - 100), 16, (230, 190, 160), -1, cv2.LINE_AA)
    for side in (-1, 1):
        angle = math.sin(arms + (0 if side < 0 else math.pi)) * 1.1
        hand = (cx + side * int(45 * math.cos(angle)), hip - 70 - int(45 * math.sin(angle)))
        cv2.line(img, (cx + side * 14, hip - 72), hand, (230, 190, 160), 6, cv2.LINE_AA)
        leg = math.sin(arms * 0.5 + (0 if side < 0 else math.pi)) * 0.4
        foot = (cx + side * 10 + int(40 * math.sin(leg)), hip + 40)
        cv2.line(img, (cx + side * 8, hip), foot, (40, 40, 60), 8, cv2.LINE_AA)
    return img


def main(path: Path) -> None:
    base = backdrop()
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(FPS))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.gop_size = GOP
        stream.options = {
            "crf": "26",
            "preset": "medium",
            "bf": "2",
            "g": str(GOP),
            "keyint_min": str(GOP),
            "sc_threshold": "0",
            "threads": "1",
        }
        for i in range(FPS * SECONDS):
            frame = av.VideoFrame.from_ndarray(draw(base, i / FPS), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("dance.mp4"))
