"""Coloured squares moving over a dark ground: the clip of the self-similarity test, whose
formula bench/ssm_oracle.py also uses to record the Musical Gestures Toolbox's matrix of it
(numpy only: that script runs in the toolbox's environment, without vfx)."""

from __future__ import annotations

import numpy as np

WIDTH, HEIGHT, COUNT, FPS = 80, 60, 48, 25


def frames() -> list[np.ndarray]:
    """The clip's RGB frames: a blue square moving right (frames 4-28), a red bar moving down
    (frames 16-40) and a green square jumping every 8th frame, on a dark ground."""
    out = []
    for i in range(COUNT):
        image = np.full((HEIGHT, WIDTH, 3), 12, np.uint8)
        x = 4 + 2 * min(max(i - 4, 0), 24)
        image[8:20, x : x + 12] = (30, 40, 200)
        y = 2 + min(max(i - 16, 0), 24)
        image[y : y + 8, 50:74] = (210, 30, 20)
        g = 6 if (i // 8) % 2 else 30
        image[40:50, g : g + 10] = (20, 180, 40)
        out.append(image)
    return out
