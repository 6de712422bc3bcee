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

__all__ = ["parse_time", "ranks_at", "ranks_between", "target_times"]

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
