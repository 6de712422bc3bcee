"""Background ("empty scene") estimates as small streaming classes: ``update`` then ``result``.

Every class keeps one accumulator (or, for the median, a bounded stack), so memory does not
grow with the number of frames except where stated.
"""

from __future__ import annotations

import numpy as np

from vfx.ops.dtypes import float_to_image

__all__ = [
    "BACKGROUND_METHODS",
    "Darken",
    "FirstFrame",
    "Lighten",
    "Mean",
    "Median",
    "StreamingEstimate",
    "lower_median",
]

BACKGROUND_METHODS = ("first", "mean", "median", "lighten", "darken", "auto")


class StreamingEstimate:
    """Base of the streaming estimates: feed frames with ``update``, read ``result``."""

    count: int = 0
    _shape: tuple[int, ...] | None = None
    _dtype: np.dtype | None = None

    def _check(self, frame: np.ndarray) -> None:
        if self._shape is None:
            self._shape, self._dtype = frame.shape, frame.dtype
        elif frame.shape != self._shape or frame.dtype != self._dtype:
            raise ValueError(
                f"frame {frame.shape} {frame.dtype} differs from the first frame "
                f"{self._shape} {self._dtype}"
            )
        self.count += 1

    def update(self, frame: np.ndarray) -> None:
        raise NotImplementedError

    def result(self) -> np.ndarray:
        raise NotImplementedError

    def _require(self) -> None:
        if self.count == 0:
            raise ValueError("no frames were given")


class FirstFrame(StreamingEstimate):
    """The first frame, unchanged."""

    def __init__(self) -> None:
        self._first: np.ndarray | None = None

    def update(self, frame: np.ndarray) -> None:
        self._check(frame)
        if self._first is None:
            self._first = frame.copy()

    def result(self) -> np.ndarray:
        self._require()
        assert self._first is not None
        return self._first.copy()


class Lighten(StreamingEstimate):
    """Per-channel maximum: ``convert ... -background black -compose lighten -flatten``."""

    def __init__(self) -> None:
        self._acc: np.ndarray | None = None

    def update(self, frame: np.ndarray) -> None:
        self._check(frame)
        if self._acc is None:
            self._acc = frame.copy()
        else:
            np.maximum(self._acc, frame, out=self._acc)

    def result(self) -> np.ndarray:
        self._require()
        assert self._acc is not None
        return self._acc.copy()


class Darken(StreamingEstimate):
    """Per-channel minimum: ``convert ... -background white -compose darken -flatten``."""

    def __init__(self) -> None:
        self._acc: np.ndarray | None = None

    def update(self, frame: np.ndarray) -> None:
        self._check(frame)
        if self._acc is None:
            self._acc = frame.copy()
        else:
            np.minimum(self._acc, frame, out=self._acc)

    def result(self) -> np.ndarray:
        self._require()
        assert self._acc is not None
        return self._acc.copy()


class Mean(StreamingEstimate):
    """The exact mean of every frame (float64 accumulator); ``uint16`` out for 8-bit input."""

    def __init__(self) -> None:
        self._sum: np.ndarray | None = None

    def update(self, frame: np.ndarray) -> None:
        self._check(frame)
        if self._sum is None:
            self._sum = frame.astype(np.float64)
        else:
            self._sum += frame

    def mean(self) -> np.ndarray:
        """The mean as float64, in the scale of the input dtype."""
        self._require()
        assert self._sum is not None
        return self._sum / self.count

    def result(self) -> np.ndarray:
        assert self._dtype is not None or self.count == 0
        return float_to_image(self.mean(), self._dtype or np.uint8, fractional=True)


def lower_median(stack: np.ndarray) -> np.ndarray:
    """Per-pixel lower median along axis 0 (an actual sample value, so the dtype is kept).

    >>> lower_median(np.array([[1], [9], [5], [7]], np.uint8)).tolist()
    [5]
    """
    k = (stack.shape[0] - 1) // 2
    return np.partition(stack, k, axis=0)[k]


class Median(StreamingEstimate):
    """Per-pixel (lower) median of the frames given; it rejects a figure that moves.

    Keeps every frame it is given, up to ``max_frames`` (callers choose an evenly spread
    sample of that size), so memory is bounded by ``max_frames`` frames.
    """

    def __init__(self, max_frames: int = 255) -> None:
        if max_frames < 1:
            raise ValueError(f"max_frames must be >= 1, got {max_frames}")
        self.max_frames = max_frames
        self._frames: list[np.ndarray] = []

    def update(self, frame: np.ndarray) -> None:
        if self.count >= self.max_frames:
            raise ValueError(f"median keeps at most {self.max_frames} frames")
        self._check(frame)
        self._frames.append(frame.copy())

    def result(self) -> np.ndarray:
        self._require()
        return lower_median(np.stack(self._frames))
