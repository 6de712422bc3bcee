"""Which frames to take: pure functions from times to frame indices.

A target time ``t`` selects the frame on screen at ``t``: the last frame whose presentation time
is at or before ``t`` (or the first frame, for a ``t`` before it). Each frame is taken at most
once, so asking for more frames per second than the video has yields every frame once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from vfx.errors import ParameterError

__all__ = [
    "parse_time",
    "ranks_at",
    "ranks_between",
    "sharpest_ranks",
    "sharpness",
    "target_times",
    "window_ranks",
]

# Tolerance for comparing float seconds: far below any frame duration.
_EPS = 1e-9


def parse_time(text: str) -> float:
    """Seconds from ``"12.5"``, ``"1:02.5"`` or ``"01:02:03.25"``.

    >>> parse_time("1:02.5")
    62.5
    """
    raw = text.strip()
    if not re.fullmatch(r"(\d+:){0,2}\d+(\.\d*)?|\.\d+", raw):
        raise ParameterError(f"cannot read time {text!r}; use seconds or [HH:]MM:SS[.fff]")
    seconds = 0.0
    for part in raw.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def target_times(
    *,
    every_s: float | None = None,
    fps: float | None = None,
    at_s: Sequence[float] | None = None,
    start_s: float = 0.0,
    end_s: float,
) -> np.ndarray:
    """Times in seconds at which to take frames, ascending.

    Exactly one of ``every_s``, ``fps`` or ``at_s`` is given. Regular times run from ``start_s``
    while below ``end_s``; ``at_s`` times outside ``[start_s, end_s]`` are dropped.
    """
    given = [x is not None for x in (every_s, fps, at_s)]
    if sum(given) != 1:
        raise ParameterError("give exactly one of every, fps or at")
    if at_s is not None:
        times = np.asarray(sorted(at_s), dtype=np.float64)
        return times[(times >= start_s - _EPS) & (times <= end_s + _EPS)]
    step = every_s if every_s is not None else 1.0 / fps  # type: ignore[operator]
    if not step > 0 or not math.isfinite(step):
        raise ParameterError(f"sampling interval must be positive, got {step}")
    count = max(0, math.ceil((end_s - start_s) / step - _EPS))
    return start_s + step * np.arange(count, dtype=np.float64)


def ranks_at(frame_times_s: np.ndarray, targets_s: np.ndarray) -> np.ndarray:
    """Indices of the frames on screen at each target time (unique, ascending).

    >>> ranks_at(np.array([0.0, 0.5, 1.0, 1.5]), np.array([0.0, 0.7, 0.99, 1.0, 9.0]))
    array([0, 1, 2, 3])
    """
    if frame_times_s.size == 0 or targets_s.size == 0:
        return np.zeros(0, dtype=np.int64)
    idx = np.searchsorted(frame_times_s, targets_s + _EPS, side="right") - 1
    return np.unique(np.clip(idx, 0, frame_times_s.size - 1)).astype(np.int64)


def ranks_between(frame_times_s: np.ndarray, start_s: float, end_s: float | None) -> np.ndarray:
    """Indices of all frames with ``start_s <= time < end_s``."""
    lo = int(np.searchsorted(frame_times_s, start_s - _EPS, side="left"))
    hi = (
        frame_times_s.size
        if end_s is None
        else int(np.searchsorted(frame_times_s, end_s - _EPS, side="left"))
    )
    return np.arange(lo, max(lo, hi), dtype=np.int64)


def sharpness(grey: np.ndarray) -> float:
    """How sharp a picture is: the variance of the Laplacian of its luma (Pech-Pacheco et
    al. 2000, the usual focus measure; motion blur and shake lower it).

    >>> flat = np.full((32, 32), 100, np.uint8)
    >>> edge = flat.copy(); edge[:, 16:] = 200
    >>> sharpness(flat), sharpness(edge) > 0
    (0.0, True)
    """
    import cv2

    return float(cv2.Laplacian(np.asarray(grey), cv2.CV_64F, ksize=1).var())


def window_ranks(frame_times_s: np.ndarray, planned: np.ndarray, window_s: float) -> np.ndarray:
    """The display ranks within ``window_s`` seconds of each planned rank, sorted, once each."""
    planned = np.asarray(planned, dtype=np.int64)
    if planned.size == 0:
        return planned
    lo, hi = _windows(frame_times_s, planned, window_s)
    return np.unique(np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)]))


def _windows(
    frame_times_s: np.ndarray, planned: np.ndarray, window_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per planned rank, the first rank within ``window_s`` of it and one past the last."""
    times = np.asarray(frame_times_s, dtype=np.float64)
    lo = np.searchsorted(times, times[planned] - window_s - 1e-9, side="left")
    hi = np.searchsorted(times, times[planned] + window_s + 1e-9, side="right")
    return lo, hi


def sharpest_ranks(
    frame_times_s: np.ndarray, planned: np.ndarray, window_s: float, scores: dict[int, float]
) -> tuple[np.ndarray, np.ndarray]:
    """For each planned rank, the rank within ``window_s`` seconds of it with the highest
    score (ties: the nearer in time, then the earlier), never one another planned rank has
    taken: ``(chosen, planned)`` arrays, without the planned ranks whose every frame was
    taken (two outputs are never one frame).

    >>> times = np.arange(10) / 10
    >>> chosen, planned = sharpest_ranks(
    ...     times, np.array([2, 4]), 0.15, {1: 5, 2: 1, 3: 9, 4: 2, 5: 3})
    >>> chosen.tolist(), planned.tolist()
    ([3, 5], [2, 4])
    """
    times = np.asarray(frame_times_s, dtype=np.float64)
    planned = np.asarray(planned, dtype=np.int64)
    taken: set[int] = set()
    chosen, kept = [], []
    for p, lo, hi in zip(planned.tolist(), *_windows(times, planned, window_s), strict=True):
        free = [r for r in range(int(lo), int(hi)) if r not in taken and r in scores]
        if not free:
            continue
        best = max(free, key=lambda r: (scores[r], -abs(times[r] - times[p]), -r))
        taken.add(best)
        chosen.append(best)
        kept.append(p)
    return np.array(chosen, dtype=np.int64), np.array(kept, dtype=np.int64)
