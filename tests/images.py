"""Small synthetic images for the array operations' tests."""

from __future__ import annotations

import numpy as np


def textured(h: int = 120, w: int = 160, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(60, 180, (h // 8, w // 8, 3)).astype(np.uint8)
    return np.kron(base, np.ones((8, 8, 1), np.uint8))


def with_square(
    bg: np.ndarray, y: int, x: int, size: int = 40, colour: tuple[int, int, int] = (250, 30, 30)
) -> np.ndarray:
    out = bg.copy()
    out[y : y + size, x : x + size] = colour
    return out
