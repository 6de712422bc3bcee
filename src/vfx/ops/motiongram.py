"""Motion pictures from frame differences: motion images, motiongrams, motion history, stats.

Pure functions and small streaming classes (``update(image)``, ``result()``) over ``uint8``
arrays; nothing here reads or writes files.

Conventions
-----------
* A *motion image* is ``|frame - previous frame|`` as ``uint8`` (grey ``(H, W)`` or colour
  ``(H, W, 3)``), with values below the threshold set to 0 (or, binary, everything at or
  above it set to 255). The threshold applies to the difference, never to the frame.
* A *motiongram* stacks one profile per motion image over time. ``time_x``: one column per
  frame, time running left to right; each column is the mean over each row (the vertical
  profile, ``H`` values). ``time_y``: one row per frame, time running top to bottom; each row
  is the mean down each column (the horizontal profile, ``W`` values). A *videogram* is the
  same over the frames themselves.
"""

from __future__ import annotations

import logging
import math

import cv2
import numpy as np

__all__ = [
    "MotionHistory",
    "Profiles",
    "batch_stats",
    "extent_from_sums",
    "motion_image",
    "motion_stats",
    "profile_sums",
    "stats_from_sums",
    "stretch_lines",
    "threshold_level",
]

log = logging.getLogger("vfx")


def threshold_level(threshold: float) -> int:
    """The smallest ``uint8`` difference that is not below ``threshold`` (a 0-1 fraction).

    >>> threshold_level(0.05)
    13
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    return math.ceil(threshold * 255 - 1e-9)


def motion_image(
    previous: np.ndarray,
    current: np.ndarray,
    *,
    threshold: float = 0.05,
    binary: bool = False,
    median: int = 0,
) -> np.ndarray:
    """The thresholded absolute difference of two ``uint8`` frames of the same shape.

    Parameters
    ----------
    previous, current
        Grey ``(H, W)`` or colour ``(H, W, 3)`` ``uint8`` frames.
    threshold
        Differences below this fraction of full scale become 0.
    binary
        Differences at or above the threshold become 255 instead of keeping their value.
    median
        Odd kernel size of a median filter applied to the difference before thresholding
        (removes single-pixel noise); 0 or 1 disables it.

    Examples
    --------
    >>> a = np.array([[0, 0], [0, 0]], np.uint8); b = np.array([[10, 20], [200, 0]], np.uint8)
    >>> motion_image(a, b, threshold=0.05).tolist()
    [[0, 20], [200, 0]]
    """
    if previous.shape != current.shape:
        raise ValueError(f"frame shapes differ: {previous.shape} and {current.shape}")
    if previous.dtype != np.uint8 or current.dtype != np.uint8:
        raise ValueError("motion_image takes uint8 frames")
    if median and median > 1 and median % 2 == 0:
        raise ValueError(f"median kernel must be odd, got {median}")
    diff = cv2.absdiff(current, previous)
    if median and median > 1:
        diff = cv2.medianBlur(diff, median)
    level = threshold_level(threshold)
    if binary:
        _, out = cv2.threshold(diff, level - 1, 255, cv2.THRESH_BINARY)
    elif level > 0:
        _, out = cv2.threshold(diff, level - 1, 255, cv2.THRESH_TOZERO)
    else:
        out = diff
    return out


#: Luma weights (BT.601) that weight colour motion for the centroid.
_LUMA = np.array([0.299, 0.587, 0.114])


def profile_sums(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``int32`` sums of a ``uint8`` image: down each column ``(W, C)`` and along each
    row ``(H, C)``, with ``C`` 1 for grey.

    The motion statistics and a motiongram's profiles both come from these two vectors, so a
    motion image is summed once for both. Colour rows are summed one channel at a time:
    OpenCV sums along the rows of one channel about ten times faster than of interleaved
    channels, and integer sums run about ten times faster than its float averages.

    >>> cols, rows = profile_sums(np.array([[1, 2], [3, 4]], np.uint8))
    >>> cols.ravel().tolist(), rows.ravel().tolist()
    ([4, 6], [3, 7])
    """
    if image.dtype != np.uint8:
        raise ValueError(f"profile_sums takes uint8 images, got {image.dtype}")
    columns = cv2.reduce(image, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S).reshape(image.shape[1], -1)
    planes = cv2.split(image) if image.ndim == 3 else [image]
    rows = np.concatenate(
        [cv2.reduce(p, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S) for p in planes], axis=1
    )
    return columns, rows


def extent_from_sums(columns: np.ndarray, rows: np.ndarray) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)``: the columns ``x0:x1`` and rows ``y0:y1`` outside of which an
    image is 0, from its :func:`profile_sums`; ``(0, 0, 0, 0)`` for an image that is all 0.

    >>> extent_from_sums(*profile_sums(np.array([[0, 0, 0], [0, 5, 0]], np.uint8)))
    (1, 1, 2, 2)
    """
    # Flat indices of the (W, C) and (H, C) sums: the pixel index is the flat one over C.
    xs = np.flatnonzero(columns)
    if xs.size == 0:
        return (0, 0, 0, 0)
    ys = np.flatnonzero(rows)
    c = columns.shape[1] if columns.ndim == 2 else 1
    return int(xs[0]) // c, int(ys[0]) // c, int(xs[-1]) // c + 1, int(ys[-1]) // c + 1


def motion_stats(motion: np.ndarray) -> dict[str, float]:
    """Quantity of motion, centroid and bounding box of a ``uint8`` motion image.

    ``qom`` is the mean of the motion image as a fraction of full scale (0-1; colour: the
    mean over the three channels). The centroid is the motion-weighted mean position (colour
    motion is weighted by its BT.601 luma) and the bounding box encloses every pixel with
    motion in any channel, both normalised to 0-1 by the image width and height (pixel
    centres: ``(x + 0.5) / W``). Without motion the centroid and box are ``NaN``.

    >>> m = np.zeros((4, 4), np.uint8); m[1, 2] = 255
    >>> s = motion_stats(m); (s["qom"], s["centroid_x"], s["centroid_y"])
    (0.0625, 0.625, 0.375)
    """
    return stats_from_sums(*profile_sums(motion))


def stats_from_sums(columns: np.ndarray, rows: np.ndarray) -> dict[str, float]:
    """:func:`motion_stats` from the image's :func:`profile_sums` (``(W, C)`` and ``(H, C)``).

    Grey sums stay integers, so the grey centroid is exact.
    """
    return {key: float(values[0]) for key, values in batch_stats(columns[None], rows[None]).items()}


def batch_stats(columns: np.ndarray, rows: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`stats_from_sums` of ``N`` images at once, from their stacked sums.

    ``columns`` is ``(N, W, C)`` and ``rows`` ``(N, H, C)``; each statistic comes back as an
    array of ``N`` values, the same as image by image. A motion pass computes its statistics
    a block of frames at a time: a dozen small numpy operations per frame would cost a tenth
    of the pass.
    """
    _, w, channels = columns.shape
    h = rows.shape[1]
    qom = columns.sum(axis=(1, 2)) / (h * w * channels * 255.0)
    if channels == 1:  # integer weights: the exact weighted mean
        column_weight, row_weight = columns[..., 0].astype(np.int64), rows[..., 0].astype(np.int64)
    else:
        weights = _LUMA if channels == 3 else np.full(channels, 1 / channels)
        column_weight, row_weight = (columns * weights).sum(axis=2), (rows * weights).sum(axis=2)
    total = column_weight.sum(axis=1).astype(np.float64)
    moving = total > 0
    safe = np.where(moving, total, 1.0)
    nan = np.float64("nan")
    cx = ((np.arange(w) * column_weight).sum(axis=1) / safe + 0.5) / w
    cy = ((np.arange(h) * row_weight).sum(axis=1) / safe + 0.5) / h
    # First and last column (row) with motion in any channel.
    xs, ys = columns.any(axis=2), rows.any(axis=2)
    x0, y0 = xs.argmax(axis=1), ys.argmax(axis=1)
    x1, y1 = w - xs[:, ::-1].argmax(axis=1), h - ys[:, ::-1].argmax(axis=1)
    return {
        "qom": qom,
        "centroid_x": np.where(moving, cx, nan),
        "centroid_y": np.where(moving, cy, nan),
        "bbox_x0": np.where(moving, x0 / w, nan),
        "bbox_y0": np.where(moving, y0 / h, nan),
        "bbox_x1": np.where(moving, x1 / w, nan),
        "bbox_y1": np.where(moving, y1 / h, nan),
    }


class Profiles:
    """Motiongram (or videogram) accumulator: one row and one column profile per image.

    Memory grows by ``H + W`` floats (times channels) per image. When more than
    ``max_length`` images have been added, neighbouring profiles are averaged in pairs (the
    time axis is downsampled by 2, repeatedly if needed) and a warning is logged once; the
    result then has one profile per ``factor`` images.
    """

    def __init__(self, max_length: int = 20000, *, name: str = "motiongram"):
        if max_length < 2:
            raise ValueError(f"max_length must be at least 2, got {max_length}")
        self.max_length = max_length
        self.name = name
        self.factor = 1
        self._count = 0
        self._rows: list[np.ndarray] = []  # per image: mean down each column (W[,C])
        self._cols: list[np.ndarray] = []  # per image: mean along each row (H[,C])
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._sums: list[tuple[np.ndarray, np.ndarray]] = []  # not yet made means

    @property
    def count(self) -> int:
        """How many images have been added."""
        return self._count + len(self._sums)

    #: Integer sums are made into means this many images at a time: two numpy operations per
    #: block instead of four per image.
    BLOCK = 256

    def update(self, image: np.ndarray) -> None:
        """Add the profiles of one image (``uint8``/``float``, grey or colour)."""
        h, w = image.shape[:2]
        if image.dtype == np.uint8:
            self.add_sums(*profile_sums(image))
            return
        self._means()
        row = cv2.reduce(image, 0, cv2.REDUCE_AVG, dtype=cv2.CV_32F).reshape(w, -1)
        col = np.concatenate(
            [cv2.reduce(c, 1, cv2.REDUCE_AVG, dtype=cv2.CV_32F) for c in cv2.split(image)]
            if image.ndim == 3
            else [cv2.reduce(image, 1, cv2.REDUCE_AVG, dtype=cv2.CV_32F)],
            axis=1,
        ).reshape(h, -1)
        self._add(row, col)

    def add_lines(self, row: np.ndarray, column: np.ndarray) -> None:
        """Add one image's profiles as given: ``row`` ``(W[, C])`` for the time-y picture and
        ``column`` ``(H[, C])`` for the time-x one (a slit-scan adds the image's own row and
        column through the slit)."""
        self._means()
        w, h = row.shape[0], column.shape[0]
        self._add(
            np.asarray(row, np.float32).reshape(w, -1),
            np.asarray(column, np.float32).reshape(h, -1),
        )

    def add_sums(self, columns: np.ndarray, rows: np.ndarray) -> None:
        """Add the profiles of one ``uint8`` image from its :func:`profile_sums`."""
        self._sums.append((columns, rows))
        if len(self._sums) == self.BLOCK:
            self._means()

    def _means(self) -> None:
        """The waiting sums as means (the same float32 division, a block at a time)."""
        if not self._sums:
            return
        columns, rows = (np.stack(s) for s in zip(*self._sums, strict=True))
        self._sums.clear()
        h, w = rows.shape[1], columns.shape[1]
        means_down = columns.astype(np.float32) / np.float32(h)
        means_along = rows.astype(np.float32) / np.float32(w)
        for row, col in zip(means_down, means_along, strict=True):
            self._add(row, col)

    def _add(self, row: np.ndarray, col: np.ndarray) -> None:
        self._count += 1
        self._pending.append((row, col))
        if len(self._pending) < self.factor:
            return
        if len(self._pending) == 1:
            rows, cols = self._pending[0]
        else:
            rows = np.mean([p[0] for p in self._pending], axis=0, dtype=np.float32)
            cols = np.mean([p[1] for p in self._pending], axis=0, dtype=np.float32)
        self._pending.clear()
        self._rows.append(rows)
        self._cols.append(cols)
        if len(self._rows) > self.max_length:
            self._halve()

    def _halve(self) -> None:
        if self.factor == 1:
            log.warning(
                "%s longer than %d frames: averaging neighbouring frames to keep it bounded",
                self.name,
                self.max_length,
            )
        odd_r = self._rows.pop() if len(self._rows) % 2 else None
        odd_c = self._cols.pop() if len(self._cols) % 2 else None
        self._rows = [(a + b) / 2 for a, b in zip(self._rows[::2], self._rows[1::2], strict=True)]
        self._cols = [(a + b) / 2 for a, b in zip(self._cols[::2], self._cols[1::2], strict=True)]
        self.factor *= 2
        if odd_r is not None and odd_c is not None:
            # a lone profile worth half a new slot: carry it as pending images
            self._pending = [(odd_r, odd_c)] * (self.factor // 2)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """``(time_x, time_y)`` as float32 arrays in the input's value scale.

        ``time_x`` is ``(H, N)`` (or ``(H, N, C)``): column ``t`` is the row-mean profile of
        image ``t``. ``time_y`` is ``(N, W)`` (or ``(N, W, C)``): row ``t`` is the column-mean
        profile of image ``t``.
        """
        self._means()
        rows, cols = list(self._rows), list(self._cols)
        if self._pending:
            rows.append(np.mean([p[0] for p in self._pending], axis=0))
            cols.append(np.mean([p[1] for p in self._pending], axis=0))
        if not rows:
            raise ValueError(f"{self.name} has no frames")
        time_y = np.stack(rows, axis=0)
        time_x = np.stack(cols, axis=1)
        if time_y.shape[-1] == 1:
            time_y, time_x = time_y[..., 0], time_x[..., 0]
        return time_x, time_y


class MotionHistory:
    """Motion history image: ``history = max(history * decay, motion)`` per pixel.

    Recent motion is bright and older motion fades by ``decay`` per frame (0 keeps only the
    latest motion, 1 never forgets).
    """

    def __init__(self, decay: float = 0.9):
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f"decay must be between 0 and 1, got {decay}")
        self.decay = decay
        self._history: np.ndarray | None = None

    def update(self, motion: np.ndarray) -> np.ndarray:
        """Add a motion image; returns the current history (float32, 0-255 scale)."""
        if self._history is None:
            self._history = motion.astype(np.float32)
        else:
            np.multiply(self._history, np.float32(self.decay), out=self._history)
            np.maximum(self._history, motion, out=self._history)
        return self._history

    def result(self) -> np.ndarray:
        if self._history is None:
            raise ValueError("motion history has no frames")
        return self._history.copy()


def stretch_lines(picture: np.ndarray, *, time_axis: int) -> np.ndarray:
    """Each time line of a videogram stretched to full range, channel by channel: FFmpeg's
    ``normalize`` filter (its defaults) on each frame's line, as the Musical Gestures
    Toolbox draws videograms.

    ``picture`` holds 0-255 values (``uint8`` or float, rounded first), grey ``(A, B)`` or
    colour ``(A, B, 3)``; ``time_axis`` is 0 when each row is one frame's line and 1 when
    each column is. A line's smallest value becomes 0 and its largest 255; a flat line
    becomes 0. Returns ``uint8``.

    >>> stretch_lines(np.array([[10, 20, 30], [5, 5, 5]], np.uint8), time_axis=0).tolist()
    [[0, 128, 255], [0, 0, 0]]
    """
    if time_axis not in (0, 1):
        raise ValueError(f"time_axis must be 0 or 1, got {time_axis}")
    values = np.rint(picture).astype(np.float32) if picture.dtype != np.uint8 else picture
    along = 1 - time_axis  # the axis within one line
    low = values.min(axis=along, keepdims=True).astype(np.float32)
    high = values.max(axis=along, keepdims=True).astype(np.float32)
    span = high - low
    scale = np.where(span > 0, np.float32(255.0) / np.where(span > 0, span, 1), 0)
    out = (values.astype(np.float32) - low) * scale.astype(np.float32) + np.float32(0.5)
    return np.clip(out, 0, 255).astype(np.uint8)
