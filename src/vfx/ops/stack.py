"""Background ("empty scene") estimates as small streaming classes: ``update`` then ``result``.

Every class keeps one accumulator (or, for the median, a bounded stack), so memory does not
grow with the number of frames except where stated.
"""

from __future__ import annotations

import numpy as np

from vfx.ops.dtypes import float_to_image
from vfx.ops.subtraction import LUMA

__all__ = [
    "BACKGROUND_METHODS",
    "Darken",
    "FirstFrame",
    "Lighten",
    "Mean",
    "Median",
    "StreamingEstimate",
    "median_by_intensity",
]

BACKGROUND_METHODS = ("first", "mean", "median", "lighten", "darken", "auto")


class StreamingEstimate:
    """Base of the streaming estimates: feed frames with ``update``, read ``result``.

    Both take ``copy`` (default True). ``update(frame, copy=False)`` hands the frame over: an
    estimate that keeps a frame-sized buffer (the first frame, a running extremum, the
    median's stack) may keep ``frame`` itself and write into it, so the caller must not use
    it again. ``result(copy=False)`` may return the estimate's own buffer, which later
    updates would change. Streams of freshly decoded frames save a copy of a frame, and its
    page faults, at each end.
    """

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

    def update(self, frame: np.ndarray, *, copy: bool = True) -> None:
        raise NotImplementedError

    def result(self, *, copy: bool = True) -> np.ndarray:
        raise NotImplementedError

    def _require(self) -> None:
        if self.count == 0:
            raise ValueError("no frames were given")


class FirstFrame(StreamingEstimate):
    """The first frame, unchanged."""

    def __init__(self) -> None:
        self._first: np.ndarray | None = None

    def update(self, frame: np.ndarray, *, copy: bool = True) -> None:
        self._check(frame)
        if self._first is None:
            self._first = frame.copy() if copy else frame

    def result(self, *, copy: bool = True) -> np.ndarray:
        self._require()
        assert self._first is not None
        return self._first.copy() if copy else self._first


class _Extremum(StreamingEstimate):
    """Per-channel running extremum of the frames, with one accumulator."""

    _reduce = staticmethod(np.maximum)

    def __init__(self) -> None:
        self._acc: np.ndarray | None = None

    def update(self, frame: np.ndarray, *, copy: bool = True) -> None:
        self._check(frame)
        if self._acc is None:
            self._acc = frame.copy() if copy or not frame.flags.writeable else frame
        else:
            self._reduce(self._acc, frame, out=self._acc)

    def result(self, *, copy: bool = True) -> np.ndarray:
        self._require()
        assert self._acc is not None
        return self._acc.copy() if copy else self._acc


class Lighten(_Extremum):
    """Per-channel maximum: ``convert ... -background black -compose lighten -flatten``."""

    _reduce = staticmethod(np.maximum)


class Darken(_Extremum):
    """Per-channel minimum: ``convert ... -background white -compose darken -flatten``."""

    _reduce = staticmethod(np.minimum)


class Mean(StreamingEstimate):
    """The exact mean of every frame (float64 sum, exact for integer frames); ``uint16`` out for
    8-bit input."""

    #: 8-bit frames are first summed into a ``uint16`` block, exact for this many frames
    #: (257 x 255 = 65535), then the block into the float64 sum: numpy adds 8-bit frames into
    #: 16-bit twice as fast as OpenCV accumulates them into float64 (0.07 against 0.14 ms a
    #: 518x496 RGB frame), with the same, exact, sums.
    BLOCK = 257

    def __init__(self) -> None:
        self._sum: np.ndarray | None = None
        self._block: np.ndarray | None = None
        self._in_block = 0

    def update(self, frame: np.ndarray, *, copy: bool = True) -> None:
        import cv2

        self._check(frame)
        if self._sum is None:
            self._sum = np.zeros(frame.shape, np.float64)
        if frame.dtype == np.uint8:
            if self._block is None:
                self._block = np.zeros(frame.shape, np.uint16)
            if frame.flags.c_contiguous:
                # As flat arrays: numpy then casts and adds in one long run instead of three
                # samples at a time (0.066 against 0.113 ms a 518x496 RGB frame).
                np.add(self._block.reshape(-1), frame.reshape(-1), out=self._block.reshape(-1))
            else:
                np.add(self._block, frame, out=self._block)
            self._in_block += 1
            if self._in_block == self.BLOCK:
                self._flush()
            return
        # Other integer frames sum exactly in float64 up to 2**53, and cv2.accumulate adds
        # uint16 into float64 with SIMD.
        cv2.accumulate(frame, self._sum)

    def _flush(self) -> None:
        if self._in_block:
            assert self._sum is not None and self._block is not None
            self._sum += self._block
            self._block.fill(0)
            self._in_block = 0

    def mean(self) -> np.ndarray:
        """The mean as float64, in the scale of the input dtype."""
        self._require()
        self._flush()
        assert self._sum is not None
        return self._sum / self.count

    def result(self, *, copy: bool = True) -> np.ndarray:
        assert self._dtype is not None or self.count == 0
        return float_to_image(self.mean(), self._dtype or np.uint8, fractional=True)


def median_by_intensity(stack: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
    """Per pixel, the frame's whole pixel whose intensity is the median.

    This is ImageMagick's ``-evaluate-sequence median``: pixels are ordered by their Rec. 709
    luma (truncated to an integer in the 16-bit quantum), brightest first, and element
    ``n // 2`` is kept (the lower median for an even count), so the
    result is always a colour that occurs at that spot (channels are never mixed across
    frames).

    ``exclude`` (``bool (N, H, W)``) leaves pixels out: the median is then that of the
    pixels kept at each spot, and of all of them where none is kept (a figure that never
    left that spot).

    >>> px = np.array([[[[10, 0, 0]]], [[[0, 200, 0]]], [[[0, 0, 90]]]], np.uint8)
    >>> median_by_intensity(px).tolist()
    [[[0, 0, 90]]]
    >>> median_by_intensity(px, exclude=np.array([[[False]], [[False]], [[True]]])).tolist()
    [[[10, 0, 0]]]
    """
    h, w = stack.shape[1:3]
    out = np.empty(stack.shape[1:], stack.dtype)
    # A band of rows at a time: the temporaries (a key per frame and pixel, in doubles) then
    # stay a few megabytes, in cache, instead of several hundred fresh ones per call (0.46
    # against 0.2 s for 10 frames of 1280x720).
    rows = max(1, (1 << 17) // max(1, w))
    for top in range(0, h, rows):
        band = stack[:, top : top + rows]
        left_out = None if exclude is None else exclude[:, top : top + rows]
        out[top : top + rows] = _median_band(band, left_out)
    return out


def _median_band(stack: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
    """:func:`median_by_intensity` of ``(N, rows, W, 3)`` pixels."""
    n = stack.shape[0]
    scale = 257.0 if stack.dtype == np.uint8 else 1.0
    wr, wg, wb = LUMA
    # ImageMagick sorts by descending intensity (ties keep frame order) and keeps element n/2.
    # Pack (descending key, frame) into one unique integer and partition on it. The key is
    # computed as ImageMagick does, in doubles on 16-bit values and in this order, so that
    # ties fall the same way (a grey pixel lands exactly on an integer).
    wide = 65536 * n * (1 if exclude is None else 2) >= 2**31
    code = np.empty(stack.shape[:3], np.int64 if wide else np.int32)
    for i in range(n):
        q = stack[i].astype(np.float64) * scale
        key = np.floor(wr * q[..., 0] + wg * q[..., 1] + wb * q[..., 2])
        code[i] = (65535 - key) * n + i
    if exclude is None:
        chosen = np.partition(code, n // 2, axis=0)[n // 2] % n
    else:
        # pixels left out sort after every kept one; each spot takes the median of its own
        # kept count, or of all n where nothing is kept
        code += exclude.astype(code.dtype) * (65536 * n)
        kept = n - exclude.sum(axis=0)
        rank = np.where(kept > 0, kept // 2, n // 2)
        code.sort(axis=0)
        chosen = np.take_along_axis(code, rank[None], axis=0)[0] % n
    return np.take_along_axis(stack, chosen[None, ..., None].astype(np.intp), axis=0)[0]


class Median(StreamingEstimate):
    """Per-pixel median of the frames given (by intensity, as ImageMagick); it rejects a
    figure that moves.

    Keeps every frame it is given, up to ``max_frames`` (callers choose an evenly spread
    sample of that size), so memory is bounded by ``max_frames`` frames.
    """

    def __init__(self, max_frames: int = 255) -> None:
        if max_frames < 1:
            raise ValueError(f"max_frames must be >= 1, got {max_frames}")
        self.max_frames = max_frames
        self._frames: list[np.ndarray] = []
        self._excluded: list[np.ndarray | None] = []

    def update(
        self, frame: np.ndarray, *, copy: bool = True, exclude: np.ndarray | None = None
    ) -> None:
        """Add a frame; ``exclude`` (``bool (H, W)``) marks its pixels to leave out (a figure
        that is known, so that the median is the scene behind it). Spots left out of every
        frame are filled from their surroundings (OpenCV's Navier-Stokes inpainting, 8-bit RGB)."""
        if self.count >= self.max_frames:
            raise ValueError(f"median keeps at most {self.max_frames} frames")
        self._check(frame)
        if exclude is not None and exclude.shape != frame.shape[:2]:
            raise ValueError(f"exclude {exclude.shape} differs from the frame {frame.shape[:2]}")
        self._frames.append(frame.copy() if copy else frame)
        self._excluded.append(exclude)

    def result(self, *, copy: bool = True) -> np.ndarray:
        self._require()
        if all(e is None for e in self._excluded):
            return median_by_intensity(np.stack(self._frames))
        shape = self._frames[0].shape[:2]
        exclude = np.stack([np.zeros(shape, bool) if e is None else e for e in self._excluded])
        out = median_by_intensity(np.stack(self._frames), exclude)
        never = exclude.all(axis=0)
        if never.any() and out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3:
            # where the figure never left, the scene was never seen: filled from around it
            import cv2

            out = cv2.inpaint(out, never.astype(np.uint8), 5, cv2.INPAINT_NS)
        return out
